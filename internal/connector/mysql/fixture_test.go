package mysql

import (
	"context"
	"encoding/json"
	"flag"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/surveyorhq/surveyor/internal/connector"
	"github.com/surveyorhq/surveyor/internal/schema"
	"github.com/surveyorhq/surveyor/internal/testdb"
)

var update = flag.Bool("update", false, "rewrite testdata/fixture.golden.json")

// newFixture creates a fresh database holding testdata/fixture.sql.
func newFixture(t testing.TB) *testdb.DB {
	t.Helper()
	d := testdb.New(t, connector.MySQL, "svmy")
	d.Exec(t, readFile(t, "fixture.sql"))
	return d
}

// newSecond creates a second database holding testdata/second.sql, whose foreign key points
// into the fixture database.
func newSecond(t *testing.T, fixture *testdb.DB) *testdb.DB {
	t.Helper()
	d := testdb.New(t, connector.MySQL, "svmy2")
	d.Exec(t, strings.ReplaceAll(readFile(t, "second.sql"), "{{fixture}}", fixture.Source.Database))
	return d
}

func readFile(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func discover(t *testing.T, src connector.Source, opts connector.Options) *schema.Snapshot {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	snap, err := New().Discover(ctx, src, opts)
	if err != nil {
		t.Fatalf("discover: %v", err)
	}
	return snap
}

// table returns the table named name of database db, failing the test when it is missing.
func table(t *testing.T, snap *schema.Snapshot, db, name string) *schema.Table {
	t.Helper()
	for _, a := range snap.Assets() {
		if a.Ref.Database == db && a.Ref.Table == name {
			return a.Table
		}
	}
	t.Fatalf("table %s.%s not in snapshot (have %v)", db, name, tableNames(snap))
	return nil
}

func tableNames(snap *schema.Snapshot) []string {
	var names []string
	for _, a := range snap.Assets() {
		names = append(names, a.Ref.String())
	}
	return names
}

func column(t *testing.T, tbl *schema.Table, name string) schema.Column {
	t.Helper()
	for _, c := range tbl.Columns {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("column %s.%s missing", tbl.Name, name)
	return schema.Column{}
}

func index(t *testing.T, tbl *schema.Table, name string) schema.Index {
	t.Helper()
	for _, ix := range tbl.Indexes {
		if ix.Name == name {
			return ix
		}
	}
	t.Fatalf("index %s on %s missing", name, tbl.Name)
	return schema.Index{}
}

func TestFixtureMatchesGolden(t *testing.T) {
	d := newFixture(t)
	snap := discover(t, d.Source, connector.Options{})

	if snap.Engine != "mysql" || !snap.Complete || !strings.HasPrefix(snap.ServerVersion, "MariaDB 10.") {
		t.Errorf("engine %q complete %v version %q, want mysql, true, MariaDB 10.x", snap.Engine, snap.Complete, snap.ServerVersion)
	}
	if len(snap.Databases) != 1 || len(snap.Databases[0].Namespaces) != 1 ||
		snap.Databases[0].Namespaces[0].Name != d.Source.Database {
		t.Fatalf("want one database with one namespace of the same name, got %+v", snap.Databases)
	}

	// Blank what changes from run to run, then compare with the golden file.
	g := *snap
	g.CapturedAt, g.ServerVersion = time.Time{}, ""
	for _, a := range g.Assets() {
		a.Table.Meta = schema.Meta{}
	}
	got, err := json.MarshalIndent(&g, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = []byte(strings.ReplaceAll(string(got), d.Source.Database, "fixture") + "\n")
	golden := filepath.Join("testdata", "fixture.golden.json")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if string(got) != string(want) {
		t.Errorf("snapshot differs from %s (run with -update and review the diff):\n%s", golden, firstDifference(string(want), string(got)))
	}
}

// firstDifference shows the first differing line of two texts with a little context.
func firstDifference(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < max(len(w), len(g)); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			return "line " + strconv.Itoa(i+1) + ":\n  want: " + wl + "\n  got:  " + gl
		}
	}
	return ""
}

// TestFixtureFacts pins, in Go, what a user checks first, so that a wrongly regenerated golden
// file still fails.
func TestFixtureFacts(t *testing.T) {
	d := newFixture(t)
	snap := discover(t, d.Source, connector.Options{})
	db := d.Source.Database

	customers := table(t, snap, db, "customers")
	if customers.Kind != schema.KindTable || customers.Comment != "people who buy" {
		t.Errorf("customers kind %q comment %q", customers.Kind, customers.Comment)
	}
	if customers.PrimaryKey == nil || !slices.Equal(customers.PrimaryKey.Columns, []string{"id"}) {
		t.Errorf("customers primary key %+v, want (id)", customers.PrimaryKey)
	}
	if id := column(t, customers, "id"); !id.AutoIncrement || !id.Type.Unsigned || id.Comment != "surrogate key" || id.Nullable {
		t.Errorf("customers.id = %+v, want auto_increment unsigned NOT NULL with comment", id)
	}
	if touched := column(t, table(t, snap, db, "audit_log"), "touched"); !strings.EqualFold(strings.TrimSuffix(touched.OnUpdate, "()"), "current_timestamp") {
		t.Errorf("audit_log.touched on update = %q, want current_timestamp", touched.OnUpdate)
	}
	if nick := column(t, customers, "nickname"); nick.Charset != "latin1" || nick.Collation != "latin1_swedish_ci" {
		t.Errorf("nickname charset %q collation %q, want latin1/latin1_swedish_ci", nick.Charset, nick.Collation)
	}
	if want := map[string]string{"engine": "InnoDB", "collation": "utf8mb4_unicode_ci"}; !maps.Equal(customers.Options, want) {
		t.Errorf("customers options %v, want %v", customers.Options, want)
	}
	if len(customers.Uniques) != 1 || customers.Uniques[0].Name != "uq_customers_email" || !slices.Equal(customers.Uniques[0].Columns, []string{"email"}) {
		t.Errorf("customers uniques %+v, want uq_customers_email(email)", customers.Uniques)
	}
	if ix := index(t, customers, "ix_customers_name_country"); ix.Unique || len(ix.Parts) != 2 || ix.Parts[0].Column != "name" || ix.Parts[1].Column != "country" {
		t.Errorf("ix_customers_name_country = %+v, want non-unique (name, country)", ix)
	}
	if pk := index(t, customers, "PRIMARY"); !pk.Primary || !pk.Unique || pk.Method != "btree" {
		t.Errorf("PRIMARY index = %+v, want primary unique btree", pk)
	}

	orders := table(t, snap, db, "orders")
	if len(orders.ForeignKeys) != 1 {
		t.Fatalf("orders foreign keys %+v, want one", orders.ForeignKeys)
	}
	fk := orders.ForeignKeys[0]
	if fk.Name != "fk_orders_customer" || fk.RefNamespace != db || fk.RefDatabase != "" || fk.RefTable != "customers" ||
		!slices.Equal(fk.Columns, []string{"customer_id"}) || !slices.Equal(fk.RefColumns, []string{"id"}) ||
		fk.OnDelete != "CASCADE" || fk.OnUpdate != "SET NULL" {
		t.Errorf("orders fk = %+v, want (customer_id) → customers(id) ON DELETE CASCADE ON UPDATE SET NULL", fk)
	}
	if total := column(t, orders, "total"); total.GeneratedKind != "STORED" || !strings.Contains(total.Generated, "`quantity` * `unit_price`") || total.Default != nil {
		t.Errorf("orders.total = %+v, want STORED generated quantity * unit_price", total)
	}
	if label := column(t, orders, "label"); label.GeneratedKind != "VIRTUAL" || !strings.Contains(label.Generated, "concat") {
		t.Errorf("orders.label = %+v, want VIRTUAL generated concat(...)", label)
	}
	if !slices.ContainsFunc(orders.Checks, func(c schema.Check) bool {
		return c.Name == "ck_orders_quantity" && c.Expression == "`quantity` > 0"
	}) {
		t.Errorf("orders checks %+v, want ck_orders_quantity `quantity` > 0", orders.Checks)
	}
	if ix := index(t, orders, "ix_orders_placed_desc"); len(ix.Parts) != 1 || !ix.Parts[0].Descending {
		t.Errorf("ix_orders_placed_desc = %+v, want descending placed_at", ix)
	}
	if st := column(t, orders, "status"); !slices.Equal(st.Type.Values, []string{"new", "paid", "shipped"}) || st.Default == nil || *st.Default != "'new'" {
		t.Errorf("orders.status = %+v, want enum new/paid/shipped default 'new'", st)
	}

	lines := table(t, snap, db, "order_lines")
	if lines.PrimaryKey == nil || !slices.Equal(lines.PrimaryKey.Columns, []string{"order_id", "line_no"}) {
		t.Errorf("order_lines primary key %+v, want (order_id, line_no)", lines.PrimaryKey)
	}
	if ix := index(t, lines, "ix_order_lines_sku_prefix"); len(ix.Parts) != 1 || ix.Parts[0].Column != "sku" || ix.Parts[0].PrefixLength != 20 {
		t.Errorf("prefix index = %+v, want sku(20)", ix)
	}
	if !slices.ContainsFunc(lines.Checks, func(c schema.Check) bool { return c.Name == "qty" && c.Expression == "`qty` <> 0" }) {
		t.Errorf("order_lines checks %+v, want the column check qty <> 0", lines.Checks)
	}
	notes := table(t, snap, db, "line_notes")
	if len(notes.ForeignKeys) != 1 || !slices.Equal(notes.ForeignKeys[0].Columns, []string{"order_id", "line_no"}) ||
		!slices.Equal(notes.ForeignKeys[0].RefColumns, []string{"order_id", "line_no"}) || notes.ForeignKeys[0].OnDelete != "RESTRICT" {
		t.Errorf("line_notes fk %+v, want composite (order_id, line_no) → order_lines, RESTRICT", notes.ForeignKeys)
	}
	if notes.PrimaryKey != nil {
		t.Errorf("line_notes has no primary key, got %+v", notes.PrimaryKey)
	}

	if ft := index(t, table(t, snap, db, "articles"), "ft_articles_title_body"); ft.Method != "FULLTEXT" || len(ft.Parts) != 2 {
		t.Errorf("fulltext index = %+v", ft)
	}
	if sp := index(t, table(t, snap, db, "places"), "sp_places_pos"); sp.Method != "SPATIAL" || sp.Parts[0].Column != "pos" || sp.Parts[0].PrefixLength != 0 {
		t.Errorf("spatial index = %+v, want SPATIAL(pos) without prefix", sp)
	}
	audit := table(t, snap, db, "audit_log")
	if audit.Options["engine"] != "MyISAM" || audit.Comment != "append only" {
		t.Errorf("audit_log options %v comment %q, want MyISAM 'append only'", audit.Options, audit.Comment)
	}

	if p := table(t, snap, db, "prices"); p.Kind != schema.KindTable || p.Options["system_versioned"] != "true" {
		t.Errorf("prices kind %q options %v, want a system-versioned table", p.Kind, p.Options)
	}
	if s := table(t, snap, db, "invoice_numbers"); s.Options["sequence"] != "true" {
		t.Errorf("invoice_numbers options %v, want a sequence", s.Options)
	}
	if e := table(t, snap, db, "events"); e.Kind != schema.KindPartitionedTable {
		t.Errorf("events kind %q, want partitioned_table", e.Kind)
	}

	view := table(t, snap, db, "paid_orders")
	if view.Kind != schema.KindView || !strings.Contains(view.ViewDefinition, "`o`.`status` = 'paid'") || len(view.Columns) != 3 || view.Comment != "" || view.Options != nil {
		t.Errorf("paid_orders = kind %q def %q columns %d comment %q options %v", view.Kind, view.ViewDefinition, len(view.Columns), view.Comment, view.Options)
	}

	all := table(t, snap, db, "all_types")
	if json := column(t, all, "c_json"); !slices.ContainsFunc(all.Checks, func(c schema.Check) bool {
		return c.Name == "c_json" && strings.Contains(c.Expression, "json_valid")
	}) {
		t.Errorf("all_types checks %+v, want MariaDB's json_valid check on %s", all.Checks, json.Name)
	}
	for i, c := range all.Columns {
		if c.Position != i+1 {
			t.Errorf("column %s at position %d, want %d", c.Name, c.Position, i+1)
		}
	}
}

func TestFixtureColumnTypes(t *testing.T) {
	d := newFixture(t)
	all := table(t, discover(t, d.Source, connector.Options{}), d.Source.Database, "all_types")
	ptr := func(s string) *string { return &s }
	for _, tc := range []struct {
		column, declared, base string
		length                 int64 // 0: none
		precision, scale       int   // -1: none
		unsigned, nullable     bool
		def                    *string
		values                 []string
	}{
		{"c_tinyint", "tinyint(4)", "tinyint", 0, -1, -1, false, false, ptr("0"), nil},
		{"c_smallint", "smallint(6)", "smallint", 0, -1, -1, false, true, nil, nil},
		{"c_mediumint", "mediumint(9)", "mediumint", 0, -1, -1, false, true, nil, nil},
		{"c_int", "int(11)", "int", 0, -1, -1, false, true, nil, nil},
		{"c_bigint", "bigint(20)", "bigint", 0, -1, -1, false, false, nil, nil},
		{"c_int_u", "int(10) unsigned", "int", 0, -1, -1, true, true, nil, nil},
		{"c_decimal", "decimal(10,2)", "decimal", 0, 10, 2, false, false, ptr("0.00"), nil},
		{"c_float", "float", "float", 0, -1, -1, false, true, nil, nil},
		{"c_double", "double", "double", 0, -1, -1, false, true, nil, nil},
		{"c_bit", "bit(1)", "bit", 1, -1, -1, false, true, nil, nil},
		{"c_bool", "tinyint(1)", "tinyint", 0, -1, -1, false, false, ptr("1"), nil},
		{"c_char", "char(10)", "char", 10, -1, -1, false, true, nil, nil},
		{"c_varchar", "varchar(40)", "varchar", 40, -1, -1, false, true, ptr("'it''s'"), nil},
		{"c_text", "text", "text", 0, -1, -1, false, true, nil, nil},
		{"c_mediumtext", "mediumtext", "mediumtext", 0, -1, -1, false, true, nil, nil},
		{"c_blob", "blob", "blob", 0, -1, -1, false, true, nil, nil},
		{"c_binary", "binary(16)", "binary", 16, -1, -1, false, true, nil, nil},
		{"c_varbinary", "varbinary(64)", "varbinary", 64, -1, -1, false, true, nil, nil},
		{"c_date", "date", "date", 0, -1, -1, false, true, ptr("'2020-01-01'"), nil},
		{"c_datetime", "datetime(6)", "datetime", 0, 6, -1, false, true, nil, nil},
		{"c_timestamp", "timestamp", "timestamp", 0, -1, -1, false, true, nil, nil},
		{"c_time", "time", "time", 0, -1, -1, false, true, nil, nil},
		{"c_year", "year(4)", "year", 0, -1, -1, false, true, nil, nil},
		{"c_json", "longtext", "longtext", 0, -1, -1, false, true, nil, nil}, // MariaDB: JSON is an alias
		{"c_enum", "enum('small','medium','it''s','a,b','back\\\\slash')", "enum", 0, -1, -1, false, false, ptr("'small'"),
			[]string{"small", "medium", "it's", "a,b", `back\slash`}},
		{"c_set", "set('red','green','blue')", "set", 0, -1, -1, false, true, nil, []string{"red", "green", "blue"}},
	} {
		t.Run(tc.column, func(t *testing.T) {
			c := column(t, all, tc.column)
			ty := c.Type
			if ty.Declared != tc.declared || ty.Base != tc.base || ty.Unsigned != tc.unsigned || c.Nullable != tc.nullable {
				t.Errorf("got declared %q base %q unsigned %v nullable %v, want %q %q %v %v",
					ty.Declared, ty.Base, ty.Unsigned, c.Nullable, tc.declared, tc.base, tc.unsigned, tc.nullable)
			}
			if got := deref(ty.Length); got != tc.length {
				t.Errorf("length %d, want %d", got, tc.length)
			}
			if got := intOr(ty.Precision, -1); got != tc.precision {
				t.Errorf("precision %d, want %d", got, tc.precision)
			}
			if got := intOr(ty.Scale, -1); got != tc.scale {
				t.Errorf("scale %d, want %d", got, tc.scale)
			}
			if (c.Default == nil) != (tc.def == nil) || (c.Default != nil && *c.Default != *tc.def) {
				t.Errorf("default %s, want %s", showPtr(c.Default), showPtr(tc.def))
			}
			if !slices.Equal(ty.Values, tc.values) {
				t.Errorf("values %q, want %q", ty.Values, tc.values)
			}
		})
	}
}

func intOr(p *int, def int) int {
	if p == nil {
		return def
	}
	return *p
}

func showPtr(s *string) string {
	if s == nil {
		return "<none>"
	}
	return *s
}
