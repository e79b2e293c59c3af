package gluecatalog

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/surveyorhq/surveyor/internal/store"
	"github.com/surveyorhq/surveyor/internal/store/storetest"
)

// CreateTables writes what CreateTable writes, over more than one chunk.
func TestCreateTablesIsCreateTableInBulk(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		now := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
		c := testCatalog(t)
		c.Now = func() time.Time { return now }
		in(t, db, func(ctx context.Context, tx *store.Tx) error {
			if err := c.CreateDatabase(ctx, tx, scA, DatabaseInput{Name: "one"}); err != nil {
				return err
			}
			return c.CreateDatabase(ctx, tx, scA, DatabaseInput{Name: "bulk"})
		})
		var ins []TableInput
		for i := range createChunk + 3 {
			ti := salesTable()
			ti.Name = fmt.Sprintf("T%04d", i)
			ti.Description = fmt.Sprintf("table %d", i)
			ins = append(ins, ti)
		}
		in(t, db, func(ctx context.Context, tx *store.Tx) error {
			for _, ti := range []TableInput{ins[0], ins[len(ins)-1]} {
				if err := c.CreateTable(ctx, tx, scA, "one", ti, CreateTableOptions{CreatedBy: "me"}); err != nil {
					return err
				}
			}
			return c.CreateTables(ctx, tx, scA, "Bulk", ins, "me")
		})
		in(t, db, func(ctx context.Context, tx *store.Tx) error {
			for _, name := range []string{ins[0].Name, ins[len(ins)-1].Name} {
				one, err := c.GetTable(ctx, tx, scA, "one", name)
				if err != nil {
					return err
				}
				bulk, err := c.GetTable(ctx, tx, scA, "bulk", name)
				if err != nil {
					return err
				}
				if bulk.Name != "t0000" && bulk.Name != fmt.Sprintf("t%04d", createChunk+2) {
					t.Errorf("name %q, want it folded to lower case", bulk.Name)
				}
				one.DatabaseName = bulk.DatabaseName
				if !reflect.DeepEqual(one, bulk) {
					t.Errorf("CreateTables wrote\n%+v\nCreateTable\n%+v", bulk, one)
				}
				vs, _, err := c.ListTableVersions(ctx, tx, scA, "bulk", name, -1, 10)
				if err != nil {
					return err
				}
				if len(vs) != 1 || vs[0].VersionId != "0" || !reflect.DeepEqual(vs[0].Table.TableInput, bulk.TableInput) {
					t.Errorf("versions of %s: %+v, want version 0 only", name, vs)
				}
			}
			tables, _, err := c.ListTables(ctx, tx, scA, "bulk", "", 10000, nil)
			if len(tables) != len(ins) {
				t.Errorf("%d tables, want %d", len(tables), len(ins))
			}
			return err
		})
	})
}

// A taken name, or one given twice, fails as CreateTable fails, naming the table.
func TestCreateTablesRefusesTakenNames(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		c := testCatalog(t)
		in(t, db, func(ctx context.Context, tx *store.Tx) error {
			if err := c.CreateDatabase(ctx, tx, scA, DatabaseInput{Name: "d"}); err != nil {
				return err
			}
			return c.CreateTables(ctx, tx, scA, "d", []TableInput{{Name: "a"}, {Name: "b"}}, "")
		})
		for _, tc := range []struct {
			names []string
			taken string
		}{
			{[]string{"c", "B"}, "b"},
			{[]string{"x", "y", "X"}, "x"},
		} {
			var ins []TableInput
			for _, n := range tc.names {
				ins = append(ins, TableInput{Name: n})
			}
			e := want[*AlreadyExistsError](t, db, func(ctx context.Context, tx *store.Tx) error {
				return c.CreateTables(ctx, tx, scA, "d", ins, "")
			})
			if e.Name != tc.taken {
				t.Errorf("%v: AlreadyExists names %q, want %q", tc.names, e.Name, tc.taken)
			}
		}
		want[*NotFoundError](t, db, func(ctx context.Context, tx *store.Tx) error {
			return c.CreateTables(ctx, tx, scA, "nope", []TableInput{{Name: "a"}}, "")
		})
		want[*InvalidInputError](t, db, func(ctx context.Context, tx *store.Tx) error {
			return c.CreateTables(ctx, tx, scA, "d", []TableInput{{Name: "k", PartitionKeys: []Column{{Name: "p"}, {Name: "P"}}}}, "")
		})
	})
}

// Migration 00015 turns a store written when every version, the current one included, was a
// row of glue_table_versions into one where only archived versions are: versions read the same.
func TestMigrationKeepsCurrentVersionOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		c := testCatalog(t)
		in(t, db, func(ctx context.Context, tx *store.Tx) error {
			if err := c.CreateDatabase(ctx, tx, scA, DatabaseInput{Name: "d"}); err != nil {
				return err
			}
			if err := c.CreateTables(ctx, tx, scA, "d", []TableInput{{Name: "a"}, {Name: "b"}}, ""); err != nil {
				return err
			}
			return c.UpdateTable(ctx, tx, scA, "d", TableInput{Name: "b", Description: "v1"}, UpdateTableOptions{})
		})
		listed := func() []string {
			var got []string
			in(t, db, func(ctx context.Context, tx *store.Tx) error {
				for _, name := range []string{"a", "b"} {
					vs, _, err := c.ListTableVersions(ctx, tx, scA, "d", name, -1, 10)
					if err != nil {
						return err
					}
					for _, v := range vs {
						got = append(got, name+v.VersionId+":"+v.Table.Description)
					}
				}
				return nil
			})
			return got
		}
		before := listed()
		if !reflect.DeepEqual(before, []string{"a0:", "b1:v1", "b0:"}) {
			t.Fatalf("versions %v", before)
		}
		up, _, _ := strings.Cut(migration(t, db.Dialect, "00015_glue_current_version.sql"), "-- +goose Down")
		in(t, db, func(ctx context.Context, tx *store.Tx) error {
			// The layout before: the current versions are rows of glue_table_versions too.
			if _, err := tx.Exec(ctx, `INSERT INTO glue_table_versions (table_id, version_id, doc, update_time)
				SELECT id, version_id, doc, update_time FROM glue_tables`); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, up)
			return err
		})
		if after := listed(); !reflect.DeepEqual(after, before) {
			t.Errorf("after the migration %v, want %v", after, before)
		}
	})
}

func migration(t *testing.T, d store.Dialect, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "store", "migrations", string(d), name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
