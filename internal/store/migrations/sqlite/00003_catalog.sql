-- +goose Up
-- The catalog keeps, on each asset, the volatile facts of its latest discovery (Table.Meta as
-- JSON, refreshed on every run even when the shape is unchanged) and a lower-cased text of the
-- table name, column names and comments, so that Search is one substring match per asset.
ALTER TABLE assets ADD COLUMN meta TEXT NOT NULL DEFAULT '{}';
ALTER TABLE assets ADD COLUMN search_text TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE assets DROP COLUMN search_text;
ALTER TABLE assets DROP COLUMN meta;
