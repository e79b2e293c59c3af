package catalog

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/surveyorhq/surveyor/internal/schema"
	"github.com/surveyorhq/surveyor/internal/store"
)

// ApplyInput is one run's snapshot and where it belongs.
type ApplyInput struct {
	AccountID, SourceID, RunID string
	Snapshot                   *schema.Snapshot
	// InScope says which assets the run was meant to cover, so that an asset outside it is never
	// marked missing. Nil means every asset of the source is in scope.
	InScope func(ref schema.Ref) bool
}

// existing is what Apply needs to know of an asset already in the catalog.
type existing struct {
	id          string
	revision    int
	fingerprint string
	missing     bool
	meta        string
}

// item is one asset of the snapshot: a table that was read, or a failure.
type item struct {
	ref    schema.Ref
	table  *schema.Table
	reason string // set for a failed asset
}

// DefaultBatchSize is how many assets Apply compares and writes at a time when
// Catalog.BatchSize is 0.
const DefaultBatchSize = 500

func (c *Catalog) batchSize() int {
	if c.BatchSize > 0 {
		return c.BatchSize
	}
	return DefaultBatchSize
}

// Apply records a run's snapshot, inside the caller's transaction, and counts what it did. For
// each asset of the snapshot it writes one activity, in reference order:
//   - a new asset gets revision 1 (SUCCEEDED_CREATED, added);
//   - an asset whose fingerprint changed gets the next revision (SUCCEEDED_UPDATED, updated);
//   - an asset whose fingerprint did not change gets no revision, only its meta refreshed
//     (UNCHANGED, unchanged);
//   - a table the run may not read (Meta.NoAccess) gets no revision (SKIPPED_NO_ACCESS, skipped);
//   - an asset in Snapshot.Failed is left as it is (FAILED with the reason, failed). A ref both
//     read and failed counts as failed.
//
// A table read with problems (Meta.Problems, e.g. malformed CSV rows) gets its activity as
// above, with the problems as the activity's message.
//
// Each of these clears the asset's missing flag, except a failure, which changes nothing. When
// the snapshot is complete, assets of the source that it does not mention and that are in scope
// are marked missing (counted in Stats.Missing, without an activity, and recorded as removed by
// this run: RemovedByRun); nothing is ever deleted.
// A table listed twice in the snapshot is applied once.
//
// Applies to one source happen one at a time: runs of different run sources may share a catalog
// source (the associations of one AppIntegrations data integration), and each must compare
// against what the other wrote. SQLite writes one transaction at a time anyway; on PostgreSQL
// Apply first takes a transaction lock on the source (lockSource).
//
// Memory stays bounded whatever the size of the source: the assets go through in batches of
// BatchSize, in reference order. For each batch Apply reads what the catalog has of those
// references (fingerprint, revision, flags; never a document), compares fingerprints, and
// writes its assets, revisions and activities before it moves on; meanwhile the next batch's
// tables are encoded on the other cores. The writes all happen in the caller's transaction, so
// a run is still applied exactly once, or not at all.
func (c *Catalog) Apply(ctx context.Context, tx *store.Tx, in ApplyInput) (Stats, error) {
	if in.Snapshot == nil {
		return Stats{}, errors.New("apply snapshot: no snapshot")
	}
	if err := lockSource(ctx, tx, in.AccountID, in.SourceID); err != nil {
		return Stats{}, fmt.Errorf("lock source %s for run %s: %w", in.SourceID, in.RunID, err)
	}
	if err := fastCompression(ctx, tx); err != nil {
		return Stats{}, fmt.Errorf("set compression for run %s: %w", in.RunID, err)
	}
	a := &applier{c: c, tx: tx, in: in, now: c.now().UnixMilli()}
	var err error
	if err = tx.QueryRow(ctx, `SELECT COALESCE(MAX(seq), 0) FROM activities WHERE run_id = ?`, in.RunID).Scan(&a.seq); err != nil {
		return Stats{}, fmt.Errorf("read activities of run %s: %w", in.RunID, err)
	}
	if a.fresh, err = freshSource(ctx, tx, in.AccountID, in.SourceID); err != nil {
		return Stats{}, fmt.Errorf("read assets of source %s: %w", in.SourceID, err)
	}
	its := items(in.Snapshot)
	batches, stop := encodeAhead(its, c.batchSize())
	defer stop()
	for b := range batches {
		if b.err != nil {
			return Stats{}, b.err
		}
		if err := a.batch(ctx, b.its, b.enc); err != nil {
			return Stats{}, err
		}
	}
	if in.Snapshot.Complete && !a.fresh { // every asset of a fresh source is one of the snapshot's
		if err := a.markMissing(ctx, its); err != nil {
			return Stats{}, fmt.Errorf("mark missing assets of run %s: %w", in.RunID, err)
		}
	}
	return a.st, nil
}

// lockSource holds, until tx ends, PostgreSQL's transaction advisory lock of the account's
// catalog source, so that a second Apply to the source waits for the first to commit and then
// reads what it wrote (each statement of a READ COMMITTED transaction sees what committed before
// it). The lock key is the first 8 bytes of a SHA-256 of the account and source: two sources
// whose keys collide only wait for each other. SQLite transactions write one at a time.
func lockSource(ctx context.Context, tx *store.Tx, accountID, sourceID string) error {
	if tx.Dialect() != store.Postgres {
		return nil
	}
	sum := sha256.Sum256([]byte("catalog\x00" + accountID + "\x00" + sourceID))
	_, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(?)`, int64(binary.BigEndian.Uint64(sum[:8])))
	return err
}

// fastCompression makes PostgreSQL compress the documents this transaction stores with LZ4
// rather than pglz, where the server has LZ4 (PostgreSQL 14 and later, built with it): a
// document is about 2 KB, half of them are compressed, and pglz was a third of the time a
// first run's revisions took to insert. It lasts until tx ends (set_config ..., true, as SET
// LOCAL), and changes nothing elsewhere: values keep the compression they were written with,
// and any server that has LZ4 reads them. Other servers and SQLite are left as they are.
func fastCompression(ctx context.Context, tx *store.Tx) error {
	if tx.Dialect() != store.Postgres {
		return nil
	}
	_, err := tx.Exec(ctx, `SELECT set_config('default_toast_compression', 'lz4', true) FROM pg_settings
		WHERE name = 'default_toast_compression' AND 'lz4' = ANY (enumvals)`)
	return err
}

// freshSource reports whether the catalog has no asset of the source yet (its first run): then
// Apply need not look up the assets of its batches, as no batch can find one (each reference
// is in one batch only).
func freshSource(ctx context.Context, tx *store.Tx, accountID, sourceID string) (bool, error) {
	var one int
	err := tx.QueryRow(ctx, `SELECT 1 FROM assets WHERE source_id = ? AND account_id = ? LIMIT 1`, sourceID, accountID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return true, nil
	}
	return false, err
}

// problems is what the connector noticed while reading t (schema.Meta.Problems), for the
// message of its activity: a table read with problems is still read, but not silently.
func problems(t *schema.Table) string { return strings.Join(t.Meta.Problems, "; ") }

// applier is one Apply under way.
type applier struct {
	c   *Catalog
	tx  *store.Tx
	in  ApplyInput
	now int64
	seq int // the last activity's
	st  Stats
	// fresh is true when the source had no asset when Apply began: nothing to look up.
	fresh bool
}

// batch applies a run of items, in reference order, with their encodings.
func (a *applier) batch(ctx context.Context, its []item, enc []encoded) error {
	known := map[schema.Ref]*existing{}
	if !a.fresh {
		var err error
		if known, err = lookupExisting(ctx, a.tx, a.in.AccountID, a.in.SourceID, its); err != nil {
			return err
		}
	}
	var rows batchRows
	for i, it := range its {
		a.compare(&rows, it, known[it.ref], enc[i])
	}
	return a.write(ctx, &rows)
}

// batchRows is what one batch writes: rows of the multi-row INSERTs, and the asset ids whose
// missing flag, meta or references change.
type batchRows struct {
	assets, revisions, activities, refs [][]any
	unmissing, meta, revised            []any
}

// activity adds the activity row of one asset of the run.
func (a *applier) activity(rows *batchRows, ref schema.Ref, assetID, status, message string) {
	a.seq++
	var id, msg any
	if assetID != "" {
		id = assetID
	}
	if message != "" {
		msg = message
	}
	rows.activities = append(rows.activities, []any{a.in.RunID, a.seq, id, ref.Database, ref.Namespace, ref.Table, status, msg, a.now})
}

// compare decides what one item of the snapshot is against what the catalog has (e, nil when
// the asset is new) — failed, skipped, added, updated or unchanged — counts it, and adds its rows.
func (a *applier) compare(rows *batchRows, it item, e *existing, enc encoded) {
	switch {
	case it.table == nil:
		a.st.Failed++
		a.activity(rows, it.ref, idOf(e), StatusFailed, it.reason)
		return
	case it.table.Meta.NoAccess:
		a.st.Skipped++
		a.activity(rows, it.ref, idOf(e), StatusNoAccess, "")
		if e != nil && e.missing {
			rows.unmissing = append(rows.unmissing, e.id)
		}
		return
	}
	switch {
	case e == nil:
		a.st.Added++
		id := a.c.newID()
		a.revise(rows, it, id, 1, enc)
		a.activity(rows, it.ref, id, StatusCreated, problems(it.table))
	case e.fingerprint != enc.fingerprint:
		a.st.Updated++
		a.revise(rows, it, e.id, e.revision+1, enc)
		a.activity(rows, it.ref, e.id, StatusUpdated, problems(it.table))
	default:
		a.st.Unchanged++
		if e.missing {
			rows.unmissing = append(rows.unmissing, e.id)
		}
		if e.meta != enc.meta {
			rows.meta = append(rows.meta, e.id, enc.meta)
		}
		a.activity(rows, it.ref, e.id, StatusUnchanged, problems(it.table))
	}
}

// revise adds the rows of a new revision rev of asset id: the asset's row (inserted or
// updated), the revision and its foreign-key references.
func (a *applier) revise(rows *batchRows, it item, id string, rev int, enc encoded) {
	in := a.in
	rows.assets = append(rows.assets, []any{id, in.AccountID, in.SourceID, it.ref.Database, it.ref.Namespace, it.ref.Table,
		string(it.table.Kind), rev, enc.fingerprint, enc.meta, searchText(it.table), a.now, a.now})
	rows.revisions = append(rows.revisions, []any{id, rev, enc.fingerprint, enc.doc, enc.meta, in.RunID, a.now})
	rows.revised = append(rows.revised, id)
	rows.refs = append(rows.refs, referenceRows(id, it.ref, it.table)...)
}

// write writes one batch's rows, assets first (revisions reference them).
func (a *applier) write(ctx context.Context, rows *batchRows) error {
	runID := a.in.RunID
	if err := insertRows(ctx, a.tx, `INSERT INTO assets (id, account_id, source_id, database_name, namespace_name, table_name,
		kind, revision, fingerprint, meta, search_text, created_at, updated_at) VALUES `, rows.assets,
		` ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, revision = excluded.revision, fingerprint = excluded.fingerprint,
		missing = 0, meta = excluded.meta, search_text = excluded.search_text, updated_at = excluded.updated_at`); err != nil {
		return fmt.Errorf("write assets of run %s: %w", runID, err)
	}
	if err := insertRows(ctx, a.tx, `INSERT INTO asset_revisions (asset_id, revision, fingerprint, document, meta, run_id, created_at) VALUES `,
		rows.revisions, ""); err != nil {
		return fmt.Errorf("write revisions of run %s: %w", runID, err)
	}
	if err := writeReferences(ctx, a.tx, rows.revised, rows.refs); err != nil {
		return fmt.Errorf("write foreign key references of run %s: %w", runID, err)
	}
	if err := setMissing(ctx, a.tx, rows.unmissing, false, a.now); err != nil {
		return fmt.Errorf("clear missing assets of run %s: %w", runID, err)
	}
	if err := refreshMeta(ctx, a.tx, rows.meta); err != nil {
		return fmt.Errorf("refresh meta of run %s: %w", runID, err)
	}
	if err := insertRows(ctx, a.tx, `INSERT INTO activities (run_id, seq, asset_id, database_name, namespace_name, table_name,
		status, error_message, created_at) VALUES `, rows.activities, ""); err != nil {
		return fmt.Errorf("write activities of run %s: %w", runID, err)
	}
	return nil
}

// markMissing marks missing the assets of the source that are not missing yet, are in scope,
// and that the snapshot does not mention (its items, sorted by reference), and records that
// this run removed them (asset_removals). It reads the source's assets as one stream of
// references, keeping only those it is to mark.
func (a *applier) markMissing(ctx context.Context, its []item) error {
	rows, err := a.tx.Query(ctx, `SELECT id, revision, database_name, namespace_name, table_name FROM assets
		WHERE account_id = ? AND source_id = ? AND missing = 0`, a.in.AccountID, a.in.SourceID)
	if err != nil {
		return err
	}
	defer rows.Close()
	var (
		missing  []any
		removals [][]any // which run removed which asset: asset_removals
	)
	for rows.Next() {
		var (
			id  string
			rev int
			ref schema.Ref
		)
		if err := rows.Scan(&id, &rev, &ref.Database, &ref.Namespace, &ref.Table); err != nil {
			return err
		}
		if _, seen := slices.BinarySearchFunc(its, ref, func(it item, r schema.Ref) int { return compareRefs(it.ref, r) }); seen {
			continue
		}
		if a.in.InScope == nil || a.in.InScope(ref) {
			missing = append(missing, id)
			removals = append(removals, []any{a.in.RunID, id, rev, a.now})
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	rows.Close()
	a.st.Missing = len(missing)
	if err := setMissing(ctx, a.tx, missing, true, a.now); err != nil {
		return err
	}
	if err := insertRows(ctx, a.tx, `INSERT INTO asset_removals (run_id, asset_id, revision, created_at) VALUES `, removals, ""); err != nil {
		return fmt.Errorf("record removed assets: %w", err)
	}
	return nil
}

// encoded is a table's canonical document, fingerprint and meta, as stored.
type encoded struct {
	doc         string
	fingerprint string
	meta        string
}

// encodedBatch is a batch of items and their encodings, or the error encoding them.
type encodedBatch struct {
	its []item
	enc []encoded
	err error
}

// encodeAhead encodes the items batch by batch, one batch ahead of the caller, which ranges over
// the channel and must call stop when it is done with it, whether it read everything or not.
func encodeAhead(its []item, size int) (<-chan encodedBatch, func()) {
	out := make(chan encodedBatch, 1)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		defer close(out)
		workers := make([]encoder, min(runtime.GOMAXPROCS(0), 8))
		for start := 0; start < len(its); start += size {
			b := encodedBatch{its: its[start:min(start+size, len(its))]}
			b.enc, b.err = encodeAll(b.its, workers)
			select {
			case out <- b:
			case <-done:
				return
			}
			if b.err != nil {
				return
			}
		}
	})
	return out, func() { close(done); wg.Wait() }
}

// encoder is one worker of encodeAll with the buffer it reuses from one table to the next.
type encoder struct{ buf []byte }

// encode returns t's encoding. The fingerprint is the SHA-256 of the canonical document (as
// schema.Table.Fingerprint computes it); hashing the document we store encodes each table once.
func (e *encoder) encode(t *schema.Table) (encoded, error) {
	e.buf = t.AppendCanonical(e.buf[:0])
	sum := sha256.Sum256(e.buf)
	meta, err := json.Marshal(t.Meta)
	if err != nil {
		return encoded{}, err
	}
	return encoded{doc: string(e.buf), fingerprint: hex.EncodeToString(sum[:]), meta: string(meta)}, nil
}

// encodeAll encodes the tables of items on up to len(workers) cores: encoding JSON is most of
// Apply's work when little changed.
func encodeAll(its []item, workers []encoder) ([]encoded, error) {
	out := make([]encoded, len(its))
	errs := make([]error, len(its))
	n := max(1, min(len(workers), len(its)/256+1))
	var wg sync.WaitGroup
	for w := range n {
		e := &workers[w]
		wg.Go(func() {
			for i := w; i < len(its); i += n {
				t := its[i].table
				if t == nil || t.Meta.NoAccess {
					continue
				}
				var err error
				if out[i], err = e.encode(t); err != nil {
					errs[i] = fmt.Errorf("encode meta of %s: %w", its[i].ref, err)
				}
			}
		})
	}
	wg.Wait()
	return out, errors.Join(errs...)
}

func idOf(e *existing) string {
	if e == nil {
		return ""
	}
	return e.id
}

// items lists the snapshot's tables and failures in reference order, each ref once; a failure
// wins over a table with the same ref.
func items(s *schema.Snapshot) []item {
	failed := make(map[schema.Ref]bool, len(s.Failed))
	var out []item
	for _, f := range s.Failed {
		if !failed[f.Ref] {
			failed[f.Ref] = true
			out = append(out, item{ref: f.Ref, reason: f.Reason})
		}
	}
	seen := make(map[schema.Ref]bool)
	for _, a := range s.Assets() {
		if failed[a.Ref] || seen[a.Ref] {
			continue
		}
		seen[a.Ref] = true
		out = append(out, item{ref: a.Ref, table: a.Table})
	}
	slices.SortStableFunc(out, func(a, b item) int { return compareRefs(a.ref, b.ref) })
	return out
}

func compareRefs(a, b schema.Ref) int {
	if c := strings.Compare(a.Database, b.Database); c != 0 {
		return c
	}
	if c := strings.Compare(a.Namespace, b.Namespace); c != 0 {
		return c
	}
	return strings.Compare(a.Table, b.Table)
}

// lookupExisting reads what the catalog has of the items' references, by key: one index probe
// per item, never touching a document (lookupQuery).
func lookupExisting(ctx context.Context, tx *store.Tx, accountID, sourceID string, its []item) (map[schema.Ref]*existing, error) {
	out := make(map[schema.Ref]*existing, len(its))
	if len(its) == 0 {
		return out, nil
	}
	q, args := lookupQuery(tx.Dialect(), accountID, sourceID, its)
	rows, err := tx.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("read assets of source %s: %w", sourceID, err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			e       existing
			ref     schema.Ref
			missing int
		)
		if err := rows.Scan(&e.id, &ref.Database, &ref.Namespace, &ref.Table, &e.revision, &e.fingerprint, &missing, &e.meta); err != nil {
			return nil, fmt.Errorf("read assets of source %s: %w", sourceID, err)
		}
		e.missing = missing != 0
		out[ref] = &e
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read assets of source %s: %w", sourceID, err)
	}
	return out, nil
}

// lookupColumns is what lookupExisting reads of an asset.
const lookupColumns = `a.id, a.database_name, a.namespace_name, a.table_name, a.revision, a.fingerprint, a.missing, a.meta`

// lookupQuery is the statement that reads the items' assets. On PostgreSQL the references go as
// three arrays, each joined laterally to one probe of the source's unique key: the planner
// cannot turn that into a scan of every asset of the source, which it does for a join of a
// VALUES list when the assets' statistics are stale (a catalog filled by the transaction under
// way), and the statement plans in the same time whatever the batch size. SQLite probes the
// unique index for each row of the VALUES list.
func lookupQuery(d store.Dialect, accountID, sourceID string, its []item) (string, []any) {
	if d == store.Postgres {
		dbs, nss, tables := make([]string, len(its)), make([]string, len(its)), make([]string, len(its))
		for i, it := range its {
			dbs[i], nss[i], tables[i] = it.ref.Database, it.ref.Namespace, it.ref.Table
		}
		return `SELECT ` + lookupColumns + ` FROM unnest(?::text[], ?::text[], ?::text[]) AS k (database_name, namespace_name, table_name)
			CROSS JOIN LATERAL (SELECT * FROM assets a WHERE a.source_id = ? AND a.database_name = k.database_name
			AND a.namespace_name = k.namespace_name AND a.table_name = k.table_name AND a.account_id = ? LIMIT 1) a`,
			[]any{dbs, nss, tables, sourceID, accountID}
	}
	var q strings.Builder
	q.WriteString(`WITH k (database_name, namespace_name, table_name) AS (VALUES `)
	args := make([]any, 0, 3*len(its)+2)
	for i, it := range its {
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteString("(?, ?, ?)")
		args = append(args, it.ref.Database, it.ref.Namespace, it.ref.Table)
	}
	q.WriteString(`) SELECT ` + lookupColumns + ` FROM k JOIN assets a ON a.source_id = ? AND a.database_name = k.database_name
		AND a.namespace_name = k.namespace_name AND a.table_name = k.table_name
		WHERE a.account_id = ?`)
	return q.String(), append(args, sourceID, accountID)
}

// maxParams bounds the placeholders of one statement, below SQLite's 32766 and PostgreSQL's 65535.
const maxParams = 30000

// insertRows writes rows with multi-row VALUES statements: head, then the rows, then tail.
func insertRows(ctx context.Context, tx *store.Tx, head string, rows [][]any, tail string) error {
	if len(rows) == 0 {
		return nil
	}
	cols := len(rows[0])
	tuple := "(" + placeholders(cols) + ")"
	per := maxParams / cols
	for start := 0; start < len(rows); start += per {
		chunk := rows[start:min(start+per, len(rows))]
		var b strings.Builder
		b.Grow(len(head) + len(tail) + len(chunk)*(len(tuple)+2))
		b.WriteString(head)
		args := make([]any, 0, len(chunk)*cols)
		for i, r := range chunk {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(tuple)
			args = append(args, r...)
		}
		b.WriteString(tail)
		if _, err := tx.Exec(ctx, b.String(), args...); err != nil {
			return err
		}
	}
	return nil
}

// setMissing sets or clears the missing flag of the assets with the given IDs.
func setMissing(ctx context.Context, tx *store.Tx, ids []any, missing bool, now int64) error {
	flag := 0
	if missing {
		flag = 1
	}
	for start := 0; start < len(ids); start += maxParams {
		chunk := ids[start:min(start+maxParams, len(ids))]
		args := append([]any{flag, now}, chunk...)
		if _, err := tx.Exec(ctx, `UPDATE assets SET missing = ?, updated_at = ? WHERE id IN (`+placeholders(len(chunk))+`)`, args...); err != nil {
			return err
		}
	}
	return nil
}

// refreshMeta writes the latest meta of unchanged assets; pairs holds id, meta, id, meta...
func refreshMeta(ctx context.Context, tx *store.Tx, pairs []any) error {
	const per = 500
	for start := 0; start < len(pairs); start += 2 * per {
		chunk := pairs[start:min(start+2*per, len(pairs))]
		n := len(chunk) / 2
		var b strings.Builder
		b.WriteString(`UPDATE assets SET meta = CASE id`)
		args := make([]any, 0, len(chunk)+n)
		ids := make([]any, 0, n)
		for i := 0; i < len(chunk); i += 2 {
			b.WriteString(` WHEN ? THEN ?`)
			args = append(args, chunk[i], chunk[i+1])
			ids = append(ids, chunk[i])
		}
		b.WriteString(` ELSE meta END WHERE id IN (` + placeholders(n) + `)`)
		if _, err := tx.Exec(ctx, b.String(), append(args, ids...)...); err != nil {
			return err
		}
	}
	return nil
}

// searchText is what Search matches: the table's name and comment and its columns' names and
// comments (nested fields of file datasets included), lower-cased, one per line.
func searchText(t *schema.Table) string {
	parts := []string{t.Name}
	if t.Comment != "" {
		parts = append(parts, t.Comment)
	}
	var walk func(cols []schema.Column)
	walkType := func(ty *schema.Type) {
		for ty != nil {
			walk(ty.Fields)
			ty = ty.Elem
		}
	}
	walk = func(cols []schema.Column) {
		for i := range cols {
			parts = append(parts, cols[i].Name)
			if cols[i].Comment != "" {
				parts = append(parts, cols[i].Comment)
			}
			walkType(&cols[i].Type)
		}
	}
	walk(t.Columns)
	return strings.ToLower(strings.Join(parts, "\n"))
}
