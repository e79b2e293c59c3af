package console

import (
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/surveyorhq/surveyor/internal/catalog"
	"github.com/surveyorhq/surveyor/internal/runs"
	"github.com/surveyorhq/surveyor/internal/schema"
	"github.com/surveyorhq/surveyor/internal/store"
)

type assetView struct {
	Asset     *catalog.Asset
	Source    *Source
	Revisions []catalog.Revision
	Removals  []catalog.RemovalEvent
	// FKs are the asset's foreign keys with the id of the asset each references ("" when the
	// catalog does not have it); BackLinks the foreign keys of other assets referencing it.
	FKs       []fkLink
	BackLinks []catalog.BackLink
	// ParentID is the asset id of the partitioned table a partition belongs to.
	ParentID string
	File     *fileView
	Options  []Setting
}

type fkLink struct {
	schema.ForeignKey
	Target  schema.Ref
	AssetID string
}

// fileView is what a dataset of files says about its files.
type fileView struct {
	Format        string
	Location      string
	Files         int
	PartitionKeys []string
}

func (c *Console) loadAsset(r *http.Request, s *Session, rev int) (*catalog.Asset, error) {
	ctx := r.Context()
	var a *catalog.Asset
	err := c.cfg.DB.Read(ctx, func(tx *store.Tx) (err error) {
		a, err = c.cfg.Catalog.GetAsset(ctx, tx, s.AccountID, r.PathValue("id"), rev)
		return err
	})
	if err == nil {
		// An asset is in the region of the run that wrote it: another region's is not found,
		// as another account's is not.
		if _, rerr := c.cfg.Runs.Get(ctx, s.Scope(), a.RunID); errors.Is(rerr, runs.ErrNotFound) {
			err = catalog.ErrNotFound
		} else if rerr != nil {
			return nil, rerr
		}
	}
	if errors.Is(err, catalog.ErrNotFound) {
		if rev != 0 {
			return nil, notFound("Asset %s has no revision %d in this account.", r.PathValue("id"), rev)
		}
		return nil, notFound("There is no asset %s in this account.", r.PathValue("id"))
	}
	return a, err
}

func (c *Console) assetPage(w http.ResponseWriter, r *http.Request, s *Session) (*view, error) {
	ctx := r.Context()
	rev, _ := strconv.Atoi(r.URL.Query().Get("rev"))
	a, err := c.loadAsset(r, s, max(rev, 0))
	if err != nil {
		return nil, err
	}
	d := &assetView{Asset: a}
	if src, _, err := c.findSource(ctx, a.SourceID); err == nil {
		d.Source = &src
	}
	t := a.Table
	err = c.cfg.DB.ReadTx(ctx, func(tx *store.Tx) error {
		var err error
		if d.Revisions, err = c.cfg.Catalog.ListRevisions(ctx, tx, s.AccountID, a.ID); err != nil {
			return err
		}
		if d.Removals, err = c.cfg.Catalog.Removals(ctx, tx, s.AccountID, a.ID); err != nil {
			return err
		}
		refs := []schema.Ref{}
		for _, fk := range t.ForeignKeys {
			refs = append(refs, fkTarget(a.Ref, fk))
		}
		var parent schema.Ref
		if ns, tb, ok := strings.Cut(t.PartitionOf, "."); ok {
			parent = schema.Ref{Database: a.Ref.Database, Namespace: ns, Table: tb}
			refs = append(refs, parent)
		}
		ids, err := c.cfg.Catalog.FindAssets(ctx, tx, s.AccountID, a.SourceID, refs)
		if err != nil {
			return err
		}
		for _, fk := range t.ForeignKeys {
			target := fkTarget(a.Ref, fk)
			d.FKs = append(d.FKs, fkLink{ForeignKey: fk, Target: target, AssetID: ids[target]})
		}
		d.ParentID = ids[parent]
		d.BackLinks, err = c.cfg.Catalog.ReferencedBy(ctx, tx, s.AccountID, a.SourceID, a.Ref)
		return err
	})
	if err != nil {
		return nil, err
	}
	for _, k := range slices.Sorted(maps.Keys(t.Options)) {
		d.Options = append(d.Options, Setting{Name: k, Value: t.Options[k]})
	}
	if t.Kind == schema.KindFile {
		d.File = &fileView{Format: t.Options["format"], Location: t.Meta.Location, Files: t.Meta.Files}
		if keys := t.Options["partition_keys"]; keys != "" {
			d.File.PartitionKeys = strings.Split(keys, ",")
		}
	}
	return &view{Page: "asset", Nav: "sources", Title: a.Ref.Table, D: d}, nil
}

// fkTarget is the table a foreign key references.
func fkTarget(from schema.Ref, fk schema.ForeignKey) schema.Ref {
	db := fk.RefDatabase
	if db == "" {
		db = from.Database
	}
	return schema.Ref{Database: db, Namespace: fk.RefNamespace, Table: fk.RefTable}
}

type diffView struct {
	Asset     *catalog.Asset
	From, To  int
	Revisions []catalog.Revision
	Changes   []schema.Description
	Rows      []diffRow
}

// diffRow is one line of the side-by-side diff: an object of the table in each revision.
type diffRow struct {
	Section     string
	Left, Right string
	// State is same, changed, added or removed.
	State string
}

func (c *Console) diffPage(w http.ResponseWriter, r *http.Request, s *Session) (*view, error) {
	ctx := r.Context()
	q := r.URL.Query()
	latest, err := c.loadAsset(r, s, 0)
	if err != nil {
		return nil, err
	}
	from, err1 := strconv.Atoi(q.Get("from"))
	to, err2 := strconv.Atoi(q.Get("to"))
	if q.Get("to") == "" {
		to, err2 = latest.LatestRevision, nil
	}
	if q.Get("from") == "" {
		from, err1 = max(to-1, 1), nil
	}
	if err1 != nil || err2 != nil || from < 1 || to < 1 || from > latest.LatestRevision || to > latest.LatestRevision {
		return nil, badRequest("Pick two revisions between 1 and %d.", latest.LatestRevision)
	}
	a, err := c.loadAsset(r, s, from)
	if err != nil {
		return nil, err
	}
	b, err := c.loadAsset(r, s, to)
	if err != nil {
		return nil, err
	}
	d := &diffView{Asset: latest, From: from, To: to}
	err = c.cfg.DB.Read(ctx, func(tx *store.Tx) (err error) {
		d.Revisions, err = c.cfg.Catalog.ListRevisions(ctx, tx, s.AccountID, latest.ID)
		return err
	})
	if err != nil {
		return nil, err
	}
	for _, ch := range schema.DiffTable(latest.Ref, a.Table, b.Table).Changes {
		d.Changes = append(d.Changes, schema.Describe(ch))
	}
	d.Rows = sideBySide(definition(a.Table), definition(b.Table))
	return &view{Page: "diff", Nav: "sources", Title: fmt.Sprintf("%s: revision %d → %d", latest.Ref.Table, from, to), D: d}, nil
}

// defLine is one object of a table's definition, keyed by section and name.
type defLine struct {
	Section, Key, Text string
}

// definition lists a table's objects as lines, section by section.
func definition(t *schema.Table) []defLine {
	var out []defLine
	add := func(section, key, text string) { out = append(out, defLine{section, key, text}) }
	add("table", "kind", "kind "+schema.KindNoun(t.Kind))
	if t.Comment != "" {
		add("table", "comment", "comment "+strconv.Quote(t.Comment))
	}
	for _, col := range t.Columns {
		add("columns", col.Name, columnLine(col))
	}
	if pk := t.PrimaryKey; pk != nil {
		add("keys", "primary key", "PRIMARY KEY "+pk.Name+" ("+strings.Join(pk.Columns, ", ")+")")
	}
	for _, u := range t.Uniques {
		add("keys", "unique "+u.Name, "UNIQUE "+u.Name+" ("+strings.Join(u.Columns, ", ")+")")
	}
	for _, fk := range t.ForeignKeys {
		add("foreign keys", fk.Name, fkLine(fk))
	}
	for _, ch := range t.Checks {
		add("checks", ch.Name, "CHECK "+ch.Name+" "+ch.Expression)
	}
	for _, ix := range t.Indexes {
		add("indexes", ix.Name, indexLine(ix))
	}
	if t.ViewDefinition != "" {
		add("view", "definition", t.ViewDefinition)
	}
	if t.PartitionKey != "" {
		add("partitioning", "key", "PARTITION BY "+t.PartitionKey)
	}
	if t.PartitionOf != "" {
		add("partitioning", "of", "PARTITION OF "+t.PartitionOf+" "+t.PartitionBound)
	}
	for _, k := range slices.Sorted(maps.Keys(t.Options)) {
		add("options", k, k+" = "+t.Options[k])
	}
	return out
}

func columnLine(c schema.Column) string {
	parts := []string{c.Name, c.Type.Declared}
	if !c.Nullable {
		parts = append(parts, "NOT NULL")
	}
	if c.Default != nil {
		parts = append(parts, "DEFAULT "+*c.Default)
	}
	if c.Identity != "" {
		parts = append(parts, "IDENTITY "+c.Identity)
	}
	if c.AutoIncrement {
		parts = append(parts, "AUTO_INCREMENT")
	}
	if c.Generated != "" {
		parts = append(parts, "GENERATED "+c.GeneratedKind+" AS ("+c.Generated+")")
	}
	if len(c.Type.Values) > 0 && !strings.Contains(c.Type.Declared, "(") {
		parts = append(parts, "("+strings.Join(c.Type.Values, ", ")+")")
	}
	if c.Comment != "" {
		parts = append(parts, "-- "+c.Comment)
	}
	return strings.Join(parts, " ")
}

func fkLine(fk schema.ForeignKey) string {
	ref := fk.RefNamespace + "." + fk.RefTable
	if fk.RefDatabase != "" {
		ref = fk.RefDatabase + "." + ref
	}
	return fmt.Sprintf("FOREIGN KEY %s (%s) REFERENCES %s (%s) ON UPDATE %s ON DELETE %s", fk.Name,
		strings.Join(fk.Columns, ", "), ref, strings.Join(fk.RefColumns, ", "), fk.OnUpdate, fk.OnDelete)
}

func indexLine(ix schema.Index) string {
	var parts []string
	for _, p := range ix.Parts {
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
	out := "INDEX " + ix.Name
	if ix.Unique {
		out = "UNIQUE " + out
	}
	if ix.Method != "" {
		out += " USING " + ix.Method
	}
	out += " (" + strings.Join(parts, ", ") + ")"
	if len(ix.Include) > 0 {
		out += " INCLUDE (" + strings.Join(ix.Include, ", ") + ")"
	}
	if ix.Predicate != "" {
		out += " WHERE " + ix.Predicate
	}
	return out
}

// sideBySide aligns two definitions by section and key: the newer order first, then what only
// the older has, within each section.
func sideBySide(old, new []defLine) []diffRow {
	type key struct{ section, key string }
	before := map[key]string{}
	var sections []string
	for _, l := range old {
		before[key{l.Section, l.Key}] = l.Text
	}
	for _, l := range append(slices.Clone(new), old...) {
		if !slices.Contains(sections, l.Section) {
			sections = append(sections, l.Section)
		}
	}
	var out []diffRow
	for _, sec := range sections {
		seen := map[string]bool{}
		for _, l := range new {
			if l.Section != sec {
				continue
			}
			seen[l.Key] = true
			prev, ok := before[key{sec, l.Key}]
			row := diffRow{Section: sec, Left: prev, Right: l.Text, State: "same"}
			switch {
			case !ok:
				row.State = "added"
			case prev != l.Text:
				row.State = "changed"
			}
			out = append(out, row)
		}
		for _, l := range old {
			if l.Section == sec && !seen[l.Key] {
				out = append(out, diffRow{Section: sec, Left: l.Text, State: "removed"})
			}
		}
	}
	return out
}
