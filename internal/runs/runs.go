// Package runs is Surveyor's job queue: a run row is the job. A run is REQUESTED, claimed by one
// worker with a lease (RUNNING), and finished exactly once as SUCCESS, PARTIALLY_SUCCEEDED or FAILED.
//
// Every write a worker makes after claiming checks the fencing token (fence) it got from Claim, so
// a worker whose lease expired and whose run was taken over by another process can no longer
// write anything. A run whose worker crashed is claimed again once its lease expires (attempt+1),
// and failed once it has used up its attempts. One run at a time per source is enforced by the
// store (a partial unique index), and Enqueue reports it as ErrActiveRun.
package runs

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/surveyorhq/surveyor/internal/scope"
	"github.com/surveyorhq/surveyor/internal/store"
)

// Run statuses.
const (
	StatusRequested          = "REQUESTED"
	StatusRunning            = "RUNNING"
	StatusSuccess            = "SUCCESS"
	StatusPartiallySucceeded = "PARTIALLY_SUCCEEDED"
	StatusFailed             = "FAILED"
)

// ErrorInternal is the error type of a run that failed for a reason of Surveyor's own: a handler
// error or panic, or a worker that kept dying.
const ErrorInternal = "INTERNAL_SERVER_EXCEPTION"

// ErrorTimeout is the error type of a run that went on past the workers' run timeout: a limit
// of this service, as DataZone's SERVICE_QUOTA_EXCEEDED_EXCEPTION says.
const ErrorTimeout = "SERVICE_QUOTA_EXCEEDED_EXCEPTION"

// DefaultMaxAttempts is how many times a run is claimed before a lost lease fails it.
const DefaultMaxAttempts = 3

// DefaultLease is how long a claim lasts without renewal.
const DefaultLease = 30 * time.Second

var (
	// ErrActiveRun is returned (wrapped in *ActiveRunError) by Enqueue when the source already has
	// a REQUESTED or RUNNING run.
	ErrActiveRun = errors.New("source already has an active run")
	// ErrLeaseLost is returned by Renew, Finish and Release when the run is no longer held under
	// the caller's fence: its lease expired and another worker claimed it, or it was finished.
	ErrLeaseLost = errors.New("run lease lost")
	// ErrNotFound is returned by Get for an unknown run.
	ErrNotFound = errors.New("run not found")
	// ErrBadCursor is returned by List for a paging cursor it did not issue.
	ErrBadCursor = errors.New("invalid run list cursor")
)

// ActiveRunError says which run keeps a source busy. It matches ErrActiveRun with errors.Is.
type ActiveRunError struct {
	SourceID string
	RunID    string
	Status   string
}

func (e *ActiveRunError) Error() string {
	return fmt.Sprintf("source %s already has an active run %s (%s)", e.SourceID, e.RunID, e.Status)
}

// Unwrap makes errors.Is(err, ErrActiveRun) true.
func (e *ActiveRunError) Unwrap() error { return ErrActiveRun }

// Run is one run of a job over a source. Times are kept to the millisecond, in UTC.
type Run struct {
	ID string
	// Scope is the account and region of the source the run reads; the job acts in it.
	Scope       scope.Scope
	SourceID    string
	Job         string // which handler runs it, e.g. "discover"
	Type        string // how it was started, e.g. "PRIORITIZED" or "SCHEDULED"
	Status      string
	ClientToken string
	Config      json.RawMessage

	Attempt        int
	MaxAttempts    int
	Fence          int64
	LeaseOwner     string
	LeaseExpiresAt *time.Time

	Stats       json.RawMessage
	ErrorType   string
	ErrorDetail string
	Result      json.RawMessage

	CreatedAt time.Time
	UpdatedAt time.Time
	StartedAt *time.Time
	StoppedAt *time.Time
}

// Terminal reports whether status is a final state.
func Terminal(status string) bool {
	switch status {
	case StatusSuccess, StatusPartiallySucceeded, StatusFailed, StatusCanceled:
		return true
	}
	return false
}

// Outcome is how a run ended, as the job's apply function reports it to Finish.
type Outcome struct {
	Status      string // SUCCESS, PARTIALLY_SUCCEEDED or FAILED
	Stats       json.RawMessage
	ErrorType   string
	ErrorDetail string
	Result      json.RawMessage
}

// Queue reads and writes runs in the store. The zero values of Now, NewID and Lease mean
// time.Now, random 32-hex-digit ids and DefaultLease.
type Queue struct {
	DB    *store.DB
	Now   func() time.Time
	NewID func() string
	Lease time.Duration
}

func (q *Queue) now() time.Time {
	if q.Now != nil {
		return q.Now()
	}
	return time.Now()
}

func (q *Queue) lease() time.Duration {
	if q.Lease > 0 {
		return q.Lease
	}
	return DefaultLease
}

func (q *Queue) newID() string {
	if q.NewID != nil {
		return q.NewID()
	}
	return randomHex(16)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

const columns = `id, account_id, region, source_id, job, run_type, status, client_token, config,
	attempt, max_attempts, fence, lease_owner, lease_expires_at, stats, error_type, error_detail,
	result, created_at, updated_at, started_at, stopped_at`

type scanner interface{ Scan(dest ...any) error }

func scanRun(s scanner) (Run, error) {
	var (
		r                                           Run
		token, owner, stats, errType, detail, resul sql.NullString
		config                                      string
		leaseExp, started, stopped                  sql.NullInt64
		created, updated                            int64
	)
	err := s.Scan(&r.ID, &r.Scope.Account, &r.Scope.Region, &r.SourceID, &r.Job, &r.Type, &r.Status, &token, &config,
		&r.Attempt, &r.MaxAttempts, &r.Fence, &owner, &leaseExp, &stats, &errType, &detail,
		&resul, &created, &updated, &started, &stopped)
	if err != nil {
		return Run{}, err
	}
	r.ClientToken, r.LeaseOwner = token.String, owner.String
	r.ErrorType, r.ErrorDetail = errType.String, detail.String
	r.Config = json.RawMessage(config)
	r.Stats, r.Result = rawOrNil(stats), rawOrNil(resul)
	r.LeaseExpiresAt, r.StartedAt, r.StoppedAt = msPtr(leaseExp), msPtr(started), msPtr(stopped)
	r.CreatedAt, r.UpdatedAt = fromMs(created), fromMs(updated)
	return r, nil
}

func rawOrNil(s sql.NullString) json.RawMessage {
	if !s.Valid {
		return nil
	}
	return json.RawMessage(s.String)
}

// nullText is the column value of an optional text: NULL when empty.
func nullText[T ~string | ~[]byte](v T) any {
	if len(v) == 0 {
		return nil
	}
	return string(v)
}

func fromMs(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

func msPtr(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := fromMs(v.Int64)
	return &t
}

// Enqueue inserts a REQUESTED run inside the caller's transaction, so that a caller can create
// its own rows (or advance a schedule) and the run atomically. r gives Scope, SourceID, Job
// and optionally ID, Type, ClientToken, Config and MaxAttempts; the rest is set here.
//
// It is idempotent on (SourceID, ClientToken): a token already used for the source returns that
// run with created=false, whatever its state. When the source already has a REQUESTED or RUNNING
// run, it returns an *ActiveRunError (errors.Is ErrActiveRun). A failed insert never aborts tx.
func (q *Queue) Enqueue(ctx context.Context, tx *store.Tx, r Run) (Run, bool, error) {
	if !r.Scope.Valid() || r.SourceID == "" || r.Job == "" {
		return Run{}, false, errors.New("enqueue run: account, region, source and job are required")
	}
	if r.ID == "" {
		r.ID = q.newID()
	}
	if len(r.Config) == 0 {
		r.Config = json.RawMessage("{}")
	}
	if r.MaxAttempts <= 0 {
		r.MaxAttempts = DefaultMaxAttempts
	}
	now := fromMs(q.now().UnixMilli())
	r.Status, r.Attempt, r.Fence = StatusRequested, 0, 0
	r.LeaseOwner, r.LeaseExpiresAt = "", nil
	r.Stats, r.ErrorType, r.ErrorDetail, r.Result = nil, "", "", nil
	r.CreatedAt, r.UpdatedAt, r.StartedAt, r.StoppedAt = now, now, nil, nil

	// The insert and the lookups race with other transactions on PostgreSQL: a conflicting run
	// can finish between our insert and our lookup. Retry a few times; each pass makes progress
	// unless another process keeps starting and finishing runs on this very source.
	for range 5 {
		if r.ClientToken != "" {
			existing, err := q.byToken(ctx, tx, r.SourceID, r.ClientToken)
			if err == nil {
				return existing, false, nil
			}
			if !errors.Is(err, ErrNotFound) {
				return Run{}, false, err
			}
		}
		// ON CONFLICT DO NOTHING (no target) covers the primary key and both partial unique
		// indexes, and leaves a PostgreSQL transaction usable, unlike a unique violation.
		n, err := tx.Exec(ctx, `INSERT INTO runs (id, account_id, region, source_id, job, run_type, status,
			client_token, config, attempt, max_attempts, fence, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, 0, ?, ?) ON CONFLICT DO NOTHING`,
			r.ID, r.Scope.Account, r.Scope.Region, r.SourceID, r.Job, r.Type, StatusRequested,
			nullText(r.ClientToken), string(r.Config), r.MaxAttempts, now.UnixMilli(), now.UnixMilli())
		if err != nil {
			return Run{}, false, fmt.Errorf("enqueue run for source %s: %w", r.SourceID, err)
		}
		if n == 1 {
			return r, true, nil
		}
		if r.ClientToken != "" {
			if existing, err := q.byToken(ctx, tx, r.SourceID, r.ClientToken); err == nil {
				return existing, false, nil
			}
		}
		var id, status string
		err = tx.QueryRow(ctx, `SELECT id, status FROM runs WHERE source_id = ? AND status IN (?, ?)`,
			r.SourceID, StatusRequested, StatusRunning).Scan(&id, &status)
		switch {
		case err == nil:
			return Run{}, false, &ActiveRunError{SourceID: r.SourceID, RunID: id, Status: status}
		case !errors.Is(err, sql.ErrNoRows):
			return Run{}, false, fmt.Errorf("enqueue run for source %s: find active run: %w", r.SourceID, err)
		}
		var taken int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM runs WHERE id = ?`, r.ID).Scan(&taken); err != nil {
			return Run{}, false, fmt.Errorf("enqueue run for source %s: %w", r.SourceID, err)
		}
		if taken > 0 {
			return Run{}, false, fmt.Errorf("enqueue run for source %s: run id %s is already used", r.SourceID, r.ID)
		}
	}
	return Run{}, false, fmt.Errorf("enqueue run for source %s: kept conflicting with concurrent runs", r.SourceID)
}

func (q *Queue) byToken(ctx context.Context, tx *store.Tx, sourceID, token string) (Run, error) {
	r, err := scanRun(tx.QueryRow(ctx, `SELECT `+columns+` FROM runs WHERE source_id = ? AND client_token = ?`,
		sourceID, token))
	if errors.Is(err, sql.ErrNoRows) {
		return Run{}, ErrNotFound
	}
	if err != nil {
		return Run{}, fmt.Errorf("find run of source %s by client token: %w", sourceID, err)
	}
	return r, nil
}

// Claim takes one claimable run of one of jobs (any job when jobs is empty) for owner: the oldest
// REQUESTED run, or a RUNNING run whose lease expired because its worker died. The run becomes
// RUNNING under owner with a new lease and fence, and attempt+1. An expired run that has used up
// its attempts is failed instead (INTERNAL_SERVER_EXCEPTION) and the search goes on. It returns
// (nil, nil) when nothing is claimable.
//
// On PostgreSQL concurrent claimers skip each other's rows (FOR UPDATE SKIP LOCKED); on SQLite
// the store's write transaction is exclusive.
func (q *Queue) Claim(ctx context.Context, owner string, jobs []string) (*Run, error) {
	var claimed *Run
	err := q.DB.Tx(ctx, func(tx *store.Tx) error {
		claimed = nil
		now := q.now().UnixMilli()
		query := `SELECT ` + columns + ` FROM runs
			WHERE (status = ? OR (status = ? AND lease_expires_at <= ?))`
		args := []any{StatusRequested, StatusRunning, now}
		if len(jobs) > 0 {
			query += ` AND job IN (?` + strings.Repeat(", ?", len(jobs)-1) + `)`
			for _, j := range jobs {
				args = append(args, j)
			}
		}
		query += ` ORDER BY created_at, id LIMIT 1`
		if tx.Dialect() == store.Postgres {
			query += ` FOR UPDATE SKIP LOCKED`
		}
		for {
			r, err := scanRun(tx.QueryRow(ctx, query, args...))
			if errors.Is(err, sql.ErrNoRows) {
				return nil
			}
			if err != nil {
				return fmt.Errorf("find a claimable run: %w", err)
			}
			if r.Status == StatusRunning && r.Attempt >= r.MaxAttempts {
				if err := abandon(ctx, tx, &r, now); err != nil {
					return err
				}
				continue
			}
			expires := now + q.lease().Milliseconds()
			n, err := tx.Exec(ctx, `UPDATE runs SET status = ?, attempt = attempt + 1, fence = fence + 1,
				lease_owner = ?, lease_expires_at = ?, started_at = COALESCE(started_at, ?), updated_at = ?
				WHERE id = ? AND fence = ?`,
				StatusRunning, owner, expires, now, now, r.ID, r.Fence)
			if err != nil {
				return fmt.Errorf("claim run %s: %w", r.ID, err)
			}
			if n != 1 {
				return fmt.Errorf("claim run %s: row changed while locked", r.ID)
			}
			r.Status, r.Attempt, r.Fence = StatusRunning, r.Attempt+1, r.Fence+1
			r.LeaseOwner = owner
			exp := fromMs(expires)
			r.LeaseExpiresAt = &exp
			if r.StartedAt == nil {
				s := fromMs(now)
				r.StartedAt = &s
			}
			r.UpdatedAt = fromMs(now)
			claimed = &r
			return nil
		}
	})
	if err != nil {
		return nil, err
	}
	return claimed, nil
}

// abandon fails a run whose workers kept losing their lease.
func abandon(ctx context.Context, tx *store.Tx, r *Run, now int64) error {
	detail := fmt.Sprintf("run abandoned after %d attempts: worker lease expired", r.Attempt)
	_, err := tx.Exec(ctx, `UPDATE runs SET status = ?, error_type = ?, error_detail = ?, fence = fence + 1,
		lease_expires_at = NULL, stopped_at = ?, updated_at = ? WHERE id = ? AND fence = ?`,
		StatusFailed, ErrorInternal, detail, now, now, r.ID, r.Fence)
	if err != nil {
		return fmt.Errorf("fail abandoned run %s: %w", r.ID, err)
	}
	return nil
}

// Renew extends r's lease by the queue's lease duration from now, if r is still held under its
// fence; otherwise it returns ErrLeaseLost and changes nothing. When someone asked the run to
// stop (RequestCancel), it renews the lease and returns ErrCancelRequested.
func (q *Queue) Renew(ctx context.Context, r *Run) error {
	now := q.now().UnixMilli()
	expires := now + q.lease().Milliseconds()
	var cancelAt sql.NullInt64
	err := q.DB.Tx(ctx, func(tx *store.Tx) error {
		err := tx.QueryRow(ctx, `UPDATE runs SET lease_expires_at = ?, updated_at = ?
			WHERE id = ? AND fence = ? AND status = ? RETURNING cancel_requested_at`, expires, now, r.ID, r.Fence, StatusRunning).Scan(&cancelAt)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrLeaseLost
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("renew lease of run %s: %w", r.ID, err)
	}
	exp := fromMs(expires)
	r.LeaseExpiresAt, r.UpdatedAt = &exp, fromMs(now)
	if cancelAt.Valid {
		// The lease is renewed: the worker still holds the run while its handler stops.
		return fmt.Errorf("renew lease of run %s: %w", r.ID, ErrCancelRequested)
	}
	return nil
}

// Finish ends r in one transaction: it checks r is still held under its fence (else ErrLeaseLost,
// and nothing is written), calls apply with the transaction for the job's own writes, and records
// the outcome apply returns. When apply fails or panics, or returns a status that is not final,
// everything rolls back, the run stays RUNNING under r's lease, and Finish returns the error.
func (q *Queue) Finish(ctx context.Context, r *Run, apply func(ctx context.Context, tx *store.Tx) (Outcome, error)) error {
	var out Outcome
	var now int64
	err := q.DB.Tx(ctx, func(tx *store.Tx) error {
		now = q.now().UnixMilli()
		// Taking the row first locks it (PostgreSQL), so no claimer can take it over meanwhile.
		n, err := tx.Exec(ctx, `UPDATE runs SET updated_at = ? WHERE id = ? AND fence = ? AND status = ?`,
			now, r.ID, r.Fence, StatusRunning)
		if err != nil {
			return err
		}
		if n == 0 {
			return ErrLeaseLost
		}
		out, err = safeApply(ctx, tx, apply)
		if err != nil {
			return err
		}
		if !Terminal(out.Status) {
			return fmt.Errorf("outcome status %q is not SUCCESS, PARTIALLY_SUCCEEDED or FAILED", out.Status)
		}
		_, err = tx.Exec(ctx, `UPDATE runs SET status = ?, stats = ?, error_type = ?, error_detail = ?,
			result = ?, lease_expires_at = NULL, stopped_at = ?, updated_at = ? WHERE id = ? AND fence = ?`,
			out.Status, nullText(out.Stats), nullText(out.ErrorType), nullText(out.ErrorDetail),
			nullText(out.Result), now, now, r.ID, r.Fence)
		return err
	})
	if err != nil {
		return fmt.Errorf("finish run %s: %w", r.ID, err)
	}
	r.Status, r.Stats, r.ErrorType, r.ErrorDetail, r.Result = out.Status, out.Stats, out.ErrorType, out.ErrorDetail, out.Result
	stopped := fromMs(now)
	r.LeaseExpiresAt, r.StoppedAt, r.UpdatedAt = nil, &stopped, stopped
	return nil
}

// safeApply calls apply, turning a panic into an error so the transaction rolls back.
func safeApply(ctx context.Context, tx *store.Tx, apply func(context.Context, *store.Tx) (Outcome, error)) (out Outcome, err error) {
	if apply == nil {
		return Outcome{}, errors.New("no apply function")
	}
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("apply panicked: %v", p)
		}
	}()
	return apply(ctx, tx)
}

// Release puts r back to REQUESTED for another worker (graceful shutdown), if r is still held
// under its fence; otherwise it returns ErrLeaseLost. A released run does not use up an attempt.
func (q *Queue) Release(ctx context.Context, r *Run) error {
	now := q.now().UnixMilli()
	err := q.DB.Tx(ctx, func(tx *store.Tx) error {
		n, err := tx.Exec(ctx, `UPDATE runs SET status = ?, attempt = attempt - 1, fence = fence + 1,
			lease_owner = NULL, lease_expires_at = NULL, updated_at = ?
			WHERE id = ? AND fence = ? AND status = ?`,
			StatusRequested, now, r.ID, r.Fence, StatusRunning)
		if err != nil {
			return err
		}
		if n == 0 {
			return ErrLeaseLost
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("release run %s: %w", r.ID, err)
	}
	r.Status, r.Attempt, r.Fence = StatusRequested, r.Attempt-1, r.Fence+1
	r.LeaseOwner, r.LeaseExpiresAt, r.UpdatedAt = "", nil, fromMs(now)
	return nil
}

// Get returns the run id of scope sc, or ErrNotFound.
func (q *Queue) Get(ctx context.Context, sc scope.Scope, id string) (Run, error) {
	var r Run
	err := q.DB.ReadTx(ctx, func(tx *store.Tx) error {
		var err error
		r, err = scanRun(tx.QueryRow(ctx, `SELECT `+columns+` FROM runs WHERE account_id = ? AND region = ? AND id = ?`, sc.Account, sc.Region, id))
		return err
	})
	if errors.Is(err, sql.ErrNoRows) {
		return Run{}, fmt.Errorf("get run %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return Run{}, fmt.Errorf("get run %s: %w", id, err)
	}
	return r, nil
}

// ListQuery selects runs of one source, newest first.
type ListQuery struct {
	Scope    scope.Scope
	SourceID string
	Status   string // only runs in this status, when set
	Limit    int    // page size; 0 means 50
	After    string // the cursor List returned for the previous page
}

// List returns one page of the runs of q.SourceID, newest first, and the cursor of the next page
// ("" after the last one). Paging is by (created_at, id), so runs enqueued meanwhile never shift
// a page.
func (q *Queue) List(ctx context.Context, lq ListQuery) ([]Run, string, error) {
	limit := lq.Limit
	if limit <= 0 {
		limit = 50
	}
	query := `SELECT ` + columns + ` FROM runs WHERE account_id = ? AND region = ? AND source_id = ?`
	args := []any{lq.Scope.Account, lq.Scope.Region, lq.SourceID}
	if lq.Status != "" {
		query += ` AND status = ?`
		args = append(args, lq.Status)
	}
	if lq.After != "" {
		ms, id, err := parseCursor(lq.After)
		if err != nil {
			return nil, "", err
		}
		query += ` AND (created_at < ? OR (created_at = ? AND id < ?))`
		args = append(args, ms, ms, id)
	}
	query += ` ORDER BY created_at DESC, id DESC LIMIT ?`
	args = append(args, limit+1)
	var out []Run
	err := q.DB.ReadTx(ctx, func(tx *store.Tx) error {
		rows, err := tx.Query(ctx, query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			r, err := scanRun(rows)
			if err != nil {
				return err
			}
			out = append(out, r)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, "", fmt.Errorf("list runs of source %s: %w", lq.SourceID, err)
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		last := out[limit-1]
		next = strconv.FormatInt(last.CreatedAt.UnixMilli(), 10) + "." + last.ID
	}
	return out, next, nil
}

func parseCursor(c string) (int64, string, error) {
	msText, id, ok := strings.Cut(c, ".")
	ms, err := strconv.ParseInt(msText, 10, 64)
	if !ok || err != nil || id == "" {
		return 0, "", fmt.Errorf("%w: %q", ErrBadCursor, c)
	}
	return ms, id, nil
}
