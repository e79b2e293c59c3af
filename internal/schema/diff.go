package schema

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Status is how an asset changed between two snapshots.
type Status string

// The statuses Diff reports.
const (
	Added     Status = "added"
	Updated   Status = "updated"
	Unchanged Status = "unchanged"
	Removed   Status = "removed"
)

// ChangeKind names one kind of difference within an updated asset.
type ChangeKind string

// The kinds of change Diff reports.
const (
	ColumnAdded       ChangeKind = "column_added"
	ColumnDropped     ChangeKind = "column_dropped"
	ColumnType        ChangeKind = "column_type"
	ColumnNullability ChangeKind = "column_nullability"
	ColumnDefault     ChangeKind = "column_default"
	ColumnComment     ChangeKind = "column_comment"
	ColumnGenerated   ChangeKind = "column_generated"
	ColumnPosition    ChangeKind = "column_position"
	ColumnOther       ChangeKind = "column_other"
	// ColumnEnumValues is a column whose type changed only in its enum (or set) values.
	ColumnEnumValues  ChangeKind = "column_enum_values"
	PrimaryKeyChanged ChangeKind = "primary_key"
	ForeignKeyAdded   ChangeKind = "foreign_key_added"
	ForeignKeyDropped ChangeKind = "foreign_key_dropped"
	ForeignKeyChanged ChangeKind = "foreign_key_changed"
	UniqueAdded       ChangeKind = "unique_added"
	UniqueDropped     ChangeKind = "unique_dropped"
	UniqueChanged     ChangeKind = "unique_changed"
	CheckAdded        ChangeKind = "check_added"
	CheckDropped      ChangeKind = "check_dropped"
	CheckChanged      ChangeKind = "check_changed"
	IndexAdded        ChangeKind = "index_added"
	IndexDropped      ChangeKind = "index_dropped"
	IndexChanged      ChangeKind = "index_changed"
	TableComment      ChangeKind = "comment"
	KindChanged       ChangeKind = "kind"
	ViewDefinition    ChangeKind = "view_definition"
	Partitioning      ChangeKind = "partitioning"
	OptionsChanged    ChangeKind = "options"
)

// Change is one difference within an asset. Object names the column, constraint or index.
// Describe renders it for people.
type Change struct {
	Kind   ChangeKind `json:"kind"`
	Object string     `json:"object,omitempty"`
	Detail string     `json:"detail,omitempty"`
	// Target is the table a foreign key change references ("table", or "namespace.table" when
	// it is in another namespace).
	Target string `json:"target,omitempty"`
	// Gained and Lost are the values an enum gained and lost (ColumnEnumValues).
	Gained []string `json:"gained,omitempty"`
	Lost   []string `json:"lost,omitempty"`
}

// AssetDiff is how one asset changed.
type AssetDiff struct {
	Ref     Ref      `json:"ref"`
	Status  Status   `json:"status"`
	Changes []Change `json:"changes,omitempty"`
}

// Diff compares two snapshots asset by asset and returns one AssetDiff per asset present in
// either, in canonical order. Either snapshot may be nil (everything added, or removed).
func Diff(old, new *Snapshot) []AssetDiff {
	before := map[Ref]*Table{}
	if old != nil {
		for _, a := range old.Assets() {
			before[a.Ref] = a.Table
		}
	}
	var out []AssetDiff
	seen := map[Ref]bool{}
	if new != nil {
		for _, a := range new.Assets() {
			seen[a.Ref] = true
			prev, ok := before[a.Ref]
			if !ok {
				out = append(out, AssetDiff{Ref: a.Ref, Status: Added})
				continue
			}
			out = append(out, DiffTable(a.Ref, prev, a.Table))
		}
	}
	for ref := range before {
		if !seen[ref] {
			out = append(out, AssetDiff{Ref: ref, Status: Removed})
		}
	}
	slices.SortFunc(out, func(a, b AssetDiff) int { return compareRefs(a.Ref, b.Ref) })
	return out
}

// DiffTable compares two versions of one asset.
func DiffTable(ref Ref, old, new *Table) AssetDiff {
	d := AssetDiff{Ref: ref, Status: Unchanged}
	if old.Fingerprint() == new.Fingerprint() {
		return d
	}
	var ch []Change
	add := func(k ChangeKind, obj, format string, args ...any) {
		ch = append(ch, Change{Kind: k, Object: obj, Detail: fmt.Sprintf(format, args...)})
	}
	if old.Kind != new.Kind {
		add(KindChanged, "", "%s → %s", old.Kind, new.Kind)
	}
	if old.Comment != new.Comment {
		add(TableComment, "", "%q → %q", old.Comment, new.Comment)
	}
	ch = append(ch, diffColumns(old.Columns, new.Columns)...)
	if pk := func(c *Constraint) string {
		if c == nil {
			return "none"
		}
		return c.Name + "(" + strings.Join(c.Columns, ", ") + ")"
	}; pk(old.PrimaryKey) != pk(new.PrimaryKey) {
		add(PrimaryKeyChanged, "", "%s → %s", pk(old.PrimaryKey), pk(new.PrimaryKey))
	}
	ch = append(ch, fkTargets(ref, old.ForeignKeys, new.ForeignKeys,
		diffNamed(old.ForeignKeys, new.ForeignKeys, func(f ForeignKey) string { return f.Name }, describeFK,
			ForeignKeyAdded, ForeignKeyDropped, ForeignKeyChanged))...)
	ch = append(ch, diffNamed(old.Uniques, new.Uniques, func(c Constraint) string { return c.Name },
		func(c Constraint) string { return "(" + strings.Join(c.Columns, ", ") + ")" },
		UniqueAdded, UniqueDropped, UniqueChanged)...)
	ch = append(ch, diffNamed(old.Checks, new.Checks, func(c Check) string { return c.Name },
		func(c Check) string { return c.Expression }, CheckAdded, CheckDropped, CheckChanged)...)
	ch = append(ch, diffNamed(old.Indexes, new.Indexes, func(i Index) string { return i.Name }, describeIndex,
		IndexAdded, IndexDropped, IndexChanged)...)
	if old.ViewDefinition != new.ViewDefinition {
		add(ViewDefinition, "", "view definition changed")
	}
	if old.PartitionKey != new.PartitionKey || old.PartitionOf != new.PartitionOf || old.PartitionBound != new.PartitionBound {
		add(Partitioning, "", "%s → %s", describePartition(old), describePartition(new))
	}
	if !maps.Equal(old.Options, new.Options) {
		add(OptionsChanged, "", "%v → %v", old.Options, new.Options)
	}
	d.Status = Updated
	d.Changes = ch
	return d
}

func diffColumns(old, new []Column) []Change {
	ch := diffOrder(old, new)
	prev := map[string]Column{}
	for _, c := range old {
		prev[c.Name] = c
	}
	kept := map[string]bool{}
	for _, c := range new {
		o, ok := prev[c.Name]
		if !ok {
			ch = append(ch, Change{Kind: ColumnAdded, Object: c.Name, Detail: c.Type.Declared})
			continue
		}
		kept[c.Name] = true
		ch = append(ch, diffColumn(o, c)...)
	}
	for _, c := range old {
		if !kept[c.Name] {
			ch = append(ch, Change{Kind: ColumnDropped, Object: c.Name, Detail: c.Type.Declared})
		}
	}
	return ch
}

func diffColumn(o, n Column) []Change {
	var ch []Change
	add := func(k ChangeKind, format string, args ...any) {
		ch = append(ch, Change{Kind: k, Object: n.Name, Detail: fmt.Sprintf(format, args...)})
	}
	ot, nt := o.Type, n.Type
	if string(mustJSON(ot)) != string(mustJSON(nt)) {
		if gained, lost, ok := enumValuesOnly(ot, nt); ok {
			ch = append(ch, Change{Kind: ColumnEnumValues, Object: n.Name, Detail: fmt.Sprintf("%s → %s", ot.Declared, nt.Declared),
				Gained: gained, Lost: lost})
		} else {
			add(ColumnType, "%s → %s", ot.Declared, nt.Declared)
		}
	}
	if o.Nullable != n.Nullable {
		add(ColumnNullability, "%s → %s", nullability(o.Nullable), nullability(n.Nullable))
	}
	if deref(o.Default) != deref(n.Default) || (o.Default == nil) != (n.Default == nil) {
		add(ColumnDefault, "%s → %s", showDefault(o.Default), showDefault(n.Default))
	}
	if o.OnUpdate != n.OnUpdate {
		add(ColumnDefault, "on update %q → %q", o.OnUpdate, n.OnUpdate)
	}
	if o.Comment != n.Comment {
		add(ColumnComment, "%q → %q", o.Comment, n.Comment)
	}
	if o.Generated != n.Generated || o.GeneratedKind != n.GeneratedKind {
		add(ColumnGenerated, "%q → %q", o.Generated, n.Generated)
	}
	if len(ch) == 0 && !sameIgnoringPosition(o, n) {
		add(ColumnOther, "identity, auto-increment, charset or collation changed")
	}
	return ch
}

// diffOrder reports columns whose place among the columns both versions share moved. Positions
// that shift only because a column was added or dropped are not a change of their own.
func diffOrder(old, new []Column) []Change {
	inNew := map[string]bool{}
	for _, c := range new {
		inNew[c.Name] = true
	}
	inOld := map[string]bool{}
	var before []string
	for _, c := range old {
		inOld[c.Name] = true
		if inNew[c.Name] {
			before = append(before, c.Name)
		}
	}
	var ch []Change
	i := 0
	for _, c := range new {
		if !inOld[c.Name] {
			continue
		}
		if before[i] != c.Name {
			ch = append(ch, Change{Kind: ColumnPosition, Object: c.Name, Detail: "moved"})
		}
		i++
	}
	return ch
}

func sameIgnoringPosition(o, n Column) bool {
	o.Position, n.Position = 0, 0
	return string(mustJSON(o)) == string(mustJSON(n))
}

func diffNamed[T any](old, new []T, name func(T) string, describe func(T) string, added, dropped, changed ChangeKind) []Change {
	var ch []Change
	prev := map[string]T{}
	for _, x := range old {
		prev[name(x)] = x
	}
	kept := map[string]bool{}
	for _, x := range new {
		n := name(x)
		o, ok := prev[n]
		switch {
		case !ok:
			ch = append(ch, Change{Kind: added, Object: n, Detail: describe(x)})
		case string(mustJSON(o)) != string(mustJSON(x)):
			kept[n] = true
			ch = append(ch, Change{Kind: changed, Object: n, Detail: describe(o) + " → " + describe(x)})
		default:
			kept[n] = true
		}
	}
	for _, x := range old {
		if n := name(x); !kept[n] {
			ch = append(ch, Change{Kind: dropped, Object: n, Detail: describe(x)})
		}
	}
	return ch
}

func describeFK(f ForeignKey) string {
	ref := f.RefNamespace + "." + f.RefTable
	if f.RefDatabase != "" {
		ref = f.RefDatabase + "." + ref
	}
	return fmt.Sprintf("(%s) → %s(%s) ON UPDATE %s ON DELETE %s", strings.Join(f.Columns, ", "), ref,
		strings.Join(f.RefColumns, ", "), f.OnUpdate, f.OnDelete)
}

func describeIndex(i Index) string {
	var parts []string
	for _, p := range i.Parts {
		s := p.Column
		if s == "" {
			s = p.Expression
		}
		if p.PrefixLength > 0 {
			s += fmt.Sprintf("(%d)", p.PrefixLength)
		}
		if p.Descending {
			s += " DESC"
		}
		parts = append(parts, s)
	}
	s := i.Method + "(" + strings.Join(parts, ", ") + ")"
	if i.Unique {
		s = "unique " + s
	}
	if len(i.Include) > 0 {
		s += " INCLUDE (" + strings.Join(i.Include, ", ") + ")"
	}
	if i.Predicate != "" {
		s += " WHERE " + i.Predicate
	}
	return s
}

func describePartition(t *Table) string {
	switch {
	case t.PartitionKey != "":
		return "PARTITION BY " + t.PartitionKey
	case t.PartitionOf != "":
		return "PARTITION OF " + t.PartitionOf + " " + t.PartitionBound
	}
	return "not partitioned"
}

func nullability(n bool) string {
	if n {
		return "NULL"
	}
	return "NOT NULL"
}

func showDefault(d *string) string {
	if d == nil {
		return "no default"
	}
	return *d
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
