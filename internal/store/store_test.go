package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/surveyorhq/surveyor/internal/store"
	"github.com/surveyorhq/surveyor/internal/store/storetest"
)

func TestRebind(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"SELECT 1", "SELECT 1"},
		{"SELECT * FROM t WHERE a = ? AND b = ?", "SELECT * FROM t WHERE a = $1 AND b = $2"},
		{"SELECT '?' , ?", "SELECT '?' , $1"},
	} {
		if got := store.Rebind(store.Postgres, tc.in); got != tc.want {
			t.Errorf("Rebind(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if got := store.Rebind(store.SQLite, tc.in); got != tc.in {
			t.Errorf("SQLite Rebind changed %q to %q", tc.in, got)
		}
	}
}

func TestStore(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		insert := func(tx *store.Tx, id string) error {
			_, err := tx.Exec(ctx, `INSERT INTO resources (account_id, service, type, id, name, doc, created_at, updated_at)
				VALUES (?, 'test', 'thing', ?, ?, '{}', 1, 1)`, "111111111111", id, "name-"+id)
			return err
		}
		if err := db.Tx(ctx, func(tx *store.Tx) error { return insert(tx, "a") }); err != nil {
			t.Fatalf("insert: %v", err)
		}
		// A failing transaction leaves nothing behind.
		boom := errors.New("boom")
		err := db.Tx(ctx, func(tx *store.Tx) error {
			if err := insert(tx, "b"); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("Tx returned %v, want boom", err)
		}
		// A duplicate key is recognised as a unique violation.
		err = db.Tx(ctx, func(tx *store.Tx) error { return insert(tx, "a") })
		if !store.IsUniqueViolation(err) {
			t.Fatalf("duplicate insert: %v, want a unique violation", err)
		}
		var n int
		if err := db.ReadTx(ctx, func(tx *store.Tx) error {
			return tx.QueryRow(ctx, "SELECT count(*) FROM resources WHERE service = ?", "test").Scan(&n)
		}); err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Fatalf("found %d resources, want 1 (the rolled-back insert must not persist)", n)
		}
	})
}

func TestOpenAppliesMigrationsOnce(t *testing.T) {
	dir := t.TempDir()
	for i := 0; i < 2; i++ {
		db, err := store.Open(context.Background(), dir)
		if err != nil {
			t.Fatalf("open #%d: %v", i+1, err)
		}
		db.Close()
	}
}
