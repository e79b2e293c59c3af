package secrets

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/surveyorhq/surveyor/internal/scope"
	"github.com/surveyorhq/surveyor/internal/store"
)

// Rotation is a secret's rotation configuration. Surveyor keeps it and reports it; it cannot run
// the Lambda function that would rotate the value (see the Secrets Manager façade).
type Rotation struct {
	Enabled   bool          `json:"enabled"`
	LambdaARN string        `json:"lambda,omitempty"`
	Rules     RotationRules `json:"rules"`
	// NextAt is when the next rotation is due while Enabled; LastAt when one last succeeded.
	NextAt *time.Time `json:"next,omitempty"`
	LastAt *time.Time `json:"last,omitempty"`
}

// RotationRules are RotateSecret's RotationRules.
type RotationRules struct {
	AutomaticallyAfterDays int64  `json:"days,omitempty"`
	Duration               string `json:"duration,omitempty"`
	ScheduleExpression     string `json:"schedule,omitempty"`
}

// loadSettings reads the resource policy, rotation and replication of a loaded secret.
func loadSettings(ctx context.Context, tx *store.Tx, sec *Secret) error {
	var policy, rotation, primaryID, primaryRegion, replication sql.NullString
	if err := tx.QueryRow(ctx, "SELECT resource_policy, rotation, primary_id, primary_region, replication FROM secrets WHERE id = ?", sec.ID).
		Scan(&policy, &rotation, &primaryID, &primaryRegion, &replication); err != nil {
		return fmt.Errorf("read secret settings: %w", err)
	}
	sec.primaryID, sec.PrimaryRegion = primaryID.String, primaryRegion.String
	if replication.Valid {
		if err := loadReplication(ctx, tx, sec, replication.String); err != nil {
			return err
		}
	}
	if policy.Valid {
		sec.Policy = &policy.String
	}
	if rotation.Valid {
		sec.Rotation = &Rotation{}
		if err := json.Unmarshal([]byte(rotation.String), sec.Rotation); err != nil {
			return fmt.Errorf("read rotation of %s: %w", sec.Name, err)
		}
	}
	return nil
}

// SetPolicy stores a secret's resource policy document, or removes it when policy is nil.
func (s *Service) SetPolicy(ctx context.Context, sc scope.Scope, secretID string, policy *string) (*Secret, error) {
	return s.changeLive(ctx, sc, secretID, func(tx *store.Tx, sec *Secret) error {
		sec.Policy = policy
		_, err := tx.Exec(ctx, "UPDATE secrets SET resource_policy = ? WHERE id = ?", nullString(policy), sec.ID)
		return err
	})
}

// ChangeRotation changes a secret's rotation configuration with change, which gets the current
// one (a zero Rotation when none was ever set) and may refuse with an error.
func (s *Service) ChangeRotation(ctx context.Context, sc scope.Scope, secretID string, change func(sec *Secret, r *Rotation) error) (*Secret, error) {
	return s.changeLive(ctx, sc, secretID, func(tx *store.Tx, sec *Secret) error {
		r := Rotation{}
		if sec.Rotation != nil {
			r = *sec.Rotation
		}
		if err := change(sec, &r); err != nil {
			return err
		}
		sec.Rotation = &r
		b, _ := json.Marshal(r)
		_, err := tx.Exec(ctx, "UPDATE secrets SET rotation = ? WHERE id = ?", string(b), sec.ID)
		return err
	})
}

// changeLive runs change on a secret that is not a replica nor scheduled for deletion, and
// copies the changed secret onto its replicas, in one transaction.
func (s *Service) changeLive(ctx context.Context, sc scope.Scope, secretID string, change func(tx *store.Tx, sec *Secret) error) (*Secret, error) {
	var sec *Secret
	err := s.DB.Tx(ctx, func(tx *store.Tx) error {
		var err error
		if sec, err = s.findLive(ctx, tx, sc, secretID); err != nil {
			return err
		}
		if err := change(tx, sec); err != nil {
			return err
		}
		return s.propagate(ctx, tx, sec)
	})
	return sec, err
}

// findLive finds a secret the caller may change, locked (see findLocked): not a replica, not
// scheduled for deletion.
func (s *Service) findLive(ctx context.Context, tx *store.Tx, sc scope.Scope, secretID string) (*Secret, error) {
	sec, err := s.findLocked(ctx, tx, sc, secretID)
	if err != nil {
		return nil, err
	}
	if err := sec.writable(); err != nil {
		return nil, err
	}
	if sec.DeletedAt != nil {
		return nil, fmt.Errorf("%w: You can't perform this operation on the secret because it was marked for deletion.", ErrInvalidState)
	}
	return sec, nil
}

// findLocked finds a secret to change and holds its row's write lock until the transaction
// ends. On PostgreSQL (READ COMMITTED) the secret is read again once locked, so concurrent
// changes of one secret run one at a time, each deciding on what the one before wrote (two puts
// that both read the versions first would both keep AWSCURRENT); SQLite runs one write
// transaction at a time already.
func (s *Service) findLocked(ctx context.Context, tx *store.Tx, sc scope.Scope, secretID string) (*Secret, error) {
	sec, err := s.find(ctx, tx, sc, secretID, true)
	if err != nil || tx.Dialect() != store.Postgres {
		return sec, err
	}
	if err := lockRow(ctx, tx, sec.ID); err != nil {
		return nil, err
	}
	return s.load(ctx, tx, "s.id = ?", sec.ID)
}

func nullString(s *string) any {
	if s == nil {
		return nil
	}
	return *s
}
