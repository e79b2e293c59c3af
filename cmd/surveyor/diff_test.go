package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/surveyorhq/surveyor/internal/connector"
	"github.com/surveyorhq/surveyor/internal/testdb"
)

func diff(t *testing.T, args ...string) (string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), append([]string{"diff"}, args...), &out, &errOut)
	var exit *exitError
	switch {
	case errors.As(err, &exit):
		return out.String(), exit.code
	case err != nil:
		return err.Error(), 1
	}
	return out.String(), 0
}

// TestDiffPostgres changes a real database the ways a migration does and checks that `diff`
// against the JSON written before prints exactly those changes and exits 2.
func TestDiffPostgres(t *testing.T) {
	d := testdb.New(t, connector.Postgres, "surveyor_diff")
	d.Exec(t,
		`CREATE TYPE order_status AS ENUM ('new', 'paid')`,
		`CREATE TABLE customers (id bigint PRIMARY KEY, email varchar(100) NOT NULL)`,
		`CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint CONSTRAINT orders_customer_fk REFERENCES customers (id), status order_status NOT NULL)`,
		`CREATE TABLE audit_log (id bigint)`,
	)
	uri := "postgres://" + d.Source.User + "@" + d.Source.Address() + "/" + d.Source.Database
	before, err := scan(t, uri, "--format", "json")
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "before.json")
	if err := os.WriteFile(file, []byte(before), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, code := diff(t, file, uri); code != 0 || !strings.Contains(out, "no changes") {
		t.Fatalf("diff before any change: exit %d, output:\n%s", code, out)
	}
	d.Exec(t,
		`ALTER TABLE customers ALTER COLUMN email TYPE varchar(255)`,
		`CREATE INDEX orders_by_customer ON orders (customer_id)`,
		`ALTER TABLE orders DROP CONSTRAINT orders_customer_fk`,
		`DROP TABLE audit_log`,
		`ALTER TYPE order_status ADD VALUE 'refunded'`,
	)
	out, code := diff(t, file, uri)
	if code != 2 {
		t.Fatalf("diff after changes: exit %d, want 2; output:\n%s", code, out)
	}
	want := []string{
		"table `" + d.Source.Database + ".public.audit_log` removed",
		"table `" + d.Source.Database + ".public.customers` updated",
		"  column `email`: character varying(100) → character varying(255)",
		"table `" + d.Source.Database + ".public.orders` updated",
		"  column `status`: enum gained `refunded`",
		"  foreign key to `customers` dropped (orders_customer_fk: (customer_id) → public.customers(id) ON UPDATE NO ACTION ON DELETE NO ACTION)",
		"  index `orders_by_customer` added (btree(customer_id))",
		"enum `public.order_status` gained `refunded`",
		"2 updated, 1 removed, 1 enum(s) changed",
	}
	if got := strings.Split(strings.TrimSpace(out), "\n"); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("diff output:\n%s\nwant:\n%s", out, strings.Join(want, "\n"))
	}

	// The same through JSON, and two files.
	after, err := scan(t, uri, "--format", "json")
	if err != nil {
		t.Fatal(err)
	}
	afterFile := filepath.Join(t.TempDir(), "after.json")
	if err := os.WriteFile(afterFile, []byte(after), 0o600); err != nil {
		t.Fatal(err)
	}
	js, code := diff(t, file, afterFile, "--format", "json")
	if code != 2 {
		t.Fatalf("diff of two files: exit %d: %s", code, js)
	}
	var got struct {
		Changed bool
		Assets  []struct {
			Status  string
			Changes []struct{ Kind, Description string }
		}
		Enums []struct{ Description string }
	}
	if err := json.Unmarshal([]byte(js), &got); err != nil {
		t.Fatalf("json output: %v\n%s", err, js)
	}
	if !got.Changed || len(got.Assets) != 3 || len(got.Enums) != 1 || len(got.Assets[2].Changes) != 3 ||
		got.Assets[2].Changes[2].Description != "index `orders_by_customer` added (btree(customer_id))" {
		t.Errorf("json diff = %+v", got)
	}
	// --include and --exclude apply to both sides.
	if out, code := diff(t, file, afterFile, "--include", "audit_log"); code != 2 || !strings.Contains(out, "audit_log` removed") || strings.Contains(out, "customers") {
		t.Errorf("diff limited to audit_log: exit %d:\n%s", code, out)
	}
	if out, code := diff(t, file, afterFile, "--exclude", "audit_log"); code != 2 || strings.Contains(out, "audit_log") {
		t.Errorf("diff without audit_log: exit %d:\n%s", code, out)
	}
}

func TestDiffArguments(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(bad, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"same file", []string{"../../examples/shop.db", "../../examples/shop.db"}, "no changes"},
		{"broken JSON", []string{bad, "../../examples/shop.db"}, "is not a schema written by `surveyor scan --format json`"},
		{"unknown format", []string{"../../examples/shop.db", "../../examples/shop.db", "--format", "xml"}, `unknown --format "xml"`},
		{"not a source", []string{"ftp://example.com/x", "../../examples/shop.db"}, "is neither a JSON schema file nor a source"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, code := diff(t, tc.args...)
			wantCode := 1
			if tc.want == "no changes" {
				wantCode = 0
			}
			if code != wantCode || !strings.Contains(out, tc.want) {
				t.Errorf("exit %d (want %d), output %q, want it to contain %q", code, wantCode, out, tc.want)
			}
		})
	}
}
