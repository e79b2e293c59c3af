package sqlite

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unsafe"
)

func TestParseCreateTable(t *testing.T) {
	for _, tc := range []struct {
		name string
		sql  string
		want createTable
	}{
		{
			name: "checks named and unnamed, with a ')' in a string and nested parentheses",
			sql: `CREATE TABLE t (a TEXT CHECK (a <> ')'), b INT CONSTRAINT b_pos CHECK ((b > 0) AND (b < 10)),
				CHECK (length(a) > (1)), CONSTRAINT ab CHECK (a || b <> 'x''y)'))`,
			want: createTable{Checks: []parsedCheck{{"", "a <> ')'"}, {"b_pos", "(b > 0) AND (b < 10)"}, {"", "length(a) > (1)"}, {"ab", "a || b <> 'x''y)'"}}},
		},
		{
			name: "comments and quoted names do not end a clause",
			sql: `CREATE TABLE "my (table)" ( -- a comment with (
				"col )" INT /* ) */ CHECK ("col )" > 0), [br)] TEXT, ` + "`bq(`" + ` TEXT)`,
			want: createTable{Checks: []parsedCheck{{"", `"col )" > 0`}}},
		},
		{
			name: "generated columns, both spellings",
			sql:  `CREATE TABLE t (a INT, b INT GENERATED ALWAYS AS (a * (a + 1)) STORED, "C" TEXT AS (upper('(' || a)))`,
			want: createTable{Generated: map[string]string{"b": "a * (a + 1)", "c": "upper('(' || a)"}},
		},
		{
			name: "WITHOUT ROWID and STRICT together",
			sql:  `CREATE TABLE t (k TEXT PRIMARY KEY) WITHOUT ROWID, STRICT`,
			want: createTable{WithoutRowid: true, Strict: true},
		},
		{
			name: "a column named rowid is not WITHOUT ROWID",
			sql:  `CREATE TABLE t ("strict" INT, without_rowid INT)`,
			want: createTable{},
		},
		{
			name: "foreign keys: column and table level, names, deferrability, SET NULL and SET DEFAULT",
			sql: `CREATE TABLE t (
				a INT CONSTRAINT a_fk REFERENCES p (id) ON DELETE SET NULL DEFERRABLE INITIALLY DEFERRED NOT NULL,
				b INT REFERENCES p ON UPDATE SET DEFAULT NOT DEFERRABLE,
				c INT, d INT,
				FOREIGN KEY (c, d) REFERENCES "q" (x, y) DEFERRABLE INITIALLY IMMEDIATE,
				CONSTRAINT named FOREIGN KEY (d) REFERENCES p (id))`,
			want: createTable{ForeignKeys: []parsedFK{
				{Name: "a_fk", Columns: []string{"a"}, RefTable: "p", Deferrable: true, InitiallyDeferred: true},
				{Columns: []string{"b"}, RefTable: "p"},
				{Columns: []string{"c", "d"}, RefTable: "q", Deferrable: true},
				{Name: "named", Columns: []string{"d"}, RefTable: "p"},
			}},
		},
		{
			name: "primary key name, uniques, collation, autoincrement",
			sql: `CREATE TABLE t (id INTEGER CONSTRAINT t_pk PRIMARY KEY AUTOINCREMENT, e TEXT COLLATE NOCASE UNIQUE,
				f TEXT, CONSTRAINT t_f_u UNIQUE (f, e))`,
			want: createTable{PKName: "t_pk", AutoIncr: true, Collations: map[string]string{"e": "NOCASE"},
				Uniques: []parsedKey{{Columns: []string{"e"}}, {Name: "t_f_u", Columns: []string{"f", "e"}}}},
		},
		{
			name: "virtual table",
			sql:  `CREATE VIRTUAL TABLE docs USING fts5(title, body)`,
			want: createTable{Virtual: "fts5"},
		},
		{
			name: "CREATE TABLE AS has no constraints",
			sql:  `CREATE TABLE t AS SELECT 1 AS x, (2) AS y`,
			want: createTable{},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if d := diff(tc.want, parseCreateTable(tc.sql, nil)); d != "" {
				t.Errorf("parseCreateTable:\n%s", d)
			}
			// Detached, the result is the same and holds no piece of the statement.
			var scratch []token
			got := parseCreateTable(tc.sql, &scratch)
			got.detach()
			if d := diff(tc.want, got); d != "" {
				t.Errorf("detached parseCreateTable:\n%s", d)
			}
			for _, s := range got.strings() {
				if inside(tc.sql, s) {
					t.Errorf("detached result still points into the statement: %q", s)
				}
			}
		})
	}
}

// strings lists every string ct holds, map keys included.
func (ct createTable) strings() []string {
	out := []string{ct.PKName, ct.Virtual}
	for _, c := range ct.Checks {
		out = append(out, c.Name, c.Expr)
	}
	for _, m := range []map[string]string{ct.Generated, ct.Collations} {
		for k, v := range m {
			out = append(out, k, v)
		}
	}
	for _, u := range ct.Uniques {
		out = append(append(out, u.Name), u.Columns...)
	}
	for _, fk := range ct.ForeignKeys {
		out = append(append(out, fk.Name, fk.RefTable), fk.Columns...)
	}
	return out
}

// inside reports whether s is a piece of src's memory.
func inside(src, s string) bool {
	if s == "" {
		return false
	}
	p, start := uintptr(unsafe.Pointer(unsafe.StringData(s))), uintptr(unsafe.Pointer(unsafe.StringData(src)))
	return p >= start && p < start+uintptr(len(src))
}

func TestParseCreateIndex(t *testing.T) {
	for _, tc := range []struct {
		name string
		sql  string
		want createIndex
	}{
		{"columns", `CREATE INDEX i ON t (a, b)`, createIndex{Parts: []string{"a", "b"}}},
		{"expressions with COLLATE and DESC", `CREATE UNIQUE INDEX "i" ON "t" (lower(a) COLLATE NOCASE DESC, substr(b, 1, (2)) ASC)`,
			createIndex{Parts: []string{"lower(a)", "substr(b, 1, (2))"}}},
		{"partial", `CREATE INDEX i ON t (a) WHERE a IS NOT NULL AND b = 'x)';`,
			createIndex{Parts: []string{"a"}, Predicate: "a IS NOT NULL AND b = 'x)'"}},
		{"a table named like a keyword", `CREATE INDEX i ON "where" ("on")`, createIndex{Parts: []string{`"on"`}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := parseCreateIndex(tc.sql, nil)
			if d := diff(tc.want, got); d != "" {
				t.Errorf("parseCreateIndex:\n%s", d)
			}
			got.detach()
			if d := diff(tc.want, got); d != "" {
				t.Errorf("detached parseCreateIndex:\n%s", d)
			}
			for _, s := range append(got.Parts, got.Predicate) {
				if inside(tc.sql, s) {
					t.Errorf("detached result still points into the statement: %q", s)
				}
			}
		})
	}
}

func TestViewQuery(t *testing.T) {
	for _, tc := range []struct{ sql, want string }{
		{`CREATE VIEW v AS SELECT 1`, `SELECT 1`},
		{`CREATE VIEW "as" (a, b) AS SELECT x AS a, y AS b FROM t;`, `SELECT x AS a, y AS b FROM t`},
		{"CREATE VIEW v\nAS\n  SELECT *\n  FROM t -- trailing", "SELECT *\n  FROM t"},
	} {
		if got := viewQuery(tc.sql, nil); got != tc.want {
			t.Errorf("viewQuery(%q) = %q, want %q", tc.sql, got, tc.want)
		}
	}
}

func TestParseType(t *testing.T) {
	n := func(v int) *int { return &v }
	l := func(v int64) *int64 { return &v }
	for _, tc := range []struct {
		declared string
		base     string
		length   *int64
		prec     *int
		scale    *int
		unsigned bool
	}{
		{"VARCHAR(20)", "varchar", l(20), nil, nil, false},
		{"DECIMAL(10,2)", "decimal", nil, n(10), n(2), false},
		{"numeric( 12 , 0 )", "numeric", nil, n(12), n(0), false},
		{"NUMERIC(5)", "numeric", nil, n(5), nil, false},
		{"UNSIGNED BIG INT", "big", nil, nil, nil, true},
		{"DOUBLE PRECISION", "double", nil, nil, nil, false},
		{"", "", nil, nil, nil, false},
		{"CHARACTER(x)", "character", nil, nil, nil, false},
	} {
		got := parseType(tc.declared)
		if got.Declared != tc.declared || got.Base != tc.base || got.Unsigned != tc.unsigned ||
			!eqPtr(got.Length, tc.length) || !eqPtr(got.Precision, tc.prec) || !eqPtr(got.Scale, tc.scale) {
			t.Errorf("parseType(%q) = %+v, want base %q length %v precision %v scale %v unsigned %v", tc.declared, got,
				tc.base, tc.length, tc.prec, tc.scale, tc.unsigned)
		}
	}
}

func eqPtr[T comparable](a, b *T) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }

func TestFileURI(t *testing.T) {
	for _, tc := range []struct{ path, want string }{
		{"/data/app.db", "file:///data/app.db?mode=ro"},
		{"/data/my app?v=1#2%.db", "file:///data/my%20app%3Fv=1%232%25.db?mode=ro"},
	} {
		if got := fileURI(tc.path, 0); got != tc.want {
			t.Errorf("fileURI(%q) = %q, want %q", tc.path, got, tc.want)
		}
	}
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := fileURI("rel/app.db", 0), "file://"+filepath.ToSlash(filepath.Join(wd, "rel/app.db"))+"?mode=ro"; got != want {
		t.Errorf("fileURI of a relative path = %q, want %q", got, want)
	}
	if got := fileURI("/a.db", 1500*time.Millisecond); !strings.HasSuffix(got, "?mode=ro&_pragma=query_only(1)&_pragma=busy_timeout(1500)") {
		t.Errorf("fileURI with busy timeout = %q", got)
	}
}
