package datazone_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	dz "github.com/aws/aws-sdk-go-v2/service/datazone"
	"github.com/aws/aws-sdk-go-v2/service/datazone/types"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/surveyorhq/surveyor/internal/server/servertest"
)

// One tenant's filters are matched against every table of every run: 200 long rules over 3,000
// tables took 32.8 s a run. The model bounds neither list, so this server caps them, and says so
// with DataZone's quota error (402), on create and update alike.
func TestFilterQuotas(t *testing.T) {
	w := newWorld(t, servertest.Options{})
	ctx := context.Background()
	arn := w.secret("quota-db", map[string]any{"engine": "postgres", "host": "127.0.0.1", "port": 1, "username": "u", "password": "p", "dbname": "db"})
	configs := func(n, exprs int) []types.RelationalFilterConfiguration {
		var out []types.RelationalFilterConfiguration
		for i := range n {
			var e []string
			for j := range exprs {
				e = append(e, fmt.Sprintf("INCLUDE t%d_*", j))
			}
			out = append(out, rf("db", fmt.Sprintf("schema_%d", i), e...))
		}
		return out
	}
	create := func(name string, filters []types.RelationalFilterConfiguration) error {
		_, err := w.dz.CreateDataSource(ctx, &dz.CreateDataSourceInput{DomainIdentifier: &w.domain, ProjectIdentifier: &w.project,
			Name: aws.String(name), Type: aws.String("REDSHIFT"), Configuration: redshift(arn, filters...)})
		return err
	}
	for _, tc := range []struct {
		name    string
		filters []types.RelationalFilterConfiguration
		want    string // "" = accepted, else a part of the quota message
	}{
		{"100 configurations", configs(100, 1), ""},
		{"101 configurations", configs(101, 1), "101 relationalFilterConfigurations; the quota is 100"},
		{"100 expressions", configs(1, 100), ""},
		{"101 expressions", configs(2, 101), "relationalFilterConfigurations.1 has 101 filterExpressions; the quota is 100"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := create(tc.name, tc.filters)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("CreateDataSource: %v", err)
				}
				return
			}
			wantQuota(t, err, tc.want)
		})
	}
	ds := w.dataSource("small", redshift(arn, rf("db", "public")))
	_, err := w.dz.UpdateDataSource(ctx, &dz.UpdateDataSourceInput{DomainIdentifier: &w.domain, Identifier: &ds,
		Configuration: redshift(arn, configs(101, 1)...)})
	wantQuota(t, err, "101 relationalFilterConfigurations")
	got, err := w.dz.GetDataSource(ctx, &dz.GetDataSourceInput{DomainIdentifier: &w.domain, Identifier: &ds})
	if err != nil {
		t.Fatal(err)
	}
	if rc, ok := got.Configuration.(*types.DataSourceConfigurationOutputMemberRedshiftRunConfiguration); !ok || len(rc.Value.RelationalFilterConfigurations) != 1 {
		t.Errorf("configuration after a refused update = %#v, want the one it had", got.Configuration)
	}
}

func wantQuota(t *testing.T, err error, msg string) {
	t.Helper()
	var q *types.ServiceQuotaExceededException
	if !errors.As(err, &q) {
		t.Fatalf("err %v, want ServiceQuotaExceededException", err)
	}
	if m := aws.ToString(q.Message); !strings.Contains(m, msg) {
		t.Errorf("message %q, want it to contain %q", m, msg)
	}
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) && re.HTTPStatusCode() != 402 {
		t.Errorf("status %d, want 402", re.HTTPStatusCode())
	}
}
