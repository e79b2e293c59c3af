package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/surveyorhq/surveyor/internal/runs"
)

// Paths of the development reset. /moto-api/reset is what test suites written for moto call.
const (
	ResetPath     = "/_surveyor/reset"
	MotoResetPath = "/moto-api/reset"
)

// ResetResult is what a reset did.
type ResetResult struct {
	RunsStopped int   // runs that were REQUESTED or RUNNING
	RowsDeleted int64 // rows of store.ResetTables
	// StillRunning counts runs that had not stopped when the reset stopped waiting (their
	// workers are in another process and missed the lease); their results are dropped.
	StillRunning int
}

// Reset drops every resource of every account and region — the façades' resources, secrets,
// runs, schedules, the catalog, the Glue catalog — after asking every active run to stop and
// waiting (up to one run lease) for the running ones to end. Access keys, temporary credentials,
// console sign-ins and settings are kept. Resets do not overlap.
func (s *Server) Reset(ctx context.Context) (ResetResult, error) {
	s.resetMu.Lock()
	defer s.resetMu.Unlock()
	var res ResetResult
	running, err := s.core.Runs.StopAll(ctx)
	if err != nil {
		return res, err
	}
	res.RunsStopped = len(running)
	for _, id := range running {
		s.workers.Cancel(id)
	}
	if res.StillRunning, err = s.waitForRuns(ctx); err != nil {
		return res, err
	}
	if res.RowsDeleted, err = s.db.Reset(ctx); err != nil {
		return res, err
	}
	s.log.Info("dev reset: dropped every resource of every account and region", "runsStopped", res.RunsStopped,
		"rowsDeleted", res.RowsDeleted, "stillRunning", res.StillRunning)
	return res, nil
}

// waitForRuns waits until no run is RUNNING, for at most one run lease (a worker of another
// process notices a stop request when it renews its lease), and returns how many still are.
func (s *Server) waitForRuns(ctx context.Context) (int, error) {
	lease := s.cfg.Lease
	if lease <= 0 {
		lease = runs.DefaultLease
	}
	deadline := time.NewTimer(lease)
	defer deadline.Stop()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		n, err := s.core.Runs.Running(ctx)
		if err != nil || n == 0 {
			return n, err
		}
		select {
		case <-ctx.Done():
			return n, ctx.Err()
		case <-deadline.C:
			s.log.Warn("dev reset: runs still running after a lease; their results will be dropped", "count", n)
			return n, nil
		case <-tick.C:
		}
	}
}

// resetHandler serves ResetPath and MotoResetPath: POST resets (only with --dev), as moto's reset
// endpoint answers, unsigned.
func (s *Server) resetHandler(w http.ResponseWriter, r *http.Request) {
	reply := func(status int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(v)
	}
	switch {
	case !s.cfg.Dev:
		reply(http.StatusNotFound, map[string]string{"Error": fmt.Sprintf(
			"%s drops every resource and is served only by a development server: start it with `surveyor serve --dev`", r.URL.Path)})
	case r.Method != http.MethodPost:
		reply(http.StatusBadRequest, map[string]string{"Error": "Need to POST to reset"})
	default:
		res, err := s.Reset(r.Context())
		if err != nil {
			s.log.Error("dev reset failed", "err", err)
			reply(http.StatusInternalServerError, map[string]string{"Error": "reset failed; see the server log"})
			return
		}
		reply(http.StatusOK, map[string]any{"status": "ok", "runsStopped": res.RunsStopped, "runsStillRunning": res.StillRunning,
			"rowsDeleted": res.RowsDeleted})
	}
}
