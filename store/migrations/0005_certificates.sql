-- Certificates (DESIGN §7): one assessment, a certificate from each region's
-- certifying body that recognises it (一试多证).
--
-- Frameworks and their levels are data shipped in assets/frameworks and
-- synchronised at start; levels are kept natively, never unified.

CREATE TABLE frameworks (
    code   TEXT PRIMARY KEY,
    region TEXT NOT NULL CHECK (region IN ('GD', 'HK', 'MO')),
    name   TEXT NOT NULL -- JSON names
);

CREATE TABLE framework_levels (
    framework TEXT    NOT NULL REFERENCES frameworks (code),
    code      TEXT    NOT NULL,
    rank      INTEGER NOT NULL,
    digit     TEXT    NOT NULL DEFAULT '', -- level digit of a Mainland number
    name      TEXT    NOT NULL,            -- JSON names
    PRIMARY KEY (framework, code)
);

-- A certifying body: its region, names, framework, the languages its
-- certificates speak, how it numbers them.
CREATE TABLE issuers (
    id              INTEGER PRIMARY KEY,
    code            TEXT    NOT NULL UNIQUE,
    region          TEXT    NOT NULL CHECK (region IN ('GD', 'HK', 'MO')),
    name            TEXT    NOT NULL, -- JSON names
    framework       TEXT    NOT NULL REFERENCES frameworks (code),
    languages       TEXT    NOT NULL, -- JSON list, print order
    numbering       TEXT    NOT NULL CHECK (numbering IN ('mainland', 'template')),
    number_template TEXT    NOT NULL DEFAULT '', -- e.g. HKDEMO-{year}-{serial:6}
    evaluator       TEXT    NOT NULL DEFAULT '', -- Mainland: Y or S
    org_code        TEXT    NOT NULL DEFAULT '', -- Mainland: 4 digits
    province        TEXT    NOT NULL DEFAULT '', -- Mainland: 2 digits
    site            TEXT    NOT NULL DEFAULT '', -- Mainland: 6 digits
    demo            INTEGER NOT NULL DEFAULT 0 CHECK (demo IN (0, 1)),
    created_at      TEXT    NOT NULL
);

-- An issuer's keys: one for PDF signatures (with its X.509 certificate), one
-- for the QR claims. Keys are rotated, never deleted; private keys are
-- sealed with the master key.
CREATE TABLE issuer_keys (
    id             INTEGER PRIMARY KEY,
    issuer_id      INTEGER NOT NULL REFERENCES issuers (id),
    kid            TEXT    NOT NULL UNIQUE,
    purpose        TEXT    NOT NULL CHECK (purpose IN ('pdf', 'claims')),
    algorithm      TEXT    NOT NULL,
    public_jwk     TEXT    NOT NULL,
    certificate    TEXT    NOT NULL DEFAULT '', -- PEM, for pdf keys
    sealed         TEXT    NOT NULL,
    not_before     TEXT    NOT NULL,
    not_after      TEXT,
    retired_at     TEXT,
    compromised_at TEXT,
    created_at     TEXT    NOT NULL
);
CREATE INDEX issuer_keys_issuer ON issuer_keys (issuer_id, purpose);

-- A skill's recognition plan: per issuer, the level awarded for an
-- achievement; the first entry (by position) an entry's result meets wins.
CREATE TABLE plan_entries (
    id          INTEGER PRIMARY KEY,
    skill_id    INTEGER NOT NULL REFERENCES skills (id) ON DELETE CASCADE,
    issuer_id   INTEGER NOT NULL REFERENCES issuers (id),
    position    INTEGER NOT NULL,
    achievement TEXT    NOT NULL CHECK (achievement IN ('gold', 'silver', 'bronze', 'medal', 'medallion', 'score')),
    min_score   REAL,
    level       TEXT    NOT NULL,
    provenance  TEXT    NOT NULL CHECK (provenance IN ('official', 'indicative')),
    reference   TEXT    NOT NULL DEFAULT '',
    UNIQUE (skill_id, issuer_id, position),
    CHECK (provenance = 'indicative' OR reference <> ''),
    CHECK ((achievement = 'score') = (min_score IS NOT NULL))
);

-- An issuance: a background job over a skill's final results. Its
-- certificates stay pending (invisible) until the job commits them all.
CREATE TABLE issuance_batches (
    id             INTEGER PRIMARY KEY,
    skill_id       INTEGER NOT NULL REFERENCES skills (id),
    results_sha256 TEXT    NOT NULL,
    state          TEXT    NOT NULL CHECK (state IN ('running', 'issued', 'failed')),
    total          INTEGER NOT NULL DEFAULT 0,
    done           INTEGER NOT NULL DEFAULT 0,
    error          TEXT    NOT NULL DEFAULT '',
    created_by     INTEGER REFERENCES users (id),
    created_at     TEXT    NOT NULL,
    finished_at    TEXT
);

CREATE TABLE certificates (
    id            INTEGER PRIMARY KEY,
    public_id     TEXT    NOT NULL UNIQUE, -- opaque, 128-bit random
    batch_id      INTEGER NOT NULL REFERENCES issuance_batches (id),
    issuer_id     INTEGER NOT NULL REFERENCES issuers (id),
    skill_id      INTEGER NOT NULL REFERENCES skills (id),
    competitor_id INTEGER NOT NULL REFERENCES competitors (id),
    assessment    TEXT    NOT NULL, -- siblings of one assessment share it
    number        TEXT    NOT NULL,
    level         TEXT    NOT NULL,
    provenance    TEXT    NOT NULL,
    reference     TEXT    NOT NULL DEFAULT '',
    holder_native TEXT    NOT NULL,
    holder_latin  TEXT    NOT NULL,
    result        TEXT    NOT NULL, -- JSON: rank, score, award
    issued_at     TEXT    NOT NULL,
    valid_until   TEXT,
    status        TEXT    NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'valid', 'revoked', 'suspended', 'superseded')),
    status_reason TEXT    NOT NULL DEFAULT '',
    status_at     TEXT,
    status_index  INTEGER NOT NULL, -- random slot in the issuer's status list
    superseded_by INTEGER REFERENCES certificates (id),
    claims        TEXT    NOT NULL, -- the QR's signed claims (JWS)
    credential    TEXT    NOT NULL, -- JSON
    pdf           BLOB    NOT NULL,
    pdf_sha256    TEXT    NOT NULL,
    UNIQUE (issuer_id, number),
    UNIQUE (issuer_id, status_index)
);
CREATE INDEX certificates_skill ON certificates (skill_id, status);
CREATE INDEX certificates_assessment ON certificates (assessment);
CREATE INDEX certificates_sha ON certificates (pdf_sha256);

-- Serials per issuer, year and level: the last one handed out.
CREATE TABLE certificate_serials (
    issuer_id INTEGER NOT NULL REFERENCES issuers (id),
    year      TEXT    NOT NULL,
    level     TEXT    NOT NULL,
    last      INTEGER NOT NULL,
    PRIMARY KEY (issuer_id, year, level)
);
