// Package secrets keeps the credentials Surveyor uses to reach data sources, as Secrets Manager
// secrets: records with versions and staging labels, values encrypted at rest with AES-256-GCM
// under one data key per secret, itself sealed by the master key (see Sealer).
//
// Values leave this package only through GetValue and Current; nothing else returns, logs or
// formats them into an error.
package secrets

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/surveyorhq/surveyor/internal/scope"
	"github.com/surveyorhq/surveyor/internal/store"
)

// Errors the service returns; the Secrets Manager façade maps them onto AWS error codes.
var (
	ErrNotFound = errors.New("secrets: not found")
	ErrExists   = errors.New("secrets: already exists")
	// errCreateRaced is ErrExists from an insert that lost to a concurrent create.
	errCreateRaced  = fmt.Errorf("%w (concurrent create)", ErrExists)
	ErrInvalid      = errors.New("secrets: invalid parameter")
	ErrInvalidState = errors.New("secrets: invalid request")
)

// Staging labels.
const (
	StageCurrent  = "AWSCURRENT"
	StagePrevious = "AWSPREVIOUS"
)

// Tag is a key/value pair on a secret.
type Tag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

// Secret is a secret's record, without its value.
type Secret struct {
	ID          string
	AccountID   string
	Region      string
	Name        string
	ARN         string
	Description string
	KmsKeyID    string
	Tags        []Tag
	CreatedAt   time.Time
	UpdatedAt   time.Time
	AccessedAt  *time.Time
	DeletedAt   *time.Time
	DeleteAfter *time.Time
	Versions    []Version
	// PrimaryRegion is the region of the primary secret, on a primary that has replica regions
	// and on its replicas; empty for a secret that is not replicated. Replication lists a
	// primary's replica regions (replication.go).
	PrimaryRegion string
	Replication   []ReplicaStatus
	// Policy is the resource policy document, nil when none; Rotation the rotation
	// configuration, nil when rotation was never configured (settings.go).
	Policy   *string
	Rotation *Rotation

	dataKey   string            // sealed by the master key
	sealed    map[string]string // version id → value sealed by the data key
	primaryID string            // the primary's id, on a replica
}

// Version is one version of a secret's value and its staging labels.
type Version struct {
	ID        string
	Stages    []string
	CreatedAt time.Time
}

// Value is a secret's value: a string or bytes.
type Value struct {
	String *string `json:"s,omitempty"`
	Binary []byte  `json:"b,omitempty"`
}

// Service stores secrets for many accounts and regions; every call names the scope (account and
// region), which sees only its own secrets.
type Service struct {
	DB     *store.DB
	Master *Sealer
	Now    func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// CreateInput is what a new secret starts with.
type CreateInput struct {
	Name, Description, KmsKeyID string
	Tags                        []Tag
	Value                       *Value
	// VersionID is the client request token; it becomes the first version's id.
	VersionID string
	// Replicas are the regions to replicate the new secret to (see Replicate).
	Replicas       []ReplicaRegion
	ForceOverwrite bool
}

// Create stores a new secret and, when a value is given, its first version staged AWSCURRENT.
// Creating the same name again with the same token and value returns the existing secret.
func (s *Service) Create(ctx context.Context, sc scope.Scope, in CreateInput) (*Secret, string, error) {
	now := s.now()
	var out *Secret
	versionID := ""
	create := func(tx *store.Tx) error {
		existing, err := s.find(ctx, tx, sc, in.Name, true)
		if err == nil {
			if existing.DeletedAt != nil {
				return fmt.Errorf("%w: You can't create this secret because a secret with this name is already scheduled for deletion.", ErrInvalidState)
			}
			if in.VersionID != "" && existing.hasVersion(in.VersionID) {
				if in.Value != nil && s.sameVersion(existing, in.VersionID, *in.Value) {
					out, versionID = existing, in.VersionID
					return nil
				}
				return tokenInUse(in.VersionID, existing)
			}
			return fmt.Errorf("%w: The operation failed because the secret %s already exists.", ErrExists, in.Name)
		}
		if !errors.Is(err, ErrNotFound) {
			return err
		}
		dataKey := NewDataKey()
		sec := &Secret{ID: randomID(16), AccountID: sc.Account, Region: sc.Region, Name: in.Name, Description: in.Description,
			KmsKeyID: in.KmsKeyID, Tags: in.Tags, CreatedAt: now, UpdatedAt: now}
		sec.ARN = sc.ARN("secretsmanager", "secret:"+in.Name+"-"+randomSuffix())
		// A secret created without tags has none ("null"), which DescribeSecret omits; one whose
		// tags were all removed has an empty list, which it reports as Tags: [] as AWS does.
		tags, _ := json.Marshal(in.Tags)
		if _, err := tx.Exec(ctx, `INSERT INTO secrets (id, account_id, region, name, arn, description, kms_key_id, data_key, tags, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, sec.ID, sc.Account, sc.Region, sec.Name, sec.ARN, sec.Description, sec.KmsKeyID,
			s.Master.Seal(dataKey, []byte("secret:"+sec.ID)), string(tags), ms(now), ms(now)); err != nil {
			if store.IsUniqueViolation(err) {
				return fmt.Errorf("%w: The operation failed because the secret %s already exists.", errCreateRaced, in.Name)
			}
			return fmt.Errorf("insert secret: %w", err)
		}
		if in.Value != nil {
			versionID = in.VersionID
			if versionID == "" {
				versionID = newVersionID()
			}
			if err := s.addVersion(ctx, tx, sec, dataKey, versionID, *in.Value, []string{StageCurrent}, now); err != nil {
				return err
			}
		}
		out = sec
		if len(in.Replicas) == 0 {
			return nil
		}
		if out, err = s.load(ctx, tx, "s.id = ?", sec.ID); err != nil {
			return err
		}
		return s.replicate(ctx, tx, out, in.Replicas, in.ForceOverwrite)
	}
	err := s.DB.Tx(ctx, create)
	if errors.Is(err, errCreateRaced) {
		// A concurrent create of the name committed first. The failed insert aborted this
		// transaction on PostgreSQL; a fresh one finds that secret: the same request (token and
		// value) gets it, another ResourceExists.
		err = s.DB.Tx(ctx, create)
	}
	if err != nil {
		return nil, "", err
	}
	return out, versionID, nil
}

// GetValue returns the value of a version, chosen by id or by staging label (AWSCURRENT by
// default), and records the access. A secret scheduled for deletion cannot be read.
//
// Reads run in a read-only transaction; the access date (which AWS reports to the day) is written
// only when the day changes, so reads do not queue behind the store's single writer.
func (s *Service) GetValue(ctx context.Context, sc scope.Scope, secretID, versionID, stage string) (*Secret, Version, Value, error) {
	var (
		sec *Secret
		ver Version
		val Value
	)
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		var err error
		sec, err = s.find(ctx, tx, sc, secretID, true)
		if err != nil {
			return err
		}
		if sec.DeletedAt != nil {
			return fmt.Errorf("%w: You can't perform this operation on the secret because it was marked for deletion.", ErrInvalidState)
		}
		if versionID == "" && stage == "" {
			stage = StageCurrent
		}
		found, err := selectVersion(sec, versionID, stage)
		if err != nil {
			return err
		}
		ver = *found
		val, err = s.openVersion(sec, ver.ID)
		return err
	})
	if err != nil {
		return nil, ver, val, err
	}
	now := s.now()
	if sec.AccessedAt == nil || !sameDay(*sec.AccessedAt, now) {
		if err := s.DB.Tx(ctx, func(tx *store.Tx) error {
			_, err := tx.Exec(ctx, "UPDATE secrets SET accessed_at = ? WHERE id = ?", ms(now), sec.ID)
			return err
		}); err != nil {
			return nil, ver, Value{}, fmt.Errorf("record access: %w", err)
		}
		sec.AccessedAt = &now
	}
	return sec, ver, val, nil
}

func sameDay(a, b time.Time) bool {
	ay, am, ad := a.UTC().Date()
	by, bm, bd := b.UTC().Date()
	return ay == by && am == bm && ad == bd
}

// Current returns the AWSCURRENT value of a secret, for connectors that need credentials.
func (s *Service) Current(ctx context.Context, sc scope.Scope, secretID string) (Value, error) {
	_, _, v, err := s.GetValue(ctx, sc, secretID, "", StageCurrent)
	return v, err
}

// Describe returns a secret's record, including one scheduled for deletion.
func (s *Service) Describe(ctx context.Context, sc scope.Scope, secretID string) (*Secret, error) {
	var sec *Secret
	err := s.DB.ReadTx(ctx, func(tx *store.Tx) error {
		var err error
		sec, err = s.find(ctx, tx, sc, secretID, true)
		return err
	})
	return sec, err
}

// ListInput selects secrets: names starting with NamePrefix, and those scheduled for deletion
// only when IncludeDeleted. After is the name to continue after.
type ListInput struct {
	NamePrefix     string
	IncludeDeleted bool
	After          string
	Limit          int
	// Descending lists names from last to first; After is then the name to continue before.
	Descending bool
}

// List returns secrets ordered by name, and whether more follow.
func (s *Service) List(ctx context.Context, sc scope.Scope, in ListInput) ([]*Secret, bool, error) {
	if in.Limit <= 0 {
		in.Limit = 100
	}
	var out []*Secret
	more := false
	err := s.DB.ReadTx(ctx, func(tx *store.Tx) error {
		q := "SELECT id FROM secrets WHERE account_id = ? AND region = ? AND name > ?"
		args := []any{sc.Account, sc.Region, in.After}
		if in.Descending && in.After != "" {
			q = "SELECT id FROM secrets WHERE account_id = ? AND region = ? AND name < ?"
		} else if in.Descending {
			q, args = "SELECT id FROM secrets WHERE account_id = ? AND region = ?", []any{sc.Account, sc.Region}
		}
		if !in.IncludeDeleted {
			q += " AND deleted_at IS NULL"
		}
		if in.NamePrefix != "" {
			q += " AND substr(name, 1, ?) = ?"
			args = append(args, len(in.NamePrefix), in.NamePrefix)
		}
		if in.Descending {
			q += " ORDER BY name DESC LIMIT ?"
		} else {
			q += " ORDER BY name LIMIT ?"
		}
		args = append(args, in.Limit+1)
		rows, err := tx.Query(ctx, q, args...)
		if err != nil {
			return fmt.Errorf("list secrets: %w", err)
		}
		var ids []string
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(ids) > in.Limit {
			ids, more = ids[:in.Limit], true
		}
		for _, id := range ids {
			sec, err := s.load(ctx, tx, "s.id = ?", id)
			if err != nil {
				return err
			}
			out = append(out, sec)
		}
		return nil
	})
	return out, more, err
}

// PutValue stores a new version. It becomes AWSCURRENT unless stages say otherwise; the version
// that was current becomes AWSPREVIOUS. Repeating a version id with the same value is a no-op;
// with another value it fails with ErrExists.
func (s *Service) PutValue(ctx context.Context, sc scope.Scope, secretID, versionID string, val Value, stages []string) (*Secret, Version, error) {
	var (
		sec *Secret
		ver Version
	)
	err := s.DB.Tx(ctx, func(tx *store.Tx) error {
		var err error
		if sec, err = s.findLive(ctx, tx, sc, secretID); err != nil {
			return err
		}
		if sec, ver, err = s.putValue(ctx, tx, sec, versionID, val, stages); err != nil {
			return err
		}
		return s.propagate(ctx, tx, sec)
	})
	return sec, ver, err
}

// putValue adds the version versionID (a new id when empty) to sec, found by findLive, and
// returns the secret as it now is and the version; see PutValue.
func (s *Service) putValue(ctx context.Context, tx *store.Tx, sec *Secret, versionID string, val Value, stages []string) (*Secret, Version, error) {
	if versionID == "" {
		versionID = newVersionID()
	}
	for _, v := range sec.Versions {
		if v.ID == versionID {
			if s.sameVersion(sec, versionID, val) {
				return sec, v, nil
			}
			return nil, Version{}, tokenInUse(versionID, sec)
		}
	}
	if len(stages) == 0 {
		stages = []string{StageCurrent}
	}
	if len(sec.Versions) == 0 && !slices.Contains(stages, StageCurrent) {
		// The first value of a secret is its current one, whatever other labels it gets.
		stages = append(slices.Clone(stages), StageCurrent)
	}
	dataKey, err := s.dataKey(sec)
	if err != nil {
		return nil, Version{}, err
	}
	now := s.now()
	if err := s.addVersion(ctx, tx, sec, dataKey, versionID, val, stages, now); err != nil {
		return nil, Version{}, err
	}
	if _, err := tx.Exec(ctx, "UPDATE secrets SET updated_at = ? WHERE id = ?", ms(now), sec.ID); err != nil {
		return nil, Version{}, err
	}
	if sec, err = s.load(ctx, tx, "s.id = ?", sec.ID); err != nil {
		return nil, Version{}, err
	}
	i := slices.IndexFunc(sec.Versions, func(v Version) bool { return v.ID == versionID })
	return sec, sec.Versions[i], nil
}

// UpdateInput changes a secret's description or KMS key, and optionally adds a new current value.
type UpdateInput struct {
	Description *string
	KmsKeyID    *string
	Value       *Value
	VersionID   string
}

// Update changes a secret; a new value becomes a new AWSCURRENT version. The description, the
// KMS key and the value change together, in one transaction, or not at all (a VersionID already
// used with another value leaves the description as it was); replicas get all of it at once.
func (s *Service) Update(ctx context.Context, sc scope.Scope, secretID string, in UpdateInput) (*Secret, string, error) {
	var (
		sec *Secret
		ver Version
	)
	err := s.DB.Tx(ctx, func(tx *store.Tx) error {
		var err error
		if sec, err = s.findLive(ctx, tx, sc, secretID); err != nil {
			return err
		}
		if in.Description != nil {
			sec.Description = *in.Description
		}
		if in.KmsKeyID != nil {
			sec.KmsKeyID = *in.KmsKeyID
		}
		if _, err = tx.Exec(ctx, "UPDATE secrets SET description = ?, kms_key_id = ?, updated_at = ? WHERE id = ?",
			sec.Description, sec.KmsKeyID, ms(s.now()), sec.ID); err != nil {
			return err
		}
		if in.Value != nil {
			if sec, ver, err = s.putValue(ctx, tx, sec, in.VersionID, *in.Value, nil); err != nil {
				return err
			}
		}
		return s.propagate(ctx, tx, sec)
	})
	return sec, ver.ID, err
}

// Delete schedules a secret for deletion after window days (7..30, default 30), or removes it at
// once when force is set.
func (s *Service) Delete(ctx context.Context, sc scope.Scope, secretID string, window int, force bool) (*Secret, time.Time, error) {
	if force && window != 0 {
		return nil, time.Time{}, fmt.Errorf("%w: You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.", ErrInvalid)
	}
	if window == 0 {
		window = 30
	}
	if !force && (window < 7 || window > 30) {
		return nil, time.Time{}, fmt.Errorf("%w: The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).", ErrInvalid)
	}
	var (
		sec  *Secret
		when time.Time
	)
	err := s.DB.Tx(ctx, func(tx *store.Tx) error {
		var err error
		sec, err = s.findLocked(ctx, tx, sc, secretID)
		now := s.now()
		if errors.Is(err, ErrNotFound) && force {
			// AWS answers a forced delete of a secret that does not exist as if it had deleted it.
			sec, when = s.absent(sc, secretID), now
			return nil
		}
		if err != nil {
			return err
		}
		if err := sec.writable(); err != nil {
			return err
		}
		if len(sec.Replication) > 0 {
			return deleteRefusal(secretID, sec)
		}
		if force {
			when = now
			_, err = tx.Exec(ctx, "DELETE FROM secrets WHERE id = ?", sec.ID)
			return err
		}
		if sec.DeletedAt != nil {
			return fmt.Errorf("%w: You tried to perform the operation on a secret that's currently marked deleted.", ErrInvalidState)
		}
		when = now.Add(time.Duration(window) * 24 * time.Hour)
		sec.DeletedAt, sec.DeleteAfter = &now, &when
		_, err = tx.Exec(ctx, "UPDATE secrets SET deleted_at = ?, delete_after = ?, updated_at = ? WHERE id = ?",
			ms(now), ms(when), ms(now), sec.ID)
		return err
	})
	return sec, when, err
}

// absent is the record a forced delete of a missing secret reports: the name (or ARN) asked for.
func (s *Service) absent(sc scope.Scope, secretID string) *Secret {
	if strings.HasPrefix(secretID, "arn:") {
		name := secretID[strings.LastIndex(secretID, ":")+1:]
		return &Secret{AccountID: sc.Account, Region: sc.Region, Name: name, ARN: secretID}
	}
	return &Secret{AccountID: sc.Account, Region: sc.Region, Name: secretID,
		ARN: sc.ARN("secretsmanager", "secret:"+secretID+"-"+randomSuffix())}
}

// Restore cancels a scheduled deletion.
func (s *Service) Restore(ctx context.Context, sc scope.Scope, secretID string) (*Secret, error) {
	var sec *Secret
	err := s.DB.Tx(ctx, func(tx *store.Tx) error {
		var err error
		sec, err = s.findLocked(ctx, tx, sc, secretID)
		if err != nil {
			return err
		}
		if err := sec.writable(); err != nil {
			return err
		}
		sec.DeletedAt, sec.DeleteAfter = nil, nil
		_, err = tx.Exec(ctx, "UPDATE secrets SET deleted_at = NULL, delete_after = NULL, updated_at = ? WHERE id = ?", ms(s.now()), sec.ID)
		return err
	})
	return sec, err
}

// Tag adds or replaces tags; Untag removes tags by key.
func (s *Service) Tag(ctx context.Context, sc scope.Scope, secretID string, tags []Tag) error {
	return s.retag(ctx, sc, secretID, func(cur []Tag) []Tag {
		for _, t := range tags {
			i := slices.IndexFunc(cur, func(c Tag) bool { return c.Key == t.Key })
			if i >= 0 {
				cur[i] = t
			} else {
				cur = append(cur, t)
			}
		}
		return cur
	})
}

// Untag removes the tags with the given keys.
func (s *Service) Untag(ctx context.Context, sc scope.Scope, secretID string, keys []string) error {
	return s.retag(ctx, sc, secretID, func(cur []Tag) []Tag {
		return slices.DeleteFunc(cur, func(t Tag) bool { return slices.Contains(keys, t.Key) })
	})
}

func (s *Service) retag(ctx context.Context, sc scope.Scope, secretID string, change func([]Tag) []Tag) error {
	return s.DB.Tx(ctx, func(tx *store.Tx) error {
		sec, err := s.findLocked(ctx, tx, sc, secretID)
		if err != nil {
			return err
		}
		if err := sec.writable(); err != nil {
			return err
		}
		b, _ := json.Marshal(nonNil(change(sec.Tags)))
		if _, err = tx.Exec(ctx, "UPDATE secrets SET tags = ?, updated_at = ? WHERE id = ?", string(b), ms(s.now()), sec.ID); err != nil {
			return err
		}
		return s.propagate(ctx, tx, sec)
	})
}

// Purge removes secrets whose recovery window has passed and returns how many.
func (s *Service) Purge(ctx context.Context) (int64, error) {
	var n int64
	err := s.DB.Tx(ctx, func(tx *store.Tx) error {
		var err error
		n, err = tx.Exec(ctx, "DELETE FROM secrets WHERE delete_after IS NOT NULL AND delete_after <= ?", ms(s.now()))
		return err
	})
	return n, err
}

// find resolves a secret by name, full ARN, or ARN without its random suffix, within the scope (account and region).
// A secret past its recovery window is treated as gone.
func (s *Service) find(ctx context.Context, tx *store.Tx, sc scope.Scope, id string, withVersions bool) (*Secret, error) {
	var (
		sec *Secret
		err error
	)
	switch {
	case strings.HasPrefix(id, "arn:"):
		sec, err = s.load(ctx, tx, "s.account_id = ? AND s.region = ? AND s.arn = ?", sc.Account, sc.Region, id)
		if errors.Is(err, ErrNotFound) {
			// A partial ARN names the secret without the six random characters.
			sec, err = s.load(ctx, tx, "s.account_id = ? AND s.region = ? AND substr(s.arn, 1, ?) = ? AND length(s.arn) = ?", sc.Account, sc.Region, len(id), id, len(id)+7)
		}
	default:
		sec, err = s.load(ctx, tx, "s.account_id = ? AND s.region = ? AND s.name = ?", sc.Account, sc.Region, id)
	}
	if err != nil {
		return nil, err
	}
	if sec.DeleteAfter != nil && !s.now().Before(*sec.DeleteAfter) {
		return nil, fmt.Errorf("%w: Secrets Manager can't find the specified secret.", ErrNotFound)
	}
	return sec, nil
}

func (s *Service) load(ctx context.Context, tx *store.Tx, where string, args ...any) (*Secret, error) {
	rows, err := tx.Query(ctx, `SELECT s.id, s.account_id, s.region, s.name, s.arn, s.description, s.kms_key_id, s.tags, s.created_at,
		s.updated_at, s.accessed_at, s.deleted_at, s.delete_after, s.data_key, v.version_id, v.stages, v.created_at, v.sealed
		FROM secrets s LEFT JOIN secret_versions v ON v.secret_id = s.id
		WHERE `+where+` ORDER BY v.created_at DESC, v.version_id`, args...)
	if err != nil {
		return nil, fmt.Errorf("read secret: %w", err)
	}
	defer rows.Close()
	var sec *Secret
	for rows.Next() {
		var (
			cur                          Secret
			tags                         string
			created, updated             int64
			accessed, deleted, deleteAft sql.NullInt64
			vid, stages, sealed          sql.NullString
			vat                          sql.NullInt64
		)
		if err := rows.Scan(&cur.ID, &cur.AccountID, &cur.Region, &cur.Name, &cur.ARN, &cur.Description, &cur.KmsKeyID, &tags, &created,
			&updated, &accessed, &deleted, &deleteAft, &cur.dataKey, &vid, &stages, &vat, &sealed); err != nil {
			return nil, fmt.Errorf("read secret: %w", err)
		}
		if sec == nil {
			sec = &cur
			_ = json.Unmarshal([]byte(tags), &sec.Tags)
			sec.CreatedAt, sec.UpdatedAt = fromMS(created), fromMS(updated)
			sec.AccessedAt, sec.DeletedAt, sec.DeleteAfter = nullTime(accessed), nullTime(deleted), nullTime(deleteAft)
			sec.sealed = map[string]string{}
		}
		if vid.Valid {
			v := Version{ID: vid.String, CreatedAt: fromMS(vat.Int64)}
			_ = json.Unmarshal([]byte(stages.String), &v.Stages)
			sec.Versions = append(sec.Versions, v)
			sec.sealed[v.ID] = sealed.String
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read secret: %w", err)
	}
	if sec == nil {
		return nil, fmt.Errorf("%w: Secrets Manager can't find the specified secret.", ErrNotFound)
	}
	rows.Close()
	if err := loadSettings(ctx, tx, sec); err != nil {
		return nil, err
	}
	return sec, nil
}

func (s *Service) dataKey(sec *Secret) ([]byte, error) {
	k, err := s.Master.Open(sec.dataKey, []byte("secret:"+sec.ID))
	if err != nil {
		return nil, fmt.Errorf("open data key of %s: %w", sec.Name, err)
	}
	return k, nil
}

func (s *Service) addVersion(ctx context.Context, tx *store.Tx, sec *Secret, dataKey []byte, versionID string, val Value, stages []string, now time.Time) error {
	// Labels move: a label given to the new version is taken from whichever version had it, and
	// the version losing AWSCURRENT becomes AWSPREVIOUS.
	for _, v := range sec.Versions {
		kept := slices.DeleteFunc(slices.Clone(v.Stages), func(st string) bool {
			return slices.Contains(stages, st) || (st == StagePrevious && slices.Contains(stages, StageCurrent))
		})
		if slices.Contains(v.Stages, StageCurrent) && slices.Contains(stages, StageCurrent) {
			kept = append(kept, StagePrevious)
		}
		if !slices.Equal(kept, v.Stages) {
			b, _ := json.Marshal(nonNil(kept))
			if _, err := tx.Exec(ctx, "UPDATE secret_versions SET stages = ? WHERE secret_id = ? AND version_id = ?", string(b), sec.ID, v.ID); err != nil {
				return fmt.Errorf("move staging labels: %w", err)
			}
		}
	}
	plain, _ := json.Marshal(val)
	sealer, err := NewSealer(dataKey)
	if err != nil {
		return err
	}
	st, _ := json.Marshal(stages)
	_, err = tx.Exec(ctx, "INSERT INTO secret_versions (secret_id, version_id, stages, sealed, created_at) VALUES (?, ?, ?, ?, ?)",
		sec.ID, versionID, string(st), sealer.Seal(plain, []byte(sec.ID+"/"+versionID)), ms(now))
	if err != nil {
		return fmt.Errorf("insert version: %w", err)
	}
	return nil
}

// openVersion decrypts a version of a secret loaded with its sealed values.
func (s *Service) openVersion(sec *Secret, versionID string) (Value, error) {
	dataKey, err := s.dataKey(sec)
	if err != nil {
		return Value{}, err
	}
	sealer, err := NewSealer(dataKey)
	if err != nil {
		return Value{}, err
	}
	plain, err := sealer.Open(sec.sealed[versionID], []byte(sec.ID+"/"+versionID))
	if err != nil {
		return Value{}, fmt.Errorf("open value of %s: %w", sec.Name, err)
	}
	var v Value
	if err := json.Unmarshal(plain, &v); err != nil {
		return Value{}, fmt.Errorf("decode value of %s: %w", sec.Name, ErrDecrypt)
	}
	return v, nil
}

func (s *Service) sameVersion(sec *Secret, versionID string, val Value) bool {
	got, err := s.openVersion(sec, versionID)
	if err != nil {
		return false
	}
	a, _ := json.Marshal(got)
	b, _ := json.Marshal(val)
	return string(a) == string(b)
}

// selectVersion finds the version named by id, by staging label, or both, with AWS's messages.
func selectVersion(sec *Secret, versionID, stage string) (*Version, error) {
	for i, v := range sec.Versions {
		if versionID != "" && v.ID != versionID {
			continue
		}
		if stage != "" && !slices.Contains(v.Stages, stage) {
			if versionID != "" {
				return nil, fmt.Errorf("%w: You provided a VersionStage that is not associated to the provided VersionId.", ErrNotFound)
			}
			continue
		}
		return &sec.Versions[i], nil
	}
	if versionID != "" {
		return nil, fmt.Errorf("%w: Secrets Manager can't find the specified secret value for VersionId: %s", ErrNotFound, versionID)
	}
	return nil, fmt.Errorf("%w: Secrets Manager can't find the specified secret value for staging label: %s", ErrNotFound, stage)
}

func (sec *Secret) hasVersion(id string) bool {
	return slices.ContainsFunc(sec.Versions, func(v Version) bool { return v.ID == id })
}

// tokenInUse is AWS's answer to a ClientRequestToken that names a version with another value.
func tokenInUse(token string, sec *Secret) error {
	return fmt.Errorf("%w: You can't use ClientRequestToken %s because that value is already in use for a version of secret %s.", ErrExists, token, sec.ARN)
}

func ms(t time.Time) int64     { return t.UnixMilli() }
func fromMS(v int64) time.Time { return time.UnixMilli(v).UTC() }
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func nullTime(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := fromMS(v.Int64)
	return &t
}

func randomID(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// randomSuffix is the six characters AWS appends to a secret's ARN.
func randomSuffix() string {
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// newVersionID is a UUIDv4, the form SDKs use for ClientRequestToken.
func newVersionID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
