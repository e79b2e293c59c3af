package files

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/surveyorhq/surveyor/internal/schema"
)

// The type lattice of text values (CSV cells), from the most specific to the most general:
// boolean → integer → decimal → date → timestamp → string. Each value narrows a column's set of
// candidate types to those that can hold it; the column's type is the most specific candidate
// left. So 1 and 2.5 make a decimal, 2024-01-02 and 2024-01-02T10:00:00Z a timestamp, and true
// with 1 a string (no lattice type below string holds both).
type candidates uint8

const (
	tBoolean candidates = 1 << iota
	tInteger
	tDecimal
	tDate
	tTimestamp
	tString

	allTypes = tBoolean | tInteger | tDecimal | tDate | tTimestamp | tString
)

// textTypes are the lattice's type names, in lattice order.
var textTypes = []struct {
	bit  candidates
	name string
}{
	{tBoolean, "boolean"}, {tInteger, "bigint"}, {tDecimal, "decimal"},
	{tDate, "date"}, {tTimestamp, "timestamp"}, {tString, "string"},
}

// fits returns the lattice types that can hold the non-null text value v.
func fits(v string) candidates {
	c := tString
	if strings.EqualFold(v, "true") || strings.EqualFold(v, "false") {
		c |= tBoolean
	}
	if isNumber(v) {
		if _, err := strconv.ParseInt(v, 10, 64); err == nil {
			c |= tInteger
		}
		c |= tDecimal
	}
	if len(v) >= 10 && v[4] == '-' && v[7] == '-' {
		if len(v) == 10 {
			if _, err := time.Parse(time.DateOnly, v); err == nil {
				c |= tDate | tTimestamp
			}
		} else if isTimestamp(v) {
			c |= tTimestamp
		}
	}
	return c
}

// isNumber reports whether v is a plain decimal number (sign, digits, one point, exponent): no
// NaN, Inf, hex or thousands separators.
func isNumber(v string) bool {
	if v == "" {
		return false
	}
	i := 0
	if v[0] == '+' || v[0] == '-' {
		i++
	}
	digits, dot, exp := 0, false, false
	for ; i < len(v); i++ {
		switch ch := v[i]; {
		case ch >= '0' && ch <= '9':
			digits++
		case ch == '.' && !dot && !exp:
			dot = true
		case (ch == 'e' || ch == 'E') && digits > 0 && !exp:
			exp = true
			if i+1 < len(v) && (v[i+1] == '+' || v[i+1] == '-') {
				i++
			}
			if i+1 >= len(v) {
				return false
			}
		default:
			return false
		}
	}
	return digits > 0
}

var timestampLayouts = []string{
	time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05", "2006-01-02 15:04:05.999999999", "2006-01-02 15:04:05Z07:00",
	"2006-01-02 15:04:05.999999999Z07:00", "2006-01-02T15:04",
}

func isTimestamp(v string) bool {
	for _, l := range timestampLayouts {
		if _, err := time.Parse(l, v); err == nil {
			return true
		}
	}
	return false
}

// isNull reports whether a text cell stands for no value.
func isNull(v string) bool {
	switch v {
	case "", "NULL", "null", `\N`, "NA", "N/A":
		return true
	}
	return false
}

// textColumn accumulates what the sampled cells of one text column allow.
type textColumn struct {
	name     string
	types    candidates
	nulls    int
	nonNulls int
}

func newTextColumn(name string) *textColumn { return &textColumn{name: name, types: allTypes} }

func (c *textColumn) add(v string) {
	if isNull(v) {
		c.nulls++
		return
	}
	c.nonNulls++
	c.types &= fits(v)
}

func (c *textColumn) merge(o *textColumn) {
	c.types &= o.types
	c.nulls += o.nulls
	c.nonNulls += o.nonNulls
}

// best is the most specific type left; a column with no value is a string.
func (c *textColumn) best() candidates {
	if c.nonNulls == 0 {
		return tString
	}
	for _, t := range textTypes {
		if c.types&t.bit != 0 {
			return t.bit
		}
	}
	return tString
}

func (c *textColumn) typeName() string {
	b := c.best()
	for _, t := range textTypes {
		if t.bit == b {
			return t.name
		}
	}
	return "string"
}

func (c *textColumn) column(pos int) schema.Column {
	name := c.typeName()
	return schema.Column{Name: c.name, Position: pos, Type: schema.Type{Declared: name, Base: name}, Nullable: c.nulls > 0 || c.nonNulls == 0}
}

// jsonKind is the kind of an inferred JSON type.
type jsonKind uint8

const (
	jNull jsonKind = iota
	jBoolean
	jInteger
	jDecimal
	jString
	jStruct
	jList
)

// jsonType is the type inferred for JSON values: scalars, structs (objects, with their fields in
// first-seen order) and lists. Values of incompatible kinds make a string, as Glue does.
type jsonType struct {
	kind     jsonKind
	wide     bool // an integer outside the 32-bit range was seen
	nullable bool // a null was seen (or, for a field, the key was missing in some object)
	fields   []*jsonField
	index    map[string]int
	elem     *jsonType
	objects  int // objects merged into a struct, to tell fields missing from some objects
}

type jsonField struct {
	name    string
	typ     *jsonType
	present int
}

// readJSONType reads one JSON value from dec token by token and infers its type, keeping object
// keys in the order the file has them. dec must have UseNumber set.
func readJSONType(dec *json.Decoder, depth int) (*jsonType, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	return jsonTypeFrom(dec, tok, depth)
}

func jsonTypeFrom(dec *json.Decoder, tok json.Token, depth int) (*jsonType, error) {
	switch x := tok.(type) {
	case nil:
		return &jsonType{kind: jNull, nullable: true}, nil
	case bool:
		return &jsonType{kind: jBoolean}, nil
	case json.Number:
		if n, err := x.Int64(); err == nil {
			return &jsonType{kind: jInteger, wide: n < math.MinInt32 || n > math.MaxInt32}, nil
		}
		return &jsonType{kind: jDecimal}, nil
	case string:
		return &jsonType{kind: jString}, nil
	case json.Delim:
		switch x {
		case '[':
			t := &jsonType{kind: jList}
			for dec.More() {
				e, err := readJSONType(dec, depth+1)
				if err != nil {
					return nil, err
				}
				t.elem = mergeJSON(t.elem, e)
			}
			if _, err := dec.Token(); err != nil { // ]
				return nil, err
			}
			return deepest(t, depth), nil
		case '{':
			t := &jsonType{kind: jStruct, objects: 1, index: map[string]int{}}
			for dec.More() {
				k, err := dec.Token()
				if err != nil {
					return nil, err
				}
				key, _ := k.(string)
				v, err := readJSONType(dec, depth+1)
				if err != nil {
					return nil, err
				}
				if i, ok := t.index[key]; ok {
					t.fields[i].typ = mergeJSON(t.fields[i].typ, v)
					continue
				}
				t.index[key] = len(t.fields)
				t.fields = append(t.fields, &jsonField{name: key, typ: v, present: 1})
			}
			if _, err := dec.Token(); err != nil { // }
				return nil, err
			}
			return deepest(t, depth), nil
		}
	}
	return nil, fmt.Errorf("unexpected JSON token %v", tok)
}

// deepest keeps values nested beyond maxDepth as strings.
func deepest(t *jsonType, depth int) *jsonType {
	if depth > maxDepth {
		return &jsonType{kind: jString}
	}
	return t
}

// maxDepth bounds nesting; deeper values are kept as strings.
const maxDepth = 32

// mergeJSON joins two inferred types; a is modified and returned.
func mergeJSON(a, b *jsonType) *jsonType {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	case b.kind == jNull:
		a.nullable = true
		return a
	case a.kind == jNull:
		b.nullable = true
		return b
	}
	nullable := a.nullable || b.nullable
	switch {
	case a.kind == b.kind && a.kind == jStruct:
		for _, f := range b.fields {
			if i, ok := a.index[f.name]; ok {
				a.fields[i].typ = mergeJSON(a.fields[i].typ, f.typ)
				a.fields[i].present += f.present
			} else {
				a.index[f.name] = len(a.fields)
				a.fields = append(a.fields, f)
			}
		}
		a.objects += b.objects
	case a.kind == b.kind && a.kind == jList:
		a.elem = mergeJSON(a.elem, b.elem)
	case a.kind == b.kind:
		a.wide = a.wide || b.wide
	case (a.kind == jInteger && b.kind == jDecimal) || (a.kind == jDecimal && b.kind == jInteger):
		a.kind = jDecimal
	default:
		a = &jsonType{kind: jString}
	}
	a.nullable = nullable
	return a
}

// schemaType renders an inferred JSON type in Glue's notation: bigint, decimal, boolean, string,
// struct<a:bigint,b:string>, array<string>.
func (t *jsonType) schemaType() schema.Type { return t.typeOf(false) }

// typeOf names the type; fine names integers that fit 32 bits "int" (Reader's finer view).
func (t *jsonType) typeOf(fine bool) schema.Type {
	if t == nil {
		return schema.Type{Declared: "string", Base: "string"}
	}
	switch t.kind {
	case jBoolean:
		return schema.Type{Declared: "boolean", Base: "boolean"}
	case jInteger:
		if fine && !t.wide {
			return schema.Type{Declared: "int", Base: "int"}
		}
		return schema.Type{Declared: "bigint", Base: "bigint"}
	case jDecimal:
		return schema.Type{Declared: "decimal", Base: "decimal"}
	case jStruct:
		cols := t.columnsOf(fine)
		parts := make([]string, len(cols))
		for i, c := range cols {
			parts[i] = c.Name + ":" + c.Type.Declared
		}
		return schema.Type{Declared: "struct<" + strings.Join(parts, ",") + ">", Base: "struct", Fields: cols}
	case jList:
		e := t.elem.typeOf(fine)
		return schema.Type{Declared: "array<" + e.Declared + ">", Base: "array", Elem: &e}
	}
	return schema.Type{Declared: "string", Base: "string"}
}

// columns are a struct's fields as columns; a field is nullable when it was null or missing.
func (t *jsonType) columns() []schema.Column { return t.columnsOf(false) }

func (t *jsonType) columnsOf(fine bool) []schema.Column {
	cols := make([]schema.Column, len(t.fields))
	for i, f := range t.fields {
		cols[i] = schema.Column{Name: f.name, Position: i + 1, Type: f.typ.typeOf(fine),
			Nullable: f.typ == nil || f.typ.nullable || f.typ.kind == jNull || f.present < t.objects}
	}
	return cols
}

func (t *jsonType) String() string { return fmt.Sprintf("%v", t.schemaType().Declared) }
