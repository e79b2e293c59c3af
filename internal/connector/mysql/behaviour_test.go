package mysql

import (
	"context"
	"errors"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/surveyorhq/surveyor/internal/connector"
	"github.com/surveyorhq/surveyor/internal/filter"
	"github.com/surveyorhq/surveyor/internal/schema"
	"github.com/surveyorhq/surveyor/internal/testdb"
)

func fingerprints(snap *schema.Snapshot) map[string]string {
	out := map[string]string{}
	for _, a := range snap.Assets() {
		out[a.Ref.Table] = a.Table.Fingerprint()
	}
	return out
}

func TestFingerprintsIgnoreRowCounts(t *testing.T) {
	d := newFixture(t)
	first := discover(t, d.Source, connector.Options{})
	second := discover(t, d.Source, connector.Options{})
	if a, b := fingerprints(first), fingerprints(second); !equalMaps(a, b) {
		t.Fatalf("two scans of an unchanged database differ:\n%v\n%v", a, b)
	}

	d.Exec(t,
		"INSERT INTO audit_log (message) VALUES ('a'), ('b'), ('c')",
		"INSERT INTO customers (email) VALUES ('a@x'), ('b@x')",
		"ANALYZE TABLE audit_log, customers",
	)
	third := discover(t, d.Source, connector.Options{})
	if a, b := fingerprints(first), fingerprints(third); !equalMaps(a, b) {
		t.Errorf("inserting rows changed fingerprints:\n%v\n%v", a, b)
	}
	db := d.Source.Database
	before, after := table(t, first, db, "audit_log").Meta.RowEstimate, table(t, third, db, "audit_log").Meta.RowEstimate
	if before == nil || after == nil || *before != 0 || *after != 3 {
		t.Errorf("audit_log (MyISAM) row estimate %s → %s, want 0 → 3", showInt(before), showInt(after))
	}
	if size := table(t, third, db, "audit_log").Meta.SizeBytes; size == nil || *size <= 0 {
		t.Errorf("audit_log size %s, want > 0", showInt(size))
	}
	if est := table(t, third, db, "paid_orders").Meta.RowEstimate; est != nil {
		t.Errorf("a view has no row estimate, got %d", *est)
	}
}

func showInt(p *int64) string {
	if p == nil {
		return "<nil>"
	}
	return strconv.FormatInt(*p, 10)
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestDiffAfterAlters(t *testing.T) {
	d := newFixture(t)
	before := discover(t, d.Source, connector.Options{})
	d.Exec(t,
		// add one column and drop another (the last, so no other column moves)
		"ALTER TABLE customers DROP COLUMN created_at, ADD COLUMN phone VARCHAR(20) NULL",
		"ALTER TABLE all_types MODIFY c_int BIGINT NULL",
		// the primary key already indexes articles.id: adding the FK adds no index
		"ALTER TABLE articles ADD CONSTRAINT fk_articles_place FOREIGN KEY (id) REFERENCES places (id)",
		"DROP INDEX ix_order_lines_sku_prefix ON order_lines",
		"DROP TABLE audit_log",
	)
	after := discover(t, d.Source, connector.Options{})

	type change struct {
		kind   schema.ChangeKind
		object string
	}
	want := map[string][]change{
		"customers":   {{schema.ColumnAdded, "phone"}, {schema.ColumnDropped, "created_at"}},
		"all_types":   {{schema.ColumnType, "c_int"}},
		"articles":    {{schema.ForeignKeyAdded, "fk_articles_place"}},
		"order_lines": {{schema.IndexDropped, "ix_order_lines_sku_prefix"}},
	}
	seen := map[string]bool{}
	for _, ad := range schema.Diff(before, after) {
		name := ad.Ref.Table
		seen[name] = true
		switch {
		case name == "audit_log":
			if ad.Status != schema.Removed {
				t.Errorf("audit_log: %s, want removed", ad.Status)
			}
		case want[name] != nil:
			var got []change
			for _, c := range ad.Changes {
				got = append(got, change{c.Kind, c.Object})
			}
			if ad.Status != schema.Updated || !slices.Equal(got, want[name]) {
				t.Errorf("%s: %s %+v, want updated %+v", name, ad.Status, got, want[name])
			}
		default:
			if ad.Status != schema.Unchanged {
				t.Errorf("%s: %s %+v, want unchanged", name, ad.Status, ad.Changes)
			}
		}
	}
	for _, name := range []string{"customers", "all_types", "articles", "order_lines", "audit_log", "orders", "paid_orders"} {
		if !seen[name] {
			t.Errorf("diff has no entry for %s", name)
		}
	}
}

func names(snap *schema.Snapshot) []string {
	var out []string
	for _, a := range snap.Assets() {
		out = append(out, a.Ref.Table)
	}
	sort.Strings(out)
	return out
}

func TestFilterOneDatabase(t *testing.T) {
	d := newFixture(t)
	db := d.Source.Database
	rule := func(a filter.Action, ns, table string) filter.Rule {
		return filter.Rule{Action: a, Namespace: ns, Table: table}
	}
	for _, tc := range []struct {
		name  string
		rules []filter.Rule
		want  []string
	}{
		{"exclude a table by pattern", []filter.Rule{rule(filter.Exclude, "", "audit_*")},
			[]string{"all_types", "articles", "customers", "events", "invoice_numbers", "line_notes", "order_lines", "orders", "paid_orders", "places", "prices"}},
		{"include tables by pattern", []filter.Rule{rule(filter.Include, "", "order*")},
			[]string{"order_lines", "orders"}},
		{"include namespace then exclude a table", []filter.Rule{rule(filter.Include, db, "*"), rule(filter.Exclude, db, "*order*")},
			[]string{"all_types", "articles", "audit_log", "customers", "events", "invoice_numbers", "line_notes", "places", "prices"}},
		{"exclude the whole namespace", []filter.Rule{rule(filter.Exclude, db, "*")}, nil},
		{"include another namespace only", []filter.Rule{rule(filter.Include, "other", "*")}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			snap := discover(t, d.Source, connector.Options{Filter: filter.Filter{Rules: tc.rules}})
			if got := names(snap); !slices.Equal(got, tc.want) {
				t.Errorf("tables %v, want %v", got, tc.want)
			}
		})
	}
}

// TestAllDatabases scans the server with no database named: every non-system database is read,
// each as its own Database with one namespace, and filters select across them.
func TestAllDatabases(t *testing.T) {
	first := newFixture(t)
	second := newSecond(t, first)
	server := first.Source
	server.Database = ""
	db1, db2 := first.Source.Database, second.Source.Database

	ns, err := New().Namespaces(context.Background(), server, connector.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(ns, db1) || !slices.Contains(ns, db2) || !slices.IsSorted(ns) {
		t.Errorf("namespaces %v, want sorted and holding %s and %s", ns, db1, db2)
	}
	for _, sys := range systemSchemas {
		if slices.Contains(ns, sys) {
			t.Errorf("namespaces %v hold system database %s", ns, sys)
		}
	}

	only := func(rules ...filter.Rule) connector.Options {
		return connector.Options{Filter: filter.Filter{Rules: rules}}
	}
	both := []filter.Rule{{Action: filter.Include, Namespace: db1, Table: "*"}, {Action: filter.Include, Namespace: db2, Table: "*"}}
	snap := discover(t, server, only(append(both, filter.Rule{Action: filter.Exclude, Table: "audit_*"})...))
	var refs []string
	for _, a := range snap.Assets() {
		refs = append(refs, a.Ref.String())
	}
	for _, want := range []string{db1 + ".customers", db2 + ".invoices"} {
		if !slices.Contains(refs, want) {
			t.Errorf("assets %v lack %s", refs, want)
		}
	}
	for _, gone := range []string{db1 + ".audit_log", db2 + ".audit_trail"} {
		if slices.Contains(refs, gone) {
			t.Errorf("assets %v hold %s, excluded by audit_*", refs, gone)
		}
	}
	if len(snap.Databases) != 2 || snap.Databases[0].Namespaces[0].Name != snap.Databases[0].Name {
		t.Errorf("want two databases each with one namespace of its name, got %d", len(snap.Databases))
	}
	inv := table(t, snap, db2, "invoices")
	if len(inv.ForeignKeys) != 1 || inv.ForeignKeys[0].RefDatabase != db1 || inv.ForeignKeys[0].RefNamespace != db1 || inv.ForeignKeys[0].RefTable != "customers" {
		t.Errorf("cross-database fk %+v, want → %s.customers", inv.ForeignKeys, db1)
	}

	snap = discover(t, server, only(filter.Rule{Action: filter.Include, Namespace: db2}))
	if got := names(snap); !slices.Equal(got, []string{"audit_trail", "invoices"}) {
		t.Errorf("including %s only: tables %v", db2, got)
	}

	// No filter at all: the whole server, both of ours among whatever else is there.
	all := discover(t, server, connector.Options{})
	var dbs []string
	for _, d := range all.Databases {
		dbs = append(dbs, d.Name)
	}
	if !slices.Contains(dbs, db1) || !slices.Contains(dbs, db2) || slices.Contains(dbs, "mysql") || slices.Contains(dbs, "information_schema") {
		t.Errorf("unfiltered scan databases %v, want ours and no system database", dbs)
	}
}

// TestLimitedAccount shows what a least-privileged account sees. MySQL and MariaDB hide from
// information_schema every table the account holds no privilege on, so such tables are simply
// absent (no NoAccess marker is possible); a table it holds some privilege on but not SELECT is
// listed with Meta.NoAccess.
func TestLimitedAccount(t *testing.T) {
	d := newFixture(t)
	db := d.Source.Database
	user, password := testdb.Name("svu"), "Limited-pw-9f3a"
	d.Exec(t,
		"CREATE USER '"+user+"'@'%' IDENTIFIED BY '"+password+"'",
		"GRANT SELECT ON `"+db+"`.customers TO '"+user+"'@'%'",
		"GRANT INSERT ON `"+db+"`.audit_log TO '"+user+"'@'%'",
	)
	t.Cleanup(func() {
		if _, err := d.SQL.Exec("DROP USER IF EXISTS '" + user + "'@'%'"); err != nil {
			t.Logf("drop user %s: %v", user, err)
		}
	})
	src := d.Source
	src.User, src.Password = user, password
	snap := discover(t, src, connector.Options{})
	if got := names(snap); !slices.Equal(got, []string{"audit_log", "customers"}) {
		t.Fatalf("limited account sees %v, want only audit_log and customers", got)
	}
	if table(t, snap, db, "customers").Meta.NoAccess {
		t.Error("customers is granted SELECT but marked NoAccess")
	}
	if !table(t, snap, db, "audit_log").Meta.NoAccess {
		t.Error("audit_log is granted INSERT only but not marked NoAccess")
	}
	if table(t, discover(t, d.Source, connector.Options{}), db, "audit_log").Meta.NoAccess {
		t.Error("root sees audit_log as NoAccess")
	}
}

func TestBrokenViewIsFailedNotDropped(t *testing.T) {
	d := newFixture(t)
	d.Exec(t, "CREATE TABLE scratch (a INT)", "CREATE VIEW scratch_view AS SELECT a FROM scratch", "DROP TABLE scratch")
	snap := discover(t, d.Source, connector.Options{})
	if slices.Contains(names(snap), "scratch_view") {
		t.Error("an unreadable view is listed as a table")
	}
	if len(snap.Failed) != 1 || snap.Failed[0].Ref.Table != "scratch_view" || !strings.Contains(snap.Failed[0].Reason, "invalid table") {
		t.Errorf("failed %+v, want scratch_view with the server's reason", snap.Failed)
	}
}

func TestErrors(t *testing.T) {
	d := newFixture(t)
	const secret = "Wr0ng-Secret-pw"
	noGrants := testdb.Name("svn")
	d.Exec(t, "CREATE USER '"+noGrants+"'@'%' IDENTIFIED BY '"+secret+"'")
	t.Cleanup(func() { _, _ = d.SQL.Exec("DROP USER IF EXISTS '" + noGrants + "'@'%'") })

	base := d.Source
	for _, tc := range []struct {
		name string
		edit func(*connector.Source)
		kind connector.ErrorKind
		says string
	}{
		{"wrong password", func(s *connector.Source) { s.Password = secret }, connector.AuthFailed, "Access denied for user"},
		{"unknown user", func(s *connector.Source) { s.User, s.Password = "nobody_here", secret }, connector.AuthFailed, "Access denied for user"},
		{"nothing listening", func(s *connector.Source) { s.Host, s.Port, s.Password = "127.0.0.1", 1, secret }, connector.Unreachable, "connection refused"},
		{"unknown host", func(s *connector.Source) { s.Host, s.Password = "no-such-host.invalid", secret }, connector.Unreachable, "no-such-host.invalid"},
		{"missing database", func(s *connector.Source) { s.Database = "surveyor_no_such_db" }, connector.DatabaseNotFound, "Unknown database 'surveyor_no_such_db'"},
		{"database not granted", func(s *connector.Source) { s.User, s.Password = noGrants, secret }, connector.PermissionDenied, "Access denied for user"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := base
			tc.edit(&src)
			opts := connector.Options{ConnectTimeout: 5 * time.Second}
			ctx := context.Background()
			_, discoverErr := New().Discover(ctx, src, opts)
			for op, err := range map[string]error{"discover": discoverErr, "ping": New().Ping(ctx, src, opts)} {
				if err == nil {
					t.Fatalf("%s: no error", op)
				}
				msg := err.Error()
				t.Logf("%s: %s", op, msg)
				if got := connector.KindOf(err); got != tc.kind {
					t.Errorf("%s: kind %s, want %s (%s)", op, got, tc.kind, msg)
				}
				if !strings.Contains(msg, tc.says) {
					t.Errorf("%s: %q does not say %q", op, msg, tc.says)
				}
				if strings.Contains(msg, secret) || strings.Contains(msg, "\n") {
					t.Errorf("%s: message leaks the password or spans lines: %q", op, msg)
				}
			}
		})
	}
}

func TestCancel(t *testing.T) {
	d := newFixture(t)
	t.Run("before connecting", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := New().Discover(ctx, d.Source, connector.Options{})
		if connector.KindOf(err) != connector.Canceled {
			t.Errorf("got %v (%s), want canceled", err, connector.KindOf(err))
		}
	})
	t.Run("during the scan", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		// Now is called once the session is open, before the catalog queries.
		c := &Connector{Now: func() time.Time { cancel(); return time.Now() }}
		snap, err := c.Discover(ctx, d.Source, connector.Options{})
		if snap != nil || connector.KindOf(err) != connector.Canceled {
			t.Errorf("got snapshot %v, error %v (%s), want canceled", snap != nil, err, connector.KindOf(err))
		}
	})
}

// TestSessionIsReadOnly opens the session every scan uses and shows that it cannot write, and
// that the statement timeout is set.
func TestSessionIsReadOnly(t *testing.T) {
	d := newFixture(t)
	ctx := context.Background()
	s, err := open(ctx, d.Source, connector.Options{StatementTimeout: 2500 * time.Millisecond}.WithDefaults())
	if err != nil {
		t.Fatal(err)
	}
	defer s.close()
	_, err = s.tx.ExecContext(ctx, "INSERT INTO audit_log (message) VALUES ('x')")
	var me *mysql.MySQLError
	if !errors.As(err, &me) || me.Number != 1792 {
		t.Errorf("insert in the scan transaction: %v, want error 1792 (read-only transaction)", err)
	}
	var limit float64
	if err := s.tx.QueryRowContext(ctx, "SELECT @@max_statement_time").Scan(&limit); err != nil || limit != 2.5 {
		t.Errorf("max_statement_time = %v (%v), want 2.5", limit, err)
	}

	// And a whole scan leaves the data as it was.
	var before, after int
	_ = d.SQL.QueryRow("SELECT COUNT(*) FROM audit_log").Scan(&before)
	discover(t, d.Source, connector.Options{})
	_ = d.SQL.QueryRow("SELECT COUNT(*) FROM audit_log").Scan(&after)
	if before != after {
		t.Errorf("rows %d → %d across a scan", before, after)
	}
}

// TestFloorReadsWhatDiscoverReads checks the floor runs the same queries: it reads at least one
// row per table, column, index part and key column Discover reports.
func TestFloorReadsWhatDiscoverReads(t *testing.T) {
	d := newFixture(t)
	snap := discover(t, d.Source, connector.Options{})
	rows, err := New().Floor(context.Background(), d.Source, connector.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var want int64 = 1 // the database itself
	for _, a := range snap.Assets() {
		want += 1 + int64(len(a.Table.Columns)+len(a.Table.Checks))
		for _, ix := range a.Table.Indexes {
			want += int64(len(ix.Parts))
		}
	}
	if rows < want {
		t.Errorf("floor read %d rows, want at least %d", rows, want)
	}
	t.Logf("floor rows for the fixture: %d", rows)
}

func TestQueryCountIsFixed(t *testing.T) {
	for _, n := range []int{1, 2, 50} {
		schemas := make([]string, n)
		for i := range schemas {
			schemas[i] = testdb.Name("db")
		}
		for _, mariadb := range []bool{true, false} {
			qs := catalogQueries(plan{mariadb: mariadb, schemas: schemas})
			if len(qs) != 7 {
				t.Errorf("%d databases, mariadb %v: %d queries, want 7", n, mariadb, len(qs))
			}
			for _, q := range qs {
				if strings.Count(q.sql, "?") != n || len(q.args) != n {
					t.Errorf("%s: %d placeholders, %d args, want %d", q.what, strings.Count(q.sql, "?"), len(q.args), n)
				}
			}
		}
	}
	if qs := catalogQueries(plan{}); len(qs) != 0 {
		t.Errorf("no database in scope: %d queries, want none", len(qs))
	}
}

// BenchmarkDiscover and BenchmarkFloor compare a scan of the fixture with its floor:
// go test -run '^$' -bench . ./internal/connector/mysql
func BenchmarkDiscover(b *testing.B) {
	d := newFixture(b)
	c := New()
	for b.Loop() {
		if _, err := c.Discover(context.Background(), d.Source, connector.Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFloor(b *testing.B) {
	d := newFixture(b)
	c := New()
	for b.Loop() {
		if _, err := c.Floor(context.Background(), d.Source, connector.Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// TestShortPasswordsGarbleNothing: a password that is part of the user name, the host or the
// words of the message is neither masked inside them nor revealed by a mask.
func TestShortPasswordsGarbleNothing(t *testing.T) {
	d := testdb.New(t, connector.MySQL, "myshortpw")
	user := testdb.Name("newcomer")
	d.Exec(t, "CREATE USER '"+user+"'@'%' IDENTIFIED BY 'the-right-one'")
	t.Cleanup(func() { _, _ = d.SQL.Exec("DROP USER IF EXISTS '" + user + "'@'%'") })
	for _, pw := range []string{"e", "er", "o", "newcomer", user[len(user)-3:]} {
		t.Run(pw, func(t *testing.T) {
			src := d.Source
			src.User, src.Password = user, pw
			err := New().Ping(context.Background(), src, connector.Options{ConnectTimeout: 5 * time.Second})
			if connector.KindOf(err) != connector.AuthFailed {
				t.Fatalf("ping: %v, want an authentication failure", err)
			}
			msg := err.Error()
			for _, want := range []string{"mysql://" + user + "@" + src.Address() + "/", ": connect: ", "Access denied for user '" + user + "'@", "(using password: YES)"} {
				if !strings.Contains(msg, want) {
					t.Errorf("message %q does not say %q", msg, want)
				}
			}
			if strings.Contains(msg, "****") {
				t.Errorf("message %q masks part of a word", msg)
			}
		})
	}
}

// TestScanEvaluatesNoStoredCode: views that call a stored function, a view over such a view and
// a trigger are read from information_schema without running the function, which raises an
// error if it ever runs (the control query shows it does when the view is read).
func TestScanEvaluatesNoStoredCode(t *testing.T) {
	d := testdb.New(t, connector.MySQL, "myplant")
	d.Exec(t,
		"CREATE TABLE t (id INT PRIMARY KEY, name VARCHAR(20))",
		"INSERT INTO t VALUES (1, 'a')",
		"CREATE FUNCTION planted(x INT) RETURNS INT DETERMINISTIC BEGIN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'planted function ran'; RETURN x; END",
		"CREATE FUNCTION `lower`(s VARCHAR(20)) RETURNS VARCHAR(20) DETERMINISTIC BEGIN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'planted lower ran'; RETURN s; END",
		"CREATE VIEW v AS SELECT id, planted(id) AS p, lower(name) AS l FROM t",
		"CREATE VIEW vv AS SELECT p FROM v",
		"CREATE TRIGGER t_ins BEFORE INSERT ON t FOR EACH ROW SET NEW.id = planted(NEW.id)",
	)
	if _, err := d.SQL.Exec("SELECT * FROM vv"); err == nil || !strings.Contains(err.Error(), "planted function ran") {
		t.Fatalf("control: reading the view did not run the planted function: %v", err)
	}
	snap, err := New().Discover(context.Background(), d.Source, connector.Options{ConnectTimeout: 5 * time.Second})
	if err != nil {
		t.Fatalf("discover: %v", err)
	}
	var names []string
	for _, a := range snap.Assets() {
		names = append(names, a.Ref.Table)
		if a.Ref.Table == "v" && len(a.Table.Columns) != 3 {
			t.Errorf("view v columns = %v", a.Table.Columns)
		}
	}
	if strings.Join(names, ",") != "t,v,vv" || len(snap.Failed) != 0 {
		t.Errorf("assets = %v, failed %v", names, snap.Failed)
	}
}
