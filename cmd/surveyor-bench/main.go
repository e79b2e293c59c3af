// Command surveyor-bench measures discovery on large schemas as users run it: for each engine and
// size it loads a generated schema (internal/benchgen) into a fresh database, then reports
//
//   - the floor (the connector's catalog queries with every row read and discarded), the bare
//     scan (Discover, in process), their ratio, and the peak RSS of a child process doing one scan;
//
//   - `surveyor scan --format F` with its output going to a file, for each format, through the
//     real binary: wall time and the process's peak RSS;
//
//   - a DataZone data source on the generated database, run through a real `surveyor serve` on
//     each store (SQLite in a data directory, a fresh PostgreSQL database), first into an empty
//     catalog and then again unchanged: wall time from StartDataSourceRun to the run's end, the
//     server's peak RSS during the run and its RSS after, and the rows the run inserted
//     (-service-runs times, each on a new store: median wall, highest RSS).
//
//     go run ./cmd/surveyor-bench [-sizes 2000,10000] [-engines postgres,mysql,sqlite] [-runs 3] [-keep]
//     go run ./cmd/surveyor-bench -sizes 10000 -engines sqlite -reuse sqlite:///tmp/surveyor-bench-1/bench.db
//     go run ./cmd/surveyor-bench -formats ” -stores ”    # the bare scan only
//
// -keep leaves the loaded databases in place and prints their URIs; -reuse then measures one of
// them again (one engine, one size, the same -seed) without loading it anew. The surveyor binary
// is built from this repository unless -surveyor names one.
//
// PostgreSQL and MariaDB are the servers named by SURVEYOR_TEST_PG and SURVEYOR_TEST_MYSQL (the
// internal/testdb defaults otherwise); SQLite is a temporary file. Targets: scan ≤ 1.3× the
// floor, peak RSS ≤ 150 MB; scan --format json ≤ 1.3× the floor (1.5× on SQLite), ≤ 150 MB in
// every format at 10,000 tables; a service run ≤ 1.5× the bare scan with the server ≤ 250 MB, an
// unchanged rerun ≤ 1.2×. A missed target is printed as MISSED; the exit status is non-zero only
// on errors, including a scan that finds a different number of assets than were generated.
package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	_ "github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5"
	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"

	"github.com/surveyorhq/surveyor/internal/benchgen"
	"github.com/surveyorhq/surveyor/internal/connector"
	"github.com/surveyorhq/surveyor/internal/connector/mysql"
	"github.com/surveyorhq/surveyor/internal/connector/postgres"
	"github.com/surveyorhq/surveyor/internal/connector/sqlite"
	"github.com/surveyorhq/surveyor/internal/schema"
	"github.com/surveyorhq/surveyor/internal/testdb"
)

// Targets from the benchmark issues.
const (
	maxRatio  = 1.3
	maxRSSMiB = 150.0
	// scan --format json, against the floor; SQLite's floor is the fastest, so output weighs more.
	maxJSONRatio       = 1.3
	maxJSONRatioSQLite = 1.5
	// a DataZone run through the server, against the bare scan.
	maxServiceRatio = 1.5
	maxRerunRatio   = 1.2
	maxServerRSSMiB = 250.0
	targetsAtTables = 10000 // the RSS targets hold from this size
	defaultFormats  = "json,table,markdown"
	defaultStores   = storeSQLite + "," + storePostgres
)

// scanner is what the bench needs of a connector.
type scanner interface {
	Discover(ctx context.Context, src connector.Source, opts connector.Options) (*schema.Snapshot, error)
	Floor(ctx context.Context, src connector.Source, opts connector.Options) (int64, error)
}

func scannerFor(engine string) (scanner, error) {
	switch engine {
	case connector.Postgres:
		return postgres.New(), nil
	case connector.MySQL:
		return mysql.New(), nil
	case connector.SQLite:
		return sqlite.New(), nil
	}
	return nil, fmt.Errorf("unknown engine %q (want postgres, mysql or sqlite)", engine)
}

type config struct {
	sizes       []int
	engines     []string
	runs        int
	keep        bool
	seed        int64
	profileDir  string
	reuse       string
	opts        connector.Options
	formats     []string // scan --format runs
	stores      []string // service runs
	serviceRuns int
	surveyor    string // the binary for both
}

func main() {
	var (
		sizes       = flag.String("sizes", "2000,10000", "comma-separated numbers of table-like assets")
		engines     = flag.String("engines", "postgres,mysql,sqlite", "comma-separated engines")
		runs        = flag.Int("runs", 3, "timed runs of floor and scan; the median is reported")
		keep        = flag.Bool("keep", false, "keep the generated databases and files")
		seed        = flag.Int64("seed", 1, "seed of the schema generator")
		profileDir  = flag.String("profile", "", "directory for CPU and allocation profiles of the child scans, of one more scan per format and of the servers (one per service run; the PostgreSQL store logs every statement)")
		reuse       = flag.String("reuse", "", "URI of a database kept by -keep: measure it instead of loading a new one (one engine, one size)")
		formats     = flag.String("formats", defaultFormats, "comma-separated formats of `surveyor scan` runs; empty for none")
		stores      = flag.String("stores", defaultStores, "comma-separated stores of DataZone service runs; empty for none")
		serviceRuns = flag.Int("service-runs", 1, "service runs (first and rerun, on a new store) per store; the median is reported")
		surveyor    = flag.String("surveyor", "", "surveyor binary for the scan and service runs (default: build ./cmd/surveyor)")
		childScan   = flag.String("child-scan", "", "internal: run one Discover of this engine on the URI argument and exit")
		childExec   = flag.String("child-exec", "", "internal: run the command after --, its output in this file, and print its wall time and peak RSS")
		cpuProfile  = flag.String("cpuprofile", "", "internal, with -child-scan: write a CPU profile")
		memProfile  = flag.String("memprofile", "", "internal, with -child-scan: write a heap profile")
	)
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	opts := connector.Options{StatementTimeout: 15 * time.Minute}.WithDefaults()

	if *childExec != "" {
		if err := launch(ctx, *childExec, flag.Args(), os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, "child exec:", err)
			os.Exit(1)
		}
		return
	}
	if *childScan != "" {
		if err := child(ctx, *childScan, flag.Arg(0), opts, *cpuProfile, *memProfile, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, "child scan:", err)
			os.Exit(1)
		}
		return
	}
	cfg := config{runs: *runs, keep: *keep, seed: *seed, profileDir: *profileDir, reuse: *reuse, opts: opts, surveyor: *surveyor, serviceRuns: *serviceRuns}
	if err := cfg.parseLists(*formats, *stores, *sizes, *engines); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	if cfg.reuse != "" && (len(cfg.sizes) != 1 || len(cfg.engines) != 1) {
		fmt.Fprintln(os.Stderr, "-reuse measures one database: give one size and one engine")
		os.Exit(2)
	}
	if cfg.runs < 1 || cfg.serviceRuns < 1 {
		fmt.Fprintln(os.Stderr, "-runs and -service-runs must be at least 1")
		os.Exit(2)
	}
	if err := run(ctx, cfg, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "surveyor-bench:", err)
		os.Exit(1)
	}
}

// parseLists reads the comma-separated -formats, -stores, -sizes and -engines into cfg.
func (cfg *config) parseLists(formats, stores, sizes, engines string) error {
	for _, f := range list(formats) {
		if !slices.Contains(strings.Split(defaultFormats, ","), f) {
			return fmt.Errorf("-formats: %q is not one of %s", f, defaultFormats)
		}
		cfg.formats = append(cfg.formats, f)
	}
	for _, st := range list(stores) {
		if st != storeSQLite && st != storePostgres {
			return fmt.Errorf("-stores: %q is not one of %s", st, defaultStores)
		}
		cfg.stores = append(cfg.stores, st)
	}
	for _, s := range strings.Split(sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			return fmt.Errorf("-sizes: %q is not a positive number", s)
		}
		cfg.sizes = append(cfg.sizes, n)
	}
	for _, e := range strings.Split(engines, ",") {
		e = strings.TrimSpace(e)
		if _, err := scannerFor(e); err != nil {
			return fmt.Errorf("-engines: %w", err)
		}
		cfg.engines = append(cfg.engines, e)
	}
	return nil
}

// list splits a comma-separated flag value, dropping empty items.
func list(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// result is one row of the report.
type result struct {
	engine             string
	tables, columns    int
	genColumns         int
	load, floor, scan  time.Duration
	floorRows          int64
	rssMiB             float64
	childWall          time.Duration
	serverVersion      string
	floorRuns, scanRun []time.Duration
	outputs            []outputResult
	services           []serviceResult
}

func run(ctx context.Context, cfg config, out, progress io.Writer) error {
	if len(cfg.formats) > 0 || len(cfg.stores) > 0 {
		tmp, err := os.MkdirTemp("", "surveyor-bench-bin-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		if cfg.surveyor, err = buildSurveyor(ctx, cfg.surveyor, tmp, progress); err != nil {
			return err
		}
	}
	var results []result
	var errs []error
	for _, engine := range cfg.engines {
		for _, size := range cfg.sizes {
			r, err := benchOne(ctx, cfg, engine, size, progress)
			if err != nil {
				err = fmt.Errorf("%s at %d tables: %w", engine, size, err)
				fmt.Fprintln(progress, "ERROR:", err)
				errs = append(errs, err)
				if ctx.Err() != nil {
					return errors.Join(errs...)
				}
				continue
			}
			results = append(results, r)
		}
	}
	report(out, results)
	return errors.Join(errs...)
}

func benchOne(ctx context.Context, cfg config, engine string, size int, progress io.Writer) (r result, err error) {
	r.engine = engine
	sc, err := scannerFor(engine)
	if err != nil {
		return r, err
	}
	gen, err := benchgen.Build(engine, size, cfg.seed)
	if err != nil {
		return r, err
	}
	r.genColumns = gen.Columns
	fmt.Fprintf(progress, "%s %d: %d assets (%d views, %d materialized views, %d partitioned, %d partitions), %d columns, %d foreign keys, %d indexes\n",
		engine, size, gen.Tables, gen.Views, gen.MaterializedViews, gen.PartitionedTables, gen.Partitions, gen.Columns, gen.ForeignKeys, gen.Indexes)

	if cfg.reuse != "" {
		src, err := connector.ParseURI(cfg.reuse)
		if err != nil {
			return r, fmt.Errorf("-reuse: %w", err)
		}
		if src.Engine != engine {
			return r, fmt.Errorf("-reuse: %s is not a %s database", src.Redacted(), engine)
		}
		return measure(ctx, cfg, sc, gen, src, r, progress)
	}
	src, db, drop, err := createDatabase(ctx, engine)
	if err != nil {
		return r, err
	}
	defer func() {
		db.Close()
		if cfg.keep {
			fmt.Fprintf(progress, "%s %d: kept %s\n", engine, size, src.Redacted())
			return
		}
		start := time.Now()
		if derr := drop(); derr != nil {
			err = errors.Join(err, fmt.Errorf("drop %s: %w", src.Redacted(), derr))
		}
		fmt.Fprintf(progress, "%s %d: dropped in %s\n", engine, size, round(time.Since(start)))
	}()

	start := time.Now()
	if err := benchgen.Load(ctx, db, engine, gen.Batches); err != nil {
		return r, err
	}
	r.load = time.Since(start)
	fmt.Fprintf(progress, "%s %d: loaded in %s\n", engine, size, round(r.load))
	if engine == connector.Postgres {
		// Fresh catalogs: give the planner statistics, as a real database has.
		if _, err := db.ExecContext(ctx, "ANALYZE pg_catalog.pg_class, pg_catalog.pg_attribute, pg_catalog.pg_constraint, pg_catalog.pg_index, pg_catalog.pg_type, pg_catalog.pg_description, pg_catalog.pg_attrdef, pg_catalog.pg_depend"); err != nil {
			return r, fmt.Errorf("analyze catalogs: %w", err)
		}
	}
	return measure(ctx, cfg, sc, gen, src, r, progress)
}

// measure times floor and scan on a loaded database and measures a child scan's peak RSS.
func measure(ctx context.Context, cfg config, sc scanner, gen *benchgen.Schema, src connector.Source, r result, progress io.Writer) (result, error) {
	engine, size := r.engine, gen.Tables
	var err error
	// One untimed floor warms the server's caches for both measurements.
	if r.floorRows, err = sc.Floor(ctx, src, cfg.opts); err != nil {
		return r, fmt.Errorf("floor: %w", err)
	}
	var snap *schema.Snapshot
	for i := range cfg.runs {
		start := time.Now()
		if _, err := sc.Floor(ctx, src, cfg.opts); err != nil {
			return r, fmt.Errorf("floor: %w", err)
		}
		r.floorRuns = append(r.floorRuns, time.Since(start))
		snap = nil
		runtime.GC()
		start = time.Now()
		if snap, err = sc.Discover(ctx, src, cfg.opts); err != nil {
			return r, fmt.Errorf("scan: %w", err)
		}
		r.scanRun = append(r.scanRun, time.Since(start))
		fmt.Fprintf(progress, "%s %d: run %d: floor %s, scan %s\n", engine, size, i+1, round(r.floorRuns[i]), round(r.scanRun[i]))
	}
	r.floor, r.scan = median(r.floorRuns), median(r.scanRun)
	r.serverVersion = snap.ServerVersion
	r.tables, r.columns = count(snap)
	if r.tables != gen.Tables {
		return r, fmt.Errorf("scan found %d table-like assets, %d were generated", r.tables, gen.Tables)
	}
	if !snap.Complete || len(snap.Failed) > 0 {
		return r, fmt.Errorf("scan incomplete: complete=%v, %d failed assets", snap.Complete, len(snap.Failed))
	}
	snap = nil

	c, err := childScan(ctx, "", src)
	if err != nil {
		return r, err
	}
	prof := ""
	if cfg.profileDir != "" {
		// Profiling costs memory of its own: profile in a second child, after measuring RSS.
		prof = filepath.Join(cfg.profileDir, fmt.Sprintf("%s-%d", engine, size))
		if _, err := childScan(ctx, prof, src); err != nil {
			return r, err
		}
	}
	if c.Tables != gen.Tables {
		return r, fmt.Errorf("child scan found %d table-like assets, %d were generated", c.Tables, gen.Tables)
	}
	r.rssMiB, r.childWall = c.rssMiB, c.wall
	fmt.Fprintf(progress, "%s %d: child scan %s, peak RSS %.1f MB\n", engine, size, round(c.wall), c.rssMiB)

	tmp, err := os.MkdirTemp("", "surveyor-bench-out-")
	if err != nil {
		return r, err
	}
	defer os.RemoveAll(tmp)
	if r.outputs, err = measureOutputs(ctx, cfg, src, tmp, prof, progress); err != nil {
		return r, err
	}
	if r.services, err = measureServices(ctx, cfg, src, tmp, prof, progress); err != nil {
		return r, err
	}
	return r, nil
}

func count(s *schema.Snapshot) (tables, columns int) {
	for _, db := range s.Databases {
		for _, ns := range db.Namespaces {
			tables += len(ns.Tables)
			for _, t := range ns.Tables {
				columns += len(t.Columns)
			}
		}
	}
	return tables, columns
}

// createDatabase makes a fresh database for engine and returns its source, an admin connection
// to it allowing multi-statement batches, and a function that drops it.
func createDatabase(ctx context.Context, engine string) (connector.Source, *sql.DB, func() error, error) {
	if engine == connector.SQLite {
		return createSQLite()
	}
	env, def := "SURVEYOR_TEST_PG", testdb.DefaultPG
	if engine == connector.MySQL {
		env, def = "SURVEYOR_TEST_MYSQL", testdb.DefaultMySQL
	}
	raw := os.Getenv(env)
	if raw == "" {
		raw = def
	}
	admin, err := connector.ParseURI(raw)
	if err != nil {
		return connector.Source{}, nil, nil, fmt.Errorf("%s: %w", env, err)
	}
	src := admin
	src.Database = testdb.Name("surveyor_bench")
	if engine == connector.Postgres {
		db, drop, err := createPostgres(ctx, admin, src)
		return src, db, drop, err
	}
	db, drop, err := createMySQL(ctx, admin, src)
	return src, db, drop, err
}

// createSQLite makes a database file in a new temporary folder.
func createSQLite() (connector.Source, *sql.DB, func() error, error) {
	dir, err := os.MkdirTemp("", "surveyor-bench-")
	if err != nil {
		return connector.Source{}, nil, nil, err
	}
	path := filepath.Join(dir, "bench.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		os.RemoveAll(dir)
		return connector.Source{}, nil, nil, err
	}
	return connector.Source{Engine: connector.SQLite, Path: path}, db, func() error { return os.RemoveAll(dir) }, nil
}

// createPostgres creates src's database on the server admin connects to.
func createPostgres(ctx context.Context, admin, src connector.Source) (*sql.DB, func() error, error) {
	name := src.Database
	conn, err := pgx.Connect(ctx, testdb.PGDSN(admin))
	if err != nil {
		return nil, nil, connector.Classify(admin, connector.Unreachable, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return nil, nil, fmt.Errorf("create database %s: %w", name, err)
	}
	drop := func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		c, err := pgx.Connect(ctx, testdb.PGDSN(admin))
		if err != nil {
			return err
		}
		defer c.Close(ctx)
		_, err = c.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		return err
	}
	db, err := sql.Open("pgx", testdb.PGDSN(src))
	if err != nil {
		return nil, nil, errors.Join(err, drop())
	}
	return db, drop, nil
}

// createMySQL creates src's database on the server admin connects to.
func createMySQL(ctx context.Context, admin, src connector.Source) (*sql.DB, func() error, error) {
	name := src.Database
	adminDB, err := sql.Open("mysql", testdb.MySQLDSN(admin))
	if err != nil {
		return nil, nil, err
	}
	defer adminDB.Close()
	if _, err := adminDB.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		return nil, nil, connector.Classify(admin, connector.Failed, fmt.Errorf("create database %s: %w", name, err))
	}
	drop := func() error {
		d, err := sql.Open("mysql", testdb.MySQLDSN(admin))
		if err != nil {
			return err
		}
		defer d.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		_, err = d.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name)
		return err
	}
	db, err := sql.Open("mysql", testdb.MySQLDSN(src))
	if err != nil {
		return nil, nil, errors.Join(err, drop())
	}
	return db, drop, nil
}

// childResult is what a child scan prints, plus what the parent measured of it.
type childResult struct {
	Tables  int `json:"tables"`
	Columns int `json:"columns"`
	// PeakRSSKiB is the child's own high-water RSS (VmHWM), 0 where /proc is missing.
	PeakRSSKiB int64 `json:"peakRSSKiB"`
	rssMiB     float64
	wall       time.Duration
}

// childScan runs one Discover in a child process of this program and reads its peak RSS. With a
// profile path prefix, the child writes <prefix>.cpu.pprof and <prefix>.heap.pprof.
func childScan(ctx context.Context, profile string, src connector.Source) (childResult, error) {
	self, err := os.Executable()
	if err != nil {
		return childResult{}, fmt.Errorf("child scan: %w", err)
	}
	args := []string{"-child-scan", src.Engine}
	if profile != "" {
		args = append(args, "-cpuprofile", profile+".cpu.pprof", "-memprofile", profile+".heap.pprof")
	}
	args = append(args, uri(src))
	cmd := exec.CommandContext(ctx, self, args...)
	var stdout strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, os.Stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return childResult{}, fmt.Errorf("child scan: %w", err)
	}
	var c childResult
	c.wall = time.Since(start)
	if err := json.Unmarshal([]byte(stdout.String()), &c); err != nil {
		return c, fmt.Errorf("child scan printed %q: %w", stdout.String(), err)
	}
	if c.PeakRSSKiB > 0 {
		// Not the rusage of the child: Linux carries the high-water RSS of the address space a
		// process had before exec into its ru_maxrss, and a Go child is started with vfork, on
		// its parent's address space, so ru_maxrss would report the parent's peak.
		c.rssMiB = float64(c.PeakRSSKiB) / 1024
		return c, nil
	}
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		return c, fmt.Errorf("child scan: no rusage on %s", runtime.GOOS)
	}
	c.rssMiB = float64(ru.Maxrss) / 1024 // KiB on Linux
	return c, nil
}

// uri renders a source for the child's command line.
func uri(s connector.Source) string {
	if s.Engine == connector.SQLite {
		return "sqlite://" + s.Path
	}
	u := s.Engine + "://" + s.User
	if s.Password != "" {
		u += ":" + s.Password
	}
	return u + "@" + s.Address() + "/" + s.Database
}

// child is the body of the child process: one Discover, counts on w as JSON.
func child(ctx context.Context, engine, rawURI string, opts connector.Options, cpuProfile, memProfile string, w io.Writer) error {
	sc, err := scannerFor(engine)
	if err != nil {
		return err
	}
	src, err := connector.ParseURI(rawURI)
	if err != nil {
		return err
	}
	if cpuProfile != "" {
		f, err := os.Create(cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	snap, err := sc.Discover(ctx, src, opts)
	if err != nil {
		return err
	}
	if memProfile != "" {
		f, err := os.Create(memProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
			return err
		}
	}
	var c childResult
	c.Tables, c.Columns = count(snap)
	c.PeakRSSKiB = peakRSSKiB()
	return json.NewEncoder(w).Encode(c)
}

// peakRSSKiB reads this process's high-water resident set size from /proc/self/status; 0 when
// it cannot.
func peakRSSKiB() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			n, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				return 0
			}
			return n
		}
	}
	return 0
}

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}

func round(d time.Duration) time.Duration {
	switch {
	case d >= 10*time.Second:
		return d.Round(100 * time.Millisecond)
	case d >= time.Second:
		return d.Round(10 * time.Millisecond)
	default:
		return d.Round(100 * time.Microsecond)
	}
}

func report(w io.Writer, results []result) {
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| engine | tables | columns | load | floor | scan | ratio | peak RSS (MB) |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---:|")
	var notes []string
	for _, r := range results {
		ratio := float64(r.scan) / float64(r.floor)
		ratioCell := fmt.Sprintf("%.2f", ratio)
		if ratio > maxRatio {
			ratioCell += " MISSED"
		}
		rssCell := fmt.Sprintf("%.1f", r.rssMiB)
		if r.rssMiB > maxRSSMiB {
			rssCell += " MISSED"
		}
		fmt.Fprintf(w, "| %s | %d | %d | %s | %s | %s | %s | %s |\n",
			r.engine, r.tables, r.columns, round(r.load), round(r.floor), round(r.scan), ratioCell, rssCell)
		if r.columns != r.genColumns {
			notes = append(notes, fmt.Sprintf("%s at %d tables: scan found %d columns, %d were generated", r.engine, r.tables, r.columns, r.genColumns))
		}
		notes = append(notes, fmt.Sprintf("%s at %d tables: floor reads %d rows; floor runs %v; scan runs %v; child scan wall %s",
			r.engine, r.tables, r.floorRows, roundAll(r.floorRuns), roundAll(r.scanRun), round(r.childWall)))
	}
	reportOutputs(w, results)
	reportServices(w, results)
	fmt.Fprintln(w)
	servers := map[string]string{}
	for _, r := range results {
		if r.serverVersion != "" {
			servers[r.engine] = r.serverVersion
		}
	}
	var versions []string
	for _, e := range []string{connector.Postgres, connector.MySQL, connector.SQLite} {
		if v, ok := servers[e]; ok {
			versions = append(versions, v)
		}
	}
	fmt.Fprintf(w, "Machine: nproc %d, %s %s/%s; %s. Targets: scan ≤ %.1f× floor, peak RSS ≤ %.0f MB; "+
		"scan --format json ≤ %.1f× floor (SQLite %.1f×), every format ≤ %.0f MB at %d tables; "+
		"service run ≤ %.1f× scan, server ≤ %.0f MB at %d tables, unchanged rerun ≤ %.1f× scan.\n",
		runtime.NumCPU(), runtime.Version(), runtime.GOOS, runtime.GOARCH, strings.Join(versions, ", "), maxRatio, maxRSSMiB,
		maxJSONRatio, maxJSONRatioSQLite, maxRSSMiB, targetsAtTables, maxServiceRatio, maxServerRSSMiB, targetsAtTables, maxRerunRatio)
	for _, n := range notes {
		fmt.Fprintln(w, "- "+n)
	}
}

func roundAll(ds []time.Duration) []time.Duration {
	out := make([]time.Duration, len(ds))
	for i, d := range ds {
		out[i] = round(d)
	}
	return out
}
