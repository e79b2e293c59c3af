package schema

import (
	"fmt"
	"slices"
	"strings"
)

// Part is one piece of a described change: plain text, or a name people read as code.
type Part struct {
	Text string
	Code bool
}

// Description is one change said in words: a short sentence ("column `email`: varchar(100) →
// varchar(255)", "foreign key to `customers` dropped") and an optional note with the details
// (the full definition of an index or foreign key). It is the one way changes are shown to
// people: the web console renders its parts as HTML, `surveyor diff` prints String.
type Description struct {
	Parts []Part
	Note  string
}

// String renders the sentence with names in backticks, and the note in parentheses.
func (d Description) String() string {
	var b strings.Builder
	b.WriteString(d.Sentence())
	if d.Note != "" {
		b.WriteString(" (" + d.Note + ")")
	}
	return b.String()
}

// Sentence renders the sentence alone, names in backticks.
func (d Description) Sentence() string {
	var b strings.Builder
	for _, p := range d.Parts {
		if p.Code {
			b.WriteString("`" + p.Text + "`")
		} else {
			b.WriteString(p.Text)
		}
	}
	return b.String()
}

// sentence builds a Description from alternating text and names: text, name, text, name...
func sentence(note string, parts ...string) Description {
	d := Description{Note: note}
	for i, p := range parts {
		if p == "" {
			continue
		}
		d.Parts = append(d.Parts, Part{Text: p, Code: i%2 == 1})
	}
	return d
}

// codeList joins names as "`a`, `b` and `c`" parts.
func codeList(names []string) []Part {
	var out []Part
	for i, n := range names {
		switch {
		case i == 0:
		case i == len(names)-1:
			out = append(out, Part{Text: " and "})
		default:
			out = append(out, Part{Text: ", "})
		}
		out = append(out, Part{Text: n, Code: true})
	}
	return out
}

// Describe says one change of an asset in words.
func Describe(c Change) Description {
	obj := c.Object
	switch c.Kind {
	case ColumnAdded:
		return sentence("", "column ", obj, " added: "+c.Detail)
	case ColumnDropped:
		return sentence("", "column ", obj, " dropped")
	case ColumnType:
		return sentence("", "column ", obj, ": "+c.Detail)
	case ColumnEnumValues:
		return enumValues(sentence("", "column ", obj, ": enum"), c.Gained, c.Lost, c.Detail)
	case ColumnNullability:
		return sentence("", "column ", obj, ": "+c.Detail)
	case ColumnDefault:
		return sentence("", "column ", obj, " default: "+c.Detail)
	case ColumnComment:
		return sentence("", "column ", obj, " comment: "+c.Detail)
	case ColumnGenerated:
		return sentence("", "column ", obj, " generated expression: "+c.Detail)
	case ColumnPosition:
		return sentence("", "column ", obj, " moved")
	case ColumnOther:
		return sentence("", "column ", obj, ": "+c.Detail)
	case PrimaryKeyChanged:
		return sentence("", "primary key: "+c.Detail)
	case ForeignKeyAdded, ForeignKeyDropped, ForeignKeyChanged:
		verb := map[ChangeKind]string{ForeignKeyAdded: " added", ForeignKeyDropped: " dropped", ForeignKeyChanged: " changed"}[c.Kind]
		note := c.Detail
		if obj != "" {
			note = obj + ": " + note
		}
		if c.Target == "" {
			return sentence(note, "foreign key ", obj, verb)
		}
		return sentence(note, "foreign key to ", c.Target, verb)
	case UniqueAdded:
		return sentence(c.Detail, "unique constraint ", obj, " added")
	case UniqueDropped:
		return sentence(c.Detail, "unique constraint ", obj, " dropped")
	case UniqueChanged:
		return sentence(c.Detail, "unique constraint ", obj, " changed")
	case CheckAdded:
		return sentence(c.Detail, "check ", obj, " added")
	case CheckDropped:
		return sentence(c.Detail, "check ", obj, " dropped")
	case CheckChanged:
		return sentence(c.Detail, "check ", obj, " changed")
	case IndexAdded:
		return sentence(c.Detail, "index ", obj, " added")
	case IndexDropped:
		return sentence(c.Detail, "index ", obj, " dropped")
	case IndexChanged:
		return sentence(c.Detail, "index ", obj, " changed")
	case TableComment:
		return sentence("", "comment: "+c.Detail)
	case KindChanged:
		return sentence("", "kind: "+c.Detail)
	case ViewDefinition:
		return sentence("", "view definition changed")
	case Partitioning:
		return sentence("", "partitioning: "+c.Detail)
	case OptionsChanged:
		return sentence("", "options: "+c.Detail)
	}
	return sentence(c.Detail, string(c.Kind)+" ", obj)
}

// enumValues finishes "… enum" with what it gained and lost.
func enumValues(d Description, gained, lost []string, detail string) Description {
	switch {
	case len(gained) > 0:
		d.Parts = append(d.Parts, Part{Text: " gained "})
		d.Parts = append(d.Parts, codeList(gained)...)
		if len(lost) > 0 {
			d.Parts = append(d.Parts, Part{Text: " and lost "})
			d.Parts = append(d.Parts, codeList(lost)...)
		}
	case len(lost) > 0:
		d.Parts = append(d.Parts, Part{Text: " lost "})
		d.Parts = append(d.Parts, codeList(lost)...)
	default:
		d.Parts = append(d.Parts, Part{Text: " values reordered"})
		d.Note = detail
	}
	return d
}

// DescribeAsset says how an asset changed as a whole: "table `orders` added", "view `v`
// removed", "table `orders` updated" (its changes are described one by one with Describe).
func DescribeAsset(d AssetDiff, kind Kind) Description {
	noun := KindNoun(kind)
	return sentence("", noun+" ", d.Ref.String(), " "+string(d.Status))
}

// KindNoun is how people call a kind of asset: "table", "view", "materialized view"...
func KindNoun(k Kind) string {
	switch k {
	case KindMaterializedView:
		return "materialized view"
	case KindPartitionedTable:
		return "partitioned table"
	case KindForeignTable:
		return "foreign table"
	case KindFile:
		return "dataset"
	case "":
		return "table"
	}
	return string(k)
}

// EnumDiff is how one named enum type of a namespace changed.
type EnumDiff struct {
	Database  string   `json:"database"`
	Namespace string   `json:"namespace"`
	Name      string   `json:"name"`
	Status    Status   `json:"status"`
	Gained    []string `json:"gained,omitempty"`
	Lost      []string `json:"lost,omitempty"`
	// Values are the values of an added or removed enum, or the new order of a reordered one.
	Values []string `json:"values,omitempty"`
}

// DiffEnums compares the named enum types of two snapshots (PostgreSQL CREATE TYPE ... AS
// ENUM) and returns those added, removed or changed, in order. Either side may be nil.
func DiffEnums(old, new *Snapshot) []EnumDiff {
	type key struct{ db, ns, name string }
	index := func(s *Snapshot) map[key][]string {
		m := map[key][]string{}
		if s == nil {
			return m
		}
		for _, db := range s.Databases {
			for _, ns := range db.Namespaces {
				for _, e := range ns.Enums {
					m[key{db.Name, ns.Name, e.Name}] = e.Values
				}
			}
		}
		return m
	}
	before, after := index(old), index(new)
	var out []EnumDiff
	for k, vals := range after {
		d := EnumDiff{Database: k.db, Namespace: k.ns, Name: k.name}
		prev, ok := before[k]
		switch {
		case !ok:
			d.Status, d.Values = Added, vals
		case slices.Equal(prev, vals):
			continue
		default:
			d.Status = Updated
			d.Gained, d.Lost = valueChanges(prev, vals)
			if len(d.Gained) == 0 && len(d.Lost) == 0 {
				d.Values = vals
			}
		}
		out = append(out, d)
	}
	for k, vals := range before {
		if _, ok := after[k]; !ok {
			out = append(out, EnumDiff{Database: k.db, Namespace: k.ns, Name: k.name, Status: Removed, Values: vals})
		}
	}
	slices.SortFunc(out, func(a, b EnumDiff) int {
		return compareRefs(Ref{a.Database, a.Namespace, a.Name}, Ref{b.Database, b.Namespace, b.Name})
	})
	return out
}

// Describe says how the enum changed: "enum `public.status` gained `refunded`".
func (e EnumDiff) Describe() Description {
	name := e.Namespace + "." + e.Name
	switch e.Status {
	case Added:
		return sentence(strings.Join(e.Values, ", "), "enum ", name, " added")
	case Removed:
		return sentence("", "enum ", name, " removed")
	}
	return enumValues(sentence("", "enum ", name), e.Gained, e.Lost, strings.Join(e.Values, ", "))
}

// valueChanges lists the values new has that old has not, and those old has that new has not,
// each in its side's order.
func valueChanges(old, new []string) (gained, lost []string) {
	for _, v := range new {
		if !slices.Contains(old, v) {
			gained = append(gained, v)
		}
	}
	for _, v := range old {
		if !slices.Contains(new, v) {
			lost = append(lost, v)
		}
	}
	return gained, lost
}

// enumValuesOnly reports whether two column types differ only in their enum or set values (a
// PostgreSQL enum that gained a value keeps its declared name; a MySQL enum's declaration
// lists the values), and which values came and went.
func enumValuesOnly(o, n Type) (gained, lost []string, ok bool) {
	if len(o.Values) == 0 && len(n.Values) == 0 {
		return nil, nil, false
	}
	if o.Base != "enum" && o.Base != "set" && o.Enum == "" {
		return nil, nil, false
	}
	ov, nv := o.Values, n.Values
	o.Values, n.Values, o.Declared, n.Declared = nil, nil, "", ""
	if string(mustJSON(o)) != string(mustJSON(n)) {
		return nil, nil, false
	}
	gained, lost = valueChanges(ov, nv)
	return gained, lost, true
}

// fkTargets sets Target on the foreign key changes of the table ref: the referenced table, with
// its namespace when that is not the table's own.
func fkTargets(ref Ref, old, new []ForeignKey, ch []Change) []Change {
	byName := map[string]ForeignKey{}
	for _, f := range old {
		byName[f.Name] = f
	}
	for _, f := range new {
		byName[f.Name] = f
	}
	for i := range ch {
		f, ok := byName[ch[i].Object]
		if !ok {
			continue
		}
		ch[i].Target = f.RefTable
		if (f.RefNamespace != "" && f.RefNamespace != ref.Namespace) || (f.RefDatabase != "" && f.RefDatabase != ref.Database) {
			ch[i].Target = f.RefNamespace + "." + f.RefTable
		}
	}
	return ch
}

// Summary counts the statuses of a list of asset diffs: "1 added, 2 updated, 1 removed".
func Summary(diffs []AssetDiff, enums []EnumDiff) string {
	count := map[Status]int{}
	for _, d := range diffs {
		count[d.Status]++
	}
	var parts []string
	for _, s := range []Status{Added, Updated, Removed} {
		if count[s] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", count[s], s))
		}
	}
	if len(enums) > 0 {
		parts = append(parts, fmt.Sprintf("%d enum(s) changed", len(enums)))
	}
	if len(parts) == 0 {
		return "no changes"
	}
	return strings.Join(parts, ", ")
}
