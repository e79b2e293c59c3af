-- +goose Up
-- A secret's resource policy (the JSON document as given, NULL when none) and its rotation
-- configuration (JSON: enabled, lambda ARN, rules, next rotation; NULL when never configured).
ALTER TABLE secrets ADD COLUMN resource_policy TEXT;
ALTER TABLE secrets ADD COLUMN rotation TEXT;

-- +goose Down
ALTER TABLE secrets DROP COLUMN rotation;
ALTER TABLE secrets DROP COLUMN resource_policy;
