package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/surveyorhq/surveyor/internal/connector"
	"github.com/surveyorhq/surveyor/internal/schema"
	"github.com/surveyorhq/surveyor/internal/server"
	"github.com/surveyorhq/surveyor/internal/testdb"
)

func scan(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), append([]string{"scan"}, args...), &out, &errOut)
	return out.String(), err
}

func TestScanSample(t *testing.T) {
	out, err := scan(t, "../../examples/shop.db")
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	for _, want := range []string{
		"main.orders  (table)",
		"main.order_totals  (view)",
		"PRIMARY KEY order_items_pkey (order_id, line_no)",
		"generated stored as on_hand - reserved",
		"INDEX orders_open btree (placed_at) WHERE status IN ('pending', 'paid')",
		"without_rowid",
		"11 assets (9 tables, 2 views)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
}

func TestScanFormats(t *testing.T) {
	out, err := scan(t, "../../examples/shop.db", "--format", "json", "--include", "order*", "--exclude", "order_totals")
	if err != nil {
		t.Fatal(err)
	}
	var snap schema.Snapshot
	if err := json.Unmarshal([]byte(out), &snap); err != nil {
		t.Fatalf("json output does not decode: %v", err)
	}
	var names []string
	for _, a := range snap.Assets() {
		names = append(names, a.Ref.Table)
	}
	if strings.Join(names, ",") != "order_items,orders" {
		t.Errorf("filtered tables = %v, want order_items,orders", names)
	}
	md, err := scan(t, "../../examples/shop.db", "--format", "markdown", "--include", "payments")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(md, "## `main.payments` (table)") || !strings.Contains(md, "| 1 | `id` | `INTEGER` |") {
		t.Errorf("markdown output:\n%s", md)
	}
}

// The shipped shop.db must be what shop.sql builds.
func TestSampleDatabaseMatchesItsSQL(t *testing.T) {
	script, err := os.ReadFile("../../examples/shop.sql")
	if err != nil {
		t.Fatal(err)
	}
	fresh := filepath.Join(t.TempDir(), "shop.db")
	db, err := sql.Open("sqlite", fresh)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(string(script)); err != nil {
		t.Fatalf("run shop.sql: %v", err)
	}
	db.Close()
	ctx := context.Background()
	shipped, err := server.Connectors().Discover(ctx, connector.Source{Engine: connector.SQLite, Path: "../../examples/shop.db"}, connector.Options{})
	if err != nil {
		t.Fatal(err)
	}
	built, err := server.Connectors().Discover(ctx, connector.Source{Engine: connector.SQLite, Path: fresh}, connector.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range schema.Diff(shipped, built) {
		if d.Status != schema.Unchanged {
			t.Errorf("%s is %s between examples/shop.db and shop.sql (%v): run `go run ./examples/build`", d.Ref, d.Status, d.Changes)
		}
	}
}

func TestScanErrors(t *testing.T) {
	pg := testdb.Server(t, connector.Postgres)
	missing := "postgres://" + pg.User + ":pw-not-shown@" + pg.Address() + "/surveyor_no_such_db"
	// A MariaDB user with a real password, to get a real authentication failure.
	d := testdb.New(t, connector.MySQL, "surveyor_cli")
	user := testdb.Name("cli")
	d.Exec(t, "CREATE USER '"+user+"'@'%' IDENTIFIED BY 'right-pw-1'")
	t.Cleanup(func() { d.SQL.Exec("DROP USER '" + user + "'@'%'") })
	wrongPassword := "mysql://" + user + ":topsecret@" + d.Source.Address() + "/" + d.Source.Database
	for _, tc := range []struct {
		name string
		args []string
		kind connector.ErrorKind // "" for errors found before connecting
		want string
	}{
		{"bad scheme", []string{"ftp://host/db"}, "", `unsupported scheme "ftp"`},
		{"not a uri", []string{"just-words"}, "", "is not a URI"},
		{"bad port", []string{"postgres://u:topsecret@localhost:99999/db"}, "", "port"},
		{"password with a slash", []string{"postgres://u:1234/x@localhost/db"}, "", "must be URL-encoded"},
		{"unreachable", []string{"postgres://u:topsecret@127.0.0.1:1/db", "--connect-timeout", "2s"}, connector.Unreachable, "refused"},
		{"missing sqlite file", []string{"/nonexistent/dir/app.db"}, connector.DatabaseNotFound, "does not exist"},
		{"missing database", []string{missing}, connector.DatabaseNotFound, "does not exist"},
		{"wrong password", []string{wrongPassword}, connector.AuthFailed, "Access denied"},
		{"bad format", []string{"../../examples/shop.db", "--format", "xml"}, "", `unknown --format "xml"`},
		{"bad pattern", []string{"../../examples/shop.db", "--include", "a.b.c.d"}, "", "dot-separated parts"},
		{"host denied by the outbound policy", []string{"postgres://u:topsecret@localhost:5432/db", "--deny-hosts", "loopback"}, connector.PermissionDenied,
			"the outbound policy refuses host localhost: it resolves to"},
		{"metadata address denied by default", []string{"mysql://u:topsecret@169.254.169.254/db"}, connector.PermissionDenied,
			"refuses address 169.254.169.254 (--deny-hosts link-local)"},
		{"bad outbound rule", []string{"../../examples/shop.db", "--deny-hosts", "10.0.0.0/33"}, "", `--deny-hosts: "10.0.0.0/33" is not a CIDR`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := scan(t, tc.args...)
			if err == nil {
				t.Fatal("scan succeeded")
			}
			msg := err.Error()
			if !strings.Contains(msg, tc.want) {
				t.Errorf("error %q does not say %q", msg, tc.want)
			}
			if tc.kind != "" && connector.KindOf(err) != tc.kind {
				t.Errorf("error kind = %s, want %s (%v)", connector.KindOf(err), tc.kind, err)
			}
			for _, pw := range []string{"topsecret", "pw-not-shown", "1234"} {
				if strings.Contains(msg, pw) {
					t.Errorf("error shows the password %q: %q", pw, msg)
				}
			}
			if strings.Contains(msg, "\n") {
				t.Errorf("error is not one line: %q", msg)
			}
		})
	}
}

// TestScanPrintsEveryObjectKind scans the connectors' own fixtures on the running servers and
// checks the text output shows each kind of object and detail they hold.
func TestScanPrintsEveryObjectKind(t *testing.T) {
	for _, tc := range []struct {
		engine  string
		fixture string
		want    []string
	}{
		{connector.Postgres, "../../internal/connector/postgres/testdata/fixture.sql", []string{
			"(table)", "(view)", "(materialized view)", "(partitioned table)", "(partition)", "(foreign table)",
			"(namespace)", "-- the application", "ENUM mood (sad, ok, happy)",
			"PRIMARY KEY", "UNIQUE", "FOREIGN KEY", "ON DELETE CASCADE", "DEFERRABLE INITIALLY DEFERRED", "CHECK",
			"INDEX products_live_idx btree (sku) WHERE deleted_at IS NULL", "INCLUDE (name, price)", "gin (attrs)",
			"lower(name)", "price DESC", "identity always", "identity by default", "generated stored as",
			"domain app.email", "enum app.mood", "collate", "PARTITION BY RANGE", "PARTITION OF billing.events FOR VALUES",
			"server = warehouse", "integer[]", "AS SELECT",
		}},
		{connector.MySQL, "../../internal/connector/mysql/testdata/fixture.sql", []string{
			"(table)", "(view)", "auto_increment", "PRIMARY KEY", "UNIQUE", "FOREIGN KEY", "ON DELETE CASCADE", "CHECK",
			"FULLTEXT", "SPATIAL", "(20)", "DESC", "generated virtual as", "generated stored as", "values ",
			"charset", "collate", "engine = InnoDB", "unsigned", "on update current_timestamp()",
		}},
	} {
		t.Run(tc.engine, func(t *testing.T) {
			d := testdb.New(t, tc.engine, "surveyor_kinds")
			script, err := os.ReadFile(tc.fixture)
			if err != nil {
				t.Fatal(err)
			}
			d.Exec(t, string(script))
			uri := tc.engine + "://" + d.Source.User + "@" + d.Source.Address() + "/" + d.Source.Database
			out, err := scan(t, uri)
			if err != nil {
				t.Fatalf("scan: %v", err)
			}
			for _, want := range tc.want {
				if !strings.Contains(out, want) {
					t.Errorf("%s output lacks %q", tc.engine, want)
				}
			}
			if t.Failed() {
				t.Logf("output:\n%s", out)
			}
		})
	}
}

// TestScanRunsNoPlantedCode scans a PostgreSQL database whose owner planted, in public, functions
// and operators named like the catalog functions a scan calls: the scan succeeds, prints the
// right schema and runs none of them.
func TestScanRunsNoPlantedCode(t *testing.T) {
	d := testdb.New(t, connector.Postgres, "surveyor_cliplant")
	d.Exec(t, testdb.PlantedSchema...)
	traps := testdb.PlantPostgres(t, d)
	out, err := scan(t, testdb.PGDSN(d.Source), "--format", "json")
	if ran := traps.Ran(t); len(ran) > 0 {
		t.Fatalf("the scan ran planted code: %v", ran)
	}
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	var snap schema.Snapshot
	if err := json.Unmarshal([]byte(out), &snap); err != nil {
		t.Fatalf("json output does not decode: %v", err)
	}
	var names []string
	for _, a := range snap.Assets() {
		names = append(names, a.Ref.Namespace+"."+a.Ref.Table)
	}
	if got := strings.Join(names, ","); got != "public.events,public.events_2024,public.people,public.pet_owners,public.pets,public.planted_ran" {
		t.Errorf("tables = %s", got)
	}
	for _, a := range snap.Assets() {
		if a.Ref.Table == "people" && (len(a.Table.Checks) != 1 || a.Table.Checks[0].Expression != "age >= 0") {
			t.Errorf("people checks = %+v", a.Table.Checks)
		}
	}
	for _, want := range []string{`"lower(name)"`, `"sad"`, `"RANGE (at)"`, `JOIN public.pets pe ON`} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %s", want)
		}
	}
}
