package catalog

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/surveyorhq/surveyor/internal/schema"
	"github.com/surveyorhq/surveyor/internal/store"
)

// The queries in this file serve people browsing the catalog (the web console): every list is
// one page of a bounded size, and every query is scoped to an account.

// AssetSummary is an asset without its document: what a list of assets shows.
type AssetSummary struct {
	ID        string
	SourceID  string
	Ref       schema.Ref
	Kind      schema.Kind
	Revision  int
	Missing   bool
	UpdatedAt time.Time
}

// AssetQuery selects a page of the assets of one source.
type AssetQuery struct {
	AccountID, SourceID string
	// Database and Namespace, when set, keep only the assets of that namespace.
	Database, Namespace string
	// WithMissing includes assets marked missing.
	WithMissing bool
	Offset      int
	// Limit is the page size; 0 means 100.
	Limit int
}

// ListAssets returns a page of the latest state of a source's assets, ordered by database,
// namespace and table, and how many assets match in all.
func (c *Catalog) ListAssets(ctx context.Context, tx *store.Tx, q AssetQuery) ([]AssetSummary, int, error) {
	where := `account_id = ? AND source_id = ?`
	args := []any{q.AccountID, q.SourceID}
	if q.Database != "" || q.Namespace != "" {
		where += ` AND database_name = ? AND namespace_name = ?`
		args = append(args, q.Database, q.Namespace)
	}
	if !q.WithMissing {
		where += ` AND missing = 0`
	}
	var total int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM assets WHERE `+where, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count assets of source %s: %w", q.SourceID, err)
	}
	limit := q.Limit
	if limit <= 0 {
		limit = 100
	}
	rows, err := tx.Query(ctx, `SELECT id, source_id, database_name, namespace_name, table_name, kind, revision, missing, updated_at
		FROM assets WHERE `+where+` ORDER BY database_name, namespace_name, table_name LIMIT ? OFFSET ?`,
		append(args, limit, max(q.Offset, 0))...)
	if err != nil {
		return nil, 0, fmt.Errorf("list assets of source %s: %w", q.SourceID, err)
	}
	out, err := collectSummaries(rows)
	if err != nil {
		return nil, 0, fmt.Errorf("list assets of source %s: %w", q.SourceID, err)
	}
	return out, total, nil
}

func collectSummaries(rows *sql.Rows) ([]AssetSummary, error) {
	defer rows.Close()
	var out []AssetSummary
	for rows.Next() {
		var (
			a       AssetSummary
			kind    string
			missing int
			upd     int64
		)
		if err := rows.Scan(&a.ID, &a.SourceID, &a.Ref.Database, &a.Ref.Namespace, &a.Ref.Table, &kind, &a.Revision, &missing, &upd); err != nil {
			return nil, err
		}
		a.Kind, a.Missing, a.UpdatedAt = schema.Kind(kind), missing != 0, time.UnixMilli(upd).UTC()
		out = append(out, a)
	}
	return out, rows.Err()
}

// NamespaceCount is one namespace of a source and how many present assets it holds.
type NamespaceCount struct {
	Database, Namespace string
	Assets              int
}

// Namespaces lists the namespaces of a source that hold assets not marked missing.
func (c *Catalog) Namespaces(ctx context.Context, tx *store.Tx, accountID, sourceID string) ([]NamespaceCount, error) {
	rows, err := tx.Query(ctx, `SELECT database_name, namespace_name, count(*) FROM assets
		WHERE account_id = ? AND source_id = ? AND missing = 0
		GROUP BY database_name, namespace_name ORDER BY database_name, namespace_name`, accountID, sourceID)
	if err != nil {
		return nil, fmt.Errorf("list namespaces of source %s: %w", sourceID, err)
	}
	defer rows.Close()
	var out []NamespaceCount
	for rows.Next() {
		var n NamespaceCount
		if err := rows.Scan(&n.Database, &n.Namespace, &n.Assets); err != nil {
			return nil, fmt.Errorf("list namespaces of source %s: %w", sourceID, err)
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// NamespaceAssets returns the latest revision of up to limit present assets of one namespace of
// a source, with their documents, ordered by table name, and how many there are in all.
func (c *Catalog) NamespaceAssets(ctx context.Context, tx *store.Tx, accountID, sourceID, database, namespace string, limit int) ([]Asset, int, error) {
	const where = `a.account_id = ? AND a.source_id = ? AND a.database_name = ? AND a.namespace_name = ? AND a.missing = 0`
	args := []any{accountID, sourceID, database, namespace}
	var total int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM assets a WHERE `+where, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count assets of %s.%s: %w", database, namespace, err)
	}
	rows, err := tx.Query(ctx, `SELECT `+assetColumns+` FROM assets a JOIN asset_revisions r ON r.asset_id = a.id AND r.revision = a.revision
		WHERE `+where+` ORDER BY a.table_name LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, 0, fmt.Errorf("read assets of %s.%s: %w", database, namespace, err)
	}
	out, err := collectAssets(rows)
	if err != nil {
		return nil, 0, fmt.Errorf("read assets of %s.%s: %w", database, namespace, err)
	}
	return out, total, nil
}

// FindAssets returns the IDs of the assets of a source with the given references (those it
// has; missing ones included), for linking one asset to others.
func (c *Catalog) FindAssets(ctx context.Context, tx *store.Tx, accountID, sourceID string, refs []schema.Ref) (map[schema.Ref]string, error) {
	out := map[schema.Ref]string{}
	for start := 0; start < len(refs); start += 200 {
		chunk := refs[start:min(start+200, len(refs))]
		var conds []string
		args := []any{accountID, sourceID}
		for _, r := range chunk {
			conds = append(conds, `(database_name = ? AND namespace_name = ? AND table_name = ?)`)
			args = append(args, r.Database, r.Namespace, r.Table)
		}
		rows, err := tx.Query(ctx, `SELECT id, database_name, namespace_name, table_name FROM assets
			WHERE account_id = ? AND source_id = ? AND (`+strings.Join(conds, " OR ")+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("find assets of source %s: %w", sourceID, err)
		}
		for rows.Next() {
			var (
				id string
				r  schema.Ref
			)
			if err := rows.Scan(&id, &r.Database, &r.Namespace, &r.Table); err != nil {
				rows.Close()
				return nil, fmt.Errorf("find assets of source %s: %w", sourceID, err)
			}
			out[r] = id
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("find assets of source %s: %w", sourceID, err)
		}
	}
	return out, nil
}

// BackLink is a foreign key of another asset that references an asset.
type BackLink struct {
	AssetID string
	Ref     schema.Ref
	FK      schema.ForeignKey
}

// ReferencedBy lists the foreign keys of a source's present assets that reference the table
// ref, ordered by referencing table: one indexed lookup of asset_references, then the
// referencing assets' documents for the keys' columns.
func (c *Catalog) ReferencedBy(ctx context.Context, tx *store.Tx, accountID, sourceID string, ref schema.Ref) ([]BackLink, error) {
	// Two steps, so that the index on the referenced table always drives, whatever the
	// store's statistics say.
	rows, err := tx.Query(ctx, `SELECT DISTINCT asset_id FROM asset_references WHERE ref_table = ? AND ref_namespace = ? AND ref_database = ?`,
		ref.Table, ref.Namespace, ref.Database)
	if err != nil {
		return nil, fmt.Errorf("find references to %s: %w", ref, err)
	}
	args := []any{accountID, sourceID}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, fmt.Errorf("find references to %s: %w", ref, err)
		}
		args = append(args, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find references to %s: %w", ref, err)
	}
	if len(args) == 2 {
		return nil, nil
	}
	var assets []Asset
	for start := 2; start < len(args); start += 500 {
		chunk := append(args[:2:2], args[start:min(start+500, len(args))]...)
		rows, err := tx.Query(ctx, `SELECT `+assetColumns+` FROM assets a JOIN asset_revisions r ON r.asset_id = a.id AND r.revision = a.revision
			WHERE a.account_id = ? AND a.source_id = ? AND a.missing = 0 AND a.id IN (`+placeholders(len(chunk)-2)+`)`, chunk...)
		if err != nil {
			return nil, fmt.Errorf("find references to %s: %w", ref, err)
		}
		page, err := collectAssets(rows)
		if err != nil {
			return nil, fmt.Errorf("find references to %s: %w", ref, err)
		}
		assets = append(assets, page...)
	}
	slices.SortFunc(assets, func(a, b Asset) int { return compareRefs(a.Ref, b.Ref) })
	var out []BackLink
	for _, a := range assets {
		for _, fk := range a.Table.ForeignKeys {
			if fkTargetOf(a.Ref, fk) == ref {
				out = append(out, BackLink{AssetID: a.ID, Ref: a.Ref, FK: fk})
			}
		}
	}
	return out, nil
}

// fkTargetOf is the table a foreign key of the table at from references.
func fkTargetOf(from schema.Ref, fk schema.ForeignKey) schema.Ref {
	db := fk.RefDatabase
	if db == "" {
		db = from.Database
	}
	return schema.Ref{Database: db, Namespace: fk.RefNamespace, Table: fk.RefTable}
}

// Change is an asset a run updated: the revision it wrote and the one before.
type Change struct {
	Seq      int
	AssetID  string
	Ref      schema.Ref
	Revision int
	Before   *schema.Table
	After    *schema.Table
}

// RunChanges pages through the assets a run updated (SUCCEEDED_UPDATED activities), in
// activity order after the cursor (0 first), with both revisions' documents; next is the cursor
// of the following page, 0 after the last. A limit of 0 or less means 50.
func (c *Catalog) RunChanges(ctx context.Context, tx *store.Tx, accountID, runID string, after, limit int) ([]Change, int, error) {
	if limit <= 0 {
		limit = 50
	}
	rows, err := tx.Query(ctx, `SELECT act.seq, a.id, a.database_name, a.namespace_name, a.table_name, r.revision, r.document, p.document
		FROM activities act
		JOIN assets a ON a.id = act.asset_id
		JOIN asset_revisions r ON r.asset_id = act.asset_id AND r.run_id = act.run_id
		JOIN asset_revisions p ON p.asset_id = act.asset_id AND p.revision = r.revision - 1
		WHERE act.run_id = ? AND act.status = ? AND a.account_id = ? AND act.seq > ?
		ORDER BY act.seq LIMIT ?`, runID, StatusUpdated, accountID, after, limit+1)
	if err != nil {
		return nil, 0, fmt.Errorf("read changes of run %s: %w", runID, err)
	}
	defer rows.Close()
	var out []Change
	for rows.Next() {
		var (
			ch           Change
			doc, prevDoc string
		)
		if err := rows.Scan(&ch.Seq, &ch.AssetID, &ch.Ref.Database, &ch.Ref.Namespace, &ch.Ref.Table, &ch.Revision, &doc, &prevDoc); err != nil {
			return nil, 0, fmt.Errorf("read changes of run %s: %w", runID, err)
		}
		ch.Before, ch.After = new(schema.Table), new(schema.Table)
		if err := json.Unmarshal([]byte(prevDoc), ch.Before); err != nil {
			return nil, 0, fmt.Errorf("decode revision %d of asset %s: %w", ch.Revision-1, ch.AssetID, err)
		}
		if err := json.Unmarshal([]byte(doc), ch.After); err != nil {
			return nil, 0, fmt.Errorf("decode revision %d of asset %s: %w", ch.Revision, ch.AssetID, err)
		}
		out = append(out, ch)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("read changes of run %s: %w", runID, err)
	}
	next := 0
	if len(out) > limit {
		out = out[:limit]
		next = out[limit-1].Seq
	}
	return out, next, nil
}

// Removal is an asset a run found gone: marked missing by that run.
type Removal struct {
	AssetID string
	Ref     schema.Ref
	Kind    schema.Kind
	// Revision is the asset's last revision when it was removed.
	Revision int
}

// RemovedByRun returns a page of the assets a run marked missing, ordered by reference, and how
// many it removed in all.
func (c *Catalog) RemovedByRun(ctx context.Context, tx *store.Tx, accountID, runID string, offset, limit int) ([]Removal, int, error) {
	if limit <= 0 {
		limit = 100
	}
	const from = ` FROM asset_removals x JOIN assets a ON a.id = x.asset_id WHERE x.run_id = ? AND a.account_id = ?`
	var total int
	if err := tx.QueryRow(ctx, `SELECT count(*)`+from, runID, accountID).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count assets removed by run %s: %w", runID, err)
	}
	rows, err := tx.Query(ctx, `SELECT a.id, a.database_name, a.namespace_name, a.table_name, a.kind, x.revision`+from+`
		ORDER BY a.database_name, a.namespace_name, a.table_name LIMIT ? OFFSET ?`, runID, accountID, limit, max(offset, 0))
	if err != nil {
		return nil, 0, fmt.Errorf("list assets removed by run %s: %w", runID, err)
	}
	defer rows.Close()
	var out []Removal
	for rows.Next() {
		var (
			r    Removal
			kind string
		)
		if err := rows.Scan(&r.AssetID, &r.Ref.Database, &r.Ref.Namespace, &r.Ref.Table, &kind, &r.Revision); err != nil {
			return nil, 0, fmt.Errorf("list assets removed by run %s: %w", runID, err)
		}
		r.Kind = schema.Kind(kind)
		out = append(out, r)
	}
	return out, total, rows.Err()
}

// Removals lists the runs that removed an asset, oldest first.
func (c *Catalog) Removals(ctx context.Context, tx *store.Tx, accountID, assetID string) ([]RemovalEvent, error) {
	rows, err := tx.Query(ctx, `SELECT x.run_id, x.revision, x.created_at FROM asset_removals x JOIN assets a ON a.id = x.asset_id
		WHERE a.account_id = ? AND x.asset_id = ? ORDER BY x.created_at, x.run_id`, accountID, assetID)
	if err != nil {
		return nil, fmt.Errorf("list removals of asset %s: %w", assetID, err)
	}
	defer rows.Close()
	var out []RemovalEvent
	for rows.Next() {
		var (
			e  RemovalEvent
			at int64
		)
		if err := rows.Scan(&e.RunID, &e.Revision, &at); err != nil {
			return nil, fmt.Errorf("list removals of asset %s: %w", assetID, err)
		}
		e.At = time.UnixMilli(at).UTC()
		out = append(out, e)
	}
	return out, rows.Err()
}

// RemovalEvent is one run that found an asset gone.
type RemovalEvent struct {
	RunID    string
	Revision int
	At       time.Time
}
