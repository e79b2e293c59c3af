package appintegrations

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/surveyorhq/surveyor/internal/awsapi"
	"github.com/surveyorhq/surveyor/internal/catalog"
	"github.com/surveyorhq/surveyor/internal/core"
	"github.com/surveyorhq/surveyor/internal/discovery"
	"github.com/surveyorhq/surveyor/internal/resources"
	"github.com/surveyorhq/surveyor/internal/runs"
	"github.com/surveyorhq/surveyor/internal/scheduler"
	"github.com/surveyorhq/surveyor/internal/scope"
	"github.com/surveyorhq/surveyor/internal/secrets"
	"github.com/surveyorhq/surveyor/internal/store"
)

// Execution modes.
const (
	modeOnDemand  = "ON_DEMAND"
	modeScheduled = "SCHEDULED"
)

// ExecutionConfiguration says how an association runs.
type ExecutionConfiguration struct {
	ExecutionMode         string
	OnDemandConfiguration *OnDemandConfiguration `json:",omitempty"`
	ScheduleConfiguration *ScheduleConfiguration `json:",omitempty"`
}

// OnDemandConfiguration is the window of an on-demand run (recorded; a discovery reads the
// source as it is now).
type OnDemandConfiguration struct {
	StartTime string
	EndTime   string `json:",omitempty"`
}

// association is the stored document of a data integration association. Its id is the run
// source of its runs and schedule; what they find is in its integration's catalog (runConfig). It holds no run configuration: that is derived, each time
// one of its runs starts (Resolve), from its integration's sealed material and its own
// ObjectConfiguration.
type association struct {
	ID                        string
	Arn                       string
	IntegrationID             string
	IntegrationArn            string
	ClientId                  string                  `json:",omitempty"`
	DestinationURI            string                  `json:",omitempty"`
	ClientAssociationMetadata map[string]string       `json:",omitempty"`
	ObjectConfiguration       ObjectConfiguration     `json:",omitempty"`
	ExecutionConfiguration    *ExecutionConfiguration `json:",omitempty"`
	ClientToken               string                  `json:",omitempty"`
	RequestHash               string                  `json:",omitempty"`
}

type createAssociationInput struct {
	ClientId                  string
	ObjectConfiguration       ObjectConfiguration
	DestinationURI            string
	ClientAssociationMetadata map[string]string
	ClientToken               string
	ExecutionConfiguration    *ExecutionConfiguration
}

func validateExecution(v *awsapi.Validator, name string, e *ExecutionConfiguration) {
	if e == nil {
		return
	}
	v.Required(name+".ExecutionMode", e.ExecutionMode != "")
	if e.ExecutionMode != "" {
		v.Enum(name+".ExecutionMode", e.ExecutionMode, modeOnDemand, modeScheduled)
	}
	if o := e.OnDemandConfiguration; o != nil {
		v.Required(name+".OnDemandConfiguration.StartTime", o.StartTime != "")
		if o.StartTime != "" {
			v.Length(name+".OnDemandConfiguration.StartTime", o.StartTime, 1, 255)
			v.Pattern(name+".OnDemandConfiguration.StartTime", o.StartTime, nonBlank)
		}
		if o.EndTime != "" {
			v.Length(name+".OnDemandConfiguration.EndTime", o.EndTime, 1, 255)
			v.Pattern(name+".OnDemandConfiguration.EndTime", o.EndTime, nonBlank)
		}
	}
	validateSchedule(v, name+".ScheduleConfiguration", e.ScheduleConfiguration)
}

// checkOnDemand checks that an on-demand window's times are epoch milliseconds or ISO-8601.
func checkOnDemand(e *ExecutionConfiguration) error {
	if e == nil || e.OnDemandConfiguration == nil {
		return nil
	}
	for _, t := range []string{e.OnDemandConfiguration.StartTime, e.OnDemandConfiguration.EndTime} {
		if _, err := parseInstant(t); t != "" && err != nil {
			return invalid("OnDemandConfiguration time %q is neither epoch milliseconds nor an ISO-8601 time.", trunc(t, 64))
		}
	}
	return nil
}

func (f *Facade) createAssociation(ctx context.Context, r *awsapi.RESTRequest) (int, any, error) {
	var in createAssociationInput
	if err := r.DecodeJSON(&in); err != nil {
		return 0, nil, err
	}
	v := newValidator()
	if in.ClientId != "" {
		v.Length("ClientId", in.ClientId, 1, 255)
	}
	if in.DestinationURI != "" {
		v.Length("DestinationURI", in.DestinationURI, 1, 1000)
		v.Pattern("DestinationURI", in.DestinationURI, sourceURIPattern)
	}
	if in.ClientToken != "" {
		v.Length("ClientToken", in.ClientToken, 1, 2048)
	}
	validateObjectConfiguration(v, "ObjectConfiguration", in.ObjectConfiguration)
	validateExecution(v, "ExecutionConfiguration", in.ExecutionConfiguration)
	if err := v.Err(); err != nil {
		return 0, nil, err
	}
	if err := checkOnDemand(in.ExecutionConfiguration); err != nil {
		return 0, nil, err
	}
	if err := applyObjects(&discovery.Config{}, in.ObjectConfiguration); err != nil {
		return 0, nil, err
	}
	sc := core.Scope(ctx)
	now := f.Now()
	token := in.ClientToken
	in.ClientToken = ""
	hash := requestHash(in)
	// Idempotency: the token (with the integration) gives the id, so the store holds one
	// association per token; the same token with the same request is the same association.
	var doc *association
	var id string
	existing := func(tx *store.Tx) error {
		rec, err := resources.Get(ctx, tx, sc, kindAssociation, id)
		if err != nil {
			return err
		}
		var d association
		if err := rec.Decode(&d); err != nil {
			return err
		}
		if d.RequestHash != hash {
			return invalid("The ClientToken %s was already used with different parameters.", trunc(token, 64))
		}
		doc = &d
		return nil
	}
	err := f.CreateOnce(ctx, token != "", func(tx *store.Tx) error {
		_, integ, err := f.lookup(ctx, tx, sc, r.Labels["Identifier"])
		if err != nil {
			return err
		}
		id = newUUID()
		if token != "" {
			id = tokenUUID(sc.Account, sc.Region, "data-integration-association", integ.ID, token)
			if err := existing(tx); !errors.Is(err, resources.ErrNotFound) {
				return err
			}
		}
		doc = &association{ID: id, Arn: sc.ARN("app-integrations", "data-integration-association/"+integ.ID+"/"+id),
			IntegrationID: integ.ID, IntegrationArn: integ.Arn, ClientId: in.ClientId, DestinationURI: in.DestinationURI,
			ClientAssociationMetadata: in.ClientAssociationMetadata, ObjectConfiguration: in.ObjectConfiguration,
			ExecutionConfiguration: in.ExecutionConfiguration, ClientToken: token, RequestHash: hash}
		if err := resources.Insert(ctx, tx, sc, kindAssociation, resources.Record{ID: id, Name: in.ClientId, ParentID: integ.ID, CreatedAt: now}, doc); err != nil {
			return err
		}
		return f.execute(ctx, tx, sc, doc, integ, effectiveExecution(doc, integ))
	}, existing)
	if err != nil {
		return 0, nil, err
	}
	return 0, map[string]string{"DataIntegrationAssociationId": doc.ID, "DataIntegrationArn": doc.IntegrationArn}, nil
}

// execute starts an association the way exec says: ON_DEMAND queues one run now (and drops any
// schedule); SCHEDULED puts the schedule, its own or the integration's.
//
// The integration's sealed material is opened here, so an integration whose material does not
// open under its recorded KmsKey starts nothing and the request fails with
// AccessDeniedException. The run and schedule rows hold no configuration, only a reference to
// the association for the Resolve resolver, so every run opens the material again when it
// starts.
func (f *Facade) execute(ctx context.Context, tx *store.Tx, sc scope.Scope, a *association, integ *integration, exec *ExecutionConfiguration) error {
	if _, err := runConfig(f.Master, sc, a, integ, exec); err != nil {
		return refused(err)
	}
	cfg := mustJSON(discovery.Config{Resolver: ResolverName, Ref: integ.ID + "/" + a.ID})
	if exec.ExecutionMode == modeOnDemand {
		if err := scheduler.Remove(ctx, tx, a.ID); err != nil {
			return err
		}
		_, _, err := f.Runs.Enqueue(ctx, tx, runs.Run{Scope: sc, SourceID: a.ID, Job: discovery.JobDiscover, Type: modeOnDemand, Config: cfg})
		if errors.Is(err, runs.ErrActiveRun) {
			return nil // the run in progress serves this request
		}
		return err
	}
	sched, name := scheduleOf(integ, exec)
	if sched == nil {
		return invalid("A SCHEDULED association needs a ScheduleConfiguration, and the data integration %s has no ScheduleConfig.", integ.Name)
	}
	anchor, err := parseSchedule(name, sched, f.Now())
	if err != nil {
		return err
	}
	return scheduler.Put(ctx, tx, scheduler.Entry{Scope: sc, SourceID: a.ID, Expression: sched.ScheduleExpression,
		Timezone: "UTC", Anchor: anchor, Enabled: true, Job: discovery.JobDiscover, Config: cfg}, f.Now())
}

// effectiveExecution is how an association runs: its ExecutionConfiguration, or by default
// SCHEDULED when the integration has a ScheduleConfig and ON_DEMAND otherwise.
func effectiveExecution(a *association, integ *integration) *ExecutionConfiguration {
	switch {
	case a.ExecutionConfiguration != nil:
		return a.ExecutionConfiguration
	case integ.ScheduleConfig != nil:
		return &ExecutionConfiguration{ExecutionMode: modeScheduled}
	}
	return &ExecutionConfiguration{ExecutionMode: modeOnDemand}
}

// scheduleOf is the schedule a SCHEDULED execution follows, the association's own or else the
// integration's, and the name of the member it came from.
func scheduleOf(integ *integration, exec *ExecutionConfiguration) (*ScheduleConfiguration, string) {
	if exec.ScheduleConfiguration != nil {
		return exec.ScheduleConfiguration, "ExecutionConfiguration.ScheduleConfiguration"
	}
	return integ.ScheduleConfig, "ScheduleConfig"
}

// runConfig is what a run of the association reads: the integration's sealed material, opened
// under its KmsKey, limited to the association's ObjectConfiguration; a SCHEDULED run whose
// schedule names an Object, with no ObjectConfiguration anywhere, reads only that object.
//
// What it finds goes into the integration's catalog (CatalogSource is the integration's id), not
// the association's: every association of an integration, and every run of each, compares with
// the integration's previous run, whichever association ran it.
func runConfig(master *secrets.Sealer, sc scope.Scope, a *association, integ *integration, exec *ExecutionConfiguration) (discovery.Config, error) {
	cfg, err := openConfig(master, sc, integ)
	if err != nil {
		return cfg, err
	}
	cfg.CatalogSource = integ.ID
	if err := applyObjects(&cfg, a.ObjectConfiguration); err != nil {
		return cfg, err
	}
	if exec.ExecutionMode == modeScheduled {
		if sched, _ := scheduleOf(integ, exec); sched != nil && sched.Object != "" && len(a.ObjectConfiguration) == 0 && len(integ.ObjectConfiguration) == 0 {
			cfg.Rules = append(append(cfg.Rules[:0:0], cfg.Rules...), objectRule(sched.Object))
		}
	}
	return cfg, nil
}

// lookupAssociation finds an association of an integration by id or ARN.
func lookupAssociation(ctx context.Context, tx *store.Tx, sc scope.Scope, integrationID, ident string) (*association, error) {
	id := ident
	if strings.HasPrefix(ident, "arn:") {
		id = ident[strings.LastIndex(ident, "/")+1:]
	}
	rec, err := resources.Get(ctx, tx, sc, kindAssociation, id)
	if errors.Is(err, resources.ErrNotFound) || (err == nil && rec.ParentID != integrationID) {
		return nil, notFound("The data integration association %s was not found.", trunc(ident, 255))
	}
	if err != nil {
		return nil, err
	}
	var d association
	if err := rec.Decode(&d); err != nil {
		return nil, err
	}
	return &d, nil
}

func (f *Facade) updateAssociation(ctx context.Context, r *awsapi.RESTRequest) (int, any, error) {
	var in struct{ ExecutionConfiguration *ExecutionConfiguration }
	if err := r.DecodeJSON(&in); err != nil {
		return 0, nil, err
	}
	v := newValidator()
	v.Required("ExecutionConfiguration", in.ExecutionConfiguration != nil)
	validateExecution(v, "ExecutionConfiguration", in.ExecutionConfiguration)
	if err := v.Err(); err != nil {
		return 0, nil, err
	}
	if err := checkOnDemand(in.ExecutionConfiguration); err != nil {
		return 0, nil, err
	}
	sc := core.Scope(ctx)
	err := f.Tx(ctx, func(tx *store.Tx) error {
		_, integ, err := f.lookup(ctx, tx, sc, r.Labels["Identifier"])
		if err != nil {
			return err
		}
		a, err := lookupAssociation(ctx, tx, sc, integ.ID, r.Labels["DataIntegrationAssociationIdentifier"])
		if err != nil {
			return err
		}
		a.ExecutionConfiguration = in.ExecutionConfiguration
		if err := resources.Update(ctx, tx, sc, kindAssociation, a.ID, a.ClientId, a, f.Now()); err != nil {
			return err
		}
		return f.execute(ctx, tx, sc, a, integ, in.ExecutionConfiguration)
	})
	return 0, nil, err
}

// LastExecutionStatus is the outcome of an association's latest run.
type LastExecutionStatus struct {
	ExecutionStatus string
	StatusMessage   string `json:",omitempty"`
}

type associationSummary struct {
	DataIntegrationAssociationArn string
	DataIntegrationArn            string
	ClientId                      string                  `json:",omitempty"`
	DestinationURI                string                  `json:",omitempty"`
	LastExecutionStatus           *LastExecutionStatus    `json:",omitempty"`
	ExecutionConfiguration        *ExecutionConfiguration `json:",omitempty"`
}

func (f *Facade) listAssociations(ctx context.Context, r *awsapi.RESTRequest) (int, any, error) {
	sc := core.Scope(ctx)
	limit, ok, err := r.QueryInt("maxResults", 1, 50)
	if err != nil {
		return 0, nil, err
	}
	if !ok {
		limit = defaultMaxResults
	}
	tok, hasToken, err := r.QueryString("nextToken")
	if err != nil {
		return 0, nil, err
	}
	if hasToken {
		v := newValidator()
		v.Length("nextToken", tok, 1, 1000)
		if err := v.Err(); err != nil {
			return 0, nil, err
		}
	}
	var (
		cur  listCursor
		docs []association
		next string
	)
	err = f.DB.ReadTx(ctx, func(tx *store.Tx) error {
		irec, _, err := f.lookup(ctx, tx, sc, r.Labels["Identifier"])
		if err != nil {
			return err
		}
		// A token pages one integration's associations: its scope names the account and the
		// integration, so it is refused for any other listing.
		scope := associationScope(sc, irec.ID)
		if hasToken && f.Tokens.Decode(scope, tok, &cur) != nil {
			return invalid("The nextToken provided is invalid.")
		}
		parent := irec.ID
		recs, more, err := resources.List(ctx, tx, sc, kindAssociation, resources.ListQuery{ParentID: &parent, After: cur.After, Limit: int(limit)})
		if err != nil {
			return err
		}
		for _, rec := range recs {
			var d association
			if err := rec.Decode(&d); err != nil {
				return err
			}
			docs = append(docs, d)
		}
		if more {
			next, err = f.Tokens.Encode(scope, listCursor{After: recs[len(recs)-1].ID})
		}
		return err
	})
	if err != nil {
		return 0, nil, err
	}
	out := struct {
		DataIntegrationAssociations []associationSummary
		NextToken                   string `json:",omitempty"`
	}{DataIntegrationAssociations: []associationSummary{}, NextToken: next}
	for _, d := range docs {
		st, err := f.lastStatus(ctx, sc, d.ID)
		if err != nil {
			return 0, nil, err
		}
		out.DataIntegrationAssociations = append(out.DataIntegrationAssociations, associationSummary{
			DataIntegrationAssociationArn: d.Arn, DataIntegrationArn: d.IntegrationArn, ClientId: d.ClientId,
			DestinationURI: d.DestinationURI, LastExecutionStatus: st, ExecutionConfiguration: d.ExecutionConfiguration})
	}
	return 0, out, nil
}

// associationScope is the token scope of one integration's association listing.
func associationScope(sc scope.Scope, integrationID string) string {
	return "appintegrations/associations/" + sc.String() + "/" + integrationID
}

// lastStatus reads the association's latest run: REQUESTED or RUNNING is IN_PROGRESS, SUCCESS
// and PARTIALLY_SUCCEEDED are COMPLETED (the message gives the statistics and any failed
// assets), FAILED is FAILED with the reason.
func (f *Facade) lastStatus(ctx context.Context, sc scope.Scope, sourceID string) (*LastExecutionStatus, error) {
	rs, _, err := f.Runs.List(ctx, runs.ListQuery{Scope: sc, SourceID: sourceID, Limit: 1})
	if err != nil || len(rs) == 0 {
		return nil, err
	}
	r := rs[0]
	var st catalog.Stats
	if len(r.Stats) > 0 {
		_ = json.Unmarshal(r.Stats, &st)
	}
	stats := fmt.Sprintf("added %d, updated %d, unchanged %d, skipped %d, failed %d", st.Added, st.Updated, st.Unchanged, st.Skipped, st.Failed)
	switch r.Status {
	case runs.StatusRequested, runs.StatusRunning:
		return &LastExecutionStatus{ExecutionStatus: "IN_PROGRESS", StatusMessage: "Run " + r.ID + " is in progress."}, nil
	case runs.StatusSuccess:
		return &LastExecutionStatus{ExecutionStatus: "COMPLETED", StatusMessage: trunc("Run "+r.ID+" succeeded: "+stats+".", 255)}, nil
	case runs.StatusPartiallySucceeded:
		return &LastExecutionStatus{ExecutionStatus: "COMPLETED", StatusMessage: trunc("Run "+r.ID+" partially succeeded: "+stats+". "+r.ErrorDetail, 255)}, nil
	}
	msg := r.ErrorType
	if r.ErrorDetail != "" {
		msg += ": " + r.ErrorDetail
	}
	if strings.TrimSpace(msg) == "" {
		msg = "Run " + r.ID + " failed."
	}
	return &LastExecutionStatus{ExecutionStatus: "FAILED", StatusMessage: trunc(msg, 255)}, nil
}
