package schema

import (
	"slices"
	"testing"
)

func ptr[T any](v T) *T { return &v }

func sampleTable() Table {
	return Table{
		Name: "orders", Kind: KindTable, Comment: "customer orders",
		Columns: []Column{
			{Name: "id", Position: 1, Type: Type{Declared: "bigint", Base: "int8"}},
			{Name: "customer_id", Position: 2, Type: Type{Declared: "bigint", Base: "int8"}},
			{Name: "status", Position: 3, Type: Type{Declared: "text", Base: "text"}, Nullable: true, Default: ptr("'new'::text")},
		},
		PrimaryKey:  &Constraint{Name: "orders_pkey", Columns: []string{"id"}},
		ForeignKeys: []ForeignKey{{Name: "orders_customer_fk", Columns: []string{"customer_id"}, RefNamespace: "public", RefTable: "customers", RefColumns: []string{"id"}, OnUpdate: "NO ACTION", OnDelete: "CASCADE"}},
		Indexes: []Index{
			{Name: "orders_pkey", Unique: true, Primary: true, Method: "btree", Parts: []IndexPart{{Column: "id"}}},
			{Name: "orders_status_idx", Method: "btree", Parts: []IndexPart{{Column: "status"}}, Predicate: "status <> 'done'"},
		},
		Meta: Meta{RowEstimate: ptr(int64(10))},
	}
}

func TestFingerprintIgnoresOrderAndMeta(t *testing.T) {
	a := sampleTable()
	b := sampleTable()
	slices.Reverse(b.Columns)
	slices.Reverse(b.Indexes)
	b.Meta = Meta{RowEstimate: ptr(int64(99999)), SizeBytes: ptr(int64(1 << 20)), NoAccess: true}
	if a.Fingerprint() != b.Fingerprint() {
		t.Fatalf("fingerprints differ for the same shape:\n%s\n%s", a.Canonical(), b.Canonical())
	}
	// Canonical must not reorder the caller's table.
	if b.Columns[0].Name != "status" {
		t.Fatalf("Canonical reordered the caller's columns")
	}
}

func TestFingerprintSeesShapeChanges(t *testing.T) {
	base := sampleTable().Fingerprint()
	for name, mutate := range map[string]func(*Table){
		"column type": func(t *Table) {
			t.Columns[2].Type = Type{Declared: "varchar(20)", Base: "varchar", Length: ptr(int64(20))}
		},
		"nullability":     func(t *Table) { t.Columns[2].Nullable = false },
		"default":         func(t *Table) { t.Columns[2].Default = nil },
		"column comment":  func(t *Table) { t.Columns[0].Comment = "key" },
		"table comment":   func(t *Table) { t.Comment = "" },
		"fk action":       func(t *Table) { t.ForeignKeys[0].OnDelete = "RESTRICT" },
		"index predicate": func(t *Table) { t.Indexes[1].Predicate = "" },
		"pk":              func(t *Table) { t.PrimaryKey = nil },
		"option":          func(t *Table) { t.Options = map[string]string{"engine": "InnoDB"} },
	} {
		tb := sampleTable()
		mutate(&tb)
		if tb.Fingerprint() == base {
			t.Errorf("%s: fingerprint did not change", name)
		}
	}
}

func snap(tables ...Table) *Snapshot {
	return &Snapshot{Engine: "postgres", Databases: []Database{{Name: "app", Namespaces: []Namespace{{Name: "public", Tables: tables}}}}}
}

func TestDiff(t *testing.T) {
	customers := Table{Name: "customers", Kind: KindTable, Columns: []Column{{Name: "id", Position: 1, Type: Type{Declared: "bigint", Base: "int8"}}}}
	gone := Table{Name: "gone", Kind: KindTable}
	old := snap(customers, sampleTable(), gone)

	changed := sampleTable()
	changed.Columns = append(changed.Columns[:1], changed.Columns[2]) // drop customer_id
	changed.Columns[1].Nullable = false
	changed.Columns = append(changed.Columns, Column{Name: "total", Position: 4, Type: Type{Declared: "numeric(10,2)", Base: "numeric"}})
	changed.ForeignKeys = nil
	changed.Indexes = changed.Indexes[:1]
	fresh := Table{Name: "fresh", Kind: KindView, ViewDefinition: "SELECT 1"}
	new := snap(customers, changed, fresh)

	got := Diff(old, new)
	want := map[string]Status{"app.public.customers": Unchanged, "app.public.orders": Updated, "app.public.gone": Removed, "app.public.fresh": Added}
	if len(got) != len(want) {
		t.Fatalf("Diff returned %d assets, want %d: %+v", len(got), len(want), got)
	}
	for _, d := range got {
		if want[d.Ref.String()] != d.Status {
			t.Errorf("%s: status %s, want %s", d.Ref, d.Status, want[d.Ref.String()])
		}
		if d.Ref.Table != "orders" {
			continue
		}
		var kinds []ChangeKind
		for _, c := range d.Changes {
			kinds = append(kinds, c.Kind)
		}
		slices.Sort(kinds)
		wantKinds := []ChangeKind{ColumnAdded, ColumnDropped, ColumnNullability, ForeignKeyDropped, IndexDropped}
		slices.Sort(wantKinds)
		if !slices.Equal(kinds, wantKinds) {
			t.Errorf("orders changes = %v, want %v (%+v)", kinds, wantKinds, d.Changes)
		}
	}
}

func TestDiffColumnOrder(t *testing.T) {
	col := func(name string, pos int) Column {
		return Column{Name: name, Position: pos, Type: Type{Declared: "int", Base: "int"}}
	}
	old := Table{Name: "t", Columns: []Column{col("a", 1), col("b", 2), col("c", 3)}}
	dropped := Table{Name: "t", Columns: []Column{col("a", 1), col("c", 2)}}
	moved := Table{Name: "t", Columns: []Column{col("b", 1), col("a", 2), col("c", 3)}}
	d := DiffTable(Ref{Table: "t"}, &old, &dropped)
	if len(d.Changes) != 1 || d.Changes[0].Kind != ColumnDropped {
		t.Errorf("drop of b: changes = %+v, want only column_dropped", d.Changes)
	}
	d = DiffTable(Ref{Table: "t"}, &old, &moved)
	if len(d.Changes) != 2 || d.Changes[0].Kind != ColumnPosition {
		t.Errorf("swap of a and b: changes = %+v, want two column_position", d.Changes)
	}
}

func TestDiffNilSides(t *testing.T) {
	s := snap(sampleTable())
	if d := Diff(nil, s); len(d) != 1 || d[0].Status != Added {
		t.Errorf("Diff(nil, s) = %+v, want one added", d)
	}
	if d := Diff(s, nil); len(d) != 1 || d[0].Status != Removed {
		t.Errorf("Diff(s, nil) = %+v, want one removed", d)
	}
}

func TestRefString(t *testing.T) {
	for _, tc := range []struct {
		ref  Ref
		want string
	}{
		{Ref{"app", "public", "t"}, "app.public.t"},
		{Ref{"shop", "shop", "t"}, "shop.t"},
		{Ref{"main", "", "t"}, "main.t"},
	} {
		if got := tc.ref.String(); got != tc.want {
			t.Errorf("%#v.String() = %q, want %q", tc.ref, got, tc.want)
		}
	}
}
