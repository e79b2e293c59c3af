// Package graphql renders discovered tables as AppSync introspection models: each table becomes a
// model with typed fields (GraphQL scalars and AppSync's AWS* scalars, NonNull for NOT NULL, List
// for arrays and sets, Enum with its values), a primary key named PRIMARY_KEY, its indexes, and
// the model's GraphQL SDL. The type mapping follows the one AppSync's RDS introspection uses for
// PostgreSQL and MySQL, and extends it to SQLite's declared types.
package graphql

import (
	"strings"

	"github.com/surveyorhq/surveyor/internal/schema"
)

// Field type kinds.
const (
	KindScalar  = "Scalar"
	KindNonNull = "NonNull"
	KindList    = "List"
	KindEnum    = "Enum"
)

// PrimaryKeyName is the name every model's primary key carries, whatever the database calls it.
const PrimaryKeyName = "PRIMARY_KEY"

// Model is one table as AppSync describes it.
type Model struct {
	Name       string  `json:"name"`
	Fields     []Field `json:"fields"`
	PrimaryKey *Index  `json:"primaryKey,omitempty"`
	Indexes    []Index `json:"indexes"`
	SDL        string  `json:"sdl,omitempty"`
	enums      []*FieldType
}

// Field is one column of a model.
type Field struct {
	Name   string     `json:"name"`
	Type   *FieldType `json:"type"`
	Length *int64     `json:"length,omitempty"`
}

// FieldType is a field's GraphQL type: a Scalar or Enum with a name, or a NonNull or List
// wrapping another type. Enums carry their values.
type FieldType struct {
	Kind   string     `json:"kind"`
	Name   string     `json:"name,omitempty"`
	Type   *FieldType `json:"type,omitempty"`
	Values []string   `json:"values,omitempty"`
}

// Index is a primary key or an index: its name and its columns in order.
type Index struct {
	Name   string   `json:"name"`
	Fields []string `json:"fields"`
}

// Engines whose type mappings this package knows; others are read as PostgreSQL would be.
const (
	Postgres = "postgres"
	MySQL    = "mysql"
	SQLite   = "sqlite"
)

// FromTable builds the model of a table discovered from engine (postgres, mysql or sqlite), with
// its SDL.
func FromTable(engine string, t *schema.Table) Model {
	m := Model{Name: t.Name, Fields: make([]Field, 0, len(t.Columns)), Indexes: []Index{}}
	seenEnum := map[string]bool{}
	jsonCols := mariaDBJSONColumns(engine, t)
	for _, c := range t.Columns {
		if jsonCols[c.Name] && c.Type.Base == "longtext" {
			c.Type.Base = "json"
		}
		ft := fieldType(engine, t.Name, c)
		if e := innermost(ft); e.Kind == KindEnum && !seenEnum[enumKey(e)] {
			seenEnum[enumKey(e)] = true
			m.enums = append(m.enums, e)
		}
		m.Fields = append(m.Fields, Field{Name: c.Name, Type: ft, Length: c.Type.Length})
	}
	if t.PrimaryKey != nil && len(t.PrimaryKey.Columns) > 0 {
		m.PrimaryKey = &Index{Name: PrimaryKeyName, Fields: append([]string(nil), t.PrimaryKey.Columns...)}
	}
	for _, ix := range t.Indexes {
		if ix.Primary || (t.PrimaryKey != nil && ix.Name == t.PrimaryKey.Name) {
			continue
		}
		fields, ok := indexFields(ix)
		if !ok {
			continue
		}
		m.Indexes = append(m.Indexes, Index{Name: ix.Name, Fields: fields})
	}
	m.SDL = sdl(&m)
	return m
}

// mariaDBJSONColumns finds MariaDB's JSON columns: MariaDB stores JSON as longtext with a
// CHECK (json_valid(`column`)) constraint, where MySQL has a json type.
func mariaDBJSONColumns(engine string, t *schema.Table) map[string]bool {
	if engine != MySQL {
		return nil
	}
	var cols map[string]bool
	for _, c := range t.Checks {
		e := strings.TrimSpace(c.Expression)
		if name, ok := strings.CutPrefix(e, "json_valid(`"); ok {
			if name, ok = strings.CutSuffix(name, "`)"); ok && !strings.Contains(name, "`") {
				if cols == nil {
					cols = map[string]bool{}
				}
				cols[name] = true
			}
		}
	}
	return cols
}

// indexFields lists the columns of an index; an index on an expression has no GraphQL
// counterpart and is left out.
func indexFields(ix schema.Index) ([]string, bool) {
	if len(ix.Parts) == 0 {
		return nil, false
	}
	fields := make([]string, 0, len(ix.Parts))
	for _, p := range ix.Parts {
		if p.Column == "" {
			return nil, false
		}
		fields = append(fields, p.Column)
	}
	return fields, true
}

func innermost(ft *FieldType) *FieldType {
	for ft.Type != nil {
		ft = ft.Type
	}
	return ft
}

// fieldType wraps the column's element type in List for each array dimension (or for a MySQL
// SET) and in NonNull when the column is NOT NULL.
func fieldType(engine, table string, c schema.Column) *FieldType {
	var ft *FieldType
	switch engine {
	case MySQL:
		ft = mysqlType(table, c)
	case SQLite:
		ft = sqliteType(c.Type)
	default:
		ft = postgresType(c.Type)
	}
	if !c.Nullable {
		ft = &FieldType{Kind: KindNonNull, Type: ft}
	}
	return ft
}

func scalar(name string) *FieldType { return &FieldType{Kind: KindScalar, Name: name} }

func list(ft *FieldType) *FieldType { return &FieldType{Kind: KindList, Type: ft} }

// postgresType maps pg_type names (Base: the element type of an array, the underlying type of a
// domain).
func postgresType(t schema.Type) *FieldType {
	var ft *FieldType
	if t.Enum != "" || (t.Base == "enum" && len(t.Values) > 0) {
		name := t.Enum
		if i := strings.LastIndexByte(name, '.'); i >= 0 {
			name = name[i+1:]
		}
		ft = &FieldType{Kind: KindEnum, Name: name, Values: append([]string{}, t.Values...)}
	} else {
		ft = scalar(postgresScalar(t.Base))
	}
	for range t.ArrayDims {
		ft = list(ft)
	}
	return ft
}

func postgresScalar(base string) string {
	switch base {
	case "varchar", "bpchar", "char", "text", "name", "citext":
		return "String"
	case "bool", "boolean":
		return "Boolean"
	case "int2", "int4", "int8", "smallint", "integer", "bigint", "serial", "serial2", "serial4",
		"serial8", "smallserial", "bigserial", "bit":
		return "Int"
	case "float4", "float8", "numeric", "decimal", "money", "real":
		return "Float"
	case "uuid":
		return "ID"
	case "date":
		return "AWSDate"
	case "timestamp", "timestamptz":
		return "AWSDateTime"
	case "time", "timetz":
		return "AWSTime"
	case "json", "jsonb", "point", "line", "lseg", "box", "path", "polygon", "circle":
		return "AWSJSON"
	case "inet", "cidr":
		return "AWSIPAddress"
	}
	return "String"
}

// mysqlType maps information_schema DATA_TYPE names. An ENUM becomes an enum type named
// PascalCase(table + column); a SET becomes a list of strings.
func mysqlType(table string, c schema.Column) *FieldType {
	switch c.Type.Base {
	case "enum":
		return &FieldType{Kind: KindEnum, Name: PascalCase(table + "_" + c.Name), Values: append([]string{}, c.Type.Values...)}
	case "set":
		return list(scalar("String"))
	}
	return scalar(mysqlScalar(c.Type.Base))
}

func mysqlScalar(base string) string {
	switch base {
	case "char", "varchar", "binary", "varbinary", "tinytext", "text", "mediumtext", "longtext",
		"tinyblob", "blob", "mediumblob", "longblob":
		return "String"
	case "bool", "boolean":
		return "Boolean"
	case "bit", "tinyint", "smallint", "mediumint", "int", "integer", "bigint", "year":
		return "Int"
	case "float", "double", "decimal", "dec", "numeric", "real", "double precision":
		return "Float"
	case "date":
		return "AWSDate"
	case "datetime", "timestamp":
		return "AWSDateTime"
	case "time":
		return "AWSTime"
	case "json":
		return "AWSJSON"
	}
	return "String"
}

// sqliteType maps a declared SQLite type: well-known names first (boolean, date, datetime,
// timestamp, time, json, uuid), then SQLite's own type affinity rules on the declaration.
func sqliteType(t schema.Type) *FieldType {
	switch t.Base {
	case "bool", "boolean":
		return scalar("Boolean")
	case "date":
		return scalar("AWSDate")
	case "datetime", "timestamp", "timestamptz":
		return scalar("AWSDateTime")
	case "time":
		return scalar("AWSTime")
	case "json", "jsonb":
		return scalar("AWSJSON")
	case "uuid":
		return scalar("ID")
	}
	d := strings.ToUpper(t.Declared)
	switch {
	case strings.Contains(d, "INT"):
		return scalar("Int")
	case strings.Contains(d, "CHAR"), strings.Contains(d, "CLOB"), strings.Contains(d, "TEXT"):
		return scalar("String")
	case d == "" || strings.Contains(d, "BLOB"):
		return scalar("String")
	case strings.Contains(d, "REAL"), strings.Contains(d, "FLOA"), strings.Contains(d, "DOUB"),
		strings.Contains(d, "NUMERIC"), strings.Contains(d, "DECIMAL"), strings.Contains(d, "NUMBER"):
		return scalar("Float")
	}
	return scalar("String")
}

// PascalCase joins the alphanumeric words of s, each with its first letter upper-cased:
// "order_items_status" → "OrderItemsStatus".
func PascalCase(s string) string {
	var b strings.Builder
	up := true
	for _, r := range s {
		switch {
		case isAlnum(r):
			if up && r >= 'a' && r <= 'z' {
				r -= 'a' - 'A'
			}
			b.WriteRune(r)
			up = false
		default:
			up = true
		}
	}
	return b.String()
}

func isAlnum(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
}
