package partexpr

import (
	"regexp"
)

// truth is SQL's three-valued logic: a comparison with a null partition value is unknown.
type truth int

const (
	vFalse truth = iota
	vTrue
	vUnknown
)

func (t truth) not() truth {
	switch t {
	case vTrue:
		return vFalse
	case vFalse:
		return vTrue
	}
	return vUnknown
}

func boolTruth(b bool) truth {
	if b {
		return vTrue
	}
	return vFalse
}

type node interface {
	eval(values []string) truth
}

type constNode truth

func (c constNode) eval([]string) truth { return truth(c) }

type andNode struct{ l, r node }

func (n *andNode) eval(v []string) truth {
	l := n.l.eval(v)
	if l == vFalse {
		return vFalse
	}
	r := n.r.eval(v)
	switch {
	case r == vFalse:
		return vFalse
	case l == vTrue && r == vTrue:
		return vTrue
	}
	return vUnknown
}

type orNode struct{ l, r node }

func (n *orNode) eval(v []string) truth {
	l := n.l.eval(v)
	if l == vTrue {
		return vTrue
	}
	r := n.r.eval(v)
	switch {
	case r == vTrue:
		return vTrue
	case l == vFalse && r == vFalse:
		return vFalse
	}
	return vUnknown
}

type notNode struct{ n node }

func (n *notNode) eval(v []string) truth { return n.n.eval(v).not() }

// operand reads the typed value of a key from a partition's values; null is the Hive null
// partition, ok false a value that is not of the key's type (it matches nothing).
type operand struct {
	key int
	typ keyType
}

func (o operand) read(values []string) (v value, null, ok bool) {
	if o.key >= len(values) {
		return value{}, false, false
	}
	raw := values[o.key]
	if raw == NullValue {
		return value{}, true, true
	}
	v, ok = o.typ.parse(raw)
	return v, false, ok
}

// cmpNode is key <op> literal.
type cmpNode struct {
	operand
	op  string
	lit value
}

func (n *cmpNode) eval(values []string) truth {
	v, null, ok := n.read(values)
	if null {
		return vUnknown
	}
	if !ok {
		return vFalse
	}
	c := n.typ.compare(v, n.lit)
	switch n.op {
	case "=":
		return boolTruth(c == 0)
	case "<>":
		return boolTruth(c != 0)
	case "<":
		return boolTruth(c < 0)
	case "<=":
		return boolTruth(c <= 0)
	case ">":
		return boolTruth(c > 0)
	}
	return boolTruth(c >= 0)
}

// inNode is key IN (literals).
type inNode struct {
	operand
	list []value
}

func (n *inNode) eval(values []string) truth {
	v, null, ok := n.read(values)
	if null {
		return vUnknown
	}
	if !ok {
		return vFalse
	}
	for _, l := range n.list {
		if n.typ.compare(v, l) == 0 {
			return vTrue
		}
	}
	return vFalse
}

// betweenNode is key BETWEEN lo AND hi (inclusive).
type betweenNode struct {
	operand
	lo, hi value
}

func (n *betweenNode) eval(values []string) truth {
	v, null, ok := n.read(values)
	if null {
		return vUnknown
	}
	if !ok {
		return vFalse
	}
	return boolTruth(n.typ.compare(v, n.lo) >= 0 && n.typ.compare(v, n.hi) <= 0)
}

// likeNode is key LIKE pattern, on the value as written (% any run, _ one character).
type likeNode struct {
	key int
	re  *regexp.Regexp
}

func (n *likeNode) eval(values []string) truth {
	if n.key >= len(values) {
		return vFalse
	}
	if values[n.key] == NullValue {
		return vUnknown
	}
	return boolTruth(n.re.MatchString(values[n.key]))
}

// nullNode is key IS NULL.
type nullNode struct{ key int }

func (n *nullNode) eval(values []string) truth {
	return boolTruth(n.key < len(values) && values[n.key] == NullValue)
}
