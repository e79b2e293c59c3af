package crawler

import (
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/surveyorhq/surveyor/internal/schema"
)

// unit is a table to be: a root folder and its partitions (leaf folders below it, or the root
// itself when it holds the data).
type unit struct {
	root    *folder
	kind    kind
	columns []schema.Column
	parts   []part
	// skipped is true when every folder of the unit was already crawled.
	skipped bool
}

// part is one partition (leaf folder) of a unit: its folder names below the root.
type part struct {
	values []string
	leaf   *folder
}

func (u *unit) depth() int {
	if len(u.parts) == 0 {
		return 0
	}
	return len(u.parts[0].values)
}

// Glue's similarity rule: siblings are partitions of one table when their schemas match above
// this share and there are at most maxSchemas distinct schemas.
const (
	similarity = 0.7
	maxSchemas = 5
)

// group walks the tree bottom-up and returns the tables to be. A folder whose sub-folders are
// each one compatible table-to-be of the same partition depth, and similar (or always, with
// CombineCompatibleSchemas, or at and below TableLevel), becomes one table whose partitions are
// theirs; otherwise each sub-folder's tables stand alone. Data files next to sub-folders make a
// table of their own folder.
func group(root *folder, g Grouping, res *Result) []*unit {
	units, _ := groupFolder(root, g, res)
	return units
}

// groupFolder returns f's tables-to-be and whether they are f itself as one table.
func groupFolder(f *folder, g Grouping, res *Result) ([]*unit, bool) {
	var (
		subs    []*unit
		unified = true
		names   = sortedNames(f.children)
	)
	for _, name := range names {
		us, whole := groupFolder(f.children[name], g, res)
		subs = append(subs, us...)
		if !whole {
			unified = false
		}
	}
	var own *unit
	if f.leaf != nil {
		own = &unit{root: f, kind: f.leaf.kind, columns: f.leaf.columns, parts: []part{{leaf: f}}, skipped: f.leaf.skipped}
	}
	if len(subs) == 0 {
		if own == nil {
			return nil, false
		}
		return []*unit{own}, true
	}
	if own != nil {
		res.Notes = append(res.Notes, fmt.Sprintf("%q has data files next to sub-folders: its files are a table of their own", f.path))
		return append([]*unit{own}, subs...), false
	}
	aboveLevel := g.TableLevel > 0 && f.level < g.TableLevel
	forced := g.TableLevel > 0 && f.level >= g.TableLevel
	if aboveLevel {
		return subs, false
	}
	if !unified && !forced {
		return subs, false
	}
	if why := mergeable(subs, g.CombineCompatibleSchemas || forced); why != "" {
		if f.path != "" || len(subs) > 1 {
			res.Notes = append(res.Notes, fmt.Sprintf("folders under %q are separate tables: %s", displayPath(f.path), why))
		}
		return subs, false
	}
	u := &unit{root: f, kind: subs[0].kind, skipped: true}
	for _, s := range subs {
		u.columns = unionColumns(u.columns, s.columns)
		u.skipped = u.skipped && s.skipped
		prefix := strings.Split(strings.TrimPrefix(s.root.path, f.path+"/"), "/")
		if f.path == "" {
			prefix = strings.Split(s.root.path, "/")
		}
		for _, p := range s.parts {
			u.parts = append(u.parts, part{values: append(append([]string{}, prefix...), p.values...), leaf: p.leaf})
		}
	}
	return []*unit{u}, true
}

func displayPath(p string) string {
	if p == "" {
		return "/"
	}
	return p
}

// mergeable says why sibling tables-to-be cannot be one table ("" when they can).
func mergeable(subs []*unit, combine bool) string {
	k, d := subs[0].kind.key(), subs[0].depth()+strings.Count(subs[0].root.path, "/")
	for _, s := range subs[1:] {
		if s.kind.key() != k {
			return fmt.Sprintf("%s holds %s data and %s holds %s (different format, compression or delimiter)",
				subs[0].root.path, describeKind(subs[0].kind), s.root.path, describeKind(s.kind))
		}
		if s.depth()+strings.Count(s.root.path, "/") != d {
			return fmt.Sprintf("%s and %s have partitions at different depths", subs[0].root.path, s.root.path)
		}
	}
	if combine {
		return ""
	}
	return similar(subs)
}

func describeKind(k kind) string {
	s := k.classification
	if k.compression != "none" {
		s += "+" + k.compression
	}
	if k.delimiter != "" {
		s += fmt.Sprintf(" (delimiter %q)", k.delimiter)
	}
	return s
}

// similar applies the similarity rule to the siblings' column sets: at most maxSchemas distinct
// sets, and either each covers more than 70% of their union, or the sets only add columns to one
// another (a chain under inclusion: a new column in some partitions). "" means similar.
func similar(subs []*unit) string {
	var sets []map[string]bool
	seen := map[string]bool{}
	union := map[string]bool{}
	for _, s := range subs {
		set := map[string]bool{}
		var names []string
		for _, c := range s.columns {
			set[c.Name] = true
			union[c.Name] = true
			names = append(names, c.Name)
		}
		key := strings.Join(sortStrings(names), ",")
		if !seen[key] {
			seen[key] = true
			sets = append(sets, set)
		}
	}
	if len(sets) == 1 {
		return ""
	}
	if len(sets) > maxSchemas {
		return fmt.Sprintf("%d different schemas (at most %d make one table)", len(sets), maxSchemas)
	}
	low := 1.0
	for _, s := range sets {
		low = min(low, float64(len(s))/float64(len(union)))
	}
	if low > similarity || chain(sets) {
		return ""
	}
	return fmt.Sprintf("their schemas share too few columns (%.0f%% of %d, more than %.0f%% needed; set Grouping.TableGroupingPolicy CombineCompatibleSchemas to combine them)",
		low*100, len(union), similarity*100)
}

// chain reports whether the sets are nested: ordered by size, each holds the previous one.
func chain(sets []map[string]bool) bool {
	ordered := append([]map[string]bool{}, sets...)
	for i := 1; i < len(ordered); i++ {
		for j := i; j > 0 && len(ordered[j]) < len(ordered[j-1]); j-- {
			ordered[j], ordered[j-1] = ordered[j-1], ordered[j]
		}
	}
	for i := 1; i < len(ordered); i++ {
		for n := range ordered[i-1] {
			if !ordered[i][n] {
				return false
			}
		}
	}
	return true
}

// partitionKeys names a unit's partition levels: the key of key=value folders when every folder
// of the level has the same key, else partition_<i>; and returns each part's values (the value
// of key=value folders, URL-unescaped, or the whole folder name).
func partitionKeys(u *unit) ([]string, [][]string) {
	n := u.depth()
	keys := make([]string, n)
	hive := make([]bool, n)
	for i := range n {
		key := ""
		for j, p := range u.parts {
			k, _, ok := strings.Cut(p.values[i], "=")
			if !ok || k == "" || (j > 0 && k != key) {
				key = ""
				break
			}
			key = k
		}
		hive[i] = key != ""
		if key == "" {
			key = fmt.Sprintf("partition_%d", i)
		}
		keys[i] = strings.ToLower(key)
	}
	vals := make([][]string, len(u.parts))
	for j, p := range u.parts {
		vals[j] = make([]string, n)
		for i, seg := range p.values {
			v := seg
			if hive[i] {
				_, v, _ = strings.Cut(seg, "=")
			}
			if u, err := url.PathUnescape(v); err == nil {
				v = u
			}
			vals[j][i] = v
		}
	}
	return keys, vals
}

func sortStrings(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}
