// Package catalog keeps what runs discovered: assets, their revisions, and one activity per asset
// per run. Apply is the only way a snapshot enters the catalog.
//
// An asset is one table-like object of a source, named by its schema.Ref. Each revision stores the
// canonical JSON of the table's shape and its SHA-256 fingerprint; a run writes a new revision
// only when the fingerprint changes. The volatile facts of the latest discovery (schema.Meta) are
// kept on the asset and refreshed by every run. Apply never deletes: an asset that vanished is
// marked missing, and only after a complete run whose scope includes it. Only DeleteSource removes
// a source's assets, for sources gone for good (an expired AppSync introspection).
package catalog

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/surveyorhq/surveyor/internal/schema"
	"github.com/surveyorhq/surveyor/internal/store"
)

// ErrNotFound is returned for an asset or revision the account does not have.
var ErrNotFound = errors.New("catalog: not found")

// The statuses of an activity, named as DataZone names data source run activities.
const (
	StatusCreated   = "SUCCEEDED_CREATED"
	StatusUpdated   = "SUCCEEDED_UPDATED"
	StatusUnchanged = "UNCHANGED"
	StatusNoAccess  = "SKIPPED_NO_ACCESS"
	StatusFailed    = "FAILED"
)

// Catalog reads and writes the catalog tables of a store. The zero value is ready to use, with
// the wall clock and random asset IDs.
type Catalog struct {
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// NewID returns a new asset ID; 14 random lower-case letters and digits when nil.
	NewID func() string
	// BatchSize is how many assets Apply handles at a time; DefaultBatchSize when 0.
	BatchSize int
}

// Stats counts what one Apply did, asset by asset.
type Stats struct {
	Added     int `json:"added"`
	Updated   int `json:"updated"`
	Unchanged int `json:"unchanged"`
	Skipped   int `json:"skipped"`
	Failed    int `json:"failed"`
	// Missing counts assets this run newly marked missing. They have no activity (DataZone
	// activities have no status for them) and are not part of the five AWS statistics.
	Missing int `json:"missing,omitempty"`
}

// Asset is one revision of an asset: by default the latest.
type Asset struct {
	ID        string
	AccountID string
	SourceID  string
	Ref       schema.Ref
	Kind      schema.Kind
	// Revision numbers this revision (1 for the first) and LatestRevision the asset's newest.
	Revision       int
	LatestRevision int
	Fingerprint    string
	// Missing is true when a complete run over a scope including the asset no longer found it.
	Missing bool
	// RunID is the run that wrote this revision.
	RunID string
	// Table is the revision's document. Its Meta is the latest discovery's for the latest
	// revision, and what was discovered with the revision for older ones.
	Table *schema.Table
	// CreatedAt is when this revision was written, FirstRevisionAt when the asset was first
	// discovered, UpdatedAt when the asset last changed (new revision, missing set or cleared).
	CreatedAt       time.Time
	UpdatedAt       time.Time
	FirstRevisionAt time.Time
}

// Revision describes one revision of an asset, without its document.
type Revision struct {
	Revision    int
	Fingerprint string
	RunID       string
	Meta        schema.Meta
	CreatedAt   time.Time
}

// Activity is what one run did with one asset.
type Activity struct {
	RunID string
	// Seq orders the activities of a run, from 1.
	Seq int
	// AssetID is empty when the run created no asset (a new table it could not read).
	AssetID      string
	Ref          schema.Ref
	Status       string
	ErrorMessage string
	CreatedAt    time.Time
}

func (c *Catalog) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Catalog) newID() string {
	if c.NewID != nil {
		return c.NewID()
	}
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 14)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

const assetColumns = `a.id, a.account_id, a.source_id, a.database_name, a.namespace_name, a.table_name,
	a.revision, a.missing, a.meta, a.created_at, a.updated_at,
	r.revision, r.fingerprint, r.document, r.meta, r.run_id, r.created_at`

func scanAsset(s scanner) (*Asset, error) {
	var (
		a                   Asset
		missing             int
		assetMeta, revMeta  string
		doc                 string
		first, upd, revTime int64
	)
	if err := s.Scan(&a.ID, &a.AccountID, &a.SourceID, &a.Ref.Database, &a.Ref.Namespace, &a.Ref.Table,
		&a.LatestRevision, &missing, &assetMeta, &first, &upd,
		&a.Revision, &a.Fingerprint, &doc, &revMeta, &a.RunID, &revTime); err != nil {
		return nil, err
	}
	var t schema.Table
	if err := json.Unmarshal([]byte(doc), &t); err != nil {
		return nil, fmt.Errorf("decode revision %d of asset %s: %w", a.Revision, a.ID, err)
	}
	meta := revMeta
	if a.Revision == a.LatestRevision {
		meta = assetMeta
	}
	if err := json.Unmarshal([]byte(meta), &t.Meta); err != nil {
		return nil, fmt.Errorf("decode meta of asset %s: %w", a.ID, err)
	}
	a.Table = &t
	a.Kind = t.Kind
	a.Missing = missing != 0
	a.FirstRevisionAt = time.UnixMilli(first).UTC()
	a.UpdatedAt = time.UnixMilli(upd).UTC()
	a.CreatedAt = time.UnixMilli(revTime).UTC()
	return &a, nil
}

// GetAsset returns a revision of an asset of the account: the latest when revision is 0.
func (c *Catalog) GetAsset(ctx context.Context, tx *store.Tx, accountID, assetID string, revision int) (*Asset, error) {
	q := `SELECT ` + assetColumns + ` FROM assets a JOIN asset_revisions r ON r.asset_id = a.id
		WHERE a.account_id = ? AND a.id = ? AND `
	args := []any{accountID, assetID}
	if revision == 0 {
		q += `r.revision = a.revision`
	} else {
		q += `r.revision = ?`
		args = append(args, revision)
	}
	a, err := scanAsset(tx.QueryRow(ctx, q, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("asset %s revision %d: %w", assetID, revision, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("get asset %s: %w", assetID, err)
	}
	return a, nil
}

// ListRevisions lists the revisions of an asset of the account, oldest first.
func (c *Catalog) ListRevisions(ctx context.Context, tx *store.Tx, accountID, assetID string) ([]Revision, error) {
	rows, err := tx.Query(ctx, `SELECT r.revision, r.fingerprint, r.run_id, r.meta, r.created_at
		FROM asset_revisions r JOIN assets a ON a.id = r.asset_id
		WHERE a.account_id = ? AND a.id = ? ORDER BY r.revision`, accountID, assetID)
	if err != nil {
		return nil, fmt.Errorf("list revisions of asset %s: %w", assetID, err)
	}
	defer rows.Close()
	var out []Revision
	for rows.Next() {
		var (
			r    Revision
			meta string
			at   int64
		)
		if err := rows.Scan(&r.Revision, &r.Fingerprint, &r.RunID, &meta, &at); err != nil {
			return nil, fmt.Errorf("list revisions of asset %s: %w", assetID, err)
		}
		if err := json.Unmarshal([]byte(meta), &r.Meta); err != nil {
			return nil, fmt.Errorf("decode meta of revision %d of asset %s: %w", r.Revision, assetID, err)
		}
		r.CreatedAt = time.UnixMilli(at).UTC()
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list revisions of asset %s: %w", assetID, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("asset %s: %w", assetID, ErrNotFound)
	}
	return out, nil
}

// Search finds the latest revisions of the account's assets whose table name, column names,
// table comment or column comments contain text, ignoring case; empty text matches every asset.
// sourceIDs, when not empty, limits the search to those sources. Missing assets are included
// (with Missing set). Results are ordered by table name, then database and namespace; total is
// the number of matches before offset and limit.
func (c *Catalog) Search(ctx context.Context, tx *store.Tx, accountID, text string, sourceIDs []string, offset, limit int) ([]Asset, int, error) {
	where := `a.account_id = ? AND a.search_text LIKE ? ESCAPE '\'`
	args := []any{accountID, "%" + escapeLike(strings.ToLower(text)) + "%"}
	if len(sourceIDs) > 0 {
		where += ` AND a.source_id IN (` + placeholders(len(sourceIDs)) + `)`
		for _, id := range sourceIDs {
			args = append(args, id)
		}
	}
	var total int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM assets a WHERE `+where, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count search results: %w", err)
	}
	if limit <= 0 {
		limit = 50
	}
	if offset < 0 {
		offset = 0
	}
	if total == 0 || offset >= total {
		return nil, total, nil
	}
	rows, err := tx.Query(ctx, `SELECT `+assetColumns+` FROM assets a JOIN asset_revisions r ON r.asset_id = a.id AND r.revision = a.revision
		WHERE `+where+` ORDER BY a.table_name, a.database_name, a.namespace_name, a.id LIMIT ? OFFSET ?`,
		append(args, limit, offset)...)
	if err != nil {
		return nil, 0, fmt.Errorf("search assets: %w", err)
	}
	out, err := collectAssets(rows)
	if err != nil {
		return nil, 0, fmt.Errorf("search assets: %w", err)
	}
	return out, total, nil
}

// AssetsOfSource returns the latest revision of every asset of a source that is not missing,
// ordered by database, namespace and table: what the source holds now, for rendering.
func (c *Catalog) AssetsOfSource(ctx context.Context, tx *store.Tx, sourceID string) ([]Asset, error) {
	rows, err := tx.Query(ctx, `SELECT `+assetColumns+` FROM assets a JOIN asset_revisions r ON r.asset_id = a.id AND r.revision = a.revision
		WHERE a.source_id = ? AND a.missing = 0 ORDER BY a.database_name, a.namespace_name, a.table_name`, sourceID)
	if err != nil {
		return nil, fmt.Errorf("list assets of source %s: %w", sourceID, err)
	}
	out, err := collectAssets(rows)
	if err != nil {
		return nil, fmt.Errorf("list assets of source %s: %w", sourceID, err)
	}
	return out, nil
}

func collectAssets(rows *sql.Rows) ([]Asset, error) {
	defer rows.Close()
	var out []Asset
	for rows.Next() {
		a, err := scanAsset(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *a)
	}
	return out, rows.Err()
}

// ListActivities pages through the activities of a run in order: those with seq after the
// cursor (0 for the first page), optionally only those with the given status. next is the
// cursor of the following page, 0 when there is none. A limit of 0 or less means 100.
func (c *Catalog) ListActivities(ctx context.Context, tx *store.Tx, runID, status string, after, limit int) ([]Activity, int, error) {
	if limit <= 0 {
		limit = 100
	}
	q := `SELECT seq, asset_id, database_name, namespace_name, table_name, status, error_message, created_at
		FROM activities WHERE run_id = ? AND seq > ?`
	args := []any{runID, after}
	if status != "" {
		q += ` AND status = ?`
		args = append(args, status)
	}
	q += ` ORDER BY seq LIMIT ?`
	args = append(args, limit+1)
	rows, err := tx.Query(ctx, q, args...)
	if err != nil {
		return nil, 0, fmt.Errorf("list activities of run %s: %w", runID, err)
	}
	defer rows.Close()
	var out []Activity
	for rows.Next() {
		var (
			a               Activity
			assetID, errMsg sql.NullString
			at              int64
		)
		if err := rows.Scan(&a.Seq, &assetID, &a.Ref.Database, &a.Ref.Namespace, &a.Ref.Table, &a.Status, &errMsg, &at); err != nil {
			return nil, 0, fmt.Errorf("list activities of run %s: %w", runID, err)
		}
		a.RunID, a.AssetID, a.ErrorMessage = runID, assetID.String, errMsg.String
		a.CreatedAt = time.UnixMilli(at).UTC()
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("list activities of run %s: %w", runID, err)
	}
	next := 0
	if len(out) > limit {
		out = out[:limit]
		next = out[limit-1].Seq
	}
	return out, next, nil
}

// escapeLike escapes the LIKE wildcards of s with a backslash.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}
