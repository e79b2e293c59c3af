package main

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/surveyorhq/surveyor/internal/connector"
	"github.com/surveyorhq/surveyor/internal/discovery"
	"github.com/surveyorhq/surveyor/internal/runs"
	"github.com/surveyorhq/surveyor/internal/store"
	"github.com/surveyorhq/surveyor/internal/testdb"
)

// The outbound policy through the real binary: `serve` flags decide which sources a run may
// reach; a refused run fails ACCESS_DENIED_EXCEPTION with the host and the rule, and the same
// source is read once the flags allow it.
func TestServeOutboundPolicy(t *testing.T) {
	d := testdb.New(t, connector.Postgres, "cli_outbound")
	proxy, sockDir := testdb.NewSocketProxy(t, d.Source, ".s.PGSQL.5432")
	dataDir := t.TempDir()
	runOn := func(db *store.DB, name, host string) runs.Run {
		t.Helper()
		cfg := pgConfig(d.Source)
		cfg.Host = host
		r := enqueue(t, db, name, cfg)
		return waitRun(t, db, r.ID, 60*time.Second, func(r runs.Run) bool { return runs.Terminal(r.Status) })
	}
	p := serve(t, nil, "--data-dir", dataDir, "--no-sample", "--deny-hosts", "loopback,link-local,metadata")
	db, err := store.Open(context.Background(), dataDir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, tc := range []struct{ name, host, says string }{
		{"by-name", "localhost", "the outbound policy refuses host localhost: it resolves to"},
		{"metadata", "169.254.169.254", "the outbound policy refuses address 169.254.169.254 (--deny-hosts link-local)"},
		{"socket", sockDir, "the outbound policy refuses Unix socket " + sockDir},
	} {
		r := runOn(db, tc.name, tc.host)
		if r.Status != runs.StatusFailed || r.ErrorType != discovery.ErrAccessDenied || !strings.Contains(r.ErrorDetail, tc.says) {
			t.Errorf("run to %s: %s %s %q, want FAILED %s saying %q", tc.host, r.Status, r.ErrorType, r.ErrorDetail, discovery.ErrAccessDenied, tc.says)
		}
	}
	if proxy.Accepted() != 0 {
		t.Fatal("the socket was reached")
	}
	p.cmd.Process.Kill()
	<-p.exited

	serve(t, nil, "--data-dir", dataDir, "--no-sample", "--allow-sockets", "--deny-hosts", "all", "--allow-hosts", "localhost")
	for _, host := range []string{"localhost", sockDir} {
		if r := runOn(db, "allowed-"+host, host); r.Status != runs.StatusSuccess {
			t.Errorf("run to %s with the flags allowing it: %s %q", host, r.Status, r.ErrorDetail)
		}
	}
	if proxy.Accepted() == 0 {
		t.Error("the allowed socket was not used")
	}
}

func TestServeRefusesAMalformedRule(t *testing.T) {
	out, err := exec.Command(binary(t), "serve", "--data-dir", t.TempDir(), "--deny-hosts", "10.0.0.0/33").CombinedOutput()
	if err == nil || !strings.Contains(string(out), `--deny-hosts: "10.0.0.0/33" is not a CIDR`) {
		t.Fatalf("serve with a malformed rule: %v\n%s", err, out)
	}
}
