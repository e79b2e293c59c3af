package render

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/surveyorhq/surveyor/internal/schema"
)

func sample() *schema.Snapshot {
	def := "0"
	rows := int64(42)
	return &schema.Snapshot{Engine: "postgres", ServerVersion: "PostgreSQL 15", Databases: []schema.Database{{Name: "app", Namespaces: []schema.Namespace{{
		Name: "public", Comment: "main schema",
		Enums: []schema.Enum{{Name: "mood", Values: []string{"sad", "ok"}}},
		Tables: []schema.Table{{
			Name: "t", Kind: schema.KindTable, Comment: "a | pipe",
			Columns: []schema.Column{
				{Name: "id", Position: 1, Type: schema.Type{Declared: "bigint"}, Identity: "ALWAYS"},
				{Name: "n", Position: 2, Type: schema.Type{Declared: "integer"}, Nullable: true, Default: &def, Comment: "x|y"},
			},
			PrimaryKey: &schema.Constraint{Name: "t_pkey", Columns: []string{"id"}},
			Meta:       schema.Meta{RowEstimate: &rows},
		}},
	}}}}, Failed: []schema.AssetError{{Ref: schema.Ref{Database: "app", Namespace: "public", Table: "broken"}, Reason: "no such table"}}}
}

func TestWrite(t *testing.T) {
	for _, tc := range []struct {
		format string
		want   []string
		err    string
	}{
		{format: "table", want: []string{"app.public  (namespace)", "-- main schema", "ENUM mood (sad, ok)", "app.public.t  (table)  ~42 rows",
			"identity always", "default 0; -- x|y", "PRIMARY KEY t_pkey (id)", "app.public.broken  FAILED: no such table",
			"1 assets (1 table), 2 columns, 1 failed — PostgreSQL 15"}},
		{format: "markdown", want: []string{"## `app.public` (namespace)", "## `app.public.t` (table)", "a \\| pipe", "-- x\\|y", "## Failed"}},
		{format: "json", want: []string{`"engine": "postgres"`}},
		{format: "xml", err: `unknown format "xml"`},
	} {
		t.Run(tc.format, func(t *testing.T) {
			var b bytes.Buffer
			err := Write(&b, tc.format, sample())
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.want {
				if !strings.Contains(b.String(), w) {
					t.Errorf("%s output lacks %q:\n%s", tc.format, w, b.String())
				}
			}
			if tc.format == "json" {
				var back schema.Snapshot
				if err := json.Unmarshal(b.Bytes(), &back); err != nil || back.TableCount() != 1 || back.Databases[0].Namespaces[0].Tables[0].Fingerprint() != sample().Databases[0].Namespaces[0].Tables[0].Fingerprint() {
					t.Errorf("json does not round-trip: %v", err)
				}
			}
		})
	}
}
