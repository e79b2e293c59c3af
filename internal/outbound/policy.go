// Package outbound is the policy every connection a scan opens must pass: which hosts and
// addresses a source may name, and whether a Unix socket may be used. Connectors dial through a
// Dialer, which checks the address actually dialled after DNS resolution, so a host name cannot
// smuggle in a denied address and a DNS answer that changes between the check and the dial
// changes nothing (the checked address is the one connected to).
//
// Rules are CIDRs, IP addresses, host names ("db.example.com", "*.example.com") or named sets
// (loopback, private, link-local, metadata, all). A connection is allowed when an allow rule
// matches it, refused when a deny rule matches it, and allowed otherwise: allow rules are the
// exceptions to the deny rules, so "--deny-hosts all --allow-hosts 10.1.2.0/24" allows only
// that network. A host-name rule matches the name a source gave; an address rule matches every
// address the connection is made to, whatever name led there.
package outbound

import (
	"fmt"
	"net/netip"
	"strings"
)

// Named sets a rule may use instead of CIDRs.
var sets = map[string][]string{
	// loopback: this machine, including the unspecified addresses, which reach it too.
	"loopback": {"127.0.0.0/8", "::1/128", "0.0.0.0/8", "::/128"},
	// private: RFC 1918, shared address space (CGNAT) and IPv6 unique local addresses.
	"private": {"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7"},
	// link-local: includes the cloud instance metadata service at 169.254.169.254.
	"link-local": {"169.254.0.0/16", "fe80::/10"},
	// metadata: the instance metadata services of AWS (IPv4, IPv6), GCP, Azure and Alibaba.
	"metadata": {"169.254.169.254/32", "fd00:ec2::254/128", "100.100.100.200/32"},
	"all":      {"0.0.0.0/0", "::/0"},
}

// DefaultDeny is what --deny-hosts denies when it is not given: the link-local range and the
// cloud metadata services, which no database or bucket a single user scans lives on, and which
// hand out a machine's cloud credentials to whoever asks.
var DefaultDeny = []string{"link-local", "metadata"}

// Policy says which outbound connections a scan may make. The zero value allows every TCP
// connection and refuses Unix sockets; a nil *Policy is Default().
type Policy struct {
	// AllowSockets lets a source name a Unix socket (a PostgreSQL host that is a directory).
	// A socket usually authenticates by the operating system user (peer) or not at all
	// (trust), so a source's own password would not be checked.
	AllowSockets bool
	Allow        []Rule
	Deny         []Rule
}

// Rule is one allow or deny entry: a network or a host name pattern.
type Rule struct {
	// Text is the rule as it was given ("10.0.0.0/8", "private", "*.corp.example"); Flag is the
	// option it came from ("--deny-hosts"); both are for messages.
	Text string
	Flag string
	// Prefixes are the networks of an address rule; Host the pattern of a host-name rule: a
	// lower-case name, or ".example.com" for any name below example.com.
	Prefixes []netip.Prefix
	Host     string
}

// Default is the policy when no option is given: Unix sockets refused, DefaultDeny denied.
func Default() *Policy {
	p, err := New(nil, DefaultDeny, false)
	if err != nil {
		panic(err) // DefaultDeny is constant
	}
	return p
}

// New builds a policy from --allow-hosts and --deny-hosts entries. Each entry is a CIDR, an IP
// address, a host name, "*.domain" or a named set; a comma-separated entry is split.
func New(allow, deny []string, allowSockets bool) (*Policy, error) {
	p := &Policy{AllowSockets: allowSockets}
	var err error
	if p.Allow, err = parseRules("--allow-hosts", allow); err != nil {
		return nil, err
	}
	if p.Deny, err = parseRules("--deny-hosts", deny); err != nil {
		return nil, err
	}
	return p, nil
}

func parseRules(flag string, entries []string) ([]Rule, error) {
	var rules []Rule
	for _, entry := range entries {
		for _, text := range strings.Split(entry, ",") {
			text = strings.TrimSpace(text)
			if text == "" {
				continue
			}
			r, err := parseRule(text)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", flag, err)
			}
			r.Flag = flag
			rules = append(rules, r)
		}
	}
	return rules, nil
}

func parseRule(text string) (Rule, error) {
	r := Rule{Text: text}
	lower := strings.ToLower(text)
	if cidrs, ok := sets[lower]; ok {
		r.Text = lower
		for _, c := range cidrs {
			r.Prefixes = append(r.Prefixes, netip.MustParsePrefix(c))
		}
		return r, nil
	}
	if pfx, err := netip.ParsePrefix(text); err == nil {
		r.Prefixes = []netip.Prefix{pfx.Masked()}
		return r, nil
	}
	if addr, err := netip.ParseAddr(strings.Trim(text, "[]")); err == nil {
		addr = addr.Unmap().WithZone("")
		r.Prefixes = []netip.Prefix{netip.PrefixFrom(addr, addr.BitLen())}
		return r, nil
	}
	host := normalizeName(lower)
	if rest, ok := strings.CutPrefix(host, "*."); ok {
		host = "." + rest
	}
	if !validPattern(host) {
		return Rule{}, fmt.Errorf("%q is not a CIDR, an IP address, a host name, *.domain or one of loopback, private, link-local, metadata, all", text)
	}
	r.Host = host
	return r, nil
}

func validPattern(host string) bool {
	name := strings.TrimPrefix(host, ".")
	if name == "" || len(name) > 253 {
		return false
	}
	for _, label := range strings.Split(name, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, c := range label {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}

func normalizeName(host string) string {
	return strings.TrimSuffix(strings.ToLower(host), ".")
}

// matchesName reports whether a host-name rule matches name (normalized).
func (r Rule) matchesName(name string) bool {
	if r.Host == "" || name == "" {
		return false
	}
	if strings.HasPrefix(r.Host, ".") {
		return strings.HasSuffix(name, r.Host)
	}
	return name == r.Host
}

func (r Rule) matchesAddr(addr netip.Addr) bool {
	for _, p := range r.Prefixes {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

func (r Rule) String() string { return r.Flag + " " + r.Text }

func (p *Policy) orDefault() *Policy {
	if p == nil {
		return Default()
	}
	return p
}

// CheckSocket refuses a Unix socket unless AllowSockets.
func (p *Policy) CheckSocket(path string) error {
	if p.orDefault().AllowSockets {
		return nil
	}
	return &RefusedError{Socket: path}
}

// CheckName checks a host name (not an address) against the host-name rules. Addresses are
// checked by CheckAddr once the name is resolved.
func (p *Policy) CheckName(host string) error {
	p = p.orDefault()
	name := normalizeName(host)
	for _, r := range p.Allow {
		if r.matchesName(name) {
			return nil
		}
	}
	for _, r := range p.Deny {
		if r.matchesName(name) {
			return &RefusedError{Host: host, Rule: r.String()}
		}
	}
	return nil
}

// CheckAddr checks an address a connection is about to be made to; host is the name that led
// to it ("" for an address given as such), which an allow rule may name.
func (p *Policy) CheckAddr(host string, addr netip.Addr) error {
	p = p.orDefault()
	addr = addr.Unmap().WithZone("")
	name := normalizeName(host)
	for _, r := range p.Allow {
		if r.matchesAddr(addr) || r.matchesName(name) {
			return nil
		}
	}
	for _, r := range p.Deny {
		if r.matchesAddr(addr) {
			return &RefusedError{Host: host, Addr: addr.String(), Rule: r.String()}
		}
	}
	return nil
}

// RefusedError is a connection the policy refused. Its message names the host, the address and
// the rule; it never holds a secret (a policy sees only where a connection goes).
type RefusedError struct {
	Host   string // the name the source gave, "" for an address
	Addr   string // the address refused, "" when the name itself was
	Socket string // the socket path, for a refused Unix socket
	Rule   string // "--deny-hosts 10.0.0.0/8"
}

func (e *RefusedError) Error() string {
	switch {
	case e.Socket != "":
		return fmt.Sprintf("the outbound policy refuses Unix socket %s: sources may not use local sockets unless the server allows them (--allow-sockets)", e.Socket)
	case e.Addr == "":
		return fmt.Sprintf("the outbound policy refuses host %s (%s)", e.Host, e.Rule)
	case e.Host == "" || e.Host == e.Addr:
		return fmt.Sprintf("the outbound policy refuses address %s (%s)", e.Addr, e.Rule)
	}
	return fmt.Sprintf("the outbound policy refuses host %s: it resolves to %s (%s)", e.Host, e.Addr, e.Rule)
}
