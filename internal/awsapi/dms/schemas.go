package dms

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/surveyorhq/surveyor/internal/awsapi"
	"github.com/surveyorhq/surveyor/internal/core"
	"github.com/surveyorhq/surveyor/internal/discovery"
	"github.com/surveyorhq/surveyor/internal/resources"
	"github.com/surveyorhq/surveyor/internal/runs"
	"github.com/surveyorhq/surveyor/internal/scope"
	"github.com/surveyorhq/surveyor/internal/store"
)

// Refresh statuses.
const (
	refreshRefreshing = "refreshing"
	refreshSuccessful = "successful"
	refreshFailed     = "failed"
)

// refreshDoc remembers which replication instance last refreshed an endpoint's schemas (the
// refresh itself is the endpoint's latest discovery run). Its record id is the endpoint's.
type refreshDoc struct {
	InstanceArn string `json:"instanceArn"`
}

// refreshSource is the run source of an endpoint's refreshes, and the catalog source of the
// tables they record.
func refreshSource(endpointArn string) string { return "dms-endpoint:" + endpointArn }

// RefreshSchemasStatus is the DMS RefreshSchemasStatus shape.
type RefreshSchemasStatus struct {
	EndpointArn            string
	ReplicationInstanceArn string
	Status                 string
	LastRefreshDate        *awsapi.EpochSeconds `json:",omitempty"`
	LastFailureMessage     *string              `json:",omitempty"`
}

// RefreshSchemasInput is the RefreshSchemas request.
type RefreshSchemasInput struct {
	EndpointArn            string
	ReplicationInstanceArn string
}

// RefreshSchemasOutput is the response of RefreshSchemas and DescribeRefreshSchemasStatus.
type RefreshSchemasOutput struct {
	RefreshSchemasStatus *RefreshSchemasStatus
}

func succeeded(r runs.Run) bool {
	return r.Status == runs.StatusSuccess || r.Status == runs.StatusPartiallySucceeded
}

// RefreshSchemas queues a discovery run that lists the endpoint's schemas (and records its
// tables in the catalog) and answers "refreshing". It needs an available instance whose latest
// connection test with the endpoint succeeded. While a refresh runs, another answers it.
func (f *Facade) RefreshSchemas(ctx context.Context, in *RefreshSchemasInput) (*RefreshSchemasOutput, error) {
	v := newValidator()
	v.Required("EndpointArn", in.EndpointArn != "")
	v.Required("ReplicationInstanceArn", in.ReplicationInstanceArn != "")
	if err := v.Err(); err != nil {
		return nil, err
	}
	sc, now := core.Scope(ctx), f.now()
	t, err := f.refreshTarget(ctx, sc, in, now)
	if err != nil {
		return nil, err
	}
	st, _, test, err := f.connectionStatus(ctx, sc, t.conn)
	if err != nil {
		return nil, err
	}
	if st != connSuccessful {
		word := st
		if test == nil && t.conn.Problem == "" {
			word = "not tested"
		}
		return nil, invalidState("Test connection for replication instance %s and endpoint %s should be successful for refreshing schemas (the connection status is %s).",
			t.instanceArn, t.endpointArn, word)
	}
	cfg, err := f.runConfig(ctx, sc, t.endpoint)
	if err != nil {
		return nil, err
	}
	cfg.ListNamespaces = true
	raw, err := json.Marshal(cfg)
	if err != nil {
		return nil, fmt.Errorf("encode refresh config: %w", err)
	}
	out := &RefreshSchemasStatus{EndpointArn: t.endpointArn, ReplicationInstanceArn: t.instanceArn, Status: refreshRefreshing}
	if err := f.Tx(ctx, func(tx *store.Tx) error { return f.startRefresh(ctx, tx, sc, t, raw, out, now) }); err != nil {
		return nil, err
	}
	last, err := f.latestRun(ctx, sc, refreshSource(t.endpointArn), succeeded)
	if err != nil {
		return nil, err
	}
	if last != nil && last.StoppedAt != nil {
		out.LastRefreshDate = ptr(awsapi.EpochSeconds(*last.StoppedAt))
	}
	return &RefreshSchemasOutput{RefreshSchemasStatus: out}, nil
}

// refreshTarget is what a RefreshSchemas request names: the endpoint, the instance (which must
// be available) and the connection between them, as last tested.
type refreshTarget struct {
	endpoint                 *endpointDoc
	endpointArn, instanceArn string
	conn                     connectionDoc
}

func (f *Facade) refreshTarget(ctx context.Context, sc scope.Scope, in *RefreshSchemasInput, now time.Time) (refreshTarget, error) {
	var t refreshTarget
	err := f.DB.ReadTx(ctx, func(tx *store.Tx) error {
		er, d, err := f.getEndpoint(ctx, tx, sc, in.EndpointArn)
		if err != nil {
			return err
		}
		ir, id, err := f.getInstance(ctx, tx, sc, in.ReplicationInstanceArn)
		if err != nil {
			return err
		}
		if st := id.status(now); st != statusAvailable {
			return invalidState("Replication instance %s is not available (its status is %s).", id.Identifier, st)
		}
		t.endpoint, t.endpointArn, t.instanceArn = d, f.arn(sc, arnEndpoint, er.ID), f.arn(sc, arnInstance, ir.ID)
		t.conn = connectionDoc{EndpointID: er.ID, InstanceID: ir.ID}
		if rec, err := resources.Get(ctx, tx, sc, kindConnection, er.ID+"-"+ir.ID); err == nil {
			return rec.Decode(&t.conn)
		} else if !isNotFound(err) {
			return err
		}
		return nil
	})
	return t, err
}

// startRefresh enqueues the refresh run and records which instance refreshes the endpoint; while
// a refresh is already running, it reports that one's instance instead.
func (f *Facade) startRefresh(ctx context.Context, tx *store.Tx, sc scope.Scope, t refreshTarget, config []byte, out *RefreshSchemasStatus, now time.Time) error {
	// The endpoint may have gone since the checks.
	er, _, err := f.getEndpoint(ctx, tx, sc, t.endpointArn)
	if err != nil {
		return err
	}
	_, _, err = f.Runs.Enqueue(ctx, tx, runs.Run{Scope: sc, SourceID: refreshSource(t.endpointArn),
		Job: discovery.JobDiscover, Type: "PRIORITIZED", Config: config})
	var active *runs.ActiveRunError
	if errors.As(err, &active) {
		prev, err := resources.Get(ctx, tx, sc, kindRefresh, er.ID)
		if err == nil {
			var d refreshDoc
			if err := prev.Decode(&d); err != nil {
				return err
			}
			out.ReplicationInstanceArn = d.InstanceArn
		}
		return nil
	}
	if err != nil {
		return err
	}
	doc := refreshDoc{InstanceArn: t.instanceArn}
	err = resources.Update(ctx, tx, sc, kindRefresh, er.ID, er.ID, doc, now)
	if isNotFound(err) {
		err = resources.Insert(ctx, tx, sc, kindRefresh, resources.Record{ID: er.ID, Name: er.ID, ParentID: er.ID, CreatedAt: now}, doc)
	}
	return err
}

// DescribeRefreshSchemasStatusInput is the DescribeRefreshSchemasStatus request.
type DescribeRefreshSchemasStatusInput struct {
	EndpointArn string
}

func (f *Facade) DescribeRefreshSchemasStatus(ctx context.Context, in *DescribeRefreshSchemasStatusInput) (*RefreshSchemasOutput, error) {
	v := newValidator()
	v.Required("EndpointArn", in.EndpointArn != "")
	if err := v.Err(); err != nil {
		return nil, err
	}
	sc := core.Scope(ctx)
	var endpointArn string
	var rd refreshDoc
	err := f.DB.ReadTx(ctx, func(tx *store.Tx) error {
		er, _, err := f.getEndpoint(ctx, tx, sc, in.EndpointArn)
		if err != nil {
			return err
		}
		endpointArn = f.arn(sc, arnEndpoint, er.ID)
		r, err := resources.Get(ctx, tx, sc, kindRefresh, er.ID)
		if isNotFound(err) {
			return invalidState("The schemas of endpoint %s have not been refreshed; call RefreshSchemas first.", endpointArn)
		}
		if err != nil {
			return err
		}
		return r.Decode(&rd)
	})
	if err != nil {
		return nil, err
	}
	latest, err := f.latestRun(ctx, sc, refreshSource(endpointArn), nil)
	if err != nil {
		return nil, err
	}
	if latest == nil {
		return nil, invalidState("The schemas of endpoint %s have not been refreshed; call RefreshSchemas first.", endpointArn)
	}
	out := &RefreshSchemasStatus{EndpointArn: endpointArn, ReplicationInstanceArn: rd.InstanceArn}
	switch {
	case !runs.Terminal(latest.Status):
		out.Status = refreshRefreshing
	case succeeded(*latest):
		out.Status = refreshSuccessful
	default:
		out.Status, out.LastFailureMessage = refreshFailed, ptr(failureMessage(latest))
	}
	last := latest
	if !succeeded(*latest) {
		if last, err = f.latestRun(ctx, sc, refreshSource(endpointArn), succeeded); err != nil {
			return nil, err
		}
	}
	if last != nil && last.StoppedAt != nil {
		out.LastRefreshDate = ptr(awsapi.EpochSeconds(*last.StoppedAt))
	}
	return &RefreshSchemasOutput{RefreshSchemasStatus: out}, nil
}

// DescribeSchemasInput is the DescribeSchemas request.
type DescribeSchemasInput struct {
	EndpointArn string
	Marker      string
	MaxRecords  *int32
}

// DescribeSchemasOutput is the DescribeSchemas response.
type DescribeSchemasOutput struct {
	Marker  *string `json:",omitempty"`
	Schemas []string
}

// DescribeSchemas pages the schemas of the endpoint's last successful refresh. A Marker keeps
// paging the refresh it started on, even if a newer one finishes meanwhile.
func (f *Facade) DescribeSchemas(ctx context.Context, in *DescribeSchemasInput) (*DescribeSchemasOutput, error) {
	v := newValidator()
	v.Required("EndpointArn", in.EndpointArn != "")
	if err := v.Err(); err != nil {
		return nil, err
	}
	limit, err := maxRecords(in.MaxRecords)
	if err != nil {
		return nil, err
	}
	sc := core.Scope(ctx)
	var endpointArn string
	err = f.DB.ReadTx(ctx, func(tx *store.Tx) error {
		er, _, err := f.getEndpoint(ctx, tx, sc, in.EndpointArn)
		if err == nil {
			endpointArn = f.arn(sc, arnEndpoint, er.ID)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	scope := sc.String() + "/DescribeSchemas/" + endpointArn
	var p page
	if err := f.decodeMarker(scope, in.Marker, &p); err != nil {
		return nil, err
	}
	var run *runs.Run
	if p.Run != "" {
		r, err := f.Runs.Get(ctx, sc, p.Run)
		if errors.Is(err, runs.ErrNotFound) {
			return nil, invalid("The Marker is no longer valid; start again without it.")
		}
		if err != nil {
			return nil, err
		}
		run = &r
	} else if run, err = f.latestRun(ctx, sc, refreshSource(endpointArn), succeeded); err != nil {
		return nil, err
	}
	if run == nil {
		return nil, invalidState("The schemas of endpoint %s have not been refreshed successfully; call RefreshSchemas and wait for DescribeRefreshSchemasStatus to report successful.", endpointArn)
	}
	var res discovery.Result
	if len(run.Result) > 0 {
		if err := json.Unmarshal(run.Result, &res); err != nil {
			return nil, fmt.Errorf("decode refresh result %s: %w", run.ID, err)
		}
	}
	// Tables directly under an s3 endpoint's BucketFolder are in no schema ("" namespace): the
	// catalog has them, DescribeSchemas lists named schemas only.
	names := slices.DeleteFunc(slices.Clone(res.Namespaces), func(n string) bool { return n == "" })
	start := min(p.Offset, len(names))
	end := min(start+limit, len(names))
	out := &DescribeSchemasOutput{Schemas: append([]string{}, names[start:end]...)}
	if end < len(names) {
		if out.Marker, err = f.encodeMarker(scope, page{Run: run.ID, Offset: end}); err != nil {
			return nil, err
		}
	}
	return out, nil
}
