package catalog_test

import (
	"context"
	"testing"

	"github.com/surveyorhq/surveyor/internal/catalog"
	"github.com/surveyorhq/surveyor/internal/schema"
	"github.com/surveyorhq/surveyor/internal/store"
	"github.com/surveyorhq/surveyor/internal/store/storetest"
)

// rowCounts counts, straight from the store, the catalog rows of a source: assets, revisions of
// its assets, and activities of its runs.
type rowCounts struct{ assets, revisions, activities int }

func countRows(t *testing.T, db *store.DB, accountID, sourceID string, runIDs ...string) rowCounts {
	t.Helper()
	return read(t, db, func(tx *store.Tx) (rowCounts, error) {
		ctx := context.Background()
		var c rowCounts
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM assets WHERE account_id = ? AND source_id = ?`, accountID, sourceID).Scan(&c.assets); err != nil {
			return c, err
		}
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM asset_revisions r JOIN assets a ON a.id = r.asset_id
			WHERE a.account_id = ? AND a.source_id = ?`, accountID, sourceID).Scan(&c.revisions); err != nil {
			return c, err
		}
		for _, id := range runIDs {
			var n int
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM activities WHERE run_id = ?`, id).Scan(&n); err != nil {
				return c, err
			}
			c.activities += n
		}
		return c, nil
	})
}

func applyTo(t *testing.T, db *store.DB, c *catalog.Catalog, accountID, sourceID, runID string, s *schema.Snapshot) {
	t.Helper()
	ctx := context.Background()
	err := db.Tx(ctx, func(tx *store.Tx) error {
		// A run row, as the queue would have written it, so that activities belong to a source.
		if _, err := tx.Exec(ctx, `INSERT INTO runs (id, account_id, source_id, job, run_type, status, config, created_at, updated_at)
			VALUES (?, ?, ?, 'discover', 'ON_DEMAND', 'SUCCESS', '{}', 0, 0)`, runID, accountID, sourceID); err != nil {
			return err
		}
		_, err := c.Apply(ctx, tx, catalog.ApplyInput{AccountID: accountID, SourceID: sourceID, RunID: runID, Snapshot: s})
		return err
	})
	if err != nil {
		t.Fatalf("apply %s to %s: %v", runID, sourceID, err)
	}
}

func TestDeleteSourceRemovesAssetsRevisionsAndActivities(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		c := newCatalog()
		// Source src-1: three tables, then a run that changes one (a second revision) and fails
		// to read a new table (an activity without an asset).
		applyTo(t, db, c, account, "src-1", "run-1", snap(true, tables(3)...))
		changed := tables(3)
		changed[1].Columns = append(changed[1].Columns, col(3, "extra", "text"))
		second := snap(true, changed...)
		second.Failed = []schema.AssetError{{Ref: ref("unreadable"), Reason: "permission denied"}}
		applyTo(t, db, c, account, "src-1", "run-2", second)
		// Untouched: another source of the account, and one of another account.
		applyTo(t, db, c, account, "src-2", "run-3", snap(true, tables(2)...))
		applyTo(t, db, c, other, "src-3", "run-4", snap(true, tables(4)...))

		if got, want := countRows(t, db, account, "src-1", "run-1", "run-2"), (rowCounts{assets: 3, revisions: 4, activities: 7}); got != want {
			t.Fatalf("before delete: %+v, want %+v", got, want)
		}
		deleteSource := func(accountID, sourceID string) int {
			t.Helper()
			var n int
			err := db.Tx(ctx, func(tx *store.Tx) error {
				var err error
				n, err = c.DeleteSource(ctx, tx, accountID, sourceID)
				return err
			})
			if err != nil {
				t.Fatalf("delete source %s of %s: %v", sourceID, accountID, err)
			}
			return n
		}
		if n := deleteSource(other, "src-2"); n != 0 {
			t.Errorf("DeleteSource of another account's source = %d, want 0", n)
		}
		if n := deleteSource(account, "src-1"); n != 3 {
			t.Errorf("DeleteSource = %d, want 3 assets deleted", n)
		}
		if got := countRows(t, db, account, "src-1", "run-1", "run-2"); got != (rowCounts{}) {
			t.Errorf("after delete, src-1 still has %+v", got)
		}
		var orphans int
		if err := db.ReadTx(ctx, func(tx *store.Tx) error {
			return tx.QueryRow(ctx, `SELECT count(*) FROM asset_revisions WHERE asset_id NOT IN (SELECT id FROM assets)`).Scan(&orphans)
		}); err != nil {
			t.Fatal(err)
		}
		if orphans != 0 {
			t.Errorf("%d revisions left without their asset", orphans)
		}
		if got, want := countRows(t, db, account, "src-2", "run-3"), (rowCounts{assets: 2, revisions: 2, activities: 2}); got != want {
			t.Errorf("other source of the account: %+v, want %+v (untouched)", got, want)
		}
		if got, want := countRows(t, db, other, "src-3", "run-4"), (rowCounts{assets: 4, revisions: 4, activities: 4}); got != want {
			t.Errorf("source of another account: %+v, want %+v (untouched)", got, want)
		}
	})
}
