package files

import (
	"bytes"
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/klauspost/compress/snappy"

	"github.com/surveyorhq/surveyor/internal/connector"
)

// hadoopSnappy encodes data as Hadoop's snappy block stream, in blocks of n bytes.
func hadoopSnappyBytes(data []byte, n int) []byte {
	var out bytes.Buffer
	for len(data) > 0 {
		blk := data[:min(n, len(data))]
		data = data[len(blk):]
		enc := snappy.Encode(nil, blk)
		binary.Write(&out, binary.BigEndian, uint32(len(blk)))
		binary.Write(&out, binary.BigEndian, uint32(len(enc)))
		out.Write(enc)
	}
	return out.Bytes()
}

func TestReaderReadsEachCompression(t *testing.T) {
	root := t.TempDir()
	bz, err := os.ReadFile("testdata/events.csv.bz2")
	if err != nil {
		t.Fatal(err)
	}
	ndjson := []byte(`{"id":1,"big":5000000000,"kind":"a"}` + "\n" + `{"id":2,"big":1,"kind":"b"}` + "\n")
	var framed bytes.Buffer
	w := snappy.NewBufferedWriter(&framed)
	w.Write(ndjson)
	w.Close()
	writeFile(t, root, "a/events.csv.bz2", bz)
	writeFile(t, root, "b/events.json.snappy", hadoopSnappyBytes(ndjson, 20))
	writeFile(t, root, "c/events.json.snappy", framed.Bytes())
	writeFile(t, root, "d/events.json.gz", gz(t, ndjson))
	writeFile(t, root, "e/bad.json.snappy", []byte{0, 0, 0, 9, 0xff, 0xff, 0xff, 0xff})

	r, err := New().Open(context.Background(), connector.Source{Engine: connector.Files, Path: root}, connector.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var objs []Object
	if err := r.List(context.Background(), func(o Object) error { objs = append(objs, o); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(objs) != 5 || objs[0].Key != "a/events.csv.bz2" {
		t.Fatalf("listed %+v", objs)
	}
	for _, tc := range []struct {
		obj, comp string
		cols      []string
		records   int64
	}{
		{"a/events.csv.bz2", "bzip2", []string{"id bigint", "kind string"}, 3},
		{"b/events.json.snappy", "snappy", []string{"id int", "big bigint", "kind string"}, 2},
		{"c/events.json.snappy", "snappy", []string{"id int", "big bigint", "kind string"}, 2},
		{"d/events.json.gz", "gzip", []string{"id int", "big bigint", "kind string"}, 2},
	} {
		i := slices.IndexFunc(objs, func(o Object) bool { return o.Key == tc.obj })
		f, err := r.Read(context.Background(), objs[i], Dialect{})
		if err != nil {
			t.Errorf("%s: %v", tc.obj, err)
			continue
		}
		if got := cols(f.Columns); f.Compression != tc.comp || !slices.Equal(got, tc.cols) || f.Records != tc.records || !f.RecordsExact {
			t.Errorf("%s: compression %q columns %q records %d exact %v; want %q %q %d", tc.obj, f.Compression, got, f.Records, f.RecordsExact, tc.comp, tc.cols, tc.records)
		}
	}
	if _, err := r.Read(context.Background(), Object{Key: "e/bad.json.snappy", Size: 8}, Dialect{}); err == nil {
		t.Error("a corrupt snappy file read without error")
	}
	if r.Location("a") != "file://"+filepath.ToSlash(root)+"/a/" {
		t.Errorf("location %q", r.Location("a"))
	}
}

func TestReaderDialectNamesColumns(t *testing.T) {
	root := t.TempDir()
	writeFile(t, root, "x/a.csv", []byte("h1|h2\n1|x\n\"2\"|y\n"))
	r, err := New().Open(context.Background(), connector.Source{Engine: connector.Files, Path: root}, connector.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	f, err := r.Read(context.Background(), Object{Key: "x/a.csv", Size: 18}, Dialect{Delimiter: '|', Header: "true", Names: []string{"id", "name"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := cols(f.Columns); !slices.Equal(got, []string{"id bigint", "name string"}) || !f.Quoted || f.Options["delimiter"] != "|" {
		t.Errorf("columns %q quoted %v options %v", got, f.Quoted, f.Options)
	}
}
