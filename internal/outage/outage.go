// Package outage keeps a process's background pollers — run workers claiming runs and renewing
// leases, the scheduler, housekeeping — quiet and patient while the store does not answer. The
// pollers of one process share a Watch: once polls keep failing it logs "store unreachable"
// once, the first successful poll after that logs "store reachable again" once, and meanwhile
// every poller waits a capped, exponentially growing time between attempts instead of its usual
// interval.
package outage

import (
	"log/slog"
	"sync"
	"time"
)

// DefaultMax caps the backoff when Watch.Max is 0.
const DefaultMax = 30 * time.Second

// Threshold is how many polls in a row must fail before the store counts as unreachable. When
// connections break, polls already under way may still succeed just after the first failure,
// and a connection left from before an outage may fail once just after it: one failure is not
// an outage, and the log does not flap.
const Threshold = 3

// Watch follows whether the store answers the process's pollers. Its zero value is ready; Logger
// nil discards, Now nil is time.Now, Max 0 is DefaultMax. It is safe for concurrent use.
type Watch struct {
	Logger *slog.Logger
	Now    func() time.Time
	Max    time.Duration

	mu       sync.Mutex
	down     bool      // Threshold polls in a row failed, and none succeeded since
	failures int       // polls failed in a row
	since    time.Time // when the first of them failed
}

// Failed records a failed poll and returns how long the poller should wait before polling again:
// base doubled for each further poll that failed in a row, at most Max. The poll that makes the
// store count as unreachable logs it, with what failed and why; other failures log nothing.
func (w *Watch) Failed(what string, err error, base time.Duration) time.Duration {
	w.mu.Lock()
	w.failures++
	if w.failures == 1 {
		w.since = w.now()
	}
	n := w.failures
	declare := !w.down && n >= Threshold
	if declare {
		w.down = true
	}
	w.mu.Unlock()
	if declare {
		w.logger().Error("store unreachable; background work backs off until it answers", "while", what, "err", err)
	}
	return Backoff(base, n-1, w.max())
}

// OK records a successful poll. The first after the store counted as unreachable logs that it
// answers again, how long it did not, and how many polls failed meanwhile.
func (w *Watch) OK() {
	w.mu.Lock()
	down, failures, took := w.down, w.failures, w.now().Sub(w.since)
	w.down, w.failures = false, 0
	w.mu.Unlock()
	if down {
		w.logger().Info("store reachable again", "outage", took.Round(time.Millisecond), "failed_polls", failures)
	}
}

// Failures is how many polls failed in a row, up to now.
func (w *Watch) Failures() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.failures
}

// Down reports whether the store counts as unreachable.
func (w *Watch) Down() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.down
}

// Backoff is base doubled n times, at most limit; never less than base.
func Backoff(base time.Duration, n int, limit time.Duration) time.Duration {
	if base <= 0 || base >= limit {
		return base
	}
	d := base
	for range n {
		d *= 2
		if d >= limit {
			return limit
		}
	}
	return d
}

func (w *Watch) now() time.Time {
	if w.Now != nil {
		return w.Now()
	}
	return time.Now()
}

func (w *Watch) max() time.Duration {
	if w.Max > 0 {
		return w.Max
	}
	return DefaultMax
}

func (w *Watch) logger() *slog.Logger {
	if w.Logger != nil {
		return w.Logger
	}
	return slog.New(slog.DiscardHandler)
}
