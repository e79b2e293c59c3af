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

func requestCancel(t *testing.T, q *runs.Queue, id string) runs.Run {
	t.Helper()
	var r runs.Run
	err := q.DB.Tx(context.Background(), func(tx *store.Tx) error {
		var err error
		r, err = q.RequestCancel(context.Background(), tx, account, id)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// A stop request ends a running run CANCELED, whether the worker runs here (Workers.Cancel) or
// in another process (seen at the next lease renewal), and nothing the handler found is applied.
func TestCancelStopsTheRun(t *testing.T) {
	for _, local := range []bool{true, false} {
		name := "other process"
		if local {
			name = "this process"
		}
		t.Run(name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				q := &runs.Queue{DB: db}
				h := &recorder{work: func(ctx context.Context, r *runs.Run) error {
					<-ctx.Done()
					return nil // a handler that returns an outcome anyway: it must not be applied
				}}
				w := &runs.Workers{Queue: q, N: 1, Poll: 20 * time.Millisecond, Heartbeat: heartbeat, Logger: quietLogger(), Handlers: map[string]runs.Handler{"scan": h}}
				startWorkers(t, w)
				id := enqueue(t, q, scanRun("src-c")).ID
				w.Notify()
				waitFor(t, q, id, "claimed", func(r runs.Run) bool { return r.Status == runs.StatusRunning })
				requestCancel(t, q, id)
				if local && !w.Cancel(id) {
					t.Fatal("Workers.Cancel did not find the running run")
				}
				r := waitFor(t, q, id, "finished", terminal)
				if r.Status != runs.StatusCanceled || markers(t, db) != 0 {
					t.Errorf("run %s, markers %d; want CANCELED and nothing applied", r.Status, markers(t, db))
				}
			})
		})
	}
}

func TestCancelARequestedRun(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		q := newQueue(db, newClock())
		id := enqueue(t, q, scanRun("src-d")).ID
		if r := requestCancel(t, q, id); r.Status != runs.StatusCanceled {
			t.Errorf("status %s", r.Status)
		}
		if r := claim(t, q, "w", "scan"); r != nil {
			t.Errorf("claimed a cancelled run %s", r.ID)
		}
		// The source is free for a new run.
		enqueue(t, q, scanRun("src-d"))
		err := q.DB.Tx(context.Background(), func(tx *store.Tx) error {
			_, err := q.RequestCancel(context.Background(), tx, account, "nope")
			return err
		})
		if !errors.Is(err, runs.ErrNotFound) {
			t.Errorf("unknown run: %v", err)
		}
	})
}
