package gluecatalog

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/surveyorhq/surveyor/internal/store"
)

// CreateTableOptions are what CreateTable takes besides the definition.
type CreateTableOptions struct {
	// CreatedBy is reported as the table's CreatedBy (a crawler's assumed-role ARN).
	CreatedBy string
	// PartitionIndexes are created with the table.
	PartitionIndexes []PartitionIndex
}

// CreateTable stores a new table in database db as version 0; its name is folded to lower case.
func (c Catalog) CreateTable(ctx context.Context, tx *store.Tx, sc Scope, db string, in TableInput, opts CreateTableOptions) error {
	dbID, err := c.databaseID(ctx, tx, sc, db)
	if err != nil {
		return err
	}
	in.Name = strings.ToLower(in.Name)
	if err := checkTable(in); err != nil {
		return err
	}
	doc, err := json.Marshal(in)
	if err != nil {
		return err
	}
	now := c.now().UnixMilli()
	var id int64
	err = tx.QueryRow(ctx, `INSERT INTO glue_tables (database_id, name, version_id, doc, created_by, create_time, update_time)
		VALUES (?, ?, 0, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id`,
		dbID, in.Name, string(doc), opts.CreatedBy, now, now).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return &AlreadyExistsError{Kind: "Table", Name: in.Name}
	}
	if err != nil {
		return fmt.Errorf("create table %s.%s: %w", db, in.Name, err)
	}
	ref := tableRef{id: id, db: strings.ToLower(db), name: in.Name, keys: in.PartitionKeys}
	for _, idx := range opts.PartitionIndexes {
		if err := c.createPartitionIndex(ctx, tx, ref, idx); err != nil {
			return err
		}
	}
	return nil
}

// checkTable refuses definitions the catalog could not serve: duplicate partition keys.
func checkTable(in TableInput) error {
	seen := map[string]bool{}
	for _, k := range in.PartitionKeys {
		n := strings.ToLower(k.Name)
		if seen[n] {
			return invalid("Partition key %s is given more than once.", k.Name)
		}
		seen[n] = true
	}
	return nil
}

// tableRef is what partition and version operations need of a table.
type tableRef struct {
	id       int64
	db, name string
	version  int64
	keys     []Column
}

// table finds table name of database db, with its partition keys.
func (c Catalog) table(ctx context.Context, tx *store.Tx, sc Scope, db, name string) (tableRef, *TableInput, error) {
	db, name = strings.ToLower(db), strings.ToLower(name)
	var (
		ref   = tableRef{db: db, name: name}
		dbID  sql.NullInt64
		tblID sql.NullInt64
		doc   sql.NullString
		ver   sql.NullInt64
	)
	err := tx.QueryRow(ctx, `SELECT d.id, t.id, t.doc, t.version_id FROM glue_databases d
		LEFT JOIN glue_tables t ON t.database_id = d.id AND t.name = ?
		WHERE d.account_id = ? AND d.region = ? AND d.name = ?`, name, sc.Account, sc.Region, db).Scan(&dbID, &tblID, &doc, &ver)
	if errors.Is(err, sql.ErrNoRows) {
		return ref, nil, &NotFoundError{Kind: "Database", Name: db}
	}
	if err != nil {
		return ref, nil, fmt.Errorf("find table %s.%s: %w", db, name, err)
	}
	if !tblID.Valid {
		return ref, nil, &NotFoundError{Kind: "Table", Name: name}
	}
	var in TableInput
	if err := json.Unmarshal([]byte(doc.String), &in); err != nil {
		return ref, nil, fmt.Errorf("decode table %s.%s: %w", db, name, err)
	}
	ref.id, ref.version, ref.keys = tblID.Int64, ver.Int64, in.PartitionKeys
	return ref, &in, nil
}

// GetTable returns table name of database db, at its current version.
func (c Catalog) GetTable(ctx context.Context, tx *store.Tx, sc Scope, db, name string) (*Table, error) {
	if _, err := c.databaseID(ctx, tx, sc, db); err != nil {
		return nil, err
	}
	row := tx.QueryRow(ctx, `SELECT t.doc, t.version_id, t.created_by, t.create_time, t.update_time, d.name
		FROM glue_tables t JOIN glue_databases d ON d.id = t.database_id
		WHERE d.account_id = ? AND d.region = ? AND d.name = ? AND t.name = ?`,
		sc.Account, sc.Region, strings.ToLower(db), strings.ToLower(name))
	t, err := scanTable(sc, row.Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, &NotFoundError{Kind: "Table", Name: strings.ToLower(name)}
	}
	return t, err
}

const tableColumns = `t.doc, t.version_id, t.created_by, t.create_time, t.update_time, d.name`

func scanTable(sc Scope, scan func(...any) error) (*Table, error) {
	var (
		doc, createdBy, db  string
		version             int64
		createTime, updTime int64
	)
	if err := scan(&doc, &version, &createdBy, &createTime, &updTime, &db); err != nil {
		return nil, err
	}
	return decodeTable(sc, db, doc, version, createdBy, createTime, updTime)
}

func decodeTable(sc Scope, db, doc string, version int64, createdBy string, createTime, updTime int64) (*Table, error) {
	t := &Table{DatabaseName: db, CreatedBy: createdBy, CreateTime: epoch(createTime), UpdateTime: epoch(updTime),
		CatalogId: sc.Account, VersionId: strconv.FormatInt(version, 10)}
	if err := json.Unmarshal([]byte(doc), &t.TableInput); err != nil {
		return nil, fmt.Errorf("decode table %s: %w", db, err)
	}
	if t.PartitionKeys == nil {
		t.PartitionKeys = []Column{}
	}
	return t, nil
}

// ListTables returns up to limit tables of database db whose names sort after after and that
// match accepts (nil accepts all), by name; more says whether others may follow.
func (c Catalog) ListTables(ctx context.Context, tx *store.Tx, sc Scope, db, after string, limit int, match func(name string) bool) (tables []Table, more bool, err error) {
	dbID, err := c.databaseID(ctx, tx, sc, db)
	if err != nil {
		return nil, false, err
	}
	rows, err := tx.Query(ctx, `SELECT t.name, `+tableColumns+` FROM glue_tables t JOIN glue_databases d ON d.id = t.database_id
		WHERE t.database_id = ? AND t.name > ? ORDER BY t.name`, dbID, after)
	if err != nil {
		return nil, false, fmt.Errorf("list tables of %s: %w", db, err)
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		t, err := scanTable(sc, func(dest ...any) error { return rows.Scan(append([]any{&name}, dest...)...) })
		if err != nil {
			return nil, false, err
		}
		if match != nil && !match(name) {
			continue
		}
		if len(tables) == limit {
			return tables, true, nil
		}
		tables = append(tables, *t)
	}
	if err := rows.Err(); err != nil {
		return nil, false, fmt.Errorf("list tables of %s: %w", db, err)
	}
	return tables, false, nil
}

// EachTable calls fn with every table of the scope, by database then table name; fn returning
// an error stops the walk with it.
func (c Catalog) EachTable(ctx context.Context, tx *store.Tx, sc Scope, fn func(t *Table) error) error {
	rows, err := tx.Query(ctx, `SELECT `+tableColumns+` FROM glue_tables t JOIN glue_databases d ON d.id = t.database_id
		WHERE d.account_id = ? AND d.region = ? ORDER BY d.name, t.name`, sc.Account, sc.Region)
	if err != nil {
		return fmt.Errorf("list tables: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		t, err := scanTable(sc, rows.Scan)
		if err != nil {
			return err
		}
		if err := fn(t); err != nil {
			return err
		}
	}
	return rows.Err()
}

// UpdateTableOptions are what UpdateTable takes besides the definition.
type UpdateTableOptions struct {
	// SkipArchive rewrites the current version instead of archiving it as a new one.
	SkipArchive bool
	// VersionID, when set, must be the table's current version (optimistic locking).
	VersionID string
}

// UpdateTable replaces the definition of table in.Name of database db. Unless SkipArchive, the
// new definition becomes a new version and the previous one stays readable.
func (c Catalog) UpdateTable(ctx context.Context, tx *store.Tx, sc Scope, db string, in TableInput, opts UpdateTableOptions) error {
	in.Name = strings.ToLower(in.Name)
	ref, _, err := c.table(ctx, tx, sc, db, in.Name)
	if err != nil {
		return err
	}
	if opts.VersionID != "" && opts.VersionID != strconv.FormatInt(ref.version, 10) {
		return &ConcurrentModificationError{Message: fmt.Sprintf(
			"Update table failed due to concurrent modifications: version %s is not the current version %d of table %s.", opts.VersionID, ref.version, ref.name)}
	}
	if err := checkTable(in); err != nil {
		return err
	}
	doc, err := json.Marshal(in)
	if err != nil {
		return err
	}
	version := ref.version
	if !opts.SkipArchive {
		if err := archive(ctx, tx, ref); err != nil {
			return err
		}
		version++
	}
	now := c.now().UnixMilli()
	if _, err := tx.Exec(ctx, `UPDATE glue_tables SET doc = ?, version_id = ?, update_time = ? WHERE id = ?`,
		string(doc), version, now, ref.id); err != nil {
		return fmt.Errorf("update table %s.%s: %w", ref.db, ref.name, err)
	}
	return nil
}

// archive keeps a table's current definition as an archived version, unless the table has
// reached MaxTableVersions (the current one included).
func archive(ctx context.Context, tx *store.Tx, ref tableRef) error {
	var archived int64
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM glue_table_versions WHERE table_id = ?`, ref.id).Scan(&archived); err != nil {
		return fmt.Errorf("count versions of %s.%s: %w", ref.db, ref.name, err)
	}
	if archived+1 >= MaxTableVersions {
		return &LimitExceededError{Message: fmt.Sprintf("Table %s has reached the limit of %d versions.", ref.name, MaxTableVersions)}
	}
	if _, err := tx.Exec(ctx, `INSERT INTO glue_table_versions (table_id, version_id, doc, update_time)
		SELECT id, version_id, doc, update_time FROM glue_tables WHERE id = ?`, ref.id); err != nil {
		return fmt.Errorf("archive version %d of %s.%s: %w", ref.version, ref.db, ref.name, err)
	}
	return nil
}

// DeleteTable deletes table name of database db with its versions, partitions and indexes.
func (c Catalog) DeleteTable(ctx context.Context, tx *store.Tx, sc Scope, db, name string) error {
	dbID, err := c.databaseID(ctx, tx, sc, db)
	if err != nil {
		return err
	}
	n, err := tx.Exec(ctx, `DELETE FROM glue_tables WHERE database_id = ? AND name = ?`, dbID, strings.ToLower(name))
	if err != nil {
		return fmt.Errorf("delete table %s.%s: %w", db, name, err)
	}
	if n == 0 {
		return &NotFoundError{Kind: "Table", Name: strings.ToLower(name)}
	}
	return nil
}

// GetTableVersion returns version versionID of a table ("" = the current one).
func (c Catalog) GetTableVersion(ctx context.Context, tx *store.Tx, sc Scope, db, table, versionID string) (*TableVersion, error) {
	ref, _, err := c.table(ctx, tx, sc, db, table)
	if err != nil {
		return nil, err
	}
	v := ref.version
	if versionID != "" {
		if v, err = parseVersion(versionID); err != nil {
			return nil, err
		}
	}
	rows, err := c.versions(ctx, tx, sc, ref, v+1, 1)
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 || rows[0].VersionId != strconv.FormatInt(v, 10) {
		return nil, &NotFoundError{Kind: "Table version", Name: versionID}
	}
	return &rows[0], nil
}

func parseVersion(s string) (int64, error) {
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v < 0 {
		return 0, &NotFoundError{Kind: "Table version", Name: s}
	}
	return v, nil
}

// ListTableVersions returns up to limit versions of a table older than before (-1: from the
// newest), newest first; more says whether older ones follow.
func (c Catalog) ListTableVersions(ctx context.Context, tx *store.Tx, sc Scope, db, table string, before int64, limit int) (versions []TableVersion, more bool, err error) {
	ref, _, err := c.table(ctx, tx, sc, db, table)
	if err != nil {
		return nil, false, err
	}
	if before < 0 {
		before = ref.version + 1
	}
	versions, err = c.versions(ctx, tx, sc, ref, before, limit+1)
	if err != nil {
		return nil, false, err
	}
	if len(versions) > limit {
		return versions[:limit], true, nil
	}
	return versions, false, nil
}

func (c Catalog) versions(ctx context.Context, tx *store.Tx, sc Scope, ref tableRef, before int64, limit int) ([]TableVersion, error) {
	// The current version is the table's row; glue_table_versions holds the archived ones.
	rows, err := tx.Query(ctx, `SELECT v.version_id, v.doc, v.update_time, t.created_by, t.create_time FROM (
			SELECT table_id, version_id, doc, update_time FROM glue_table_versions WHERE table_id = ? AND version_id < ?
			UNION ALL
			SELECT id, version_id, doc, update_time FROM glue_tables WHERE id = ? AND version_id < ?
		) v JOIN glue_tables t ON t.id = v.table_id ORDER BY v.version_id DESC LIMIT ?`, ref.id, before, ref.id, before, limit)
	if err != nil {
		return nil, fmt.Errorf("list versions of %s.%s: %w", ref.db, ref.name, err)
	}
	defer rows.Close()
	var out []TableVersion
	for rows.Next() {
		var (
			version, updTime, createTime int64
			doc, createdBy               string
		)
		if err := rows.Scan(&version, &doc, &updTime, &createdBy, &createTime); err != nil {
			return nil, err
		}
		t, err := decodeTable(sc, ref.db, doc, version, createdBy, createTime, updTime)
		if err != nil {
			return nil, err
		}
		out = append(out, TableVersion{Table: t, VersionId: t.VersionId})
	}
	return out, rows.Err()
}

// DeleteTableVersion deletes an archived version of a table; the current one cannot be.
func (c Catalog) DeleteTableVersion(ctx context.Context, tx *store.Tx, sc Scope, db, table, versionID string) error {
	ref, _, err := c.table(ctx, tx, sc, db, table)
	if err != nil {
		return err
	}
	v, err := parseVersion(versionID)
	if err != nil {
		return err
	}
	if v == ref.version {
		return invalid("Cannot delete the current version %s of table %s.", versionID, ref.name)
	}
	n, err := tx.Exec(ctx, `DELETE FROM glue_table_versions WHERE table_id = ? AND version_id = ?`, ref.id, v)
	if err != nil {
		return fmt.Errorf("delete version %d of %s.%s: %w", v, ref.db, ref.name, err)
	}
	if n == 0 {
		return &NotFoundError{Kind: "Table version", Name: versionID}
	}
	return nil
}
