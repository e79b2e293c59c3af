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

	"github.com/surveyorhq/surveyor/internal/outage"
	"github.com/surveyorhq/surveyor/internal/store"
)

// Handler does the work of one job. Handle runs outside any transaction, while the worker keeps
// the run's lease alive; ctx is cancelled (context.Cause says why) when the run is past the run
// timeout, when a cancel is requested, when the lease is lost or when the worker gives up on it
// at shutdown, and the worker waits at most its grace period for Handle to return after that. It returns apply, which Finish calls inside the transaction that records the outcome,
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
	DefaultWorkers       = 4
	DefaultGrace         = 10 * time.Second
	DefaultPoll          = 200 * time.Millisecond
	DefaultRunTimeout    = 30 * time.Minute
	DefaultFinishTimeout = 10 * time.Minute
)

// failTimeout bounds recording a run as failed: one small transaction, given ample time of its
// own (FinishTimeout may be short, and may be what failed).
const failTimeout = time.Minute

// TimeoutError is why a worker cancels a handler still working when its run's time is up; the
// run fails with ErrorTimeout and this message.
type TimeoutError struct{ Timeout time.Duration }

func (e *TimeoutError) Error() string {
	return fmt.Sprintf("run exceeded the run timeout of %v", e.Timeout)
}

// Workers run the queue's runs: N goroutines claim runs of the jobs Handlers knows, keep their
// lease alive while the handler works, and finish them. Zero fields take their defaults: N
// DefaultWorkers, Owner hostname-pid-random, Grace DefaultGrace, Poll DefaultPoll, RunTimeout
// DefaultRunTimeout, FinishTimeout DefaultFinishTimeout, Heartbeat a third of the queue's lease,
// Now time.Now, Logger slog.Default(), Outage a watch of their own. A process that restarts gets
// a new Owner and takes over its old runs once their leases expire.
type Workers struct {
	Queue    *Queue
	Handlers map[string]Handler
	N        int
	Owner    string
	Grace    time.Duration // how long in-flight runs may go on after shutdown starts
	Poll     time.Duration // how often an idle worker looks for runs (±25% jitter)
	// RunTimeout bounds each attempt of a run, from its claim: then the handler is cancelled
	// (cause *TimeoutError), and the run fails with ErrorTimeout and "run exceeded the run
	// timeout of ...", freeing the worker even if the handler ignores the cancellation.
	RunTimeout time.Duration
	// FinishTimeout bounds the transaction that records a run's outcome with the job's writes.
	FinishTimeout time.Duration
	// Heartbeat is how often a worker renews its run's lease, checks the run timeout and looks
	// for a cancel request.
	Heartbeat time.Duration
	// Now is the clock of run timeouts.
	Now    func() time.Time
	Logger *slog.Logger
	// Outage, shared with the process's other pollers, keeps claims and renewals quiet and
	// backing off while the store does not answer.
	Outage *outage.Watch
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
		if w.RunTimeout <= 0 {
			w.RunTimeout = DefaultRunTimeout
		}
		if w.FinishTimeout <= 0 {
			w.FinishTimeout = DefaultFinishTimeout
		}
		if w.Heartbeat <= 0 {
			w.Heartbeat = w.Queue.lease() / 3
		}
		if w.Now == nil {
			w.Now = time.Now
		}
		if w.Logger == nil {
			w.Logger = slog.Default()
		}
		if w.Outage == nil {
			w.Outage = &outage.Watch{Logger: w.Logger}
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
	// A cancelled handler gets Grace to return before its worker leaves it behind and releases
	// its run; the release gets as long again.
	giveUp := time.NewTimer(2 * w.Grace)
	defer giveUp.Stop()
	select {
	case <-done:
	case <-giveUp.C:
		w.Logger.Error("runs: in-flight runs were not released in time; leaving them to lease expiry", "owner", w.Owner)
	}
	return nil
}

func (w *Workers) loop(ctx context.Context, abort <-chan struct{}, jobs []string) {
	for ctx.Err() == nil {
		r, err := w.Queue.Claim(ctx, w.Owner, jobs)
		if err != nil {
			if ctx.Err() == nil {
				w.idle(ctx, w.Outage.Failed("runs: claim", err, w.Poll))
			}
			continue
		}
		w.Outage.OK()
		if r == nil {
			w.idle(ctx, w.Poll)
			continue
		}
		w.Notify() // there may be more: let another idle worker look
		w.execute(ctx, abort, r)
	}
}

// idle waits about d (±25%), or less if woken.
func (w *Workers) idle(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d*3/4 + rand.N(d/2+1))
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

// applyFunc is what a handler returns for Finish to call.
type applyFunc = func(ctx context.Context, tx *store.Tx) (Outcome, error)

// execute runs one claimed run to its end: finished (done, failed, timed out or canceled),
// released at shutdown, or given up because its lease was lost.
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
	deadline := w.Now().Add(w.RunTimeout)
	bg.Go(func() { w.heartbeat(dbctx, log, r, deadline, stop, cancel, &lost) })
	bg.Go(func() { // shutdown watcher
		select {
		case <-stop:
		case <-abort:
			aborted.Store(true)
			cancel(errShutdown)
		}
	})

	apply, err := w.handle(hctx, log, r)
	close(stop)
	bg.Wait()
	var timeout *TimeoutError
	switch cause := context.Cause(hctx); {
	case lost.Load() || aborted.Load():
	case errors.Is(cause, ErrCancelRequested):
		// Stopped on request: record that, and apply nothing the handler found.
		apply, err = outcome(Outcome{Status: StatusCanceled, ErrorDetail: ErrCancelRequested.Error()}), nil
	case errors.As(cause, &timeout):
		// Out of time: fail with the reason, whatever the cancelled handler made of it.
		log.Warn("runs: run timed out", "timeout", timeout.Timeout)
		apply, err = outcome(Outcome{Status: StatusFailed, ErrorType: ErrorTimeout, ErrorDetail: timeout.Error()}), nil
	}

	switch {
	case lost.Load():
		log.Warn("runs: lease lost while running; another worker owns the run now", "handler_err", err)
	case aborted.Load():
		rctx, rcancel := context.WithTimeout(dbctx, 10*time.Second)
		defer rcancel()
		if err := w.Queue.Release(rctx, r); err != nil {
			log.Error("runs: release at shutdown", "err", err)
			return
		}
		log.Info("runs: released at shutdown")
	case err != nil:
		if pe, ok := errors.AsType[*panicError](err); ok {
			log.Error("runs: handler panicked", "panic", fmt.Sprint(pe.value), "stack", string(pe.stack))
		}
		w.fail(dbctx, log, r, err.Error())
		w.finished(r, begin)
	default:
		w.finish(dbctx, log, r, begin, apply)
	}
}

func outcome(o Outcome) applyFunc {
	return func(context.Context, *store.Tx) (Outcome, error) { return o, nil }
}

// handle runs the run's handler and returns what it returned. Once the handler's context is
// cancelled (run timeout, cancel request, lost lease, shutdown) it waits at most Grace more: a
// handler that ignores cancellation cannot keep the worker, and is left to end on its own, its
// result unused.
func (w *Workers) handle(hctx context.Context, log *slog.Logger, r *Run) (applyFunc, error) {
	type result struct {
		apply applyFunc
		err   error
	}
	done := make(chan result, 1)
	go func() {
		apply, err := safeHandle(hctx, w.Handlers[r.Job], r)
		done <- result{apply, err}
	}()
	select {
	case res := <-done:
		return res.apply, res.err
	case <-hctx.Done():
	}
	t := time.NewTimer(w.Grace)
	defer t.Stop()
	select {
	case res := <-done:
		return res.apply, res.err
	case <-t.C:
		cause := context.Cause(hctx)
		log.Error("runs: handler did not stop after its cancellation; the worker moves on without it", "cause", cause, "grace", w.Grace)
		return nil, fmt.Errorf("handler did not stop after cancellation: %w", cause)
	}
}

// heartbeat, until stop closes, renews r's lease every Heartbeat and cancels the handler when
// the run is past its deadline (*TimeoutError), when the lease was lost (ErrLeaseLost) or when a
// cancel was requested (ErrCancelRequested). It keeps renewing after a timeout, so the run stays
// this worker's until it is recorded as failed. Store failures go to the outage watch.
func (w *Workers) heartbeat(dbctx context.Context, log *slog.Logger, r *Run, deadline time.Time, stop <-chan struct{},
	cancel context.CancelCauseFunc, lost *atomic.Bool) {
	t := time.NewTicker(w.Heartbeat)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		if !w.Now().Before(deadline) {
			cancel(&TimeoutError{Timeout: w.RunTimeout})
		}
		rctx, rcancel := context.WithTimeout(dbctx, w.Queue.lease()/3)
		err := w.Queue.Renew(rctx, r)
		rcancel()
		switch {
		case errors.Is(err, ErrLeaseLost):
			lost.Store(true)
			cancel(ErrLeaseLost)
			return
		case errors.Is(err, ErrCancelRequested):
			w.Outage.OK()
			cancel(ErrCancelRequested)
		case err != nil:
			w.Outage.Failed("runs: renew lease", err, w.Heartbeat)
		default:
			w.Outage.OK()
		}
	}
}

// finish records the run's outcome with apply, within FinishTimeout.
func (w *Workers) finish(dbctx context.Context, log *slog.Logger, r *Run, begin time.Time, apply applyFunc) {
	fctx, fcancel := context.WithTimeout(dbctx, w.FinishTimeout)
	err := w.Queue.Finish(fctx, r, apply)
	fcancel()
	switch {
	case err == nil:
		log.Info("runs: finished", "status", r.Status)
		w.finished(r, begin)
	case errors.Is(err, ErrLeaseLost):
		log.Warn("runs: lease lost before finishing; another worker owns the run now")
	default:
		log.Error("runs: finish", "err", err)
		detail := err.Error()
		if errors.Is(err, context.DeadlineExceeded) {
			detail = fmt.Sprintf("recording the run's outcome exceeded the finish timeout of %v", w.FinishTimeout)
		}
		w.fail(dbctx, log, r, detail)
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
	ctx, cancel := context.WithTimeout(ctx, failTimeout)
	defer cancel()
	err := w.Queue.Finish(ctx, r, outcome(Outcome{Status: StatusFailed, ErrorType: ErrorInternal, ErrorDetail: detail}))
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
