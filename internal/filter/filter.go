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

// Filter is an ordered list of rules. The zero Filter includes everything. Build one with New,
// which compiles every pattern once; a Filter literal works too, but compiles its patterns on
// every call.
type Filter struct {
	Rules []Rule
	// compiled is Rules compiled by New; nil for a literal.
	compiled *compiled
}

// New returns a Filter of rules with every pattern compiled once. The rules must not change
// afterwards.
func New(rules []Rule) Filter {
	return Filter{Rules: rules, compiled: compile(rules)}
}

// compiled is the rules with their patterns compiled.
type compiled struct {
	rules      []compiledRule
	hasInclude bool
}

type compiledRule struct {
	include                   bool
	database, namespace, name glob
	// tableAny is true when the table part matches every name ("" or "*").
	tableAny bool
}

func compile(rules []Rule) *compiled {
	c := &compiled{rules: make([]compiledRule, len(rules))}
	for i, r := range rules {
		c.rules[i] = compiledRule{include: r.Action == Include, database: compileGlob(r.Database),
			namespace: compileGlob(r.Namespace), name: compileGlob(r.Table), tableAny: r.Table == "" || r.Table == "*"}
		c.hasInclude = c.hasInclude || r.Action == Include
	}
	return c
}

func (f Filter) rules() *compiled {
	if f.compiled != nil {
		return f.compiled
	}
	return compile(f.Rules)
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

// Table reports whether the table database.namespace.name is selected: the last rule that
// matches decides, so the rules are tried from the last.
func (f Filter) Table(database, namespace, name string) bool {
	c := f.rules()
	for i := len(c.rules) - 1; i >= 0; i-- {
		r := &c.rules[i]
		if r.name.match(name) && r.namespace.match(namespace) && r.database.match(database) {
			return r.include
		}
	}
	return !c.hasInclude
}

// Namespace reports whether any table of database.namespace could be selected, so a connector
// can skip a whole namespace without reading it.
func (f Filter) Namespace(database, namespace string) bool {
	c := f.rules()
	if !c.hasInclude {
		// Only an EXCLUDE of every table of the namespace, with no INCLUDE after it, rules it out;
		// without INCLUDE rules there is none after it.
		for _, r := range c.rules {
			if !r.include && r.tableAny && r.database.match(database) && r.namespace.match(namespace) {
				return false
			}
		}
		return true
	}
	for _, r := range c.rules {
		if r.include && r.database.match(database) && r.namespace.match(namespace) {
			return true
		}
	}
	return false
}

// IsZero reports whether the filter has no rules and so selects everything.
func (f Filter) IsZero() bool { return len(f.Rules) == 0 }

// glob is a compiled pattern in which '*' matches any run of characters (including none). It
// matches in time linear in the name's length: the literal pieces between stars are found left
// to right, each at its first place after the previous one, which is enough for patterns with
// '*' as the only wildcard (no backtracking is ever needed).
type glob struct {
	any    bool     // "" or only stars: matches everything
	exact  bool     // no star: the whole name
	prefix string   // before the first star
	middle []string // between stars, non-empty pieces
	suffix string   // after the last star
	min    int      // the shortest name that can match
}

func compileGlob(pattern string) glob {
	if strings.Trim(pattern, "*") == "" {
		return glob{any: true}
	}
	parts := strings.Split(pattern, "*")
	if len(parts) == 1 {
		return glob{exact: true, prefix: pattern, min: len(pattern)}
	}
	g := glob{prefix: parts[0], suffix: parts[len(parts)-1]}
	for _, p := range parts[1 : len(parts)-1] {
		if p != "" {
			g.middle = append(g.middle, p)
		}
	}
	g.min = len(g.prefix) + len(g.suffix)
	for _, p := range g.middle {
		g.min += len(p)
	}
	return g
}

func (g *glob) match(name string) bool {
	switch {
	case g.any:
		return true
	case g.exact:
		return name == g.prefix
	case len(name) < g.min || !strings.HasPrefix(name, g.prefix) || !strings.HasSuffix(name, g.suffix):
		return false
	}
	// The middle pieces must fit, in order, between the prefix and the suffix.
	rest := name[len(g.prefix) : len(name)-len(g.suffix)]
	for _, p := range g.middle {
		i := strings.Index(rest, p)
		if i < 0 {
			return false
		}
		rest = rest[i+len(p):]
	}
	return true
}

// match reports whether name matches the pattern; an empty pattern matches anything. Matching is
// case-sensitive, as catalog names are.
func match(pattern, name string) bool {
	g := compileGlob(pattern)
	return g.match(name)
}
