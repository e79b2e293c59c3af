package catalog

import (
	"context"
	"fmt"

	"github.com/surveyorhq/surveyor/internal/schema"
	"github.com/surveyorhq/surveyor/internal/store"
)

// referenceRows are the asset_references rows of a table's foreign keys: asset, key name, and
// the referenced database, namespace and table.
func referenceRows(assetID string, ref schema.Ref, t *schema.Table) [][]any {
	var out [][]any
	for _, fk := range t.ForeignKeys {
		db := fk.RefDatabase
		if db == "" {
			db = ref.Database
		}
		out = append(out, []any{assetID, fk.Name, db, fk.RefNamespace, fk.RefTable})
	}
	return out
}

// writeReferences replaces the asset_references rows of the assets that got a new revision.
func writeReferences(ctx context.Context, tx *store.Tx, assetIDs []any, rows [][]any) error {
	for start := 0; start < len(assetIDs); start += maxParams {
		chunk := assetIDs[start:min(start+maxParams, len(assetIDs))]
		if _, err := tx.Exec(ctx, `DELETE FROM asset_references WHERE asset_id IN (`+placeholders(len(chunk))+`)`, chunk...); err != nil {
			return fmt.Errorf("clear references: %w", err)
		}
	}
	return insertRows(ctx, tx, `INSERT INTO asset_references (asset_id, fk_name, ref_database, ref_namespace, ref_table) VALUES `, rows, "")
}
