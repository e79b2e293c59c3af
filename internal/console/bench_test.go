package console_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/surveyorhq/surveyor/internal/awsapi"
	"github.com/surveyorhq/surveyor/internal/catalog"
	"github.com/surveyorhq/surveyor/internal/console"
	"github.com/surveyorhq/surveyor/internal/runs"
	"github.com/surveyorhq/surveyor/internal/schema"
	"github.com/surveyorhq/surveyor/internal/scope"
	"github.com/surveyorhq/surveyor/internal/store"
	"github.com/surveyorhq/surveyor/internal/store/storetest"
)

const benchAccount = "123456789012"

// benchSnapshot is tables tables of 12 columns in namespaces of 200, each table but the first
// of a namespace referencing one or two earlier ones; change marks tables changed in the
// second run (a column's type and an index), and drop leaves out tables.
func benchSnapshot(tables int, changed, dropped func(i int) bool) *schema.Snapshot {
	s := &schema.Snapshot{Engine: "postgres", Complete: true, Databases: []schema.Database{{Name: "app"}}}
	const per = 200
	for ns := 0; ns*per < tables; ns++ {
		n := schema.Namespace{Name: fmt.Sprintf("schema_%02d", ns)}
		for k := 0; k < per && ns*per+k < tables; k++ {
			i := ns*per + k
			if dropped(i) {
				continue
			}
			t := schema.Table{Name: fmt.Sprintf("table_%05d", i), Kind: schema.KindTable, Comment: fmt.Sprintf("table number %d", i)}
			for c := 0; c < 12; c++ {
				typ := schema.Type{Declared: "character varying(100)", Base: "varchar"}
				if c == 0 {
					typ = schema.Type{Declared: "bigint", Base: "int8"}
				}
				if c == 3 && changed(i) {
					typ = schema.Type{Declared: "character varying(255)", Base: "varchar"}
				}
				t.Columns = append(t.Columns, schema.Column{Name: fmt.Sprintf("column_%02d", c), Position: c + 1, Type: typ,
					Nullable: c > 1, Comment: fmt.Sprintf("column %d of table %d", c, i)})
			}
			t.PrimaryKey = &schema.Constraint{Name: t.Name + "_pkey", Columns: []string{"column_00"}}
			t.Indexes = []schema.Index{{Name: t.Name + "_pkey", Primary: true, Unique: true, Method: "btree", Parts: []schema.IndexPart{{Column: "column_00"}}}}
			if changed(i) {
				t.Indexes = append(t.Indexes, schema.Index{Name: t.Name + "_by_c2", Method: "btree", Parts: []schema.IndexPart{{Column: "column_02"}}})
			}
			for _, ref := range []int{k / 2, k / 3} {
				if k == 0 || ref == k || dropped(ns*per+ref) {
					continue
				}
				target := fmt.Sprintf("table_%05d", ns*per+ref)
				t.ForeignKeys = append(t.ForeignKeys, schema.ForeignKey{Name: fmt.Sprintf("%s_fk_%d", t.Name, ref), Columns: []string{"column_01"},
					RefNamespace: n.Name, RefTable: target, RefColumns: []string{"column_00"}, OnUpdate: "NO ACTION", OnDelete: "NO ACTION"})
			}
			n.Tables = append(n.Tables, t)
		}
		s.Databases[0].Namespaces = append(s.Databases[0].Namespaces, n)
	}
	return s
}

// benchSource is the one source of the benchmark's account.
type benchSource struct{}

func (benchSource) Service() string { return "DataZone" }
func (benchSource) ListSources(context.Context) ([]console.Source, error) {
	return []console.Source{{ID: "big", Service: "DataZone", Type: "data source", Name: "big", Engine: "POSTGRESQL"}}, nil
}
func (b benchSource) GetSource(ctx context.Context, id string) (console.Source, error) {
	if id != "big" {
		return console.Source{}, console.ErrNotFound
	}
	l, _ := b.ListSources(ctx)
	return l[0], nil
}
func (benchSource) RunNow(context.Context, string, string) (console.Started, error) {
	return console.Started{}, fmt.Errorf("not in a benchmark")
}

type benchKeys struct{}

func (benchKeys) LookupKey(_ context.Context, id string) (awsapi.Key, error) {
	if id != "AKIABENCH" {
		return awsapi.Key{}, awsapi.ErrUnknownKey
	}
	return awsapi.Key{AccessKeyID: id, SecretAccessKey: "bench-secret", AccountID: benchAccount}, nil
}

// runSnapshot runs one discovery run of the snapshot through the queue and the catalog.
func runSnapshot(b *testing.B, db *store.DB, q *runs.Queue, c *catalog.Catalog, s *schema.Snapshot) string {
	ctx := context.Background()
	var r runs.Run
	if err := db.Tx(ctx, func(tx *store.Tx) (err error) {
		r, _, err = q.Enqueue(ctx, tx, runs.Run{Scope: scope.Scope{Account: benchAccount, Region: "us-east-1"}, SourceID: "big", Job: "discover", Type: "PRIORITIZED"})
		return err
	}); err != nil {
		b.Fatal(err)
	}
	claimed, err := q.Claim(ctx, "bench", nil)
	if err != nil || claimed == nil {
		b.Fatalf("claim: %v", err)
	}
	err = q.Finish(ctx, claimed, func(ctx context.Context, tx *store.Tx) (runs.Outcome, error) {
		st, err := c.Apply(ctx, tx, catalog.ApplyInput{AccountID: benchAccount, SourceID: "big", RunID: r.ID, Snapshot: s})
		raw, _ := json.Marshal(st)
		return runs.Outcome{Status: runs.StatusSuccess, Stats: raw}, err
	})
	if err != nil {
		b.Fatal(err)
	}
	return r.ID
}

// BenchmarkPages renders every console page over a 10,000-table source (two runs: the second
// changes 500 tables and drops 100), server-side, through the handler: sign-in session,
// store queries, templates. Targets: each page under 100 ms, the ER diagram of a 200-table
// schema under 500 ms.
func BenchmarkPages(b *testing.B) {
	for _, d := range []struct {
		name string
		open func(testing.TB) *store.DB
	}{{"sqlite", storetest.SQLite}, {"postgres", storetest.Postgres}} {
		b.Run(d.name, func(b *testing.B) { benchPages(b, d.open(b)) })
	}
}

func benchPages(b *testing.B, db *store.DB) {
	q := &runs.Queue{DB: db}
	cat := &catalog.Catalog{}
	none := func(int) bool { return false }
	runSnapshot(b, db, q, cat, benchSnapshot(10000, none, none))
	second := runSnapshot(b, db, q, cat, benchSnapshot(10000, func(i int) bool { return i%20 == 7 }, func(i int) bool { return i%100 == 99 }))
	if db.Dialect == store.Postgres {
		// What autovacuum does within a minute of a bulk load: without statistics the planner
		// takes 10,000 rows for one.
		if err := db.Tx(context.Background(), func(tx *store.Tx) error { _, err := tx.Exec(context.Background(), "ANALYZE"); return err }); err != nil {
			b.Fatal(err)
		}
	}
	c, err := console.New(console.Config{DB: db, Runs: q, Catalog: cat, Keys: benchKeys{}, Sources: []console.Sources{benchSource{}},
		Region: "us-east-1", SessionKey: []byte("0123456789abcdef0123456789abcdef"), SignInDelay: -1})
	if err != nil {
		b.Fatal(err)
	}
	cookies := benchSignIn(b, c)
	var changedID string
	if err := db.Read(context.Background(), func(tx *store.Tx) error {
		return tx.QueryRow(context.Background(), `SELECT id FROM assets WHERE table_name = 'table_04007'`).Scan(&changedID)
	}); err != nil {
		b.Fatal(err)
	}
	for _, p := range []struct{ name, path string }{
		{"sources", "/console/sources"},
		{"source", "/console/sources/big"},
		{"source-last-asset-page", "/console/sources/big?page=99"},
		{"source-namespace", "/console/sources/big?db=app&ns=schema_20"},
		{"run", "/console/runs/" + second},
		{"run-changes-last-page", "/console/runs/" + second + "?changes=" + fmt.Sprint(9990)},
		{"run-updated-activities", "/console/runs/" + second + "?outcome=SUCCEEDED_UPDATED"},
		{"asset", "/console/assets/" + changedID},
		{"asset-diff", "/console/assets/" + changedID + "/diff?from=1&to=2"},
		{"search-everything", "/console/search?q=column"},
		{"search-one", "/console/search?q=table+number+4007"},
		{"erd-200-tables", "/console/erd?source=big&db=app&ns=schema_20"},
		{"erd-focus", "/console/erd?source=big&db=app&ns=schema_20&focus=table_04007"},
	} {
		b.Run(p.name, func(b *testing.B) {
			body := benchGet(b, c, cookies, p.path) // once, checked
			if strings.Contains(body, "Something went wrong") {
				b.Fatalf("%s failed", p.path)
			}
			cpu0 := cpuTime()
			b.ResetTimer()
			for b.Loop() {
				benchGet(b, c, cookies, p.path)
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/1000, "ms/page")
			// The process's CPU time per page: steadier than wall time on a shared machine
			// (on PostgreSQL the server's own CPU is not in it).
			b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(b.N)/1000, "cpu-ms/page")
			b.ReportMetric(float64(len(body))/1024, "KiB")
		})
	}
}

func benchGet(b *testing.B, c http.Handler, cookies []*http.Cookie, path string) string {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	for _, ck := range cookies {
		req.AddCookie(ck)
	}
	rec := httptest.NewRecorder()
	c.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		b.Fatalf("GET %s: %d\n%s", path, rec.Code, rec.Body.String())
	}
	return rec.Body.String()
}

func benchSignIn(b *testing.B, c http.Handler) []*http.Cookie {
	rec := httptest.NewRecorder()
	c.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/console/signin", nil))
	token := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(rec.Body.String())
	if token == nil {
		b.Fatal("no sign-in form")
	}
	form := url.Values{"csrf": {token[1]}, "access_key_id": {"AKIABENCH"}, "secret_access_key": {"bench-secret"}}
	req := httptest.NewRequest(http.MethodPost, "/console/signin", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for _, ck := range rec.Result().Cookies() {
		req.AddCookie(ck)
	}
	rec = httptest.NewRecorder()
	c.ServeHTTP(rec, req)
	if rec.Code != http.StatusSeeOther {
		b.Fatalf("sign in: %d", rec.Code)
	}
	var out []*http.Cookie
	for _, ck := range rec.Result().Cookies() {
		if ck.Name == "surveyor_session" {
			out = append(out, ck)
		}
	}
	return out
}

// cpuTime is the CPU time (user and system) this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
