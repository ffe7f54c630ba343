-- Results (DESIGN §6): the settings results are computed with, and each
-- skill's results lifecycle: provisional when the last sub-criterion is
-- signed off, an appeal window, final when the chief expert and an organizer
-- have confirmed. The stored results are the exact JSON published, with its
-- SHA-256; the audit trail records every step and can recompute them.

ALTER TABLE events ADD COLUMN score_centre INTEGER NOT NULL DEFAULT 700 CHECK (score_centre BETWEEN 0 AND 10000);
ALTER TABLE events ADD COLUMN score_spread INTEGER NOT NULL DEFAULT 100 CHECK (score_spread BETWEEN 1 AND 1000);
ALTER TABLE events ADD COLUMN medallion_at REAL NOT NULL DEFAULT 700 CHECK (medallion_at BETWEEN 0 AND 10000);
ALTER TABLE events ADD COLUMN excellence_percent INTEGER NOT NULL DEFAULT 0 CHECK (excellence_percent BETWEEN 0 AND 100);
ALTER TABLE events ADD COLUMN tie_break INTEGER NOT NULL DEFAULT 0 CHECK (tie_break IN (0, 1));
ALTER TABLE events ADD COLUMN appeal_window_minutes INTEGER NOT NULL DEFAULT 120
    CHECK (appeal_window_minutes BETWEEN 0 AND 10080);
ALTER TABLE events ADD COLUMN hide_results INTEGER NOT NULL DEFAULT 0 CHECK (hide_results IN (0, 1));

CREATE TABLE skill_results (
    skill_id               INTEGER PRIMARY KEY REFERENCES skills (id) ON DELETE CASCADE,
    state                  TEXT    NOT NULL CHECK (state IN ('provisional', 'final')),
    params                 TEXT    NOT NULL, -- JSON: the settings they were computed with
    results                TEXT    NOT NULL, -- JSON, exactly as published
    sha256                 TEXT    NOT NULL,
    provisional_at         TEXT    NOT NULL,
    appeal_until           TEXT    NOT NULL,
    appeals_closed_by      INTEGER REFERENCES users (id),
    chief_confirmed_by     INTEGER REFERENCES users (id),
    chief_confirmed_at     TEXT,
    organizer_confirmed_by INTEGER REFERENCES users (id),
    organizer_confirmed_at TEXT,
    final_at               TEXT,
    CHECK ((state = 'final') = (final_at IS NOT NULL))
);
