package appsync

import (
	"context"
	"fmt"
	"time"

	"github.com/surveyorhq/surveyor/internal/store"
)

// purgeBatch is how many expired introspections Purge lists at a time.
const purgeBatch = 100

// expired is an introspection past its retention.
type expired struct{ account, id string }

// Purge deletes, in every account, the introspections created more than Retention ago: the
// document, the introspection's run (runs have no delete API; the row is deleted here) and
// what the run put in the catalog (assets, revisions, activities). Each introspection goes in
// one transaction, which deletes nothing when another process purged it first. It returns how
// many introspections it deleted; the server calls it from its housekeeping loop.
func (f *Facade) Purge(ctx context.Context) (int, error) {
	cutoff := f.Now().Add(-f.retention()).UnixMilli()
	purged := 0
	for {
		batch, err := f.listExpired(ctx, cutoff)
		if err != nil {
			return purged, err
		}
		for _, e := range batch {
			deleted, err := f.purgeOne(ctx, e, cutoff)
			if err != nil {
				return purged, err
			}
			if deleted {
				purged++
			}
		}
		if len(batch) < purgeBatch {
			return purged, nil
		}
	}
}

// listExpired lists up to purgeBatch introspections created before cutoff (Unix milliseconds),
// oldest first.
func (f *Facade) listExpired(ctx context.Context, cutoff int64) ([]expired, error) {
	var out []expired
	err := f.DB.ReadTx(ctx, func(tx *store.Tx) error {
		rows, err := tx.Query(ctx, `SELECT account_id, id FROM resources
			WHERE service = ? AND type = ? AND created_at < ? ORDER BY created_at, account_id, id LIMIT ?`,
			Kind.Service, Kind.Type, cutoff, purgeBatch)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var e expired
			if err := rows.Scan(&e.account, &e.id); err != nil {
				return err
			}
			out = append(out, e)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("list introspections created before %s: %w", time.UnixMilli(cutoff).UTC().Format(time.RFC3339), err)
	}
	return out, nil
}

// purgeOne deletes one expired introspection and everything it owns; false when it was already
// gone.
func (f *Facade) purgeOne(ctx context.Context, e expired, cutoff int64) (bool, error) {
	deleted := false
	err := f.DB.Tx(ctx, func(tx *store.Tx) error {
		n, err := tx.Exec(ctx, `DELETE FROM resources WHERE account_id = ? AND service = ? AND type = ? AND id = ? AND created_at < ?`,
			e.account, Kind.Service, Kind.Type, e.id, cutoff)
		if err != nil || n == 0 {
			return err
		}
		if _, err := f.Catalog.DeleteSource(ctx, tx, e.account, e.id); err != nil {
			return err
		}
		// The introspection is its own source: its runs are those of the source.
		if _, err := tx.Exec(ctx, `DELETE FROM runs WHERE account_id = ? AND source_id = ?`, e.account, e.id); err != nil {
			return fmt.Errorf("delete runs: %w", err)
		}
		deleted = true
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("purge introspection %s: %w", e.id, err)
	}
	return deleted, nil
}
