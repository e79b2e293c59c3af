package console

import (
	"net/http"
	"strings"

	"github.com/surveyorhq/surveyor/internal/catalog"
	"github.com/surveyorhq/surveyor/internal/schema"
	"github.com/surveyorhq/surveyor/internal/store"
)

const resultsPerPage = 50

type searchView struct {
	Query   string
	Results []searchResult
	Total   int
	Page    pager
}

// searchResult is an asset that matched, with what in it matched.
type searchResult struct {
	Asset   catalog.Asset
	Source  *Source
	Table   bool // the table's name or comment matched
	Columns []schema.Column
}

func (c *Console) searchPage(w http.ResponseWriter, r *http.Request, s *Session) (*view, error) {
	ctx := r.Context()
	q := r.URL.Query()
	d := &searchView{Query: strings.TrimSpace(q.Get("q"))}
	v := &view{Page: "search", Nav: "search", Title: "Search", D: d}
	if d.Query == "" {
		return v, nil
	}
	if len(d.Query) > 256 {
		return nil, badRequest("Search for at most 256 characters.")
	}
	// Only the catalogs of the sources the session sees: its account's, in its region.
	sources, err := c.allSources(ctx)
	if err != nil {
		return nil, err
	}
	var catalogs []string
	for _, src := range sources {
		catalogs = append(catalogs, src.ID)
		if src.CatalogID != "" {
			catalogs = append(catalogs, src.CatalogID)
		}
	}
	var assets []catalog.Asset
	page := pageNumber(q, "page")
	if len(catalogs) > 0 {
		err = c.cfg.DB.ReadTx(ctx, func(tx *store.Tx) (err error) {
			assets, d.Total, err = c.cfg.Catalog.Search(ctx, tx, s.AccountID, d.Query, catalogs, page*resultsPerPage, resultsPerPage)
			return err
		})
		if err != nil {
			return nil, err
		}
	}
	d.Page = newPager(q, d.Total, resultsPerPage)
	byID := map[string]*Source{}
	for i := range sources {
		byID[sources[i].ID] = &sources[i]
	}
	for i := range sources { // assets under a shared catalog id show its first source
		if id := sources[i].CatalogID; id != "" && byID[id] == nil {
			byID[id] = &sources[i]
		}
	}
	needle := strings.ToLower(d.Query)
	match := func(s string) bool { return strings.Contains(strings.ToLower(s), needle) }
	for _, a := range assets {
		res := searchResult{Asset: a, Source: byID[a.SourceID], Table: match(a.Table.Name) || match(a.Table.Comment)}
		var walk func(prefix string, cols []schema.Column)
		walk = func(prefix string, cols []schema.Column) {
			for _, col := range cols {
				if match(col.Name) || match(col.Comment) {
					col.Name = prefix + col.Name
					res.Columns = append(res.Columns, col)
				}
				for ty := &col.Type; ty != nil; ty = ty.Elem {
					walk(prefix+col.Name+".", ty.Fields)
				}
			}
		}
		walk("", a.Table.Columns)
		d.Results = append(d.Results, res)
	}
	return v, nil
}
