-- Marking schemes, panels, marks, sign-offs and the hash-chained audit trail.

ALTER TABLE skills ADD COLUMN aggregation TEXT NOT NULL DEFAULT 'mean' CHECK (aggregation IN ('mean', 'trimmed_mean'));
ALTER TABLE skills ADD COLUMN divergence_limit INTEGER NOT NULL DEFAULT 1 CHECK (divergence_limit BETWEEN 0 AND 3);
ALTER TABLE skills ADD COLUMN single_entry INTEGER NOT NULL DEFAULT 0 CHECK (single_entry IN (0, 1));
ALTER TABLE skills ADD COLUMN scheme_locked_at TEXT;

CREATE TABLE criteria (
    id       INTEGER PRIMARY KEY,
    skill_id INTEGER NOT NULL REFERENCES skills (id) ON DELETE CASCADE,
    code     TEXT    NOT NULL,
    name     TEXT    NOT NULL,
    position INTEGER NOT NULL,
    UNIQUE (skill_id, code)
);

CREATE TABLE sub_criteria (
    id           INTEGER PRIMARY KEY,
    criterion_id INTEGER NOT NULL REFERENCES criteria (id) ON DELETE CASCADE,
    skill_id     INTEGER NOT NULL REFERENCES skills (id) ON DELETE CASCADE,
    code         TEXT    NOT NULL,
    name         TEXT    NOT NULL,
    position     INTEGER NOT NULL,
    UNIQUE (skill_id, code)
);

CREATE TABLE aspects (
    id               INTEGER PRIMARY KEY,
    sub_criterion_id INTEGER NOT NULL REFERENCES sub_criteria (id) ON DELETE CASCADE,
    skill_id         INTEGER NOT NULL REFERENCES skills (id) ON DELETE CASCADE,
    code             TEXT    NOT NULL,
    kind             TEXT    NOT NULL CHECK (kind IN ('M', 'J')),
    description      TEXT    NOT NULL,
    max_centi        INTEGER NOT NULL CHECK (max_centi > 0),
    standard         TEXT    NOT NULL DEFAULT '',
    rule             TEXT    NOT NULL DEFAULT '',
    descriptors      TEXT    NOT NULL DEFAULT '[]', -- JSON: the four J descriptors for scores 0..3
    position         INTEGER NOT NULL,
    UNIQUE (skill_id, code)
);
CREATE INDEX aspects_sub ON aspects (sub_criterion_id);

-- A panel is the set of judges marking one sub-criterion.
CREATE TABLE panel_members (
    sub_criterion_id INTEGER NOT NULL REFERENCES sub_criteria (id) ON DELETE CASCADE,
    judge_id         INTEGER NOT NULL REFERENCES judges (id) ON DELETE CASCADE,
    PRIMARY KEY (sub_criterion_id, judge_id)
);
CREATE INDEX panel_members_judge ON panel_members (judge_id);

-- One judge's mark on one aspect of one entry: a J score 0..3, or an M value
-- in hundredths of a mark. Changes bump version (optimistic concurrency).
CREATE TABLE marks (
    id         INTEGER PRIMARY KEY,
    entry_id   INTEGER NOT NULL REFERENCES entries (id),
    aspect_id  INTEGER NOT NULL REFERENCES aspects (id),
    judge_id   INTEGER NOT NULL REFERENCES judges (id),
    value      INTEGER NOT NULL,
    version    INTEGER NOT NULL DEFAULT 1,
    created_at TEXT    NOT NULL,
    updated_at TEXT    NOT NULL,
    UNIQUE (judge_id, entry_id, aspect_id) -- also serves the writer's "this judge's marks on these entries"
);
-- Covering: evaluating a skill reads every mark of its aspects without table lookups.
CREATE INDEX marks_aspect ON marks (aspect_id, entry_id, judge_id, value);

-- Every mark write carries a client-generated key; a retry with the same key
-- and payload gets the first answer again instead of a second write.
CREATE TABLE mark_requests (
    judge_id     INTEGER NOT NULL REFERENCES judges (id),
    idem_key     TEXT    NOT NULL,
    payload_hash TEXT    NOT NULL,
    mark_id      INTEGER NOT NULL REFERENCES marks (id),
    version      INTEGER NOT NULL,
    created_at   TEXT    NOT NULL,
    PRIMARY KEY (judge_id, idem_key)
) WITHOUT ROWID;

-- A sign-off locks one entry's sub-criterion; an unlock (chief expert, with
-- a reason) closes it and the sub-criterion can be marked and signed again.
CREATE TABLE signoffs (
    id               INTEGER PRIMARY KEY,
    entry_id         INTEGER NOT NULL REFERENCES entries (id),
    sub_criterion_id INTEGER NOT NULL REFERENCES sub_criteria (id),
    signed_by        INTEGER NOT NULL REFERENCES judges (id),
    signed_at        TEXT    NOT NULL,
    unlocked_by      INTEGER REFERENCES users (id),
    unlocked_at      TEXT,
    unlock_reason    TEXT
);
CREATE UNIQUE INDEX signoffs_active ON signoffs (entry_id, sub_criterion_id) WHERE unlocked_at IS NULL;
CREATE INDEX signoffs_sub ON signoffs (sub_criterion_id);

-- The audit trail: append-only, each entry's hash covering the previous one.
CREATE TABLE audit (
    seq       INTEGER PRIMARY KEY,
    at        TEXT    NOT NULL,
    user_id   INTEGER,
    event_id  INTEGER,
    skill_id  INTEGER,
    action    TEXT    NOT NULL,
    subject   TEXT    NOT NULL,
    before    TEXT    NOT NULL DEFAULT '',
    after     TEXT    NOT NULL DEFAULT '',
    prev_hash TEXT    NOT NULL,
    hash      TEXT    NOT NULL
);
CREATE INDEX audit_skill ON audit (skill_id, seq);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
