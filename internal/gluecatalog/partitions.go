package gluecatalog

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/surveyorhq/surveyor/internal/store"
)

// ItemError is the failure of one item of a batch operation.
type ItemError struct {
	Values []string // the partition's values
	Err    error
}

// checkValues refuses values that do not name a partition of ref.
func checkValues(ref tableRef, values []string) error {
	if len(ref.keys) == 0 {
		return invalid("Table %s is not partitioned.", ref.name)
	}
	if len(values) != len(ref.keys) {
		return invalid("The number of partition keys do not match the number of partition values: table %s has %d partition keys, got %d values.",
			ref.name, len(ref.keys), len(values))
	}
	return nil
}

// partitionDoc is the stored document: the input without its values (the key holds them).
func partitionDoc(in PartitionInput) (string, error) {
	in.Values = nil
	b, err := json.Marshal(in)
	return string(b), err
}

// CreatePartition adds a partition to table of database db.
func (c Catalog) CreatePartition(ctx context.Context, tx *store.Tx, sc Scope, db, table string, in PartitionInput) error {
	ref, _, err := c.table(ctx, tx, sc, db, table)
	if err != nil {
		return err
	}
	return c.insertPartition(ctx, tx, ref, in)
}

// BatchCreatePartition adds partitions to a table; the ones that cannot be added (already
// there, wrong number of values) are returned, the others are added.
func (c Catalog) BatchCreatePartition(ctx context.Context, tx *store.Tx, sc Scope, db, table string, ins []PartitionInput) ([]ItemError, error) {
	ref, _, err := c.table(ctx, tx, sc, db, table)
	if err != nil {
		return nil, err
	}
	var failed []ItemError
	for _, in := range ins {
		if err := c.insertPartition(ctx, tx, ref, in); err != nil {
			if !isItemError(err) {
				return nil, err
			}
			failed = append(failed, ItemError{Values: in.Values, Err: err})
		}
	}
	return failed, nil
}

// isItemError reports errors that fail one item of a batch rather than the whole batch.
func isItemError(err error) bool {
	var (
		nf *NotFoundError
		ae *AlreadyExistsError
		ii *InvalidInputError
	)
	return errors.As(err, &nf) || errors.As(err, &ae) || errors.As(err, &ii)
}

func (c Catalog) insertPartition(ctx context.Context, tx *store.Tx, ref tableRef, in PartitionInput) error {
	if err := checkValues(ref, in.Values); err != nil {
		return err
	}
	doc, err := partitionDoc(in)
	if err != nil {
		return err
	}
	n, err := tx.Exec(ctx, `INSERT INTO glue_partitions (table_id, values_key, doc, creation_time) VALUES (?, ?, ?, ?)
		ON CONFLICT DO NOTHING`, ref.id, ValuesKey(in.Values), doc, c.now().UnixMilli())
	if err != nil {
		return fmt.Errorf("create partition of %s.%s: %w", ref.db, ref.name, err)
	}
	if n == 0 {
		return &AlreadyExistsError{Kind: "Partition"}
	}
	return nil
}

// GetPartition returns the partition of table with values.
func (c Catalog) GetPartition(ctx context.Context, tx *store.Tx, sc Scope, db, table string, values []string) (*Partition, error) {
	ref, _, err := c.table(ctx, tx, sc, db, table)
	if err != nil {
		return nil, err
	}
	if err := checkValues(ref, values); err != nil {
		return nil, err
	}
	parts, err := c.partitionsByKey(ctx, tx, sc, ref, []string{ValuesKey(values)})
	if err != nil {
		return nil, err
	}
	if len(parts) == 0 {
		return nil, &NotFoundError{Kind: "Partition"}
	}
	return &parts[0], nil
}

// BatchGetPartition returns the partitions of table with the given values that exist, in key
// order; missing ones are left out.
func (c Catalog) BatchGetPartition(ctx context.Context, tx *store.Tx, sc Scope, db, table string, values [][]string) ([]Partition, error) {
	ref, _, err := c.table(ctx, tx, sc, db, table)
	if err != nil {
		return nil, err
	}
	keys := make([]string, 0, len(values))
	for _, v := range values {
		if err := checkValues(ref, v); err != nil {
			return nil, err
		}
		keys = append(keys, ValuesKey(v))
	}
	return c.partitionsByKey(ctx, tx, sc, ref, keys)
}

// partitionsByKey reads the partitions with the given keys, in key order.
func (c Catalog) partitionsByKey(ctx context.Context, tx *store.Tx, sc Scope, ref tableRef, keys []string) ([]Partition, error) {
	slices.Sort(keys)
	keys = slices.Compact(keys)
	var out []Partition
	const chunk = 500
	for len(keys) > 0 {
		n := min(chunk, len(keys))
		args := make([]any, 0, n+1)
		args = append(args, ref.id)
		for _, k := range keys[:n] {
			args = append(args, k)
		}
		rows, err := tx.Query(ctx, `SELECT values_key, doc, creation_time FROM glue_partitions
			WHERE table_id = ? AND values_key IN (?`+strings.Repeat(", ?", n-1)+`) ORDER BY values_key`, args...)
		if err != nil {
			return nil, fmt.Errorf("read partitions of %s.%s: %w", ref.db, ref.name, err)
		}
		out, err = appendPartitions(out, rows, sc, ref)
		if err != nil {
			return nil, err
		}
		keys = keys[n:]
	}
	return out, nil
}

func appendPartitions(out []Partition, rows *sql.Rows, sc Scope, ref tableRef) ([]Partition, error) {
	defer rows.Close()
	for rows.Next() {
		var (
			key, doc string
			created  int64
		)
		if err := rows.Scan(&key, &doc, &created); err != nil {
			return nil, err
		}
		p, err := decodePartition(sc, ref, key, doc, created)
		if err != nil {
			return nil, err
		}
		out = append(out, *p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read partitions of %s.%s: %w", ref.db, ref.name, err)
	}
	return out, nil
}

func decodePartition(sc Scope, ref tableRef, key, doc string, created int64) (*Partition, error) {
	p := &Partition{DatabaseName: ref.db, TableName: ref.name, CreationTime: epoch(created), CatalogId: sc.Account}
	if err := json.Unmarshal([]byte(doc), &p.PartitionInput); err != nil {
		return nil, fmt.Errorf("decode partition of %s.%s: %w", ref.db, ref.name, err)
	}
	values, err := ValuesFromKey(key, len(ref.keys))
	if err != nil {
		return nil, fmt.Errorf("decode partition of %s.%s: %w", ref.db, ref.name, err)
	}
	p.Values = values
	return p, nil
}

// PartitionQuery selects a page of partitions.
type PartitionQuery struct {
	// After is the ValuesKey of the last partition of the previous page ("" = from the start).
	After string
	// Limit is the most partitions returned (at least 1).
	Limit int
	// Prefix, when set, are the values of the leading partition keys every partition returned
	// has: the scan is narrowed to them.
	Prefix []string
	// Match, when set, keeps only the partitions whose values it accepts. It is called on the
	// values alone, before a partition's document is read.
	Match func(values []string) bool
}

// PartitionPage is a page of partitions; Next is the After of the following page, "" when
// there is none.
type PartitionPage struct {
	Partitions []Partition
	Next       string
}

// ListPartitions returns a page of the partitions of a table, in key order. The keys are
// scanned first (an index range scan; Prefix narrows it) and Match filters them; only the
// partitions kept are then read whole.
func (c Catalog) ListPartitions(ctx context.Context, tx *store.Tx, sc Scope, db, table string, q PartitionQuery) (*PartitionPage, error) {
	ref, _, err := c.table(ctx, tx, sc, db, table)
	if err != nil {
		return nil, err
	}
	if q.Limit < 1 {
		q.Limit = 1
	}
	if len(ref.keys) == 0 {
		return &PartitionPage{}, nil
	}
	if len(q.Prefix) > len(ref.keys) {
		return nil, invalid("More partition values than partition keys.")
	}
	where, args := `table_id = ? AND values_key > ?`, []any{ref.id, q.After}
	if len(q.Prefix) > 0 {
		lo, hi := prefixRange(q.Prefix, len(q.Prefix) == len(ref.keys))
		where += ` AND values_key >= ? AND values_key < ?`
		args = append(args, lo, hi)
	}
	if q.Match == nil {
		rows, err := tx.Query(ctx, `SELECT values_key, doc, creation_time FROM glue_partitions WHERE `+where+
			` ORDER BY values_key LIMIT ?`, append(args, q.Limit+1)...)
		if err != nil {
			return nil, fmt.Errorf("list partitions of %s.%s: %w", ref.db, ref.name, err)
		}
		parts, err := appendPartitions(nil, rows, sc, ref)
		if err != nil {
			return nil, err
		}
		page := &PartitionPage{Partitions: parts}
		if len(parts) > q.Limit {
			page.Partitions = parts[:q.Limit]
			page.Next = ValuesKey(parts[q.Limit-1].Values)
		}
		return page, nil
	}
	keys, more, err := matchingKeys(ctx, tx, ref, where, args, q)
	if err != nil {
		return nil, err
	}
	parts, err := c.partitionsByKey(ctx, tx, sc, ref, keys)
	if err != nil {
		return nil, err
	}
	page := &PartitionPage{Partitions: parts}
	if more && len(keys) > 0 {
		page.Next = keys[len(keys)-1]
	}
	return page, nil
}

// matchingKeys scans the keys in range and keeps up to q.Limit that q.Match accepts; more says
// the scan stopped at the limit.
func matchingKeys(ctx context.Context, tx *store.Tx, ref tableRef, where string, args []any, q PartitionQuery) (keys []string, more bool, err error) {
	rows, err := tx.Query(ctx, `SELECT values_key FROM glue_partitions WHERE `+where+` ORDER BY values_key`, args...)
	if err != nil {
		return nil, false, fmt.Errorf("list partitions of %s.%s: %w", ref.db, ref.name, err)
	}
	defer rows.Close()
	for rows.Next() {
		var key string
		if err := rows.Scan(&key); err != nil {
			return nil, false, err
		}
		values, err := ValuesFromKey(key, len(ref.keys))
		if err != nil {
			return nil, false, fmt.Errorf("list partitions of %s.%s: %w", ref.db, ref.name, err)
		}
		if !q.Match(values) {
			continue
		}
		if len(keys) == q.Limit {
			return keys, true, nil
		}
		keys = append(keys, key)
	}
	if err := rows.Err(); err != nil {
		return nil, false, fmt.Errorf("list partitions of %s.%s: %w", ref.db, ref.name, err)
	}
	return keys, false, nil
}

// UpdatePartition replaces the partition of table with values by in; in.Values may move it to
// new values.
func (c Catalog) UpdatePartition(ctx context.Context, tx *store.Tx, sc Scope, db, table string, values []string, in PartitionInput) error {
	ref, _, err := c.table(ctx, tx, sc, db, table)
	if err != nil {
		return err
	}
	return c.updatePartition(ctx, tx, ref, values, in)
}

// PartitionUpdate is one entry of BatchUpdatePartition.
type PartitionUpdate struct {
	Values []string
	Input  PartitionInput
}

// BatchUpdatePartition updates several partitions of a table; the ones that cannot be updated
// are returned.
func (c Catalog) BatchUpdatePartition(ctx context.Context, tx *store.Tx, sc Scope, db, table string, updates []PartitionUpdate) ([]ItemError, error) {
	ref, _, err := c.table(ctx, tx, sc, db, table)
	if err != nil {
		return nil, err
	}
	var failed []ItemError
	for _, u := range updates {
		if err := c.updatePartition(ctx, tx, ref, u.Values, u.Input); err != nil {
			if !isItemError(err) {
				return nil, err
			}
			failed = append(failed, ItemError{Values: u.Values, Err: err})
		}
	}
	return failed, nil
}

func (c Catalog) updatePartition(ctx context.Context, tx *store.Tx, ref tableRef, values []string, in PartitionInput) error {
	if err := checkValues(ref, values); err != nil {
		return err
	}
	if in.Values == nil {
		in.Values = values
	}
	if err := checkValues(ref, in.Values); err != nil {
		return err
	}
	doc, err := partitionDoc(in)
	if err != nil {
		return err
	}
	oldKey, newKey := ValuesKey(values), ValuesKey(in.Values)
	if newKey != oldKey {
		var exists int
		err := tx.QueryRow(ctx, `SELECT 1 FROM glue_partitions WHERE table_id = ? AND values_key = ?`, ref.id, newKey).Scan(&exists)
		if err == nil {
			return &AlreadyExistsError{Kind: "Partition"}
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("update partition of %s.%s: %w", ref.db, ref.name, err)
		}
	}
	n, err := tx.Exec(ctx, `UPDATE glue_partitions SET values_key = ?, doc = ? WHERE table_id = ? AND values_key = ?`,
		newKey, doc, ref.id, oldKey)
	if err != nil {
		return fmt.Errorf("update partition of %s.%s: %w", ref.db, ref.name, err)
	}
	if n == 0 {
		return &NotFoundError{Kind: "Partition"}
	}
	return nil
}

// DeletePartition deletes the partition of table with values.
func (c Catalog) DeletePartition(ctx context.Context, tx *store.Tx, sc Scope, db, table string, values []string) error {
	ref, _, err := c.table(ctx, tx, sc, db, table)
	if err != nil {
		return err
	}
	return c.deletePartition(ctx, tx, ref, values)
}

// BatchDeletePartition deletes several partitions of a table; the ones that cannot be deleted
// are returned.
func (c Catalog) BatchDeletePartition(ctx context.Context, tx *store.Tx, sc Scope, db, table string, values [][]string) ([]ItemError, error) {
	ref, _, err := c.table(ctx, tx, sc, db, table)
	if err != nil {
		return nil, err
	}
	var failed []ItemError
	for _, v := range values {
		if err := c.deletePartition(ctx, tx, ref, v); err != nil {
			if !isItemError(err) {
				return nil, err
			}
			failed = append(failed, ItemError{Values: v, Err: err})
		}
	}
	return failed, nil
}

func (c Catalog) deletePartition(ctx context.Context, tx *store.Tx, ref tableRef, values []string) error {
	if err := checkValues(ref, values); err != nil {
		return err
	}
	n, err := tx.Exec(ctx, `DELETE FROM glue_partitions WHERE table_id = ? AND values_key = ?`, ref.id, ValuesKey(values))
	if err != nil {
		return fmt.Errorf("delete partition of %s.%s: %w", ref.db, ref.name, err)
	}
	if n == 0 {
		return &NotFoundError{Kind: "Partition"}
	}
	return nil
}

// PartitionKeys returns the partition keys of a table (for parsing expressions against them).
func (c Catalog) PartitionKeys(ctx context.Context, tx *store.Tx, sc Scope, db, table string) ([]Column, error) {
	ref, _, err := c.table(ctx, tx, sc, db, table)
	return ref.keys, err
}
