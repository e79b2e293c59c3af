package server_test

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"
	"github.com/aws/smithy-go"

	"github.com/surveyorhq/surveyor/internal/server/servertest"
)

// stsWorld is a server on a movable clock, with clients that sign on that clock.
type stsWorld struct {
	env   *servertest.Env
	clock *servertest.Clock
}

func (w *stsWorld) config(c *ststypes.Credentials) aws.Config {
	cfg := w.env.AWS()
	if c != nil {
		cfg.Credentials = credentials.NewStaticCredentialsProvider(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken))
	}
	return cfg
}

func (w *stsWorld) sts(cfg aws.Config) *sts.Client {
	return sts.NewFromConfig(cfg, func(o *sts.Options) { o.HTTPSignerV4 = servertest.SignedAt(w.clock.Now) })
}

func (w *stsWorld) sm(cfg aws.Config) *secretsmanager.Client {
	return secretsmanager.NewFromConfig(cfg, func(o *secretsmanager.Options) { o.HTTPSignerV4 = servertest.SignedAt(w.clock.Now) })
}

func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func TestSTSCallerIdentityIsAStableUserID(t *testing.T) {
	clock := &servertest.Clock{}
	w := &stsWorld{env: servertest.Start(t, servertest.Options{Now: clock.Now}), clock: clock}
	ctx := context.Background()
	first, err := w.sts(w.config(nil)).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	again, err := w.sts(w.config(nil)).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	id := aws.ToString(first.UserId)
	if !regexp.MustCompile(`^AIDA[A-Z2-7]{17}$`).MatchString(id) || id == w.env.Key.AccessKeyID || aws.ToString(again.UserId) != id {
		t.Errorf("UserId %q then %q; want a stable AIDA… id that is not the access key %s", id, aws.ToString(again.UserId), w.env.Key.AccessKeyID)
	}
	if aws.ToString(first.Arn) != "arn:aws:iam::"+w.env.Key.AccountID+":user/surveyor" || aws.ToString(first.Account) != w.env.Key.AccountID {
		t.Errorf("Arn %q Account %q", aws.ToString(first.Arn), aws.ToString(first.Account))
	}
	other := w.env.NewAccount(t, "222222222222")
	o, err := w.sts(w.env.AWSFor(other)).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil || aws.ToString(o.UserId) == id || aws.ToString(o.Account) != "222222222222" {
		t.Errorf("another key: %+v, %v; want its own user id and account", o, err)
	}
}

func TestSTSSessionTokenCredentials(t *testing.T) {
	clock := &servertest.Clock{}
	w := &stsWorld{env: servertest.Start(t, servertest.Options{Now: clock.Now}), clock: clock}
	ctx := context.Background()
	user, err := w.sts(w.config(nil)).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	before := clock.Now()
	out, err := w.sts(w.config(nil)).GetSessionToken(ctx, &sts.GetSessionTokenInput{DurationSeconds: aws.Int32(900)})
	if err != nil {
		t.Fatal(err)
	}
	c := out.Credentials
	if !regexp.MustCompile(`^ASIA[A-Z2-7]{16}$`).MatchString(aws.ToString(c.AccessKeyId)) || len(aws.ToString(c.SecretAccessKey)) != 40 ||
		len(aws.ToString(c.SessionToken)) < 100 {
		t.Fatalf("credentials look wrong: %s / %d / %d", aws.ToString(c.AccessKeyId), len(aws.ToString(c.SecretAccessKey)), len(aws.ToString(c.SessionToken)))
	}
	if exp := aws.ToTime(c.Expiration); exp.Before(before.Add(899*time.Second)) || exp.After(clock.Now().Add(901*time.Second)) {
		t.Errorf("Expiration %v; want 15 minutes from %v", exp, before)
	}
	if def, err := w.sts(w.config(nil)).GetSessionToken(ctx, &sts.GetSessionTokenInput{}); err != nil ||
		aws.ToTime(def.Credentials.Expiration).Sub(clock.Now()) < 11*time.Hour {
		t.Errorf("default GetSessionToken: %+v, %v; want 12 hours", def, err)
	}

	// The temporary credentials act for the same account and user.
	temp := w.config(c)
	id, err := w.sts(temp).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(id.Account) != w.env.Key.AccountID || aws.ToString(id.UserId) != aws.ToString(user.UserId) || aws.ToString(id.Arn) != aws.ToString(user.Arn) {
		t.Errorf("identity with session credentials: %s %s %s; want the user's %s %s", aws.ToString(id.Account), aws.ToString(id.UserId),
			aws.ToString(id.Arn), aws.ToString(user.UserId), aws.ToString(user.Arn))
	}
	if _, err := w.sm(temp).CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("made-with-a-session"), SecretString: aws.String("v")}); err != nil {
		t.Fatalf("CreateSecret with session credentials: %v", err)
	}
	if got, err := w.sm(w.config(nil)).GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("made-with-a-session")}); err != nil || aws.ToString(got.SecretString) != "v" {
		t.Errorf("the long-term key does not see the secret made with its session: %v", err)
	}
	if _, err := w.sts(temp).GetSessionToken(ctx, &sts.GetSessionTokenInput{}); apiCode(err) != "AccessDenied" ||
		!strings.Contains(err.Error(), "Cannot call GetSessionToken with session credentials") {
		t.Errorf("GetSessionToken with session credentials: %v; want AccessDenied", err)
	}

	// The session token is required and checked.
	noToken := w.config(&ststypes.Credentials{AccessKeyId: c.AccessKeyId, SecretAccessKey: c.SecretAccessKey})
	wrongToken := w.config(&ststypes.Credentials{AccessKeyId: c.AccessKeyId, SecretAccessKey: c.SecretAccessKey, SessionToken: aws.String("forged")})
	for name, cfg := range map[string]aws.Config{"no token": noToken, "wrong token": wrongToken} {
		if _, err := w.sm(cfg).ListSecrets(ctx, &secretsmanager.ListSecretsInput{}); apiCode(err) != "UnrecognizedClientException" {
			t.Errorf("%s: ListSecrets = %v; want UnrecognizedClientException", name, err)
		}
		if _, err := w.sts(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); apiCode(err) != "InvalidClientTokenId" {
			t.Errorf("%s: GetCallerIdentity = %v; want InvalidClientTokenId", name, err)
		}
	}
	longTermWithToken := w.config(&ststypes.Credentials{AccessKeyId: aws.String(w.env.Key.AccessKeyID),
		SecretAccessKey: aws.String(w.env.Key.SecretAccessKey), SessionToken: c.SessionToken})
	if _, err := w.sm(longTermWithToken).ListSecrets(ctx, &secretsmanager.ListSecretsInput{}); apiCode(err) != "UnrecognizedClientException" {
		t.Errorf("a long-term key with a session token: %v; want UnrecognizedClientException", err)
	}

	// Once expired they are refused with AWS's ExpiredToken error.
	clock.Advance(901 * time.Second)
	if _, err := w.sm(temp).ListSecrets(ctx, &secretsmanager.ListSecretsInput{}); apiCode(err) != "ExpiredTokenException" ||
		!strings.Contains(err.Error(), "The security token included in the request is expired") {
		t.Errorf("expired credentials: ListSecrets = %v; want ExpiredTokenException", err)
	}
	if _, err := w.sts(temp).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); apiCode(err) != "ExpiredToken" {
		t.Errorf("expired credentials: GetCallerIdentity = %v; want ExpiredToken", err)
	}
	if _, err := w.sm(w.config(nil)).ListSecrets(ctx, &secretsmanager.ListSecretsInput{}); err != nil {
		t.Errorf("the long-term key after its session expired: %v", err)
	}
}

func TestSTSAssumeRole(t *testing.T) {
	clock := &servertest.Clock{}
	w := &stsWorld{env: servertest.Start(t, servertest.Options{Now: clock.Now}), clock: clock}
	ctx := context.Background()
	acct := w.env.Key.AccountID
	role := "arn:aws:iam::" + acct + ":role/team/reader"
	out, err := w.sts(w.config(nil)).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(role), RoleSessionName: aws.String("ci-job.7"),
		SourceIdentity: aws.String("alice")})
	if err != nil {
		t.Fatal(err)
	}
	wantArn := "arn:aws:sts::" + acct + ":assumed-role/reader/ci-job.7"
	roleID := aws.ToString(out.AssumedRoleUser.AssumedRoleId)
	if aws.ToString(out.AssumedRoleUser.Arn) != wantArn || !regexp.MustCompile(`^AROA[A-Z2-7]{17}:ci-job\.7$`).MatchString(roleID) ||
		aws.ToString(out.SourceIdentity) != "alice" || out.PackedPolicySize != nil {
		t.Errorf("AssumedRoleUser %s %s, SourceIdentity %q, PackedPolicySize %v", aws.ToString(out.AssumedRoleUser.Arn), roleID,
			aws.ToString(out.SourceIdentity), out.PackedPolicySize)
	}
	if d := aws.ToTime(out.Credentials.Expiration).Sub(clock.Now()); d < 59*time.Minute || d > time.Hour {
		t.Errorf("default role session lasts %v; want 1 hour", d)
	}
	assumed := w.config(out.Credentials)
	id, err := w.sts(assumed).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil || aws.ToString(id.Arn) != wantArn || aws.ToString(id.UserId) != roleID || aws.ToString(id.Account) != acct {
		t.Errorf("identity of the assumed role: %+v, %v", id, err)
	}
	if _, err := w.sm(assumed).ListSecrets(ctx, &secretsmanager.ListSecretsInput{}); err != nil {
		t.Errorf("a request signed with the role's credentials: %v", err)
	}
	// The same role again has the same role id.
	again, err := w.sts(w.config(nil)).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(role), RoleSessionName: aws.String("other")})
	if err != nil || !strings.HasPrefix(aws.ToString(again.AssumedRoleUser.AssumedRoleId), strings.TrimSuffix(roleID, "ci-job.7")) {
		t.Errorf("second AssumeRole of the role: %+v, %v", again, err)
	}
	// Role chaining works, up to one hour.
	if _, err := w.sts(assumed).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(role), RoleSessionName: aws.String("chained")}); err != nil {
		t.Errorf("role chaining: %v", err)
	}
	if _, err := w.sts(assumed).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(role), RoleSessionName: aws.String("chained"),
		DurationSeconds: aws.Int32(7200)}); apiCode(err) != "ValidationError" || !strings.Contains(err.Error(), "role chaining") {
		t.Errorf("role chaining for 2 hours: %v; want ValidationError", err)
	}
	withPolicy, err := w.sts(w.config(nil)).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(role), RoleSessionName: aws.String("p1"),
		Policy: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`)})
	if err != nil || withPolicy.PackedPolicySize == nil || *withPolicy.PackedPolicySize < 1 {
		t.Errorf("AssumeRole with a session policy: %+v, %v; want a PackedPolicySize", withPolicy, err)
	}

	for _, tc := range []struct {
		name string
		in   sts.AssumeRoleInput
		code string
		msg  string
	}{
		{"role of another account", sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::999999999999:role/reader"), RoleSessionName: aws.String("s1")},
			"AccessDenied", "is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::999999999999:role/reader"},
		{"not a role ARN", sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::" + acct + ":user/bob"), RoleSessionName: aws.String("s1")},
			"ValidationError", "is invalid"},
		{"session name with a space", sts.AssumeRoleInput{RoleArn: aws.String(role), RoleSessionName: aws.String("my session")},
			"ValidationError", "at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern"},
		{"session name too short", sts.AssumeRoleInput{RoleArn: aws.String(role), RoleSessionName: aws.String("s")},
			"ValidationError", "Member must have length greater than or equal to 2"},
		{"duration above 12 hours", sts.AssumeRoleInput{RoleArn: aws.String(role), RoleSessionName: aws.String("s1"), DurationSeconds: aws.Int32(43201)},
			"ValidationError", "at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 43200"},
		{"malformed policy", sts.AssumeRoleInput{RoleArn: aws.String(role), RoleSessionName: aws.String("s1"), Policy: aws.String("{not json")},
			"MalformedPolicyDocument", "valid JSON"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := w.sts(w.config(nil)).AssumeRole(ctx, &tc.in)
			if apiCode(err) != tc.code || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("AssumeRole = %v; want %s saying %q", err, tc.code, tc.msg)
			}
		})
	}

	clock.Advance(time.Hour)
	if _, err := w.sm(assumed).ListSecrets(ctx, &secretsmanager.ListSecretsInput{}); apiCode(err) != "ExpiredTokenException" {
		t.Errorf("role credentials after an hour: %v; want ExpiredTokenException", err)
	}
}

func TestSTSGetAccessKeyInfo(t *testing.T) {
	clock := &servertest.Clock{}
	w := &stsWorld{env: servertest.Start(t, servertest.Options{Now: clock.Now}), clock: clock}
	ctx := context.Background()
	other := w.env.NewAccount(t, "222222222222")
	temp, err := w.sts(w.env.AWSFor(other)).GetSessionToken(ctx, &sts.GetSessionTokenInput{})
	if err != nil {
		t.Fatal(err)
	}
	c := w.sts(w.config(nil))
	for key, want := range map[string]string{
		w.env.Key.AccessKeyID:                      w.env.Key.AccountID,
		other.AccessKeyID:                          "222222222222",
		aws.ToString(temp.Credentials.AccessKeyId): "222222222222",
	} {
		out, err := c.GetAccessKeyInfo(ctx, &sts.GetAccessKeyInfoInput{AccessKeyId: aws.String(key)})
		if err != nil || aws.ToString(out.Account) != want {
			t.Errorf("GetAccessKeyInfo(%s) = %+v, %v; want account %s", key, out, err, want)
		}
	}
	if _, err := c.GetAccessKeyInfo(ctx, &sts.GetAccessKeyInfoInput{AccessKeyId: aws.String("AKIAUNKNOWNUNKNOWN00")}); apiCode(err) != "InvalidParameterValue" {
		t.Errorf("unknown key: %v; want InvalidParameterValue", err)
	}
	if _, err := c.GetAccessKeyInfo(ctx, &sts.GetAccessKeyInfoInput{AccessKeyId: aws.String("short")}); apiCode(err) != "ValidationError" {
		t.Errorf("a 5-character key id: %v; want ValidationError", err)
	}
}
