package catalog_test

import (
	"context"
	"slices"
	"testing"

	"github.com/surveyorhq/surveyor/internal/catalog"
	"github.com/surveyorhq/surveyor/internal/schema"
	"github.com/surveyorhq/surveyor/internal/store"
	"github.com/surveyorhq/surveyor/internal/store/storetest"
)

// shop is customers, orders referencing customers, and a log table.
func shop() []schema.Table {
	customers := tableNamed("customers")
	orders := tableNamed("orders", col(1, "id", "int4"), col(2, "customer_id", "int4"))
	orders.ForeignKeys = []schema.ForeignKey{{Name: "orders_customer_fk", Columns: []string{"customer_id"},
		RefNamespace: "public", RefTable: "customers", RefColumns: []string{"id"}, OnUpdate: "NO ACTION", OnDelete: "NO ACTION"}}
	return []schema.Table{customers, orders, tableNamed("log")}
}

func TestRunChangesAndRemovals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		c := newCatalog()
		apply(t, db, c, "run-1", snap(true, shop()...), nil)
		tables := shop()
		tables[1].ForeignKeys = nil                                                   // orders drops its foreign key
		tables[0].Columns[1].Type = schema.Type{Declared: "varchar", Base: "varchar"} // customers.name changes type
		st := apply(t, db, c, "run-2", snap(true, tables[:2]...), nil)                // log is gone
		if st.Updated != 2 || st.Missing != 1 {
			t.Fatalf("second apply: %+v, want 2 updated and 1 missing", st)
		}

		changes := read(t, db, func(tx *store.Tx) ([]catalog.Change, error) {
			ch, next, err := c.RunChanges(ctx, tx, account, "run-2", 0, 1)
			if err != nil || next == 0 {
				t.Fatalf("first page: next %d, err %v; want a next page", next, err)
			}
			more, next, err := c.RunChanges(ctx, tx, account, "run-2", next, 1)
			if next != 0 {
				t.Errorf("second page: next %d, want 0", next)
			}
			return append(ch, more...), err
		})
		var got []string
		for _, ch := range changes {
			for _, d := range schema.DiffTable(ch.Ref, ch.Before, ch.After).Changes {
				got = append(got, ch.Ref.Table+": "+schema.Describe(d).Sentence())
			}
			if ch.Revision != 2 {
				t.Errorf("%s: revision %d, want 2", ch.Ref, ch.Revision)
			}
		}
		want := []string{"customers: column `name`: text → varchar", "orders: foreign key to `customers` dropped"}
		if !slices.Equal(got, want) {
			t.Errorf("run-2 changes = %q, want %q", got, want)
		}
		if other := read(t, db, func(tx *store.Tx) ([]catalog.Change, error) {
			ch, _, err := c.RunChanges(ctx, tx, "222222222222", "run-2", 0, 10)
			return ch, err
		}); len(other) != 0 {
			t.Errorf("another account sees %d changes of run-2", len(other))
		}

		if links := read(t, db, func(tx *store.Tx) ([]catalog.BackLink, error) {
			return c.ReferencedBy(ctx, tx, account, source, ref("customers"))
		}); len(links) != 0 {
			t.Errorf("after orders dropped its foreign key, customers is still referenced by %+v", links)
		}

		removed, total := read2(t, db, func(tx *store.Tx) ([]catalog.Removal, int, error) {
			return c.RemovedByRun(ctx, tx, account, "run-2", 0, 10)
		})
		if total != 1 || len(removed) != 1 || removed[0].Ref != ref("log") || removed[0].Revision != 1 || removed[0].Kind != schema.KindTable {
			t.Errorf("removed by run-2 = %+v (total %d), want log at revision 1", removed, total)
		}
		if _, n := read2(t, db, func(tx *store.Tx) ([]catalog.Removal, int, error) {
			return c.RemovedByRun(ctx, tx, account, "run-1", 0, 10)
		}); n != 0 {
			t.Errorf("run-1 removed %d assets, want 0", n)
		}
		// A third run that does not see log again does not remove it a second time.
		apply(t, db, c, "run-3", snap(true, tables[:2]...), nil)
		if _, n := read2(t, db, func(tx *store.Tx) ([]catalog.Removal, int, error) {
			return c.RemovedByRun(ctx, tx, account, "run-3", 0, 10)
		}); n != 0 {
			t.Errorf("run-3 removed %d assets, want 0", n)
		}
		events := read(t, db, func(tx *store.Tx) ([]catalog.RemovalEvent, error) {
			return c.Removals(ctx, tx, account, removed[0].AssetID)
		})
		if len(events) != 1 || events[0].RunID != "run-2" {
			t.Errorf("removals of log = %+v, want run-2", events)
		}

		// An incomplete run removes nothing.
		apply(t, db, c, "run-4", snap(false, tables[:1]...), nil)
		if _, n := read2(t, db, func(tx *store.Tx) ([]catalog.Removal, int, error) {
			return c.RemovedByRun(ctx, tx, account, "run-4", 0, 10)
		}); n != 0 {
			t.Errorf("incomplete run-4 removed %d assets, want 0", n)
		}

		// DeleteSource takes the removals with the assets.
		if err := db.Tx(ctx, func(tx *store.Tx) error { _, err := c.DeleteSource(ctx, tx, account, source); return err }); err != nil {
			t.Fatal(err)
		}
		var left int
		if err := db.ReadTx(ctx, func(tx *store.Tx) error {
			return tx.QueryRow(ctx, `SELECT count(*) FROM asset_removals`).Scan(&left)
		}); err != nil || left != 0 {
			t.Errorf("after DeleteSource: %d removals left (%v)", left, err)
		}
	})
}

func TestBrowseQueries(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		c := newCatalog()
		s := snap(true, shop()...)
		s.Databases[0].Namespaces = append(s.Databases[0].Namespaces, schema.Namespace{Name: "audit", Tables: []schema.Table{tableNamed("events")}})
		apply(t, db, c, "run-1", s, nil)

		page, total := read2(t, db, func(tx *store.Tx) ([]catalog.AssetSummary, int, error) {
			return c.ListAssets(ctx, tx, catalog.AssetQuery{AccountID: account, SourceID: source, Offset: 1, Limit: 2})
		})
		if total != 4 || len(page) != 2 || page[0].Ref != ref("customers") || page[1].Ref != ref("log") {
			t.Errorf("ListAssets page 2 = %+v (total %d), want customers and log of 4", page, total)
		}
		if _, n := read2(t, db, func(tx *store.Tx) ([]catalog.AssetSummary, int, error) {
			return c.ListAssets(ctx, tx, catalog.AssetQuery{AccountID: other, SourceID: source})
		}); n != 0 {
			t.Errorf("another account lists %d assets", n)
		}
		ns := read(t, db, func(tx *store.Tx) ([]catalog.NamespaceCount, error) { return c.Namespaces(ctx, tx, account, source) })
		if want := []catalog.NamespaceCount{{"app", "audit", 1}, {"app", "public", 3}}; !slices.Equal(ns, want) {
			t.Errorf("Namespaces = %+v, want %+v", ns, want)
		}
		assets, n := read2(t, db, func(tx *store.Tx) ([]catalog.Asset, int, error) {
			return c.NamespaceAssets(ctx, tx, account, source, "app", "public", 2)
		})
		if n != 3 || len(assets) != 2 || assets[0].Table.Name != "customers" || assets[1].Table.Name != "log" {
			t.Errorf("NamespaceAssets = %d of %d", len(assets), n)
		}
		ids := read(t, db, func(tx *store.Tx) (map[schema.Ref]string, error) {
			return c.FindAssets(ctx, tx, account, source, []schema.Ref{ref("orders"), ref("nope")})
		})
		if len(ids) != 1 || ids[ref("orders")] == "" {
			t.Errorf("FindAssets = %v, want orders only", ids)
		}
		links := read(t, db, func(tx *store.Tx) ([]catalog.BackLink, error) {
			return c.ReferencedBy(ctx, tx, account, source, ref("customers"))
		})
		if len(links) != 1 || links[0].Ref != ref("orders") || links[0].FK.Name != "orders_customer_fk" || links[0].AssetID != ids[ref("orders")] {
			t.Errorf("ReferencedBy(customers) = %+v, want orders_customer_fk of orders", links)
		}
		if links := read(t, db, func(tx *store.Tx) ([]catalog.BackLink, error) {
			return c.ReferencedBy(ctx, tx, account, source, ref("orders"))
		}); len(links) != 0 {
			t.Errorf("ReferencedBy(orders) = %+v, want none", links)
		}
	})
}
