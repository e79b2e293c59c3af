package dms

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/surveyorhq/surveyor/internal/core"
	"github.com/surveyorhq/surveyor/internal/discovery"
	"github.com/surveyorhq/surveyor/internal/resources"
	"github.com/surveyorhq/surveyor/internal/runs"
	"github.com/surveyorhq/surveyor/internal/scope"
	"github.com/surveyorhq/surveyor/internal/store"
)

// Connection statuses.
const (
	connTesting    = "testing"
	connSuccessful = "successful"
	connFailed     = "failed"
)

// connectionDoc records that a pair (instance, endpoint) was tested; the outcome is the pair's
// latest ping run. Its record id is "<endpoint id>-<instance id>", its parent the endpoint.
type connectionDoc struct {
	EndpointID string `json:"endpointId"`
	InstanceID string `json:"instanceId"`
	// Problem, when set, is why the latest test failed without trying: the endpoint lacked what
	// a connection needs (endpointDoc.connectionProblem). A test that runs clears it.
	Problem string `json:"problem,omitempty"`
}

// status is the pair's connection status: its Problem, else its latest ping run's outcome.
func (f *Facade) connectionStatus(ctx context.Context, sc scope.Scope, cd connectionDoc) (string, *string, *runs.Run, error) {
	if cd.Problem != "" {
		return connFailed, ptr(cd.Problem), nil, nil
	}
	endpointArn, instanceArn := f.arn(sc, arnEndpoint, cd.EndpointID), f.arn(sc, arnInstance, cd.InstanceID)
	r, err := f.latestRun(ctx, sc, connectionSource(endpointArn, instanceArn), nil)
	if err != nil {
		return "", nil, nil, err
	}
	st, msg := connectionState(r)
	return st, msg, r, nil
}

// connectionSource is the run source of a pair's connection tests. ARNs carry the account, so
// the id is unique across accounts.
func connectionSource(endpointArn, instanceArn string) string {
	return "dms-conn:" + endpointArn + ":" + instanceArn
}

// Connection is the DMS Connection shape.
type Connection struct {
	ReplicationInstanceArn        string
	EndpointArn                   string
	Status                        string
	LastFailureMessage            *string `json:",omitempty"`
	EndpointIdentifier            string
	ReplicationInstanceIdentifier string
}

// TestConnectionInput is the TestConnection request.
type TestConnectionInput struct {
	ReplicationInstanceArn string
	EndpointArn            string
}

// TestConnectionOutput is the TestConnection response.
type TestConnectionOutput struct {
	Connection *Connection
}

// TestConnection queues a ping of the endpoint's database from the workers and answers
// "testing". A test of a pair whose previous test is still running answers that test. An
// endpoint that lacks what a connection needs (a server name...) is not tried: the test fails
// with a message that says what to set.
func (f *Facade) TestConnection(ctx context.Context, in *TestConnectionInput) (*TestConnectionOutput, error) {
	v := newValidator()
	v.Required("ReplicationInstanceArn", in.ReplicationInstanceArn != "")
	v.Required("EndpointArn", in.EndpointArn != "")
	if err := v.Err(); err != nil {
		return nil, err
	}
	sc, now := core.Scope(ctx), f.now()
	// The run's configuration may look up a secret, which is done outside the write transaction.
	var cfg discovery.Config
	var problem string
	err := f.DB.ReadTx(ctx, func(tx *store.Tx) error {
		_, ed, err := f.getEndpoint(ctx, tx, sc, in.EndpointArn)
		if err == nil {
			problem = ed.connectionProblem()
			cfg, err = f.runConfig(ctx, sc, ed)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	raw, err := json.Marshal(cfg)
	if err != nil {
		return nil, fmt.Errorf("encode connection test config: %w", err)
	}
	var out *Connection
	err = f.Tx(ctx, func(tx *store.Tx) error {
		er, ed, err := f.getEndpoint(ctx, tx, sc, in.EndpointArn)
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
		endpointArn, instanceArn := f.arn(sc, arnEndpoint, er.ID), f.arn(sc, arnInstance, ir.ID)
		rec := resources.Record{ID: er.ID + "-" + ir.ID, Name: er.ID + "-" + ir.ID, ParentID: er.ID, CreatedAt: now}
		doc := connectionDoc{EndpointID: er.ID, InstanceID: ir.ID, Problem: problem}
		if _, err := resources.Get(ctx, tx, sc, kindConnection, rec.ID); isNotFound(err) {
			err = resources.Insert(ctx, tx, sc, kindConnection, rec, doc)
		} else if err == nil {
			err = resources.Update(ctx, tx, sc, kindConnection, rec.ID, rec.Name, doc, now)
		}
		if err != nil {
			return err
		}
		if problem == "" {
			_, _, err = f.Runs.Enqueue(ctx, tx, runs.Run{Scope: sc, SourceID: connectionSource(endpointArn, instanceArn),
				Job: discovery.JobPing, Type: "PRIORITIZED", Config: raw})
			if err != nil && !errors.Is(err, runs.ErrActiveRun) {
				return err
			}
		}
		out = &Connection{ReplicationInstanceArn: instanceArn, EndpointArn: endpointArn, Status: connTesting,
			EndpointIdentifier: ed.Identifier, ReplicationInstanceIdentifier: id.Identifier}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &TestConnectionOutput{Connection: out}, nil
}

// connectionState maps a pair's latest ping run onto a connection status.
func connectionState(r *runs.Run) (string, *string) {
	switch {
	case r == nil:
		return connFailed, ptr("The connection has not been tested.")
	case !runs.Terminal(r.Status):
		return connTesting, nil
	case r.Status == runs.StatusSuccess:
		return connSuccessful, nil
	}
	return connFailed, ptr(failureMessage(r))
}

func failureMessage(r *runs.Run) string {
	if r.ErrorDetail != "" {
		return r.ErrorDetail
	}
	if r.ErrorType != "" {
		return r.ErrorType
	}
	return "The run failed."
}

// DescribeConnectionsInput is the DescribeConnections request.
type DescribeConnectionsInput struct {
	Filters    []Filter
	Marker     string
	MaxRecords *int32
}

// DescribeConnectionsOutput is the DescribeConnections response.
type DescribeConnectionsOutput struct {
	Marker      *string `json:",omitempty"`
	Connections []*Connection
}

func (f *Facade) DescribeConnections(ctx context.Context, in *DescribeConnectionsInput) (*DescribeConnectionsOutput, error) {
	limit, err := maxRecords(in.MaxRecords)
	if err != nil {
		return nil, err
	}
	fs, err := filters(in.Filters, "endpoint-arn", "replication-instance-arn")
	if err != nil {
		return nil, err
	}
	sc := core.Scope(ctx)
	scope := scopeOf(sc, "DescribeConnections", in.Filters)
	var p page
	if err := f.decodeMarker(scope, in.Marker, &p); err != nil {
		return nil, err
	}
	out := &DescribeConnectionsOutput{Connections: []*Connection{}}
	var docs []connectionDoc
	err = f.DB.ReadTx(ctx, func(tx *store.Tx) error {
		out.Connections, out.Marker, docs = out.Connections[:0], nil, docs[:0]
		all, err := listAll(ctx, tx, sc, kindConnection)
		if err != nil {
			return err
		}
		started, lastID := p.After == "", ""
		for _, r := range all {
			if !started {
				started = r.ID == p.After
				continue
			}
			var cd connectionDoc
			if err := r.Decode(&cd); err != nil {
				return err
			}
			endpointArn, instanceArn := f.arn(sc, arnEndpoint, cd.EndpointID), f.arn(sc, arnInstance, cd.InstanceID)
			if !matches(fs, "endpoint-arn", endpointArn) || !matches(fs, "replication-instance-arn", instanceArn) {
				continue
			}
			_, ed, err := f.getEndpoint(ctx, tx, sc, endpointArn)
			if err != nil {
				continue // deleted meanwhile
			}
			_, id, err := f.getInstance(ctx, tx, sc, instanceArn)
			if err != nil {
				continue
			}
			if len(out.Connections) == limit {
				out.Marker, err = f.encodeMarker(scope, page{After: lastID})
				return err
			}
			out.Connections = append(out.Connections, &Connection{ReplicationInstanceArn: instanceArn, EndpointArn: endpointArn,
				EndpointIdentifier: ed.Identifier, ReplicationInstanceIdentifier: id.Identifier})
			docs = append(docs, cd)
			lastID = r.ID
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for i, c := range out.Connections {
		if c.Status, c.LastFailureMessage, _, err = f.connectionStatus(ctx, sc, docs[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}
