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

-- +goose Down
DROP TABLE console_sessions;
DROP TABLE asset_removals;
