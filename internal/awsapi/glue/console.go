package glue

import (
	"context"
	"fmt"
	"strings"

	"github.com/surveyorhq/surveyor/internal/console"
	"github.com/surveyorhq/surveyor/internal/crawls"
	"github.com/surveyorhq/surveyor/internal/gluecatalog"
	"github.com/surveyorhq/surveyor/internal/runs"
	"github.com/surveyorhq/surveyor/internal/store"
)

// Console returns what the web console shows of Glue: the caller's crawlers in the caller's
// region, and Run now as StartCrawler.
func (f *Facade) Console() console.Sources { return consoleSources{f} }

type consoleSources struct{ f *Facade }

func (consoleSources) Service() string { return "Glue" }

func (c consoleSources) ListSources(ctx context.Context) ([]console.Source, error) {
	if c.f.Crawls == nil {
		return nil, nil
	}
	var out []console.Source
	err := c.f.DB.ReadTx(ctx, func(tx *store.Tx) error {
		list, err := c.f.Crawls.Sources(ctx, tx, gluecatalog.ScopeFrom(ctx))
		for _, s := range list {
			out = append(out, crawlerSource(s))
		}
		return err
	})
	return out, err
}

func (c consoleSources) GetSource(ctx context.Context, id string) (console.Source, error) {
	s, err := c.crawler(ctx, id)
	if err != nil {
		return console.Source{}, err
	}
	return crawlerSource(s), nil
}

// crawler finds a crawler of the caller's scope by the source id of its runs.
func (c consoleSources) crawler(ctx context.Context, id string) (crawls.Source, error) {
	if c.f.Crawls == nil || !strings.HasPrefix(id, "glue-crawler-") {
		return crawls.Source{}, fmt.Errorf("%s is not a crawler: %w", id, console.ErrNotFound)
	}
	var s crawls.Source
	err := c.f.DB.ReadTx(ctx, func(tx *store.Tx) (err error) {
		s, err = c.f.Crawls.BySource(ctx, tx, id)
		return err
	})
	if err != nil || s.Scope != gluecatalog.ScopeFrom(ctx) {
		return crawls.Source{}, fmt.Errorf("crawler %s: %w", id, console.ErrNotFound)
	}
	return s, nil
}

// RunNow calls StartCrawler, which refuses a crawler that runs already.
func (c consoleSources) RunNow(ctx context.Context, id, _ string) (console.Started, error) {
	s, err := c.crawler(ctx, id)
	if err != nil {
		return console.Started{}, err
	}
	if _, err := c.f.StartCrawler(ctx, &NameInput{Name: s.Crawler.Name}); err != nil {
		return console.Started{}, err
	}
	list, _, err := c.f.Runs.List(ctx, runs.ListQuery{Scope: s.Scope, SourceID: id, Limit: 1})
	if err != nil || len(list) == 0 {
		return console.Started{}, fmt.Errorf("find the crawl StartCrawler started: %v", err)
	}
	return console.Started{SourceID: id, RunID: list[0].ID}, nil
}

func crawlerSource(s crawls.Source) console.Source {
	cr := s.Crawler
	out := console.Source{ID: s.SourceID, Service: "Glue", Type: "crawler", Name: cr.Name, CanRun: true,
		RunHelp: "Run now calls StartCrawler, as `aws glue start-crawler` does. A crawl writes the Glue Data Catalog; its statistics are shown here."}
	var paths []string
	for _, t := range cr.Targets.S3Targets {
		paths = append(paths, t.Path)
	}
	for _, t := range cr.Targets.JdbcTargets {
		paths = append(paths, t.ConnectionName+": "+t.Path)
	}
	out.Location = strings.Join(paths, ", ")
	switch {
	case len(cr.Targets.JdbcTargets) > 0 && len(cr.Targets.S3Targets) == 0:
		out.Engine = "JDBC"
	case len(cr.Targets.S3Targets) > 0:
		out.Engine = "files"
	}
	if cr.Schedule != nil && cr.Schedule.ScheduleExpression != "" && cr.Schedule.State != "NOT_SCHEDULED" {
		out.Schedule = cr.Schedule.ScheduleExpression
	}
	if cr.State != crawls.Ready {
		out.RunHelp = fmt.Sprintf("The crawler is %s: StartCrawler refuses it until it is READY.", cr.State)
	}
	add := func(n, v string) {
		if v != "" {
			out.Settings = append(out.Settings, console.Setting{Name: n, Value: v})
		}
	}
	add("State", string(cr.State))
	add("Database", cr.DatabaseName)
	add("Role", cr.Role)
	add("Table prefix", cr.TablePrefix)
	add("Description", cr.Description)
	add("Targets", out.Location)
	add("Update behavior", cr.SchemaChangePolicy.UpdateBehavior)
	add("Delete behavior", cr.SchemaChangePolicy.DeleteBehavior)
	return out
}
