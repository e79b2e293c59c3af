package benchgen

import (
	"fmt"
	"strings"
)

// Assets per batch: big enough that loading makes few round trips, small enough that a
// PostgreSQL batch (one implicit transaction) stays within the server's lock table
// (max_locks_per_transaction × max_connections, 6,400 slots by default).
const (
	pgBatchAssets     = 200
	mysqlBatchAssets  = 100
	sqliteBatchAssets = 1000
)

// batcher groups statements into multi-statement batches of a number of assets each.
type batcher struct {
	per    int
	assets int
	cur    strings.Builder
	out    []string
}

func (b *batcher) stmt(format string, args ...any) {
	fmt.Fprintf(&b.cur, format, args...)
	b.cur.WriteString(";\n")
}

func (b *batcher) endAsset() {
	b.assets++
	if b.assets%b.per == 0 {
		b.flush()
	}
}

func (b *batcher) flush() {
	if b.cur.Len() > 0 {
		b.out = append(b.out, b.cur.String())
		b.cur.Reset()
	}
}

func quoteList(values []string) string {
	q := make([]string, len(values))
	for i, v := range values {
		q[i] = "'" + strings.ReplaceAll(v, "'", "''") + "'"
	}
	return strings.Join(q, ", ")
}

func lit(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// keyList renders index keys with their direction.
func keyList(ix index) string {
	parts := make([]string, len(ix.cols))
	for i, c := range ix.cols {
		if ix.lowerExpr {
			c = "lower(" + c + ")"
		}
		if ix.desc[i] {
			c += " DESC"
		}
		parts[i] = c
	}
	return strings.Join(parts, ", ")
}

func joinCols(prefix string, cols []string) string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = prefix + c
	}
	return strings.Join(out, ", ")
}

// viewQuery is the SELECT of a view, with the namespace prefix the dialect needs.
func viewQuery(v *table, qualify func(*table) string) string {
	var sel []string
	for _, c := range v.viewCols {
		sel = append(sel, "b."+c)
	}
	from := qualify(v.base) + " b"
	if fk := v.join; fk != nil {
		sel = append(sel, "r."+v.joinCol+" AS ref_"+v.joinCol)
		var on []string
		for i, c := range fk.cols {
			on = append(on, "b."+c+" = r."+fk.ref.pk[i])
		}
		from += " JOIN " + qualify(fk.ref) + " r ON " + strings.Join(on, " AND ")
	}
	return "SELECT " + strings.Join(sel, ", ") + " FROM " + from
}

func generatedExpr(c *column) string {
	if c.genFn == "mod" {
		return "(" + c.genSrc + " % 16)"
	}
	return "(lower(" + c.genSrc + "))"
}

func partialPredicate(t *table, col string, boolTrue string) string {
	if c := t.column(col); c != nil && c.typ == tBool {
		return col + " = " + boolTrue
	}
	return col + " IS NOT NULL"
}

// ---- PostgreSQL ----

func renderPostgres(m *model) []string {
	b := &batcher{per: pgBatchAssets}
	for _, ns := range m.namespaces {
		b.stmt("CREATE SCHEMA %s", ns)
		b.stmt("COMMENT ON SCHEMA %s IS %s", ns, lit("Benchmark namespace "+ns+"."))
		for _, e := range enums {
			b.stmt("CREATE TYPE %s.%s AS ENUM (%s)", ns, e.name, quoteList(e.values))
		}
	}
	b.flush()
	q := func(t *table) string { return t.ns + "." + t.name }
	for _, t := range m.tables {
		switch t.kind {
		case kindTable, kindPartitioned:
			var defs []string
			for i := range t.cols {
				defs = append(defs, pgColumn(t, &t.cols[i], i))
			}
			defs = append(defs, "PRIMARY KEY ("+strings.Join(t.pk, ", ")+")")
			for _, u := range t.uniques {
				defs = append(defs, "CONSTRAINT "+u.name+" UNIQUE ("+strings.Join(u.cols, ", ")+")")
			}
			for _, fk := range t.fks {
				defs = append(defs, fmt.Sprintf("CONSTRAINT %s FOREIGN KEY (%s) REFERENCES %s (%s) ON DELETE %s",
					fk.name, strings.Join(fk.cols, ", "), q(fk.ref), strings.Join(fk.ref.pk, ", "), fk.onDelete))
			}
			for _, c := range t.checks {
				defs = append(defs, "CONSTRAINT "+c.name+" CHECK ("+c.col+" >= 0)")
			}
			tail := ""
			if t.kind == kindPartitioned {
				switch t.strategy {
				case "range":
					tail = " PARTITION BY RANGE (created_at)"
				case "list":
					tail = " PARTITION BY LIST (region)"
				default:
					tail = " PARTITION BY HASH (id)"
				}
			}
			b.stmt("CREATE TABLE %s (\n  %s\n)%s", q(t), strings.Join(defs, ",\n  "), tail)
			if t.comment != "" {
				b.stmt("COMMENT ON TABLE %s IS %s", q(t), lit(t.comment))
			}
			for _, c := range t.cols {
				if c.comment != "" {
					b.stmt("COMMENT ON COLUMN %s.%s IS %s", q(t), c.name, lit(c.comment))
				}
			}
			pgIndexes(b, t, q(t))
		case kindPartition:
			p := t.parent
			var bound string
			switch p.strategy {
			case "range":
				bound = fmt.Sprintf("FROM ('%d-01-01') TO ('%d-01-01')", 2021+t.partNo, 2022+t.partNo)
			case "list":
				bound = "IN ('" + regions[t.partNo] + "')"
			default:
				bound = fmt.Sprintf("WITH (MODULUS %d, REMAINDER %d)", p.partOf, t.partNo)
			}
			b.stmt("CREATE TABLE %s PARTITION OF %s FOR VALUES %s", q(t), q(p), bound)
		case kindView:
			b.stmt("CREATE VIEW %s AS %s", q(t), viewQuery(t, q))
			if t.comment != "" {
				b.stmt("COMMENT ON VIEW %s IS %s", q(t), lit(t.comment))
			}
		case kindMatView:
			b.stmt("CREATE MATERIALIZED VIEW %s AS SELECT b.%s, count(*) AS n FROM %s b GROUP BY b.%s",
				q(t), t.groupCol, q(t.base), t.groupCol)
			b.stmt("COMMENT ON MATERIALIZED VIEW %s IS %s", q(t), lit(t.comment))
			pgIndexes(b, t, q(t))
		}
		b.endAsset()
	}
	b.flush()
	return b.out
}

func pgIndexes(b *batcher, t *table, name string) {
	for _, ix := range t.indexes {
		unique := ""
		if ix.unique {
			unique = "UNIQUE "
		}
		where := ""
		if ix.partial != "" {
			where = " WHERE " + partialPredicate(t, ix.partial, "true")
		}
		b.stmt("CREATE %sINDEX %s ON %s (%s)%s", unique, ix.name, name, keyList(ix), where)
	}
}

func pgType(ns string, c *column) string {
	switch c.typ {
	case tInt:
		return "integer"
	case tBigint:
		return "bigint"
	case tSmallint:
		return "smallint"
	case tNumeric:
		return fmt.Sprintf("numeric(%d,%d)", c.prec, c.scale)
	case tVarchar:
		return fmt.Sprintf("varchar(%d)", c.length)
	case tText:
		return "text"
	case tBool:
		return "boolean"
	case tDate:
		return "date"
	case tTimestamp:
		return "timestamptz"
	case tJSON:
		return "jsonb"
	case tUUID:
		return "uuid"
	case tEnum:
		return ns + "." + enums[c.enum].name
	default:
		return "double precision"
	}
}

func pgColumn(t *table, c *column, i int) string {
	s := c.name + " " + pgType(t.ns, c)
	if c.genFn != "" {
		return s + " GENERATED ALWAYS AS " + generatedExpr(c) + " STORED"
	}
	if c.autoID {
		switch len(t.name) % 3 {
		case 0:
			s += " GENERATED ALWAYS AS IDENTITY"
		case 1:
			s += " GENERATED BY DEFAULT AS IDENTITY"
		default:
			if c.typ == tBigint {
				s = c.name + " bigserial"
			} else {
				s = c.name + " serial"
			}
		}
	}
	if c.notNull {
		s += " NOT NULL"
	}
	switch c.def {
	case "zero":
		s += " DEFAULT 0"
	case "true", "false":
		s += " DEFAULT " + c.def
	case "now":
		s += " DEFAULT now()"
	case "enum":
		s += " DEFAULT " + lit(enums[c.enum].values[0])
	}
	return s
}

// ---- MySQL / MariaDB ----

func renderMySQL(m *model) []string {
	b := &batcher{per: mysqlBatchAssets}
	q := func(t *table) string { return t.name }
	for _, t := range m.tables {
		switch t.kind {
		case kindTable:
			var defs []string
			for i := range t.cols {
				defs = append(defs, mysqlColumn(&t.cols[i]))
			}
			defs = append(defs, "PRIMARY KEY ("+strings.Join(t.pk, ", ")+")")
			for _, u := range t.uniques {
				defs = append(defs, "UNIQUE KEY "+u.name+" ("+strings.Join(u.cols, ", ")+")")
			}
			for _, ix := range t.indexes {
				defs = append(defs, "KEY "+ix.name+" ("+keyList(ix)+")")
			}
			for _, fk := range t.fks {
				defs = append(defs, fmt.Sprintf("CONSTRAINT %s FOREIGN KEY (%s) REFERENCES %s (%s) ON DELETE %s",
					fk.name, strings.Join(fk.cols, ", "), q(fk.ref), strings.Join(fk.ref.pk, ", "), fk.onDelete))
			}
			for _, c := range t.checks {
				defs = append(defs, "CONSTRAINT "+c.name+" CHECK ("+c.col+" >= 0)")
			}
			tail := " ENGINE=InnoDB"
			if t.comment != "" {
				tail += " COMMENT=" + lit(t.comment)
			}
			if t.hashParts > 0 {
				tail += fmt.Sprintf(" PARTITION BY HASH (id) PARTITIONS %d", t.hashParts)
			}
			b.stmt("CREATE TABLE %s (\n  %s\n)%s", q(t), strings.Join(defs, ",\n  "), tail)
		case kindView:
			b.stmt("CREATE VIEW %s AS %s", q(t), viewQuery(t, q))
		default:
			panic("benchgen: MySQL plan holds a " + fmt.Sprint(t.kind))
		}
		b.endAsset()
	}
	b.flush()
	return b.out
}

func mysqlType(c *column) string {
	switch c.typ {
	case tInt:
		return "int"
	case tBigint:
		return "bigint"
	case tSmallint:
		return "smallint"
	case tNumeric:
		return fmt.Sprintf("decimal(%d,%d)", c.prec, c.scale)
	case tVarchar:
		return fmt.Sprintf("varchar(%d)", c.length)
	case tText:
		return "text"
	case tBool:
		return "tinyint(1)"
	case tDate:
		return "date"
	case tTimestamp:
		return "datetime"
	case tJSON:
		return "json"
	case tUUID:
		return "char(36)"
	case tEnum:
		return "enum(" + quoteList(enums[c.enum].values) + ")"
	default:
		return "double"
	}
}

func mysqlColumn(c *column) string {
	s := c.name + " " + mysqlType(c)
	if c.genFn != "" {
		kind := " VIRTUAL"
		if c.genStored {
			kind = " STORED"
		}
		s += " GENERATED ALWAYS AS " + generatedExpr(c) + kind
	} else {
		if c.notNull {
			s += " NOT NULL"
		}
		if c.autoID {
			s += " AUTO_INCREMENT"
		}
		switch c.def {
		case "zero":
			s += " DEFAULT 0"
		case "true":
			s += " DEFAULT 1"
		case "false":
			s += " DEFAULT 0"
		case "now":
			s += " DEFAULT CURRENT_TIMESTAMP"
		case "enum":
			s += " DEFAULT " + lit(enums[c.enum].values[0])
		}
	}
	if c.comment != "" {
		s += " COMMENT " + lit(c.comment)
	}
	return s
}

// ---- SQLite ----

func renderSQLite(m *model) []string {
	b := &batcher{per: sqliteBatchAssets}
	q := func(t *table) string { return t.name }
	for _, t := range m.tables {
		switch t.kind {
		case kindTable:
			var defs []string
			for i := range t.cols {
				defs = append(defs, sqliteColumn(&t.cols[i]))
			}
			defs = append(defs, "PRIMARY KEY ("+strings.Join(t.pk, ", ")+")")
			for _, u := range t.uniques {
				defs = append(defs, "CONSTRAINT "+u.name+" UNIQUE ("+strings.Join(u.cols, ", ")+")")
			}
			for _, fk := range t.fks {
				defs = append(defs, fmt.Sprintf("CONSTRAINT %s FOREIGN KEY (%s) REFERENCES %s (%s) ON DELETE %s",
					fk.name, strings.Join(fk.cols, ", "), q(fk.ref), strings.Join(fk.ref.pk, ", "), fk.onDelete))
			}
			for _, c := range t.checks {
				defs = append(defs, "CONSTRAINT "+c.name+" CHECK ("+c.col+" >= 0)")
			}
			tail := ""
			if t.withoutRowid {
				tail = " WITHOUT ROWID"
			}
			b.stmt("CREATE TABLE %s (\n  %s\n)%s", q(t), strings.Join(defs, ",\n  "), tail)
			for _, ix := range t.indexes {
				unique := ""
				if ix.unique {
					unique = "UNIQUE "
				}
				where := ""
				if ix.partial != "" {
					where = " WHERE " + partialPredicate(t, ix.partial, "1")
				}
				b.stmt("CREATE %sINDEX %s ON %s (%s)%s", unique, ix.name, q(t), keyList(ix), where)
			}
		case kindView:
			b.stmt("CREATE VIEW %s AS %s", q(t), viewQuery(t, q))
		default:
			panic("benchgen: SQLite plan holds a " + fmt.Sprint(t.kind))
		}
		b.endAsset()
	}
	b.flush()
	return b.out
}

func sqliteType(c *column) string {
	switch c.typ {
	case tInt:
		return "INTEGER"
	case tBigint:
		if c.autoID {
			return "INTEGER" // a rowid alias
		}
		return "BIGINT"
	case tSmallint:
		return "SMALLINT"
	case tNumeric:
		return fmt.Sprintf("NUMERIC(%d,%d)", c.prec, c.scale)
	case tVarchar:
		return fmt.Sprintf("VARCHAR(%d)", c.length)
	case tText, tUUID, tEnum:
		return "TEXT"
	case tBool:
		return "BOOLEAN"
	case tDate:
		return "DATE"
	case tTimestamp:
		return "TIMESTAMP"
	case tJSON:
		return "JSON"
	default:
		return "REAL"
	}
}

func sqliteColumn(c *column) string {
	s := c.name + " " + sqliteType(c)
	if c.genFn != "" {
		kind := " VIRTUAL"
		if c.genStored {
			kind = " STORED"
		}
		return s + " GENERATED ALWAYS AS " + generatedExpr(c) + kind
	}
	if c.notNull {
		s += " NOT NULL"
	}
	switch c.def {
	case "zero":
		s += " DEFAULT 0"
	case "true":
		s += " DEFAULT 1"
	case "false":
		s += " DEFAULT 0"
	case "now":
		s += " DEFAULT CURRENT_TIMESTAMP"
	case "enum":
		s += " DEFAULT " + lit(enums[c.enum].values[0])
	}
	if c.typ == tEnum {
		s += " CHECK (" + c.name + " IN (" + quoteList(enums[c.enum].values) + "))"
	}
	return s
}
