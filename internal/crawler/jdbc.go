package crawler

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/surveyorhq/surveyor/internal/filter"
	"github.com/surveyorhq/surveyor/internal/schema"
)

// JDBCTarget is one JDBC include path of a crawler.
type JDBCTarget struct {
	ConnectionName string
	// Path is database/schema/table (PostgreSQL) or database/table (MySQL, SQLite); `%` may
	// stand for the schema or the table (or part of the table name), never the database.
	Path       string
	Exclusions []string
	// Comments and RawTypes are EnableAdditionalMetadata's COMMENTS and RAWTYPES.
	Comments bool
	RawTypes bool
}

// JDBCPath is a parsed include path.
type JDBCPath struct {
	Database string
	// Schema and Table are globs (`*` for `%`); Schema is "" for engines without schemas.
	Schema string
	Table  string
	// schemaWild is true when the path's schema part was a wildcard: exclusions then see
	// "schema/table".
	schemaWild bool
	engine     string
}

// hasSchemas reports whether the engine's tables live in schemas inside a database.
func hasSchemas(engine string) bool { return engine == "postgres" }

// ParseJDBCPath reads a JDBC include path for an engine (postgres, mysql, sqlite).
func ParseJDBCPath(path, engine string) (JDBCPath, error) {
	parts := strings.Split(path, "/")
	bad := func(why string) error {
		return fmt.Errorf("JDBC include path %q: %s", path, why)
	}
	for _, p := range parts {
		if p == "" {
			return JDBCPath{}, bad("a part is empty")
		}
	}
	if strings.Contains(parts[0], "%") {
		return JDBCPath{}, bad("the database may not be a wildcard")
	}
	glob := func(s string) string { return strings.ReplaceAll(s, "%", "*") }
	p := JDBCPath{Database: parts[0], engine: engine}
	switch {
	case hasSchemas(engine) && len(parts) == 2:
		if parts[1] == "%" {
			p.Schema, p.Table, p.schemaWild = "*", "*", true
		} else {
			p.Schema, p.Table = parts[1], "*"
		}
	case hasSchemas(engine) && len(parts) == 3:
		p.Schema, p.Table = glob(parts[1]), glob(parts[2])
		p.schemaWild = strings.Contains(parts[1], "%")
	case !hasSchemas(engine) && len(parts) == 2:
		p.Table = glob(parts[1])
	case len(parts) == 1:
		return JDBCPath{}, bad("name the tables: database/% or database/schema/%")
	default:
		if hasSchemas(engine) {
			return JDBCPath{}, bad("use database/schema/table")
		}
		return JDBCPath{}, bad("use database/table (this engine has no schemas)")
	}
	return p, nil
}

// Filter is the connector filter that reads only the path's tables.
func (p JDBCPath) Filter() filter.Filter {
	ns := p.Schema
	if !hasSchemas(p.engine) {
		ns = ""
	}
	return filter.Filter{Rules: []filter.Rule{{Action: filter.Include, Namespace: ns, Table: p.Table}}}
}

// relative is a table's path relative to the include path, for exclusions.
func (p JDBCPath) relative(ns, table string) string {
	if p.schemaWild {
		return ns + "/" + table
	}
	return table
}

// JDBCTables turns one database's snapshot (read with the path's Filter) into the tables a
// crawler writes for a JDBC target. classification is postgresql, mysql or sqlite.
func JDBCTables(snap *schema.Snapshot, t JDBCTarget, engine string, o Options) ([]Table, []Unreadable, error) {
	p, err := ParseJDBCPath(t.Path, engine)
	if err != nil {
		return nil, nil, err
	}
	excl, err := CompileExclusions(t.Exclusions)
	if err != nil {
		return nil, nil, err
	}
	f := p.Filter()
	n := 0
	for _, db := range snap.Databases {
		for _, ns := range db.Namespaces {
			n += len(ns.Tables)
		}
	}
	out := make([]Table, 0, n)
	var failed []Unreadable
	for _, fl := range snap.Failed {
		failed = append(failed, Unreadable{Location: jdbcLocation(engine, p.Database, fl.Ref.Namespace, fl.Ref.Table), Reason: fl.Reason})
	}
	for _, db := range snap.Databases {
		for _, ns := range db.Namespaces {
			for _, tb := range ns.Tables {
				if tb.Kind == schema.KindPartition || !f.Table(db.Name, ns.Name, tb.Name) || excl.Excluded(p.relative(ns.Name, tb.Name)) {
					continue
				}
				out = append(out, jdbcTable(engine, p.Database, ns.Name, tb, t, o))
			}
		}
	}
	return out, failed, nil
}

// Classification is what a crawler writes as a JDBC table's classification.
func Classification(engine string) string {
	switch engine {
	case "postgres":
		return "postgresql"
	case "mysql":
		return "mysql"
	}
	return engine
}

func jdbcName(engine, database, ns, table string) string {
	if hasSchemas(engine) {
		return database + "_" + ns + "_" + table
	}
	return database + "_" + table
}

func jdbcLocation(engine, database, ns, table string) string {
	if hasSchemas(engine) {
		return database + "." + ns + "." + table
	}
	return database + "." + table
}

func jdbcTable(engine, database, ns string, tb schema.Table, t JDBCTarget, o Options) Table {
	out := Table{
		Name:       TableName(o.TablePrefix, jdbcName(engine, database, ns, tb.Name)),
		Location:   jdbcLocation(engine, database, ns, tb.Name),
		TypeOfData: "table",
		Parameters: map[string]string{
			"classification":  Classification(engine),
			"typeOfData":      "table",
			"connectionName":  t.ConnectionName,
			"compressionType": "none",
		},
	}
	if t.Comments {
		out.Description = tb.Comment
	}
	out.Columns = make([]schema.Column, 0, len(tb.Columns))
	for i, c := range tb.Columns {
		col := schema.Column{Name: strings.ToLower(c.Name), Position: i + 1, Type: named(JDBCType(engine, c.Type), "")}
		col.Type.Base = col.Type.Declared
		if t.Comments {
			col.Comment = c.Comment
		}
		out.Columns = append(out.Columns, col)
		if t.RawTypes {
			if out.RawTypes == nil {
				out.RawTypes = map[string]string{}
			}
			out.RawTypes[col.Name] = c.Type.Declared
		}
	}
	return out
}

// JDBCType maps a database column type onto the Hive type a Glue JDBC crawler writes (glue.md
// §3.7).
func JDBCType(engine string, t schema.Type) string {
	if t.ArrayDims > 0 {
		return "string"
	}
	base := strings.ToLower(t.Base)
	decl := strings.ToLower(t.Declared)
	switch base {
	case "int2", "smallint", "smallserial", "serial2":
		if t.Unsigned {
			return "int"
		}
		return "smallint"
	case "int4", "int", "integer", "serial", "serial4", "mediumint":
		if t.Unsigned && base != "mediumint" {
			return "bigint"
		}
		return "int"
	case "int8", "bigint", "bigserial", "serial8":
		if t.Unsigned {
			return "decimal(20,0)"
		}
		return "bigint"
	case "tinyint":
		if strings.HasPrefix(decl, "tinyint(1)") && !t.Unsigned {
			return "boolean"
		}
		if t.Unsigned {
			return "smallint"
		}
		return "tinyint"
	case "bool", "boolean", "bit":
		if base == "bit" && !strings.HasPrefix(decl, "bit(1)") && decl != "bit" {
			return "binary"
		}
		return "boolean"
	case "numeric", "decimal":
		if t.Precision != nil {
			s := 0
			if t.Scale != nil {
				s = *t.Scale
			}
			return "decimal(" + strconv.Itoa(*t.Precision) + "," + strconv.Itoa(s) + ")"
		}
		return "decimal(38,18)"
	case "real", "float4", "float":
		return "float"
	case "float8", "double", "double precision":
		return "double"
	case "date":
		return "date"
	case "timestamp", "timestamptz", "datetime", "timestamp without time zone", "timestamp with time zone":
		return "timestamp"
	case "bytea", "blob", "tinyblob", "mediumblob", "longblob", "binary", "varbinary":
		return "binary"
	}
	return "string"
}
