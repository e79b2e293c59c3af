-- +goose Up
-- Regions are real: every resource, secret, run and schedule belongs to one account in one
-- region (the region of the SigV4 credential scope of the request that created it), and names
-- and client tokens are unique per account and region. Rows created before this migration get
-- region '': the server fills '' with its --region when it starts (store.FillRegion), which is
-- the region those rows were created in (their ARNs already say so). The Glue catalog and
-- crawlers (00007, 00008) already carry their region.
--
-- SQLite cannot change a primary key or drop a table's UNIQUE constraint, so resources and
-- secrets are rebuilt. Foreign keys are on and cannot be turned off inside the migration's
-- transaction: secret_versions is rebuilt too, pointing at the new secrets table, and the old
-- tables are dropped child first, so no cascade deletes a version.
CREATE TABLE resources_new (
    account_id  TEXT NOT NULL,
    region      TEXT NOT NULL DEFAULT '',
    service     TEXT NOT NULL,
    type        TEXT NOT NULL,
    id          TEXT NOT NULL,
    name        TEXT NOT NULL DEFAULT '',
    parent_id   TEXT NOT NULL DEFAULT '',
    doc         TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    unique_name INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (account_id, region, service, type, id)
);
INSERT INTO resources_new (account_id, region, service, type, id, name, parent_id, doc, created_at, updated_at, unique_name)
SELECT account_id, '', service, type, id, name, parent_id, doc, created_at, updated_at, unique_name FROM resources;
DROP TABLE resources;
ALTER TABLE resources_new RENAME TO resources;
CREATE INDEX resources_by_name ON resources (account_id, region, service, type, name);
CREATE INDEX resources_by_parent ON resources (account_id, region, service, type, parent_id);
CREATE UNIQUE INDEX resources_unique_name ON resources (account_id, region, service, type, name) WHERE unique_name = 1;
CREATE UNIQUE INDEX resources_unique_name_in_parent ON resources (account_id, region, service, type, parent_id, name) WHERE unique_name = 2;

CREATE TABLE secrets_new (
    id            TEXT PRIMARY KEY,
    account_id    TEXT NOT NULL,
    region        TEXT NOT NULL DEFAULT '',
    name          TEXT NOT NULL,
    arn           TEXT NOT NULL UNIQUE,
    description   TEXT NOT NULL DEFAULT '',
    kms_key_id    TEXT NOT NULL DEFAULT '',
    data_key      TEXT NOT NULL,
    tags          TEXT NOT NULL DEFAULT '[]',
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    accessed_at   BIGINT,
    deleted_at    BIGINT,
    delete_after  BIGINT
);
INSERT INTO secrets_new (id, account_id, region, name, arn, description, kms_key_id, data_key, tags, created_at, updated_at, accessed_at, deleted_at, delete_after)
SELECT id, account_id, '', name, arn, description, kms_key_id, data_key, tags, created_at, updated_at, accessed_at, deleted_at, delete_after FROM secrets;
CREATE TABLE secret_versions_new (
    secret_id   TEXT NOT NULL REFERENCES secrets_new (id) ON DELETE CASCADE,
    version_id  TEXT NOT NULL,
    stages      TEXT NOT NULL DEFAULT '[]',
    sealed      TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (secret_id, version_id)
);
INSERT INTO secret_versions_new (secret_id, version_id, stages, sealed, created_at)
SELECT secret_id, version_id, stages, sealed, created_at FROM secret_versions;
DROP TABLE secret_versions;
DROP TABLE secrets;
ALTER TABLE secrets_new RENAME TO secrets;
ALTER TABLE secret_versions_new RENAME TO secret_versions;
CREATE UNIQUE INDEX secrets_unique_name ON secrets (account_id, region, name);

ALTER TABLE runs ADD COLUMN region TEXT NOT NULL DEFAULT '';
ALTER TABLE schedules ADD COLUMN region TEXT NOT NULL DEFAULT '';

-- +goose Down
-- Going back keeps the region columns of resources and secrets (SQLite would need the rebuild
-- again) but drops the per-region uniqueness of secret names for the account-wide one.
ALTER TABLE schedules DROP COLUMN region;
ALTER TABLE runs DROP COLUMN region;
DROP INDEX secrets_unique_name;
CREATE UNIQUE INDEX secrets_unique_name ON secrets (account_id, name);
