-- +goose Up
-- Which run removed which asset. Apply marks an asset missing when a complete run over a scope
-- that includes it no longer finds it; this keeps the run that did, and the revision the asset
-- had, so a run can list what disappeared since the previous complete run.
CREATE TABLE asset_removals (
    run_id     TEXT NOT NULL,
    asset_id   TEXT NOT NULL,
    revision   INTEGER NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (run_id, asset_id)
);
CREATE INDEX asset_removals_by_asset ON asset_removals (asset_id);

-- Web console sessions. id is the SHA-256 of the cookie's token, so the store never holds a
-- usable token; csrf is the token every form of the session carries.
CREATE TABLE console_sessions (
    id            TEXT PRIMARY KEY,
    access_key_id TEXT NOT NULL,
    account_id    TEXT NOT NULL,
    region        TEXT NOT NULL,
    csrf          TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    expires_at    BIGINT NOT NULL
);
CREATE INDEX console_sessions_expiry ON console_sessions (expires_at);

-- The foreign keys of each asset's latest revision, by the table they reference, so an asset's
-- back-links are one indexed lookup instead of a scan of every document. Apply rewrites an
-- asset's rows when it writes a revision.
CREATE TABLE asset_references (
    asset_id      TEXT NOT NULL,
    fk_name       TEXT NOT NULL,
    ref_database  TEXT NOT NULL,
    ref_namespace TEXT NOT NULL,
    ref_table     TEXT NOT NULL
);
CREATE INDEX asset_references_by_target ON asset_references (ref_table, ref_namespace, ref_database);
CREATE INDEX asset_references_by_asset ON asset_references (asset_id);
INSERT INTO asset_references (asset_id, fk_name, ref_database, ref_namespace, ref_table)
SELECT a.id, COALESCE(fk->>'name', ''), COALESCE(NULLIF(fk->>'refDatabase', ''), a.database_name),
       COALESCE(fk->>'refNamespace', ''), COALESCE(fk->>'refTable', '')
FROM assets a
JOIN asset_revisions r ON r.asset_id = a.id AND r.revision = a.revision
CROSS JOIN LATERAL jsonb_array_elements(COALESCE(r.document::jsonb -> 'foreignKeys', '[]'::jsonb)) AS fk;

-- A source's assets in reference order, with what lists and counts filter on, so that the
-- console pages through 10,000 assets without reading them.
CREATE INDEX assets_by_source ON assets (source_id, missing, database_name, namespace_name, table_name, account_id);

-- +goose Down
DROP INDEX assets_by_source;
DROP TABLE asset_references;
DROP TABLE console_sessions;
DROP TABLE asset_removals;
