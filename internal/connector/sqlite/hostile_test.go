package sqlite

import (
	"context"
	"database/sql/driver"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	sqlitedrv "modernc.org/sqlite"

	"github.com/surveyorhq/surveyor/internal/connector"
)

// plantedCalls counts calls of planted_mark, a function this test binary registers with the
// driver: it stands for any code a database file could make a reader run.
var plantedCalls atomic.Int64

func init() {
	sqlitedrv.MustRegisterDeterministicScalarFunction("planted_mark", 0, func(*sqlitedrv.FunctionContext, []driver.Value) (driver.Value, error) {
		plantedCalls.Add(1)
		return int64(1), nil
	})
}

// TestScanEvaluatesNothingOfTheFile: a file whose views, generated columns, checks, expression
// indexes and triggers call a function, and whose schema holds a view disguised as
// sqlite_stat1 (written with writable_schema, as a crafted file can), is scanned without
// calling the function once.
func TestScanEvaluatesNothingOfTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hostile.db")
	create(t, path, `
CREATE TABLE t (id INTEGER PRIMARY KEY, x INT CHECK (planted_mark() = 1), g INT GENERATED ALWAYS AS (planted_mark()) VIRTUAL);
CREATE INDEX t_expr ON t (planted_mark());
CREATE VIEW v AS SELECT planted_mark() AS m, id FROM t;
CREATE TRIGGER t_ins AFTER INSERT ON t BEGIN SELECT planted_mark(); END;
PRAGMA writable_schema = ON;
INSERT INTO sqlite_schema (type, name, tbl_name, rootpage, sql) VALUES ('view', 'sqlite_stat1', 'sqlite_stat1', 0, 'CREATE VIEW sqlite_stat1 AS SELECT planted_mark() AS tbl, planted_mark() AS idx, planted_mark() AS stat');
PRAGMA writable_schema = OFF;
`)
	plantedCalls.Store(0)
	snap, err := New().Discover(context.Background(), connector.Source{Engine: connector.SQLite, Path: path}, connector.Options{})
	if err != nil {
		t.Fatalf("discover: %v", err)
	}
	if n := plantedCalls.Load(); n != 0 {
		t.Errorf("the scan called the file's function %d times", n)
	}
	var names []string
	for _, a := range snap.Assets() {
		names = append(names, a.Ref.Table)
	}
	if !slices.Equal(names, []string{"t", "v"}) {
		t.Errorf("assets = %v, want t and v", names)
	}
}

// TestCompanionLinksAreRefused: a journal, WAL or shared-memory file next to the database that
// is a link would be opened wherever it leads (a WAL is even applied over the database's pages),
// so such a database is not opened.
func TestCompanionLinksAreRefused(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "app.db")
	create(t, path, "CREATE TABLE t (id INTEGER)")
	other := filepath.Join(t.TempDir(), "store.db-wal")
	if err := os.WriteFile(other, []byte("not yours"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(other, path+"-wal"); err != nil {
		t.Fatal(err)
	}
	_, err := New().Discover(context.Background(), connector.Source{Engine: connector.SQLite, Path: path}, connector.Options{})
	if connector.KindOf(err) != connector.PermissionDenied || !strings.Contains(err.Error(), "app.db-wal is a symbolic link") {
		t.Errorf("discover with a linked WAL: %v, want permission denied", err)
	}
}

// TestLocalPathsAreWhatIsOpened: the paths discovery checks come from the parser open uses:
// trimmed, absolute, with their companions.
func TestLocalPathsAreWhatIsOpened(t *testing.T) {
	wd, _ := os.Getwd()
	got, err := New().LocalPaths(connector.Source{Engine: connector.SQLite, Path: "rel.db", Params: map[string]string{"attach": " aux =  /abs/store.db ,b=\tother.db"}})
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, p := range []string{filepath.Join(wd, "rel.db"), "/abs/store.db", filepath.Join(wd, "other.db")} {
		want = append(want, p, p+"-journal", p+"-wal", p+"-shm")
	}
	if !slices.Equal(got, want) {
		t.Errorf("LocalPaths = %v\nwant %v", got, want)
	}
	if _, err := New().LocalPaths(connector.Source{Engine: connector.SQLite, Path: "a.db", Params: map[string]string{"attach": "noequals"}}); err == nil {
		t.Error("a malformed attach list gave paths")
	}
}
