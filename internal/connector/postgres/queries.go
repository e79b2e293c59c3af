package postgres

import "github.com/jackc/pgx/v5"

// The catalog queries of one scan, in the order they run. Each reads pg_catalog in bulk for
// every selected namespace ($1, an oid[]), so a scan costs the same few round trips whether the
// database has ten tables or ten thousand. $2 (an oid[]) are the relations another session
// locks exclusively: the functions that would wait for their lock are not called for them.

// systemNamespaces is the condition that leaves out PostgreSQL's own schemas.
const systemNamespaces = `n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\_toast%' AND n.nspname NOT LIKE 'pg\_temp\_%'`

// relkinds are the table-like relations: tables, views, materialized views, partitioned tables,
// foreign tables.
const relkinds = `('r', 'v', 'm', 'p', 'f')`

const qNamespaces = `SELECT n.oid, n.nspname::text, COALESCE(d.description, '')
FROM pg_catalog.pg_namespace n
LEFT JOIN pg_catalog.pg_description d ON d.objoid = n.oid AND d.classoid = 'pg_catalog.pg_namespace'::pg_catalog.regclass AND d.objsubid = 0
WHERE ` + systemNamespaces + `
ORDER BY n.nspname`

// qEnums reads the enums of every non-system namespace, selected or not, so that a column of an
// enum declared elsewhere still gets its values.
const qEnums = `SELECT t.oid, n.nspname::text, t.typname::text,
  COALESCE(pg_catalog.array_agg(e.enumlabel::text ORDER BY e.enumsortorder) FILTER (WHERE e.oid IS NOT NULL), '{}')
FROM pg_catalog.pg_type t
JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
LEFT JOIN pg_catalog.pg_enum e ON e.enumtypid = t.oid
WHERE t.typtype = 'e' AND ` + systemNamespaces + `
GROUP BY t.oid, n.nspname, t.typname`

// qRelations reads the table-like relations. Row estimate and size come from the statistics
// VACUUM and ANALYZE keep in pg_class (pages of the table, its TOAST table and its indexes), not
// from pg_total_relation_size: that opens every relation, which costs a relcache load and a lock
// per table and makes the scan wait behind any DDL. Both are unknown (NULL) until the table was
// first vacuumed or analyzed.
const qRelations = `SELECT c.oid, c.relnamespace, c.relname::text, c.relkind::text, c.relispartition,
  c.relpersistence::text,
  COALESCE(pn.nspname::text || '.' || pc.relname::text, ''),
  CASE WHEN c.relispartition AND c.oid <> ALL($2) THEN COALESCE(pg_catalog.pg_get_expr(c.relpartbound, c.oid), '') ELSE '' END,
  CASE WHEN c.relkind = 'p' AND c.oid <> ALL($2) THEN COALESCE(pg_catalog.pg_get_partkeydef(c.oid), '') ELSE '' END,
  CASE WHEN c.relkind IN ('v', 'm') AND c.oid <> ALL($2) THEN COALESCE(pg_catalog.pg_get_viewdef(c.oid, true), '') ELSE '' END,
  COALESCE(fs.srvname::text, ''),
  COALESCE(d.description, ''),
  CASE WHEN c.reltuples >= 0 AND c.relkind IN ('r', 'm', 'p') THEN c.reltuples::int8 END,
  CASE WHEN c.reltuples >= 0 AND c.relkind IN ('r', 'm') THEN
    (c.relpages::int8 + COALESCE(tc.relpages, 0)
     + COALESCE((SELECT pg_catalog.sum(ic.relpages) FROM pg_catalog.pg_index x JOIN pg_catalog.pg_class ic ON ic.oid = x.indexrelid WHERE x.indrelid = c.oid), 0))
    * pg_catalog.current_setting('block_size')::int8 END,
  NOT (pg_catalog.has_schema_privilege(c.relnamespace, 'USAGE') AND pg_catalog.has_table_privilege(c.oid, 'SELECT'))
FROM pg_catalog.pg_class c
LEFT JOIN pg_catalog.pg_class tc ON tc.oid = c.reltoastrelid
LEFT JOIN pg_catalog.pg_inherits i ON c.relispartition AND i.inhrelid = c.oid
LEFT JOIN pg_catalog.pg_class pc ON pc.oid = i.inhparent
LEFT JOIN pg_catalog.pg_namespace pn ON pn.oid = pc.relnamespace
LEFT JOIN pg_catalog.pg_foreign_table ft ON c.relkind = 'f' AND ft.ftrelid = c.oid
LEFT JOIN pg_catalog.pg_foreign_server fs ON fs.oid = ft.ftserver
LEFT JOIN pg_catalog.pg_description d ON d.objoid = c.oid AND d.classoid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objsubid = 0
WHERE c.relnamespace = ANY($1) AND c.relkind IN ` + relkinds

// qColumns reads live columns in order. The type is resolved once here: a domain to its
// underlying type (with the domain's typmod), an array to its element; enum is the oid of the
// enum type the column (or its elements) uses, 0 if none.
const qColumns = `SELECT a.attrelid, a.attname::text,
  pg_catalog.format_type(a.atttypid, a.atttypmod),
  CASE WHEN b.typcategory = 'A' THEN e.typname ELSE b.typname END::text,
  CASE WHEN b.typcategory = 'A' THEN GREATEST(a.attndims, 1) ELSE a.attndims END::int4,
  CASE WHEN t.typtype = 'd' THEN t.typtypmod ELSE a.atttypmod END,
  CASE WHEN t.typtype = 'd' THEN tn.nspname::text || '.' || t.typname::text ELSE '' END,
  CASE WHEN b.typtype = 'e' THEN b.oid WHEN e.typtype = 'e' THEN e.oid ELSE 0 END::oid,
  NOT a.attnotnull,
  CASE WHEN a.atthasdef AND a.attrelid <> ALL($2) THEN pg_catalog.pg_get_expr(ad.adbin, ad.adrelid) END,
  a.attidentity::text, a.attgenerated::text,
  CASE WHEN a.attcollation <> 0 AND a.attcollation <> t.typcollation THEN co.collname::text ELSE '' END,
  COALESCE(d.description, '')
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
JOIN pg_catalog.pg_namespace tn ON tn.oid = t.typnamespace
JOIN pg_catalog.pg_type b ON b.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END
LEFT JOIN pg_catalog.pg_type e ON b.typcategory = 'A' AND e.oid = b.typelem
LEFT JOIN pg_catalog.pg_attrdef ad ON a.atthasdef AND ad.adrelid = a.attrelid AND ad.adnum = a.attnum
LEFT JOIN pg_catalog.pg_collation co ON co.oid = a.attcollation
LEFT JOIN pg_catalog.pg_description d ON d.objoid = a.attrelid AND d.classoid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objsubid = a.attnum
WHERE c.relnamespace = ANY($1) AND c.relkind IN ` + relkinds + `
  AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attrelid, a.attnum`

// qConstraints reads primary keys, uniques, foreign keys and checks with their column names.
// A foreign key to a partitioned table also has one hidden clone per referenced partition on the
// same table (conparentid set, same conrelid as its parent); those are left out.
const qConstraints = `SELECT co.conrelid, co.conname::text, co.contype::text,
  ARRAY(SELECT a.attname::text FROM pg_catalog.unnest(co.conkey) WITH ORDINALITY k(n, i)
        JOIN pg_catalog.pg_attribute a ON a.attrelid = co.conrelid AND a.attnum = k.n ORDER BY k.i),
  COALESCE(rn.nspname::text, ''), COALESCE(rc.relname::text, ''),
  ARRAY(SELECT a.attname::text FROM pg_catalog.unnest(co.confkey) WITH ORDINALITY k(n, i)
        JOIN pg_catalog.pg_attribute a ON a.attrelid = co.confrelid AND a.attnum = k.n ORDER BY k.i),
  co.confupdtype::text, co.confdeltype::text, co.condeferrable, co.condeferred,
  CASE WHEN co.contype = 'c' AND co.conrelid <> ALL($2) THEN pg_catalog.pg_get_expr(co.conbin, co.conrelid, true) ELSE '' END
FROM pg_catalog.pg_constraint co
JOIN pg_catalog.pg_class c ON c.oid = co.conrelid
LEFT JOIN pg_catalog.pg_class rc ON rc.oid = co.confrelid
LEFT JOIN pg_catalog.pg_namespace rn ON rn.oid = rc.relnamespace
WHERE c.relnamespace = ANY($1) AND c.relkind IN ` + relkinds + `
  AND co.contype IN ('p', 'u', 'f', 'c')
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint pco WHERE pco.oid = co.conparentid AND pco.conrelid = co.conrelid)`

// qIndexes reads indexes: each part is a column name or, for an expression key, the expression
// as pg_get_indexdef prints it; parts past indnkeyatts are INCLUDE columns.
const qIndexes = `SELECT i.indrelid, ic.relname::text, i.indisunique, i.indisprimary, am.amname::text,
  i.indnkeyatts::int4, i.indkey::int2[], i.indoption::int2[],
  ARRAY(SELECT CASE WHEN i.indkey[k] <> 0 THEN a.attname::text WHEN i.indrelid = ANY($2) THEN '' ELSE pg_catalog.pg_get_indexdef(i.indexrelid, k + 1, true) END
        FROM pg_catalog.generate_series(0, i.indnatts - 1) k
        LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[k]
        ORDER BY k),
  CASE WHEN i.indrelid = ANY($2) THEN '' ELSE COALESCE(pg_catalog.pg_get_expr(i.indpred, i.indrelid, true), '') END
FROM pg_catalog.pg_index i
JOIN pg_catalog.pg_class c ON c.oid = i.indrelid
JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
JOIN pg_catalog.pg_am am ON am.oid = ic.relam
WHERE c.relnamespace = ANY($1) AND c.relkind IN ` + relkinds

// qLocked finds the relations the catalog functions could not print without waiting: those
// another session holds, or waits to take, in ACCESS EXCLUSIVE mode (an ALTER TABLE, a DROP, a
// LOCK TABLE) — the only mode that conflicts with the ACCESS SHARE lock pg_get_expr,
// pg_get_viewdef, pg_get_partkeydef and pg_get_indexdef take, and one that is waited for makes
// every later ACCESS SHARE request queue behind it — with the views that read such a relation
// (pg_get_viewdef locks what the view reads) and the partitions of one. An index counts as its
// table. Each row is a relation and, when it is not locked itself, the locked one it depends
// on. pg_locks is read live, not from the transaction's snapshot.
const qLocked = `WITH locked AS (
  SELECT DISTINCT COALESCE(x.indrelid, l.relation) AS oid
  FROM pg_catalog.pg_locks l
  LEFT JOIN pg_catalog.pg_index x ON x.indexrelid = l.relation
  WHERE l.locktype = 'relation' AND l.mode = 'AccessExclusiveLock' AND l.pid <> pg_catalog.pg_backend_pid()
    AND l.database = (SELECT d.oid FROM pg_catalog.pg_database d WHERE d.datname = pg_catalog.current_database()))
SELECT locked.oid, 0::oid FROM locked
UNION
SELECT r.ev_class, locked.oid
FROM pg_catalog.pg_rewrite r
JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass AND d.objid = r.oid
  AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass
JOIN locked ON locked.oid = d.refobjid
WHERE r.ev_class <> locked.oid
UNION
SELECT i.inhrelid, locked.oid FROM pg_catalog.pg_inherits i JOIN locked ON locked.oid = i.inhparent`

// catalogQuery is one bulk query of a scan and the builder method that reads its rows.
type catalogQuery struct {
	name, sql string
	// byNamespace says the query takes the selected namespaces' oids as $1 and the locked
	// relations as $2.
	byNamespace bool
	read        func(*builder, pgx.Rows) error
	// done, when set, runs after the last row.
	done func(*builder)
}

// catalogQueries are the bulk queries after qNamespaces, in the order a scan runs them; enums
// come before columns so that a column can take its enum's values as it is read.
func catalogQueries() []catalogQuery {
	return []catalogQuery{
		{"enums", qEnums, false, (*builder).readEnum, nil},
		{"relations", qRelations, true, (*builder).readRelation, nil},
		{"columns", qColumns, true, (*builder).readColumn, (*builder).flushColumns},
		{"constraints", qConstraints, true, (*builder).readConstraint, nil},
		{"indexes", qIndexes, true, (*builder).readIndex, nil},
	}
}
