package benchgen

import (
	"context"
	"database/sql"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	_ "modernc.org/sqlite"

	"github.com/surveyorhq/surveyor/internal/connector"
	"github.com/surveyorhq/surveyor/internal/testdb"
)

var dialects = []string{Postgres, MySQL, SQLite}

func TestGenerateIsDeterministic(t *testing.T) {
	for _, d := range dialects {
		t.Run(d, func(t *testing.T) {
			a, b := Generate(d, 500, 7), Generate(d, 500, 7)
			if !slices.Equal(a, b) {
				t.Fatalf("two runs with the same size and seed differ")
			}
			if len(a) == 0 {
				t.Fatalf("no DDL")
			}
			if c := Generate(d, 500, 8); slices.Equal(a, c) {
				t.Errorf("seeds 7 and 8 gave the same DDL")
			}
		})
	}
}

func TestGenerateRejectsBadInput(t *testing.T) {
	for _, tc := range []struct {
		name    string
		dialect string
		tables  int
	}{
		{"unknown dialect", "oracle", 10},
		{"zero tables", Postgres, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Generate(tc.dialect, tc.tables, 1); got != nil {
				t.Errorf("Generate(%q, %d) = %d batches, want nil", tc.dialect, tc.tables, len(got))
			}
			if _, err := Build(tc.dialect, tc.tables, 1); err == nil {
				t.Errorf("Build(%q, %d): no error", tc.dialect, tc.tables)
			}
		})
	}
}

var (
	createTable   = regexp.MustCompile(`(?m)^CREATE TABLE `)
	createView    = regexp.MustCompile(`(?m)^CREATE VIEW `)
	createMatView = regexp.MustCompile(`(?m)^CREATE MATERIALIZED VIEW `)
	partitionOf   = regexp.MustCompile(`(?m)^CREATE TABLE \S+ PARTITION OF `)
	partitionBy   = regexp.MustCompile(`(?m)^\) PARTITION BY `)
)

// TestBuildCounts checks the counts against the DDL text itself and the mix of features a
// realistic schema has.
func TestBuildCounts(t *testing.T) {
	for _, tc := range []struct {
		dialect string
		tables  int
		// features that must appear in the DDL
		features []string
	}{
		{Postgres, 1, nil},
		{Postgres, 50, nil},
		{Postgres, 2000, []string{"CREATE SCHEMA billing", "AS ENUM (", "GENERATED ALWAYS AS (", "IDENTITY",
			"PARTITION BY RANGE", "PARTITION BY LIST", "PARTITION BY HASH", "FOR VALUES WITH (MODULUS",
			"CREATE MATERIALIZED VIEW", "COMMENT ON COLUMN", "COMMENT ON TABLE", "CREATE UNIQUE INDEX",
			" WHERE ", "(lower(", " DESC", "FOREIGN KEY", "ON DELETE CASCADE", "jsonb", "uuid", "CHECK (", "UNIQUE ("}},
		{MySQL, 1, nil},
		{MySQL, 2000, []string{"enum('draft'", "COMMENT='", " COMMENT '", "PARTITION BY HASH (id) PARTITIONS",
			"GENERATED ALWAYS AS (", " VIRTUAL", " STORED", "AUTO_INCREMENT", "UNIQUE KEY", "FOREIGN KEY",
			"json", "CHECK (", " DESC"}},
		{SQLite, 1, nil},
		{SQLite, 2000, []string{"WITHOUT ROWID", "GENERATED ALWAYS AS (", " WHERE ", "CHECK (status IN (",
			"FOREIGN KEY", "UNIQUE (", "CREATE VIEW"}},
	} {
		t.Run(tc.dialect+"/"+strconv.Itoa(tc.tables), func(t *testing.T) {
			s, err := Build(tc.dialect, tc.tables, 42)
			if err != nil {
				t.Fatal(err)
			}
			ddl := strings.Join(s.Batches, "")
			if s.Tables != tc.tables {
				t.Errorf("Tables = %d, want %d", s.Tables, tc.tables)
			}
			tablesInDDL := len(createTable.FindAllString(ddl, -1))
			views := len(createView.FindAllString(ddl, -1))
			matViews := len(createMatView.FindAllString(ddl, -1))
			if got := tablesInDDL + views + matViews; got != tc.tables {
				t.Errorf("DDL creates %d tables + %d views + %d materialized views = %d, want %d",
					tablesInDDL, views, matViews, got, tc.tables)
			}
			if views != s.Views || matViews != s.MaterializedViews {
				t.Errorf("DDL has %d views and %d materialized views, Build says %d and %d", views, matViews, s.Views, s.MaterializedViews)
			}
			if got := len(partitionOf.FindAllString(ddl, -1)); got != s.Partitions {
				t.Errorf("DDL has %d partitions, Build says %d", got, s.Partitions)
			}
			if tc.dialect == Postgres {
				if got := len(partitionBy.FindAllString(ddl, -1)); got != s.PartitionedTables {
					t.Errorf("DDL has %d partitioned tables, Build says %d", got, s.PartitionedTables)
				}
			}
			if tc.tables >= 2000 {
				if pct := 100 * s.Views / s.Tables; pct < 4 || pct > 6 {
					t.Errorf("views are %d%% of the assets, want about 5%%", pct)
				}
				if tc.dialect == Postgres {
					if s.MaterializedViews < s.Tables/100 || s.PartitionedTables < 2 || s.Partitions < 2*s.PartitionedTables {
						t.Errorf("PostgreSQL mix: %d materialized views, %d partitioned tables, %d partitions",
							s.MaterializedViews, s.PartitionedTables, s.Partitions)
					}
				}
				if perTable := float64(s.Columns) / float64(s.Tables); perTable < 8 || perTable > 16 {
					t.Errorf("%.1f columns per asset, want between 8 and 16 (4 to 25 per table)", perTable)
				}
				if s.ForeignKeys < s.Tables/5 {
					t.Errorf("only %d foreign keys for %d assets", s.ForeignKeys, s.Tables)
				}
			}
			for _, f := range tc.features {
				if !strings.Contains(ddl, f) {
					t.Errorf("DDL lacks %q", f)
				}
			}
		})
	}
}

func TestTablesHaveFourToTwentyFiveColumns(t *testing.T) {
	for _, d := range dialects {
		m := plan(d, 3000, 3)
		for _, tb := range m.tables {
			if tb.kind != kindTable && tb.kind != kindPartitioned {
				continue
			}
			if n := len(tb.cols); n < 4 || n > 25 {
				t.Errorf("%s: %s has %d columns", d, tb.name, n)
			}
		}
	}
}

// TestLoads runs the DDL of each dialect into a fresh database and checks that the database
// then holds exactly the generated number of table-like assets and columns.
func TestLoads(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		dialect string
		tables  int
		seed    int64
	}{
		{Postgres, 50, 1},
		{Postgres, 400, 2},
		{MySQL, 50, 1},
		{MySQL, 400, 2},
		{SQLite, 50, 1},
		{SQLite, 400, 2},
	} {
		t.Run(tc.dialect+"/"+strconv.Itoa(tc.tables), func(t *testing.T) {
			s, err := Build(tc.dialect, tc.tables, tc.seed)
			if err != nil {
				t.Fatal(err)
			}
			var db *sql.DB
			var assets, columns string
			switch tc.dialect {
			case Postgres:
				db = testdb.New(t, connector.Postgres, "benchgen").SQL
				assets = `SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
					WHERE c.relkind IN ('r','p','v','m') AND n.nspname IN ('app','billing','inventory','analytics','audit')`
				columns = `SELECT count(*) FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
					JOIN pg_namespace n ON n.oid = c.relnamespace
					WHERE c.relkind IN ('r','p','v','m') AND a.attnum > 0 AND NOT a.attisdropped
					AND n.nspname IN ('app','billing','inventory','analytics','audit')`
			case MySQL:
				db = testdb.New(t, connector.MySQL, "benchgen").SQL
				assets = `SELECT count(*) FROM information_schema.tables WHERE table_schema = database()`
				columns = `SELECT count(*) FROM information_schema.columns WHERE table_schema = database()`
			case SQLite:
				db, err = sql.Open("sqlite", filepath.Join(t.TempDir(), "bench.db"))
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { db.Close() })
				assets = `SELECT count(*) FROM sqlite_schema WHERE type IN ('table','view') AND name NOT LIKE 'sqlite_%'`
				columns = `SELECT count(*) FROM sqlite_schema s, pragma_table_xinfo(s.name) x
					WHERE s.type IN ('table','view') AND s.name NOT LIKE 'sqlite_%'`
			}
			if err := Load(ctx, db, tc.dialect, s.Batches); err != nil {
				t.Fatal(err)
			}
			var gotAssets, gotColumns int
			if err := db.QueryRowContext(ctx, assets).Scan(&gotAssets); err != nil {
				t.Fatal(err)
			}
			if err := db.QueryRowContext(ctx, columns).Scan(&gotColumns); err != nil {
				t.Fatal(err)
			}
			if gotAssets != s.Tables {
				t.Errorf("database holds %d table-like assets, generated %d", gotAssets, s.Tables)
			}
			if gotColumns != s.Columns {
				t.Errorf("database holds %d columns, generated %d", gotColumns, s.Columns)
			}
		})
	}
}
