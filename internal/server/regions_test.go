package server_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ai "github.com/aws/aws-sdk-go-v2/service/appintegrations"
	dms "github.com/aws/aws-sdk-go-v2/service/databasemigrationservice"
	dmstypes "github.com/aws/aws-sdk-go-v2/service/databasemigrationservice/types"
	dz "github.com/aws/aws-sdk-go-v2/service/datazone"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/surveyorhq/surveyor/internal/server"
	"github.com/surveyorhq/surveyor/internal/server/servertest"
)

// regionConfig is env's first account signing for region.
func regionConfig(env *servertest.Env, region string) aws.Config {
	cfg := env.AWS()
	cfg.Region = region
	return cfg
}

// Regions are real: one account's resources in two regions are two resources with their own
// ARNs, a client of one region does not find the other's by name or ARN, and lists show only
// the caller's region.
func TestRegionsIsolateResources(t *testing.T) {
	servertest.EachStore(t, func(t *testing.T, store string) {
		env := servertest.Start(t, servertest.Options{Store: store})
		ctx := context.Background()
		east, west := regionConfig(env, "us-east-1"), regionConfig(env, "eu-west-1")

		t.Run("secrets", func(t *testing.T) {
			smEast, smWest := secretsmanager.NewFromConfig(east), secretsmanager.NewFromConfig(west)
			a, err := smEast.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("app/db"), SecretString: aws.String("east")})
			if err != nil {
				t.Fatal(err)
			}
			b, err := smWest.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("app/db"), SecretString: aws.String("west")})
			if err != nil {
				t.Fatalf("the same name in another region: %v", err)
			}
			if !strings.HasPrefix(*a.ARN, "arn:aws:secretsmanager:us-east-1:") || !strings.HasPrefix(*b.ARN, "arn:aws:secretsmanager:eu-west-1:") {
				t.Errorf("ARNs %s and %s do not name their regions", *a.ARN, *b.ARN)
			}
			for _, c := range []struct {
				client *secretsmanager.Client
				id     string
				want   string
			}{{smEast, "app/db", "east"}, {smWest, "app/db", "west"}, {smEast, *a.ARN, "east"}, {smWest, *b.ARN, "west"}} {
				v, err := c.client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: &c.id})
				if err != nil || aws.ToString(v.SecretString) != c.want {
					t.Errorf("GetSecretValue(%s) = %v, %v; want %s", c.id, v, err, c.want)
				}
			}
			// West does not find east's secret by its ARN, and east not west's.
			if _, err := smWest.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: a.ARN}); apiCode(err) != "ResourceNotFoundException" {
				t.Errorf("another region's ARN: %v, want ResourceNotFoundException", err)
			}
			if _, err := smEast.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: b.ARN}); apiCode(err) != "ResourceNotFoundException" {
				t.Errorf("another region's ARN: %v, want ResourceNotFoundException", err)
			}
			if _, err := smWest.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("only/east"), SecretString: aws.String("x")}); err != nil {
				t.Fatal(err)
			}
			if _, err := smEast.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("only/east")}); apiCode(err) != "ResourceNotFoundException" {
				t.Errorf("another region's name: %v, want ResourceNotFoundException", err)
			}
			list, err := smEast.ListSecrets(ctx, &secretsmanager.ListSecretsInput{})
			if err != nil || len(list.SecretList) != 1 || *list.SecretList[0].ARN != *a.ARN {
				t.Errorf("east lists %+v, %v; want only its own secret", list, err)
			}
		})

		t.Run("datazone", func(t *testing.T) {
			dzEast, dzWest := dz.NewFromConfig(east), dz.NewFromConfig(west)
			// The same name and the same client token in both regions.
			in := func() *dz.CreateDomainInput {
				return &dz.CreateDomainInput{Name: aws.String("sales"), ClientToken: aws.String("one-token"),
					DomainExecutionRole: aws.String("arn:aws:iam::123456789012:role/dz")}
			}
			a, err := dzEast.CreateDomain(ctx, in())
			if err != nil {
				t.Fatal(err)
			}
			b, err := dzWest.CreateDomain(ctx, in())
			if err != nil {
				t.Fatalf("the same domain in another region: %v", err)
			}
			if *a.Id == *b.Id || !strings.Contains(*a.Arn, ":us-east-1:") || !strings.Contains(*b.Arn, ":eu-west-1:") {
				t.Errorf("domains %s (%s) and %s (%s): want two, each with its region's ARN", *a.Id, *a.Arn, *b.Id, *b.Arn)
			}
			if _, err := dzWest.GetDomain(ctx, &dz.GetDomainInput{Identifier: a.Id}); apiCode(err) != "ResourceNotFoundException" {
				t.Errorf("another region's domain: %v, want ResourceNotFoundException", err)
			}
			if _, err := dzEast.GetDomain(ctx, &dz.GetDomainInput{Identifier: b.Id}); apiCode(err) != "ResourceNotFoundException" {
				t.Errorf("another region's domain: %v, want ResourceNotFoundException", err)
			}
			for region, c := range map[string]*dz.Client{"us-east-1": dzEast, "eu-west-1": dzWest} {
				list, err := c.ListDomains(ctx, &dz.ListDomainsInput{})
				if err != nil || len(list.Items) != 1 || !strings.Contains(*list.Items[0].Arn, ":"+region+":") {
					t.Errorf("%s lists %+v, %v; want its one domain", region, list, err)
				}
			}
		})

		t.Run("dms", func(t *testing.T) {
			in := func() *dms.CreateEndpointInput {
				return &dms.CreateEndpointInput{EndpointIdentifier: aws.String("pg"), ResourceIdentifier: aws.String("shop-pg"),
					EngineName: aws.String("postgres"), EndpointType: dmstypes.ReplicationEndpointTypeValueSource,
					ServerName: aws.String("127.0.0.1"), Port: aws.Int32(5432), DatabaseName: aws.String("shop"), Username: aws.String("app")}
			}
			arns := map[string]string{}
			for _, region := range []string{"us-east-1", "eu-west-1"} {
				out, err := dms.NewFromConfig(regionConfig(env, region)).CreateEndpoint(ctx, in())
				if err != nil {
					t.Fatalf("CreateEndpoint pg (resource id shop-pg) in %s: %v", region, err)
				}
				arns[region] = aws.ToString(out.Endpoint.EndpointArn)
			}
			if arns["us-east-1"] != "arn:aws:dms:us-east-1:"+env.Key.AccountID+":endpoint:shop-pg" ||
				arns["eu-west-1"] != "arn:aws:dms:eu-west-1:"+env.Key.AccountID+":endpoint:shop-pg" {
				t.Errorf("endpoint ARNs %v", arns)
			}
			_, err := dms.NewFromConfig(west).DescribeEndpoints(ctx, &dms.DescribeEndpointsInput{
				Filters: []dmstypes.Filter{{Name: aws.String("endpoint-arn"), Values: []string{arns["us-east-1"]}}}})
			if apiCode(err) != "ResourceNotFoundFault" {
				t.Errorf("eu-west-1 describes us-east-1's endpoint: %v, want ResourceNotFoundFault", err)
			}
		})

		t.Run("appintegrations", func(t *testing.T) {
			ids := map[string]string{}
			for _, region := range []string{"us-east-1", "eu-west-1"} {
				out, err := ai.NewFromConfig(regionConfig(env, region)).CreateDataIntegration(ctx, &ai.CreateDataIntegrationInput{
					Name: aws.String("orders"), KmsKey: aws.String("alias/aws/appintegrations"), SourceURI: aws.String("s3://shop-bucket/orders"),
					ClientToken: aws.String("one-token")})
				if err != nil {
					t.Fatalf("CreateDataIntegration orders in %s: %v", region, err)
				}
				if !strings.HasPrefix(aws.ToString(out.Arn), "arn:aws:app-integrations:"+region+":") {
					t.Errorf("%s ARN %s", region, aws.ToString(out.Arn))
				}
				ids[region] = aws.ToString(out.Id)
			}
			if ids["us-east-1"] == ids["eu-west-1"] {
				t.Errorf("one client token in two regions gave one id %s", ids["us-east-1"])
			}
			_, err := ai.NewFromConfig(west).GetDataIntegration(ctx, &ai.GetDataIntegrationInput{Identifier: aws.String(ids["us-east-1"])})
			if apiCode(err) != "ResourceNotFoundException" {
				t.Errorf("eu-west-1 gets us-east-1's integration: %v, want ResourceNotFoundException", err)
			}
		})
	})
}

// A request signed for a region the server does not accept (--regions) gets the error an AWS
// endpoint gives for a credential scoped to another region, in each protocol, never a 500.
func TestRegionsOutsideRegionsAreRefused(t *testing.T) {
	env := servertest.Start(t, servertest.Options{Tune: func(c *server.Config) {
		c.Regions = []string{"us-east-1", "eu-west-1"}
	}})
	ctx := context.Background()
	const want = "Credential should be scoped to a valid region, not 'ap-south-1'."
	other := regionConfig(env, "ap-south-1")
	check := func(name string, err error) {
		t.Helper()
		var re *smithyhttp.ResponseError
		status := 0
		if errors.As(err, &re) {
			status = re.HTTPStatusCode()
		}
		// Each protocol's status for an authentication failure: 400 (awsJson1_1), 403 (restJson1).
		if apiCode(err) != "InvalidSignatureException" || status != 400 && status != 403 || !strings.Contains(err.Error(), want) {
			t.Errorf("%s for ap-south-1: %v (HTTP %d), want InvalidSignatureException %q", name, err, status, want)
		}
	}
	_, err := secretsmanager.NewFromConfig(other).ListSecrets(ctx, &secretsmanager.ListSecretsInput{})
	check("Secrets Manager (awsJson1_1)", err)
	_, err = dz.NewFromConfig(other).ListDomains(ctx, &dz.ListDomainsInput{})
	check("DataZone (restJson1)", err)
	// The accepted regions answer.
	for _, region := range []string{"us-east-1", "eu-west-1"} {
		if _, err := secretsmanager.NewFromConfig(regionConfig(env, region)).ListSecrets(ctx, &secretsmanager.ListSecretsInput{}); err != nil {
			t.Errorf("ListSecrets in %s: %v", region, err)
		}
	}
}

// The default region must be one the server accepts.
func TestRegionsDefaultRegionMustBeAccepted(t *testing.T) {
	_, err := server.New(context.Background(), server.Config{DataDir: t.TempDir(), Getenv: func(string) string { return "" },
		Region: "us-west-2", Regions: []string{"eu-west-1"}})
	if err == nil || !strings.Contains(err.Error(), "us-west-2") {
		t.Errorf("New with --region outside --regions: %v, want an error naming the region", err)
	}
}
