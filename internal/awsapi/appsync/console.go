package appsync

import (
	"context"
	"fmt"
	"strings"

	"github.com/surveyorhq/surveyor/internal/console"
	"github.com/surveyorhq/surveyor/internal/core"
	"github.com/surveyorhq/surveyor/internal/resources"
	"github.com/surveyorhq/surveyor/internal/store"
)

// Console returns what the web console shows of AppSync: the caller's introspections still
// within their retention, each its own source with its one run. Run now starts a new
// introspection of the same database, as StartDataSourceIntrospection does.
func (f *Facade) Console() console.Sources { return consoleSources{f} }

type consoleSources struct{ f *Facade }

func (consoleSources) Service() string { return "AppSync" }

func (c consoleSources) ListSources(ctx context.Context) ([]console.Source, error) {
	sc := core.Scope(ctx)
	var out []console.Source
	err := c.f.DB.ReadTx(ctx, func(tx *store.Tx) error {
		after := ""
		for {
			recs, more, err := resources.List(ctx, tx, sc, Kind, resources.ListQuery{After: after, Limit: 500})
			if err != nil {
				return err
			}
			for _, rec := range recs {
				var d introspection
				if err := rec.Decode(&d); err != nil {
					return err
				}
				if c.live(&d) {
					out = append(out, source(&d))
				}
				after = rec.ID
			}
			if !more {
				return nil
			}
		}
	})
	return out, err
}

func (c consoleSources) live(d *introspection) bool {
	return c.f.Now().Before(d.CreatedAt.Add(c.f.retention()))
}

func (c consoleSources) GetSource(ctx context.Context, id string) (console.Source, error) {
	d, err := c.doc(ctx, id)
	if err != nil {
		return console.Source{}, err
	}
	return source(d), nil
}

func (c consoleSources) doc(ctx context.Context, id string) (*introspection, error) {
	var d introspection
	err := c.f.DB.Read(ctx, func(tx *store.Tx) error {
		rec, err := resources.Get(ctx, tx, core.Scope(ctx), Kind, id)
		if err != nil {
			return err
		}
		return rec.Decode(&d)
	})
	if err != nil || !c.live(&d) {
		return nil, fmt.Errorf("introspection %s: %w", id, console.ErrNotFound)
	}
	return &d, nil
}

// RunNow starts a new introspection with the same rdsDataApiConfig: an introspection runs once,
// so the new run is a new source.
func (c consoleSources) RunNow(ctx context.Context, id, _ string) (console.Started, error) {
	d, err := c.doc(ctx, id)
	if err != nil {
		return console.Started{}, err
	}
	out, err := c.f.StartDataSourceIntrospection(ctx, &StartInput{RdsDataAPIConfig: &RDSDataAPIConfig{
		ResourceArn: &d.ResourceArn, SecretArn: &d.SecretArn, DatabaseName: &d.DatabaseName}})
	if err != nil {
		return console.Started{}, err
	}
	return console.Started{SourceID: out.IntrospectionID, RunID: out.IntrospectionID}, nil
}

func source(d *introspection) console.Source {
	cluster := d.ResourceArn[strings.LastIndex(d.ResourceArn, ":")+1:]
	return console.Source{ID: d.ID, Service: "AppSync", Type: "introspection", Name: d.DatabaseName + " on " + cluster,
		Engine: d.Engine, Location: d.DatabaseName, CanRun: true, Created: d.CreatedAt,
		RunHelp: "An introspection runs once: Run now starts a new one of the same database (StartDataSourceIntrospection).",
		Settings: []console.Setting{{Name: "Introspection id", Value: d.ID}, {Name: "Cluster ARN", Value: d.ResourceArn},
			{Name: "Credentials secret", Value: d.SecretArn}, {Name: "Database", Value: d.DatabaseName}}}
}
