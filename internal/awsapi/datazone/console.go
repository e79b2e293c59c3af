package datazone

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/surveyorhq/surveyor/internal/awsapi"
	"github.com/surveyorhq/surveyor/internal/console"
	"github.com/surveyorhq/surveyor/internal/core"
	"github.com/surveyorhq/surveyor/internal/resources"
	"github.com/surveyorhq/surveyor/internal/scope"
	"github.com/surveyorhq/surveyor/internal/store"
)

// Console returns what the web console shows of DataZone: every data source of the caller, and
// Run now as StartDataSourceRun.
func (f *Facade) Console() console.Sources { return consoleSources{f} }

type consoleSources struct{ f *Facade }

func (consoleSources) Service() string { return "DataZone" }

func (c consoleSources) ListSources(ctx context.Context) ([]console.Source, error) {
	sc := core.Scope(ctx)
	var out []console.Source
	domains := map[string]string{}
	err := c.f.DB.ReadTx(ctx, func(tx *store.Tx) error {
		after := ""
		for {
			recs, more, err := resources.List(ctx, tx, sc, kindDataSource, resources.ListQuery{After: after, Limit: 500})
			if err != nil {
				return err
			}
			for _, rec := range recs {
				var d dataSourceDoc
				if err := rec.Decode(&d); err != nil {
					return err
				}
				out = append(out, c.source(ctx, tx, sc, &d, domains))
				after = rec.ID
			}
			if !more {
				return nil
			}
		}
	})
	return out, err
}

func (c consoleSources) GetSource(ctx context.Context, id string) (console.Source, error) {
	sc := core.Scope(ctx)
	var src console.Source
	err := c.f.DB.ReadTx(ctx, func(tx *store.Tx) error {
		d, err := c.doc(ctx, tx, sc, id)
		if err == nil {
			src = c.source(ctx, tx, sc, d, map[string]string{})
		}
		return err
	})
	return src, err
}

func (c consoleSources) doc(ctx context.Context, tx *store.Tx, sc scope.Scope, id string) (*dataSourceDoc, error) {
	rec, err := resources.Get(ctx, tx, sc, kindDataSource, id)
	if isNotFound(err) {
		return nil, fmt.Errorf("data source %s: %w", id, console.ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	var d dataSourceDoc
	return &d, rec.Decode(&d)
}

// RunNow calls StartDataSourceRun itself.
func (c consoleSources) RunNow(ctx context.Context, id, clientToken string) (console.Started, error) {
	var d *dataSourceDoc
	err := c.f.DB.ReadTx(ctx, func(tx *store.Tx) (err error) {
		d, err = c.doc(ctx, tx, core.Scope(ctx), id)
		return err
	})
	if err != nil {
		return console.Started{}, err
	}
	body, _ := json.Marshal(map[string]string{"clientToken": clientToken})
	_, out, err := c.f.startDataSourceRun(ctx, &awsapi.RESTRequest{Operation: "StartDataSourceRun",
		Labels: map[string]string{"domainIdentifier": d.DomainID, "dataSourceIdentifier": id}, Body: body})
	if err != nil {
		return console.Started{}, err
	}
	run, ok := out.(runOutput)
	if !ok {
		return console.Started{}, errors.New("StartDataSourceRun answered no run")
	}
	return console.Started{SourceID: id, RunID: run.ID}, nil
}

func (c consoleSources) source(ctx context.Context, tx *store.Tx, sc scope.Scope, d *dataSourceDoc, domains map[string]string) console.Source {
	name, ok := domains[d.DomainID]
	if !ok {
		if dom, err := c.f.loadDomain(ctx, tx, sc, d.DomainID); err == nil {
			name = dom.Name
		}
		domains[d.DomainID] = name
	}
	s := console.Source{ID: d.ID, Service: "DataZone", Type: "data source", Name: d.Name, Engine: d.Type,
		CanRun: d.Status == "READY", Created: d.CreatedAt,
		RunHelp: "Run now calls StartDataSourceRun, as `aws datazone start-data-source-run` does."}
	if !s.CanRun {
		s.RunHelp = fmt.Sprintf("The data source is %s: update it before it can run.", d.Status)
	}
	if d.Schedule != nil && d.Schedule.Schedule != "" {
		tz := d.Schedule.Timezone
		if tz == "" {
			tz = "UTC"
		}
		s.Schedule = cronExpr(d.Schedule.Schedule) + " " + tz
	}
	var dbs []string
	for _, fc := range d.filters() {
		scope := fc.DatabaseName
		if fc.SchemaName != "" {
			scope += "." + fc.SchemaName
		}
		var exprs []string
		for _, e := range fc.FilterExpressions {
			exprs = append(exprs, strings.ToLower(e.Type)+" "+e.Expression)
		}
		if len(exprs) > 0 {
			scope += " (" + strings.Join(exprs, ", ") + ")"
		}
		dbs = append(dbs, scope)
	}
	s.Location = strings.Join(dbs, "; ")
	add := func(n, v string) {
		if v != "" {
			s.Settings = append(s.Settings, console.Setting{Name: n, Value: v})
		}
	}
	add("Domain", name)
	add("Domain id", d.DomainID)
	add("Project id", d.ProjectID)
	add("Description", d.Description)
	add("Credentials secret", d.secretID())
	add("Tables", s.Location)
	add("Enabled", strings.ToLower(d.EnableSetting))
	add("Status", d.Status)
	if d.ErrorMessage != nil {
		add("Error", d.ErrorMessage.ErrorType+": "+d.ErrorMessage.ErrorDetail)
	}
	return s
}

// portalURL is a domain's portalUrl: the web console when the server has one, else the address
// AWS would give the domain in its region.
func (f *Facade) portalURL(sc scope.Scope, domainID string) string {
	if f.PortalURL != nil {
		if u := f.PortalURL(domainID); u != "" {
			return u
		}
	}
	return fmt.Sprintf("https://%s.datazone.%s.on.aws", domainID, sc.Region)
}

// CreateSample registers a database the way a person would through the API — a domain, a
// project, and a data source reading the database with the credentials of secretName — and
// starts its first run. The server calls it on first start with the sample shop database.
func (f *Facade) CreateSample(ctx context.Context, domainName, sourceName, secretName, database string) (console.Started, error) {
	call := func(op string, h func(context.Context, *awsapi.RESTRequest) (int, any, error), labels map[string]string, in any) (string, error) {
		body, _ := json.Marshal(in)
		_, out, err := h(ctx, &awsapi.RESTRequest{Operation: op, Labels: labels, Body: body})
		if err != nil {
			return "", fmt.Errorf("%s: %w", op, err)
		}
		b, _ := json.Marshal(out)
		var id struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(b, &id); err != nil || id.ID == "" {
			return "", fmt.Errorf("%s answered no id", op)
		}
		return id.ID, nil
	}
	domainID, err := call("CreateDomain", f.createDomain, nil, map[string]any{"name": domainName,
		"description": "Created by Surveyor on first start to show the console: the sample shop database."})
	if err != nil {
		return console.Started{}, err
	}
	projectID, err := call("CreateProject", f.createProject, map[string]string{"domainIdentifier": domainID},
		map[string]any{"name": "sample"})
	if err != nil {
		return console.Started{}, err
	}
	sourceID, err := call("CreateDataSource", f.createDataSource, map[string]string{"domainIdentifier": domainID}, map[string]any{
		"name": sourceName, "projectIdentifier": projectID, "type": "SQLITE", "connectionIdentifier": secretName,
		"description": "The sample shop database of examples/shop.db.",
		"configuration": map[string]any{"glueRunConfiguration": map[string]any{
			"relationalFilterConfigurations": []map[string]any{{"databaseName": database}}}},
	})
	if err != nil {
		return console.Started{}, err
	}
	runID, err := call("StartDataSourceRun", f.startDataSourceRun,
		map[string]string{"domainIdentifier": domainID, "dataSourceIdentifier": sourceID}, map[string]any{"clientToken": "surveyor-sample-first-run"})
	if err != nil {
		return console.Started{}, err
	}
	return console.Started{SourceID: sourceID, RunID: runID}, nil
}
