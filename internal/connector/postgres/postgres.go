// Package postgres discovers the schema of a PostgreSQL database: it reads pg_catalog in a few
// bulk queries inside one read-only, repeatable-read transaction and returns a schema.Snapshot of
// every table, view, materialized view, partitioned table, partition and foreign table of the
// selected namespaces, with columns, keys, checks, indexes, enums and comments.
package postgres

import (
	"context"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/surveyorhq/surveyor/internal/connector"
	"github.com/surveyorhq/surveyor/internal/filter"
	"github.com/surveyorhq/surveyor/internal/schema"
)

// closeTimeout bounds releasing the server session after a scan, even a cancelled one.
const closeTimeout = 5 * time.Second

// Connector reads PostgreSQL sources. The zero value is not ready: use New.
type Connector struct {
	// Now stamps snapshots; tests replace it.
	Now func() time.Time
	// afterLocksRead, when set (tests), runs after each reading of the locked relations.
	afterLocksRead func()
}

// New returns a Connector that stamps snapshots with time.Now.
func New() *Connector { return &Connector{Now: time.Now} }

var _ connector.Connector = (*Connector)(nil)

// Discover reads the schema of the source's database: every non-system namespace that
// opts.Filter selects, and in it every selected table-like relation. A relation another session
// holds an exclusive lock on is reported in Snapshot.Failed instead of stalling the scan.
func (c *Connector) Discover(ctx context.Context, src connector.Source, opts connector.Options) (*schema.Snapshot, error) {
	s, err := open(ctx, src, opts)
	if err != nil {
		return nil, err
	}
	defer s.close()
	s.afterLocksRead = c.afterLocksRead
	nss, err := s.namespaces(ctx, opts.Filter)
	if err != nil {
		return nil, classify(ctx, src, "read namespaces", err)
	}
	var b *builder
	_, err = s.scanCatalog(ctx, nss, func(locked lockSet) attempt {
		b = newBuilder(s.database, nss, opts.Filter, locked)
		return attempt{
			row:  func(q catalogQuery, rows pgx.Rows) error { return q.read(b, rows) },
			done: func(q catalogQuery) { q.done(b) },
		}
	})
	if err != nil {
		return nil, classifyQuery(ctx, src, s.database, err)
	}
	snap := b.snapshot()
	snap.Engine = connector.Postgres
	snap.ServerVersion = "PostgreSQL " + s.version
	snap.CapturedAt = c.now()
	snap.Complete = true
	return snap.Normalize(), nil
}

// Floor runs exactly the catalog queries of Discover, on the same kind of session and in the same
// order, but discards every row: the time it takes is the least a scan can cost, against which
// Discover's own work is measured. It returns the number of rows read.
func (c *Connector) Floor(ctx context.Context, src connector.Source, opts connector.Options) (int64, error) {
	s, err := open(ctx, src, opts)
	if err != nil {
		return 0, err
	}
	defer s.close()
	nss, err := s.namespaces(ctx, opts.Filter)
	if err != nil {
		return 0, classify(ctx, src, "read namespaces", err)
	}
	discard := attempt{row: func(_ catalogQuery, rows pgx.Rows) error { _ = rows.RawValues(); return nil }}
	n, err := s.scanCatalog(ctx, nss, func(lockSet) attempt { return discard })
	if err != nil {
		return int64(len(nss.all)) + n, classifyQuery(ctx, src, s.database, err)
	}
	return int64(len(nss.all)) + n, nil
}

// Namespaces lists the non-system namespaces (schemas) of the source's database that
// opts.Filter selects, sorted by name.
func (c *Connector) Namespaces(ctx context.Context, src connector.Source, opts connector.Options) ([]string, error) {
	s, err := open(ctx, src, opts)
	if err != nil {
		return nil, err
	}
	defer s.close()
	nss, err := s.namespaces(ctx, opts.Filter)
	if err != nil {
		return nil, classify(ctx, src, "read namespaces", err)
	}
	names := make([]string, 0, len(nss.selected))
	for _, n := range nss.selected {
		names = append(names, n.name)
	}
	slices.Sort(names)
	return names, nil
}

// Ping connects, runs one trivial read in the read-only transaction, and disconnects.
func (c *Connector) Ping(ctx context.Context, src connector.Source, opts connector.Options) error {
	s, err := open(ctx, src, opts)
	if err != nil {
		return err
	}
	defer s.close()
	var one int
	if err := s.tx.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil {
		return classify(ctx, src, "ping", err)
	}
	return nil
}

func (c *Connector) now() time.Time {
	if c.Now == nil {
		return time.Now()
	}
	return c.Now()
}

// namespace is one row of qNamespaces.
type namespace struct {
	oid           uint32
	name, comment string
}

// namespaceSet is every non-system namespace and those the filter selects.
type namespaceSet struct {
	all, selected []namespace
}

// namespaces reads the non-system namespaces and keeps those the filter selects.
func (s *session) namespaces(ctx context.Context, f filter.Filter) (namespaceSet, error) {
	var set namespaceSet
	var n namespace
	_, err := s.each(ctx, s.tx, qNamespaces, false, nil, func(rows pgx.Rows) error {
		if err := rows.Scan(&n.oid, &n.name, &n.comment); err != nil {
			return err
		}
		set.all = append(set.all, n)
		if f.Namespace(s.database, n.name) {
			set.selected = append(set.selected, n)
		}
		return nil
	})
	return set, err
}

func namespaceOIDs(set namespaceSet) []uint32 {
	oids := make([]uint32, 0, len(set.selected))
	for _, n := range set.selected {
		oids = append(oids, n.oid)
	}
	return oids
}

// each runs one query in tx (the session's transaction or a savepoint of it) and hands every row to row as it streams in.
// It returns the number of rows read.
func (s *session) each(ctx context.Context, tx pgx.Tx, sql string, withArgs bool, args []any, row func(pgx.Rows) error) (int64, error) {
	if !withArgs {
		args = nil
	}
	rows, err := tx.Query(ctx, sql, args...)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	var n int64
	for rows.Next() {
		n++
		if err := row(rows); err != nil {
			return n, err
		}
	}
	return n, rows.Err()
}
