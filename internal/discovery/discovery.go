// Package discovery is the work a run does: resolve the source's credentials from the secrets
// store, read the source with its connector, and hand the snapshot to the catalog inside the
// run's fenced finishing transaction. Every AWS front door queues runs whose Config is a
// discovery.Config; this package knows nothing about AWS shapes.
package discovery

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/surveyorhq/surveyor/internal/catalog"
	"github.com/surveyorhq/surveyor/internal/connector"
	"github.com/surveyorhq/surveyor/internal/filter"
	"github.com/surveyorhq/surveyor/internal/outbound"
	"github.com/surveyorhq/surveyor/internal/runs"
	"github.com/surveyorhq/surveyor/internal/schema"
	"github.com/surveyorhq/surveyor/internal/scope"
	"github.com/surveyorhq/surveyor/internal/secrets"
	"github.com/surveyorhq/surveyor/internal/store"
)

// Jobs this package runs.
const (
	// JobDiscover reads the source and applies the snapshot to the catalog.
	JobDiscover = "discover"
	// JobPing opens a connection and runs one trivial read (DMS TestConnection).
	JobPing = "ping"
)

// Error types a failed run reports (DataZone's DataSourceErrorType vocabulary).
const (
	ErrAccessDenied     = "ACCESS_DENIED_EXCEPTION"
	ErrResourceNotFound = "RESOURCE_NOT_FOUND_EXCEPTION"
	ErrValidation       = "VALIDATION_EXCEPTION"
	ErrInternal         = "INTERNAL_SERVER_EXCEPTION"
	ErrThrottling       = "THROTTLING_EXCEPTION"
)

// Config says what a run reads. It is frozen into the run at creation and never holds a secret:
// credentials come from SecretID at run time.
type Config struct {
	// Engine is postgres, mysql or sqlite (aliases allowed); empty means the secret's engine.
	Engine string `json:"engine,omitempty"`
	// SecretID names a secret of the run's account and region (ARN or name) in the RDS secret JSON format:
	// engine, host, port, username, password, dbname.
	SecretID string `json:"secretId,omitempty"`
	// Host, Port, User, Database override or stand in for the secret's fields; Path is a SQLite
	// file.
	Host     string `json:"host,omitempty"`
	Port     int    `json:"port,omitempty"`
	User     string `json:"user,omitempty"`
	Database string `json:"database,omitempty"`
	Path     string `json:"path,omitempty"`
	// SealedPassword is a password sealed by the master key with SealPassword, for sources whose
	// credentials live in a façade's own document (DMS endpoints) rather than in a secret.
	SealedPassword string `json:"sealedPassword,omitempty"`
	// Params are connector options (the files connector's folders and filters, sslmode...).
	Params map[string]string `json:"params,omitempty"`
	// Rules select the tables read (ordered INCLUDE/EXCLUDE).
	Rules []filter.Rule `json:"rules,omitempty"`
	// Columns limits the columns a run records: a table name, or "namespace.table", maps to the
	// columns to keep (in the table's order). Tables not named keep all their columns; keys,
	// indexes and foreign keys over a dropped column are dropped with it.
	Columns map[string][]string `json:"columns,omitempty"`
	// EmptyIsResult makes a read that selects no table a success with no assets, for a façade
	// that reports an empty selection in its own words (AppSync: "Imported SQL schema is
	// empty."); without it such a read fails saying what exists.
	EmptyIsResult bool `json:"emptyIsResult,omitempty"`
	// ListNamespaces also records the source's namespaces (schemas) in the run result.
	ListNamespaces bool `json:"listNamespaces,omitempty"`
	// StatementTimeoutSeconds bounds each catalog query; 0 means the connector default.
	StatementTimeoutSeconds int `json:"statementTimeoutSeconds,omitempty"`
	// Reader, when set, names the Job.Readers entry that reads the source into a snapshot
	// instead of a connector (Surveyor's own Glue Data Catalog); Rules and Params still apply.
	Reader string `json:"reader,omitempty"`
	// Resolver, when set, names the Job.Resolvers entry that produces the real configuration
	// when the run starts, from Ref; every other field is then ignored. A façade that keeps its
	// configuration sealed stores only these two, so each run re-checks it.
	Resolver string `json:"resolver,omitempty"`
	Ref      string `json:"ref,omitempty"`
	// CatalogSource, when set, is the catalog source the run's snapshot is applied to instead of
	// the run's own source: several run sources then share one history, each run diffing against
	// the latest run of any of them (AppIntegrations: the associations of one data integration).
	// Resolvers set it; it is never taken from a client.
	CatalogSource string `json:"catalogSource,omitempty"`
}

// catalogSource is the catalog source a run of cfg applies its snapshot to.
func catalogSource(r *runs.Run, cfg Config) string {
	if cfg.CatalogSource != "" {
		return cfg.CatalogSource
	}
	return r.SourceID
}

// Result is the JSON a finished discovery run keeps.
type Result struct {
	Engine        string   `json:"engine,omitempty"`
	ServerVersion string   `json:"serverVersion,omitempty"`
	Assets        int      `json:"assets"`
	Namespaces    []string `json:"namespaces,omitempty"`
}

// Job runs discovery and ping runs.
type Job struct {
	Secrets *secrets.Service
	// LocalRoots, when set, are the only folders local sources (SQLite files, folders of files)
	// may be read from; DeniedPaths may never be read (the server's own data directory).
	LocalRoots  []string
	DeniedPaths []string
	// Outbound is the policy every connection to a source passes; nil is outbound.Default().
	Outbound *outbound.Policy
	// Master opens Config.SealedPassword.
	Master     *secrets.Sealer
	Connectors connector.Registry
	Catalog    *catalog.Catalog
	// ConnectTimeout bounds connecting; 0 means the connector default.
	ConnectTimeout time.Duration
	// Resolvers turn a Config naming a resolver (Config.Resolver, Config.Ref) into the Config
	// the run reads, when the run starts. A *SourceError fails the run with its type and
	// message; any other error fails it as ACCESS_DENIED_EXCEPTION with the error's text, so a
	// resolver's errors must never carry a secret.
	Resolvers map[string]Resolver
	// Readers read the sources of configs that name them (Config.Reader).
	Readers map[string]Reader
}

// Reader reads a source no connector reads — Surveyor's Glue Data Catalog — into a snapshot,
// as the run's scope (account and region) sees it. A *SourceError fails the run with its type and message.
type Reader = func(ctx context.Context, sc scope.Scope, cfg Config) (*schema.Snapshot, error)

// Resolver produces the Config a run reads from a Config that names it (Config.Ref says what).
type Resolver = func(ctx context.Context, sc scope.Scope, cfg Config) (Config, error)

// Handlers returns the run handlers this job provides, keyed by job name.
func (j *Job) Handlers() map[string]runs.Handler {
	return map[string]runs.Handler{JobDiscover: runs.HandlerFunc(j.discover), JobPing: runs.HandlerFunc(j.ping)}
}

type apply = func(ctx context.Context, tx *store.Tx) (runs.Outcome, error)

func (j *Job) discover(ctx context.Context, r *runs.Run) (apply, error) {
	var peek Config
	if json.Unmarshal(r.Config, &peek) == nil && peek.Reader != "" {
		return j.read(ctx, r, peek)
	}
	cfg, src, opts, failed := j.prepare(ctx, r)
	if failed != nil {
		return failed, nil
	}
	snap, err := j.Connectors.Discover(ctx, src, opts)
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("discover %s: %w", src.Redacted(), ctx.Err())
		}
		return fail(classify(err), err.Error()), nil
	}
	inScope := func(ref schema.Ref) bool {
		return (cfg.Database == "" || src.Engine == connector.SQLite || ref.Database == src.Database) &&
			opts.Filter.Table(ref.Database, ref.Namespace, ref.Table)
	}
	if err := j.checkScope(ctx, src, opts, snap, countInScope(snap, inScope)); err != nil && !cfg.EmptyIsResult {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("discover %s: %w", src.Redacted(), ctx.Err())
		}
		return fail(classify(err), err.Error()), nil
	}
	if len(cfg.Columns) > 0 {
		limitColumns(snap, cfg.Columns)
	}
	res := Result{Engine: snap.Engine, ServerVersion: snap.ServerVersion, Assets: snap.TableCount()}
	if cfg.ListNamespaces {
		if src.Engine == connector.Files {
			// A folder is a namespace only through the datasets in it: the snapshot has them all,
			// so there is no need to read the files a second time.
			res.Namespaces = snapshotNamespaces(snap)
		} else {
			// Databases list empty schemas too, which a snapshot cannot show.
			names, err := j.namespaces(ctx, src, opts)
			if err != nil {
				return fail(classify(err), err.Error()), nil
			}
			res.Namespaces = names
		}
	}
	return func(ctx context.Context, tx *store.Tx) (runs.Outcome, error) {
		stats, err := j.Catalog.Apply(ctx, tx, catalog.ApplyInput{
			AccountID: r.Scope.Account, SourceID: catalogSource(r, cfg), RunID: r.ID, Snapshot: snap, InScope: inScope,
		})
		if err != nil {
			return runs.Outcome{}, fmt.Errorf("apply snapshot of %s: %w", src.Redacted(), err)
		}
		out := runs.Outcome{Status: Status(stats), Result: mustJSON(res), Stats: mustJSON(stats)}
		if stats.Failed > 0 {
			out.ErrorType, out.ErrorDetail = ErrInternal, failedDetail(snap)
		}
		return out, nil
	}, nil
}

// read is discover for a source a Reader reads: the snapshot is applied like a connector's,
// with the config's rules as its scope.
func (j *Job) read(ctx context.Context, r *runs.Run, cfg Config) (apply, error) {
	reader, ok := j.Readers[cfg.Reader]
	if !ok {
		return fail(ErrValidation, fmt.Sprintf("the run configuration names reader %q, which this server does not have", cfg.Reader)), nil
	}
	snap, err := reader(ctx, r.Scope, cfg)
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("read %s: %w", cfg.Reader, ctx.Err())
		}
		var se *SourceError
		if errors.As(err, &se) {
			return fail(se.Type, se.Msg), nil
		}
		return nil, fmt.Errorf("read %s: %w", cfg.Reader, err)
	}
	flt := filter.New(cfg.Rules)
	res := Result{Engine: snap.Engine, Assets: snap.TableCount()}
	return func(ctx context.Context, tx *store.Tx) (runs.Outcome, error) {
		stats, err := j.Catalog.Apply(ctx, tx, catalog.ApplyInput{
			AccountID: r.Scope.Account, SourceID: catalogSource(r, cfg), RunID: r.ID, Snapshot: snap,
			InScope: func(ref schema.Ref) bool { return flt.Table(ref.Database, ref.Namespace, ref.Table) },
		})
		if err != nil {
			return runs.Outcome{}, fmt.Errorf("apply snapshot of %s: %w", cfg.Reader, err)
		}
		out := runs.Outcome{Status: Status(stats), Result: mustJSON(res), Stats: mustJSON(stats)}
		if stats.Failed > 0 {
			out.ErrorType, out.ErrorDetail = ErrInternal, failedDetail(snap)
		}
		return out, nil
	}, nil
}

func (j *Job) ping(ctx context.Context, r *runs.Run) (apply, error) {
	_, src, opts, failed := j.prepare(ctx, r)
	if failed != nil {
		return failed, nil
	}
	c, ok := j.Connectors[src.Engine].(interface {
		Ping(context.Context, connector.Source, connector.Options) error
	})
	if !ok {
		return fail(ErrValidation, fmt.Sprintf("engine %s cannot be tested", src.Engine)), nil
	}
	if err := c.Ping(ctx, src, opts.WithDefaults()); err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("ping %s: %w", src.Redacted(), ctx.Err())
		}
		return fail(classify(err), err.Error()), nil
	}
	return func(context.Context, *store.Tx) (runs.Outcome, error) {
		return runs.Outcome{Status: runs.StatusSuccess}, nil
	}, nil
}

// Ping connects to the source cfg names and runs the connector's trivial read, now, without a
// run: for APIs that test a connection synchronously (Glue TestConnection). Its errors are a
// *SourceError (configuration, credentials) or the connector's *connector.Error, both without
// secrets.
func (j *Job) Ping(ctx context.Context, sc scope.Scope, cfg Config) error {
	src, err := j.Source(ctx, sc, cfg)
	if err != nil {
		return err
	}
	c, ok := j.Connectors[src.Engine].(interface {
		Ping(context.Context, connector.Source, connector.Options) error
	})
	if !ok {
		return &SourceError{ErrValidation, fmt.Sprintf("engine %s cannot be tested", src.Engine)}
	}
	return c.Ping(ctx, src, j.Options(filter.Filter{}).WithDefaults())
}

func snapshotNamespaces(s *schema.Snapshot) []string {
	var names []string
	for _, db := range s.Databases {
		for _, ns := range db.Namespaces {
			names = append(names, ns.Name)
		}
	}
	slices.Sort(names)
	return slices.Compact(names)
}

func (j *Job) namespaces(ctx context.Context, src connector.Source, opts connector.Options) ([]string, error) {
	c, ok := j.Connectors[src.Engine].(interface {
		Namespaces(context.Context, connector.Source, connector.Options) ([]string, error)
	})
	if !ok {
		return nil, fmt.Errorf("engine %s cannot list namespaces", src.Engine)
	}
	return c.Namespaces(ctx, src, opts.WithDefaults())
}

// prepare decodes the run's config and resolves its source. A problem the user must fix comes
// back as a ready failing apply.
func (j *Job) prepare(ctx context.Context, r *runs.Run) (Config, connector.Source, connector.Options, apply) {
	var cfg Config
	if err := json.Unmarshal(r.Config, &cfg); err != nil {
		return cfg, connector.Source{}, connector.Options{}, fail(ErrValidation, "the run configuration is not valid JSON: "+err.Error())
	}
	if cfg.Resolver != "" {
		resolved, err := j.resolve(ctx, r.Scope, cfg)
		if err != nil {
			return cfg, connector.Source{}, connector.Options{}, failResolve(err)
		}
		cfg = resolved
	}
	src, err := j.Source(ctx, r.Scope, cfg)
	if err != nil {
		return cfg, src, connector.Options{}, fail(classify(err), err.Error())
	}
	opts := j.Options(filter.New(cfg.Rules))
	opts.StatementTimeout = time.Duration(cfg.StatementTimeoutSeconds) * time.Second
	return cfg, src, opts, nil
}

// resolve asks cfg's resolver for the configuration the run reads.
func (j *Job) resolve(ctx context.Context, sc scope.Scope, cfg Config) (Config, error) {
	resolver, ok := j.Resolvers[cfg.Resolver]
	if !ok {
		return Config{}, &SourceError{ErrValidation, fmt.Sprintf("the run configuration names resolver %q, which this server does not have", cfg.Resolver)}
	}
	resolved, err := resolver(ctx, sc, cfg)
	if err != nil {
		return Config{}, err
	}
	if resolved.Resolver != "" {
		return Config{}, &SourceError{ErrInternal, fmt.Sprintf("resolver %q returned a configuration that names resolver %q", cfg.Resolver, resolved.Resolver)}
	}
	return resolved, nil
}

// failResolve fails a run whose configuration did not resolve: with a *SourceError's type and
// message, else as access denied with the error's text.
func failResolve(err error) apply {
	var se *SourceError
	if errors.As(err, &se) {
		return fail(se.Type, se.Msg)
	}
	return fail(ErrAccessDenied, err.Error())
}

// SourceError is a problem with a source's configuration or credentials, found before connecting.
type SourceError struct {
	Type string // one of the Err* error types
	Msg  string
}

func (e *SourceError) Error() string { return e.Msg }

// Source resolves cfg into a connector source: the secret's fields, overridden by cfg's. A
// source on this machine's file system (a SQLite file, a local folder) must lie inside
// LocalRoots when they are set, and never inside a denied path (the server's data directory).
func (j *Job) Source(ctx context.Context, sc scope.Scope, cfg Config) (connector.Source, error) {
	src, err := j.source(ctx, sc, cfg)
	if err != nil {
		return src, err
	}
	if err := j.checkLocalPaths(src); err != nil {
		return connector.Source{}, err
	}
	return src, nil
}

func (j *Job) source(ctx context.Context, sc scope.Scope, cfg Config) (connector.Source, error) {
	var rds rdsSecret
	var raw string
	if cfg.SecretID != "" {
		val, err := j.Secrets.Current(ctx, sc, cfg.SecretID)
		switch {
		case errors.Is(err, secrets.ErrNotFound):
			return connector.Source{}, &SourceError{ErrResourceNotFound, fmt.Sprintf("secret %s was not found", cfg.SecretID)}
		case errors.Is(err, secrets.ErrInvalidState):
			return connector.Source{}, &SourceError{ErrResourceNotFound, fmt.Sprintf("secret %s is scheduled for deletion", cfg.SecretID)}
		case err != nil:
			return connector.Source{}, fmt.Errorf("read secret %s: %w", cfg.SecretID, err)
		}
		if val.String == nil {
			return connector.Source{}, &SourceError{ErrValidation, fmt.Sprintf("secret %s has no SecretString; it must hold the RDS secret JSON (engine, host, port, username, password, dbname)", cfg.SecretID)}
		}
		raw = *val.String
		if e, _ := connector.NormalizeEngine(cfg.Engine); e == connector.Files {
			return filesSource(cfg, raw)
		}
		if err := json.Unmarshal([]byte(raw), &rds); err != nil {
			return connector.Source{}, &SourceError{ErrValidation, fmt.Sprintf("secret %s is not the RDS secret JSON (engine, host, port, username, password, dbname)", cfg.SecretID)}
		}
	}
	engineName := first(cfg.Engine, rds.Engine)
	engine, ok := connector.NormalizeEngine(engineName)
	if ok && engine == connector.Files {
		return filesSource(cfg, raw)
	}
	if !ok {
		if engineName == "" {
			return connector.Source{}, &SourceError{ErrValidation, "no engine: the secret must say which engine (postgres, mysql, mariadb, sqlite)"}
		}
		return connector.Source{}, &SourceError{ErrValidation, fmt.Sprintf("engine %q is not supported: use postgres, aurora-postgresql, mysql, mariadb, aurora-mysql, sqlite or files", engineName)}
	}
	src := connector.Source{
		Engine:   engine,
		Host:     first(cfg.Host, rds.Host),
		User:     first(cfg.User, rds.Username),
		Password: rds.Password,
		Database: first(cfg.Database, rds.DBName),
		Params:   map[string]string{},
	}
	for k, v := range cfg.Params {
		src.Params[k] = v
	}
	if cfg.SealedPassword != "" {
		if j.Master == nil {
			return connector.Source{}, errors.New("a sealed password needs the master key")
		}
		pw, err := j.Master.Open(cfg.SealedPassword, []byte(passwordAAD(sc.Account)))
		if err != nil {
			return connector.Source{}, &SourceError{ErrAccessDenied, "the stored password cannot be decrypted: the master key changed"}
		}
		src.Password = string(pw)
	}
	src.Port = cfg.Port
	if src.Port == 0 {
		src.Port = int(rds.Port)
	}
	if engine == connector.SQLite {
		src.Path = first(cfg.Path, rds.Path, src.Database)
		if src.Path == "" {
			return connector.Source{}, &SourceError{ErrValidation, "a sqlite source needs a file path (path or dbname)"}
		}
		return src, nil
	}
	if src.Host == "" {
		return connector.Source{}, &SourceError{ErrValidation, "the source has no host: the secret must hold host and port"}
	}
	return src, nil
}

// S3Secret is the secret JSON a files source on S3 takes its credentials from:
// {"accessKeyId": "...", "secretAccessKey": "..."}, optionally with "endpoint" (an
// S3-compatible store's URL), "region" and "usePathStyle" (true for path-style requests), which
// fill the connector params the config does not set. The RDS-style "username"/"password" pair
// is accepted too.
type S3Secret struct {
	AccessKeyID     string `json:"accessKeyId"`
	SecretAccessKey string `json:"secretAccessKey"`
	Username        string `json:"username"`
	Password        string `json:"password"`
	Endpoint        string `json:"endpoint"`
	Region          string `json:"region"`
	UsePathStyle    any    `json:"usePathStyle"`
}

// filesSource is the source of the files engine: cfg.Path is the root (absolute path, file:// or
// s3:// URI), cfg.Params the connector's params, and the secret (when cfg.SecretID is set, its
// value is raw) holds the S3 access key.
func filesSource(cfg Config, raw string) (connector.Source, error) {
	if cfg.Path == "" {
		return connector.Source{}, &SourceError{ErrValidation, "a files source needs a path: an absolute folder, file:///path or s3://bucket/prefix"}
	}
	src := connector.Source{Engine: connector.Files, Path: cfg.Path, User: cfg.User, Params: map[string]string{}}
	for k, v := range cfg.Params {
		src.Params[k] = v
	}
	if cfg.SecretID != "" {
		var s S3Secret
		if err := json.Unmarshal([]byte(raw), &s); err != nil || first(s.AccessKeyID, s.Username) == "" {
			return connector.Source{}, &SourceError{ErrValidation, fmt.Sprintf("secret %s is not the S3 credentials JSON (accessKeyId, secretAccessKey)", cfg.SecretID)}
		}
		src.User, src.Password = first(s.AccessKeyID, s.Username), first(s.SecretAccessKey, s.Password)
		for k, v := range map[string]string{"endpoint": s.Endpoint, "region": s.Region, "use_path_style": fmt.Sprint(s.UsePathStyle)} {
			if _, set := src.Params[k]; !set && v != "" && v != "<nil>" && v != "false" {
				src.Params[k] = v
			}
		}
	}
	return src, nil
}

// limitColumns keeps only the chosen columns of the tables cfg.Columns names.
func limitColumns(snap *schema.Snapshot, keep map[string][]string) {
	for di := range snap.Databases {
		for ni := range snap.Databases[di].Namespaces {
			ns := &snap.Databases[di].Namespaces[ni]
			for ti := range ns.Tables {
				t := &ns.Tables[ti]
				names, ok := keep[ns.Name+"."+t.Name]
				if !ok {
					names, ok = keep[t.Name]
				}
				if ok {
					limitTable(t, names)
				}
			}
		}
	}
}

func limitTable(t *schema.Table, names []string) {
	kept := map[string]bool{}
	cols := t.Columns[:0]
	for _, c := range t.Columns {
		if slices.Contains(names, c.Name) {
			c.Position = len(cols) + 1
			cols = append(cols, c)
			kept[c.Name] = true
		}
	}
	t.Columns = cols
	all := func(cs []string) bool {
		for _, c := range cs {
			if !kept[c] {
				return false
			}
		}
		return true
	}
	if t.PrimaryKey != nil && !all(t.PrimaryKey.Columns) {
		t.PrimaryKey = nil
	}
	t.Uniques = slices.DeleteFunc(t.Uniques, func(c schema.Constraint) bool { return !all(c.Columns) })
	t.ForeignKeys = slices.DeleteFunc(t.ForeignKeys, func(f schema.ForeignKey) bool { return !all(f.Columns) })
	t.Indexes = slices.DeleteFunc(t.Indexes, func(ix schema.Index) bool {
		for _, p := range ix.Parts {
			if p.Expression != "" || !kept[p.Column] {
				return true
			}
		}
		return !all(ix.Include)
	})
}

// Options are the connector options of every read this job makes (runs, pings, crawls): the
// filter, the connect timeout, the local paths and the outbound policy.
func (j *Job) Options(f filter.Filter) connector.Options {
	return connector.Options{Filter: f, ConnectTimeout: j.ConnectTimeout, Paths: j.paths(), Outbound: j.Outbound}
}

// paths is the part of this machine's file system sources may read.
func (j *Job) paths() connector.Paths {
	return connector.Paths{Roots: j.LocalRoots, Denied: j.DeniedPaths}
}

// checkLocalPaths refuses a source whose connector would open a file outside LocalRoots or
// inside DeniedPaths. The connector says which paths it would open (connector.LocalFiles),
// parsed by the code that opens them, so what is checked is what is read; the connector checks
// them again when it opens them, and every file it opens after that.
func (j *Job) checkLocalPaths(src connector.Source) error {
	lf, ok := j.Connectors[src.Engine].(connector.LocalFiles)
	if !ok {
		return nil
	}
	paths, err := lf.LocalPaths(src)
	if err != nil {
		return &SourceError{ErrValidation, err.Error()}
	}
	policy := j.paths()
	for _, p := range paths {
		err := policy.Check(p)
		var pe *connector.PathError
		switch {
		case errors.As(err, &pe):
			return &SourceError{ErrAccessDenied, pe.Error()}
		case err != nil:
			return &SourceError{ErrValidation, err.Error()}
		}
	}
	return nil
}

// SealPassword seals a password for Config.SealedPassword; only runs of the same account open it.
func SealPassword(master *secrets.Sealer, account, password string) string {
	return master.Seal([]byte(password), []byte(passwordAAD(account)))
}

// OpenPassword opens a password sealed by SealPassword for the same account.
func OpenPassword(master *secrets.Sealer, account, sealed string) (string, error) {
	pw, err := master.Open(sealed, []byte(passwordAAD(account)))
	return string(pw), err
}

func passwordAAD(account string) string { return "source-password:" + account }

// rdsSecret is the RDS secret JSON layout; port may be a number or a string.
type rdsSecret struct {
	Engine   string   `json:"engine"`
	Host     string   `json:"host"`
	Port     flexPort `json:"port"`
	Username string   `json:"username"`
	Password string   `json:"password"`
	DBName   string   `json:"dbname"`
	Path     string   `json:"path"`
}

type flexPort int

func (p *flexPort) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if s == "" || s == "null" {
		return nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return fmt.Errorf("port %s is not a number", b)
	}
	*p = flexPort(n)
	return nil
}

// Status is the run status the statistics call for: FAILED when every examined asset failed,
// PARTIALLY_SUCCEEDED when some failed and some succeeded, SUCCESS otherwise.
func Status(s catalog.Stats) string {
	ok := s.Added + s.Updated + s.Unchanged + s.Skipped
	switch {
	case s.Failed > 0 && ok == 0:
		return runs.StatusFailed
	case s.Failed > 0:
		return runs.StatusPartiallySucceeded
	}
	return runs.StatusSuccess
}

// classify maps a failure onto the error type a user reads.
func classify(err error) string {
	var se *SourceError
	if errors.As(err, &se) {
		return se.Type
	}
	switch connector.KindOf(err) {
	case connector.AuthFailed, connector.PermissionDenied:
		return ErrAccessDenied
	case connector.DatabaseNotFound, connector.Unreachable:
		return ErrResourceNotFound
	case connector.Unsupported:
		return ErrValidation
	case connector.Timeout:
		return ErrThrottling
	}
	return ErrInternal
}

func fail(errorType, detail string) apply {
	return func(context.Context, *store.Tx) (runs.Outcome, error) {
		return runs.Outcome{Status: runs.StatusFailed, ErrorType: errorType, ErrorDetail: detail}, nil
	}
}

func failedDetail(s *schema.Snapshot) string {
	var parts []string
	for _, f := range s.Failed {
		parts = append(parts, f.Ref.String()+": "+f.Reason)
	}
	slices.Sort(parts)
	msg := fmt.Sprintf("%d asset(s) could not be read: %s", len(parts), strings.Join(parts, "; "))
	if len(msg) > 2000 {
		msg = msg[:2000] + "…"
	}
	return msg
}

func first(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic("discovery: marshal: " + err.Error())
	}
	return b
}
