package crawls

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/surveyorhq/surveyor/internal/catalog"
	"github.com/surveyorhq/surveyor/internal/connector"
	"github.com/surveyorhq/surveyor/internal/connector/files"
	"github.com/surveyorhq/surveyor/internal/connector/mysql"
	"github.com/surveyorhq/surveyor/internal/connector/postgres"
	"github.com/surveyorhq/surveyor/internal/connector/sqlite"
	"github.com/surveyorhq/surveyor/internal/discovery"
	"github.com/surveyorhq/surveyor/internal/gluecatalog"
	"github.com/surveyorhq/surveyor/internal/runs"
	"github.com/surveyorhq/surveyor/internal/scheduler"
	"github.com/surveyorhq/surveyor/internal/secrets"
	"github.com/surveyorhq/surveyor/internal/store"
	"github.com/surveyorhq/surveyor/internal/store/storetest"
	"github.com/surveyorhq/surveyor/internal/testdb"
)

var sc = gluecatalog.Scope{Account: "111122223333", Region: "eu-west-1"}

type harness struct {
	db  *store.DB
	svc *Service
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	db := storetest.SQLite(t)
	master, _ := secrets.NewSealer(secrets.NewDataKey())
	sec := &secrets.Service{DB: db, Master: master}
	job := &discovery.Job{Secrets: sec, Master: master, Catalog: &catalog.Catalog{}, ConnectTimeout: 5 * time.Second, Connectors: connector.Registry{
		connector.Postgres: postgres.New(), connector.MySQL: mysql.New(), connector.SQLite: sqlite.New(), connector.Files: files.New(),
	}}
	h := &harness{db: db, svc: &Service{DB: db, Runs: &runs.Queue{DB: db}, Catalog: gluecatalog.Catalog{Master: master}, Discovery: job}}
	h.tx(t, func(tx *store.Tx) error {
		return h.svc.Catalog.CreateDatabase(context.Background(), tx, sc, gluecatalog.DatabaseInput{Name: "lake"})
	})
	return h
}

func (h *harness) tx(t *testing.T, fn func(tx *store.Tx) error) {
	t.Helper()
	if err := h.db.Tx(context.Background(), fn); err != nil {
		t.Fatal(err)
	}
}

// crawl starts crawler name and runs the crawl to its end, as a worker would.
func (h *harness) crawl(t *testing.T, name string) runs.Run {
	t.Helper()
	ctx := context.Background()
	h.tx(t, func(tx *store.Tx) error { return h.svc.Start(ctx, tx, sc, name) })
	r, err := h.svc.Runs.Claim(ctx, "test", []string{JobCrawl})
	if err != nil || r == nil {
		t.Fatalf("claim: %v %v", r, err)
	}
	apply, err := h.svc.Handlers()[JobCrawl].Handle(ctx, r)
	if err != nil {
		t.Fatalf("handle: %v", err)
	}
	if err := h.svc.Runs.Finish(ctx, r, apply); err != nil {
		t.Fatalf("finish: %v", err)
	}
	done, _ := h.svc.Runs.Get(ctx, sc, r.ID)
	return done
}

func (h *harness) table(t *testing.T, name string) *gluecatalog.Table {
	t.Helper()
	var tb *gluecatalog.Table
	h.tx(t, func(tx *store.Tx) error {
		var err error
		tb, err = h.svc.Catalog.GetTable(context.Background(), tx, sc, "lake", name)
		return err
	})
	return tb
}

func (h *harness) tableNames(t *testing.T) []string {
	var out []string
	h.tx(t, func(tx *store.Tx) error {
		ts, _, err := h.svc.Catalog.ListTables(context.Background(), tx, sc, "lake", "", 1000, nil)
		for _, tb := range ts {
			out = append(out, tb.Name)
		}
		return err
	})
	return out
}

func (h *harness) partitions(t *testing.T, table string) []gluecatalog.Partition {
	var out []gluecatalog.Partition
	h.tx(t, func(tx *store.Tx) error {
		p, err := h.svc.Catalog.ListPartitions(context.Background(), tx, sc, "lake", table, gluecatalog.PartitionQuery{Limit: 1000})
		if p != nil {
			out = p.Partitions
		}
		return err
	})
	return out
}

func write(t *testing.T, root string, tree map[string][]byte) {
	t.Helper()
	for rel, data := range tree {
		p := filepath.Join(root, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func gz(s string) []byte {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write([]byte(s))
	w.Close()
	return b.Bytes()
}

type ride struct {
	ID   int64   `parquet:"id"`
	Fare float64 `parquet:"fare"`
}

func pq(t *testing.T) []byte {
	var b bytes.Buffer
	if err := parquet.Write(&b, []ride{{1, 2.5}, {2, 3}}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func cols(cs []gluecatalog.Column) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Name+" "+c.Type)
	}
	return out
}

func TestCrawlAFolderEndToEnd(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	root := filepath.Join(t.TempDir(), "data")
	write(t, root, map[string][]byte{
		"orders/a.csv":                  []byte("id,amount\n1,2.5\n2,3\n"),
		"clicks/c.json.gz":              gz(`{"id":1,"page":"/"}` + "\n"),
		"rides/r.parquet":               pq(t),
		"events/dt=2024-01-01/p.json":   []byte(`{"id":1,"page":"/"}` + "\n"),
		"events/dt=2024-01-02/p.json":   []byte(`{"id":2,"page":"/a"}` + "\n"),
		"events/dt=2024-01-02/_SUCCESS": nil,
	})
	def := Definition{Name: "c1", Role: "arn:aws:iam::111122223333:role/service-role/AWSGlueServiceRole-x", DatabaseName: "lake",
		Targets: Targets{S3Targets: []S3Target{{Path: "file://" + root}}}}
	h.tx(t, func(tx *store.Tx) error { return h.svc.Create(ctx, tx, sc, def, map[string]string{"team": "data"}) })

	r := h.crawl(t, "c1")
	if r.Status != runs.StatusSuccess {
		t.Fatalf("crawl %s: %s", r.Status, r.ErrorDetail)
	}
	if got := h.tableNames(t); !slices.Equal(got, []string{"clicks", "events", "orders", "rides"}) {
		t.Fatalf("tables %q", got)
	}
	ev := h.table(t, "events")
	if ev.TableType != "EXTERNAL_TABLE" || ev.Owner != "owner" || ev.CreatedBy != "arn:aws:sts::111122223333:assumed-role/AWSGlueServiceRole-x/AWS-Crawler" ||
		ev.Parameters["classification"] != "json" || ev.Parameters["UPDATED_BY_CRAWLER"] != "c1" || ev.Parameters["CRAWL_RUN_ID"] != r.ID ||
		ev.StorageDescriptor.Location != "file://"+root+"/events/" || len(ev.PartitionKeys) != 1 || ev.PartitionKeys[0].Name != "dt" {
		t.Errorf("events table %+v", ev)
	}
	parts := h.partitions(t, "events")
	if len(parts) != 2 || parts[1].Values[0] != "2024-01-02" || parts[1].StorageDescriptor.Location != "file://"+root+"/events/dt=2024-01-02/" {
		t.Fatalf("partitions %+v", parts)
	}
	if o := h.table(t, "orders"); o.Parameters["skip.header.line.count"] != "1" || !slices.Equal(cols(o.StorageDescriptor.Columns), []string{"id bigint", "amount double"}) {
		t.Errorf("orders %+v", o.Parameters)
	}
	var c *Crawler
	var m *CrawlerMetrics
	h.tx(t, func(tx *store.Tx) error {
		var err error
		if c, err = h.svc.Get(ctx, tx, sc, "c1"); err != nil {
			return err
		}
		m, err = h.svc.Metrics(ctx, tx, sc, "c1")
		return err
	})
	if c.State != Ready || c.LastCrawl == nil || c.LastCrawl.Status != "SUCCEEDED" || c.LastCrawl.MessagePrefix != r.ID {
		t.Errorf("crawler after the crawl: %+v %+v", c, c.LastCrawl)
	}
	if m.TablesCreated != 4 || m.StillEstimating {
		t.Errorf("metrics %+v", m)
	}

	// A new partition with a new column: one table, widened, a new version.
	write(t, root, map[string][]byte{"events/dt=2024-01-03/p.json": []byte(`{"id":3,"page":"/b","ref":"x"}` + "\n")})
	h.crawl(t, "c1")
	if got := h.tableNames(t); !slices.Equal(got, []string{"clicks", "events", "orders", "rides"}) {
		t.Fatalf("tables after the new column %q", got)
	}
	ev = h.table(t, "events")
	if got := cols(ev.StorageDescriptor.Columns); !slices.Equal(got, []string{"id int", "page string", "ref string"}) {
		t.Errorf("widened columns %q", got)
	}
	if len(h.partitions(t, "events")) != 3 || ev.VersionId != "1" {
		t.Errorf("partitions %d version %s", len(h.partitions(t, "events")), ev.VersionId)
	}

	// Delete a folder: deprecated by default.
	if err := os.RemoveAll(filepath.Join(root, "orders")); err != nil {
		t.Fatal(err)
	}
	h.crawl(t, "c1")
	if o := h.table(t, "orders"); o.Parameters["DEPRECATED_BY_CRAWLER"] == "" {
		t.Errorf("orders not deprecated: %v", o.Parameters)
	}
	var crawls []CrawlerHistory
	h.tx(t, func(tx *store.Tx) error {
		var err error
		crawls, err = h.svc.Crawls(ctx, tx, sc, "c1", []CrawlsFilter{{FieldName: "STATE", FilterOperator: "EQ", FieldValue: "COMPLETED"}})
		return err
	})
	if len(crawls) != 3 || crawls[0].Summary != `{"TABLE":{"DELETE":"{\"Count\":1,\"Details\":{\"names\":[\"orders\"]}}"}}` {
		t.Errorf("crawls %+v", crawls)
	}
	// DELETE_FROM_DATABASE removes it (and the deprecated mark does not keep it).
	h.tx(t, func(tx *store.Tx) error {
		return h.svc.Update(ctx, tx, sc, "c1", func(d *Definition) { d.SchemaChangePolicy.DeleteBehavior = "DELETE_FROM_DATABASE" })
	})
	h.crawl(t, "c1")
	if got := h.tableNames(t); slices.Contains(got, "orders") {
		t.Errorf("orders still there: %q", got)
	}
}

func TestCrawlFailuresAndStates(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	root := t.TempDir()
	write(t, root, map[string][]byte{"a/x.csv": []byte("a,b\n1,2\n")})
	def := Definition{Name: "c2", Role: "r", DatabaseName: "nodb", Targets: Targets{S3Targets: []S3Target{{Path: "file://" + root}}}}
	h.tx(t, func(tx *store.Tx) error { return h.svc.Create(ctx, tx, sc, def, nil) })
	if r := h.crawl(t, "c2"); r.Status != runs.StatusFailed || r.ErrorDetail != "Database nodb not found." {
		t.Errorf("crawl %s %q", r.Status, r.ErrorDetail)
	}
	err := h.db.Tx(ctx, func(tx *store.Tx) error { return h.svc.Create(ctx, tx, sc, def, nil) })
	var ae *gluecatalog.AlreadyExistsError
	if !errors.As(err, &ae) {
		t.Errorf("second create: %v", err)
	}
	// Start, start again, stop a queued crawl.
	h.tx(t, func(tx *store.Tx) error { return h.svc.Start(ctx, tx, sc, "c2") })
	err = h.db.Tx(ctx, func(tx *store.Tx) error { return h.svc.Start(ctx, tx, sc, "c2") })
	var se *StateError
	if !errors.As(err, &se) || se.Code != "CrawlerRunningException" {
		t.Errorf("second start: %v", err)
	}
	err = h.db.Tx(ctx, func(tx *store.Tx) error {
		return h.svc.Update(ctx, tx, sc, "c2", func(d *Definition) { d.Description = "x" })
	})
	if !errors.As(err, &se) || se.Code != "CrawlerRunningException" {
		t.Errorf("update while running: %v", err)
	}
	h.tx(t, func(tx *store.Tx) error { _, err := h.svc.Stop(ctx, tx, sc, "c2"); return err })
	var c *Crawler
	h.tx(t, func(tx *store.Tx) error { var err error; c, err = h.svc.Get(ctx, tx, sc, "c2"); return err })
	if c.State != Ready || c.LastCrawl.Status != "CANCELLED" {
		t.Errorf("after stop: %s %+v", c.State, c.LastCrawl)
	}
	err = h.db.Tx(ctx, func(tx *store.Tx) error { _, err := h.svc.Stop(ctx, tx, sc, "c2"); return err })
	if !errors.As(err, &se) || se.Code != "CrawlerNotRunningException" {
		t.Errorf("stop when ready: %v", err)
	}
	for _, bad := range []Definition{
		{Name: "b", Role: "r", DatabaseName: "lake"},
		{Name: "b", Role: "r", DatabaseName: "lake", Targets: Targets{S3Targets: []S3Target{{Path: "bucket/x"}}}},
		{Name: "b", Role: "r", DatabaseName: "lake", Targets: def.Targets, Schedule: "rate(1 day)"},
		{Name: "b", Role: "r", DatabaseName: "lake", Targets: def.Targets, Schedule: "cron(* * * * ? *)"},
		{Name: "b", Role: "r", DatabaseName: "lake", Targets: def.Targets, Configuration: `{"Version":1.0,"Nope":1}`},
		{Name: "b", Role: "r", DatabaseName: "lake", Targets: def.Targets, RecrawlPolicy: RecrawlPolicy{RecrawlBehavior: "CRAWL_NEW_FOLDERS_ONLY"}},
	} {
		err := h.db.Tx(ctx, func(tx *store.Tx) error { return h.svc.Create(ctx, tx, sc, bad, nil) })
		var ii *gluecatalog.InvalidInputError
		if !errors.As(err, &ii) {
			t.Errorf("%+v: %v", bad, err)
		}
	}
}

func TestCrawlDatabasesThroughConnections(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	pg := testdb.New(t, connector.Postgres, "crawls")
	pg.Exec(t, `CREATE TABLE orders (id int PRIMARY KEY, total numeric(10,2))`, `CREATE TABLE tmp_x (id int)`)
	src := pg.Source
	h.tx(t, func(tx *store.Tx) error {
		return h.svc.Catalog.CreateConnection(ctx, tx, sc, gluecatalog.ConnectionInput{Name: "pg", ConnectionType: "JDBC",
			ConnectionProperties: map[string]string{gluecatalog.PropURL: "jdbc:postgresql://" + src.Address() + "/" + src.Database,
				gluecatalog.PropUsername: src.User, gluecatalog.PropPassword: src.Password}})
	})
	def := Definition{Name: "jdbc", Role: "r", DatabaseName: "lake", TablePrefix: "pg_",
		Targets: Targets{JdbcTargets: []JdbcTarget{{ConnectionName: "pg", Path: src.Database + "/public/%", Exclusions: []string{"tmp_*"}}}}}
	h.tx(t, func(tx *store.Tx) error { return h.svc.Create(ctx, tx, sc, def, nil) })
	if r := h.crawl(t, "jdbc"); r.Status != runs.StatusSuccess {
		t.Fatalf("crawl %s %s", r.Status, r.ErrorDetail)
	}
	name := "pg_" + src.Database + "_public_orders"
	if got := h.tableNames(t); !slices.Equal(got, []string{name}) {
		t.Fatalf("tables %q", got)
	}
	tb := h.table(t, name)
	if tb.Parameters["classification"] != "postgresql" || tb.Parameters["connectionName"] != "pg" || tb.StorageDescriptor.Location != src.Database+".public.orders" ||
		!slices.Equal(cols(tb.StorageDescriptor.Columns), []string{"id int", "total decimal(10,2)"}) {
		t.Errorf("table %+v %+v", tb.Parameters, tb.StorageDescriptor)
	}
}

// A crawler's cron schedule fires a crawl through the scheduler; a stopped schedule does not.
func TestScheduleFiresACrawl(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	now := time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)
	h.svc.Now = func() time.Time { return now }
	root := filepath.Join(t.TempDir(), "nightly")
	write(t, root, map[string][]byte{"x.csv": []byte("a,b\n1,2\n")})
	def := Definition{Name: "nightly", Role: "r", DatabaseName: "lake", Schedule: "cron(15 12 * * ? *)",
		Targets: Targets{S3Targets: []S3Target{{Path: "file://" + root}}}}
	h.tx(t, func(tx *store.Tx) error { return h.svc.Create(ctx, tx, sc, def, nil) })
	sched := &scheduler.Scheduler{DB: h.db, Queue: h.svc.Runs, Now: func() time.Time { return now }}
	now = now.Add(20 * time.Minute)
	if n, err := sched.Tick(ctx); err != nil || n != 1 {
		t.Fatalf("tick fired %d, %v; want 1", n, err)
	}
	r, err := h.svc.Runs.Claim(ctx, "test", []string{JobCrawl})
	if err != nil || r == nil || r.Type != scheduler.RunType {
		t.Fatalf("claim %+v %v", r, err)
	}
	apply, err := h.svc.Handlers()[JobCrawl].Handle(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.svc.Runs.Finish(ctx, r, apply); err != nil || r.Status != runs.StatusSuccess {
		t.Fatalf("finish %v %s", err, r.ErrorDetail)
	}
	if got := h.tableNames(t); !slices.Equal(got, []string{"nightly"}) {
		t.Errorf("tables %q", got)
	}
	h.tx(t, func(tx *store.Tx) error { return h.svc.SetScheduleState(ctx, tx, sc, "nightly", NotScheduled) })
	now = now.Add(24 * time.Hour)
	if n, err := sched.Tick(ctx); err != nil || n != 0 {
		t.Errorf("a stopped schedule fired %d, %v", n, err)
	}
}
