// Package filter selects which databases, namespaces and tables a discovery reads: an ordered list
// of INCLUDE and EXCLUDE rules with `*` wildcards, like DataZone's relationalFilterConfigurations.
//
// Rules are applied in order and the last rule that matches a table decides. A table no rule
// matches is included when the filter has no INCLUDE rule, and excluded otherwise. So
// [EXCLUDE tmp_*] keeps everything but tmp_ tables, [INCLUDE sales.*] keeps only the sales
// namespace, and [INCLUDE *, EXCLUDE *_old, INCLUDE orders_old] keeps orders_old too.
package filter

import (
	"fmt"
	"strings"
)

// Action is what a matching rule does.
type Action string

// The two actions.
const (
	Include Action = "INCLUDE"
	Exclude Action = "EXCLUDE"
)

// Rule matches tables by database, namespace and table name. Each part is a glob in which `*`
// matches any run of characters (including none); an empty part matches anything.
type Rule struct {
	Action    Action
	Database  string
	Namespace string
	Table     string
}

// Filter is an ordered list of rules. The zero Filter includes everything.
type Filter struct {
	Rules []Rule
}

// ParsePattern reads a CLI pattern: "table", "namespace.table" or "database.namespace.table",
// each part a glob. Missing leading parts match anything.
func ParsePattern(a Action, pattern string) (Rule, error) {
	if pattern == "" {
		return Rule{}, fmt.Errorf("empty %s pattern", strings.ToLower(string(a)))
	}
	parts := strings.Split(pattern, ".")
	r := Rule{Action: a}
	switch len(parts) {
	case 1:
		r.Table = parts[0]
	case 2:
		r.Namespace, r.Table = parts[0], parts[1]
	case 3:
		r.Database, r.Namespace, r.Table = parts[0], parts[1], parts[2]
	default:
		return Rule{}, fmt.Errorf("pattern %q has %d dot-separated parts; use table, namespace.table or database.namespace.table", pattern, len(parts))
	}
	for _, p := range parts {
		if p == "" {
			return Rule{}, fmt.Errorf("pattern %q has an empty part", pattern)
		}
	}
	return r, nil
}

// Table reports whether the table database.namespace.name is selected.
func (f Filter) Table(database, namespace, name string) bool {
	decided, in := false, false
	for _, r := range f.Rules {
		if match(r.Database, database) && match(r.Namespace, namespace) && match(r.Table, name) {
			decided, in = true, r.Action == Include
		}
	}
	if decided {
		return in
	}
	return !f.hasInclude()
}

// Namespace reports whether any table of database.namespace could be selected, so a connector
// can skip a whole namespace without reading it.
func (f Filter) Namespace(database, namespace string) bool {
	if !f.hasInclude() {
		// Only an EXCLUDE of every table of the namespace, with no INCLUDE after it, rules it out;
		// without INCLUDE rules there is none after it.
		for _, r := range f.Rules {
			if r.Action == Exclude && match(r.Database, database) && match(r.Namespace, namespace) && (r.Table == "" || r.Table == "*") {
				return false
			}
		}
		return true
	}
	for _, r := range f.Rules {
		if r.Action == Include && match(r.Database, database) && match(r.Namespace, namespace) {
			return true
		}
	}
	return false
}

func (f Filter) hasInclude() bool {
	for _, r := range f.Rules {
		if r.Action == Include {
			return true
		}
	}
	return false
}

// IsZero reports whether the filter has no rules and so selects everything.
func (f Filter) IsZero() bool { return len(f.Rules) == 0 }

// match reports whether name matches the glob, in which `*` matches any run of characters.
// An empty glob matches anything. Matching is case-sensitive, as catalog names are.
func match(glob, name string) bool {
	if glob == "" || glob == "*" {
		return true
	}
	parts := strings.Split(glob, "*")
	if len(parts) == 1 {
		return glob == name
	}
	if !strings.HasPrefix(name, parts[0]) {
		return false
	}
	name = name[len(parts[0]):]
	last := parts[len(parts)-1]
	for _, p := range parts[1 : len(parts)-1] {
		i := strings.Index(name, p)
		if i < 0 {
			return false
		}
		name = name[i+len(p):]
	}
	return strings.HasSuffix(name, last)
}
