package gluecatalog

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/surveyorhq/surveyor/internal/store"
)

// createChunk is how many tables one INSERT of CreateTables writes: 6 parameters a row keeps a
// statement far below SQLite's and PostgreSQL's parameter limits.
const createChunk = 500

// CreateTables stores new tables in database db, each as CreateTable would (version 0, name
// folded to lower case, CreatedBy createdBy), with a few multi-row statements instead of
// several per table: what a crawl that finds thousands of tables writes. When a name is taken
// (or given twice) it returns the *AlreadyExistsError CreateTable would, and the caller's
// transaction must be rolled back.
func (c Catalog) CreateTables(ctx context.Context, tx *store.Tx, sc Scope, db string, ins []TableInput, createdBy string) error {
	if len(ins) == 0 {
		return nil
	}
	dbID, err := c.databaseID(ctx, tx, sc, db)
	if err != nil {
		return err
	}
	now := c.now().UnixMilli()
	for start := 0; start < len(ins); start += createChunk {
		chunk := ins[start:min(start+createChunk, len(ins))]
		if err := c.createChunk(ctx, tx, dbID, db, chunk, createdBy, now); err != nil {
			return err
		}
	}
	return nil
}

// createChunk inserts one chunk of tables.
func (c Catalog) createChunk(ctx context.Context, tx *store.Tx, dbID int64, db string, ins []TableInput, createdBy string, now int64) error {
	names := make([]string, len(ins))
	var q strings.Builder
	q.WriteString(`INSERT INTO glue_tables (database_id, name, version_id, doc, created_by, create_time, update_time) VALUES `)
	args := make([]any, 0, 6*len(ins))
	for i := range ins {
		in := ins[i]
		in.Name = strings.ToLower(in.Name)
		if err := checkTable(in); err != nil {
			return err
		}
		doc, err := json.Marshal(in)
		if err != nil {
			return err
		}
		names[i] = in.Name
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteString("(?, ?, 0, ?, ?, ?, ?)")
		args = append(args, dbID, in.Name, string(doc), createdBy, now, now)
	}
	q.WriteString(" ON CONFLICT DO NOTHING RETURNING name")
	inserted, err := insertedNames(ctx, tx, q.String(), args)
	if err != nil {
		return fmt.Errorf("create tables in %s: %w", db, err)
	}
	if len(inserted) != len(names) {
		return &AlreadyExistsError{Kind: "Table", Name: notInserted(names, inserted)}
	}
	return nil
}

// insertedNames runs an INSERT … RETURNING name and collects the names.
func insertedNames(ctx context.Context, tx *store.Tx, query string, args []any) (map[string]bool, error) {
	rows, err := tx.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	got := map[string]bool{}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		got[n] = true
	}
	return got, rows.Err()
}

// notInserted is the first name that an insert skipped: taken already, or given twice.
func notInserted(names []string, inserted map[string]bool) string {
	seen := map[string]bool{}
	for _, n := range names {
		if !inserted[n] || seen[n] {
			return n
		}
		seen[n] = true
	}
	return ""
}
