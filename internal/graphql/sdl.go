package graphql

import (
	"strconv"
	"strings"
)

// sdl renders the model as GraphQL SDL: the object type, then each enum type its fields use, so
// the text parses on its own (AppSync's AWS* scalars are built into AppSync and not declared).
// Names that are not GraphQL names (a table called "order-items", an enum value "in progress")
// are rewritten to ones that are: other characters become "_", a leading digit gets a "_", and
// the enum values true, false and null get a "_" in front.
func sdl(m *Model) string {
	var b strings.Builder
	b.WriteString("type ")
	b.WriteString(Name(m.Name))
	b.WriteString(" {\n")
	for _, f := range m.Fields {
		b.WriteString("  ")
		b.WriteString(Name(f.Name))
		b.WriteString(": ")
		b.WriteString(typeRef(f.Type))
		b.WriteByte('\n')
	}
	b.WriteString("}\n")
	for _, e := range m.enums {
		b.WriteString("\nenum ")
		b.WriteString(Name(e.Name))
		b.WriteString(" {\n")
		seen := map[string]bool{}
		for _, v := range e.Values {
			n := enumValue(v)
			for i := 2; seen[n]; i++ {
				n = enumValue(v) + "_" + strconv.Itoa(i)
			}
			seen[n] = true
			b.WriteString("  ")
			b.WriteString(n)
			b.WriteByte('\n')
		}
		if len(e.Values) == 0 {
			// GraphQL needs at least one value; an enum without values cannot hold any.
			b.WriteString("  _EMPTY\n")
		}
		b.WriteString("}\n")
	}
	return b.String()
}

func typeRef(ft *FieldType) string {
	switch ft.Kind {
	case KindNonNull:
		return typeRef(ft.Type) + "!"
	case KindList:
		return "[" + typeRef(ft.Type) + "]"
	}
	return Name(ft.Name)
}

// Name returns s as a GraphQL name (/[_A-Za-z][_0-9A-Za-z]*/): s itself when it is one.
func Name(s string) string {
	var b strings.Builder
	for i, r := range s {
		switch {
		case r == '_' || isAlnum(r):
			if i == 0 && r >= '0' && r <= '9' {
				b.WriteByte('_')
			}
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	out := b.String()
	switch {
	case out == "":
		return "_"
	case strings.HasPrefix(out, "__"): // reserved for GraphQL's introspection types
		return "x" + out
	}
	return out
}

func enumValue(v string) string {
	n := Name(v)
	switch n {
	case "true", "false", "null":
		return "_" + n
	}
	return n
}
