package secrets_test

import (
	"context"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/surveyorhq/surveyor/internal/scope"
	"github.com/surveyorhq/surveyor/internal/secrets"
	"github.com/surveyorhq/surveyor/internal/store"
	"github.com/surveyorhq/surveyor/internal/store/storetest"
)

// The scopes of the tests: acct, another account, another region of acct.
var (
	acct        = scope.Scope{Account: "111111111111", Region: "us-east-1"}
	other       = scope.Scope{Account: "222222222222", Region: "us-east-1"}
	otherRegion = scope.Scope{Account: "111111111111", Region: "eu-west-1"}
)

func str(s string) *string { return &s }

func newService(t *testing.T, db *store.DB, now *time.Time) *secrets.Service {
	t.Helper()
	master, err := secrets.NewSealer(secrets.NewDataKey())
	if err != nil {
		t.Fatal(err)
	}
	return &secrets.Service{DB: db, Master: master, Now: func() time.Time { return *now }}
}

func TestSealer(t *testing.T) {
	k1, k2 := secrets.NewDataKey(), secrets.NewDataKey()
	s1, _ := secrets.NewSealer(k1)
	s2, _ := secrets.NewSealer(k2)
	sealed := s1.Seal([]byte("hunter2"), []byte("record-1"))
	if strings.Contains(sealed, "hunter2") {
		t.Fatal("sealed value contains the plaintext")
	}
	if got, err := s1.Open(sealed, []byte("record-1")); err != nil || string(got) != "hunter2" {
		t.Fatalf("Open = %q, %v; want hunter2", got, err)
	}
	if _, err := s1.Open(sealed, []byte("record-2")); !errors.Is(err, secrets.ErrDecrypt) {
		t.Errorf("value moved to another record opened: %v", err)
	}
	if _, err := s2.Open(sealed, []byte("record-1")); !errors.Is(err, secrets.ErrDecrypt) {
		t.Errorf("wrong key opened the value: %v", err)
	}
	tampered := sealed[:len(sealed)-2] + "AA"
	if _, err := s1.Open(tampered, []byte("record-1")); !errors.Is(err, secrets.ErrDecrypt) {
		t.Errorf("tampered value opened: %v", err)
	}
	if _, err := secrets.NewSealer([]byte("short")); err == nil {
		t.Error("a 5-byte key was accepted")
	}
}

func TestLoadMasterKey(t *testing.T) {
	dir := t.TempDir()
	noEnv := func(string) string { return "" }
	k1, err := secrets.LoadMasterKey(noEnv, dir)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(dir, secrets.MasterKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("master key mode = %v, want 0600", fi.Mode().Perm())
	}
	k2, err := secrets.LoadMasterKey(noEnv, dir)
	if err != nil || string(k1) != string(k2) {
		t.Fatalf("second load gave another key (%v)", err)
	}
	want := secrets.NewDataKey()
	env := func(string) string { return base64.StdEncoding.EncodeToString(want) }
	if got, err := secrets.LoadMasterKey(env, dir); err != nil || string(got) != string(want) {
		t.Errorf("env key not used: %v", err)
	}
	if _, err := secrets.LoadMasterKey(func(string) string { return "bm90IDMyIGJ5dGVz" }, dir); err == nil || !strings.Contains(err.Error(), secrets.MasterKeyEnv) {
		t.Errorf("bad env key: err = %v, want one naming %s", err, secrets.MasterKeyEnv)
	}
}

func TestService(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
		svc := newService(t, db, &now)

		sec, v1, err := svc.Create(ctx, acct, secrets.CreateInput{Name: "prod/db", Value: &secrets.Value{String: str(`{"password":"s3cret-pw"}`)}, VersionID: "00000000-0000-4000-8000-000000000001"})
		if err != nil {
			t.Fatalf("create: %v", err)
		}
		if !strings.HasPrefix(sec.ARN, "arn:aws:secretsmanager:us-east-1:"+acct.Account+":secret:prod/db-") || len(sec.ARN) != len("arn:aws:secretsmanager:us-east-1:"+acct.Account+":secret:prod/db-")+6 {
			t.Errorf("ARN = %s", sec.ARN)
		}

		// Encrypted at rest: the password appears nowhere in the store.
		if err := db.ReadTx(ctx, func(tx *store.Tx) error {
			var sealed, dk string
			if err := tx.QueryRow(ctx, "SELECT v.sealed, s.data_key FROM secret_versions v JOIN secrets s ON s.id = v.secret_id").Scan(&sealed, &dk); err != nil {
				return err
			}
			if strings.Contains(sealed+dk, "s3cret-pw") {
				t.Error("the value is stored in clear")
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}

		// Same token, same value: the same secret. Same name otherwise: exists.
		if again, _, err := svc.Create(ctx, acct, secrets.CreateInput{Name: "prod/db", Value: &secrets.Value{String: str(`{"password":"s3cret-pw"}`)}, VersionID: v1}); err != nil || again.ARN != sec.ARN {
			t.Errorf("idempotent create: %v, %v", again, err)
		}
		if _, _, err := svc.Create(ctx, acct, secrets.CreateInput{Name: "prod/db", Value: &secrets.Value{String: str("x")}}); !errors.Is(err, secrets.ErrExists) {
			t.Errorf("duplicate create: %v, want ErrExists", err)
		}

		// Read by name, full ARN and partial ARN; another account sees nothing.
		for _, id := range []string{"prod/db", sec.ARN, sec.ARN[:len(sec.ARN)-7]} {
			if v, err := svc.Current(ctx, acct, id); err != nil || *v.String != `{"password":"s3cret-pw"}` {
				t.Errorf("Current(%s) = %v, %v", id, v, err)
			}
		}
		if d, _ := svc.Describe(ctx, acct, "prod/db"); d.AccessedAt == nil || !d.AccessedAt.Equal(now) {
			t.Errorf("access not recorded: %v", d.AccessedAt)
		}
		if _, err := svc.Current(ctx, other, sec.ARN); !errors.Is(err, secrets.ErrNotFound) {
			t.Errorf("other account read the secret: %v", err)
		}
		for _, id := range []string{"prod/db", sec.ARN} {
			if _, err := svc.Current(ctx, otherRegion, id); !errors.Is(err, secrets.ErrNotFound) {
				t.Errorf("other region read the secret by %s: %v", id, err)
			}
		}
		if list, _, err := svc.List(ctx, otherRegion, secrets.ListInput{}); err != nil || len(list) != 0 {
			t.Errorf("other region lists %d secrets, %v; want none", len(list), err)
		}
		// The same name in another region is another secret, with its own ARN.
		twin, _, err := svc.Create(ctx, otherRegion, secrets.CreateInput{Name: "prod/db", Value: &secrets.Value{String: str("eu")}})
		if err != nil || !strings.HasPrefix(twin.ARN, "arn:aws:secretsmanager:eu-west-1:"+acct.Account+":secret:prod/db-") || twin.ID == sec.ID {
			t.Fatalf("same name in another region = %+v, %v", twin, err)
		}
		if v, err := svc.Current(ctx, otherRegion, "prod/db"); err != nil || *v.String != "eu" {
			t.Errorf("other region's secret = %v, %v", v, err)
		}
		if _, _, err := svc.Delete(ctx, otherRegion, "prod/db", 0, true); err != nil {
			t.Fatal(err)
		}

		// A new value moves the labels.
		now = now.Add(time.Minute)
		_, v2, err := svc.PutValue(ctx, acct, "prod/db", "", secrets.Value{String: str("two")}, nil)
		if err != nil {
			t.Fatal(err)
		}
		d, _ := svc.Describe(ctx, acct, "prod/db")
		stages := map[string][]string{}
		for _, v := range d.Versions {
			stages[v.ID] = v.Stages
		}
		if !slices.Equal(stages[v2.ID], []string{"AWSCURRENT"}) || !slices.Equal(stages[v1], []string{"AWSPREVIOUS"}) {
			t.Errorf("stages after put = %v", stages)
		}
		if _, _, v, err := svc.GetValue(ctx, acct, "prod/db", "", "AWSPREVIOUS"); err != nil || !strings.Contains(*v.String, "s3cret") {
			t.Errorf("AWSPREVIOUS = %v, %v", v, err)
		}
		if _, _, err := svc.PutValue(ctx, acct, "prod/db", v2.ID, secrets.Value{String: str("changed")}, nil); !errors.Is(err, secrets.ErrExists) {
			t.Errorf("rewriting a version: %v, want ErrExists", err)
		}

		// Delete with a recovery window, restore, then force.
		if _, _, err := svc.Delete(ctx, acct, "prod/db", 3, false); !errors.Is(err, secrets.ErrInvalid) {
			t.Errorf("3-day window: %v, want ErrInvalid", err)
		}
		if _, _, err := svc.Delete(ctx, acct, "prod/db", 7, true); !errors.Is(err, secrets.ErrInvalid) {
			t.Errorf("window with force: %v, want ErrInvalid", err)
		}
		_, when, err := svc.Delete(ctx, acct, "prod/db", 7, false)
		if err != nil || !when.Equal(now.Add(7*24*time.Hour)) {
			t.Fatalf("delete: %v at %v", err, when)
		}
		if _, err := svc.Current(ctx, acct, "prod/db"); !errors.Is(err, secrets.ErrInvalidState) {
			t.Errorf("read of a deleted secret: %v, want ErrInvalidState", err)
		}
		if list, _, _ := svc.List(ctx, acct, secrets.ListInput{}); len(list) != 0 {
			t.Errorf("deleted secret listed: %d", len(list))
		}
		if list, _, _ := svc.List(ctx, acct, secrets.ListInput{IncludeDeleted: true}); len(list) != 1 {
			t.Errorf("IncludeDeleted listed %d, want 1", len(list))
		}
		if _, err := svc.Restore(ctx, acct, "prod/db"); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Current(ctx, acct, "prod/db"); err != nil {
			t.Errorf("read after restore: %v", err)
		}
		// After the window passes the secret is gone.
		if _, _, err := svc.Delete(ctx, acct, "prod/db", 7, false); err != nil {
			t.Fatal(err)
		}
		now = now.Add(8 * 24 * time.Hour)
		if _, err := svc.Describe(ctx, acct, "prod/db"); !errors.Is(err, secrets.ErrNotFound) {
			t.Errorf("describe after the window: %v, want ErrNotFound", err)
		}
		if n, err := svc.Purge(ctx); err != nil || n != 1 {
			t.Errorf("Purge = %d, %v; want 1", n, err)
		}
		if _, _, err := svc.Create(ctx, acct, secrets.CreateInput{Name: "prod/db"}); err != nil {
			t.Errorf("name not reusable after purge: %v", err)
		}
		if _, _, err := svc.Delete(ctx, acct, "prod/db", 0, true); err != nil {
			t.Errorf("force delete: %v", err)
		}
		if _, err := svc.Describe(ctx, acct, "prod/db"); !errors.Is(err, secrets.ErrNotFound) {
			t.Errorf("describe after force delete: %v", err)
		}
	})
}

func TestListPagingAndTags(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Now()
		svc := newService(t, db, &now)
		for _, n := range []string{"a", "b", "c", "d", "e"} {
			if _, _, err := svc.Create(ctx, acct, secrets.CreateInput{Name: "app/" + n}); err != nil {
				t.Fatal(err)
			}
		}
		var names []string
		after := ""
		for {
			page, more, err := svc.List(ctx, acct, secrets.ListInput{After: after, Limit: 2})
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range page {
				names = append(names, s.Name)
			}
			if !more {
				break
			}
			after = page[len(page)-1].Name
		}
		if !slices.Equal(names, []string{"app/a", "app/b", "app/c", "app/d", "app/e"}) {
			t.Errorf("paged names = %v", names)
		}
		if err := svc.Tag(ctx, acct, "app/a", []secrets.Tag{{"env", "prod"}, {"team", "data"}}); err != nil {
			t.Fatal(err)
		}
		if err := svc.Untag(ctx, acct, "app/a", []string{"team"}); err != nil {
			t.Fatal(err)
		}
		s, _ := svc.Describe(ctx, acct, "app/a")
		if !slices.Equal(s.Tags, []secrets.Tag{{"env", "prod"}}) {
			t.Errorf("tags = %v", s.Tags)
		}
	})
}
