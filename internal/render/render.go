// Package render prints a discovered *schema.Snapshot for people and programs: indented JSON,
// a plain-text table per asset, or Markdown.
package render

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/surveyorhq/surveyor/internal/schema"
)

// Formats lists the accepted format names.
var Formats = []string{"table", "json", "markdown"}

// Write renders s to w in the named format, as it walks the snapshot: what it holds at any time
// is one table's output and a write buffer, never the whole document.
func Write(w io.Writer, format string, s *schema.Snapshot) error {
	var render func(io.Writer, *schema.Snapshot) error
	switch format {
	case "json":
		return JSON(w, s) // buffers by itself
	case "table", "":
		render = Text
	case "markdown", "md":
		render = Markdown
	default:
		return fmt.Errorf("unknown format %q: use %s", format, strings.Join(Formats, ", "))
	}
	bw := bufio.NewWriterSize(w, flushBytes)
	if err := render(bw, s); err != nil {
		return err
	}
	return bw.Flush()
}

// Text writes one block per asset: a heading line, its columns aligned, then keys and indexes.
func Text(w io.Writer, s *schema.Snapshot) error {
	ew := &errWriter{w: w}
	for _, ns := range namespaceNotes(s) {
		fmt.Fprintf(ew, "%s  (namespace)\n", ns.name)
		for _, line := range ns.lines {
			fmt.Fprintf(ew, "  %s\n", line)
		}
		fmt.Fprintln(ew)
	}
	var (
		out, line []byte
		tw        tabwriter.Writer
	)
	for _, a := range s.Assets() {
		if ew.err != nil {
			break
		}
		t := a.Table
		out = appendRef(out[:0], a.Ref)
		out = append(out, "  ("...)
		out = appendKindLabel(out, t.Kind)
		out = append(out, ')')
		out = appendHeadingExtras(out, t)
		out = append(out, '\n')
		if t.Comment != "" {
			out = append(out, "  -- "...)
			out = append(out, t.Comment...)
			out = append(out, '\n')
		}
		ew.Write(out)
		tw.Init(ew, 2, 4, 2, ' ', 0)
		for i := range t.Columns {
			c := &t.Columns[i]
			line = append(line[:0], "  "...)
			line = append(line, c.Name...)
			line = append(line, '\t')
			line = append(line, c.Type.Declared...)
			line = append(line, '\t')
			line = append(line, nullLabel(c.Nullable)...)
			line = append(line, '\t')
			line = appendColumnExtras(line, c)
			line = append(line, '\n')
			tw.Write(line)
		}
		tw.Flush()
		out = out[:0]
		line = eachDetail(line, t, func(l []byte) {
			out = append(out, "  "...)
			out = append(out, l...)
			out = append(out, '\n')
		})
		out = append(out, '\n')
		ew.Write(out)
	}
	for _, f := range s.Failed {
		fmt.Fprintf(ew, "%s  FAILED: %s\n", f.Ref, f.Reason)
	}
	fmt.Fprintln(ew, summary(s))
	return ew.err
}

// Markdown writes a section per asset with a column table and a list of keys and indexes.
func Markdown(w io.Writer, s *schema.Snapshot) error {
	ew := &errWriter{w: w}
	fmt.Fprintf(ew, "# %s\n\n%s\n\n", s.Engine, summary(s))
	for _, ns := range namespaceNotes(s) {
		fmt.Fprintf(ew, "## `%s` (namespace)\n\n", ns.name)
		for _, line := range ns.lines {
			fmt.Fprintf(ew, "- %s\n", mdEscape(line))
		}
		fmt.Fprintln(ew)
	}
	var out, scratch []byte
	for _, a := range s.Assets() {
		if ew.err != nil {
			break
		}
		t := a.Table
		out = append(out[:0], "## `"...)
		out = appendRef(out, a.Ref)
		out = append(out, "` ("...)
		out = appendKindLabel(out, t.Kind)
		out = append(out, ')')
		out = appendHeadingExtras(out, t)
		out = append(out, "\n\n"...)
		if t.Comment != "" {
			out = appendOneLine(out, t.Comment, true)
			out = append(out, "\n\n"...)
		}
		out = append(out, "| # | Column | Type | Null | Details |\n|---|---|---|---|---|\n"...)
		for i := range t.Columns {
			c := &t.Columns[i]
			out = append(out, "| "...)
			out = strconv.AppendInt(out, int64(c.Position), 10)
			out = append(out, " | `"...)
			out = append(out, c.Name...)
			out = append(out, "` | `"...)
			out = appendOneLine(out, c.Type.Declared, true)
			out = append(out, "` | "...)
			out = append(out, nullLabel(c.Nullable)...)
			out = append(out, " | "...)
			scratch = appendColumnExtras(scratch[:0], c)
			out = appendOneLineBytes(out, scratch, true)
			out = append(out, " |\n"...)
		}
		first := true
		scratch = eachDetail(scratch, t, func(l []byte) {
			if first {
				out = append(out, '\n')
				first = false
			}
			out = append(out, "- "...)
			out = appendOneLineBytes(out, l, true)
			out = append(out, '\n')
		})
		out = append(out, '\n')
		ew.Write(out)
	}
	if len(s.Failed) > 0 {
		fmt.Fprintln(ew, "## Failed")
		for _, f := range s.Failed {
			fmt.Fprintf(ew, "- `%s`: %s\n", f.Ref, mdEscape(f.Reason))
		}
	}
	return ew.err
}

type namespaceNote struct {
	name  string
	lines []string
}

// namespaceNotes lists the namespaces that carry something of their own: a comment or enum types.
func namespaceNotes(s *schema.Snapshot) []namespaceNote {
	var out []namespaceNote
	for _, db := range s.Databases {
		for _, ns := range db.Namespaces {
			var lines []string
			if ns.Comment != "" {
				lines = append(lines, "-- "+ns.Comment)
			}
			for _, e := range ns.Enums {
				lines = append(lines, fmt.Sprintf("ENUM %s (%s)", e.Name, strings.Join(e.Values, ", ")))
			}
			if len(lines) > 0 {
				out = append(out, namespaceNote{name: qualified(db.Name, ns.Name), lines: lines})
			}
		}
	}
	return out
}

func qualified(database, namespace string) string {
	if namespace == "" || namespace == database {
		return database
	}
	return database + "." + namespace
}

func summary(s *schema.Snapshot) string {
	counts := map[schema.Kind]int{}
	cols := 0
	for _, a := range s.Assets() {
		counts[a.Table.Kind]++
		cols += len(a.Table.Columns)
	}
	var parts []string
	for _, k := range []schema.Kind{schema.KindTable, schema.KindPartitionedTable, schema.KindPartition, schema.KindView,
		schema.KindMaterializedView, schema.KindForeignTable, schema.KindFile} {
		if n := counts[k]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, plural(kindLabel(k), n)))
		}
	}
	line := fmt.Sprintf("%d assets", s.TableCount())
	if len(parts) > 0 {
		line += " (" + strings.Join(parts, ", ") + ")"
	}
	line += fmt.Sprintf(", %d columns", cols)
	if len(s.Failed) > 0 {
		line += fmt.Sprintf(", %d failed", len(s.Failed))
	}
	if s.ServerVersion != "" {
		line += " — " + s.ServerVersion
	}
	return line
}

func kindLabel(k schema.Kind) string { return strings.ReplaceAll(string(k), "_", " ") }

func plural(label string, n int) string {
	if n == 1 {
		return label
	}
	return label + "s"
}

func mdEscape(s string) string { return string(appendOneLine(nil, s, true)) }

// errWriter keeps the first write error so rendering code can stay linear.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return len(p), nil
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, nil
}
