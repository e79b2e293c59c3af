-- +goose Up
-- Resources whose name must be unique in their account and kind (DMS identifiers, AppIntegrations
-- names) say so, and the store enforces it, so two processes creating the same name at once on a
-- shared store cannot both succeed.
ALTER TABLE resources ADD COLUMN unique_name INTEGER NOT NULL DEFAULT 0;
CREATE UNIQUE INDEX resources_unique_name ON resources (account_id, service, type, name) WHERE unique_name = 1;

-- +goose Down
DROP INDEX resources_unique_name;
ALTER TABLE resources DROP COLUMN unique_name;
