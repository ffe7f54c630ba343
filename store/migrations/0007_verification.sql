-- Verification (DESIGN §8): revocation by issuers' officers, expiry, and
-- the PDFs in a table of their own.

-- A certificate's PDF, byte for byte as issued. It lives apart from the
-- registry row, so that a status change (finishing a batch, a revocation)
-- rewrites a few bytes, not the PDF.
CREATE TABLE certificate_pdfs (
    certificate_id INTEGER PRIMARY KEY REFERENCES certificates (id) ON DELETE CASCADE,
    pdf            BLOB    NOT NULL
);
INSERT INTO certificate_pdfs (certificate_id, pdf) SELECT id, pdf FROM certificates;
ALTER TABLE certificates DROP COLUMN pdf;

-- How long an issuer's certificates are valid; 0: they do not expire.
ALTER TABLE issuers ADD COLUMN validity_months INTEGER NOT NULL DEFAULT 0
    CHECK (validity_months BETWEEN 0 AND 1200);

-- The people who act for an issuer: they revoke, suspend and reinstate its
-- certificates.
CREATE TABLE issuer_officers (
    issuer_id INTEGER NOT NULL REFERENCES issuers (id),
    user_id   INTEGER NOT NULL REFERENCES users (id),
    PRIMARY KEY (issuer_id, user_id)
);

-- The national query service looks a certificate up by its number.
CREATE INDEX certificates_number ON certificates (number);
