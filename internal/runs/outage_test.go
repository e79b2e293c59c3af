package runs_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/surveyorhq/surveyor/internal/connector"
	"github.com/surveyorhq/surveyor/internal/outage"
	"github.com/surveyorhq/surveyor/internal/runs"
	"github.com/surveyorhq/surveyor/internal/store"
	"github.com/surveyorhq/surveyor/internal/testdb"
)

// logLines is a log sink that keeps the lines it was given.
type logLines struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logLines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// matching returns the lines at WARN or ERROR, and those containing any of also.
func (l *logLines) matching(also ...string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for line := range strings.SplitSeq(l.buf.String(), "\n") {
		keep := strings.Contains(line, "level=WARN") || strings.Contains(line, "level=ERROR")
		for _, a := range also {
			keep = keep || strings.Contains(line, a)
		}
		if keep {
			out = append(out, line)
		}
	}
	return out
}

// waitUntil polls cond until it holds, failing after 30 s.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("never %s", what)
		}
	}
}

// During a store outage every worker logged each failed claim: about 18 ERROR lines a second per
// process. Now the workers back off and their shared watch logs once when the store stops
// answering and once when it answers again, however many polls fail in between. The store is a
// PostgreSQL database behind a proxy the test cuts.
func TestWorkersAreQuietDuringAStoreOutage(t *testing.T) {
	ctx := context.Background()
	proxy, src := testdb.NewProxy(t, testdb.New(t, connector.Postgres, "runs_outage").Source)
	db, err := store.Open(ctx, testdb.PGDSN(src))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	log := &logLines{}
	logger := slog.New(slog.NewTextHandler(log, nil))
	watch := &outage.Watch{Logger: logger, Max: 50 * time.Millisecond}
	q := &runs.Queue{DB: db}
	w := &runs.Workers{Queue: q, N: 4, Poll: 10 * time.Millisecond, Heartbeat: heartbeat, Logger: logger, Outage: watch,
		Handlers: map[string]runs.Handler{"scan": &recorder{}}}
	stop := startWorkers(t, w)
	if r := waitFor(t, q, enqueue(t, q, scanRun("src-before")).ID, "finished", terminal); r.Status != runs.StatusSuccess {
		t.Fatalf("run before the outage = %s", r.Status)
	}

	proxy.Cut()
	cut := time.Now()
	// Many failed polls; and over a second, so that connections left from before the outage are
	// checked (pgx pings connections idle that long) rather than failing one more poll later.
	waitUntil(t, "saw 100 failed polls", func() bool { return watch.Failures() >= 100 && time.Since(cut) > 1500*time.Millisecond })
	proxy.Restore()
	waitUntil(t, "saw the store answer again", func() bool { return !watch.Down() })
	if r := waitFor(t, q, enqueue(t, q, scanRun("src-after")).ID, "finished", terminal); r.Status != runs.StatusSuccess {
		t.Fatalf("run after the outage = %s", r.Status)
	}
	stop()

	got := log.matching("store reachable again")
	if len(got) != 2 || !strings.Contains(got[0], "level=ERROR msg=\"store unreachable") || !strings.Contains(got[1], "level=INFO msg=\"store reachable again\"") {
		t.Fatalf("log during an outage of 100+ failed polls:\n%s\nwant one ERROR \"store unreachable\" and one INFO \"store reachable again\"", strings.Join(got, "\n"))
	}
}
