package files

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/surveyorhq/surveyor/internal/connector"
)

// A CSV row whose field count is not the header's is counted and reported with the table
// (Meta.Problems, which runs show as the asset's reason), not dropped silently.
func TestMalformedCSVRowsAreReported(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "orders"), 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(root, "orders", name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("2024.csv", "id,total,note\n1,9.5,a\n2,3.25,b,EXTRA\n3,4.0\n4,1.0,d\n")
	write("2025.csv", "id,total,note\n5,2.0,e\n6,7.5,f\n")
	snap, _ := discover(t, connector.Source{Engine: connector.Files, Path: root}, connector.Options{})
	tb := findTable(t, snap, "", "orders")
	if got := strings.Join(cols(tb.Columns), ", "); got != "id bigint, total decimal, note string?" {
		t.Errorf("columns = %s", got)
	}
	if len(tb.Meta.Problems) != 1 {
		t.Fatalf("problems = %q; want one, for 2024.csv", tb.Meta.Problems)
	}
	want := "orders/2024.csv: 2 of 4 sampled rows are malformed (record 3 has 4 fields, the header 3); the schema is inferred from the others"
	if tb.Meta.Problems[0] != want {
		t.Errorf("problem\n got %s\nwant %s", tb.Meta.Problems[0], want)
	}

	// A clean file reports nothing.
	write("2024.csv", "id,total,note\n1,9.5,a\n")
	snap, _ = discover(t, connector.Source{Engine: connector.Files, Path: root}, connector.Options{})
	if tb := findTable(t, snap, "", "orders"); tb.Meta.Problems != nil {
		t.Errorf("clean files: problems %q", tb.Meta.Problems)
	}
}
