-- +goose Up
-- Glue crawlers (internal/crawls): one row per crawler in one account and region, its
-- definition the JSON of the Glue crawler shape; source_id names the crawler's runs and
-- schedule. version counts UpdateCrawler calls (optimistic concurrency).
CREATE TABLE glue_crawlers (
    account_id  TEXT NOT NULL,
    region      TEXT NOT NULL,
    name        TEXT NOT NULL,
    source_id   TEXT NOT NULL UNIQUE,
    doc         TEXT NOT NULL,
    version     BIGINT NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    PRIMARY KEY (account_id, region, name)
);

-- The leaf folders a crawler has read (RecrawlPolicy CRAWL_NEW_FOLDERS_ONLY), by source id.
CREATE TABLE glue_crawler_folders (
    source_id  TEXT NOT NULL,
    location   TEXT NOT NULL,
    PRIMARY KEY (source_id, location)
);

-- A run someone asked to stop (StopCrawler): the worker that holds it sees the mark at its
-- next lease renewal and cancels the job.
ALTER TABLE runs ADD COLUMN cancel_requested_at BIGINT;

-- +goose Down
ALTER TABLE runs DROP COLUMN cancel_requested_at;
DROP TABLE glue_crawler_folders;
DROP TABLE glue_crawlers;
