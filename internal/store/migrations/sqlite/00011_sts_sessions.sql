-- +goose Up
-- Temporary credentials issued by STS (GetSessionToken, AssumeRole). They act for the account of
-- the long-term key that asked for them (parent_key_id). The secret key is sealed with the master
-- key; the session token is kept only as its SHA-256 (hex), enough to check what a request carries.
-- role_arn and session_name are set for assumed roles.
CREATE TABLE sts_sessions (
    access_key_id  TEXT PRIMARY KEY,
    sealed_secret  TEXT NOT NULL,
    token_sha256   TEXT NOT NULL,
    account_id     TEXT NOT NULL,
    parent_key_id  TEXT NOT NULL,
    role_arn       TEXT NOT NULL DEFAULT '',
    session_name   TEXT NOT NULL DEFAULT '',
    expires_at     BIGINT NOT NULL,
    created_at     BIGINT NOT NULL
);
CREATE INDEX sts_sessions_by_expiry ON sts_sessions (expires_at);

-- +goose Down
DROP TABLE sts_sessions;
