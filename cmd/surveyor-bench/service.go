package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	dz "github.com/aws/aws-sdk-go-v2/service/datazone"
	"github.com/aws/aws-sdk-go-v2/service/datazone/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/jackc/pgx/v5"

	"github.com/surveyorhq/surveyor/internal/connector"
	"github.com/surveyorhq/surveyor/internal/server"
	"github.com/surveyorhq/surveyor/internal/testdb"
)

// The stores a service run can use.
const (
	storeSQLite   = "sqlite"
	storePostgres = "postgres"
)

// serviceResult is a DataZone data source on the generated database, run twice through a real
// `surveyor serve` on one store: first into an empty catalog, then again unchanged.
type serviceResult struct {
	store        string
	first, rerun serviceRun
}

// serviceRun is one data source run as a user sees it.
type serviceRun struct {
	wall time.Duration // StartDataSourceRun until GetDataSourceRun says it ended
	// peakMiB is the server's high-water RSS during the run (reset before it), afterMiB its RSS
	// once the run ended.
	peakMiB, afterMiB float64
	// rows is the rows the run inserted into the catalog: assets, revisions, activities,
	// foreign key references and removals.
	rows  int64
	stats types.RunStatisticsForAssets
}

// measureServices runs the data source on each store of cfg, cfg.serviceRuns times, each time with a
// new server on a new store, the stores taking turns: the result has the median wall times and
// the highest peaks.
func measureServices(ctx context.Context, cfg config, src connector.Source, tmp, profile string, progress io.Writer) ([]serviceResult, error) {
	all := make([][]serviceResult, len(cfg.stores))
	for range cfg.serviceRuns {
		for i, st := range cfg.stores {
			r, err := measureService(ctx, cfg, st, src, tmp, profile, progress)
			if err != nil {
				return nil, fmt.Errorf("service run on the %s store: %w", st, err)
			}
			all[i] = append(all[i], r)
		}
	}
	var out []serviceResult
	for _, rs := range all {
		out = append(out, summarize(rs))
	}
	return out, nil
}

// summarize keeps the median wall time and the highest peak RSS of each run of rs.
func summarize(rs []serviceResult) serviceResult {
	out := rs[len(rs)-1]
	for _, run := range []func(*serviceResult) *serviceRun{
		func(r *serviceResult) *serviceRun { return &r.first },
		func(r *serviceResult) *serviceRun { return &r.rerun },
	} {
		var walls []time.Duration
		for i := range rs {
			m := run(&rs[i])
			walls = append(walls, m.wall)
			run(&out).peakMiB = max(run(&out).peakMiB, m.peakMiB)
			run(&out).afterMiB = max(run(&out).afterMiB, m.afterMiB)
		}
		run(&out).wall = median(walls)
	}
	return out
}

func measureService(ctx context.Context, cfg config, storeKind string, src connector.Source, tmp, profile string, progress io.Writer) (r serviceResult, err error) {
	r.store = storeKind
	dataDir, err := os.MkdirTemp(tmp, "data-")
	if err != nil {
		return r, err
	}
	defer os.RemoveAll(dataDir)
	st := &catalogStore{kind: storeKind, path: filepath.Join(dataDir, "surveyor.db")}
	if storeKind == storePostgres {
		drop, err := st.createPostgres(ctx)
		if err != nil {
			return r, err
		}
		defer func() { err = errors.Join(err, drop()) }()
	}
	// With a profile path prefix (-profile), each run has a server of its own, started with CPU and allocation profiles
	// (the rerun's server starts on the first one's store), and the PostgreSQL store logs every
	// statement with its duration.
	prof := func(run string) []string {
		if profile == "" {
			return nil
		}
		p := fmt.Sprintf("%s-serve-%s-%s", profile, storeKind, run)
		return []string{"--cpuprofile", p + ".cpu.pprof", "--memprofile", p + ".alloc.pprof"}
	}
	if profile != "" && storeKind == storePostgres {
		if err := st.logStatements(ctx); err != nil {
			return r, err
		}
	}
	srv, err := startServer(ctx, cfg.surveyor, dataDir, st.dsn, "", prof("first")...)
	if err != nil {
		return r, err
	}
	defer func() { srv.stop() }()
	ds, err := srv.createDataSource(ctx, src)
	if err != nil {
		return r, err
	}
	for i, run := range []*serviceRun{&r.first, &r.rerun} {
		if i > 0 && profile != "" {
			domain, addr := srv.domain, srv.addr // the credentials file names the address
			srv.stop()
			if srv, err = startServer(ctx, cfg.surveyor, dataDir, st.dsn, addr, prof("rerun")...); err != nil {
				return r, err
			}
			srv.domain = domain
		}
		before, err := st.rows(ctx)
		if err != nil {
			return r, err
		}
		if *run, err = srv.run(ctx, ds); err != nil {
			return r, err
		}
		after, err := st.rows(ctx)
		if err != nil {
			return r, err
		}
		run.rows = after - before
		s := run.stats
		fmt.Fprintf(progress, "%s: %s store, run %d: %s, server peak RSS %.1f MB (%.1f MB after), %d rows; added %d, updated %d, unchanged %d, failed %d\n",
			src.Engine, storeKind, i+1, round(run.wall), run.peakMiB, run.afterMiB, run.rows,
			aws.ToInt32(s.Added), aws.ToInt32(s.Updated), aws.ToInt32(s.Unchanged), aws.ToInt32(s.Failed))
	}
	return r, nil
}

// process is a running `surveyor serve` with clients signed by its first key.
type process struct {
	cmd    *exec.Cmd
	addr   string
	dz     *dz.Client
	sm     *secretsmanager.Client
	domain string
}

// startServer starts `surveyor serve` on the data directory and store, listening on addr (a free
// port when empty), with extra arguments.
func startServer(ctx context.Context, bin, dataDir, storeDSN, addr string, extra ...string) (*process, error) {
	if addr == "" {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		addr = ln.Addr().String()
		ln.Close()
	}
	args := []string{"serve", "--data-dir", dataDir, "--listen", addr, "--log-level", "warn", "--no-sample"}
	if storeDSN != "" {
		args = append(args, "--store", storeDSN)
	}
	args = append(args, extra...)
	// The server is started directly: its RSS is read from /proc while it runs (VmHWM belongs
	// to the address space it got at exec), not from rusage.
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &process{cmd: cmd, addr: addr}
	var (
		creds server.Credentials
		err   error
	)
	for i := 0; ; i++ {
		if creds, err = server.ReadCredentials(dataDir); err == nil {
			if c, err := net.Dial("tcp", addr); err == nil {
				c.Close()
				break
			}
		}
		if i > 600 {
			s.stop()
			return nil, fmt.Errorf("server did not start: %w", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	conf := aws.Config{Region: creds.Region, BaseEndpoint: aws.String(creds.Endpoint), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider(creds.AccessKeyID, creds.SecretAccessKey, "")}
	s.dz, s.sm = dz.NewFromConfig(conf), secretsmanager.NewFromConfig(conf)
	return s, nil
}

func (s *process) stop() {
	s.cmd.Process.Signal(os.Interrupt)
	s.cmd.Wait()
}

// createDataSource creates the secret, a domain, a project and a REDSHIFT data source (the
// secret names the real engine) over the whole generated database.
func (s *process) createDataSource(ctx context.Context, src connector.Source) (string, error) {
	secret := map[string]any{"engine": src.Engine, "host": src.Host, "port": src.Port, "username": src.User, "password": src.Password, "dbname": src.Database}
	database := src.Database
	if src.Engine == connector.SQLite {
		secret, database = map[string]any{"engine": src.Engine, "path": src.Path}, "main"
	}
	b, _ := json.Marshal(secret)
	sec, err := s.sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("bench/source"), SecretString: aws.String(string(b))})
	if err != nil {
		return "", fmt.Errorf("CreateSecret: %w", err)
	}
	d, err := s.dz.CreateDomain(ctx, &dz.CreateDomainInput{Name: aws.String("bench")})
	if err != nil {
		return "", fmt.Errorf("CreateDomain: %w", err)
	}
	s.domain = aws.ToString(d.Id)
	p, err := s.dz.CreateProject(ctx, &dz.CreateProjectInput{DomainIdentifier: d.Id, Name: aws.String("bench")})
	if err != nil {
		return "", fmt.Errorf("CreateProject: %w", err)
	}
	ds, err := s.dz.CreateDataSource(ctx, &dz.CreateDataSourceInput{
		DomainIdentifier: d.Id, ProjectIdentifier: p.Id, Name: aws.String("bench"), Type: aws.String("REDSHIFT"),
		Configuration: &types.DataSourceConfigurationInputMemberRedshiftRunConfiguration{Value: types.RedshiftRunConfigurationInput{
			RelationalFilterConfigurations:  []types.RelationalFilterConfiguration{{DatabaseName: aws.String(database)}},
			RedshiftCredentialConfiguration: &types.RedshiftCredentialConfiguration{SecretManagerArn: sec.ARN},
		}},
	})
	if err != nil {
		return "", fmt.Errorf("CreateDataSource: %w", err)
	}
	return aws.ToString(ds.Id), nil
}

// run starts a run of the data source and waits for its end, watching the server's memory.
func (s *process) run(ctx context.Context, ds string) (serviceRun, error) {
	var r serviceRun
	pid := s.cmd.Process.Pid
	// Reset the server's high-water mark to its current RSS, so the peak is this run's.
	if err := os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0); err != nil {
		return r, fmt.Errorf("reset the server's peak RSS: %w", err)
	}
	start := time.Now()
	run, err := s.dz.StartDataSourceRun(ctx, &dz.StartDataSourceRunInput{DomainIdentifier: &s.domain, DataSourceIdentifier: &ds})
	if err != nil {
		return r, fmt.Errorf("StartDataSourceRun: %w", err)
	}
	for {
		got, err := s.dz.GetDataSourceRun(ctx, &dz.GetDataSourceRunInput{DomainIdentifier: &s.domain, Identifier: run.Id})
		if err != nil {
			return r, fmt.Errorf("GetDataSourceRun: %w", err)
		}
		switch got.Status {
		case types.DataSourceRunStatusSuccess:
			r.wall = time.Since(start)
			r.stats = *got.RunStatisticsForAssets
			status, err := procStatus(pid)
			if err != nil {
				return r, err
			}
			r.peakMiB, r.afterMiB = float64(status["VmHWM"])/1024, float64(status["VmRSS"])/1024
			return r, nil
		case types.DataSourceRunStatusFailed, types.DataSourceRunStatusPartiallySucceeded:
			msg := ""
			if got.ErrorMessage != nil {
				msg = aws.ToString(got.ErrorMessage.ErrorDetail)
			}
			return r, fmt.Errorf("run %s ended %s: %s", aws.ToString(run.Id), got.Status, msg)
		}
		select {
		case <-ctx.Done():
			return r, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// procStatus reads the kB fields of /proc/PID/status.
func procStatus(pid int) (map[string]int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return nil, err
	}
	out := map[string]int64{}
	for line := range strings.Lines(string(b)) {
		k, v, ok := strings.Cut(line, ":")
		if v, isKB := strings.CutSuffix(strings.TrimSpace(v), " kB"); ok && isKB {
			if n, err := strconv.ParseInt(v, 10, 64); err == nil {
				out[k] = n
			}
		}
	}
	return out, nil
}

// catalogStore is the store a service run writes to: the SQLite file of its data directory, or
// a fresh PostgreSQL database.
type catalogStore struct {
	kind string
	path string // SQLite
	dsn  string // PostgreSQL
}

// createPostgres creates the store database on the PostgreSQL server of the tests and returns
// a function that drops it.
func (c *catalogStore) createPostgres(ctx context.Context) (func() error, error) {
	raw := os.Getenv("SURVEYOR_TEST_PG")
	if raw == "" {
		raw = testdb.DefaultPG
	}
	admin, err := connector.ParseURI(raw)
	if err != nil {
		return nil, fmt.Errorf("SURVEYOR_TEST_PG: %w", err)
	}
	name := testdb.Name("surveyor_store")
	conn, err := pgx.Connect(ctx, testdb.PGDSN(admin))
	if err != nil {
		return nil, err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return nil, fmt.Errorf("create store database %s: %w", name, err)
	}
	st := admin
	st.Database = name
	c.dsn = uri(st)
	return func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		conn, err := pgx.Connect(ctx, testdb.PGDSN(admin))
		if err != nil {
			return err
		}
		defer conn.Close(ctx)
		_, err = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		return err
	}, nil
}

// logStatements makes the PostgreSQL server log every statement on the store database with its
// duration (log_min_duration_statement = 0 for this database only; it goes with the database).
func (c *catalogStore) logStatements(ctx context.Context) error {
	db, err := sql.Open("pgx", c.dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	var name string
	if err := db.QueryRowContext(ctx, `SELECT current_database()`).Scan(&name); err != nil {
		return err
	}
	if _, err := db.ExecContext(ctx, `ALTER DATABASE `+pgx.Identifier{name}.Sanitize()+` SET log_min_duration_statement = 0`); err != nil {
		return fmt.Errorf("log the store's statements: %w", err)
	}
	return nil
}

// rows counts the catalog's rows: assets, revisions, activities, foreign key references and
// removals.
func (c *catalogStore) rows(ctx context.Context) (int64, error) {
	driver, dsn := "sqlite", "file:"+c.path+"?mode=ro&_pragma=busy_timeout(10000)"
	if c.kind == storePostgres {
		driver, dsn = "pgx", c.dsn
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		return 0, err
	}
	defer db.Close()
	var n int64
	err = db.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM assets) + (SELECT count(*) FROM asset_revisions) + (SELECT count(*) FROM activities)
		+ (SELECT count(*) FROM asset_references) + (SELECT count(*) FROM asset_removals)`).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count the catalog's rows: %w", err)
	}
	return n, nil
}

// reportServices prints the service runs: each store's first run and unchanged rerun against
// the bare scan, the server's memory and the rows written.
func reportServices(w io.Writer, results []result) {
	found := false
	for _, r := range results {
		found = found || len(r.services) > 0
	}
	if !found {
		return
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| engine | tables | store | scan | first run | / scan | server peak (MB) | after (MB) | rows | rerun | / scan | server peak (MB) | rows |")
	fmt.Fprintln(w, "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, r := range results {
		for _, s := range r.services {
			big := r.tables >= targetsAtTables
			first, rerun := float64(s.first.wall)/float64(r.scan), float64(s.rerun.wall)/float64(r.scan)
			fmt.Fprintf(w, "| %s | %d | %s | %s | %s | %s | %s | %.1f | %d | %s | %s | %s | %d |\n",
				r.engine, r.tables, s.store, round(r.scan),
				round(s.first.wall), cell(fmt.Sprintf("%.2f", first), first > maxServiceRatio),
				cell(fmt.Sprintf("%.1f", s.first.peakMiB), big && s.first.peakMiB > maxServerRSSMiB), s.first.afterMiB, s.first.rows,
				round(s.rerun.wall), cell(fmt.Sprintf("%.2f", rerun), rerun > maxRerunRatio),
				cell(fmt.Sprintf("%.1f", s.rerun.peakMiB), big && s.rerun.peakMiB > maxServerRSSMiB), s.rerun.rows)
		}
	}
}
