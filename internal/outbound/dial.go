package outbound

import (
	"cmp"
	"context"
	"errors"
	"net"
	"net/netip"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Resolver turns a host name into addresses; *net.Resolver is one.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// Dialer opens connections the policy allows. Every TCP connection is made to an address the
// policy checked (a name is resolved here, its addresses checked, and a checked address
// dialled); the socket's own address is checked once more just before connecting, so nothing
// reaches an address the policy refuses.
type Dialer struct {
	Policy  *Policy
	Timeout time.Duration
	// Resolver resolves host names; nil is net.DefaultResolver.
	Resolver Resolver

	// names are the addresses LookupHost handed out, with the name each was resolved from: a
	// caller that resolves first and dials addresses after (pgx) is checked, at the dial, with
	// the name that led there, so a rule allowing that name still applies.
	mu    sync.Mutex
	names map[netip.Addr]string
}

func (d *Dialer) resolver() Resolver {
	if d.Resolver == nil {
		return net.DefaultResolver
	}
	return d.Resolver
}

// DialContext connects to address on network ("tcp", "tcp4", "tcp6" or "unix") when the policy
// allows it. A refusal is a *RefusedError.
func (d *Dialer) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	if strings.HasPrefix(network, "unix") {
		if err := d.Policy.CheckSocket(address); err != nil {
			return nil, err
		}
		return d.netDialer("").DialContext(ctx, network, address)
	}
	host, port, err := net.SplitHostPort(address)
	if err != nil {
		return nil, err
	}
	if a, err := netip.ParseAddr(host); err == nil {
		d.mu.Lock()
		if name, ok := d.names[a.Unmap()]; ok {
			host = name
		}
		d.mu.Unlock()
		addrs := []netip.Addr{a.Unmap()}
		if err := d.Policy.CheckAddr(host, a); err != nil {
			return nil, err
		}
		return d.dial(ctx, network, host, port, addrs)
	}
	addrs, err := d.lookup(ctx, network, host)
	if err != nil {
		return nil, err
	}
	return d.dial(ctx, network, host, port, addrs)
}

// dial connects to the first of addrs that answers; host is the name that led to them.
func (d *Dialer) dial(ctx context.Context, network, host, port string, addrs []netip.Addr) (net.Conn, error) {
	var first error
	for _, a := range addrs {
		conn, err := d.netDialer(host).DialContext(ctx, network, net.JoinHostPort(a.String(), port))
		if err == nil {
			return conn, nil
		}
		if first == nil {
			first = err
		}
		if ctx.Err() != nil {
			break
		}
	}
	return nil, first
}

// LookupHost resolves host to the addresses the policy allows, as strings: a pgx LookupFunc.
func (d *Dialer) LookupHost(ctx context.Context, host string) ([]string, error) {
	addrs, err := d.lookup(ctx, "ip", host)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(addrs))
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.names == nil {
		d.names = map[netip.Addr]string{}
	}
	for i, a := range addrs {
		out[i] = a.String()
		d.names[a] = host
	}
	return out, nil
}

// Check resolves host and checks it and all its addresses, for a connection this process does
// not make itself (an HTTP proxy makes it). Unlike a dial, any refused address refuses it.
func (d *Dialer) Check(ctx context.Context, host string) error {
	if err := d.Policy.CheckName(host); err != nil {
		return err
	}
	addrs, err := d.resolve(ctx, "ip", host)
	if err != nil {
		return err
	}
	for _, a := range addrs {
		if err := d.Policy.CheckAddr(host, a); err != nil {
			return err
		}
	}
	return nil
}

// lookup checks host's name, resolves it and keeps the addresses the policy allows; when it
// allows none, the refusal of the first is the error.
func (d *Dialer) lookup(ctx context.Context, network, host string) ([]netip.Addr, error) {
	if err := d.Policy.CheckName(host); err != nil {
		return nil, err
	}
	addrs, err := d.resolve(ctx, network, host)
	if err != nil {
		return nil, err
	}
	var allowed []netip.Addr
	var refused error
	for _, a := range addrs {
		if err := d.Policy.CheckAddr(host, a); err != nil {
			refused = cmp.Or(refused, err)
			continue
		}
		allowed = append(allowed, a)
	}
	if len(allowed) == 0 {
		return nil, refused
	}
	return allowed, nil
}

func (d *Dialer) resolve(ctx context.Context, network, host string) ([]netip.Addr, error) {
	if a, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil {
		return []netip.Addr{a.Unmap()}, nil
	}
	ipNet := "ip"
	switch network {
	case "tcp4", "ip4":
		ipNet = "ip4"
	case "tcp6", "ip6":
		ipNet = "ip6"
	}
	addrs, err := d.resolver().LookupNetIP(ctx, ipNet, host)
	if err != nil {
		return nil, err
	}
	if len(addrs) == 0 {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	for i, a := range addrs {
		// The resolver may answer an IPv4 address in its IPv6 form (::ffff:10.0.0.1).
		addrs[i] = a.Unmap()
	}
	return addrs, nil
}

// netDialer dials one address; its Control hook checks the socket's address just before the
// connection is made, the last word whatever the caller resolved.
func (d *Dialer) netDialer(host string) *net.Dialer {
	return &net.Dialer{Timeout: d.Timeout, Control: func(network, address string, _ syscall.RawConn) error {
		if strings.HasPrefix(network, "unix") {
			return d.Policy.CheckSocket(address)
		}
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return &RefusedError{Host: host, Addr: address, Rule: "an address the policy cannot read"}
		}
		return d.Policy.CheckAddr(host, ap.Addr())
	}}
}

// IsRefused reports whether err is, or wraps, a refusal of the policy.
func IsRefused(err error) bool {
	var re *RefusedError
	return errors.As(err, &re)
}
