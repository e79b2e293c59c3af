package crawler

import (
	"context"
	"slices"
	"testing"

	"github.com/surveyorhq/surveyor/internal/connector"
	"github.com/surveyorhq/surveyor/internal/connector/mysql"
	"github.com/surveyorhq/surveyor/internal/connector/postgres"
	"github.com/surveyorhq/surveyor/internal/testdb"
)

func TestParseJDBCPath(t *testing.T) {
	for _, tc := range []struct {
		path, engine string
		ok           bool
		schema, tbl  string
	}{
		{"db/public/%", "postgres", true, "public", "*"},
		{"db/%", "postgres", true, "*", "*"},
		{"db/sales/order%", "postgres", true, "sales", "order*"},
		{"db/%", "mysql", true, "", "*"},
		{"db/orders", "mysql", true, "", "orders"},
		{"%/public/%", "postgres", false, "", ""},
		{"db", "postgres", false, "", ""},
		{"db/a/b", "mysql", false, "", ""},
		{"db//x", "postgres", false, "", ""},
	} {
		p, err := ParseJDBCPath(tc.path, tc.engine)
		if (err == nil) != tc.ok || (tc.ok && (p.Schema != tc.schema || p.Table != tc.tbl)) {
			t.Errorf("%s (%s): %+v %v", tc.path, tc.engine, p, err)
		}
	}
}

func TestJDBCTablesFromRealDatabases(t *testing.T) {
	t.Run("postgres", func(t *testing.T) {
		db := testdb.New(t, connector.Postgres, "crawl")
		db.Exec(t, `CREATE SCHEMA sales`,
			`CREATE TABLE sales.orders (id bigserial PRIMARY KEY, qty int NOT NULL, small smallint, price numeric(10,2),
				ratio real, score double precision, paid boolean, note text, tags text[], day date, at timestamptz, raw bytea, doc jsonb, u uuid)`,
			`COMMENT ON TABLE sales.orders IS 'all orders'`, `COMMENT ON COLUMN sales.orders.qty IS 'how many'`,
			`CREATE TABLE sales.hr_people (id int)`, `CREATE TABLE public.other (id int)`,
			`CREATE VIEW sales.big_orders AS SELECT id FROM sales.orders WHERE qty > 10`)
		src := db.Source
		p, _ := ParseJDBCPath(src.Database+"/sales/%", "postgres")
		snap, err := postgres.New().Discover(context.Background(), src, connector.Options{Filter: p.Filter()})
		if err != nil {
			t.Fatal(err)
		}
		tables, failed, err := JDBCTables(snap, JDBCTarget{ConnectionName: "pg", Path: src.Database + "/sales/%", Exclusions: []string{"hr_*"}, Comments: true, RawTypes: true},
			"postgres", Options{TablePrefix: "x_"})
		if err != nil || len(failed) != 0 {
			t.Fatal(err, failed)
		}
		var got []string
		for _, tb := range tables {
			got = append(got, tb.Name)
		}
		slices.Sort(got)
		want := []string{"x_" + src.Database + "_sales_big_orders", "x_" + src.Database + "_sales_orders"}
		if !slices.Equal(got, want) {
			t.Fatalf("tables %q, want %q", got, want)
		}
		var orders Table
		for _, tb := range tables {
			if tb.Name == want[1] {
				orders = tb
			}
		}
		if g, w := hive(orders.Columns), []string{"id bigint", "qty int", "small smallint", "price decimal(10,2)", "ratio float", "score double",
			"paid boolean", "note string", "tags string", "day date", "at timestamp", "raw binary", "doc string", "u string"}; !slices.Equal(g, w) {
			t.Errorf("columns\n got %q\nwant %q", g, w)
		}
		if orders.Location != src.Database+".sales.orders" || orders.Parameters["classification"] != "postgresql" || orders.Parameters["connectionName"] != "pg" ||
			orders.Parameters["typeOfData"] != "table" || orders.Description != "all orders" || orders.Columns[1].Comment != "how many" || orders.RawTypes["price"] != "numeric(10,2)" {
			t.Errorf("orders %+v", orders)
		}
	})
	t.Run("mariadb", func(t *testing.T) {
		db := testdb.New(t, connector.MySQL, "crawl")
		db.Exec(t, `CREATE TABLE orders (id bigint unsigned PRIMARY KEY, flag tinyint(1), tiny tinyint, n int unsigned, d decimal(5,1),
			at datetime, e enum('a','b'), b blob, f float, g double)`, `CREATE TABLE market_x (id int)`)
		src := db.Source
		p, _ := ParseJDBCPath(src.Database+"/%", "mysql")
		snap, err := mysql.New().Discover(context.Background(), src, connector.Options{Filter: p.Filter()})
		if err != nil {
			t.Fatal(err)
		}
		tables, _, err := JDBCTables(snap, JDBCTarget{ConnectionName: "my", Path: src.Database + "/%", Exclusions: []string{"market_*"}}, "mysql", Options{})
		if err != nil || len(tables) != 1 {
			t.Fatalf("%v %+v", err, tables)
		}
		tb := tables[0]
		if g, w := hive(tb.Columns), []string{"id decimal(20,0)", "flag boolean", "tiny tinyint", "n bigint", "d decimal(5,1)", "at timestamp",
			"e string", "b binary", "f float", "g double"}; !slices.Equal(g, w) {
			t.Errorf("columns\n got %q\nwant %q", g, w)
		}
		if tb.Name != src.Database+"_orders" || tb.Location != src.Database+".orders" || tb.Parameters["classification"] != "mysql" {
			t.Errorf("table %+v", tb)
		}
	})
}
