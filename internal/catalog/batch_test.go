package catalog_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/surveyorhq/surveyor/internal/catalog"
	"github.com/surveyorhq/surveyor/internal/schema"
	"github.com/surveyorhq/surveyor/internal/store"
	"github.com/surveyorhq/surveyor/internal/store/storetest"
)

// history is what a sequence of runs left in the catalog: each run's stats and activities, and
// every asset with its revisions.
type history struct {
	Stats      []catalog.Stats
	Activities [][]catalog.Activity
	Assets     []catalog.Asset
	Revisions  map[string][]catalog.Revision
}

// TestApplyInBatchesIsTheSameAsAtOnce applies the same runs (first sight, changes, a failure, a
// table that may not be read, removals with and without scope, returns) in batches of 1, 2, 7
// and the default size, across two databases and several namespaces, and expects the same
// catalog from each: batches are only how the work is cut.
func TestApplyInBatchesIsTheSameAsAtOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		var want *history
		for _, size := range []int{0, 1, 2, 7} {
			got := runHistory(t, db, size)
			if want == nil {
				want = got
				if len(want.Assets) != 24 || want.Stats[0].Added != 24 {
					t.Fatalf("default batch: %d assets, first run %+v; want 24 added", len(want.Assets), want.Stats[0])
				}
				continue
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("batches of %d differ from the default (-default +got):\n%s", size, diff)
			}
		}
	})
}

// runHistory applies the runs to a source of its own (named after the batch size) and reads
// back what they left.
func runHistory(t *testing.T, db *store.DB, batch int) *history {
	t.Helper()
	ctx := context.Background()
	src := fmt.Sprintf("src-batch-%d", batch)
	c := newCatalog()
	c.BatchSize = batch
	prefix, ids := fmt.Sprintf("b%d-", batch), 0
	c.NewID = func() string { ids++; return fmt.Sprintf("%sasset-%05d", prefix, ids) }
	build := func(change func(db, ns string, i int, tb *schema.Table) bool) *schema.Snapshot {
		s := &schema.Snapshot{Engine: "postgres", Complete: true}
		for _, dbName := range []string{"app", "zoo"} {
			d := schema.Database{Name: dbName}
			for _, ns := range []string{"a", "b", "public"} {
				n := schema.Namespace{Name: ns}
				for i := range 4 {
					tb := tableNamed(fmt.Sprintf("t%d", i))
					if change == nil || change(dbName, ns, i, &tb) {
						n.Tables = append(n.Tables, tb)
					}
				}
				d.Namespaces = append(d.Namespaces, n)
			}
			s.Databases = append(s.Databases, d)
		}
		return s
	}
	second := build(func(db, ns string, i int, tb *schema.Table) bool {
		switch {
		case db == "app" && i == 1:
			tb.Columns = append(tb.Columns, col(3, "added", "text"))
		case db == "zoo" && ns == "b" && i == 2:
			tb.Meta.NoAccess = true
		case db == "zoo" && i == 3:
			return false // gone
		}
		return true
	})
	second.Failed = []schema.AssetError{{Ref: schema.Ref{Database: "app", Namespace: "b", Table: "t0"}, Reason: "boom"},
		{Ref: schema.Ref{Database: "app", Namespace: "b", Table: "new"}, Reason: "boom"}}
	third := build(func(db, ns string, i int, tb *schema.Table) bool { return !(db == "app" && ns == "a") })
	runs := []struct {
		s       *schema.Snapshot
		inScope func(schema.Ref) bool
	}{
		{build(nil), nil},
		{second, nil},
		{third, func(r schema.Ref) bool { return r.Table != "t2" }},
		{build(nil), nil},
	}
	h := &history{Revisions: map[string][]catalog.Revision{}}
	for i, r := range runs {
		runID := fmt.Sprintf("%s-run-%d", src, i+1)
		var st catalog.Stats
		err := db.Tx(ctx, func(tx *store.Tx) error {
			var err error
			st, err = c.Apply(ctx, tx, catalog.ApplyInput{AccountID: account, SourceID: src, RunID: runID, Snapshot: r.s, InScope: r.inScope})
			return err
		})
		if err != nil {
			t.Fatalf("batches of %d, run %d: %v", batch, i+1, err)
		}
		h.Stats = append(h.Stats, st)
		acts := activities(t, db, c, runID, "")
		for j := range acts {
			acts[j].RunID = fmt.Sprint(i + 1)
			acts[j].AssetID = strings.TrimPrefix(acts[j].AssetID, prefix)
		}
		h.Activities = append(h.Activities, acts)
	}
	all := read(t, db, func(tx *store.Tx) ([]catalog.Asset, error) {
		as, _, err := c.Search(ctx, tx, account, "", []string{src}, 0, 1000)
		return as, err
	})
	for _, a := range all {
		revs := read(t, db, func(tx *store.Tx) ([]catalog.Revision, error) { return c.ListRevisions(ctx, tx, account, a.ID) })
		for j := range revs {
			revs[j].RunID = revs[j].RunID[len(src):]
		}
		h.Revisions[a.Ref.String()] = revs
		a.ID, a.SourceID, a.RunID = strings.TrimPrefix(a.ID, prefix), "", a.RunID[len(src):]
		h.Assets = append(h.Assets, a)
	}
	return h
}

// TestApplyFreshSourceBesideAnother applies the same tables to a second source of the same
// account after the first has them, in batches of 2: the second source's assets are its own (a
// first run there looks nothing up, whatever the other source has), and its own rerun finds
// them all unchanged, across batches.
func TestApplyFreshSourceBesideAnother(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		c := newCatalog()
		c.BatchSize = 2
		run := func(src, runID string, s *schema.Snapshot) catalog.Stats {
			t.Helper()
			var st catalog.Stats
			err := db.Tx(ctx, func(tx *store.Tx) error {
				var err error
				st, err = c.Apply(ctx, tx, catalog.ApplyInput{AccountID: account, SourceID: src, RunID: runID, Snapshot: s})
				return err
			})
			if err != nil {
				t.Fatalf("apply %s to %s: %v", runID, src, err)
			}
			return st
		}
		const n = 5
		for _, step := range []struct {
			src, run string
			want     catalog.Stats
		}{
			{"src-a", "run-a1", catalog.Stats{Added: n}},
			{"src-b", "run-b1", catalog.Stats{Added: n}},
			{"src-b", "run-b2", catalog.Stats{Unchanged: n}},
			{"src-a", "run-a2", catalog.Stats{Unchanged: n}},
		} {
			if got := run(step.src, step.run, snap(true, tables(n)...)); got != step.want {
				t.Fatalf("%s on %s: stats %+v, want %+v", step.run, step.src, got, step.want)
			}
		}
		all := read(t, db, func(tx *store.Tx) ([]catalog.Asset, error) {
			as, _, err := c.Search(ctx, tx, account, "", nil, 0, 100)
			return as, err
		})
		if len(all) != 2*n {
			t.Fatalf("%d assets in the account, want %d (%d per source)", len(all), 2*n, n)
		}
	})
}

// TestApplyCompressesDocumentsWithLZ4 applies a table whose document PostgreSQL compresses
// (several KB): on a server with LZ4 it is stored LZ4-compressed, and the server's default is
// what it was for the transactions after.
func TestApplyCompressesDocumentsWithLZ4(t *testing.T) {
	db := storetest.Postgres(t)
	ctx := context.Background()
	var (
		lz4    bool
		before string
	)
	err := db.ReadTx(ctx, func(tx *store.Tx) error {
		if err := tx.QueryRow(ctx, `SHOW default_toast_compression`).Scan(&before); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY (enumvals))`).Scan(&lz4)
	})
	if err != nil {
		t.Fatal(err)
	}
	if !lz4 {
		t.Skip("this PostgreSQL server has no LZ4")
	}
	cols := make([]schema.Column, 200)
	for i := range cols {
		cols[i] = col(i+1, fmt.Sprintf("column_with_a_long_name_%03d", i), "varchar")
	}
	apply(t, db, newCatalog(), "run-1", snap(true, tableNamed("wide", cols...)), nil)
	var compression, setting string
	err = db.ReadTx(ctx, func(tx *store.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT COALESCE(pg_column_compression(document), 'none') FROM asset_revisions`).Scan(&compression); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `SHOW default_toast_compression`).Scan(&setting)
	})
	if err != nil {
		t.Fatal(err)
	}
	if compression != "lz4" {
		t.Errorf("the document is stored with compression %q, want lz4", compression)
	}
	if setting != before {
		t.Errorf("default_toast_compression is %q after the apply, want the server's %q", setting, before)
	}
}
