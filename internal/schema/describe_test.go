package schema

import (
	"slices"
	"testing"
)

func strp(s string) *string { return &s }

// orders is a table the cases below change one way each.
func orders() Table {
	return Table{Name: "orders", Kind: KindTable,
		Columns: []Column{
			{Name: "id", Position: 1, Type: Type{Declared: "bigint", Base: "int8"}},
			{Name: "customer_id", Position: 2, Type: Type{Declared: "bigint", Base: "int8"}, Nullable: true},
			{Name: "email", Position: 3, Type: Type{Declared: "character varying(100)", Base: "varchar", Length: ptrTo(int64(100))}},
			{Name: "status", Position: 4, Type: Type{Declared: "order_status", Base: "enum", Enum: "public.order_status", Values: []string{"new", "paid"}}},
			{Name: "kind", Position: 5, Type: Type{Declared: "enum('a','b')", Base: "enum", Values: []string{"a", "b"}}},
		},
		PrimaryKey:  &Constraint{Name: "orders_pkey", Columns: []string{"id"}},
		ForeignKeys: []ForeignKey{{Name: "orders_customer_id_fkey", Columns: []string{"customer_id"}, RefNamespace: "public", RefTable: "customers", RefColumns: []string{"id"}, OnUpdate: "NO ACTION", OnDelete: "CASCADE"}},
		Indexes:     []Index{{Name: "orders_pkey", Primary: true, Unique: true, Method: "btree", Parts: []IndexPart{{Column: "id"}}}},
		Checks:      []Check{{Name: "email_has_at", Expression: "(email ~~ '%@%')"}},
	}
}

func ptrTo[T any](v T) *T { return &v }

func TestDescribe(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(t *Table)
		want   []string
	}{
		{"type widened", func(t *Table) {
			t.Columns[2].Type = Type{Declared: "character varying(255)", Base: "varchar", Length: ptrTo(int64(255))}
		}, []string{"column `email`: character varying(100) → character varying(255)"}},
		{"index added", func(t *Table) {
			t.Indexes = append(t.Indexes, Index{Name: "orders_by_customer", Method: "btree", Parts: []IndexPart{{Column: "customer_id"}}})
		}, []string{"index `orders_by_customer` added (btree(customer_id))"}},
		{"index dropped", func(t *Table) { t.Indexes = nil }, []string{"index `orders_pkey` dropped (unique btree(id))"}},
		{"foreign key dropped", func(t *Table) { t.ForeignKeys = nil },
			[]string{"foreign key to `customers` dropped (orders_customer_id_fkey: (customer_id) → public.customers(id) ON UPDATE NO ACTION ON DELETE CASCADE)"}},
		{"foreign key to another schema added", func(t *Table) {
			t.ForeignKeys = append(t.ForeignKeys, ForeignKey{Name: "orders_rate_fkey", Columns: []string{"id"}, RefNamespace: "billing", RefTable: "rates", RefColumns: []string{"id"}, OnUpdate: "NO ACTION", OnDelete: "NO ACTION"})
		}, []string{"foreign key to `billing.rates` added (orders_rate_fkey: (id) → billing.rates(id) ON UPDATE NO ACTION ON DELETE NO ACTION)"}},
		{"enum type gained a value", func(t *Table) {
			t.Columns[3].Type.Values = []string{"new", "paid", "refunded"}
		}, []string{"column `status`: enum gained `refunded`"}},
		{"inline enum gained and lost", func(t *Table) {
			t.Columns[4].Type = Type{Declared: "enum('b','c','d')", Base: "enum", Values: []string{"b", "c", "d"}}
		}, []string{"column `kind`: enum gained `c` and `d` and lost `a`"}},
		{"enum reordered", func(t *Table) {
			t.Columns[4].Type = Type{Declared: "enum('b','a')", Base: "enum", Values: []string{"b", "a"}}
		}, []string{"column `kind`: enum values reordered (enum('a','b') → enum('b','a'))"}},
		{"enum to text is a type change", func(t *Table) {
			t.Columns[4].Type = Type{Declared: "text", Base: "text"}
		}, []string{"column `kind`: enum('a','b') → text"}},
		{"column added and dropped", func(t *Table) {
			t.Columns = append(t.Columns[:1], t.Columns[2:]...)
			t.Columns = append(t.Columns, Column{Name: "note", Position: 6, Type: Type{Declared: "text", Base: "text"}, Nullable: true})
			t.ForeignKeys = nil
		}, []string{"column `note` added: text", "column `customer_id` dropped", "foreign key to `customers` dropped (orders_customer_id_fkey: (customer_id) → public.customers(id) ON UPDATE NO ACTION ON DELETE CASCADE)"}},
		{"nullability and default", func(t *Table) {
			t.Columns[1].Nullable = false
			t.Columns[1].Default = strp("0")
		}, []string{"column `customer_id`: NULL → NOT NULL", "column `customer_id` default: no default → 0"}},
		{"check changed", func(t *Table) { t.Checks[0].Expression = "(email ~~ '%@%.%')" },
			[]string{"check `email_has_at` changed ((email ~~ '%@%') → (email ~~ '%@%.%'))"}},
		{"primary key dropped", func(t *Table) { t.PrimaryKey = nil }, []string{"primary key: orders_pkey(id) → none"}},
		{"comment", func(t *Table) { t.Comment = "what was sold" }, []string{`comment: "" → "what was sold"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			old, new := orders(), orders()
			tc.change(&new)
			d := DiffTable(Ref{Database: "app", Namespace: "public", Table: "orders"}, &old, &new)
			var got []string
			for _, c := range d.Changes {
				got = append(got, Describe(c).String())
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("changes:\n got %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestDescriptionParts(t *testing.T) {
	d := Describe(Change{Kind: IndexAdded, Object: "ix", Detail: "btree(a)"})
	want := []Part{{Text: "index "}, {Text: "ix", Code: true}, {Text: " added"}}
	if !slices.Equal(d.Parts, want) || d.Note != "btree(a)" {
		t.Errorf("parts = %+v note %q, want %+v note btree(a)", d.Parts, d.Note, want)
	}
	if got := d.Sentence(); got != "index `ix` added" {
		t.Errorf("Sentence = %q", got)
	}
}

func TestDiffEnums(t *testing.T) {
	withEnums := func(enums ...Enum) *Snapshot {
		return &Snapshot{Databases: []Database{{Name: "app", Namespaces: []Namespace{{Name: "public", Enums: enums}}}}}
	}
	old := withEnums(Enum{Name: "status", Values: []string{"new", "paid"}}, Enum{Name: "gone", Values: []string{"x"}},
		Enum{Name: "same", Values: []string{"a"}}, Enum{Name: "order", Values: []string{"a", "b"}})
	new := withEnums(Enum{Name: "status", Values: []string{"new", "paid", "refunded"}}, Enum{Name: "fresh", Values: []string{"y", "z"}},
		Enum{Name: "same", Values: []string{"a"}}, Enum{Name: "order", Values: []string{"b", "a"}})
	var got []string
	for _, e := range DiffEnums(old, new) {
		got = append(got, e.Describe().String())
	}
	want := []string{"enum `public.fresh` added (y, z)", "enum `public.gone` removed",
		"enum `public.order` values reordered (b, a)", "enum `public.status` gained `refunded`"}
	if !slices.Equal(got, want) {
		t.Errorf("DiffEnums:\n got %q\nwant %q", got, want)
	}
	if d := DiffEnums(nil, nil); len(d) != 0 {
		t.Errorf("DiffEnums(nil, nil) = %+v", d)
	}
}

func TestSummary(t *testing.T) {
	diffs := []AssetDiff{{Status: Added}, {Status: Updated}, {Status: Updated}, {Status: Unchanged}, {Status: Removed}}
	if got := Summary(diffs, nil); got != "1 added, 2 updated, 1 removed" {
		t.Errorf("Summary = %q", got)
	}
	if got := Summary([]AssetDiff{{Status: Unchanged}}, nil); got != "no changes" {
		t.Errorf("Summary of unchanged = %q", got)
	}
}
