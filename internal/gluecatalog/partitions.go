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

// partitionRow is a stored partition before decoding.
type partitionRow struct {
	key, doc string
	created  int64
}

// partitionsByKey reads the partitions with the given keys, in key order.
func (c Catalog) partitionsByKey(ctx context.Context, tx *store.Tx, sc Scope, ref tableRef, keys []string) ([]Partition, error) {
	rows, err := c.rowsByKey(ctx, tx, ref, keys)
	if err != nil {
		return nil, err
	}
	return decodePartitions(sc, ref, rows)
}

// rowsByKey reads the stored rows of the given keys, in key order. PostgreSQL gets the keys as
// one array parameter: a list of hundreds of parameters costs it more to plan than to run.
func (c Catalog) rowsByKey(ctx context.Context, tx *store.Tx, ref tableRef, keys []string) ([]partitionRow, error) {
	slices.Sort(keys)
	keys = slices.Compact(keys)
	if len(keys) == 0 {
		return nil, nil
	}
	if tx.Dialect() == store.Postgres {
		rows, err := tx.Query(ctx, `SELECT values_key, doc, creation_time FROM glue_partitions
			WHERE table_id = ? AND values_key = ANY(?::text[]) ORDER BY values_key`, ref.id, keys)
		if err != nil {
			return nil, fmt.Errorf("read partitions of %s.%s: %w", ref.db, ref.name, err)
		}
		return appendRows(nil, rows, ref)
	}
	var out []partitionRow
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
		if out, err = appendRows(out, rows, ref); err != nil {
			return nil, err
		}
		keys = keys[n:]
	}
	return out, nil
}

func appendRows(out []partitionRow, rows *sql.Rows, ref tableRef) ([]partitionRow, error) {
	defer rows.Close()
	for rows.Next() {
		var r partitionRow
		if err := rows.Scan(&r.key, &r.doc, &r.created); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read partitions of %s.%s: %w", ref.db, ref.name, err)
	}
	return out, nil
}

func decodePartitions(sc Scope, ref tableRef, rows []partitionRow) ([]Partition, error) {
	out := make([]Partition, 0, len(rows))
	for _, r := range rows {
		p := Partition{DatabaseName: ref.db, TableName: ref.name, CreationTime: epoch(r.created), CatalogId: sc.Account}
		if err := json.Unmarshal([]byte(r.doc), &p.PartitionInput); err != nil {
			return nil, fmt.Errorf("decode partition of %s.%s: %w", ref.db, ref.name, err)
		}
		values, err := ValuesFromKey(r.key, len(ref.keys))
		if err != nil {
			return nil, fmt.Errorf("decode partition of %s.%s: %w", ref.db, ref.name, err)
		}
		p.Values = values
		out = append(out, p)
	}
	return out, nil
}

// partitionsJSON writes each row as the wire JSON of its Partition without decoding the stored
// document: the output members, then the document's own (it never holds them).
func partitionsJSON(sc Scope, ref tableRef, rows []partitionRow) ([]json.RawMessage, error) {
	out := make([]json.RawMessage, 0, len(rows))
	head, err := json.Marshal(struct {
		DatabaseName, TableName, CatalogId string
	}{ref.db, ref.name, sc.Account})
	if err != nil {
		return nil, err
	}
	head = head[1 : len(head)-1] // the members, without braces
	for _, r := range rows {
		values, err := ValuesFromKey(r.key, len(ref.keys))
		if err != nil {
			return nil, fmt.Errorf("decode partition of %s.%s: %w", ref.db, ref.name, err)
		}
		vj, err := json.Marshal(values)
		if err != nil {
			return nil, err
		}
		created, _ := epoch(r.created).MarshalJSON()
		b := make([]byte, 0, len(head)+len(vj)+len(created)+len(r.doc)+32)
		b = append(b, `{"Values":`...)
		b = append(b, vj...)
		b = append(b, ',')
		b = append(b, head...)
		b = append(b, `,"CreationTime":`...)
		b = append(b, created...)
		if rest := strings.TrimSpace(r.doc); len(rest) > 2 {
			b = append(b, ',')
			b = append(b, rest[1:]...)
		} else {
			b = append(b, '}')
		}
		out = append(out, b)
	}
	return out, nil
}

// PartitionQuery selects a page of partitions.
type PartitionQuery struct {
	// After is the ValuesKey of the last partition of the previous page ("" = from the start).
	After string
	// Limit is the most partitions returned (at least 1).
	Limit int
	// Equal, when set, are values every partition returned has, by key position (from an
	// expression's equalities): a leading run of them narrows the key range scanned, the others
	// are checked by the store before Match is asked.
	Equal map[int]string
	// Match, when set, keeps only the partitions whose values it accepts. It is called on the
	// values alone, before a partition's document is read.
	Match func(values []string) bool
	// JSON asks for the page as wire JSON (PartitionPage.JSON) instead of decoded partitions:
	// the stored documents are not decoded, which is what makes a page of 1,000 cheap.
	JSON bool
}

// PartitionPage is a page of partitions; Next is the After of the following page, "" when
// there is none.
type PartitionPage struct {
	Partitions []Partition
	JSON       []json.RawMessage
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
	for i := range q.Equal {
		if i < 0 || i >= len(ref.keys) {
			return nil, invalid("Partition key position %d is out of range.", i)
		}
	}
	var (
		rows []partitionRow
		page = &PartitionPage{}
	)
	if q.Match == nil {
		where, args := partitionRange(ref, q)
		res, err := tx.Query(ctx, `SELECT values_key, doc, creation_time FROM glue_partitions WHERE `+where+
			` ORDER BY values_key LIMIT ?`, append(args, q.Limit+1)...)
		if err != nil {
			return nil, fmt.Errorf("list partitions of %s.%s: %w", ref.db, ref.name, err)
		}
		if rows, err = appendRows(nil, res, ref); err != nil {
			return nil, err
		}
		if len(rows) > q.Limit {
			rows = rows[:q.Limit]
			page.Next = rows[q.Limit-1].key
		}
	} else {
		keys, more, err := matchingKeys(ctx, tx, ref, q)
		if err != nil {
			return nil, err
		}
		if rows, err = c.rowsByKey(ctx, tx, ref, keys); err != nil {
			return nil, err
		}
		if more && len(keys) > 0 {
			page.Next = keys[len(keys)-1]
		}
	}
	if q.JSON {
		page.JSON, err = partitionsJSON(sc, ref, rows)
	} else {
		page.Partitions, err = decodePartitions(sc, ref, rows)
	}
	if err != nil {
		return nil, err
	}
	return page, nil
}

// partitionRange returns the WHERE clause of the keys a query may return: after q.After, in
// the range the leading Equal values fix, holding the other Equal values.
func partitionRange(ref tableRef, q PartitionQuery) (string, []any) {
	var prefix []string
	for i := range ref.keys {
		v, ok := q.Equal[i]
		if !ok {
			break
		}
		prefix = append(prefix, v)
	}
	// One lower bound, so that the engine seeks to it (given two, SQLite may pick the weaker).
	where, args := `table_id = ? AND values_key > ?`, []any{ref.id, q.After}
	if len(prefix) > 0 {
		lo, hi := prefixRange(prefix, len(prefix) == len(ref.keys))
		if q.After < lo {
			where, args = `table_id = ? AND values_key >= ?`, []any{ref.id, lo}
		}
		where += ` AND values_key < ?`
		args = append(args, hi)
	}
	// A value of a later key shows in the key between separators: LIKE finds the candidates in
	// the engine (a superset: SQLite's LIKE ignores ASCII case), Match decides.
	for i := len(prefix); i < len(ref.keys); i++ {
		v, ok := q.Equal[i]
		if !ok {
			continue
		}
		pat := "%" + string(rune(keySep)) + likeEscape(ValuesKey([]string{v}))
		if i < len(ref.keys)-1 {
			pat += string(rune(keySep)) + "%"
		}
		where += ` AND values_key LIKE ? ESCAPE '\'`
		args = append(args, pat)
	}
	return where, args
}

func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// keyChunk is how many candidate keys one statement of matchingKeys reads. Reading the range in
// chunks, each ordered and limited, keeps the engine on the primary key in order (without a
// limit PostgreSQL may sort a sequential scan of the whole table) and stops reading soon after
// the page is full.
const keyChunk = 2048

// matchingKeys scans the keys in range and keeps up to q.Limit that q.Match accepts; more says
// the scan stopped at the limit.
func matchingKeys(ctx context.Context, tx *store.Tx, ref tableRef, q PartitionQuery) (keys []string, more bool, err error) {
	for {
		where, args := partitionRange(ref, q)
		chunk, err := candidateKeys(ctx, tx, ref, where, args)
		if err != nil {
			return nil, false, err
		}
		for _, key := range chunk {
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
		if len(chunk) < keyChunk {
			return keys, false, nil
		}
		q.After = chunk[len(chunk)-1]
	}
}

// candidateKeys reads up to keyChunk keys of the range, in order.
func candidateKeys(ctx context.Context, tx *store.Tx, ref tableRef, where string, args []any) ([]string, error) {
	rows, err := tx.Query(ctx, `SELECT values_key FROM glue_partitions WHERE `+where+` ORDER BY values_key LIMIT ?`,
		append(args, keyChunk)...)
	if err != nil {
		return nil, fmt.Errorf("list partitions of %s.%s: %w", ref.db, ref.name, err)
	}
	defer rows.Close()
	keys := make([]string, 0, keyChunk)
	for rows.Next() {
		var key string
		if err := rows.Scan(&key); err != nil {
			return nil, err
		}
		keys = append(keys, key)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list partitions of %s.%s: %w", ref.db, ref.name, err)
	}
	return keys, nil
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
