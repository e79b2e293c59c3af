package files

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/surveyorhq/surveyor/internal/connector"
	"github.com/surveyorhq/surveyor/internal/testdb"
)

func s3Client(endpoint string) *s3.Client {
	return s3.NewFromConfig(aws.Config{Region: "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("AKIDTEST", "moto-secret", "")}, func(o *s3.Options) {
		o.BaseEndpoint = aws.String(endpoint)
		o.UsePathStyle = true
		o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
		o.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
	})
}

// uploadTree copies a local folder into bucket/prefix.
func uploadTree(t *testing.T, c *s3.Client, root, bucket, prefix string) {
	t.Helper()
	ctx := context.Background()
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatal(err)
	}
	err := filepath.Walk(root, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(prefix + filepath.ToSlash(rel)), Body: bytes.NewReader(data)})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestS3CompatibleStore(t *testing.T) {
	endpoint := testdb.Moto(t)
	root := filepath.Join(t.TempDir(), "data")
	fixtureTree(t, root)
	uploadTree(t, s3Client(endpoint), root, "lakehouse", "raw/")

	params := map[string]string{"endpoint": endpoint, "use_path_style": "true", "region": "us-east-1"}
	src := connector.Source{Engine: connector.Files, Path: "s3://lakehouse/raw", User: "AKIDTEST", Password: "moto-secret", Params: params}
	s3snap, stats := discover(t, src, connector.Options{})
	local, _ := discover(t, connector.Source{Engine: connector.Files, Path: root}, connector.Options{})

	if s3snap.Databases[0].Name != "lakehouse" {
		t.Errorf("database %q, want the bucket", s3snap.Databases[0].Name)
	}
	// Same datasets, same shapes as the local copy.
	strip := func(names []string) []string {
		out := make([]string, len(names))
		for i, n := range names {
			_, out[i], _ = strings.Cut(n, ".")
		}
		slices.Sort(out)
		return out
	}
	if a, b := strip(tableNames(s3snap)), strip(tableNames(local)); !slices.Equal(a, b) {
		t.Errorf("S3 tables %q\nlocal tables %q", a, b)
	}
	orders := findTable(t, s3snap, "sales", "orders")
	if orders.Meta.Location != "s3://lakehouse/raw/sales/orders/" || orders.Meta.Files != 2 {
		t.Errorf("orders location %q files %d", orders.Meta.Location, orders.Meta.Files)
	}
	if localOrders := findTable(t, local, "sales", "orders"); orders.Fingerprint() != localOrders.Fingerprint() {
		t.Errorf("orders differ between S3 and local:\n%s\n%s", orders.Canonical(), localOrders.Canonical())
	}
	if len(s3snap.Failed) != 3 {
		t.Errorf("failed %v, want the 3 bad files", s3snap.Failed)
	}
	if stats.ParquetBytesRead*10 > stats.ParquetFileBytes {
		t.Errorf("parquet over S3 read %d of %d bytes", stats.ParquetBytesRead, stats.ParquetFileBytes)
	}
	t.Logf("S3: %d files, %d bytes read; parquet %d of %d bytes", stats.FilesRead, stats.BytesRead, stats.ParquetBytesRead, stats.ParquetFileBytes)

	for _, tc := range []struct {
		name string
		src  connector.Source
		kind connector.ErrorKind
	}{
		{"missing bucket", connector.Source{Path: "s3://no-such-bucket/x", User: "AKIDTEST", Password: "moto-secret", Params: params}, connector.DatabaseNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.src.Engine = connector.Files
			_, err := New().Discover(context.Background(), tc.src, connector.Options{})
			if connector.KindOf(err) != tc.kind {
				t.Errorf("err %v (kind %s), want %s", err, connector.KindOf(err), tc.kind)
			}
		})
	}
}

// TestLargeCSVBoundedMemory reads one large CSV (50 MB; 1 GB with SURVEYOR_BIG=1) and checks the
// discovery reads under 1 MiB of it and allocates a bounded amount whatever its size.
func TestLargeCSVBoundedMemory(t *testing.T) {
	size := int64(50 << 20)
	if os.Getenv("SURVEYOR_BIG") == "1" {
		size = 1 << 30
	}
	root := filepath.Join(t.TempDir(), "big")
	writeLargeCSV(t, filepath.Join(root, "events", "events.csv"), size)

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	snap, stats := discover(t, connector.Source{Engine: connector.Files, Path: root}, connector.Options{})
	wall := time.Since(start)
	runtime.ReadMemStats(&after)
	alloc := after.TotalAlloc - before.TotalAlloc

	tb := findTable(t, snap, "", "events")
	want := []string{"id bigint", "user string", "amount decimal", "ok boolean", "day date", "at timestamp", "comment string?"}
	if got := cols(tb.Columns); !slices.Equal(got, want) {
		t.Errorf("columns %q, want %q", got, want)
	}
	if stats.BytesRead > 1<<20 {
		t.Errorf("read %d bytes of a %d-byte file; want at most 1 MiB", stats.BytesRead, size)
	}
	if alloc > 64<<20 {
		t.Errorf("allocated %d bytes; want under 64 MiB", alloc)
	}
	t.Logf("large CSV: %d MB, wall %v, bytes read %d, allocated %d KB, heap in use after %d KB",
		size>>20, wall, stats.BytesRead, alloc>>10, after.HeapInuse>>10)
}

// writeLargeCSV writes a CSV of about size bytes. A null comment appears only in the file's
// last rows, so finding it proves the sample reaches the end.
func writeLargeCSV(t testing.TB, p string, size int64) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	fmt.Fprintln(w, "id,user,amount,ok,day,at,comment")
	var n int64
	for i := 0; n < size; i++ {
		comment := "\"hello, world\""
		if n > size-4096 {
			comment = ""
		}
		k, _ := fmt.Fprintf(w, "%d,user%d,%d.%02d,%t,2024-01-%02d,2024-01-%02dT10:00:00Z,%s\n", i, i%1000, i%5000, i%100, i%2 == 0, i%28+1, i%28+1, comment)
		n += int64(k)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}
