package runs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/surveyorhq/surveyor/internal/scope"
	"github.com/surveyorhq/surveyor/internal/store"
)

// StatusCanceled is the final status of a run stopped on request (RequestCancel).
const StatusCanceled = "CANCELED"

// ErrCancelRequested is the cause a worker cancels a handler's context with when someone asked
// the run to stop.
var ErrCancelRequested = errors.New("run stopped on request")

// RequestCancel asks run id of scope sc to stop, inside the caller's transaction. A REQUESTED
// run no worker holds ends CANCELED at once; a RUNNING run is marked, and the worker that holds
// it cancels its handler at its next lease renewal (or at once, through Workers.Cancel, when it
// runs in this process) and records CANCELED without applying anything. A finished run is left
// as it is. It returns the run as it now stands.
func (q *Queue) RequestCancel(ctx context.Context, tx *store.Tx, sc scope.Scope, id string) (Run, error) {
	now := q.now().UnixMilli()
	r, err := scanRun(tx.QueryRow(ctx, `SELECT `+columns+` FROM runs WHERE account_id = ? AND region = ? AND id = ?`, sc.Account, sc.Region, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Run{}, ErrNotFound
	}
	if err != nil {
		return Run{}, fmt.Errorf("read run %s: %w", id, err)
	}
	switch r.Status {
	case StatusRequested:
		_, err = tx.Exec(ctx, `UPDATE runs SET status = ?, fence = fence + 1, cancel_requested_at = ?, stopped_at = ?, updated_at = ?
			WHERE id = ? AND status = ?`, StatusCanceled, now, now, now, id, StatusRequested)
		r.Status = StatusCanceled
		stopped := fromMs(now)
		r.StoppedAt = &stopped
	case StatusRunning:
		_, err = tx.Exec(ctx, `UPDATE runs SET cancel_requested_at = COALESCE(cancel_requested_at, ?), updated_at = ? WHERE id = ?`, now, now, id)
	}
	if err != nil {
		return Run{}, fmt.Errorf("cancel run %s: %w", id, err)
	}
	return r, nil
}

// CancelRequestedAt says when someone asked run id to stop (nil: never).
func (q *Queue) CancelRequestedAt(ctx context.Context, tx *store.Tx, id string) (*time.Time, error) {
	var at sql.NullInt64
	err := tx.QueryRow(ctx, `SELECT cancel_requested_at FROM runs WHERE id = ?`, id).Scan(&at)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("read run %s: %w", id, err)
	}
	return msPtr(at), nil
}
