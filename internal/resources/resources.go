// Package resources keeps the AWS façades' own objects — DataZone domains, projects and data
// sources, AppIntegrations data integrations, DMS endpoints and instances, AppSync
// introspections — as JSON documents in the store, one row per object, scoped to an account and region (scope.Scope): a record of another
// account or region is not found.
// Each façade defines its document types; this package stores them, finds them by id, name or
// parent, and pages through them.
package resources

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/surveyorhq/surveyor/internal/scope"
	"github.com/surveyorhq/surveyor/internal/store"
)

// ErrNotFound is returned for an id or name that does not exist in the account and region.
var ErrNotFound = errors.New("resource not found")

// ErrExists is returned by Insert when the id is taken.
var ErrExists = errors.New("resource already exists")

// ErrNameTaken is returned by Insert and Update when a record with UniqueName (or
// UniqueNameInParent) would share its name with another such record of the same scope and kind
// (and parent).
var ErrNameTaken = errors.New("resource name already taken")

// Kind names one type of resource of one service, e.g. {"datazone", "data-source"}.
type Kind struct {
	Service string
	Type    string
}

// Record is one stored resource.
type Record struct {
	ID   string
	Name string
	// UniqueName asks the store to refuse a second record of the scope and kind with this name
	// (also marked unique): the guarantee holds across processes sharing a store.
	UniqueName bool
	// UniqueNameInParent asks the same among the records of the scope and kind with the same
	// ParentID (DataZone project and data source names are unique in their domain).
	UniqueNameInParent bool
	ParentID           string
	Doc                json.RawMessage
	CreatedAt          time.Time
	UpdatedAt          time.Time
}

// Decode unmarshals the record's document into v.
func (r Record) Decode(v any) error {
	if err := json.Unmarshal(r.Doc, v); err != nil {
		return fmt.Errorf("decode resource %s: %w", r.ID, err)
	}
	return nil
}

// Insert stores a new resource; the id must be unused in the scope.
func Insert(ctx context.Context, tx *store.Tx, sc scope.Scope, k Kind, r Record, doc any) error {
	b, err := json.Marshal(doc)
	if err != nil {
		return fmt.Errorf("encode %s %s: %w", k.Type, r.ID, err)
	}
	// unique_name: 1 unique in the kind (index resources_unique_name), 2 unique in the parent
	// (resources_unique_name_in_parent).
	unique := 0
	switch {
	case r.UniqueName:
		unique = 1
	case r.UniqueNameInParent:
		unique = 2
	}
	_, err = tx.Exec(ctx, `INSERT INTO resources (account_id, region, service, type, id, name, parent_id, doc, created_at, updated_at, unique_name)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, sc.Account, sc.Region, k.Service, k.Type, r.ID, r.Name, r.ParentID, string(b),
		r.CreatedAt.UnixMilli(), r.CreatedAt.UnixMilli(), unique)
	if store.IsUniqueViolation(err) {
		if nameViolation(err) {
			return fmt.Errorf("%s %q: %w", k.Type, r.Name, ErrNameTaken)
		}
		return fmt.Errorf("%s %s: %w", k.Type, r.ID, ErrExists)
	}
	if err != nil {
		return fmt.Errorf("insert %s %s: %w", k.Type, r.ID, err)
	}
	return nil
}

// Update replaces a resource's name and document.
func Update(ctx context.Context, tx *store.Tx, sc scope.Scope, k Kind, id, name string, doc any, now time.Time) error {
	b, err := json.Marshal(doc)
	if err != nil {
		return fmt.Errorf("encode %s %s: %w", k.Type, id, err)
	}
	n, err := tx.Exec(ctx, `UPDATE resources SET name = ?, doc = ?, updated_at = ?
		WHERE account_id = ? AND region = ? AND service = ? AND type = ? AND id = ?`, name, string(b), now.UnixMilli(), sc.Account, sc.Region, k.Service, k.Type, id)
	if store.IsUniqueViolation(err) && nameViolation(err) {
		return fmt.Errorf("%s %q: %w", k.Type, name, ErrNameTaken)
	}
	if err != nil {
		return fmt.Errorf("update %s %s: %w", k.Type, id, err)
	}
	if n == 0 {
		return fmt.Errorf("%s %s: %w", k.Type, id, ErrNotFound)
	}
	return nil
}

// nameViolation tells a clash on resources_unique_name (or resources_unique_name_in_parent)
// from one on the primary key. PostgreSQL names the index; SQLite lists the index's columns, the
// last of which is name.
func nameViolation(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "resources_unique_name") || strings.Contains(msg, "resources.name")
}

// Delete removes a resource.
func Delete(ctx context.Context, tx *store.Tx, sc scope.Scope, k Kind, id string) error {
	n, err := tx.Exec(ctx, "DELETE FROM resources WHERE account_id = ? AND region = ? AND service = ? AND type = ? AND id = ?", sc.Account, sc.Region, k.Service, k.Type, id)
	if err != nil {
		return fmt.Errorf("delete %s %s: %w", k.Type, id, err)
	}
	if n == 0 {
		return fmt.Errorf("%s %s: %w", k.Type, id, ErrNotFound)
	}
	return nil
}

// Get reads a resource by id.
func Get(ctx context.Context, tx *store.Tx, sc scope.Scope, k Kind, id string) (Record, error) {
	return one(ctx, tx, k, "account_id = ? AND region = ? AND service = ? AND type = ? AND id = ?", sc.Account, sc.Region, k.Service, k.Type, id)
}

// GetByName reads the resource with a name (the oldest if several share it).
func GetByName(ctx context.Context, tx *store.Tx, sc scope.Scope, k Kind, name string) (Record, error) {
	return one(ctx, tx, k, "account_id = ? AND region = ? AND service = ? AND type = ? AND name = ? ORDER BY created_at, id LIMIT 1", sc.Account, sc.Region, k.Service, k.Type, name)
}

func one(ctx context.Context, tx *store.Tx, k Kind, where string, args ...any) (Record, error) {
	var (
		r                Record
		doc              string
		created, updated int64
	)
	err := tx.QueryRow(ctx, "SELECT id, name, parent_id, doc, created_at, updated_at FROM resources WHERE "+where, args...).
		Scan(&r.ID, &r.Name, &r.ParentID, &doc, &created, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return r, fmt.Errorf("%s: %w", k.Type, ErrNotFound)
	}
	if err != nil {
		return r, fmt.Errorf("read %s: %w", k.Type, err)
	}
	r.Doc, r.CreatedAt, r.UpdatedAt = json.RawMessage(doc), time.UnixMilli(created).UTC(), time.UnixMilli(updated).UTC()
	return r, nil
}

// ListQuery selects resources of one kind: all of the scope, or those of one parent, in
// creation order, starting after the cursor After (the last id of the previous page).
type ListQuery struct {
	ParentID *string
	After    string
	Limit    int
}

// List returns a page of resources and whether more follow.
func List(ctx context.Context, tx *store.Tx, sc scope.Scope, k Kind, q ListQuery) ([]Record, bool, error) {
	if q.Limit <= 0 {
		q.Limit = 100
	}
	where := "account_id = ? AND region = ? AND service = ? AND type = ?"
	args := []any{sc.Account, sc.Region, k.Service, k.Type}
	if q.ParentID != nil {
		where += " AND parent_id = ?"
		args = append(args, *q.ParentID)
	}
	if q.After != "" {
		// Keyset paging on (created_at, id), anchored at the cursor's row.
		where += ` AND (created_at, id) > (SELECT created_at, id FROM resources WHERE account_id = ? AND region = ? AND service = ? AND type = ? AND id = ?)`
		args = append(args, sc.Account, sc.Region, k.Service, k.Type, q.After)
	}
	args = append(args, q.Limit+1)
	rows, err := tx.Query(ctx, "SELECT id, name, parent_id, doc, created_at, updated_at FROM resources WHERE "+where+" ORDER BY created_at, id LIMIT ?", args...)
	if err != nil {
		return nil, false, fmt.Errorf("list %s: %w", k.Type, err)
	}
	defer rows.Close()
	var out []Record
	for rows.Next() {
		var (
			r                Record
			doc              string
			created, updated int64
		)
		if err := rows.Scan(&r.ID, &r.Name, &r.ParentID, &doc, &created, &updated); err != nil {
			return nil, false, err
		}
		r.Doc, r.CreatedAt, r.UpdatedAt = json.RawMessage(doc), time.UnixMilli(created).UTC(), time.UnixMilli(updated).UTC()
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, false, err
	}
	more := len(out) > q.Limit
	if more {
		out = out[:q.Limit]
	}
	return out, more, nil
}
