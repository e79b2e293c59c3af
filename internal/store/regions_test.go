package store

import (
	"context"
	"database/sql"
	"net/url"
	"path/filepath"
	"testing"

	"github.com/surveyorhq/surveyor/internal/connector"
	"github.com/surveyorhq/surveyor/internal/testdb"
)

// A store from before regions were real (migrations up to 00011) keeps every row through
// migration 00012 — the SQLite rebuild of resources, secrets and secret_versions included — and
// FillRegion gives its rows the server's region once.
func TestMigrationToRegions(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		dsn  func(t *testing.T) string
	}{
		{"sqlite", func(t *testing.T) string { return t.TempDir() }},
		{"postgres", func(t *testing.T) string {
			return testdb.PGDSN(testdb.New(t, connector.Postgres, "surveyor_store").Source)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dsn := tc.dsn(t)
			old := openAt(t, dsn, 11)
			err := old.Tx(ctx, func(tx *Tx) error {
				for _, q := range []string{
					`INSERT INTO resources (account_id, service, type, id, name, doc, created_at, updated_at, unique_name)
						VALUES ('111111111111', 'dms', 'endpoint', 'E1', 'pg', '{}', 1, 1, 1)`,
					`INSERT INTO secrets (id, account_id, name, arn, data_key, created_at, updated_at)
						VALUES ('s1', '111111111111', 'app/db', 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:app/db-abcdef', 'k', 1, 1)`,
					`INSERT INTO secret_versions (secret_id, version_id, sealed, created_at) VALUES ('s1', 'v1', 'sealed', 1)`,
					`INSERT INTO runs (id, account_id, source_id, job, run_type, status, config, created_at, updated_at)
						VALUES ('r1', '111111111111', 'src', 'discover', 'PRIORITIZED', 'SUCCEEDED', '{}', 1, 1)`,
					`INSERT INTO schedules (id, account_id, source_id, job, config, expression, anchor, created_at, updated_at)
						VALUES ('src', '111111111111', 'src', 'discover', '{}', 'rate(1 hour)', 1, 1, 1)`,
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
			old.Close()

			db, err := Open(ctx, dsn)
			if err != nil {
				t.Fatalf("migrate: %v", err)
			}
			defer db.Close()
			n, err := db.FillRegion(ctx, "eu-west-1")
			if err != nil || n != 4 {
				t.Fatalf("FillRegion = %d, %v; want the 4 old rows", n, err)
			}
			if n, err := db.FillRegion(ctx, "us-east-1"); err != nil || n != 0 {
				t.Errorf("second FillRegion = %d, %v; want nothing left to fill", n, err)
			}
			for table, want := range map[string]int{
				"SELECT count(*) FROM resources WHERE region = 'eu-west-1' AND id = 'E1'":  1,
				"SELECT count(*) FROM secrets WHERE region = 'eu-west-1' AND id = 's1'":    1,
				"SELECT count(*) FROM secret_versions WHERE secret_id = 's1'":              1,
				"SELECT count(*) FROM runs WHERE region = 'eu-west-1' AND id = 'r1'":       1,
				"SELECT count(*) FROM schedules WHERE region = 'eu-west-1' AND id = 'src'": 1,
			} {
				var got int
				if err := db.read.QueryRowContext(ctx, table).Scan(&got); err != nil || got != want {
					t.Errorf("%s = %d, %v; want %d", table, got, err, want)
				}
			}
			// Names are unique per region now; the version still cascades with its secret.
			err = db.Tx(ctx, func(tx *Tx) error {
				if _, err := tx.Exec(ctx, `INSERT INTO secrets (id, account_id, region, name, arn, data_key, created_at, updated_at)
					VALUES ('s2', '111111111111', 'us-east-1', 'app/db', 'arn:aws:secretsmanager:us-east-1:111111111111:secret:app/db-ghijkl', 'k', 1, 1)`); err != nil {
					return err
				}
				_, err := tx.Exec(ctx, `DELETE FROM secrets WHERE id = 's1'`)
				return err
			})
			if err != nil {
				t.Fatalf("same secret name in another region: %v", err)
			}
			var versions int
			if err := db.read.QueryRowContext(ctx, "SELECT count(*) FROM secret_versions").Scan(&versions); err != nil || versions != 0 {
				t.Errorf("versions after deleting their secret = %d, %v; want 0", versions, err)
			}
		})
	}
}

// openAt opens the store at dsn migrated only up to version.
func openAt(t *testing.T, dsn string, version int64) *DB {
	t.Helper()
	var db *DB
	if filepath.IsAbs(dsn) {
		path := filepath.Join(dsn, "surveyor.db")
		w, err := sql.Open("sqlite", "file:"+(&url.URL{Path: path}).EscapedPath()+"?_pragma=foreign_keys(1)&_txlock=immediate")
		if err != nil {
			t.Fatal(err)
		}
		w.SetMaxOpenConns(1)
		db = &DB{Dialect: SQLite, write: w, read: w}
	} else {
		pool, err := sql.Open("pgx", dsn)
		if err != nil {
			t.Fatal(err)
		}
		db = &DB{Dialect: Postgres, write: pool, read: pool}
	}
	if err := db.migrateTo(context.Background(), version); err != nil {
		db.Close()
		t.Fatal(err)
	}
	return db
}
