package main

import (
	"github.com/spf13/pflag"

	"github.com/surveyorhq/surveyor/internal/outbound"
)

// outboundFlags are the options of the outbound policy, shared by serve, scan and diff.
type outboundFlags struct {
	allow, deny []string
	sockets     bool
}

func (o *outboundFlags) register(f *pflag.FlagSet) {
	f.StringSliceVar(&o.allow, "allow-hosts", nil, "sources may connect to these hosts even when --deny-hosts denies them: CIDRs, IP addresses, host names, *.domain, or loopback, private, link-local, metadata")
	f.StringSliceVar(&o.deny, "deny-hosts", outbound.DefaultDeny, "sources may not connect to these hosts, checked on the addresses names resolve to: CIDRs, IP addresses, host names, *.domain, or loopback, private, link-local, metadata, all (--deny-hosts= denies nothing)")
	f.BoolVar(&o.sockets, "allow-sockets", false, "let sources use Unix sockets (a PostgreSQL or MySQL host that is a path); a socket usually trusts the local user, so the source's password is not checked")
}

func (o *outboundFlags) policy() (*outbound.Policy, error) {
	return outbound.New(o.allow, o.deny, o.sockets)
}
