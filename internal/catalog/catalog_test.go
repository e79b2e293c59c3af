package catalog_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/surveyorhq/surveyor/internal/catalog"
	"github.com/surveyorhq/surveyor/internal/schema"
	"github.com/surveyorhq/surveyor/internal/store"
	"github.com/surveyorhq/surveyor/internal/store/storetest"
)

const (
	account = "111111111111"
	other   = "222222222222"
	source  = "src-1"
)

// newCatalog returns a catalog with a clock that advances one second per call and sequential IDs.
func newCatalog() *catalog.Catalog {
	t0 := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	calls, ids := 0, 0
	return &catalog.Catalog{
		Now:   func() time.Time { calls++; return t0.Add(time.Duration(calls) * time.Second) },
		NewID: func() string { ids++; return fmt.Sprintf("asset-%05d", ids) },
	}
}

func col(pos int, name, typ string) schema.Column {
	return schema.Column{Name: name, Position: pos, Type: schema.Type{Declared: typ, Base: typ}, Nullable: true}
}

func tableNamed(name string, cols ...schema.Column) schema.Table {
	if len(cols) == 0 {
		cols = []schema.Column{col(1, "id", "int4"), col(2, "name", "text")}
	}
	return schema.Table{Name: name, Kind: schema.KindTable, Columns: cols,
		PrimaryKey: &schema.Constraint{Name: name + "_pkey", Columns: []string{cols[0].Name}}}
}

func ref(table string) schema.Ref {
	return schema.Ref{Database: "app", Namespace: "public", Table: table}
}

// snap puts tables in database app, namespace public.
func snap(complete bool, tables ...schema.Table) *schema.Snapshot {
	return &schema.Snapshot{
		Engine:    "postgres",
		Complete:  complete,
		Databases: []schema.Database{{Name: "app", Namespaces: []schema.Namespace{{Name: "public", Tables: tables}}}},
	}
}

func tables(n int) []schema.Table {
	out := make([]schema.Table, n)
	for i := range out {
		out[i] = tableNamed(fmt.Sprintf("t%03d", i))
	}
	return out
}

func apply(t *testing.T, db *store.DB, c *catalog.Catalog, runID string, s *schema.Snapshot, inScope func(schema.Ref) bool) catalog.Stats {
	t.Helper()
	var st catalog.Stats
	err := db.Tx(context.Background(), func(tx *store.Tx) error {
		var err error
		st, err = c.Apply(context.Background(), tx, catalog.ApplyInput{AccountID: account, SourceID: source, RunID: runID, Snapshot: s, InScope: inScope})
		return err
	})
	if err != nil {
		t.Fatalf("apply %s: %v", runID, err)
	}
	return st
}

func read[T any](t *testing.T, db *store.DB, fn func(tx *store.Tx) (T, error)) T {
	t.Helper()
	var out T
	err := db.ReadTx(context.Background(), func(tx *store.Tx) error {
		var err error
		out, err = fn(tx)
		return err
	})
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	return out
}

// assetByRef finds the latest revision of an asset by its reference, through Search and GetAsset.
func assetByRef(t *testing.T, db *store.DB, c *catalog.Catalog, r schema.Ref) *catalog.Asset {
	t.Helper()
	ctx := context.Background()
	all := read(t, db, func(tx *store.Tx) ([]catalog.Asset, error) {
		as, _, err := c.Search(ctx, tx, account, "", nil, 0, 100000)
		return as, err
	})
	for _, a := range all {
		if a.Ref == r {
			return &a
		}
	}
	return nil
}

func activities(t *testing.T, db *store.DB, c *catalog.Catalog, runID, status string) []catalog.Activity {
	t.Helper()
	return read(t, db, func(tx *store.Tx) ([]catalog.Activity, error) {
		as, _, err := c.ListActivities(context.Background(), tx, runID, status, 0, 100000)
		return as, err
	})
}

func TestApplyFirstRunThenSameSnapshot(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		c := newCatalog()
		const n = 25
		if got, want := apply(t, db, c, "run-1", snap(true, tables(n)...), nil), (catalog.Stats{Added: n}); got != want {
			t.Fatalf("first apply: stats %+v, want %+v", got, want)
		}
		created := activities(t, db, c, "run-1", catalog.StatusCreated)
		if len(created) != n {
			t.Fatalf("first apply: %d SUCCEEDED_CREATED activities, want %d", len(created), n)
		}
		for i, a := range created {
			if a.Seq != i+1 || a.AssetID == "" || a.Ref != ref(fmt.Sprintf("t%03d", i)) {
				t.Fatalf("activity %d = %+v, want seq %d, an asset id and table t%03d", i, a, i+1, i)
			}
		}
		if got, want := apply(t, db, c, "run-2", snap(true, tables(n)...), nil), (catalog.Stats{Unchanged: n}); got != want {
			t.Fatalf("same snapshot again: stats %+v, want %+v", got, want)
		}
		if got := len(activities(t, db, c, "run-2", catalog.StatusUnchanged)); got != n {
			t.Fatalf("same snapshot again: %d UNCHANGED activities, want %d", got, n)
		}
		a := assetByRef(t, db, c, ref("t007"))
		revs := read(t, db, func(tx *store.Tx) ([]catalog.Revision, error) {
			return c.ListRevisions(context.Background(), tx, account, a.ID)
		})
		if len(revs) != 1 || revs[0].RunID != "run-1" {
			t.Fatalf("revisions after an unchanged run: %+v, want only revision 1 of run-1", revs)
		}
	})
}

func TestApplyChangedTablesGetNewRevision(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		c := newCatalog()
		before := tables(6)
		apply(t, db, c, "run-1", snap(true, before...), nil)

		after := tables(6)
		after[1].Columns = append(after[1].Columns, col(3, "email", "text"))
		after[4].Columns[1].Type = schema.Type{Declared: "varchar(20)", Base: "varchar"}
		if got, want := apply(t, db, c, "run-2", snap(true, after...), nil), (catalog.Stats{Updated: 2, Unchanged: 4}); got != want {
			t.Fatalf("stats %+v, want %+v", got, want)
		}
		updated := activities(t, db, c, "run-2", catalog.StatusUpdated)
		if len(updated) != 2 || updated[0].Ref != ref("t001") || updated[1].Ref != ref("t004") {
			t.Fatalf("SUCCEEDED_UPDATED activities %+v, want t001 and t004", updated)
		}

		a := assetByRef(t, db, c, ref("t001"))
		if a.Revision != 2 || a.LatestRevision != 2 || a.RunID != "run-2" {
			t.Fatalf("latest of t001: revision %d (latest %d) from %s, want 2 from run-2", a.Revision, a.LatestRevision, a.RunID)
		}
		if a.Fingerprint != after[1].Fingerprint() {
			t.Errorf("latest fingerprint %s, want %s", a.Fingerprint, after[1].Fingerprint())
		}
		got := read(t, db, func(tx *store.Tx) (*catalog.Asset, error) { return c.GetAsset(ctx, tx, account, a.ID, 0) })
		if diff := cmp.Diff(after[1].Columns, got.Table.Columns); diff != "" {
			t.Errorf("latest document columns (-want +got):\n%s", diff)
		}
		old := read(t, db, func(tx *store.Tx) (*catalog.Asset, error) { return c.GetAsset(ctx, tx, account, a.ID, 1) })
		if diff := cmp.Diff(before[1].Columns, old.Table.Columns); diff != "" {
			t.Errorf("revision 1 document columns (-want +got):\n%s", diff)
		}
		if old.Revision != 1 || old.LatestRevision != 2 || old.Fingerprint != before[1].Fingerprint() || old.RunID != "run-1" {
			t.Errorf("revision 1: %+v, want revision 1 of run-1 with the old fingerprint", old)
		}
		if !old.CreatedAt.Before(got.CreatedAt) || !old.FirstRevisionAt.Equal(old.CreatedAt) || !got.FirstRevisionAt.Equal(old.CreatedAt) {
			t.Errorf("times: revision 1 created %v, revision 2 created %v, first revision %v", old.CreatedAt, got.CreatedAt, got.FirstRevisionAt)
		}
		revs := read(t, db, func(tx *store.Tx) ([]catalog.Revision, error) { return c.ListRevisions(ctx, tx, account, a.ID) })
		if len(revs) != 2 || revs[0].Revision != 1 || revs[1].Revision != 2 || revs[1].RunID != "run-2" {
			t.Errorf("revisions %+v, want 1 (run-1) and 2 (run-2)", revs)
		}
		if _, err := readErr(db, func(tx *store.Tx) (*catalog.Asset, error) { return c.GetAsset(ctx, tx, account, a.ID, 3) }); !errors.Is(err, catalog.ErrNotFound) {
			t.Errorf("GetAsset revision 3: %v, want ErrNotFound", err)
		}
	})
}

func TestApplyRefreshesMetaWithoutRevision(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		c := newCatalog()
		rows := func(n int64) *schema.Snapshot {
			tb := tableNamed("orders")
			tb.Meta.RowEstimate = &n
			return snap(true, tb)
		}
		apply(t, db, c, "run-1", rows(10), nil)
		if got, want := apply(t, db, c, "run-2", rows(5000), nil), (catalog.Stats{Unchanged: 1}); got != want {
			t.Fatalf("stats %+v, want %+v", got, want)
		}
		a := assetByRef(t, db, c, ref("orders"))
		if a.Revision != 1 || a.Table.Meta.RowEstimate == nil || *a.Table.Meta.RowEstimate != 5000 {
			t.Fatalf("latest: revision %d, meta %+v; want revision 1 with row estimate 5000", a.Revision, a.Table.Meta)
		}
		revs := read(t, db, func(tx *store.Tx) ([]catalog.Revision, error) { return c.ListRevisions(ctx, tx, account, a.ID) })
		if len(revs) != 1 || revs[0].Meta.RowEstimate == nil || *revs[0].Meta.RowEstimate != 10 {
			t.Fatalf("revisions %+v, want one revision discovered with row estimate 10", revs)
		}
	})
}

func TestApplyNoAccessIsSkipped(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		c := newCatalog()
		apply(t, db, c, "run-1", snap(true, tableNamed("secret")), nil)

		hidden := tableNamed("secret")
		hidden.Columns = nil // a connector that may not read a table may not see its columns either
		hidden.Meta.NoAccess = true
		fresh := tableNamed("locked")
		fresh.Meta.NoAccess = true
		if got, want := apply(t, db, c, "run-2", snap(true, hidden, fresh), nil), (catalog.Stats{Skipped: 2}); got != want {
			t.Fatalf("stats %+v, want %+v", got, want)
		}
		a := assetByRef(t, db, c, ref("secret"))
		if a.Missing || a.Revision != 1 || len(a.Table.Columns) != 2 {
			t.Fatalf("existing asset after SKIPPED_NO_ACCESS: missing %v, revision %d, %d columns; want present, revision 1, 2 columns", a.Missing, a.Revision, len(a.Table.Columns))
		}
		if a := assetByRef(t, db, c, ref("locked")); a != nil {
			t.Fatalf("a table never read became asset %+v", a)
		}
		skipped := activities(t, db, c, "run-2", catalog.StatusNoAccess)
		want := []catalog.Activity{
			{RunID: "run-2", Seq: 1, Ref: ref("locked"), Status: catalog.StatusNoAccess},
			{RunID: "run-2", Seq: 2, AssetID: a.ID, Ref: ref("secret"), Status: catalog.StatusNoAccess},
		}
		if diff := cmp.Diff(want, skipped, cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".CreatedAt" }, cmp.Ignore())); diff != "" {
			t.Fatalf("activities (-want +got):\n%s", diff)
		}
	})
}

func TestApplyFailedAssetIsUntouched(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		c := newCatalog()
		apply(t, db, c, "run-1", snap(true, tableNamed("a"), tableNamed("b")), nil)
		before := assetByRef(t, db, c, ref("b"))

		// b is listed both as read (with a changed shape) and as failed: the failure wins, since
		// what was read of it may be partial.
		s := snap(true, tableNamed("a"), tableNamed("b", col(1, "only_half", "text")))
		s.Failed = []schema.AssetError{{Ref: ref("b"), Reason: "permission denied for table b"}, {Ref: ref("c"), Reason: "timeout"}}
		if got, want := apply(t, db, c, "run-2", s, nil), (catalog.Stats{Unchanged: 1, Failed: 2}); got != want {
			t.Fatalf("stats %+v, want %+v", got, want)
		}
		after := assetByRef(t, db, c, ref("b"))
		if diff := cmp.Diff(before, after); diff != "" {
			t.Fatalf("failed asset changed (-before +after):\n%s", diff)
		}
		failed := activities(t, db, c, "run-2", catalog.StatusFailed)
		if len(failed) != 2 || failed[0].AssetID != before.ID || failed[0].ErrorMessage != "permission denied for table b" ||
			failed[1].AssetID != "" || failed[1].ErrorMessage != "timeout" {
			t.Fatalf("FAILED activities %+v, want b (with its asset id and reason) and c (no asset)", failed)
		}
		if a := assetByRef(t, db, c, ref("c")); a != nil {
			t.Fatalf("a table that failed on first sight became asset %+v", a)
		}
	})
}

func TestApplyMarksMissing(t *testing.T) {
	for _, tc := range []struct {
		name        string
		complete    bool
		failed      bool
		inScope     func(schema.Ref) bool
		wantMissing bool
	}{
		{name: "incomplete snapshot marks nothing", complete: false},
		{name: "complete snapshot marks an absent table", complete: true, wantMissing: true},
		{name: "table inside the scope is marked", complete: true, inScope: func(r schema.Ref) bool { return r.Namespace == "public" }, wantMissing: true},
		{name: "table outside the scope stays", complete: true, inScope: func(r schema.Ref) bool { return r.Table != "gone" }},
		{name: "failed table stays", complete: true, failed: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				c := newCatalog()
				apply(t, db, c, "run-1", snap(true, tableNamed("kept"), tableNamed("gone")), nil)
				s := snap(tc.complete, tableNamed("kept"))
				if tc.failed {
					s.Failed = []schema.AssetError{{Ref: ref("gone"), Reason: "boom"}}
				}
				st := apply(t, db, c, "run-2", s, tc.inScope)
				gone := assetByRef(t, db, c, ref("gone"))
				if gone.Missing != tc.wantMissing {
					t.Fatalf("missing = %v, want %v", gone.Missing, tc.wantMissing)
				}
				if want := map[bool]int{true: 1}[tc.wantMissing]; st.Missing != want {
					t.Fatalf("stats %+v, want Missing %d", st, want)
				}
				if assetByRef(t, db, c, ref("kept")).Missing {
					t.Fatal("a table that is still there is marked missing")
				}
				if gone.Revision != 1 {
					t.Fatalf("absent table got revision %d, want 1", gone.Revision)
				}
				if !tc.wantMissing {
					return
				}
				// A missing table is no longer listed for rendering...
				present := read(t, db, func(tx *store.Tx) ([]catalog.Asset, error) {
					return c.AssetsOfSource(context.Background(), tx, source)
				})
				if len(present) != 1 || present[0].Ref != ref("kept") {
					t.Fatalf("AssetsOfSource lists %v, want only kept", present)
				}
				// ...and a second complete run does not count it again.
				if st := apply(t, db, c, "run-3", s, tc.inScope); st.Missing != 0 {
					t.Fatalf("second complete run: stats %+v, want Missing 0", st)
				}
				// Coming back clears the flag without a new revision.
				if got, want := apply(t, db, c, "run-4", snap(true, tableNamed("kept"), tableNamed("gone")), nil), (catalog.Stats{Unchanged: 2}); got != want {
					t.Fatalf("table back: stats %+v, want %+v", got, want)
				}
				back := assetByRef(t, db, c, ref("gone"))
				if back.Missing || back.Revision != 1 {
					t.Fatalf("table back: missing %v, revision %d; want present at revision 1", back.Missing, back.Revision)
				}
			})
		})
	}
}

func TestApplyChangedTableComingBackClearsMissing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		c := newCatalog()
		apply(t, db, c, "run-1", snap(true, tableNamed("a")), nil)
		apply(t, db, c, "run-2", snap(true), nil)
		if !assetByRef(t, db, c, ref("a")).Missing {
			t.Fatal("a table absent from a complete run is not missing")
		}
		changed := tableNamed("a", col(1, "id", "int8"))
		if got, want := apply(t, db, c, "run-3", snap(true, changed), nil), (catalog.Stats{Updated: 1}); got != want {
			t.Fatalf("stats %+v, want %+v", got, want)
		}
		if a := assetByRef(t, db, c, ref("a")); a.Missing || a.Revision != 2 {
			t.Fatalf("changed table back: missing %v, revision %d; want present at revision 2", a.Missing, a.Revision)
		}
	})
}

func TestListActivitiesPagesAndFilters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		c := newCatalog()
		apply(t, db, c, "run-1", snap(true, tables(4)...), nil)
		s := snap(true, tables(7)...) // t000..t003 unchanged, t004..t006 created
		s.Databases[0].Namespaces[0].Tables[1].Columns = append(s.Databases[0].Namespaces[0].Tables[1].Columns, col(3, "x", "int4"))
		s.Failed = []schema.AssetError{{Ref: ref("t000b"), Reason: "boom"}}
		if got, want := apply(t, db, c, "run-2", s, nil), (catalog.Stats{Added: 3, Updated: 1, Unchanged: 3, Failed: 1}); got != want {
			t.Fatalf("stats %+v, want %+v", got, want)
		}

		for _, tc := range []struct {
			name   string
			status string
			limit  int
			want   [][]string // tables, page by page
		}{
			{"all in pages of 3", "", 3, [][]string{{"t000", "t000b", "t001"}, {"t002", "t003", "t004"}, {"t005", "t006"}}},
			{"exact last page has no cursor", "", 4, [][]string{{"t000", "t000b", "t001", "t002"}, {"t003", "t004", "t005", "t006"}}},
			{"created only", catalog.StatusCreated, 2, [][]string{{"t004", "t005"}, {"t006"}}},
			{"unchanged only", catalog.StatusUnchanged, 10, [][]string{{"t000", "t002", "t003"}}},
			{"updated only", catalog.StatusUpdated, 10, [][]string{{"t001"}}},
			{"failed only", catalog.StatusFailed, 10, [][]string{{"t000b"}}},
			{"no such status", catalog.StatusNoAccess, 10, [][]string{nil}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				var got [][]string
				after := 0
				for page := 0; page < 10; page++ {
					var acts []catalog.Activity
					var next int
					err := db.ReadTx(ctx, func(tx *store.Tx) error {
						var err error
						acts, next, err = c.ListActivities(ctx, tx, "run-2", tc.status, after, tc.limit)
						return err
					})
					if err != nil {
						t.Fatal(err)
					}
					var names []string
					for _, a := range acts {
						names = append(names, a.Ref.Table)
					}
					got = append(got, names)
					if next == 0 {
						break
					}
					after = next
				}
				if diff := cmp.Diff(tc.want, got); diff != "" {
					t.Fatalf("pages (-want +got):\n%s", diff)
				}
			})
		}
		if got := activities(t, db, c, "run-1", ""); len(got) != 4 {
			t.Fatalf("run-1 has %d activities, want its own 4", len(got))
		}
	})
}

func TestSearch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		c := newCatalog()
		customers := tableNamed("Customers", col(1, "id", "int4"), col(2, "EmailAddress", "text"))
		customers.Comment = "People who BUY things"
		customers.Columns[1].Comment = "Where invoices are sent"
		events := schema.Table{Name: "events", Kind: schema.KindFile, Columns: []schema.Column{{
			Name: "payload", Position: 1,
			Type: schema.Type{Declared: "struct", Base: "struct", Fields: []schema.Column{{Name: "device_serial", Position: 1, Type: schema.Type{Declared: "string", Base: "string"}}}},
		}}}
		pct := tableNamed("growth_pct", col(1, "rate%", "numeric"))
		apply(t, db, c, "run-1", snap(true, customers, events, pct, tableNamed("orders")), nil)
		err := db.Tx(ctx, func(tx *store.Tx) error {
			_, err := c.Apply(ctx, tx, catalog.ApplyInput{AccountID: account, SourceID: "src-2", RunID: "run-x",
				Snapshot: snap(true, tableNamed("customer_archive")), InScope: nil})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}

		for _, tc := range []struct {
			name    string
			text    string
			sources []string
			want    []string
		}{
			{"table name, other case", "CUSTOMER", nil, []string{"Customers", "customer_archive"}},
			{"table name in one source", "customer", []string{source}, []string{"Customers"}},
			{"table name in the other source", "customer", []string{"src-2"}, []string{"customer_archive"}},
			{"column name", "emailaddr", nil, []string{"Customers"}},
			{"table comment", "buy things", nil, []string{"Customers"}},
			{"column comment", "INVOICES", nil, []string{"Customers"}},
			{"nested field of a file", "serial", nil, []string{"events"}},
			{"percent sign is literal", "%", nil, []string{"growth_pct"}},
			{"underscore is literal", "h_p", nil, []string{"growth_pct"}},
			{"type names are not searched", "numeric", nil, nil},
			{"no match", "zebra", nil, nil},
			{"empty text lists all", "", nil, []string{"Customers", "customer_archive", "events", "growth_pct", "orders"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				var (
					found []catalog.Asset
					total int
				)
				err := db.ReadTx(ctx, func(tx *store.Tx) error {
					var err error
					found, total, err = c.Search(ctx, tx, account, tc.text, tc.sources, 0, 50)
					return err
				})
				if err != nil {
					t.Fatal(err)
				}
				var names []string
				for _, a := range found {
					names = append(names, a.Ref.Table)
				}
				slices.Sort(names)
				want := slices.Clone(tc.want)
				slices.Sort(want)
				if diff := cmp.Diff(want, names); diff != "" || total != len(tc.want) {
					t.Fatalf("Search(%q): total %d, want %d; names (-want +got):\n%s", tc.text, total, len(tc.want), diff)
				}
			})
		}

		t.Run("offset and limit page the results", func(t *testing.T) {
			var pages [][]string
			for offset := 0; offset < 6; offset += 2 {
				found, total := read2(t, db, func(tx *store.Tx) ([]catalog.Asset, int, error) {
					return c.Search(ctx, tx, account, "", []string{source}, offset, 2)
				})
				if total != 4 {
					t.Fatalf("total %d, want 4", total)
				}
				var names []string
				for _, a := range found {
					names = append(names, a.Ref.Table)
				}
				pages = append(pages, names)
			}
			want := [][]string{{"Customers", "events"}, {"growth_pct", "orders"}, nil}
			if diff := cmp.Diff(want, pages); diff != "" {
				t.Fatalf("pages (-want +got):\n%s", diff)
			}
		})
	})
}

func TestAccountIsolation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		c := newCatalog()
		apply(t, db, c, "run-1", snap(true, tableNamed("payroll")), nil)
		mine := assetByRef(t, db, c, ref("payroll"))
		if mine == nil || mine.AccountID != account || mine.SourceID != source {
			t.Fatalf("own asset %+v, want payroll of %s in %s", mine, account, source)
		}
		for _, tc := range []struct {
			name string
			call func(tx *store.Tx) error
		}{
			{"other account cannot get it", func(tx *store.Tx) error {
				_, err := c.GetAsset(ctx, tx, other, mine.ID, 0)
				return err
			}},
			{"other account cannot list its revisions", func(tx *store.Tx) error {
				_, err := c.ListRevisions(ctx, tx, other, mine.ID)
				return err
			}},
			{"unknown asset", func(tx *store.Tx) error {
				_, err := c.GetAsset(ctx, tx, account, "no-such-asset", 0)
				return err
			}},
			{"unknown asset revisions", func(tx *store.Tx) error {
				_, err := c.ListRevisions(ctx, tx, account, "no-such-asset")
				return err
			}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				if err := db.ReadTx(ctx, tc.call); !errors.Is(err, catalog.ErrNotFound) {
					t.Fatalf("got %v, want ErrNotFound", err)
				}
			})
		}
		t.Run("other account cannot find it", func(t *testing.T) {
			found, total := read2(t, db, func(tx *store.Tx) ([]catalog.Asset, int, error) {
				return c.Search(ctx, tx, other, "payroll", nil, 0, 10)
			})
			if total != 0 || len(found) != 0 {
				t.Fatalf("other account found %d (%v)", total, found)
			}
		})
	})
}

func TestAssetsOfSourceRendersLatest(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		c := newCatalog()
		s := &schema.Snapshot{Complete: true, Databases: []schema.Database{
			{Name: "b", Namespaces: []schema.Namespace{{Name: "public", Tables: []schema.Table{tableNamed("z"), tableNamed("a")}}}},
			{Name: "a", Namespaces: []schema.Namespace{{Name: "sales", Tables: []schema.Table{tableNamed("m")}}}},
		}}
		apply(t, db, c, "run-1", s, nil)
		s.Databases[0].Namespaces[0].Tables[0].Comment = "now documented"
		if got, want := apply(t, db, c, "run-2", s, nil), (catalog.Stats{Updated: 1, Unchanged: 2}); got != want {
			t.Fatalf("stats %+v, want %+v", got, want)
		}
		got := read(t, db, func(tx *store.Tx) ([]catalog.Asset, error) { return c.AssetsOfSource(ctx, tx, source) })
		var refs []string
		for _, a := range got {
			refs = append(refs, a.Ref.String())
		}
		if diff := cmp.Diff([]string{"a.sales.m", "b.public.a", "b.public.z"}, refs); diff != "" {
			t.Fatalf("assets (-want +got):\n%s", diff)
		}
		if z := got[2]; z.Revision != 2 || z.Table.Comment != "now documented" || z.Kind != schema.KindTable {
			t.Fatalf("b.public.z: revision %d, comment %q, kind %q; want revision 2 with the new comment", z.Revision, z.Table.Comment, z.Kind)
		}
		if other := read(t, db, func(tx *store.Tx) ([]catalog.Asset, error) { return c.AssetsOfSource(ctx, tx, "src-none") }); len(other) != 0 {
			t.Fatalf("unknown source lists %d assets", len(other))
		}
	})
}

func TestApplyIsAtomicWithTheCallersTransaction(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		c := newCatalog()
		boom := errors.New("fence lost")
		err := db.Tx(ctx, func(tx *store.Tx) error {
			if _, err := c.Apply(ctx, tx, catalog.ApplyInput{AccountID: account, SourceID: source, RunID: "run-1", Snapshot: snap(true, tables(3)...)}); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("Tx: %v, want the caller's error", err)
		}
		if got := activities(t, db, c, "run-1", ""); len(got) != 0 {
			t.Fatalf("rolled-back run left %d activities", len(got))
		}
		if a := assetByRef(t, db, c, ref("t000")); a != nil {
			t.Fatalf("rolled-back run left asset %+v", a)
		}
	})
}

func readErr[T any](db *store.DB, fn func(tx *store.Tx) (T, error)) (T, error) {
	var out T
	err := db.ReadTx(context.Background(), func(tx *store.Tx) error {
		var err error
		out, err = fn(tx)
		return err
	})
	return out, err
}

func read2[T any](t *testing.T, db *store.DB, fn func(tx *store.Tx) (T, int, error)) (T, int) {
	t.Helper()
	var (
		out T
		n   int
	)
	err := db.ReadTx(context.Background(), func(tx *store.Tx) error {
		var err error
		out, n, err = fn(tx)
		return err
	})
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	return out, n
}

func TestApplyTableListedTwiceIsAppliedOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		c := newCatalog()
		s := snap(true, tableNamed("dup"), tableNamed("dup", col(1, "other", "int4")))
		if got, want := apply(t, db, c, "run-1", s, nil), (catalog.Stats{Added: 1}); got != want {
			t.Fatalf("stats %+v, want %+v", got, want)
		}
		if got := len(activities(t, db, c, "run-1", "")); got != 1 {
			t.Fatalf("%d activities, want 1", got)
		}
	})
}

func TestStatsJSONNames(t *testing.T) {
	b, err := json.Marshal(catalog.Stats{Added: 1, Updated: 2, Unchanged: 3, Skipped: 4, Failed: 5})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"added":1,"updated":2,"unchanged":3,"skipped":4,"failed":5}`; string(b) != want {
		t.Fatalf("Stats JSON %s, want %s", b, want)
	}
}
