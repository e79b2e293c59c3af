// Package render prints a discovered *schema.Snapshot for people and programs: indented JSON,
// a plain-text table per asset, or Markdown.
package render

import (
	"bufio"
	"fmt"
	"io"
	"maps"
	"slices"
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
	for _, a := range s.Assets() {
		t := a.Table
		fmt.Fprintf(ew, "%s  (%s)%s\n", a.Ref, kindLabel(t.Kind), headingExtras(t))
		if t.Comment != "" {
			fmt.Fprintf(ew, "  -- %s\n", t.Comment)
		}
		tw := tabwriter.NewWriter(ew, 2, 4, 2, ' ', 0)
		for _, c := range t.Columns {
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", c.Name, c.Type.Declared, nullLabel(c.Nullable), columnExtras(c))
		}
		tw.Flush()
		for _, line := range details(t) {
			fmt.Fprintf(ew, "  %s\n", line)
		}
		fmt.Fprintln(ew)
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
	for _, a := range s.Assets() {
		t := a.Table
		fmt.Fprintf(ew, "## `%s` (%s)%s\n\n", a.Ref, kindLabel(t.Kind), headingExtras(t))
		if t.Comment != "" {
			fmt.Fprintf(ew, "%s\n\n", mdEscape(t.Comment))
		}
		fmt.Fprintln(ew, "| # | Column | Type | Null | Details |")
		fmt.Fprintln(ew, "|---|---|---|---|---|")
		for _, c := range t.Columns {
			fmt.Fprintf(ew, "| %d | `%s` | `%s` | %s | %s |\n", c.Position, c.Name, mdEscape(c.Type.Declared), nullLabel(c.Nullable), mdEscape(columnExtras(c)))
		}
		if d := details(t); len(d) > 0 {
			fmt.Fprintln(ew)
			for _, line := range d {
				fmt.Fprintf(ew, "- %s\n", mdEscape(line))
			}
		}
		fmt.Fprintln(ew)
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

func headingExtras(t *schema.Table) string {
	var parts []string
	if t.Meta.RowEstimate != nil {
		parts = append(parts, "~"+strconv.FormatInt(*t.Meta.RowEstimate, 10)+" rows")
	}
	if t.Meta.SizeBytes != nil {
		parts = append(parts, humanBytes(*t.Meta.SizeBytes))
	}
	if t.Meta.NoAccess {
		parts = append(parts, "no SELECT access")
	}
	if len(parts) == 0 {
		return ""
	}
	return "  " + strings.Join(parts, ", ")
}

func nullLabel(nullable bool) string {
	if nullable {
		return "null"
	}
	return "not null"
}

func columnExtras(c schema.Column) string {
	var parts []string
	if c.Default != nil {
		parts = append(parts, "default "+*c.Default)
	}
	if c.OnUpdate != "" {
		parts = append(parts, "on update "+c.OnUpdate)
	}
	if c.Identity != "" {
		parts = append(parts, "identity "+strings.ToLower(c.Identity))
	}
	if c.AutoIncrement {
		parts = append(parts, "auto_increment")
	}
	if c.Generated != "" {
		parts = append(parts, "generated "+strings.ToLower(c.GeneratedKind)+" as "+c.Generated)
	}
	if len(c.Type.Values) > 0 {
		parts = append(parts, "values "+strings.Join(c.Type.Values, "|"))
	}
	if c.Type.Enum != "" {
		parts = append(parts, "enum "+c.Type.Enum)
	}
	if c.Type.Domain != "" {
		parts = append(parts, "domain "+c.Type.Domain)
	}
	if c.Charset != "" {
		parts = append(parts, "charset "+c.Charset)
	}
	if c.Collation != "" {
		parts = append(parts, "collate "+c.Collation)
	}
	if c.Comment != "" {
		parts = append(parts, "-- "+c.Comment)
	}
	return strings.Join(parts, "; ")
}

// details lists keys, constraints, indexes, partitioning, options and the view definition.
func details(t *schema.Table) []string {
	var out []string
	if t.PrimaryKey != nil {
		out = append(out, fmt.Sprintf("PRIMARY KEY %s (%s)", t.PrimaryKey.Name, strings.Join(t.PrimaryKey.Columns, ", ")))
	}
	for _, u := range t.Uniques {
		out = append(out, fmt.Sprintf("UNIQUE %s (%s)", u.Name, strings.Join(u.Columns, ", ")))
	}
	for _, f := range t.ForeignKeys {
		ref := f.RefNamespace + "." + f.RefTable
		if f.RefNamespace == "" {
			ref = f.RefTable
		}
		line := fmt.Sprintf("FOREIGN KEY %s (%s) REFERENCES %s (%s) ON UPDATE %s ON DELETE %s", f.Name,
			strings.Join(f.Columns, ", "), ref, strings.Join(f.RefColumns, ", "), f.OnUpdate, f.OnDelete)
		if f.Deferrable {
			line += " DEFERRABLE"
			if f.InitiallyDeferred {
				line += " INITIALLY DEFERRED"
			}
		}
		out = append(out, line)
	}
	for _, c := range t.Checks {
		out = append(out, fmt.Sprintf("CHECK %s %s", c.Name, c.Expression))
	}
	for _, i := range t.Indexes {
		out = append(out, "INDEX "+i.Name+" "+indexText(i))
	}
	if t.PartitionKey != "" {
		out = append(out, "PARTITION BY "+t.PartitionKey)
	}
	if t.PartitionOf != "" {
		out = append(out, "PARTITION OF "+t.PartitionOf+" "+t.PartitionBound)
	}
	for _, k := range slices.Sorted(maps.Keys(t.Options)) {
		out = append(out, fmt.Sprintf("%s = %s", k, t.Options[k]))
	}
	if t.ViewDefinition != "" {
		out = append(out, "AS "+oneLine(t.ViewDefinition))
	}
	return out
}

func indexText(i schema.Index) string {
	var parts []string
	for _, p := range i.Parts {
		s := p.Column
		if s == "" {
			s = p.Expression
		}
		if p.PrefixLength > 0 {
			s += "(" + strconv.Itoa(p.PrefixLength) + ")"
		}
		if p.Descending {
			s += " DESC"
		}
		parts = append(parts, s)
	}
	s := ""
	if i.Primary {
		s = "primary "
	} else if i.Unique {
		s = "unique "
	}
	s += i.Method + " (" + strings.Join(parts, ", ") + ")"
	if len(i.Include) > 0 {
		s += " INCLUDE (" + strings.Join(i.Include, ", ") + ")"
	}
	if i.Predicate != "" {
		s += " WHERE " + i.Predicate
	}
	return s
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func mdEscape(s string) string { return strings.ReplaceAll(oneLine(s), "|", `\|`) }

func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

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
