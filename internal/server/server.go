// Package server wires Surveyor's parts into the running service: it opens the store, loads the
// master key, makes sure an access key exists, registers every AWS façade behind the awsapi front
// door, serves /healthz and /metrics, and starts and stops the background workers.
package server

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/surveyorhq/surveyor/internal/accesskeys"
	"github.com/surveyorhq/surveyor/internal/awsapi"
	"github.com/surveyorhq/surveyor/internal/awsapi/appintegrations"
	"github.com/surveyorhq/surveyor/internal/awsapi/appsync"
	"github.com/surveyorhq/surveyor/internal/awsapi/datazone"
	"github.com/surveyorhq/surveyor/internal/awsapi/dms"
	"github.com/surveyorhq/surveyor/internal/awsapi/glue"
	"github.com/surveyorhq/surveyor/internal/awsapi/secretsmanager"
	"github.com/surveyorhq/surveyor/internal/catalog"
	"github.com/surveyorhq/surveyor/internal/connector"
	"github.com/surveyorhq/surveyor/internal/connector/files"
	"github.com/surveyorhq/surveyor/internal/connector/mysql"
	"github.com/surveyorhq/surveyor/internal/connector/postgres"
	"github.com/surveyorhq/surveyor/internal/connector/sqlite"
	"github.com/surveyorhq/surveyor/internal/console"
	"github.com/surveyorhq/surveyor/internal/core"
	"github.com/surveyorhq/surveyor/internal/crawls"
	"github.com/surveyorhq/surveyor/internal/discovery"
	"github.com/surveyorhq/surveyor/internal/gluecatalog"
	"github.com/surveyorhq/surveyor/internal/outage"
	"github.com/surveyorhq/surveyor/internal/outbound"
	"github.com/surveyorhq/surveyor/internal/runs"
	"github.com/surveyorhq/surveyor/internal/scheduler"
	"github.com/surveyorhq/surveyor/internal/scope"
	"github.com/surveyorhq/surveyor/internal/secrets"
	"github.com/surveyorhq/surveyor/internal/store"
)

// Config is what `surveyor serve` is told.
type Config struct {
	// Listen is the address to serve on; default 127.0.0.1:4599.
	Listen string
	// DataDir holds the embedded store, the master key and the credentials file.
	DataDir string
	// Store is a postgres:// URL to share one store between processes; empty means SQLite in DataDir.
	Store string
	// Region is the default region: of things no request creates (the sample, CLI-created
	// sources, `surveyor env`) and of the rows of stores from before regions were real.
	Region string
	// Regions are the regions the AWS APIs accept (default: scope.CommercialRegions); a request
	// signed for another is refused. Region must be one of them.
	Regions []string
	Workers int
	// LocalRoots, when set, are the only folders local sources (SQLite files, folders of files)
	// may be read from. The data directory is never readable as a source.
	LocalRoots []string
	// Outbound is the policy every connection a run makes to a source passes (--allow-hosts,
	// --deny-hosts, --allow-sockets); nil is outbound.Default().
	Outbound *outbound.Policy
	// AppSyncRetention is how long introspection results stay readable (default 7 days).
	AppSyncRetention time.Duration
	// Lease is how long a worker's claim on a run lasts without renewal (default 30 s).
	Lease time.Duration
	// RunTimeout bounds each attempt of a run; then it fails with "run exceeded the run timeout
	// of ..." and frees its worker (default 30 min).
	RunTimeout time.Duration
	// Sample registers the sample shop database as a source of the first account, and runs it,
	// when the store is new (`serve` sets it unless --no-sample). It happens once per store:
	// deleted, the sample never comes back.
	Sample bool
	// SampleDir is where the sample database file is written (default: the user's cache
	// directory, surveyor/sample).
	SampleDir string
	// Dev enables the development reset (POST /_surveyor/reset and /moto-api/reset, unsigned),
	// which drops every resource of every account and region. Never on by default.
	Dev bool
	// ConsoleSignInDelay is how long a console sign-in with wrong keys waits (default 1 s).
	ConsoleSignInDelay time.Duration
	Logger             *slog.Logger
	// Getenv reads the environment (os.Getenv in production).
	Getenv func(string) string
	Now    func() time.Time
}

// Defaults.
const (
	DefaultListen  = "127.0.0.1:4599"
	DefaultDataDir = "./surveyor-data"
	DefaultRegion  = "us-east-1"
	DefaultWorkers = 4
)

// CredentialsFile is written to the data directory when the first key pair is created.
const CredentialsFile = "credentials.json"

// Credentials is the content of CredentialsFile, read by `surveyor env`.
type Credentials struct {
	AccessKeyID     string `json:"accessKeyId"`
	SecretAccessKey string `json:"secretAccessKey"`
	AccountID       string `json:"accountId"`
	Region          string `json:"region"`
	Endpoint        string `json:"endpoint"`
}

// Server is a configured Surveyor service, ready to Run.
type Server struct {
	cfg       Config
	db        *store.DB
	keys      *accesskeys.Store
	secrets   *secrets.Service
	core      *core.Services
	workers   *runs.Workers
	scheduler *scheduler.Scheduler
	outage    *outage.Watch
	metrics   *metrics
	handler   http.Handler
	log       *slog.Logger
	console   *console.Console
	datazone  *datazone.Facade
	// consoleSources are the façades' sources, as the console lists them.
	consoleSources []console.Sources
	// endpoint is the address Serve listens on ("http://host:port"), once it does.
	endpoint atomic.Value
	resetMu  sync.Mutex // one dev reset at a time
}

// New opens the store and builds the service. Close releases it.
func New(ctx context.Context, cfg Config) (*Server, error) {
	cfg = withDefaults(cfg)
	if !slices.Contains(cfg.Regions, cfg.Region) {
		return nil, fmt.Errorf("the default region %s (--region) is not one the server accepts (--regions: %s)", cfg.Region, strings.Join(cfg.Regions, ","))
	}
	masterKey, err := secrets.LoadMasterKey(cfg.Getenv, cfg.DataDir)
	if err != nil {
		return nil, err
	}
	master, err := secrets.NewSealer(masterKey)
	if err != nil {
		return nil, err
	}
	dsn := cfg.Store
	if dsn == "" {
		dsn = cfg.DataDir
	}
	db, err := store.Open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, db: db, log: cfg.Logger}
	if err := s.build(ctx, masterKey, master); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// build checks the store against the master key, brings old rows up to date, and builds the
// services, the workers and the HTTP handler on it.
func (s *Server) build(ctx context.Context, masterKey []byte, master *secrets.Sealer) error {
	cfg, db := s.cfg, s.db
	if err := s.checkMasterKey(ctx, master); err != nil {
		return err
	}
	// Rows from before regions were real belong to the region the server answered as then.
	if n, err := db.FillRegion(ctx, cfg.Region); err != nil {
		return err
	} else if n > 0 {
		s.log.Info("gave the region to rows created before regions were real", "region", cfg.Region, "rows", n)
	}
	s.keys = &accesskeys.Store{DB: db, Master: master, Now: cfg.Now}
	s.secrets = &secrets.Service{DB: db, Master: master, Now: cfg.Now}
	queue, job, err := s.buildRuns(masterKey, master)
	if err != nil {
		return err
	}
	services, err := s.facades()
	if err != nil {
		return err
	}
	s.metrics = newMetrics(db)
	s.workers.Finished = func(r *runs.Run, d time.Duration) {
		s.metrics.RunDuration.WithLabelValues(r.Job, r.Status).Observe(d.Seconds())
		s.logRun(r, d)
	}
	api := &awsapi.Handler{
		Keys:     s.keys,
		Now:      cfg.Now,
		Logger:   cfg.Logger,
		Services: services,
		Regions:  regionSet(cfg.Regions),
		Observe:  s.metrics.observeRequest,
	}
	s.console, err = console.New(console.Config{DB: db, Runs: queue, Catalog: job.Catalog, Keys: s.keys,
		Sources: s.consoleSources, Region: cfg.Region, Regions: cfg.Regions, SessionKey: derive(masterKey, "console sessions"),
		SignInDelay: cfg.ConsoleSignInDelay, Logger: cfg.Logger, Now: cfg.Now})
	if err != nil {
		return err
	}
	s.handler = s.routes(api)
	return nil
}

// buildRuns makes the run queue, the discovery and crawl jobs, the workers that run them, the
// scheduler, and the services the façades share.
func (s *Server) buildRuns(masterKey []byte, master *secrets.Sealer) (*runs.Queue, *discovery.Job, error) {
	cfg, db := s.cfg, s.db
	// Run ids take DataZone's form (14 lower-case letters and digits), which every façade accepts.
	queue := &runs.Queue{DB: db, Now: cfg.Now, Lease: cfg.Lease, NewID: newRunID}
	dataDir, err := filepath.Abs(cfg.DataDir)
	if err != nil {
		return nil, nil, err
	}
	job := &discovery.Job{Secrets: s.secrets, Master: master, LocalRoots: cfg.LocalRoots, DeniedPaths: []string{dataDir}, Outbound: cfg.Outbound, Catalog: &catalog.Catalog{Now: cfg.Now}, Connectors: Connectors()}
	crawlSvc := &crawls.Service{DB: db, Runs: queue, Catalog: gluecatalog.Catalog{Now: cfg.Now, Master: master}, Discovery: job, Now: cfg.Now, Logger: cfg.Logger}
	// DataZone GLUE data sources read the Glue Data Catalog, not a database.
	job.Readers = map[string]discovery.Reader{gluecatalog.ReaderName: gluecatalog.Catalog{Now: cfg.Now}.Reader(db)}
	handlers := job.Handlers()
	maps.Copy(handlers, crawlSvc.Handlers())
	// The background pollers share one outage watch: a store outage is logged once, not by each.
	s.outage = &outage.Watch{Logger: cfg.Logger}
	s.workers = &runs.Workers{Queue: queue, Handlers: handlers, N: cfg.Workers, RunTimeout: cfg.RunTimeout,
		Logger: cfg.Logger, Outage: s.outage}
	crawlSvc.Cancel = s.workers.Cancel
	s.core = &core.Services{
		DB: db, Runs: queue, Catalog: job.Catalog, Secrets: s.secrets, Discovery: job, Crawls: crawlSvc,
		Tokens: awsapi.Tokens{Key: derive(masterKey, "pagination tokens")}, Master: master,
		Region: cfg.Region, Logger: cfg.Logger, Now: cfg.Now, Notify: s.workers.Notify,
	}
	s.scheduler = &scheduler.Scheduler{DB: db, Queue: queue, Now: cfg.Now, Logger: cfg.Logger, Notify: s.workers.Notify, Outage: s.outage}
	return queue, job, nil
}

// routes is the listener's handler: health, metrics, the console, the dev reset, and the AWS
// APIs (a browser's unsigned GET / goes to the console instead).
func (s *Server) routes(api http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.Handle("GET /metrics", s.metrics.handler())
	mux.Handle(console.Prefix, s.console)
	mux.HandleFunc(ResetPath, s.resetHandler)
	mux.HandleFunc(MotoResetPath, s.resetHandler)
	mux.Handle("/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if console.WantsConsole(r) {
			http.Redirect(w, r, console.Prefix, http.StatusFound)
			return
		}
		api.ServeHTTP(w, r)
	}))
	return mux
}

// logRun logs a run this process finished: its status, statistics and failure reason (which
// never holds a secret: connectors and discovery scrub them), at warning level when it failed.
func (s *Server) logRun(r *runs.Run, d time.Duration) {
	level := slog.LevelInfo
	if r.Status == runs.StatusFailed {
		level = slog.LevelWarn
	}
	attrs := []any{"run", r.ID, "account", r.Scope.Account, "region", r.Scope.Region, "job", r.Job, "source", r.SourceID, "type", r.Type,
		"status", r.Status, "duration", d.Round(time.Millisecond)}
	if len(r.Stats) > 0 {
		attrs = append(attrs, "stats", string(r.Stats))
	}
	if r.ErrorType != "" || r.ErrorDetail != "" {
		attrs = append(attrs, "errorType", r.ErrorType, "reason", r.ErrorDetail)
	}
	s.log.Log(context.Background(), level, "run finished", attrs...)
}

// consoleURL is the console's address once Serve listens ("" before).
func (s *Server) consoleURL() string {
	if e, ok := s.endpoint.Load().(string); ok {
		return e + console.Prefix
	}
	return ""
}

// facades builds every AWS service this server answers, keyed by SigV4 signing name.
func (s *Server) facades() (map[string]awsapi.Service, error) {
	sm, err := (&secretsmanager.Facade{Secrets: s.secrets, Tokens: s.core.Tokens, Regions: s.cfg.Regions}).Service()
	if err != nil {
		return nil, fmt.Errorf("secretsmanager: %w", err)
	}
	as, err := (&appsync.Facade{Services: s.core, Retention: s.cfg.AppSyncRetention}).Service()
	if err != nil {
		return nil, fmt.Errorf("appsync: %w", err)
	}
	s.datazone = &datazone.Facade{Services: s.core, PortalURL: func(string) string { return s.consoleURL() }}
	dz, err := s.datazone.Service()
	if err != nil {
		return nil, fmt.Errorf("datazone: %w", err)
	}
	asf := &appsync.Facade{Services: s.core, Retention: s.cfg.AppSyncRetention}
	aif := &appintegrations.Facade{Services: s.core}
	ai, err := aif.Service()
	if err != nil {
		return nil, fmt.Errorf("appintegrations: %w", err)
	}
	// Runs of AppIntegrations associations open the integration's sealed material when they start.
	s.core.Discovery.Resolvers = map[string]discovery.Resolver{appintegrations.ResolverName: aif.Resolve}
	dmf := &dms.Facade{Services: s.core}
	dm, err := dmf.Service()
	if err != nil {
		return nil, fmt.Errorf("dms: %w", err)
	}
	glf := &glue.Facade{Services: s.core, Catalog: gluecatalog.Catalog{Now: s.core.Now, Master: s.core.Master}}
	gl, err := glf.Service()
	if err != nil {
		return nil, fmt.Errorf("glue: %w", err)
	}
	s.consoleSources = []console.Sources{s.datazone.Console(), aif.Console(), dmf.Console(), asf.Console(), glf.Console()}
	return map[string]awsapi.Service{
		"secretsmanager":   sm,
		"appsync":          as,
		"datazone":         dz,
		"app-integrations": ai,
		"dms":              dm,
		"glue":             gl,
		"sts":              awsapi.STS{Sessions: s.keys, Keys: s.keys, Now: s.cfg.Now},
	}, nil
}

// Connectors is every connector this binary reads sources with.
func Connectors() connector.Registry {
	return connector.Registry{
		connector.Postgres: postgres.New(),
		connector.MySQL:    mysql.New(),
		connector.SQLite:   sqlite.New(),
		connector.Files:    files.New(),
	}
}

// regionSet is regions as the set the front door checks.
func regionSet(regions []string) map[string]bool {
	set := make(map[string]bool, len(regions))
	for _, r := range regions {
		set[r] = true
	}
	return set
}

func withDefaults(cfg Config) Config {
	if cfg.Listen == "" {
		cfg.Listen = DefaultListen
	}
	if cfg.DataDir == "" {
		cfg.DataDir = DefaultDataDir
	}
	if cfg.Region == "" {
		cfg.Region = DefaultRegion
	}
	if len(cfg.Regions) == 0 {
		cfg.Regions = slices.Clone(scope.CommercialRegions)
	}
	if cfg.Workers <= 0 {
		cfg.Workers = DefaultWorkers
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Getenv == nil {
		cfg.Getenv = os.Getenv
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return cfg
}

// Handler is the HTTP handler: the AWS front door plus /healthz and /metrics.
func (s *Server) Handler() http.Handler { return s.handler }

// Close releases the store.
func (s *Server) Close() error { return s.db.Close() }

// EnsureCredentials creates the first key pair when the store has none, and writes the first
// key pair with this process's endpoint to the data directory's credentials file (mode 0600) for
// `surveyor env` — on every start, so the file follows --listen and a process sharing a store
// with others has one too.
func (s *Server) EnsureCredentials(ctx context.Context, endpoint string) (created bool, err error) {
	k, created, err := s.keys.Ensure(ctx)
	if err != nil {
		return false, err
	}
	if !created {
		if k, err = s.keys.First(ctx); err != nil {
			return false, err
		}
	}
	c := Credentials{AccessKeyID: k.AccessKeyID, SecretAccessKey: k.SecretAccessKey, AccountID: k.AccountID,
		Region: s.cfg.Region, Endpoint: endpoint}
	b, _ := json.MarshalIndent(c, "", "  ")
	path := filepath.Join(s.cfg.DataDir, CredentialsFile)
	if err := os.WriteFile(path, append(b, '\n'), 0o600); err != nil {
		return created, fmt.Errorf("write %s: %w", path, err)
	}
	return created, nil
}

// Run serves until ctx is done, then shuts down gracefully: it stops accepting requests, lets
// those in flight finish (up to 15 s) and stops the background work.
func (s *Server) Run(ctx context.Context) error {
	ln, err := net.Listen("tcp", s.cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", s.cfg.Listen, err)
	}
	return s.Serve(ctx, ln)
}

// Serve is Run on a listener the caller opened.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	endpoint := "http://" + ln.Addr().String()
	s.endpoint.Store(endpoint)
	if created, err := s.EnsureCredentials(ctx, endpoint); err != nil {
		ln.Close()
		return err
	} else if created {
		s.log.Info("created the first access key; `surveyor env` prints it", "dataDir", s.cfg.DataDir)
	}
	if s.cfg.Sample {
		if err := s.ensureSample(ctx); err != nil {
			s.log.Warn("could not register the sample shop database", "err", err)
		}
	}
	srv := &http.Server{Handler: s.handler, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute,
		WriteTimeout: time.Minute, IdleTimeout: 2 * time.Minute, ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelWarn)}
	var wg sync.WaitGroup
	bg, stopBG := context.WithCancel(context.WithoutCancel(ctx))
	wg.Go(func() { s.background(bg) })
	wg.Go(func() { s.scheduler.Run(bg) })
	// Workers stop claiming when ctx is done and finish or release what they hold.
	wg.Go(func() {
		if err := s.workers.Run(ctx); err != nil {
			s.log.Warn("workers", "err", err)
		}
	})

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	s.log.Info("serving", "endpoint", endpoint, "region", s.cfg.Region, "workers", s.cfg.Workers)
	s.log.Info("web console: open "+s.consoleURL()+" and sign in with the keys `surveyor env` prints", "console", s.consoleURL())
	select {
	case err := <-errc:
		stopBG()
		wg.Wait()
		return err
	case <-ctx.Done():
	}
	s.log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	err := srv.Shutdown(shutdownCtx)
	stopBG()
	wg.Wait()
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// background runs periodic housekeeping until ctx is done.
func (s *Server) background(ctx context.Context) {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		housekeep(ctx, s, "purge deleted secrets", "purged secrets past their recovery window", s.secrets.Purge)
		housekeep(ctx, s, "purge expired STS credentials", "purged expired STS credentials", s.keys.PurgeSessions)
		housekeep(ctx, s, "purge expired AppSync introspections", "purged AppSync introspections past their retention",
			(&appsync.Facade{Services: s.core, Retention: s.cfg.AppSyncRetention}).Purge)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// housekeep runs one purge. Its failures go to the outage watch, which logs a store outage once.
func housekeep[N int | int64](ctx context.Context, s *Server, what, done string, purge func(context.Context) (N, error)) {
	n, err := purge(ctx)
	switch {
	case err != nil && ctx.Err() == nil:
		s.outage.Failed(what, err, time.Minute)
	case err == nil:
		s.outage.OK()
		if n > 0 {
			s.log.Info(done, "count", n)
		}
	}
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "application/json")
	if err := s.db.Ping(ctx); err != nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintln(w, `{"status":"unavailable","store":"unreachable"}`)
		return
	}
	fmt.Fprintf(w, `{"status":"ok","store":%q}`+"\n", s.db.Dialect)
}

// checkMasterKey records a check value of the master key in a new store, and refuses to start on
// a store that was created with another key (its secrets would not open).
func (s *Server) checkMasterKey(ctx context.Context, master *secrets.Sealer) error {
	return s.db.Tx(ctx, func(tx *store.Tx) error {
		var id string
		err := tx.QueryRow(ctx, "SELECT value FROM settings WHERE name = 'master_key_id'").Scan(&id)
		switch {
		case err == nil:
			if id != master.KeyID() {
				return fmt.Errorf("the master key (id %s) is not the one this store was created with (id %s): set %s or restore %s",
					master.KeyID(), id, secrets.MasterKeyEnv, secrets.MasterKeyFile)
			}
			return nil
		case errors.Is(err, sql.ErrNoRows):
			_, err := tx.Exec(ctx, "INSERT INTO settings (name, value) VALUES ('master_key_id', ?) ON CONFLICT (name) DO NOTHING", master.KeyID())
			return err
		default:
			return fmt.Errorf("read master key id: %w", err)
		}
	})
}

// newRunID returns 14 random lower-case letters and digits.
func newRunID() string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 14)
	if _, err := rand.Read(b); err != nil {
		panic("server: crypto/rand failed: " + err.Error())
	}
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// derive makes a purpose-specific key from the master key.
func derive(master []byte, purpose string) []byte {
	m := hmac.New(sha256.New, master)
	m.Write([]byte(purpose))
	return m.Sum(nil)
}

// ReadCredentials reads the credentials file of a data directory.
func ReadCredentials(dataDir string) (Credentials, error) {
	var c Credentials
	b, err := os.ReadFile(filepath.Join(dataDir, CredentialsFile))
	if errors.Is(err, os.ErrNotExist) {
		return c, fmt.Errorf("no credentials in %s: start `surveyor serve --data-dir %s` once first", dataDir, dataDir)
	}
	if err != nil {
		return c, err
	}
	if err := json.Unmarshal(b, &c); err != nil {
		return c, fmt.Errorf("read %s: %w", CredentialsFile, err)
	}
	return c, nil
}

// CreateKey opens the store of cfg and creates a key pair for account (random when empty).
func CreateKey(ctx context.Context, cfg Config, account string) (awsapi.Key, error) {
	cfg = withDefaults(cfg)
	srv, err := New(ctx, cfg)
	if err != nil {
		return awsapi.Key{}, err
	}
	defer srv.Close()
	return srv.keys.Create(ctx, account)
}
