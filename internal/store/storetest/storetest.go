// Package storetest opens throwaway stores for tests, so that every behaviour test of a package
// built on the store runs once on SQLite and once on PostgreSQL.
package storetest

import (
	"context"
	"testing"

	"github.com/surveyorhq/surveyor/internal/connector"
	"github.com/surveyorhq/surveyor/internal/store"
	"github.com/surveyorhq/surveyor/internal/testdb"
)

// Each runs fn as a subtest named "sqlite" on a fresh SQLite store and as "postgres" on a fresh
// PostgreSQL store (skipped, or failed under SURVEYOR_REQUIRE_DBS=1, when the server is missing).
func Each(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, Postgres(t)) })
}

// SQLite opens a fresh SQLite store in a temporary directory.
func SQLite(t testing.TB) *store.DB {
	t.Helper()
	return open(t, t.TempDir())
}

// Postgres opens a fresh PostgreSQL store in a new database on the test server.
func Postgres(t testing.TB) *store.DB {
	t.Helper()
	d := testdb.New(t, connector.Postgres, "surveyor_store")
	return open(t, DSN(d))
}

// DSN is the store URL of a test database.
func DSN(d *testdb.DB) string { return testdb.PGDSN(d.Source) }

func open(t testing.TB, dsn string) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
