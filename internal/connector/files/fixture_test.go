package files

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"
)

// writeFile writes data to root/rel, making its folders.
func writeFile(t testing.TB, root, rel string, data []byte) {
	t.Helper()
	p := filepath.Join(root, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func gz(t testing.TB, data []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

type address struct {
	City string `parquet:"city"`
	Zip  *int32 `parquet:"zip,optional"`
}

type parquetRow struct {
	ID      int64     `parquet:"id"`
	Name    *string   `parquet:"name,optional"`
	Price   float64   `parquet:"price"`
	Created time.Time `parquet:"created,timestamp"`
	Tags    []string  `parquet:"tags,list"`
	Address address   `parquet:"address"`
	Payload string    `parquet:"payload"`
}

// parquetBytes builds a Parquet file of n rows with incompressible payloads, so the file is
// large while its footer stays small.
func parquetBytes(t testing.TB, n int) []byte {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	rows := make([]parquetRow, n)
	for i := range rows {
		name := fmt.Sprintf("name-%d", i)
		zip := int32(10000 + i)
		payload := make([]byte, 64)
		for j := range payload {
			payload[j] = byte('a' + rng.IntN(26))
		}
		rows[i] = parquetRow{ID: int64(i), Name: &name, Price: float64(i) / 3, Created: time.Unix(int64(1700000000+i), 0).UTC(),
			Tags: []string{"x", "y"}, Address: address{City: "Oslo", Zip: &zip}, Payload: string(payload)}
	}
	var b bytes.Buffer
	if err := parquet.Write(&b, rows); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// fixtureTree writes every format the connector reads, and some files it must fail on.
func fixtureTree(t testing.TB, root string) {
	t.Helper()
	// A CSV with a header, mixed types and nulls.
	writeFile(t, root, "sales/orders/part-1.csv", []byte(
		"id,customer,amount,paid,order_date,shipped_at,note\n"+
			"1,alice,10.50,true,2024-01-02,2024-01-02T10:00:00Z,\n"+
			"2,bob,7,false,2024-01-03,2024-01-03 11:30:00,rush\n"+
			"3,carol,,TRUE,2024-01-04,2024-01-04,NULL\n"))
	// The same schema in a second file of the folder: one dataset of two files.
	writeFile(t, root, "sales/orders/part-2.csv", []byte(
		"id,customer,amount,paid,order_date,shipped_at,note\n"+
			"4,dave,3.25,false,2024-02-01,2024-02-01T08:00:00Z,\"with, comma\"\n"))
	// No header, numbers only.
	writeFile(t, root, "metrics/readings.csv", []byte("1,20.5,7\n2,21.0,8\n3,19.75,9\n"))
	// TSV with a header.
	writeFile(t, root, "people/people.tsv", []byte("name\tage\tcity\nann\t31\tParis\nbo\t\tRome\n"))
	// Semicolons and single quotes.
	writeFile(t, root, "eu/prices.csv", []byte("sku;label;price\n1;'Tea; green';2.5\n2;'Coffee';3\n"))
	// NDJSON with nested objects and arrays, a missing key and a null.
	writeFile(t, root, "events/clicks.ndjson", []byte(
		`{"id":1,"user":{"name":"a","age":30},"tags":["x","y"],"score":1.5}`+"\n"+
			`{"id":2,"user":{"name":"b","age":null},"tags":[],"score":2}`+"\n"+
			`{"id":3,"user":{"name":"c"},"tags":["z"],"score":null,"extra":true}`+"\n"))
	// A JSON array of objects.
	writeFile(t, root, "catalog/items.json", []byte(`[{"sku":"a","price":1,"dims":[1,2]},{"sku":"b","price":2.5,"dims":[3]}]`))
	// gzip CSV and gzip NDJSON.
	writeFile(t, root, "logs/day1.csv.gz", gz(t, []byte("ts,level,msg\n2024-01-01T00:00:00Z,info,start\n2024-01-01T00:01:00Z,warn,slow\n")))
	writeFile(t, root, "audit/a.json.gz", gz(t, []byte(`{"who":"x","n":1}`+"\n"+`{"who":"y","n":2}`+"\n")))
	// Hive partitions.
	for _, p := range []string{"year=2024/month=01", "year=2024/month=02", "year=2025/month=01"} {
		writeFile(t, root, "warehouse/visits/"+p+"/data.csv", []byte("visitor,pages\nv1,3\nv2,5\n"))
	}
	// Parquet, with a truncated copy that must fail alone.
	pq := parquetBytes(t, 2000)
	writeFile(t, root, "lake/trips/trips.parquet", pq)
	writeFile(t, root, "lake/broken/trips.parquet", pq[:len(pq)-100])
	// A bad gzip, and a gzip whose data is corrupt.
	writeFile(t, root, "bad/notgzip.csv.gz", []byte("this is not gzip at all"))
	good := gz(t, []byte(strings.Repeat("a,b\n1,2\n", 100)))
	good[len(good)/2] ^= 0xff
	good[len(good)/2+1] ^= 0xff
	writeFile(t, root, "bad/corrupt.csv.gz", good)
	// Two schemas in one folder: a table per schema.
	writeFile(t, root, "mixed/users.csv", []byte("id,email\n1,a@x\n"))
	writeFile(t, root, "mixed/teams.csv", []byte("team,size,lead\nred,3,ann\n"))
	// Never data.
	writeFile(t, root, "sales/orders/_SUCCESS", nil)
	writeFile(t, root, "sales/orders/.part-1.csv.crc", []byte("crc"))
	writeFile(t, root, "README.md", []byte("# not data"))
}
