package runs_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/surveyorhq/surveyor/internal/runs"
	"github.com/surveyorhq/surveyor/internal/store"
	"github.com/surveyorhq/surveyor/internal/store/storetest"
)

// A handler that never ends kept its run's lease renewed forever, and its worker with it. Every
// run now has a deadline on the workers' clock (a test clock here: nobody waits 30 minutes):
// past it the handler is cancelled, the run fails saying so, and the worker takes the next run.
func TestRunsFailPastTheRunTimeout(t *testing.T) {
	for _, tc := range []struct {
		name string
		// work is the hung handler: it ends when its context is cancelled, or never (until the
		// test ends).
		work func(ctx context.Context, never <-chan struct{}) error
	}{
		{"handler that honours cancellation", func(ctx context.Context, _ <-chan struct{}) error {
			<-ctx.Done()
			return context.Cause(ctx)
		}},
		{"handler that ignores cancellation", func(_ context.Context, never <-chan struct{}) error {
			<-never
			return nil
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				never := make(chan struct{})
				t.Cleanup(func() { close(never) })
				clock := newClock()
				q := &runs.Queue{DB: db}
				var causes = make(chan error, 1)
				hung := runs.HandlerFunc(func(ctx context.Context, r *runs.Run) (func(context.Context, *store.Tx) (runs.Outcome, error), error) {
					err := tc.work(ctx, never)
					causes <- context.Cause(ctx)
					return succeed, err // an outcome that must not be recorded
				})
				next := &recorder{}
				// Grace bounds how long a worker waits for a cancelled handler; it may be short:
				// a slow machine only makes the worker give up sooner.
				w := &runs.Workers{Queue: q, N: 1, Poll: 20 * time.Millisecond, Heartbeat: heartbeat, Grace: 100 * time.Millisecond,
					RunTimeout: 30 * time.Minute, Now: clock.Now, Logger: quietLogger(),
					Handlers: map[string]runs.Handler{"hung": hung, "scan": next}}
				startWorkers(t, w)
				id := enqueue(t, q, runs.Run{Scope: account, SourceID: "src-hung", Job: "hung"}).ID
				w.Notify()
				claimed := waitFor(t, q, id, "claimed", func(r runs.Run) bool { return r.Status == runs.StatusRunning })

				// Short of the deadline the run goes on: the worker keeps renewing the lease.
				clock.Advance(30*time.Minute - time.Second)
				waitFor(t, q, id, "renewed", func(r runs.Run) bool { return r.LeaseExpiresAt.After(*claimed.LeaseExpiresAt) })
				if r := get(t, q, id); r.Status != runs.StatusRunning {
					t.Fatalf("run before its deadline = %s, want RUNNING", r.Status)
				}
				// At the deadline it fails with the reason.
				clock.Advance(time.Second)
				r := waitFor(t, q, id, "finished", terminal)
				if r.Status != runs.StatusFailed || r.ErrorType != runs.ErrorTimeout || r.ErrorDetail != "run exceeded the run timeout of 30m0s" {
					t.Errorf("run past its deadline = %s %s %q, want FAILED %s %q", r.Status, r.ErrorType, r.ErrorDetail,
						runs.ErrorTimeout, "run exceeded the run timeout of 30m0s")
				}
				if markers(t, db) != 0 {
					t.Error("the timed-out handler's outcome was applied")
				}
				if tc.name == "handler that honours cancellation" {
					var te *runs.TimeoutError
					if cause := <-causes; !errors.As(cause, &te) || te.Timeout != 30*time.Minute {
						t.Errorf("handler's context cause = %v, want *TimeoutError of 30m", cause)
					}
				}
				// The one worker is free again.
				nextID := enqueue(t, q, scanRun("src-next")).ID
				w.Notify()
				if r := waitFor(t, q, nextID, "finished", terminal); r.Status != runs.StatusSuccess {
					t.Errorf("next run = %s, want SUCCESS on the freed worker", r.Status)
				}
			})
		})
	}
}

// Finish ran without a deadline: an apply that hangs (a stuck catalog write) held the run and
// its worker. It now has FinishTimeout; the run fails saying so.
func TestFinishHasItsOwnDeadline(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		q := &runs.Queue{DB: db}
		stuck := runs.HandlerFunc(func(context.Context, *runs.Run) (func(context.Context, *store.Tx) (runs.Outcome, error), error) {
			return func(ctx context.Context, tx *store.Tx) (runs.Outcome, error) {
				<-ctx.Done() // only the finish deadline ends this apply
				return runs.Outcome{}, ctx.Err()
			}, nil
		})
		// A short finish timeout is safe: the apply above never ends by itself, so a slow machine
		// changes nothing but when it is cut off.
		w := &runs.Workers{Queue: q, N: 1, Poll: 20 * time.Millisecond, Heartbeat: heartbeat, FinishTimeout: 200 * time.Millisecond,
			Logger: quietLogger(), Handlers: map[string]runs.Handler{"stuck": stuck}}
		startWorkers(t, w)
		id := enqueue(t, q, runs.Run{Scope: account, SourceID: "src-stuck", Job: "stuck"}).ID
		w.Notify()
		r := waitFor(t, q, id, "finished", terminal)
		want := "recording the run's outcome exceeded the finish timeout of 200ms"
		if r.Status != runs.StatusFailed || r.ErrorType != runs.ErrorInternal || r.ErrorDetail != want {
			t.Errorf("run = %s %s %q, want FAILED %s %q", r.Status, r.ErrorType, r.ErrorDetail, runs.ErrorInternal, want)
		}
	})
}
