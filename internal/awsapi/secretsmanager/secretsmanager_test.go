package secretsmanager_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"

	"github.com/surveyorhq/surveyor/internal/server/servertest"
)

var ctx = context.Background()

// tokenA and tokenB are ClientRequestTokens (32..64 characters).
const (
	tokenA = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa"
	tokenB = "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb"
	tokenC = "cccccccc-cccc-4ccc-8ccc-cccccccccccc"
)

// eachStore runs fn against a server on SQLite and on PostgreSQL, with a client of its first
// account.
func eachStore(t *testing.T, fn func(t *testing.T, c *sm.Client, env *servertest.Env)) {
	servertest.EachStore(t, func(t *testing.T, store string) {
		env := servertest.Start(t, servertest.Options{Store: store})
		fn(t, sm.NewFromConfig(env.AWS()), env)
	})
}

// client starts a server on SQLite, for tests that store nothing of interest.
func client(t *testing.T) *sm.Client {
	t.Helper()
	return sm.NewFromConfig(servertest.Start(t, servertest.Options{}).AWS())
}

// wantErr checks err is the code with exactly the message msg (or containing it, when msg
// ends with "…").
func wantErr(t *testing.T, err error, code, msg string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("got %v, want %s", err, code)
	}
	got := ae.ErrorMessage()
	ok := got == msg
	if p, cut := strings.CutSuffix(msg, "…"); cut {
		ok = strings.Contains(got, p)
	}
	if ae.ErrorCode() != code || !ok {
		t.Fatalf("got %s: %q\nwant %s: %q", ae.ErrorCode(), got, code, msg)
	}
}

func must[T any](v T, err error) func(t *testing.T) T {
	return func(t *testing.T) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// unchecked turns off the SDK's own required-member check, so the server's checks answer.
func unchecked(o *sm.Options) {
	o.APIOptions = append(o.APIOptions, func(s *middleware.Stack) error {
		_, err := s.Initialize.Remove("OperationInputValidation")
		return err
	})
}

func create(t *testing.T, c *sm.Client, name, value string, tags ...types.Tag) *sm.CreateSecretOutput {
	t.Helper()
	in := &sm.CreateSecretInput{Name: aws.String(name), Tags: tags}
	if value != "" {
		in.SecretString = aws.String(value)
	}
	return must(c.CreateSecret(ctx, in))(t)
}

func TestAnswersAsAWSWordsThem(t *testing.T) {
	eachStore(t, func(t *testing.T, c *sm.Client, env *servertest.Env) {
		empty := create(t, c, "empty", "")
		_, err := c.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: empty.Name})
		wantErr(t, err, "ResourceNotFoundException", "Secrets Manager can't find the specified secret value for staging label: AWSCURRENT")
		_, err = c.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: empty.Name, VersionId: aws.String(tokenA)})
		wantErr(t, err, "ResourceNotFoundException", "Secrets Manager can't find the specified secret value for VersionId: "+tokenA)

		// The first value put with only AWSPENDING is also AWSCURRENT.
		put := must(c.PutSecretValue(ctx, &sm.PutSecretValueInput{SecretId: empty.Name, SecretString: aws.String("v1"),
			ClientRequestToken: aws.String(tokenA), VersionStages: []string{"AWSPENDING"}}))(t)
		if !slices.Equal(put.VersionStages, []string{"AWSPENDING", "AWSCURRENT"}) {
			t.Fatalf("first PutSecretValue stages = %v", put.VersionStages)
		}
		_, err = c.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: empty.Name, VersionId: aws.String(tokenA), VersionStage: aws.String("AWSPREVIOUS")})
		wantErr(t, err, "ResourceNotFoundException", "You provided a VersionStage that is not associated to the provided VersionId.")

		// Reusing a ClientRequestToken for another value.
		_, err = c.PutSecretValue(ctx, &sm.PutSecretValueInput{SecretId: empty.Name, SecretString: aws.String("other"), ClientRequestToken: aws.String(tokenA)})
		wantErr(t, err, "ResourceExistsException", "You can't use ClientRequestToken "+tokenA+" because that value is already in use for a version of secret "+*empty.ARN+".")
		_, err = c.CreateSecret(ctx, &sm.CreateSecretInput{Name: empty.Name, SecretString: aws.String("other"), ClientRequestToken: aws.String(tokenA)})
		wantErr(t, err, "ResourceExistsException", "You can't use ClientRequestToken "+tokenA+" because that value is already in use for a version of secret "+*empty.ARN+".")
		again := must(c.PutSecretValue(ctx, &sm.PutSecretValueInput{SecretId: empty.Name, SecretString: aws.String("v1"), ClientRequestToken: aws.String(tokenA)}))(t)
		if *again.VersionId != tokenA {
			t.Fatalf("repeated PutSecretValue = %+v", again)
		}

		// Tags: absent when never set, [] once all are removed.
		d := must(c.DescribeSecret(ctx, &sm.DescribeSecretInput{SecretId: empty.Name}))(t)
		if d.Tags != nil {
			t.Fatalf("untagged secret has Tags %v", d.Tags)
		}
		must(c.TagResource(ctx, &sm.TagResourceInput{SecretId: empty.Name, Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}}))(t)
		must(c.UntagResource(ctx, &sm.UntagResourceInput{SecretId: empty.Name, TagKeys: []string{"k"}}))(t)
		d = must(c.DescribeSecret(ctx, &sm.DescribeSecretInput{SecretId: empty.Name}))(t)
		if d.Tags == nil || len(d.Tags) != 0 {
			t.Fatalf("Tags after removing every tag = %#v, want []", d.Tags)
		}

		// Deleting: a forced delete of nothing succeeds; a second scheduled delete is refused.
		gone := must(c.DeleteSecret(ctx, &sm.DeleteSecretInput{SecretId: aws.String("never-was"), ForceDeleteWithoutRecovery: aws.Bool(true)}))(t)
		if *gone.Name != "never-was" || !strings.Contains(*gone.ARN, ":secret:never-was-") || gone.DeletionDate == nil {
			t.Fatalf("forced delete of a missing secret = %+v", gone)
		}
		_, err = c.DeleteSecret(ctx, &sm.DeleteSecretInput{SecretId: aws.String("never-was")})
		wantErr(t, err, "ResourceNotFoundException", "Secrets Manager can't find the specified secret.")
		must(c.DeleteSecret(ctx, &sm.DeleteSecretInput{SecretId: empty.Name, RecoveryWindowInDays: aws.Int64(7)}))(t)
		_, err = c.DeleteSecret(ctx, &sm.DeleteSecretInput{SecretId: empty.Name})
		wantErr(t, err, "InvalidRequestException", "You tried to perform the operation on a secret that's currently marked deleted.")
		must(c.DeleteSecret(ctx, &sm.DeleteSecretInput{SecretId: empty.Name, ForceDeleteWithoutRecovery: aws.Bool(true)}))(t)
		_, err = c.DescribeSecret(ctx, &sm.DescribeSecretInput{SecretId: empty.Name})
		wantErr(t, err, "ResourceNotFoundException", "Secrets Manager can't find the specified secret.")
	})
}

func TestGetRandomPassword(t *testing.T) {
	c := client(t)
	has := func(pw, set string) bool { return strings.ContainsAny(pw, set) }
	for _, tc := range []struct {
		name string
		in   sm.GetRandomPasswordInput
		want func(pw string) bool
	}{
		{"default: 32 of every type but space", sm.GetRandomPasswordInput{}, func(pw string) bool {
			return len(pw) == 32 && has(pw, "abcdefghijklmnopqrstuvwxyz") && has(pw, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") &&
				has(pw, "0123456789") && has(pw, "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~") && !has(pw, " ")
		}},
		{"length 1 without required types", sm.GetRandomPasswordInput{PasswordLength: aws.Int64(1), RequireEachIncludedType: aws.Bool(false)},
			func(pw string) bool { return len(pw) == 1 }},
		{"length 4096", sm.GetRandomPasswordInput{PasswordLength: aws.Int64(4096)}, func(pw string) bool { return len(pw) == 4096 }},
		{"digits only", sm.GetRandomPasswordInput{ExcludeLowercase: aws.Bool(true), ExcludeUppercase: aws.Bool(true), ExcludePunctuation: aws.Bool(true)},
			func(pw string) bool { return strings.Trim(pw, "0123456789") == "" }},
		{"exclusions", sm.GetRandomPasswordInput{PasswordLength: aws.Int64(200), ExcludeCharacters: aws.String("abcABC012!@#"), ExcludePunctuation: aws.Bool(true)},
			func(pw string) bool { return !has(pw, "abcABC012!@#$%") && len(pw) == 200 }},
		{"space required", sm.GetRandomPasswordInput{PasswordLength: aws.Int64(5), IncludeSpace: aws.Bool(true)},
			func(pw string) bool { return has(pw, " ") && len(pw) == 5 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := must(c.GetRandomPassword(ctx, &tc.in))(t)
			if pw := aws.ToString(out.RandomPassword); !tc.want(pw) {
				t.Fatalf("password %q does not fit", pw)
			}
		})
	}
	for _, tc := range []struct {
		name      string
		in        sm.GetRandomPasswordInput
		code, msg string
	}{
		{"too long", sm.GetRandomPasswordInput{PasswordLength: aws.Int64(4097)}, "ValidationException",
			"1 validation error detected: Value '4097' at 'passwordLength' failed to satisfy constraint: Member must have value less than or equal to 4096"},
		{"zero", sm.GetRandomPasswordInput{PasswordLength: aws.Int64(0)}, "ValidationException",
			"1 validation error detected: Value '0' at 'passwordLength' failed to satisfy constraint: Member must have value greater than or equal to 1"},
		{"shorter than the required types", sm.GetRandomPasswordInput{PasswordLength: aws.Int64(3)}, "InvalidParameterException",
			"Password length is too short based on the required types."},
		{"everything excluded", sm.GetRandomPasswordInput{ExcludeLowercase: aws.Bool(true), ExcludeUppercase: aws.Bool(true),
			ExcludeNumbers: aws.Bool(true), ExcludePunctuation: aws.Bool(true)}, "InvalidParameterException", "The password can't be generated…"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.GetRandomPassword(ctx, &tc.in)
			wantErr(t, err, tc.code, tc.msg)
		})
	}
}

func TestVersionsAndStages(t *testing.T) {
	eachStore(t, func(t *testing.T, c *sm.Client, env *servertest.Env) {
		s := must(c.CreateSecret(ctx, &sm.CreateSecretInput{Name: aws.String("db"), SecretString: aws.String("v1"), ClientRequestToken: aws.String(tokenA)}))(t)
		must(c.PutSecretValue(ctx, &sm.PutSecretValueInput{SecretId: s.Name, SecretString: aws.String("v2"), ClientRequestToken: aws.String(tokenB)}))(t)
		must(c.PutSecretValue(ctx, &sm.PutSecretValueInput{SecretId: s.Name, SecretString: aws.String("v3"), ClientRequestToken: aws.String(tokenC),
			VersionStages: []string{"AWSPENDING"}}))(t)
		stages := func(include bool) map[string][]string {
			t.Helper()
			out := map[string][]string{}
			p := sm.NewListSecretVersionIdsPaginator(c, &sm.ListSecretVersionIdsInput{SecretId: s.Name, IncludeDeprecated: aws.Bool(include), MaxResults: aws.Int32(1)})
			for p.HasMorePages() {
				page := must(p.NextPage(ctx))(t)
				if *page.ARN != *s.ARN || *page.Name != "db" {
					t.Fatalf("page names %s %s", *page.ARN, *page.Name)
				}
				for _, v := range page.Versions {
					out[*v.VersionId] = v.VersionStages
					if v.CreatedDate == nil {
						t.Fatalf("version without CreatedDate: %+v", v)
					}
				}
			}
			return out
		}
		want := map[string][]string{tokenA: {"AWSPREVIOUS"}, tokenB: {"AWSCURRENT"}, tokenC: {"AWSPENDING"}}
		if got := stages(false); !equalStages(got, want) {
			t.Fatalf("versions = %v, want %v", got, want)
		}

		// Moving AWSCURRENT to the pending version moves AWSPREVIOUS to the version it left.
		must(c.UpdateSecretVersionStage(ctx, &sm.UpdateSecretVersionStageInput{SecretId: s.Name, VersionStage: aws.String("AWSCURRENT"),
			RemoveFromVersionId: aws.String(tokenB), MoveToVersionId: aws.String(tokenC)}))(t)
		want = map[string][]string{tokenB: {"AWSPREVIOUS"}, tokenC: {"AWSPENDING", "AWSCURRENT"}}
		if got := stages(false); !equalStages(got, want) {
			t.Fatalf("after moving AWSCURRENT: %v, want %v", got, want)
		}
		if got := stages(true); len(got) != 3 || len(got[tokenA]) != 0 {
			t.Fatalf("IncludeDeprecated: %v, want the unlabelled first version too", got)
		}
		if v := must(c.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: s.Name}))(t); *v.SecretString != "v3" {
			t.Fatalf("current value %q after the move", *v.SecretString)
		}
		// Removing a custom label, adding one to an old version.
		must(c.UpdateSecretVersionStage(ctx, &sm.UpdateSecretVersionStageInput{SecretId: s.Name, VersionStage: aws.String("AWSPENDING"), RemoveFromVersionId: aws.String(tokenC)}))(t)
		must(c.UpdateSecretVersionStage(ctx, &sm.UpdateSecretVersionStageInput{SecretId: s.Name, VersionStage: aws.String("golden"), MoveToVersionId: aws.String(tokenA)}))(t)
		want = map[string][]string{tokenA: {"golden"}, tokenB: {"AWSPREVIOUS"}, tokenC: {"AWSCURRENT"}}
		if got := stages(false); !equalStages(got, want) {
			t.Fatalf("after removing AWSPENDING and adding golden: %v, want %v", got, want)
		}

		for _, tc := range []struct {
			name       string
			in         sm.UpdateSecretVersionStageInput
			code, msg  string
			skipClient bool
		}{
			{"AWSCURRENT without RemoveFromVersionId", sm.UpdateSecretVersionStageInput{VersionStage: aws.String("AWSCURRENT"), MoveToVersionId: aws.String(tokenA)},
				"InvalidParameterException", "The parameter RemoveFromVersionId can't be empty. Staging label AWSCURRENT is currently attached to version " + tokenC + ", so you must explicitly reference that version in RemoveFromVersionId.", false},
			{"RemoveFromVersionId without the label", sm.UpdateSecretVersionStageInput{VersionStage: aws.String("AWSCURRENT"), RemoveFromVersionId: aws.String(tokenA), MoveToVersionId: aws.String(tokenB)},
				"InvalidParameterException", "Version stage AWSCURRENT not found in version " + tokenA, false},
			{"unknown version", sm.UpdateSecretVersionStageInput{VersionStage: aws.String("x"), MoveToVersionId: aws.String(strings.Repeat("d", 32))},
				"InvalidParameterException", "Not a valid version: " + strings.Repeat("d", 32), false},
			{"short version id", sm.UpdateSecretVersionStageInput{VersionStage: aws.String("x"), MoveToVersionId: aws.String("short")},
				"ValidationException", "1 validation error detected: Value 'short' at 'moveToVersionId' failed to satisfy constraint: Member must have length greater than or equal to 32", false},
			{"no stage", sm.UpdateSecretVersionStageInput{MoveToVersionId: aws.String(tokenA)},
				"ValidationException", "1 validation error detected: Value null at 'versionStage' failed to satisfy constraint: Member must not be null", true},
		} {
			t.Run(tc.name, func(t *testing.T) {
				tc.in.SecretId = s.Name
				_, err := c.UpdateSecretVersionStage(ctx, &tc.in, unchecked)
				wantErr(t, err, tc.code, tc.msg)
			})
		}
		_, err := c.UpdateSecretVersionStage(ctx, &sm.UpdateSecretVersionStageInput{SecretId: aws.String("nope"), VersionStage: aws.String("x")})
		wantErr(t, err, "ResourceNotFoundException", "Secrets Manager can't find the specified secret.")
		_, err = c.ListSecretVersionIds(ctx, &sm.ListSecretVersionIdsInput{SecretId: aws.String("nope")})
		wantErr(t, err, "ResourceNotFoundException", "Secrets Manager can't find the specified secret.")
		_, err = c.ListSecretVersionIds(ctx, &sm.ListSecretVersionIdsInput{SecretId: s.Name, NextToken: aws.String("forged")})
		wantErr(t, err, "InvalidNextTokenException", "Invalid NextToken.")
	})
}

func equalStages(a, b map[string][]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		w := slices.Clone(b[k])
		v = slices.Clone(v)
		slices.Sort(v)
		slices.Sort(w)
		if !slices.Equal(v, w) {
			return false
		}
	}
	return true
}

func TestBatchGetSecretValue(t *testing.T) {
	eachStore(t, func(t *testing.T, c *sm.Client, env *servertest.Env) {
		create(t, c, "app/db", "db-pw", types.Tag{Key: aws.String("team"), Value: aws.String("data")})
		create(t, c, "app/api", "api-key")
		create(t, c, "app/novalue", "")
		deleted := create(t, c, "app/old", "old")
		must(c.DeleteSecret(ctx, &sm.DeleteSecretInput{SecretId: deleted.Name}))(t)

		out := must(c.BatchGetSecretValue(ctx, &sm.BatchGetSecretValueInput{SecretIdList: []string{"app/db", "missing", "app/old", "app/api", "app/novalue"}}))(t)
		var got []string
		for _, v := range out.SecretValues {
			got = append(got, *v.Name+"="+*v.SecretString)
			if len(v.VersionStages) != 1 || v.CreatedDate == nil || v.VersionId == nil {
				t.Fatalf("value entry %+v", v)
			}
		}
		if !slices.Equal(got, []string{"app/db=db-pw", "app/api=api-key"}) {
			t.Fatalf("values %v", got)
		}
		var errs []string
		for _, e := range out.Errors {
			errs = append(errs, *e.SecretId+" "+*e.ErrorCode+": "+*e.Message)
		}
		wantErrs := []string{
			"missing ResourceNotFoundException: Secrets Manager can't find the specified secret.",
			"app/old InvalidRequestException: You can't perform this operation on the secret because it was marked for deletion.",
			"app/novalue ResourceNotFoundException: Secrets Manager can't find the specified secret value for staging label: AWSCURRENT",
		}
		if !slices.Equal(errs, wantErrs) {
			t.Fatalf("errors\n%s\nwant\n%s", strings.Join(errs, "\n"), strings.Join(wantErrs, "\n"))
		}

		// By filter, one per page.
		var names []string
		p := sm.NewBatchGetSecretValuePaginator(c, &sm.BatchGetSecretValueInput{MaxResults: aws.Int32(1),
			Filters: []types.Filter{{Key: types.FilterNameStringTypeName, Values: []string{"app/"}}, {Key: types.FilterNameStringTypeTagKey, Values: []string{"!team"}}}})
		for p.HasMorePages() {
			page := must(p.NextPage(ctx))(t)
			for _, v := range page.SecretValues {
				names = append(names, *v.Name)
			}
		}
		if !slices.Equal(names, []string{"app/api"}) {
			t.Fatalf("by filter: %v", names)
		}

		for _, tc := range []struct {
			name      string
			in        sm.BatchGetSecretValueInput
			code, msg string
		}{
			{"both", sm.BatchGetSecretValueInput{SecretIdList: []string{"a"}, Filters: []types.Filter{{Key: "name", Values: []string{"a"}}}},
				"InvalidParameterException", "Either 'SecretIdList' or 'Filters' must be provided, but not both."},
			{"neither", sm.BatchGetSecretValueInput{}, "InvalidParameterException", "Either 'SecretIdList' or 'Filters' must be provided, but not both."},
			{"MaxResults without Filters", sm.BatchGetSecretValueInput{SecretIdList: []string{"a"}, MaxResults: aws.Int32(5)},
				"InvalidParameterException", "'Filters' not specified. 'Filters' must also be specified when 'MaxResults' is provided."},
			{"21 ids", sm.BatchGetSecretValueInput{SecretIdList: make21()}, "ValidationException",
				"1 validation error detected: Value '[21 items]' at 'secretIdList' failed to satisfy constraint: Member must have length less than or equal to 20"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := c.BatchGetSecretValue(ctx, &tc.in)
				wantErr(t, err, tc.code, tc.msg)
			})
		}
	})
}

func make21() []string {
	var ids []string
	for i := 0; i < 21; i++ {
		ids = append(ids, "s"+strings.Repeat("x", i))
	}
	return ids
}
