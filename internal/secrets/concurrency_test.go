package secrets_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/surveyorhq/surveyor/internal/scope"
	"github.com/surveyorhq/surveyor/internal/secrets"
	"github.com/surveyorhq/surveyor/internal/store"
	"github.com/surveyorhq/surveyor/internal/store/storetest"
)

// TestConcurrentPutsMoveLabelsOnce: puts racing on one secret each see the one before, so
// AWSCURRENT and AWSPREVIOUS stay on one version each (on PostgreSQL READ COMMITTED a put that
// read the versions before another committed would leave two versions AWSCURRENT).
func TestConcurrentPutsMoveLabelsOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
		svc := newService(t, db, &now)
		for _, name := range []string{"plain", "replicated"} {
			in := secrets.CreateInput{Name: name, Value: &secrets.Value{String: str("v0")}}
			if name == "replicated" {
				in.Replicas = []secrets.ReplicaRegion{{Region: otherRegion.Region}}
			}
			if _, _, err := svc.Create(ctx, acct, in); err != nil {
				t.Fatal(err)
			}
			errs := make(chan error, 8)
			for range 8 {
				go func() {
					_, _, err := svc.PutValue(ctx, acct, name, "", secrets.Value{String: str("v")}, nil)
					errs <- err
				}()
			}
			for range 8 {
				if err := <-errs; err != nil {
					t.Fatalf("%s: concurrent put: %v", name, err)
				}
			}
			sec, err := svc.Describe(ctx, acct, name)
			if err != nil {
				t.Fatal(err)
			}
			for _, stage := range []string{secrets.StageCurrent, secrets.StagePrevious} {
				n := 0
				for _, v := range sec.Versions {
					if slices.Contains(v.Stages, stage) {
						n++
					}
				}
				if n != 1 {
					t.Errorf("%s: %d versions labelled %s after racing puts, want 1: %v", name, n, stage, sec.Versions)
				}
			}
		}
	})
}

// TestUpdateIsAtomic: UpdateSecret's description and value change in one transaction: a value
// the store refuses (a token already used with another value) leaves the description as it was,
// on the primary and on its replica, and an accepted one reaches both with the description.
func TestUpdateIsAtomic(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
		svc := newService(t, db, &now)
		const token = "11111111-2222-4333-8444-555555555555"
		if _, _, err := svc.Create(ctx, acct, secrets.CreateInput{Name: "app/db", Description: "before", VersionID: token,
			Value: &secrets.Value{String: str("v1")}, Replicas: []secrets.ReplicaRegion{{Region: otherRegion.Region}}}); err != nil {
			t.Fatal(err)
		}
		check := func(step, desc, value string, versions int) {
			t.Helper()
			for _, sc := range []scope.Scope{acct, otherRegion} {
				sec, err := svc.Describe(ctx, sc, "app/db")
				if err != nil {
					t.Fatal(err)
				}
				v, err := svc.Current(ctx, sc, "app/db")
				if err != nil {
					t.Fatal(err)
				}
				if sec.Description != desc || *v.String != value || len(sec.Versions) != versions {
					t.Errorf("%s, %s: description %q, value %q, %d versions; want %q, %q, %d", step, sc.Region,
						sec.Description, *v.String, len(sec.Versions), desc, value, versions)
				}
			}
		}
		_, _, err := svc.Update(ctx, acct, "app/db", secrets.UpdateInput{Description: str("after"), VersionID: token,
			Value: &secrets.Value{String: str("v2")}})
		if !errors.Is(err, secrets.ErrExists) {
			t.Fatalf("update with a token used for another value: %v, want ErrExists", err)
		}
		check("refused update", "before", "v1", 1)

		_, ver, err := svc.Update(ctx, acct, "app/db", secrets.UpdateInput{Description: str("after"), Value: &secrets.Value{String: str("v2")}})
		if err != nil || ver == "" || ver == token {
			t.Fatalf("update: version %q, %v", ver, err)
		}
		check("update", "after", "v2", 2)

		// The same request again (same token, same value) changes nothing more.
		if _, again, err := svc.Update(ctx, acct, "app/db", secrets.UpdateInput{Description: str("after"), VersionID: ver,
			Value: &secrets.Value{String: str("v2")}}); err != nil || again != ver {
			t.Fatalf("repeated update: version %q, %v; want %q", again, err, ver)
		}
		check("repeated update", "after", "v2", 2)
	})
}

// TestDeleteRacingReplicate: a delete and a replication racing on one secret never leave a
// secret scheduled for deletion with replicas (the delete checks for replica regions, and the
// replication for a scheduled deletion, on the secret as the other left it).
func TestDeleteRacingReplicate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
		svc := newService(t, db, &now)
		for i := range 20 {
			name := "race-" + string(rune('a'+i))
			if _, _, err := svc.Create(ctx, acct, secrets.CreateInput{Name: name, Value: &secrets.Value{String: str("v")}}); err != nil {
				t.Fatal(err)
			}
			errs := make(chan error, 2)
			go func() {
				_, err := svc.Replicate(ctx, acct, name, []secrets.ReplicaRegion{{Region: otherRegion.Region}}, false)
				errs <- err
			}()
			go func() {
				_, _, err := svc.Delete(ctx, acct, name, 7, false)
				errs <- err
			}()
			for range 2 {
				if err := <-errs; err != nil && !errors.Is(err, secrets.ErrInvalid) && !errors.Is(err, secrets.ErrInvalidState) {
					t.Fatalf("%s: %v", name, err)
				}
			}
			sec, err := svc.Describe(ctx, acct, name)
			if err != nil {
				t.Fatal(err)
			}
			if sec.DeletedAt != nil && len(sec.Replication) > 0 {
				t.Fatalf("%s is scheduled for deletion and replicated to %v", name, statuses(sec))
			}
		}
	})
}

// TestStopRacingRemove: StopReplicationToReplica racing RemoveRegionsFromReplication of the same
// region either promotes the replica (which then stays, as a secret of its own) or finds it
// removed; it never answers success for a replica the removal deleted.
func TestStopRacingRemove(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
		svc := newService(t, db, &now)
		for i := range 20 {
			name := "race-" + string(rune('a'+i))
			if _, _, err := svc.Create(ctx, acct, secrets.CreateInput{Name: name, Value: &secrets.Value{String: str("v")},
				Replicas: []secrets.ReplicaRegion{{Region: otherRegion.Region}}}); err != nil {
				t.Fatal(err)
			}
			stopped, removed := make(chan error, 1), make(chan error, 1)
			go func() {
				_, err := svc.StopReplication(ctx, otherRegion, name)
				stopped <- err
			}()
			go func() {
				_, err := svc.RemoveRegions(ctx, acct, name, []string{otherRegion.Region})
				removed <- err
			}()
			if err := <-removed; err != nil {
				t.Fatalf("%s: remove: %v", name, err)
			}
			stopErr := <-stopped
			if stopErr != nil && !errors.Is(stopErr, secrets.ErrNotFound) && !errors.Is(stopErr, secrets.ErrInvalidState) {
				t.Fatalf("%s: stop: %v", name, stopErr)
			}
			rep, err := svc.Describe(ctx, otherRegion, name)
			if stopErr == nil && (err != nil || rep.IsReplica()) {
				t.Fatalf("%s: stop succeeded, but the promoted secret: %+v, %v", name, rep, err)
			}
			if stopErr != nil && !errors.Is(err, secrets.ErrNotFound) {
				t.Fatalf("%s: stop failed (%v), but the replica is still there: %v", name, stopErr, err)
			}
		}
	})
}
