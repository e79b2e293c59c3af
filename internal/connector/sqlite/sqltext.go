package sqlite

import (
	"iter"
	"strings"
)

// SQLite's pragmas do not report everything a CREATE statement says: check constraints, the
// expressions of generated columns and expression indexes, partial-index predicates, constraint
// names, DEFERRABLE, WITHOUT ROWID. This file reads those from the sql column of sqlite_schema with
// a small tokenizer that knows SQLite's quoting (strings, "identifiers", [identifiers],
// `identifiers`), comments and nested parentheses, so that a ')' inside a string or a comment never
// ends a clause.

type tokenKind uint8

const (
	tokWord   tokenKind = iota // keyword or bare identifier
	tokQuoted                  // "x", [x] or `x`: an identifier
	tokString                  // 'x'
	tokNumber
	tokPunct // ( ) , ; . and operators
)

type token struct {
	text       string // the raw source text
	start, end int32  // byte offsets in the source
	kind       tokenKind
}

// is reports whether t is the bare word kw, ignoring case.
func (t token) is(kw string) bool { return t.kind == tokWord && strings.EqualFold(t.text, kw) }

// ident is the token as a name: quotes removed and doubled quotes undone.
func (t token) ident() string {
	switch t.kind {
	case tokQuoted:
		switch t.text[0] {
		case '[':
			return t.text[1 : len(t.text)-1]
		default:
			q := t.text[:1]
			return strings.ReplaceAll(t.text[1:len(t.text)-1], q+q, q)
		}
	case tokString:
		// SQLite accepts 'name' where an identifier is expected.
		return strings.ReplaceAll(t.text[1:len(t.text)-1], "''", "'")
	}
	return t.text
}

// tokenize splits SQL into tokens, dropping whitespace and comments, appending them to buf[:0]
// (a scratch buffer for reuse; nil is fine). An unterminated string or comment runs to the end of
// the input.
func tokenize(s string, buf []token) []token {
	toks := buf[:0]
	i := 0
	for i < len(s) {
		c := s[i]
		start := i
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			i++
			continue
		case c == '-' && i+1 < len(s) && s[i+1] == '-':
			for i < len(s) && s[i] != '\n' {
				i++
			}
			continue
		case c == '/' && i+1 < len(s) && s[i+1] == '*':
			end := strings.Index(s[i+2:], "*/")
			if end < 0 {
				i = len(s)
			} else {
				i += 2 + end + 2
			}
			continue
		case c == '\'' || c == '"' || c == '`':
			i = quotedEnd(s, i, c)
			kind := tokQuoted
			if c == '\'' {
				kind = tokString
			}
			toks = append(toks, token{kind: kind, text: s[start:i], start: int32(start), end: int32(i)})
			continue
		case c == '[':
			end := strings.IndexByte(s[i:], ']')
			if end < 0 {
				i = len(s)
			} else {
				i += end + 1
			}
			toks = append(toks, token{kind: tokQuoted, text: s[start:i], start: int32(start), end: int32(i)})
			continue
		case (c == 'x' || c == 'X') && i+1 < len(s) && s[i+1] == '\'':
			i = quotedEnd(s, i+1, '\'')
			toks = append(toks, token{kind: tokString, text: s[start:i], start: int32(start), end: int32(i)})
			continue
		case isWordByte(c):
			for i < len(s) && (isWordByte(s[i]) || s[i] == '$') {
				i++
			}
			kind := tokWord
			if c >= '0' && c <= '9' {
				kind = tokNumber
			}
			toks = append(toks, token{kind: kind, text: s[start:i], start: int32(start), end: int32(i)})
			continue
		default:
			i++
			toks = append(toks, token{kind: tokPunct, text: s[start:i], start: int32(start), end: int32(i)})
		}
	}
	return toks
}

// tokenizeInto tokenizes s into *scratch when scratch is not nil, keeping the grown buffer there.
func tokenizeInto(s string, scratch *[]token) []token {
	if scratch == nil {
		return tokenize(s, nil)
	}
	*scratch = tokenize(s, *scratch)
	return *scratch
}

// quotedEnd returns the offset just past the quoted run that starts at s[i] == q, where a doubled
// quote stands for one.
func quotedEnd(s string, i int, q byte) int {
	for j := i + 1; j < len(s); j++ {
		if s[j] == q {
			if j+1 < len(s) && s[j+1] == q {
				j++
				continue
			}
			return j + 1
		}
	}
	return len(s)
}

func isWordByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
}

func isPunct(t token, p string) bool { return t.kind == tokPunct && t.text == p }

// closing returns the index of the ')' that closes the '(' at toks[open], or len(toks).
func closing(toks []token, open int) int {
	depth := 0
	for i := open; i < len(toks); i++ {
		switch {
		case isPunct(toks[i], "("):
			depth++
		case isPunct(toks[i], ")"):
			depth--
			if depth == 0 {
				return i
			}
		}
	}
	return len(toks)
}

// splitTop yields the parts of toks between commas outside parentheses, without allocating.
// A trailing comma yields no empty last part.
func splitTop(toks []token) iter.Seq[[]token] {
	return func(yield func([]token) bool) {
		depth, from := 0, 0
		for i, t := range toks {
			switch {
			case isPunct(t, "("):
				depth++
			case isPunct(t, ")"):
				depth--
			case isPunct(t, ",") && depth == 0:
				if !yield(toks[from:i]) {
					return
				}
				from = i + 1
			}
		}
		if from < len(toks) {
			yield(toks[from:])
		}
	}
}

// text is the source between the first and last token, as written.
func text(src string, toks []token) string {
	if len(toks) == 0 {
		return ""
	}
	return src[toks[0].start:toks[len(toks)-1].end]
}

// identList reads "(a, b)" starting at toks[open] and returns the names and the index after ')'.
func identList(toks []token, open int) ([]string, int) {
	end := closing(toks, open)
	var names []string
	for item := range splitTop(toks[open+1 : min(end, len(toks))]) {
		if len(item) > 0 {
			names = append(names, item[0].ident())
		}
	}
	return names, end + 1
}

// createTable is what a CREATE TABLE statement says beyond the pragmas.
type createTable struct {
	Checks       []parsedCheck
	Generated    map[string]string // lower-case column name → expression
	Collations   map[string]string // lower-case column name → collation
	AutoIncr     bool              // AUTOINCREMENT was used
	WithoutRowid bool
	Strict       bool
	PKName       string
	Uniques      []parsedKey
	ForeignKeys  []parsedFK
	Virtual      string // module of a CREATE VIRTUAL TABLE
}

type parsedCheck struct{ Name, Expr string }

type parsedKey struct {
	Name    string
	Columns []string
}

type parsedFK struct {
	Name              string
	Columns           []string
	RefTable          string
	Deferrable        bool
	InitiallyDeferred bool
}

// detach copies every string of ct out of the CREATE statement it was read from, so that the
// statement's text can be freed while ct is kept.
func (ct *createTable) detach() {
	for i := range ct.Checks {
		c := &ct.Checks[i]
		c.Name, c.Expr = strings.Clone(c.Name), strings.Clone(c.Expr)
	}
	ct.Generated, ct.Collations = cloneMap(ct.Generated), cloneMap(ct.Collations)
	ct.PKName = strings.Clone(ct.PKName)
	for i := range ct.Uniques {
		u := &ct.Uniques[i]
		u.Name = strings.Clone(u.Name)
		cloneAll(u.Columns)
	}
	for i := range ct.ForeignKeys {
		fk := &ct.ForeignKeys[i]
		fk.Name, fk.RefTable = strings.Clone(fk.Name), strings.Clone(fk.RefTable)
		cloneAll(fk.Columns)
	}
	ct.Virtual = strings.Clone(ct.Virtual)
}

// cloneMap copies keys and values too: a key may be a piece of the statement.
func cloneMap(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[strings.Clone(k)] = strings.Clone(v)
	}
	return out
}

func cloneAll(list []string) {
	for i, s := range list {
		list[i] = strings.Clone(s)
	}
}

// startsConstraint reports whether t is a word that starts a column constraint, so ends the one
// before it.
func startsConstraint(t token) bool {
	if t.kind != tokWord {
		return false
	}
	for _, kw := range [...]string{"CONSTRAINT", "PRIMARY", "NOT", "UNIQUE", "CHECK", "DEFAULT", "COLLATE", "REFERENCES", "GENERATED", "AS"} {
		if len(t.text) == len(kw) && strings.EqualFold(t.text, kw) {
			return true
		}
	}
	return false
}

// parseCreateTable reads a CREATE [VIRTUAL] TABLE statement. It never fails: what it cannot read
// it leaves out.
// scratch, when not nil, is a token buffer kept between calls.
func parseCreateTable(src string, scratch *[]token) createTable {
	ct := createTable{}
	toks := tokenizeInto(src, scratch)
	open := -1
	for i, t := range toks {
		if t.is("USING") && i+1 < len(toks) { // CREATE VIRTUAL TABLE x USING module(...)
			ct.Virtual = strings.ToLower(toks[i+1].ident())
			return ct
		}
		if t.is("AS") { // CREATE TABLE x AS SELECT: no constraints
			return ct
		}
		if isPunct(t, "(") {
			open = i
			break
		}
	}
	if open < 0 {
		return ct
	}
	end := closing(toks, open)
	unnamedChecks := 0
	addCheck := func(name string, expr string) {
		ct.Checks = append(ct.Checks, parsedCheck{Name: name, Expr: expr})
		if name == "" {
			unnamedChecks++
		}
	}
	for item := range splitTop(toks[open+1 : min(end, len(toks))]) {
		if len(item) == 0 {
			continue
		}
		name := ""
		rest := item
		if rest[0].is("CONSTRAINT") && len(rest) > 1 {
			name, rest = rest[1].ident(), rest[2:]
		}
		if len(rest) == 0 {
			continue
		}
		switch {
		case rest[0].is("CHECK") && len(rest) > 1 && isPunct(rest[1], "("):
			c := closing(rest, 1)
			addCheck(name, text(src, rest[2:c]))
			continue
		case rest[0].is("PRIMARY"):
			ct.PKName = name
			continue
		case rest[0].is("UNIQUE") && len(rest) > 1 && isPunct(rest[1], "("):
			cols, _ := identList(rest, 1)
			ct.Uniques = append(ct.Uniques, parsedKey{Name: name, Columns: cols})
			continue
		case rest[0].is("FOREIGN") && len(rest) > 3 && isPunct(rest[2], "("):
			cols, next := identList(rest, 2)
			if fk, ok := parseReferences(rest[next:], name, cols); ok {
				ct.ForeignKeys = append(ct.ForeignKeys, fk)
			}
			continue
		}
		if name != "" { // CONSTRAINT name on something else: not a column definition
			continue
		}
		ct.parseColumn(src, item, addCheck)
	}
	for _, t := range toks[min(end+1, len(toks)):] {
		switch {
		case t.is("ROWID"):
			ct.WithoutRowid = true
		case t.is("STRICT"):
			ct.Strict = true
		}
	}
	return ct
}

// parseColumn reads one column definition: its name, then constraints.
func (ct *createTable) parseColumn(src string, item []token, addCheck func(name, expr string)) {
	col := item[0].ident()
	key := strings.ToLower(col)
	name := ""
	for i := 1; i < len(item); i++ {
		t := item[i]
		switch {
		case isPunct(t, "("):
			// a type's size or a DEFAULT (expr): skip it whole.
			i = closing(item, i)
		case t.is("CONSTRAINT") && i+1 < len(item):
			name = item[i+1].ident()
			i++
		case t.is("PRIMARY"):
			ct.PKName = name
			name = ""
		case t.is("AUTOINCREMENT"):
			ct.AutoIncr = true
		case t.is("UNIQUE"):
			ct.Uniques = append(ct.Uniques, parsedKey{Name: name, Columns: []string{col}})
			name = ""
		case t.is("COLLATE") && i+1 < len(item):
			if ct.Collations == nil {
				ct.Collations = map[string]string{}
			}
			ct.Collations[key] = item[i+1].ident()
			i++
		case t.is("CHECK") && i+1 < len(item) && isPunct(item[i+1], "("):
			c := closing(item, i+1)
			addCheck(name, text(src, item[i+2:min(c, len(item))]))
			name = ""
			i = c
		case t.is("AS") && i+1 < len(item) && isPunct(item[i+1], "("):
			c := closing(item, i+1)
			if ct.Generated == nil {
				ct.Generated = map[string]string{}
			}
			ct.Generated[key] = text(src, item[i+2:min(c, len(item))])
			name = ""
			i = c
		case t.is("REFERENCES"):
			j := referencesEnd(item, i)
			if fk, ok := parseReferences(item[i:min(j, len(item))], name, []string{col}); ok {
				ct.ForeignKeys = append(ct.ForeignKeys, fk)
			}
			name = ""
			i = j - 1
		case startsConstraint(t):
			name = ""
		}
	}
}

// referencesEnd returns the index just past the REFERENCES clause that starts at item[i] within a
// column definition: the next column constraint, or the end. "NOT DEFERRABLE", "SET NULL" and
// "SET DEFAULT" belong to the clause.
func referencesEnd(item []token, i int) int {
	j := i + 1
	for ; j < len(item); j++ {
		t := item[j]
		if isPunct(t, "(") {
			j = closing(item, j)
			continue
		}
		if !startsConstraint(t) {
			continue
		}
		if t.is("NOT") && j+1 < len(item) && item[j+1].is("DEFERRABLE") {
			continue
		}
		if t.is("DEFAULT") && item[j-1].is("SET") {
			continue
		}
		break
	}
	return j
}

// parseReferences reads "REFERENCES table [(cols)] [ON ...] [[NOT] DEFERRABLE [INITIALLY ...]]".
func parseReferences(toks []token, name string, cols []string) (parsedFK, bool) {
	if len(toks) < 2 || !toks[0].is("REFERENCES") {
		return parsedFK{}, false
	}
	fk := parsedFK{Name: name, Columns: cols, RefTable: toks[1].ident()}
	for i := 2; i < len(toks); i++ {
		if toks[i].is("DEFERRABLE") {
			fk.Deferrable = !toks[i-1].is("NOT")
			if fk.Deferrable && i+2 < len(toks) && toks[i+1].is("INITIALLY") {
				fk.InitiallyDeferred = toks[i+2].is("DEFERRED")
			}
		}
	}
	return fk, true
}

// createIndex is what a CREATE INDEX statement says beyond the pragmas.
type createIndex struct {
	// Parts are the key expressions in order, as written, without COLLATE, ASC or DESC.
	Parts     []string
	Predicate string
}

// detach copies every string of ci out of the CREATE INDEX statement it was read from.
func (ci *createIndex) detach() {
	cloneAll(ci.Parts)
	ci.Predicate = strings.Clone(ci.Predicate)
}

// scratch, when not nil, is a token buffer kept between calls.
func parseCreateIndex(src string, scratch *[]token) createIndex {
	var ci createIndex
	toks := tokenizeInto(src, scratch)
	on := -1
	for i, t := range toks {
		if t.is("ON") {
			on = i
			break
		}
	}
	if on < 0 {
		return ci
	}
	open := -1
	for i := on; i < len(toks); i++ {
		if isPunct(toks[i], "(") {
			open = i
			break
		}
	}
	if open < 0 {
		return ci
	}
	end := closing(toks, open)
	for item := range splitTop(toks[open+1 : min(end, len(toks))]) {
		n := len(item)
		if n > 0 && (item[n-1].is("ASC") || item[n-1].is("DESC")) {
			n--
		}
		if n > 1 && item[n-2].is("COLLATE") {
			n -= 2
		}
		ci.Parts = append(ci.Parts, text(src, item[:n]))
	}
	rest := toks[min(end+1, len(toks)):]
	if len(rest) > 1 && rest[0].is("WHERE") {
		body := rest[1:]
		for len(body) > 0 && isPunct(body[len(body)-1], ";") {
			body = body[:len(body)-1]
		}
		ci.Predicate = text(src, body)
	}
	return ci
}

// viewQuery returns the SELECT of a CREATE VIEW statement: everything after the first AS outside
// parentheses.
// scratch, when not nil, is a token buffer kept between calls.
func viewQuery(src string, scratch *[]token) string {
	toks := tokenizeInto(src, scratch)
	depth := 0
	for i, t := range toks {
		switch {
		case isPunct(t, "("):
			depth++
		case isPunct(t, ")"):
			depth--
		case depth == 0 && t.is("AS") && i+1 < len(toks):
			body := toks[i+1:]
			for len(body) > 0 && isPunct(body[len(body)-1], ";") {
				body = body[:len(body)-1]
			}
			return text(src, body)
		}
	}
	return ""
}
