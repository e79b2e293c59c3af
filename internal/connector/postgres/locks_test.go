package postgres

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/surveyorhq/surveyor/internal/connector"
	"github.com/surveyorhq/surveyor/internal/schema"
	"github.com/surveyorhq/surveyor/internal/testdb"
)

// lockSchema has a free table and view, and a table and view whose definitions the catalog
// functions must lock to print (defaults, checks, expression and partial indexes, view text).
var lockSchema = []string{
	"CREATE TABLE public.free (id serial PRIMARY KEY, a int DEFAULT 1 CHECK (a > 0))",
	"CREATE INDEX free_expr ON public.free ((a + 1)) WHERE a > 1",
	"CREATE VIEW public.free_v AS SELECT id, a FROM public.free",
	"CREATE TABLE public.busy (id serial PRIMARY KEY, b int DEFAULT 2 CHECK (b > 0))",
	"CREATE INDEX busy_expr ON public.busy ((b + 1)) WHERE b > 1",
	"CREATE VIEW public.busy_v AS SELECT id, b FROM public.busy",
}

// holder is a second session of the test database.
func holder(t *testing.T, d *testdb.DB) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), testdb.PGDSN(d.Source))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func exec(t *testing.T, conn *pgx.Conn, sql string) {
	t.Helper()
	if _, err := conn.Exec(context.Background(), sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// checkLockedScan: the locked relations (busy, and busy_v, which reads it) are failed with the
// reason; free and free_v are read whole.
func checkLockedScan(t *testing.T, snap *schema.Snapshot, locked ...string) {
	t.Helper()
	var failed []string
	for _, f := range snap.Failed {
		failed = append(failed, f.Ref.Table)
		if !strings.Contains(f.Reason, "another session holds an exclusive lock on") {
			t.Errorf("failed %s: reason %q", f.Ref.Table, f.Reason)
		}
	}
	slices.Sort(failed)
	if !slices.Equal(failed, locked) {
		t.Errorf("failed = %v, want %v", failed, locked)
	}
	var names []string
	for _, a := range snap.Assets() {
		names = append(names, a.Ref.Table)
		switch a.Ref.Table {
		case "free":
			if len(a.Table.Checks) != 1 || len(a.Table.Indexes) != 2 || a.Table.Columns[1].Default == nil {
				t.Errorf("free read partly: checks %v indexes %v", a.Table.Checks, a.Table.Indexes)
			}
		case "free_v":
			if !strings.Contains(a.Table.ViewDefinition, "FROM public.free") {
				t.Errorf("free_v definition %q", a.Table.ViewDefinition)
			}
		}
	}
	for _, n := range locked {
		if slices.Contains(names, n) {
			t.Errorf("locked %s is also an asset", n)
		}
	}
	if !slices.Contains(names, "free") || !slices.Contains(names, "free_v") {
		t.Errorf("assets = %v", names)
	}
}

// TestLockedRelationsAreFailedNotWaitedFor: a relation another session holds in ACCESS
// EXCLUSIVE mode (or waits to) does not stall the scan for the statement timeout: it is
// reported failed with the reason, and everything else is read. The lock timeout is short and
// the statement timeout long, so a scan that waited would fail, not pass.
func TestLockedRelationsAreFailedNotWaitedFor(t *testing.T) {
	d := testdb.New(t, connector.Postgres, "pglock")
	d.Exec(t, lockSchema...)
	opts := connector.Options{ConnectTimeout: 5 * time.Second, StatementTimeout: 10 * time.Minute, LockTimeout: 200 * time.Millisecond}
	// A scan that waited for the lock would wait for the statement timeout; this deadline, far
	// beyond what a scan of six relations needs, fails it instead.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	t.Run("held before the scan", func(t *testing.T) {
		h := holder(t, d)
		exec(t, h, "BEGIN")
		exec(t, h, "LOCK TABLE public.busy, public.busy_v IN ACCESS EXCLUSIVE MODE")
		defer exec(t, h, "ROLLBACK")
		snap, err := New().Discover(ctx, d.Source, opts)
		if err != nil {
			t.Fatalf("discover: %v", err)
		}
		checkLockedScan(t, snap, "busy", "busy_v")
	})

	t.Run("taken after the locks were read", func(t *testing.T) {
		h := holder(t, d)
		var once sync.Once
		reads := 0
		c := &Connector{Now: time.Now, afterLocksRead: func() {
			reads++
			once.Do(func() {
				exec(t, h, "BEGIN")
				exec(t, h, "LOCK TABLE public.busy IN ACCESS EXCLUSIVE MODE")
			})
		}}
		defer exec(t, h, "ROLLBACK")
		snap, err := c.Discover(ctx, d.Source, opts)
		if err != nil {
			t.Fatalf("discover: %v", err)
		}
		checkLockedScan(t, snap, "busy", "busy_v")
		if reads < 2 {
			t.Errorf("the locks were read %d times; the scan should have run into the lock and read them again", reads)
		}
	})

	t.Run("an ALTER waiting behind a reader", func(t *testing.T) {
		reader, alter := holder(t, d), holder(t, d)
		exec(t, reader, "BEGIN")
		exec(t, reader, "SELECT 1 FROM public.busy")
		done := make(chan error, 1)
		go func() {
			_, err := alter.Exec(ctx, "ALTER TABLE public.busy ADD COLUMN c int")
			done <- err
		}()
		// Wait until the ALTER is queued for its lock (a state, not a time).
		for {
			var waiting bool
			if err := reader.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_locks WHERE NOT granted AND mode = 'AccessExclusiveLock'
  AND relation = 'public.busy'::regclass)`).Scan(&waiting); err != nil {
				t.Fatal(err)
			}
			if waiting {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		snap, err := New().Discover(ctx, d.Source, opts)
		exec(t, reader, "ROLLBACK")
		if err := <-done; err != nil {
			t.Errorf("alter: %v", err)
		}
		if err != nil {
			t.Fatalf("discover: %v", err)
		}
		checkLockedScan(t, snap, "busy", "busy_v")
	})
}
