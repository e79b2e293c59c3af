package mysql

import (
	"bytes"
	"database/sql"
	"strconv"
	"strings"

	"github.com/surveyorhq/surveyor/internal/connector"
	"github.com/surveyorhq/surveyor/internal/schema"
)

// builder assembles tables from the rows of the catalog queries. Tables are found by name in a
// map per database; lookups with string(raw) keys do not allocate.
type builder struct {
	mariadb bool
	opts    connector.Options
	dbs     map[string]map[string]*tableState // database → table name → table
	// interned repeats the few distinct values of type, charset, collation and engine columns,
	// so thousands of columns share them instead of allocating each.
	interned map[string]string
	// types shares the decoded column types (and their Length, Precision and Scale pointers,
	// which nothing changes) among the columns declared alike, by COLUMN_TYPE.
	types map[string][]typeEntry
	last  *tableState // the table lookup found last

	// Columns arrive grouped by table: they collect in slab until the table changes, then
	// move to their table (colOwner) as one right-sized slice.
	colOwner *tableState
	slab     schema.ColumnSlab
}

// typeEntry is one decoded type and the rest of what it was decoded from: DATA_TYPE and
// CHARACTER_MAXIMUM_LENGTH, NUMERIC_PRECISION, NUMERIC_SCALE, DATETIME_PRECISION (-1 for NULL).
type typeEntry struct {
	base string
	nums [4]int64
	t    schema.Type
}

type tableState struct {
	t  schema.Table
	db string
	// canSelect is true when any column lists the select privilege for the current account.
	canSelect bool
	// broken holds the error MySQL reports in TABLE_COMMENT for a view it cannot read.
	broken string
}

func newBuilder(p plan, opts connector.Options) *builder {
	schemas := p.schemas
	b := &builder{mariadb: p.mariadb, opts: opts, dbs: make(map[string]map[string]*tableState, len(schemas)),
		interned: map[string]string{}, types: map[string][]typeEntry{}}
	for _, s := range schemas {
		b.dbs[s] = map[string]*tableState{}
	}
	return b
}

// lookup finds a table read by the tables query; nil for tables filtered out. Rows come grouped
// by table, so the table of the row before is tried first.
func (b *builder) lookup(db, table sql.RawBytes) *tableState {
	if ts := b.last; ts != nil && string(table) == ts.t.Name && string(db) == ts.db {
		return ts
	}
	tables := b.dbs[string(db)]
	if tables == nil {
		return nil
	}
	ts := tables[string(table)]
	if ts != nil {
		b.last = ts
	}
	return ts
}

// intern returns raw as a string shared with every equal value seen before.
func (b *builder) intern(raw sql.RawBytes) string {
	if s, ok := b.interned[string(raw)]; ok {
		return s
	}
	s := string(raw)
	b.interned[s] = s
	return s
}

// table handles: TABLE_SCHEMA, TABLE_NAME, TABLE_TYPE, ENGINE, TABLE_ROWS, DATA_LENGTH,
// INDEX_LENGTH, TABLE_COLLATION, TABLE_COMMENT, CREATE_OPTIONS.
func (b *builder) table(r []sql.RawBytes) {
	tables := b.dbs[string(r[0])]
	if tables == nil {
		return
	}
	db, name := string(r[0]), string(r[1])
	if !b.opts.Filter.Table(db, db, name) {
		return
	}
	ts := &tableState{t: schema.Table{Name: name, Kind: schema.KindTable}, db: db}
	t := &ts.t
	switch string(r[2]) {
	case "VIEW", "SYSTEM VIEW":
		t.Kind = schema.KindView
		// A readable view's comment is "VIEW"; a view MySQL cannot resolve (dropped base table,
		// missing definer) carries the error there instead.
		if c := string(r[8]); c != "VIEW" && c != "" {
			ts.broken = c
		}
	case "SYSTEM VERSIONED":
		t.Options = map[string]string{"system_versioned": "true"}
	case "SEQUENCE":
		t.Options = map[string]string{"sequence": "true"}
	}
	if t.Kind != schema.KindView {
		t.Comment = string(r[8])
		if r[3] != nil || r[7] != nil {
			if t.Options == nil {
				t.Options = make(map[string]string, 2)
			}
			if r[3] != nil {
				t.Options["engine"] = b.intern(r[3])
			}
			if r[7] != nil {
				t.Options["collation"] = b.intern(r[7])
			}
		}
		if bytes.Contains(r[9], []byte("partitioned")) {
			t.Kind = schema.KindPartitionedTable
		}
		t.Meta.RowEstimate = parseInt(r[4])
		if r[5] != nil || r[6] != nil {
			size := deref(parseInt(r[5])) + deref(parseInt(r[6]))
			t.Meta.SizeBytes = &size
		}
	}
	tables[name] = ts
}

// view handles: TABLE_SCHEMA, TABLE_NAME, VIEW_DEFINITION.
func (b *builder) view(r []sql.RawBytes) {
	if ts := b.lookup(r[0], r[1]); ts != nil {
		ts.t.ViewDefinition = string(r[2])
	}
}

// column handles: TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME, ORDINAL_POSITION, COLUMN_DEFAULT,
// IS_NULLABLE, DATA_TYPE, CHARACTER_MAXIMUM_LENGTH, NUMERIC_PRECISION, NUMERIC_SCALE,
// DATETIME_PRECISION, CHARACTER_SET_NAME, COLLATION_NAME, COLUMN_TYPE, EXTRA, PRIVILEGES,
// COLUMN_COMMENT, GENERATION_EXPRESSION.
func (b *builder) column(r []sql.RawBytes) {
	ts := b.lookup(r[0], r[1])
	if ts == nil {
		return
	}
	if ts != b.colOwner {
		b.flushColumns()
		b.colOwner = ts
	}
	extra := b.intern(r[14])
	pos, _ := parseInt64(r[3])
	c := b.slab.Next()
	c.Name = b.intern(r[2]) // names repeat across tables: id, created_at...
	c.Position = int(pos)
	c.Nullable = string(r[5]) == "YES"
	c.Type = b.columnType(r)
	c.Charset = b.intern(r[11])
	c.Collation = b.intern(r[12])
	c.Comment = string(r[16])
	c.AutoIncrement = strings.Contains(extra, "auto_increment")
	c.OnUpdate = onUpdate(extra)
	if kind := generatedKind(extra); kind != "" {
		c.Generated = string(r[17])
		c.GeneratedKind = kind
	} else {
		c.Default = columnDefault(b.mariadb, r[4], c.Type.Base, extra)
	}
	if !ts.canSelect && hasPrivilege(r[15], "select") {
		ts.canSelect = true
	}
}

// onUpdate reads the ON UPDATE clause from EXTRA: MariaDB says "on update current_timestamp()",
// MySQL 8 "DEFAULT_GENERATED on update CURRENT_TIMESTAMP".
func onUpdate(extra string) string {
	i := strings.Index(strings.ToLower(extra), "on update ")
	if i < 0 {
		return ""
	}
	return strings.TrimSpace(extra[i+len("on update "):])
}

// columnType decodes each distinct column type once, from DATA_TYPE, CHARACTER_MAXIMUM_LENGTH,
// NUMERIC_PRECISION, NUMERIC_SCALE, DATETIME_PRECISION and COLUMN_TYPE.
func (b *builder) columnType(r []sql.RawBytes) schema.Type {
	nums := [4]int64{orNull(r[7]), orNull(r[8]), orNull(r[9]), orNull(r[10])}
	seen := b.types[string(r[13])]
	for i := range seen {
		if e := &seen[i]; e.nums == nums && e.base == string(r[6]) {
			return e.t
		}
	}
	declared, base := b.intern(r[13]), b.intern(r[6])
	t := columnType(declared, strings.ToLower(base), parseInt(r[7]), parseInt(r[8]), parseInt(r[9]), parseInt(r[10]))
	b.types[declared] = append(seen, typeEntry{base: base, nums: nums, t: t})
	return t
}

// orNull reads a number, -1 for NULL (no catalog number here is negative).
func orNull(raw sql.RawBytes) int64 {
	if n, ok := parseInt64(raw); ok {
		return n
	}
	return -1
}

// flushColumns moves the collected columns to their table.
func (b *builder) flushColumns() {
	if ts := b.colOwner; ts != nil && b.slab.Collected() > 0 {
		if cols := b.slab.Cut(); len(ts.t.Columns) == 0 {
			ts.t.Columns = cols
		} else {
			ts.t.Columns = append(ts.t.Columns, cols...)
		}
	}
	b.colOwner = nil
}

// indexPart handles: TABLE_SCHEMA, TABLE_NAME, INDEX_NAME, NON_UNIQUE, SEQ_IN_INDEX, COLUMN_NAME,
// SUB_PART, INDEX_TYPE, COLLATION, EXPRESSION (NULL where the server has none).
func (b *builder) indexPart(r []sql.RawBytes) {
	ts := b.lookup(r[0], r[1])
	if ts == nil {
		return
	}
	t := &ts.t
	var ix *schema.Index
	for i := range t.Indexes {
		if t.Indexes[i].Name == string(r[2]) {
			ix = &t.Indexes[i]
			break
		}
	}
	if ix == nil {
		name := string(r[2])
		t.Indexes = append(t.Indexes, schema.Index{
			Name:    name,
			Unique:  string(r[3]) == "0",
			Primary: name == "PRIMARY",
			Method:  indexMethod(string(r[7])),
		})
		ix = &t.Indexes[len(t.Indexes)-1]
	}
	part := schema.IndexPart{Column: string(r[5]), Descending: string(r[8]) == "D"}
	if r[5] == nil {
		part.Expression = string(r[9])
	}
	// SPATIAL indexes report a meaningless SUB_PART of 32 (bytes of the MBR).
	if ix.Method != "SPATIAL" {
		part.PrefixLength = int(orZero(r[6]))
	}
	ix.Parts = setAt(ix.Parts, int(orZero(r[4])), part)
}

// keyColumn handles: TABLE_SCHEMA, TABLE_NAME, CONSTRAINT_NAME, COLUMN_NAME, ORDINAL_POSITION,
// REFERENCED_TABLE_SCHEMA, REFERENCED_TABLE_NAME, REFERENCED_COLUMN_NAME.
func (b *builder) keyColumn(r []sql.RawBytes) {
	ts := b.lookup(r[0], r[1])
	if ts == nil {
		return
	}
	t := &ts.t
	pos := int(orZero(r[4]))
	column := string(r[3])
	switch {
	case r[6] != nil: // foreign key
		var fk *schema.ForeignKey
		for i := range t.ForeignKeys {
			if t.ForeignKeys[i].Name == string(r[2]) {
				fk = &t.ForeignKeys[i]
				break
			}
		}
		if fk == nil {
			t.ForeignKeys = append(t.ForeignKeys, schema.ForeignKey{
				Name:         string(r[2]),
				RefNamespace: string(r[5]),
				RefTable:     string(r[6]),
				// MySQL's default action; REFERENTIAL_CONSTRAINTS says what it really is.
				OnUpdate: "NO ACTION",
				OnDelete: "NO ACTION",
			})
			fk = &t.ForeignKeys[len(t.ForeignKeys)-1]
			if !bytes.Equal(r[5], r[0]) {
				fk.RefDatabase = fk.RefNamespace
			}
		}
		fk.Columns = setAt(fk.Columns, pos, column)
		fk.RefColumns = setAt(fk.RefColumns, pos, string(r[7]))
	case string(r[2]) == "PRIMARY":
		if t.PrimaryKey == nil {
			t.PrimaryKey = &schema.Constraint{Name: "PRIMARY"}
		}
		t.PrimaryKey.Columns = setAt(t.PrimaryKey.Columns, pos, column)
	default: // UNIQUE
		var u *schema.Constraint
		for i := range t.Uniques {
			if t.Uniques[i].Name == string(r[2]) {
				u = &t.Uniques[i]
				break
			}
		}
		if u == nil {
			t.Uniques = append(t.Uniques, schema.Constraint{Name: string(r[2])})
			u = &t.Uniques[len(t.Uniques)-1]
		}
		u.Columns = setAt(u.Columns, pos, column)
	}
}

// referentialRule handles: CONSTRAINT_SCHEMA, TABLE_NAME, CONSTRAINT_NAME, UPDATE_RULE,
// DELETE_RULE.
func (b *builder) referentialRule(r []sql.RawBytes) {
	ts := b.lookup(r[0], r[1])
	if ts == nil {
		return
	}
	for i := range ts.t.ForeignKeys {
		if fk := &ts.t.ForeignKeys[i]; fk.Name == string(r[2]) {
			fk.OnUpdate, fk.OnDelete = string(r[3]), string(r[4])
			return
		}
	}
}

// check handles: schema, TABLE_NAME, CONSTRAINT_NAME, CHECK_CLAUSE. MariaDB also lists
// column-level checks (named after their column) and the json_valid() check it adds to JSON
// columns: they are real constraints and are kept.
func (b *builder) check(r []sql.RawBytes) {
	if ts := b.lookup(r[0], r[1]); ts != nil {
		ts.t.Checks = append(ts.t.Checks, schema.Check{Name: string(r[2]), Expression: string(r[3])})
	}
}

// finish moves the tables into snap: one Database per MySQL database with one Namespace of the
// same name. Unreadable views go to Failed.
func (b *builder) finish(snap *schema.Snapshot) {
	for db, tables := range b.dbs {
		ns := schema.Namespace{Name: db, Tables: make([]schema.Table, 0, len(tables))}
		for _, ts := range tables {
			if ts.broken == "" && ts.t.Kind == schema.KindView && len(ts.t.Columns) == 0 {
				// MariaDB keeps "VIEW" in the comment of a broken view and lists no columns
				// for it (with warning 1356): a view always has a column when it can be read.
				ts.broken = brokenView
			}
			if ts.broken != "" {
				snap.Failed = append(snap.Failed, schema.AssetError{
					Ref: schema.Ref{Database: db, Namespace: db, Table: ts.t.Name}, Reason: ts.broken,
				})
				continue
			}
			// Tables the account holds no privilege on are not in information_schema at all;
			// the ones it sees without SELECT are marked.
			ts.t.Meta.NoAccess = !ts.canSelect
			ns.Tables = append(ns.Tables, ts.t)
		}
		snap.Databases = append(snap.Databases, schema.Database{Name: db, Namespaces: []schema.Namespace{ns}})
	}
}

// brokenView is the reason given for a view the server cannot resolve: server error 1356.
const brokenView = "view references invalid table(s) or column(s) or function(s) or definer/invoker of view lack rights to use them"

// setAt stores v at the 1-based position pos, growing s as needed. Catalog rows carry their
// ordinal, so no ORDER BY is needed.
func setAt[T any](s []T, pos int, v T) []T {
	if pos < 1 {
		return append(s, v)
	}
	for len(s) < pos {
		var zero T
		s = append(s, zero)
	}
	s[pos-1] = v
	return s
}

// hasPrivilege reports whether the comma-separated PRIVILEGES list holds priv.
func hasPrivilege(list sql.RawBytes, priv string) bool {
	for len(list) > 0 {
		item := list
		if i := bytes.IndexByte(list, ','); i >= 0 {
			item, list = list[:i], list[i+1:]
		} else {
			list = nil
		}
		if string(item) == priv {
			return true
		}
	}
	return false
}

func parseInt(b sql.RawBytes) *int64 {
	n, ok := parseInt64(b)
	if !ok {
		return nil
	}
	return &n
}

// parseInt64 reads a number; false for NULL, and for unsigned values beyond int64 (TABLE_ROWS
// never is), which are treated as unknown.
func parseInt64(b sql.RawBytes) (int64, bool) {
	if b == nil {
		return 0, false
	}
	n, err := strconv.ParseInt(string(b), 10, 64)
	return n, err == nil
}

// orZero reads a number, 0 for NULL.
func orZero(raw sql.RawBytes) int64 {
	n, _ := parseInt64(raw)
	return n
}

func deref(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}
