package store

import (
	"context"
	"fmt"
)

// What a development reset (`surveyor serve --dev`, POST /_surveyor/reset) does with each table.
// Every migration that creates a table adds it to ResetTables or KeptTables:
// TestEveryTableIsListed fails for a table in neither list, or a listed table that does not exist.
var (
	// ResetTables hold what clients made, in every account and region: the façades' resources,
	// secrets, runs, schedules, the catalog, the Glue catalog and crawlers. Reset empties them,
	// in this order (rows that reference others first).
	ResetTables = []string{
		"activities", "asset_references", "asset_removals", "asset_revisions", "assets",
		"schedules", "runs",
		"secret_versions", "secrets",
		"resources",
		"glue_partition_indexes", "glue_partitions", "glue_table_versions", "glue_tables", "glue_databases",
		"glue_connections", "glue_classifiers", "glue_tags",
		"glue_crawler_folders", "glue_crawlers",
	}
	// KeptTables survive a reset: the keys clients sign with (long-term and temporary), web console
	// sign-ins, and the store's own settings (the master key check).
	KeptTables = []string{"access_keys", "sts_sessions", "console_sessions", "settings"}
)

// migrationsTable is goose's own table, neither reset nor kept by hand.
const migrationsTable = "goose_db_version"

// Reset empties every table of ResetTables in one transaction and returns how many rows it
// deleted. It is for development servers only (surveyor serve --dev).
func (db *DB) Reset(ctx context.Context) (int64, error) {
	var total int64
	err := db.Tx(ctx, func(tx *Tx) error {
		total = 0
		for _, t := range ResetTables {
			n, err := tx.Exec(ctx, "DELETE FROM "+t)
			if err != nil {
				return fmt.Errorf("reset %s: %w", t, err)
			}
			total += n
		}
		return nil
	})
	return total, err
}

// Tables lists the tables of the store (goose's own included), for tests and tools.
func (db *DB) Tables(ctx context.Context) ([]string, error) {
	q := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`
	if db.Dialect == Postgres {
		q = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`
	}
	var names []string
	err := db.ReadTx(ctx, func(tx *Tx) error {
		rows, err := tx.Query(ctx, q)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var n string
			if err := rows.Scan(&n); err != nil {
				return err
			}
			names = append(names, n)
		}
		return rows.Err()
	})
	return names, err
}
