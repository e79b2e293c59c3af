// Command surveyor-crawlbench measures Glue crawls: a crawl of a folder of 10,000 files in 1,000
// Hive partitions, and a JDBC crawl of a 10,000-table PostgreSQL database next to a bare scan of
// the same database (the connector's Discover, what `surveyor scan` runs). Each crawl runs in a
// child process — the whole crawl job: read, plan, and write into a fresh store (SQLite, or with
// -stores also a fresh PostgreSQL database) — so its peak RSS (VmHWM) is its own. The scan and
// the crawls run interleaved -reps times (a shared machine's load moves); each line says the load
// average when it ran. Prints wall time, CPU time, peak RSS and bytes read, and the medians.
//
//	go run ./cmd/surveyor-crawlbench [-files 10000] [-partitions 1000] [-tables 10000] [-reps 3]
//	    [-stores sqlite,postgres] [-reuse postgres://...] [-keep]
package main

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/surveyorhq/surveyor/internal/benchgen"
	"github.com/surveyorhq/surveyor/internal/catalog"
	"github.com/surveyorhq/surveyor/internal/connector"
	"github.com/surveyorhq/surveyor/internal/connector/files"
	"github.com/surveyorhq/surveyor/internal/connector/postgres"
	"github.com/surveyorhq/surveyor/internal/crawls"
	"github.com/surveyorhq/surveyor/internal/discovery"
	"github.com/surveyorhq/surveyor/internal/gluecatalog"
	"github.com/surveyorhq/surveyor/internal/runs"
	"github.com/surveyorhq/surveyor/internal/secrets"
	"github.com/surveyorhq/surveyor/internal/store"
	"github.com/surveyorhq/surveyor/internal/testdb"
)

// childResult is what a child prints.
type childResult struct {
	Tables     int   `json:"tables"`
	Partitions int   `json:"partitions"`
	BytesRead  int64 `json:"bytesRead"`
	PeakRSSKiB int64 `json:"peakRSSKiB"`
	// A crawl's phases: opening (and migrating) its store and defining the crawler, reading its
	// targets (the scan), planning and writing the catalog in the run's finishing transaction.
	SetupMs int64 `json:"setupMs,omitempty"`
	ReadMs  int64 `json:"readMs,omitempty"`
	WriteMs int64 `json:"writeMs,omitempty"`
	wall    time.Duration
	cpu     time.Duration // user + system
	load    string        // the 1-minute load average when the child started
}

func (r childResult) String() string {
	s := fmt.Sprintf("wall %s, CPU %s, peak RSS %.0f MiB (load %s)", r.wall.Round(time.Millisecond), r.cpu.Round(time.Millisecond),
		float64(r.PeakRSSKiB)/1024, r.load)
	if r.ReadMs > 0 {
		s += fmt.Sprintf(" [store open %d ms, read %d ms, write %d ms]", r.SetupMs, r.ReadMs, r.WriteMs)
	}
	return s
}

func main() {
	var (
		nFiles     = flag.Int("files", 10000, "files in the folder crawl")
		nParts     = flag.Int("partitions", 1000, "Hive partitions of the folder crawl")
		nTables    = flag.Int("tables", 10000, "tables of the PostgreSQL database (0 skips the JDBC crawl)")
		reuse      = flag.String("reuse", "", "postgres:// URI of an already loaded database to crawl instead of loading one")
		childMode  = flag.String("child", "", "internal: crawl-files DIR | crawl-jdbc URI | scan URI")
		cpuProfile = flag.String("cpuprofile", "", "with -child: write a CPU profile here")
		keep       = flag.Bool("keep", false, "keep the loaded database and print its URI (for -reuse)")
		reps       = flag.Int("reps", 3, "interleaved repetitions of the bare scan and the JDBC crawls")
		stores     = flag.String("stores", "sqlite", "stores the JDBC crawl writes into: sqlite, postgres or both (comma-separated)")
		storeURI   = flag.String("store", "", "with -child: the store to crawl into (a postgres:// URI; default a fresh SQLite)")
	)
	flag.Parse()
	ctx := context.Background()
	if *childMode != "" {
		if *cpuProfile != "" {
			f, err := os.Create(*cpuProfile)
			if err == nil {
				pprof.StartCPUProfile(f)
				defer pprof.StopCPUProfile()
			}
		}
		if err := child(ctx, *childMode, flag.Arg(0), *storeURI, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, err)
			pprof.StopCPUProfile()
			os.Exit(1)
		}
		return
	}
	b := bench{files: *nFiles, parts: *nParts, tables: *nTables, reps: max(1, *reps), reuse: *reuse, keep: *keep,
		stores: strings.Split(*stores, ",")}
	if err := b.run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// bench is what the command was asked to measure.
type bench struct {
	files, parts, tables, reps int
	reuse                      string
	keep                       bool
	stores                     []string
}

func (b bench) run(ctx context.Context) error {
	dir, err := os.MkdirTemp("", "crawlbench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if b.files > 0 {
		size, err := writeFiles(filepath.Join(dir, "lake"), b.files, b.parts)
		if err != nil {
			return err
		}
		r, err := spawn(ctx, "crawl-files", filepath.Join(dir, "lake"), "")
		if err != nil {
			return err
		}
		fmt.Printf("files crawl: %d files (%.1f MB) in %d partitions → %d tables, %d partitions; %s, %.1f MB read\n",
			b.files, float64(size)/1e6, b.parts, r.Tables, r.Partitions, r, float64(r.BytesRead)/1e6)
	}
	if b.tables <= 0 && b.reuse == "" {
		return nil
	}
	uri := b.reuse
	if uri == "" {
		var drop func()
		if uri, drop, err = loadPostgres(ctx, b.tables); err != nil {
			return err
		}
		if b.keep {
			fmt.Fprintf(os.Stderr, "kept %s\n", uri)
		} else {
			defer drop()
		}
	}
	return b.jdbc(ctx, uri)
}

// jdbc runs the bare scan and the JDBC crawl into each store, interleaved, reps times, and
// prints every run and the medians.
func (b bench) jdbc(ctx context.Context, uri string) error {
	byKind := map[string][]childResult{}
	kinds := []string{"bare scan"}
	for _, st := range b.stores {
		kinds = append(kinds, "JDBC crawl, "+st+" store")
	}
	for rep := range b.reps {
		for _, kind := range kinds {
			r, err := b.jdbcOnce(ctx, kind, uri)
			if err != nil {
				return err
			}
			fmt.Printf("%d. %-31s %d tables; %s\n", rep+1, kind+":", r.Tables, r)
			byKind[kind] = append(byKind[kind], r)
		}
	}
	scan := median(byKind["bare scan"])
	fmt.Printf("median of %d: bare scan %s, CPU %s, peak RSS %.0f MiB\n", b.reps, scan.wall.Round(time.Millisecond),
		scan.cpu.Round(time.Millisecond), float64(scan.PeakRSSKiB)/1024)
	for _, kind := range kinds[1:] {
		m := median(byKind[kind])
		job := slices.Sorted(func(yield func(time.Duration) bool) {
			for _, r := range byKind[kind] {
				yield(r.wall - time.Duration(r.SetupMs)*time.Millisecond)
			}
		})[b.reps/2]
		fmt.Printf("median of %d: %s %s (%.2f× the scan), CPU %s, peak RSS %.0f MiB; without making its store and crawler: %s (%.2f×)\n",
			b.reps, kind, m.wall.Round(time.Millisecond), m.wall.Seconds()/scan.wall.Seconds(), m.cpu.Round(time.Millisecond),
			float64(m.PeakRSSKiB)/1024, job.Round(time.Millisecond), job.Seconds()/scan.wall.Seconds())
	}
	return nil
}

// jdbcOnce runs one bare scan or one crawl into a fresh store of the kind.
func (b bench) jdbcOnce(ctx context.Context, kind, uri string) (childResult, error) {
	switch {
	case kind == "bare scan":
		return spawn(ctx, "scan", uri, "")
	case strings.HasSuffix(kind, "postgres store"):
		storeURI, drop, err := emptyPostgres(ctx)
		if err != nil {
			return childResult{}, err
		}
		defer drop()
		return spawn(ctx, "crawl-jdbc", uri, storeURI)
	case strings.HasSuffix(kind, "sqlite store"):
		return spawn(ctx, "crawl-jdbc", uri, "")
	}
	return childResult{}, fmt.Errorf("unknown store in %q (want sqlite or postgres)", kind)
}

// median is the run with the median wall time, with the median CPU time and peak RSS.
func median(rs []childResult) childResult {
	pick := func(key func(childResult) int64) childResult {
		s := slices.Clone(rs)
		slices.SortFunc(s, func(a, b childResult) int { return cmp.Compare(key(a), key(b)) })
		return s[len(s)/2]
	}
	m := pick(func(r childResult) int64 { return int64(r.wall) })
	m.cpu = pick(func(r childResult) int64 { return int64(r.cpu) }).cpu
	m.PeakRSSKiB = pick(func(r childResult) int64 { return r.PeakRSSKiB }).PeakRSSKiB
	return m
}

// writeFiles lays out files NDJSON files over parts Hive partitions (dt=…/hour=…); the last
// partition's files carry one more field.
func writeFiles(root string, nFiles, parts int) (int64, error) {
	var size int64
	per := max(1, nFiles/parts)
	for p := range parts {
		dir := filepath.Join(root, "events", fmt.Sprintf("dt=2024-%02d-%02d", p/240%12+1, p/10%24+1), fmt.Sprintf("hour=%02d", p%10))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return 0, err
		}
		for f := range per {
			var b strings.Builder
			for i := range 20 {
				fmt.Fprintf(&b, `{"id":%d,"user":{"name":"u%d","age":%d},"page":"/p/%d","ms":%d.5,"tags":["a","b"]`, p*1000+f*20+i, i, 20+i, i, i)
				if p == parts-1 {
					b.WriteString(`,"referrer":"ad"`)
				}
				b.WriteString("}\n")
			}
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("part-%04d.json", f)), []byte(b.String()), 0o644); err != nil {
				return 0, err
			}
			size += int64(b.Len())
		}
	}
	return size, nil
}

// loadPostgres creates a database of n benchgen tables and returns its URI and a drop function.
func loadPostgres(ctx context.Context, n int) (string, func(), error) {
	src, drop, err := createPostgres(ctx, "crawlbench")
	if err != nil {
		return "", nil, err
	}
	db, err := sql.Open("pgx", testdb.PGDSN(src))
	if err != nil {
		drop()
		return "", nil, err
	}
	defer db.Close()
	fmt.Fprintf(os.Stderr, "loading %d tables into %s...\n", n, src.Database)
	start := time.Now()
	if err := benchgen.Load(ctx, db, connector.Postgres, benchgen.Generate(connector.Postgres, n, 1)); err != nil {
		drop()
		return "", nil, err
	}
	fmt.Fprintf(os.Stderr, "loaded in %s\n", time.Since(start).Round(time.Second))
	return pgURI(src), drop, nil
}

// emptyPostgres creates an empty database for a PostgreSQL store and returns its URI and a
// drop function.
func emptyPostgres(ctx context.Context) (string, func(), error) {
	src, drop, err := createPostgres(ctx, "crawlbench_store")
	if err != nil {
		return "", nil, err
	}
	return pgURI(src) + "?sslmode=disable", drop, nil
}

// createPostgres creates a uniquely named database on the test server ($SURVEYOR_TEST_PG).
func createPostgres(ctx context.Context, prefix string) (connector.Source, func(), error) {
	raw := os.Getenv("SURVEYOR_TEST_PG")
	if raw == "" {
		raw = testdb.DefaultPG
	}
	admin, err := connector.ParseURI(raw)
	if err != nil {
		return admin, nil, err
	}
	name := testdb.Name(prefix)
	conn, err := pgx.Connect(ctx, testdb.PGDSN(admin))
	if err != nil {
		return admin, nil, err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return admin, nil, err
	}
	drop := func() {
		c, err := pgx.Connect(context.Background(), testdb.PGDSN(admin))
		if err == nil {
			c.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
			c.Close(context.Background())
		}
	}
	src := admin
	src.Database = name
	return src, drop, nil
}

func pgURI(src connector.Source) string {
	u := "postgres://" + src.User
	if src.Password != "" {
		u += ":" + src.Password
	}
	return u + "@" + src.Address() + "/" + src.Database
}

// spawn runs a child of this program and reads what it printed.
func spawn(ctx context.Context, mode, arg, storeURI string) (childResult, error) {
	self, err := os.Executable()
	if err != nil {
		return childResult{}, err
	}
	cmd := exec.CommandContext(ctx, self, "-child", mode, "-store", storeURI, arg)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, os.Stderr
	load := loadAverage()
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return childResult{}, fmt.Errorf("%s: %w", mode, err)
	}
	var r childResult
	r.wall = time.Since(start)
	r.cpu = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	r.load = load
	if err := json.Unmarshal([]byte(out.String()), &r); err != nil {
		return r, fmt.Errorf("%s printed %q: %w", mode, out.String(), err)
	}
	return r, nil
}

// loadAverage is the machine's 1-minute load average, "?" when unknown.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) > 0 {
		return f[0]
	}
	return "?"
}

func child(ctx context.Context, mode, arg, storeURI string, w io.Writer) error {
	var r childResult
	switch mode {
	case "scan":
		src, err := connector.ParseURI(arg)
		if err != nil {
			return err
		}
		snap, err := postgres.New().Discover(ctx, src, connector.Options{})
		if err != nil {
			return err
		}
		r.Tables = snap.TableCount()
	case "crawl-files", "crawl-jdbc":
		var err error
		if r, err = crawl(ctx, mode, arg, storeURI); err != nil {
			return err
		}
	default:
		return fmt.Errorf("unknown child mode %q", mode)
	}
	r.PeakRSSKiB = peakRSSKiB()
	return json.NewEncoder(w).Encode(r)
}

// crawl runs one crawl job end to end into a fresh store: storeURI (an empty PostgreSQL
// database), or a new SQLite one when it is "".
func crawl(ctx context.Context, mode, arg, storeURI string) (childResult, error) {
	var r childResult
	start := time.Now()
	if storeURI == "" {
		dir, err := os.MkdirTemp("", "crawlbench-store-")
		if err != nil {
			return r, err
		}
		defer os.RemoveAll(dir)
		storeURI = filepath.Join(dir, "surveyor.db")
	}
	db, err := store.Open(ctx, storeURI)
	if err != nil {
		return r, err
	}
	defer db.Close()
	master, _ := secrets.NewSealer(secrets.NewDataKey())
	sc := gluecatalog.Scope{Account: "000000000000", Region: "us-east-1"}
	job := &discovery.Job{Secrets: &secrets.Service{DB: db, Master: master}, Master: master, Catalog: &catalog.Catalog{},
		Connectors: connector.Registry{connector.Postgres: postgres.New(), connector.Files: files.New()}}
	svc := &crawls.Service{DB: db, Runs: &runs.Queue{DB: db, Lease: 10 * time.Minute}, Catalog: gluecatalog.Catalog{Master: master}, Discovery: job}
	def := crawls.Definition{Name: "bench", Role: "r", DatabaseName: "bench"}
	err = db.Tx(ctx, func(tx *store.Tx) error {
		if err := svc.Catalog.CreateDatabase(ctx, tx, sc, gluecatalog.DatabaseInput{Name: "bench"}); err != nil {
			return err
		}
		if mode == "crawl-files" {
			def.Targets.S3Targets = []crawls.S3Target{{Path: "file://" + arg}}
		} else {
			src, err := connector.ParseURI(arg)
			if err != nil {
				return err
			}
			if err := svc.Catalog.CreateConnection(ctx, tx, sc, gluecatalog.ConnectionInput{Name: "pg", ConnectionType: "JDBC",
				ConnectionProperties: map[string]string{gluecatalog.PropURL: "jdbc:postgresql://" + src.Address() + "/" + src.Database,
					gluecatalog.PropUsername: src.User, gluecatalog.PropPassword: src.Password + "x"}}); err != nil {
				return err
			}
			def.Targets.JdbcTargets = []crawls.JdbcTarget{{ConnectionName: "pg", Path: src.Database + "/%"}}
		}
		if err := svc.Create(ctx, tx, sc, def, nil); err != nil {
			return err
		}
		return svc.Start(ctx, tx, sc, "bench")
	})
	if err != nil {
		return r, err
	}
	run, err := svc.Runs.Claim(ctx, "bench", []string{crawls.JobCrawl})
	if err != nil || run == nil {
		return r, fmt.Errorf("claim: %v", err)
	}
	read := time.Now()
	apply, err := svc.Handlers()[crawls.JobCrawl].Handle(ctx, run)
	if err != nil {
		return r, err
	}
	write := time.Now()
	if err := svc.Runs.Finish(ctx, run, apply); err != nil {
		return r, err
	}
	r.SetupMs, r.ReadMs, r.WriteMs = read.Sub(start).Milliseconds(), write.Sub(read).Milliseconds(), time.Since(write).Milliseconds()
	if run.Status != runs.StatusSuccess {
		return r, fmt.Errorf("crawl %s: %s", run.Status, run.ErrorDetail)
	}
	var res struct {
		BytesRead int64 `json:"bytesRead"`
	}
	_ = json.Unmarshal(run.Result, &res)
	var st struct {
		Tables     int `json:"tablesCreated"`
		Partitions int `json:"partitionsCreated"`
	}
	_ = json.Unmarshal(run.Stats, &st)
	r.Tables, r.Partitions, r.BytesRead = st.Tables, st.Partitions, res.BytesRead
	return r, nil
}

// peakRSSKiB is this process's high-water resident set size (VmHWM), 0 when unknown.
func peakRSSKiB() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return n
		}
	}
	return 0
}
