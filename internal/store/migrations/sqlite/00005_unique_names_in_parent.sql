-- +goose Up
-- DataZone project and data source names are unique in their domain. Records marked
-- unique_name = 2 may not share their name with another such record of the same account, kind and
-- parent, so two creates racing on a shared store cannot both succeed (the façade's lookup alone
-- let both through). Existing projects and data sources are marked, except a name already taken
-- twice in one domain (by such a race before this migration): those stay as they are.
UPDATE resources SET unique_name = 2
WHERE service = 'datazone' AND type IN ('project', 'data-source') AND unique_name = 0
  AND NOT EXISTS (SELECT 1 FROM resources o
                  WHERE o.account_id = resources.account_id AND o.service = resources.service
                    AND o.type = resources.type AND o.parent_id = resources.parent_id
                    AND o.name = resources.name AND o.id <> resources.id);
CREATE UNIQUE INDEX resources_unique_name_in_parent ON resources (account_id, service, type, parent_id, name) WHERE unique_name = 2;

-- +goose Down
DROP INDEX resources_unique_name_in_parent;
UPDATE resources SET unique_name = 0 WHERE unique_name = 2;
