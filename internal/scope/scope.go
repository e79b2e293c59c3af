// Package scope names where an AWS resource lives: one account in one region. Every stored
// resource (façade documents, secrets, runs, schedules, the Glue catalog, crawlers) belongs to
// one Scope; a request acts in the scope of its caller (the access key's account and the region
// of the SigV4 credential scope), so a resource of another account or region is not found.
package scope

import "strings"

// Scope is one account in one region.
type Scope struct {
	Account string
	Region  string
}

// ARN returns "arn:aws:<service>:<region>:<account>:<resource>".
func (s Scope) ARN(service, resource string) string {
	return "arn:aws:" + service + ":" + s.Region + ":" + s.Account + ":" + resource
}

// String is "<account>/<region>", e.g. for pagination token scopes and log lines.
func (s Scope) String() string { return s.Account + "/" + s.Region }

// Valid reports whether both the account and the region are set.
func (s Scope) Valid() bool { return s.Account != "" && s.Region != "" }

// Of returns the scope an ARN names (its account and region), and whether the ARN has them.
func Of(arn string) (Scope, bool) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 || parts[0] != "arn" {
		return Scope{}, false
	}
	return Scope{Account: parts[4], Region: parts[3]}, parts[3] != "" && parts[4] != ""
}
