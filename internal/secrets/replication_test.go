package secrets_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/surveyorhq/surveyor/internal/scope"
	"github.com/surveyorhq/surveyor/internal/secrets"
	"github.com/surveyorhq/surveyor/internal/store"
	"github.com/surveyorhq/surveyor/internal/store/storetest"
)

// TestReplication: replicas are secrets of their own in the other region, sealed under their own
// data key, rewritten with every change of the primary in its transaction, and read-only.
func TestReplication(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
		svc := newService(t, db, &now)

		prim, _, err := svc.Create(ctx, acct, secrets.CreateInput{Name: "app/db", Value: &secrets.Value{String: str("pw-1")},
			Description: "orders", Tags: []secrets.Tag{{Key: "team", Value: "data"}},
			Replicas: []secrets.ReplicaRegion{{Region: otherRegion.Region, KmsKeyID: "alias/eu"}, {Region: "ap-south-1", Refusal: "not here"}}})
		if err != nil {
			t.Fatalf("create with replicas: %v", err)
		}
		want := []string{"eu-west-1 InSync Replication succeeded", "ap-south-1 Failed not here"}
		if got := statuses(prim); !slices.Equal(got, want) || prim.PrimaryRegion != acct.Region {
			t.Fatalf("replication %v (primary region %q), want %v", got, prim.PrimaryRegion, want)
		}
		rep, err := svc.Describe(ctx, otherRegion, "app/db")
		if err != nil {
			t.Fatalf("replica: %v", err)
		}
		if rep.ARN != secrets.ReplicaARN(prim.ARN, otherRegion.Region) || !rep.IsReplica() || rep.PrimaryRegion != acct.Region ||
			rep.KmsKeyID != "alias/eu" || rep.Description != "orders" || len(rep.Tags) != 1 {
			t.Fatalf("replica record %+v", rep)
		}
		if !strings.HasSuffix(rep.ARN, prim.ARN[len(prim.ARN)-7:]) || strings.Contains(rep.ARN, acct.Region) {
			t.Fatalf("replica ARN %s of %s", rep.ARN, prim.ARN)
		}

		// A change of the primary reaches the replica at once; the replica refuses changes.
		if _, _, err := svc.PutValue(ctx, acct, "app/db", "", secrets.Value{String: str("pw-2")}, nil); err != nil {
			t.Fatal(err)
		}
		if v, err := svc.Current(ctx, otherRegion, "app/db"); err != nil || *v.String != "pw-2" {
			t.Fatalf("replica value after put: %v, %v", v, err)
		}
		if err := svc.Tag(ctx, acct, "app/db", []secrets.Tag{{Key: "tier", Value: "1"}}); err != nil {
			t.Fatal(err)
		}
		if rep, _ = svc.Describe(ctx, otherRegion, "app/db"); len(rep.Tags) != 2 || len(rep.Versions) != 2 {
			t.Fatalf("replica after tagging: tags %v, versions %v", rep.Tags, rep.Versions)
		}
		for name, err := range map[string]error{
			"put":    last3(svc.PutValue(ctx, otherRegion, "app/db", "", secrets.Value{String: str("x")}, nil)),
			"tag":    svc.Tag(ctx, otherRegion, "app/db", []secrets.Tag{{Key: "k"}}),
			"delete": last3(svc.Delete(ctx, otherRegion, "app/db", 0, true)),
			"policy": last2(svc.SetPolicy(ctx, otherRegion, "app/db", str("{}"))),
		} {
			if !errors.Is(err, secrets.ErrReplica) {
				t.Errorf("%s on a replica: %v, want ErrReplica", name, err)
			}
		}
		_, _, err = svc.Delete(ctx, acct, "app/db", 0, true)
		if !errors.Is(err, secrets.ErrInvalid) || !strings.HasSuffix(err.Error(), "You can't delete secret app/db that still has replica regions [eu-west-1, ap-south-1].") {
			t.Fatalf("delete of a replicated primary: %v", err)
		}

		testTakenNameAndStop(t, db, svc)
	})
}

// testTakenNameAndStop continues TestReplication: separate sealing, a name taken in the target
// region (with and without force), then StopReplication and RemoveRegions.
func testTakenNameAndStop(t *testing.T, db *store.DB, svc *secrets.Service) {
	ctx := context.Background()
	west := scope.Scope{Account: acct.Account, Region: "us-west-2"}
	var (
		prim *secrets.Secret
		err  error
	)
	// Each replica has its own data key: no sealed value or data key is shared.
	if err := db.ReadTx(ctx, func(tx *store.Tx) error {
		var n int
		if err := tx.QueryRow(ctx, "SELECT COUNT(DISTINCT sealed) FROM secret_versions").Scan(&n); err != nil {
			return err
		}
		if n != 4 {
			t.Errorf("%d distinct sealed values for 2 versions in 2 regions, want 4", n)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	// A name taken in the target region: Failed, replaced only with force.
	if _, _, err := svc.Create(ctx, west, secrets.CreateInput{Name: "app/db", Value: &secrets.Value{String: str("west-own")}}); err != nil {
		t.Fatal(err)
	}
	prim, err = svc.Replicate(ctx, acct, "app/db", []secrets.ReplicaRegion{{Region: west.Region}}, false)
	if err != nil || statuses(prim)[2] != "us-west-2 Failed Replication failed: Secret name app/db already exists in region us-west-2." {
		t.Fatalf("replicate onto a taken name: %v, %v", statuses(prim), err)
	}
	if v, _ := svc.Current(ctx, west, "app/db"); *v.String != "west-own" {
		t.Fatalf("the west secret was changed without force: %q", *v.String)
	}
	if prim, err = svc.Replicate(ctx, acct, "app/db", []secrets.ReplicaRegion{{Region: west.Region}}, true); err != nil || statuses(prim)[2] != "us-west-2 InSync Replication succeeded" {
		t.Fatalf("forced: %v, %v", statuses(prim), err)
	}
	if v, _ := svc.Current(ctx, west, "app/db"); *v.String != "pw-2" {
		t.Fatalf("the west secret after force: %q", *v.String)
	}
	if _, err := svc.Replicate(ctx, acct, "app/db", []secrets.ReplicaRegion{{Region: acct.Region}}, false); !errors.Is(err, secrets.ErrInvalid) {
		t.Fatalf("replicating to its own region: %v", err)
	}

	// Stop: the west replica stands alone; remove: the eu replica is gone.
	if _, err := svc.StopReplication(ctx, west, "app/db"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.PutValue(ctx, west, "app/db", "", secrets.Value{String: str("west-2")}, nil); err != nil {
		t.Fatalf("put on a promoted replica: %v", err)
	}
	if prim, err = svc.RemoveRegions(ctx, acct, "app/db", []string{otherRegion.Region, "ap-south-1"}); err != nil || len(prim.Replication) != 0 || prim.PrimaryRegion != "" {
		t.Fatalf("remove: %v, %v", prim, err)
	}
	if _, err := svc.Describe(ctx, otherRegion, "app/db"); !errors.Is(err, secrets.ErrNotFound) {
		t.Fatalf("removed replica: %v", err)
	}
	if v, _ := svc.Current(ctx, acct, "app/db"); *v.String != "pw-2" {
		t.Fatalf("primary after promotion elsewhere: %q", *v.String)
	}
	if _, err := svc.StopReplication(ctx, acct, "app/db"); !errors.Is(err, secrets.ErrInvalidState) {
		t.Fatalf("stop on a secret that is no replica: %v", err)
	}
	if _, _, err := svc.Delete(ctx, acct, "app/db", 0, true); err != nil {
		t.Fatalf("delete once unreplicated: %v", err)
	}
}

func statuses(sec *secrets.Secret) []string {
	var out []string
	for _, st := range sec.Replication {
		out = append(out, st.Region+" "+st.Status+" "+st.Message)
	}
	return out
}

func last2[A any](_ A, err error) error         { return err }
func last3[A, B any](_ A, _ B, err error) error { return err }

// TestReplicationUnderConcurrentWrites: puts racing on a replicated primary leave every replica
// with exactly the primary's versions and labels.
func TestReplicationUnderConcurrentWrites(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
		svc := newService(t, db, &now)
		if _, _, err := svc.Create(ctx, acct, secrets.CreateInput{Name: "hot", Value: &secrets.Value{String: str("v0")},
			Replicas: []secrets.ReplicaRegion{{Region: otherRegion.Region}, {Region: "us-west-2"}}}); err != nil {
			t.Fatal(err)
		}
		errs := make(chan error, 8)
		for i := range 8 {
			go func() {
				_, _, err := svc.PutValue(ctx, acct, "hot", "", secrets.Value{String: str("v" + string(rune('1'+i)))}, nil)
				errs <- err
			}()
		}
		for range 8 {
			if err := <-errs; err != nil {
				t.Fatalf("concurrent put: %v", err)
			}
		}
		prim, _ := svc.Describe(ctx, acct, "hot")
		want, _ := svc.Current(ctx, acct, "hot")
		for _, region := range []string{otherRegion.Region, "us-west-2"} {
			sc := scope.Scope{Account: acct.Account, Region: region}
			rep, err := svc.Describe(ctx, sc, "hot")
			if err != nil {
				t.Fatal(err)
			}
			if !slices.EqualFunc(rep.Versions, prim.Versions, func(a, b secrets.Version) bool {
				return a.ID == b.ID && slices.Equal(a.Stages, b.Stages)
			}) || len(rep.Versions) != 9 {
				t.Fatalf("%s: replica versions %v, primary %v", region, rep.Versions, prim.Versions)
			}
			if got, _ := svc.Current(ctx, sc, "hot"); *got.String != *want.String {
				t.Fatalf("%s: replica current %q, primary %q", region, *got.String, *want.String)
			}
		}
	})
}
