package gluecatalog

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/surveyorhq/surveyor/internal/store"
)

// CreatePartitionIndex adds an index over some partition keys of a table. Surveyor's partition
// storage is already ordered by key, so the index is recorded (and reported ACTIVE) for clients
// that manage indexes; it changes no result.
func (c Catalog) CreatePartitionIndex(ctx context.Context, tx *store.Tx, sc Scope, db, table string, idx PartitionIndex) error {
	ref, _, err := c.table(ctx, tx, sc, db, table)
	if err != nil {
		return err
	}
	return c.createPartitionIndex(ctx, tx, ref, idx)
}

func (c Catalog) createPartitionIndex(ctx context.Context, tx *store.Tx, ref tableRef, idx PartitionIndex) error {
	if len(idx.Keys) == 0 {
		return invalid("A partition index needs at least one key.")
	}
	for _, k := range idx.Keys {
		if !slices.ContainsFunc(ref.keys, func(c Column) bool { return strings.EqualFold(c.Name, k) }) {
			return invalid("Partition index %s: %s is not a partition key of table %s.", idx.IndexName, k, ref.name)
		}
	}
	var count int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM glue_partition_indexes WHERE table_id = ?`, ref.id).Scan(&count); err != nil {
		return fmt.Errorf("count partition indexes of %s.%s: %w", ref.db, ref.name, err)
	}
	if count >= MaxPartitionIndexes {
		return &LimitExceededError{Message: fmt.Sprintf("Table %s already has %d partition indexes, the most allowed.", ref.name, MaxPartitionIndexes)}
	}
	keys, _ := json.Marshal(idx.Keys)
	n, err := tx.Exec(ctx, `INSERT INTO glue_partition_indexes (table_id, name, keys, create_time) VALUES (?, ?, ?, ?)
		ON CONFLICT DO NOTHING`, ref.id, idx.IndexName, string(keys), c.now().UnixMilli())
	if err != nil {
		return fmt.Errorf("create partition index %s: %w", idx.IndexName, err)
	}
	if n == 0 {
		return &AlreadyExistsError{Kind: "Partition index", Name: idx.IndexName}
	}
	return nil
}

// GetPartitionIndexes returns the partition indexes of a table, by name.
func (c Catalog) GetPartitionIndexes(ctx context.Context, tx *store.Tx, sc Scope, db, table string) ([]PartitionIndexDescriptor, error) {
	ref, _, err := c.table(ctx, tx, sc, db, table)
	if err != nil {
		return nil, err
	}
	rows, err := tx.Query(ctx, `SELECT name, keys FROM glue_partition_indexes WHERE table_id = ? ORDER BY name`, ref.id)
	if err != nil {
		return nil, fmt.Errorf("list partition indexes of %s.%s: %w", ref.db, ref.name, err)
	}
	defer rows.Close()
	var out []PartitionIndexDescriptor
	for rows.Next() {
		var name, keysJSON string
		if err := rows.Scan(&name, &keysJSON); err != nil {
			return nil, err
		}
		var keys []string
		if err := json.Unmarshal([]byte(keysJSON), &keys); err != nil {
			return nil, fmt.Errorf("decode partition index %s: %w", name, err)
		}
		d := PartitionIndexDescriptor{IndexName: name, IndexStatus: "ACTIVE"}
		for _, k := range keys {
			typ := ""
			if i := slices.IndexFunc(ref.keys, func(c Column) bool { return strings.EqualFold(c.Name, k) }); i >= 0 {
				typ = ref.keys[i].Type
			}
			d.Keys = append(d.Keys, KeySchemaElement{Name: k, Type: typ})
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// DeletePartitionIndex deletes a partition index of a table.
func (c Catalog) DeletePartitionIndex(ctx context.Context, tx *store.Tx, sc Scope, db, table, name string) error {
	ref, _, err := c.table(ctx, tx, sc, db, table)
	if err != nil {
		return err
	}
	n, err := tx.Exec(ctx, `DELETE FROM glue_partition_indexes WHERE table_id = ? AND name = ?`, ref.id, name)
	if err != nil {
		return fmt.Errorf("delete partition index %s: %w", name, err)
	}
	if n == 0 {
		return &NotFoundError{Kind: "Partition index", Name: name}
	}
	return nil
}
