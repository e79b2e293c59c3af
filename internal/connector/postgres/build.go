package postgres

import (
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/surveyorhq/surveyor/internal/filter"
	"github.com/surveyorhq/surveyor/internal/schema"
)

// builder turns the rows of the catalog queries into a snapshot. Tables are found by oid in one
// map, so each row costs a map lookup and no query.
type builder struct {
	database   string
	filter     filter.Filter
	namespaces []*nsEntry
	nsByOID    map[uint32]*nsEntry
	tables     map[uint32]*schema.Table
	enums      map[uint32]enumType
	// locked are the relations another session locks exclusively, or that depend on one: not
	// read, reported failed.
	locked lockSet
	failed []schema.AssetError

	// Columns arrive ordered by table: they collect in slab until the table changes, then
	// move to their table (colOwner) as one right-sized slice.
	colOwner *schema.Table
	slab     schema.ColumnSlab
	col      columnRow
	rel      relationRow
	con      constraintRow
	idx      indexRow
	// interned shares the few distinct column names, type names, domains and collations among
	// all columns; types shares the decoded types (and their Length, Precision and Scale
	// pointers, which nothing changes).
	interned map[string]string
	types    map[typeKey]schema.Type
}

// columnRow holds the scan targets of qColumns, reused for every row so that nothing escapes
// per row. The DriverBytes alias the driver's buffer until the next row.
type columnRow struct {
	rel, enumOID                            uint32
	name, declared, base, domain            pgtype.DriverBytes
	dims, typmod                            int32
	nullable                                bool
	def                                     *string
	identity, generated, collation, comment pgtype.DriverBytes
	dest                                    []any
}

type typeKey struct {
	declared, base string
	dims           int
	typmod         int32
}

type nsEntry struct {
	ns     schema.Namespace
	tables []*schema.Table
}

type enumType struct {
	namespace, name string
	qualified       string // as columns refer to it: "namespace.name"
	values          []string
}

func newBuilder(database string, set namespaceSet, f filter.Filter, locked lockSet) *builder {
	b := &builder{
		database: database,
		filter:   f,
		locked:   locked,
		nsByOID:  make(map[uint32]*nsEntry, len(set.selected)),
		tables:   map[uint32]*schema.Table{},
		enums:    map[uint32]enumType{},
		interned: map[string]string{},
		types:    map[typeKey]schema.Type{},
	}
	c := &b.col
	c.dest = []any{&c.rel, &c.name, &c.declared, &c.base, &c.dims, &c.typmod, &c.domain, &c.enumOID, &c.nullable,
		&c.def, &c.identity, &c.generated, &c.collation, &c.comment}
	for _, n := range set.selected {
		e := &nsEntry{ns: schema.Namespace{Name: n.name, Comment: n.comment}}
		b.namespaces = append(b.namespaces, e)
		b.nsByOID[n.oid] = e
	}
	return b
}

func (b *builder) readEnum(rows pgx.Rows) error {
	var oid uint32
	var ns, name string
	var values []string
	if err := rows.Scan(&oid, &ns, &name, &values); err != nil {
		return err
	}
	b.enums[oid] = enumType{namespace: ns, name: name, qualified: ns + "." + name, values: values}
	return nil
}

// relationRow holds the scan targets of qRelations, reused for every row.
type relationRow struct {
	oid, nsOID                   uint32
	name, kind, persistence      string
	isPartition                  bool
	parent, bound, partKey, view string
	server, comment              string
	rowEstimate, size            *int64
	noAccess                     bool
}

func (b *builder) readRelation(rows pgx.Rows) error {
	r := &b.rel
	if err := rows.Scan(&r.oid, &r.nsOID, &r.name, &r.kind, &r.isPartition, &r.persistence, &r.parent, &r.bound,
		&r.partKey, &r.view, &r.server, &r.comment, &r.rowEstimate, &r.size, &r.noAccess); err != nil {
		return err
	}
	ns := b.nsByOID[r.nsOID]
	if ns == nil || !b.filter.Table(b.database, ns.ns.Name, r.name) {
		return nil
	}
	if on, ok := b.locked[r.oid]; ok {
		b.failLocked(schema.Ref{Database: b.database, Namespace: ns.ns.Name, Table: r.name}, on)
		return nil
	}
	t := &schema.Table{
		Name:           r.name,
		Kind:           relationKind(r.kind, r.isPartition),
		Comment:        r.comment,
		ViewDefinition: strings.TrimSpace(r.view),
		PartitionKey:   r.partKey,
		PartitionOf:    r.parent,
		PartitionBound: r.bound,
		Meta:           schema.Meta{RowEstimate: r.rowEstimate, SizeBytes: r.size, NoAccess: r.noAccess},
	}
	if r.server != "" {
		t.Options = map[string]string{"server": r.server}
	}
	if r.persistence == "u" {
		if t.Options == nil {
			t.Options = map[string]string{}
		}
		t.Options["persistence"] = "unlogged"
	}
	b.tables[r.oid] = t
	ns.tables = append(ns.tables, t)
	return nil
}

// failLocked reports a relation left out because of another session's exclusive lock, on it or
// on the relation it depends on (on).
func (b *builder) failLocked(ref schema.Ref, on uint32) {
	reason := "another session holds an exclusive lock on it (an ALTER, DROP or LOCK TABLE in progress); not read this time"
	if on != 0 {
		reason = "another session holds an exclusive lock on a relation it reads (an ALTER, DROP or LOCK TABLE in progress); not read this time"
	}
	b.failed = append(b.failed, schema.AssetError{Ref: ref, Reason: reason})
}

func relationKind(relkind string, isPartition bool) schema.Kind {
	if isPartition {
		return schema.KindPartition
	}
	switch relkind {
	case "v":
		return schema.KindView
	case "m":
		return schema.KindMaterializedView
	case "p":
		return schema.KindPartitionedTable
	case "f":
		return schema.KindForeignTable
	}
	return schema.KindTable
}

func (b *builder) readColumn(rows pgx.Rows) error {
	r := &b.col
	if err := rows.Scan(r.dest...); err != nil {
		return err
	}
	t := b.tables[r.rel]
	if t == nil {
		return nil
	}
	if t != b.colOwner {
		b.flushColumns()
		b.colOwner = t
	}
	col := b.slab.Next()
	col.Name = b.intern(r.name)                        // names repeat across tables: id, created_at...
	col.Position = len(t.Columns) + b.slab.Collected() // rows come in attnum order, dropped columns left out
	col.Type = b.columnType(r.declared, r.base, int(r.dims), r.typmod)
	col.Nullable = r.nullable
	col.Collation = b.intern(r.collation)
	if len(r.comment) > 0 {
		col.Comment = string(r.comment)
	}
	col.Type.Domain = b.intern(r.domain)
	if r.enumOID != 0 {
		e := b.enums[r.enumOID]
		col.Type.Base = "enum"
		col.Type.Enum = e.qualified
		col.Type.Values = e.values
	}
	switch string(r.identity) {
	case "a":
		col.Identity = "ALWAYS"
	case "d":
		col.Identity = "BY DEFAULT"
	}
	switch {
	case string(r.generated) == "s" && r.def != nil:
		col.Generated, col.GeneratedKind = *r.def, "STORED"
	case r.def != nil:
		col.Default = r.def
		col.AutoIncrement = strings.HasPrefix(*r.def, "nextval(")
	}
	return nil
}

// flushColumns moves the collected columns to their table.
func (b *builder) flushColumns() {
	if t := b.colOwner; t != nil && b.slab.Collected() > 0 {
		if cols := b.slab.Cut(); len(t.Columns) == 0 {
			t.Columns = cols
		} else {
			t.Columns = append(t.Columns, cols...)
		}
	}
	b.colOwner = nil
}

// intern returns raw as a string shared with every equal value seen before.
func (b *builder) intern(raw []byte) string {
	if len(raw) == 0 {
		return ""
	}
	if s, ok := b.interned[string(raw)]; ok {
		return s
	}
	s := string(raw)
	b.interned[s] = s
	return s
}

// columnType decodes each distinct type once.
func (b *builder) columnType(declared, base []byte, dims int, typmod int32) schema.Type {
	k := typeKey{declared: b.intern(declared), base: b.intern(base), dims: dims, typmod: typmod}
	t, ok := b.types[k]
	if !ok {
		t = columnType(k.declared, k.base, dims, typmod)
		b.types[k] = t
	}
	return t
}

// columnType decodes a column's type. base is the bare name of the type after resolving domains
// and arrays; typmod is the type modifier, decoded by the rules information_schema uses.
func columnType(declared, base string, dims int, typmod int32) schema.Type {
	ty := schema.Type{Declared: declared, Base: base, ArrayDims: dims}
	if typmod < 0 {
		return ty
	}
	switch base {
	case "varchar", "bpchar":
		if typmod >= 4 {
			ty.Length = ptr(int64(typmod - 4))
		}
	case "bit", "varbit":
		ty.Length = ptr(int64(typmod))
	case "numeric":
		if typmod >= 4 {
			m := typmod - 4
			ty.Precision = ptr(int((m >> 16) & 0xffff))
			// The scale is an 11-bit signed number since PostgreSQL 15 allows negative scales.
			ty.Scale = ptr(int(((m & 0x7ff) ^ 1024) - 1024))
		}
	case "time", "timetz", "timestamp", "timestamptz":
		ty.Precision = ptr(int(typmod))
	case "interval":
		if p := typmod & 0xffff; p != 0xffff {
			ty.Precision = ptr(int(p))
		}
	}
	return ty
}

func ptr[T any](v T) *T { return &v }

// constraintRow holds the scan targets of qConstraints, reused for every row.
type constraintRow struct {
	rel                  uint32
	name, kind           string
	cols, refCols        []string
	refNS, refTable      string
	onUpdate, onDelete   string
	deferrable, deferred bool
	check                string
}

func (b *builder) readConstraint(rows pgx.Rows) error {
	r := &b.con
	if err := rows.Scan(&r.rel, &r.name, &r.kind, &r.cols, &r.refNS, &r.refTable, &r.refCols, &r.onUpdate, &r.onDelete,
		&r.deferrable, &r.deferred, &r.check); err != nil {
		return err
	}
	t := b.tables[r.rel]
	if t == nil {
		return nil
	}
	switch r.kind {
	case "p":
		t.PrimaryKey = &schema.Constraint{Name: r.name, Columns: r.cols}
	case "u":
		t.Uniques = append(t.Uniques, schema.Constraint{Name: r.name, Columns: r.cols})
	case "f":
		t.ForeignKeys = append(t.ForeignKeys, schema.ForeignKey{
			Name:              r.name,
			Columns:           r.cols,
			RefNamespace:      r.refNS,
			RefTable:          r.refTable,
			RefColumns:        r.refCols,
			OnUpdate:          referentialAction(r.onUpdate),
			OnDelete:          referentialAction(r.onDelete),
			Deferrable:        r.deferrable,
			InitiallyDeferred: r.deferred,
		})
	case "c":
		t.Checks = append(t.Checks, schema.Check{Name: r.name, Expression: r.check})
	}
	return nil
}

// referentialAction spells out pg_constraint's one-letter foreign key actions.
func referentialAction(code string) string {
	switch code {
	case "r":
		return "RESTRICT"
	case "c":
		return "CASCADE"
	case "n":
		return "SET NULL"
	case "d":
		return "SET DEFAULT"
	}
	return "NO ACTION"
}

// indexRow holds the scan targets of qIndexes, reused for every row.
type indexRow struct {
	rel              uint32
	name, method     string
	unique, primary  bool
	keyCount         int32
	attnums, options []int16
	parts            []string
	predicate        string
}

func (b *builder) readIndex(rows pgx.Rows) error {
	r := &b.idx
	if err := rows.Scan(&r.rel, &r.name, &r.unique, &r.primary, &r.method, &r.keyCount, &r.attnums, &r.options,
		&r.parts, &r.predicate); err != nil {
		return err
	}
	t := b.tables[r.rel]
	if t == nil {
		return nil
	}
	if int(r.keyCount) > len(r.parts) || len(r.attnums) < len(r.parts) {
		return fmt.Errorf("index %s: %d key columns but %d parts and %d attribute numbers", r.name, r.keyCount, len(r.parts), len(r.attnums))
	}
	idx := schema.Index{Name: r.name, Unique: r.unique, Primary: r.primary, Method: r.method, Predicate: r.predicate,
		Parts: make([]schema.IndexPart, r.keyCount)}
	for k := range int(r.keyCount) {
		p := &idx.Parts[k]
		if r.attnums[k] == 0 {
			p.Expression = r.parts[k]
		} else {
			p.Column = r.parts[k]
		}
		// indoption bit 0 is INDOPTION_DESC.
		p.Descending = k < len(r.options) && r.options[k]&1 != 0
	}
	if int(r.keyCount) < len(r.parts) {
		idx.Include = r.parts[r.keyCount:]
	}
	t.Indexes = append(t.Indexes, idx)
	return nil
}

// snapshot assembles the namespaces and their tables. Normalize orders them.
func (b *builder) snapshot() *schema.Snapshot {
	db := schema.Database{Name: b.database, Namespaces: make([]schema.Namespace, 0, len(b.namespaces))}
	byName := map[string]*schema.Namespace{}
	for _, e := range b.namespaces {
		ns := e.ns
		ns.Tables = make([]schema.Table, 0, len(e.tables))
		for _, t := range e.tables {
			if t.Columns == nil {
				t.Columns = []schema.Column{}
			}
			ns.Tables = append(ns.Tables, *t)
		}
		db.Namespaces = append(db.Namespaces, ns)
	}
	for i := range db.Namespaces {
		byName[db.Namespaces[i].Name] = &db.Namespaces[i]
	}
	for _, e := range b.enums {
		if ns := byName[e.namespace]; ns != nil {
			ns.Enums = append(ns.Enums, schema.Enum{Name: e.name, Values: e.values})
		}
	}
	return &schema.Snapshot{Databases: []schema.Database{db}, Failed: b.failed}
}
