package postgres

import (
	"context"
	"errors"
	"slices"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/surveyorhq/surveyor/internal/connector"
)

// lockRetries bounds how many times the catalog queries run again because a relation was
// locked after the locks were read.
const lockRetries = 3

// attempt is what one run of the catalog queries does with their rows.
type attempt struct {
	row  func(catalogQuery, pgx.Rows) error
	done func(catalogQuery) // after a query's last row, when the query has a done step
}

// queryError is a catalog query that failed.
type queryError struct {
	name string
	err  error
}

func (e *queryError) Error() string { return e.name + ": " + e.err.Error() }
func (e *queryError) Unwrap() error { return e.err }

// scanCatalog runs the catalog queries in a savepoint, with the relations another session locks
// exclusively left out of the functions that would wait for them. When a query still runs into a
// lock (taken after the locks were read, so it gave up after lock_timeout), the transaction goes
// back to the savepoint, the locks are read again and the queries run again: start begins each
// attempt with the locked relations. It returns the number of rows read.
func (s *session) scanCatalog(ctx context.Context, nss namespaceSet, start func(locked lockSet) attempt) (int64, error) {
	locked := lockSet{}
	for try := 0; ; try++ {
		if err := s.lockedRelations(ctx, locked); err != nil {
			return 0, &queryError{"locked relations", err}
		}
		if s.afterLocksRead != nil {
			s.afterLocksRead()
		}
		n, err := s.runCatalog(ctx, nss, locked.oids(), start(locked))
		if err == nil || !isLockTimeout(err) || try == lockRetries {
			return n, err
		}
	}
}

// lockSet maps each relation the scan leaves out to the locked relation it depends on (0 when
// it is locked itself).
type lockSet map[uint32]uint32

func (l lockSet) oids() []uint32 {
	out := make([]uint32, 0, len(l))
	for oid := range l {
		out = append(out, oid)
	}
	slices.Sort(out)
	return out
}

// runCatalog runs every catalog query once, in a savepoint it releases on success and rolls back
// to on failure, so the transaction stays usable.
func (s *session) runCatalog(ctx context.Context, nss namespaceSet, locked []uint32, a attempt) (int64, error) {
	sp, err := s.tx.Begin(ctx)
	if err != nil {
		return 0, &queryError{"savepoint", err}
	}
	args := []any{namespaceOIDs(nss), locked}
	var total int64
	for _, q := range catalogQueries() {
		n, err := s.each(ctx, sp, q.sql, q.byNamespace, args, func(rows pgx.Rows) error { return a.row(q, rows) })
		total += n
		if err != nil {
			_ = sp.Rollback(context.WithoutCancel(ctx))
			return total, &queryError{q.name, err}
		}
		if q.done != nil && a.done != nil {
			a.done(q)
		}
	}
	if err := sp.Commit(ctx); err != nil {
		return total, &queryError{"release savepoint", err}
	}
	return total, nil
}

// lockedRelations adds what qLocked finds to locked.
func (s *session) lockedRelations(ctx context.Context, locked lockSet) error {
	_, err := s.each(ctx, s.tx, qLocked, false, nil, func(rows pgx.Rows) error {
		var oid, on uint32
		if err := rows.Scan(&oid, &on); err != nil {
			return err
		}
		if prev, seen := locked[oid]; !seen || prev != 0 {
			locked[oid] = on
		}
		return nil
	})
	return err
}

// isLockTimeout reports whether err is PostgreSQL's lock_timeout (SQLSTATE 55P03).
func isLockTimeout(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "55P03"
}

// classifyQuery classifies a failed catalog query with what it was reading.
func classifyQuery(ctx context.Context, src connector.Source, database string, err error) error {
	var qe *queryError
	if errors.As(err, &qe) {
		return classify(ctx, src, "read "+qe.name+" of "+database, qe.err)
	}
	return classify(ctx, src, "read the catalog of "+database, err)
}
