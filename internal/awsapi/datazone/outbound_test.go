package datazone_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/datazone/types"

	"github.com/surveyorhq/surveyor/internal/connector"
	"github.com/surveyorhq/surveyor/internal/outbound"
	"github.com/surveyorhq/surveyor/internal/server"
	"github.com/surveyorhq/surveyor/internal/server/servertest"
	"github.com/surveyorhq/surveyor/internal/testdb"
)

// A data source run whose secret names a host the server's outbound policy refuses fails with
// ACCESS_DENIED_EXCEPTION and the policy's reason: a name resolving into a denied network, and
// a socket directory (which would trust any local user) under the default policy.
func TestRunRefusedByTheOutboundPolicy(t *testing.T) {
	d := testdb.New(t, connector.Postgres, "dzoutbound")
	proxy, sockDir := testdb.NewSocketProxy(t, d.Source, ".s.PGSQL.5432")
	policy, err := outbound.New(nil, []string{"loopback", "link-local"}, false)
	if err != nil {
		t.Fatal(err)
	}
	w := newWorld(t, servertest.Options{Tune: func(c *server.Config) { c.Outbound = policy }})
	for _, tc := range []struct {
		name, host string
		says       []string
	}{
		{"name into a denied network", "localhost", []string{"the outbound policy refuses host localhost: it resolves to", "(--deny-hosts loopback)"}},
		{"metadata address", "169.254.169.254", []string{"the outbound policy refuses address 169.254.169.254 (--deny-hosts link-local)"}},
		{"socket directory", sockDir, []string{"the outbound policy refuses Unix socket " + sockDir + "/.s.PGSQL.5432", "--allow-sockets"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := d.Source
			src.Host, src.Password = tc.host, "wrong-password-9"
			arn := w.secret("refused-"+strings.ReplaceAll(tc.name, " ", "-"), dbSecret("postgres", src))
			r := w.run(w.dataSource(strings.ReplaceAll(tc.name, " ", "-"), redshift(arn, rf(d.Source.Database, ""))))
			if r.Status != types.DataSourceRunStatusFailed || r.ErrorMessage == nil || r.ErrorMessage.ErrorType != types.DataSourceErrorTypeAccessDeniedException {
				t.Fatalf("run = %s %+v, want FAILED ACCESS_DENIED_EXCEPTION", r.Status, r.ErrorMessage)
			}
			msg := aws.ToString(r.ErrorMessage.ErrorDetail)
			for _, s := range tc.says {
				if !strings.Contains(msg, s) {
					t.Errorf("errorDetail %q does not say %q", msg, s)
				}
			}
			if strings.Contains(msg, "wrong-password-9") {
				t.Errorf("errorDetail shows the password: %q", msg)
			}
		})
	}
	if proxy.Accepted() != 0 {
		t.Error("the socket was reached")
	}
}
