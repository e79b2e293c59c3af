package appintegrations

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/surveyorhq/surveyor/internal/awsapi"
	"github.com/surveyorhq/surveyor/internal/console"
	"github.com/surveyorhq/surveyor/internal/core"
	"github.com/surveyorhq/surveyor/internal/resources"
	"github.com/surveyorhq/surveyor/internal/runs"
	"github.com/surveyorhq/surveyor/internal/store"
)

// Console returns what the web console shows of AppIntegrations: every data integration
// association of the caller (each is the source of its runs; its assets are its integration's,
// shared with the integration's other associations), and for on-demand ones Run now as
// UpdateDataIntegrationAssociation with their ON_DEMAND execution, which runs them again.
func (f *Facade) Console() console.Sources { return consoleSources{f} }

type consoleSources struct{ f *Facade }

func (consoleSources) Service() string { return "AppIntegrations" }

func (c consoleSources) ListSources(ctx context.Context) ([]console.Source, error) {
	sc := core.Scope(ctx)
	var out []console.Source
	err := c.f.DB.ReadTx(ctx, func(tx *store.Tx) error {
		var integs []*integration
		if err := eachIntegration(ctx, tx, sc, func(_ resources.Record, in *integration) bool {
			integs = append(integs, in)
			return true
		}); err != nil {
			return err
		}
		for _, integ := range integs {
			parent := integ.ID
			recs, _, err := resources.List(ctx, tx, sc, kindAssociation, resources.ListQuery{ParentID: &parent, Limit: 10000})
			if err != nil {
				return err
			}
			for _, rec := range recs {
				var a association
				if err := rec.Decode(&a); err != nil {
					return err
				}
				out = append(out, source(integ, &a, rec))
			}
		}
		return nil
	})
	return out, err
}

func (c consoleSources) GetSource(ctx context.Context, id string) (console.Source, error) {
	var src console.Source
	err := c.f.DB.ReadTx(ctx, func(tx *store.Tx) error {
		integ, a, rec, err := c.load(ctx, tx, id)
		if err == nil {
			src = source(integ, a, rec)
		}
		return err
	})
	return src, err
}

func (c consoleSources) load(ctx context.Context, tx *store.Tx, id string) (*integration, *association, resources.Record, error) {
	sc := core.Scope(ctx)
	rec, err := resources.Get(ctx, tx, sc, kindAssociation, id)
	if err != nil {
		return nil, nil, rec, fmt.Errorf("association %s: %w", id, console.ErrNotFound)
	}
	var a association
	if err := rec.Decode(&a); err != nil {
		return nil, nil, rec, err
	}
	_, integ, err := c.f.lookup(ctx, tx, sc, a.IntegrationID)
	if err != nil {
		return nil, nil, rec, fmt.Errorf("integration of association %s: %w", id, console.ErrNotFound)
	}
	return integ, &a, rec, nil
}

// RunNow runs an on-demand association again through UpdateDataIntegrationAssociation. It is
// refused while a run of the association is active, and for scheduled associations (the API
// has no way to run one once without making it on-demand).
func (c consoleSources) RunNow(ctx context.Context, id, _ string) (console.Started, error) {
	sc := core.Scope(ctx)
	var (
		integ *integration
		a     *association
	)
	err := c.f.DB.ReadTx(ctx, func(tx *store.Tx) (err error) {
		integ, a, _, err = c.load(ctx, tx, id)
		return err
	})
	if err != nil {
		return console.Started{}, err
	}
	exec := effectiveExecution(a, integ)
	if exec.ExecutionMode != modeOnDemand {
		return console.Started{}, invalid("This association runs on its schedule; AppIntegrations runs a scheduled association only by switching it to ON_DEMAND.")
	}
	last, _, err := c.f.Runs.List(ctx, runs.ListQuery{Scope: sc, SourceID: id, Limit: 1})
	if err != nil {
		return console.Started{}, err
	}
	if len(last) > 0 && !runs.Terminal(last[0].Status) {
		return console.Started{}, awsapi.Errorf(409, "DuplicateResourceException", "A run of this association is in progress already (%s).", last[0].ID)
	}
	body, _ := json.Marshal(map[string]any{"ExecutionConfiguration": exec})
	if _, _, err := c.f.updateAssociation(ctx, &awsapi.RESTRequest{Operation: "UpdateDataIntegrationAssociation",
		Labels: map[string]string{"Identifier": integ.ID, "DataIntegrationAssociationIdentifier": id}, Body: body}); err != nil {
		return console.Started{}, err
	}
	last, _, err = c.f.Runs.List(ctx, runs.ListQuery{Scope: sc, SourceID: id, Limit: 1})
	if err != nil || len(last) == 0 {
		return console.Started{}, fmt.Errorf("find the run UpdateDataIntegrationAssociation started: %v", err)
	}
	return console.Started{SourceID: id, RunID: last[0].ID}, nil
}

func source(integ *integration, a *association, rec resources.Record) console.Source {
	name := integ.Name
	if a.ClientId != "" {
		name += " / " + a.ClientId
	}
	exec := effectiveExecution(a, integ)
	s := console.Source{ID: a.ID, CatalogID: integ.ID, Service: "AppIntegrations", Type: "data integration association", Name: name,
		Engine: engineOf(integ.SourceURI), Location: integ.SourceURI, Created: rec.CreatedAt,
		CanRun:  exec.ExecutionMode == modeOnDemand,
		RunHelp: "Run now calls UpdateDataIntegrationAssociation with its ON_DEMAND execution, which runs it again."}
	if sched, _ := scheduleOf(integ, exec); exec.ExecutionMode == modeScheduled && sched != nil {
		s.Schedule = sched.ScheduleExpression
		s.RunHelp = "This association runs on its schedule; AppIntegrations cannot run it once without making it on-demand."
	}
	add := func(n, v string) {
		if v != "" {
			s.Settings = append(s.Settings, console.Setting{Name: n, Value: v})
		}
	}
	add("Data integration", integ.Name)
	add("Integration ARN", integ.Arn)
	add("Association ARN", a.Arn)
	add("Execution mode", exec.ExecutionMode)
	add("KMS key", integ.KmsKey)
	if fc := integ.FileConfiguration; fc != nil {
		add("Folders", strings.Join(fc.Folders, ", "))
	}
	add("Destination", a.DestinationURI)
	return s
}

// engineOf names what a SourceURI reads by its scheme.
func engineOf(uri string) string {
	scheme, _, _ := strings.Cut(uri, "://")
	switch scheme {
	case "s3":
		return "Amazon S3"
	case "file":
		return "local files"
	case "postgres", "postgresql":
		return "PostgreSQL"
	case "mysql":
		return "MySQL"
	case "sqlite":
		return "SQLite"
	}
	return scheme
}
