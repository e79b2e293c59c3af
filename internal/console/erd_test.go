package console

import (
	"fmt"
	"testing"

	"github.com/surveyorhq/surveyor/internal/catalog"
	"github.com/surveyorhq/surveyor/internal/schema"
)

// erdAssets is a schema of n tables: t0 is referenced by every tenth table, each table i > 0
// references table i/3 (a tree three wide), and tables past 3n/4 stand alone.
func erdAssets(n int) []catalog.Asset {
	var out []catalog.Asset
	for i := range n {
		t := &schema.Table{Name: fmt.Sprintf("t%d", i), Kind: schema.KindTable,
			Columns: []schema.Column{{Name: "id"}, {Name: "parent_id"}, {Name: "note"}}}
		t.PrimaryKey = &schema.Constraint{Columns: []string{"id"}}
		ref := func(to int) {
			t.ForeignKeys = append(t.ForeignKeys, schema.ForeignKey{Name: fmt.Sprintf("fk_%d_%d", i, to),
				Columns: []string{"parent_id"}, RefNamespace: "public", RefTable: fmt.Sprintf("t%d", to)})
		}
		if i > 0 && i < 3*n/4 {
			ref(i / 3)
			if i%10 == 0 {
				ref(0)
			}
		}
		out = append(out, catalog.Asset{ID: t.Name, Ref: schema.Ref{Database: "db", Namespace: "public", Table: t.Name}, Kind: t.Kind, Table: t})
	}
	return out
}

func TestERDLayout(t *testing.T) {
	for _, n := range []int{2, 12, 200} {
		t.Run(fmt.Sprint(n, " tables"), func(t *testing.T) {
			g := buildGraph(erdAssets(n), "")
			layoutGraph(g)
			if len(g.nodes) != n {
				t.Fatalf("%d nodes, want %d", len(g.nodes), n)
			}
			// No two tables overlap.
			for i, a := range g.nodes {
				for _, b := range g.nodes[i+1:] {
					if a.x < b.x+b.w && b.x < a.x+a.w && a.y < b.y+b.h && b.y < a.y+a.h {
						t.Fatalf("%s at (%.0f,%.0f %.0fx%.0f) overlaps %s at (%.0f,%.0f %.0fx%.0f)",
							a.name, a.x, a.y, a.w, a.h, b.name, b.x, b.y, b.w, b.h)
					}
				}
			}
			// A referenced table is above the tables that reference it (the graph has no cycle).
			for _, e := range g.edges {
				if from, to := g.nodes[e.from], g.nodes[e.to]; to.y >= from.y {
					t.Errorf("%s (y %.0f) references %s (y %.0f), which is not above it", from.name, from.y, to.name, to.y)
				}
			}
			// The diagram is about as wide as the frame, not one long row or column.
			if n >= 200 && (g.w/g.h > 4*aspect || g.h/g.w > 4/aspect) {
				t.Errorf("diagram is %.0f × %.0f", g.w, g.h)
			}
			// The same schema lays out the same way.
			again := buildGraph(erdAssets(n), "")
			layoutGraph(again)
			if g.svg() != again.svg() {
				t.Error("two layouts of one schema differ")
			}
		})
	}
}
