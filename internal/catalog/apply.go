package catalog

import (
	"context"
	"crypto/sha256"
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
	seen        bool
}

// item is one asset of the snapshot: a table that was read, or a failure.
type item struct {
	ref    schema.Ref
	table  *schema.Table
	reason string // set for a failed asset
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
// Each of these clears the asset's missing flag, except a failure, which changes nothing. When
// the snapshot is complete, assets of the source that it does not mention and that are in scope
// are marked missing (counted in Stats.Missing, without an activity, and recorded as removed by
// this run: RemovedByRun); nothing is ever deleted.
// A table listed twice in the snapshot is applied once.
func (c *Catalog) Apply(ctx context.Context, tx *store.Tx, in ApplyInput) (Stats, error) {
	var st Stats
	if in.Snapshot == nil {
		return Stats{}, errors.New("apply snapshot: no snapshot")
	}
	now := c.now().UnixMilli()
	known, err := loadExisting(ctx, tx, in.AccountID, in.SourceID)
	if err != nil {
		return Stats{}, err
	}
	var seq int
	if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(seq), 0) FROM activities WHERE run_id = ?`, in.RunID).Scan(&seq); err != nil {
		return Stats{}, fmt.Errorf("read activities of run %s: %w", in.RunID, err)
	}

	var (
		assetRows, revisionRows, activityRows [][]any
		unmissing, metaRows                   []any
	)
	activity := func(ref schema.Ref, assetID, status, message string) {
		seq++
		var id, msg any
		if assetID != "" {
			id = assetID
		}
		if message != "" {
			msg = message
		}
		activityRows = append(activityRows, []any{in.RunID, seq, id, ref.Database, ref.Namespace, ref.Table, status, msg, now})
	}
	its := items(in.Snapshot)
	enc, err := encodeAll(its, known)
	if err != nil {
		return Stats{}, err
	}
	for i, it := range its {
		e := known[it.ref]
		if e != nil {
			e.seen = true
		}
		switch {
		case it.table == nil:
			st.Failed++
			activity(it.ref, idOf(e), StatusFailed, it.reason)
			continue
		case it.table.Meta.NoAccess:
			st.Skipped++
			activity(it.ref, idOf(e), StatusNoAccess, "")
			if e != nil && e.missing {
				unmissing = append(unmissing, e.id)
			}
			continue
		}
		doc, fp, meta := enc[i].doc, enc[i].fingerprint, enc[i].meta
		switch {
		case e == nil:
			st.Added++
			id := c.newID()
			assetRows = append(assetRows, []any{id, in.AccountID, in.SourceID, it.ref.Database, it.ref.Namespace, it.ref.Table,
				string(it.table.Kind), 1, fp, meta, searchText(it.table), now, now})
			revisionRows = append(revisionRows, []any{id, 1, fp, string(doc), meta, in.RunID, now})
			activity(it.ref, id, StatusCreated, "")
		case e.fingerprint != fp:
			st.Updated++
			rev := e.revision + 1
			assetRows = append(assetRows, []any{e.id, in.AccountID, in.SourceID, it.ref.Database, it.ref.Namespace, it.ref.Table,
				string(it.table.Kind), rev, fp, meta, searchText(it.table), now, now})
			revisionRows = append(revisionRows, []any{e.id, rev, fp, string(doc), meta, in.RunID, now})
			activity(it.ref, e.id, StatusUpdated, "")
		default:
			st.Unchanged++
			if e.missing {
				unmissing = append(unmissing, e.id)
			}
			if e.meta != meta {
				metaRows = append(metaRows, e.id, meta)
			}
			activity(it.ref, e.id, StatusUnchanged, "")
		}
	}
	var missing []any
	var removals [][]any // which run removed which asset: asset_removals
	if in.Snapshot.Complete {
		for ref, e := range known {
			if !e.seen && !e.missing && (in.InScope == nil || in.InScope(ref)) {
				missing = append(missing, e.id)
				removals = append(removals, []any{in.RunID, e.id, e.revision, now})
			}
		}
		st.Missing = len(missing)
	}

	// Assets first: revisions reference them.
	if err := insertRows(ctx, tx, `INSERT INTO assets (id, account_id, source_id, database_name, namespace_name, table_name,
		kind, revision, fingerprint, meta, search_text, created_at, updated_at) VALUES `, assetRows,
		` ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, revision = excluded.revision, fingerprint = excluded.fingerprint,
		missing = 0, meta = excluded.meta, search_text = excluded.search_text, updated_at = excluded.updated_at`); err != nil {
		return Stats{}, fmt.Errorf("write assets of run %s: %w", in.RunID, err)
	}
	if err := insertRows(ctx, tx, `INSERT INTO asset_revisions (asset_id, revision, fingerprint, document, meta, run_id, created_at) VALUES `,
		revisionRows, ""); err != nil {
		return Stats{}, fmt.Errorf("write revisions of run %s: %w", in.RunID, err)
	}
	if err := setMissing(ctx, tx, unmissing, false, now); err != nil {
		return Stats{}, fmt.Errorf("clear missing assets of run %s: %w", in.RunID, err)
	}
	if err := setMissing(ctx, tx, missing, true, now); err != nil {
		return Stats{}, fmt.Errorf("mark missing assets of run %s: %w", in.RunID, err)
	}
	if err := insertRows(ctx, tx, `INSERT INTO asset_removals (run_id, asset_id, revision, created_at) VALUES `, removals, ""); err != nil {
		return Stats{}, fmt.Errorf("record removed assets of run %s: %w", in.RunID, err)
	}
	if err := refreshMeta(ctx, tx, metaRows); err != nil {
		return Stats{}, fmt.Errorf("refresh meta of run %s: %w", in.RunID, err)
	}
	if err := insertRows(ctx, tx, `INSERT INTO activities (run_id, seq, asset_id, database_name, namespace_name, table_name,
		status, error_message, created_at) VALUES `, activityRows, ""); err != nil {
		return Stats{}, fmt.Errorf("write activities of run %s: %w", in.RunID, err)
	}
	return st, nil
}

// encoded is a table's canonical document, fingerprint and meta, as stored.
type encoded struct {
	doc         []byte // nil when the fingerprint is the one already stored
	fingerprint string
	meta        string
}

// encodeAll encodes the tables of items on all cores: encoding JSON is most of Apply's work when
// little changed. The fingerprint is the SHA-256 of the canonical document (as
// schema.Table.Fingerprint computes it); hashing the document we store encodes each table once.
func encodeAll(its []item, known map[schema.Ref]*existing) ([]encoded, error) {
	out := make([]encoded, len(its))
	errs := make([]error, len(its))
	work := func(i int) {
		t := its[i].table
		if t == nil || t.Meta.NoAccess {
			return
		}
		doc := t.Canonical()
		sum := sha256.Sum256(doc)
		fp := hex.EncodeToString(sum[:])
		meta, err := json.Marshal(t.Meta)
		if err != nil {
			errs[i] = fmt.Errorf("encode meta of %s: %w", its[i].ref, err)
			return
		}
		if e := known[its[i].ref]; e != nil && e.fingerprint == fp {
			doc = nil
		}
		out[i] = encoded{doc: doc, fingerprint: fp, meta: string(meta)}
	}
	workers := min(runtime.GOMAXPROCS(0), 8, len(its)/256+1)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(its); i += workers {
				work(i)
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

// loadExisting reads every asset of the source in one query.
func loadExisting(ctx context.Context, tx *store.Tx, accountID, sourceID string) (map[schema.Ref]*existing, error) {
	rows, err := tx.Query(ctx, `SELECT id, database_name, namespace_name, table_name, revision, fingerprint, missing, meta
		FROM assets WHERE account_id = ? AND source_id = ?`, accountID, sourceID)
	if err != nil {
		return nil, fmt.Errorf("read assets of source %s: %w", sourceID, err)
	}
	defer rows.Close()
	out := make(map[schema.Ref]*existing)
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
