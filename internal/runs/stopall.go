package runs

import (
	"context"
	"fmt"

	"github.com/surveyorhq/surveyor/internal/scope"
	"github.com/surveyorhq/surveyor/internal/store"
)

// StopAll asks every active run of every account to stop, as RequestCancel does for one (a dev
// reset uses it), and returns the ids of those that were RUNNING: their workers still have to
// notice (Workers.Cancel stops the ones of this process at once).
func (q *Queue) StopAll(ctx context.Context) ([]string, error) {
	var running []string
	err := q.DB.Tx(ctx, func(tx *store.Tx) error {
		running = running[:0]
		rows, err := tx.Query(ctx, `SELECT account_id, region, id FROM runs WHERE status IN (?, ?)`, StatusRequested, StatusRunning)
		if err != nil {
			return err
		}
		type active struct {
			sc scope.Scope
			id string
		}
		var all []active
		for rows.Next() {
			var a active
			if err := rows.Scan(&a.sc.Account, &a.sc.Region, &a.id); err != nil {
				rows.Close()
				return err
			}
			all = append(all, a)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, a := range all {
			r, err := q.RequestCancel(ctx, tx, a.sc, a.id)
			if err != nil {
				return err
			}
			if r.Status == StatusRunning {
				running = append(running, r.ID)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("stop active runs: %w", err)
	}
	return running, nil
}

// Running counts the runs that are RUNNING now, in every account.
func (q *Queue) Running(ctx context.Context) (int, error) {
	var n int
	err := q.DB.ReadTx(ctx, func(tx *store.Tx) error {
		return tx.QueryRow(ctx, `SELECT count(*) FROM runs WHERE status = ?`, StatusRunning).Scan(&n)
	})
	return n, err
}
