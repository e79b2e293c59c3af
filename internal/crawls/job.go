package crawls

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/surveyorhq/surveyor/internal/connector"
	"github.com/surveyorhq/surveyor/internal/connector/files"
	"github.com/surveyorhq/surveyor/internal/crawler"
	"github.com/surveyorhq/surveyor/internal/discovery"
	"github.com/surveyorhq/surveyor/internal/filter"
	"github.com/surveyorhq/surveyor/internal/gluecatalog"
	"github.com/surveyorhq/surveyor/internal/runs"
	"github.com/surveyorhq/surveyor/internal/store"
)

type apply = func(ctx context.Context, tx *store.Tx) (runs.Outcome, error)

// Handlers returns the run handler of crawls, keyed by job name.
func (s *Service) Handlers() map[string]runs.Handler {
	return map[string]runs.Handler{JobCrawl: runs.HandlerFunc(s.crawl)}
}

// crawlFailure is a reason a crawl fails that the user must fix; it becomes LastCrawl's
// ErrorMessage.
type crawlFailure struct{ msg string }

func (e *crawlFailure) Error() string { return e.msg }

func failf(format string, args ...any) error { return &crawlFailure{fmt.Sprintf(format, args...)} }

func failed(msg string) apply {
	return func(context.Context, *store.Tx) (runs.Outcome, error) {
		return runs.Outcome{Status: runs.StatusFailed, ErrorType: "CRAWL_FAILED", ErrorDetail: msg}, nil
	}
}

// setup is what a crawl reads before it reads any data.
type setup struct {
	rec    *record
	conf   Configuration
	opts   crawler.Options
	seen   map[string]bool
	engine map[string]string // JDBC connection name → engine
}

// crawl reads the crawler's targets and returns the apply that writes what it found.
func (s *Service) crawl(ctx context.Context, r *runs.Run) (apply, error) {
	st, err := s.prepare(ctx, r)
	if err != nil {
		var cf *crawlFailure
		if errors.As(err, &cf) {
			return failed(cf.msg), nil
		}
		return nil, err
	}
	res, err := s.read(ctx, st)
	if err != nil {
		var cf *crawlFailure
		if errors.As(err, &cf) && ctx.Err() == nil {
			return failed(cf.msg), nil
		}
		return nil, err
	}
	return func(ctx context.Context, tx *store.Tx) (runs.Outcome, error) {
		return s.write(ctx, tx, r, st, res)
	}, nil
}

// prepare loads the crawler, checks its database and resolves its classifiers.
func (s *Service) prepare(ctx context.Context, r *runs.Run) (*setup, error) {
	st := &setup{}
	err := s.DB.ReadTx(ctx, func(tx *store.Tx) error {
		rec, err := recordBySource(ctx, tx, r.SourceID)
		if err != nil {
			return failf("The crawler was deleted.")
		}
		st.rec = rec
		d := rec.Def
		if st.conf, err = ParseConfiguration(d.Configuration); err != nil {
			return failf("%v", err)
		}
		if len(d.Targets.CatalogTargets) == 0 {
			if _, err := s.Catalog.GetDatabase(ctx, tx, rec.Scope, d.DatabaseName); err != nil {
				var nf *gluecatalog.NotFoundError
				if errors.As(err, &nf) {
					return failf("Database %s not found.", d.DatabaseName)
				}
				return err
			}
		}
		st.opts = crawler.Options{TablePrefix: d.TablePrefix, Grouping: st.conf.grouping()}
		for _, name := range d.Classifiers {
			cl, err := s.Catalog.GetClassifier(ctx, tx, rec.Scope, name)
			if err != nil {
				return failf("Classifier %s not found.", name)
			}
			addClassifier(&st.opts, cl)
		}
		if d.RecrawlPolicy.RecrawlBehavior == "CRAWL_NEW_FOLDERS_ONLY" {
			if st.seen, err = seenFolders(ctx, tx, rec.SourceID); err != nil {
				return err
			}
			seen := st.seen
			st.opts.SkipFolder = func(loc string) bool { return seen[loc] }
		}
		return nil
	})
	return st, err
}

// addClassifier turns a custom classifier into the crawl engine's.
func addClassifier(o *crawler.Options, cl *gluecatalog.Classifier) {
	one := func(s string) byte {
		if s == "" {
			return 0
		}
		return s[0]
	}
	switch {
	case cl.CsvClassifier != nil:
		c := cl.CsvClassifier
		cc := crawler.CSVClassifier{Name: c.Name, Delimiter: one(c.Delimiter), Quote: one(c.QuoteSymbol), ContainsHeader: c.ContainsHeader,
			Header: c.Header, Serde: c.Serde}
		if c.CustomDatatypeConfigured {
			cc.CustomTypes = c.CustomDatatypes
		}
		o.CSV = append(o.CSV, cc)
	case cl.JsonClassifier != nil:
		o.JSON = append(o.JSON, crawler.JSONClassifier{Name: cl.JsonClassifier.Name, JSONPath: cl.JsonClassifier.JsonPath})
	}
}

// read crawls every target.
func (s *Service) read(ctx context.Context, st *setup) (*crawler.Result, error) {
	d := st.rec.Def
	t := d.Targets
	for _, kind := range []struct {
		n    int
		name string
	}{{len(t.MongoDBTargets), "MongoDB"}, {len(t.DynamoDBTargets), "DynamoDB"}, {len(t.DeltaTargets), "Delta Lake"},
		{len(t.IcebergTargets), "Iceberg"}, {len(t.HudiTargets), "Hudi"}, {len(t.CatalogTargets), "Data Catalog"}} {
		if kind.n > 0 {
			return nil, failf("%s targets are stored but not crawled by Surveyor; use S3 (or file://) and JDBC targets.", kind.name)
		}
	}
	all := &crawler.Result{}
	for _, tg := range t.S3Targets {
		res, err := s.crawlS3(ctx, st, tg)
		if err != nil {
			return nil, err
		}
		merge(all, res)
	}
	for _, tg := range t.JdbcTargets {
		res, err := s.crawlJDBC(ctx, st, tg)
		if err != nil {
			return nil, err
		}
		merge(all, res)
	}
	return all, nil
}

func merge(all, res *crawler.Result) {
	all.Tables = append(all.Tables, res.Tables...)
	all.Unreadable = append(all.Unreadable, res.Unreadable...)
	all.Folders = append(all.Folders, res.Folders...)
	all.Notes = append(all.Notes, res.Notes...)
	all.Objects += res.Objects
	all.BytesRead += res.BytesRead
	all.Partial = all.Partial || res.Partial
}

// crawlS3 crawls one S3 (or file://) include path. Credentials and an S3-compatible endpoint
// come from the secret s3/<bucket> when it exists (as for AppIntegrations and DMS); without it
// the bucket is read anonymously.
func (s *Service) crawlS3(ctx context.Context, st *setup, tg S3Target) (*crawler.Result, error) {
	sc := st.rec.Scope
	cfg := discovery.Config{Engine: connector.Files, Path: tg.Path}
	if rest, ok := strings.CutPrefix(tg.Path, "s3://"); ok {
		bucket, _, _ := strings.Cut(rest, "/")
		cfg.SecretID = "s3/" + bucket
	}
	src, err := s.Discovery.Source(ctx, sc, cfg)
	var se *discovery.SourceError
	if errors.As(err, &se) && se.Type == discovery.ErrResourceNotFound && cfg.SecretID != "" {
		cfg.SecretID = ""
		src, err = s.Discovery.Source(ctx, sc, cfg)
	}
	if err != nil {
		return nil, failf("%s: %v", tg.Path, err)
	}
	opener, ok := s.Discovery.Connectors[connector.Files].(interface {
		Open(context.Context, connector.Source, connector.Options) (*files.Reader, error)
	})
	if !ok {
		return nil, errors.New("the files connector cannot open include paths")
	}
	rd, err := opener.Open(ctx, src, s.Discovery.Options(filter.Filter{}))
	if err != nil {
		return nil, failf("%s: %v", tg.Path, err)
	}
	defer rd.Close()
	ft := crawler.FileTarget{Path: tg.Path, Exclusions: tg.Exclusions}
	if tg.SampleSize != nil {
		ft.SampleSize = int(*tg.SampleSize)
	}
	res, err := crawler.CrawlFiles(ctx, rd, ft, st.opts)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, failf("%s: %v", tg.Path, err)
	}
	return res, nil
}

// crawlJDBC crawls one JDBC include path: one bulk Discover of the path's database.
func (s *Service) crawlJDBC(ctx context.Context, st *setup, tg JdbcTarget) (*crawler.Result, error) {
	var cfg discovery.Config
	err := s.DB.ReadTx(ctx, func(tx *store.Tx) error {
		var err error
		cfg, err = s.Catalog.ConnectionConfig(ctx, tx, st.rec.Scope, tg.ConnectionName)
		return err
	})
	if err != nil {
		var nf *gluecatalog.NotFoundError
		if errors.As(err, &nf) {
			return nil, failf("Connection %s not found.", tg.ConnectionName)
		}
		return nil, failf("Connection %s: %v", tg.ConnectionName, err)
	}
	engine, _ := connector.NormalizeEngine(cfg.Engine)
	path, err := crawler.ParseJDBCPath(tg.Path, engine)
	if err != nil {
		return nil, failf("%v", err)
	}
	if engine != connector.SQLite {
		cfg.Database = path.Database
	}
	src, err := s.Discovery.Source(ctx, st.rec.Scope, cfg)
	if err != nil {
		return nil, failf("Connection %s: %v", tg.ConnectionName, err)
	}
	snap, err := s.Discovery.Connectors.Discover(ctx, src, s.Discovery.Options(path.Filter()))
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, failf("Connection %s: %v", tg.ConnectionName, err)
	}
	jt := crawler.JDBCTarget{ConnectionName: tg.ConnectionName, Path: tg.Path, Exclusions: tg.Exclusions,
		Comments: slices.Contains(tg.EnableAdditionalMetadata, "COMMENTS"), RawTypes: slices.Contains(tg.EnableAdditionalMetadata, "RAWTYPES")}
	tables, unreadable, err := crawler.JDBCTables(snap, jt, engine, st.opts)
	if err != nil {
		return nil, failf("%v", err)
	}
	return &crawler.Result{Tables: tables, Unreadable: unreadable, Partial: !snap.Complete}, nil
}

// inScope says which locations a crawler's targets cover: its include paths and the databases
// (and schemas) of its JDBC paths.
func inScope(d Definition) func(string) bool {
	return func(loc string) bool {
		for _, t := range d.Targets.S3Targets {
			p := strings.TrimSuffix(t.Path, "/") + "/"
			if strings.HasPrefix(loc, p) || loc == p || strings.TrimSuffix(loc, "/") == strings.TrimSuffix(t.Path, "/") {
				return true
			}
		}
		for _, t := range d.Targets.JdbcTargets {
			db, _, _ := strings.Cut(t.Path, "/")
			if strings.HasPrefix(loc, db+".") && !strings.Contains(loc, "://") {
				return true
			}
		}
		return false
	}
}

// createdBy is the CreatedBy of tables a crawler creates.
func createdBy(account, role string) string {
	name := role
	if i := strings.LastIndexByte(role, '/'); i >= 0 {
		name = role[i+1:]
	}
	if u, err := url.PathUnescape(name); err == nil {
		name = u
	}
	return "arn:aws:sts::" + account + ":assumed-role/" + name + "/AWS-Crawler"
}

// write plans the crawl's catalog writes against the catalog as it is now and makes them, in
// the run's finishing transaction.
func (s *Service) write(ctx context.Context, tx *store.Tx, r *runs.Run, st *setup, res *crawler.Result) (runs.Outcome, error) {
	rec, d := st.rec, st.rec.Def
	prev, err := s.previous(ctx, tx, rec.Scope, d.DatabaseName, res)
	if err != nil {
		return runs.Outcome{}, err
	}
	plan, err := crawler.MakePlan(prev, res, d.policy(st.conf), crawler.Crawl{Crawler: d.Name, ID: r.ID, Now: s.now(), InScope: inScope(d)})
	var te *crawler.ThresholdError
	if errors.As(err, &te) {
		return runs.Outcome{Status: runs.StatusFailed, ErrorType: "CRAWL_FAILED", ErrorDetail: te.Error()}, nil
	}
	if err != nil {
		return runs.Outcome{}, err
	}
	if err := s.apply(ctx, tx, rec, plan); err != nil {
		return runs.Outcome{}, err
	}
	if err := addFolders(ctx, tx, rec.SourceID, res.Folders, st.seen); err != nil {
		return runs.Outcome{}, err
	}
	c := plan.Counts
	stats := crawlStats{TablesCreated: c.TablesCreated, TablesUpdated: c.TablesUpdated, TablesDeleted: c.TablesDeleted,
		PartitionsCreated: c.PartitionsCreated, PartitionsUpdated: c.PartitionsUpdated, PartitionsDeleted: c.PartitionsDeleted,
		Created: c.Created, Updated: c.Updated, Deleted: c.Deleted}
	b, _ := json.Marshal(stats)
	result, _ := json.Marshal(map[string]any{"objects": res.Objects, "bytesRead": res.BytesRead, "unreadable": res.Unreadable,
		"notes": res.Notes, "log": plan.Log})
	for _, u := range res.Unreadable {
		s.logger().Warn("crawl: object not read", "crawler", d.Name, "location", u.Location, "reason", u.Reason)
	}
	return runs.Outcome{Status: runs.StatusSuccess, Stats: b, Result: result}, nil
}

// previous reads the catalog state a plan needs: the database's tables, and the partitions of
// those the crawl found again.
func (s *Service) previous(ctx context.Context, tx *store.Tx, sc gluecatalog.Scope, db string, res *crawler.Result) (crawler.Previous, error) {
	prev := crawler.Previous{Partitions: map[string][]gluecatalog.Partition{}}
	after := ""
	for {
		page, more, err := s.Catalog.ListTables(ctx, tx, sc, db, after, 1000, nil)
		if err != nil {
			return prev, err
		}
		prev.Tables = append(prev.Tables, page...)
		if !more || len(page) == 0 {
			break
		}
		after = page[len(page)-1].Name
	}
	found := map[string]bool{}
	for _, t := range res.Tables {
		found[strings.TrimSuffix(t.Location, "/")] = true
	}
	for _, t := range prev.Tables {
		if t.StorageDescriptor == nil || len(t.PartitionKeys) == 0 || !found[strings.TrimSuffix(t.StorageDescriptor.Location, "/")] {
			continue
		}
		q := gluecatalog.PartitionQuery{Limit: 1000}
		for {
			page, err := s.Catalog.ListPartitions(ctx, tx, sc, db, t.Name, q)
			if err != nil {
				return prev, err
			}
			prev.Partitions[t.Name] = append(prev.Partitions[t.Name], page.Partitions...)
			if page.Next == "" {
				break
			}
			q.After = page.Next
		}
	}
	return prev, nil
}

// apply makes a plan's writes.
func (s *Service) apply(ctx context.Context, tx *store.Tx, rec *record, plan *crawler.Plan) error {
	sc, db := rec.Scope, rec.Def.DatabaseName
	by := createdBy(sc.Account, rec.Def.Role)
	ins := make([]gluecatalog.TableInput, len(plan.Creates))
	for i, w := range plan.Creates {
		ins[i] = w.Input
	}
	if err := s.Catalog.CreateTables(ctx, tx, sc, db, ins, by); err != nil {
		return fmt.Errorf("create tables: %w", err)
	}
	for _, w := range plan.Creates {
		if err := s.partitions(ctx, tx, sc, db, w); err != nil {
			return err
		}
	}
	for _, w := range plan.Updates {
		if err := s.Catalog.UpdateTable(ctx, tx, sc, db, w.Input, gluecatalog.UpdateTableOptions{SkipArchive: w.SkipArchive}); err != nil {
			return fmt.Errorf("update table %s: %w", w.Input.Name, err)
		}
		if err := s.partitions(ctx, tx, sc, db, w); err != nil {
			return err
		}
	}
	for _, name := range plan.Deletes {
		if err := s.Catalog.DeleteTable(ctx, tx, sc, db, name); err != nil {
			return fmt.Errorf("delete table %s: %w", name, err)
		}
	}
	return nil
}

func (s *Service) partitions(ctx context.Context, tx *store.Tx, sc gluecatalog.Scope, db string, w crawler.TableWrite) error {
	name := w.Input.Name
	if len(w.CreatePartitions) > 0 {
		failed, err := s.Catalog.BatchCreatePartition(ctx, tx, sc, db, name, w.CreatePartitions)
		if err != nil {
			return fmt.Errorf("create partitions of %s: %w", name, err)
		}
		for _, f := range failed {
			s.logger().Warn("crawl: partition not created", "table", name, "values", f.Values, "err", f.Err)
		}
	}
	if len(w.UpdatePartitions) > 0 {
		ups := make([]gluecatalog.PartitionUpdate, len(w.UpdatePartitions))
		for i, p := range w.UpdatePartitions {
			ups[i] = gluecatalog.PartitionUpdate{Values: p.Values, Input: p}
		}
		if _, err := s.Catalog.BatchUpdatePartition(ctx, tx, sc, db, name, ups); err != nil {
			return fmt.Errorf("update partitions of %s: %w", name, err)
		}
	}
	if len(w.DeletePartitions) > 0 {
		if _, err := s.Catalog.BatchDeletePartition(ctx, tx, sc, db, name, w.DeletePartitions); err != nil {
			return fmt.Errorf("delete partitions of %s: %w", name, err)
		}
	}
	return nil
}
