package files

import (
	"bytes"
	"path/filepath"
	"slices"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/surveyorhq/surveyor/internal/connector"
)

// A new field in one Hive partition widens the dataset's table; it never splits the dataset into
// tables named after its files.
func TestPartitionsWithANewFieldStayOneTable(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files map[string]string
		want  []string
	}{
		{"json", map[string]string{
			"web/events/dt=2024-01-01/part-0000.json": `{"id":1,"page":"/"}` + "\n" + `{"id":2,"page":"/a"}` + "\n",
			"web/events/dt=2024-01-02/part-0000.json": `{"id":3,"page":"/b","referrer":"x","ms":1.5}` + "\n",
			"web/events/dt=2024-01-03/part-0000.json": `{"page":"/c","id":4}` + "\n",
		}, []string{"id bigint", "page string", "referrer string?", "ms decimal?", "dt string"}},
		{"csv", map[string]string{
			"web/events/dt=2024-01-01/part-0000.csv": "id,page\n1,/\n2,/a\n",
			"web/events/dt=2024-01-02/part-0000.csv": "id,page,ms\n3,/b,1.5\n",
			"web/events/dt=2024-01-03/part-0000.csv": "id,page,ms\n4,/c,2\n",
		}, []string{"id bigint", "page string", "ms decimal?", "dt string"}},
		{"csv types widen, never narrow", map[string]string{
			"web/events/dt=2024-01-01/part-0000.csv": "id,page\n1,/\n",
			"web/events/dt=2024-01-02/part-0000.csv": "id,page\nx9,/b\n",
		}, []string{"id string", "page string", "dt string"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := filepath.Join(t.TempDir(), "lake")
			for rel, data := range tc.files {
				writeFile(t, root, rel, []byte(data))
			}
			snap, _ := discover(t, connector.Source{Engine: connector.Files, Path: root}, connector.Options{})
			if got := tableNames(snap); !slices.Equal(got, []string{"lake.web.events"}) {
				t.Fatalf("tables %q, want one table lake.web.events", got)
			}
			tb := findTable(t, snap, "web", "events")
			if got := cols(tb.Columns); !slices.Equal(got, tc.want) {
				t.Errorf("columns\n got %q\nwant %q", got, tc.want)
			}
			if tb.Meta.Files != len(tc.files) || tb.PartitionKey != "HIVE (dt)" {
				t.Errorf("files %d partition key %q", tb.Meta.Files, tb.PartitionKey)
			}
		})
	}
}

// Files of one folder whose columns overlap are one dataset; files with unrelated columns are
// still a table each.
func TestFolderFilesMergeOnlyWhenTheyOverlap(t *testing.T) {
	root := filepath.Join(t.TempDir(), "d")
	writeFile(t, root, "logs/a.json", []byte(`{"ts":"t","msg":"m"}`+"\n"))
	writeFile(t, root, "logs/b.json", []byte(`{"ts":"t","msg":"m","level":"info"}`+"\n"))
	writeFile(t, root, "mixed/users.csv", []byte("id,email\n1,a@x\n"))
	writeFile(t, root, "mixed/teams.csv", []byte("team,size,lead\nred,3,ann\n"))
	snap, _ := discover(t, connector.Source{Engine: connector.Files, Path: root}, connector.Options{})
	got := tableNames(snap)
	slices.Sort(got)
	if want := []string{"d.logs", "d.mixed.teams", "d.mixed.users"}; !slices.Equal(got, want) {
		t.Fatalf("tables %q, want %q", got, want)
	}
	if got, want := cols(findTable(t, snap, "", "logs").Columns), []string{"ts string", "msg string", "level string?"}; !slices.Equal(got, want) {
		t.Errorf("logs columns %q, want %q", got, want)
	}
}

type pqNarrow struct {
	ID    int32   `parquet:"id"`
	Price float32 `parquet:"price"`
}

type pqWide struct {
	ID    int64   `parquet:"id"`
	Price float64 `parquet:"price"`
	Note  string  `parquet:"note"`
}

func TestParquetPartitionsWiden(t *testing.T) {
	root := filepath.Join(t.TempDir(), "lake")
	var a, b bytes.Buffer
	if err := parquet.Write(&a, []pqNarrow{{1, 2}}); err != nil {
		t.Fatal(err)
	}
	if err := parquet.Write(&b, []pqWide{{1, 2, "x"}}); err != nil {
		t.Fatal(err)
	}
	writeFile(t, root, "trips/year=2024/part-0000.parquet", a.Bytes())
	writeFile(t, root, "trips/year=2025/part-0000.parquet", b.Bytes())
	snap, _ := discover(t, connector.Source{Engine: connector.Files, Path: root}, connector.Options{})
	if got := tableNames(snap); !slices.Equal(got, []string{"lake.trips"}) {
		t.Fatalf("tables %q, want one table lake.trips", got)
	}
	tb := findTable(t, snap, "", "trips")
	if got, want := cols(tb.Columns), []string{"id bigint", "price double", "note string?", "year string"}; !slices.Equal(got, want) {
		t.Errorf("columns\n got %q\nwant %q", got, want)
	}
	if tb.Meta.RowEstimate == nil || *tb.Meta.RowEstimate != 2 {
		t.Errorf("rows %v, want 2", tb.Meta.RowEstimate)
	}
}
