-- The verification page lists a certificate's siblings (DESIGN §8): a
-- covering index answers that from the index alone, without reading the
-- certificates' rows (whose credentials spill into overflow pages).
CREATE INDEX certificates_siblings ON certificates (assessment, issuer_id, id, public_id, number, level, status);
DROP INDEX certificates_assessment;
