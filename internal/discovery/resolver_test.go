package discovery_test

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/surveyorhq/surveyor/internal/catalog"
	"github.com/surveyorhq/surveyor/internal/discovery"
	"github.com/surveyorhq/surveyor/internal/runs"
	"github.com/surveyorhq/surveyor/internal/scope"
)

func TestResolvedConfigs(t *testing.T) {
	h := newHarness(t)
	root := t.TempDir()
	path := filepath.Join(root, "app.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("CREATE TABLE a (id INTEGER PRIMARY KEY)"); err != nil {
		t.Fatal(err)
	}
	db.Close()

	type call struct {
		sc  scope.Scope
		ref string
	}
	var calls []call
	h.job.Resolvers = map[string]discovery.Resolver{
		"fake": func(_ context.Context, sc scope.Scope, cfg discovery.Config) (discovery.Config, error) {
			calls = append(calls, call{sc, cfg.Ref})
			switch cfg.Ref {
			case "ok":
				return discovery.Config{Engine: "sqlite", Path: path}, nil
			case "outside":
				return discovery.Config{Engine: "sqlite", Path: filepath.Join(t.TempDir(), "x.db")}, nil
			case "gone":
				return discovery.Config{}, &discovery.SourceError{Type: discovery.ErrResourceNotFound, Msg: "thing gone was deleted"}
			case "nested":
				return discovery.Config{Resolver: "fake", Ref: "ok"}, nil
			}
			return discovery.Config{}, errors.New("the sealed configuration of " + cfg.Ref + " does not open")
		},
	}
	h.job.LocalRoots = []string{root}

	for _, tc := range []struct {
		name, job             string
		cfg                   discovery.Config
		status, errType, want string
	}{
		{"resolved config is read", discovery.JobDiscover, discovery.Config{Resolver: "fake", Ref: "ok"}, runs.StatusSuccess, "", ""},
		{"resolved config is pinged", discovery.JobPing, discovery.Config{Resolver: "fake", Ref: "ok"}, runs.StatusSuccess, "", ""},
		{"resolver wins over the other fields", discovery.JobDiscover, discovery.Config{Resolver: "fake", Ref: "ok", Engine: "oracle"}, runs.StatusSuccess, "", ""},
		{"resolved path is still held to the local roots", discovery.JobDiscover, discovery.Config{Resolver: "fake", Ref: "outside"},
			runs.StatusFailed, discovery.ErrAccessDenied, "--local-roots"},
		{"source error keeps its type and message", discovery.JobDiscover, discovery.Config{Resolver: "fake", Ref: "gone"},
			runs.StatusFailed, discovery.ErrResourceNotFound, "thing gone was deleted"},
		{"plain error is access denied with its text", discovery.JobDiscover, discovery.Config{Resolver: "fake", Ref: "sealed-1"},
			runs.StatusFailed, discovery.ErrAccessDenied, "the sealed configuration of sealed-1 does not open"},
		{"plain error fails a ping too", discovery.JobPing, discovery.Config{Resolver: "fake", Ref: "sealed-2"},
			runs.StatusFailed, discovery.ErrAccessDenied, "the sealed configuration of sealed-2 does not open"},
		{"resolved config may not name a resolver", discovery.JobDiscover, discovery.Config{Resolver: "fake", Ref: "nested"},
			runs.StatusFailed, discovery.ErrInternal, `returned a configuration that names resolver "fake"`},
		{"unknown resolver", discovery.JobDiscover, discovery.Config{Resolver: "nowhere", Ref: "ok"},
			runs.StatusFailed, discovery.ErrValidation, `names resolver "nowhere", which this server does not have`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			calls = nil
			r := h.run(t, tc.job, "src-"+strings.ReplaceAll(tc.name, " ", "-"), tc.cfg)
			if r.Status != tc.status || r.ErrorType != tc.errType || !strings.Contains(r.ErrorDetail, tc.want) {
				t.Errorf("run = %s %s %q; want %s %s mentioning %q", r.Status, r.ErrorType, r.ErrorDetail, tc.status, tc.errType, tc.want)
			}
			if tc.cfg.Resolver == "fake" && (len(calls) != 1 || calls[0] != (call{acct, tc.cfg.Ref})) {
				t.Errorf("resolver calls %+v, want one for scope %s and ref %s", calls, acct, tc.cfg.Ref)
			}
			if tc.cfg.Resolver != "fake" && len(calls) != 0 {
				t.Errorf("resolver called %+v for resolver %q", calls, tc.cfg.Resolver)
			}
			if tc.job == discovery.JobDiscover && tc.status == runs.StatusSuccess && stats(t, r) != (catalog.Stats{Added: 1}) {
				t.Errorf("stats %+v, want the one table of the resolved file", stats(t, r))
			}
		})
	}
}
