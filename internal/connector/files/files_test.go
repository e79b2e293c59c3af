package files

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/surveyorhq/surveyor/internal/connector"
	"github.com/surveyorhq/surveyor/internal/filter"
	"github.com/surveyorhq/surveyor/internal/schema"
)

func discover(t *testing.T, src connector.Source, opts connector.Options) (*schema.Snapshot, *Stats) {
	t.Helper()
	snap, stats, err := New().DiscoverStats(context.Background(), src, opts)
	if err != nil {
		t.Fatalf("discover %s: %v", src.Path, err)
	}
	return snap, stats
}

func findTable(t *testing.T, s *schema.Snapshot, ns, name string) *schema.Table {
	t.Helper()
	for _, db := range s.Databases {
		for _, n := range db.Namespaces {
			for i := range n.Tables {
				if n.Name == ns && n.Tables[i].Name == name {
					return &n.Tables[i]
				}
			}
		}
	}
	t.Fatalf("no table %q in namespace %q; have %v", name, ns, tableNames(s))
	return nil
}

func tableNames(s *schema.Snapshot) []string {
	var out []string
	for _, db := range s.Databases {
		for _, n := range db.Namespaces {
			for _, tb := range n.Tables {
				out = append(out, schema.Ref{Database: db.Name, Namespace: n.Name, Table: tb.Name}.String())
			}
		}
	}
	return out
}

// cols renders columns as "name type" with a "?" for nullable ones.
func cols(cs []schema.Column) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Name + " " + c.Type.Declared
		if c.Nullable {
			out[i] += "?"
		}
	}
	return out
}

func TestDiscoverEveryFormat(t *testing.T) {
	root := filepath.Join(t.TempDir(), "data")
	fixtureTree(t, root)
	snap, stats := discover(t, connector.Source{Engine: connector.Files, Path: root}, connector.Options{})

	if snap.Engine != "files" || len(snap.Databases) != 1 || snap.Databases[0].Name != "data" || !snap.Complete {
		t.Fatalf("snapshot header: engine %q databases %v complete %v", snap.Engine, snap.Databases, snap.Complete)
	}
	for _, tc := range []struct {
		ns, table string
		cols      []string
		options   map[string]string
		files     int
	}{
		{"sales", "orders", []string{"id bigint", "customer string", "amount decimal?", "paid boolean", "order_date date",
			"shipped_at timestamp", "note string?"}, map[string]string{"format": "csv", "delimiter": ",", "header": "true", "quote": `"`}, 2},
		{"", "metrics", []string{"col0 bigint", "col1 decimal", "col2 bigint"}, map[string]string{"header": "false"}, 1},
		{"", "people", []string{"name string", "age bigint?", "city string"}, map[string]string{"delimiter": "\t", "header": "true"}, 1},
		{"", "eu", []string{"sku bigint", "label string", "price decimal"}, map[string]string{"delimiter": ";", "quote": "'"}, 1},
		{"", "events", []string{"id bigint", "user struct<name:string,age:bigint>", "tags array<string>", "score decimal?", "extra boolean?"},
			map[string]string{"format": "json", "layout": "ndjson"}, 1},
		{"", "catalog", []string{"sku string", "price decimal", "dims array<bigint>"}, map[string]string{"format": "json", "layout": "array"}, 1},
		{"", "logs", []string{"ts timestamp", "level string", "msg string"}, map[string]string{"format": "csv", "compression": "gzip"}, 1},
		{"", "audit", []string{"who string", "n bigint"}, map[string]string{"format": "json", "compression": "gzip"}, 1},
		{"warehouse", "visits", []string{"visitor string", "pages bigint", "year string", "month string"},
			map[string]string{"partition_keys": "year,month"}, 3},
		{"lake", "trips", []string{"id bigint", "name string?", "price double", "created timestamp", "tags array<string>",
			"address struct<city:string,zip:int>", "payload string"}, map[string]string{"format": "parquet"}, 1},
		{"mixed", "users", []string{"id bigint", "email string"}, nil, 1},
		{"mixed", "teams", []string{"team string", "size bigint", "lead string"}, nil, 1},
	} {
		t.Run(tc.ns+"/"+tc.table, func(t *testing.T) {
			tb := findTable(t, snap, tc.ns, tc.table)
			if got := cols(tb.Columns); !slices.Equal(got, tc.cols) {
				t.Errorf("columns\n got %q\nwant %q", got, tc.cols)
			}
			for k, v := range tc.options {
				if tb.Options[k] != v {
					t.Errorf("option %s = %q, want %q (all: %v)", k, tb.Options[k], v, tb.Options)
				}
			}
			if tb.Kind != schema.KindFile || tb.Meta.Files != tc.files || tb.Meta.SizeBytes == nil || *tb.Meta.SizeBytes <= 0 {
				t.Errorf("kind %q files %d size %v, want file, %d files, a size", tb.Kind, tb.Meta.Files, tb.Meta.SizeBytes, tc.files)
			}
		})
	}

	visits := findTable(t, snap, "warehouse", "visits")
	if visits.PartitionKey != "HIVE (year, month)" || visits.Meta.Location != filepath.Join(root, "warehouse", "visits") {
		t.Errorf("visits partition key %q location %q", visits.PartitionKey, visits.Meta.Location)
	}
	events := findTable(t, snap, "", "events")
	user := events.Columns[1].Type
	if user.Base != "struct" || len(user.Fields) != 2 || user.Fields[1].Name != "age" || !user.Fields[1].Nullable {
		t.Errorf("user struct fields: %+v", user.Fields)
	}
	if tags := events.Columns[2].Type; tags.Elem == nil || tags.Elem.Base != "string" {
		t.Errorf("tags elem: %+v", tags)
	}
	trips := findTable(t, snap, "lake", "trips")
	if trips.Meta.RowEstimate == nil || *trips.Meta.RowEstimate != 2000 {
		t.Errorf("trips row estimate %v, want 2000 from the footer", trips.Meta.RowEstimate)
	}

	var failed []string
	for _, f := range snap.Failed {
		failed = append(failed, f.Ref.String()+": "+f.Reason)
	}
	wantFailed := []string{"data.bad.corrupt.csv.gz: corrupt gzip", "data.bad.notgzip.csv.gz: not a valid gzip file", "data.lake/broken.trips.parquet: read Parquet footer"}
	if len(failed) != len(wantFailed) {
		t.Fatalf("failed assets %q, want %d", failed, len(wantFailed))
	}
	for i, w := range wantFailed {
		if !strings.HasPrefix(failed[i], w) {
			t.Errorf("failed[%d] = %q, want prefix %q", i, failed[i], w)
		}
	}
	// The README, _SUCCESS and .crc files are not data.
	for _, n := range tableNames(snap) {
		if strings.Contains(n, "README") || strings.Contains(n, "SUCCESS") {
			t.Errorf("non-data file became a table: %s", n)
		}
	}
	// Parquet: footer only.
	if stats.ParquetFiles != 2 || stats.ParquetBytesRead*10 > stats.ParquetFileBytes {
		t.Errorf("parquet read %d of %d bytes in %d files; want under 10%%", stats.ParquetBytesRead, stats.ParquetFileBytes, stats.ParquetFiles)
	}
	t.Logf("parquet: read %d bytes of %d (%d files); all files: %d bytes read", stats.ParquetBytesRead, stats.ParquetFileBytes, stats.ParquetFiles, stats.BytesRead)
}

func TestFingerprintsStableAcrossScans(t *testing.T) {
	root := filepath.Join(t.TempDir(), "data")
	fixtureTree(t, root)
	src := connector.Source{Engine: connector.Files, Path: "file://" + root}
	a, _ := discover(t, src, connector.Options{})
	b, _ := discover(t, src, connector.Options{})
	if diffs := schema.Diff(a, b); len(diffs) == 0 {
		t.Fatal("no assets compared")
	} else {
		for _, d := range diffs {
			if d.Status != schema.Unchanged {
				t.Errorf("%s changed between two scans of the same files: %+v", d.Ref, d)
			}
		}
	}
	// A new column in one file of orders changes orders only.
	writeFile(t, root, "sales/orders/part-1.csv", []byte("id,customer\n1,alice\n"))
	writeFile(t, root, "sales/orders/part-2.csv", []byte("id,customer\n2,bob\n"))
	c, _ := discover(t, src, connector.Options{})
	for _, d := range schema.Diff(b, c) {
		want := schema.Unchanged
		if d.Ref.Table == "orders" {
			want = schema.Updated
		}
		if d.Status != want {
			t.Errorf("%s: %s, want %s", d.Ref, d.Status, want)
		}
	}
}

func TestParamsSelectFiles(t *testing.T) {
	root := filepath.Join(t.TempDir(), "data")
	fixtureTree(t, root)
	for _, tc := range []struct {
		name   string
		params map[string]string
		rules  []filter.Rule
		want   []string
	}{
		{"folders walk only those sub-folders", map[string]string{"folders": "sales, warehouse"}, nil,
			[]string{"data.sales.orders", "data.warehouse.visits"}},
		{"extensions keep only those endings", map[string]string{"extensions": ".json,.ndjson"}, nil,
			[]string{"data.catalog", "data.events"}},
		{"include globs on the base name", map[string]string{"include": "*.tsv,people*"}, nil, []string{"data.people"}},
		{"include glob with a slash matches the relative path", map[string]string{"include": "mixed/*"}, nil,
			[]string{"data.mixed.teams", "data.mixed.users"}},
		{"exclude drops matches", map[string]string{"folders": "mixed", "exclude": "teams.*"}, nil, []string{"data.mixed"}},
		{"table filter rules", map[string]string{"folders": "sales,warehouse,lake"},
			[]filter.Rule{{Action: filter.Include, Namespace: "warehouse"}}, []string{"data.warehouse.visits"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			snap, _ := discover(t, connector.Source{Engine: connector.Files, Path: root, Params: tc.params},
				connector.Options{Filter: filter.Filter{Rules: tc.rules}})
			got := tableNames(snap)
			slices.Sort(got)
			if !slices.Equal(got, tc.want) {
				t.Errorf("tables %q, want %q", got, tc.want)
			}
		})
	}
}

func TestForcedDialect(t *testing.T) {
	root := filepath.Join(t.TempDir(), "d")
	writeFile(t, root, "x/a.csv", []byte("name,city\nann,Oslo\n"))
	for _, tc := range []struct {
		header string
		want   []string
	}{
		{"", []string{"name string", "city string"}},
		{"false", []string{"col0 string", "col1 string"}},
	} {
		snap, _ := discover(t, connector.Source{Engine: connector.Files, Path: root, Params: map[string]string{"header": tc.header}}, connector.Options{})
		if got := cols(findTable(t, snap, "", "x").Columns); !slices.Equal(got, tc.want) {
			t.Errorf("header=%q: %q, want %q", tc.header, got, tc.want)
		}
	}
}

func TestErrors(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		src  connector.Source
		kind connector.ErrorKind
		msg  string
	}{
		{"missing folder", connector.Source{Path: filepath.Join(dir, "nope")}, connector.DatabaseNotFound, "does not exist"},
		{"relative path", connector.Source{Path: "data/x"}, connector.Unsupported, "absolute"},
		{"file URI with a host", connector.Source{Path: "file://server/x"}, connector.Unsupported, "file:///"},
		{"bad header param", connector.Source{Path: dir, Params: map[string]string{"header": "maybe"}}, connector.Unsupported, "header"},
		{"bad glob", connector.Source{Path: dir, Params: map[string]string{"include": "[x"}}, connector.Unsupported, "glob"},
		{"unreachable S3 endpoint", connector.Source{Path: "s3://b/p", User: "AKID", Password: "s3cr3t-value",
			Params: map[string]string{"endpoint": "http://127.0.0.1:1", "use_path_style": "true"}}, connector.Unreachable, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.src.Engine = connector.Files
			_, err := New().Discover(context.Background(), tc.src, connector.Options{})
			if err == nil {
				t.Fatal("no error")
			}
			if k := connector.KindOf(err); k != tc.kind {
				t.Errorf("kind %s, want %s (%v)", k, tc.kind, err)
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("message %q lacks %q", err, tc.msg)
			}
			if strings.Contains(err.Error(), "s3cr3t-value") {
				t.Errorf("secret leaked: %v", err)
			}
		})
	}
	t.Run("cancelled context", func(t *testing.T) {
		root := filepath.Join(dir, "c")
		fixtureTree(t, root)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := New().Discover(ctx, connector.Source{Engine: connector.Files, Path: root}, connector.Options{})
		if connector.KindOf(err) != connector.Canceled {
			t.Errorf("err %v, want canceled", err)
		}
	})
	t.Run("unreadable file fails alone", func(t *testing.T) {
		if os.Geteuid() == 0 {
			t.Skip("root reads any file")
		}
	})
}

func TestPing(t *testing.T) {
	dir := t.TempDir()
	if err := New().Ping(context.Background(), connector.Source{Engine: connector.Files, Path: dir}, connector.Options{}); err != nil {
		t.Errorf("ping existing folder: %v", err)
	}
	err := New().Ping(context.Background(), connector.Source{Engine: connector.Files, Path: filepath.Join(dir, "x")}, connector.Options{})
	if !errors.Is(err, err) || connector.KindOf(err) != connector.DatabaseNotFound {
		t.Errorf("ping missing folder: %v", err)
	}
}
