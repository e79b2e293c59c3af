package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"

	"github.com/surveyorhq/surveyor/internal/schema"
)

// The bulk catalog queries. Each runs once per database (schema name); the schema name is bound
// as a parameter for the table-valued pragmas and quoted into the sqlite_schema reference. SQLite's
// own tables (sqlite_sequence, sqlite_stat1...) are not assets.
const (
	qVersion   = `SELECT sqlite_version()`
	qDatabases = `SELECT name FROM pragma_database_list WHERE name <> 'temp' ORDER BY seq`

	// {schema} stands for the quoted schema name (see inSchema).
	qObjects = `SELECT type, name, tbl_name, sql FROM {schema}.sqlite_schema WHERE type IN ('table', 'view', 'index')`

	notInternal = ` AND m.name NOT LIKE 'sqlite\_%' ESCAPE '\'`
	notVirtual  = ` AND m.sql NOT LIKE 'CREATE VIRTUAL %'`

	qColumns = `SELECT m.name, p.name, p.type, p."notnull", p.dflt_value, p.pk, p.hidden
FROM {schema}.sqlite_schema AS m JOIN pragma_table_xinfo(m.name, ?) AS p
WHERE m.type IN ('table', 'view')` + notInternal

	qForeignKeys = `SELECT m.name, f.id, f."table", f."from", f."to", f.on_update, f.on_delete
FROM {schema}.sqlite_schema AS m JOIN pragma_foreign_key_list(m.name, ?) AS f
WHERE m.type = 'table'` + notInternal + notVirtual

	qIndexes = `SELECT m.name, il.name, il."unique", il.origin, il.partial, ix.seqno, ix.cid, ix.name, ix."desc"
FROM {schema}.sqlite_schema AS m JOIN pragma_index_list(m.name, ?) AS il JOIN pragma_index_xinfo(il.name, ?) AS ix
WHERE m.type = 'table'` + notInternal + notVirtual + ` AND ix.key = 1`

	qStat1  = `SELECT tbl, stat FROM {schema}.sqlite_stat1`
	qDBStat = `SELECT name, pgsize FROM dbstat(?, 1)`

	// The fallback when qColumns fails (a view over a dropped table): one object at a time.
	qColumnsOf = `SELECT ?, name, type, "notnull", dflt_value, pk, hidden FROM pragma_table_xinfo(?, ?)`
)

// asInt reads an integer column scanned into an any: database/sql hands the driver's int64 over
// as is, where scanning into an int goes through reflection and a string.
func asInt(v any) int {
	switch n := v.(type) {
	case int64:
		return int(n)
	case float64:
		return int(n)
	case []byte:
		i, _ := strconv.Atoi(string(n))
		return i
	case string:
		i, _ := strconv.Atoi(n)
		return i
	}
	return 0
}

// table finds a table by name as a foreign key spells it: SQLite names ignore case.
func (d *dbScan) table(name string) *tableScan {
	if ts := d.tables[name]; ts != nil {
		return ts
	}
	if d.byLower == nil {
		d.byLower = make(map[string]*tableScan, len(d.tables))
		for n, ts := range d.tables {
			d.byLower[strings.ToLower(n)] = ts
		}
	}
	return d.byLower[strings.ToLower(name)]
}

// inSchema puts the quoted schema name into a query.
func inSchema(q, db string) string { return strings.ReplaceAll(q, "{schema}", quoteIdent(db)) }

// dbScan is the state of reading one database.
type dbScan struct {
	name    string
	tables  map[string]*tableScan // by name as sqlite_schema spells it
	byLower map[string]*tableScan // by lower-case name, for FK targets; built when first needed
	order   []*tableScan
	indexes map[string]*indexInfo // index name → its table and what its CREATE INDEX says
	parser  *parser               // nil in floor mode
	stat1   bool
	failed  []schema.AssetError
	types   map[string]schema.Type // parsed declared types; columns share them
	names   map[string]string      // column names, which repeat across tables (id, created_at...)

	// Columns arrive grouped by table: they collect in slab until the table changes, then
	// move to their table (colOwner) as one right-sized slice.
	colOwner *tableScan
	slab     schema.ColumnSlab
	col      columnRow
}

// columnRow holds the scan targets of qColumns, reused for every row so that nothing escapes
// per row. The RawBytes are only valid until the next row.
type columnRow struct {
	tbl, typ, name    sql.RawBytes
	notnull, pk, hide any
	dflt              sql.NullString
	dest              []any
}

// flushColumns moves the collected columns to their table.
func (d *dbScan) flushColumns() {
	if ts := d.colOwner; ts != nil && d.slab.Collected() > 0 {
		if cols := d.slab.Cut(); len(ts.t.Columns) == 0 {
			ts.t.Columns = cols
		} else {
			ts.t.Columns = append(ts.t.Columns, cols...)
		}
	}
	d.colOwner = nil
}

// indexInfo is an index's table and its CREATE INDEX statement, parsed as sqlite_schema is read
// so that the statement's text need not be kept.
type indexInfo struct {
	table  string
	create createIndex
}

// tableScan is a table or view being read. Its CREATE statement is parsed as sqlite_schema is
// read (into create for a table, view for a view), and its text dropped.
type tableScan struct {
	t      schema.Table
	create createTable
	view   string
	pk     []pkColumn
	fks    []*fkScan
	origin []string // how each of t.Indexes came to be: "c", "u" or "pk"
	rows   *int64
	size   *int64
}

type pkColumn struct {
	name string
	pos  int
}

type fkScan struct {
	id int
	fk schema.ForeignKey
}

func (s *session) databases(ctx context.Context) ([]string, error) {
	var names []string
	err := s.query(ctx, "list databases", qDatabases, nil, func(r *sql.Rows) error {
		var n string
		if err := r.Scan(&n); err != nil {
			return err
		}
		names = append(names, n)
		return nil
	}, func(raw []sql.RawBytes) { names = append(names, string(raw[0])) })
	return names, err
}

func (s *session) discover(ctx context.Context, snap *schema.Snapshot) error {
	err := s.query(ctx, "read version", qVersion, nil, func(r *sql.Rows) error {
		var v string
		err := r.Scan(&v)
		snap.ServerVersion = "SQLite " + v
		return err
	}, nil)
	if err != nil {
		return err
	}
	names, err := s.databases(ctx)
	if err != nil {
		return err
	}
	for _, name := range names {
		if !s.opts.Filter.Namespace(name, name) {
			continue
		}
		d, err := s.readDatabase(ctx, name)
		if err != nil {
			if isNotADatabase(err) {
				return errors.Unwrap(err)
			}
			return err
		}
		if s.floor {
			continue
		}
		snap.Failed = append(snap.Failed, d.failed...)
		ns := schema.Namespace{Name: name, Tables: make([]schema.Table, 0, len(d.order))}
		for _, ts := range d.order {
			if ts != nil {
				ns.Tables = append(ns.Tables, ts.finish(d))
			}
		}
		snap.Databases = append(snap.Databases, schema.Database{Name: name, Namespaces: []schema.Namespace{ns}})
	}
	return nil
}

// readDatabase runs the bulk queries of one database: objects, columns, foreign keys, indexes,
// sqlite_stat1 when it exists, and dbstat when it is compiled in.
func (s *session) readDatabase(ctx context.Context, db string) (*dbScan, error) {
	d := &dbScan{name: db, tables: map[string]*tableScan{}, indexes: map[string]*indexInfo{}, types: map[string]schema.Type{}}
	if !s.floor {
		d.parser = startParser()
		defer d.parser.wait()
	}
	err := s.query(ctx, "read tables of "+db, inSchema(qObjects, db), nil, func(r *sql.Rows) error {
		var typ, name, tbl string
		var text sql.NullString
		if err := r.Scan(&typ, &name, &tbl, &text); err != nil {
			return err
		}
		d.addObject(s, typ, name, tbl, text.String)
		return nil
	}, func(raw []sql.RawBytes) { d.addObject(s, string(raw[0]), string(raw[1]), string(raw[2]), "") })
	if err != nil {
		return nil, err
	}
	for _, step := range []func(context.Context, *dbScan) error{s.readColumns, s.readForeignKeys, s.readIndexes, s.readStat1, s.readSizes} {
		if err := step(ctx, d); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// readForeignKeys adds the foreign keys of d's tables.
func (s *session) readForeignKeys(ctx context.Context, d *dbScan) error {
	db := d.name
	return s.query(ctx, "read foreign keys of "+db, inSchema(qForeignKeys, db), []any{db}, func(r *sql.Rows) error {
		var tbl, ref, from, onUpdate, onDelete string
		var to sql.NullString
		var rawID any
		if err := r.Scan(&tbl, &rawID, &ref, &from, &to, &onUpdate, &onDelete); err != nil {
			return err
		}
		id := asInt(rawID)
		ts := d.tables[tbl]
		if ts == nil {
			return nil
		}
		var f *fkScan
		if n := len(ts.fks); n > 0 && ts.fks[n-1].id == id {
			f = ts.fks[n-1]
		} else {
			f = &fkScan{id: id, fk: schema.ForeignKey{RefNamespace: db, RefTable: ref, OnUpdate: onUpdate, OnDelete: onDelete}}
			ts.fks = append(ts.fks, f)
		}
		f.fk.Columns = append(f.fk.Columns, from)
		if to.Valid {
			f.fk.RefColumns = append(f.fk.RefColumns, to.String)
		}
		return nil
	}, nil)
}

// readIndexes adds the index columns of d's tables, once the CREATE INDEX statements are parsed.
func (s *session) readIndexes(ctx context.Context, d *dbScan) error {
	if d.parser != nil {
		d.parser.wait() // the index rows need the parsed CREATE INDEX statements
	}
	db := d.name
	return s.query(ctx, "read indexes of "+db, inSchema(qIndexes, db), []any{db, db}, func(r *sql.Rows) error {
		var tbl, idx, origin string
		var unique, partial bool
		var seqno, cid any
		var col sql.NullString
		var desc bool
		if err := r.Scan(&tbl, &idx, &unique, &origin, &partial, &seqno, &cid, &col, &desc); err != nil {
			return err
		}
		ts := d.tables[tbl]
		if ts == nil {
			return nil
		}
		ts.addIndexPart(d, idx, unique, origin, partial, asInt(seqno), asInt(cid), col.String, desc)
		return nil
	}, nil)
}

// readStat1 takes row counts from sqlite_stat1, when ANALYZE made one.
func (s *session) readStat1(ctx context.Context, d *dbScan) error {
	if !d.stat1 {
		return nil
	}
	return s.query(ctx, "read sqlite_stat1 of "+d.name, inSchema(qStat1, d.name), nil, func(r *sql.Rows) error {
		var tbl string
		var stat sql.NullString
		if err := r.Scan(&tbl, &stat); err != nil {
			return err
		}
		if ts := d.tables[tbl]; ts != nil {
			n, err := strconv.ParseInt(strings.Fields(stat.String + " x")[0], 10, 64)
			if err == nil && (ts.rows == nil || n > *ts.rows) {
				ts.rows = &n
			}
		}
		return nil
	}, nil)
}

// readSizes adds up each table's pages and its indexes' from dbstat. Sizes are optional: dbstat
// may be missing from the build, and it walks every page, so on a huge file it may hit the
// statement timeout. Then sizes are unknown; only the caller's cancellation stops the scan.
func (s *session) readSizes(ctx context.Context, d *dbScan) error {
	err := s.query(ctx, "read dbstat of "+d.name, qDBStat, []any{d.name}, func(r *sql.Rows) error {
		var name string
		var size int64
		if err := r.Scan(&name, &size); err != nil {
			return err
		}
		if ix, ok := d.indexes[name]; ok {
			name = ix.table
		}
		if ts := d.tables[name]; ts != nil && ts.t.Kind == schema.KindTable {
			if ts.size == nil {
				ts.size = new(int64)
			}
			*ts.size += size
		}
		return nil
	}, nil)
	if err != nil {
		if ctx.Err() != nil {
			return err
		}
		for _, ts := range d.tables {
			ts.size = nil
		}
	}
	return nil
}

// addObject records one row of sqlite_schema.
func (d *dbScan) addObject(s *session, typ, name, tbl, text string) {
	if strings.HasPrefix(strings.ToLower(name), "sqlite_") {
		if strings.EqualFold(name, "sqlite_stat1") && typ == "table" {
			// Only the real table: a crafted file can hold a view under the name (written
			// with writable_schema), and reading a view evaluates it.
			d.stat1 = true
		}
		if typ != "index" {
			return
		}
	}
	if typ == "index" {
		// Kept whatever the table: sqlite_schema does not promise tables come before their indexes.
		ix := &indexInfo{table: tbl}
		d.indexes[name] = ix
		if text != "" && d.parser != nil {
			d.parser.add(parseJob{text: text, index: ix})
		}
		return
	}
	if !s.opts.Filter.Table(d.name, d.name, name) {
		return
	}
	ts := &tableScan{t: schema.Table{Name: name, Kind: schema.KindTable}}
	if typ == "view" {
		ts.t.Kind = schema.KindView
	}
	if text != "" && d.parser != nil {
		d.parser.add(parseJob{text: text, table: ts, view: typ == "view"})
	}
	d.tables[name] = ts
	d.order = append(d.order, ts)
}

// readColumns reads every column of every table and view in one query. When that query fails
// (one broken view fails the whole join), it reads the objects one by one, records the ones
// that fail in d.failed and leaves them out.
func (s *session) readColumns(ctx context.Context, d *dbScan) error {
	c := &d.col
	c.dest = []any{&c.tbl, &c.name, &c.typ, &c.notnull, &c.dflt, &c.pk, &c.hide}
	scan := func(r *sql.Rows) error {
		if err := r.Scan(c.dest...); err != nil {
			return err
		}
		if ts := d.tables[string(c.tbl)]; ts != nil {
			if ts != d.colOwner {
				d.flushColumns()
				d.colOwner = ts
			}
			ts.addColumn(&d.slab, d.parseType(c.typ), d.columnName(c.name), asInt(c.notnull) != 0, c.dflt, asInt(c.pk), asInt(c.hide))
		}
		return nil
	}
	err := s.query(ctx, "read columns of "+d.name, inSchema(qColumns, d.name), []any{d.name}, scan, nil)
	d.flushColumns()
	if err == nil || ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded) || isNotADatabase(err) {
		return err
	}
	for i, ts := range d.order {
		ts.t.Columns, ts.pk = nil, nil
		err := s.query(ctx, "read columns of "+d.name+"."+ts.t.Name, qColumnsOf, []any{ts.t.Name, ts.t.Name, d.name}, scan, nil)
		d.flushColumns()
		if err == nil {
			continue
		}
		if ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded) {
			return err
		}
		reason := err.Error()
		var se *sqliteError
		if errors.As(err, &se) {
			reason = se.msg
		}
		d.failed = append(d.failed, schema.AssetError{Ref: schema.Ref{Database: d.name, Namespace: d.name, Table: ts.t.Name}, Reason: reason})
		delete(d.tables, ts.t.Name)
		d.order[i] = nil
	}
	return nil
}

// parseType parses each distinct declared type once. Columns of the same type share the
// Length, Precision and Scale pointers, which nothing changes.
func (d *dbScan) parseType(declared []byte) schema.Type {
	t, ok := d.types[string(declared)]
	if !ok {
		t = parseType(string(declared))
		d.types[t.Declared] = t
	}
	return t
}

// columnName returns the name as a string shared with every column of the same name.
func (d *dbScan) columnName(raw []byte) string {
	if s, ok := d.names[string(raw)]; ok {
		return s
	}
	if d.names == nil {
		d.names = map[string]string{}
	}
	s := string(raw)
	d.names[s] = s
	return s
}

// addColumn adds the column to those of ts collected in slab.
func (ts *tableScan) addColumn(slab *schema.ColumnSlab, typ schema.Type, name string, notnull bool, dflt sql.NullString, pk, hidden int) {
	if hidden == 1 { // a virtual table's hidden column
		return
	}
	c := slab.Next()
	c.Name, c.Position, c.Type, c.Nullable = name, len(ts.t.Columns)+slab.Collected(), typ, !notnull
	if dflt.Valid {
		v := dflt.String
		c.Default = &v
	}
	switch hidden {
	case 2:
		c.GeneratedKind = "VIRTUAL"
	case 3:
		c.GeneratedKind = "STORED"
	}
	if pk > 0 {
		ts.pk = append(ts.pk, pkColumn{name: name, pos: pk})
	}
}

func (ts *tableScan) addIndexPart(d *dbScan, idx string, unique bool, origin string, partial bool, seqno, cid int, col string, desc bool) {
	// The rows of one index come together, in key order.
	i := len(ts.t.Indexes) - 1
	if i < 0 || ts.t.Indexes[i].Name != idx {
		i++
		ts.origin = append(ts.origin, origin)
		ix := schema.Index{Name: idx, Unique: unique, Primary: origin == "pk", Method: "btree"}
		if partial {
			ix.Predicate = ts.parsedIndex(d, idx).Predicate
		}
		ts.t.Indexes = append(ts.t.Indexes, ix)
	}
	part := schema.IndexPart{Column: col, Descending: desc}
	switch cid {
	case -1:
		part.Column = "rowid"
	case -2:
		if parts := ts.parsedIndex(d, idx).Parts; seqno < len(parts) {
			part.Expression = parts[seqno]
		}
	}
	ts.t.Indexes[i].Parts = append(ts.t.Indexes[i].Parts, part)
}

// parsedIndex is what an index's CREATE INDEX statement says.
func (ts *tableScan) parsedIndex(d *dbScan, idx string) createIndex {
	if ix := d.indexes[idx]; ix != nil {
		return ix.create
	}
	return createIndex{}
}

// finish turns what the queries and the CREATE statement say into the table.
func (ts *tableScan) finish(d *dbScan) schema.Table {
	t := ts.t
	t.Meta = schema.Meta{RowEstimate: ts.rows, SizeBytes: ts.size}
	if t.Kind == schema.KindView {
		t.ViewDefinition = ts.view
		return t
	}
	ts.setOptions(&t)
	t.PrimaryKey = ts.primaryKey(t.Name)
	ts.finishColumns(&t)
	ts.addChecks(&t)
	ts.addUniques(&t)
	ts.addForeignKeys(&t, d)
	return t
}

// setOptions records what the CREATE TABLE says beyond columns and constraints.
func (ts *tableScan) setOptions(t *schema.Table) {
	ct := &ts.create
	for _, o := range []struct {
		on     bool
		key, v string
	}{
		{ct.WithoutRowid, "without_rowid", "true"},
		{ct.Strict, "strict", "true"},
		{ct.AutoIncr, "autoincrement", "true"},
		{ct.Virtual != "", "virtual_module", ct.Virtual},
	} {
		if o.on {
			if t.Options == nil {
				t.Options = map[string]string{}
			}
			t.Options[o.key] = o.v
		}
	}
}

// primaryKey is the table's primary key in key order, nil without one.
func (ts *tableScan) primaryKey(table string) *schema.Constraint {
	if len(ts.pk) == 0 {
		return nil
	}
	pk := &schema.Constraint{Name: ts.create.PKName}
	if pk.Name == "" {
		pk.Name = table + "_pkey"
	}
	pk.Columns = make([]string, len(ts.pk))
	for _, c := range ts.pk {
		if c.pos >= 1 && c.pos <= len(pk.Columns) {
			pk.Columns[c.pos-1] = c.name
		}
	}
	return pk
}

// finishColumns adds what only the CREATE TABLE tells about columns (generation expressions,
// collations) and what the key implies: a rowid alias (INTEGER PRIMARY KEY of a rowid table) is
// never NULL and is assigned automatically; the key of a WITHOUT ROWID table is never NULL.
func (ts *tableScan) finishColumns(t *schema.Table) {
	ct := &ts.create
	rowidAlias := ""
	if len(ts.pk) == 1 && !ct.WithoutRowid && ct.Virtual == "" {
		rowidAlias = ts.pk[0].name
	}
	for i := range t.Columns {
		c := &t.Columns[i]
		key := strings.ToLower(c.Name)
		if c.GeneratedKind != "" {
			c.Generated = ct.Generated[key]
		}
		c.Collation = ct.Collations[key]
		isPK := t.PrimaryKey != nil && containsFold(t.PrimaryKey.Columns, c.Name)
		if isPK && ct.WithoutRowid {
			c.Nullable = false
		}
		if c.Name == rowidAlias && strings.EqualFold(strings.TrimSpace(c.Type.Declared), "INTEGER") && !pkIndexed(ts) {
			c.Nullable = false
			c.AutoIncrement = true
		}
	}
}

// addChecks adds the checks, named or numbered in declaration order.
func (ts *tableScan) addChecks(t *schema.Table) {
	n := 0
	for _, c := range ts.create.Checks {
		name := c.Name
		if name == "" {
			n++
			name = t.Name + "_check_" + strconv.Itoa(n)
		}
		t.Checks = append(t.Checks, schema.Check{Name: name, Expression: c.Expr})
	}
}

// addUniques adds the unique constraints: the indexes SQLite made for them (origin "u"), named
// as the CREATE TABLE names them.
func (ts *tableScan) addUniques(t *schema.Table) {
	for i, ix := range t.Indexes {
		if ts.origin[i] != "u" {
			continue
		}
		cols := make([]string, len(ix.Parts))
		for i, p := range ix.Parts {
			cols[i] = p.Column
		}
		name := ""
		for _, u := range ts.create.Uniques {
			if u.Name != "" && equalFold(u.Columns, cols) {
				name = u.Name
			}
		}
		if name == "" {
			name = t.Name + "_" + strings.Join(cols, "_") + "_key"
		}
		t.Uniques = append(t.Uniques, schema.Constraint{Name: name, Columns: cols})
	}
}

// addForeignKeys adds the foreign keys: actions and columns from the pragma, names and
// DEFERRABLE from the SQL. The pragma lists them last declared first; parsed clauses are matched
// by columns and target.
func (ts *tableScan) addForeignKeys(t *schema.Table, d *dbScan) {
	ct := &ts.create
	used := make([]bool, len(ct.ForeignKeys))
	var seen map[string]int
	for i := len(ts.fks) - 1; i >= 0; i-- {
		fk := ts.fks[i].fk
		if ref := d.table(fk.RefTable); ref != nil {
			fk.RefTable = ref.t.Name
			if len(fk.RefColumns) == 0 { // REFERENCES t with no columns: t's primary key
				fk.RefColumns = ref.pkColumns()
			}
		}
		for j, p := range ct.ForeignKeys {
			if !used[j] && equalFold(p.Columns, fk.Columns) && strings.EqualFold(p.RefTable, fk.RefTable) {
				used[j] = true
				fk.Name, fk.Deferrable, fk.InitiallyDeferred = p.Name, p.Deferrable, p.InitiallyDeferred
				break
			}
		}
		if fk.Name == "" {
			base := t.Name + "_" + strings.Join(fk.Columns, "_") + "_fkey"
			fk.Name = base
			if seen == nil {
				seen = map[string]int{}
			}
			if k := seen[base]; k > 0 {
				fk.Name = base + strconv.Itoa(k+1)
			}
			seen[base]++
		}
		t.ForeignKeys = append(t.ForeignKeys, fk)
	}
}

// pkIndexed reports whether the table's primary key has an index of its own, which a rowid alias
// never has (INTEGER PRIMARY KEY DESC, for instance, is not an alias).
func pkIndexed(ts *tableScan) bool {
	for _, o := range ts.origin {
		if o == "pk" {
			return true
		}
	}
	return false
}

func (ts *tableScan) pkColumns() []string {
	cols := make([]string, len(ts.pk))
	for _, c := range ts.pk {
		if c.pos >= 1 && c.pos <= len(cols) {
			cols[c.pos-1] = c.name
		}
	}
	return cols
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

func equalFold(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !strings.EqualFold(a[i], b[i]) {
			return false
		}
	}
	return true
}
