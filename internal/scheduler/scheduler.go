// Package scheduler fires schedules: each schedule row names a source, an AWS schedule expression
// (rate, cron, at) in a time zone, and the job and config of the runs it starts. Tick enqueues a
// SCHEDULED run for every due schedule and advances its next_run_at in the same transaction, so a
// fire happens once however many processes tick; after downtime a schedule fires one catch-up
// run, not one per missed slot.
package scheduler

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/surveyorhq/surveyor/internal/outage"
	"github.com/surveyorhq/surveyor/internal/runs"
	"github.com/surveyorhq/surveyor/internal/schedule"
	"github.com/surveyorhq/surveyor/internal/scope"
	"github.com/surveyorhq/surveyor/internal/store"
)

// RunType is the type of the runs schedules start.
const RunType = "SCHEDULED"

// Entry is one schedule.
type Entry struct {
	// Scope is the account and region of the source; its runs act in it.
	Scope      scope.Scope
	SourceID   string
	Expression string
	// Timezone is an IANA name or a DataZone zone name (UTC, EUROPE_LONDON...).
	Timezone string
	// Anchor is when a rate() schedule starts counting (AppIntegrations FirstExecutionFrom).
	Anchor  time.Time
	Enabled bool
	Job     string
	Config  json.RawMessage

	NextRunAt   *time.Time // read only
	LastFiredAt *time.Time // read only
}

// Parse checks an entry's expression and zone and returns the schedule.
func (e Entry) Parse() (*schedule.Schedule, error) {
	tz := e.Timezone
	if tz == "" {
		tz = "UTC"
	}
	loc, err := schedule.LoadLocation(tz)
	if err != nil {
		return nil, err
	}
	return schedule.Parse(e.Expression, loc, e.Anchor)
}

// Put creates or replaces the schedule of e.SourceID inside the caller's transaction; the next
// fire is computed from now.
func Put(ctx context.Context, tx *store.Tx, e Entry, now time.Time) error {
	s, err := e.Parse()
	if err != nil {
		return err
	}
	var next any
	if n := s.Next(now); !n.IsZero() {
		next = n.UnixMilli()
	}
	cfg := string(e.Config)
	if cfg == "" {
		cfg = "{}"
	}
	_, err = tx.Exec(ctx, `INSERT INTO schedules (id, account_id, region, source_id, job, config, expression, timezone, anchor, next_run_at, enabled, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (source_id) DO UPDATE SET job = excluded.job, config = excluded.config, expression = excluded.expression,
			timezone = excluded.timezone, anchor = excluded.anchor, next_run_at = excluded.next_run_at,
			enabled = excluded.enabled, updated_at = excluded.updated_at`,
		e.SourceID, e.Scope.Account, e.Scope.Region, e.SourceID, e.Job, cfg, e.Expression, e.Timezone, e.Anchor.UnixMilli(), next,
		boolInt(e.Enabled), now.UnixMilli(), now.UnixMilli())
	if err != nil {
		return fmt.Errorf("put schedule of %s: %w", e.SourceID, err)
	}
	return nil
}

// Remove deletes the schedule of a source, if any.
func Remove(ctx context.Context, tx *store.Tx, sourceID string) error {
	if _, err := tx.Exec(ctx, "DELETE FROM schedules WHERE source_id = ?", sourceID); err != nil {
		return fmt.Errorf("remove schedule of %s: %w", sourceID, err)
	}
	return nil
}

// ErrNotFound is returned by Get for a source without a schedule.
var ErrNotFound = errors.New("no schedule")

// Get reads the schedule of a source.
func Get(ctx context.Context, tx *store.Tx, sourceID string) (Entry, error) {
	e, err := scanEntry(tx.QueryRow(ctx, "SELECT "+columns+" FROM schedules WHERE source_id = ?", sourceID))
	if errors.Is(err, sql.ErrNoRows) {
		return e, fmt.Errorf("schedule of %s: %w", sourceID, ErrNotFound)
	}
	return e, err
}

const columns = "account_id, region, source_id, job, config, expression, timezone, anchor, next_run_at, enabled, last_fired_at"

type scanner interface{ Scan(...any) error }

func scanEntry(row scanner) (Entry, error) {
	var (
		e          Entry
		cfg        string
		anchor     int64
		next, last sql.NullInt64
		enabled    int
	)
	if err := row.Scan(&e.Scope.Account, &e.Scope.Region, &e.SourceID, &e.Job, &cfg, &e.Expression, &e.Timezone, &anchor, &next, &enabled, &last); err != nil {
		return e, err
	}
	e.Config, e.Anchor, e.Enabled = json.RawMessage(cfg), time.UnixMilli(anchor).UTC(), enabled != 0
	e.NextRunAt, e.LastFiredAt = msTime(next), msTime(last)
	return e, nil
}

// Scheduler ticks: it fires due schedules into the run queue.
type Scheduler struct {
	DB     *store.DB
	Queue  *runs.Queue
	Now    func() time.Time
	Logger *slog.Logger
	// Notify is called after a tick enqueued runs (to wake workers).
	Notify func()
	// Poll is the time between ticks (default 1 s).
	Poll time.Duration
	// Batch caps the schedules fired by one tick (default 100).
	Batch int
	// Outage, shared with the process's other pollers, keeps failed ticks quiet and backing off
	// while the store does not answer; nil gets one of the scheduler's own.
	Outage *outage.Watch
}

// Run ticks until ctx is done.
func (s *Scheduler) Run(ctx context.Context) {
	poll := s.Poll
	if poll <= 0 {
		poll = time.Second
	}
	watch := s.Outage
	if watch == nil {
		watch = &outage.Watch{Logger: s.logger()}
	}
	for {
		wait := poll
		if _, err := s.Tick(ctx); err != nil && ctx.Err() == nil {
			wait = watch.Failed("scheduler: tick", err, poll)
		} else if err == nil {
			watch.OK()
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// Tick fires every due, enabled schedule once and returns how many runs it enqueued. A source
// that already has an active run skips this fire; its schedule still advances.
func (s *Scheduler) Tick(ctx context.Context) (int, error) {
	now := s.now()
	batch := s.Batch
	if batch <= 0 {
		batch = 100
	}
	fired := 0
	err := s.DB.Tx(ctx, func(tx *store.Tx) error {
		q := "SELECT " + columns + " FROM schedules WHERE enabled = 1 AND next_run_at IS NOT NULL AND next_run_at <= ? ORDER BY next_run_at LIMIT ?"
		if tx.Dialect() == store.Postgres {
			q += " FOR UPDATE SKIP LOCKED"
		}
		rows, err := tx.Query(ctx, q, now.UnixMilli(), batch)
		if err != nil {
			return fmt.Errorf("read due schedules: %w", err)
		}
		var due []Entry
		for rows.Next() {
			e, err := scanEntry(rows)
			if err != nil {
				rows.Close()
				return err
			}
			due = append(due, e)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, e := range due {
			var next any
			sched, err := e.Parse()
			if err != nil {
				// Stored schedules were valid when put; if one no longer parses, stop it.
				s.logger().Warn("disabling unparseable schedule", "source", e.SourceID, "err", err)
			} else if n := sched.Next(now); !n.IsZero() {
				next = n.UnixMilli()
			}
			// A savepoint keeps one schedule's failure from undoing (and forever blocking) the others.
			if _, err := tx.Exec(ctx, "SAVEPOINT fire"); err != nil {
				return fmt.Errorf("savepoint: %w", err)
			}
			_, _, err = s.Queue.Enqueue(ctx, tx, runs.Run{Scope: e.Scope, SourceID: e.SourceID, Job: e.Job, Type: RunType, Config: e.Config})
			switch {
			case errors.Is(err, runs.ErrActiveRun):
				s.logger().Info("schedule fire skipped: the source has an active run", "source", e.SourceID)
			case err != nil:
				if _, rerr := tx.Exec(ctx, "ROLLBACK TO SAVEPOINT fire"); rerr != nil {
					return fmt.Errorf("enqueue scheduled run of %s: %w (and rollback to savepoint: %v)", e.SourceID, err, rerr)
				}
				s.logger().Error("schedule fire failed; the schedule moves on to its next time", "source", e.SourceID, "err", err)
			default:
				fired++
			}
			if _, err := tx.Exec(ctx, "RELEASE SAVEPOINT fire"); err != nil {
				return fmt.Errorf("release savepoint: %w", err)
			}
			if _, err := tx.Exec(ctx, "UPDATE schedules SET next_run_at = ?, last_fired_at = ?, updated_at = ? WHERE source_id = ?",
				next, now.UnixMilli(), now.UnixMilli(), e.SourceID); err != nil {
				return fmt.Errorf("advance schedule of %s: %w", e.SourceID, err)
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	if fired > 0 && s.Notify != nil {
		s.Notify()
	}
	return fired, nil
}

func (s *Scheduler) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Scheduler) logger() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.New(slog.DiscardHandler)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func msTime(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := time.UnixMilli(v.Int64).UTC()
	return &t
}
