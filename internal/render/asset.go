package render

import (
	"bytes"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/surveyorhq/surveyor/internal/schema"
)

// The text of one asset is built by appending to byte buffers reused from one asset to the
// next, so that printing ten thousand tables makes next to no garbage.

// appendRef appends database.namespace.table as schema.Ref.String writes it.
func appendRef(dst []byte, r schema.Ref) []byte {
	dst = append(dst, r.Database...)
	dst = append(dst, '.')
	if r.Namespace != "" && r.Namespace != r.Database {
		dst = append(dst, r.Namespace...)
		dst = append(dst, '.')
	}
	return append(dst, r.Table...)
}

// appendKindLabel appends the kind with spaces for underscores.
func appendKindLabel(dst []byte, k schema.Kind) []byte {
	for i := 0; i < len(k); i++ {
		if k[i] == '_' {
			dst = append(dst, ' ')
		} else {
			dst = append(dst, k[i])
		}
	}
	return dst
}

// appendHeadingExtras appends "  ~N rows, SIZE, no SELECT access" for what the meta knows.
func appendHeadingExtras(dst []byte, t *schema.Table) []byte {
	sep := "  "
	if t.Meta.RowEstimate != nil {
		dst = append(dst, sep+"~"...)
		dst = strconv.AppendInt(dst, *t.Meta.RowEstimate, 10)
		dst = append(dst, " rows"...)
		sep = ", "
	}
	if t.Meta.SizeBytes != nil {
		dst = append(dst, sep...)
		dst = appendHumanBytes(dst, *t.Meta.SizeBytes)
		sep = ", "
	}
	if t.Meta.NoAccess {
		dst = append(dst, sep+"no SELECT access"...)
	}
	return dst
}

func appendHumanBytes(dst []byte, n int64) []byte {
	const unit = 1024
	if n < unit {
		dst = strconv.AppendInt(dst, n, 10)
		return append(dst, " B"...)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	dst = strconv.AppendFloat(dst, float64(n)/float64(div), 'f', 1, 64)
	return append(dst, ' ', "KMGTPE"[exp], 'i', 'B')
}

func nullLabel(nullable bool) string {
	if nullable {
		return "null"
	}
	return "not null"
}

// appendColumnExtras appends the column's default, generation, type details, collation and
// comment, separated by "; ".
func appendColumnExtras(dst []byte, c *schema.Column) []byte {
	start := len(dst)
	part := func(s ...string) {
		if len(dst) > start {
			dst = append(dst, "; "...)
		}
		for _, p := range s {
			dst = append(dst, p...)
		}
	}
	if c.Default != nil {
		part("default ", *c.Default)
	}
	if c.OnUpdate != "" {
		part("on update ", c.OnUpdate)
	}
	if c.Identity != "" {
		part("identity ", strings.ToLower(c.Identity))
	}
	if c.AutoIncrement {
		part("auto_increment")
	}
	if c.Generated != "" {
		part("generated ", strings.ToLower(c.GeneratedKind), " as ", c.Generated)
	}
	if len(c.Type.Values) > 0 {
		part("values ")
		dst = appendJoined(dst, c.Type.Values, "|")
	}
	if c.Type.Enum != "" {
		part("enum ", c.Type.Enum)
	}
	if c.Type.Domain != "" {
		part("domain ", c.Type.Domain)
	}
	if c.Charset != "" {
		part("charset ", c.Charset)
	}
	if c.Collation != "" {
		part("collate ", c.Collation)
	}
	if c.Comment != "" {
		part("-- ", c.Comment)
	}
	return dst
}

func appendJoined(dst []byte, items []string, sep string) []byte {
	for i, s := range items {
		if i > 0 {
			dst = append(dst, sep...)
		}
		dst = append(dst, s...)
	}
	return dst
}

// eachDetail calls emit with each line about the table's keys, constraints, indexes,
// partitioning, options and view definition, built in scratch, which it returns for reuse.
func eachDetail(scratch []byte, t *schema.Table, emit func(line []byte)) []byte {
	line := func(parts ...string) {
		scratch = scratch[:0]
		for _, p := range parts {
			scratch = append(scratch, p...)
		}
	}
	list := func(cols []string) {
		scratch = append(scratch, " ("...)
		scratch = appendJoined(scratch, cols, ", ")
		scratch = append(scratch, ')')
	}
	if pk := t.PrimaryKey; pk != nil {
		line("PRIMARY KEY ", pk.Name)
		list(pk.Columns)
		emit(scratch)
	}
	for _, u := range t.Uniques {
		line("UNIQUE ", u.Name)
		list(u.Columns)
		emit(scratch)
	}
	for _, f := range t.ForeignKeys {
		line("FOREIGN KEY ", f.Name)
		list(f.Columns)
		scratch = append(scratch, " REFERENCES "...)
		if f.RefNamespace != "" {
			scratch = append(scratch, f.RefNamespace...)
			scratch = append(scratch, '.')
		}
		scratch = append(scratch, f.RefTable...)
		list(f.RefColumns)
		scratch = append(scratch, " ON UPDATE "...)
		scratch = append(scratch, f.OnUpdate...)
		scratch = append(scratch, " ON DELETE "...)
		scratch = append(scratch, f.OnDelete...)
		if f.Deferrable {
			scratch = append(scratch, " DEFERRABLE"...)
			if f.InitiallyDeferred {
				scratch = append(scratch, " INITIALLY DEFERRED"...)
			}
		}
		emit(scratch)
	}
	for _, c := range t.Checks {
		line("CHECK ", c.Name, " ", c.Expression)
		emit(scratch)
	}
	for i := range t.Indexes {
		line("INDEX ", t.Indexes[i].Name, " ")
		scratch = appendIndex(scratch, &t.Indexes[i])
		emit(scratch)
	}
	if t.PartitionKey != "" {
		line("PARTITION BY ", t.PartitionKey)
		emit(scratch)
	}
	if t.PartitionOf != "" {
		line("PARTITION OF ", t.PartitionOf, " ", t.PartitionBound)
		emit(scratch)
	}
	if len(t.Options) > 0 {
		for _, k := range slices.Sorted(maps.Keys(t.Options)) {
			line(k, " = ", t.Options[k])
			emit(scratch)
		}
	}
	if t.ViewDefinition != "" {
		line("AS ")
		scratch = appendOneLine(scratch, t.ViewDefinition, false)
		emit(scratch)
	}
	return scratch
}

func appendIndex(dst []byte, i *schema.Index) []byte {
	if i.Primary {
		dst = append(dst, "primary "...)
	} else if i.Unique {
		dst = append(dst, "unique "...)
	}
	dst = append(dst, i.Method...)
	dst = append(dst, " ("...)
	for n, p := range i.Parts {
		if n > 0 {
			dst = append(dst, ", "...)
		}
		if p.Column != "" {
			dst = append(dst, p.Column...)
		} else {
			dst = append(dst, p.Expression...)
		}
		if p.PrefixLength > 0 {
			dst = append(dst, '(')
			dst = strconv.AppendInt(dst, int64(p.PrefixLength), 10)
			dst = append(dst, ')')
		}
		if p.Descending {
			dst = append(dst, " DESC"...)
		}
	}
	dst = append(dst, ')')
	if len(i.Include) > 0 {
		dst = append(dst, " INCLUDE ("...)
		dst = appendJoined(dst, i.Include, ", ")
		dst = append(dst, ')')
	}
	if i.Predicate != "" {
		dst = append(dst, " WHERE "...)
		dst = append(dst, i.Predicate...)
	}
	return dst
}

// appendOneLine appends s with each run of white space made one space, leading and trailing
// space dropped (as strings.Fields joined by spaces) and, for Markdown, | escaped.
func appendOneLine(dst []byte, s string, escapePipes bool) []byte {
	first := true
	for f := range strings.FieldsSeq(s) {
		if !first {
			dst = append(dst, ' ')
		}
		first = false
		dst = appendPipes(dst, f, escapePipes)
	}
	return dst
}

// appendOneLineBytes is appendOneLine for a line built in a buffer.
func appendOneLineBytes(dst []byte, s []byte, escapePipes bool) []byte {
	first := true
	for f := range bytes.FieldsSeq(s) {
		if !first {
			dst = append(dst, ' ')
		}
		first = false
		dst = appendPipes(dst, f, escapePipes)
	}
	return dst
}

func appendPipes[S string | []byte](dst []byte, s S, escape bool) []byte {
	if !escape {
		return append(dst, s...)
	}
	for i := 0; i < len(s); i++ {
		if s[i] == '|' {
			dst = append(dst, '\\')
		}
		dst = append(dst, s[i])
	}
	return dst
}
