package store_test

import (
	"context"
	"slices"
	"testing"

	"github.com/surveyorhq/surveyor/internal/store"
	"github.com/surveyorhq/surveyor/internal/store/storetest"
)

// TestEveryTableIsListed: a migration that adds a table must say whether a dev reset empties it
// (store.ResetTables) or keeps it (store.KeptTables).
func TestEveryTableIsListed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		tables, err := db.Tables(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		listed := append(slices.Clone(store.ResetTables), store.KeptTables...)
		for _, name := range tables {
			if name != "goose_db_version" && !slices.Contains(listed, name) {
				t.Errorf("table %s is in neither store.ResetTables nor store.KeptTables: add it to the one a dev reset should apply", name)
			}
		}
		for _, name := range listed {
			if !slices.Contains(tables, name) {
				t.Errorf("store.ResetTables/KeptTables list %s, which no migration creates", name)
			}
		}
		for _, name := range store.ResetTables {
			if slices.Contains(store.KeptTables, name) {
				t.Errorf("%s is both reset and kept", name)
			}
		}
	})
}

func TestResetEmptiesOnlyTheResetTables(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		err := db.Tx(ctx, func(tx *store.Tx) error {
			for _, q := range []string{
				`INSERT INTO access_keys (access_key_id, sealed_secret, account_id, created_at) VALUES ('AKIAKEEP', 's', '111111111111', 1)`,
				`INSERT INTO settings (name, value) VALUES ('kept', 'yes')`,
				`INSERT INTO secrets (id, account_id, name, arn, data_key, created_at, updated_at) VALUES ('s1', '111111111111', 'n', 'arn:s1', 'k', 1, 1)`,
				`INSERT INTO secret_versions (secret_id, version_id, sealed, created_at) VALUES ('s1', 'v1', 'x', 1)`,
				`INSERT INTO resources (account_id, service, type, id, doc, created_at, updated_at) VALUES ('111111111111', 'dms', 'endpoint', 'e1', '{}', 1, 1)`,
			} {
				if _, err := tx.Exec(ctx, q); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		n, err := db.Reset(ctx)
		if err != nil || n != 3 {
			t.Fatalf("Reset = %d, %v; want 3 rows deleted", n, err)
		}
		count := func(table string) (n int) {
			_ = db.ReadTx(ctx, func(tx *store.Tx) error { return tx.QueryRow(ctx, "SELECT count(*) FROM "+table).Scan(&n) })
			return n
		}
		for _, table := range store.ResetTables {
			if c := count(table); c != 0 {
				t.Errorf("%s has %d rows after Reset", table, c)
			}
		}
		if count("access_keys") != 1 || count("settings") != 1 {
			t.Errorf("Reset removed kept rows: access_keys %d, settings %d", count("access_keys"), count("settings"))
		}
	})
}
