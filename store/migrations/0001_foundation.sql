-- Accounts, events, skills, competitors, judges.

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    username      TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    display_name  TEXT    NOT NULL DEFAULT '',
    role          TEXT    NOT NULL CHECK (role IN ('admin', 'organizer', 'judge')),
    password_hash TEXT    NOT NULL DEFAULT '',
    pin_hash      TEXT    NOT NULL DEFAULT '',
    disabled      INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    token_version INTEGER NOT NULL DEFAULT 1,
    created_at    TEXT    NOT NULL
);

CREATE TABLE events (
    id              INTEGER PRIMARY KEY,
    name_en         TEXT    NOT NULL,
    name_zh_hans    TEXT    NOT NULL DEFAULT '',
    name_zh_hant    TEXT    NOT NULL DEFAULT '',
    name_pt         TEXT    NOT NULL DEFAULT '',
    starts_on       TEXT    NOT NULL,
    ends_on         TEXT    NOT NULL,
    venue           TEXT    NOT NULL DEFAULT '',
    host_region     TEXT    NOT NULL CHECK (host_region IN ('GD', 'HK', 'MO')),
    blind_judging   INTEGER NOT NULL DEFAULT 0 CHECK (blind_judging IN (0, 1)),
    conflict_rule   TEXT    NOT NULL DEFAULT 'institution' CHECK (conflict_rule IN ('institution', 'region')),
    tie_threshold   REAL    NOT NULL DEFAULT 0 CHECK (tie_threshold >= 0),
    created_by      INTEGER REFERENCES users (id),
    created_at      TEXT    NOT NULL,
    updated_at      TEXT    NOT NULL
);

CREATE TABLE event_organizers (
    event_id INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    user_id  INTEGER NOT NULL REFERENCES users (id),
    PRIMARY KEY (event_id, user_id)
);
CREATE INDEX event_organizers_user ON event_organizers (user_id);

CREATE TABLE skills (
    id              INTEGER PRIMARY KEY,
    event_id        INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    code            TEXT    NOT NULL,
    name_en         TEXT    NOT NULL,
    name_zh_hans    TEXT    NOT NULL DEFAULT '',
    name_zh_hant    TEXT    NOT NULL DEFAULT '',
    name_pt         TEXT    NOT NULL DEFAULT '',
    occupation_code TEXT    NOT NULL DEFAULT '',
    kind            TEXT    NOT NULL CHECK (kind IN ('individual', 'team')),
    team_size       INTEGER NOT NULL DEFAULT 1 CHECK (team_size BETWEEN 1 AND 20),
    total_marks     INTEGER NOT NULL DEFAULT 100 CHECK (total_marks > 0),
    created_at      TEXT    NOT NULL,
    updated_at      TEXT    NOT NULL,
    UNIQUE (event_id, code)
);

-- An entry is what judges mark: one competitor, or one team of a team skill.
-- Its code is the random identifier judges see under blind judging.
CREATE TABLE entries (
    id        INTEGER PRIMARY KEY,
    skill_id  INTEGER NOT NULL REFERENCES skills (id) ON DELETE CASCADE,
    code      TEXT    NOT NULL,
    team_name TEXT,
    UNIQUE (skill_id, code)
);
CREATE UNIQUE INDEX entries_team ON entries (skill_id, team_name) WHERE team_name IS NOT NULL;

CREATE TABLE competitors (
    id          INTEGER PRIMARY KEY,
    event_id    INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    skill_id    INTEGER NOT NULL REFERENCES skills (id) ON DELETE CASCADE,
    entry_id    INTEGER NOT NULL REFERENCES entries (id),
    ref         TEXT,
    name_native TEXT    NOT NULL,
    name_latin  TEXT    NOT NULL,
    region      TEXT    NOT NULL CHECK (region IN ('GD', 'HK', 'MO')),
    institution TEXT    NOT NULL,
    created_at  TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL
);
CREATE UNIQUE INDEX competitors_ref ON competitors (event_id, ref) WHERE ref IS NOT NULL;
CREATE INDEX competitors_skill ON competitors (skill_id);
CREATE INDEX competitors_entry ON competitors (entry_id);

CREATE TABLE judges (
    id          INTEGER PRIMARY KEY,
    event_id    INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL REFERENCES users (id),
    region      TEXT    NOT NULL CHECK (region IN ('GD', 'HK', 'MO')),
    institution TEXT    NOT NULL,
    created_at  TEXT    NOT NULL,
    UNIQUE (event_id, user_id)
);
CREATE INDEX judges_user ON judges (user_id);

CREATE TABLE skill_judges (
    skill_id INTEGER NOT NULL REFERENCES skills (id) ON DELETE CASCADE,
    judge_id INTEGER NOT NULL REFERENCES judges (id) ON DELETE CASCADE,
    role     TEXT    NOT NULL CHECK (role IN ('judge', 'chief_expert')),
    PRIMARY KEY (skill_id, judge_id)
);
CREATE UNIQUE INDEX skill_judges_one_chief ON skill_judges (skill_id) WHERE role = 'chief_expert';
CREATE INDEX skill_judges_judge ON skill_judges (judge_id);
