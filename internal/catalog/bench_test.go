package catalog_test

import (
	"context"
	"fmt"
	"runtime"
	"runtime/metrics"
	"testing"
	"time"

	"github.com/surveyorhq/surveyor/internal/catalog"
	"github.com/surveyorhq/surveyor/internal/schema"
	"github.com/surveyorhq/surveyor/internal/store"
	"github.com/surveyorhq/surveyor/internal/store/storetest"
)

// wideSnapshot is n tables of 12 columns each, spread over 10 namespaces.
func wideSnapshot(n int) *schema.Snapshot {
	s := &schema.Snapshot{Engine: "postgres", Complete: true, Databases: []schema.Database{{Name: "app"}}}
	for ns := 0; ns < 10; ns++ {
		namespace := schema.Namespace{Name: fmt.Sprintf("ns%d", ns)}
		for i := ns; i < n; i += 10 {
			cols := make([]schema.Column, 12)
			for j := range cols {
				cols[j] = col(j+1, fmt.Sprintf("column_%d", j), "varchar")
				cols[j].Comment = "a column of table " + fmt.Sprint(i)
			}
			tb := tableNamed(fmt.Sprintf("table_%05d", i), cols...)
			rows := int64(i * 100)
			tb.Meta.RowEstimate = &rows
			namespace.Tables = append(namespace.Tables, tb)
		}
		s.Databases[0].Namespaces = append(s.Databases[0].Namespaces, namespace)
	}
	return s
}

// BenchmarkApply10k applies 10,000 tables, on SQLite and on PostgreSQL: first into an empty
// catalog, then again unchanged.
func BenchmarkApply10k(b *testing.B) {
	const n = 10000
	s := wideSnapshot(n)
	ctx := context.Background()
	run := func(b *testing.B, db *store.DB, c *catalog.Catalog, runID string) catalog.Stats {
		var st catalog.Stats
		peak := watchHeap(b)
		defer peak()
		err := db.Tx(ctx, func(tx *store.Tx) error {
			var err error
			st, err = c.Apply(ctx, tx, catalog.ApplyInput{AccountID: account, SourceID: source, RunID: runID, Snapshot: s})
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
		return st
	}
	for _, d := range []struct {
		name string
		open func(testing.TB) *store.DB
	}{{"sqlite", storetest.SQLite}, {"postgres", storetest.Postgres}} {
		b.Run(d.name+"/first", func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				db := d.open(b)
				b.StartTimer()
				if st := run(b, db, &catalog.Catalog{}, "run-1"); st.Added != n {
					b.Fatalf("stats %+v, want %d added", st, n)
				}
			}
		})
		b.Run(d.name+"/unchanged", func(b *testing.B) {
			db := d.open(b)
			c := &catalog.Catalog{}
			run(b, db, c, "run-0")
			for i := 0; b.Loop(); i++ {
				if st := run(b, db, c, fmt.Sprintf("run-%d", i+1)); st.Unchanged != n {
					b.Fatalf("stats %+v, want %d unchanged", st, n)
				}
			}
		})
	}
}

// watchHeap samples the bytes of live and not yet collected heap objects until the returned
// function is called, which reports the highest sample above the starting point as
// peak-heap-MB (the largest of all the calls in one benchmark).
func watchHeap(b *testing.B) func() {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	read := func() uint64 { metrics.Read(sample); return sample[0].Value.Uint64() }
	runtime.GC()
	base := read()
	stop, done := make(chan struct{}), make(chan uint64)
	go func() {
		var high uint64
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			high = max(high, read())
			select {
			case <-stop:
				done <- high
				return
			case <-t.C:
			}
		}
	}()
	return func() {
		close(stop)
		high := <-done
		if high > base {
			mb := float64(high-base) / (1 << 20)
			peakHeap[b.Name()] = max(peakHeap[b.Name()], mb)
			b.ReportMetric(peakHeap[b.Name()], "peak-heap-MB")
		}
	}
}

// peakHeap keeps each benchmark's highest peak across its iterations.
var peakHeap = map[string]float64{}
