package mysql

import (
	"strings"

	"github.com/surveyorhq/surveyor/internal/schema"
)

// columnType maps information_schema.COLUMNS onto a schema.Type. declared is COLUMN_TYPE
// ("int(10) unsigned", "enum('a','b')"), base is DATA_TYPE lower-cased. Length, Precision and
// Scale are set only when the declaration carries them, not for the implied sizes
// information_schema also reports (int's precision 10, text's length 65535).
func columnType(declared, base string, charLen, numPrecision, numScale, timePrecision *int64) schema.Type {
	t := schema.Type{Declared: declared, Base: base, Unsigned: strings.Contains(declared, " unsigned")}
	switch base {
	case "char", "varchar", "binary", "varbinary":
		t.Length = charLen
	case "bit":
		t.Length = numPrecision
	case "decimal", "numeric":
		t.Precision, t.Scale = toInt(numPrecision), toInt(numScale)
	case "float", "double", "real":
		if strings.Contains(declared, "(") {
			t.Precision, t.Scale = toInt(numPrecision), toInt(numScale)
		}
	case "datetime", "timestamp", "time":
		if timePrecision != nil && *timePrecision > 0 {
			t.Precision = toInt(timePrecision)
		}
	case "enum", "set":
		t.Values = enumValues(declared)
	}
	return t
}

func toInt(p *int64) *int {
	if p == nil {
		return nil
	}
	n := int(*p)
	return &n
}

// enumValues parses the values out of COLUMN_TYPE, e.g. enum('a','b'). Inside a value COLUMN_TYPE
// doubles a single quote and escapes a backslash with a backslash.
func enumValues(declared string) []string {
	open := strings.IndexByte(declared, '(')
	if open < 0 {
		return nil
	}
	s := declared[open+1:]
	var values []string
	var cur strings.Builder
	in := false
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case !in && ch == '\'':
			in = true
			cur.Reset()
		case !in && ch == ')':
			return values
		case !in:
			// the comma between values
		case ch == '\\' && i+1 < len(s):
			i++
			cur.WriteByte(s[i])
		case ch == '\'' && i+1 < len(s) && s[i+1] == '\'':
			i++
			cur.WriteByte('\'')
		case ch == '\'':
			in = false
			values = append(values, cur.String())
		default:
			cur.WriteByte(ch)
		}
	}
	return values
}

// generatedKind reads EXTRA: "VIRTUAL GENERATED" or "STORED GENERATED" (MariaDB's older
// "PERSISTENT GENERATED" is STORED). Empty for ordinary columns.
func generatedKind(extra string) string {
	switch {
	case strings.Contains(extra, "VIRTUAL GENERATED"):
		return "VIRTUAL"
	case strings.Contains(extra, "STORED GENERATED"), strings.Contains(extra, "PERSISTENT GENERATED"):
		return "STORED"
	}
	return ""
}

// columnDefault normalises COLUMN_DEFAULT so both engines print a default as an SQL expression
// and a column without default (or defaulting to NULL) has none:
//   - MariaDB (10.2.7+) already prints expressions: quoted literals ('FR'), numbers (0),
//     functions (current_timestamp()), and the word NULL for a nullable column without default.
//   - MySQL 8 prints a literal bare (FR) and marks expression defaults with DEFAULT_GENERATED in
//     EXTRA; bare literals of string and temporal types are quoted here to match.
//
// The MySQL 8 branch is untested here (only MariaDB runs in this environment).
func columnDefault(mariadb bool, raw []byte, base, extra string) *string {
	if raw == nil {
		return nil
	}
	d := string(raw)
	if mariadb {
		if d == "NULL" {
			return nil // a literal 'NULL' string default prints quoted
		}
		return &d
	}
	if strings.Contains(extra, "DEFAULT_GENERATED") || strings.HasPrefix(d, "'") ||
		strings.HasPrefix(strings.ToUpper(d), "CURRENT_TIMESTAMP") {
		return &d
	}
	switch base {
	case "char", "varchar", "tinytext", "text", "mediumtext", "longtext", "enum", "set",
		"binary", "varbinary", "date", "datetime", "timestamp", "time":
		d = "'" + strings.ReplaceAll(d, "'", "''") + "'"
	}
	return &d
}

// indexMethod reports BTREE and HASH as btree and hash, like the other engines' access methods,
// and keeps FULLTEXT and SPATIAL, which are index kinds rather than methods, upper case.
func indexMethod(indexType string) string {
	switch indexType {
	case "BTREE", "HASH", "RTREE":
		return strings.ToLower(indexType)
	}
	return indexType
}
