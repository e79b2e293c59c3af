-- +goose Up
-- Secrets Manager replication. A replica is a secret row of its own in the replica region
-- (same account and name, the primary's ARN with the region changed): primary_id is the id of
-- the primary it copies. primary_region is the primary's region, on the primary (once it has
-- replica regions) and on each replica; NULL on a secret that is not replicated. replication,
-- on a primary only, is the JSON list of its replica regions: region, KMS key, status and
-- status message (a region whose replication failed has no replica row). Existing secrets are
-- not replicated: the new columns start NULL.
ALTER TABLE secrets ADD COLUMN primary_id TEXT;
ALTER TABLE secrets ADD COLUMN primary_region TEXT;
ALTER TABLE secrets ADD COLUMN replication TEXT;
CREATE INDEX secrets_primary_id ON secrets (primary_id);

-- +goose Down
DROP INDEX secrets_primary_id;
ALTER TABLE secrets DROP COLUMN replication;
ALTER TABLE secrets DROP COLUMN primary_region;
ALTER TABLE secrets DROP COLUMN primary_id;
