package mysql

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/surveyorhq/surveyor/internal/connector"
)

// TestTiming compares Discover with its Floor, interleaved so both see the same server load,
// on the fixture and on SURVEYOR_MYSQL_SCALE generated tables. Opt-in: SURVEYOR_TIMING=1.
func TestTiming(t *testing.T) {
	if os.Getenv("SURVEYOR_TIMING") != "1" {
		t.Skip("set SURVEYOR_TIMING=1 to measure")
	}
	d := newFixture(t)
	if n, _ := strconv.Atoi(os.Getenv("SURVEYOR_MYSQL_SCALE")); n > 0 {
		start := time.Now()
		var b strings.Builder
		for i := range n {
			fmt.Fprintf(&b, `CREATE TABLE gen_%05d (id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  customer_id INT UNSIGNED NULL, code VARCHAR(40) NOT NULL, status ENUM('a','b','c') NOT NULL DEFAULT 'a',
  amount DECIMAL(10,2) NULL, note TEXT NULL, created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  UNIQUE KEY uq_code (code), KEY ix_status_created (status, created_at),
  CONSTRAINT fk_gen_%05d FOREIGN KEY (customer_id) REFERENCES customers (id),
  CONSTRAINT ck_gen_%05d CHECK (amount >= 0)) ENGINE=InnoDB;
`, i, i, i)
			if (i+1)%200 == 0 || i == n-1 {
				d.Exec(t, b.String())
				b.Reset()
			}
		}
		t.Logf("created %d tables in %v", n, time.Since(start))
	}
	ctx := context.Background()
	c := New()
	var disc, floor []time.Duration
	var rows int64
	var tables int
	for range 7 {
		start := time.Now()
		snap, err := c.Discover(ctx, d.Source, connector.Options{})
		if err != nil {
			t.Fatal(err)
		}
		disc = append(disc, time.Since(start))
		tables = snap.TableCount()
		start = time.Now()
		if rows, err = c.Floor(ctx, d.Source, connector.Options{}); err != nil {
			t.Fatal(err)
		}
		floor = append(floor, time.Since(start))
	}
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	snap, err := c.Discover(ctx, d.Source, connector.Options{})
	if err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	t.Logf("one Discover: %.1f MB allocated in total, snapshot retains %.1f MB",
		float64(after.TotalAlloc-before.TotalAlloc)/1e6, (float64(after.HeapAlloc)-float64(before.HeapAlloc))/1e6)
	runtime.KeepAlive(snap)
	slices.Sort(disc)
	slices.Sort(floor)
	t.Logf("tables %d, catalog rows %d: Discover median %v, Floor median %v, ratio %.2f",
		tables, rows, disc[3], floor[3], float64(disc[3])/float64(floor[3]))
}
