-- A skill's issuances, newest first: the console shows the latest after a
-- reload, the API lists them all, and starting one checks that none runs.
CREATE INDEX issuance_batches_skill ON issuance_batches (skill_id, id);
