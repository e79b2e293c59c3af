package appsync_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/appsync"
	"github.com/aws/aws-sdk-go-v2/service/appsync/types"
	"github.com/google/go-cmp/cmp"

	appsyncfacade "github.com/surveyorhq/surveyor/internal/awsapi/appsync"
	"github.com/surveyorhq/surveyor/internal/catalog"
	"github.com/surveyorhq/surveyor/internal/connector"
	"github.com/surveyorhq/surveyor/internal/core"
	"github.com/surveyorhq/surveyor/internal/server/servertest"
	"github.com/surveyorhq/surveyor/internal/store"
	"github.com/surveyorhq/surveyor/internal/store/storetest"
	"github.com/surveyorhq/surveyor/internal/testdb"
)

// stored counts, straight from the store, what an introspection left: its document, its runs,
// its catalog assets, their revisions, and its runs' activities.
type stored struct{ docs, runs, assets, revisions, activities int }

func storedRows(t *testing.T, db *store.DB, id string) stored {
	t.Helper()
	ctx := context.Background()
	var s stored
	err := db.ReadTx(ctx, func(tx *store.Tx) error {
		for _, q := range []struct {
			dst *int
			sql string
		}{
			{&s.docs, `SELECT count(*) FROM resources WHERE service = 'appsync' AND type = 'introspection' AND id = ?`},
			{&s.runs, `SELECT count(*) FROM runs WHERE source_id = ?`},
			{&s.assets, `SELECT count(*) FROM assets WHERE source_id = ?`},
			{&s.revisions, `SELECT count(*) FROM asset_revisions r JOIN assets a ON a.id = r.asset_id WHERE a.source_id = ?`},
			{&s.activities, `SELECT count(*) FROM activities WHERE run_id = ?`},
		} {
			if err := tx.QueryRow(ctx, q.sql, id).Scan(q.dst); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("count rows of introspection %s: %v", id, err)
	}
	return s
}

func TestPurgeDeletesExpiredIntrospections(t *testing.T) {
	for _, tc := range []struct {
		name string
		// open returns the server's store URL ("" for SQLite in its data directory).
		open func(t *testing.T) string
	}{
		{"sqlite store", func(*testing.T) string { return "" }},
		{"postgres store", func(t *testing.T) string {
			return storetest.DSN(testdb.New(t, connector.Postgres, "appsync_purge_store"))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			fixture := testdb.New(t, connector.Postgres, "appsync_purge")
			fixture.Exec(t, `CREATE TABLE authors (id int PRIMARY KEY, name text)`)
			fixture.Exec(t, `CREATE TABLE books (id int PRIMARY KEY, author int REFERENCES authors)`)
			h := newHarnessWith(t, servertest.Options{Store: tc.open(t)})

			old := h.start(h.secret("postgres", fixture.Source, ""), fixture.Source.Database)
			if out := h.wait(old); out.IntrospectionStatus != types.DataSourceIntrospectionStatusSuccess {
				t.Fatalf("old introspection %s: %s", out.IntrospectionStatus, aws.ToString(out.IntrospectionStatusDetail))
			}
			failed := h.start(h.rawSecret(`{"engine":"oracle","host":"db","port":1521}`), "app")
			if out := h.wait(failed); out.IntrospectionStatus != types.DataSourceIntrospectionStatusFailed {
				t.Fatalf("failed introspection: %s, want FAILED", out.IntrospectionStatus)
			}
			freshSecret := h.secret("postgres", fixture.Source, "") // the Secrets Manager client signs with the real clock
			h.clock.Advance(7*24*time.Hour + time.Minute)
			fresh := h.start(freshSecret, fixture.Source.Database)
			if out := h.wait(fresh); out.IntrospectionStatus != types.DataSourceIntrospectionStatusSuccess {
				t.Fatalf("fresh introspection %s: %s", out.IntrospectionStatus, aws.ToString(out.IntrospectionStatusDetail))
			}

			// A second handle on the server's store, and a façade on it with the server's clock.
			dsn := h.env.Config.Store
			if dsn == "" {
				dsn = h.env.Config.DataDir
			}
			db, err := store.Open(ctx, dsn)
			if err != nil {
				t.Fatalf("open the server's store: %v", err)
			}
			defer db.Close()
			f := &appsyncfacade.Facade{Services: &core.Services{DB: db, Catalog: &catalog.Catalog{}, Now: h.clock.Now}}

			full := stored{docs: 1, runs: 1, assets: 2, revisions: 2, activities: 2}
			if got := storedRows(t, db, old); got != full {
				t.Fatalf("before purge, old introspection has %+v, want %+v", got, full)
			}
			if got, want := storedRows(t, db, failed), (stored{docs: 1, runs: 1}); got != want {
				t.Fatalf("before purge, failed introspection has %+v, want %+v", got, want)
			}

			n, err := f.Purge(ctx)
			if err != nil {
				t.Fatalf("Purge: %v", err)
			}
			if n != 2 {
				t.Errorf("Purge deleted %d introspections, want 2 (the expired ones)", n)
			}
			for _, id := range []string{old, failed} {
				if got := storedRows(t, db, id); got != (stored{}) {
					t.Errorf("after purge, expired introspection %s still has %+v", id, got)
				}
			}
			if got := storedRows(t, db, fresh); got != full {
				t.Errorf("after purge, fresh introspection has %+v, want %+v (untouched)", got, full)
			}
			if got := modelNames(t, h, fresh); !cmp.Equal(got, []string{"authors", "books"}) {
				t.Errorf("fresh introspection's models after purge: %v", got)
			}
			checkAPIError(t, getErr(h, old), "NotFoundException", old)
			if n, err := f.Purge(ctx); err != nil || n != 0 {
				t.Errorf("second Purge = %d, %v; want 0, nil", n, err)
			}
		})
	}
}

func getErr(h *harness, id string) error {
	_, err := h.as.GetDataSourceIntrospection(context.Background(), &appsync.GetDataSourceIntrospectionInput{IntrospectionId: aws.String(id)})
	return err
}

// modelNames returns the names of the models on the first page, in order.
func modelNames(t *testing.T, h *harness, id string) []string {
	t.Helper()
	out, err := h.as.GetDataSourceIntrospection(context.Background(), &appsync.GetDataSourceIntrospectionInput{IntrospectionId: aws.String(id)})
	if err != nil {
		t.Fatalf("GetDataSourceIntrospection: %v", err)
	}
	if out.IntrospectionResult == nil {
		t.Fatalf("introspection %s: %s, no result", id, out.IntrospectionStatus)
	}
	var names []string
	for _, m := range out.IntrospectionResult.Models {
		names = append(names, aws.ToString(m.Name))
	}
	return names
}

func TestSQLiteAttachedTablesOfTheSameName(t *testing.T) {
	dir := t.TempDir()
	mainPath, auxPath := filepath.Join(dir, "main.db"), filepath.Join(dir, "aux.db")
	for path, stmts := range map[string][]string{
		mainPath: {`CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)`, `CREATE TABLE notes (id INTEGER PRIMARY KEY)`},
		auxPath:  {`CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL)`, `CREATE TABLE items (id INTEGER PRIMARY KEY)`},
	} {
		db, err := sql.Open("sqlite", path)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range stmts {
			if _, err := db.Exec(s); err != nil {
				t.Fatal(err)
			}
		}
		db.Close()
	}
	h := newHarness(t)
	id := h.start(h.rawSecret(`{"engine":"sqlite","path":"`+mainPath+`","attach":"aux=`+auxPath+`"}`), "main")
	if out := h.wait(id); out.IntrospectionStatus != types.DataSourceIntrospectionStatusSuccess {
		t.Fatalf("status %s: %s", out.IntrospectionStatus, aws.ToString(out.IntrospectionStatusDetail))
	}
	if diff := cmp.Diff([]string{"aux.users", "items", "notes", "users"}, modelNames(t, h, id)); diff != "" {
		t.Errorf("model names, in order (-want +got):\n%s", diff)
	}
	models := h.models(id)
	if diff := cmp.Diff([]string{"id Int!", "name String", "PK PRIMARY_KEY(id)"}, shape(models["users"])); diff != "" {
		t.Errorf("model users, main's table (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"id Int!", "email String!", "PK PRIMARY_KEY(id)"}, shape(models["aux.users"])); diff != "" {
		t.Errorf("model aux.users, the attached table (-want +got):\n%s", diff)
	}
	if got, want := aws.ToString(models["aux.users"].Sdl), "type aux_users {\n  id: Int!\n  email: String!\n}\n"; got != want {
		t.Errorf("SDL of aux.users = %q, want %q", got, want)
	}
	checkSDL(t, models)
}
