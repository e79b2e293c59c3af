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
}

type tableState struct {
	t schema.Table
	// canSelect is true when any column lists the select privilege for the current account.
	canSelect bool
	// broken holds the error MySQL reports in TABLE_COMMENT for a view it cannot read.
	broken string
}

func newBuilder(p plan, opts connector.Options) *builder {
	schemas := p.schemas
	b := &builder{mariadb: p.mariadb, opts: opts, dbs: make(map[string]map[string]*tableState, len(schemas)),
		interned: map[string]string{}}
	for _, s := range schemas {
		b.dbs[s] = map[string]*tableState{}
	}
	return b
}

// lookup finds a table read by the tables query; nil for tables filtered out.
func (b *builder) lookup(db, table sql.RawBytes) *tableState {
	tables := b.dbs[string(db)]
	if tables == nil {
		return nil
	}
	return tables[string(table)]
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
	ts := &tableState{t: schema.Table{Name: name, Kind: schema.KindTable}}
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
	declared := b.intern(r[13])
	extra := b.intern(r[14])
	c := schema.Column{
		Name:     string(r[2]),
		Position: int(deref(parseInt(r[3]))),
		Nullable: string(r[5]) == "YES",
		Type: columnType(declared, strings.ToLower(b.intern(r[6])),
			parseInt(r[7]), parseInt(r[8]), parseInt(r[9]), parseInt(r[10])),
		Charset:       b.intern(r[11]),
		Collation:     b.intern(r[12]),
		Comment:       string(r[16]),
		AutoIncrement: strings.Contains(extra, "auto_increment"),
	}
	if kind := generatedKind(extra); kind != "" {
		c.Generated = string(r[17])
		c.GeneratedKind = kind
	} else {
		c.Default = columnDefault(b.mariadb, r[4], c.Type.Base, extra)
	}
	if !ts.canSelect && hasPrivilege(r[15], "select") {
		ts.canSelect = true
	}
	ts.t.Columns = append(ts.t.Columns, c)
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
		part.PrefixLength = int(deref(parseInt(r[6])))
	}
	ix.Parts = setAt(ix.Parts, int(deref(parseInt(r[4]))), part)
}

// keyColumn handles: TABLE_SCHEMA, TABLE_NAME, CONSTRAINT_NAME, COLUMN_NAME, ORDINAL_POSITION,
// REFERENCED_TABLE_SCHEMA, REFERENCED_TABLE_NAME, REFERENCED_COLUMN_NAME.
func (b *builder) keyColumn(r []sql.RawBytes) {
	ts := b.lookup(r[0], r[1])
	if ts == nil {
		return
	}
	t := &ts.t
	pos := int(deref(parseInt(r[4])))
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
	if b == nil {
		return nil
	}
	n, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		// Unsigned values beyond int64 (TABLE_ROWS never is): treat as unknown.
		return nil
	}
	return &n
}

func deref(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}
