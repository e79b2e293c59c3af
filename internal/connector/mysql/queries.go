package mysql

import (
	"database/sql"
	"strings"
)

// systemSchemas are never discovered.
var systemSchemas = []string{"mysql", "information_schema", "performance_schema", "sys"}

// plan is what the first query learned and the others need.
type plan struct {
	mariadb       bool
	hasExpression bool     // information_schema.STATISTICS.EXPRESSION exists (MySQL 8.0.13+)
	schemas       []string // the databases in scope, after the namespace filter
}

// catalogQuery is one bulk information_schema query and the handler of its rows.
type catalogQuery struct {
	what    string // for error messages: "read columns"
	sql     string
	args    []any
	columns int
	handle  func(b *builder, row []sql.RawBytes)
	// done, when set, runs after the last row.
	done func(b *builder)
}

// schemasQuery lists the non-system databases, or checks the one named, and probes
// STATISTICS.EXPRESSION in the same round trip (an uncorrelated subquery, evaluated once).
func schemasQuery(database string) (string, []any) {
	q := `SELECT SCHEMA_NAME,
  (SELECT COUNT(*) FROM information_schema.COLUMNS
    WHERE TABLE_SCHEMA = 'information_schema' AND TABLE_NAME = 'STATISTICS' AND COLUMN_NAME = 'EXPRESSION')
FROM information_schema.SCHEMATA
WHERE SCHEMA_NAME NOT IN ('` + strings.Join(systemSchemas, "', '") + `')`
	if database != "" {
		return q + ` AND SCHEMA_NAME = ?`, []any{database}
	}
	return q, nil
}

// catalogQueries are the bulk queries of one scan, in the order they run. Their number is fixed
// (seven) whatever the number of databases and tables: each filters TABLE_SCHEMA IN (...).
// No query has ORDER BY: rows are placed by their ordinal columns, and Normalize sorts the rest.
// Constraint types are told apart without joining TABLE_CONSTRAINTS: in KEY_COLUMN_USAGE the
// primary key is always named PRIMARY, a foreign key has REFERENCED_TABLE_NAME, and every other
// row belongs to a UNIQUE constraint.
func catalogQueries(p plan) []catalogQuery {
	if len(p.schemas) == 0 {
		return nil
	}
	in, args := inList(p.schemas)
	expression := "NULL"
	if p.hasExpression {
		expression = "EXPRESSION"
	}
	checks := `SELECT CONSTRAINT_SCHEMA, TABLE_NAME, CONSTRAINT_NAME, CHECK_CLAUSE
FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA IN ` + in
	if !p.mariadb {
		// MySQL 8's CHECK_CONSTRAINTS has no TABLE_NAME; check names are unique per schema.
		checks = `SELECT tc.TABLE_SCHEMA, tc.TABLE_NAME, cc.CONSTRAINT_NAME, cc.CHECK_CLAUSE
FROM information_schema.TABLE_CONSTRAINTS tc
JOIN information_schema.CHECK_CONSTRAINTS cc
  ON cc.CONSTRAINT_SCHEMA = tc.CONSTRAINT_SCHEMA AND cc.CONSTRAINT_NAME = tc.CONSTRAINT_NAME
WHERE tc.CONSTRAINT_TYPE = 'CHECK' AND tc.TABLE_SCHEMA IN ` + in
	}
	qs := []catalogQuery{
		{what: "tables", columns: 10, handle: (*builder).table, sql: `SELECT TABLE_SCHEMA, TABLE_NAME, TABLE_TYPE, ENGINE,
  TABLE_ROWS, DATA_LENGTH, INDEX_LENGTH, TABLE_COLLATION, TABLE_COMMENT, CREATE_OPTIONS
FROM information_schema.TABLES WHERE TABLE_SCHEMA IN ` + in},
		{what: "views", columns: 3, handle: (*builder).view, sql: `SELECT TABLE_SCHEMA, TABLE_NAME, VIEW_DEFINITION
FROM information_schema.VIEWS WHERE TABLE_SCHEMA IN ` + in},
		{what: "columns", columns: 18, handle: (*builder).column, done: (*builder).flushColumns, sql: `SELECT TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME,
  ORDINAL_POSITION, COLUMN_DEFAULT, IS_NULLABLE, DATA_TYPE, CHARACTER_MAXIMUM_LENGTH, NUMERIC_PRECISION,
  NUMERIC_SCALE, DATETIME_PRECISION, CHARACTER_SET_NAME, COLLATION_NAME, COLUMN_TYPE, EXTRA, PRIVILEGES,
  COLUMN_COMMENT, GENERATION_EXPRESSION
FROM information_schema.COLUMNS WHERE TABLE_SCHEMA IN ` + in},
		{what: "indexes", columns: 10, handle: (*builder).indexPart, sql: `SELECT TABLE_SCHEMA, TABLE_NAME, INDEX_NAME,
  NON_UNIQUE, SEQ_IN_INDEX, COLUMN_NAME, SUB_PART, INDEX_TYPE, COLLATION, ` + expression + `
FROM information_schema.STATISTICS WHERE TABLE_SCHEMA IN ` + in},
		{what: "key columns", columns: 8, handle: (*builder).keyColumn, sql: `SELECT TABLE_SCHEMA, TABLE_NAME, CONSTRAINT_NAME,
  COLUMN_NAME, ORDINAL_POSITION, REFERENCED_TABLE_SCHEMA, REFERENCED_TABLE_NAME, REFERENCED_COLUMN_NAME
FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA IN ` + in},
		{what: "foreign key rules", columns: 5, handle: (*builder).referentialRule, sql: `SELECT CONSTRAINT_SCHEMA, TABLE_NAME,
  CONSTRAINT_NAME, UPDATE_RULE, DELETE_RULE
FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA IN ` + in},
		{what: "check constraints", columns: 4, handle: (*builder).check, sql: checks},
	}
	for i := range qs {
		qs[i].args = args // shared: the driver only reads them
	}
	return qs
}

// inList renders "(?, ?, ...)" for names; the driver interpolates and escapes the values.
func inList(names []string) (string, []any) {
	args := make([]any, len(names))
	for i, n := range names {
		args[i] = n
	}
	return "(" + strings.TrimSuffix(strings.Repeat("?, ", len(names)), ", ") + ")", args
}
