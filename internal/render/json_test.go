package render

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/surveyorhq/surveyor/internal/schema"
	"github.com/surveyorhq/surveyor/internal/schema/schematest"
)

// indentedEncoder is the document JSON must reproduce: the whole snapshot through an indenting
// json.Encoder, as scan --format json wrote it before it streamed.
func indentedEncoder(t *testing.T, s *schema.Snapshot) []byte {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	if err := enc.Encode(s); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestJSONIsTheIndentedDocument(t *testing.T) {
	full := &schema.Snapshot{}
	schematest.Fill(full)
	if b := indentedEncoder(t, full); !bytes.Contains(b, []byte(`"autoIncrement": true`)) || !bytes.Contains(b, []byte(`"prefixLength": 40`)) {
		t.Fatalf("fill left fields empty:\n%s", b)
	}
	wide := &schema.Snapshot{Engine: "sqlite", CapturedAt: time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC), Complete: true,
		Databases: []schema.Database{{Name: "main", Namespaces: []schema.Namespace{{Name: "main"}}}}}
	for i := range 300 {
		tb := schema.Table{Name: fmt.Sprintf("t%03d", i), Kind: schema.KindTable}
		for c := range i % 7 {
			tb.Columns = append(tb.Columns, schema.Column{Name: fmt.Sprintf("c%d", c), Position: c + 1,
				Type: schema.Type{Declared: strings.Repeat("x", i), Base: "text"}})
		}
		wide.Databases[0].Namespaces[0].Tables = append(wide.Databases[0].Namespaces[0].Tables, tb)
	}
	for _, tc := range []struct {
		name string
		s    *schema.Snapshot
	}{
		{"sample", sample()},
		{"every field set", full},
		{"no databases", &schema.Snapshot{Engine: "files"}},
		{"empty lists", &schema.Snapshot{Engine: "postgres", Databases: []schema.Database{{Name: "a", Namespaces: []schema.Namespace{}},
			{Name: "b", Namespaces: []schema.Namespace{{Name: "n", Tables: []schema.Table{}, Enums: []schema.Enum{}}, {Name: "nil tables"}}}},
			Failed: []schema.AssetError{}}},
		{"escaping", &schema.Snapshot{Engine: "<&>", ServerVersion: "\u2028\"\\\x01é\xff", Databases: []schema.Database{{Name: "<db>",
			Namespaces: []schema.Namespace{{Name: "a&b", Comment: "</script>", Tables: []schema.Table{{Name: "\t", Kind: "x"}}}}}}}},
		{"many tables", wide},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := indentedEncoder(t, tc.s)
			var got bytes.Buffer
			if err := Write(&got, "json", tc.s); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.Bytes(), want) {
				t.Errorf("streamed JSON differs from the indented document at byte %d:\n got: %q\nwant: %q",
					firstDiff(got.Bytes(), want), around(got.Bytes(), firstDiff(got.Bytes(), want)), around(want, firstDiff(got.Bytes(), want)))
			}
		})
	}
}

// TestJSONWritesAsItGoes checks the output reaches the writer in pieces, never as one buffer of
// the whole document, and that a failing writer stops the rendering with its error.
func TestJSONWritesAsItGoes(t *testing.T) {
	s := &schema.Snapshot{Engine: "sqlite", Databases: []schema.Database{{Name: "main", Namespaces: []schema.Namespace{{Name: "main"}}}}}
	for i := range 2000 {
		s.Databases[0].Namespaces[0].Tables = append(s.Databases[0].Namespaces[0].Tables, schema.Table{
			Name: fmt.Sprintf("table_%d", i), Kind: schema.KindTable, Comment: strings.Repeat("c", 200),
			Columns: []schema.Column{{Name: "id", Position: 1, Type: schema.Type{Declared: "integer", Base: "integer"}}}})
	}
	for _, format := range Formats {
		t.Run(format, func(t *testing.T) {
			w := &countingWriter{}
			if err := Write(w, format, s); err != nil {
				t.Fatal(err)
			}
			if w.writes < 4 || w.largest > 2*flushBytes {
				t.Errorf("%d writes, the largest %d bytes of %d: want many writes of at most %d bytes", w.writes, w.largest, w.total, 2*flushBytes)
			}
			fail := &countingWriter{failAfter: 2}
			if err := Write(fail, format, s); !errors.Is(err, errFull) {
				t.Errorf("a failing writer: error %v, want %v", err, errFull)
			}
			if fail.writes > 3 {
				t.Errorf("rendering went on after the writer failed: %d writes", fail.writes)
			}
		})
	}
}

var errFull = errors.New("disk full")

type countingWriter struct {
	writes, largest, total, failAfter int
}

func (w *countingWriter) Write(p []byte) (int, error) {
	w.writes++
	if w.failAfter > 0 && w.writes > w.failAfter {
		return 0, errFull
	}
	w.largest = max(w.largest, len(p))
	w.total += len(p)
	return len(p), nil
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

func around(b []byte, i int) string { return string(b[max(0, i-80):min(len(b), i+80)]) }

// TestJSONTableWindows writes namespaces whose sizes fall on either side of the window and of
// the parallel threshold, several namespaces in a row (the window restarts with each), and
// expects the indented document every time.
func TestJSONTableWindows(t *testing.T) {
	sizes := []int{0, 1, parallelTables - 1, parallelTables, windowTables - 1, windowTables, windowTables + 1, 2*windowTables + parallelTables - 1}
	s := &schema.Snapshot{Engine: "postgres", Databases: []schema.Database{{Name: "db"}}}
	for _, n := range sizes {
		ns := schema.Namespace{Name: fmt.Sprintf("ns_%d", n), Tables: []schema.Table{}}
		for i := range n {
			ns.Tables = append(ns.Tables, schema.Table{Name: fmt.Sprintf("t_%d_%d", n, i), Kind: schema.KindView,
				Columns: make([]schema.Column, i%3)})
		}
		s.Databases[0].Namespaces = append(s.Databases[0].Namespaces, ns)
	}
	want := indentedEncoder(t, s)
	for range 3 { // the same writer state must not leak from one document to the next either
		var got bytes.Buffer
		if err := JSON(&got, s); err != nil {
			t.Fatal(err)
		}
		if d := firstDiff(got.Bytes(), want); !bytes.Equal(got.Bytes(), want) {
			t.Fatalf("JSON differs from the indented document at byte %d:\n got: %q\nwant: %q", d, around(got.Bytes(), d), around(want, d))
		}
	}
}
