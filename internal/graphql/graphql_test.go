package graphql_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/surveyorhq/surveyor/internal/graphql"
	"github.com/surveyorhq/surveyor/internal/schema"
)

func col(name, base, declared string, nullable bool) schema.Column {
	return schema.Column{Name: name, Type: schema.Type{Base: base, Declared: declared}, Nullable: nullable}
}

// typeString renders a field type compactly: Int!, [String], Enum:mood(a,b).
func typeString(ft *graphql.FieldType) string {
	switch ft.Kind {
	case graphql.KindNonNull:
		return typeString(ft.Type) + "!"
	case graphql.KindList:
		return "[" + typeString(ft.Type) + "]"
	case graphql.KindEnum:
		return "Enum:" + ft.Name + "(" + strings.Join(ft.Values, ",") + ")"
	}
	return ft.Name
}

func TestScalarMapping(t *testing.T) {
	for _, tc := range []struct {
		engine, base, declared string
		want                   string
	}{
		{"postgres", "varchar", "character varying(20)", "String"},
		{"postgres", "bpchar", "character(3)", "String"},
		{"postgres", "text", "text", "String"},
		{"postgres", "bool", "boolean", "Boolean"},
		{"postgres", "int2", "smallint", "Int"},
		{"postgres", "int4", "integer", "Int"},
		{"postgres", "int8", "bigint", "Int"},
		{"postgres", "bit", "bit(1)", "Int"},
		{"postgres", "float4", "real", "Float"},
		{"postgres", "float8", "double precision", "Float"},
		{"postgres", "numeric", "numeric(10,2)", "Float"},
		{"postgres", "money", "money", "Float"},
		{"postgres", "uuid", "uuid", "ID"},
		{"postgres", "date", "date", "AWSDate"},
		{"postgres", "timestamp", "timestamp without time zone", "AWSDateTime"},
		{"postgres", "timestamptz", "timestamp with time zone", "AWSDateTime"},
		{"postgres", "time", "time without time zone", "AWSTime"},
		{"postgres", "json", "json", "AWSJSON"},
		{"postgres", "jsonb", "jsonb", "AWSJSON"},
		{"postgres", "point", "point", "AWSJSON"},
		{"postgres", "polygon", "polygon", "AWSJSON"},
		{"postgres", "circle", "circle", "AWSJSON"},
		{"postgres", "inet", "inet", "AWSIPAddress"},
		{"postgres", "cidr", "cidr", "AWSIPAddress"},
		{"postgres", "bytea", "bytea", "String"},
		{"postgres", "interval", "interval", "String"},
		{"mysql", "varchar", "varchar(20)", "String"},
		{"mysql", "longtext", "longtext", "String"},
		{"mysql", "blob", "blob", "String"},
		{"mysql", "varbinary", "varbinary(8)", "String"},
		{"mysql", "tinyint", "tinyint(1)", "Int"},
		{"mysql", "bit", "bit(1)", "Int"},
		{"mysql", "mediumint", "mediumint(9)", "Int"},
		{"mysql", "bigint", "bigint(20) unsigned", "Int"},
		{"mysql", "year", "year(4)", "Int"},
		{"mysql", "double", "double", "Float"},
		{"mysql", "decimal", "decimal(10,2)", "Float"},
		{"mysql", "date", "date", "AWSDate"},
		{"mysql", "datetime", "datetime", "AWSDateTime"},
		{"mysql", "timestamp", "timestamp", "AWSDateTime"},
		{"mysql", "time", "time", "AWSTime"},
		{"mysql", "json", "json", "AWSJSON"},
		{"mysql", "geometry", "geometry", "String"},
		{"sqlite", "integer", "INTEGER", "Int"},
		{"sqlite", "big", "UNSIGNED BIG INT", "Int"},
		{"sqlite", "varchar", "VARCHAR(20)", "String"},
		{"sqlite", "text", "TEXT", "String"},
		{"sqlite", "blob", "BLOB", "String"},
		{"sqlite", "", "", "String"},
		{"sqlite", "real", "REAL", "Float"},
		{"sqlite", "double", "DOUBLE PRECISION", "Float"},
		{"sqlite", "decimal", "DECIMAL(10,2)", "Float"},
		{"sqlite", "numeric", "NUMERIC", "Float"},
		{"sqlite", "boolean", "BOOLEAN", "Boolean"},
		{"sqlite", "date", "DATE", "AWSDate"},
		{"sqlite", "datetime", "DATETIME", "AWSDateTime"},
		{"sqlite", "timestamp", "TIMESTAMP", "AWSDateTime"},
		{"sqlite", "time", "TIME", "AWSTime"},
		{"sqlite", "json", "JSON", "AWSJSON"},
		{"sqlite", "uuid", "UUID", "ID"},
	} {
		t.Run(tc.engine+"/"+tc.declared, func(t *testing.T) {
			tbl := &schema.Table{Name: "t", Columns: []schema.Column{col("c", tc.base, tc.declared, true)}}
			m := graphql.FromTable(tc.engine, tbl)
			if got := typeString(m.Fields[0].Type); got != tc.want {
				t.Errorf("type = %s, want %s", got, tc.want)
			}
			ft := m.Fields[0].Type
			if ft.Kind != graphql.KindScalar || ft.Type != nil {
				t.Errorf("kind = %s with inner %v, want a Scalar without inner type", ft.Kind, ft.Type)
			}
		})
	}
}

func TestWrappersAndEnums(t *testing.T) {
	mood := schema.Type{Base: "enum", Declared: "mood", Enum: "public.mood", Values: []string{"sad", "ok", "happy"}}
	moodArr := mood
	moodArr.ArrayDims = 1
	for _, tc := range []struct {
		name   string
		engine string
		col    schema.Column
		want   string
	}{
		{"postgres not null int", "postgres", col("id", "int4", "integer", false), "Int!"},
		{"postgres text array", "postgres", schema.Column{Name: "tags", Type: schema.Type{Base: "text", Declared: "text[]", ArrayDims: 1}, Nullable: true}, "[String]"},
		{"postgres not null int array", "postgres", schema.Column{Name: "n", Type: schema.Type{Base: "int4", Declared: "integer[]", ArrayDims: 1}}, "[Int]!"},
		{"postgres two-dimensional array", "postgres", schema.Column{Name: "m", Type: schema.Type{Base: "float8", Declared: "double precision[]", ArrayDims: 2}, Nullable: true}, "[[Float]]"},
		{"postgres enum", "postgres", schema.Column{Name: "mood", Type: mood}, "Enum:mood(sad,ok,happy)!"},
		{"postgres enum array", "postgres", schema.Column{Name: "moods", Type: moodArr, Nullable: true}, "[Enum:mood(sad,ok,happy)]"},
		{"postgres domain over int", "postgres", schema.Column{Name: "d", Type: schema.Type{Base: "int4", Declared: "posint", Domain: "public.posint"}, Nullable: true}, "Int"},
		{"mysql enum named after table and column", "mysql", schema.Column{Name: "order_status", Type: schema.Type{Base: "enum", Declared: "enum('new','paid')", Values: []string{"new", "paid"}}}, "Enum:OrderItemsOrderStatus(new,paid)!"},
		{"mysql set", "mysql", schema.Column{Name: "flags", Type: schema.Type{Base: "set", Declared: "set('a','b')", Values: []string{"a", "b"}}, Nullable: true}, "[String]"},
		{"mysql not null set", "mysql", schema.Column{Name: "flags", Type: schema.Type{Base: "set", Declared: "set('a','b')", Values: []string{"a", "b"}}}, "[String]!"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := graphql.FromTable(tc.engine, &schema.Table{Name: "order_items", Columns: []schema.Column{tc.col}})
			if got := typeString(m.Fields[0].Type); got != tc.want {
				t.Errorf("type = %s, want %s", got, tc.want)
			}
			mustParse(t, m.SDL)
		})
	}
}

func TestMariaDBJSONColumn(t *testing.T) {
	tbl := &schema.Table{Name: "docs", Columns: []schema.Column{
		col("body", "longtext", "longtext", true), col("notes", "longtext", "longtext", true)},
		Checks: []schema.Check{{Name: "body", Expression: "json_valid(`body`)"}}}
	m := graphql.FromTable("mysql", tbl)
	if got := []string{typeString(m.Fields[0].Type), typeString(m.Fields[1].Type)}; !cmp.Equal(got, []string{"AWSJSON", "String"}) {
		t.Errorf("types = %v, want [AWSJSON String]: only the column with json_valid is JSON", got)
	}
}

func TestModelJSONShape(t *testing.T) {
	n20 := int64(20)
	tbl := &schema.Table{
		Name: "authors",
		Columns: []schema.Column{
			col("id", "int4", "integer", false),
			{Name: "name", Type: schema.Type{Base: "varchar", Declared: "character varying(20)", Length: &n20}, Nullable: true},
		},
		PrimaryKey: &schema.Constraint{Name: "authors_pkey", Columns: []string{"id"}},
		Indexes: []schema.Index{
			{Name: "authors_pkey", Primary: true, Unique: true, Parts: []schema.IndexPart{{Column: "id"}}},
			{Name: "authors_name_idx", Parts: []schema.IndexPart{{Column: "name"}, {Column: "id", Descending: true}}},
			{Name: "authors_lower_idx", Parts: []schema.IndexPart{{Expression: "lower(name)"}}},
		},
	}
	b, err := json.Marshal(graphql.FromTable("postgres", tbl))
	if err != nil {
		t.Fatal(err)
	}
	var got any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	var want any
	if err := json.Unmarshal([]byte(`{
		"name":"authors",
		"fields":[{"name":"id","type":{"kind":"NonNull","type":{"kind":"Scalar","name":"Int"}}},
		          {"name":"name","type":{"kind":"Scalar","name":"String"},"length":20}],
		"primaryKey":{"name":"PRIMARY_KEY","fields":["id"]},
		"indexes":[{"name":"authors_name_idx","fields":["name","id"]}],
		"sdl":"type authors {\n  id: Int!\n  name: String\n}\n"}`), &want); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("model JSON (-want +got):\n%s", diff)
	}
}

func TestSDLOfAwkwardNamesParses(t *testing.T) {
	tbl := &schema.Table{
		Name: "order-items 2024",
		Columns: []schema.Column{
			col("1st", "int4", "integer", false),
			col("unit price", "numeric", "numeric", true),
			col("__typename", "text", "text", true),
			{Name: "state", Type: schema.Type{Base: "enum", Enum: "public.order state", Values: []string{"in progress", "true", "done", "in-progress", "9lives"}}, Nullable: true},
		},
	}
	m := graphql.FromTable("postgres", tbl)
	doc := mustParse(t, m.SDL)
	obj := doc.Types["order_items_2024"]
	if obj == nil {
		t.Fatalf("SDL has no type order_items_2024:\n%s", m.SDL)
	}
	var fields []string
	for _, f := range obj.Fields {
		fields = append(fields, f.Name+": "+f.Type.String())
	}
	want := []string{"_1st: Int!", "unit_price: Float", "x__typename: String", "state: order_state"}
	if diff := cmp.Diff(want, fields); diff != "" {
		t.Errorf("SDL fields (-want +got):\n%s\n%s", diff, m.SDL)
	}
	var values []string
	for _, v := range doc.Types["order_state"].EnumValues {
		values = append(values, v.Name)
	}
	if diff := cmp.Diff([]string{"in_progress", "_true", "done", "in_progress_2", "_9lives"}, values); diff != "" {
		t.Errorf("enum values (-want +got):\n%s", diff)
	}
	// The model itself keeps the real names.
	if m.Name != "order-items 2024" || m.Fields[1].Name != "unit price" || m.Fields[3].Type.Values[0] != "in progress" {
		t.Errorf("model renamed: %+v", m)
	}
}

func TestPascalCase(t *testing.T) {
	for in, want := range map[string]string{
		"orders_status":    "OrdersStatus",
		"order_items_kind": "OrderItemsKind",
		"Orders_Status":    "OrdersStatus",
		"a-b c":            "ABC",
		"t1_c2":            "T1C2",
	} {
		if got := graphql.PascalCase(in); got != want {
			t.Errorf("PascalCase(%q) = %q, want %q", in, got, want)
		}
	}
}

// awsScalars declares AppSync's built-in scalars, which AppSync SDL uses without declaring.
const awsScalars = `scalar AWSDate
scalar AWSTime
scalar AWSDateTime
scalar AWSTimestamp
scalar AWSEmail
scalar AWSJSON
scalar AWSURL
scalar AWSPhone
scalar AWSIPAddress
`

// mustParse loads sdl as a schema with gqlparser (parsing and validation: every referenced
// type must be declared) and returns it.
func mustParse(t *testing.T, sdl string) *ast.Schema {
	t.Helper()
	s, err := gqlparser.LoadSchema(&ast.Source{Name: "aws.graphql", Input: awsScalars, BuiltIn: true},
		&ast.Source{Name: "model.graphql", Input: sdl})
	if err != nil {
		t.Fatalf("SDL does not load: %v\n%s", err, sdl)
	}
	return s
}
