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
//
// Every name the SDL declares is unique, so the text always loads:
//   - the object type never shadows a built-in scalar (Int Float String Boolean ID) or an AppSync
//     scalar (AWSDate, AWSJSON...): a table "String" becomes type "StringModel";
//   - an enum type whose name the object type or an earlier enum took gets "Enum" appended
//     (table "mood" with a column of enum type "mood": enum "moodEnum"), and the fields using it
//     point at the new name;
//   - fields whose names collide once rewritten get "_2", "_3"... in column order, a column whose
//     name needed no rewriting keeping it ("a_b" stays a_b, "a-b" becomes a_b_2).
//
// Only the SDL renames: the model's name, its fields' names and their types keep the database's.
func sdl(m *Model) string {
	types := map[string]bool{}
	takenType := func(n string) bool { return builtinType(n) || types[n] }
	model := uniqueName(Name(m.Name), takenType, func(base string, i int) string { return numbered(base+"Model", i) })
	types[model] = true
	enums := make(map[string]string, len(m.enums)) // enumKey → SDL name
	for _, e := range m.enums {
		n := uniqueName(Name(e.Name), takenType, func(base string, i int) string { return numbered(base+"Enum", i) })
		types[n] = true
		enums[enumKey(e)] = n
	}

	var b strings.Builder
	b.WriteString("type ")
	b.WriteString(model)
	b.WriteString(" {\n")
	for i, name := range fieldNames(m.Fields) {
		b.WriteString("  ")
		b.WriteString(name)
		b.WriteString(": ")
		b.WriteString(typeRef(m.Fields[i].Type, enums))
		b.WriteByte('\n')
	}
	b.WriteString("}\n")
	for _, e := range m.enums {
		b.WriteString("\nenum ")
		b.WriteString(enums[enumKey(e)])
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

// fieldNames returns the SDL name of each field, unique within the type. Columns whose names are
// already GraphQL names claim them first; the rewritten ones then take the next free "_n".
func fieldNames(fields []Field) []string {
	out := make([]string, len(fields))
	used := make(map[string]bool, len(fields))
	taken := func(n string) bool { return used[n] }
	suffix := func(base string, i int) string { return base + "_" + strconv.Itoa(i+1) }
	for _, exact := range []bool{true, false} {
		for i, f := range fields {
			n := Name(f.Name)
			if (n == f.Name) != exact {
				continue
			}
			n = uniqueName(n, taken, suffix)
			used[n] = true
			out[i] = n
		}
	}
	return out
}

// uniqueName returns base when it is not taken, else the first alt(base, 1), alt(base, 2)...
// that is not.
func uniqueName(base string, taken func(string) bool, alt func(base string, i int) string) string {
	n := base
	for i := 1; taken(n); i++ {
		n = alt(base, i)
	}
	return n
}

// numbered is s for i = 1 and s followed by i after: moodEnum, moodEnum2...
func numbered(s string, i int) string {
	if i == 1 {
		return s
	}
	return s + strconv.Itoa(i)
}

// builtinType reports whether a type name is one an SDL for AppSync cannot declare: GraphQL's
// built-in scalars and AppSync's AWS scalars.
func builtinType(n string) bool {
	switch n {
	case "Int", "Float", "String", "Boolean", "ID",
		"AWSDate", "AWSTime", "AWSDateTime", "AWSTimestamp", "AWSEmail", "AWSJSON", "AWSURL",
		"AWSPhone", "AWSIPAddress":
		return true
	}
	return false
}

// enumKey identifies an enum type by its name and values: two enum types of the same name from
// different schemas are two types.
func enumKey(e *FieldType) string {
	return e.Name + "\x00" + strings.Join(e.Values, "\x00")
}

func typeRef(ft *FieldType, enums map[string]string) string {
	switch ft.Kind {
	case KindNonNull:
		return typeRef(ft.Type, enums) + "!"
	case KindList:
		return "[" + typeRef(ft.Type, enums) + "]"
	case KindEnum:
		return enums[enumKey(ft)]
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
