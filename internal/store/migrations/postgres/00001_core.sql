-- +goose Up
-- Times are Unix milliseconds (BIGINT) and documents JSON text, so the SQLite and PostgreSQL
-- schemas stay the same shape; binary values are base64 text.

-- Access keys map to accounts. The secret is sealed with the master key (secrets envelope).
CREATE TABLE access_keys (
    access_key_id TEXT PRIMARY KEY,
    sealed_secret TEXT NOT NULL,
    account_id    TEXT NOT NULL,
    created_at    BIGINT NOT NULL
);

-- Secrets Manager secrets, one row per secret with its data key (sealed by the master key), and
-- their versions (values sealed by the secret's data key).
CREATE TABLE secrets (
    id            TEXT PRIMARY KEY,
    account_id    TEXT NOT NULL,
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
    delete_after  BIGINT,
    UNIQUE (account_id, name)
);
CREATE TABLE secret_versions (
    secret_id   TEXT NOT NULL REFERENCES secrets (id) ON DELETE CASCADE,
    version_id  TEXT NOT NULL,
    stages      TEXT NOT NULL DEFAULT '[]',
    sealed      TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (secret_id, version_id)
);

-- Resources of the AWS façades (DataZone domains, projects and data sources; AppIntegrations data
-- integrations; DMS endpoints and instances...): one JSON document each, looked up by id or name.
CREATE TABLE resources (
    account_id  TEXT NOT NULL,
    service     TEXT NOT NULL,
    type        TEXT NOT NULL,
    id          TEXT NOT NULL,
    name        TEXT NOT NULL DEFAULT '',
    parent_id   TEXT NOT NULL DEFAULT '',
    doc         TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    PRIMARY KEY (account_id, service, type, id)
);
-- Settings shared by every process on one store, e.g. the master key check value.
CREATE TABLE settings (
    name   TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);
CREATE INDEX resources_by_name ON resources (account_id, service, type, name);
CREATE INDEX resources_by_parent ON resources (account_id, service, type, parent_id);

-- Runs are the queue: a row is a job. A worker claims a REQUESTED run (or a RUNNING one whose lease
-- expired), bumping fence; every later write of that worker checks the fence it got.
CREATE TABLE runs (
    id               TEXT PRIMARY KEY,
    account_id       TEXT NOT NULL,
    source_id        TEXT NOT NULL,
    job              TEXT NOT NULL,
    run_type         TEXT NOT NULL,
    status           TEXT NOT NULL,
    client_token     TEXT,
    config           TEXT NOT NULL,
    attempt          INTEGER NOT NULL DEFAULT 0,
    max_attempts     INTEGER NOT NULL DEFAULT 3,
    fence            BIGINT NOT NULL DEFAULT 0,
    lease_owner      TEXT,
    lease_expires_at BIGINT,
    stats            TEXT,
    error_type       TEXT,
    error_detail     TEXT,
    result           TEXT,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL,
    started_at       BIGINT,
    stopped_at       BIGINT
);
CREATE UNIQUE INDEX runs_one_active_per_source ON runs (source_id) WHERE status IN ('REQUESTED', 'RUNNING');
CREATE UNIQUE INDEX runs_client_token ON runs (source_id, client_token) WHERE client_token IS NOT NULL;
CREATE INDEX runs_queue ON runs (status, created_at);
CREATE INDEX runs_by_source ON runs (source_id, created_at);

-- The catalog: one asset per table-like object of a source, its revisions, and one activity per
-- asset per run.
CREATE TABLE assets (
    id              TEXT PRIMARY KEY,
    account_id      TEXT NOT NULL,
    source_id       TEXT NOT NULL,
    database_name   TEXT NOT NULL,
    namespace_name  TEXT NOT NULL,
    table_name      TEXT NOT NULL,
    kind            TEXT NOT NULL,
    revision        INTEGER NOT NULL,
    fingerprint     TEXT NOT NULL,
    missing         INTEGER NOT NULL DEFAULT 0,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    UNIQUE (source_id, database_name, namespace_name, table_name)
);
CREATE INDEX assets_by_account ON assets (account_id, table_name);
CREATE TABLE asset_revisions (
    asset_id    TEXT NOT NULL REFERENCES assets (id) ON DELETE CASCADE,
    revision    INTEGER NOT NULL,
    fingerprint TEXT NOT NULL,
    document    TEXT NOT NULL,
    meta        TEXT NOT NULL DEFAULT '{}',
    run_id      TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (asset_id, revision)
);
CREATE TABLE activities (
    run_id          TEXT NOT NULL,
    seq             INTEGER NOT NULL,
    asset_id        TEXT,
    database_name   TEXT NOT NULL,
    namespace_name  TEXT NOT NULL,
    table_name      TEXT NOT NULL,
    status          TEXT NOT NULL,
    error_message   TEXT,
    created_at      BIGINT NOT NULL,
    PRIMARY KEY (run_id, seq)
);

-- Schedules fire runs of a job with a frozen config: next_run_at is advanced in the transaction
-- that enqueues the run, so each fire happens once however many processes run.
CREATE TABLE schedules (
    id           TEXT PRIMARY KEY,
    account_id   TEXT NOT NULL,
    source_id    TEXT NOT NULL UNIQUE,
    job          TEXT NOT NULL,
    config       TEXT NOT NULL,
    expression   TEXT NOT NULL,
    timezone     TEXT NOT NULL DEFAULT 'UTC',
    anchor       BIGINT NOT NULL,
    next_run_at  BIGINT,
    enabled      INTEGER NOT NULL DEFAULT 1,
    last_fired_at BIGINT,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE INDEX schedules_due ON schedules (enabled, next_run_at);

-- +goose Down
DROP TABLE schedules;
DROP TABLE activities;
DROP TABLE asset_revisions;
DROP TABLE assets;
DROP TABLE runs;
DROP TABLE settings;
DROP TABLE resources;
DROP TABLE secret_versions;
DROP TABLE secrets;
DROP TABLE access_keys;
