package postgres_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/surveyorhq/surveyor/internal/connector"
	"github.com/surveyorhq/surveyor/internal/connector/postgres"
	"github.com/surveyorhq/surveyor/internal/filter"
	"github.com/surveyorhq/surveyor/internal/schema"
	"github.com/surveyorhq/surveyor/internal/testdb"
)

func TestFingerprintsStableAcrossScansAndRowChanges(t *testing.T) {
	d := newFixture(t)
	first := discover(t, d.Source, testOptions())
	second := discover(t, d.Source, testOptions())
	assertAllUnchanged(t, "second scan", schema.Diff(first, second))

	d.Exec(t,
		"INSERT INTO billing.scratch (note) SELECT 'note ' || g FROM generate_series(1, 1000) g",
		"INSERT INTO app.users (email, handle) SELECT 'u' || g || '@example.com', 'u' || g FROM generate_series(1, 50) g",
		"ANALYZE billing.scratch",
		"ANALYZE app.users",
	)
	third := discover(t, d.Source, testOptions())
	assertAllUnchanged(t, "scan after inserts and ANALYZE", schema.Diff(first, third))

	for _, tc := range []struct {
		ns, name string
		before   *int64
		after    int64
	}{
		{"billing", "scratch", nil, 1000},
		{"app", "users", nil, 50},
	} {
		b, a := table(t, first, tc.ns, tc.name).Meta, table(t, third, tc.ns, tc.name).Meta
		if b.RowEstimate != nil {
			t.Errorf("%s.%s row estimate before ANALYZE = %d, want unknown", tc.ns, tc.name, *b.RowEstimate)
		}
		if a.RowEstimate == nil || *a.RowEstimate != tc.after {
			t.Errorf("%s.%s row estimate after ANALYZE = %s, want %d", tc.ns, tc.name, show(a.RowEstimate), tc.after)
		}
		if b.SizeBytes != nil || a.SizeBytes == nil || *a.SizeBytes < 8192 {
			t.Errorf("%s.%s size %s → %s, want unknown → at least one page", tc.ns, tc.name, show(b.SizeBytes), show(a.SizeBytes))
		}
	}
}

func assertAllUnchanged(t *testing.T, what string, diffs []schema.AssetDiff) {
	t.Helper()
	if len(diffs) == 0 {
		t.Fatalf("%s: no assets compared", what)
	}
	for _, d := range diffs {
		if d.Status != schema.Unchanged {
			t.Errorf("%s: %s is %s %+v, want unchanged", what, d.Ref, d.Status, d.Changes)
		}
	}
}

func TestDiffAfterAlters(t *testing.T) {
	d := newFixture(t)
	before := discover(t, d.Source, testOptions())
	d.Exec(t,
		"ALTER TABLE app.users ADD COLUMN nickname text",
		"ALTER TABLE app.all_types DROP COLUMN c_after_drop",
		"ALTER TABLE billing.secrets ALTER COLUMN token TYPE varchar(100)",
		"ALTER TABLE billing.scratch ADD CONSTRAINT scratch_note_fkey FOREIGN KEY (note) REFERENCES app.users (handle)",
		"DROP INDEX app.products_attrs_gin",
		"DROP TABLE billing.regional_eu",
	)
	after := discover(t, d.Source, testOptions())

	want := map[string]string{
		"app.users":           "updated column_added:nickname",
		"app.all_types":       "updated column_dropped:c_after_drop",
		"billing.secrets":     "updated column_type:token",
		"billing.scratch":     "updated foreign_key_added:scratch_note_fkey",
		"app.products":        "updated index_dropped:products_attrs_gin",
		"billing.regional_eu": "removed",
	}
	seen := 0
	for _, diff := range schema.Diff(before, after) {
		name := diff.Ref.Namespace + "." + diff.Ref.Table
		got := string(diff.Status)
		for _, c := range diff.Changes {
			got += " " + string(c.Kind) + ":" + c.Object
		}
		w, ok := want[name]
		if !ok {
			w = "unchanged"
		} else {
			seen++
		}
		if got != w {
			t.Errorf("%s: %s, want %s", name, got, w)
		}
	}
	if seen != len(want) {
		t.Errorf("saw %d of the %d changed assets", seen, len(want))
	}
	if c := column(t, table(t, after, "billing", "secrets"), "token"); c.Type.Declared != "character varying(100)" {
		t.Errorf("token type after ALTER = %q", c.Type.Declared)
	}
}

func TestFilters(t *testing.T) {
	d := newFixture(t)
	all := tableNames(discover(t, d.Source, testOptions()))
	inNamespace := func(ns string) []string {
		var out []string
		for _, n := range all {
			if strings.HasPrefix(n, ns+".") {
				out = append(out, n)
			}
		}
		return out
	}
	without := func(drop ...string) []string {
		return slices.DeleteFunc(slices.Clone(all), func(n string) bool { return slices.Contains(drop, n) })
	}
	rule := func(a filter.Action, ns, table string) filter.Rule {
		return filter.Rule{Action: a, Namespace: ns, Table: table}
	}
	for _, tc := range []struct {
		name       string
		rules      []filter.Rule
		tables     []string
		namespaces []string
	}{
		{"no rules reads everything", nil, all, []string{"app", "billing", "public"}},
		{"include one namespace", []filter.Rule{rule(filter.Include, "billing", "*")}, inNamespace("billing"), []string{"billing"}},
		{"exclude one namespace", []filter.Rule{rule(filter.Exclude, "app", "*")}, without(inNamespace("app")...), []string{"billing", "public"}},
		{"include tables by prefix", []filter.Rule{rule(filter.Include, "billing", "invoice*")},
			[]string{"billing.invoice_lines", "billing.invoice_totals", "billing.invoices"}, []string{"billing"}},
		{"exclude tables by pattern in any namespace", []filter.Rule{rule(filter.Exclude, "", "events_*")},
			without("billing.events_2024", "billing.events_2025"), []string{"app", "billing", "public"}},
		{"exclude all then include one table", []filter.Rule{rule(filter.Include, "*", "*"), rule(filter.Exclude, "app", "*"), rule(filter.Include, "app", "users")},
			append([]string{"app.users"}, without(inNamespace("app")...)...), []string{"app", "billing", "public"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := testOptions()
			opts.Filter = filter.Filter{Rules: tc.rules}
			snap := discover(t, d.Source, opts)
			if got := tableNames(snap); !slices.Equal(got, tc.tables) {
				t.Errorf("tables = %v\nwant %v", got, tc.tables)
			}
			var nss []string
			for _, ns := range snap.Databases[0].Namespaces {
				nss = append(nss, ns.Name)
			}
			if !slices.Equal(nss, tc.namespaces) {
				t.Errorf("namespaces in snapshot = %v, want %v", nss, tc.namespaces)
			}
			got, err := postgres.New().Namespaces(context.Background(), d.Source, opts)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tc.namespaces) {
				t.Errorf("Namespaces = %v, want %v", got, tc.namespaces)
			}
		})
	}
	if len(all) != 16 {
		t.Errorf("fixture has %d assets, want 16: %v", len(all), all)
	}
}

// TestFloorReadsTheRowsDiscoverUses proves Floor runs the same queries as Discover: the rows it
// counts are exactly the namespaces, enums, relations, columns, constraints and indexes the
// snapshot holds, so no catalog row is dropped on the way into the model.
func TestFloorReadsTheRowsDiscoverUses(t *testing.T) {
	d := newFixture(t)
	snap := discover(t, d.Source, testOptions())
	var want int64
	for _, ns := range snap.Databases[0].Namespaces {
		want += 1 + int64(len(ns.Enums))
		for _, tb := range ns.Tables {
			want += 1 + int64(len(tb.Columns)+len(tb.Uniques)+len(tb.ForeignKeys)+len(tb.Checks)+len(tb.Indexes))
			if tb.PrimaryKey != nil {
				want++
			}
		}
	}
	got, err := postgres.New().Floor(context.Background(), d.Source, testOptions())
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("Floor read %d rows, the snapshot accounts for %d", got, want)
	}
}

func TestPing(t *testing.T) {
	d := testdb.New(t, connector.Postgres, "pgping")
	if err := postgres.New().Ping(context.Background(), d.Source, testOptions()); err != nil {
		t.Errorf("ping: %v", err)
	}
	bad := d.Source
	bad.Port = 1
	if err := postgres.New().Ping(context.Background(), bad, testOptions()); connector.KindOf(err) != connector.Unreachable {
		t.Errorf("ping of a closed port: kind %s (%v), want unreachable", connector.KindOf(err), err)
	}
}

// TestNoAccessTable scans as a role that may connect but may not SELECT one table.
func TestNoAccessTable(t *testing.T) {
	d := newFixture(t)
	role := testdb.Name("surveyor_reader")
	d.Exec(t, "CREATE ROLE "+role+" LOGIN")
	t.Cleanup(func() {
		for _, s := range []string{"DROP OWNED BY " + role, "DROP ROLE " + role} {
			if _, err := d.SQL.Exec(s); err != nil {
				t.Logf("cleanup %q: %v", s, err)
			}
		}
	})
	d.Exec(t,
		"GRANT USAGE ON SCHEMA app, billing TO "+role,
		"GRANT SELECT ON ALL TABLES IN SCHEMA app, billing TO "+role,
		"REVOKE SELECT ON billing.secrets FROM "+role,
	)
	src := d.Source
	src.User, src.Password = role, ""
	snap := discover(t, src, testOptions())
	var noAccess []string
	for _, a := range snap.Assets() {
		if a.Table.Meta.NoAccess {
			noAccess = append(noAccess, a.Ref.Namespace+"."+a.Ref.Table)
		}
	}
	if want := []string{"billing.secrets"}; !slices.Equal(noAccess, want) {
		t.Errorf("NoAccess tables = %v, want %v", noAccess, want)
	}
	// The shape is read from the catalog all the same.
	if tb := table(t, snap, "billing", "secrets"); len(tb.Columns) != 2 || tb.PrimaryKey == nil {
		t.Errorf("unreadable table's shape = %+v, want its 2 columns and primary key", tb)
	}
	if got := len(snap.Assets()); got != 16 {
		t.Errorf("reader sees %d assets, want all 16", got)
	}
}

func TestErrors(t *testing.T) {
	d := testdb.New(t, connector.Postgres, "pgerr")
	const password = "hunter2-very-secret"
	nologin := testdb.Name("surveyor_nologin")
	d.Exec(t, "CREATE ROLE "+nologin+" NOLOGIN")
	t.Cleanup(func() { _, _ = d.SQL.Exec("DROP ROLE " + nologin) })
	missingDB := testdb.Name("surveyor_missing")
	unknownUser := testdb.Name("surveyor_nobody")

	for _, tc := range []struct {
		name    string
		edit    func(*connector.Source)
		kind    connector.ErrorKind
		message string
	}{
		{"unknown user", func(s *connector.Source) { s.User = unknownUser }, connector.AuthFailed,
			fmt.Sprintf(`role "%s" does not exist`, unknownUser)},
		{"role without login", func(s *connector.Source) { s.User = nologin }, connector.AuthFailed,
			fmt.Sprintf(`role "%s" is not permitted to log in`, nologin)},
		{"missing database", func(s *connector.Source) { s.Database = missingDB }, connector.DatabaseNotFound,
			fmt.Sprintf(`database "%s" does not exist`, missingDB)},
		{"closed port", func(s *connector.Source) { s.Host, s.Port = "127.0.0.1", 1 }, connector.Unreachable,
			"cannot reach 127.0.0.1:1: connection refused"},
		{"unknown host", func(s *connector.Source) { s.Host = "surveyor-no-such-host.invalid" }, connector.Unreachable,
			"cannot resolve host surveyor-no-such-host.invalid"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := d.Source
			src.Password = password
			tc.edit(&src)
			_, err := postgres.New().Discover(context.Background(), src, testOptions())
			if err == nil {
				t.Fatal("discover succeeded")
			}
			msg := err.Error()
			if got := connector.KindOf(err); got != tc.kind {
				t.Errorf("kind = %s, want %s (%s)", got, tc.kind, msg)
			}
			if !strings.Contains(msg, tc.message) {
				t.Errorf("message %q does not say %q", msg, tc.message)
			}
			t.Log(msg)
			if strings.Contains(msg, password) || strings.Contains(msg, "\n") {
				t.Errorf("message %q holds the password or spans lines", msg)
			}
		})
	}
}

// lockCatalog holds an ACCESS EXCLUSIVE lock on pg_catalog.pg_description, which the scan's
// first query reads (and a new session's start does not), until the test ends: a scan waits on
// it, since a catalog is not a relation a scan can leave out.
func lockCatalog(t *testing.T, d *testdb.DB) {
	t.Helper()
	conn, err := d.SQL.Conn(context.Background())
	if err == nil {
		_, err = conn.ExecContext(context.Background(), "BEGIN; LOCK TABLE pg_catalog.pg_description IN ACCESS EXCLUSIVE MODE")
	}
	if err != nil {
		t.Fatalf("lock pg_description: %v", err)
	}
	t.Cleanup(func() {
		_, _ = conn.ExecContext(context.Background(), "ROLLBACK")
		conn.Close()
	})
}

func TestStatementTimeoutAndCancel(t *testing.T) {
	d := newFixture(t)
	lockCatalog(t, d)

	t.Run("statement timeout", func(t *testing.T) {
		opts := testOptions()
		opts.StatementTimeout = 300 * time.Millisecond
		opts.LockTimeout = time.Hour // so that the statement timeout is what stops the wait
		start := time.Now()
		_, err := postgres.New().Discover(context.Background(), d.Source, opts)
		if connector.KindOf(err) != connector.Timeout || !strings.Contains(fmt.Sprint(err), "statement timeout") {
			t.Errorf("err = %v (kind %s), want a statement timeout", err, connector.KindOf(err))
		}
		if el := time.Since(start); el > 5*time.Second {
			t.Errorf("scan took %v despite a 300ms statement timeout", el)
		}
	})
	t.Run("cancelled during a scan", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(300*time.Millisecond, cancel)
		start := time.Now()
		_, err := postgres.New().Discover(ctx, d.Source, testOptions())
		if connector.KindOf(err) != connector.Canceled {
			t.Errorf("err = %v (kind %s), want canceled", err, connector.KindOf(err))
		}
		if el := time.Since(start); el > 5*time.Second {
			t.Errorf("cancelled scan took %v to stop", el)
		}
	})
	t.Run("cancelled before it starts", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := postgres.New().Discover(ctx, d.Source, testOptions())
		if connector.KindOf(err) != connector.Canceled {
			t.Errorf("err = %v (kind %s), want canceled", err, connector.KindOf(err))
		}
	})
}
