package main

import (
	"context"
	"encoding/base64"
	be "encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/surveyorhq/surveyor/internal/connector"
	"github.com/surveyorhq/surveyor/internal/discovery"
	"github.com/surveyorhq/surveyor/internal/runs"
	"github.com/surveyorhq/surveyor/internal/scope"
	"github.com/surveyorhq/surveyor/internal/secrets"
	"github.com/surveyorhq/surveyor/internal/store"
	"github.com/surveyorhq/surveyor/internal/testdb"
)

// These tests run the real binary: they build it once, start `surveyor serve` processes, kill
// them, and check in the store what became of the runs.

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

func binary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "surveyor-bin")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "surveyor")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

type process struct {
	cmd  *exec.Cmd
	addr string
	// exited is closed when the process has exited; err is then its exit error.
	exited chan struct{}
	err    error
}

// serve starts `surveyor serve` with args and waits until /healthz answers.
func serve(t *testing.T, env []string, args ...string) *process {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	logf, err := os.CreateTemp(t.TempDir(), "serve-*.log")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(binary(t), append([]string{"serve", "--listen", addr}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &process{cmd: cmd, addr: addr, exited: make(chan struct{})}
	go func() { p.err = cmd.Wait(); close(p.exited) }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-p.exited
		if t.Failed() {
			b, _ := os.ReadFile(logf.Name())
			t.Logf("log of serve %s:\n%s", addr, b)
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if res, err := http.Get("http://" + addr + "/healthz"); err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return p
			}
		}
		select {
		case <-p.exited:
			b, _ := os.ReadFile(logf.Name())
			t.Fatalf("serve exited early: %v\n%s", p.err, b)
		case <-time.After(50 * time.Millisecond):
		}
	}
	t.Fatal("serve did not become healthy")
	return nil
}

// blockedSource is a PostgreSQL database whose scan blocks until release is called: the source's
// address is a gate that lets each connection's startup through (so the connection opens) and
// then holds what the client sends — the scan's BEGIN — until release opens it. (A lock on a
// table no longer blocks a scan: the scan leaves a locked relation out and reports it failed.)
func blockedSource(t *testing.T) (src connector.Source, release func()) {
	t.Helper()
	d := testdb.New(t, connector.Postgres, "surveyor_slow")
	d.Exec(t, "CREATE TABLE t (id int PRIMARY KEY)", "CREATE VIEW v AS SELECT id FROM t")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	open := make(chan struct{})
	upstream := net.JoinHostPort(d.Source.Host, fmt.Sprint(d.Source.Port))
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go gate(c, upstream, open)
		}
	}()
	var once sync.Once
	release = func() { once.Do(func() { close(open) }) }
	t.Cleanup(func() { release(); ln.Close() })
	src = d.Source
	src.Host, src.Port = "127.0.0.1", ln.Addr().(*net.TCPAddr).Port
	src.Params = map[string]string{"sslmode": "disable"} // the gate reads the startup message
	return src, release
}

// gate forwards c to upstream: the server's answers at once, the client's startup message at
// once, and the rest of what the client sends once open is closed.
func gate(c net.Conn, upstream string, open <-chan struct{}) {
	defer c.Close()
	u, err := net.Dial("tcp", upstream)
	if err != nil {
		return
	}
	defer u.Close()
	go func() { io.Copy(c, u); c.Close() }()
	var size [4]byte // the startup message: an int32 length (itself included), then the rest
	if _, err := io.ReadFull(c, size[:]); err != nil {
		return
	}
	n := int64(be.BigEndian.Uint32(size[:])) - 4
	if _, err := u.Write(size[:]); err != nil {
		return
	}
	if _, err := io.CopyN(u, c, n); err != nil {
		return
	}
	<-open
	io.Copy(u, c)
}

func enqueue(t *testing.T, db *store.DB, source string, cfg discovery.Config) runs.Run {
	t.Helper()
	raw, _ := json.Marshal(cfg)
	var r runs.Run
	err := db.Tx(context.Background(), func(tx *store.Tx) error {
		var err error
		r, _, err = (&runs.Queue{DB: db}).Enqueue(context.Background(), tx, runs.Run{Scope: scope.Scope{Account: "111111111111", Region: "us-east-1"}, SourceID: source,
			Job: discovery.JobDiscover, Type: "PRIORITIZED", Config: raw})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func waitRun(t *testing.T, db *store.DB, id string, timeout time.Duration, ok func(runs.Run) bool) runs.Run {
	t.Helper()
	q := &runs.Queue{DB: db}
	deadline := time.Now().Add(timeout)
	var r runs.Run
	for time.Now().Before(deadline) {
		var err error
		r, err = q.Get(context.Background(), scope.Scope{Account: "111111111111", Region: "us-east-1"}, id)
		if err != nil {
			t.Fatal(err)
		}
		if ok(r) {
			return r
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("run %s did not get there in %s: %+v", id, timeout, r)
	return r
}

func activityCount(t *testing.T, db *store.DB, runID string) int {
	t.Helper()
	var n int
	if err := db.ReadTx(context.Background(), func(tx *store.Tx) error {
		return tx.QueryRow(context.Background(), "SELECT count(*) FROM activities WHERE run_id = ?", runID).Scan(&n)
	}); err != nil {
		t.Fatal(err)
	}
	return n
}

func pgConfig(src connector.Source) discovery.Config {
	return discovery.Config{Engine: "postgres", Host: src.Host, Port: src.Port, User: src.User, Database: src.Database, Params: src.Params}
}

func TestKilledServerRunFinishesOnceAfterRestart(t *testing.T) {
	dataDir := t.TempDir()
	src, release := blockedSource(t)
	p := serve(t, nil, "--data-dir", dataDir, "--run-lease", "2s", "--workers", "2")

	db, err := store.Open(context.Background(), dataDir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	r := enqueue(t, db, "slow", pgConfig(src))
	waitRun(t, db, r.ID, 30*time.Second, func(r runs.Run) bool { return r.Status == runs.StatusRunning })

	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-p.exited
	release()

	serve(t, nil, "--data-dir", dataDir, "--run-lease", "2s", "--workers", "2")
	done := waitRun(t, db, r.ID, 60*time.Second, func(r runs.Run) bool { return runs.Terminal(r.Status) })
	if done.Status != runs.StatusSuccess || done.Attempt != 2 {
		t.Fatalf("after kill -9 and restart: status %s attempt %d (%s), want SUCCESS on attempt 2", done.Status, done.Attempt, done.ErrorDetail)
	}
	if n := activityCount(t, db, r.ID); n != 2 {
		t.Errorf("run wrote %d activities, want 2 (the table and the view, once)", n)
	}
}

func TestSIGTERMReleasesTheRunItHolds(t *testing.T) {
	dataDir := t.TempDir()
	src, release := blockedSource(t)
	p := serve(t, nil, "--data-dir", dataDir, "--run-lease", "30s")
	db, err := store.Open(context.Background(), dataDir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	r := enqueue(t, db, "slow", pgConfig(src))
	waitRun(t, db, r.ID, 30*time.Second, func(r runs.Run) bool { return r.Status == runs.StatusRunning })

	start := time.Now()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.exited:
		if p.err != nil {
			t.Fatalf("serve exited with %v after SIGTERM, want 0", p.err)
		}
	case <-time.After(40 * time.Second):
		t.Fatal("serve did not exit within 40 s of SIGTERM")
	}
	t.Logf("shutdown took %s", time.Since(start).Round(time.Millisecond))
	released, err := (&runs.Queue{DB: db}).Get(context.Background(), scope.Scope{Account: "111111111111", Region: "us-east-1"}, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if released.Status != runs.StatusRequested {
		t.Fatalf("after SIGTERM the run is %s, want REQUESTED (released for another worker)", released.Status)
	}
	// Another process takes it without waiting for the 30 s lease, and finishes it.
	release()
	serve(t, nil, "--data-dir", dataDir)
	done := waitRun(t, db, r.ID, 60*time.Second, func(r runs.Run) bool { return runs.Terminal(r.Status) })
	if done.Status != runs.StatusSuccess {
		t.Fatalf("run after restart: %s %q", done.Status, done.ErrorDetail)
	}
}

func TestTwoProcessesOnOnePostgresStoreFinish200RunsOnce(t *testing.T) {
	const total = 200
	d := testdb.New(t, connector.Postgres, "surveyor_shared")
	dsn := testdb.PGDSN(d.Source)
	env := []string{secrets.MasterKeyEnv + "=" + base64.StdEncoding.EncodeToString(secrets.NewDataKey())}
	sample, err := filepath.Abs("../../examples/shop.db")
	if err != nil {
		t.Fatal(err)
	}
	serve(t, env, "--store", dsn, "--data-dir", t.TempDir(), "--workers", "4")
	serve(t, env, "--store", dsn, "--data-dir", t.TempDir(), "--workers", "4")

	db, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ids := make([]string, total)
	for i := range ids {
		ids[i] = enqueue(t, db, fmt.Sprintf("shop-%03d", i), discovery.Config{Engine: "sqlite", Path: sample}).ID
	}
	deadline := time.Now().Add(4 * time.Minute)
	for {
		var open int
		if err := db.ReadTx(context.Background(), func(tx *store.Tx) error {
			return tx.QueryRow(context.Background(), "SELECT count(*) FROM runs WHERE status IN ('REQUESTED', 'RUNNING')").Scan(&open)
		}); err != nil {
			t.Fatal(err)
		}
		if open == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d runs still open after 4 minutes", open, total)
		}
		time.Sleep(200 * time.Millisecond)
	}
	owners := map[string]int{}
	for _, id := range ids {
		r, err := (&runs.Queue{DB: db}).Get(context.Background(), scope.Scope{Account: "111111111111", Region: "us-east-1"}, id)
		if err != nil {
			t.Fatal(err)
		}
		if r.Status != runs.StatusSuccess {
			t.Errorf("run %s: %s %q", id, r.Status, r.ErrorDetail)
		}
		owners[r.LeaseOwner]++
		// The shop sample has 11 assets: a run applied twice would have 22 activities.
		if n := activityCount(t, db, id); n != 11 {
			t.Errorf("run %s wrote %d activities, want 11 (applied exactly once)", id, n)
		}
	}
	if len(owners) < 2 {
		t.Errorf("all runs were finished by one process: %v", owners)
	}
	t.Logf("runs finished per worker process: %v", owners)
}
