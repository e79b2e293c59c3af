package partexpr

import (
	"fmt"
	"regexp"
	"strings"
)

type parser struct {
	toks []token
	i    int
	keys []Key
}

func (p *parser) peek() token { return p.toks[p.i] }

func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tEOF {
		p.i++
	}
	return t
}

// keyword reports whether the next token is keyword kw, and consumes it if so.
func (p *parser) keyword(kw string) bool {
	t := p.peek()
	if t.kind == tIdent && !t.quoted && strings.EqualFold(t.text, kw) {
		p.i++
		return true
	}
	return false
}

func errAt(t token, format string, args ...any) error {
	return &SyntaxError{Pos: t.pos, Msg: fmt.Sprintf(format, args...)}
}

func (p *parser) parseOr() (node, error) {
	l, err := p.parseAnd()
	if err != nil {
		return nil, err
	}
	for p.keyword("OR") {
		r, err := p.parseAnd()
		if err != nil {
			return nil, err
		}
		l = &orNode{l, r}
	}
	return l, nil
}

func (p *parser) parseAnd() (node, error) {
	l, err := p.parseNot()
	if err != nil {
		return nil, err
	}
	for p.keyword("AND") {
		r, err := p.parseNot()
		if err != nil {
			return nil, err
		}
		l = &andNode{l, r}
	}
	return l, nil
}

func (p *parser) parseNot() (node, error) {
	if p.keyword("NOT") {
		n, err := p.parseNot()
		if err != nil {
			return nil, err
		}
		return &notNode{n}, nil
	}
	return p.parsePredicate()
}

// parsePredicate reads a parenthesised expression or one predicate on a key.
func (p *parser) parsePredicate() (node, error) {
	t := p.peek()
	if t.kind == tLParen {
		p.next()
		n, err := p.parseOr()
		if err != nil {
			return nil, err
		}
		if c := p.next(); c.kind != tRParen {
			return nil, errAt(c, "expected ')'")
		}
		return n, nil
	}
	if t.kind == tString || t.kind == tNumber {
		return p.parseReversed()
	}
	key, err := p.parseKey()
	if err != nil {
		return nil, err
	}
	typ := p.keys[key].typ()
	op := operand{key: key, typ: typ}
	negate := false
	if p.keyword("IS") {
		neg := p.keyword("NOT")
		if !p.keyword("NULL") {
			return nil, errAt(p.peek(), "expected NULL after IS")
		}
		var n node = &nullNode{key}
		if neg {
			n = &notNode{n}
		}
		return n, nil
	}
	if p.keyword("NOT") {
		negate = true
	}
	var n node
	switch {
	case p.keyword("IN"):
		n, err = p.parseIn(op)
	case p.keyword("BETWEEN"):
		n, err = p.parseBetween(op)
	case p.keyword("LIKE"):
		n, err = p.parseLike(key)
	case !negate && p.peek().kind == tOp:
		opTok := p.next()
		var lit value
		if lit, err = p.parseLiteral(op.typ, p.keys[key]); err == nil {
			n = &cmpNode{operand: op, op: opTok.text, lit: lit}
		}
	default:
		return nil, errAt(p.peek(), "expected a comparison, IN, BETWEEN, LIKE or IS after %s", p.keys[key].Name)
	}
	if err != nil {
		return nil, err
	}
	if negate {
		n = &notNode{n}
	}
	return n, nil
}

// parseReversed reads literal <op> key, as key <flipped op> literal.
func (p *parser) parseReversed() (node, error) {
	litTok := p.next()
	opTok := p.next()
	if opTok.kind != tOp {
		return nil, errAt(opTok, "expected a comparison after %q", litTok.text)
	}
	key, err := p.parseKey()
	if err != nil {
		return nil, err
	}
	typ := p.keys[key].typ()
	lit, err := literal(litTok, typ, p.keys[key])
	if err != nil {
		return nil, err
	}
	flip := map[string]string{"=": "=", "<>": "<>", "<": ">", "<=": ">=", ">": "<", ">=": "<="}
	return &cmpNode{operand: operand{key: key, typ: typ}, op: flip[opTok.text], lit: lit}, nil
}

// parseKey reads a partition key name (case-insensitive) and checks its type can be filtered.
func (p *parser) parseKey() (int, error) {
	t := p.next()
	if t.kind != tIdent {
		return 0, errAt(t, "expected a partition key, got %q", t.text)
	}
	for i, k := range p.keys {
		if strings.EqualFold(k.Name, t.text) {
			if _, ok := typeOf(k.Type); !ok {
				return 0, errAt(t, "partition key %s has type %s, which expressions cannot filter on (use string, date, timestamp, tinyint, smallint, int, bigint, long or decimal)", k.Name, k.Type)
			}
			return i, nil
		}
	}
	return 0, errAt(t, "%s is not a partition key of this table", t.text)
}

func (p *parser) parseLiteral(typ keyType, k Key) (value, error) {
	return literal(p.next(), typ, k)
}

// literal reads a literal token as a value of the key's type.
func literal(t token, typ keyType, k Key) (value, error) {
	if t.kind != tString && t.kind != tNumber {
		return value{}, errAt(t, "expected a value, got %q", t.text)
	}
	v, ok := typ.parse(t.text)
	if !ok {
		return value{}, errAt(t, "%q is not %s %s value for partition key %s", t.text, article(k.Type), strings.ToLower(k.Type), k.Name)
	}
	return v, nil
}

func (p *parser) parseIn(op operand) (node, error) {
	if t := p.next(); t.kind != tLParen {
		return nil, errAt(t, "expected '(' after IN")
	}
	n := &inNode{operand: op}
	for {
		v, err := p.parseLiteral(op.typ, p.keys[op.key])
		if err != nil {
			return nil, err
		}
		n.list = append(n.list, v)
		t := p.next()
		if t.kind == tRParen {
			return n, nil
		}
		if t.kind != tComma {
			return nil, errAt(t, "expected ',' or ')' in IN list")
		}
	}
}

func (p *parser) parseBetween(op operand) (node, error) {
	lo, err := p.parseLiteral(op.typ, p.keys[op.key])
	if err != nil {
		return nil, err
	}
	if !p.keyword("AND") {
		return nil, errAt(p.peek(), "expected AND in BETWEEN")
	}
	hi, err := p.parseLiteral(op.typ, p.keys[op.key])
	if err != nil {
		return nil, err
	}
	return &betweenNode{operand: op, lo: lo, hi: hi}, nil
}

func (p *parser) parseLike(key int) (node, error) {
	t := p.next()
	if t.kind != tString {
		return nil, errAt(t, "LIKE needs a quoted pattern")
	}
	var b strings.Builder
	b.WriteString(`^(?s:`)
	for _, r := range t.text {
		switch r {
		case '%':
			b.WriteString(`.*`)
		case '_':
			b.WriteString(`.`)
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString(`)$`)
	return &likeNode{key: key, re: regexp.MustCompile(b.String())}, nil
}

func article(typ string) string {
	if strings.ContainsAny(strings.ToLower(typ[:min(1, len(typ))]), "aeiou") {
		return "an"
	}
	return "a"
}
