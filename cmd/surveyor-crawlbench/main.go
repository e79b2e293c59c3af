// Command surveyor-crawlbench measures Glue crawls: a crawl of a folder of 10,000 files in 1,000
// Hive partitions, and a JDBC crawl of a 10,000-table PostgreSQL database next to a bare scan of
// the same database (the connector's Discover, what `surveyor scan` runs). Each crawl runs in a
// child process — the whole crawl job: read, plan, and write into a fresh SQLite store — so its
// peak RSS (VmHWM) is its own. Prints wall time, peak RSS and bytes read.
//
//	go run ./cmd/surveyor-crawlbench [-files 10000] [-partitions 1000] [-tables 10000] [-reuse postgres://...]
package main

import (
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
	wall       time.Duration
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
		if err := child(ctx, *childMode, flag.Arg(0), os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, err)
			pprof.StopCPUProfile()
			os.Exit(1)
		}
		return
	}
	if err := run(ctx, *nFiles, *nParts, *nTables, *reuse, *keep); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(ctx context.Context, nFiles, nParts, nTables int, reuse string, keep bool) error {
	dir, err := os.MkdirTemp("", "crawlbench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if nFiles > 0 {
		size, err := writeFiles(filepath.Join(dir, "lake"), nFiles, nParts)
		if err != nil {
			return err
		}
		r, err := spawn(ctx, "crawl-files", filepath.Join(dir, "lake"))
		if err != nil {
			return err
		}
		fmt.Printf("files crawl: %d files (%.1f MB) in %d partitions → %d tables, %d partitions; wall %s, peak RSS %.0f MiB, %.1f MB read\n",
			nFiles, float64(size)/1e6, nParts, r.Tables, r.Partitions, r.wall.Round(time.Millisecond), float64(r.PeakRSSKiB)/1024, float64(r.BytesRead)/1e6)
	}
	if nTables <= 0 && reuse == "" {
		return nil
	}
	uri := reuse
	if uri == "" {
		var drop func()
		if uri, drop, err = loadPostgres(ctx, nTables); err != nil {
			return err
		}
		if keep {
			fmt.Fprintf(os.Stderr, "kept %s\n", uri)
		} else {
			defer drop()
		}
	}
	scan, err := spawn(ctx, "scan", uri)
	if err != nil {
		return err
	}
	crawl, err := spawn(ctx, "crawl-jdbc", uri)
	if err != nil {
		return err
	}
	fmt.Printf("bare scan:  %d tables; wall %s, peak RSS %.0f MiB\n", scan.Tables, scan.wall.Round(time.Millisecond), float64(scan.PeakRSSKiB)/1024)
	fmt.Printf("JDBC crawl: %d tables; wall %s (%.2f× the scan), peak RSS %.0f MiB\n", crawl.Tables, crawl.wall.Round(time.Millisecond),
		crawl.wall.Seconds()/scan.wall.Seconds(), float64(crawl.PeakRSSKiB)/1024)
	return nil
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
	raw := os.Getenv("SURVEYOR_TEST_PG")
	if raw == "" {
		raw = testdb.DefaultPG
	}
	admin, err := connector.ParseURI(raw)
	if err != nil {
		return "", nil, err
	}
	name := testdb.Name("crawlbench")
	conn, err := pgx.Connect(ctx, testdb.PGDSN(admin))
	if err != nil {
		return "", nil, err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return "", nil, err
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
	db, err := sql.Open("pgx", testdb.PGDSN(src))
	if err != nil {
		drop()
		return "", nil, err
	}
	defer db.Close()
	fmt.Fprintf(os.Stderr, "loading %d tables into %s...\n", n, name)
	start := time.Now()
	if err := benchgen.Load(ctx, db, connector.Postgres, benchgen.Generate(connector.Postgres, n, 1)); err != nil {
		drop()
		return "", nil, err
	}
	fmt.Fprintf(os.Stderr, "loaded in %s\n", time.Since(start).Round(time.Second))
	u := "postgres://" + src.User
	if src.Password != "" {
		u += ":" + src.Password
	}
	return u + "@" + src.Address() + "/" + name, drop, nil
}

// spawn runs a child of this program and reads what it printed.
func spawn(ctx context.Context, mode, arg string) (childResult, error) {
	self, err := os.Executable()
	if err != nil {
		return childResult{}, err
	}
	cmd := exec.CommandContext(ctx, self, "-child", mode, arg)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, os.Stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return childResult{}, fmt.Errorf("%s: %w", mode, err)
	}
	var r childResult
	r.wall = time.Since(start)
	if err := json.Unmarshal([]byte(out.String()), &r); err != nil {
		return r, fmt.Errorf("%s printed %q: %w", mode, out.String(), err)
	}
	return r, nil
}

func child(ctx context.Context, mode, arg string, w io.Writer) error {
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
		if r, err = crawl(ctx, mode, arg); err != nil {
			return err
		}
	default:
		return fmt.Errorf("unknown child mode %q", mode)
	}
	r.PeakRSSKiB = peakRSSKiB()
	return json.NewEncoder(w).Encode(r)
}

// crawl runs one crawl job end to end into a fresh SQLite store.
func crawl(ctx context.Context, mode, arg string) (childResult, error) {
	var r childResult
	dir, err := os.MkdirTemp("", "crawlbench-store-")
	if err != nil {
		return r, err
	}
	defer os.RemoveAll(dir)
	db, err := store.Open(ctx, filepath.Join(dir, "surveyor.db"))
	if err != nil {
		return r, err
	}
	defer db.Close()
	master, _ := secrets.NewSealer(secrets.NewDataKey())
	sc := gluecatalog.Scope{Account: "000000000000", Region: "us-east-1"}
	job := &discovery.Job{Secrets: &secrets.Service{DB: db, Master: master, Region: sc.Region}, Master: master, Catalog: &catalog.Catalog{},
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
	apply, err := svc.Handlers()[crawls.JobCrawl].Handle(ctx, run)
	if err != nil {
		return r, err
	}
	if err := svc.Runs.Finish(ctx, run, apply); err != nil {
		return r, err
	}
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
