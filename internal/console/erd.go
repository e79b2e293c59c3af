package console

import (
	"cmp"
	"fmt"
	"html"
	"html/template"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/surveyorhq/surveyor/internal/catalog"
	"github.com/surveyorhq/surveyor/internal/schema"
	"github.com/surveyorhq/surveyor/internal/store"
)

// maxDiagramTables bounds the tables one diagram reads.
const maxDiagramTables = 1000

type erdView struct {
	Source    *Source
	Database  string
	Namespace string
	Focus     string
	Tables    []string // every table of the namespace, for the focus picker
	Total     int
	Nodes     int
	Edges     int
	Outside   []erdOutside
	SVG       template.HTML
	Truncated bool
}

// erdOutside is a foreign key to a table outside the diagram.
type erdOutside struct {
	From   string
	FK     string
	Target schema.Ref
}

func (c *Console) erdPage(w http.ResponseWriter, r *http.Request, s *Session) (*view, error) {
	ctx := r.Context()
	q := r.URL.Query()
	src, _, err := c.findSource(ctx, q.Get("source"))
	if err != nil {
		return nil, err
	}
	d := &erdView{Source: &src, Database: q.Get("db"), Namespace: q.Get("ns"), Focus: q.Get("focus")}
	var assets []catalog.Asset
	err = c.cfg.DB.ReadTx(ctx, func(tx *store.Tx) (err error) {
		if d.Database == "" && d.Namespace == "" {
			ns, err := c.cfg.Catalog.Namespaces(ctx, tx, s.AccountID, src.Catalog())
			if err != nil || len(ns) == 0 {
				return err
			}
			d.Database, d.Namespace = ns[0].Database, ns[0].Namespace
		}
		assets, d.Total, err = c.cfg.Catalog.NamespaceAssets(ctx, tx, s.AccountID, src.Catalog(), d.Database, d.Namespace, maxDiagramTables)
		return err
	})
	if err != nil {
		return nil, err
	}
	d.Truncated = d.Total > len(assets)
	for _, a := range assets {
		d.Tables = append(d.Tables, a.Ref.Table)
	}
	if d.Focus != "" && !slices.Contains(d.Tables, d.Focus) {
		return nil, notFound("Schema %s has no table %s.", d.Namespace, d.Focus)
	}
	g := buildGraph(assets, d.Focus)
	for _, o := range g.outside {
		d.Outside = append(d.Outside, o)
	}
	layoutGraph(g)
	d.Nodes, d.Edges = len(g.nodes), len(g.edges)
	d.SVG = template.HTML(g.svg())
	return &view{Page: "erd", Nav: "sources", Title: "ER diagram of " + d.Namespace, D: d}, nil
}

// Sizes of the diagram, in SVG user units (pixels at zoom 1).
const (
	charWidth   = 7.2
	lineHeight  = 16.0
	headHeight  = 24.0
	nodePadding = 10.0
	maxLines    = 8
	minWidth    = 120.0
	maxWidth    = 280.0
	gapX        = 40.0
	gapY        = 70.0
	// Above compactAbove tables, nodes show only their key columns.
	compactAbove = 50
	compactLines = 4
	aspect       = 1.8           // of the frame the diagram is laid out for
	markWidth    = 5 * charWidth // room for "PK FK" before a column
)

type erdNode struct {
	name, assetID string
	kind          schema.Kind
	lines         []erdLine
	more          int
	w, h, x, y    float64
	layer, row    int
	order         float64
	comp          int
}

type erdLine struct {
	mark, text string
}

type erdEdge struct {
	from, to int // child (referencing) and parent (referenced) node indexes
	name     string
	fromX    float64 // anchor offsets along the node edges, set by layout
	toX      float64
}

type erdGraph struct {
	nodes   []*erdNode
	edges   []*erdEdge
	outside []erdOutside
	w, h    float64
}

// buildGraph makes one node per asset and one edge per foreign key between them. With focus,
// only that table and the tables it references or is referenced by are kept.
func buildGraph(assets []catalog.Asset, focus string) *erdGraph {
	g := &erdGraph{}
	index := map[string]int{}
	keep := map[string]bool{}
	if focus != "" {
		keep[focus] = true
		for _, a := range assets {
			for _, fk := range a.Table.ForeignKeys {
				if fk.RefNamespace == a.Ref.Namespace && fk.RefDatabase == "" {
					if a.Ref.Table == focus {
						keep[fk.RefTable] = true
					}
					if fk.RefTable == focus {
						keep[a.Ref.Table] = true
					}
				}
			}
		}
	}
	shown := 0
	for _, a := range assets {
		if focus == "" || keep[a.Ref.Table] {
			shown++
		}
	}
	for _, a := range assets {
		if focus != "" && !keep[a.Ref.Table] {
			continue
		}
		index[a.Ref.Table] = len(g.nodes)
		g.nodes = append(g.nodes, newNode(a, shown > compactAbove))
	}
	for _, a := range assets {
		from, ok := index[a.Ref.Table]
		if !ok {
			continue
		}
		for _, fk := range a.Table.ForeignKeys {
			to, ok := index[fk.RefTable]
			if fk.RefNamespace != a.Ref.Namespace || (fk.RefDatabase != "" && fk.RefDatabase != a.Ref.Database) || !ok {
				if focus == "" || a.Ref.Table == focus {
					g.outside = append(g.outside, erdOutside{From: a.Ref.Table, FK: fk.Name, Target: fkTarget(a.Ref, fk)})
				}
				continue
			}
			g.edges = append(g.edges, &erdEdge{from: from, to: to, name: fk.Name})
		}
	}
	return g
}

// newNode shows a table by name, with its key columns first (primary key, then foreign key
// columns) and the rest up to maxLines; compact, only the key columns, up to compactLines.
func newNode(a catalog.Asset, compact bool) *erdNode {
	t := a.Table
	n := &erdNode{name: a.Ref.Table, assetID: a.ID, kind: t.Kind}
	pk, fk := map[string]bool{}, map[string]bool{}
	if t.PrimaryKey != nil {
		for _, c := range t.PrimaryKey.Columns {
			pk[c] = true
		}
	}
	for _, f := range t.ForeignKeys {
		for _, c := range f.Columns {
			fk[c] = true
		}
	}
	var keys, rest []erdLine
	for _, c := range t.Columns {
		l := erdLine{text: c.Name + " " + c.Type.Declared}
		switch {
		case pk[c.Name] && fk[c.Name]:
			l.mark = "PK FK"
		case pk[c.Name]:
			l.mark = "PK"
		case fk[c.Name]:
			l.mark = "FK"
		}
		if l.mark != "" {
			keys = append(keys, l)
		} else {
			rest = append(rest, l)
		}
	}
	all, limit := append(keys, rest...), maxLines
	if compact {
		all, limit = keys, compactLines
	}
	switch {
	case len(all) > limit:
		n.more = len(t.Columns) - (limit - 1)
		all = all[:limit-1]
	case len(all) < len(t.Columns):
		n.more = len(t.Columns) - len(all)
	}
	n.lines = all
	width := float64(len([]rune(n.name)))*charWidth*1.1 + 2*nodePadding
	for _, l := range n.lines {
		width = max(width, float64(len([]rune(l.text))+1)*charWidth+markWidth+2*nodePadding)
	}
	n.w = math.Min(math.Max(width, minWidth), maxWidth)
	count := len(n.lines)
	if n.more > 0 {
		count++
	}
	n.h = headHeight + float64(count)*lineHeight + 6
	return n
}

// layoutGraph places the nodes: each connected group of tables in layers (referenced tables
// above the tables that reference them, long layers wrapped into rows), ordered to shorten
// edges, groups packed in shelves, and lone tables in a grid after them.
func layoutGraph(g *erdGraph) {
	comps := components(g)
	type block struct {
		nodes []*erdNode
		w, h  float64
	}
	var blocks []block
	var lone []*erdNode
	for _, comp := range comps {
		if len(comp) == 1 {
			lone = append(lone, g.nodes[comp[0]])
			continue
		}
		nodes := layoutComponent(g, comp)
		w, h := bounds(nodes)
		blocks = append(blocks, block{nodes, w, h})
	}
	if len(lone) > 0 {
		slices.SortFunc(lone, func(a, b *erdNode) int { return strings.Compare(a.name, b.name) })
		gridLayout(lone)
		w, h := bounds(lone)
		blocks = append(blocks, block{lone, w, h})
	}
	// Shelf packing, at most about sqrt(area)*1.6 wide (or the widest block).
	area, widest := 0.0, 0.0
	for _, b := range blocks {
		area += (b.w + gapX*2) * (b.h + gapY)
		widest = max(widest, b.w)
	}
	limit := max(math.Sqrt(area)*1.6, widest)
	x, y, shelf := 0.0, 0.0, 0.0
	for _, b := range blocks {
		if x > 0 && x+b.w > limit {
			x, y, shelf = 0, y+shelf+gapY*1.5, 0
		}
		for _, n := range b.nodes {
			n.x += x
			n.y += y
		}
		x += b.w + gapX*2
		shelf = max(shelf, b.h)
	}
	const margin = 30
	w, h := bounds(g.nodes)
	for _, n := range g.nodes {
		n.x += margin
		n.y += margin
	}
	g.w, g.h = w+2*margin, h+2*margin
	anchorEdges(g)
}

// components returns the connected groups of nodes, largest first.
func components(g *erdGraph) [][]int {
	adj := make([][]int, len(g.nodes))
	for _, e := range g.edges {
		if e.from != e.to {
			adj[e.from] = append(adj[e.from], e.to)
			adj[e.to] = append(adj[e.to], e.from)
		}
	}
	seen := make([]bool, len(g.nodes))
	var out [][]int
	for i := range g.nodes {
		if seen[i] {
			continue
		}
		var comp []int
		stack := []int{i}
		seen[i] = true
		for len(stack) > 0 {
			n := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			comp = append(comp, n)
			for _, m := range adj[n] {
				if !seen[m] {
					seen[m] = true
					stack = append(stack, m)
				}
			}
		}
		slices.Sort(comp)
		out = append(out, comp)
	}
	slices.SortStableFunc(out, func(a, b []int) int { return cmp.Compare(len(b), len(a)) })
	return out
}

// layoutComponent places one connected group, from its top-left corner.
func layoutComponent(g *erdGraph, comp []int) []*erdNode {
	c := newComponent(g, comp)
	rows := c.rows(c.layers())
	c.sweep(rows)
	return c.place(rows)
}

// component is one connected group of tables being laid out: its foreign-key edges both ways.
type component struct {
	g        *erdGraph
	nodes    []int
	parents  map[int][]int // child → referenced tables
	children map[int][]int
}

func newComponent(g *erdGraph, comp []int) *component {
	in := map[int]bool{}
	for _, i := range comp {
		in[i] = true
	}
	c := &component{g: g, nodes: comp, parents: map[int][]int{}, children: map[int][]int{}}
	for _, e := range g.edges {
		if e.from != e.to && in[e.from] {
			c.parents[e.from] = append(c.parents[e.from], e.to)
			c.children[e.to] = append(c.children[e.to], e.from)
		}
	}
	return c
}

// layers numbers each node by its longest path from the referenced tables; a cycle is cut where
// it is met.
func (c *component) layers() map[int]int {
	layer := map[int]int{}
	state := map[int]int{} // 1 visiting, 2 done
	var visit func(n int) int
	visit = func(n int) int {
		switch state[n] {
		case 1:
			return -1
		case 2:
			return layer[n]
		}
		state[n] = 1
		l := 0
		for _, p := range c.parents[n] {
			if pl := visit(p); pl >= 0 {
				l = max(l, pl+1)
			}
		}
		state[n], layer[n] = 2, l
		return l
	}
	for _, i := range c.nodes {
		visit(i)
	}
	return layer
}

// rows puts each layer's nodes in rows, hubs first, wrapped so that the group comes out about as
// wide as the frame.
func (c *component) rows(layer map[int]int) [][]int {
	g := c.g
	sumW, sumH := 0.0, 0.0
	for _, i := range c.nodes {
		sumW += g.nodes[i].w + gapX
		sumH += g.nodes[i].h + gapY
	}
	n := float64(len(c.nodes))
	maxRowNodes := max(4, int(math.Ceil(math.Sqrt(n*aspect*(sumH/n)/(sumW/n)))))
	byLayer := map[int][]int{}
	top := 0
	for _, i := range c.nodes {
		byLayer[layer[i]] = append(byLayer[layer[i]], i)
		top = max(top, layer[i])
		g.nodes[i].order = float64(len(c.children[i])) // hubs first before the sweeps
	}
	var rows [][]int
	for l := 0; l <= top; l++ {
		nodes := byLayer[l]
		slices.SortStableFunc(nodes, func(a, b int) int { return cmp.Compare(g.nodes[b].order, g.nodes[a].order) })
		for len(nodes) > 0 {
			n := min(len(nodes), maxRowNodes)
			rows = append(rows, nodes[:n:n])
			nodes = nodes[n:]
		}
	}
	c.position(rows)
	return rows
}

// position records each node's row and its place in it.
func (c *component) position(rows [][]int) {
	for r, row := range rows {
		for k, i := range row {
			c.g.nodes[i].row, c.g.nodes[i].order = r, float64(k)
		}
	}
}

// sweep orders each row by the mean position of its neighbours in other rows (barycenter
// sweeps, down and up), so that edges cross less.
func (c *component) sweep(rows [][]int) {
	for sweep := 0; sweep < 6; sweep++ {
		for r := range rows {
			idx := r
			if sweep%2 == 1 {
				idx = len(rows) - 1 - r
			}
			row := rows[idx]
			bary := map[int]float64{}
			for _, i := range row {
				bary[i] = c.barycenter(rows, idx, i)
			}
			slices.SortStableFunc(row, func(a, b int) int { return cmp.Compare(bary[a], bary[b]) })
			c.position(rows)
		}
	}
}

// barycenter is the mean relative position of node i's neighbours outside its row idx, or its
// own relative position when it has none.
func (c *component) barycenter(rows [][]int, idx, i int) float64 {
	nodes := c.g.nodes
	sum, n := 0.0, 0
	for _, ms := range [][]int{c.parents[i], c.children[i]} {
		for _, m := range ms {
			if nodes[m].row != idx {
				sum += nodes[m].order / float64(max(len(rows[nodes[m].row])-1, 1))
				n++
			}
		}
	}
	if n == 0 {
		return nodes[i].order / float64(max(len(rows[idx])-1, 1))
	}
	return sum / float64(n)
}

// place gives the nodes their coordinates: rows top to bottom, each centred on the widest.
func (c *component) place(rows [][]int) []*erdNode {
	g := c.g
	widths := make([]float64, len(rows))
	widest := 0.0
	for r, row := range rows {
		for _, i := range row {
			widths[r] += g.nodes[i].w + gapX
		}
		widths[r] -= gapX
		widest = max(widest, widths[r])
	}
	y := 0.0
	var out []*erdNode
	for r, row := range rows {
		x := (widest - widths[r]) / 2
		tallest := 0.0
		for _, i := range row {
			n := g.nodes[i]
			n.x, n.y = x, y
			x += n.w + gapX
			tallest = max(tallest, n.h)
			out = append(out, n)
		}
		y += tallest + gapY
	}
	return out
}

// gridLayout places nodes in rows of about square overall shape.
func gridLayout(nodes []*erdNode) {
	per := max(int(math.Ceil(math.Sqrt(float64(len(nodes))*1.5))), 1)
	x, y, tallest := 0.0, 0.0, 0.0
	for i, n := range nodes {
		if i > 0 && i%per == 0 {
			x, y, tallest = 0, y+tallest+gapY/2, 0
		}
		n.x, n.y = x, y
		x += n.w + gapX
		tallest = max(tallest, n.h)
	}
}

func bounds(nodes []*erdNode) (w, h float64) {
	minX, minY := math.Inf(1), math.Inf(1)
	for _, n := range nodes {
		minX, minY = min(minX, n.x), min(minY, n.y)
	}
	for _, n := range nodes {
		n.x -= minX
		n.y -= minY
		w, h = max(w, n.x+n.w), max(h, n.y+n.h)
	}
	return w, h
}

// anchorEdges spreads the ends of the edges along each node's side, ordered by where the other
// end lies, so that edges into a much-referenced table do not all meet in one point.
func anchorEdges(g *erdGraph) {
	type end struct {
		e    *erdEdge
		from bool
		x    float64
	}
	ends := map[*erdNode][]end{}
	for _, e := range g.edges {
		a, b := g.nodes[e.from], g.nodes[e.to]
		ends[a] = append(ends[a], end{e, true, b.x + b.w/2})
		ends[b] = append(ends[b], end{e, false, a.x + a.w/2})
	}
	for n, list := range ends {
		slices.SortFunc(list, func(p, q end) int { return cmp.Compare(p.x, q.x) })
		for k, en := range list {
			off := n.w * float64(k+1) / float64(len(list)+1)
			if en.from {
				en.e.fromX = off
			} else {
				en.e.toX = off
			}
		}
	}
}

// svg renders the diagram. Nodes are g.node elements with data-table, edges path.edge
// elements with data-from, data-to and data-fk, for the page's script and for tests.
func (g *erdGraph) svg() string {
	var b strings.Builder
	fmt.Fprintf(&b, `<svg id="erd" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %.0f %.0f" width="%.0f" height="%.0f" role="img" aria-label="ER diagram">`,
		g.w, g.h, g.w, g.h)
	b.WriteString(`<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" class="arrowhead"/></marker></defs>`)
	b.WriteString(`<g class="edges">`)
	for _, e := range g.edges {
		a, t := g.nodes[e.from], g.nodes[e.to]
		fmt.Fprintf(&b, `<path class="edge" data-from="%s" data-to="%s" data-fk="%s" d="%s" marker-end="url(#arrow)"><title>%s</title></path>`,
			esc(a.name), esc(t.name), esc(e.name), edgePath(a, t, e), esc(e.name+": "+a.name+" → "+t.name))
	}
	b.WriteString(`</g><g class="nodes">`)
	for _, n := range g.nodes {
		fmt.Fprintf(&b, `<g class="node kind-%s" data-table="%s" data-asset="%s" transform="translate(%.1f %.1f)">`,
			esc(string(n.kind)), esc(n.name), esc(n.assetID), n.x, n.y)
		fmt.Fprintf(&b, `<rect class="box" width="%.1f" height="%.1f" rx="4"/>`, n.w, n.h)
		fmt.Fprintf(&b, `<rect class="head" width="%.1f" height="%.1f" rx="4"/>`, n.w, headHeight)
		fmt.Fprintf(&b, `<a href="/console/assets/%s"><text class="name" x="%.1f" y="16">%s</text></a>`,
			url.PathEscape(n.assetID), nodePadding, esc(clip(n.name, n.w)))
		for i, l := range n.lines {
			y := headHeight + float64(i+1)*lineHeight - 3
			if l.mark != "" {
				fmt.Fprintf(&b, `<text class="mark" x="%.1f" y="%.1f">%s</text>`, nodePadding, y, l.mark)
			}
			fmt.Fprintf(&b, `<text class="col" x="%.1f" y="%.1f">%s</text>`, nodePadding+markWidth, y, esc(clip(l.text, n.w-markWidth)))
		}
		if n.more > 0 {
			y := headHeight + float64(len(n.lines)+1)*lineHeight - 3
			fmt.Fprintf(&b, `<text class="more" x="%.1f" y="%.1f">+ %d more column%s</text>`, nodePadding+markWidth, y, n.more, plural(n.more))
		}
		b.WriteString(`</g>`)
	}
	b.WriteString(`</g></svg>`)
	return b.String()
}

// edgePath draws a foreign key from the referencing node to the referenced one: a curve
// between facing sides, or a loop for a table referencing itself.
func edgePath(a, t *erdNode, e *erdEdge) string {
	if a == t {
		x, y := a.x+a.w, a.y+headHeight/2
		return fmt.Sprintf("M%.1f %.1f C%.1f %.1f %.1f %.1f %.1f %.1f", x, y+6, x+40, y+30, x+40, y-20, x, y-4)
	}
	ax, tx := a.x+e.fromX, t.x+e.toX
	switch {
	case a.y >= t.y+t.h: // below the referenced table: up from the top side
		y1, y2 := a.y, t.y+t.h
		mid := (y1 - y2) / 2
		return fmt.Sprintf("M%.1f %.1f C%.1f %.1f %.1f %.1f %.1f %.1f", ax, y1, ax, y1-mid, tx, y2+mid, tx, y2)
	case a.y+a.h <= t.y: // above: down from the bottom side
		y1, y2 := a.y+a.h, t.y
		mid := (y2 - y1) / 2
		return fmt.Sprintf("M%.1f %.1f C%.1f %.1f %.1f %.1f %.1f %.1f", ax, y1, ax, y1+mid, tx, y2-mid, tx, y2)
	}
	// Side by side: over the top.
	y1, y2 := a.y, t.y
	lift := math.Min(y1, y2) - 40
	return fmt.Sprintf("M%.1f %.1f C%.1f %.1f %.1f %.1f %.1f %.1f", ax, y1, ax, lift, tx, lift, tx, y2)
}

func esc(s string) string { return html.EscapeString(s) }

// clip shortens text to fit width.
func clip(s string, width float64) string {
	r := []rune(s)
	n := int((width - 2*nodePadding) / charWidth)
	if len(r) <= n || n < 2 {
		return s
	}
	return string(r[:n-1]) + "…"
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
