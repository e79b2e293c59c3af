package gluecatalog

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/surveyorhq/surveyor/internal/awsapi"
	"github.com/surveyorhq/surveyor/internal/store"
)

// CreateDatabase stores a new database; its name is folded to lower case.
func (c Catalog) CreateDatabase(ctx context.Context, tx *store.Tx, sc Scope, in DatabaseInput) error {
	in.Name = strings.ToLower(in.Name)
	doc, err := json.Marshal(in)
	if err != nil {
		return err
	}
	n, err := tx.Exec(ctx, `INSERT INTO glue_databases (account_id, region, name, doc, create_time)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`, sc.Account, sc.Region, in.Name, string(doc), c.now().UnixMilli())
	if err != nil {
		return fmt.Errorf("create database %s: %w", in.Name, err)
	}
	if n == 0 {
		return &AlreadyExistsError{Kind: "Database", Name: in.Name}
	}
	return nil
}

// GetDatabase returns the database called name.
func (c Catalog) GetDatabase(ctx context.Context, tx *store.Tx, sc Scope, name string) (*Database, error) {
	row := tx.QueryRow(ctx, `SELECT doc, create_time FROM glue_databases WHERE account_id = ? AND region = ? AND name = ?`,
		sc.Account, sc.Region, strings.ToLower(name))
	d, err := scanDatabase(sc, row.Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, &NotFoundError{Kind: "Database", Name: strings.ToLower(name)}
	}
	return d, err
}

// ListDatabases returns up to limit databases whose names sort after after, by name; more says
// whether others follow.
func (c Catalog) ListDatabases(ctx context.Context, tx *store.Tx, sc Scope, after string, limit int) (dbs []Database, more bool, err error) {
	rows, err := tx.Query(ctx, `SELECT doc, create_time FROM glue_databases WHERE account_id = ? AND region = ? AND name > ?
		ORDER BY name LIMIT ?`, sc.Account, sc.Region, after, limit+1)
	if err != nil {
		return nil, false, fmt.Errorf("list databases: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		d, err := scanDatabase(sc, rows.Scan)
		if err != nil {
			return nil, false, err
		}
		dbs = append(dbs, *d)
	}
	if err := rows.Err(); err != nil {
		return nil, false, fmt.Errorf("list databases: %w", err)
	}
	if len(dbs) > limit {
		return dbs[:limit], true, nil
	}
	return dbs, false, nil
}

func scanDatabase(sc Scope, scan func(...any) error) (*Database, error) {
	var doc string
	var created int64
	if err := scan(&doc, &created); err != nil {
		return nil, err
	}
	d := &Database{CreateTime: epoch(created), CatalogId: sc.Account}
	if err := json.Unmarshal([]byte(doc), &d.DatabaseInput); err != nil {
		return nil, fmt.Errorf("decode database: %w", err)
	}
	if d.CreateTableDefaultPermissions == nil {
		d.CreateTableDefaultPermissions = defaultPermissions()
	}
	return d, nil
}

// defaultPermissions is what Glue reports for a database created without Lake Formation
// settings.
func defaultPermissions() []PrincipalPermissions {
	return []PrincipalPermissions{{
		Principal:   &DataLakePrincipal{DataLakePrincipalIdentifier: "IAM_ALLOWED_PRINCIPALS"},
		Permissions: []string{"ALL"},
	}}
}

// UpdateDatabase replaces the definition of database name with in; a different in.Name renames
// it (its tables, partitions and tags follow).
func (c Catalog) UpdateDatabase(ctx context.Context, tx *store.Tx, sc Scope, name string, in DatabaseInput) error {
	name, in.Name = strings.ToLower(name), strings.ToLower(in.Name)
	doc, err := json.Marshal(in)
	if err != nil {
		return err
	}
	id, err := c.databaseID(ctx, tx, sc, name)
	if err != nil {
		return err
	}
	if in.Name != name {
		if _, err := c.databaseID(ctx, tx, sc, in.Name); err == nil {
			return &AlreadyExistsError{Kind: "Database", Name: in.Name}
		}
	}
	if _, err := tx.Exec(ctx, `UPDATE glue_databases SET name = ?, doc = ? WHERE id = ?`, in.Name, string(doc), id); err != nil {
		return fmt.Errorf("update database %s: %w", name, err)
	}
	if in.Name != name {
		return c.renameTags(ctx, tx, sc, "database/"+name, "database/"+in.Name)
	}
	return nil
}

// DeleteDatabase deletes database name with its tables, versions, partitions, indexes and tags.
func (c Catalog) DeleteDatabase(ctx context.Context, tx *store.Tx, sc Scope, name string) error {
	name = strings.ToLower(name)
	n, err := tx.Exec(ctx, `DELETE FROM glue_databases WHERE account_id = ? AND region = ? AND name = ?`, sc.Account, sc.Region, name)
	if err != nil {
		return fmt.Errorf("delete database %s: %w", name, err)
	}
	if n == 0 {
		return &NotFoundError{Kind: "Database", Name: name}
	}
	return c.DeleteTags(ctx, tx, sc, "database/"+name)
}

// databaseID returns the row id of database name.
func (c Catalog) databaseID(ctx context.Context, tx *store.Tx, sc Scope, name string) (int64, error) {
	var id int64
	err := tx.QueryRow(ctx, `SELECT id FROM glue_databases WHERE account_id = ? AND region = ? AND name = ?`,
		sc.Account, sc.Region, strings.ToLower(name)).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, &NotFoundError{Kind: "Database", Name: strings.ToLower(name)}
	}
	if err != nil {
		return 0, fmt.Errorf("find database %s: %w", name, err)
	}
	return id, nil
}

// epoch turns Unix milliseconds into a wire timestamp.
func epoch(ms int64) *awsapi.EpochSeconds {
	t := awsapi.EpochSeconds(time.UnixMilli(ms).UTC())
	return &t
}
