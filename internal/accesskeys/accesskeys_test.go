package accesskeys_test

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/surveyorhq/surveyor/internal/accesskeys"
	"github.com/surveyorhq/surveyor/internal/awsapi"
	"github.com/surveyorhq/surveyor/internal/secrets"
	"github.com/surveyorhq/surveyor/internal/store"
	"github.com/surveyorhq/surveyor/internal/store/storetest"
)

func TestStore(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		master, _ := secrets.NewSealer(secrets.NewDataKey())
		ks := &accesskeys.Store{DB: db, Master: master}

		first, created, err := ks.Ensure(ctx)
		if err != nil || !created {
			t.Fatalf("Ensure on an empty store = %v, %v; want a new key", created, err)
		}
		if !regexp.MustCompile(`^AKIA[A-Z2-7]{16}$`).MatchString(first.AccessKeyID) || len(first.SecretAccessKey) != 40 ||
			!regexp.MustCompile(`^[1-9]\d{11}$`).MatchString(first.AccountID) {
			t.Errorf("key looks wrong: %s / %d chars / account %s", first.AccessKeyID, len(first.SecretAccessKey), first.AccountID)
		}
		if _, created, _ := ks.Ensure(ctx); created {
			t.Error("Ensure created a second key")
		}
		got, err := ks.LookupKey(ctx, first.AccessKeyID)
		if err != nil || got != first {
			t.Errorf("LookupKey = %+v, %v; want %+v", got, err, first)
		}
		// A fresh store object (another process) reads the same key from the database.
		again, err := (&accesskeys.Store{DB: db, Master: master}).LookupKey(ctx, first.AccessKeyID)
		if err != nil || again != first {
			t.Errorf("uncached LookupKey = %+v, %v", again, err)
		}
		if _, err := ks.LookupKey(ctx, "AKIAUNKNOWN"); !errors.Is(err, awsapi.ErrUnknownKey) {
			t.Errorf("unknown key: %v, want ErrUnknownKey", err)
		}
		second, err := ks.Create(ctx, "222222222222")
		if err != nil || second.AccountID != "222222222222" {
			t.Fatalf("Create for an account: %+v, %v", second, err)
		}
		if _, err := ks.Create(ctx, "12ab"); err == nil {
			t.Error("a malformed account id was accepted")
		}
		// The secret is sealed at rest.
		var sealed string
		_ = db.ReadTx(ctx, func(tx *store.Tx) error {
			return tx.QueryRow(ctx, "SELECT sealed_secret FROM access_keys WHERE access_key_id = ?", second.AccessKeyID).Scan(&sealed)
		})
		if sealed == "" || sealed == second.SecretAccessKey {
			t.Errorf("secret key stored in clear")
		}
	})
}

func TestSessions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		master, _ := secrets.NewSealer(secrets.NewDataKey())
		now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
		ks := &accesskeys.Store{DB: db, Master: master, Now: func() time.Time { return now }}
		parent, err := ks.Create(ctx, "111111111111")
		if err != nil {
			t.Fatal(err)
		}
		role := "arn:aws:iam::111111111111:role/reader"
		k, token, err := ks.IssueSession(ctx, awsapi.SessionRequest{AccountID: "111111111111", ParentKeyID: parent.AccessKeyID,
			RoleARN: role, SessionName: "s1", Expires: now.Add(time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		if !regexp.MustCompile(`^ASIA[A-Z2-7]{16}$`).MatchString(k.AccessKeyID) || token == "" || k.Session == nil {
			t.Fatalf("issued %+v with token %q", k, token)
		}
		// Another process reads it back, with its session.
		got, err := (&accesskeys.Store{DB: db, Master: master}).LookupKey(ctx, k.AccessKeyID)
		if err != nil || got.SecretAccessKey != k.SecretAccessKey || got.AccountID != "111111111111" || got.Session == nil ||
			*got.Session != *k.Session || got.Session.TokenSHA256 != awsapi.TokenHash(token) || got.Session.RoleARN != role {
			t.Errorf("LookupKey = %+v (%+v), %v; want %+v", got, got.Session, err, k.Session)
		}
		// Neither the secret nor the token is stored in clear.
		var sealed, hash string
		_ = db.ReadTx(ctx, func(tx *store.Tx) error {
			return tx.QueryRow(ctx, "SELECT sealed_secret, token_sha256 FROM sts_sessions WHERE access_key_id = ?", k.AccessKeyID).Scan(&sealed, &hash)
		})
		if sealed == "" || strings.Contains(sealed, k.SecretAccessKey) || hash == token || strings.Contains(hash, token) {
			t.Errorf("temporary credentials stored in clear")
		}
		// Expired sessions are kept a day (ExpiredToken), then purged (unknown key).
		now = now.Add(time.Hour + accesskeys.SessionRetention - time.Minute)
		if n, err := ks.PurgeSessions(ctx); err != nil || n != 0 {
			t.Errorf("purge within the retention = %d, %v", n, err)
		}
		now = now.Add(2 * time.Minute)
		if n, err := ks.PurgeSessions(ctx); err != nil || n != 1 {
			t.Errorf("purge after the retention = %d, %v; want 1", n, err)
		}
		if _, err := ks.LookupKey(ctx, k.AccessKeyID); !errors.Is(err, awsapi.ErrUnknownKey) {
			t.Errorf("purged session: %v, want ErrUnknownKey", err)
		}
	})
}
