package postgres_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/surveyorhq/surveyor/internal/connector"
	"github.com/surveyorhq/surveyor/internal/connector/postgres"
	"github.com/surveyorhq/surveyor/internal/schema"
	"github.com/surveyorhq/surveyor/internal/testdb"
)

// newFixture creates a fresh database holding testdata/fixture.sql.
func newFixture(t *testing.T) *testdb.DB {
	t.Helper()
	d := testdb.New(t, connector.Postgres, "pgfix")
	sql, err := os.ReadFile("testdata/fixture.sql")
	if err != nil {
		t.Fatal(err)
	}
	d.Exec(t, statements(string(sql))...)
	return d
}

// statements splits a script at semicolons that end a line, dropping comment-only lines.
func statements(script string) []string {
	var out []string
	var cur strings.Builder
	for _, line := range strings.Split(script, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "--") {
			continue
		}
		cur.WriteString(line)
		cur.WriteString("\n")
		if strings.HasSuffix(strings.TrimSpace(line), ";") {
			out = append(out, strings.TrimSpace(cur.String()))
			cur.Reset()
		}
	}
	if s := strings.TrimSpace(cur.String()); s != "" {
		out = append(out, s)
	}
	return out
}

func testOptions() connector.Options {
	return connector.Options{ConnectTimeout: 5 * time.Second, StatementTimeout: 30 * time.Second}
}

// discover scans src, failing the test on error.
func discover(t *testing.T, src connector.Source, opts connector.Options) *schema.Snapshot {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	snap, err := postgres.New().Discover(ctx, src, opts)
	if err != nil {
		t.Fatalf("discover: %v", err)
	}
	return snap
}

// table finds namespace.name in the snapshot's only database, failing the test when it is absent.
func table(t *testing.T, snap *schema.Snapshot, ns, name string) *schema.Table {
	t.Helper()
	if tb := findTable(snap, ns, name); tb != nil {
		return tb
	}
	t.Fatalf("table %s.%s not in snapshot", ns, name)
	return nil
}

func findTable(snap *schema.Snapshot, ns, name string) *schema.Table {
	for di := range snap.Databases {
		for ni := range snap.Databases[di].Namespaces {
			n := &snap.Databases[di].Namespaces[ni]
			if n.Name != ns {
				continue
			}
			for ti := range n.Tables {
				if n.Tables[ti].Name == name {
					return &n.Tables[ti]
				}
			}
		}
	}
	return nil
}

func column(t *testing.T, tb *schema.Table, name string) schema.Column {
	t.Helper()
	for _, c := range tb.Columns {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("column %s not in table %s", name, tb.Name)
	return schema.Column{}
}

func index(t *testing.T, tb *schema.Table, name string) schema.Index {
	t.Helper()
	for _, i := range tb.Indexes {
		if i.Name == name {
			return i
		}
	}
	t.Fatalf("index %s not on table %s", name, tb.Name)
	return schema.Index{}
}

// tableNames lists namespace.table for every table of the snapshot, in canonical order.
func tableNames(snap *schema.Snapshot) []string {
	var out []string
	for _, a := range snap.Assets() {
		out = append(out, a.Ref.Namespace+"."+a.Ref.Table)
	}
	return out
}
