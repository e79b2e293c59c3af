package schema_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/surveyorhq/surveyor/internal/schema"
	"github.com/surveyorhq/surveyor/internal/schema/schematest"
)

// tablesToEncode are tables whose JSON shows every rule: every field set, the zero table,
// empty but not nil slices and maps, empty objects, zero values behind pointers.
func tablesToEncode() map[string]*schema.Table {
	full := &schema.Table{}
	schematest.Fill(full)
	zero, one := int64(0), 0
	empty := &schema.Table{Name: "e", Kind: schema.KindView, Columns: []schema.Column{{Type: schema.Type{Values: []string{}, Fields: []schema.Column{}}}},
		Uniques: []schema.Constraint{{Columns: []string{}}}, ForeignKeys: []schema.ForeignKey{}, Checks: []schema.Check{{}},
		Indexes: []schema.Index{{Parts: []schema.IndexPart{{}}, Include: []string{}}, {}}, Options: map[string]string{},
		Meta: schema.Meta{RowEstimate: &zero}}
	empty.Columns[0].Type.Precision, empty.Columns[0].Type.Scale = &one, &one
	nested := &schema.Table{Name: "n", Columns: []schema.Column{{Name: "s", Type: schema.Type{Declared: "struct", Elem: &schema.Type{
		Elem: &schema.Type{Fields: []schema.Column{{Name: "deep", Type: schema.Type{Declared: "list"}}}}}}}}}
	return map[string]*schema.Table{"every field": full, "zero": {}, "empties": empty, "nested types": nested}
}

func TestAppendJSONIsWhatEncodingJSONWrites(t *testing.T) {
	for name, tb := range tablesToEncode() {
		t.Run(name, func(t *testing.T) {
			want, err := json.Marshal(tb)
			if err != nil {
				t.Fatal(err)
			}
			if got := tb.AppendJSON(nil, "", ""); !bytes.Equal(got, want) {
				t.Errorf("compact:\n got %s\nwant %s", got, want)
			}
			for _, layout := range [][2]string{{"", "  "}, {"            ", "  "}, {">", "\t"}} {
				var indented bytes.Buffer
				if err := json.Indent(&indented, want, layout[0], layout[1]); err != nil {
					t.Fatal(err)
				}
				if got := tb.AppendJSON([]byte("x"), layout[0], layout[1]); !bytes.Equal(got[1:], indented.Bytes()) || got[0] != 'x' {
					t.Errorf("indented with %q, %q:\n got %s\nwant %s", layout[0], layout[1], got, indented.Bytes())
				}
			}
		})
	}
}

// FuzzAppendJSON puts arbitrary text in the table's strings and map keys and expects the bytes
// encoding/json writes.
func FuzzAppendJSON(f *testing.F) {
	for _, s := range []string{"", "plain", "<&>\"\\", "\x00\x1f\b\f\n\r\t", "\u2028\u2029é", "\xff\xfe", "\xed\xa0\x80"} {
		f.Add(s, s+"x", 3)
	}
	f.Fuzz(func(t *testing.T, a, b string, n int) {
		tb := &schema.Table{Name: a, Kind: schema.Kind(b), Comment: b, Options: map[string]string{a: b, b: a},
			Columns: []schema.Column{{Name: b, Position: n, Default: &a, Comment: a, Type: schema.Type{Declared: a, Base: b, Values: []string{a, b}}}},
			Checks:  []schema.Check{{Name: a, Expression: b}}, Meta: schema.Meta{Location: a, Files: n}}
		want, err := json.Marshal(tb)
		if err != nil {
			t.Fatal(err)
		}
		if got := tb.AppendJSON(nil, "", ""); !bytes.Equal(got, want) {
			t.Fatalf("got  %s\nwant %s", got, want)
		}
	})
}

// TestFingerprintIsStable pins the fingerprint of a table with every field set: catalogs store
// fingerprints, so a change of encoding would show every asset of every source as updated.
func TestFingerprintIsStable(t *testing.T) {
	tb := tablesToEncode()["every field"]
	const want = "e0a573255eaf194460dcec1eecc48dacee33abe0bdb1cecbb65d16ac418081de" // as encoding/json made it
	if got := tb.Fingerprint(); got != want {
		t.Errorf("fingerprint %s, want %s", got, want)
	}
}

// TestAppendJSONOnTheConnectorFixtures encodes every table the connectors' golden snapshots
// hold, compact and indented, and expects encoding/json's bytes.
func TestAppendJSONOnTheConnectorFixtures(t *testing.T) {
	files, err := filepath.Glob("../connector/*/testdata/*.golden.json")
	if err != nil || len(files) < 3 {
		t.Fatalf("golden snapshots: %v %v, want those of postgres, mysql and sqlite", files, err)
	}
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var s schema.Snapshot
		if err := json.Unmarshal(b, &s); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		n := 0
		for _, a := range s.Assets() {
			n++
			want, err := json.Marshal(a.Table)
			if err != nil {
				t.Fatal(err)
			}
			if got := a.Table.AppendJSON(nil, "", ""); !bytes.Equal(got, want) {
				t.Errorf("%s %s:\n got %s\nwant %s", file, a.Ref, got, want)
			}
			var indented bytes.Buffer
			json.Indent(&indented, want, "      ", "  ")
			if got := a.Table.AppendJSON(nil, "      ", "  "); !bytes.Equal(got, indented.Bytes()) {
				t.Errorf("%s %s indented:\n got %s\nwant %s", file, a.Ref, got, indented.Bytes())
			}
		}
		if n == 0 {
			t.Errorf("%s has no tables", file)
		}
	}
}
