package scheduler_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/surveyorhq/surveyor/internal/runs"
	"github.com/surveyorhq/surveyor/internal/scheduler"
	"github.com/surveyorhq/surveyor/internal/scope"
	"github.com/surveyorhq/surveyor/internal/store"
	"github.com/surveyorhq/surveyor/internal/store/storetest"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

// testScope is the account and region of the tests' schedules.
var testScope = scope.Scope{Account: "111111111111", Region: "us-east-1"}

func put(t *testing.T, db *store.DB, e scheduler.Entry, now time.Time) {
	t.Helper()
	if err := db.Tx(context.Background(), func(tx *store.Tx) error { return scheduler.Put(context.Background(), tx, e, now) }); err != nil {
		t.Fatal(err)
	}
}

func countRuns(t *testing.T, q *runs.Queue, source string) []runs.Run {
	t.Helper()
	list, _, err := q.List(context.Background(), runs.ListQuery{Scope: testScope, SourceID: source, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	return list
}

// finishAll completes every active run so the next fire is not skipped.
func finishAll(t *testing.T, q *runs.Queue) {
	t.Helper()
	ctx := context.Background()
	for {
		r, err := q.Claim(ctx, "t", nil)
		if err != nil {
			t.Fatal(err)
		}
		if r == nil {
			return
		}
		if err := q.Finish(ctx, r, func(context.Context, *store.Tx) (runs.Outcome, error) {
			return runs.Outcome{Status: runs.StatusSuccess}, nil
		}); err != nil {
			t.Fatal(err)
		}
	}
}

func TestCronFiresOnTimeInItsZone(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clk := &clock{t: time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC)} // a Monday
		q := &runs.Queue{DB: db, Now: clk.Now}
		s := &scheduler.Scheduler{DB: db, Queue: q, Now: clk.Now}
		// 09:30 in New York on weekdays = 14:30 UTC in November.
		put(t, db, scheduler.Entry{Scope: testScope, SourceID: "ds1", Expression: "cron(30 9 ? * MON-FRI *)",
			Timezone: "AMERICA_NEW_YORK", Enabled: true, Job: "discover", Config: []byte(`{"secretId":"x"}`)}, clk.Now())
		e, err := getEntry(db, "ds1")
		if err != nil || e.NextRunAt == nil || !e.NextRunAt.Equal(time.Date(2026, 11, 2, 14, 30, 0, 0, time.UTC)) {
			t.Fatalf("next run = %v, %v; want 14:30 UTC", e.NextRunAt, err)
		}
		clk.Set(time.Date(2026, 11, 2, 14, 29, 59, 0, time.UTC))
		if n, _ := s.Tick(ctx); n != 0 {
			t.Fatalf("fired %d runs a second early", n)
		}
		clk.Set(time.Date(2026, 11, 2, 14, 30, 0, 0, time.UTC))
		if n, err := s.Tick(ctx); n != 1 || err != nil {
			t.Fatalf("Tick at 14:30 fired %d (%v), want 1", n, err)
		}
		if n, _ := s.Tick(ctx); n != 0 {
			t.Fatalf("a second tick at the same instant fired %d", n)
		}
		list := countRuns(t, q, "ds1")
		if len(list) != 1 || list[0].Type != "SCHEDULED" || string(list[0].Config) != `{"secretId":"x"}` || list[0].Job != "discover" {
			t.Fatalf("runs = %+v", list)
		}
		e, _ = getEntry(db, "ds1")
		if !e.NextRunAt.Equal(time.Date(2026, 11, 3, 14, 30, 0, 0, time.UTC)) {
			t.Errorf("next run after firing = %v, want Tuesday 14:30 UTC", e.NextRunAt)
		}
	})
}

func TestDowntimeFiresOneCatchUpAndActiveRunsSkip(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clk := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
		q := &runs.Queue{DB: db, Now: clk.Now}
		s := &scheduler.Scheduler{DB: db, Queue: q, Now: clk.Now}
		put(t, db, scheduler.Entry{Scope: testScope, SourceID: "ds2", Expression: "rate(5 minutes)", Anchor: clk.Now(), Enabled: true, Job: "discover"}, clk.Now())
		// Three hours of downtime: 36 missed slots, one catch-up run.
		clk.Set(clk.Now().Add(3*time.Hour + 2*time.Minute))
		if n, _ := s.Tick(ctx); n != 1 {
			t.Fatalf("after downtime fired %d, want 1", n)
		}
		if n, _ := s.Tick(ctx); n != 0 {
			t.Fatalf("second tick fired %d, want 0", n)
		}
		e, _ := getEntry(db, "ds2")
		if want := time.Date(2026, 1, 1, 3, 5, 0, 0, time.UTC); !e.NextRunAt.Equal(want) {
			t.Errorf("next = %v, want %v (the first slot after now)", e.NextRunAt, want)
		}
		// The run is still active at the next slot: that fire is skipped, the schedule advances.
		clk.Set(time.Date(2026, 1, 1, 3, 5, 0, 0, time.UTC))
		if n, err := s.Tick(ctx); n != 0 || err != nil {
			t.Fatalf("fire over an active run: %d, %v", n, err)
		}
		if e, _ := getEntry(db, "ds2"); !e.NextRunAt.Equal(time.Date(2026, 1, 1, 3, 10, 0, 0, time.UTC)) {
			t.Errorf("schedule did not advance past the skipped fire: %v", e.NextRunAt)
		}
		finishAll(t, q)
		clk.Set(time.Date(2026, 1, 1, 3, 10, 0, 0, time.UTC))
		if n, _ := s.Tick(ctx); n != 1 {
			t.Errorf("fire after the run finished: %d, want 1", n)
		}
		if got := len(countRuns(t, q, "ds2")); got != 2 {
			t.Errorf("%d runs in all, want 2", got)
		}
	})
}

func TestDisabledAndOneTimeSchedules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clk := &clock{t: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)}
		q := &runs.Queue{DB: db, Now: clk.Now}
		s := &scheduler.Scheduler{DB: db, Queue: q, Now: clk.Now}
		put(t, db, scheduler.Entry{Scope: testScope, SourceID: "off", Expression: "cron(* * * * ? *)", Enabled: false, Job: "discover"}, clk.Now())
		put(t, db, scheduler.Entry{Scope: testScope, SourceID: "once", Expression: "at(2026-06-01T00:10:00)", Timezone: "UTC", Enabled: true, Job: "discover"}, clk.Now())
		clk.Set(clk.Now().Add(time.Hour))
		if n, _ := s.Tick(ctx); n != 1 {
			t.Fatalf("fired %d, want only the at() schedule", n)
		}
		finishAll(t, q)
		clk.Set(clk.Now().Add(24 * time.Hour))
		if n, _ := s.Tick(ctx); n != 0 {
			t.Errorf("at() fired again: %d", n)
		}
		if e, _ := getEntry(db, "once"); e.NextRunAt != nil {
			t.Errorf("at() schedule still has a next run: %v", e.NextRunAt)
		}
		if err := db.Tx(ctx, func(tx *store.Tx) error {
			return scheduler.Put(ctx, tx, scheduler.Entry{SourceID: "bad", Expression: "cron(0 12 * * * *)", Job: "discover"}, clk.Now())
		}); err == nil {
			t.Error("an invalid cron expression was stored")
		}
	})
}

func TestConcurrentTickersFireOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clk := &clock{t: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)}
		q := &runs.Queue{DB: db, Now: clk.Now}
		for i := 0; i < 20; i++ {
			put(t, db, scheduler.Entry{Scope: testScope, SourceID: "src-" + string(rune('a'+i)), Expression: "rate(1 hour)", Anchor: clk.Now(), Enabled: true, Job: "discover"}, clk.Now())
		}
		clk.Set(clk.Now().Add(time.Hour))
		var wg sync.WaitGroup
		var mu sync.Mutex
		total := 0
		for i := 0; i < 4; i++ {
			wg.Go(func() {
				s := &scheduler.Scheduler{DB: db, Queue: q, Now: clk.Now, Batch: 7}
				for j := 0; j < 5; j++ {
					n, err := s.Tick(ctx)
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					total += n
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if total != 20 {
			t.Errorf("4 concurrent tickers fired %d runs for 20 due schedules, want 20", total)
		}
	})
}

func getEntry(db *store.DB, source string) (scheduler.Entry, error) {
	var e scheduler.Entry
	err := db.ReadTx(context.Background(), func(tx *store.Tx) error {
		var err error
		e, err = scheduler.Get(context.Background(), tx, source)
		return err
	})
	return e, err
}

func TestOneFailingScheduleDoesNotBlockTheOthers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clk := &clock{t: time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)}
		q := &runs.Queue{DB: db, Now: clk.Now}
		s := &scheduler.Scheduler{DB: db, Queue: q, Now: clk.Now}
		// The queue refuses a run without a job: this schedule's fire fails every time.
		put(t, db, scheduler.Entry{Scope: testScope, SourceID: "broken", Expression: "rate(1 hour)", Anchor: clk.Now(), Enabled: true, Job: ""}, clk.Now())
		put(t, db, scheduler.Entry{Scope: testScope, SourceID: "fine", Expression: "rate(1 hour)", Anchor: clk.Now(), Enabled: true, Job: "discover"}, clk.Now())
		clk.Set(clk.Now().Add(time.Hour))
		n, err := s.Tick(ctx)
		if err != nil || n != 1 {
			t.Fatalf("Tick = %d, %v; want the healthy schedule fired", n, err)
		}
		for _, src := range []string{"broken", "fine"} {
			if e, _ := getEntry(db, src); !e.NextRunAt.Equal(clk.Now().Add(time.Hour)) {
				t.Errorf("%s did not advance: next %v", src, e.NextRunAt)
			}
		}
	})
}
