package server_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/surveyorhq/surveyor/internal/awsapi"
	"github.com/surveyorhq/surveyor/internal/server"
)

// start runs a server on a temporary data directory behind httptest and returns it with the
// first account's key.
func start(t *testing.T) (*httptest.Server, server.Credentials, server.Config) {
	t.Helper()
	return startIn(t, t.TempDir())
}

// startIn is start on the data directory dir.
func startIn(t *testing.T, dir string) (*httptest.Server, server.Credentials, server.Config) {
	t.Helper()
	cfg := server.Config{DataDir: dir, Getenv: func(string) string { return "" }}
	srv, err := server.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	if _, err := srv.EnsureCredentials(context.Background(), hs.URL); err != nil {
		t.Fatal(err)
	}
	creds, err := server.ReadCredentials(cfg.DataDir)
	if err != nil {
		t.Fatal(err)
	}
	return hs, creds, cfg
}

func awsConfig(url string, k awsapi.Key) aws.Config {
	return aws.Config{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(url),
		Credentials:  credentials.NewStaticCredentialsProvider(k.AccessKeyID, k.SecretAccessKey, ""),
	}
}

func TestSecretsManagerWithTheGoSDK(t *testing.T) {
	hs, creds, cfg := start(t)
	ctx := context.Background()
	key := awsapi.Key{AccessKeyID: creds.AccessKeyID, SecretAccessKey: creds.SecretAccessKey, AccountID: creds.AccountID}
	sm := secretsmanager.NewFromConfig(awsConfig(hs.URL, key))

	id, err := sts.NewFromConfig(awsConfig(hs.URL, key)).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil || aws.ToString(id.Account) != creds.AccountID {
		t.Fatalf("GetCallerIdentity = %v, %v; want account %s", id, err, creds.AccountID)
	}

	created, err := sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{
		Name: aws.String("prod/app-db"), SecretString: aws.String(`{"username":"app","password":"pw-123456"}`),
		Tags: []smtypes.Tag{{Key: aws.String("team"), Value: aws.String("data")}},
	})
	if err != nil {
		t.Fatalf("CreateSecret: %v", err)
	}
	got, err := sm.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: created.ARN})
	if err != nil || aws.ToString(got.SecretString) != `{"username":"app","password":"pw-123456"}` || got.VersionStages[0] != "AWSCURRENT" {
		t.Fatalf("GetSecretValue = %+v, %v", got, err)
	}
	bin, err := sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("bin"), SecretBinary: []byte{0, 1, 2, 255}})
	if err != nil {
		t.Fatal(err)
	}
	if v, err := sm.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: bin.Name}); err != nil || string(v.SecretBinary) != "\x00\x01\x02\xff" {
		t.Errorf("binary secret = %v, %v", v, err)
	}
	if _, err := sm.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: aws.String("prod/app-db"), SecretString: aws.String("v2")}); err != nil {
		t.Fatal(err)
	}
	desc, err := sm.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String("prod/app-db")})
	if err != nil || len(desc.VersionIdsToStages) != 2 || len(desc.Tags) != 1 {
		t.Errorf("DescribeSecret = %+v, %v; want two versions and one tag", desc, err)
	}
	if _, err := sm.UpdateSecret(ctx, &secretsmanager.UpdateSecretInput{SecretId: aws.String("prod/app-db"), Description: aws.String("the app's database")}); err != nil {
		t.Fatal(err)
	}
	if _, err := sm.TagResource(ctx, &secretsmanager.TagResourceInput{SecretId: aws.String("bin"), Tags: []smtypes.Tag{{Key: aws.String("k"), Value: aws.String("v")}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := sm.UntagResource(ctx, &secretsmanager.UntagResourceInput{SecretId: aws.String("bin"), TagKeys: []string{"k"}}); err != nil {
		t.Fatal(err)
	}

	// Paging through ListSecrets with the SDK's paginator.
	for i := 0; i < 5; i++ {
		if _, err := sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("page/" + string(rune('a'+i)))}); err != nil {
			t.Fatal(err)
		}
	}
	var names []string
	p := secretsmanager.NewListSecretsPaginator(sm, &secretsmanager.ListSecretsInput{MaxResults: aws.Int32(2)})
	pages := 0
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatalf("ListSecrets page %d: %v", pages+1, err)
		}
		pages++
		for _, s := range out.SecretList {
			names = append(names, aws.ToString(s.Name))
		}
	}
	if len(names) != 7 || pages != 4 {
		t.Errorf("listed %d secrets in %d pages: %v", len(names), pages, names)
	}
	var descending []string
	pd := secretsmanager.NewListSecretsPaginator(sm, &secretsmanager.ListSecretsInput{MaxResults: aws.Int32(3), SortOrder: smtypes.SortOrderTypeDesc, SortBy: smtypes.SortByTypeName})
	for pd.HasMorePages() {
		out, err := pd.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range out.SecretList {
			descending = append(descending, aws.ToString(s.Name))
		}
	}
	if len(descending) != 7 || descending[0] != "prod/app-db" || descending[1] != "page/e" || descending[6] != "bin" {
		t.Errorf("descending across pages = %v", descending)
	}
	if _, err := sm.ListSecrets(ctx, &secretsmanager.ListSecretsInput{NextToken: aws.String("forged")}); !isCode(err, "InvalidNextTokenException") {
		t.Errorf("forged NextToken: %v", err)
	}

	// Errors as the SDK types them.
	var nf *smtypes.ResourceNotFoundException
	if _, err := sm.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("missing")}); !errors.As(err, &nf) {
		t.Errorf("missing secret: %v, want ResourceNotFoundException", err)
	}
	var exists *smtypes.ResourceExistsException
	if _, err := sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("prod/app-db"), SecretString: aws.String("x")}); !errors.As(err, &exists) {
		t.Errorf("duplicate: %v, want ResourceExistsException", err)
	}
	var invalid *smtypes.InvalidParameterException
	if _, err := sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("bad name!")}); !errors.As(err, &invalid) {
		t.Errorf("bad name: %v, want InvalidParameterException", err)
	}
	if _, err := sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String(strings.Repeat("n", 513))}); !errors.As(err, &invalid) {
		t.Errorf("513-char name: %v, want InvalidParameterException", err)
	}
	if _, err := sm.DeleteSecret(ctx, &secretsmanager.DeleteSecretInput{SecretId: aws.String("bin"), RecoveryWindowInDays: aws.Int64(3)}); !errors.As(err, &invalid) {
		t.Errorf("3-day recovery window: %v, want InvalidParameterException", err)
	}
	del, err := sm.DeleteSecret(ctx, &secretsmanager.DeleteSecretInput{SecretId: aws.String("bin"), RecoveryWindowInDays: aws.Int64(7)})
	if err != nil || del.DeletionDate == nil {
		t.Fatalf("DeleteSecret = %v, %v", del, err)
	}
	var req *smtypes.InvalidRequestException
	if _, err := sm.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("bin")}); !errors.As(err, &req) {
		t.Errorf("read of a deleted secret: %v, want InvalidRequestException", err)
	}
	if _, err := sm.RestoreSecret(ctx, &secretsmanager.RestoreSecretInput{SecretId: aws.String("bin")}); err != nil {
		t.Errorf("RestoreSecret: %v", err)
	}
	if _, err := sm.DeleteSecret(ctx, &secretsmanager.DeleteSecretInput{SecretId: aws.String("bin"), ForceDeleteWithoutRecovery: aws.Bool(true)}); err != nil {
		t.Errorf("force delete: %v", err)
	}

	// A second account sees none of the first account's secrets.
	other, err := server.CreateKey(ctx, cfg, "222222222222")
	if err != nil {
		t.Fatal(err)
	}
	sm2 := secretsmanager.NewFromConfig(awsConfig(hs.URL, other))
	if _, err := sm2.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: created.ARN}); !errors.As(err, &nf) {
		t.Errorf("second account read the first's secret: %v", err)
	}
	if l, err := sm2.ListSecrets(ctx, &secretsmanager.ListSecretsInput{}); err != nil || len(l.SecretList) != 0 {
		t.Errorf("second account lists %v, %v", l, err)
	}

	// A wrong secret key is rejected.
	bad := secretsmanager.NewFromConfig(awsConfig(hs.URL, awsapi.Key{AccessKeyID: key.AccessKeyID, SecretAccessKey: "wrong-secret-key-wrong-secret-key-000000"}))
	if _, err := bad.ListSecrets(ctx, &secretsmanager.ListSecretsInput{}); !isCode(err, "InvalidSignatureException") {
		t.Errorf("wrong secret key: %v, want InvalidSignatureException", err)
	}
}

func TestHealthAndMetrics(t *testing.T) {
	hs, _, _ := start(t)
	for path, want := range map[string]string{"/healthz": `"status":"ok"`, "/metrics": "surveyor_runs{state=\"RUNNING\"}"} {
		res, err := http.Get(hs.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || !strings.Contains(string(b), want) {
			t.Errorf("GET %s = %d, body lacks %q:\n%.500s", path, res.StatusCode, want, b)
		}
	}
}

func TestSecondStartWithAnotherMasterKeyIsRefused(t *testing.T) {
	dir := t.TempDir()
	srv, err := server.New(context.Background(), server.Config{DataDir: dir, Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	srv.Close()
	otherKey := "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
	_, err = server.New(context.Background(), server.Config{DataDir: dir, Getenv: func(k string) string {
		if k == "SURVEYOR_MASTER_KEY" {
			return otherKey
		}
		return ""
	}})
	if err == nil || !strings.Contains(err.Error(), "master key") {
		t.Fatalf("start with another master key: %v, want a master key error", err)
	}
}

func isCode(err error, code string) bool {
	return err != nil && strings.Contains(err.Error(), code)
}

func TestCredentialsFollowTheEndpoint(t *testing.T) {
	dir := t.TempDir()
	cfg := server.Config{DataDir: dir, Getenv: func(string) string { return "" }}
	var first server.Credentials
	for i, endpoint := range []string{"http://127.0.0.1:4599", "http://127.0.0.1:5000"} {
		srv, err := server.New(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		created, err := srv.EnsureCredentials(context.Background(), endpoint)
		srv.Close()
		if err != nil || created != (i == 0) {
			t.Fatalf("start %d: created=%v err=%v", i+1, created, err)
		}
		c, err := server.ReadCredentials(dir)
		if err != nil || c.Endpoint != endpoint {
			t.Fatalf("start %d: credentials endpoint %q, %v; want %q", i+1, c.Endpoint, err, endpoint)
		}
		if i == 0 {
			first = c
		} else if c.AccessKeyID != first.AccessKeyID || c.SecretAccessKey != first.SecretAccessKey {
			t.Errorf("the second start changed the key pair")
		}
	}
}

// TestDataDirectoryIsPrivate: the data directory a server creates is 0700 and everything in it
// (store, WAL, shared memory, master key, credentials) 0600, whatever the umask; a store an
// older version left readable by others is made private on start.
func TestDataDirectoryIsPrivate(t *testing.T) {
	old := syscall.Umask(0o002)
	defer syscall.Umask(old)
	dir := filepath.Join(t.TempDir(), "data")
	srv, creds, _ := startIn(t, dir)
	// A write, so that the WAL exists.
	sm := secretsmanager.NewFromConfig(aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL),
		Credentials: credentials.NewStaticCredentialsProvider(creds.AccessKeyID, creds.SecretAccessKey, "")})
	if _, err := sm.CreateSecret(context.Background(), &secretsmanager.CreateSecretInput{Name: aws.String("x"), SecretString: aws.String("y")}); err != nil {
		t.Fatal(err)
	}
	check := func() {
		t.Helper()
		if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
			t.Errorf("data directory: %v %v, want 0700", fi.Mode().Perm(), err)
		}
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
			fi, err := e.Info()
			if err != nil || fi.Mode().Perm() != 0o600 {
				t.Errorf("%s: %v %v, want 0600", e.Name(), fi.Mode().Perm(), err)
			}
		}
		for _, want := range []string{"surveyor.db", "surveyor.db-wal", "surveyor.db-shm", "master.key", server.CredentialsFile} {
			if !slices.Contains(names, want) {
				t.Errorf("%s not in the data directory (%v)", want, names)
			}
		}
	}
	check()
	srv.Close()
	for _, f := range []string{"surveyor.db", "surveyor.db-wal", "surveyor.db-shm"} {
		_ = os.Chmod(filepath.Join(dir, f), 0o644)
	}
	startIn(t, dir)
	check()
}
