package schema

import (
	"slices"
	"strconv"
	"unicode/utf8"
)

// AppendJSON appends the table's JSON to dst and returns the extended buffer. With an empty
// indent it writes exactly what json.Marshal writes for the table (field order, omitted empty
// fields, sorted Options keys, HTML-safe string escapes); with an indent it writes that document
// laid out as json.Indent(dst, doc, prefix, indent) lays it out. It exists because encoding a
// large snapshot is most of the cost of printing it and of applying it to the catalog, and it
// writes directly, without reflection or a second pass to indent.
//
// The fingerprint depends on these bytes: tests compare them with encoding/json for every field
// of the model, so a field added to the model without a line here fails them.
func (t *Table) AppendJSON(dst []byte, prefix, indent string) []byte {
	e := jsonEncoder{b: dst, prefix: prefix, indent: indent}
	e.table(t)
	return e.b
}

// jsonEncoder writes JSON values into b. first is true right after an object or array opened,
// until its first member is written.
type jsonEncoder struct {
	b              []byte
	prefix, indent string // compact when indent is empty
	depth          int
	first          bool
}

func (e *jsonEncoder) open(c byte) {
	e.b = append(e.b, c)
	e.depth++
	e.first = true
}

func (e *jsonEncoder) close(c byte) {
	e.depth--
	if !e.first { // an empty object or array stays {} or []
		e.newline()
	}
	e.b = append(e.b, c)
	e.first = false
}

func (e *jsonEncoder) newline() {
	if e.indent == "" {
		return
	}
	e.b = append(e.b, '\n')
	e.b = append(e.b, e.prefix...)
	for range e.depth {
		e.b = append(e.b, e.indent...)
	}
}

// member starts the next member of an array or object.
func (e *jsonEncoder) member() {
	if !e.first {
		e.b = append(e.b, ',')
	}
	e.first = false
	e.newline()
}

// key starts a member of an object; the model's keys need no escaping.
func (e *jsonEncoder) key(k string) {
	e.member()
	e.b = append(e.b, '"')
	e.b = append(e.b, k...)
	e.b = append(e.b, '"', ':')
	if e.indent != "" {
		e.b = append(e.b, ' ')
	}
}

func (e *jsonEncoder) str(k, v string) {
	e.key(k)
	e.b = appendJSONString(e.b, v)
}

// strOmit writes a string member tagged omitempty.
func (e *jsonEncoder) strOmit(k, v string) {
	if v != "" {
		e.str(k, v)
	}
}

func (e *jsonEncoder) integer(k string, v int64) {
	e.key(k)
	e.b = strconv.AppendInt(e.b, v, 10)
}

func (e *jsonEncoder) intOmit(k string, v int64) {
	if v != 0 {
		e.integer(k, v)
	}
}

func (e *jsonEncoder) boolean(k string, v bool) {
	e.key(k)
	e.b = strconv.AppendBool(e.b, v)
}

func (e *jsonEncoder) boolOmit(k string, v bool) {
	if v {
		e.boolean(k, v)
	}
}

// strings writes a string slice member: null when nil, unless omitempty, which leaves out
// empty slices too.
func (e *jsonEncoder) strings(k string, v []string, omitEmpty bool) {
	if omitEmpty && len(v) == 0 {
		return
	}
	e.key(k)
	if v == nil {
		e.b = append(e.b, "null"...)
		return
	}
	e.open('[')
	for _, s := range v {
		e.member()
		e.b = appendJSONString(e.b, s)
	}
	e.close(']')
}

// list writes a slice member of n elements, each written by elem, with the same rules.
func list[T any](e *jsonEncoder, k string, v []T, omitEmpty bool, elem func(*T)) {
	if omitEmpty && len(v) == 0 {
		return
	}
	e.key(k)
	if v == nil {
		e.b = append(e.b, "null"...)
		return
	}
	e.open('[')
	for i := range v {
		e.member()
		elem(&v[i])
	}
	e.close(']')
}

func (e *jsonEncoder) table(t *Table) {
	e.open('{')
	e.str("name", t.Name)
	e.str("kind", string(t.Kind))
	e.strOmit("comment", t.Comment)
	list(e, "columns", t.Columns, false, e.column)
	if t.PrimaryKey != nil {
		e.key("primaryKey")
		e.constraint(t.PrimaryKey)
	}
	list(e, "uniques", t.Uniques, true, e.constraint)
	list(e, "foreignKeys", t.ForeignKeys, true, e.foreignKey)
	list(e, "checks", t.Checks, true, e.check)
	list(e, "indexes", t.Indexes, true, e.index)
	e.strOmit("viewDefinition", t.ViewDefinition)
	e.strOmit("partitionKey", t.PartitionKey)
	e.strOmit("partitionOf", t.PartitionOf)
	e.strOmit("partitionBound", t.PartitionBound)
	if len(t.Options) > 0 {
		e.key("options")
		e.open('{')
		keys := make([]string, 0, len(t.Options))
		for k := range t.Options {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			e.member()
			e.b = appendJSONString(e.b, k)
			e.b = append(e.b, ':')
			if e.indent != "" {
				e.b = append(e.b, ' ')
			}
			e.b = appendJSONString(e.b, t.Options[k])
		}
		e.close('}')
	}
	if !t.Meta.isZero() { // omitzero
		e.key("meta")
		e.meta(&t.Meta)
	}
	e.close('}')
}

func (e *jsonEncoder) meta(m *Meta) {
	e.open('{')
	if m.RowEstimate != nil {
		e.integer("rowEstimate", *m.RowEstimate)
	}
	if m.SizeBytes != nil {
		e.integer("sizeBytes", *m.SizeBytes)
	}
	e.boolOmit("noAccess", m.NoAccess)
	e.strOmit("location", m.Location)
	e.intOmit("files", int64(m.Files))
	e.strings("problems", m.Problems, true)
	e.close('}')
}

// isZero is what encoding/json's omitzero decides for a Meta: every field its zero value (a
// nil slice, not an empty one).
func (m *Meta) isZero() bool {
	return m.RowEstimate == nil && m.SizeBytes == nil && !m.NoAccess && m.Location == "" && m.Files == 0 && m.Problems == nil
}

func (e *jsonEncoder) column(c *Column) {
	e.open('{')
	e.str("name", c.Name)
	e.integer("position", int64(c.Position))
	e.key("type")
	e.typ(&c.Type)
	e.boolean("nullable", c.Nullable)
	if c.Default != nil {
		e.str("default", *c.Default)
	}
	e.strOmit("onUpdate", c.OnUpdate)
	e.strOmit("identity", c.Identity)
	e.boolOmit("autoIncrement", c.AutoIncrement)
	e.strOmit("generated", c.Generated)
	e.strOmit("generatedKind", c.GeneratedKind)
	e.strOmit("charset", c.Charset)
	e.strOmit("collation", c.Collation)
	e.strOmit("comment", c.Comment)
	e.close('}')
}

func (e *jsonEncoder) typ(t *Type) {
	e.open('{')
	e.str("declared", t.Declared)
	e.str("base", t.Base)
	if t.Length != nil {
		e.integer("length", *t.Length)
	}
	if t.Precision != nil {
		e.integer("precision", int64(*t.Precision))
	}
	if t.Scale != nil {
		e.integer("scale", int64(*t.Scale))
	}
	e.intOmit("arrayDims", int64(t.ArrayDims))
	e.boolOmit("unsigned", t.Unsigned)
	e.strings("values", t.Values, true)
	e.strOmit("enum", t.Enum)
	e.strOmit("domain", t.Domain)
	list(e, "fields", t.Fields, true, e.column)
	if t.Elem != nil {
		e.key("elem")
		e.typ(t.Elem)
	}
	e.close('}')
}

func (e *jsonEncoder) constraint(c *Constraint) {
	e.open('{')
	e.str("name", c.Name)
	e.strings("columns", c.Columns, false)
	e.close('}')
}

func (e *jsonEncoder) foreignKey(f *ForeignKey) {
	e.open('{')
	e.str("name", f.Name)
	e.strings("columns", f.Columns, false)
	e.strOmit("refDatabase", f.RefDatabase)
	e.str("refNamespace", f.RefNamespace)
	e.str("refTable", f.RefTable)
	e.strings("refColumns", f.RefColumns, false)
	e.str("onUpdate", f.OnUpdate)
	e.str("onDelete", f.OnDelete)
	e.boolOmit("deferrable", f.Deferrable)
	e.boolOmit("initiallyDeferred", f.InitiallyDeferred)
	e.close('}')
}

func (e *jsonEncoder) check(c *Check) {
	e.open('{')
	e.str("name", c.Name)
	e.str("expression", c.Expression)
	e.close('}')
}

func (e *jsonEncoder) index(i *Index) {
	e.open('{')
	e.str("name", i.Name)
	e.boolOmit("unique", i.Unique)
	e.boolOmit("primary", i.Primary)
	e.strOmit("method", i.Method)
	list(e, "parts", i.Parts, false, e.indexPart)
	e.strings("include", i.Include, true)
	e.strOmit("predicate", i.Predicate)
	e.close('}')
}

func (e *jsonEncoder) indexPart(p *IndexPart) {
	e.open('{')
	e.strOmit("column", p.Column)
	e.strOmit("expression", p.Expression)
	e.boolOmit("descending", p.Descending)
	e.intOmit("prefixLength", int64(p.PrefixLength))
	e.close('}')
}

// appendJSONString appends s as encoding/json writes a string with HTML escaping on (its
// default): quotes, backslashes and control characters escaped, <, > and & as \u003c, \u003e
// and \u0026, invalid UTF-8 as \ufffd, and U+2028 and U+2029 escaped.
func appendJSONString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if b := s[i]; b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' && b != '<' && b != '>' && b != '&' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[b>>4], hex[b&0xF])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		if c == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if c == '\u2028' || c == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[c&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
