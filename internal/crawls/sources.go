package crawls

import (
	"context"

	"github.com/surveyorhq/surveyor/internal/gluecatalog"
	"github.com/surveyorhq/surveyor/internal/store"
)

// Source is a crawler with the source id of its runs and schedule, for readers that show
// crawlers next to other discovery sources (the web console).
type Source struct {
	SourceID string
	Scope    gluecatalog.Scope
	Crawler  *Crawler
}

// Sources returns every crawler of a scope with its source id, by name.
func (s *Service) Sources(ctx context.Context, tx *store.Tx, sc gluecatalog.Scope) ([]Source, error) {
	var out []Source
	after := ""
	for {
		recs, more, err := listRecords(ctx, tx, sc, after, 500)
		if err != nil {
			return nil, err
		}
		for _, r := range recs {
			c, err := s.view(ctx, tx, r)
			if err != nil {
				return nil, err
			}
			out = append(out, Source{SourceID: r.SourceID, Scope: r.Scope, Crawler: c})
			after = r.Def.Name
		}
		if !more {
			return out, nil
		}
	}
}

// BySource returns the crawler whose runs have the source id, or a *gluecatalog.NotFoundError.
func (s *Service) BySource(ctx context.Context, tx *store.Tx, sourceID string) (Source, error) {
	r, err := recordBySource(ctx, tx, sourceID)
	if err != nil {
		return Source{}, err
	}
	c, err := s.view(ctx, tx, r)
	if err != nil {
		return Source{}, err
	}
	return Source{SourceID: r.SourceID, Scope: r.Scope, Crawler: c}, nil
}
