package secretsmanager_test

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/surveyorhq/surveyor/internal/server/servertest"
)

const (
	accountPolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}]}`
	publicPolicy  = `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":["secretsmanager:GetSecretValue"],"Resource":"*"}}`
)

func TestResourcePolicies(t *testing.T) {
	eachStore(t, func(t *testing.T, c *sm.Client, env *servertest.Env) {
		s := create(t, c, "shared", "v")
		got := must(c.GetResourcePolicy(ctx, &sm.GetResourcePolicyInput{SecretId: s.Name}))(t)
		if got.ResourcePolicy != nil || *got.ARN != *s.ARN || *got.Name != "shared" {
			t.Fatalf("policy of a new secret: %+v", got)
		}
		must(c.PutResourcePolicy(ctx, &sm.PutResourcePolicyInput{SecretId: s.Name, ResourcePolicy: aws.String(accountPolicy)}))(t)
		got = must(c.GetResourcePolicy(ctx, &sm.GetResourcePolicyInput{SecretId: s.ARN}))(t)
		if aws.ToString(got.ResourcePolicy) != accountPolicy {
			t.Fatalf("policy = %q", aws.ToString(got.ResourcePolicy))
		}

		_, err := c.PutResourcePolicy(ctx, &sm.PutResourcePolicyInput{SecretId: s.Name, ResourcePolicy: aws.String(publicPolicy), BlockPublicPolicy: aws.Bool(true)})
		wantErr(t, err, "PublicPolicyException", "The BlockPublicPolicy parameter is set to true, and the resource policy did not prevent broad access to the secret.")
		if aws.ToString(must(c.GetResourcePolicy(ctx, &sm.GetResourcePolicyInput{SecretId: s.Name}))(t).ResourcePolicy) != accountPolicy {
			t.Fatal("a refused policy replaced the stored one")
		}
		must(c.PutResourcePolicy(ctx, &sm.PutResourcePolicyInput{SecretId: s.Name, ResourcePolicy: aws.String(publicPolicy)}))(t)

		for _, tc := range []struct{ name, doc, msg string }{
			{"not JSON", `{"Version":`, "This resource policy contains a syntax error: the document is not a JSON policy object…"},
			{"no statement", `{"Version":"2012-10-17"}`, "This resource policy contains a syntax error: the policy has no Statement."},
			{"bad effect", `{"Statement":[{"Effect":"Maybe","Principal":"*","Action":"*"}]}`, "statement 1: Effect must be Allow or Deny…"},
			{"no principal", `{"Statement":[{"Effect":"Allow","Action":"*"}]}`, "statement 1 must have either Principal or NotPrincipal…"},
			{"unknown member", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Colour":"red"}]}`, "statement 1 is not a valid statement…"},
			{"bad principal", `{"Statement":[{"Effect":"Allow","Principal":{"Person":"me"},"Action":"*"}]}`, "Principal must be…"},
			{"bad version", `{"Version":"2020-01-01","Statement":[{"Effect":"Allow","Principal":"*","Action":"*"}]}`, "Version must be 2012-10-17 or 2008-10-17…"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := c.PutResourcePolicy(ctx, &sm.PutResourcePolicyInput{SecretId: s.Name, ResourcePolicy: aws.String(tc.doc)})
				wantErr(t, err, "MalformedPolicyDocumentException", tc.msg)
				_, err = c.ValidateResourcePolicy(ctx, &sm.ValidateResourcePolicyInput{ResourcePolicy: aws.String(tc.doc)})
				wantErr(t, err, "MalformedPolicyDocumentException", tc.msg)
			})
		}

		v := must(c.ValidateResourcePolicy(ctx, &sm.ValidateResourcePolicyInput{SecretId: s.Name, ResourcePolicy: aws.String(accountPolicy)}))(t)
		if !v.PolicyValidationPassed || len(v.ValidationErrors) != 0 {
			t.Fatalf("account policy: %+v", v)
		}
		v = must(c.ValidateResourcePolicy(ctx, &sm.ValidateResourcePolicyInput{ResourcePolicy: aws.String(publicPolicy)}))(t)
		if v.PolicyValidationPassed || len(v.ValidationErrors) != 1 || *v.ValidationErrors[0].CheckName != "BROAD_ACCESS_CHECK" {
			t.Fatalf("public policy: %+v", v)
		}
		conditional := `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"*","Condition":{"StringEquals":{"aws:PrincipalAccount":"123456789012"}}}]}`
		if v := must(c.ValidateResourcePolicy(ctx, &sm.ValidateResourcePolicyInput{ResourcePolicy: aws.String(conditional)}))(t); !v.PolicyValidationPassed {
			t.Fatalf("a wildcard principal limited by a condition is not public: %+v", v)
		}
		_, err = c.ValidateResourcePolicy(ctx, &sm.ValidateResourcePolicyInput{SecretId: aws.String("nope"), ResourcePolicy: aws.String(accountPolicy)})
		wantErr(t, err, "ResourceNotFoundException", "Secrets Manager can't find the specified secret.")

		must(c.DeleteResourcePolicy(ctx, &sm.DeleteResourcePolicyInput{SecretId: s.Name}))(t)
		must(c.DeleteResourcePolicy(ctx, &sm.DeleteResourcePolicyInput{SecretId: s.Name}))(t) // none is fine
		if got := must(c.GetResourcePolicy(ctx, &sm.GetResourcePolicyInput{SecretId: s.Name}))(t); got.ResourcePolicy != nil {
			t.Fatalf("policy after delete: %q", *got.ResourcePolicy)
		}
		_, err = c.PutResourcePolicy(ctx, &sm.PutResourcePolicyInput{SecretId: aws.String("nope"), ResourcePolicy: aws.String(accountPolicy)})
		wantErr(t, err, "ResourceNotFoundException", "Secrets Manager can't find the specified secret.")
		_, err = c.PutResourcePolicy(ctx, &sm.PutResourcePolicyInput{SecretId: s.Name}, unchecked)
		wantErr(t, err, "ValidationException", "1 validation error detected: Value null at 'resourcePolicy' failed to satisfy constraint: Member must not be null")
	})
}

func TestRotation(t *testing.T) {
	eachStore(t, func(t *testing.T, c *sm.Client, env *servertest.Env) {
		s := create(t, c, "rotated", "v1")
		const lambda = "arn:aws:lambda:us-east-1:123456789012:function:rotate-db"
		_, err := c.RotateSecret(ctx, &sm.RotateSecretInput{SecretId: s.Name})
		wantErr(t, err, "InvalidRequestException", "You tried to enable rotation on a secret that doesn't already have a Lambda function ARN configured and you didn't include such an ARN as a parameter in this call.")
		_, err = c.CancelRotateSecret(ctx, &sm.CancelRotateSecretInput{SecretId: s.Name})
		wantErr(t, err, "InvalidRequestException", "You tried to enable rotation on a secret that doesn't already have a Lambda function ARN configured…")

		before := time.Now()
		_, err = c.RotateSecret(ctx, &sm.RotateSecretInput{SecretId: s.Name, RotationLambdaARN: aws.String(lambda),
			RotationRules: &types.RotationRulesType{AutomaticallyAfterDays: aws.Int64(30), Duration: aws.String("2h")}})
		wantErr(t, err, "AccessDeniedException", "Secrets Manager cannot invoke the specified Lambda function. Ensure that the function policy grants access to the principal secretsmanager.amazonaws.com.")
		d := must(c.DescribeSecret(ctx, &sm.DescribeSecretInput{SecretId: s.Name}))(t)
		if !aws.ToBool(d.RotationEnabled) || aws.ToString(d.RotationLambdaARN) != lambda || d.RotationRules == nil ||
			aws.ToInt64(d.RotationRules.AutomaticallyAfterDays) != 30 || aws.ToString(d.RotationRules.Duration) != "2h" ||
			d.NextRotationDate == nil || d.NextRotationDate.Before(before.Add(30*24*time.Hour-time.Minute)) || d.LastRotatedDate != nil {
			t.Fatalf("rotation not reported: %+v", d)
		}
		if v := must(c.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: s.Name}))(t); *v.SecretString != "v1" {
			t.Fatal("a failed rotation changed the value")
		}
		list := must(c.ListSecrets(ctx, &sm.ListSecretsInput{Filters: []types.Filter{{Key: "name", Values: []string{"rotated"}}}}))(t)
		if len(list.SecretList) != 1 || !aws.ToBool(list.SecretList[0].RotationEnabled) || aws.ToString(list.SecretList[0].RotationLambdaARN) != lambda {
			t.Fatalf("ListSecrets rotation: %+v", list.SecretList)
		}

		// A schedule expression replaces the rules; the stored function is used again.
		_, err = c.RotateSecret(ctx, &sm.RotateSecretInput{SecretId: s.Name, RotationRules: &types.RotationRulesType{ScheduleExpression: aws.String("cron(0 16 1,15 * ? *)")}})
		wantErr(t, err, "AccessDeniedException", "Secrets Manager cannot invoke the specified Lambda function…")
		d = must(c.DescribeSecret(ctx, &sm.DescribeSecretInput{SecretId: s.Name}))(t)
		if n := d.NextRotationDate.UTC(); d.RotationRules.AutomaticallyAfterDays != nil || n.Hour() != 16 || (n.Day() != 1 && n.Day() != 15) {
			t.Fatalf("schedule rotation: rules %+v next %v", d.RotationRules, d.NextRotationDate)
		}
		for _, tc := range []struct {
			name      string
			rules     types.RotationRulesType
			code, msg string
		}{
			{"both", types.RotationRulesType{AutomaticallyAfterDays: aws.Int64(1), ScheduleExpression: aws.String("rate(10 days)")},
				"InvalidParameterException", "You can't specify both AutomaticallyAfterDays and ScheduleExpression in RotationRules."},
			{"bad schedule", types.RotationRulesType{ScheduleExpression: aws.String("every day")}, "InvalidParameterException", "Invalid ScheduleExpression…"},
			{"days out of range", types.RotationRulesType{AutomaticallyAfterDays: aws.Int64(1001)}, "ValidationException",
				"1 validation error detected: Value '1001' at 'rotationRules.automaticallyAfterDays' failed to satisfy constraint: Member must have value less than or equal to 1000"},
			{"bad duration", types.RotationRulesType{AutomaticallyAfterDays: aws.Int64(1), Duration: aws.String("2d")}, "ValidationException", "at 'rotationRules.duration' failed to satisfy constraint: Member must satisfy regular expression pattern: [0-9]+h…"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := c.RotateSecret(ctx, &sm.RotateSecretInput{SecretId: s.Name, RotationRules: &tc.rules})
				wantErr(t, err, tc.code, tc.msg)
			})
		}

		// An unfinished rotation (AWSPENDING on a version that is not current) blocks the next.
		must(c.PutSecretValue(ctx, &sm.PutSecretValueInput{SecretId: s.Name, SecretString: aws.String("v2"), ClientRequestToken: aws.String(tokenB), VersionStages: []string{"AWSPENDING"}}))(t)
		_, err = c.RotateSecret(ctx, &sm.RotateSecretInput{SecretId: s.Name})
		wantErr(t, err, "InvalidRequestException", "A previous rotation isn't complete. That rotation will be reattempted.")

		out := must(c.CancelRotateSecret(ctx, &sm.CancelRotateSecretInput{SecretId: s.Name}))(t)
		if aws.ToString(out.VersionId) != tokenB || *out.ARN != *s.ARN {
			t.Fatalf("CancelRotateSecret = %+v", out)
		}
		d = must(c.DescribeSecret(ctx, &sm.DescribeSecretInput{SecretId: s.Name}))(t)
		if d.RotationEnabled == nil || *d.RotationEnabled || d.NextRotationDate != nil || aws.ToString(d.RotationLambdaARN) != lambda {
			t.Fatalf("after cancel: %+v", d)
		}
		_, err = c.RotateSecret(ctx, &sm.RotateSecretInput{SecretId: aws.String("nope"), RotationLambdaARN: aws.String(lambda)})
		wantErr(t, err, "ResourceNotFoundException", "Secrets Manager can't find the specified secret.")
		must(c.DeleteSecret(ctx, &sm.DeleteSecretInput{SecretId: s.Name}))(t)
		_, err = c.CancelRotateSecret(ctx, &sm.CancelRotateSecretInput{SecretId: s.Name})
		wantErr(t, err, "InvalidRequestException", "You can't perform this operation on the secret because it was marked for deletion.")
	})
}

// TestNewOperationsStayInTheirRegion: what one region holds is not seen from another, through
// the operations added with the rest of the API.
func TestNewOperationsStayInTheirRegion(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	east := sm.NewFromConfig(env.AWS())
	westCfg := env.AWS()
	westCfg.Region = "eu-west-1"
	west := sm.NewFromConfig(westCfg)

	e := create(t, east, "app/db", "east-pw")
	w := create(t, west, "app/db", "west-pw")
	if *e.ARN == *w.ARN {
		t.Fatalf("one ARN for two regions: %s", *e.ARN)
	}
	must(east.PutResourcePolicy(ctx, &sm.PutResourcePolicyInput{SecretId: e.Name, ResourcePolicy: aws.String(accountPolicy)}))(t)
	if got := must(west.GetResourcePolicy(ctx, &sm.GetResourcePolicyInput{SecretId: w.Name}))(t); got.ResourcePolicy != nil {
		t.Fatal("the east secret's policy shows in the west")
	}
	_, err := west.GetResourcePolicy(ctx, &sm.GetResourcePolicyInput{SecretId: e.ARN})
	wantErr(t, err, "ResourceNotFoundException", "Secrets Manager can't find the specified secret.")
	out := must(west.BatchGetSecretValue(ctx, &sm.BatchGetSecretValueInput{SecretIdList: []string{*e.ARN, "app/db"}}))(t)
	if len(out.SecretValues) != 1 || *out.SecretValues[0].SecretString != "west-pw" || len(out.Errors) != 1 || *out.Errors[0].SecretId != *e.ARN {
		t.Fatalf("BatchGetSecretValue in the west: %+v", out)
	}
	list := must(west.ListSecrets(ctx, &sm.ListSecretsInput{Filters: []types.Filter{{Key: "name", Values: []string{"app/"}}}}))(t)
	if len(list.SecretList) != 1 || *list.SecretList[0].ARN != *w.ARN {
		t.Fatalf("ListSecrets in the west: %+v", list.SecretList)
	}
	_, err = west.ListSecretVersionIds(ctx, &sm.ListSecretVersionIdsInput{SecretId: e.ARN})
	wantErr(t, err, "ResourceNotFoundException", "Secrets Manager can't find the specified secret.")
	_, err = west.RotateSecret(ctx, &sm.RotateSecretInput{SecretId: e.ARN, RotationLambdaARN: aws.String("arn:aws:lambda:eu-west-1:123456789012:function:f")})
	wantErr(t, err, "ResourceNotFoundException", "Secrets Manager can't find the specified secret.")
}
