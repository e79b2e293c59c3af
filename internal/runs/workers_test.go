package runs_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/surveyorhq/surveyor/internal/runs"
	"github.com/surveyorhq/surveyor/internal/store"
	"github.com/surveyorhq/surveyor/internal/store/storetest"
)

// recorder is a handler that records the runs it was given and how its context ended.
type recorder struct {
	mu    sync.Mutex
	calls map[string][]int // run id → attempts it was called for
	cause map[string]error // run id → why its context was cancelled, when it was
	work  func(ctx context.Context, r *runs.Run) error
}

func (h *recorder) Handle(ctx context.Context, r *runs.Run) (func(context.Context, *store.Tx) (runs.Outcome, error), error) {
	h.mu.Lock()
	if h.calls == nil {
		h.calls, h.cause = map[string][]int{}, map[string]error{}
	}
	h.calls[r.ID] = append(h.calls[r.ID], r.Attempt)
	h.mu.Unlock()
	if h.work != nil {
		if err := h.work(ctx, r); err != nil {
			h.mu.Lock()
			h.cause[r.ID] = context.Cause(ctx)
			h.mu.Unlock()
			return nil, err
		}
	}
	return func(ctx context.Context, tx *store.Tx) (runs.Outcome, error) {
		return runs.Outcome{Status: runs.StatusSuccess, Stats: json.RawMessage(`{"added":1}`)}, writeMarker(ctx, tx, r.ID)
	}, nil
}

func (h *recorder) callsOf(id string) []int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]int(nil), h.calls[id]...)
}

func (h *recorder) causeOf(id string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.cause[id]
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// startWorkers runs w until the returned stop is called; stop cancels Run's context, calls
// afterCancel (if given), waits for Run to return and reports how long that took.
func startWorkers(t *testing.T, w *runs.Workers, afterCancel ...func()) (stop func() time.Duration) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	stopped := false
	stop = func() time.Duration {
		if stopped {
			return 0
		}
		stopped = true
		start := time.Now()
		cancel()
		for _, f := range afterCancel {
			f()
		}
		if err := <-done; err != nil {
			t.Errorf("Workers.Run: %v", err)
		}
		return time.Since(start)
	}
	t.Cleanup(func() { stop() })
	return stop
}

// waitFor polls the run until cond holds, failing after 30s (a generous margin: nothing here
// waits on a lease or a timer of that order).
func waitFor(t *testing.T, q *runs.Queue, id, what string, cond func(runs.Run) bool) runs.Run {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		r := get(t, q, id)
		if cond(r) {
			return r
		}
		if time.Now().After(deadline) {
			t.Fatalf("run %s never %s; last seen %s owner %q attempt %d %q", id, what, r.Status, r.LeaseOwner, r.Attempt, r.ErrorDetail)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func terminal(r runs.Run) bool { return runs.Terminal(r.Status) }

func TestWorkersRunEveryJob(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		q := &runs.Queue{DB: db}
		scan := &recorder{}
		w := &runs.Workers{Queue: q, N: 2, Poll: 50 * time.Millisecond, Logger: quietLogger(), Handlers: map[string]runs.Handler{
			"scan": scan,
			"broken": runs.HandlerFunc(func(context.Context, *runs.Run) (func(context.Context, *store.Tx) (runs.Outcome, error), error) {
				return nil, errors.New("cannot reach the source")
			}),
			"panics": runs.HandlerFunc(func(context.Context, *runs.Run) (func(context.Context, *store.Tx) (runs.Outcome, error), error) {
				panic("kaboom")
			}),
			"bad-apply": runs.HandlerFunc(func(context.Context, *runs.Run) (func(context.Context, *store.Tx) (runs.Outcome, error), error) {
				return func(ctx context.Context, tx *store.Tx) (runs.Outcome, error) {
					return runs.Outcome{}, errors.Join(writeMarker(ctx, tx, "bad-apply"), errors.New("catalog is full"))
				}, nil
			}),
		}}
		stop := startWorkers(t, w)
		var scans []string
		for _, src := range []string{"src-a", "src-b", "src-c"} {
			scans = append(scans, enqueue(t, q, scanRun(src)).ID)
			w.Notify()
		}
		enq := func(job string) string {
			return enqueue(t, q, runs.Run{Scope: account, SourceID: "src-" + job, Job: job}).ID
		}
		broken, panics, badApply := enq("broken"), enq("panics"), enq("bad-apply")
		unknown := enq("nobody-handles-this")
		w.Notify()

		for _, id := range scans {
			r := waitFor(t, q, id, "finished", terminal)
			if r.Status != runs.StatusSuccess || string(r.Stats) != `{"added":1}` || r.Attempt != 1 {
				t.Errorf("scan run %s = %s stats %s attempt %d, want SUCCESS {\"added\":1} 1", id, r.Status, r.Stats, r.Attempt)
			}
			if got := scan.callsOf(id); len(got) != 1 {
				t.Errorf("handler called %d times for %s, want once", len(got), id)
			}
		}
		for _, tc := range []struct{ id, detail string }{
			{broken, "cannot reach the source"},
			{panics, "handler panicked: kaboom"},
			{badApply, "catalog is full"},
		} {
			r := waitFor(t, q, tc.id, "finished", terminal)
			if r.Status != runs.StatusFailed || r.ErrorType != runs.ErrorInternal || !strings.Contains(r.ErrorDetail, tc.detail) {
				t.Errorf("run %s = %s %s %q, want FAILED %s containing %q", tc.id, r.Status, r.ErrorType, r.ErrorDetail, runs.ErrorInternal, tc.detail)
			}
		}
		if n := markers(t, db); n != len(scans) {
			t.Errorf("apply rows = %d, want %d (the failed apply's row rolled back)", n, len(scans))
		}
		stop()
		if r := get(t, q, unknown); r.Status != runs.StatusRequested {
			t.Errorf("run of a job without handler = %s, want it left REQUESTED", r.Status)
		}
	})
}

// heartbeat is how often the tests' workers renew their leases: often, so that a test waits
// little for a renewal; the leases themselves are long (or on a test clock), so a slow machine
// delays a renewal without losing a lease.
const heartbeat = 10 * time.Millisecond

// A handler that works for longer than the lease keeps its run: the worker renews the lease.
// The queue's clock is a test clock: time passes only when the test says.
func TestWorkersRenewTheLease(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		c := newClock()
		q := &runs.Queue{DB: db, Now: c.Now}
		release := make(chan struct{})
		h := &recorder{work: func(ctx context.Context, r *runs.Run) error {
			select {
			case <-release:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}}
		w := &runs.Workers{Queue: q, N: 1, Poll: 20 * time.Millisecond, Heartbeat: heartbeat, Logger: quietLogger(), Handlers: map[string]runs.Handler{"scan": h}}
		startWorkers(t, w)
		id := enqueue(t, q, scanRun("src-a")).ID
		w.Notify()
		waitFor(t, q, id, "claimed", func(r runs.Run) bool { return r.Status == runs.StatusRunning })
		// Most of a lease goes by while the handler works; the worker renews it from then on.
		c.Advance(runs.DefaultLease - time.Second)
		waitFor(t, q, id, "renewed", func(r runs.Run) bool {
			return r.LeaseExpiresAt != nil && r.LeaseExpiresAt.Equal(c.Now().Add(runs.DefaultLease))
		})
		// Past the first lease's end nobody else may take the run.
		c.Advance(2 * time.Second)
		if r := claim(t, q, "thief", "scan"); r != nil {
			t.Fatalf("another worker claimed %s while its handler was working", r.ID)
		}
		close(release)
		r := waitFor(t, q, id, "finished", terminal)
		if r.Status != runs.StatusSuccess || r.Attempt != 1 || r.LeaseOwner != w.Owner {
			t.Errorf("run = %s attempt %d owner %s, want SUCCESS attempt 1 by %s", r.Status, r.Attempt, r.LeaseOwner, w.Owner)
		}
	})
}

// When another worker takes the run over, the renewal fails, the handler's context is cancelled
// with ErrLeaseLost, and the worker writes nothing more. (This used a 300 ms lease and failed on
// a loaded machine; the lease is now the default and only the renewals are frequent.)
func TestWorkersStopWhenTheLeaseIsLost(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		q := &runs.Queue{DB: db}
		h := &recorder{work: func(ctx context.Context, r *runs.Run) error {
			<-ctx.Done()
			return ctx.Err()
		}}
		w := &runs.Workers{Queue: q, N: 1, Poll: 20 * time.Millisecond, Heartbeat: heartbeat, Logger: quietLogger(), Handlers: map[string]runs.Handler{"scan": h}}
		stop := startWorkers(t, w)
		id := enqueue(t, q, scanRun("src-a")).ID
		w.Notify()
		waitFor(t, q, id, "claimed", func(r runs.Run) bool { return r.Status == runs.StatusRunning })
		// Another process takes the run over, as Claim does after an expiry.
		err := db.Tx(ctx, func(tx *store.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE runs SET fence = fence + 1, lease_owner = 'thief' WHERE id = ?`, id)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		taken := get(t, q, id)
		deadline := time.Now().Add(30 * time.Second)
		for h.causeOf(id) == nil && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		if cause := h.causeOf(id); !errors.Is(cause, runs.ErrLeaseLost) {
			t.Fatalf("handler's context cause = %v, want ErrLeaseLost", cause)
		}
		stop() // waits for the worker to be done with the run, so a wrong write would have landed
		if r := get(t, q, id); r.Status != runs.StatusRunning || r.LeaseOwner != "thief" || r.Fence != taken.Fence || r.StoppedAt != nil {
			t.Errorf("run after the lease was lost = %s owner %s fence %d stopped %v; want it untouched (RUNNING, thief, %d)",
				r.Status, r.LeaseOwner, r.Fence, r.StoppedAt, taken.Fence)
		}
	})
}

// At shutdown a run that ends within the grace period finishes; one that does not is cancelled
// and released, and the next process (a new owner) runs it.
func TestWorkersShutDownGracefully(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		q := &runs.Queue{DB: db}
		gate := make(chan struct{})
		quick := &recorder{work: func(ctx context.Context, r *runs.Run) error {
			<-gate // opens once shutdown began
			return nil
		}}
		stuck := &recorder{work: func(ctx context.Context, r *runs.Run) error {
			<-ctx.Done()
			return ctx.Err()
		}}
		// The grace is a generous margin for the quick run to finish in once its gate opens.
		const grace = 3 * time.Second
		w := &runs.Workers{Queue: q, N: 2, Grace: grace, Poll: 20 * time.Millisecond, Logger: quietLogger(),
			Handlers: map[string]runs.Handler{"quick": quick, "stuck": stuck}}
		stop := startWorkers(t, w, func() { close(gate) })
		quickID := enqueue(t, q, runs.Run{Scope: account, SourceID: "src-quick", Job: "quick"}).ID
		stuckID := enqueue(t, q, runs.Run{Scope: account, SourceID: "src-stuck", Job: "stuck"}).ID
		w.Notify()
		for _, id := range []string{quickID, stuckID} {
			waitFor(t, q, id, "claimed", func(r runs.Run) bool { return r.Status == runs.StatusRunning })
		}
		if took := stop(); took < grace {
			t.Errorf("shutdown took %v, want at least the grace period %v (a run was still going)", took, grace)
		}
		if r := get(t, q, quickID); r.Status != runs.StatusSuccess {
			t.Errorf("run done within the grace period = %s, want SUCCESS", r.Status)
		}
		released := get(t, q, stuckID)
		if released.Status != runs.StatusRequested || released.LeaseOwner != "" || released.Attempt != 0 {
			t.Errorf("run still going after the grace period = %s owner %q attempt %d, want REQUESTED, no owner, attempt 0",
				released.Status, released.LeaseOwner, released.Attempt)
		}
		if cause := stuck.causeOf(stuckID); cause == nil {
			t.Error("stuck handler's context was never cancelled")
		}

		// The next process picks it up at once.
		next := &recorder{}
		w2 := &runs.Workers{Queue: q, N: 1, Poll: 20 * time.Millisecond, Logger: quietLogger(), Handlers: map[string]runs.Handler{"stuck": next}}
		startWorkers(t, w2)
		r := waitFor(t, q, stuckID, "finished", terminal)
		if r.Status != runs.StatusSuccess || r.LeaseOwner != w2.Owner || r.Attempt != 1 || w2.Owner == w.Owner {
			t.Errorf("released run after restart = %s by %s attempt %d, want SUCCESS by the new owner %s, attempt 1",
				r.Status, r.LeaseOwner, r.Attempt, w2.Owner)
		}
	})
}

// A process killed mid-run leaves its run RUNNING; a restarted process, with a new owner, takes
// it over once the lease expires (on the queue's test clock) and runs it as attempt 2.
func TestWorkersTakeOverACrashedProcessesRun(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		c := newClock()
		q := &runs.Queue{DB: db, Now: c.Now}
		id := enqueue(t, q, scanRun("src-a")).ID
		dead := claim(t, q, "host-1234-dead", "scan") // claimed, then the process died
		if dead == nil {
			t.Fatal("nothing claimed")
		}
		h := &recorder{}
		w := &runs.Workers{Queue: q, N: 1, Poll: 20 * time.Millisecond, Heartbeat: heartbeat, Logger: quietLogger(), Handlers: map[string]runs.Handler{"scan": h}}
		startWorkers(t, w)
		if r := claim(t, q, "early", "scan"); r != nil {
			t.Fatalf("run %s taken over before its lease expired", r.ID)
		}
		c.Advance(runs.DefaultLease)
		r := waitFor(t, q, id, "finished", terminal)
		if r.Status != runs.StatusSuccess || r.Attempt != 2 || r.LeaseOwner != w.Owner {
			t.Errorf("run = %s attempt %d owner %s, want SUCCESS attempt 2 by %s", r.Status, r.Attempt, r.LeaseOwner, w.Owner)
		}
		if got := h.callsOf(id); len(got) != 1 || got[0] != 2 {
			t.Errorf("handler calls = %v, want one, for attempt 2", got)
		}
		if !r.StartedAt.Equal(*dead.StartedAt) {
			t.Errorf("started_at = %v, want the first attempt's %v", r.StartedAt, dead.StartedAt)
		}
	})
}
