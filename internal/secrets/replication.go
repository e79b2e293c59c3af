package secrets

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/surveyorhq/surveyor/internal/scope"
	"github.com/surveyorhq/surveyor/internal/store"
)

// Replication. A primary secret is copied to replica regions of its account: each replica is a
// secret row of its own in that region, with the primary's name, its ARN with the region
// changed (the same six random characters), and the primary's versions, staging labels,
// description, tags, resource policy and rotation configuration; its values are sealed under
// the replica's own data key. Replication is synchronous: every change of a primary rewrites
// its replicas in the same transaction, so a replica is always in sync. A replica is
// read-only; StopReplication makes it a standalone secret.

// Replication statuses.
const (
	ReplicaInSync = "InSync"
	ReplicaFailed = "Failed"
)

// ErrReplica is AWS's answer to a change asked of a replica.
var ErrReplica = fmt.Errorf("%w: Operation not permitted on a replica secret. Call must be made in primary secret's region.", ErrInvalid)

// ReplicaRegion is a region to replicate a secret to, and the KMS key the replica names there
// (empty: the default key). Refusal, when set, is why the region cannot hold a replica; the
// region is recorded Failed with it.
type ReplicaRegion struct {
	Region, KmsKeyID, Refusal string
}

// ReplicaStatus is one replica region of a primary secret.
type ReplicaStatus struct {
	Region   string `json:"region"`
	KmsKeyID string `json:"kms,omitempty"`
	Status   string `json:"status"`
	Message  string `json:"message"`
	// AccessedAt is when the replica was last read in its region (not stored in the list).
	AccessedAt *time.Time `json:"-"`
}

// IsReplica reports whether sec is a replica of a secret in another region.
func (sec *Secret) IsReplica() bool { return sec.primaryID != "" }

// writable refuses changes of a replica.
func (sec *Secret) writable() error {
	if sec.IsReplica() {
		return ErrReplica
	}
	return nil
}

// Replicate adds replica regions to a secret, which becomes (or stays) their primary. In each
// region a replica is created, or the region is recorded Failed with the reason: a secret of the
// same name exists there (replaced with force, unless it is itself replicated), or the region
// was refused. A region holding an in-sync replica already is left as it is.
func (s *Service) Replicate(ctx context.Context, sc scope.Scope, secretID string, regions []ReplicaRegion, force bool) (*Secret, error) {
	var sec *Secret
	err := s.DB.Tx(ctx, func(tx *store.Tx) error {
		var err error
		if sec, err = s.findLive(ctx, tx, sc, secretID); err != nil {
			return err
		}
		return s.replicate(ctx, tx, sec, regions, force)
	})
	return sec, err
}

func (s *Service) replicate(ctx context.Context, tx *store.Tx, sec *Secret, regions []ReplicaRegion, force bool) error {
	for _, r := range regions {
		if r.Region == "" || r.Region == sec.Region {
			return fmt.Errorf("%w: Invalid replica region.", ErrInvalid)
		}
	}
	values, err := s.openAll(sec)
	if err != nil {
		return err
	}
	for _, r := range regions {
		i := slices.IndexFunc(sec.Replication, func(st ReplicaStatus) bool { return st.Region == r.Region })
		if i >= 0 && sec.Replication[i].Status == ReplicaInSync {
			continue
		}
		st := ReplicaStatus{Region: r.Region, KmsKeyID: r.KmsKeyID, Status: ReplicaInSync, Message: "Replication succeeded"}
		reason := r.Refusal
		if reason == "" {
			if reason, err = s.placeReplica(ctx, tx, sec, r, force, values); err != nil {
				return err
			}
		}
		if reason != "" {
			st.Status, st.Message = ReplicaFailed, reason
		}
		if i >= 0 {
			sec.Replication[i] = st
		} else {
			sec.Replication = append(sec.Replication, st)
		}
	}
	return writeReplication(ctx, tx, sec)
}

// placeReplica creates the replica of sec in r's region, or says why it cannot.
func (s *Service) placeReplica(ctx context.Context, tx *store.Tx, sec *Secret, r ReplicaRegion, force bool, values map[string]Value) (string, error) {
	taken := fmt.Sprintf("Replication failed: Secret name %s already exists in region %s.", sec.Name, r.Region)
	old, err := s.load(ctx, tx, "s.account_id = ? AND s.region = ? AND s.name = ?", sec.AccountID, r.Region, sec.Name)
	switch {
	case errors.Is(err, ErrNotFound):
		old = nil
	case err != nil:
		return "", err
	case old.primaryID == sec.ID, old.DeleteAfter != nil && !s.now().Before(*old.DeleteAfter):
		// A replica of this very secret, or a secret past its recovery window: replaced.
	case old.IsReplica() || len(old.Replication) > 0 || !force:
		return taken, nil
	}
	if old != nil {
		// Deleted only if it is still not replicated once its row is free (READ COMMITTED
		// checks the condition again on the row a concurrent change committed).
		n, err := tx.Exec(ctx, "DELETE FROM secrets WHERE id = ? AND (primary_id = ? OR (primary_id IS NULL AND replication IS NULL))", old.ID, sec.ID)
		if err != nil {
			return "", fmt.Errorf("replace secret in %s: %w", r.Region, err)
		}
		if n == 0 {
			return taken, nil
		}
	}
	return "", s.insertReplica(ctx, tx, sec, r, values)
}

func (s *Service) insertReplica(ctx context.Context, tx *store.Tx, sec *Secret, r ReplicaRegion, values map[string]Value) error {
	id, dataKey, now := randomID(16), NewDataKey(), s.now()
	tags, _ := json.Marshal(sec.Tags)
	if _, err := tx.Exec(ctx, `INSERT INTO secrets (id, account_id, region, name, arn, description, kms_key_id, data_key, tags,
		created_at, updated_at, resource_policy, rotation, primary_id, primary_region) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		id, sec.AccountID, r.Region, sec.Name, ReplicaARN(sec.ARN, r.Region), sec.Description, r.KmsKeyID,
		s.Master.Seal(dataKey, []byte("secret:"+id)), string(tags), ms(now), ms(now), nullString(sec.Policy), rotationDoc(sec.Rotation),
		sec.ID, sec.Region); err != nil {
		return fmt.Errorf("insert replica in %s: %w", r.Region, err)
	}
	return copyVersions(ctx, tx, sec, id, dataKey, values)
}

// copyVersions writes sec's versions, with their labels and dates, onto the replica id, each
// value sealed under the replica's data key.
func copyVersions(ctx context.Context, tx *store.Tx, sec *Secret, id string, dataKey []byte, values map[string]Value) error {
	sealer, err := NewSealer(dataKey)
	if err != nil {
		return err
	}
	for _, v := range sec.Versions {
		plain, _ := json.Marshal(values[v.ID])
		st, _ := json.Marshal(nonNil(v.Stages))
		if _, err := tx.Exec(ctx, "INSERT INTO secret_versions (secret_id, version_id, stages, sealed, created_at) VALUES (?, ?, ?, ?, ?)",
			id, v.ID, string(st), sealer.Seal(plain, []byte(id+"/"+v.ID)), ms(v.CreatedAt)); err != nil {
			return fmt.Errorf("copy version to replica: %w", err)
		}
	}
	return nil
}

// propagate copies a changed primary onto its replicas; sec is the primary as found (locked, by
// findLive) before the change: nothing to do when it has no replica regions.
func (s *Service) propagate(ctx context.Context, tx *store.Tx, sec *Secret) error {
	if len(sec.Replication) == 0 {
		return nil
	}
	sec, err := s.load(ctx, tx, "s.id = ?", sec.ID)
	if err != nil {
		return err
	}
	values, err := s.openAll(sec)
	if err != nil {
		return err
	}
	rows, err := tx.Query(ctx, "SELECT id, data_key FROM secrets WHERE primary_id = ?", sec.ID)
	if err != nil {
		return fmt.Errorf("read replicas: %w", err)
	}
	replicas := map[string]string{}
	for rows.Next() {
		var id, dk string
		if err := rows.Scan(&id, &dk); err != nil {
			rows.Close()
			return fmt.Errorf("read replicas: %w", err)
		}
		replicas[id] = dk
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read replicas: %w", err)
	}
	tags, _ := json.Marshal(sec.Tags)
	for id, sealed := range replicas {
		dataKey, err := s.Master.Open(sealed, []byte("secret:"+id))
		if err != nil {
			return fmt.Errorf("open data key of a replica of %s: %w", sec.Name, err)
		}
		if _, err := tx.Exec(ctx, "UPDATE secrets SET description = ?, tags = ?, resource_policy = ?, rotation = ?, updated_at = ? WHERE id = ?",
			sec.Description, string(tags), nullString(sec.Policy), rotationDoc(sec.Rotation), ms(sec.UpdatedAt), id); err != nil {
			return fmt.Errorf("update replica: %w", err)
		}
		if _, err := tx.Exec(ctx, "DELETE FROM secret_versions WHERE secret_id = ?", id); err != nil {
			return fmt.Errorf("update replica: %w", err)
		}
		if err := copyVersions(ctx, tx, sec, id, dataKey, values); err != nil {
			return err
		}
	}
	return nil
}

// RemoveRegions deletes the replicas of a secret in regions, at once, and drops those regions
// from its replication (a region it does not replicate to is ignored).
func (s *Service) RemoveRegions(ctx context.Context, sc scope.Scope, secretID string, regions []string) (*Secret, error) {
	var sec *Secret
	err := s.DB.Tx(ctx, func(tx *store.Tx) error {
		var err error
		if sec, err = s.findLive(ctx, tx, sc, secretID); err != nil {
			return err
		}
		var kept []ReplicaStatus
		for _, st := range sec.Replication {
			if !slices.Contains(regions, st.Region) {
				kept = append(kept, st)
				continue
			}
			if _, err := tx.Exec(ctx, "DELETE FROM secrets WHERE primary_id = ? AND region = ?", sec.ID, st.Region); err != nil {
				return fmt.Errorf("delete replica in %s: %w", st.Region, err)
			}
		}
		sec.Replication = kept
		return writeReplication(ctx, tx, sec)
	})
	return sec, err
}

// StopReplication promotes a replica (in the caller's region) to a standalone secret: it keeps
// its value, versions and metadata, and its primary no longer lists its region.
func (s *Service) StopReplication(ctx context.Context, sc scope.Scope, secretID string) (*Secret, error) {
	var sec *Secret
	err := s.DB.Tx(ctx, func(tx *store.Tx) error {
		var err error
		if sec, err = s.findReplica(ctx, tx, sc, secretID); err != nil {
			return err
		}
		primary, err := s.load(ctx, tx, "s.id = ?", sec.primaryID)
		switch {
		case err == nil:
			primary.Replication = slices.DeleteFunc(primary.Replication, func(st ReplicaStatus) bool { return st.Region == sec.Region })
			if err := writeReplication(ctx, tx, primary); err != nil {
				return err
			}
		case !errors.Is(err, ErrNotFound):
			return err
		}
		sec.primaryID, sec.PrimaryRegion = "", ""
		_, err = tx.Exec(ctx, "UPDATE secrets SET primary_id = NULL, primary_region = NULL, updated_at = ? WHERE id = ?", ms(s.now()), sec.ID)
		return err
	})
	return sec, err
}

// findReplica finds the replica secretID with its primary's row locked, then reads it again: a
// primary's changes lock the primary, then write its replicas (propagate), and StopReplication
// takes the locks in the same order. A secret that is not (or no longer) a replica is refused.
func (s *Service) findReplica(ctx context.Context, tx *store.Tx, sc scope.Scope, secretID string) (*Secret, error) {
	sec, err := s.find(ctx, tx, sc, secretID, true)
	if err != nil {
		return nil, err
	}
	if sec.IsReplica() {
		if err := lockRow(ctx, tx, sec.primaryID); err != nil {
			return nil, err
		}
		if sec, err = s.load(ctx, tx, "s.id = ?", sec.ID); err != nil {
			return nil, err
		}
	}
	if !sec.IsReplica() {
		return nil, fmt.Errorf("%w: The secret %s isn't a replica secret. Call StopReplicationToReplica in the Region of a replica.", ErrInvalidState, sec.ARN)
	}
	return sec, nil
}

// lockRow holds the write lock of a secret's row until the transaction ends (PostgreSQL rows;
// SQLite writes one transaction at a time), so the changes of one secret, of its replication
// and of its replicas run one at a time, each seeing the one before.
func lockRow(ctx context.Context, tx *store.Tx, id string) error {
	if _, err := tx.Exec(ctx, "UPDATE secrets SET id = id WHERE id = ?", id); err != nil {
		return fmt.Errorf("lock secret: %w", err)
	}
	return nil
}

// writeReplication stores a primary's replica regions; with none left it is not replicated.
func writeReplication(ctx context.Context, tx *store.Tx, sec *Secret) error {
	var doc, region any
	sec.PrimaryRegion = ""
	if len(sec.Replication) > 0 {
		b, _ := json.Marshal(sec.Replication)
		doc, region, sec.PrimaryRegion = string(b), sec.Region, sec.Region
	}
	if _, err := tx.Exec(ctx, "UPDATE secrets SET replication = ?, primary_region = ? WHERE id = ?", doc, region, sec.ID); err != nil {
		return fmt.Errorf("write replication of %s: %w", sec.Name, err)
	}
	return nil
}

// loadReplication reads a primary's replica regions and when each replica was last read.
func loadReplication(ctx context.Context, tx *store.Tx, sec *Secret, doc string) error {
	if err := json.Unmarshal([]byte(doc), &sec.Replication); err != nil {
		return fmt.Errorf("read replication of %s: %w", sec.Name, err)
	}
	rows, err := tx.Query(ctx, "SELECT region, accessed_at FROM secrets WHERE primary_id = ?", sec.ID)
	if err != nil {
		return fmt.Errorf("read replicas of %s: %w", sec.Name, err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			region string
			at     sql.NullInt64
		)
		if err := rows.Scan(&region, &at); err != nil {
			return fmt.Errorf("read replicas of %s: %w", sec.Name, err)
		}
		for i := range sec.Replication {
			if sec.Replication[i].Region == region {
				sec.Replication[i].AccessedAt = nullTime(at)
			}
		}
	}
	return rows.Err()
}

// openAll decrypts every version of sec, to copy them onto replicas.
func (s *Service) openAll(sec *Secret) (map[string]Value, error) {
	values := make(map[string]Value, len(sec.Versions))
	for _, v := range sec.Versions {
		val, err := s.openVersion(sec, v.ID)
		if err != nil {
			return nil, err
		}
		values[v.ID] = val
	}
	return values, nil
}

// ReplicaARN is the ARN of the replica of the secret arn in region: the same ARN, region changed.
func ReplicaARN(arn, region string) string {
	parts := strings.SplitN(arn, ":", 5)
	if len(parts) < 5 {
		return arn
	}
	parts[3] = region
	return strings.Join(parts, ":")
}

// deleteRefusal is AWS's answer to deleting a primary that still has replica regions.
func deleteRefusal(secretID string, sec *Secret) error {
	var regions []string
	for _, st := range sec.Replication {
		regions = append(regions, st.Region)
	}
	return fmt.Errorf("%w: You can't delete secret %s that still has replica regions [%s].", ErrInvalid, secretID, strings.Join(regions, ", "))
}

func rotationDoc(r *Rotation) any {
	if r == nil {
		return nil
	}
	b, _ := json.Marshal(r)
	return string(b)
}
