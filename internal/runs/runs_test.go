package runs_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/surveyorhq/surveyor/internal/runs"
	"github.com/surveyorhq/surveyor/internal/scope"
	"github.com/surveyorhq/surveyor/internal/store"
	"github.com/surveyorhq/surveyor/internal/store/storetest"
)

var account = scope.Scope{Account: "111111111111", Region: "us-east-1"}

// clock is a test clock that only moves when told.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newQueue(db *store.DB, c *clock) *runs.Queue {
	n := 0
	var mu sync.Mutex
	return &runs.Queue{DB: db, Now: c.Now, NewID: func() string {
		mu.Lock()
		defer mu.Unlock()
		n++
		return fmt.Sprintf("run-%04d", n)
	}}
}

func enqueue(t testing.TB, q *runs.Queue, r runs.Run) runs.Run {
	t.Helper()
	var got runs.Run
	err := q.DB.Tx(context.Background(), func(tx *store.Tx) error {
		var err error
		got, _, err = q.Enqueue(context.Background(), tx, r)
		return err
	})
	if err != nil {
		t.Fatalf("enqueue %+v: %v", r, err)
	}
	return got
}

func scanRun(source string) runs.Run {
	return runs.Run{Scope: account, SourceID: source, Job: "scan", Type: "PRIORITIZED"}
}

func get(t testing.TB, q *runs.Queue, id string) runs.Run {
	t.Helper()
	r, err := q.Get(context.Background(), account, id)
	if err != nil {
		t.Fatalf("get %s: %v", id, err)
	}
	return r
}

func claim(t testing.TB, q *runs.Queue, owner string, jobs ...string) *runs.Run {
	t.Helper()
	r, err := q.Claim(context.Background(), owner, jobs)
	if err != nil {
		t.Fatalf("claim by %s: %v", owner, err)
	}
	return r
}

func succeed(context.Context, *store.Tx) (runs.Outcome, error) {
	return runs.Outcome{Status: runs.StatusSuccess, Stats: json.RawMessage(`{"added":1}`)}, nil
}

// markers counts the rows apply functions wrote, to tell whether a job's writes committed.
func markers(t testing.TB, db *store.DB) int {
	t.Helper()
	var n int
	err := db.ReadTx(context.Background(), func(tx *store.Tx) error {
		return tx.QueryRow(context.Background(), `SELECT count(*) FROM resources WHERE service = 'runs-test'`).Scan(&n)
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func writeMarker(ctx context.Context, tx *store.Tx, id string) error {
	_, err := tx.Exec(ctx, `INSERT INTO resources (account_id, service, type, id, doc, created_at, updated_at)
		VALUES (?, 'runs-test', 'marker', ?, '{}', 1, 1)`, account.Account, id)
	return err
}

func TestEnqueue(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		c := newClock()
		q := newQueue(db, c)
		enq := func(r runs.Run) (runs.Run, bool, error) {
			var got runs.Run
			var created bool
			err := db.Tx(ctx, func(tx *store.Tx) error {
				var err error
				got, created, err = q.Enqueue(ctx, tx, r)
				return err
			})
			return got, created, err
		}
		withToken := func(source, token string) runs.Run {
			r := scanRun(source)
			r.ClientToken = token
			return r
		}

		first, created, err := enq(withToken("src-a", "tok-1"))
		if err != nil || !created {
			t.Fatalf("first enqueue: created=%v err=%v", created, err)
		}
		if first.Status != runs.StatusRequested || first.Attempt != 0 || first.MaxAttempts != runs.DefaultMaxAttempts ||
			string(first.Config) != "{}" || !first.CreatedAt.Equal(c.Now()) {
			t.Errorf("first run = %+v, want REQUESTED, attempt 0, max %d, config {}, created now", first, runs.DefaultMaxAttempts)
		}
		if diff := cmp.Diff(first, get(t, q, first.ID)); diff != "" {
			t.Errorf("stored run differs from the returned one (-returned +stored):\n%s", diff)
		}

		t.Run("same client token returns the same run", func(t *testing.T) {
			again, created, err := enq(withToken("src-a", "tok-1"))
			if err != nil || created || again.ID != first.ID {
				t.Fatalf("enqueue again = %s created=%v err=%v, want %s, false, nil", again.ID, created, err, first.ID)
			}
		})
		t.Run("second active run of a source is a conflict naming the active run", func(t *testing.T) {
			_, _, err := enq(withToken("src-a", "tok-2"))
			var active *runs.ActiveRunError
			if !errors.Is(err, runs.ErrActiveRun) || !errors.As(err, &active) || active.RunID != first.ID {
				t.Fatalf("enqueue = %v, want ErrActiveRun naming %s", err, first.ID)
			}
			_, _, err = enq(scanRun("src-a")) // without a token too
			if !errors.Is(err, runs.ErrActiveRun) {
				t.Fatalf("enqueue without token = %v, want ErrActiveRun", err)
			}
		})
		t.Run("a conflict leaves the caller's transaction usable", func(t *testing.T) {
			err := db.Tx(ctx, func(tx *store.Tx) error {
				if _, _, err := q.Enqueue(ctx, tx, scanRun("src-a")); !errors.Is(err, runs.ErrActiveRun) {
					return fmt.Errorf("enqueue = %v, want ErrActiveRun", err)
				}
				return writeMarker(ctx, tx, "after-conflict")
			})
			if err != nil || markers(t, db) != 1 {
				t.Fatalf("tx after conflict: err=%v markers=%d, want nil and 1", err, markers(t, db))
			}
		})
		t.Run("run is created atomically with the caller's rows", func(t *testing.T) {
			boom := errors.New("boom")
			err := db.Tx(ctx, func(tx *store.Tx) error {
				if _, _, err := q.Enqueue(ctx, tx, scanRun("src-rollback")); err != nil {
					return err
				}
				return boom
			})
			if !errors.Is(err, boom) {
				t.Fatalf("tx = %v, want boom", err)
			}
			list, _, err := q.List(ctx, runs.ListQuery{Scope: account, SourceID: "src-rollback"})
			if err != nil || len(list) != 0 {
				t.Fatalf("runs of rolled back source = %d (err %v), want 0", len(list), err)
			}
		})
		t.Run("another source is independent", func(t *testing.T) {
			if _, created, err := enq(withToken("src-b", "tok-1")); err != nil || !created {
				t.Fatalf("enqueue src-b: created=%v err=%v", created, err)
			}
		})
		t.Run("token stays bound to its run after it finished; a new run may start", func(t *testing.T) {
			r := claim(t, q, "w1", "scan")
			if r == nil || r.ID != first.ID {
				t.Fatalf("claimed %v, want %s", r, first.ID)
			}
			if err := q.Finish(ctx, r, succeed); err != nil {
				t.Fatal(err)
			}
			again, created, err := enq(withToken("src-a", "tok-1"))
			if err != nil || created || again.ID != first.ID || again.Status != runs.StatusSuccess {
				t.Fatalf("enqueue with used token = %s %s created=%v err=%v, want the finished run", again.ID, again.Status, created, err)
			}
			next, created, err := enq(withToken("src-a", "tok-3"))
			if err != nil || !created || next.ID == first.ID {
				t.Fatalf("enqueue after finish: %s created=%v err=%v, want a new run", next.ID, created, err)
			}
		})
		t.Run("missing fields are rejected", func(t *testing.T) {
			if _, _, err := enq(runs.Run{Scope: account, Job: "scan"}); err == nil {
				t.Fatal("enqueue without source succeeded")
			}
		})
	})
}

func TestClaimOrder(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		c := newClock()
		q := newQueue(db, c)
		other := enqueue(t, q, runs.Run{Scope: account, SourceID: "src-other", Job: "other"})
		var want []string
		for _, src := range []string{"src-c", "src-a", "src-b"} { // enqueue order, not name order
			c.Advance(time.Second)
			want = append(want, enqueue(t, q, scanRun(src)).ID)
		}
		start := c.Now()
		var got []string
		for {
			r := claim(t, q, "w1", "scan")
			if r == nil {
				break
			}
			got = append(got, r.ID)
			if r.Status != runs.StatusRunning || r.Attempt != 1 || r.Fence != 1 || r.LeaseOwner != "w1" ||
				r.LeaseExpiresAt == nil || !r.LeaseExpiresAt.Equal(start.Add(runs.DefaultLease)) ||
				r.StartedAt == nil || !r.StartedAt.Equal(start) {
				t.Errorf("claimed %+v, want RUNNING, attempt 1, fence 1, owner w1, lease until now+30s, started now", r)
			}
			if diff := cmp.Diff(*r, get(t, q, r.ID)); diff != "" {
				t.Errorf("stored run differs from the claimed one (-claimed +stored):\n%s", diff)
			}
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("claim order (-want +got):\n%s", diff)
		}
		if r := claim(t, q, "w1", "other", "scan"); r == nil || r.ID != other.ID {
			t.Errorf("claim of job other = %v, want %s", r, other.ID)
		}
	})
}

// A worker that crashed holds its run until the lease expires; then another worker takes it
// over, and the crashed worker's late writes are refused without changing anything.
func TestCrashedWorkersRunIsReclaimed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		c := newClock()
		q := newQueue(db, c)
		id := enqueue(t, q, scanRun("src-a")).ID
		old := claim(t, q, "w-dead", "scan")
		started := *old.StartedAt

		c.Advance(runs.DefaultLease - time.Millisecond)
		if r := claim(t, q, "w-new", "scan"); r != nil {
			t.Fatalf("claimed %s before its lease expired", r.ID)
		}
		c.Advance(time.Millisecond)
		taken := claim(t, q, "w-new", "scan")
		if taken == nil || taken.ID != id || taken.Attempt != 2 || taken.Fence != 2 || taken.LeaseOwner != "w-new" ||
			!taken.StartedAt.Equal(started) {
			t.Fatalf("reclaimed %+v, want %s attempt 2 fence 2 owner w-new, started_at kept", taken, id)
		}
		before := get(t, q, id)

		called := false
		err := q.Finish(ctx, old, func(ctx context.Context, tx *store.Tx) (runs.Outcome, error) {
			called = true
			return runs.Outcome{Status: runs.StatusSuccess}, writeMarker(ctx, tx, "old")
		})
		if !errors.Is(err, runs.ErrLeaseLost) || called {
			t.Errorf("old owner's Finish = %v (apply called %v), want ErrLeaseLost and no apply", err, called)
		}
		if err := q.Renew(ctx, old); !errors.Is(err, runs.ErrLeaseLost) {
			t.Errorf("old owner's Renew = %v, want ErrLeaseLost", err)
		}
		if err := q.Release(ctx, old); !errors.Is(err, runs.ErrLeaseLost) {
			t.Errorf("old owner's Release = %v, want ErrLeaseLost", err)
		}
		if diff := cmp.Diff(before, get(t, q, id)); diff != "" {
			t.Errorf("old owner's writes changed the run (-before +after):\n%s", diff)
		}
		if n := markers(t, db); n != 0 {
			t.Errorf("old owner's apply wrote %d rows, want 0", n)
		}

		if err := q.Finish(ctx, taken, succeed); err != nil {
			t.Fatalf("new owner's Finish: %v", err)
		}
		if r := get(t, q, id); r.Status != runs.StatusSuccess || r.LeaseOwner != "w-new" {
			t.Errorf("run after new owner's Finish: %s owner %s, want SUCCESS by w-new", r.Status, r.LeaseOwner)
		}
	})
}

func TestMaxAttemptsFailsTheRun(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		c := newClock()
		q := newQueue(db, c)
		r := scanRun("src-a")
		r.MaxAttempts = 2
		doomed := enqueue(t, q, r).ID
		for attempt := 1; attempt <= 2; attempt++ {
			got := claim(t, q, fmt.Sprintf("w%d", attempt), "scan")
			if got == nil || got.ID != doomed || got.Attempt != attempt {
				t.Fatalf("claim %d = %+v, want %s attempt %d", attempt, got, doomed, attempt)
			}
			c.Advance(runs.DefaultLease) // the worker dies
		}
		c.Advance(time.Second)
		waiting := enqueue(t, q, scanRun("src-b")).ID

		got := claim(t, q, "w3", "scan")
		if got == nil || got.ID != waiting {
			t.Fatalf("claim after the last attempt = %+v, want the next run %s", got, waiting)
		}
		failed := get(t, q, doomed)
		want := "run abandoned after 2 attempts: worker lease expired"
		if failed.Status != runs.StatusFailed || failed.ErrorType != runs.ErrorInternal || failed.ErrorDetail != want ||
			failed.StoppedAt == nil || failed.LeaseExpiresAt != nil {
			t.Errorf("abandoned run = %s %s %q stopped %v lease %v, want FAILED %s %q, stopped, no lease",
				failed.Status, failed.ErrorType, failed.ErrorDetail, failed.StoppedAt, failed.LeaseExpiresAt, runs.ErrorInternal, want)
		}
	})
}

func TestFinish(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		c := newClock()
		q := newQueue(db, c)
		id := enqueue(t, q, scanRun("src-a")).ID
		r := claim(t, q, "w1", "scan")
		boom := errors.New("catalog write failed")
		for _, tc := range []struct {
			name  string
			apply func(ctx context.Context, tx *store.Tx) (runs.Outcome, error)
			want  string
		}{
			{"apply error", func(ctx context.Context, tx *store.Tx) (runs.Outcome, error) {
				return runs.Outcome{}, errors.Join(writeMarker(ctx, tx, "m"), boom)
			}, "catalog write failed"},
			{"apply panic", func(ctx context.Context, tx *store.Tx) (runs.Outcome, error) {
				if err := writeMarker(ctx, tx, "m"); err != nil {
					return runs.Outcome{}, err
				}
				panic("kaboom")
			}, "apply panicked: kaboom"},
			{"status not final", func(ctx context.Context, tx *store.Tx) (runs.Outcome, error) {
				return runs.Outcome{Status: runs.StatusRunning}, writeMarker(ctx, tx, "m")
			}, `outcome status "RUNNING"`},
		} {
			t.Run(tc.name+" rolls back everything", func(t *testing.T) {
				before := get(t, q, id)
				c.Advance(time.Second)
				err := q.Finish(ctx, r, tc.apply)
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("Finish = %v, want an error containing %q", err, tc.want)
				}
				if diff := cmp.Diff(before, get(t, q, id)); diff != "" {
					t.Errorf("failed Finish changed the run (-before +after):\n%s", diff)
				}
				if n := markers(t, db); n != 0 {
					t.Errorf("failed Finish left %d of apply's rows, want 0", n)
				}
			})
		}

		c.Advance(time.Second)
		err := q.Finish(ctx, r, func(ctx context.Context, tx *store.Tx) (runs.Outcome, error) {
			return runs.Outcome{Status: runs.StatusPartiallySucceeded, Stats: json.RawMessage(`{"added":2,"failed":1}`),
				ErrorType: "ACCESS_DENIED_EXCEPTION", ErrorDetail: "cannot read table x",
				Result: json.RawMessage(`["public"]`)}, writeMarker(ctx, tx, "m")
		})
		if err != nil {
			t.Fatalf("Finish: %v", err)
		}
		got := get(t, q, id)
		if diff := cmp.Diff(*r, got); diff != "" {
			t.Errorf("stored run differs from the finished one (-finished +stored):\n%s", diff)
		}
		if got.Status != runs.StatusPartiallySucceeded || string(got.Stats) != `{"added":2,"failed":1}` ||
			got.ErrorDetail != "cannot read table x" || string(got.Result) != `["public"]` ||
			got.StoppedAt == nil || !got.StoppedAt.Equal(c.Now()) || got.LeaseExpiresAt != nil {
			t.Errorf("finished run = %+v", got)
		}
		if n := markers(t, db); n != 1 {
			t.Errorf("apply's rows = %d, want 1", n)
		}
		if err := q.Finish(ctx, r, succeed); !errors.Is(err, runs.ErrLeaseLost) {
			t.Errorf("second Finish = %v, want ErrLeaseLost", err)
		}
	})
}

func TestRenewKeepsTheLease(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		c := newClock()
		q := newQueue(db, c)
		enqueue(t, q, scanRun("src-a"))
		r := claim(t, q, "w1", "scan")
		for range 3 { // 60s in all, twice the lease, renewed every 20s
			c.Advance(20 * time.Second)
			if err := q.Renew(ctx, r); err != nil {
				t.Fatalf("Renew: %v", err)
			}
			if !r.LeaseExpiresAt.Equal(c.Now().Add(runs.DefaultLease)) {
				t.Errorf("lease expires %v, want %v", r.LeaseExpiresAt, c.Now().Add(runs.DefaultLease))
			}
			if other := claim(t, q, "w2", "scan"); other != nil {
				t.Fatalf("w2 claimed %s under a renewed lease", other.ID)
			}
		}
		if diff := cmp.Diff(*r, get(t, q, r.ID)); diff != "" {
			t.Errorf("stored run differs (-renewed +stored):\n%s", diff)
		}
	})
}

func TestRelease(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		c := newClock()
		q := newQueue(db, c)
		id := enqueue(t, q, scanRun("src-a")).ID
		r := claim(t, q, "w1", "scan")
		stale := *r
		if err := q.Release(ctx, r); err != nil {
			t.Fatalf("Release: %v", err)
		}
		got := get(t, q, id)
		if got.Status != runs.StatusRequested || got.Attempt != 0 || got.LeaseOwner != "" || got.LeaseExpiresAt != nil {
			t.Errorf("released run = %+v, want REQUESTED, attempt 0, no lease", got)
		}
		again := claim(t, q, "w2", "scan")
		if again == nil || again.ID != id || again.Attempt != 1 || again.LeaseOwner != "w2" {
			t.Fatalf("claim after release = %+v, want %s attempt 1 by w2", again, id)
		}
		if err := q.Finish(ctx, &stale, succeed); !errors.Is(err, runs.ErrLeaseLost) {
			t.Errorf("Finish by the releasing worker = %v, want ErrLeaseLost", err)
		}
		if err := q.Finish(ctx, again, succeed); err != nil {
			t.Errorf("Finish by w2: %v", err)
		}
	})
}

func TestGetAndList(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		c := newClock()
		q := newQueue(db, c)
		var all []string // newest first
		for i := range 5 {
			c.Advance(time.Second)
			id := enqueue(t, q, scanRun("src-a")).ID
			all = append([]string{id}, all...)
			enqueue(t, q, scanRun(fmt.Sprintf("src-other-%d", i)))
			if i == 4 {
				break // the newest stays REQUESTED
			}
			r := claim(t, q, "w1")
			for r.SourceID != "src-a" {
				if err := q.Finish(ctx, r, succeed); err != nil {
					t.Fatal(err)
				}
				r = claim(t, q, "w1")
			}
			if err := q.Finish(ctx, r, succeed); err != nil {
				t.Fatal(err)
			}
		}
		for _, tc := range []struct {
			name   string
			status string
			limit  int
			want   [][]string
		}{
			{"all in pages of two", "", 2, [][]string{all[0:2], all[2:4], all[4:5]}},
			{"one page", "", 0, [][]string{all}},
			{"exact pages end without an empty one", "", 5, [][]string{all}},
			{"by status", runs.StatusSuccess, 3, [][]string{all[1:4], all[4:5]}},
			{"status with no runs", runs.StatusFailed, 3, [][]string{nil}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				var got [][]string
				after := ""
				for {
					page, next, err := q.List(ctx, runs.ListQuery{Scope: account, SourceID: "src-a", Status: tc.status, Limit: tc.limit, After: after})
					if err != nil {
						t.Fatal(err)
					}
					var ids []string
					for _, r := range page {
						ids = append(ids, r.ID)
					}
					got = append(got, ids)
					if next == "" || len(got) > 10 {
						break
					}
					after = next
				}
				if diff := cmp.Diff(tc.want, got); diff != "" {
					t.Errorf("pages (-want +got):\n%s", diff)
				}
			})
		}
		for name, other := range map[string]scope.Scope{
			"another account": {Account: "222222222222", Region: account.Region},
			"another region":  {Account: account.Account, Region: "eu-west-1"},
		} {
			t.Run(name+" sees nothing", func(t *testing.T) {
				page, _, err := q.List(ctx, runs.ListQuery{Scope: other, SourceID: "src-a"})
				if err != nil || len(page) != 0 {
					t.Errorf("List = %d runs, %v; want none", len(page), err)
				}
				if _, err := q.Get(ctx, other, all[0]); !errors.Is(err, runs.ErrNotFound) {
					t.Errorf("Get from %s = %v, want ErrNotFound", name, err)
				}
			})
		}
		t.Run("bad cursor", func(t *testing.T) {
			_, _, err := q.List(ctx, runs.ListQuery{Scope: account, SourceID: "src-a", After: "garbage"})
			if !errors.Is(err, runs.ErrBadCursor) {
				t.Errorf("List = %v, want ErrBadCursor", err)
			}
		})
		t.Run("unknown run", func(t *testing.T) {
			if _, err := q.Get(ctx, account, "nope"); !errors.Is(err, runs.ErrNotFound) {
				t.Errorf("Get = %v, want ErrNotFound", err)
			}
		})
	})
}
