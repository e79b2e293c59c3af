package crawler

import (
	"fmt"
	"regexp"
	"strings"
)

// Glob is a compiled exclusion pattern in Glue's glob syntax, matched against a path relative
// to the include path: `*` matches within one path segment, `**` across segments, `?` one
// character, `[a-z]` and `[!a-c]` a character class, `{a,b}` alternatives (not nested), and `\`
// escapes the next character. Leading dots are ordinary characters.
type Glob struct {
	pattern string
	re      *regexp.Regexp
}

// GlobError is a pattern that does not parse.
type GlobError struct {
	Pattern string
	Reason  string
}

func (e *GlobError) Error() string {
	return fmt.Sprintf("exclusion pattern %q is not a valid glob: %s", e.Pattern, e.Reason)
}

// CompileGlob compiles one exclusion pattern.
func CompileGlob(pattern string) (*Glob, error) {
	bad := func(reason string) error { return &GlobError{Pattern: pattern, Reason: reason} }
	var b strings.Builder
	b.WriteString("^")
	inBrace := false
	rs := []rune(pattern)
	for i := 0; i < len(rs); i++ {
		c := rs[i]
		switch c {
		case '\\':
			if i+1 >= len(rs) {
				return nil, bad("it ends with a lone backslash")
			}
			i++
			b.WriteString(regexp.QuoteMeta(string(rs[i])))
		case '*':
			var re string
			re, i = globStar(rs, i)
			b.WriteString(re)
		case '?':
			b.WriteString("[^/]")
		case '[':
			re, j, ok := globClass(rs, i)
			if !ok {
				return nil, bad("a [ is not closed")
			}
			b.WriteString(re)
			i = j
		case '{':
			if inBrace {
				return nil, bad("braces do not nest")
			}
			inBrace = true
			b.WriteString("(?:")
		case '}':
			if !inBrace {
				return nil, bad("a } has no {")
			}
			inBrace = false
			b.WriteString(")")
		case ',':
			if inBrace {
				b.WriteString("|")
			} else {
				b.WriteString(",")
			}
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	if inBrace {
		return nil, bad("a { is not closed")
	}
	b.WriteString("$")
	re, err := regexp.Compile(b.String())
	if err != nil {
		return nil, bad(err.Error())
	}
	return &Glob{pattern: pattern, re: re}, nil
}

// globStar translates the `*` or `**` at rs[i]; it returns the expression and the index of the
// last rune it used.
func globStar(rs []rune, i int) (string, int) {
	if i+1 >= len(rs) || rs[i+1] != '*' {
		return "[^/]*", i
	}
	i++
	// "**/" also matches no folder at all.
	if i+1 < len(rs) && rs[i+1] == '/' {
		return "(?:.*/)?", i + 1
	}
	return ".*", i
}

// globClass translates the character class opened at rs[i] (`[a-z]`, `[!a-c]`, a `]` first in
// the class taken literally); it returns the expression and the index of the closing `]`, or
// false when the class is not closed.
func globClass(rs []rune, i int) (string, int, bool) {
	j := i + 1
	if j < len(rs) && (rs[j] == '!' || rs[j] == '^') {
		j++
	}
	if j < len(rs) && rs[j] == ']' {
		j++
	}
	for j < len(rs) && rs[j] != ']' {
		j++
	}
	if j >= len(rs) {
		return "", 0, false
	}
	class := rs[i+1 : j]
	var b strings.Builder
	b.WriteString("[")
	if len(class) > 0 && (class[0] == '!' || class[0] == '^') {
		b.WriteString("^/")
		class = class[1:]
	}
	for _, r := range class {
		if r == '\\' || r == '[' || r == ']' || r == '^' {
			b.WriteString(`\`)
		}
		b.WriteRune(r)
	}
	b.WriteString("]")
	return b.String(), j, true
}

// Match reports whether rel (slash-separated, relative to the include path) matches.
func (g *Glob) Match(rel string) bool { return g.re.MatchString(rel) }

func (g *Glob) String() string { return g.pattern }

// Exclusions is a target's compiled exclusion list.
type Exclusions []*Glob

// CompileExclusions compiles every pattern of a target.
func CompileExclusions(patterns []string) (Exclusions, error) {
	out := make(Exclusions, 0, len(patterns))
	for _, p := range patterns {
		g, err := CompileGlob(p)
		if err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, nil
}

// Excluded reports whether rel matches any pattern. A file is also excluded when one of its
// folders matches (`departments/**` and `departments` both exclude departments/a.csv).
func (x Exclusions) Excluded(rel string) bool {
	for _, g := range x {
		if g.Match(rel) {
			return true
		}
		for i := strings.IndexByte(rel, '/'); i >= 0; {
			if g.Match(rel[:i]) {
				return true
			}
			j := strings.IndexByte(rel[i+1:], '/')
			if j < 0 {
				break
			}
			i += 1 + j
		}
	}
	return false
}
