-- +goose Up
-- A table's current definition is kept once, in glue_tables; glue_table_versions now holds only
-- the archived (older) versions. A crawl that creates 10,000 tables writes each document once.
DELETE FROM glue_table_versions WHERE EXISTS (
    SELECT 1 FROM glue_tables t WHERE t.id = glue_table_versions.table_id AND t.version_id = glue_table_versions.version_id);

-- +goose Down
INSERT INTO glue_table_versions (table_id, version_id, doc, update_time)
    SELECT id, version_id, doc, update_time FROM glue_tables;
