package runs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/surveyorhq/surveyor/internal/store"
)

// Handler does the work of one job. Handle runs outside any transaction, while the worker keeps
// the run's lease alive; ctx is cancelled when the lease is lost or the worker gives up on it at
// shutdown. It returns apply, which Finish calls inside the transaction that records the outcome,
// so the job's writes (the catalog) and the run's end commit together. A Handle error (or panic)
// fails the run with INTERNAL_SERVER_EXCEPTION; failures the job understands belong in the Outcome.
type Handler interface {
	Handle(ctx context.Context, r *Run) (apply func(ctx context.Context, tx *store.Tx) (Outcome, error), err error)
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(ctx context.Context, r *Run) (func(ctx context.Context, tx *store.Tx) (Outcome, error), error)

// Handle calls f.
func (f HandlerFunc) Handle(ctx context.Context, r *Run) (func(ctx context.Context, tx *store.Tx) (Outcome, error), error) {
	return f(ctx, r)
}

// Defaults of Workers.
const (
	DefaultWorkers = 4
	DefaultGrace   = 10 * time.Second
	DefaultPoll    = 200 * time.Millisecond
)

// Workers run the queue's runs: N goroutines claim runs of the jobs Handlers knows, keep their
// lease alive while the handler works, and finish them. Zero fields take their defaults: N
// DefaultWorkers, Owner hostname-pid-random, Grace DefaultGrace, Poll DefaultPoll, Logger
// slog.Default(). A process that restarts gets a new Owner and takes over its old runs once their
// leases expire.
type Workers struct {
	Queue    *Queue
	Handlers map[string]Handler
	N        int
	Owner    string
	Grace    time.Duration // how long in-flight runs may go on after shutdown starts
	Poll     time.Duration // how often an idle worker looks for runs (±25% jitter)
	Logger   *slog.Logger
	// Finished, when set, is told of every run this process finished, with how long its
	// attempt took (metrics).
	Finished func(r *Run, d time.Duration)

	once    sync.Once
	wake    chan struct{}
	running sync.Map // run id → context.CancelCauseFunc of its handler
}

// Cancel stops the handler of run id at once if it runs in this process (after the caller
// recorded the request with Queue.RequestCancel); it reports whether it did. Workers of other
// processes see the request at their next lease renewal.
func (w *Workers) Cancel(id string) bool {
	c, ok := w.running.Load(id)
	if ok {
		c.(context.CancelCauseFunc)(ErrCancelRequested)
	}
	return ok
}

func (w *Workers) init() {
	w.once.Do(func() {
		if w.N <= 0 {
			w.N = DefaultWorkers
		}
		if w.Owner == "" {
			w.Owner = NewOwner()
		}
		if w.Grace <= 0 {
			w.Grace = DefaultGrace
		}
		if w.Poll <= 0 {
			w.Poll = DefaultPoll
		}
		if w.Logger == nil {
			w.Logger = slog.Default()
		}
		w.wake = make(chan struct{}, w.N)
	})
}

// NewOwner returns a worker owner id unique to this process: hostname-pid-random.
func NewOwner() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "surveyor"
	}
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), randomHex(4))
}

// Notify wakes an idle worker at once, e.g. after an Enqueue. It never blocks.
func (w *Workers) Notify() {
	w.init()
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Run works until ctx is done. Then it stops claiming, lets in-flight runs finish for up to
// Grace, cancels those still going and releases their runs back to REQUESTED, and returns.
func (w *Workers) Run(ctx context.Context) error {
	w.init()
	jobs := make([]string, 0, len(w.Handlers))
	for job := range w.Handlers {
		jobs = append(jobs, job)
	}
	slices.Sort(jobs)
	if len(jobs) == 0 {
		return errors.New("run workers: no handlers")
	}
	abort := make(chan struct{})
	var wg sync.WaitGroup
	for range w.N {
		wg.Go(func() { w.loop(ctx, abort, jobs) })
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()

	<-ctx.Done()
	grace := time.NewTimer(w.Grace)
	defer grace.Stop()
	select {
	case <-done:
		return nil
	case <-grace.C:
	}
	w.Logger.Warn("runs: grace period over, cancelling in-flight runs", "owner", w.Owner, "grace", w.Grace)
	close(abort)
	// A handler that ignores cancellation keeps its run only until the lease expires: its
	// heartbeat has stopped, and another process will take the run over.
	giveUp := time.NewTimer(w.Grace)
	defer giveUp.Stop()
	select {
	case <-done:
	case <-giveUp.C:
		w.Logger.Error("runs: handlers did not stop after cancellation; leaving their runs to lease expiry", "owner", w.Owner)
	}
	return nil
}

func (w *Workers) loop(ctx context.Context, abort <-chan struct{}, jobs []string) {
	for ctx.Err() == nil {
		r, err := w.Queue.Claim(ctx, w.Owner, jobs)
		if err != nil && ctx.Err() == nil {
			w.Logger.Error("runs: claim", "owner", w.Owner, "err", err)
		}
		if r == nil {
			w.idle(ctx)
			continue
		}
		w.Notify() // there may be more: let another idle worker look
		w.execute(ctx, abort, r)
	}
}

func (w *Workers) idle(ctx context.Context) {
	d := w.Poll*3/4 + rand.N(w.Poll/2+1)
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-w.wake:
	case <-t.C:
	}
}

var (
	errShutdown = errors.New("worker shutting down")
)

// execute runs one claimed run to its end: finished, released at shutdown, or given up because
// its lease was lost.
func (w *Workers) execute(ctx context.Context, abort <-chan struct{}, r *Run) {
	begin := time.Now()
	log := w.Logger.With("run", r.ID, "job", r.Job, "source", r.SourceID, "attempt", r.Attempt, "owner", w.Owner)
	// Writes after shutdown began must still reach the store: they use a context that outlives ctx.
	dbctx := context.WithoutCancel(ctx)
	hctx, cancel := context.WithCancelCause(dbctx)
	defer cancel(nil)
	w.running.Store(r.ID, cancel)
	defer w.running.Delete(r.ID)

	var lost, aborted atomic.Bool
	stop := make(chan struct{})
	var bg sync.WaitGroup
	bg.Go(func() { // heartbeat
		t := time.NewTicker(w.Queue.lease() / 3)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
			}
			rctx, rcancel := context.WithTimeout(dbctx, w.Queue.lease()/3)
			err := w.Queue.Renew(rctx, r)
			rcancel()
			switch {
			case errors.Is(err, ErrLeaseLost):
				lost.Store(true)
				cancel(ErrLeaseLost)
				return
			case err != nil:
				log.Warn("runs: renew lease", "err", err)
				continue
			}
			rctx, rcancel = context.WithTimeout(dbctx, w.Queue.lease()/3)
			stopNow, err := w.Queue.cancelRequested(rctx, r)
			rcancel()
			if err != nil {
				log.Warn("runs: read cancel request", "err", err)
			} else if stopNow {
				cancel(ErrCancelRequested)
			}
		}
	})
	bg.Go(func() { // shutdown watcher
		select {
		case <-stop:
		case <-abort:
			aborted.Store(true)
			cancel(errShutdown)
		}
	})

	apply, err := safeHandle(hctx, w.Handlers[r.Job], r)
	close(stop)
	bg.Wait()
	if errors.Is(context.Cause(hctx), ErrCancelRequested) && !lost.Load() && !aborted.Load() {
		// Stopped on request: record that, and apply nothing the handler found.
		apply, err = func(context.Context, *store.Tx) (Outcome, error) {
			return Outcome{Status: StatusCanceled, ErrorDetail: ErrCancelRequested.Error()}, nil
		}, nil
	}

	switch {
	case lost.Load():
		log.Warn("runs: lease lost while running; another worker owns the run now", "handler_err", err)
		return
	case aborted.Load():
		rctx, rcancel := context.WithTimeout(dbctx, 10*time.Second)
		defer rcancel()
		if err := w.Queue.Release(rctx, r); err != nil {
			log.Error("runs: release at shutdown", "err", err)
			return
		}
		log.Info("runs: released at shutdown")
		return
	case err != nil:
		if pe, ok := errors.AsType[*panicError](err); ok {
			log.Error("runs: handler panicked", "panic", fmt.Sprint(pe.value), "stack", string(pe.stack))
		}
		w.fail(dbctx, log, r, err.Error())
		w.finished(r, begin)
		return
	}
	err = w.Queue.Finish(dbctx, r, apply)
	switch {
	case err == nil:
		log.Info("runs: finished", "status", r.Status)
		w.finished(r, begin)
	case errors.Is(err, ErrLeaseLost):
		log.Warn("runs: lease lost before finishing; another worker owns the run now")
	default:
		log.Error("runs: finish", "err", err)
		w.fail(dbctx, log, r, err.Error())
		w.finished(r, begin)
	}
}

func (w *Workers) finished(r *Run, begin time.Time) {
	if w.Finished != nil {
		w.Finished(r, time.Since(begin))
	}
}

// fail finishes r as FAILED with an internal error; if even that cannot be written, the lease
// expires and the run is retried or abandoned.
func (w *Workers) fail(ctx context.Context, log *slog.Logger, r *Run, detail string) {
	err := w.Queue.Finish(ctx, r, func(context.Context, *store.Tx) (Outcome, error) {
		return Outcome{Status: StatusFailed, ErrorType: ErrorInternal, ErrorDetail: detail}, nil
	})
	if err != nil {
		log.Error("runs: record failure", "detail", detail, "err", err)
		return
	}
	log.Warn("runs: failed", "detail", detail)
}

// panicError is a recovered handler panic; the stack goes to the log, not to the run.
type panicError struct {
	value any
	stack []byte
}

func (e *panicError) Error() string { return fmt.Sprintf("handler panicked: %v", e.value) }

// safeHandle calls h, turning a panic into an error.
func safeHandle(ctx context.Context, h Handler, r *Run) (apply func(context.Context, *store.Tx) (Outcome, error), err error) {
	defer func() {
		if p := recover(); p != nil {
			apply, err = nil, &panicError{value: p, stack: debug.Stack()}
		}
	}()
	apply, err = h.Handle(ctx, r)
	if err == nil && apply == nil {
		err = errors.New("handler returned no outcome")
	}
	return apply, err
}
