package outbound

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strings"
	"testing"
)

func TestPolicyChecksAddresses(t *testing.T) {
	for _, tc := range []struct {
		name        string
		allow, deny []string
		host, addr  string
		refusedBy   string // "" when allowed
	}{
		{name: "default allows loopback", deny: DefaultDeny, addr: "127.0.0.1"},
		{name: "default allows private", deny: DefaultDeny, addr: "10.1.2.3"},
		{name: "default denies metadata", deny: DefaultDeny, addr: "169.254.169.254", refusedBy: "--deny-hosts link-local"},
		{name: "default denies IPv6 metadata", deny: DefaultDeny, addr: "fd00:ec2::254", refusedBy: "--deny-hosts metadata"},
		{name: "IPv4-mapped IPv6 is the IPv4 address", deny: []string{"loopback"}, addr: "::ffff:127.0.0.1", refusedBy: "--deny-hosts loopback"},
		{name: "unspecified reaches this machine", deny: []string{"loopback"}, addr: "0.0.0.0", refusedBy: "--deny-hosts loopback"},
		{name: "cidr", deny: []string{"10.0.0.0/8"}, addr: "10.9.9.9", refusedBy: "--deny-hosts 10.0.0.0/8"},
		{name: "outside the cidr", deny: []string{"10.0.0.0/8"}, addr: "11.0.0.1"},
		{name: "single address", deny: []string{"192.0.2.7"}, addr: "192.0.2.7", refusedBy: "--deny-hosts 192.0.2.7"},
		{name: "name resolving to a denied address", deny: []string{"private"}, host: "db.example", addr: "10.0.0.5", refusedBy: "--deny-hosts private"},
		{name: "allow is the exception", allow: []string{"10.1.2.0/24"}, deny: []string{"all"}, addr: "10.1.2.9"},
		{name: "deny all but the exception", allow: []string{"10.1.2.0/24"}, deny: []string{"all"}, addr: "10.1.3.9", refusedBy: "--deny-hosts all"},
		{name: "allowed name lets its address through", allow: []string{"db.example"}, deny: []string{"private"}, host: "DB.example.", addr: "10.0.0.5"},
		{name: "allowed wildcard", allow: []string{"*.corp.example"}, deny: []string{"all"}, host: "pg.eu.corp.example", addr: "10.0.0.5"},
		{name: "wildcard is not the domain itself", allow: []string{"*.corp.example"}, deny: []string{"all"}, host: "corp.example", addr: "10.0.0.5", refusedBy: "--deny-hosts all"},
		{name: "another name to the same address", allow: []string{"db.example"}, deny: []string{"private"}, host: "evil.example", addr: "10.0.0.5", refusedBy: "--deny-hosts private"},
		{name: "no rules", addr: "169.254.169.254"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := New(tc.allow, tc.deny, false)
			if err != nil {
				t.Fatal(err)
			}
			err = p.CheckAddr(tc.host, netip.MustParseAddr(tc.addr))
			var re *RefusedError
			switch {
			case tc.refusedBy == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.refusedBy != "" && !errors.As(err, &re):
				t.Fatalf("err = %v, want a *RefusedError", err)
			case tc.refusedBy != "" && re.Rule != tc.refusedBy:
				t.Fatalf("refused by %q, want %q (%v)", re.Rule, tc.refusedBy, err)
			}
		})
	}
}

func TestPolicyChecksNames(t *testing.T) {
	p, err := New([]string{"ok.internal.example"}, []string{"*.internal.example", "metadata.google.internal"}, false)
	if err != nil {
		t.Fatal(err)
	}
	for host, refused := range map[string]bool{
		"metadata.google.internal":  true,
		"Metadata.Google.Internal.": true,
		"x.internal.example":        true,
		"ok.internal.example":       false,
		"db.example":                false,
	} {
		if err := p.CheckName(host); (err != nil) != refused {
			t.Errorf("CheckName(%q) = %v, want refused %v", host, err, refused)
		}
	}
}

func TestParseRules(t *testing.T) {
	for _, tc := range []struct {
		entry string
		err   string
	}{
		{entry: "10.0.0.0/8,  private , LOOPBACK"},
		{entry: "[::1]"},
		{entry: "fe80::/10"},
		{entry: "*.example.com"},
		{entry: "db_1.example.com"},
		{entry: "10.0.0.0/33", err: `"10.0.0.0/33" is not a CIDR`},
		{entry: "http://x", err: "is not a CIDR"},
		{entry: "a..b", err: "is not a CIDR"},
		{entry: "-a.example", err: "is not a CIDR"},
	} {
		t.Run(tc.entry, func(t *testing.T) {
			_, err := New(nil, []string{tc.entry}, false)
			if tc.err == "" && err != nil || tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)) {
				t.Fatalf("New(deny %q) = %v, want error containing %q", tc.entry, err, tc.err)
			}
			if err != nil && !strings.HasPrefix(err.Error(), "--deny-hosts: ") {
				t.Errorf("error does not name the flag: %v", err)
			}
		})
	}
}

func TestSocketsRefusedUnlessAllowed(t *testing.T) {
	var nilPolicy *Policy
	err := nilPolicy.CheckSocket("/var/run/postgresql/.s.PGSQL.5432")
	var re *RefusedError
	if !errors.As(err, &re) || re.Socket == "" || !strings.Contains(err.Error(), "--allow-sockets") {
		t.Fatalf("default policy: %v, want a socket refusal naming --allow-sockets", err)
	}
	p, _ := New(nil, nil, true)
	if err := p.CheckSocket("/tmp/x"); err != nil {
		t.Fatalf("allowed sockets: %v", err)
	}
}

// fakeDNS resolves names from a map; it counts lookups, so a test can see a name was resolved.
type fakeDNS map[string][]string

func (f fakeDNS) LookupNetIP(_ context.Context, _ string, host string) ([]netip.Addr, error) {
	var out []netip.Addr
	for _, a := range f[host] {
		out = append(out, netip.MustParseAddr(a))
	}
	if out == nil {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	return out, nil
}

// A name that resolves to a denied address is refused at the dial, and the listener never sees
// a connection; the same listener is reached through a name resolving to an allowed address.
func TestDialerChecksTheResolvedAddress(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan struct{}, 10)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted <- struct{}{}
			c.Close()
		}
	}()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	dns := fakeDNS{"sneaky.example": {"127.0.0.1"}, "mixed.example": {"169.254.169.254", "127.0.0.1"}, "meta.example": {"169.254.169.254"}}
	deny, _ := New(nil, []string{"loopback"}, false)
	d := &Dialer{Policy: deny, Resolver: dns}
	ctx := context.Background()
	for _, addr := range []string{"sneaky.example:" + port, "127.0.0.1:" + port, "[::ffff:127.0.0.1]:" + port} {
		_, err := d.DialContext(ctx, "tcp", addr)
		var re *RefusedError
		if !errors.As(err, &re) || re.Rule != "--deny-hosts loopback" {
			t.Fatalf("dial %s: %v, want refused by --deny-hosts loopback", addr, err)
		}
	}
	if _, err := d.LookupHost(ctx, "sneaky.example"); !IsRefused(err) {
		t.Fatalf("LookupHost: %v, want refused", err)
	}
	if len(accepted) != 0 {
		t.Fatal("the listener was reached")
	}
	// The default policy lets the loopback through and skips a denied address among allowed ones.
	d = &Dialer{Policy: Default(), Resolver: dns}
	for _, addr := range []string{"sneaky.example:" + port, "mixed.example:" + port} {
		c, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			t.Fatalf("dial %s: %v", addr, err)
		}
		c.Close()
	}
	if _, err := d.DialContext(ctx, "tcp", "meta.example:80"); !IsRefused(err) || !strings.Contains(err.Error(), "meta.example: it resolves to 169.254.169.254") {
		t.Fatalf("dial meta.example: %v, want the refusal naming the host and its address", err)
	}
	if err := d.Check(ctx, "mixed.example"); !IsRefused(err) {
		t.Fatalf("Check(mixed.example) = %v, want refused (a proxy might use any address)", err)
	}
}

func TestDialerRefusesSockets(t *testing.T) {
	dir := t.TempDir()
	ln, err := net.Listen("unix", dir+"/s.sock")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	d := &Dialer{}
	if _, err := d.DialContext(context.Background(), "unix", dir+"/s.sock"); !IsRefused(err) {
		t.Fatalf("dial socket with the default policy: %v, want refused", err)
	}
	d.Policy, _ = New(nil, nil, true)
	c, err := d.DialContext(context.Background(), "unix", dir+"/s.sock")
	if err != nil {
		t.Fatalf("dial socket allowed: %v", err)
	}
	c.Close()
}

// Spellings of this machine's address that some parsers accept: with loopback denied, none
// reaches a listener on it, whether the dialer reads it as an address or asks DNS about it.
func TestObfuscatedLoopbackNeverConnects(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan struct{}, 10)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted <- struct{}{}
			c.Close()
		}
	}()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	deny, _ := New(nil, []string{"loopback"}, false)
	d := &Dialer{Policy: deny}
	for _, host := range []string{"127.1", "2130706433", "0x7f.1", "017700000001", "[::ffff:7f00:1]", "[::ffff:127.0.0.1]", "0.0.0.0", "[::]", "localhost", "LOCALHOST."} {
		if c, err := d.DialContext(context.Background(), "tcp", host+":"+port); err == nil {
			c.Close()
			t.Errorf("dial %s connected", host)
		}
	}
	if len(accepted) != 0 {
		t.Fatalf("the listener was reached %d times", len(accepted))
	}
}
