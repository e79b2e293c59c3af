package postgres_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"

	"github.com/surveyorhq/surveyor/internal/connector"
	"github.com/surveyorhq/surveyor/internal/connector/postgres"
	"github.com/surveyorhq/surveyor/internal/testdb"
)

// BenchmarkFixture compares a full scan of the fixture with the floor: the same queries with
// every row discarded.
func BenchmarkFixture(b *testing.B) {
	d := testdb.New(b, connector.Postgres, "pgbench")
	sql, err := os.ReadFile("testdata/fixture.sql")
	if err != nil {
		b.Fatal(err)
	}
	d.Exec(b, statements(string(sql))...)
	benchmarkScan(b, d.Source)
}

// BenchmarkManyTables scans a database of SURVEYOR_BENCH_TABLES tables (default 1000), each
// with 8 columns, a primary key, a foreign key, a check and two more indexes.
func BenchmarkManyTables(b *testing.B) {
	n := 1000
	if v, err := strconv.Atoi(os.Getenv("SURVEYOR_BENCH_TABLES")); err == nil && v > 0 {
		n = v
	}
	d := testdb.New(b, connector.Postgres, "pgbenchmany")
	d.Exec(b, "CREATE SCHEMA bench", "CREATE TABLE bench.parent (id bigint PRIMARY KEY)", fmt.Sprintf(`DO $$
BEGIN
  FOR i IN 1..%d LOOP
    EXECUTE format('CREATE TABLE bench.t%%s (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      parent_id bigint REFERENCES bench.parent (id) ON DELETE CASCADE,
      name varchar(80) NOT NULL,
      amount numeric(12, 2) CHECK (amount >= 0),
      tags text[],
      attrs jsonb,
      created_at timestamptz NOT NULL DEFAULT now(),
      note text)', i);
    EXECUTE format('CREATE INDEX ON bench.t%%s (lower(name))', i);
    EXECUTE format('CREATE INDEX ON bench.t%%s (created_at DESC) WHERE note IS NOT NULL', i);
    EXECUTE format('COMMENT ON TABLE bench.t%%s IS %%L', i, 'table ' || i);
  END LOOP;
END $$`, n))
	benchmarkScan(b, d.Source)
}

func benchmarkScan(b *testing.B, src connector.Source) {
	c := postgres.New()
	ctx := context.Background()
	opts := testOptions()
	b.Run("Discover", func(b *testing.B) {
		for b.Loop() {
			if _, err := c.Discover(ctx, src, opts); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Floor", func(b *testing.B) {
		for b.Loop() {
			if _, err := c.Floor(ctx, src, opts); err != nil {
				b.Fatal(err)
			}
		}
	})
}
