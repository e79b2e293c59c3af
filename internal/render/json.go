package render

import (
	"bytes"
	"encoding/json"
	"io"
	"runtime"
	"strings"
	"sync"

	"github.com/surveyorhq/surveyor/internal/schema"
)

// JSON writes the snapshot as indented JSON (two spaces), the same document
// json.Encoder.SetIndent("", "  ") writes, without ever holding all of it: the envelope
// (snapshot, databases, namespaces) is written by hand, each table is appended already indented
// (schema.Table.AppendJSON; a window of tables at a time, on all cores) to a buffer reused from
// one table to the next, and the buffer goes out every 64 KiB.
func JSON(w io.Writer, s *schema.Snapshot) error {
	j := &jsonWriter{w: w}
	j.enc = json.NewEncoder(&j.raw)
	j.writeSnapshot(s)
	if j.err != nil {
		return j.err
	}
	return j.flushIfBig(0)
}

// jsonWriter writes one indented document. The first error sticks and ends the writing.
type jsonWriter struct {
	w   io.Writer
	enc *json.Encoder // encodes into raw, escaping HTML as json.Marshal does
	raw bytes.Buffer  // one value, compact
	out bytes.Buffer  // indented output not yet written
	err error
	// tables encodes a namespace's tables ahead of the writing, a window at a time.
	tables tableWindow
}

// tableWindow encodes the tables of a namespace in windows of windowTables, each window's
// tables at once on the available cores (encoding is most of the cost of writing JSON, and
// after discovery nothing else runs), into buffers reused from one window to the next: what
// it holds is one window's output.
type tableWindow struct {
	tables []schema.Table
	prefix string
	start  int      // index of bufs[0] in tables
	bufs   [][]byte // the window's encoded tables
}

// windowTables is how many tables a window encodes; a window with fewer than parallelTables
// is encoded on the writing goroutine.
const (
	windowTables   = 128
	parallelTables = 32
)

func (w *tableWindow) reset(tables []schema.Table, prefix string) {
	w.tables, w.prefix, w.start, w.bufs = tables, prefix, 0, w.bufs[:0]
}

// table returns the encoding of table i, encoding the window that starts at i if i is not in
// the current one.
func (w *tableWindow) table(i int) []byte {
	if i < w.start || i >= w.start+len(w.bufs) {
		w.fill(i)
	}
	return w.bufs[i-w.start]
}

func (w *tableWindow) fill(start int) {
	n := min(windowTables, len(w.tables)-start)
	if cap(w.bufs) < n {
		w.bufs = append(w.bufs[:cap(w.bufs)], make([][]byte, n-cap(w.bufs))...)
	}
	w.start, w.bufs = start, w.bufs[:n]
	encode := func(k int) { w.bufs[k] = w.tables[start+k].AppendJSON(w.bufs[k][:0], w.prefix, "  ") }
	workers := min(runtime.GOMAXPROCS(0), 8)
	if n < parallelTables || workers < 2 {
		for k := range n {
			encode(k)
		}
		return
	}
	var wg sync.WaitGroup
	for g := range workers {
		wg.Go(func() {
			for k := g; k < n; k += workers {
				encode(k)
			}
		})
	}
	wg.Wait()
}

// flushBytes is how much indented output collects before it is written.
const flushBytes = 64 << 10

func (j *jsonWriter) writeSnapshot(s *schema.Snapshot) {
	j.out.WriteString("{")
	j.field(1, "engine", true)
	j.value(1, s.Engine)
	if s.ServerVersion != "" {
		j.field(1, "serverVersion", false)
		j.value(1, s.ServerVersion)
	}
	j.field(1, "capturedAt", false)
	j.value(1, s.CapturedAt)
	j.field(1, "databases", false)
	j.array(1, len(s.Databases), s.Databases == nil, func(i int) { j.writeDatabase(2, &s.Databases[i]) })
	if len(s.Failed) > 0 {
		j.field(1, "failed", false)
		j.value(1, s.Failed)
	}
	j.field(1, "complete", false)
	j.value(1, s.Complete)
	j.out.WriteString("\n}\n")
}

func (j *jsonWriter) writeDatabase(depth int, db *schema.Database) {
	j.out.WriteString("{")
	j.field(depth+1, "name", true)
	j.value(depth+1, db.Name)
	j.field(depth+1, "namespaces", false)
	j.array(depth+1, len(db.Namespaces), db.Namespaces == nil, func(i int) { j.writeNamespace(depth+2, &db.Namespaces[i]) })
	j.close(depth, "}")
}

func (j *jsonWriter) writeNamespace(depth int, ns *schema.Namespace) {
	j.out.WriteString("{")
	j.field(depth+1, "name", true)
	j.value(depth+1, ns.Name)
	if ns.Comment != "" {
		j.field(depth+1, "comment", false)
		j.value(depth+1, ns.Comment)
	}
	j.field(depth+1, "tables", false)
	j.tables.reset(ns.Tables, indentOf(depth+2))
	j.array(depth+1, len(ns.Tables), ns.Tables == nil, func(i int) { j.out.Write(j.tables.table(i)) })
	if len(ns.Enums) > 0 {
		j.field(depth+1, "enums", false)
		j.value(depth+1, ns.Enums)
	}
	j.close(depth, "}")
}

// field starts a member of an object at depth: its separator, new line, indentation and key.
func (j *jsonWriter) field(depth int, key string, first bool) {
	if !first {
		j.out.WriteByte(',')
	}
	j.newline(depth)
	j.out.WriteByte('"')
	j.out.WriteString(key) // the model's keys need no escaping
	j.out.WriteString(`": `)
}

// array writes an array whose elements sit at depth+1, each written by elem; a nil slice is
// null and an empty one [], as encoding/json writes them.
func (j *jsonWriter) array(depth, n int, isNil bool, elem func(i int)) {
	switch {
	case isNil:
		j.out.WriteString("null")
		return
	case n == 0:
		j.out.WriteString("[]")
		return
	}
	j.out.WriteByte('[')
	for i := range n {
		if i > 0 {
			j.out.WriteByte(',')
		}
		j.newline(depth + 1)
		elem(i)
		if j.err = j.flushIfBig(flushBytes); j.err != nil {
			return
		}
	}
	j.close(depth, "]")
}

// value encodes v with encoding/json and indents it as if it sat at depth in the document.
func (j *jsonWriter) value(depth int, v any) {
	if j.err != nil {
		return
	}
	j.raw.Reset()
	if j.err = j.enc.Encode(v); j.err != nil {
		return
	}
	raw := bytes.TrimSuffix(j.raw.Bytes(), []byte{'\n'})
	j.err = json.Indent(&j.out, raw, indentOf(depth), "  ")
}

func (j *jsonWriter) close(depth int, bracket string) {
	j.newline(depth)
	j.out.WriteString(bracket)
}

func (j *jsonWriter) newline(depth int) {
	j.out.WriteByte('\n')
	j.out.WriteString(indentOf(depth))
}

// flushIfBig writes the pending output once it holds at least limit bytes.
func (j *jsonWriter) flushIfBig(limit int) error {
	if j.err != nil || j.out.Len() < limit || j.out.Len() == 0 {
		return j.err
	}
	_, err := j.w.Write(j.out.Bytes())
	j.out.Reset()
	return err
}

// spaces is the indentation of the deepest levels the envelope needs, and more.
const spaces = "                                                                "

func indentOf(depth int) string {
	if 2*depth <= len(spaces) {
		return spaces[:2*depth]
	}
	return strings.Repeat("  ", depth)
}
