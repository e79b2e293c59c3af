package scheduler_test

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
	"github.com/surveyorhq/surveyor/internal/scheduler"
	"github.com/surveyorhq/surveyor/internal/store"
	"github.com/surveyorhq/surveyor/internal/testdb"
)

type logLines struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logLines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logLines) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.TrimSpace(l.buf.String())
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("never %s", what)
		}
	}
}

// A scheduler ticking against an unreachable store logged every failed tick; it now backs off
// and its watch logs the outage's start and end once each. After the outage, due schedules fire.
func TestSchedulerIsQuietDuringAStoreOutage(t *testing.T) {
	ctx := context.Background()
	proxy, src := testdb.NewProxy(t, testdb.New(t, connector.Postgres, "scheduler_outage").Source)
	db, err := store.Open(ctx, testdb.PGDSN(src))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	log := &logLines{}
	logger := slog.New(slog.NewTextHandler(log, nil))
	watch := &outage.Watch{Logger: logger, Max: 50 * time.Millisecond}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c := &clock{t: now}
	q := &runs.Queue{DB: db, Now: c.Now}
	put(t, db, scheduler.Entry{Scope: testScope, SourceID: "src", Expression: "rate(1 hour)", Anchor: now,
		Enabled: true, Job: "scan"}, now)
	s := &scheduler.Scheduler{DB: db, Queue: q, Now: c.Now, Logger: logger, Poll: 10 * time.Millisecond, Outage: watch}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { s.Run(runCtx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })

	proxy.Cut()
	cut := time.Now()
	waitUntil(t, "saw 50 failed ticks", func() bool { return watch.Failures() >= 50 && time.Since(cut) > 1500*time.Millisecond })
	c.Set(now.Add(time.Hour)) // the schedule is due
	proxy.Restore()
	waitUntil(t, "fired the due schedule after the outage", func() bool { return len(countRuns(t, q, "src")) == 1 })
	cancel()
	<-done

	lines := strings.Split(log.String(), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], "level=ERROR msg=\"store unreachable") ||
		!strings.Contains(lines[1], "level=INFO msg=\"store reachable again\"") {
		t.Fatalf("log during an outage of 50+ failed ticks:\n%s\nwant one ERROR \"store unreachable\" and one INFO \"store reachable again\"", log)
	}
}
