package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	dms "github.com/aws/aws-sdk-go-v2/service/databasemigrationservice"
	dz "github.com/aws/aws-sdk-go-v2/service/datazone"
	dztypes "github.com/aws/aws-sdk-go-v2/service/datazone/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/surveyorhq/surveyor/internal/server"
	"github.com/surveyorhq/surveyor/internal/server/servertest"
)

// silentPort accepts connections and never answers, so a run against it stays RUNNING.
func silentPort(t *testing.T) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return ln.Addr().(*net.TCPAddr).Port
}

func post(t *testing.T, url string) (int, map[string]any) {
	t.Helper()
	resp, err := http.Post(url, "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var body map[string]any
	if err := json.Unmarshal(b, &body); err != nil {
		t.Fatalf("reset answered %d %q: not JSON", resp.StatusCode, b)
	}
	return resp.StatusCode, body
}

// world holds resources of two accounts, and a run that stays RUNNING.
type resetWorld struct {
	env         *servertest.Env
	sm, sm2     *secretsmanager.Client
	dz          *dz.Client
	dms         *dms.Client
	domain, run string
}

func newResetWorld(t *testing.T, dev bool) *resetWorld {
	t.Helper()
	ctx := context.Background()
	env := servertest.Start(t, servertest.Options{Tune: func(c *server.Config) { c.Dev = dev }})
	other := env.NewAccount(t, "222222222222")
	w := &resetWorld{env: env, sm: secretsmanager.NewFromConfig(env.AWS()), sm2: secretsmanager.NewFromConfig(env.AWSFor(other)),
		dz: dz.NewFromConfig(env.AWS()), dms: dms.NewFromConfig(env.AWS())}
	secret := fmt.Sprintf(`{"engine":"postgres","host":"127.0.0.1","port":%d,"username":"u","password":"p","dbname":"db"}`, silentPort(t))
	s, err := w.sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("silent"), SecretString: aws.String(secret)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.sm2.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("other-account"), SecretString: aws.String("x")}); err != nil {
		t.Fatal(err)
	}
	d, err := w.dz.CreateDomain(ctx, &dz.CreateDomainInput{Name: aws.String("sales")})
	if err != nil {
		t.Fatal(err)
	}
	w.domain = aws.ToString(d.Id)
	p, err := w.dz.CreateProject(ctx, &dz.CreateProjectInput{DomainIdentifier: d.Id, Name: aws.String("p")})
	if err != nil {
		t.Fatal(err)
	}
	ds, err := w.dz.CreateDataSource(ctx, &dz.CreateDataSourceInput{DomainIdentifier: d.Id, ProjectIdentifier: p.Id, Name: aws.String("silent"),
		Type: aws.String("REDSHIFT"), Schedule: &dztypes.ScheduleConfiguration{Schedule: aws.String("cron(0 3 * * ? *)")},
		Configuration: &dztypes.DataSourceConfigurationInputMemberRedshiftRunConfiguration{Value: dztypes.RedshiftRunConfigurationInput{
			RedshiftCredentialConfiguration: &dztypes.RedshiftCredentialConfiguration{SecretManagerArn: s.ARN},
			RelationalFilterConfigurations:  []dztypes.RelationalFilterConfiguration{{DatabaseName: aws.String("db")}}}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.dms.CreateEndpoint(ctx, &dms.CreateEndpointInput{EndpointIdentifier: aws.String("src"), EndpointType: "source",
		EngineName: aws.String("postgres"), ServerName: aws.String("127.0.0.1"), Port: aws.Int32(5432), DatabaseName: aws.String("db"),
		Username: aws.String("u"), Password: aws.String("p")}); err != nil {
		t.Fatal(err)
	}
	run, err := w.dz.StartDataSourceRun(ctx, &dz.StartDataSourceRunInput{DomainIdentifier: d.Id, DataSourceIdentifier: ds.Id})
	if err != nil {
		t.Fatal(err)
	}
	w.run = aws.ToString(run.Id)
	deadline := time.Now().Add(30 * time.Second)
	for {
		r, err := w.dz.GetDataSourceRun(ctx, &dz.GetDataSourceRunInput{DomainIdentifier: d.Id, Identifier: run.Id})
		if err != nil {
			t.Fatal(err)
		}
		if r.Status == dztypes.DataSourceRunStatusRunning {
			return w
		}
		if time.Now().After(deadline) {
			t.Fatalf("run still %s after 30 s", r.Status)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (w *resetWorld) secrets(t *testing.T, c *secretsmanager.Client) int {
	t.Helper()
	out, err := c.ListSecrets(context.Background(), &secretsmanager.ListSecretsInput{})
	if err != nil {
		t.Fatalf("ListSecrets: %v", err)
	}
	return len(out.SecretList)
}

func TestDevResetDropsEverythingButTheKeys(t *testing.T) {
	w := newResetWorld(t, true)
	ctx := context.Background()
	temp, err := sts.NewFromConfig(w.env.AWS()).GetSessionToken(ctx, &sts.GetSessionTokenInput{})
	if err != nil {
		t.Fatal(err)
	}

	// moto's endpoint answers as moto does: POST only, {"status": "ok"}.
	if status, body := func() (int, map[string]any) {
		resp, err := http.Get(w.env.URL + "/moto-api/reset")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&b)
		return resp.StatusCode, b
	}(); status != http.StatusBadRequest || body["Error"] != "Need to POST to reset" {
		t.Errorf("GET /moto-api/reset = %d %v; want 400 Need to POST", status, body)
	}
	status, body := post(t, w.env.URL+"/moto-api/reset")
	if status != http.StatusOK || body["status"] != "ok" || body["runsStopped"] != float64(1) || body["runsStillRunning"] != float64(0) {
		t.Fatalf("POST /moto-api/reset = %d %v; want 200 ok with the running run stopped", status, body)
	}

	// The run was stopped before the reset answered, and everything is gone, in both accounts.
	if _, err := w.dz.GetDataSourceRun(ctx, &dz.GetDataSourceRunInput{DomainIdentifier: &w.domain, Identifier: &w.run}); apiCode(err) != "ResourceNotFoundException" {
		t.Errorf("the run after the reset: %v; want ResourceNotFoundException", err)
	}
	if n := w.secrets(t, w.sm); n != 0 {
		t.Errorf("%d secrets left in the first account", n)
	}
	if n := w.secrets(t, w.sm2); n != 0 {
		t.Errorf("%d secrets left in the second account", n)
	}
	if out, err := w.dz.ListDomains(ctx, &dz.ListDomainsInput{}); err != nil || len(out.Items) != 0 {
		t.Errorf("domains after the reset: %+v, %v", out, err)
	}
	if out, err := w.dms.DescribeEndpoints(ctx, &dms.DescribeEndpointsInput{}); err != nil || len(out.Endpoints) != 0 {
		t.Errorf("DMS endpoints after the reset: %+v, %v", out, err)
	}
	// The keys still sign, temporary ones included, and the same names can be made again.
	tempCfg := w.env.AWS()
	tempCfg.Credentials = credentials.NewStaticCredentialsProvider(aws.ToString(temp.Credentials.AccessKeyId),
		aws.ToString(temp.Credentials.SecretAccessKey), aws.ToString(temp.Credentials.SessionToken))
	if _, err := secretsmanager.NewFromConfig(tempCfg).CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("silent"), SecretString: aws.String("again")}); err != nil {
		t.Errorf("CreateSecret with the kept temporary credentials after the reset: %v", err)
	}
	if _, err := w.dms.CreateEndpoint(ctx, &dms.CreateEndpointInput{EndpointIdentifier: aws.String("src"), EndpointType: "source",
		EngineName: aws.String("postgres"), ServerName: aws.String("127.0.0.1")}); err != nil {
		t.Errorf("the same endpoint identifier after the reset: %v", err)
	}

	// Our own path does the same.
	if status, body := post(t, w.env.URL+"/_surveyor/reset"); status != http.StatusOK || body["status"] != "ok" {
		t.Errorf("POST /_surveyor/reset = %d %v", status, body)
	}
	if n := w.secrets(t, w.sm); n != 0 {
		t.Errorf("%d secrets left after the second reset", n)
	}
}

func TestResetIsRefusedWithoutDev(t *testing.T) {
	w := newResetWorld(t, false)
	for _, path := range []string{"/_surveyor/reset", "/moto-api/reset"} {
		status, body := post(t, w.env.URL+path)
		msg, _ := body["Error"].(string)
		if status != http.StatusNotFound || !strings.Contains(msg, "surveyor serve --dev") {
			t.Errorf("POST %s without --dev = %d %v; want 404 naming --dev", path, status, body)
		}
	}
	if n := w.secrets(t, w.sm); n != 1 {
		t.Errorf("%d secrets after a refused reset; want 1", n)
	}
	if n := w.secrets(t, w.sm2); n != 1 {
		t.Errorf("%d secrets of the second account after a refused reset; want 1", n)
	}
}
