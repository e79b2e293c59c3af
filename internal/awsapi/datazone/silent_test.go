package datazone_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	dz "github.com/aws/aws-sdk-go-v2/service/datazone"
	"github.com/aws/aws-sdk-go-v2/service/datazone/types"

	"github.com/surveyorhq/surveyor/internal/connector"
	"github.com/surveyorhq/surveyor/internal/server"
	"github.com/surveyorhq/surveyor/internal/server/servertest"
	"github.com/surveyorhq/surveyor/internal/testdb"
)

// syncBuffer is a log sink tests read while the server writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// waitFor returns the log once it has a line containing every one of parts (the worker logs a
// run just after recording its end), or after 20 s.
func (s *syncBuffer) waitFor(parts ...string) string {
	deadline := time.Now().Add(20 * time.Second)
	for {
		log := s.String()
		for _, line := range strings.Split(log, "\n") {
			all := true
			for _, p := range parts {
				all = all && strings.Contains(line, p)
			}
			if all {
				return line
			}
		}
		if time.Now().After(deadline) {
			return ""
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// No silent zeros: a data source whose filters name a schema that does not exist, or select no
// table, has FAILED runs that say what exists, and the server logs each finished run.
func TestRunsThatFindNothingFail(t *testing.T) {
	logs := &syncBuffer{}
	w := newWorld(t, servertest.Options{Tune: func(c *server.Config) { c.Logger = slog.New(slog.NewTextHandler(logs, nil)) }})
	ctx := context.Background()
	db := testdb.New(t, connector.Postgres, "surveyor_dzzero")
	db.Exec(t, "CREATE SCHEMA audit", "CREATE TABLE public.orders (id int)", "CREATE TABLE audit.log (id int)")
	arn := w.secret("shop", dbSecret("postgres", db.Source))
	name := db.Source.Database

	for _, tc := range []struct {
		name, schema, expr, errorType, detail string
	}{
		{"pubic", "pubic", "", "RESOURCE_NOT_FOUND_EXCEPTION", "schema 'pubic' not found in database '" + name + "'; it has: audit, public"},
		{"ordrs", "public", "INCLUDE ordrs", "VALIDATION_EXCEPTION",
			"the filters (INCLUDE " + name + ".public.ordrs) match no table in database '" + name + "'; schema 'public' has tables orders"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var exprs []string
			if tc.expr != "" {
				exprs = append(exprs, tc.expr)
			}
			ds := w.dataSource(tc.name, redshift(arn, rf(name, tc.schema, exprs...)))
			r := w.run(ds)
			if r.Status != types.DataSourceRunStatusFailed || r.ErrorMessage == nil || string(r.ErrorMessage.ErrorType) != tc.errorType ||
				aws.ToString(r.ErrorMessage.ErrorDetail) != tc.detail {
				t.Fatalf("run = %s %+v; want FAILED %s %q", r.Status, r.ErrorMessage, tc.errorType, tc.detail)
			}
			if s := statsOf(r.RunStatisticsForAssets); s != (stats{-1, -1, -1, -1, -1}) && s != (stats{}) {
				t.Errorf("a failed run has statistics %+v", s)
			}
			got, err := w.dz.GetDataSource(ctx, &dz.GetDataSourceInput{DomainIdentifier: &w.domain, Identifier: &ds})
			if err != nil || got.LastRunStatus != types.DataSourceRunStatusFailed || got.LastRunErrorMessage == nil ||
				aws.ToString(got.LastRunErrorMessage.ErrorDetail) != tc.detail {
				t.Errorf("GetDataSource lastRun = %s %+v, %v", got.LastRunStatus, got.LastRunErrorMessage, err)
			}
			// The server logged the finished run, with its status and reason.
			if line := logs.waitFor("run finished", "run="+aws.ToString(r.Id), "status=FAILED", "errorType="+tc.errorType, tc.schema); line == "" {
				t.Errorf("no log line for run %s:\n%s", aws.ToString(r.Id), logs.String())
			}
		})
	}
	// A run that reads something logs its statistics.
	ok := w.run(w.dataSource("ok", redshift(arn, rf(name, "public"))))
	if ok.Status != types.DataSourceRunStatusSuccess {
		t.Fatalf("run of an existing schema = %s %+v", ok.Status, ok.ErrorMessage)
	}
	if line := logs.waitFor("run finished", "run="+aws.ToString(ok.Id), "status=SUCCESS", `stats="{\"added\":1`); line == "" {
		t.Errorf("no log line with statistics for run %s:\n%s", aws.ToString(ok.Id), logs.String())
	}
}
