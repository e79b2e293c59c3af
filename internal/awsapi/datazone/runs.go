package datazone

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/surveyorhq/surveyor/internal/awsapi"
	"github.com/surveyorhq/surveyor/internal/catalog"
	"github.com/surveyorhq/surveyor/internal/core"
	"github.com/surveyorhq/surveyor/internal/discovery"
	"github.com/surveyorhq/surveyor/internal/runs"
	"github.com/surveyorhq/surveyor/internal/store"
)

var (
	runStatuses      = []string{"REQUESTED", "RUNNING", "FAILED", "PARTIALLY_SUCCEEDED", "SUCCESS"}
	activityStatuses = []string{"FAILED", "PUBLISHING_FAILED", "SUCCEEDED_CREATED", "SUCCEEDED_UPDATED",
		"SKIPPED_ALREADY_IMPORTED", "SKIPPED_ARCHIVED", "SKIPPED_NO_ACCESS", "UNCHANGED"}
)

// RunStatistics is RunStatisticsForAssets.
type RunStatistics struct {
	Added     int `json:"added"`
	Updated   int `json:"updated"`
	Unchanged int `json:"unchanged"`
	Skipped   int `json:"skipped"`
	Failed    int `json:"failed"`
}

// runOutput is the DataSourceRun shape (StartDataSourceRun, GetDataSourceRun) and, without
// domainId and the snapshot, a ListDataSourceRuns item.
type runOutput struct {
	DomainID       string          `json:"domainId,omitempty"`
	DataSourceID   string          `json:"dataSourceId"`
	ID             string          `json:"id"`
	ProjectID      string          `json:"projectId"`
	Status         string          `json:"status"`
	Type           string          `json:"type"`
	Snapshot       string          `json:"dataSourceConfigurationSnapshot,omitempty"`
	Stats          *RunStatistics  `json:"runStatisticsForAssets,omitempty"`
	ErrorMessage   *ErrorMessage   `json:"errorMessage,omitempty"`
	CreatedAt      awsapi.ISO8601  `json:"createdAt"`
	UpdatedAt      awsapi.ISO8601  `json:"updatedAt"`
	StartedAt      *awsapi.ISO8601 `json:"startedAt,omitempty"`
	StoppedAt      *awsapi.ISO8601 `json:"stoppedAt,omitempty"`
	LineageSummary *struct {
		ImportStatus string `json:"importStatus,omitempty"`
	} `json:"lineageSummary,omitempty"`
}

// metaOf reads the DataZone context a run carries; nil for runs of other services.
func metaOf(r runs.Run) *runMeta {
	var c runConfig
	if json.Unmarshal(r.Config, &c) != nil {
		return nil
	}
	return c.DataZone
}

func runOut(r runs.Run, m *runMeta, full bool) runOutput {
	o := runOutput{DataSourceID: r.SourceID, ID: r.ID, ProjectID: m.ProjectID, Status: r.Status, Type: r.Type,
		ErrorMessage: runError(r), CreatedAt: awsapi.ISO8601(r.CreatedAt), UpdatedAt: awsapi.ISO8601(r.UpdatedAt)}
	if o.Type == "" {
		o.Type = "PRIORITIZED"
	}
	if st := runStats(r); st != nil {
		o.Stats = &RunStatistics{Added: st.Added, Updated: st.Updated, Unchanged: st.Unchanged, Skipped: st.Skipped, Failed: st.Failed}
	}
	if r.StartedAt != nil {
		o.StartedAt = ptr(awsapi.ISO8601(*r.StartedAt))
	}
	if r.StoppedAt != nil {
		o.StoppedAt = ptr(awsapi.ISO8601(*r.StoppedAt))
	}
	if full {
		o.DomainID, o.Snapshot = m.DomainID, m.Snapshot
	}
	return o
}

func (f *Facade) startDataSourceRun(ctx context.Context, r *awsapi.RESTRequest) (int, any, error) {
	domainID, id, err := labelsDomainAndID(r, "dataSourceIdentifier")
	if err != nil {
		return 0, nil, err
	}
	var in struct {
		ClientToken string `json:"clientToken"`
	}
	if err := r.DecodeJSON(&in); err != nil {
		return 0, nil, err
	}
	sc := core.Scope(ctx)
	var run runs.Run
	var meta *runMeta
	err = f.Tx(ctx, func(tx *store.Tx) error {
		if err := f.checkDomain(ctx, tx, domainID); err != nil {
			return err
		}
		d, err := f.loadDataSource(ctx, tx, sc, domainID, id)
		if err != nil {
			return err
		}
		if d.Status != "READY" {
			why := ""
			if d.ErrorMessage != nil {
				why = ": " + d.ErrorMessage.ErrorDetail
			}
			return conflict("Data source %s is %s and cannot run%s; update it first.", id, d.Status, why)
		}
		cfg := runConfigOf(d, f.region(ctx))
		run, _, err = f.Runs.Enqueue(ctx, tx, runs.Run{ID: newID(), Scope: sc, SourceID: id, Job: discovery.JobDiscover,
			Type: "PRIORITIZED", Config: cfg, ClientToken: in.ClientToken})
		var active *runs.ActiveRunError
		if errors.As(err, &active) {
			return conflict("Data source %s already has a run in progress (%s is %s).", id, active.RunID, active.Status)
		}
		if err != nil {
			return err
		}
		meta = metaOf(run)
		return nil
	})
	if err != nil {
		return 0, nil, err
	}
	if meta == nil {
		return 0, nil, errors.New("start data source run: the run carries no DataZone context")
	}
	return 0, runOut(run, meta, true), nil
}

// loadRun reads a run of a data source of the domain; unknown → ResourceNotFoundException.
func (f *Facade) loadRun(ctx context.Context, domainID, id string) (runs.Run, *runMeta, error) {
	r, err := f.Runs.Get(ctx, core.Scope(ctx), id)
	if errors.Is(err, runs.ErrNotFound) {
		return r, nil, notFound("Data source run %s was not found in domain %s.", id, domainID)
	}
	if err != nil {
		return r, nil, err
	}
	m := metaOf(r)
	if m == nil || m.DomainID != domainID {
		return r, nil, notFound("Data source run %s was not found in domain %s.", id, domainID)
	}
	return r, m, nil
}

func (f *Facade) getDataSourceRun(ctx context.Context, r *awsapi.RESTRequest) (int, any, error) {
	domainID, id, err := labelsDomainAndID(r, "identifier")
	if err != nil {
		return 0, nil, err
	}
	if err := f.DB.ReadTx(ctx, func(tx *store.Tx) error { return f.checkDomain(ctx, tx, domainID) }); err != nil {
		return 0, nil, err
	}
	run, m, err := f.loadRun(ctx, domainID, id)
	if err != nil {
		return 0, nil, err
	}
	return 0, runOut(run, m, true), nil
}

type runCursor struct {
	After string `json:"a"`
}

func (f *Facade) listDataSourceRuns(ctx context.Context, r *awsapi.RESTRequest) (int, any, error) {
	domainID, id, err := labelsDomainAndID(r, "dataSourceIdentifier")
	if err != nil {
		return 0, nil, err
	}
	limit, token, err := validatePaging(r, 50)
	if err != nil {
		return 0, nil, err
	}
	status, err := queryEnum(r, "status", runStatuses...)
	if err != nil {
		return 0, nil, err
	}
	sc := core.Scope(ctx)
	scope := sc.String() + "/ListDataSourceRuns/" + domainID + "/" + id + "/" + status
	var cur runCursor
	if token != "" && f.Tokens.Decode(scope, token, &cur) != nil {
		return 0, nil, badToken()
	}
	d, err := f.readDataSource(ctx, domainID, id)
	if err != nil {
		return 0, nil, err
	}
	list, next, err := f.Runs.List(ctx, runs.ListQuery{Scope: sc, SourceID: id, Status: status, Limit: limit, After: cur.After})
	if errors.Is(err, runs.ErrBadCursor) {
		return 0, nil, badToken()
	}
	if err != nil {
		return 0, nil, err
	}
	out := struct {
		Items     []runOutput `json:"items"`
		NextToken string      `json:"nextToken,omitempty"`
	}{Items: []runOutput{}}
	for _, run := range list {
		m := metaOf(run)
		if m == nil {
			m = &runMeta{DomainID: d.DomainID, ProjectID: d.ProjectID}
		}
		out.Items = append(out.Items, runOut(run, m, false))
	}
	if next != "" {
		if out.NextToken, err = f.Tokens.Encode(scope, runCursor{After: next}); err != nil {
			return 0, nil, err
		}
	}
	return 0, out, nil
}

// activityOutput is a DataSourceRunActivity.
type activityOutput struct {
	Database        string         `json:"database"`
	DataSourceRunID string         `json:"dataSourceRunId"`
	TechnicalName   string         `json:"technicalName"`
	DataAssetStatus string         `json:"dataAssetStatus"`
	ProjectID       string         `json:"projectId"`
	DataAssetID     string         `json:"dataAssetId,omitempty"`
	ErrorMessage    *ErrorMessage  `json:"errorMessage,omitempty"`
	CreatedAt       awsapi.ISO8601 `json:"createdAt"`
	UpdatedAt       awsapi.ISO8601 `json:"updatedAt"`
}

type activityCursor struct {
	After int `json:"a"`
}

func (f *Facade) listDataSourceRunActivities(ctx context.Context, r *awsapi.RESTRequest) (int, any, error) {
	domainID, id, err := labelsDomainAndID(r, "identifier")
	if err != nil {
		return 0, nil, err
	}
	limit, token, err := validatePaging(r, 50)
	if err != nil {
		return 0, nil, err
	}
	status, err := queryEnum(r, "status", activityStatuses...)
	if err != nil {
		return 0, nil, err
	}
	sc := core.Scope(ctx)
	scope := sc.String() + "/ListDataSourceRunActivities/" + domainID + "/" + id + "/" + status
	var cur activityCursor
	if token != "" && f.Tokens.Decode(scope, token, &cur) != nil {
		return 0, nil, badToken()
	}
	if err := f.DB.ReadTx(ctx, func(tx *store.Tx) error { return f.checkDomain(ctx, tx, domainID) }); err != nil {
		return 0, nil, err
	}
	_, m, err := f.loadRun(ctx, domainID, id)
	if err != nil {
		return 0, nil, err
	}
	var acts []catalog.Activity
	var next int
	err = f.DB.ReadTx(ctx, func(tx *store.Tx) (err error) {
		acts, next, err = f.Catalog.ListActivities(ctx, tx, id, status, cur.After, limit)
		return err
	})
	if err != nil {
		return 0, nil, err
	}
	out := struct {
		Items     []activityOutput `json:"items"`
		NextToken string           `json:"nextToken,omitempty"`
	}{Items: []activityOutput{}}
	for _, a := range acts {
		o := activityOutput{Database: a.Ref.Database, DataSourceRunID: id, TechnicalName: a.Ref.Table, DataAssetStatus: a.Status,
			ProjectID: m.ProjectID, DataAssetID: a.AssetID, CreatedAt: awsapi.ISO8601(a.CreatedAt), UpdatedAt: awsapi.ISO8601(a.CreatedAt)}
		switch {
		case a.Status == catalog.StatusNoAccess:
			o.ErrorMessage = &ErrorMessage{ErrorType: discovery.ErrAccessDenied, ErrorDetail: "the data source's credentials may not read this table"}
		case a.ErrorMessage != "" && a.Status == catalog.StatusFailed:
			o.ErrorMessage = &ErrorMessage{ErrorType: discovery.ErrInternal, ErrorDetail: a.ErrorMessage}
		case a.ErrorMessage != "": // read, with problems (malformed rows of a data file)
			o.ErrorMessage = &ErrorMessage{ErrorType: discovery.ErrValidation, ErrorDetail: a.ErrorMessage}
		}
		if o.Database == "" {
			o.Database = a.Ref.Namespace
		}
		out.Items = append(out.Items, o)
	}
	if next > 0 {
		if out.NextToken, err = f.Tokens.Encode(scope, activityCursor{After: next}); err != nil {
			return 0, nil, err
		}
	}
	return 0, out, nil
}
