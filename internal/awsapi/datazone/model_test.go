package datazone_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	dz "github.com/aws/aws-sdk-go-v2/service/datazone"
	"github.com/aws/aws-sdk-go-v2/service/datazone/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/surveyorhq/surveyor/internal/server/servertest"
)

// outputModel is testdata/outputs.json: the output shapes of the served operations in botocore's
// DataZone model (testdata/extract_outputs.py writes it).
type outputModel struct {
	Botocore   string                `json:"botocore"`
	Operations map[string]string     `json:"operations"`
	Shapes     map[string]modelShape `json:"shapes"`
}

type modelShape struct {
	Type     string            `json:"type"`
	Required []string          `json:"required"`
	Union    bool              `json:"union"`
	Members  map[string]string `json:"members"`
	Member   string            `json:"member"`
	Value    string            `json:"value"`
}

// conform lists where v, the JSON of shape name at path, breaks the model: a required member
// missing or null, a member the model does not have, a union without exactly one member, or a
// value of the wrong JSON type.
func (m *outputModel) conform(name string, v any, path string, problems *[]string) {
	s, ok := m.Shapes[name]
	if !ok {
		*problems = append(*problems, fmt.Sprintf("%s: shape %s is not in the model", path, name))
		return
	}
	bad := func(want string) {
		*problems = append(*problems, fmt.Sprintf("%s: %T where the model has a %s (%s)", path, v, want, name))
	}
	switch s.Type {
	case "structure":
		obj, ok := v.(map[string]any)
		if !ok {
			bad("structure")
			return
		}
		for _, r := range s.Required {
			if val, ok := obj[r]; !ok || val == nil {
				*problems = append(*problems, fmt.Sprintf("%s: required member %s is missing (%s)", path, r, name))
			}
		}
		present := 0
		for _, k := range slices.Sorted(mapKeys(obj)) {
			shape, ok := s.Members[k]
			if !ok {
				*problems = append(*problems, fmt.Sprintf("%s: member %s is not in %s", path, k, name))
				continue
			}
			if obj[k] != nil {
				present++
				m.conform(shape, obj[k], path+"."+k, problems)
			}
		}
		if s.Union && present != 1 {
			*problems = append(*problems, fmt.Sprintf("%s: union %s has %d members set; want exactly 1", path, name, present))
		}
	case "list":
		items, ok := v.([]any)
		if !ok {
			bad("list")
			return
		}
		for i, it := range items {
			m.conform(s.Member, it, fmt.Sprintf("%s[%d]", path, i), problems)
		}
	case "map":
		obj, ok := v.(map[string]any)
		if !ok {
			bad("map")
			return
		}
		for _, k := range slices.Sorted(mapKeys(obj)) {
			m.conform(s.Value, obj[k], path+"."+k, problems)
		}
	case "string":
		if _, ok := v.(string); !ok {
			bad("string")
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			bad("boolean")
		}
	case "integer", "long", "float", "double":
		if _, ok := v.(float64); !ok {
			bad(s.Type)
		}
	case "timestamp":
		switch v.(type) {
		case float64, string:
		default:
			bad("timestamp")
		}
	}
}

func mapKeys(m map[string]any) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// bodies records every response body by operation name.
type bodies struct {
	mu  sync.Mutex
	got map[string][][]byte
}

func (b *bodies) Do(req *http.Request) (*http.Response, error) {
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	raw, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(raw))
	if resp.StatusCode < 300 {
		op := awsmiddleware.GetOperationName(req.Context())
		b.mu.Lock()
		b.got[op] = append(b.got[op], raw)
		b.mu.Unlock()
	}
	return resp, nil
}

// TestResponsesHaveEveryRequiredMember drives every DataZone operation this server serves,
// with data that fills the optional parts (runs that fail, assets that fail, schedules, forms,
// both configurations), and checks each response body against the botocore model: every member
// the model requires is there, and nothing is there that the model does not have.
func TestResponsesHaveEveryRequiredMember(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "outputs.json"))
	if err != nil {
		t.Fatal(err)
	}
	var model outputModel
	if err := json.Unmarshal(raw, &model); err != nil {
		t.Fatal(err)
	}
	env := servertest.Start(t, servertest.Options{})
	rec := &bodies{got: map[string][][]byte{}}
	cfg := env.AWS()
	cfg.HTTPClient = rec
	c := dz.NewFromConfig(cfg)
	sm := secretsmanager.NewFromConfig(env.AWS())
	ctx := context.Background()
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}

	// A SQLite database with a good table and a broken view: runs end PARTIALLY_SUCCEEDED with a
	// FAILED activity.
	path := filepath.Join(t.TempDir(), "shop.db")
	lite, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"CREATE TABLE orders (id INTEGER PRIMARY KEY, total REAL)", "CREATE TABLE gone (id INTEGER)",
		"CREATE VIEW broken AS SELECT id FROM gone", "DROP TABLE gone"} {
		if _, err := lite.Exec(s); err != nil {
			t.Fatal(err)
		}
	}
	lite.Close()
	secret, err := sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("shop"),
		SecretString: aws.String(fmt.Sprintf(`{"engine":"sqlite","path":%q}`, path))})
	if err != nil {
		t.Fatal(err)
	}
	must(sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("nowhere"),
		SecretString: aws.String(`{"engine":"sqlite","path":"/nonexistent/surveyor/none.db"}`)}))

	d, err := c.CreateDomain(ctx, &dz.CreateDomainInput{Name: aws.String("sales"), Description: aws.String("d"), Tags: map[string]string{"k": "v"}})
	if err != nil {
		t.Fatal(err)
	}
	domain := d.Id
	must(c.ListDomains(ctx, &dz.ListDomainsInput{}))
	must(c.GetDomain(ctx, &dz.GetDomainInput{Identifier: domain}))
	p, err := c.CreateProject(ctx, &dz.CreateProjectInput{DomainIdentifier: domain, Name: aws.String("analytics"), Description: aws.String("d")})
	if err != nil {
		t.Fatal(err)
	}
	must(c.ListProjects(ctx, &dz.ListProjectsInput{DomainIdentifier: domain}))
	must(c.GetProject(ctx, &dz.GetProjectInput{DomainIdentifier: domain, Identifier: p.Id}))

	filters := []types.RelationalFilterConfiguration{{DatabaseName: aws.String("main"), FilterExpressions: []types.FilterExpression{
		{Type: types.FilterExpressionTypeInclude, Expression: aws.String("*")}}}}
	redshiftDS, err := c.CreateDataSource(ctx, &dz.CreateDataSourceInput{DomainIdentifier: domain, ProjectIdentifier: p.Id,
		Name: aws.String("redshift"), Type: aws.String("REDSHIFT"), Description: aws.String("d"),
		Configuration: &types.DataSourceConfigurationInputMemberRedshiftRunConfiguration{Value: types.RedshiftRunConfigurationInput{
			RedshiftCredentialConfiguration: &types.RedshiftCredentialConfiguration{SecretManagerArn: secret.ARN},
			RelationalFilterConfigurations:  filters}},
		Schedule:        &types.ScheduleConfiguration{Schedule: aws.String("cron(0 3 * * ? *)"), Timezone: types.TimezoneEuropeParis},
		AssetFormsInput: []types.FormInput{{FormName: aws.String("owner"), TypeIdentifier: aws.String("amazon.datazone.OwnerForm"), Content: aws.String(`{"team":"sales"}`)}},
		Recommendation:  &types.RecommendationConfiguration{EnableBusinessNameGeneration: aws.Bool(false)},
	})
	if err != nil {
		t.Fatal(err)
	}
	glueDS, err := c.CreateDataSource(ctx, &dz.CreateDataSourceInput{DomainIdentifier: domain, ProjectIdentifier: p.Id,
		Name: aws.String("glue"), Type: aws.String("GLUE"), ConnectionIdentifier: aws.String("shop"),
		Configuration: &types.DataSourceConfigurationInputMemberGlueRunConfiguration{Value: types.GlueRunConfigurationInput{
			RelationalFilterConfigurations: filters}}})
	if err != nil {
		t.Fatal(err)
	}
	failing, err := c.CreateDataSource(ctx, &dz.CreateDataSourceInput{DomainIdentifier: domain, ProjectIdentifier: p.Id,
		Name: aws.String("failing"), Type: aws.String("GLUE"), ConnectionIdentifier: aws.String("nowhere"),
		Configuration: &types.DataSourceConfigurationInputMemberGlueRunConfiguration{Value: types.GlueRunConfigurationInput{
			RelationalFilterConfigurations: filters}}})
	if err != nil {
		t.Fatal(err)
	}
	w := &world{t: t, env: env, dz: c, domain: aws.ToString(domain), project: aws.ToString(p.Id)}
	var assetID string
	for _, ds := range []*string{redshiftDS.Id, glueDS.Id, failing.Id} {
		r := w.run(aws.ToString(ds))
		must(c.ListDataSourceRuns(ctx, &dz.ListDataSourceRunsInput{DomainIdentifier: domain, DataSourceIdentifier: ds}))
		for _, a := range w.activities(aws.ToString(r.Id), "") {
			if a.DataAssetId != nil {
				assetID = aws.ToString(a.DataAssetId)
			}
		}
	}
	if assetID == "" {
		t.Fatal("no run imported an asset")
	}
	must(c.GetAsset(ctx, &dz.GetAssetInput{DomainIdentifier: domain, Identifier: &assetID}))
	must(c.ListAssetRevisions(ctx, &dz.ListAssetRevisionsInput{DomainIdentifier: domain, Identifier: &assetID}))
	must(c.Search(ctx, &dz.SearchInput{DomainIdentifier: domain, SearchScope: types.InventorySearchScopeAsset, SearchText: aws.String("orders"),
		AdditionalAttributes: []types.SearchOutputAdditionalAttribute{types.SearchOutputAdditionalAttributeForms}}))
	must(c.ListDataSources(ctx, &dz.ListDataSourcesInput{DomainIdentifier: domain, ProjectIdentifier: p.Id}))
	for _, ds := range []*string{redshiftDS.Id, glueDS.Id, failing.Id} {
		must(c.GetDataSource(ctx, &dz.GetDataSourceInput{DomainIdentifier: domain, Identifier: ds}))
	}
	must(c.UpdateDataSource(ctx, &dz.UpdateDataSourceInput{DomainIdentifier: domain, Identifier: redshiftDS.Id, Description: aws.String("new")}))
	must(c.DeleteDataSource(ctx, &dz.DeleteDataSourceInput{DomainIdentifier: domain, Identifier: glueDS.Id}))
	must(c.DeleteProject(ctx, &dz.DeleteProjectInput{DomainIdentifier: domain, Identifier: p.Id, SkipDeletionCheck: aws.Bool(true)}))
	must(c.DeleteDomain(ctx, &dz.DeleteDomainInput{Identifier: domain, SkipDeletionCheck: aws.Bool(true)}))

	var ops []string
	for op := range model.Operations {
		ops = append(ops, op)
	}
	sort.Strings(ops)
	for _, op := range ops {
		got := rec.got[op]
		if len(got) == 0 {
			t.Errorf("%s: the scenario never called it", op)
			continue
		}
		var problems []string
		for _, body := range got {
			var v any = map[string]any{} // an output without members may come back empty
			if err := json.Unmarshal(body, &v); len(body) > 0 && err != nil {
				t.Fatalf("%s answered %q: %v", op, body, err)
			}
			model.conform(model.Operations[op], v, op, &problems)
		}
		slices.Sort(problems)
		if problems = slices.Compact(problems); len(problems) > 0 {
			t.Errorf("%s breaks the model (botocore %s):\n  %s", op, model.Botocore, strings.Join(problems, "\n  "))
		}
	}
}
