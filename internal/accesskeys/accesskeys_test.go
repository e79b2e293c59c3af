package accesskeys_test

import (
	"context"
	"errors"
	"regexp"
	"testing"

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
