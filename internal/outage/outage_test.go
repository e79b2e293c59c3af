package outage_test

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/surveyorhq/surveyor/internal/outage"
)

func TestBackoff(t *testing.T) {
	for _, tc := range []struct {
		base  time.Duration
		n     int
		limit time.Duration
		want  time.Duration
	}{
		{time.Second, 0, 30 * time.Second, time.Second},
		{time.Second, 1, 30 * time.Second, 2 * time.Second},
		{time.Second, 4, 30 * time.Second, 16 * time.Second},
		{time.Second, 5, 30 * time.Second, 30 * time.Second},
		{time.Second, 1000, 30 * time.Second, 30 * time.Second},
		{200 * time.Millisecond, 3, 30 * time.Second, 1600 * time.Millisecond},
		{time.Minute, 3, 30 * time.Second, time.Minute}, // never below the usual interval
	} {
		if got := outage.Backoff(tc.base, tc.n, tc.limit); got != tc.want {
			t.Errorf("Backoff(%v, %d, %v) = %v, want %v", tc.base, tc.n, tc.limit, got, tc.want)
		}
	}
}

// lines is a log sink that keeps every line.
type lines struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *lines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *lines) all() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Split(strings.TrimSpace(l.buf.String()), "\n")
}

// During an outage pollers fail many times a second; the watch logs one line when the store
// stops answering and one when it answers again, and the pollers' waits grow to the cap.
func TestOneLinePerStateChange(t *testing.T) {
	log := &lines{}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	w := &outage.Watch{Logger: slog.New(slog.NewTextHandler(log, nil)), Max: 10 * time.Second,
		Now: func() time.Time { return now }}
	w.OK() // no outage yet: nothing to say
	down := errors.New("dial tcp 127.0.0.1:5432: connect: connection refused")
	// Failures that do not last (a poll under way when connections broke still succeeds, a
	// connection from before an outage fails once after it) are no outage.
	for range 10 {
		for range outage.Threshold - 1 {
			w.Failed("runs: claim", down, 200*time.Millisecond)
		}
		w.OK()
	}
	if w.Down() {
		t.Fatal("Down() after failures that never lasted")
	}
	var waits []time.Duration
	for range 3 { // three outages
		waits = waits[:0]
		for range 600 { // a minute of polls by several pollers
			waits = append(waits, w.Failed("runs: claim", down, 200*time.Millisecond))
			now = now.Add(100 * time.Millisecond)
		}
		if !w.Down() {
			t.Fatal("Down() = false during the outage")
		}
		w.OK()
		w.OK()
		if w.Down() {
			t.Fatal("Down() = true after a successful poll")
		}
	}
	got := log.all()
	if len(got) != 6 {
		t.Fatalf("%d log lines for 3 outages of 600 failed polls, want 6:\n%s", len(got), strings.Join(got, "\n"))
	}
	for i, l := range got {
		want := []string{"level=ERROR msg=\"store unreachable", "level=INFO msg=\"store reachable again\""}[i%2]
		if !strings.Contains(l, want) {
			t.Errorf("line %d = %s, want %s", i, l, want)
		}
	}
	if !strings.Contains(got[0], "connection refused") || !strings.Contains(got[0], "while=\"runs: claim\"") {
		t.Errorf("first line says neither what failed nor why: %s", got[0])
	}
	if !strings.Contains(got[1], "outage=1m0s") || !strings.Contains(got[1], "failed_polls=600") {
		t.Errorf("recovery line lacks the outage's length and polls: %s", got[1])
	}
	if waits[0] != 200*time.Millisecond || waits[1] != 400*time.Millisecond || waits[len(waits)-1] != 10*time.Second {
		t.Errorf("waits %v ... %v, want 200ms, 400ms ... capped at 10s", waits[:3], waits[len(waits)-1])
	}
}
