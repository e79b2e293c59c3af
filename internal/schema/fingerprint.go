package schema

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strings"
)

// Normalize puts a snapshot in canonical order so that two discoveries of the same source compare
// equal whatever order the catalog returned rows in: databases, namespaces, tables, enums and
// named constraints by name, columns by position. It changes s in place and returns it.
func (s *Snapshot) Normalize() *Snapshot {
	slices.SortFunc(s.Databases, func(a, b Database) int { return strings.Compare(a.Name, b.Name) })
	for di := range s.Databases {
		db := &s.Databases[di]
		slices.SortFunc(db.Namespaces, func(a, b Namespace) int { return strings.Compare(a.Name, b.Name) })
		for ni := range db.Namespaces {
			ns := &db.Namespaces[ni]
			slices.SortFunc(ns.Tables, func(a, b Table) int { return strings.Compare(a.Name, b.Name) })
			slices.SortFunc(ns.Enums, func(a, b Enum) int { return strings.Compare(a.Name, b.Name) })
			for ti := range ns.Tables {
				ns.Tables[ti].normalize()
			}
		}
	}
	slices.SortFunc(s.Failed, func(a, b AssetError) int { return compareRefs(a.Ref, b.Ref) })
	return s
}

func (t *Table) normalize() {
	slices.SortStableFunc(t.Columns, func(a, b Column) int { return a.Position - b.Position })
	byName := func(a, b Constraint) int { return strings.Compare(a.Name, b.Name) }
	slices.SortFunc(t.Uniques, byName)
	slices.SortFunc(t.ForeignKeys, func(a, b ForeignKey) int { return strings.Compare(a.Name, b.Name) })
	slices.SortFunc(t.Checks, func(a, b Check) int { return strings.Compare(a.Name, b.Name) })
	slices.SortFunc(t.Indexes, func(a, b Index) int { return strings.Compare(a.Name, b.Name) })
	if len(t.Options) == 0 {
		t.Options = nil
	}
}

// Canonical returns the canonical JSON form of a table's shape: the table in canonical order,
// without Meta. Equal shapes give equal bytes.
func (t Table) Canonical() []byte { return t.AppendCanonical(nil) }

// AppendCanonical appends the canonical JSON form of the table's shape (Canonical) to dst and
// returns the extended buffer, so that a caller encoding many tables reuses one buffer.
func (t Table) AppendCanonical(dst []byte) []byte {
	c := t
	c.Meta = Meta{}
	if !t.inCanonicalOrder() {
		c.Columns = slices.Clone(t.Columns)
		c.Uniques = slices.Clone(t.Uniques)
		c.ForeignKeys = slices.Clone(t.ForeignKeys)
		c.Checks = slices.Clone(t.Checks)
		c.Indexes = slices.Clone(t.Indexes)
		c.normalize()
	}
	return c.AppendJSON(dst, "", "")
}

// inCanonicalOrder reports whether normalize would leave t as it is, so Canonical need not
// copy it: columns in position order, and the named lists strictly in name order (equal names
// are left to the sort, whose order among them is what fingerprints always had).
func (t *Table) inCanonicalOrder() bool {
	return slices.IsSortedFunc(t.Columns, func(a, b Column) int { return a.Position - b.Position }) &&
		strictlyByName(t.Uniques, func(c Constraint) string { return c.Name }) &&
		strictlyByName(t.ForeignKeys, func(f ForeignKey) string { return f.Name }) &&
		strictlyByName(t.Checks, func(c Check) string { return c.Name }) &&
		strictlyByName(t.Indexes, func(i Index) string { return i.Name })
}

func strictlyByName[T any](s []T, name func(T) string) bool {
	for i := 1; i < len(s); i++ {
		if name(s[i-1]) >= name(s[i]) {
			return false
		}
	}
	return true
}

// Fingerprint is the hex SHA-256 of the table's canonical form.
func (t Table) Fingerprint() string {
	sum := sha256.Sum256(t.Canonical())
	return hex.EncodeToString(sum[:])
}

// Asset is one table-like asset of a snapshot with its reference.
type Asset struct {
	Ref   Ref
	Table *Table
}

// Assets lists every table-like asset of the snapshot in canonical order.
func (s *Snapshot) Assets() []Asset {
	var out []Asset
	for di := range s.Databases {
		db := &s.Databases[di]
		for ni := range db.Namespaces {
			ns := &db.Namespaces[ni]
			for ti := range ns.Tables {
				out = append(out, Asset{Ref: Ref{Database: db.Name, Namespace: ns.Name, Table: ns.Tables[ti].Name}, Table: &ns.Tables[ti]})
			}
		}
	}
	slices.SortFunc(out, func(a, b Asset) int { return compareRefs(a.Ref, b.Ref) })
	return out
}

// TableCount is the number of table-like assets in the snapshot.
func (s *Snapshot) TableCount() int {
	n := 0
	for _, db := range s.Databases {
		for _, ns := range db.Namespaces {
			n += len(ns.Tables)
		}
	}
	return n
}

func compareRefs(a, b Ref) int {
	if c := strings.Compare(a.Database, b.Database); c != 0 {
		return c
	}
	if c := strings.Compare(a.Namespace, b.Namespace); c != 0 {
		return c
	}
	return strings.Compare(a.Table, b.Table)
}

// mustJSON marshals model values, which hold only strings, numbers, slices and string maps.
func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic("schema: marshal: " + err.Error())
	}
	return b
}
