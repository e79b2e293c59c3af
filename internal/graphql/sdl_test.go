package graphql_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/surveyorhq/surveyor/internal/graphql"
	"github.com/surveyorhq/surveyor/internal/schema"
)

func enumCol(name, enum string, nullable bool, values ...string) schema.Column {
	return schema.Column{Name: name, Type: schema.Type{Base: "enum", Enum: enum, Values: values}, Nullable: nullable}
}

// sdlTypes lists what a loaded SDL declares (besides the built-in and AWS scalars): each object
// type with its fields ("name: Type") and each enum type with its values.
func sdlTypes(s *ast.Schema) map[string][]string {
	out := map[string][]string{}
	for name, def := range s.Types {
		if def.BuiltIn {
			continue
		}
		items := []string{}
		switch def.Kind {
		case ast.Object:
			for _, f := range def.Fields {
				if !strings.HasPrefix(f.Name, "__") {
					items = append(items, f.Name+": "+f.Type.String())
				}
			}
		case ast.Enum:
			for _, v := range def.EnumValues {
				items = append(items, v.Name)
			}
		default:
			continue
		}
		out[string(def.Kind)+" "+name] = items
	}
	return out
}

func TestSDLNamesNeverCollide(t *testing.T) {
	for _, tc := range []struct {
		name   string
		engine string
		table  *schema.Table
		want   map[string][]string
	}{
		{
			name:   "table named like the PostgreSQL enum it uses",
			engine: "postgres",
			table: &schema.Table{Name: "mood", Columns: []schema.Column{
				col("id", "int4", "integer", false),
				enumCol("current", "public.mood", false, "happy", "sad"),
				{Name: "history", Type: schema.Type{Base: "enum", Enum: "public.mood", Values: []string{"happy", "sad"}, ArrayDims: 1}, Nullable: true},
			}},
			want: map[string][]string{
				"OBJECT mood":   {"id: Int!", "current: moodEnum!", "history: [moodEnum]"},
				"ENUM moodEnum": {"happy", "sad"},
			},
		},
		{
			name:   "two enums of one name from two schemas, in a table of that name",
			engine: "postgres",
			table: &schema.Table{Name: "mood", Columns: []schema.Column{
				enumCol("mine", "public.mood", true, "happy", "sad"),
				enumCol("theirs", "other.mood", true, "calm"),
			}},
			want: map[string][]string{
				"OBJECT mood":    {"mine: moodEnum", "theirs: moodEnum2"},
				"ENUM moodEnum":  {"happy", "sad"},
				"ENUM moodEnum2": {"calm"},
			},
		},
		{
			name:   "MySQL enum columns whose enum names collide",
			engine: "mysql",
			table: &schema.Table{Name: "a", Columns: []schema.Column{
				{Name: "b_c", Type: schema.Type{Base: "enum", Values: []string{"x", "y"}}, Nullable: true},
				{Name: "b-c", Type: schema.Type{Base: "enum", Values: []string{"z"}}, Nullable: true},
			}},
			want: map[string][]string{
				"OBJECT a":     {"b_c: ABC", "b_c_2: ABCEnum"},
				"ENUM ABC":     {"x", "y"},
				"ENUM ABCEnum": {"z"},
			},
		},
		{
			name:   "columns that collide once sanitised",
			engine: "postgres",
			table: &schema.Table{Name: "t", Columns: []schema.Column{
				col("a-b", "int4", "integer", true),
				col("a_b", "text", "text", true),
				col("a b", "bool", "boolean", true),
				col("a_b_2", "date", "date", true),
				col("__typename", "text", "text", true),
				col("x__typename", "text", "text", true),
			}},
			want: map[string][]string{
				"OBJECT t": {"a_b_3: Int", "a_b: String", "a_b_4: Boolean", "a_b_2: AWSDate",
					"x__typename_2: String", "x__typename: String"},
			},
		},
		{
			name:   "table named String",
			engine: "postgres",
			table:  &schema.Table{Name: "String", Columns: []schema.Column{col("s", "text", "text", false)}},
			want:   map[string][]string{"OBJECT StringModel": {"s: String!"}},
		},
		{
			name:   "table named ID with a uuid column",
			engine: "postgres",
			table:  &schema.Table{Name: "ID", Columns: []schema.Column{col("id", "uuid", "uuid", false)}},
			want:   map[string][]string{"OBJECT IDModel": {"id: ID!"}},
		},
		{
			name:   "table named AWSDateTime",
			engine: "mysql",
			table:  &schema.Table{Name: "AWSDateTime", Columns: []schema.Column{col("at", "datetime", "datetime", true)}},
			want:   map[string][]string{"OBJECT AWSDateTimeModel": {"at: AWSDateTime"}},
		},
		{
			name:   "table named Int with an enum named IntModel",
			engine: "postgres",
			table:  &schema.Table{Name: "Int", Columns: []schema.Column{enumCol("k", "public.IntModel", true, "a")}},
			want: map[string][]string{
				"OBJECT IntModel":   {"k: IntModelEnum"},
				"ENUM IntModelEnum": {"a"},
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := graphql.FromTable(tc.engine, tc.table)
			got := sdlTypes(mustParse(t, m.SDL))
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("SDL declares (-want +got):\n%s\n%s", diff, m.SDL)
			}
			// Only the SDL renames: the model keeps the table's and the columns' names and types.
			if m.Name != tc.table.Name {
				t.Errorf("model name %q, want %q", m.Name, tc.table.Name)
			}
			for i, c := range tc.table.Columns {
				if m.Fields[i].Name != c.Name {
					t.Errorf("field %d named %q, want %q", i, m.Fields[i].Name, c.Name)
				}
			}
		})
	}
}

// TestEnumTypeNamesInModelJSONKeepDatabaseNames pins that an enum renamed in the SDL keeps its
// database name in the model's field types.
func TestEnumTypeNamesInModelJSONKeepDatabaseNames(t *testing.T) {
	m := graphql.FromTable("postgres", &schema.Table{Name: "mood", Columns: []schema.Column{enumCol("current", "public.mood", true, "happy")}})
	if got := m.Fields[0].Type; got.Kind != graphql.KindEnum || got.Name != "mood" {
		t.Errorf("field type %+v, want Enum named mood", got)
	}
}
