package mysql

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/surveyorhq/surveyor/internal/connector"
	"github.com/surveyorhq/surveyor/internal/outbound"
	"github.com/surveyorhq/surveyor/internal/testdb"
)

// A host that is a socket path reaches the server's socket, where MariaDB lets the operating
// system's root in without a password (unix_socket): refused unless sockets are allowed. The
// socket here is a proxy to the test server, to see it is reached only when allowed.
func TestSocketHostRefusedUnlessAllowed(t *testing.T) {
	d := newFixture(t)
	proxy, dir := testdb.NewSocketProxy(t, d.Source, "mysqld.sock")
	src := d.Source
	src.Host = filepath.Join(dir, "mysqld.sock")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	allowed := connector.Options{ConnectTimeout: 5 * time.Second}
	allowed.Outbound, _ = outbound.New(nil, nil, true)
	if _, err := New().Discover(ctx, src, allowed); err != nil {
		t.Fatalf("with sockets allowed: %v", err)
	}
	before := proxy.Accepted()
	if before == 0 {
		t.Fatal("the socket was not used: the test shows nothing")
	}
	opts := connector.Options{ConnectTimeout: 5 * time.Second}
	_, err := New().Discover(ctx, src, opts)
	var re *outbound.RefusedError
	if !errors.As(err, &re) || re.Socket == "" || connector.KindOf(err) != connector.PermissionDenied {
		t.Fatalf("Discover = %v (kind %s), want a socket refusal, permission denied", err, connector.KindOf(err))
	}
	if err := New().Ping(ctx, src, opts); !outbound.IsRefused(err) {
		t.Fatalf("Ping = %v, want refused", err)
	}
	if proxy.Accepted() != before {
		t.Fatal("the socket was reached")
	}
}

// A name resolving into a denied network is refused on the address it resolves to.
func TestDeniedAddressThroughAName(t *testing.T) {
	d := newFixture(t)
	src := d.Source
	src.Host = "localhost"
	opts := connector.Options{ConnectTimeout: 5 * time.Second}
	opts.Outbound, _ = outbound.New(nil, []string{"127.0.0.0/8", "::1"}, false)
	_, err := New().Discover(context.Background(), src, opts)
	if !outbound.IsRefused(err) || !strings.Contains(err.Error(), "the outbound policy refuses host localhost: it resolves to") {
		t.Fatalf("Discover = %v, want localhost refused on its address", err)
	}
}
