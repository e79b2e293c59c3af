// Package partexpr parses and evaluates the Expression of Glue's GetPartitions: a SQL WHERE
// subset over a table's partition keys — comparisons (= <> != < <= > >=), AND, OR, NOT,
// parentheses, IN, BETWEEN, LIKE and IS [NOT] NULL — with string literals in single quotes and
// numbers. Comparisons are typed by the key's type, as Glue documents: string (char, varchar),
// date, timestamp, tinyint, smallint, int, bigint (long) and decimal; a key of another type
// cannot be used. A partition value that does not parse as its key's type matches no
// comparison; the Hive null partition (__HIVE_DEFAULT_PARTITION__) is the one IS NULL matches.
//
//	f, err := partexpr.Parse("year = '2024' AND month BETWEEN '03' AND '06'", keys)
//	f.Match([]string{"2024", "04"}) // true
//	f.Prefix()                      // ["2024"]: partitions outside it cannot match
package partexpr

import (
	"fmt"
	"strings"
)

// Key is a partition key: its name and Hive type.
type Key struct {
	Name string
	Type string
}

// NullValue is the value Hive stores for a null partition key.
const NullValue = "__HIVE_DEFAULT_PARTITION__"

// SyntaxError is an expression that cannot be parsed or typed.
type SyntaxError struct {
	Pos int // byte offset
	Msg string
}

func (e *SyntaxError) Error() string { return fmt.Sprintf("%s (at offset %d)", e.Msg, e.Pos) }

// Filter is a parsed expression.
type Filter struct {
	root   node
	equal  map[int]string
	prefix []string
}

// Match reports whether the partition with values (in key order) satisfies the expression.
func (f *Filter) Match(values []string) bool { return f.root.eval(values) == vTrue }

// Prefix returns the values of the leading string keys the expression fixes by equality in its
// top-level conjunction: every matching partition starts with them, so a scan can be narrowed
// to that prefix. Empty when the expression fixes none.
func (f *Filter) Prefix() []string { return f.prefix }

// Equal returns the values the expression's top-level conjunction fixes by equality on string
// keys, by key position: every matching partition has them, so a store can filter on them
// before Match is asked.
func (f *Filter) Equal() map[int]string { return f.equal }

// MaxLength is the longest expression accepted (the model's limit).
const MaxLength = 2048

// Parse parses expr against the table's partition keys. An empty expression matches every
// partition.
func Parse(expr string, keys []Key) (*Filter, error) {
	if strings.TrimSpace(expr) == "" {
		return &Filter{root: constNode(vTrue)}, nil
	}
	toks, err := lex(expr)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks, keys: keys}
	root, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tEOF {
		return nil, &SyntaxError{Pos: t.pos, Msg: fmt.Sprintf("unexpected %q", t.text)}
	}
	fixed := equalities(root, keys)
	return &Filter{root: root, equal: fixed, prefix: leading(fixed, len(keys))}, nil
}

// equalities collects, over the top-level AND, equalities between a string key and a literal.
func equalities(root node, keys []Key) map[int]string {
	fixed := map[int]string{}
	var walk func(n node)
	walk = func(n node) {
		switch n := n.(type) {
		case *andNode:
			walk(n.l)
			walk(n.r)
		case *cmpNode:
			if n.op == "=" && keys[n.key].typ().kind == kString {
				fixed[n.key] = n.lit.s
			}
		}
	}
	walk(root)
	return fixed
}

// leading returns the values of the longest run of leading keys fixed.
func leading(fixed map[int]string, n int) []string {
	var out []string
	for i := range n {
		v, ok := fixed[i]
		if !ok {
			break
		}
		out = append(out, v)
	}
	return out
}
