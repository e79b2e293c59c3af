package partexpr

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

type tokenKind int

const (
	tEOF tokenKind = iota
	tIdent
	tString
	tNumber
	tOp     // = <> != < <= > >=
	tLParen // (
	tRParen // )
	tComma
)

type token struct {
	kind tokenKind
	text string // identifiers as written (unquoted), strings unescaped, operators and keywords upper-cased
	pos  int    // byte offset, for messages
	// quoted marks an identifier written in quotes: never a keyword.
	quoted bool
}

// lex splits an expression into tokens. Keywords (AND, OR, NOT, IN, BETWEEN, LIKE, IS, NULL)
// are identifiers the parser recognises.
func lex(s string) ([]token, error) {
	var out []token
	for i := 0; i < len(s); {
		r, w := utf8.DecodeRuneInString(s[i:])
		switch {
		case unicode.IsSpace(r):
			i += w
		case r == '(':
			out = append(out, token{kind: tLParen, text: "(", pos: i})
			i++
		case r == ')':
			out = append(out, token{kind: tRParen, text: ")", pos: i})
			i++
		case r == ',':
			out = append(out, token{kind: tComma, text: ",", pos: i})
			i++
		case r == '=':
			out = append(out, token{kind: tOp, text: "=", pos: i})
			i++
		case r == '<' || r == '>' || r == '!':
			op, n := string(r), 1
			if i+1 < len(s) && (s[i+1] == '=' || r == '<' && s[i+1] == '>') {
				op, n = s[i:i+2], 2
			}
			switch op {
			case "!":
				return nil, &SyntaxError{Pos: i, Msg: "unexpected '!'"}
			case "!=":
				op = "<>"
			}
			out = append(out, token{kind: tOp, text: op, pos: i})
			i += n
		case r == '\'':
			text, n, err := quoted(s[i:], '\'')
			if err != nil {
				return nil, &SyntaxError{Pos: i, Msg: err.Error()}
			}
			out = append(out, token{kind: tString, text: text, pos: i})
			i += n
		case r == '`' || r == '"':
			text, n, err := quoted(s[i:], byte(r))
			if err != nil {
				return nil, &SyntaxError{Pos: i, Msg: err.Error()}
			}
			out = append(out, token{kind: tIdent, text: text, pos: i, quoted: true})
			i += n
		case r == '-' || r == '+' || r == '.' || unicode.IsDigit(r):
			j := i + 1
			for j < len(s) && (s[j] >= '0' && s[j] <= '9' || s[j] == '.' || s[j] == 'e' || s[j] == 'E' ||
				(s[j] == '-' || s[j] == '+') && (s[j-1] == 'e' || s[j-1] == 'E')) {
				j++
			}
			out = append(out, token{kind: tNumber, text: s[i:j], pos: i})
			i = j
		case r == '_' || unicode.IsLetter(r):
			j := i + w
			for j < len(s) {
				r2, w2 := utf8.DecodeRuneInString(s[j:])
				if r2 != '_' && r2 != '$' && !unicode.IsLetter(r2) && !unicode.IsDigit(r2) {
					break
				}
				j += w2
			}
			out = append(out, token{kind: tIdent, text: s[i:j], pos: i})
			i = j
		default:
			return nil, &SyntaxError{Pos: i, Msg: fmt.Sprintf("unexpected character %q", r)}
		}
	}
	return append(out, token{kind: tEOF, text: "", pos: len(s)}), nil
}

// quoted reads a string opened by q at s[0]; a doubled q stands for one. It returns the text
// and the bytes consumed.
func quoted(s string, q byte) (string, int, error) {
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		if s[i] != q {
			b.WriteByte(s[i])
			continue
		}
		if i+1 < len(s) && s[i+1] == q {
			b.WriteByte(q)
			i++
			continue
		}
		return b.String(), i + 1, nil
	}
	return "", 0, fmt.Errorf("unterminated %c", q)
}
