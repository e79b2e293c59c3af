-- +goose Up
-- Regions are real: every resource, secret, run and schedule belongs to one account in one
-- region (the region of the SigV4 credential scope of the request that created it), and names
-- and client tokens are unique per account and region. Rows created before this migration get
-- region '': the server fills '' with its --region when it starts (store.FillRegion), which is
-- the region those rows were created in (their ARNs already say so). The Glue catalog and
-- crawlers (00007, 00008) already carry their region.
ALTER TABLE resources ADD COLUMN region TEXT NOT NULL DEFAULT '';
ALTER TABLE resources DROP CONSTRAINT resources_pkey;
ALTER TABLE resources ADD PRIMARY KEY (account_id, region, service, type, id);
DROP INDEX resources_by_name;
CREATE INDEX resources_by_name ON resources (account_id, region, service, type, name);
DROP INDEX resources_by_parent;
CREATE INDEX resources_by_parent ON resources (account_id, region, service, type, parent_id);
DROP INDEX resources_unique_name;
CREATE UNIQUE INDEX resources_unique_name ON resources (account_id, region, service, type, name) WHERE unique_name = 1;
DROP INDEX resources_unique_name_in_parent;
CREATE UNIQUE INDEX resources_unique_name_in_parent ON resources (account_id, region, service, type, parent_id, name) WHERE unique_name = 2;

ALTER TABLE secrets ADD COLUMN region TEXT NOT NULL DEFAULT '';
ALTER TABLE secrets DROP CONSTRAINT secrets_account_id_name_key;
CREATE UNIQUE INDEX secrets_unique_name ON secrets (account_id, region, name);

ALTER TABLE runs ADD COLUMN region TEXT NOT NULL DEFAULT '';
ALTER TABLE schedules ADD COLUMN region TEXT NOT NULL DEFAULT '';

-- +goose Down
-- Going back keeps one region's rows per name: it fails if a name exists in two regions.
ALTER TABLE schedules DROP COLUMN region;
ALTER TABLE runs DROP COLUMN region;
DROP INDEX secrets_unique_name;
ALTER TABLE secrets ADD CONSTRAINT secrets_account_id_name_key UNIQUE (account_id, name);
ALTER TABLE secrets DROP COLUMN region;
DROP INDEX resources_unique_name_in_parent;
DROP INDEX resources_unique_name;
DROP INDEX resources_by_parent;
DROP INDEX resources_by_name;
ALTER TABLE resources DROP CONSTRAINT resources_pkey;
ALTER TABLE resources DROP COLUMN region;
ALTER TABLE resources ADD PRIMARY KEY (account_id, service, type, id);
CREATE INDEX resources_by_name ON resources (account_id, service, type, name);
CREATE INDEX resources_by_parent ON resources (account_id, service, type, parent_id);
CREATE UNIQUE INDEX resources_unique_name ON resources (account_id, service, type, name) WHERE unique_name = 1;
CREATE UNIQUE INDEX resources_unique_name_in_parent ON resources (account_id, service, type, parent_id, name) WHERE unique_name = 2;
