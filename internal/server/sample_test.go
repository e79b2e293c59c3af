package server

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/surveyorhq/surveyor/internal/resources"
	"github.com/surveyorhq/surveyor/internal/scope"
	"github.com/surveyorhq/surveyor/internal/store"
)

var dataSourceKind = resources.Kind{Service: "datazone", Type: "data-source"}

func openSample(t *testing.T, dataDir, sampleDir string) *Server {
	t.Helper()
	s, err := New(context.Background(), Config{DataDir: dataDir, Getenv: func(string) string { return "" }, Sample: true, SampleDir: sampleDir})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.EnsureCredentials(context.Background(), "http://127.0.0.1:1"); err != nil {
		t.Fatal(err)
	}
	return s
}

func dataSources(t *testing.T, s *Server) []resources.Record {
	t.Helper()
	key, err := s.keys.First(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var recs []resources.Record
	err = s.db.ReadTx(context.Background(), func(tx *store.Tx) (err error) {
		recs, _, err = resources.List(context.Background(), tx, scope.Scope{Account: key.AccountID, Region: DefaultRegion}, dataSourceKind, resources.ListQuery{})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

// The sample is registered once per store: deleted, it does not come back on the next start.
func TestSampleComesOnceAndNeverBack(t *testing.T) {
	ctx := context.Background()
	dataDir, sampleDir := t.TempDir(), t.TempDir()
	s := openSample(t, dataDir, sampleDir)
	if err := s.ensureSample(ctx); err != nil {
		t.Fatal(err)
	}
	recs := dataSources(t, s)
	if len(recs) != 1 || recs[0].Name != SampleSource {
		t.Fatalf("data sources after first start: %+v, want the sample", recs)
	}
	if b, err := os.ReadFile(filepath.Join(sampleDir, "shop.db")); err != nil || len(b) == 0 {
		t.Errorf("sample file: %v", err)
	}
	key, _ := s.keys.First(ctx)
	if err := s.db.Tx(ctx, func(tx *store.Tx) error {
		return resources.Delete(ctx, tx, scope.Scope{Account: key.AccountID, Region: DefaultRegion}, dataSourceKind, recs[0].ID)
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.ensureSample(ctx); err != nil {
		t.Fatal(err)
	}
	s.Close()

	s = openSample(t, dataDir, sampleDir)
	defer s.Close()
	if err := s.ensureSample(ctx); err != nil {
		t.Fatal(err)
	}
	if recs := dataSources(t, s); len(recs) != 0 {
		t.Errorf("the deleted sample came back: %+v", recs)
	}
}

// A store that is not new (an older Surveyor's) gets no sample.
func TestNoSampleInAStoreInUse(t *testing.T) {
	ctx := context.Background()
	s := openSample(t, t.TempDir(), t.TempDir())
	defer s.Close()
	key, _ := s.keys.First(ctx)
	if err := s.db.Tx(ctx, func(tx *store.Tx) error {
		return resources.Insert(ctx, tx, scope.Scope{Account: key.AccountID, Region: DefaultRegion}, resources.Kind{Service: "dms", Type: "endpoint"},
			resources.Record{ID: "E1", Name: "mine", CreatedAt: time.Now()}, map[string]string{})
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.ensureSample(ctx); err != nil {
		t.Fatal(err)
	}
	if recs := dataSources(t, s); len(recs) != 0 {
		t.Errorf("a store in use got the sample: %+v", recs)
	}
}
