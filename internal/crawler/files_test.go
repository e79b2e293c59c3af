package crawler

import (
	"bytes"
	"compress/gzip"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/surveyorhq/surveyor/internal/connector"
	"github.com/surveyorhq/surveyor/internal/connector/files"
	"github.com/surveyorhq/surveyor/internal/schema"
)

func write(t *testing.T, root string, tree map[string]string) {
	t.Helper()
	for rel, data := range tree {
		p := filepath.Join(root, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func gzipped(t *testing.T, s string) string {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write([]byte(s))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

type trip struct {
	ID    int64    `parquet:"id"`
	Fare  float64  `parquet:"fare"`
	Small int32    `parquet:"small"`
	Tags  []string `parquet:"tags,list"`
}

func parquetFile(t *testing.T) string {
	var b bytes.Buffer
	if err := parquet.Write(&b, []trip{{1, 2.5, 3, []string{"a"}}, {2, 3.5, 4, nil}}); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func crawl(t *testing.T, root string, tgt FileTarget, o Options) *Result {
	t.Helper()
	if tgt.Path == "" {
		tgt.Path = "file://" + root
	}
	r, err := files.New().Open(context.Background(), connector.Source{Engine: connector.Files, Path: root}, connector.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	res, err := CrawlFiles(context.Background(), r, tgt, o)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func table(t *testing.T, res *Result, name string) *Table {
	t.Helper()
	for i := range res.Tables {
		if res.Tables[i].Name == name {
			return &res.Tables[i]
		}
	}
	t.Fatalf("no table %q; have %v (notes %q)", name, names(res), res.Notes)
	return nil
}

func names(res *Result) []string {
	var out []string
	for _, tb := range res.Tables {
		out = append(out, tb.Name)
	}
	slices.Sort(out)
	return out
}

func hive(cs []schema.Column) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Name + " " + c.Type.Declared
	}
	return out
}

func TestCrawlFolderAsGlueWritesIt(t *testing.T) {
	root := filepath.Join(t.TempDir(), "lake")
	write(t, root, map[string]string{
		"sales/part-0.csv":                      "id,amount,day,ok,when\n1,2.5,2024-01-01,true,2024-01-01T10:00:00Z\n2,3,2024-01-02,false,2024-01-02T10:00:00Z\n",
		"sales/_SUCCESS":                        "",
		"sales/.part-0.csv.crc":                 "x",
		"sales/_temporary/0/x.csv":              "a,b\n1,2\n",
		"quoted/q.csv":                          "\"name\",\"city\"\n\"a, b\",\"x\"\n\"c\",\"y\"\n",
		"clicks/c.json.gz":                      gzipped(t, `{"id":1,"user":{"Name":"a","age":3},"tags":["x"],"big":5000000000,"f":1.5}`+"\n"),
		"trips/t.parquet":                       parquetFile(t),
		"events/dt=2024-01-01/region=eu/a.json": `{"id":1,"page":"/"}` + "\n",
		"events/dt=2024-01-01/region=us/a.json": `{"id":2,"page":"/"}` + "\n",
		"events/dt=2024-01-02/region=eu/a.json": `{"id":3,"page":"/","referrer":"x"}` + "\n",
		"raw/2024/01/a.csv":                     "x,y\n1,2\n",
		"raw/2024/02/a.csv":                     "x,y\n3,4\n",
		"skip/me.csv":                           "a,b\n1,2\n",
		"notes.txt":                             "not data",
		"x_$folder$":                            "",
	})
	res := crawl(t, root, FileTarget{Exclusions: []string{"skip/**"}}, Options{TablePrefix: "p_"})
	if got, want := names(res), []string{"p_clicks", "p_events", "p_quoted", "p_raw", "p_sales", "p_trips"}; !slices.Equal(got, want) {
		t.Fatalf("tables %q, want %q (notes %q)", got, want, res.Notes)
	}
	sales := table(t, res, "p_sales")
	if got, want := hive(sales.Columns), []string{"id bigint", "amount double", "day string", "ok boolean", "when string"}; !slices.Equal(got, want) {
		t.Errorf("sales columns %q, want %q", got, want)
	}
	wantParams := map[string]string{"classification": "csv", "compressionType": "none", "typeOfData": "file", "objectCount": "1",
		"recordCount": "2", "delimiter": ",", "skip.header.line.count": "1", "areColumnsQuoted": "false", "columnsOrdered": "true",
		"exclusions": `["skip/**"]`}
	for k, v := range wantParams {
		if sales.Parameters[k] != v {
			t.Errorf("sales %s = %q, want %q", k, sales.Parameters[k], v)
		}
	}
	if sales.Location != "file://"+root+"/sales/" || sales.Storage.SerializationLibrary != lazySimpleSerde ||
		sales.Storage.SerdeParameters["field.delim"] != "," || sales.Storage.InputFormat != textInput || len(sales.Partitions) != 0 {
		t.Errorf("sales location %q storage %+v", sales.Location, sales.Storage)
	}
	if q := table(t, res, "p_quoted"); q.Parameters["areColumnsQuoted"] != "true" || q.Storage.SerializationLibrary != openCSVSerde {
		t.Errorf("quoted: %v %+v", q.Parameters, q.Storage)
	}
	clicks := table(t, res, "p_clicks")
	if got, want := hive(clicks.Columns), []string{"id int", "user struct<name:string,age:int>", "tags array<string>", "big bigint", "f double"}; !slices.Equal(got, want) {
		t.Errorf("clicks columns %q, want %q", got, want)
	}
	if clicks.Parameters["compressionType"] != "gzip" || !clicks.Storage.Compressed || clicks.Storage.SerdeParameters["paths"] != "big,f,id,tags,user" {
		t.Errorf("clicks %v %+v", clicks.Parameters, clicks.Storage)
	}
	trips := table(t, res, "p_trips")
	if got, want := hive(trips.Columns), []string{"id bigint", "fare double", "small int", "tags array<string>"}; !slices.Equal(got, want) {
		t.Errorf("trips columns %q, want %q", got, want)
	}
	if _, ok := trips.Parameters["compressionType"]; ok || trips.Parameters["recordCount"] != "2" || trips.Storage.SerializationLibrary != parquetSerde {
		t.Errorf("trips %v %+v", trips.Parameters, trips.Storage)
	}
	events := table(t, res, "p_events")
	if !slices.Equal(events.PartitionKeys, []string{"dt", "region"}) || len(events.Partitions) != 3 {
		t.Fatalf("events keys %q partitions %d (notes %q)", events.PartitionKeys, len(events.Partitions), res.Notes)
	}
	if got, want := hive(events.Columns), []string{"id int", "page string", "referrer string"}; !slices.Equal(got, want) {
		t.Errorf("events columns %q, want %q", got, want)
	}
	p := events.Partitions[2]
	if !slices.Equal(p.Values, []string{"2024-01-02", "eu"}) || p.Location != "file://"+root+"/events/dt=2024-01-02/region=eu/" || len(p.Columns) != 3 || p.Parameters["objectCount"] != "1" {
		t.Errorf("partition %+v", p)
	}
	if raw := table(t, res, "p_raw"); !slices.Equal(raw.PartitionKeys, []string{"partition_0", "partition_1"}) || !slices.Equal(raw.Partitions[1].Values, []string{"2024", "02"}) {
		t.Errorf("raw keys %q partitions %+v", raw.PartitionKeys, raw.Partitions)
	}
}

func TestGroupingRules(t *testing.T) {
	dissimilar := map[string]string{
		"table1/year=2017/a.json": `{"a":1,"b":2}` + "\n",
		"table1/year=2018/a.json": `{"c":1,"d":2}` + "\n",
	}
	for _, tc := range []struct {
		name  string
		tree  map[string]string
		path  string
		o     Options
		want  []string
		check func(t *testing.T, res *Result)
	}{
		{"dissimilar partitions become tables", dissimilar, "", Options{}, []string{"year_2017", "year_2018"}, func(t *testing.T, res *Result) {
			if len(res.Notes) == 0 || !strings.Contains(strings.Join(res.Notes, "\n"), "share too few columns") {
				t.Errorf("no note says why: %q", res.Notes)
			}
		}},
		{"CombineCompatibleSchemas", dissimilar, "", Options{Grouping: Grouping{CombineCompatibleSchemas: true}}, []string{"lake"}, func(t *testing.T, res *Result) {
			tb := table(t, res, "lake")
			if !slices.Equal(tb.PartitionKeys, []string{"partition_0", "year"}) || len(tb.Columns) != 4 {
				t.Errorf("keys %q columns %q", tb.PartitionKeys, hive(tb.Columns))
			}
		}},
		{"a new column keeps one table", map[string]string{
			"web/events/dt=1/a.csv": "id,page\n1,/\n",
			"web/events/dt=2/a.csv": "id,page,ms\n2,/,3\n",
		}, "", Options{}, []string{"lake"}, nil},
		{"table level", map[string]string{
			"a/b/c/x.json": `{"a":1}` + "\n",
			"a/b/d/x.json": `{"z":1}` + "\n",
			"a/e/f/x.json": `{"a":1}` + "\n",
		}, "", Options{Grouping: Grouping{TableLevel: 3}}, []string{"b", "e"}, func(t *testing.T, res *Result) {
			if tb := table(t, res, "b"); len(tb.Partitions) != 2 || len(tb.Columns) != 2 {
				t.Errorf("b: %+v", tb)
			}
		}},
		{"different formats are different tables", map[string]string{
			"d/x/a.json": `{"a":1}` + "\n",
			"d/y/a.csv":  "a,b\n1,2\n",
		}, "", Options{}, []string{"x", "y"}, nil},
		{"data at the include path is named after it", map[string]string{"a.csv": "a,b\n1,2\n"}, "s3://my-bucket/Some.Prefix/", Options{}, []string{"some_prefix"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := filepath.Join(t.TempDir(), "lake")
			write(t, root, tc.tree)
			res := crawl(t, root, FileTarget{Path: tc.path}, tc.o)
			if got := names(res); !slices.Equal(got, tc.want) {
				t.Fatalf("tables %q, want %q (notes %q)", got, tc.want, res.Notes)
			}
			if tc.check != nil {
				tc.check(t, res)
			}
		})
	}
}

func TestNames(t *testing.T) {
	for in, want := range map[string]string{"year=2017": "year_2017", "therapist-forward-fill": "therapist_forward_fill",
		"2020-04-17T23:00:07Z": "2020_04_17t23_00_07z"} {
		if got := TableName("", in); got != want {
			t.Errorf("%q → %q, want %q", in, got, want)
		}
	}
	long := TableName("pre_", strings.Repeat("x", 200))
	if len(long) != MaxTableName || !strings.HasPrefix(long, "pre_x") {
		t.Errorf("long name %q", long)
	}
	if c := ClashName(long, "s3://b/x/"); len(c) != MaxTableName || c == long {
		t.Errorf("clash name %q", c)
	}
}
