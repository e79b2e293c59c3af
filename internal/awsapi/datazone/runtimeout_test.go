package datazone_test

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/datazone/types"

	"github.com/surveyorhq/surveyor/internal/server"
	"github.com/surveyorhq/surveyor/internal/server/servertest"
)

// A run that hangs (a source that accepts the connection and never answers) fails at the run
// timeout with the reason, as GetDataSourceRun shows it. The source's connect timeout (10 s) is
// well past the run timeout (1 s, checked at every lease renewal, every 5/3 s here).
func TestHungRunFailsAtTheRunTimeout(t *testing.T) {
	w := newWorld(t, servertest.Options{Tune: func(c *server.Config) { c.RunTimeout = time.Second }})
	port, _ := silentServer(t)
	arn := w.secret("silent", map[string]any{"engine": "postgres", "host": "127.0.0.1", "port": port, "username": "u", "password": "p", "dbname": "db"})
	ds := w.dataSource("silent", redshift(arn, rf("db", "")))
	r := w.run(ds)
	if r.Status != types.DataSourceRunStatusFailed || r.ErrorMessage == nil ||
		r.ErrorMessage.ErrorType != types.DataSourceErrorTypeServiceQuotaExceededException ||
		aws.ToString(r.ErrorMessage.ErrorDetail) != "run exceeded the run timeout of 1s" {
		t.Fatalf("hung run = %s %+v, want FAILED SERVICE_QUOTA_EXCEEDED_EXCEPTION \"run exceeded the run timeout of 1s\"", r.Status, r.ErrorMessage)
	}
}
