-- +goose Up
-- The Glue Data Catalog (internal/gluecatalog): databases, tables with their versions,
-- partitions, partition indexes, connections, classifiers and tags, every row in one account
-- and region. Names are stored lower-cased where Glue folds them and compared bytewise (the
-- BINARY collation; PostgreSQL says COLLATE "C"), so listings page by name the same way on both
-- engines. Documents are the JSON of the Glue input shapes.
CREATE TABLE glue_databases (
    id          INTEGER PRIMARY KEY,
    account_id  TEXT NOT NULL,
    region      TEXT NOT NULL,
    name        TEXT NOT NULL,
    doc         TEXT NOT NULL,
    create_time BIGINT NOT NULL,
    UNIQUE (account_id, region, name)
);

-- A table's current definition; every definition, the current one included, is also a row of
-- glue_table_versions (version 0 first). UpdateTable archives by adding a version, SkipArchive
-- rewrites the current one.
CREATE TABLE glue_tables (
    id          INTEGER PRIMARY KEY,
    database_id BIGINT NOT NULL REFERENCES glue_databases (id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    version_id  BIGINT NOT NULL,
    doc         TEXT NOT NULL,
    created_by  TEXT NOT NULL DEFAULT '',
    create_time BIGINT NOT NULL,
    update_time BIGINT NOT NULL,
    UNIQUE (database_id, name)
);
CREATE TABLE glue_table_versions (
    table_id    BIGINT NOT NULL REFERENCES glue_tables (id) ON DELETE CASCADE,
    version_id  BIGINT NOT NULL,
    doc         TEXT NOT NULL,
    update_time BIGINT NOT NULL,
    PRIMARY KEY (table_id, version_id)
);

-- Partitions keyed by an order-preserving encoding of their values (gluecatalog.ValuesKey), so
-- a page of GetPartitions is one range scan of the primary key.
CREATE TABLE glue_partitions (
    table_id      BIGINT NOT NULL REFERENCES glue_tables (id) ON DELETE CASCADE,
    values_key    TEXT NOT NULL,
    doc           TEXT NOT NULL,
    creation_time BIGINT NOT NULL,
    PRIMARY KEY (table_id, values_key)
);

CREATE TABLE glue_partition_indexes (
    table_id    BIGINT NOT NULL REFERENCES glue_tables (id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    keys        TEXT NOT NULL,
    create_time BIGINT NOT NULL,
    PRIMARY KEY (table_id, name)
);

-- Connections: the document never holds the password; sealed_password is sealed by the
-- master key (discovery.SealPassword).
CREATE TABLE glue_connections (
    account_id      TEXT NOT NULL,
    region          TEXT NOT NULL,
    name            TEXT NOT NULL,
    doc             TEXT NOT NULL,
    sealed_password TEXT NOT NULL DEFAULT '',
    create_time     BIGINT NOT NULL,
    update_time     BIGINT NOT NULL,
    PRIMARY KEY (account_id, region, name)
);

CREATE TABLE glue_classifiers (
    account_id  TEXT NOT NULL,
    region      TEXT NOT NULL,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL,
    doc         TEXT NOT NULL,
    version     BIGINT NOT NULL,
    create_time BIGINT NOT NULL,
    update_time BIGINT NOT NULL,
    PRIMARY KEY (account_id, region, name)
);

-- Tags by resource ("database/sales", "connection/pg", "crawler/daily").
CREATE TABLE glue_tags (
    account_id TEXT NOT NULL,
    region     TEXT NOT NULL,
    resource   TEXT NOT NULL,
    tag_key    TEXT NOT NULL,
    tag_value  TEXT NOT NULL,
    PRIMARY KEY (account_id, region, resource, tag_key)
);

-- +goose Down
DROP TABLE glue_tags;
DROP TABLE glue_classifiers;
DROP TABLE glue_connections;
DROP TABLE glue_partition_indexes;
DROP TABLE glue_partitions;
DROP TABLE glue_table_versions;
DROP TABLE glue_tables;
DROP TABLE glue_databases;
