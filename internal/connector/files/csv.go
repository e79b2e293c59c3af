package files

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
)

// dialect is how a delimited text file is written.
type dialect struct {
	delim  byte
	quote  byte // 0: no quoting
	header bool
}

// parseRecords splits data into records of fields. A quoted field may hold delimiters, doubled
// quotes and line breaks. When complete is false, data was cut off: the last record is dropped
// unless it ended with a line break. At most max records are returned (max <= 0: no limit).
func parseRecords(data []byte, d dialect, complete bool, max int) [][]string {
	var (
		out    [][]string
		rec    []string
		field  []byte
		i      int
		quoted bool
	)
	for i < len(data) {
		if max > 0 && len(out) >= max {
			return out
		}
		c := data[i]
		switch {
		case quoted:
			if c == d.quote {
				if i+1 < len(data) && data[i+1] == d.quote {
					field = append(field, c)
					i += 2
					continue
				}
				quoted = false
			} else {
				field = append(field, c)
			}
		case c == d.quote && d.quote != 0 && len(field) == 0:
			quoted = true
		case c == d.delim:
			rec = append(rec, string(field))
			field = field[:0]
		case c == '\n':
			rec = append(rec, string(bytes.TrimSuffix(field, []byte{'\r'})))
			field = field[:0]
			if !(len(rec) == 1 && rec[0] == "") { // skip blank lines
				out = append(out, rec)
			}
			rec = nil
		default:
			field = append(field, c)
		}
		i++
	}
	if complete && !quoted && (len(rec) > 0 || len(field) > 0) {
		rec = append(rec, string(bytes.TrimSuffix(field, []byte{'\r'})))
		if max <= 0 || len(out) < max {
			out = append(out, rec)
		}
	}
	return out
}

// sniffDialect guesses the delimiter and quote of a text file from its first lines: the
// candidate (comma, tab, semicolon, pipe) that splits the most lines into the same number (> 1)
// of fields wins. force* come from the source's params and win over the guess.
func sniffDialect(head []byte, forceDelim, forceQuote byte) dialect {
	lines := bytes.SplitN(head, []byte{'\n'}, 21)
	if len(lines) > 1 {
		lines = lines[:len(lines)-1] // the last one may be cut off
	}
	d := dialect{delim: ',', quote: '"'}
	if forceQuote != 0 {
		d.quote = forceQuote
	} else {
		dq, sq := 0, 0
		for _, l := range lines {
			dq += bytes.Count(l, []byte{'"'})
			sq += bytes.Count(l, []byte{'\''})
		}
		if sq > 0 && dq == 0 && startsQuoted(lines, '\'') {
			d.quote = '\''
		}
	}
	if forceDelim != 0 {
		d.delim = forceDelim
		return d
	}
	bestScore, bestFields := -1, 0
	for _, cand := range []byte{',', '\t', ';', '|'} {
		counts := map[int]int{}
		for _, l := range lines {
			n := len(splitOne(l, cand, d.quote))
			if n > 1 {
				counts[n]++
			}
		}
		for n, lines := range counts {
			if lines > bestScore || (lines == bestScore && n > bestFields) {
				bestScore, bestFields, d.delim = lines, n, cand
			}
		}
	}
	return d
}

// startsQuoted reports whether some field of the lines starts with q, so a stray apostrophe in
// text is not taken for a quote.
func startsQuoted(lines [][]byte, q byte) bool {
	for _, l := range lines {
		if len(l) > 0 && l[0] == q {
			return true
		}
		for _, sep := range []byte{',', '\t', ';', '|'} {
			if bytes.Contains(l, []byte{sep, q}) {
				return true
			}
		}
	}
	return false
}

func splitOne(line []byte, delim, quote byte) []string {
	recs := parseRecords(append(bytes.TrimRight(line, "\r"), '\n'), dialect{delim: delim, quote: quote}, true, 1)
	if len(recs) == 0 {
		return nil
	}
	return recs[0]
}

var identifierLike = regexp.MustCompile(`^[\p{L}_][\p{L}\p{N}_ .\-/()#%]*$`)

// detectHeader says whether the first record names the columns, as Python's csv.Sniffer and
// Glue's classifier reason: in a column whose other values share a type below string, a first
// value that does not fit that type is a name. When every column is text, the first record is a
// header when its values look like identifiers, are distinct, and none appears again below it.
func detectHeader(recs [][]string) bool {
	if len(recs) < 2 {
		// One record: a header if it looks like names and nothing else.
		return len(recs) == 1 && allNames(recs[0])
	}
	first, rest := recs[0], recs[1:]
	votes, typed := 0, 0
	for i, v := range first {
		col := newTextColumn("")
		for _, r := range rest {
			if i < len(r) {
				col.add(r[i])
			}
		}
		best := col.best()
		if best == tString {
			continue
		}
		typed++
		if isNull(v) || fits(v)&best == 0 {
			votes++
		} else {
			votes--
		}
	}
	if typed > 0 {
		return votes > 0
	}
	if !allNames(first) {
		return false
	}
	for i, v := range first {
		for _, r := range rest {
			if i < len(r) && r[i] == v {
				return false
			}
		}
	}
	return true
}

func allNames(rec []string) bool {
	seen := map[string]bool{}
	for _, v := range rec {
		if v == "" || seen[v] || !identifierLike.MatchString(v) || isNumber(v) || fits(v)&(tBoolean|tDate|tTimestamp) != 0 {
			return false
		}
		seen[v] = true
	}
	return len(rec) > 0
}

// csvSchema infers the columns of a delimited file from its head and spread samples.
func csvSchema(s *sample, forceDelim, forceQuote byte, header string, maxRows int) (*fileSchema, error) {
	return csvSchemaNamed(s, forceDelim, forceQuote, header, nil, maxRows)
}

// csvSchemaNamed is csvSchema with explicit column names (a crawler's CSV classifier Header):
// they name the columns, and the first record is skipped only when header is "true".
func csvSchemaNamed(s *sample, forceDelim, forceQuote byte, header string, names []string, maxRows int) (*fileSchema, error) {
	d := sniffDialect(s.head, forceDelim, forceQuote)
	headRows := maxRows
	if len(s.chunks) > 0 {
		headRows = max(2, maxRows/2) // leave half the sample to the rest of the file
	}
	recs := parseRecords(s.head, d, s.complete, headRows)
	if len(recs) == 0 {
		if len(s.head) == 0 {
			return nil, fmt.Errorf("the file is empty")
		}
		return nil, fmt.Errorf("no complete record in the first %d bytes", len(s.head))
	}
	switch header {
	case "true":
		d.header = true
	case "false":
		d.header = false
	default:
		d.header = detectHeader(recs)
	}
	switch {
	case d.header && len(names) > 0:
		recs = recs[1:]
	case d.header:
		names, recs = recs[0], recs[1:]
	case len(names) == 0:
		for i := range recs[0] {
			names = append(names, "col"+strconv.Itoa(i))
		}
	}
	names = uniqueNames(names)
	bad := badRows{width: len(names), firstRecord: 1}
	if d.header {
		bad.firstRecord = 2
	}
	for i, r := range recs {
		bad.check(r, bad.firstRecord+i)
	}
	cols := make([]*textColumn, len(names))
	for i, n := range names {
		cols[i] = newTextColumn(n)
	}
	add := func(r []string) {
		for i, c := range cols {
			if i < len(r) {
				c.add(r[i])
			} else {
				c.nulls++
			}
		}
	}
	for _, r := range recs {
		add(r)
	}
	// Each spread chunk gives an equal share of the rest of the sample, taken evenly from the
	// whole chunk (its last record included), so the sample reaches the end of the file.
	per := max(1, (maxRows-len(recs))/max(1, len(s.chunks)))
	for _, chunk := range s.chunks {
		var shaped [][]string
		for i, r := range parseRecords(chunk, d, true, 0) {
			// A chunk starts at a line break that may be inside a quoted field: keep only rows
			// that have the header's shape, and count the others but the first as malformed.
			if len(r) == len(cols) {
				shaped = append(shaped, r)
			} else if i > 0 {
				bad.check(r, 0)
			}
		}
		for _, r := range spread(shaped, per) {
			add(r)
		}
	}
	opts := map[string]string{"format": "csv", "delimiter": string(d.delim), "header": strconv.FormatBool(d.header)}
	if d.quote != 0 {
		opts["quote"] = string(d.quote)
	}
	quoted := d.quote != 0 && bytes.IndexByte(s.head, d.quote) >= 0
	return &fileSchema{format: "csv", options: opts, text: cols, quoted: quoted, records: int64(len(recs)), problem: bad.String()}, nil
}

// badRows counts the sampled records whose field count is not the header's: malformed rows,
// which are not dropped silently but reported with the table (schema.Meta.Problems).
type badRows struct {
	width       int // fields of the header (or of the first record)
	firstRecord int // the number of the first data record in the file (2 after a header)
	checked     int
	count       int
	example     string
}

// check counts r; at is its record number in the file (0 when unknown: a record from the middle).
func (b *badRows) check(r []string, at int) {
	b.checked++
	if len(r) == b.width {
		return
	}
	b.count++
	if b.example == "" {
		where := "a record further in the file"
		if at > 0 {
			where = "record " + strconv.Itoa(at)
		}
		b.example = fmt.Sprintf("%s has %d fields, the header %d", where, len(r), b.width)
	}
}

// String says how many sampled rows are malformed ("" when none).
func (b *badRows) String() string {
	if b.count == 0 {
		return ""
	}
	return fmt.Sprintf("%d of %d sampled rows are malformed (%s); the schema is inferred from the others", b.count, b.checked, b.example)
}

// uniqueNames makes column names unique and non-empty: blanks become colN, repeats get _2, _3.
func uniqueNames(names []string) []string {
	out := make([]string, len(names))
	seen := map[string]int{}
	for i, n := range names {
		if n == "" {
			n = "col" + strconv.Itoa(i)
		}
		if k := seen[n]; k > 0 {
			seen[n] = k + 1
			n = n + "_" + strconv.Itoa(k+1)
		}
		seen[n]++
		out[i] = n
	}
	return out
}

// spread picks n records evenly from recs, the first and the last included.
func spread(recs [][]string, n int) [][]string {
	if len(recs) <= n {
		return recs
	}
	if n == 1 {
		return recs[len(recs)-1:]
	}
	out := make([][]string, 0, n)
	for i := range n {
		out = append(out, recs[i*(len(recs)-1)/(n-1)])
	}
	return out
}
