package discovery_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/surveyorhq/surveyor/internal/catalog"
	"github.com/surveyorhq/surveyor/internal/connector"
	"github.com/surveyorhq/surveyor/internal/connector/files"
	"github.com/surveyorhq/surveyor/internal/discovery"
	"github.com/surveyorhq/surveyor/internal/runs"
	"github.com/surveyorhq/surveyor/internal/store"
)

func writeTree(t *testing.T, root string, tree map[string]string) {
	t.Helper()
	for rel, data := range tree {
		p := filepath.Join(root, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestFilesSourceRuns(t *testing.T) {
	h := newHarness(t)
	h.job.Connectors[connector.Files] = files.New()
	root := filepath.Join(t.TempDir(), "data")
	writeTree(t, root, map[string]string{
		"orders/a.csv":     "id,total,secret_note\n1,2.5,x\n",
		"customers/c.json": `{"id":1,"name":"ann"}` + "\n",
		"bad/x.csv.gz":     "not gzip",
	})
	cfg := discovery.Config{Engine: "files", Path: root, Params: map[string]string{"folders": "orders,customers,bad"},
		Columns: map[string][]string{"orders": {"id", "total"}}}
	r := h.run(t, discovery.JobDiscover, "src-files", cfg)
	if r.Status != runs.StatusPartiallySucceeded || stats(t, r) != (catalog.Stats{Added: 2, Failed: 1}) {
		t.Fatalf("run %s %+v (%s), want PARTIALLY_SUCCEEDED with 2 added and the bad gzip failed", r.Status, stats(t, r), r.ErrorDetail)
	}
	var orders *catalog.Asset
	if err := h.db.ReadTx(context.Background(), func(tx *store.Tx) error {
		assets, err := h.job.Catalog.AssetsOfSource(context.Background(), tx, "src-files")
		for i := range assets {
			if assets[i].Ref.Table == "orders" {
				orders = &assets[i]
			}
		}
		return err
	}); err != nil || orders == nil {
		t.Fatalf("orders asset: %v %v", orders, err)
	}
	var got []string
	for _, c := range orders.Table.Columns {
		got = append(got, c.Name)
	}
	if !slices.Equal(got, []string{"id", "total"}) {
		t.Errorf("orders columns %v: Columns should keep only id and total", got)
	}
}

func TestFilesSourceCredentials(t *testing.T) {
	h := newHarness(t)
	ok := h.secret(t, "s3-keys", map[string]any{"accessKeyId": "AKIDX", "secretAccessKey": "shh"})
	bad := h.secret(t, "not-s3", map[string]any{"host": "x"})
	ctx := context.Background()
	for _, tc := range []struct {
		name    string
		cfg     discovery.Config
		user    string
		errType string
	}{
		{"secret gives the access key", discovery.Config{Engine: "files", Path: "s3://b/p", SecretID: ok,
			Params: map[string]string{"endpoint": "http://127.0.0.1:9"}}, "AKIDX", ""},
		{"no secret, anonymous", discovery.Config{Engine: "s3", Path: "s3://b/p"}, "", ""},
		{"secret without keys", discovery.Config{Engine: "files", Path: "s3://b/p", SecretID: bad}, "", discovery.ErrValidation},
		{"no path", discovery.Config{Engine: "files"}, "", discovery.ErrValidation},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src, err := h.job.Source(ctx, acct, tc.cfg)
			if tc.errType != "" {
				se, isSE := err.(*discovery.SourceError)
				if !isSE || se.Type != tc.errType {
					t.Fatalf("err %v, want %s", err, tc.errType)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if src.Engine != connector.Files || src.Path != tc.cfg.Path || src.User != tc.user {
				t.Errorf("source %+v", src)
			}
			if tc.user != "" && src.Password != "shh" {
				t.Errorf("password not taken from the secret")
			}
			if tc.cfg.Params["endpoint"] != "" && src.Params["endpoint"] != tc.cfg.Params["endpoint"] {
				t.Errorf("params not passed: %v", src.Params)
			}
		})
	}
}

// TestFilesSourceDoesNotFollowLinksOut is the attack of issue 10: a link inside a files source's
// folder to the data directory's master.key. The run does not read it: the file is a failed
// asset that says why, and the key appears nowhere.
func TestFilesSourceDoesNotFollowLinksOut(t *testing.T) {
	h := newHarness(t)
	base := t.TempDir()
	root, data := filepath.Join(base, "data-files"), filepath.Join(base, "surveyor-data")
	writeTree(t, root, map[string]string{"orders/a.csv": "id,total\n1,2.5\n"})
	writeTree(t, data, map[string]string{"master.key": "TWFzdGVyS2V5VGhhdE11c3ROb3RMZWFr\n"})
	if err := os.MkdirAll(filepath.Join(root, "keys"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(data, "master.key"), filepath.Join(root, "keys", "k.csv")); err != nil {
		t.Fatal(err)
	}
	h.job.DeniedPaths = []string{data}
	r := h.run(t, discovery.JobDiscover, "src-link", discovery.Config{Engine: "files", Path: root})
	if r.Status != runs.StatusPartiallySucceeded || stats(t, r) != (catalog.Stats{Added: 1, Failed: 1}) ||
		!strings.Contains(r.ErrorDetail, "keys.k.csv: the file is inside the server's data directory") {
		t.Fatalf("run %s %+v %q, want orders added and the link failed with the reason", r.Status, stats(t, r), r.ErrorDetail)
	}
	if err := h.db.ReadTx(context.Background(), func(tx *store.Tx) error {
		assets, err := h.job.Catalog.AssetsOfSource(context.Background(), tx, "src-link")
		for _, a := range assets {
			for _, c := range a.Table.Columns {
				if strings.Contains(c.Name, "TWFzdGVy") {
					t.Errorf("the master key is a column of %s", a.Ref)
				}
			}
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
}
