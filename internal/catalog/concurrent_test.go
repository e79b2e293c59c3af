package catalog_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/surveyorhq/surveyor/internal/catalog"
	"github.com/surveyorhq/surveyor/internal/store"
	"github.com/surveyorhq/surveyor/internal/store/storetest"
)

// Two runs of different run sources may apply to one catalog source at once (the associations
// of one AppIntegrations data integration). On PostgreSQL the second Apply waits for the first
// to commit, then compares with what it wrote: the table the first added is unchanged for the
// second, not added twice (which would fail on the source's unique key). SQLite writes one
// transaction at a time anyway.
func TestConcurrentAppliesToOneSourceTakeTurns(t *testing.T) {
	db := storetest.Postgres(t)
	ctx := context.Background()
	catalogNamed := func(prefix string) *catalog.Catalog {
		ids := 0
		return &catalog.Catalog{NewID: func() string { ids++; return fmt.Sprintf("%s-%05d", prefix, ids) }}
	}
	s := snap(true, tableNamed("orders"), tableNamed("customers"))
	applyIn := func(c *catalog.Catalog, tx *store.Tx, runID string) (catalog.Stats, error) {
		return c.Apply(ctx, tx, catalog.ApplyInput{AccountID: account, SourceID: source, RunID: runID, Snapshot: s})
	}

	applied, release := make(chan catalog.Stats, 1), make(chan struct{})
	first := make(chan error, 1)
	go func() {
		first <- db.Tx(ctx, func(tx *store.Tx) error {
			st, err := applyIn(catalogNamed("first"), tx, "run-1")
			if err != nil {
				return err
			}
			applied <- st
			<-release
			return nil
		})
	}()
	select {
	case st := <-applied:
		if st != (catalog.Stats{Added: 2}) {
			t.Fatalf("first apply: %+v, want 2 added", st)
		}
	case err := <-first:
		t.Fatalf("first apply: %v", err)
	}

	type result struct {
		st  catalog.Stats
		err error
	}
	second := make(chan result, 1)
	go func() {
		var r result
		r.err = db.Tx(ctx, func(tx *store.Tx) error {
			var err error
			r.st, err = applyIn(catalogNamed("second"), tx, "run-2")
			return err
		})
		second <- r
	}()
	// The second waits on a lock while the first has not committed.
	deadline := time.Now().Add(30 * time.Second)
	for waiting := 0; waiting == 0; {
		err := db.ReadTx(ctx, func(tx *store.Tx) error {
			return tx.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&waiting)
		})
		if err != nil {
			t.Fatal(err)
		}
		select {
		case r := <-second:
			t.Fatalf("the second apply did not wait for the first: %+v %v", r.st, r.err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("the second apply never waited for a lock")
		}
		time.Sleep(10 * time.Millisecond)
	}
	close(release)
	if err := <-first; err != nil {
		t.Fatalf("first apply: %v", err)
	}
	r := <-second
	if r.err != nil || r.st != (catalog.Stats{Unchanged: 2}) {
		t.Fatalf("second apply after the first committed: %+v %v, want 2 unchanged", r.st, r.err)
	}
}
