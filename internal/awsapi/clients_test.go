package awsapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/appsync"
	appsynctypes "github.com/aws/aws-sdk-go-v2/service/appsync/types"
	dms "github.com/aws/aws-sdk-go-v2/service/databasemigrationservice"
	dmstypes "github.com/aws/aws-sdk-go-v2/service/databasemigrationservice/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
)

func clientConfig(url, secret string) aws.Config {
	return aws.Config{
		Region:           testRegion,
		BaseEndpoint:     aws.String(url),
		Credentials:      credentials.NewStaticCredentialsProvider(testAKID, secret, ""),
		RetryMaxAttempts: 1,
	}
}

func TestSTSGetCallerIdentity(t *testing.T) {
	srv := newServer(t, newTestHandler(t))
	out, err := sts.NewFromConfig(clientConfig(srv.URL, testSecret)).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.Account) != testAccount || aws.ToString(out.UserId) != UserID(testAKID) ||
		!regexp.MustCompile(`^AIDA[A-Z2-7]{17}$`).MatchString(aws.ToString(out.UserId)) ||
		aws.ToString(out.Arn) != "arn:aws:iam::"+testAccount+":user/surveyor" {
		t.Errorf("got account %q user %q arn %q", aws.ToString(out.Account), aws.ToString(out.UserId), aws.ToString(out.Arn))
	}

	_, err = sts.NewFromConfig(clientConfig(srv.URL, "wrong")).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "SignatureDoesNotMatch" {
		t.Errorf("wrong secret: got %v, want SignatureDoesNotMatch", err)
	}
}

func TestDMSClientErrors(t *testing.T) {
	srv := newServer(t, newTestHandler(t))
	c := dms.NewFromConfig(clientConfig(srv.URL, testSecret))
	ctx := context.Background()

	out, err := c.DescribeSchemas(ctx, &dms.DescribeSchemasInput{EndpointArn: aws.String("arn:aws:dms:us-east-1:123456789012:endpoint:KNOWN")})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(out.Schemas, ",") != "public,sales" {
		t.Errorf("schemas %v", out.Schemas)
	}

	t.Run("modelled fault with its message", func(t *testing.T) {
		_, err := c.DescribeSchemas(ctx, &dms.DescribeSchemasInput{EndpointArn: aws.String("arn:aws:dms:us-east-1:123456789012:endpoint:NOPE")})
		var nf *dmstypes.ResourceNotFoundFault
		if !errors.As(err, &nf) || aws.ToString(nf.Message) != "Endpoint arn:aws:dms:us-east-1:123456789012:endpoint:NOPE not found." {
			t.Fatalf("got %v, want ResourceNotFoundFault with message", err)
		}
	})
	t.Run("extra member of a fault", func(t *testing.T) {
		_, err := c.CreateEndpoint(ctx, &dms.CreateEndpointInput{EndpointIdentifier: aws.String("pg"),
			EndpointType: dmstypes.ReplicationEndpointTypeValueSource, EngineName: aws.String("postgres")})
		var ex *dmstypes.ResourceAlreadyExistsFault
		if !errors.As(err, &ex) || aws.ToString(ex.ResourceArn) != "arn:aws:dms:us-east-1:123456789012:endpoint:pg" {
			t.Fatalf("got %v, want ResourceAlreadyExistsFault with resourceArn", err)
		}
	})
	t.Run("validation error", func(t *testing.T) {
		_, err := c.DescribeSchemas(ctx, &dms.DescribeSchemasInput{EndpointArn: aws.String("x"), MaxRecords: aws.Int32(5)})
		var ae smithy.APIError
		want := "1 validation error detected: Value '5' at 'MaxRecords' failed to satisfy constraint: Member must have value greater than or equal to 20"
		if !errors.As(err, &ae) || ae.ErrorCode() != "InvalidParameterValueException" || ae.ErrorMessage() != want {
			t.Fatalf("got %v, want InvalidParameterValueException %q", err, want)
		}
	})
	t.Run("unknown operation", func(t *testing.T) {
		_, err := c.DescribeEndpoints(ctx, &dms.DescribeEndpointsInput{})
		var ae smithy.APIError
		if !errors.As(err, &ae) || ae.ErrorCode() != "UnknownOperationException" || !strings.Contains(ae.ErrorMessage(), "DescribeEndpoints") {
			t.Fatalf("got %v, want UnknownOperationException naming the operation", err)
		}
	})
}

func TestInternalFailuresDoNotLeak(t *testing.T) {
	var logs bytes.Buffer
	h := newTestHandler(t)
	h.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	var observed []string
	h.Observe = func(service, op string, status int, d time.Duration) {
		observed = append(observed, service+"."+op+":"+strconv.Itoa(status))
	}
	srv := newServer(t, h)
	c := dms.NewFromConfig(clientConfig(srv.URL, testSecret))
	for _, tc := range []struct{ name, op, logged string }{
		{"error that is not an *Error", "TestConnection", "hunter2"},
		{"panic", "DeleteEndpoint", "façade bug"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			logs.Reset()
			var err error
			if tc.op == "TestConnection" {
				_, err = c.TestConnection(context.Background(), &dms.TestConnectionInput{EndpointArn: aws.String("e"), ReplicationInstanceArn: aws.String("r")})
			} else {
				_, err = c.DeleteEndpoint(context.Background(), &dms.DeleteEndpointInput{EndpointArn: aws.String("e")})
			}
			var re interface{ HTTPStatusCode() int }
			var ae smithy.APIError
			if !errors.As(err, &ae) || ae.ErrorCode() != CodeInternalFailure || ae.ErrorMessage() != MessageInternalFailure {
				t.Fatalf("got %v, want InternalFailure with the generic message", err)
			}
			if !errors.As(err, &re) || re.HTTPStatusCode() != 500 {
				t.Errorf("status: %v", err)
			}
			if strings.Contains(err.Error(), tc.logged) {
				t.Errorf("client saw the cause: %v", err)
			}
			if !strings.Contains(logs.String(), tc.logged) || !strings.Contains(logs.String(), "request_id=") {
				t.Errorf("log lacks cause or request id: %s", logs.String())
			}
		})
	}
	if strings.Join(observed, " ") != "dms.TestConnection:500 dms.DeleteEndpoint:500" {
		t.Errorf("observed %v", observed)
	}
}

func TestAppSyncClientErrors(t *testing.T) {
	srv := newServer(t, newTestHandler(t))
	c := appsync.NewFromConfig(clientConfig(srv.URL, testSecret))
	ctx := context.Background()

	start, err := c.StartDataSourceIntrospection(ctx, &appsync.StartDataSourceIntrospectionInput{
		RdsDataApiConfig: &appsynctypes.RdsDataApiConfig{
			ResourceArn:  aws.String("arn:aws:rds:us-east-1:123456789012:cluster:db1"),
			SecretArn:    aws.String("arn:aws:secretsmanager:us-east-1:123456789012:secret:s-abc123"),
			DatabaseName: aws.String("app"),
		}})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(start.IntrospectionId) != "intro-1" || start.IntrospectionStatus != appsynctypes.DataSourceIntrospectionStatusProcessing {
		t.Errorf("start: %+v", start)
	}
	got, err := c.GetDataSourceIntrospection(ctx, &appsync.GetDataSourceIntrospectionInput{
		IntrospectionId: aws.String("intro-1"), IncludeModelsSDL: true, MaxResults: 5})
	if err != nil {
		t.Fatal(err)
	}
	if got.IntrospectionStatus != appsynctypes.DataSourceIntrospectionStatusSuccess {
		t.Errorf("get: %+v", got)
	}

	t.Run("not found", func(t *testing.T) {
		_, err := c.GetDataSourceIntrospection(ctx, &appsync.GetDataSourceIntrospectionInput{IntrospectionId: aws.String("a/b")})
		var nf *appsynctypes.NotFoundException
		if !errors.As(err, &nf) || aws.ToString(nf.Message) != "Introspection a/b not found." {
			t.Fatalf("got %v, want NotFoundException naming a/b", err)
		}
	})
	t.Run("validation error from model pattern", func(t *testing.T) {
		_, err := c.StartDataSourceIntrospection(ctx, &appsync.StartDataSourceIntrospectionInput{
			RdsDataApiConfig: &appsynctypes.RdsDataApiConfig{
				ResourceArn:  aws.String("arn:aws:rds:us-east-1:123456789012:db:instance1"),
				SecretArn:    aws.String("arn:aws:secretsmanager:us-east-1:123456789012:secret:s-abc123"),
				DatabaseName: aws.String("app"),
			}})
		var br *appsynctypes.BadRequestException
		want := "1 validation error detected: Value 'arn:aws:rds:us-east-1:123456789012:db:instance1' at 'rdsDataApiConfig.resourceArn' failed to satisfy constraint: Member must satisfy regular expression pattern: " + clusterARN
		if !errors.As(err, &br) || aws.ToString(br.Message) != want {
			t.Fatalf("got %v, want BadRequestException %q", err, want)
		}
	})
	t.Run("query out of range", func(t *testing.T) {
		_, err := c.GetDataSourceIntrospection(ctx, &appsync.GetDataSourceIntrospectionInput{IntrospectionId: aws.String("intro-1"), MaxResults: 26})
		var br *appsynctypes.BadRequestException
		if !errors.As(err, &br) || !strings.Contains(aws.ToString(br.Message), "at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 25") {
			t.Fatalf("got %v, want BadRequestException on maxResults", err)
		}
	})
}

// TestBoto3 drives the handler with boto3 (botocore's own signer and error parser).
func TestBoto3(t *testing.T) {
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not installed")
	}
	if exec.Command(python, "-c", "import boto3").Run() != nil {
		t.Skip("boto3 not installed")
	}
	srv := newServer(t, newTestHandler(t))
	script := `
import json, os, sys, boto3, botocore
kw = dict(endpoint_url=sys.argv[1], region_name="us-east-1")
out = {}
out["account"] = boto3.client("sts", **kw).get_caller_identity()["Account"]
d = boto3.client("dms", **kw)
out["schemas"] = d.describe_schemas(EndpointArn="arn:aws:dms:us-east-1:123456789012:endpoint:KNOWN")["Schemas"]
try:
    d.describe_schemas(EndpointArn="nope")
except botocore.exceptions.ClientError as e:
    out["dms_error"] = [e.response["Error"]["Code"], e.response["Error"]["Message"], e.response["ResponseMetadata"]["HTTPStatusCode"]]
a = boto3.client("appsync", **kw)
out["intro"] = a.get_data_source_introspection(introspectionId="intro-1", maxResults=5)["introspectionStatus"]
try:
    a.get_data_source_introspection(introspectionId="x/y z")
except a.exceptions.NotFoundException as e:
    out["appsync_error"] = [e.response["Error"]["Code"], e.response["Error"]["Message"]]
bad = boto3.client("dms", aws_access_key_id=os.environ["AWS_ACCESS_KEY_ID"], aws_secret_access_key="wrong", **kw)
try:
    bad.describe_schemas(EndpointArn="nope")
except botocore.exceptions.ClientError as e:
    out["bad_secret"] = e.response["Error"]["Code"]
print(json.dumps(out))
`
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, python, "-c", script, srv.URL)
	cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID="+testAKID, "AWS_SECRET_ACCESS_KEY="+testSecret,
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_MAX_ATTEMPTS=1", "AWS_SESSION_TOKEN=")
	outb, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("python: %v\n%s", err, ee.Stderr)
		}
		t.Fatal(err)
	}
	var got struct {
		Account      string
		Schemas      []string
		DMSError     []any `json:"dms_error"`
		Intro        string
		AppSyncError []string `json:"appsync_error"`
		BadSecret    string   `json:"bad_secret"`
	}
	if err := json.Unmarshal(outb, &got); err != nil {
		t.Fatalf("%v: %s", err, outb)
	}
	if got.Account != testAccount || strings.Join(got.Schemas, ",") != "public,sales" || got.Intro != "SUCCESS" {
		t.Errorf("results: %s", outb)
	}
	if len(got.DMSError) != 3 || got.DMSError[0] != "ResourceNotFoundFault" || got.DMSError[1] != "Endpoint nope not found." || got.DMSError[2] != float64(400) {
		t.Errorf("dms error: %v", got.DMSError)
	}
	if strings.Join(got.AppSyncError, "|") != "NotFoundException|Introspection x/y z not found." {
		t.Errorf("appsync error: %v", got.AppSyncError)
	}
	if got.BadSecret != "InvalidSignatureException" {
		t.Errorf("bad secret: %q", got.BadSecret)
	}
}
