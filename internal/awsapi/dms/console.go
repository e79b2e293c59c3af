package dms

import (
	"context"
	"fmt"
	"strings"

	"github.com/surveyorhq/surveyor/internal/console"
	"github.com/surveyorhq/surveyor/internal/core"
	"github.com/surveyorhq/surveyor/internal/resources"
	"github.com/surveyorhq/surveyor/internal/runs"
	"github.com/surveyorhq/surveyor/internal/scope"
	"github.com/surveyorhq/surveyor/internal/store"
)

// Console returns what the web console shows of DMS: every endpoint of the caller (its
// refreshes are its runs), and Run now as RefreshSchemas.
func (f *Facade) Console() console.Sources { return consoleSources{f} }

type consoleSources struct{ f *Facade }

func (consoleSources) Service() string { return "DMS" }

func (c consoleSources) ListSources(ctx context.Context) ([]console.Source, error) {
	sc := core.Scope(ctx)
	var out []console.Source
	err := c.f.DB.ReadTx(ctx, func(tx *store.Tx) error {
		after := ""
		for {
			recs, more, err := resources.List(ctx, tx, sc, kindEndpoint, resources.ListQuery{After: after, Limit: 500})
			if err != nil {
				return err
			}
			for _, rec := range recs {
				var d endpointDoc
				if err := rec.Decode(&d); err != nil {
					return err
				}
				out = append(out, c.source(sc, rec, &d))
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
	arn, ok := strings.CutPrefix(id, refreshSource(""))
	if !ok {
		return console.Source{}, fmt.Errorf("%s is not a DMS endpoint: %w", id, console.ErrNotFound)
	}
	var src console.Source
	err := c.f.DB.ReadTx(ctx, func(tx *store.Tx) error {
		rec, d, err := c.f.getEndpoint(ctx, tx, sc, arn)
		if err != nil {
			return fmt.Errorf("endpoint %s: %w (%v)", arn, console.ErrNotFound, err)
		}
		src = c.source(sc, rec, d)
		return nil
	})
	return src, err
}

// RunNow calls RefreshSchemas with the replication instance that last refreshed the endpoint,
// or else one whose connection test with it succeeded. It is refused while a refresh runs.
func (c consoleSources) RunNow(ctx context.Context, id, _ string) (console.Started, error) {
	sc := core.Scope(ctx)
	arn, ok := strings.CutPrefix(id, refreshSource(""))
	if !ok {
		return console.Started{}, fmt.Errorf("%s is not a DMS endpoint: %w", id, console.ErrNotFound)
	}
	if active, err := c.f.latestRun(ctx, sc, id, func(r runs.Run) bool { return !runs.Terminal(r.Status) }); err != nil {
		return console.Started{}, err
	} else if active != nil {
		return console.Started{}, invalidState("The schemas of this endpoint are being refreshed already (run %s).", active.ID)
	}
	instance, err := c.instanceFor(ctx, sc, arn)
	if err != nil {
		return console.Started{}, err
	}
	if _, err := c.f.RefreshSchemas(ctx, &RefreshSchemasInput{EndpointArn: arn, ReplicationInstanceArn: instance}); err != nil {
		return console.Started{}, err
	}
	run, err := c.f.latestRun(ctx, sc, id, nil)
	if err != nil || run == nil {
		return console.Started{}, fmt.Errorf("find the refresh RefreshSchemas started: %v", err)
	}
	return console.Started{SourceID: id, RunID: run.ID}, nil
}

// instanceFor picks the replication instance a refresh of the endpoint goes through.
func (c consoleSources) instanceFor(ctx context.Context, sc scope.Scope, endpointArn string) (string, error) {
	var instances []string
	var last string
	err := c.f.DB.ReadTx(ctx, func(tx *store.Tx) error {
		er, _, err := c.f.getEndpoint(ctx, tx, sc, endpointArn)
		if err != nil {
			return err
		}
		if rec, err := resources.Get(ctx, tx, sc, kindRefresh, er.ID); err == nil {
			var d refreshDoc
			if rec.Decode(&d) == nil {
				last = d.InstanceArn
			}
		}
		recs, _, err := resources.List(ctx, tx, sc, kindInstance, resources.ListQuery{Limit: 1000})
		for _, r := range recs {
			instances = append(instances, c.f.arn(sc, arnInstance, r.ID))
		}
		return err
	})
	if err != nil {
		return "", err
	}
	if last != "" {
		return last, nil
	}
	for _, inst := range instances {
		test, err := c.f.latestRun(ctx, sc, connectionSource(endpointArn, inst), nil)
		if err != nil {
			return "", err
		}
		if st, _ := connectionState(test); st == connSuccessful {
			return inst, nil
		}
	}
	return "", invalidState("Run now refreshes the endpoint's schemas through a replication instance whose connection test with it succeeded; none has: run TestConnection first.")
}

func (c consoleSources) source(sc scope.Scope, rec resources.Record, d *endpointDoc) console.Source {
	arn := c.f.arn(sc, arnEndpoint, rec.ID)
	s := console.Source{ID: refreshSource(arn), Service: "DMS", Type: d.Type + " endpoint", Name: d.Identifier,
		Engine: engineDisplayNames[d.Engine], CanRun: true, Created: d.CreatedAt,
		RunHelp: "Run now calls RefreshSchemas, as `aws dms refresh-schemas` does, through an instance whose connection test succeeded."}
	conn := d.connection()
	switch {
	case d.Engine == engineS3 && d.S3Settings != nil:
		s.Location = "s3://" + deref(d.S3Settings.BucketName) + "/" + strings.Trim(deref(d.S3Settings.BucketFolder), "/")
	case d.Engine == "sqlite":
		s.Location = conn.DatabaseName
	case conn.ServerName != "":
		s.Location = fmt.Sprintf("%s:%d/%s", conn.ServerName, conn.Port, conn.DatabaseName)
	}
	add := func(n, v string) {
		if v != "" {
			s.Settings = append(s.Settings, console.Setting{Name: n, Value: v})
		}
	}
	add("Endpoint ARN", arn)
	add("Engine name", d.Engine)
	add("User", conn.Username)
	add("Credentials secret", conn.SecretID)
	if d.SealedPassword != "" {
		add("Password", "stored, encrypted (never shown)")
	}
	add("SSL mode", d.SslMode)
	return s
}
