package accesskeys

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/surveyorhq/surveyor/internal/awsapi"
	"github.com/surveyorhq/surveyor/internal/store"
)

// sessionKeyPrefix starts the id of every temporary access key, as on AWS.
const sessionKeyPrefix = "ASIA"

// SessionRetention is how long expired temporary credentials stay known (so that requests signed
// with them get ExpiredToken rather than an unknown-key error) before PurgeSessions forgets them.
const SessionRetention = 24 * time.Hour

// IssueSession implements awsapi.SessionIssuer: it stores new temporary credentials (secret
// sealed with the master key, session token as a hash) for req's account and returns them with
// the session token.
func (s *Store) IssueSession(ctx context.Context, req awsapi.SessionRequest) (awsapi.Key, string, error) {
	token := newSessionToken()
	k := awsapi.Key{AccessKeyID: newKeyID(sessionKeyPrefix), SecretAccessKey: newSecretKey(), AccountID: req.AccountID,
		Session: &awsapi.Session{TokenSHA256: awsapi.TokenHash(token), Expires: req.Expires.UTC().Truncate(time.Millisecond),
			ParentKeyID: req.ParentKeyID, RoleARN: req.RoleARN, SessionName: req.SessionName}}
	err := s.DB.Tx(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO sts_sessions (access_key_id, sealed_secret, token_sha256, account_id, parent_key_id,
			role_arn, session_name, expires_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			k.AccessKeyID, s.Master.Seal([]byte(k.SecretAccessKey), []byte("access-key:"+k.AccessKeyID)), k.Session.TokenSHA256,
			k.AccountID, req.ParentKeyID, req.RoleARN, req.SessionName, k.Session.Expires.UnixMilli(), s.now().UnixMilli())
		return err
	})
	if err != nil {
		return awsapi.Key{}, "", fmt.Errorf("store temporary credentials: %w", err)
	}
	return k, token, nil
}

// lookupSession reads temporary credentials. They are not cached: there can be many, and each
// lives a short while.
func (s *Store) lookupSession(ctx context.Context, id string) (awsapi.Key, error) {
	var (
		sealed  string
		expires int64
		sess    awsapi.Session
		k       = awsapi.Key{AccessKeyID: id}
	)
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		return tx.QueryRow(ctx, `SELECT sealed_secret, token_sha256, account_id, parent_key_id, role_arn, session_name, expires_at
			FROM sts_sessions WHERE access_key_id = ?`, id).
			Scan(&sealed, &sess.TokenSHA256, &k.AccountID, &sess.ParentKeyID, &sess.RoleARN, &sess.SessionName, &expires)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return awsapi.Key{}, fmt.Errorf("access key %s: %w", id, awsapi.ErrUnknownKey)
	}
	if err != nil {
		return awsapi.Key{}, fmt.Errorf("read temporary credentials: %w", err)
	}
	secret, err := s.Master.Open(sealed, []byte("access-key:"+id))
	if err != nil {
		return awsapi.Key{}, fmt.Errorf("open temporary credentials %s: %w", id, err)
	}
	k.SecretAccessKey = string(secret)
	sess.Expires = time.UnixMilli(expires).UTC()
	k.Session = &sess
	return k, nil
}

// PurgeSessions forgets temporary credentials that expired more than SessionRetention ago, and
// returns how many.
func (s *Store) PurgeSessions(ctx context.Context) (int64, error) {
	var n int64
	err := s.DB.Tx(ctx, func(tx *store.Tx) (err error) {
		n, err = tx.Exec(ctx, "DELETE FROM sts_sessions WHERE expires_at < ?", s.now().Add(-SessionRetention).UnixMilli())
		return err
	})
	return n, err
}

// newSessionToken is an opaque token of 128 base64 characters.
func newSessionToken() string {
	b := make([]byte, 96)
	_, _ = rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}
