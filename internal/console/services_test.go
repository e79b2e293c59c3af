package console_test

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ai "github.com/aws/aws-sdk-go-v2/service/appintegrations"
	aitypes "github.com/aws/aws-sdk-go-v2/service/appintegrations/types"
	"github.com/aws/aws-sdk-go-v2/service/appsync"
	astypes "github.com/aws/aws-sdk-go-v2/service/appsync/types"
	dms "github.com/aws/aws-sdk-go-v2/service/databasemigrationservice"
	dmstypes "github.com/aws/aws-sdk-go-v2/service/databasemigrationservice/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// eventually polls check until it holds, for at most a minute.
func eventually(t *testing.T, what string, check func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !check() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: still not after a minute", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// runNowFor presses Run now on a source's page and returns where it leads.
func (b *web) runNowFor(t *testing.T, source string) page {
	t.Helper()
	p := b.get("/console/sources/" + url.PathEscape(source))
	if p.status != http.StatusOK {
		t.Fatalf("source page of %s: %d", source, p.status)
	}
	return b.post("/console/sources/"+url.PathEscape(source)+"/run", url.Values{"csrf": {csrf(t, p)}, "client_token": {randomish()}})
}

func sourceIDs(body, prefix string) []string {
	var out []string
	for _, m := range regexp.MustCompile(`href="/console/sources/([^"]+)"`).FindAllStringSubmatch(body, -1) {
		id, _ := url.PathUnescape(m[1])
		if strings.HasPrefix(id, prefix) {
			out = append(out, id)
		}
	}
	return out
}

// TestEveryServiceIsASource creates a source through each other façade with its SDK client and
// runs it from the console as that façade's own operation would.
func TestEveryServiceIsASource(t *testing.T) {
	w := newWorld(t, nil)
	ctx := context.Background()
	cfg := w.env.AWS()
	file := shopSQLite(t)
	b := w.web()
	b.mustSignIn(w.env.Key)

	// AppIntegrations: an on-demand association of a folder integration runs again.
	root := filepath.Join(t.TempDir(), "lake")
	if err := os.MkdirAll(filepath.Join(root, "orders"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "orders", "a.csv"), []byte("id,total\n1,2.5\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	aic := ai.NewFromConfig(cfg)
	integ, err := aic.CreateDataIntegration(ctx, &ai.CreateDataIntegrationInput{Name: aws.String("lake"),
		KmsKey: aws.String("alias/aws/appintegrations"), SourceURI: aws.String("file://localhost" + root)})
	if err != nil {
		t.Fatal(err)
	}
	assoc, err := aic.CreateDataIntegrationAssociation(ctx, &ai.CreateDataIntegrationAssociationInput{DataIntegrationIdentifier: integ.Id,
		ClientId: aws.String("console-test")})
	if err != nil {
		t.Fatal(err)
	}
	completed := func() bool {
		l, err := aic.ListDataIntegrationAssociations(ctx, &ai.ListDataIntegrationAssociationsInput{DataIntegrationIdentifier: integ.Id})
		if err != nil {
			t.Fatal(err)
		}
		s := l.DataIntegrationAssociations[0].LastExecutionStatus
		return s != nil && s.ExecutionStatus == aitypes.ExecutionStatusCompleted
	}
	eventually(t, "the association's first run", completed)
	if p := b.runNowFor(t, aws.ToString(assoc.DataIntegrationAssociationId)); p.status != http.StatusSeeOther || !strings.HasPrefix(p.location(), "/console/runs/") {
		t.Errorf("AppIntegrations Run now: %d %q", p.status, p.location())
	}
	eventually(t, "the association's second run", completed)

	// DMS: refused until a connection test succeeded, then RefreshSchemas.
	dc := dms.NewFromConfig(cfg)
	ep, err := dc.CreateEndpoint(ctx, &dms.CreateEndpointInput{EndpointIdentifier: aws.String("lite"), EndpointType: dmstypes.ReplicationEndpointTypeValueSource,
		EngineName: aws.String("sqlite"), DatabaseName: aws.String(file)})
	if err != nil {
		t.Fatal(err)
	}
	dmsSource := "dms-endpoint:" + aws.ToString(ep.Endpoint.EndpointArn)
	p := b.runNowFor(t, dmsSource)
	if p.status != http.StatusSeeOther || !strings.Contains(p.location(), "error=") {
		t.Fatalf("DMS Run now before a connection test: %d %q", p.status, p.location())
	}
	if got := text(b.get(p.location()).body); !strings.Contains(got, "TestConnection") {
		t.Errorf("the refusal does not say what to do: %s", got)
	}
	inst, err := dc.CreateReplicationInstance(ctx, &dms.CreateReplicationInstanceInput{ReplicationInstanceIdentifier: aws.String("ri"),
		ReplicationInstanceClass: aws.String("dms.t3.medium")})
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "the replication instance", func() bool {
		d, err := dc.DescribeReplicationInstances(ctx, &dms.DescribeReplicationInstancesInput{})
		return err == nil && aws.ToString(d.ReplicationInstances[0].ReplicationInstanceStatus) == "available"
	})
	if _, err := dc.TestConnection(ctx, &dms.TestConnectionInput{EndpointArn: ep.Endpoint.EndpointArn, ReplicationInstanceArn: inst.ReplicationInstance.ReplicationInstanceArn}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the connection test", func() bool {
		d, err := dc.DescribeConnections(ctx, &dms.DescribeConnectionsInput{})
		return err == nil && len(d.Connections) == 1 && aws.ToString(d.Connections[0].Status) == "successful"
	})
	if p := b.runNowFor(t, dmsSource); p.status != http.StatusSeeOther || !strings.HasPrefix(p.location(), "/console/runs/") {
		t.Fatalf("DMS Run now after a connection test: %d %q", p.status, p.location())
	}
	eventually(t, "the refresh", func() bool {
		s, err := dc.DescribeRefreshSchemasStatus(ctx, &dms.DescribeRefreshSchemasStatusInput{EndpointArn: ep.Endpoint.EndpointArn})
		return err == nil && s.RefreshSchemasStatus.Status == dmstypes.RefreshSchemasStatusTypeValueSuccessful
	})

	// AppSync: Run now starts a new introspection of the same database.
	sec, err := secretsmanager.NewFromConfig(cfg).CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("lite"),
		SecretString: aws.String(`{"engine":"sqlite","path":"` + file + `"}`)})
	if err != nil {
		t.Fatal(err)
	}
	asc := appsync.NewFromConfig(cfg)
	intro, err := asc.StartDataSourceIntrospection(ctx, &appsync.StartDataSourceIntrospectionInput{RdsDataApiConfig: &astypes.RdsDataApiConfig{
		ResourceArn: aws.String("arn:aws:rds:us-east-1:123456789012:cluster:lite"), SecretArn: sec.ARN, DatabaseName: aws.String("main")}})
	if err != nil {
		t.Fatal(err)
	}
	p = b.runNowFor(t, aws.ToString(intro.IntrospectionId))
	if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location(), "/console/runs/") || strings.Contains(p.location(), aws.ToString(intro.IntrospectionId)) {
		t.Fatalf("AppSync Run now: %d %q, want a new introspection's run", p.status, p.location())
	}
	newID := strings.TrimPrefix(strings.SplitN(p.location(), "?", 2)[0], "/console/runs/")
	eventually(t, "the new introspection", func() bool {
		g, err := asc.GetDataSourceIntrospection(ctx, &appsync.GetDataSourceIntrospectionInput{IntrospectionId: &newID})
		return err == nil && g.IntrospectionStatus == astypes.DataSourceIntrospectionStatusSuccess
	})

	// All of them on the sources page, each under its service.
	list := b.get("/console/sources").body
	for service, want := range map[string]int{"DMS": 1, "AppIntegrations": 1, "AppSync": 2} {
		filtered := b.get("/console/sources?service=" + service).body
		if n := strings.Count(filtered, `<tr>`) - 1; n != want {
			t.Errorf("%s sources: %d, want %d", service, n, want)
		}
	}
	if n := len(sourceIDs(list, "dms-endpoint:")); n != 1 {
		t.Errorf("sources page lists %d DMS endpoints, want 1", n)
	}
	if got := text(b.get("/console/sources?status=FAILED").body); !strings.Contains(got, "No source matches") {
		t.Errorf("status filter FAILED: %s", got)
	}
}

var tokens int

// randomish is a new client token for each press of Run now.
func randomish() string {
	tokens++
	return "token-" + strings.Repeat("x", tokens%3) + time.Now().Format("150405.000000")
}

// The associations of one AppIntegrations data integration share its catalog: each is a source
// with its own runs, and each lists the integration's assets; a second association's first run
// finds them unchanged. An asset's page, its ER diagram and search lead back to an association.
func TestAppIntegrationsAssociationsShareTheIntegrationsAssets(t *testing.T) {
	w := newWorld(t, nil)
	ctx := context.Background()
	b := w.web()
	b.mustSignIn(w.env.Key)
	root := filepath.Join(t.TempDir(), "lake")
	if err := os.MkdirAll(filepath.Join(root, "orders"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "orders", "a.csv"), []byte("id,total\n1,2.5\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	aic := ai.NewFromConfig(w.env.AWS())
	integ, err := aic.CreateDataIntegration(ctx, &ai.CreateDataIntegrationInput{Name: aws.String("lake"),
		KmsKey: aws.String("alias/aws/appintegrations"), SourceURI: aws.String("file://localhost" + root)})
	if err != nil {
		t.Fatal(err)
	}
	completed := func(n int) func() bool {
		return func() bool {
			l, err := aic.ListDataIntegrationAssociations(ctx, &ai.ListDataIntegrationAssociationsInput{DataIntegrationIdentifier: integ.Id})
			if err != nil {
				t.Fatal(err)
			}
			done := 0
			for _, a := range l.DataIntegrationAssociations {
				if s := a.LastExecutionStatus; s != nil && s.ExecutionStatus == aitypes.ExecutionStatusCompleted {
					done++
				}
			}
			return done == n
		}
	}
	var assocs []string
	for i, client := range []string{"first", "second"} {
		a, err := aic.CreateDataIntegrationAssociation(ctx, &ai.CreateDataIntegrationAssociationInput{DataIntegrationIdentifier: integ.Id,
			ClientId: aws.String(client)})
		if err != nil {
			t.Fatal(err)
		}
		assocs = append(assocs, aws.ToString(a.DataIntegrationAssociationId))
		eventually(t, client+" association's run", completed(i+1))
	}

	list := b.get("/console/sources?service=AppIntegrations").body
	if n := strings.Count(list, `<tr>`) - 1; n != 2 {
		t.Errorf("AppIntegrations sources: %d, want the 2 associations", n)
	}
	assetLink := regexp.MustCompile(`href="/console/assets/([^"]+)">orders</a>`)
	var asset string
	for i, id := range assocs {
		page := b.get("/console/sources/" + url.PathEscape(id))
		if page.status != http.StatusOK {
			t.Fatalf("source page of association %s: %d", id, page.status)
		}
		m := assetLink.FindStringSubmatch(page.body)
		if m == nil {
			t.Fatalf("association %s lists no orders asset: %s", id, text(page.body))
		}
		if asset != "" && m[1] != asset {
			t.Errorf("the associations list different orders assets: %s and %s", asset, m[1])
		}
		asset = m[1]
		// Its one run: the first adds orders, the second finds it unchanged.
		cells := regexp.MustCompile(`<td class="num">(\d+)</td><td class="num">(\d+)</td><td class="num">(\d+)</td>`).FindAllStringSubmatch(page.body, -1)
		want := [][]string{{"1", "0", "0"}, {"0", "0", "1"}}[i]
		if len(cells) != 1 || strings.Join(cells[0][1:], ",") != strings.Join(want, ",") {
			t.Errorf("association %d's runs (added, updated, unchanged): %v, want one %v", i, cells, want)
		}
	}
	ap := b.get("/console/assets/" + asset)
	if ap.status != http.StatusOK || !strings.Contains(ap.body, `href="/console/sources/`+url.PathEscape(assocs[0])+`"`) {
		t.Errorf("the asset page does not lead to the first association: %d %s", ap.status, text(ap.body))
	}
	erd := regexp.MustCompile(`href="(/console/erd\?[^"]+)"`).FindStringSubmatch(ap.body)
	if erd == nil {
		t.Fatalf("the asset page has no ER diagram link")
	}
	if p := b.get(strings.ReplaceAll(erd[1], "&amp;", "&")); p.status != http.StatusOK || !strings.Contains(p.body, "orders") {
		t.Errorf("ER diagram from the asset page: %d %s", p.status, text(p.body))
	}
	if p := b.get("/console/search?q=orders"); !strings.Contains(p.body, `href="/console/sources/`+url.PathEscape(assocs[0])+`"`) {
		t.Errorf("search does not lead to the first association: %s", text(p.body))
	}
}
