package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/surveyorhq/surveyor/internal/connector"
	"github.com/surveyorhq/surveyor/internal/filter"
	"github.com/surveyorhq/surveyor/internal/schema"
)

var update = flag.Bool("update", false, "rewrite testdata/fixture.golden.json")

// create makes a SQLite file at path from the SQL script, with an ordinary read-write connection.
func create(t testing.TB, path, script string) {
	t.Helper()
	exec(t, path, script)
}

// exec runs SQL against the file with a read-write connection.
func exec(t testing.TB, path, script string) {
	t.Helper()
	db, err := sql.Open("sqlite", (&url.URL{Scheme: "file", Path: path}).String())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(script); err != nil {
		t.Fatalf("exec %.60q: %v", script, err)
	}
}

func fixtureSQL(t testing.TB) string {
	t.Helper()
	b, err := os.ReadFile("testdata/fixture.sql")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func fixtureFile(t testing.TB) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "fixture.db")
	create(t, path, fixtureSQL(t))
	return path
}

func discover(t testing.TB, src connector.Source, opts connector.Options) *schema.Snapshot {
	t.Helper()
	snap, err := New().Discover(context.Background(), src, opts)
	if err != nil {
		t.Fatalf("Discover: %v", err)
	}
	return snap
}

func sqliteSource(path string) connector.Source {
	return connector.Source{Engine: connector.SQLite, Path: path}
}

func table(t testing.TB, snap *schema.Snapshot, db, name string) *schema.Table {
	t.Helper()
	for _, a := range snap.Assets() {
		if a.Ref.Database == db && a.Ref.Table == name {
			return a.Table
		}
	}
	t.Fatalf("no table %s.%s in snapshot", db, name)
	return nil
}

func column(t testing.TB, tb *schema.Table, name string) schema.Column {
	t.Helper()
	for _, c := range tb.Columns {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no column %s in %s", name, tb.Name)
	return schema.Column{}
}

func index(t testing.TB, tb *schema.Table, name string) schema.Index {
	t.Helper()
	for _, ix := range tb.Indexes {
		if ix.Name == name {
			return ix
		}
	}
	t.Fatalf("no index %s on %s", name, tb.Name)
	return schema.Index{}
}

// stable blanks what changes from run to run.
func stable(s *schema.Snapshot) *schema.Snapshot {
	c := *s
	c.CapturedAt = time.Time{}
	c.ServerVersion = ""
	c.Databases = slices.Clone(s.Databases)
	for di := range c.Databases {
		c.Databases[di].Namespaces = slices.Clone(c.Databases[di].Namespaces)
		for ni := range c.Databases[di].Namespaces {
			ns := &c.Databases[di].Namespaces[ni]
			ns.Tables = slices.Clone(ns.Tables)
			for ti := range ns.Tables {
				ns.Tables[ti].Meta = schema.Meta{}
			}
		}
	}
	return &c
}

// diff returns "" when want and got are equal, else both as JSON, line by line where they differ.
func diff(want, got any) string {
	if reflect.DeepEqual(want, got) {
		return ""
	}
	show := func(v any) []string {
		if s, ok := v.(string); ok {
			return strings.Split(s, "\n")
		}
		b, _ := json.MarshalIndent(v, "", "  ")
		return strings.Split(string(b), "\n")
	}
	w, g := show(want), show(got)
	var out strings.Builder
	for i := range max(len(w), len(g)) {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			fmt.Fprintf(&out, "line %d:\n  want %s\n  got  %s\n", i+1, wl, gl)
		}
	}
	if out.Len() == 0 {
		return "values differ but print the same"
	}
	return out.String()
}

func TestFixtureMatchesGolden(t *testing.T) {
	snap := discover(t, sqliteSource(fixtureFile(t)), connector.Options{})
	got, err := json.MarshalIndent(stable(snap), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	const golden = "testdata/fixture.golden.json"
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if diff := diff(string(want), string(got)); diff != "" {
		t.Errorf("snapshot differs from %s:\n%s", golden, diff)
	}
}

// TestFixtureFacts pins what a user would check, so that a wrongly regenerated golden file
// still fails.
func TestFixtureFacts(t *testing.T) {
	snap := discover(t, sqliteSource(fixtureFile(t)), connector.Options{})
	if snap.Engine != "sqlite" || !strings.HasPrefix(snap.ServerVersion, "SQLite 3.") || !snap.Complete || len(snap.Failed) != 0 {
		t.Fatalf("engine %q version %q complete %v failed %v", snap.Engine, snap.ServerVersion, snap.Complete, snap.Failed)
	}
	var names []string
	for _, a := range snap.Assets() {
		names = append(names, a.Ref.String())
	}
	wantNames := []string{"main.active_customers", "main.coupons", "main.customers", "main.events", "main.orders", "main.settings"}
	if !slices.Equal(names, wantNames) {
		t.Fatalf("assets = %v, want %v (sqlite_sequence must not be one)", names, wantNames)
	}

	customers := table(t, snap, "main", "customers")
	if pk := customers.PrimaryKey; pk == nil || !slices.Equal(pk.Columns, []string{"id"}) {
		t.Errorf("customers PK = %+v, want (id)", pk)
	}
	if id := column(t, customers, "id"); !id.AutoIncrement || id.Nullable || id.Type.Base != "integer" {
		t.Errorf("customers.id = %+v, want a NOT NULL auto-increment integer", id)
	}
	if customers.Options["autoincrement"] != "true" {
		t.Errorf("customers options = %v, want autoincrement", customers.Options)
	}
	email := column(t, customers, "email")
	if email.Nullable || email.Type.Declared != "VARCHAR(255)" || email.Type.Base != "varchar" || email.Type.Length == nil || *email.Type.Length != 255 || email.Collation != "NOCASE" {
		t.Errorf("customers.email = %+v", email)
	}
	balance := column(t, customers, "balance")
	if balance.Type.Precision == nil || *balance.Type.Precision != 10 || balance.Type.Scale == nil || *balance.Type.Scale != 2 {
		t.Errorf("balance type = %+v, want precision 10 scale 2", balance.Type)
	}
	if d := column(t, customers, "name").Default; d == nil || *d != "'anonymous'" {
		t.Errorf("name default = %v, want 'anonymous'", d)
	}
	if d := column(t, customers, "created_at").Default; d == nil || !strings.Contains(*d, "strftime(") {
		t.Errorf("created_at default = %v, want the strftime expression", d)
	}
	wantChecks := []schema.Check{
		{Name: "balance_range", Expression: "(balance >= 0) AND (balance < (1000000 * (1 + 0)))"},
		{Name: "customers_check_1", Expression: "status IN ('active', 'closed)', 'x(y')"},
	}
	if diff := diff(wantChecks, customers.Checks); diff != "" {
		t.Errorf("customers checks (-want +got):\n%s", diff)
	}
	if diff := diff([]schema.Constraint{{Name: "customers_email_key", Columns: []string{"email"}}}, customers.Uniques); diff != "" {
		t.Errorf("customers uniques (-want +got):\n%s", diff)
	}
	if ix := index(t, customers, "customers_active"); ix.Predicate != "status = 'active' AND balance > 0" {
		t.Errorf("partial index predicate = %q", ix.Predicate)
	}
	if ix := index(t, customers, "customers_lower_email"); len(ix.Parts) != 1 || ix.Parts[0].Expression != "lower(email)" || ix.Unique {
		t.Errorf("expression index = %+v, want lower(email)", ix)
	}

	orders := table(t, snap, "main", "orders")
	if pk := orders.PrimaryKey; pk == nil || !slices.Equal(pk.Columns, []string{"customer_id", "order_no"}) {
		t.Errorf("orders PK = %+v, want (customer_id, order_no)", pk)
	}
	if ix := index(t, orders, "sqlite_autoindex_orders_1"); !ix.Primary || !ix.Unique {
		t.Errorf("orders PK index = %+v, want primary and unique", ix)
	}
	wantFKs := []schema.ForeignKey{
		{Name: "orders_coupon_fk", Columns: []string{"coupon_id"}, RefNamespace: "main", RefTable: "coupons", RefColumns: []string{"id"}, OnUpdate: "CASCADE", OnDelete: "SET NULL"},
		{Name: "orders_customer_id_fkey", Columns: []string{"customer_id"}, RefNamespace: "main", RefTable: "customers", RefColumns: []string{"id"}, OnUpdate: "NO ACTION", OnDelete: "CASCADE"},
		{Name: "orders_referrer_id_fkey", Columns: []string{"referrer_id"}, RefNamespace: "main", RefTable: "customers", RefColumns: []string{"id"}, OnUpdate: "NO ACTION", OnDelete: "SET NULL", Deferrable: true, InitiallyDeferred: true},
	}
	if diff := diff(wantFKs, orders.ForeignKeys); diff != "" {
		t.Errorf("orders foreign keys (-want +got):\n%s", diff)
	}
	if c := column(t, orders, "total"); c.Generated != "quantity * unit_price" || c.GeneratedKind != "VIRTUAL" {
		t.Errorf("orders.total = %+v, want VIRTUAL quantity * unit_price", c)
	}
	if c := column(t, orders, "label"); c.Generated != "'order-' || order_no" || c.GeneratedKind != "STORED" {
		t.Errorf("orders.label = %+v, want STORED 'order-' || order_no", c)
	}
	if c := column(t, orders, "note"); c.Position != 9 || c.Type.Declared != "TEXT" {
		t.Errorf("orders.note = %+v, want position 9 TEXT", c)
	}
	if diff := diff([]schema.Check{{Name: "orders_check_1", Expression: "quantity > 0"}}, orders.Checks); diff != "" {
		t.Errorf("orders checks (-want +got):\n%s", diff)
	}
	if ix := index(t, orders, "orders_customer_total"); len(ix.Parts) != 2 || ix.Parts[0].Column != "customer_id" || ix.Parts[1].Column != "unit_price" {
		t.Errorf("multi-column index = %+v", ix)
	}

	coupons := table(t, snap, "main", "coupons")
	if ix := index(t, coupons, "coupons_code_upper"); !ix.Unique || ix.Parts[0].Expression != "upper(code)" {
		t.Errorf("unique expression index = %+v", ix)
	}
	if diff := diff([]schema.Constraint{{Name: "coupons_code_key", Columns: []string{"code"}}}, coupons.Uniques); diff != "" {
		t.Errorf("coupons uniques (-want +got):\n%s", diff)
	}

	settings := table(t, snap, "main", "settings")
	if settings.Options["without_rowid"] != "true" || settings.Options["strict"] != "" {
		t.Errorf("settings options = %v, want without_rowid only", settings.Options)
	}
	if c := column(t, settings, "key"); c.Nullable || c.AutoIncrement {
		t.Errorf("settings.key = %+v, want NOT NULL (WITHOUT ROWID key), not auto-increment", c)
	}
	events := table(t, snap, "main", "events")
	if events.Options["strict"] != "true" || events.Options["without_rowid"] != "" {
		t.Errorf("events options = %v, want strict only", events.Options)
	}
	if ix := index(t, events, "events_at_desc"); !ix.Parts[0].Descending || ix.Parts[1].Descending {
		t.Errorf("DESC index = %+v, want at DESC, kind ASC", ix)
	}

	view := table(t, snap, "main", "active_customers")
	if view.Kind != schema.KindView || view.ViewDefinition != "SELECT id, email, name FROM customers WHERE status = 'active'" || len(view.Columns) != 3 {
		t.Errorf("view = %+v", view)
	}
}

func fingerprints(s *schema.Snapshot) map[string]string {
	out := map[string]string{}
	for _, a := range s.Assets() {
		out[a.Ref.String()] = a.Table.Fingerprint()
	}
	return out
}

func TestFingerprintsStableAcrossScansAndRowChanges(t *testing.T) {
	path := fixtureFile(t)
	first := discover(t, sqliteSource(path), connector.Options{})
	second := discover(t, sqliteSource(path), connector.Options{})
	if diff := diff(fingerprints(first), fingerprints(second)); diff != "" {
		t.Fatalf("fingerprints differ between two scans:\n%s", diff)
	}
	if rows := table(t, first, "main", "coupons").Meta.RowEstimate; rows != nil {
		t.Errorf("row estimate before ANALYZE = %d, want unknown", *rows)
	}
	exec(t, path, `
		WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 500)
		INSERT INTO coupons (code) SELECT 'C' || i FROM n;
		ANALYZE;`)
	third := discover(t, sqliteSource(path), connector.Options{})
	if diff := diff(fingerprints(first), fingerprints(third)); diff != "" {
		t.Fatalf("fingerprints changed after inserting rows:\n%s", diff)
	}
	coupons := table(t, third, "main", "coupons")
	if rows := coupons.Meta.RowEstimate; rows == nil || *rows != 500 {
		t.Errorf("coupons row estimate after ANALYZE = %v, want 500", rows)
	}
	before, after := table(t, first, "main", "coupons").Meta.SizeBytes, coupons.Meta.SizeBytes
	if before == nil || after == nil || *after <= *before {
		t.Errorf("coupons size = %v then %v, want known and growing", before, after)
	}
	for _, d := range schema.Diff(first, third) {
		if d.Status != schema.Unchanged {
			t.Errorf("%s: %s %v, want unchanged", d.Ref, d.Status, d.Changes)
		}
	}
}

func TestDiffAfterAlters(t *testing.T) {
	path := fixtureFile(t)
	before := discover(t, sqliteSource(path), connector.Options{})
	exec(t, path, `
		ALTER TABLE customers ADD COLUMN phone TEXT;
		ALTER TABLE events DROP COLUMN payload;
		DROP INDEX orders_customer_total;
		DROP TABLE settings;
		-- SQLite cannot change a type or add a foreign key in place: rebuild coupons.
		CREATE TABLE coupons_new (
			id INTEGER PRIMARY KEY,
			code TEXT NOT NULL UNIQUE,
			percent REAL NOT NULL DEFAULT 10,
			owner_id INTEGER REFERENCES customers (id)
		);
		INSERT INTO coupons_new (id, code, percent) SELECT id, code, percent FROM coupons;
		DROP TABLE coupons;
		ALTER TABLE coupons_new RENAME TO coupons;
		CREATE UNIQUE INDEX coupons_code_upper ON coupons (upper(code));`)
	after := discover(t, sqliteSource(path), connector.Options{})

	type change struct {
		kind   schema.ChangeKind
		object string
	}
	want := map[string]struct {
		status  schema.Status
		changes []change
	}{
		"main.active_customers": {status: schema.Unchanged},
		"main.customers":        {schema.Updated, []change{{schema.ColumnAdded, "phone"}}},
		"main.events":           {schema.Updated, []change{{schema.ColumnDropped, "payload"}}},
		"main.orders":           {schema.Updated, []change{{schema.IndexDropped, "orders_customer_total"}}},
		"main.settings":         {status: schema.Removed},
		"main.coupons": {schema.Updated, []change{
			{schema.ColumnType, "percent"}, {schema.ColumnAdded, "owner_id"}, {schema.ForeignKeyAdded, "coupons_owner_id_fkey"},
		}},
	}
	got := schema.Diff(before, after)
	if len(got) != len(want) {
		t.Fatalf("diff has %d assets, want %d: %+v", len(got), len(want), got)
	}
	for _, d := range got {
		w, ok := want[d.Ref.String()]
		if !ok {
			t.Errorf("unexpected asset %s in diff", d.Ref)
			continue
		}
		var changes []change
		for _, c := range d.Changes {
			changes = append(changes, change{c.Kind, c.Object})
		}
		if d.Status != w.status || !slices.Equal(changes, w.changes) {
			t.Errorf("%s: %s %v, want %s %v", d.Ref, d.Status, changes, w.status, w.changes)
		}
	}
}

func TestFilters(t *testing.T) {
	path := fixtureFile(t)
	other := filepath.Join(t.TempDir(), "other.db")
	create(t, other, `CREATE TABLE audit (id INTEGER PRIMARY KEY, at TEXT);`)
	src := sqliteSource(path)
	src.Params = map[string]string{"attach": "aux=" + other}
	rule := func(a filter.Action, pattern string) filter.Rule {
		r, err := filter.ParsePattern(a, pattern)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	for _, tc := range []struct {
		name  string
		rules []filter.Rule
		want  []string
	}{
		{"no rules reads everything", nil, []string{"aux.audit", "main.active_customers", "main.coupons", "main.customers", "main.events", "main.orders", "main.settings"}},
		{"include one namespace", []filter.Rule{rule(filter.Include, "aux.*")}, []string{"aux.audit"}},
		{"exclude one namespace", []filter.Rule{rule(filter.Exclude, "main.*")}, []string{"aux.audit"}},
		{"include tables by pattern", []filter.Rule{rule(filter.Include, "main.c*")}, []string{"main.coupons", "main.customers"}},
		{"exclude one table", []filter.Rule{rule(filter.Exclude, "orders"), rule(filter.Exclude, "aux.*")}, []string{"main.active_customers", "main.coupons", "main.customers", "main.events", "main.settings"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			snap := discover(t, src, connector.Options{Filter: filter.Filter{Rules: tc.rules}})
			var got []string
			for _, a := range snap.Assets() {
				got = append(got, a.Ref.String())
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("assets = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestAttachedDatabases(t *testing.T) {
	// Both files live where a naive "file:"+path URI would break: a space, '?', '#' and '%'.
	dir := filepath.Join(t.TempDir(), "with space?and#hash%25")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "main db?.sqlite")
	create(t, path, fixtureSQL(t))
	other := filepath.Join(dir, "ledger.db")
	create(t, other, `
		CREATE TABLE entries (id INTEGER PRIMARY KEY, account TEXT NOT NULL, amount NUMERIC(12,2));
		CREATE INDEX entries_account ON entries (account);`)
	src := sqliteSource(path)
	src.Params = map[string]string{"attach": "ledger=" + other}
	snap := discover(t, src, connector.Options{})
	var dbs []string
	for _, d := range snap.Databases {
		dbs = append(dbs, d.Name)
		if len(d.Namespaces) != 1 || d.Namespaces[0].Name != d.Name {
			t.Errorf("database %s has namespaces %+v, want one of the same name", d.Name, d.Namespaces)
		}
	}
	if !slices.Equal(dbs, []string{"ledger", "main"}) {
		t.Fatalf("databases = %v, want [ledger main]", dbs)
	}
	entries := table(t, snap, "ledger", "entries")
	if len(entries.Columns) != 3 || index(t, entries, "entries_account").Parts[0].Column != "account" {
		t.Errorf("ledger.entries = %+v", entries)
	}
	names, err := New().Namespaces(context.Background(), src, connector.Options{})
	if err != nil || !slices.Equal(names, []string{"ledger", "main"}) {
		t.Errorf("Namespaces = %v, %v; want [ledger main]", names, err)
	}

	for _, tc := range []struct {
		name, attach string
		kind         connector.ErrorKind
	}{
		{"missing attached file", "ledger=" + filepath.Join(dir, "nope.db"), connector.DatabaseNotFound},
		{"reserved name", "main=" + other, connector.Unsupported},
		{"no path", "ledger=", connector.Unsupported},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := sqliteSource(path)
			src.Params = map[string]string{"attach": tc.attach}
			_, err := New().Discover(context.Background(), src, connector.Options{})
			if got := connector.KindOf(err); got != tc.kind {
				t.Errorf("kind = %s (%v), want %s", got, err, tc.kind)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(dir, "nope.db")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("attaching a missing file created it (stat: %v)", err)
	}
}

// A view whose table was dropped breaks the bulk column query; the scan must still read every
// other object and report the view as failed, not drop it silently.
func TestBrokenViewIsReportedAsFailed(t *testing.T) {
	path := fixtureFile(t)
	exec(t, path, `
		CREATE TABLE gone (id INTEGER);
		CREATE VIEW v_broken AS SELECT id FROM gone;
		DROP TABLE gone;`)
	snap := discover(t, sqliteSource(path), connector.Options{})
	want := []schema.AssetError{{Ref: schema.Ref{Database: "main", Namespace: "main", Table: "v_broken"}, Reason: "no such table: main.gone"}}
	if diff := diff(want, snap.Failed); diff != "" {
		t.Errorf("failed assets (-want +got):\n%s", diff)
	}
	if !snap.Complete {
		t.Error("snapshot is incomplete; only the broken view is unreadable")
	}
	if n := snap.TableCount(); n != 6 {
		t.Errorf("snapshot has %d assets, want the 6 readable ones", n)
	}
	clean := discover(t, sqliteSource(fixtureFile(t)), connector.Options{})
	if diff := diff(fingerprints(clean), fingerprints(snap)); diff != "" {
		t.Errorf("readable assets differ from a clean scan:\n%s", diff)
	}
}

func TestErrors(t *testing.T) {
	dir := t.TempDir()
	notDB := filepath.Join(dir, "notes.db")
	if err := os.WriteFile(notDB, bytes.Repeat([]byte("this is not a database\n"), 200), 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing.db")
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	for _, tc := range []struct {
		name string
		ctx  context.Context
		path string
		kind connector.ErrorKind
		msg  string
	}{
		{"missing file", context.Background(), missing, connector.DatabaseNotFound, "does not exist"},
		{"not a database", context.Background(), notDB, connector.Failed, "file is not a SQLite database"},
		{"directory", context.Background(), dir, connector.Failed, "is a directory"},
		{"no path", context.Background(), "", connector.Unsupported, "no SQLite file path"},
		{"cancelled context", cancelled, fixtureFile(t), connector.Canceled, "context canceled"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for op, run := range map[string]func() error{
				"Discover": func() error { _, err := New().Discover(tc.ctx, sqliteSource(tc.path), connector.Options{}); return err },
				"Ping":     func() error { return New().Ping(tc.ctx, sqliteSource(tc.path), connector.Options{}) },
			} {
				err := run()
				if got := connector.KindOf(err); got != tc.kind || !strings.Contains(fmt.Sprint(err), tc.msg) {
					t.Errorf("%s: %v (kind %s), want kind %s containing %q", op, err, got, tc.kind, tc.msg)
				}
				if strings.Count(fmt.Sprint(err), "\n") > 0 {
					t.Errorf("%s: message %q is not one line", op, err)
				}
			}
		})
	}
	if _, err := os.Stat(missing); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("scanning a missing file created it (stat: %v)", err)
	}
	if err := New().Ping(context.Background(), sqliteSource(fixtureFile(t)), connector.Options{}); err != nil {
		t.Errorf("Ping on a good file: %v", err)
	}
}

// The statement timeout and cancellation reach SQLite: a query that would run forever stops.
func TestStatementTimeoutStopsARunawayQuery(t *testing.T) {
	src := sqliteSource(fixtureFile(t))
	forever := `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n`
	for _, tc := range []struct {
		name   string
		cancel time.Duration // cancel the caller's ctx after this long; 0 = never
		kind   connector.ErrorKind
	}{
		{"statement timeout", 0, connector.Timeout},
		{"caller cancels", 100 * time.Millisecond, connector.Canceled},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			if tc.cancel > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithCancel(ctx)
				time.AfterFunc(tc.cancel, cancel)
			}
			s, err := open(ctx, src, connector.Options{StatementTimeout: 200 * time.Millisecond, ConnectTimeout: time.Second}.WithDefaults(), false)
			if tc.cancel > 0 {
				s.opts.StatementTimeout = time.Minute
			}
			if err != nil {
				t.Fatal(err)
			}
			defer s.close()
			start := time.Now()
			err = s.fail(s.query(ctx, "count forever", forever, nil, func(*sql.Rows) error { return nil }, nil))
			if took := time.Since(start); took > 5*time.Second {
				t.Errorf("query stopped after %s, want about 200ms", took)
			}
			if got := connector.KindOf(err); got != tc.kind {
				t.Errorf("kind = %s (%v), want %s", got, err, tc.kind)
			}
		})
	}
}

// Scanning only reads: the file's bytes, its modification time and the directory's contents
// (no journal left behind, nothing created) are the same afterwards. This holds for a
// rollback-journal file, a WAL file and a file that is itself read-only. A WAL file's reader,
// any reader, needs the -shm index and an -wal file: SQLite creates them, empty, when they are
// missing, and a read-only connection cannot remove them; the database file is untouched.
func TestScanLeavesFilesUnchanged(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup string
		mode  os.FileMode
		extra []string // files SQLite's reader may leave next to the database
	}{
		{"rollback journal", "", 0o644, nil},
		{"WAL mode", "PRAGMA journal_mode = WAL;", 0o644, []string{"ro.db-shm", "ro.db-wal"}},
		{"read-only file", "", 0o444, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "ro.db")
			create(t, path, tc.setup+fixtureSQL(t)+"INSERT INTO coupons (code) VALUES ('A'), ('B'); ANALYZE;")
			if err := os.Chmod(path, tc.mode); err != nil {
				t.Fatal(err)
			}
			past := time.Now().Add(-time.Hour).Truncate(time.Second)
			if err := os.Chtimes(path, past, past); err != nil {
				t.Fatal(err)
			}
			before, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			entries := func() []string {
				es, err := os.ReadDir(dir)
				if err != nil {
					t.Fatal(err)
				}
				var names []string
				for _, e := range es {
					names = append(names, e.Name())
				}
				return names
			}
			listing := entries()

			snap := discover(t, sqliteSource(path), connector.Options{})
			if snap.TableCount() != 6 {
				t.Fatalf("scan read %d assets, want 6", snap.TableCount())
			}
			if _, err := New().Floor(context.Background(), sqliteSource(path), connector.Options{}); err != nil {
				t.Fatal(err)
			}

			after, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(before, after) {
				t.Error("scan changed the file's bytes")
			}
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if !fi.ModTime().Equal(past) {
				t.Errorf("modification time %s, want %s", fi.ModTime(), past)
			}
			want := append(listing, tc.extra...)
			slices.Sort(want)
			if got := entries(); !slices.Equal(got, want) {
				t.Errorf("directory holds %v after the scan, want %v", got, want)
			}
			for _, name := range tc.extra {
				if fi, err := os.Stat(filepath.Join(dir, name)); err == nil && strings.HasSuffix(name, "-wal") && fi.Size() != 0 {
					t.Errorf("%s holds %d bytes after a read-only scan, want 0", name, fi.Size())
				}
			}
		})
	}
}

// The connection refuses writes: query_only is on and the file is opened read-only.
func TestSessionRefusesWrites(t *testing.T) {
	s, err := open(context.Background(), sqliteSource(fixtureFile(t)), connector.Options{}.WithDefaults(), false)
	if err != nil {
		t.Fatal(err)
	}
	defer s.close()
	for _, stmt := range []string{`INSERT INTO coupons (code) VALUES ('x')`, `CREATE TABLE t (x)`} {
		if _, err := s.conn.ExecContext(context.Background(), stmt); err == nil || !strings.Contains(err.Error(), "readonly") && !strings.Contains(err.Error(), "read-only") && !strings.Contains(err.Error(), "query_only") {
			t.Errorf("%s: err = %v, want a read-only refusal", stmt, err)
		}
	}
}

// manyTables writes a file with n tables, each with columns, a FK, an index and a check.
func manyTables(t testing.TB, n int) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("BEGIN; CREATE TABLE root (id INTEGER PRIMARY KEY);\n")
	for i := range n {
		fmt.Fprintf(&b, `CREATE TABLE t%05d (id INTEGER PRIMARY KEY, root_id INTEGER REFERENCES root (id) ON DELETE CASCADE,
			name VARCHAR(40) NOT NULL, amount DECIMAL(10,2) DEFAULT 0 CHECK (amount >= 0), note TEXT, created TEXT DEFAULT CURRENT_TIMESTAMP);
			CREATE INDEX t%05d_name ON t%05d (name, created DESC);`+"\n", i, i, i)
	}
	b.WriteString("COMMIT;")
	path := filepath.Join(t.TempDir(), "many.db")
	create(t, path, b.String())
	return path
}

// The number of queries does not grow with the number of tables, and Floor runs the same ones.
func TestQueryCountIsFixed(t *testing.T) {
	counts := map[int]int{}
	for _, n := range []int{3, 200} {
		path := manyTables(t, n)
		snap, st, err := New().scan(context.Background(), sqliteSource(path), connector.Options{}.WithDefaults(), false)
		if err != nil {
			t.Fatal(err)
		}
		if snap.TableCount() != n+1 {
			t.Fatalf("%d tables scanned, want %d", snap.TableCount(), n+1)
		}
		_, fst, err := New().scan(context.Background(), sqliteSource(path), connector.Options{}.WithDefaults(), true)
		if err != nil {
			t.Fatal(err)
		}
		if fst.queries != st.queries {
			t.Errorf("%d tables: Floor ran %d queries, Discover %d", n, fst.queries, st.queries)
		}
		if fst.rows < int64(n*6) {
			t.Errorf("%d tables: Floor read %d rows, want at least one per column", n, fst.rows)
		}
		counts[n] = st.queries
	}
	if counts[3] != counts[200] {
		t.Errorf("queries: %d for 3 tables, %d for 200; want the same", counts[3], counts[200])
	}
	t.Logf("catalog queries per scan of one database without sqlite_stat1: %d", counts[3])
}

func BenchmarkDiscover(b *testing.B) {
	for _, n := range []int{1000} {
		path := manyTables(b, n)
		src := sqliteSource(path)
		b.Run(fmt.Sprintf("discover/%d", n), func(b *testing.B) {
			for b.Loop() {
				if _, err := New().Discover(context.Background(), src, connector.Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("floor/%d", n), func(b *testing.B) {
			for b.Loop() {
				if _, err := New().Floor(context.Background(), src, connector.Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkFixture(b *testing.B) {
	src := sqliteSource(fixtureFile(b))
	for b.Loop() {
		if _, err := New().Discover(context.Background(), src, connector.Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDiscoverVsFloor runs Discover and Floor alternately on 1,000 tables and reports the
// best time of each and their ratio (the target is ≤ 1.3); the best time filters out the noise
// of a shared machine.
func BenchmarkDiscoverVsFloor(b *testing.B) {
	src := sqliteSource(manyTables(b, 1000))
	ctx := context.Background()
	best := func(cur, d time.Duration) time.Duration {
		if cur == 0 || d < cur {
			return d
		}
		return cur
	}
	var disc, floor time.Duration
	for b.Loop() {
		start := time.Now()
		if _, err := New().Floor(ctx, src, connector.Options{}); err != nil {
			b.Fatal(err)
		}
		floor = best(floor, time.Since(start))
		start = time.Now()
		if _, err := New().Discover(ctx, src, connector.Options{}); err != nil {
			b.Fatal(err)
		}
		disc = best(disc, time.Since(start))
	}
	b.ReportMetric(float64(disc.Microseconds())/1000, "discover-ms")
	b.ReportMetric(float64(floor.Microseconds())/1000, "floor-ms")
	b.ReportMetric(float64(disc)/float64(floor), "ratio")
}
