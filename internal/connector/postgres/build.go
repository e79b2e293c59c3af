package postgres

import (
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

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
}

type nsEntry struct {
	ns     schema.Namespace
	tables []*schema.Table
}

type enumType struct {
	namespace, name string
	values          []string
}

// qualified is the enum's name as columns refer to it: "namespace.name".
func (e enumType) qualified() string { return e.namespace + "." + e.name }

func newBuilder(database string, set namespaceSet, f filter.Filter) *builder {
	b := &builder{
		database: database,
		filter:   f,
		nsByOID:  make(map[uint32]*nsEntry, len(set.selected)),
		tables:   map[uint32]*schema.Table{},
		enums:    map[uint32]enumType{},
	}
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
	b.enums[oid] = enumType{namespace: ns, name: name, values: values}
	return nil
}

func (b *builder) readRelation(rows pgx.Rows) error {
	var (
		oid, nsOID                   uint32
		name, kind, persistence      string
		isPartition                  bool
		parent, bound, partKey, view string
		server, comment              string
		rowEstimate, size            *int64
		noAccess                     bool
	)
	if err := rows.Scan(&oid, &nsOID, &name, &kind, &isPartition, &persistence, &parent, &bound, &partKey, &view,
		&server, &comment, &rowEstimate, &size, &noAccess); err != nil {
		return err
	}
	ns := b.nsByOID[nsOID]
	if ns == nil || !b.filter.Table(b.database, ns.ns.Name, name) {
		return nil
	}
	t := &schema.Table{
		Name:           name,
		Kind:           relationKind(kind, isPartition),
		Comment:        comment,
		ViewDefinition: strings.TrimSpace(view),
		PartitionKey:   partKey,
		PartitionOf:    parent,
		PartitionBound: bound,
		Meta:           schema.Meta{RowEstimate: rowEstimate, SizeBytes: size, NoAccess: noAccess},
	}
	if server != "" {
		t.Options = map[string]string{"server": server}
	}
	if persistence == "u" {
		if t.Options == nil {
			t.Options = map[string]string{}
		}
		t.Options["persistence"] = "unlogged"
	}
	b.tables[oid] = t
	ns.tables = append(ns.tables, t)
	return nil
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
	var (
		rel, enumOID                 uint32
		name, declared, base, domain string
		dims, typmod                 int32
		nullable                     bool
		def                          *string
		identity, generated          string
		collation, comment           string
	)
	if err := rows.Scan(&rel, &name, &declared, &base, &dims, &typmod, &domain, &enumOID, &nullable, &def,
		&identity, &generated, &collation, &comment); err != nil {
		return err
	}
	t := b.tables[rel]
	if t == nil {
		return nil
	}
	col := schema.Column{
		Name:      name,
		Position:  len(t.Columns) + 1, // rows come in attnum order, dropped columns left out
		Type:      columnType(declared, base, int(dims), typmod),
		Nullable:  nullable,
		Collation: collation,
		Comment:   comment,
	}
	col.Type.Domain = domain
	if enumOID != 0 {
		e := b.enums[enumOID]
		col.Type.Base = "enum"
		col.Type.Enum = e.qualified()
		col.Type.Values = e.values
	}
	switch identity {
	case "a":
		col.Identity = "ALWAYS"
	case "d":
		col.Identity = "BY DEFAULT"
	}
	switch {
	case generated == "s" && def != nil:
		col.Generated, col.GeneratedKind = *def, "STORED"
	case def != nil:
		col.Default = def
		col.AutoIncrement = strings.HasPrefix(*def, "nextval(")
	}
	t.Columns = append(t.Columns, col)
	return nil
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

func (b *builder) readConstraint(rows pgx.Rows) error {
	var (
		rel                  uint32
		name, kind           string
		cols, refCols        []string
		refNS, refTable      string
		onUpdate, onDelete   string
		deferrable, deferred bool
		check                string
	)
	if err := rows.Scan(&rel, &name, &kind, &cols, &refNS, &refTable, &refCols, &onUpdate, &onDelete,
		&deferrable, &deferred, &check); err != nil {
		return err
	}
	t := b.tables[rel]
	if t == nil {
		return nil
	}
	switch kind {
	case "p":
		t.PrimaryKey = &schema.Constraint{Name: name, Columns: cols}
	case "u":
		t.Uniques = append(t.Uniques, schema.Constraint{Name: name, Columns: cols})
	case "f":
		t.ForeignKeys = append(t.ForeignKeys, schema.ForeignKey{
			Name:              name,
			Columns:           cols,
			RefNamespace:      refNS,
			RefTable:          refTable,
			RefColumns:        refCols,
			OnUpdate:          referentialAction(onUpdate),
			OnDelete:          referentialAction(onDelete),
			Deferrable:        deferrable,
			InitiallyDeferred: deferred,
		})
	case "c":
		t.Checks = append(t.Checks, schema.Check{Name: name, Expression: check})
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

func (b *builder) readIndex(rows pgx.Rows) error {
	var (
		rel              uint32
		name, method     string
		unique, primary  bool
		keyCount         int32
		attnums, options []int16
		parts            []string
		predicate        string
	)
	if err := rows.Scan(&rel, &name, &unique, &primary, &method, &keyCount, &attnums, &options, &parts, &predicate); err != nil {
		return err
	}
	t := b.tables[rel]
	if t == nil {
		return nil
	}
	if int(keyCount) > len(parts) || len(attnums) < len(parts) {
		return fmt.Errorf("index %s: %d key columns but %d parts and %d attribute numbers", name, keyCount, len(parts), len(attnums))
	}
	idx := schema.Index{Name: name, Unique: unique, Primary: primary, Method: method, Predicate: predicate,
		Parts: make([]schema.IndexPart, keyCount)}
	for k := range int(keyCount) {
		p := &idx.Parts[k]
		if attnums[k] == 0 {
			p.Expression = parts[k]
		} else {
			p.Column = parts[k]
		}
		// indoption bit 0 is INDOPTION_DESC.
		p.Descending = k < len(options) && options[k]&1 != 0
	}
	if int(keyCount) < len(parts) {
		idx.Include = parts[keyCount:]
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
	return &schema.Snapshot{Databases: []schema.Database{db}}
}
