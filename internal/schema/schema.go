// Package schema is the normalized model of what discovery finds in a data source: databases,
// namespaces (schemas), table-like assets with their columns, keys, indexes and comments.
//
// Every connector produces a *Snapshot; the catalog stores one canonical JSON document and one
// SHA-256 fingerprint per table-like asset (see Fingerprint), and Diff compares two snapshots
// asset by asset. Volatile statistics (row estimates, sizes, privileges) live in Table.Meta, which
// the fingerprint ignores, so a table whose rows change but whose shape does not stays unchanged.
package schema

import "time"

// Kind is what sort of table-like asset a Table is.
type Kind string

// The kinds of table-like assets.
const (
	KindTable            Kind = "table"
	KindView             Kind = "view"
	KindMaterializedView Kind = "materialized_view"
	KindPartitionedTable Kind = "partitioned_table"
	KindPartition        Kind = "partition"
	KindForeignTable     Kind = "foreign_table"
	KindFile             Kind = "file"
)

// Snapshot is everything one discovery read from one source.
type Snapshot struct {
	// Engine names the connector that produced it: postgres, mysql, sqlite, files.
	Engine string `json:"engine"`
	// ServerVersion is what the server reported, e.g. "PostgreSQL 15.20".
	ServerVersion string     `json:"serverVersion,omitempty"`
	CapturedAt    time.Time  `json:"capturedAt"`
	Databases     []Database `json:"databases"`
	// Failed lists assets that were seen but could not be read. They are reported as failed and
	// are never mistaken for deleted assets.
	Failed []AssetError `json:"failed,omitempty"`
	// Complete is false when the discovery did not cover its whole scope (for example when some
	// namespaces could not be listed); the catalog then marks nothing as missing.
	Complete bool `json:"complete"`
}

// AssetError says why one asset could not be read.
type AssetError struct {
	Ref    Ref    `json:"ref"`
	Reason string `json:"reason"`
}

// Database is one database (catalog) of a source. For MySQL/MariaDB a database and its single
// namespace have the same name; for SQLite the database is "main" or an attached name.
type Database struct {
	Name       string      `json:"name"`
	Namespaces []Namespace `json:"namespaces"`
}

// Namespace is a schema inside a database.
type Namespace struct {
	Name    string  `json:"name"`
	Comment string  `json:"comment,omitempty"`
	Tables  []Table `json:"tables"`
	// Enums are named enumerated types declared in the namespace (PostgreSQL CREATE TYPE ... AS ENUM).
	Enums []Enum `json:"enums,omitempty"`
}

// Enum is a named enumerated type and its values in declaration order.
type Enum struct {
	Name   string   `json:"name"`
	Values []string `json:"values"`
}

// Table is any table-like asset: a table, view, materialized view, partitioned table, partition,
// foreign table or a dataset of files.
type Table struct {
	Name    string `json:"name"`
	Kind    Kind   `json:"kind"`
	Comment string `json:"comment,omitempty"`

	Columns     []Column     `json:"columns"`
	PrimaryKey  *Constraint  `json:"primaryKey,omitempty"`
	Uniques     []Constraint `json:"uniques,omitempty"`
	ForeignKeys []ForeignKey `json:"foreignKeys,omitempty"`
	Checks      []Check      `json:"checks,omitempty"`
	Indexes     []Index      `json:"indexes,omitempty"`

	// ViewDefinition is the query of a view or materialized view.
	ViewDefinition string `json:"viewDefinition,omitempty"`
	// PartitionKey is the partitioning clause of a partitioned table, e.g. "RANGE (created_at)".
	PartitionKey string `json:"partitionKey,omitempty"`
	// PartitionOf names the parent of a partition ("namespace.table") and PartitionBound its bound.
	PartitionOf    string `json:"partitionOf,omitempty"`
	PartitionBound string `json:"partitionBound,omitempty"`
	// Options are engine-specific settings that are part of the shape: MySQL engine, charset and
	// collation; SQLite without_rowid and strict; a foreign table's server; a file's format.
	Options map[string]string `json:"options,omitempty"`

	// Meta holds volatile facts kept outside the fingerprint.
	Meta Meta `json:"meta,omitzero"`
}

// Meta is what a discovery learns about a table that is not part of its shape.
type Meta struct {
	// RowEstimate comes from the catalog statistics, never from COUNT(*). Nil when unknown.
	RowEstimate *int64 `json:"rowEstimate,omitempty"`
	// SizeBytes is the on-disk size the catalog reports. Nil when unknown.
	SizeBytes *int64 `json:"sizeBytes,omitempty"`
	// NoAccess is true when the discovering account may not read the table's rows.
	NoAccess bool `json:"noAccess,omitempty"`
	// Location is where a file dataset lives (folder or object prefix) and Files how many files
	// it has.
	Location string `json:"location,omitempty"`
	Files    int    `json:"files,omitempty"`
	// Problems are what the connector noticed while reading the table without failing it, each
	// saying what and where (a data file's malformed rows). The run reports them with the asset.
	Problems []string `json:"problems,omitempty"`
}

// Column is one column of a table.
type Column struct {
	Name     string `json:"name"`
	Position int    `json:"position"`
	Type     Type   `json:"type"`
	Nullable bool   `json:"nullable"`
	// Default is the default expression as the engine prints it; nil when there is none.
	Default *string `json:"default,omitempty"`
	// OnUpdate is the value a MySQL column takes on every update (ON UPDATE CURRENT_TIMESTAMP).
	OnUpdate string `json:"onUpdate,omitempty"`
	// Identity is "ALWAYS" or "BY DEFAULT" for identity columns.
	Identity      string `json:"identity,omitempty"`
	AutoIncrement bool   `json:"autoIncrement,omitempty"`
	// Generated is the expression of a generated column; GeneratedKind is "STORED" or "VIRTUAL".
	Generated     string `json:"generated,omitempty"`
	GeneratedKind string `json:"generatedKind,omitempty"`
	Charset       string `json:"charset,omitempty"`
	Collation     string `json:"collation,omitempty"`
	Comment       string `json:"comment,omitempty"`
}

// Type is a column's type: the declaration as the engine prints it, and its parts.
type Type struct {
	// Declared is the full type as the engine prints it: "character varying(20)", "int(10) unsigned",
	// "text[]", "enum('a','b')".
	Declared string `json:"declared"`
	// Base is the bare type name without modifiers, lower case: "varchar", "int4", "numeric",
	// "enum". For arrays it is the element type, for domains the domain's underlying type.
	Base      string `json:"base"`
	Length    *int64 `json:"length,omitempty"`
	Precision *int   `json:"precision,omitempty"`
	Scale     *int   `json:"scale,omitempty"`
	// ArrayDims is the number of array dimensions (PostgreSQL); 0 for scalars.
	ArrayDims int  `json:"arrayDims,omitempty"`
	Unsigned  bool `json:"unsigned,omitempty"`
	// Values are the allowed values of an enum or set type.
	Values []string `json:"values,omitempty"`
	// Enum names a user-defined enum type ("namespace.name") the column uses.
	Enum string `json:"enum,omitempty"`
	// Domain names the domain ("namespace.name") the column is declared with; Base then holds the
	// domain's underlying type.
	Domain string `json:"domain,omitempty"`
	// Fields are the members of a struct (nested JSON object) and Elem the element of a list,
	// for file datasets.
	Fields []Column `json:"fields,omitempty"`
	Elem   *Type    `json:"elem,omitempty"`
}

// Constraint is a primary key or unique constraint.
type Constraint struct {
	Name    string   `json:"name"`
	Columns []string `json:"columns"`
}

// ForeignKey references another table's columns.
type ForeignKey struct {
	Name    string   `json:"name"`
	Columns []string `json:"columns"`
	// RefDatabase is empty when the referenced table is in the same database.
	RefDatabase  string   `json:"refDatabase,omitempty"`
	RefNamespace string   `json:"refNamespace"`
	RefTable     string   `json:"refTable"`
	RefColumns   []string `json:"refColumns"`
	// OnUpdate and OnDelete are the referential actions: NO ACTION, RESTRICT, CASCADE, SET NULL,
	// SET DEFAULT.
	OnUpdate          string `json:"onUpdate"`
	OnDelete          string `json:"onDelete"`
	Deferrable        bool   `json:"deferrable,omitempty"`
	InitiallyDeferred bool   `json:"initiallyDeferred,omitempty"`
}

// Check is a check constraint.
type Check struct {
	Name       string `json:"name"`
	Expression string `json:"expression"`
}

// Index is an index on a table.
type Index struct {
	Name   string `json:"name"`
	Unique bool   `json:"unique,omitempty"`
	// Primary is true for the index that backs the primary key.
	Primary bool `json:"primary,omitempty"`
	// Method is the access method: btree, hash, gin, gist, brin, FULLTEXT, SPATIAL...
	Method string `json:"method,omitempty"`
	// Parts are the indexed columns or expressions, in order.
	Parts []IndexPart `json:"parts"`
	// Include lists non-key columns carried by the index (PostgreSQL INCLUDE).
	Include []string `json:"include,omitempty"`
	// Predicate is the WHERE clause of a partial index.
	Predicate string `json:"predicate,omitempty"`
}

// IndexPart is one key of an index: a column or an expression.
type IndexPart struct {
	Column     string `json:"column,omitempty"`
	Expression string `json:"expression,omitempty"`
	Descending bool   `json:"descending,omitempty"`
	// PrefixLength is the MySQL prefix length of a partially indexed string column.
	PrefixLength int `json:"prefixLength,omitempty"`
}

// Ref names one table-like asset within a source.
type Ref struct {
	Database  string `json:"database"`
	Namespace string `json:"namespace"`
	Table     string `json:"table"`
}

// String renders the reference as database.namespace.table, leaving out a namespace equal to the
// database (MySQL) or empty.
func (r Ref) String() string {
	switch {
	case r.Namespace == "" || r.Namespace == r.Database:
		return r.Database + "." + r.Table
	default:
		return r.Database + "." + r.Namespace + "." + r.Table
	}
}
