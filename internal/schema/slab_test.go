package schema

import (
	"fmt"
	"testing"
)

func TestColumnSlab(t *testing.T) {
	for _, widths := range [][]int{
		{3, 5, 1},                     // runs within one block
		{columnBlock - 2, 5, 7},       // the second run moves to a new block
		{columnBlock + 10, 2},         // a run wider than a block
		{1, columnBlock, columnBlock}, // runs that fill blocks exactly
	} {
		t.Run(fmt.Sprint(widths), func(t *testing.T) {
			var s ColumnSlab
			var runs [][]Column
			for r, w := range widths {
				for i := range w {
					s.Next().Name = fmt.Sprintf("r%dc%d", r, i)
				}
				if got := s.Collected(); got != w {
					t.Fatalf("run %d: collected %d, want %d", r, got, w)
				}
				run := s.Cut()
				if len(run) != w || cap(run) != w {
					t.Fatalf("run %d: len %d cap %d, want both %d", r, len(run), cap(run), w)
				}
				// Appending to a cut run must never write into the next one.
				grown := append(run, Column{Name: "appended"})
				grown[0].Name = "changed copy"
				runs = append(runs, run)
			}
			// Every run still holds its own columns, in order, after all the later writes.
			for r, run := range runs {
				for i, c := range run {
					if want := fmt.Sprintf("r%dc%d", r, i); c.Name != want {
						t.Fatalf("run %d column %d is %q, want %q", r, i, c.Name, want)
					}
				}
			}
		})
	}
}
