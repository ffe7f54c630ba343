-- Finishing a batch looks up, per new certificate, its holder's earlier
-- certificates from the same issuer: without this index a re-issue of
-- thousands of certificates took minutes.
CREATE INDEX certificates_batch ON certificates (batch_id, issuer_id, competitor_id);
