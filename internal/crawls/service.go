// Package crawls keeps Glue crawlers and runs their crawls. A crawler is a row per account and
// region (glue_crawlers); a crawl is a run of the queue (job JobCrawl) over the crawler's
// source id, so it has a lease, is taken over when its worker dies and is applied exactly once:
// the catalog writes MakePlan decides happen in the run's fenced finishing transaction. A
// crawler's state, last crawl, history and metrics are read back from its runs; its schedule is
// a row of the scheduler.
package crawls

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/surveyorhq/surveyor/internal/discovery"
	"github.com/surveyorhq/surveyor/internal/gluecatalog"
	"github.com/surveyorhq/surveyor/internal/runs"
	"github.com/surveyorhq/surveyor/internal/scheduler"
	"github.com/surveyorhq/surveyor/internal/store"
)

// JobCrawl is the run job of a crawl.
const JobCrawl = "glue-crawl"

// Service manages crawlers and runs crawls.
type Service struct {
	DB      *store.DB
	Runs    *runs.Queue
	Catalog gluecatalog.Catalog
	// Discovery resolves sources: local roots, secrets (s3/<bucket> for S3 credentials),
	// sealed connection passwords, the connectors.
	Discovery *discovery.Job
	// Cancel stops a run's handler at once when it runs in this process (runs.Workers.Cancel).
	Cancel func(runID string) bool
	Now    func() time.Time
	Logger *slog.Logger
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func (s *Service) logger() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.Default()
}

// runConfig is what a crawl run carries: which crawler (by source id, read when the run starts).
type runConfig struct {
	Region string `json:"region"`
}

func newSourceID() string {
	b := make([]byte, 12)
	rand.Read(b)
	return "glue-crawler-" + hex.EncodeToString(b)
}

// Create stores a new crawler (and its schedule, SCHEDULED, when it has one).
func (s *Service) Create(ctx context.Context, tx *store.Tx, sc gluecatalog.Scope, def Definition, tags map[string]string) error {
	if err := def.Validate(); err != nil {
		return err
	}
	if def.Schedule != "" {
		def.ScheduleState = Scheduled
	}
	now := s.now()
	r := &record{Scope: sc, Def: def, SourceID: newSourceID(), Version: 1, Created: now, Updated: now}
	if err := insertRecord(ctx, tx, r); err != nil {
		return err
	}
	if len(tags) > 0 {
		if err := s.Catalog.TagResource(ctx, tx, sc, "crawler/"+def.Name, tags); err != nil {
			return err
		}
	}
	return s.putSchedule(ctx, tx, r)
}

// putSchedule makes the scheduler row match the definition.
func (s *Service) putSchedule(ctx context.Context, tx *store.Tx, r *record) error {
	if r.Def.Schedule == "" {
		return scheduler.Remove(ctx, tx, r.SourceID)
	}
	cfg, _ := json.Marshal(runConfig{Region: r.Scope.Region})
	return scheduler.Put(ctx, tx, scheduler.Entry{Scope: r.Scope, SourceID: r.SourceID, Expression: r.Def.Schedule,
		Timezone: "UTC", Enabled: r.Def.ScheduleState == Scheduled, Job: JobCrawl, Config: cfg}, s.now())
}

// Exists reports whether crawler name exists (a *gluecatalog.NotFoundError when not).
func (s *Service) Exists(ctx context.Context, tx *store.Tx, sc gluecatalog.Scope, name string) error {
	_, err := getRecord(ctx, tx, sc, name)
	return err
}

// Get returns a crawler with its state and last crawl.
func (s *Service) Get(ctx context.Context, tx *store.Tx, sc gluecatalog.Scope, name string) (*Crawler, error) {
	r, err := getRecord(ctx, tx, sc, name)
	if err != nil {
		return nil, err
	}
	return s.view(ctx, tx, r)
}

// List returns a page of crawlers by name after after.
func (s *Service) List(ctx context.Context, tx *store.Tx, sc gluecatalog.Scope, after string, limit int) ([]*Crawler, bool, error) {
	recs, more, err := listRecords(ctx, tx, sc, after, limit)
	if err != nil {
		return nil, false, err
	}
	out := make([]*Crawler, 0, len(recs))
	for _, r := range recs {
		c, err := s.view(ctx, tx, r)
		if err != nil {
			return nil, false, err
		}
		out = append(out, c)
	}
	return out, more, nil
}

// Names returns a page of crawler names after after.
func (s *Service) Names(ctx context.Context, tx *store.Tx, sc gluecatalog.Scope, after string, limit int) ([]string, bool, error) {
	recs, more, err := listRecords(ctx, tx, sc, after, limit)
	if err != nil {
		return nil, false, err
	}
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = r.Def.Name
	}
	return out, more, nil
}

// Update changes a crawler: change edits its definition. A running crawler cannot be updated.
func (s *Service) Update(ctx context.Context, tx *store.Tx, sc gluecatalog.Scope, name string, change func(*Definition)) error {
	r, err := getRecord(ctx, tx, sc, name)
	if err != nil {
		return err
	}
	if st, _, err := s.state(ctx, tx, r); err != nil {
		return err
	} else if st != Ready {
		return &StateError{Code: "CrawlerRunningException", Message: "Cannot update Crawler while running. Please stop crawl or wait until it completes to update."}
	}
	hadSchedule := r.Def.Schedule != ""
	change(&r.Def)
	r.Def.Name = name
	if err := r.Def.Validate(); err != nil {
		return err
	}
	if r.Def.Schedule == "" {
		r.Def.ScheduleState = ""
	} else if !hadSchedule || r.Def.ScheduleState == "" {
		r.Def.ScheduleState = Scheduled
	}
	if err := updateRecord(ctx, tx, r, s.now()); err != nil {
		return err
	}
	return s.putSchedule(ctx, tx, r)
}

// Delete removes a crawler, its schedule and tags; its tables stay. A running crawler cannot
// be deleted.
func (s *Service) Delete(ctx context.Context, tx *store.Tx, sc gluecatalog.Scope, name string) error {
	r, err := getRecord(ctx, tx, sc, name)
	if err != nil {
		return err
	}
	if st, _, err := s.state(ctx, tx, r); err != nil {
		return err
	} else if st != Ready {
		return running(name)
	}
	if err := deleteRecord(ctx, tx, r); err != nil {
		return err
	}
	if err := scheduler.Remove(ctx, tx, r.SourceID); err != nil {
		return err
	}
	return s.Catalog.DeleteTags(ctx, tx, sc, "crawler/"+name)
}

// Start queues a crawl. A crawler that runs already answers CrawlerRunningException.
func (s *Service) Start(ctx context.Context, tx *store.Tx, sc gluecatalog.Scope, name string) error {
	r, err := getRecord(ctx, tx, sc, name)
	if err != nil {
		return err
	}
	cfg, _ := json.Marshal(runConfig{Region: sc.Region})
	_, _, err = s.Runs.Enqueue(ctx, tx, runs.Run{ID: newCrawlID(), Scope: sc, SourceID: r.SourceID, Job: JobCrawl, Type: "PRIORITIZED", Config: cfg})
	if errors.Is(err, runs.ErrActiveRun) {
		return running(name)
	}
	return err
}

// Stop asks a running crawl to stop: the crawler is STOPPING until the worker has stopped it,
// then READY with LastCrawl CANCELLED, and the crawl writes nothing. It returns the crawl's run
// id: call CancelNow with it once the transaction has committed.
func (s *Service) Stop(ctx context.Context, tx *store.Tx, sc gluecatalog.Scope, name string) (string, error) {
	r, err := getRecord(ctx, tx, sc, name)
	if err != nil {
		return "", err
	}
	st, active, err := s.state(ctx, tx, r)
	if err != nil {
		return "", err
	}
	switch st {
	case Ready:
		return "", &StateError{Code: "CrawlerNotRunningException", Message: fmt.Sprintf("Crawler with name %s has not started", name)}
	case Stopping:
		return "", &StateError{Code: "CrawlerStoppingException", Message: fmt.Sprintf("Crawler with name %s is already stopping", name)}
	}
	if _, err := s.Runs.RequestCancel(ctx, tx, sc, active.ID); err != nil {
		return "", err
	}
	return active.ID, nil
}

// CancelNow stops the handler of a stopped crawl at once when it runs in this process (other
// processes notice at their next lease renewal).
func (s *Service) CancelNow(runID string) {
	if s.Cancel != nil && runID != "" {
		s.Cancel(runID)
	}
}

// SetScheduleState starts (SCHEDULED) or stops (NOT_SCHEDULED) a crawler's schedule.
func (s *Service) SetScheduleState(ctx context.Context, tx *store.Tx, sc gluecatalog.Scope, name, state string) error {
	r, err := getRecord(ctx, tx, sc, name)
	if err != nil {
		return err
	}
	switch {
	case r.Def.Schedule == "" && state == Scheduled:
		return &StateError{Code: "NoScheduleException", Message: fmt.Sprintf("Crawler %s has no schedule", name)}
	case state == Scheduled && r.Def.ScheduleState == Scheduled:
		return &StateError{Code: "SchedulerRunningException", Message: fmt.Sprintf("Schedule of crawler %s is already running", name)}
	case state == NotScheduled && r.Def.ScheduleState != Scheduled:
		return &StateError{Code: "SchedulerNotRunningException", Message: fmt.Sprintf("Schedule of crawler %s is not running", name)}
	}
	r.Def.ScheduleState = state
	if err := updateRecordQuiet(ctx, tx, r, s.now()); err != nil {
		return err
	}
	return s.putSchedule(ctx, tx, r)
}

// UpdateSchedule replaces a crawler's schedule expression ("" removes it), keeping its state.
func (s *Service) UpdateSchedule(ctx context.Context, tx *store.Tx, sc gluecatalog.Scope, name, expr string) error {
	r, err := getRecord(ctx, tx, sc, name)
	if err != nil {
		return err
	}
	if expr != "" {
		if _, err := ParseSchedule(expr); err != nil {
			return err
		}
	}
	had := r.Def.Schedule != ""
	r.Def.Schedule = expr
	switch {
	case expr == "":
		r.Def.ScheduleState = ""
	case !had:
		r.Def.ScheduleState = Scheduled
	}
	if err := updateRecordQuiet(ctx, tx, r, s.now()); err != nil {
		return err
	}
	return s.putSchedule(ctx, tx, r)
}

// updateRecordQuiet stores a schedule change; it is not an UpdateCrawler, so Version stays.
func updateRecordQuiet(ctx context.Context, tx *store.Tx, r *record, now time.Time) error {
	if err := updateRecord(ctx, tx, r, now); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `UPDATE glue_crawlers SET version = version - 1 WHERE account_id = ? AND region = ? AND name = ?`,
		r.Scope.Account, r.Scope.Region, r.Def.Name)
	r.Version--
	return err
}

// newCrawlID is a crawl id in Glue's form, a UUID.
func newCrawlID() string {
	b := make([]byte, 16)
	rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
