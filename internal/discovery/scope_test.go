package discovery_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/surveyorhq/surveyor/internal/catalog"
	"github.com/surveyorhq/surveyor/internal/connector"
	"github.com/surveyorhq/surveyor/internal/discovery"
	"github.com/surveyorhq/surveyor/internal/filter"
	"github.com/surveyorhq/surveyor/internal/runs"
	"github.com/surveyorhq/surveyor/internal/store"
	"github.com/surveyorhq/surveyor/internal/testdb"
)

// No silent zeros: a run asked for a schema or folder that is not there, or whose filters
// select nothing, fails and says what exists.
func TestRunsThatSelectNothingFailAndSayWhatExists(t *testing.T) {
	h := newHarness(t)
	db := testdb.New(t, connector.Postgres, "surveyor_scope")
	db.Exec(t, "CREATE SCHEMA audit", "CREATE TABLE public.orders (id int)", "CREATE TABLE public.customers (id int)",
		"CREATE TABLE audit.log (id int)")
	arn := h.secret(t, "pg", map[string]any{"engine": "postgres", "host": db.Source.Host, "port": db.Source.Port,
		"username": db.Source.User, "password": db.Source.Password, "dbname": db.Source.Database})
	name := db.Source.Database
	rule := func(ns, table string) filter.Rule {
		return filter.Rule{Action: filter.Include, Database: name, Namespace: ns, Table: table}
	}

	root := filepath.Join(t.TempDir(), "lake")
	writeTree(t, root, map[string]string{"hr/people/a.csv": "id,name\n1,ann\n", "sales/orders/b.csv": "id,total\n1,2\n"})

	for _, tc := range []struct {
		name      string
		cfg       discovery.Config
		errorType string
		detail    string
	}{
		{"a schema that does not exist", discovery.Config{SecretID: arn, Rules: []filter.Rule{rule("pubic", "*")}},
			discovery.ErrResourceNotFound, "schema 'pubic' not found in database '" + name + "'; it has: audit, public"},
		{"a missing schema beside one that exists", discovery.Config{SecretID: arn, Rules: []filter.Rule{rule("public", "*"), rule("audt", "*")}},
			discovery.ErrResourceNotFound, "schema 'audt' not found in database '" + name + "'; it has: audit, public"},
		{"a table pattern that matches nothing", discovery.Config{SecretID: arn, Rules: []filter.Rule{rule("public", "ordrs")}},
			discovery.ErrValidation, "the filters (INCLUDE " + name + ".public.ordrs) match no table in database '" + name + "'; schema 'public' has tables customers, orders"},
		{"filters that exclude everything", discovery.Config{SecretID: arn, Rules: []filter.Rule{rule("*", "*"),
			{Action: filter.Exclude, Database: "*", Namespace: "*", Table: "*"}}},
			discovery.ErrValidation, "the filters (INCLUDE " + name + ".*.*, EXCLUDE *.*.*) match no table in database '" + name + "'; its schemas: audit, public"},
		{"a folder that does not exist", discovery.Config{Engine: "files", Path: root, Params: map[string]string{"folders": "hr,finance"}},
			discovery.ErrResourceNotFound, "folder 'finance' not found in file://" + root + "; it has: hr, sales"},
		{"file filters that match nothing", discovery.Config{Engine: "files", Path: root, Params: map[string]string{"extensions": "parquet"}},
			discovery.ErrValidation, "no data file in " + root + " passes the filters (extensions=parquet)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := h.run(t, discovery.JobDiscover, "scope-"+strings.ReplaceAll(tc.name, " ", "-"), tc.cfg)
			if r.Status != runs.StatusFailed || r.ErrorType != tc.errorType || r.ErrorDetail != tc.detail {
				t.Fatalf("run = %s %s %q\nwant FAILED %s %q", r.Status, r.ErrorType, r.ErrorDetail, tc.errorType, tc.detail)
			}
			if s := stats(t, r); s != (catalog.Stats{}) {
				t.Errorf("a failed run applied %+v", s)
			}
		})
	}

	// What exists still runs as before.
	if r := h.run(t, discovery.JobDiscover, "scope-ok", discovery.Config{SecretID: arn, Rules: []filter.Rule{rule("public", "*")}}); r.Status != runs.StatusSuccess {
		t.Errorf("a schema that exists: %s %q", r.Status, r.ErrorDetail)
	}
	if r := h.run(t, discovery.JobDiscover, "scope-files-ok", discovery.Config{Engine: "files", Path: root, Params: map[string]string{"folders": "hr"}}); r.Status != runs.StatusSuccess {
		t.Errorf("a folder that exists: %s %q", r.Status, r.ErrorDetail)
	}
}

// A data file's malformed rows are reported with its table: the run's activity for it carries
// them, and the table is still read.
func TestMalformedRowsReachTheActivity(t *testing.T) {
	h := newHarness(t)
	root := filepath.Join(t.TempDir(), "lake")
	writeTree(t, root, map[string]string{"orders/a.csv": "id,total\n1,2\n2,3,oops\n3,4\n"})
	r := h.run(t, discovery.JobDiscover, "malformed", discovery.Config{Engine: "files", Path: root})
	if r.Status != runs.StatusSuccess || stats(t, r) != (catalog.Stats{Added: 1}) {
		t.Fatalf("run = %s %+v %q", r.Status, stats(t, r), r.ErrorDetail)
	}
	var acts []catalog.Activity
	if err := h.db.ReadTx(context.Background(), func(tx *store.Tx) (err error) {
		acts, _, err = h.job.Catalog.ListActivities(context.Background(), tx, r.ID, "", 0, 10)
		return err
	}); err != nil || len(acts) != 1 {
		t.Fatalf("activities = %+v, %v", acts, err)
	}
	if want := "orders/a.csv: 1 of 3 sampled rows are malformed (record 3 has 3 fields, the header 2); the schema is inferred from the others"; acts[0].Status != catalog.StatusCreated || acts[0].ErrorMessage != want {
		t.Errorf("activity = %s %q\nwant SUCCEEDED_CREATED %q", acts[0].Status, acts[0].ErrorMessage, want)
	}
}
