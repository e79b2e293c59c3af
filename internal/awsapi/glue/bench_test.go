package glue_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/glue"

	"github.com/surveyorhq/surveyor/internal/connector"
	"github.com/surveyorhq/surveyor/internal/gluecatalog"
	"github.com/surveyorhq/surveyor/internal/server/servertest"
	"github.com/surveyorhq/surveyor/internal/store"
	"github.com/surveyorhq/surveyor/internal/store/storetest"
	"github.com/surveyorhq/surveyor/internal/testdb"
)

// BenchmarkGetPartitions asks the running server for the first page of 1,000 partitions of a
// table with 100,000 (keys year, month, day, region: 25 × 10 × 20 × 20, every partition with a
// location and five columns) and reports the p50 and p99 latency and the CPU time per request
// (client and server, both in this process). "http" sends signed requests and reads the body
// (the server's latency); "sdk" also decodes it with the Go SDK. "prefix" fixes the leading
// key (a narrowed range scan), "scan" filters on trailing keys only (the keys of about 36,000
// partitions are read to fill the page), "none" has no expression.
//
//	go test -run '^$' -bench GetPartitions -benchtime 200x ./internal/awsapi/glue
func BenchmarkGetPartitions(b *testing.B) {
	for _, st := range []struct {
		name string
		dsn  func(b *testing.B) string
	}{
		{"sqlite", func(*testing.B) string { return "" }},
		{"postgres", func(b *testing.B) string {
			return storetest.DSN(testdb.New(b, connector.Postgres, "glue_bench"))
		}},
	} {
		b.Run(st.name, func(b *testing.B) {
			env := servertest.Start(b, servertest.Options{Store: st.dsn(b)})
			loadPartitions(b, env)
			c := glue.NewFromConfig(env.AWS())
			for _, q := range []struct{ name, expr string }{
				{"none", ""},
				{"prefix", "year = '2020' AND month >= '03' AND region <> 'r00'"},
				{"scan", "region = 'r07' AND day BETWEEN '05' AND '15'"},
			} {
				in := &glue.GetPartitionsInput{DatabaseName: aws.String("logs"), TableName: aws.String("events"), MaxResults: aws.Int32(1000)}
				if q.expr != "" {
					in.Expression = aws.String(q.expr)
				}
				b.Run(q.name+"/http", func(b *testing.B) {
					body, _ := json.Marshal(in)
					measure(b, func() error { return signedPost(env, body) })
				})
				b.Run(q.name+"/sdk", func(b *testing.B) {
					measure(b, func() error {
						out, err := c.GetPartitions(context.Background(), in)
						if err == nil && len(out.Partitions) != 1000 {
							err = fmt.Errorf("%d partitions", len(out.Partitions))
						}
						return err
					})
				})
			}
		})
	}
}

// measure runs call b.N times and reports p50, p99 and the process's CPU time per call. Five
// calls first warm the connections (each new PostgreSQL connection prepares and plans the
// statements once); they are not counted. Run with -benchtime 200x or more: p99 of fewer calls
// is their maximum.
func measure(b *testing.B, call func() error) {
	for range 5 {
		if err := call(); err != nil {
			b.Fatal(err)
		}
	}
	var lat []time.Duration
	cpu0 := cpuTime()
	for b.Loop() {
		start := time.Now()
		err := call()
		lat = append(lat, time.Since(start))
		if err != nil {
			b.Fatal(err)
		}
	}
	cpu := cpuTime() - cpu0
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(cpu.Microseconds())/1000/float64(len(lat)), "cpu-ms/op")
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// signedPost sends one signed GetPartitions request and reads the whole answer.
func signedPost(env *servertest.Env, body []byte) error {
	req, err := http.NewRequest(http.MethodPost, env.URL+"/", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "AWSGlue.GetPartitions")
	sum := sha256.Sum256(body)
	creds := aws.Credentials{AccessKeyID: env.Key.AccessKeyID, SecretAccessKey: env.Key.SecretAccessKey}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), "glue", "us-east-1", time.Now()); err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	n, err := io.Copy(io.Discard, resp.Body)
	if err == nil && (resp.StatusCode != http.StatusOK || n < 100_000) {
		err = fmt.Errorf("status %d, %d bytes", resp.StatusCode, n)
	}
	return err
}

// loadPartitions writes logs.events and its 100,000 partitions straight into the server's store,
// in the account the client signs for.
func loadPartitions(b testing.TB, env *servertest.Env) {
	b.Helper()
	ctx := context.Background()
	dsn := env.Config.Store
	if dsn == "" {
		dsn = env.Config.DataDir
	}
	db, err := store.Open(ctx, dsn)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	sc := gluecatalog.Scope{Account: env.Key.AccountID, Region: "us-east-1"}
	cat := gluecatalog.Catalog{}
	cols := []gluecatalog.Column{{Name: "ts", Type: "timestamp"}, {Name: "user_id", Type: "bigint"}, {Name: "event", Type: "string"},
		{Name: "payload", Type: "string"}, {Name: "amount", Type: "double"}}
	key := func(n string) gluecatalog.Column { return gluecatalog.Column{Name: n, Type: "string"} }
	start := time.Now()
	err = db.Tx(ctx, func(tx *store.Tx) error {
		if err := cat.CreateDatabase(ctx, tx, sc, gluecatalog.DatabaseInput{Name: "logs"}); err != nil {
			return err
		}
		if err := cat.CreateTable(ctx, tx, sc, "logs", gluecatalog.TableInput{Name: "events",
			PartitionKeys:     []gluecatalog.Column{key("year"), key("month"), key("day"), key("region")},
			StorageDescriptor: &gluecatalog.StorageDescriptor{Columns: cols, Location: "s3://logs/events/"}}, gluecatalog.CreateTableOptions{}); err != nil {
			return err
		}
		batch := make([]gluecatalog.PartitionInput, 0, 1000)
		flush := func() error {
			_, err := cat.BatchCreatePartition(ctx, tx, sc, "logs", "events", batch)
			batch = batch[:0]
			return err
		}
		for y := 2000; y < 2025; y++ {
			for m := 1; m <= 10; m++ {
				for d := 1; d <= 20; d++ {
					for r := range 20 {
						v := []string{fmt.Sprint(y), fmt.Sprintf("%02d", m), fmt.Sprintf("%02d", d), fmt.Sprintf("r%02d", r)}
						batch = append(batch, gluecatalog.PartitionInput{Values: v, StorageDescriptor: &gluecatalog.StorageDescriptor{Columns: cols,
							Location: fmt.Sprintf("s3://logs/events/year=%s/month=%s/day=%s/region=%s/", v[0], v[1], v[2], v[3])}})
						if len(batch) == cap(batch) {
							if err := flush(); err != nil {
								return err
							}
						}
					}
				}
			}
		}
		return flush()
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("loaded 100,000 partitions in %s", time.Since(start).Round(time.Millisecond))
}
