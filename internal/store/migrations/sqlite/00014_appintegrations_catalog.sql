-- +goose Up
-- AppIntegrations: the catalog of a data integration belongs to the integration. Runs of every
-- association apply what they find to the integration's id, so that a new association, or a run
-- of another one, compares with the integration's previous run. Before, each association kept its
-- own catalog under its own id.
--
-- Existing catalogs move onto their integration where that is simple and safe: for each
-- integration that has no catalog of its own yet, the assets (with their revisions, activities
-- and removals, which follow the asset ids) of the one association whose latest SUCCESS or
-- PARTIALLY_SUCCEEDED run finished last (the greater association id breaks a tie) become the
-- integration's. The other associations' assets stay under their association's id as they were:
-- nothing is merged or deleted.
CREATE TABLE appintegrations_catalog_moves (
    association_id TEXT PRIMARY KEY,
    integration_id TEXT NOT NULL,
    account_id     TEXT NOT NULL,
    last_run       BIGINT NOT NULL
);
INSERT INTO appintegrations_catalog_moves (association_id, integration_id, account_id, last_run)
SELECT r.id, r.parent_id, r.account_id,
       COALESCE((SELECT MAX(u.stopped_at) FROM runs u WHERE u.account_id = r.account_id AND u.source_id = r.id
                 AND u.status IN ('SUCCESS', 'PARTIALLY_SUCCEEDED')), 0)
FROM resources r
WHERE r.service = 'app-integrations' AND r.type = 'data-integration-association' AND r.parent_id <> ''
  AND EXISTS (SELECT 1 FROM assets a WHERE a.account_id = r.account_id AND a.source_id = r.id)
  AND NOT EXISTS (SELECT 1 FROM assets a WHERE a.account_id = r.account_id AND a.source_id = r.parent_id);
DELETE FROM appintegrations_catalog_moves WHERE EXISTS (
    SELECT 1 FROM appintegrations_catalog_moves o
    WHERE o.account_id = appintegrations_catalog_moves.account_id
      AND o.integration_id = appintegrations_catalog_moves.integration_id
      AND (o.last_run > appintegrations_catalog_moves.last_run
           OR (o.last_run = appintegrations_catalog_moves.last_run AND o.association_id > appintegrations_catalog_moves.association_id)));
UPDATE assets SET source_id = (
    SELECT m.integration_id FROM appintegrations_catalog_moves m
    WHERE m.association_id = assets.source_id AND m.account_id = assets.account_id)
WHERE EXISTS (SELECT 1 FROM appintegrations_catalog_moves m
              WHERE m.association_id = assets.source_id AND m.account_id = assets.account_id);
DROP TABLE appintegrations_catalog_moves;

-- +goose Down
-- Nothing to undo: the moved assets stay on their integration (older servers would start a new
-- catalog for the association, as they did for every new association).
