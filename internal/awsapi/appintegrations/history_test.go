package appintegrations_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ai "github.com/aws/aws-sdk-go-v2/service/appintegrations"
	"github.com/aws/aws-sdk-go-v2/service/appintegrations/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/surveyorhq/surveyor/internal/connector"
	"github.com/surveyorhq/surveyor/internal/discovery"
	"github.com/surveyorhq/surveyor/internal/runs"
	"github.com/surveyorhq/surveyor/internal/scope"
	"github.com/surveyorhq/surveyor/internal/server/servertest"
	"github.com/surveyorhq/surveyor/internal/store"
	"github.com/surveyorhq/surveyor/internal/testdb"
)

// history drives the associations of one data integration over a real PostgreSQL database.
type history struct {
	t     *testing.T
	env   *servertest.Env
	c     *ai.Client
	st    *store.DB
	db    *testdb.DB
	integ string
	// last is the latest status message seen of each association.
	last map[string]string
}

// newHistory starts a server on storeURL and creates a data integration over a new PostgreSQL
// database holding orders, customers and notes.
func newHistory(t *testing.T, storeURL string) *history {
	env := servertest.Start(t, servertest.Options{Store: storeURL})
	h := &history{t: t, env: env, c: ai.NewFromConfig(env.AWS()), st: stored(t, env), last: map[string]string{}}
	h.db = testdb.New(t, connector.Postgres, "aihist")
	h.db.Exec(t, "CREATE TABLE orders (id INT PRIMARY KEY, total NUMERIC(10,2))",
		"CREATE TABLE customers (id INT PRIMARY KEY, name TEXT)", "CREATE TABLE notes (x INT)")
	s := h.db.Source
	password := s.Password
	if password == "" {
		password = "pw-never-stored-4711" // the test server trusts local users: any password logs in
	}
	val, _ := json.Marshal(map[string]any{"engine": "postgres", "host": s.Host, "port": s.Port, "username": s.User, "password": password})
	ctx := context.Background()
	if _, err := secretsmanager.NewFromConfig(env.AWS()).CreateSecret(ctx, &secretsmanager.CreateSecretInput{
		Name: aws.String("shop-creds"), SecretString: aws.String(string(val))}); err != nil {
		t.Fatal(err)
	}
	created, err := h.c.CreateDataIntegration(ctx, &ai.CreateDataIntegrationInput{Name: aws.String("shop"), KmsKey: aws.String(kmsKey),
		SourceURI: aws.String("postgres://shop-creds/" + s.Database)})
	if err != nil {
		t.Fatal(err)
	}
	h.integ = aws.ToString(created.Id)
	return h
}

var onDemand = &types.ExecutionConfiguration{ExecutionMode: types.ExecutionModeOnDemand,
	OnDemandConfiguration: &types.OnDemandConfiguration{StartTime: aws.String("1735689600000")}}

// associate creates an on-demand association (which runs once) and returns its id.
func (h *history) associate(client string) string {
	h.t.Helper()
	out, err := h.c.CreateDataIntegrationAssociation(context.Background(), &ai.CreateDataIntegrationAssociationInput{
		DataIntegrationIdentifier: aws.String(h.integ), ClientId: aws.String(client), ExecutionConfiguration: onDemand})
	if err != nil {
		h.t.Fatal(err)
	}
	return aws.ToString(out.DataIntegrationAssociationId)
}

// rerun runs an association again, as "run it again" does: UpdateDataIntegrationAssociation
// with its ON_DEMAND execution.
func (h *history) rerun(assoc string) {
	h.t.Helper()
	if _, err := h.c.UpdateDataIntegrationAssociation(context.Background(), &ai.UpdateDataIntegrationAssociationInput{
		DataIntegrationIdentifier: aws.String(h.integ), DataIntegrationAssociationIdentifier: aws.String(assoc),
		ExecutionConfiguration: onDemand}); err != nil {
		h.t.Fatal(err)
	}
}

// wait waits for the association's next completed run and returns its statistics, "added 0,
// updated 1, unchanged 2, skipped 0, failed 0".
func (h *history) wait(assoc string) string {
	h.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		out, err := h.c.ListDataIntegrationAssociations(context.Background(), &ai.ListDataIntegrationAssociationsInput{DataIntegrationIdentifier: aws.String(h.integ)})
		if err != nil {
			h.t.Fatal(err)
		}
		for _, a := range out.DataIntegrationAssociations {
			st := a.LastExecutionStatus
			if !strings.HasSuffix(aws.ToString(a.DataIntegrationAssociationArn), "/"+assoc) || st == nil ||
				st.ExecutionStatus == types.ExecutionStatusInProgress || aws.ToString(st.StatusMessage) == h.last[assoc] {
				continue
			}
			msg := aws.ToString(st.StatusMessage)
			if st.ExecutionStatus != types.ExecutionStatusCompleted {
				h.t.Fatalf("association %s: %s %q", assoc, st.ExecutionStatus, msg)
			}
			h.last[assoc] = msg
			_, stats, _ := strings.Cut(msg, ": ")
			return strings.TrimSuffix(stats, ".")
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("association %s: no new completed run (last %q)", assoc, h.last[assoc])
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// assets maps each table the catalog holds under source to "r<revision>", with " missing" when
// it is marked missing.
func (h *history) assets(source string) map[string]string {
	h.t.Helper()
	out := map[string]string{}
	err := h.st.ReadTx(context.Background(), func(tx *store.Tx) error {
		rows, err := tx.Query(context.Background(), `SELECT table_name, revision, missing FROM assets WHERE source_id = ?`, source)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var (
				name         string
				rev, missing int
			)
			if err := rows.Scan(&name, &rev, &missing); err != nil {
				return err
			}
			out[name] = "r" + strconv.Itoa(rev)
			if missing != 0 {
				out[name] += " missing"
			}
		}
		return rows.Err()
	})
	if err != nil {
		h.t.Fatal(err)
	}
	return out
}

func wantStats(t *testing.T, what, got, want string) {
	t.Helper()
	if got != want {
		t.Errorf("%s: %q, want %q", what, got, want)
	}
}

func wantAssets(t *testing.T, what string, got map[string]string, want map[string]string) {
	t.Helper()
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	if string(g) != string(w) {
		t.Errorf("%s: catalog %s, want %s", what, g, w)
	}
}

// The catalog is the data integration's: a new association on the same integration finds what
// the first one found unchanged; a table altered, a run through the first association updates
// exactly it; a table dropped, a run through the second removes it. Two associations run at
// once apply one after the other, and neither fails. Both stores.
func TestAssociationsShareTheIntegrationsHistory(t *testing.T) {
	servertest.EachStore(t, func(t *testing.T, storeURL string) {
		h := newHistory(t, storeURL)
		a := h.associate("a")
		wantStats(t, "association A's first run", h.wait(a), "added 3, updated 0, unchanged 0, skipped 0, failed 0")
		b := h.associate("b")
		wantStats(t, "a new association B on the same integration", h.wait(b), "added 0, updated 0, unchanged 3, skipped 0, failed 0")

		h.db.Exec(t, "ALTER TABLE orders ADD COLUMN note TEXT")
		h.rerun(a)
		wantStats(t, "A again after orders gained a column", h.wait(a), "added 0, updated 1, unchanged 2, skipped 0, failed 0")
		wantAssets(t, "after the alter", h.assets(h.integ), map[string]string{"customers": "r1", "notes": "r1", "orders": "r2"})

		h.db.Exec(t, "DROP TABLE notes")
		h.rerun(b)
		wantStats(t, "B after notes was dropped", h.wait(b), "added 0, updated 0, unchanged 2, skipped 0, failed 0")
		wantAssets(t, "after the drop", h.assets(h.integ), map[string]string{"customers": "r1", "notes": "r1 missing", "orders": "r2"})
		for _, assoc := range []string{a, b} {
			if got := h.assets(assoc); len(got) != 0 {
				t.Errorf("association %s has a catalog of its own: %v", assoc, got)
			}
		}

		// Both at once, after a change: one of them applies it, the other then finds it.
		h.db.Exec(t, "ALTER TABLE customers ADD COLUMN email TEXT")
		var wg sync.WaitGroup
		for _, assoc := range []string{a, b} {
			wg.Go(func() { h.rerun(assoc) })
		}
		wg.Wait()
		got := []string{h.wait(a), h.wait(b)}
		updated := "added 0, updated 1, unchanged 1, skipped 0, failed 0"
		unchanged := "added 0, updated 0, unchanged 2, skipped 0, failed 0"
		if !(got[0] == updated && got[1] == unchanged) && !(got[0] == unchanged && got[1] == updated) {
			t.Errorf("A and B at once: %q, want one %q and the other %q", got, updated, unchanged)
		}
		wantAssets(t, "after both at once", h.assets(h.integ), map[string]string{"customers": "r2", "notes": "r1 missing", "orders": "r2"})
	})
}

// Stores from before this change keep each association's catalog under the association's id.
// Migration 00014 moves, for each integration, the catalog of the association that ran last onto
// the integration, and leaves the other associations' catalogs where they are; the next run,
// through any association, compares with the moved history.
func TestAssociationCatalogsMoveToTheirIntegration(t *testing.T) {
	servertest.EachStore(t, func(t *testing.T, storeURL string) {
		h := newHistory(t, storeURL)
		a := h.associate("a")
		h.wait(a)
		b := h.associate("b")
		h.wait(b)
		// What an older server did: each association's runs applied under its own id. A reads the
		// three tables; then orders changes and B reads them into its own, newer, catalog.
		clear := func() {
			if err := h.st.Tx(context.Background(), func(tx *store.Tx) error {
				_, err := tx.Exec(context.Background(), `DELETE FROM assets WHERE source_id = ?`, h.integ)
				return err
			}); err != nil {
				t.Fatal(err)
			}
		}
		clear()
		h.oldRun(a)
		h.db.Exec(t, "ALTER TABLE orders ADD COLUMN note TEXT")
		h.oldRun(b)
		wantAssets(t, "A's own catalog", h.assets(a), map[string]string{"customers": "r1", "notes": "r1", "orders": "r1"})
		if got := h.assets(h.integ); len(got) != 0 {
			t.Fatalf("the integration has a catalog before the migration: %v", got)
		}

		h.migrate(storeURL)
		h.migrate(storeURL) // once moved, nothing moves again
		wantAssets(t, "the integration's catalog: B's, the latest", h.assets(h.integ), map[string]string{"customers": "r1", "notes": "r1", "orders": "r1"})
		if got := h.assets(b); len(got) != 0 {
			t.Errorf("B's catalog stayed under B: %v", got)
		}
		wantAssets(t, "A's catalog stays A's", h.assets(a), map[string]string{"customers": "r1", "notes": "r1", "orders": "r1"})

		// Through A, which last read orders without note: the integration's history (B's) has it.
		h.rerun(a)
		wantStats(t, "A's first run after the migration", h.wait(a), "added 0, updated 0, unchanged 3, skipped 0, failed 0")
	})
}

// oldRun runs association assoc as an older server did: the run's snapshot goes into the
// catalog under the association's id (its configuration names no catalog source).
func (h *history) oldRun(assoc string) {
	h.t.Helper()
	s := h.db.Source
	cfg, _ := json.Marshal(discovery.Config{Engine: "postgres", SecretID: "shop-creds", Database: s.Database})
	q := &runs.Queue{DB: h.st}
	var id string
	if err := h.st.Tx(context.Background(), func(tx *store.Tx) error {
		r, _, err := q.Enqueue(context.Background(), tx, runs.Run{Scope: scope.Scope{Account: h.env.Key.AccountID, Region: "us-east-1"}, SourceID: assoc,
			Job: discovery.JobDiscover, Type: "ON_DEMAND", Config: cfg})
		id = r.ID
		return err
	}); err != nil {
		h.t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		r, err := q.Get(context.Background(), scope.Scope{Account: h.env.Key.AccountID, Region: "us-east-1"}, id)
		if err != nil {
			h.t.Fatal(err)
		}
		if r.Status == runs.StatusSuccess {
			h.last[assoc] = "" // the association's latest status is this run's now
			h.wait(assoc)
			return
		}
		if runs.Terminal(r.Status) || time.Now().After(deadline) {
			h.t.Fatalf("old-style run of %s: %s %s %s", assoc, r.Status, r.ErrorType, r.ErrorDetail)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// migrate runs the Up statements of migration 00014 of the store's dialect again, as a store
// from before it gets them when it opens.
func (h *history) migrate(storeURL string) {
	h.t.Helper()
	dialect := "sqlite"
	if storeURL != "" {
		dialect = "postgres"
	}
	b, err := os.ReadFile(filepath.Join("..", "..", "store", "migrations", dialect, "00014_appintegrations_catalog.sql"))
	if err != nil {
		h.t.Fatal(err)
	}
	up, _, _ := strings.Cut(string(b), "-- +goose Down")
	err = h.st.Tx(context.Background(), func(tx *store.Tx) error {
		for _, stmt := range strings.Split(strings.TrimPrefix(up, "-- +goose Up"), ";\n") {
			if strings.TrimSpace(stripComments(stmt)) == "" {
				continue
			}
			if _, err := tx.Exec(context.Background(), stmt); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		h.t.Fatalf("migration 00014: %v", err)
	}
}

func stripComments(s string) string {
	var out []string
	for _, line := range strings.Split(s, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "--") {
			out = append(out, line)
		}
	}
	return strings.Join(out, "\n")
}
