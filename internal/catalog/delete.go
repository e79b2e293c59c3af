package catalog

import (
	"context"
	"fmt"

	"github.com/surveyorhq/surveyor/internal/store"
)

// DeleteSource removes everything the catalog holds for a source of the account, inside the
// caller's transaction: its assets, their revisions, references and removals, and the activities of the source's runs
// (an activity is always written by a run of the asset's source, so this covers those without
// an asset too). It returns how many assets it deleted. It is for sources that are gone for good
// (an expired AppSync introspection); the catalog itself never deletes anything. The runs are
// left to the caller, who deletes them after this call: the activities are found through them.
func (c *Catalog) DeleteSource(ctx context.Context, tx *store.Tx, accountID, sourceID string) (int, error) {
	const assetsOf = `SELECT id FROM assets WHERE account_id = ? AND source_id = ?`
	if _, err := tx.Exec(ctx, `DELETE FROM activities WHERE run_id IN (SELECT id FROM runs WHERE account_id = ? AND source_id = ?)`,
		accountID, sourceID); err != nil {
		return 0, fmt.Errorf("delete activities of source %s: %w", sourceID, err)
	}
	if _, err := tx.Exec(ctx, `DELETE FROM asset_references WHERE asset_id IN (`+assetsOf+`)`, accountID, sourceID); err != nil {
		return 0, fmt.Errorf("delete references of source %s: %w", sourceID, err)
	}
	if _, err := tx.Exec(ctx, `DELETE FROM asset_removals WHERE asset_id IN (`+assetsOf+`)`, accountID, sourceID); err != nil {
		return 0, fmt.Errorf("delete removals of source %s: %w", sourceID, err)
	}
	if _, err := tx.Exec(ctx, `DELETE FROM asset_revisions WHERE asset_id IN (`+assetsOf+`)`, accountID, sourceID); err != nil {
		return 0, fmt.Errorf("delete revisions of source %s: %w", sourceID, err)
	}
	n, err := tx.Exec(ctx, `DELETE FROM assets WHERE account_id = ? AND source_id = ?`, accountID, sourceID)
	if err != nil {
		return 0, fmt.Errorf("delete assets of source %s: %w", sourceID, err)
	}
	return int(n), nil
}
