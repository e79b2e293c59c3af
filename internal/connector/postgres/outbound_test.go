package postgres_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/surveyorhq/surveyor/internal/connector"
	"github.com/surveyorhq/surveyor/internal/connector/postgres"
	"github.com/surveyorhq/surveyor/internal/outbound"
	"github.com/surveyorhq/surveyor/internal/testdb"
)

// The attack: a secret whose host is a socket directory reaches a socket that trusts whoever
// connects, so a wrong password reads the database. The socket here is a stand-in for the
// server's own (a proxy to it); the policy refuses it unless sockets are allowed.
func TestSocketHostRefusedUnlessAllowed(t *testing.T) {
	d := testdb.New(t, connector.Postgres, "pgsock")
	d.Exec(t, "CREATE TABLE secret_stuff (id int)")
	proxy, dir := testdb.NewSocketProxy(t, d.Source, ".s.PGSQL.5432")
	src := d.Source
	src.Host, src.Port, src.Password = dir, 5432, "not-the-password"

	allowed := testOptions()
	allowed.Outbound, _ = outbound.New(nil, nil, true)
	if snap := discover(t, src, allowed); findTable(snap, "public", "secret_stuff") == nil {
		t.Fatal("with sockets allowed, the trusting socket was not read: the test reproduces nothing")
	}
	before := proxy.Accepted()

	for name, policy := range map[string]*outbound.Policy{"default": nil, "no rules": {}} {
		t.Run(name, func(t *testing.T) {
			opts := testOptions()
			opts.Outbound = policy
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			_, err := postgres.New().Discover(ctx, src, opts)
			var re *outbound.RefusedError
			if !errors.As(err, &re) || re.Socket == "" {
				t.Fatalf("Discover = %v, want a socket refusal", err)
			}
			if connector.KindOf(err) != connector.PermissionDenied {
				t.Errorf("kind = %s, want %s", connector.KindOf(err), connector.PermissionDenied)
			}
			if msg := err.Error(); !strings.Contains(msg, "--allow-sockets") || strings.Contains(msg, "not-the-password") {
				t.Errorf("message = %q", msg)
			}
			if err := postgres.New().Ping(ctx, src, opts); !outbound.IsRefused(err) {
				t.Errorf("Ping = %v, want refused", err)
			}
		})
	}
	if proxy.Accepted() != before {
		t.Fatal("the socket was reached")
	}
}

// The attack: a denied network reached through a host name that resolves into it. "localhost"
// resolves to the loopback addresses, which the policy denies; the same server by a name the
// policy allows is read.
func TestDeniedAddressThroughAName(t *testing.T) {
	d := testdb.New(t, connector.Postgres, "pgname")
	src := d.Source
	src.Host = "localhost"
	opts := testOptions()
	opts.Outbound, _ = outbound.New(nil, []string{"loopback"}, false)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err := postgres.New().Discover(ctx, src, opts)
	var re *outbound.RefusedError
	if !errors.As(err, &re) || re.Host != "localhost" || re.Rule != "--deny-hosts loopback" {
		t.Fatalf("Discover = %v, want localhost refused by --deny-hosts loopback", err)
	}
	if want := "the outbound policy refuses host localhost: it resolves to "; !strings.Contains(err.Error(), want) || connector.KindOf(err) != connector.PermissionDenied {
		t.Errorf("error = %q (%s), want %q, permission denied", err, connector.KindOf(err), want)
	}
	// Several hosts, each refused: the first refusal is the one reported.
	src.Host = "localhost,127.0.0.1"
	if _, err := postgres.New().Discover(ctx, src, opts); !outbound.IsRefused(err) {
		t.Fatalf("Discover of a host list = %v, want refused", err)
	}
	// Allowed by name, the same server is read.
	src.Host = "localhost"
	opts.Outbound, _ = outbound.New([]string{"localhost"}, []string{"all"}, false)
	discover(t, src, opts)
}

func TestParamsCannotRedirectTheConnection(t *testing.T) {
	d := testdb.New(t, connector.Postgres, "pgparam")
	for _, k := range []string{"host", "hostaddr", "port", "service", "servicefile"} {
		src := d.Source
		src.Params = map[string]string{k: "/tmp"}
		_, err := postgres.New().Discover(context.Background(), src, testOptions())
		if connector.KindOf(err) != connector.Unsupported || !strings.Contains(err.Error(), k) {
			t.Errorf("param %s: %v, want it refused as unsupported", k, err)
		}
	}
}
