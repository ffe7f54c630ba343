-- One-time sign-in codes (DESIGN §4): the QR code on a judge's badge signs
-- the judge in once. The code itself is printed on the badge and nowhere
-- else; the database keeps only its SHA-256, so a copy of the database signs
-- nobody in. Printing a judge's badge again deletes the judge's unused codes
-- of the event; used ones stay as the record of each sign-in.

CREATE TABLE login_codes (
    id         INTEGER PRIMARY KEY,
    code_hash  TEXT    NOT NULL UNIQUE, -- hex SHA-256 of the code as printed
    user_id    INTEGER NOT NULL REFERENCES users (id),
    event_id   INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    issued_by  INTEGER REFERENCES users (id),
    created_at TEXT    NOT NULL,
    expires_at TEXT    NOT NULL,
    used_at    TEXT,
    CHECK (expires_at > created_at)
);
CREATE INDEX login_codes_user ON login_codes (user_id, event_id);
