package server_test

import (
	"context"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/appsync"
	astypes "github.com/aws/aws-sdk-go-v2/service/appsync/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/surveyorhq/surveyor/internal/server/servertest"
)

// A finished run is counted in /metrics by job and status, next to the requests that made it.
func TestMetricsCountRunsAndRequests(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	ctx := context.Background()
	sample, _ := filepath.Abs("../../examples/shop.db")
	sec, err := secretsmanager.NewFromConfig(env.AWS()).CreateSecret(ctx, &secretsmanager.CreateSecretInput{
		Name: aws.String("shop"), SecretString: aws.String(`{"engine":"sqlite","path":"` + sample + `"}`)})
	if err != nil {
		t.Fatal(err)
	}
	as := appsync.NewFromConfig(env.AWS())
	start, err := as.StartDataSourceIntrospection(ctx, &appsync.StartDataSourceIntrospectionInput{RdsDataApiConfig: &astypes.RdsDataApiConfig{
		ResourceArn: aws.String("arn:aws:rds:us-east-1:" + env.Key.AccountID + ":cluster:shop"), SecretArn: sec.ARN, DatabaseName: aws.String("main")}})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		got, err := as.GetDataSourceIntrospection(ctx, &appsync.GetDataSourceIntrospectionInput{IntrospectionId: start.IntrospectionId})
		if err != nil {
			t.Fatal(err)
		}
		if got.IntrospectionStatus != astypes.DataSourceIntrospectionStatusProcessing {
			if got.IntrospectionStatus != astypes.DataSourceIntrospectionStatusSuccess {
				t.Fatalf("introspection %s: %s", got.IntrospectionStatus, aws.ToString(got.IntrospectionStatusDetail))
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("introspection did not finish")
		}
		time.Sleep(50 * time.Millisecond)
	}
	res, err := http.Get(env.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	for _, want := range []string{
		`surveyor_run_duration_seconds_count{job="discover",status="SUCCESS"} 1`,
		`surveyor_runs{state="SUCCESS"} 1`,
		`surveyor_requests_total{operation="StartDataSourceIntrospection",service="appsync",status="200"} 1`,
		`surveyor_requests_total{operation="CreateSecret",service="secretsmanager",status="200"} 1`,
	} {
		if !strings.Contains(string(b), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}
