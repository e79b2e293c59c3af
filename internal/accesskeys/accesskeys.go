// Package accesskeys keeps the AWS access keys clients sign their requests with, each mapped to
// the account it acts for. Secret keys are sealed with the master key at rest. *Store implements
// awsapi.KeyStore.
package accesskeys

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base32"
	"encoding/base64"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"sync"
	"time"

	"github.com/surveyorhq/surveyor/internal/awsapi"
	"github.com/surveyorhq/surveyor/internal/secrets"
	"github.com/surveyorhq/surveyor/internal/store"
)

// Store reads and creates access keys.
type Store struct {
	DB     *store.DB
	Master *secrets.Sealer
	Now    func() time.Time

	cache sync.Map // long-term access key id → awsapi.Key; keys never change once created
}

func (s *Store) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// LookupKey implements awsapi.KeyStore: long-term keys, and the temporary credentials STS issued
// (with their Session).
func (s *Store) LookupKey(ctx context.Context, id string) (awsapi.Key, error) {
	if k, ok := s.cache.Load(id); ok {
		return k.(awsapi.Key), nil
	}
	if strings.HasPrefix(id, sessionKeyPrefix) {
		return s.lookupSession(ctx, id)
	}
	var sealed, account string
	err := s.DB.ReadTx(ctx, func(tx *store.Tx) error {
		return tx.QueryRow(ctx, "SELECT sealed_secret, account_id FROM access_keys WHERE access_key_id = ?", id).Scan(&sealed, &account)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return awsapi.Key{}, fmt.Errorf("access key %s: %w", id, awsapi.ErrUnknownKey)
	}
	if err != nil {
		return awsapi.Key{}, fmt.Errorf("read access key: %w", err)
	}
	secret, err := s.Master.Open(sealed, []byte("access-key:"+id))
	if err != nil {
		return awsapi.Key{}, fmt.Errorf("open access key %s: %w", id, err)
	}
	k := awsapi.Key{AccessKeyID: id, SecretAccessKey: string(secret), AccountID: account}
	s.cache.Store(id, k)
	return k, nil
}

// Create makes a new key pair for account (a 12-digit id; empty means a new random account).
func (s *Store) Create(ctx context.Context, account string) (awsapi.Key, error) {
	var k awsapi.Key
	err := s.DB.Tx(ctx, func(tx *store.Tx) error {
		var err error
		k, err = s.create(ctx, tx, account)
		return err
	})
	return k, err
}

// Ensure returns (key, true) after creating a first key pair when the store has none, and
// (zero, false) when keys exist already.
func (s *Store) Ensure(ctx context.Context) (awsapi.Key, bool, error) {
	var (
		k       awsapi.Key
		created bool
	)
	err := s.DB.Tx(ctx, func(tx *store.Tx) error {
		if tx.Dialect() == store.Postgres {
			// Processes starting together on one store must not each create a "first" key.
			if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock(4599001)"); err != nil {
				return err
			}
		}
		var n int
		if err := tx.QueryRow(ctx, "SELECT count(*) FROM access_keys").Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return nil
		}
		var err error
		k, err = s.create(ctx, tx, "")
		created = err == nil
		return err
	})
	return k, created, err
}

// First returns the oldest key pair: the one `serve` created on first start.
func (s *Store) First(ctx context.Context) (awsapi.Key, error) {
	var id string
	err := s.DB.ReadTx(ctx, func(tx *store.Tx) error {
		return tx.QueryRow(ctx, "SELECT access_key_id FROM access_keys ORDER BY created_at, access_key_id LIMIT 1").Scan(&id)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return awsapi.Key{}, fmt.Errorf("no access keys: %w", awsapi.ErrUnknownKey)
	}
	if err != nil {
		return awsapi.Key{}, fmt.Errorf("read first access key: %w", err)
	}
	return s.LookupKey(ctx, id)
}

func (s *Store) create(ctx context.Context, tx *store.Tx, account string) (awsapi.Key, error) {
	if account == "" {
		account = NewAccountID()
	} else if !validAccount(account) {
		return awsapi.Key{}, fmt.Errorf("account id %q is not 12 digits", account)
	}
	k := awsapi.Key{AccessKeyID: newAccessKeyID(), SecretAccessKey: newSecretKey(), AccountID: account}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	_, err := tx.Exec(ctx, "INSERT INTO access_keys (access_key_id, sealed_secret, account_id, created_at) VALUES (?, ?, ?, ?)",
		k.AccessKeyID, s.Master.Seal([]byte(k.SecretAccessKey), []byte("access-key:"+k.AccessKeyID)), k.AccountID, now().UnixMilli())
	if err != nil {
		return awsapi.Key{}, fmt.Errorf("store access key: %w", err)
	}
	return k, nil
}

// NewAccountID returns a random 12-digit account id that does not start with 0.
func NewAccountID() string {
	n, err := rand.Int(rand.Reader, big.NewInt(9e11))
	if err != nil {
		panic("accesskeys: crypto/rand failed: " + err.Error())
	}
	return fmt.Sprintf("%012d", n.Int64()+1e11)
}

func validAccount(a string) bool {
	if len(a) != 12 {
		return false
	}
	for _, c := range a {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// newAccessKeyID looks like an AWS long-term key id: AKIA and 16 base32 characters.
func newAccessKeyID() string { return newKeyID("AKIA") }

func newKeyID(prefix string) string {
	b := make([]byte, 10)
	_, _ = rand.Read(b)
	return prefix + base32.StdEncoding.EncodeToString(b)[:16]
}

// newSecretKey is 40 characters, like an AWS secret access key.
func newSecretKey() string {
	b := make([]byte, 30)
	_, _ = rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}
