package runs_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/surveyorhq/surveyor/internal/runs"
	"github.com/surveyorhq/surveyor/internal/store"
	"github.com/surveyorhq/surveyor/internal/store/storetest"
)

// Eight claimers drain a hundred runs. Every run is finished exactly once — counted by Finish
// successes and by the rows the apply functions wrote under a primary key — and none is lost.
// When leases expire during the work, runs are taken over mid-flight, and the fence still lets
// exactly one finisher through. Expiry is on a test clock that claimers move past the lease at
// random (a stalled worker), so takeovers happen however fast or slow the machine is.
func TestConcurrentClaimers(t *testing.T) {
	const nRuns, nWorkers = 100, 8
	for _, tc := range []struct {
		name   string
		expire bool // claimers sometimes stall past the lease
	}{
		{"leases held", false},
		{"leases expiring during the work", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				ctx := context.Background()
				c := newClock()
				q := &runs.Queue{DB: db, Now: c.Now}
				for i := range nRuns {
					r := scanRun(fmt.Sprintf("src-%03d", i))
					r.MaxAttempts = 1000
					enqueue(t, q, r)
				}
				var (
					mu        sync.Mutex
					finished  = map[string]int{}
					finisher  = map[string]string{}
					claims    int
					lostLease int
					wg        sync.WaitGroup
				)
				done := func() bool { mu.Lock(); defer mu.Unlock(); return len(finished) == nRuns }
				deadline := time.Now().Add(60 * time.Second)
				start := time.Now()
				errs := make(chan error, nWorkers)
				for w := range nWorkers {
					owner := fmt.Sprintf("w%d", w)
					wg.Go(func() {
						for !done() {
							if time.Now().After(deadline) {
								errs <- fmt.Errorf("%s: gave up after 60s", owner)
								return
							}
							r, err := q.Claim(ctx, owner, []string{"scan"})
							if err != nil {
								errs <- err
								return
							}
							if r == nil {
								time.Sleep(time.Millisecond)
								continue
							}
							mu.Lock()
							claims++
							mu.Unlock()
							if tc.expire && rand.N(4) == 0 {
								c.Advance(runs.DefaultLease) // this claimer stalls: every lease held now is expired
							}
							err = q.Finish(ctx, r, func(ctx context.Context, tx *store.Tx) (runs.Outcome, error) {
								stats, _ := json.Marshal(map[string]any{"by": owner, "fence": r.Fence})
								return runs.Outcome{Status: runs.StatusSuccess, Stats: stats}, writeMarker(ctx, tx, r.ID)
							})
							mu.Lock()
							switch {
							case err == nil:
								finished[r.ID]++
								finisher[r.ID] = fmt.Sprintf(`{"by":%q,"fence":%d}`, owner, r.Fence)
							case errors.Is(err, runs.ErrLeaseLost):
								lostLease++
							default:
								errs <- err
							}
							mu.Unlock()
						}
					})
				}
				wg.Wait()
				elapsed := time.Since(start)
				close(errs)
				for err := range errs {
					t.Error(err)
				}
				for id, n := range finished {
					if n != 1 {
						t.Errorf("run %s finished %d times", id, n)
					}
				}
				page, _, err := q.List(ctx, runs.ListQuery{Scope: account, SourceID: "src-000"})
				if err != nil || len(page) != 1 {
					t.Fatalf("list: %v", err)
				}
				var success, rows int
				err = db.ReadTx(ctx, func(tx *store.Tx) error {
					rs, err := tx.Query(ctx, `SELECT id, status, stats FROM runs`)
					if err != nil {
						return err
					}
					defer rs.Close()
					for rs.Next() {
						var id, status, stats string
						if err := rs.Scan(&id, &status, &stats); err != nil {
							return err
						}
						rows++
						if status == runs.StatusSuccess {
							success++
						}
						if stats != finisher[id] {
							t.Errorf("run %s stats %s, want those of its one successful finisher %s", id, stats, finisher[id])
						}
					}
					return rs.Err()
				})
				if err != nil {
					t.Fatal(err)
				}
				if rows != nRuns || success != nRuns || len(finished) != nRuns || markers(t, db) != nRuns {
					t.Errorf("rows %d, SUCCESS %d, finished %d, apply rows %d; want %d of each",
						rows, success, len(finished), markers(t, db), nRuns)
				}
				t.Logf("%d runs, %d claimers: %d claims, %d finishes refused (lease lost), %v (%.0f runs/s)",
					nRuns, nWorkers, claims, lostLease, elapsed.Round(time.Millisecond), float64(nRuns)/elapsed.Seconds())
			})
		})
	}
}

// Concurrent Enqueues on one source: one run is created, the rest see it as the active run; with
// one client token, all get the same run.
func TestConcurrentEnqueue(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		q := &runs.Queue{DB: db}
		for _, tc := range []struct {
			name   string
			source string
			token  func(i int) string
		}{
			{"different tokens", "src-a", func(i int) string { return fmt.Sprintf("tok-%d", i) }},
			{"same token", "src-b", func(int) string { return "tok" }},
		} {
			t.Run(tc.name, func(t *testing.T) {
				var wg sync.WaitGroup
				ids := make([]string, 8)
				created := make([]bool, 8)
				errs := make([]error, 8)
				for i := range 8 {
					wg.Go(func() {
						errs[i] = db.Tx(ctx, func(tx *store.Tx) error {
							r := scanRun(tc.source)
							r.ClientToken = tc.token(i)
							got, c, err := q.Enqueue(ctx, tx, r)
							ids[i], created[i] = got.ID, c
							return err
						})
					})
				}
				wg.Wait()
				var nCreated int
				var winner string
				for i := range 8 {
					if created[i] {
						nCreated++
						winner = ids[i]
					}
				}
				if nCreated != 1 {
					t.Fatalf("created %d runs, want 1 (errors %v)", nCreated, errs)
				}
				for i := range 8 {
					switch {
					case created[i]:
					case tc.name == "same token":
						if errs[i] != nil || ids[i] != winner {
							t.Errorf("enqueue %d = %s, %v; want %s", i, ids[i], errs[i], winner)
						}
					default:
						var active *runs.ActiveRunError
						if !errors.As(errs[i], &active) || active.RunID != winner {
							t.Errorf("enqueue %d = %v, want ErrActiveRun naming %s", i, errs[i], winner)
						}
					}
				}
			})
		}
	})
}
