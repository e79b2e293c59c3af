package files

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/surveyorhq/surveyor/internal/connector"
)

// measure runs fn and reports its wall time, the peak heap in use (sampled every millisecond)
// and the bytes it allocated.
func measure(b *testing.B, fn func() *Stats) {
	b.Helper()
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	var peak atomic.Uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			if m.HeapInuse > peak.Load() {
				peak.Store(m.HeapInuse)
			}
			select {
			case <-stop:
				return
			case <-time.After(time.Millisecond):
			}
		}
	}()
	start := time.Now()
	var stats *Stats
	for b.Loop() {
		stats = fn()
	}
	wall := time.Since(start) / time.Duration(max(b.N, 1))
	close(stop)
	<-done
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(wall.Milliseconds()), "ms/discovery")
	b.ReportMetric(float64(stats.BytesRead), "bytes-read")
	b.ReportMetric(float64(peak.Load())/(1<<20), "peak-heap-MB")
	b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(max(b.N, 1))/(1<<20), "alloc-MB/op")
	if stats.ParquetFiles > 0 {
		b.ReportMetric(float64(stats.ParquetBytesRead), "parquet-bytes-read")
		b.ReportMetric(float64(stats.ParquetFileBytes), "parquet-file-bytes")
	}
}

func run(b *testing.B, root string) *Stats {
	_, stats, err := New().DiscoverStats(context.Background(), connector.Source{Engine: connector.Files, Path: root}, connector.Options{})
	if err != nil {
		b.Fatal(err)
	}
	return stats
}

// BenchmarkSmallFiles: one folder of 10,000 small CSV files (one dataset).
func BenchmarkSmallFiles(b *testing.B) {
	root := filepath.Join(b.TempDir(), "small")
	dir := filepath.Join(root, "events")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	for i := range 10000 {
		data := fmt.Sprintf("id,user,amount,at\n%d,u%d,%d.5,2024-01-02T03:04:05Z\n%d,u%d,%d,2024-01-03T03:04:05Z\n", i, i, i, i+1, i, i)
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("part-%05d.csv", i)), []byte(data), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	measure(b, func() *Stats { return run(b, root) })
}

// BenchmarkLargeCSV: one CSV of 50 MB (1 GB with SURVEYOR_BIG=1).
func BenchmarkLargeCSV(b *testing.B) {
	size := int64(50 << 20)
	if os.Getenv("SURVEYOR_BIG") == "1" {
		size = 1 << 30
	}
	root := filepath.Join(b.TempDir(), "big")
	writeLargeCSV(b, filepath.Join(root, "events", "events.csv"), size)
	b.ResetTimer()
	measure(b, func() *Stats { return run(b, root) })
}

// BenchmarkParquetFooters: 20 Parquet files of about 4 MB each; only footers are read.
func BenchmarkParquetFooters(b *testing.B) {
	root := filepath.Join(b.TempDir(), "pq")
	pq := parquetBytes(b, 20000)
	for i := range 20 {
		writeFile(b, root, fmt.Sprintf("trips/part-%02d.parquet", i), pq)
	}
	b.ResetTimer()
	measure(b, func() *Stats { return run(b, root) })
}
