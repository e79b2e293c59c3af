package discovery_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/surveyorhq/surveyor/internal/catalog"
	"github.com/surveyorhq/surveyor/internal/connector"
	"github.com/surveyorhq/surveyor/internal/connector/files"
	"github.com/surveyorhq/surveyor/internal/connector/mysql"
	"github.com/surveyorhq/surveyor/internal/connector/postgres"
	"github.com/surveyorhq/surveyor/internal/connector/sqlite"
	"github.com/surveyorhq/surveyor/internal/discovery"
	"github.com/surveyorhq/surveyor/internal/filter"
	"github.com/surveyorhq/surveyor/internal/runs"
	"github.com/surveyorhq/surveyor/internal/scope"
	"github.com/surveyorhq/surveyor/internal/secrets"
	"github.com/surveyorhq/surveyor/internal/store"
	"github.com/surveyorhq/surveyor/internal/store/storetest"
	"github.com/surveyorhq/surveyor/internal/testdb"
)

var acct = scope.Scope{Account: "111111111111", Region: "us-east-1"}

type harness struct {
	db      *store.DB
	secrets *secrets.Service
	queue   *runs.Queue
	job     *discovery.Job
	n       int
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	db := storetest.SQLite(t)
	master, _ := secrets.NewSealer(secrets.NewDataKey())
	sec := &secrets.Service{DB: db, Master: master}
	return &harness{
		db: db, secrets: sec, queue: &runs.Queue{DB: db},
		job: &discovery.Job{Secrets: sec, Catalog: &catalog.Catalog{}, ConnectTimeout: 3 * time.Second, Connectors: connector.Registry{
			connector.Postgres: postgres.New(), connector.MySQL: mysql.New(), connector.SQLite: sqlite.New(), connector.Files: files.New(),
		}},
	}
}

func (h *harness) secret(t *testing.T, name string, v map[string]any) string {
	t.Helper()
	b, _ := json.Marshal(v)
	s := string(b)
	sec, _, err := h.secrets.Create(context.Background(), acct, secrets.CreateInput{Name: name, Value: &secrets.Value{String: &s}})
	if err != nil {
		t.Fatal(err)
	}
	return sec.ARN
}

// run queues one run of job for source with cfg and executes it to the end, as a worker would.
func (h *harness) run(t *testing.T, job, source string, cfg discovery.Config) runs.Run {
	t.Helper()
	ctx := context.Background()
	h.n++
	raw, _ := json.Marshal(cfg)
	if err := h.db.Tx(ctx, func(tx *store.Tx) error {
		_, _, err := h.queue.Enqueue(ctx, tx, runs.Run{Scope: acct, SourceID: source, Job: job, Type: "PRIORITIZED", Config: raw})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	r, err := h.queue.Claim(ctx, "test", []string{job})
	if err != nil || r == nil {
		t.Fatalf("claim: %v, %v", r, err)
	}
	apply, err := h.job.Handlers()[job].Handle(ctx, r)
	if err != nil {
		t.Fatalf("handle: %v", err)
	}
	if err := h.queue.Finish(ctx, r, apply); err != nil {
		t.Fatalf("finish: %v", err)
	}
	done, err := h.queue.Get(ctx, acct, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	return done
}

func stats(t *testing.T, r runs.Run) catalog.Stats {
	t.Helper()
	var s catalog.Stats
	if len(r.Stats) > 0 {
		if err := json.Unmarshal(r.Stats, &s); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

func TestStatisticsFollowRealSchemaChanges(t *testing.T) {
	for _, engine := range []string{connector.Postgres, connector.MySQL} {
		t.Run(engine, func(t *testing.T) {
			h := newHarness(t)
			d := testdb.New(t, engine, "surveyor_disc")
			for i := 1; i <= 5; i++ {
				d.Exec(t, fmt.Sprintf("CREATE TABLE t%d (id int PRIMARY KEY, name varchar(20))", i))
			}
			src := d.Source
			arn := h.secret(t, "db-"+engine, map[string]any{"engine": engine, "host": src.Host, "port": src.Port,
				"username": src.User, "password": src.Password, "dbname": src.Database})
			cfg := discovery.Config{SecretID: arn}

			first := h.run(t, discovery.JobDiscover, "src", cfg)
			if first.Status != runs.StatusSuccess || stats(t, first) != (catalog.Stats{Added: 5}) {
				t.Fatalf("first run: %s %+v (%s)", first.Status, stats(t, first), first.ErrorDetail)
			}
			again := h.run(t, discovery.JobDiscover, "src", cfg)
			if stats(t, again) != (catalog.Stats{Unchanged: 5}) {
				t.Fatalf("unchanged rerun: %+v", stats(t, again))
			}
			d.Exec(t, "ALTER TABLE t1 ADD COLUMN extra int", "ALTER TABLE t2 DROP COLUMN name", "CREATE TABLE t6 (id int)")
			after := h.run(t, discovery.JobDiscover, "src", cfg)
			if got := stats(t, after); got != (catalog.Stats{Added: 1, Updated: 2, Unchanged: 3}) {
				t.Fatalf("after ALTER on 2 tables and CREATE of 1: %+v", got)
			}
			// A filter keeps only some tables; the rest are out of scope and never marked missing.
			filtered := h.run(t, discovery.JobDiscover, "src", discovery.Config{SecretID: arn, Rules: []filter.Rule{{Action: filter.Include, Table: "t1"}}})
			if got := stats(t, filtered); got != (catalog.Stats{Unchanged: 1}) {
				t.Fatalf("filtered run: %+v", got)
			}
			var missing int
			_ = h.db.ReadTx(context.Background(), func(tx *store.Tx) error {
				return tx.QueryRow(context.Background(), "SELECT count(*) FROM assets WHERE missing = 1").Scan(&missing)
			})
			if missing != 0 {
				t.Errorf("%d assets marked missing after a filtered run", missing)
			}
		})
	}
}

func TestFailuresSayWhy(t *testing.T) {
	h := newHarness(t)
	pg := testdb.Server(t, connector.Postgres)
	my := testdb.Server(t, connector.MySQL)

	// A MariaDB user with a password, to get a real authentication failure.
	d := testdb.New(t, connector.MySQL, "surveyor_auth")
	user := testdb.Name("svy")
	d.Exec(t, fmt.Sprintf("CREATE USER '%s'@'%%' IDENTIFIED BY 'right-pw-123'", user))
	t.Cleanup(func() { d.SQL.Exec(fmt.Sprintf("DROP USER '%s'@'%%'", user)) })

	for _, tc := range []struct {
		name, errorType, detail string
		cfg                     discovery.Config
		secret                  map[string]any
	}{
		{name: "wrong password", errorType: discovery.ErrAccessDenied, detail: "Access denied",
			secret: map[string]any{"engine": "mariadb", "host": my.Host, "port": my.Port, "username": user, "password": "wrong-pw-456", "dbname": d.Source.Database}},
		{name: "missing database", errorType: discovery.ErrResourceNotFound, detail: "surveyor_nowhere",
			secret: map[string]any{"engine": "postgres", "host": pg.Host, "port": fmt.Sprint(pg.Port), "username": pg.User, "password": "", "dbname": "surveyor_nowhere"}},
		{name: "unreachable host", errorType: discovery.ErrResourceNotFound, detail: "127.0.0.1:1",
			secret: map[string]any{"engine": "aurora-postgresql", "host": "127.0.0.1", "port": 1, "username": "u", "password": "pw-789", "dbname": "x"}},
		{name: "unsupported engine", errorType: discovery.ErrValidation, detail: `engine "oracle" is not supported`,
			secret: map[string]any{"engine": "oracle", "host": "h", "port": 1, "username": "u", "password": "p"}},
		{name: "missing secret", errorType: discovery.ErrResourceNotFound, detail: "was not found",
			cfg: discovery.Config{SecretID: "arn:aws:secretsmanager:us-east-1:111111111111:secret:nope-abcdef"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tc.cfg
			if tc.secret != nil {
				cfg.SecretID = h.secret(t, strings.ReplaceAll(tc.name, " ", "-"), tc.secret)
			}
			r := h.run(t, discovery.JobDiscover, "src-"+tc.name, cfg)
			if r.Status != runs.StatusFailed || r.ErrorType != tc.errorType || !strings.Contains(r.ErrorDetail, tc.detail) {
				t.Errorf("run = %s %s %q; want FAILED %s mentioning %q", r.Status, r.ErrorType, r.ErrorDetail, tc.errorType, tc.detail)
			}
			for _, pw := range []string{"wrong-pw-456", "pw-789", "right-pw-123"} {
				if strings.Contains(r.ErrorDetail, pw) || strings.Contains(string(r.Config), pw) {
					t.Errorf("password %q leaked into the run: %q", pw, r.ErrorDetail)
				}
			}
			// A ping of the same source fails the same way.
			if p := h.run(t, discovery.JobPing, "ping-"+tc.name, cfg); p.Status != runs.StatusFailed || p.ErrorType != tc.errorType {
				t.Errorf("ping = %s %s %q", p.Status, p.ErrorType, p.ErrorDetail)
			}
		})
	}
}

func TestPartialSuccessAndNamespaces(t *testing.T) {
	h := newHarness(t)
	path := filepath.Join(t.TempDir(), "app.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"CREATE TABLE a (id INTEGER PRIMARY KEY)", "CREATE TABLE gone (id INTEGER)",
		"CREATE VIEW broken AS SELECT id FROM gone", "DROP TABLE gone"} {
		if _, err := db.Exec(s); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	r := h.run(t, discovery.JobDiscover, "lite", discovery.Config{Engine: "sqlite", Path: path, ListNamespaces: true})
	if r.Status != runs.StatusPartiallySucceeded || stats(t, r) != (catalog.Stats{Added: 1, Failed: 1}) {
		t.Fatalf("run = %s %+v %q", r.Status, stats(t, r), r.ErrorDetail)
	}
	if !strings.Contains(r.ErrorDetail, "main.broken") {
		t.Errorf("detail %q does not name the broken view", r.ErrorDetail)
	}
	var res discovery.Result
	if err := json.Unmarshal(r.Result, &res); err != nil || strings.Join(res.Namespaces, ",") != "main" || res.Assets != 1 {
		t.Errorf("result = %+v, %v", res, err)
	}
	if p := h.run(t, discovery.JobPing, "lite-ping", discovery.Config{Engine: "sqlite", Path: path}); p.Status != runs.StatusSuccess {
		t.Errorf("ping = %s %q", p.Status, p.ErrorDetail)
	}
}

func TestStatus(t *testing.T) {
	for _, tc := range []struct {
		s    catalog.Stats
		want string
	}{
		{catalog.Stats{}, runs.StatusSuccess},
		{catalog.Stats{Added: 3}, runs.StatusSuccess},
		{catalog.Stats{Skipped: 2}, runs.StatusSuccess},
		{catalog.Stats{Unchanged: 1, Failed: 1}, runs.StatusPartiallySucceeded},
		{catalog.Stats{Failed: 2}, runs.StatusFailed},
	} {
		if got := discovery.Status(tc.s); got != tc.want {
			t.Errorf("Status(%+v) = %s, want %s", tc.s, got, tc.want)
		}
	}
}

func TestSealedPassword(t *testing.T) {
	h := newHarness(t)
	master, _ := secrets.NewSealer(secrets.NewDataKey())
	h.job.Master = master
	d := testdb.New(t, connector.MySQL, "surveyor_sealed")
	user := testdb.Name("svy")
	d.Exec(t, fmt.Sprintf("CREATE USER '%s'@'%%' IDENTIFIED BY 'sealed-pw-1'", user), fmt.Sprintf("GRANT SELECT ON %s.* TO '%s'@'%%'", d.Source.Database, user), "CREATE TABLE t (id int)")
	t.Cleanup(func() { d.SQL.Exec(fmt.Sprintf("DROP USER '%s'@'%%'", user)) })
	cfg := discovery.Config{Engine: "mysql", Host: d.Source.Host, Port: d.Source.Port, User: user, Database: d.Source.Database,
		SealedPassword: discovery.SealPassword(master, acct.Account, "sealed-pw-1")}
	if strings.Contains(cfg.SealedPassword, "sealed-pw-1") {
		t.Fatal("sealed password is readable")
	}
	if r := h.run(t, discovery.JobDiscover, "sealed", cfg); r.Status != runs.StatusSuccess || stats(t, r).Added != 1 {
		t.Fatalf("run with a sealed password = %s %q", r.Status, r.ErrorDetail)
	}
	// Sealed for another account, it does not open.
	cfg.SealedPassword = discovery.SealPassword(master, "999999999999", "sealed-pw-1")
	if r := h.run(t, discovery.JobDiscover, "sealed-other", cfg); r.Status != runs.StatusFailed || r.ErrorType != discovery.ErrAccessDenied {
		t.Errorf("password sealed for another account: %s %s %q", r.Status, r.ErrorType, r.ErrorDetail)
	}
}

func TestLocalPathsStayInsideTheirRoots(t *testing.T) {
	h := newHarness(t)
	root, data, outside := t.TempDir(), t.TempDir(), t.TempDir()
	mk := func(dir, name string) string {
		p := filepath.Join(dir, name)
		db, err := sql.Open("sqlite", p)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec("CREATE TABLE t (id INTEGER)"); err != nil {
			t.Fatal(err)
		}
		db.Close()
		return p
	}
	inside, secret, other := mk(root, "app.db"), mk(data, "surveyor.db"), mk(outside, "x.db")
	link := filepath.Join(root, "escape.db")
	if err := os.Symlink(other, link); err != nil {
		t.Fatal(err)
	}
	h.job.DeniedPaths = []string{data}
	if r := h.run(t, discovery.JobDiscover, "data-dir", discovery.Config{Engine: "sqlite", Path: secret}); r.Status != runs.StatusFailed || r.ErrorType != discovery.ErrAccessDenied || !strings.Contains(r.ErrorDetail, "data directory") {
		t.Errorf("reading the data directory: %s %s %q", r.Status, r.ErrorType, r.ErrorDetail)
	}
	// The attach list as the connector reads it: names and paths trimmed. A leading space must not
	// make the data directory's store look like a relative path.
	for name, attach := range map[string]string{"leading space": "aux= " + secret, "spaces around": " aux =  " + secret + "  ", "tab": "aux=\t" + secret} {
		cfg := discovery.Config{Engine: "sqlite", Path: inside, Params: map[string]string{"attach": attach}}
		if r := h.run(t, discovery.JobDiscover, "attach-"+name, cfg); r.Status != runs.StatusFailed || r.ErrorType != discovery.ErrAccessDenied || !strings.Contains(r.ErrorDetail, "data directory") {
			t.Errorf("attach the store (%s): %s %s %q, want ACCESS_DENIED naming the data directory", name, r.Status, r.ErrorType, r.ErrorDetail)
		}
	}
	if r := h.run(t, discovery.JobDiscover, "anywhere", discovery.Config{Engine: "sqlite", Path: other}); r.Status != runs.StatusSuccess {
		t.Errorf("without roots any other path is readable: %s %q", r.Status, r.ErrorDetail)
	}
	h.job.LocalRoots = []string{root}
	for name, cfg := range map[string]discovery.Config{
		"outside":         {Engine: "sqlite", Path: other},
		"symlink escape":  {Engine: "sqlite", Path: link},
		"dot-dot escape":  {Engine: "sqlite", Path: filepath.Join(root, "..", filepath.Base(outside), "x.db")},
		"attached file":   {Engine: "sqlite", Path: inside, Params: map[string]string{"attach": "aux=" + other}},
		"attach, spaces":  {Engine: "sqlite", Path: inside, Params: map[string]string{"attach": " aux = " + other + " "}},
		"attach, tab":     {Engine: "sqlite", Path: inside, Params: map[string]string{"attach": "aux=\t" + other}},
		"folder of files": {Engine: "files", Path: "file://localhost" + outside},
	} {
		if r := h.run(t, discovery.JobDiscover, "deny-"+name, cfg); r.Status != runs.StatusFailed || r.ErrorType != discovery.ErrAccessDenied || !strings.Contains(r.ErrorDetail, "--local-roots") {
			t.Errorf("%s: %s %s %q, want ACCESS_DENIED naming --local-roots", name, r.Status, r.ErrorType, r.ErrorDetail)
		}
	}
	if r := h.run(t, discovery.JobDiscover, "inside", discovery.Config{Engine: "sqlite", Path: inside}); r.Status != runs.StatusSuccess {
		t.Errorf("a file inside the root: %s %q", r.Status, r.ErrorDetail)
	}
}
