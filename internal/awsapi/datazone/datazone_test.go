package datazone_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	dz "github.com/aws/aws-sdk-go-v2/service/datazone"
	"github.com/aws/aws-sdk-go-v2/service/datazone/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/smithy-go"
	_ "modernc.org/sqlite"

	"github.com/surveyorhq/surveyor/internal/connector"
	"github.com/surveyorhq/surveyor/internal/server/servertest"
	"github.com/surveyorhq/surveyor/internal/testdb"
)

// world is a running server with one domain and one project.
type world struct {
	t       *testing.T
	env     *servertest.Env
	dz      *dz.Client
	sm      *secretsmanager.Client
	domain  string
	project string
}

func newWorld(t *testing.T, opts servertest.Options) *world {
	t.Helper()
	env := servertest.Start(t, opts)
	w := &world{t: t, env: env, dz: dz.NewFromConfig(env.AWS()), sm: secretsmanager.NewFromConfig(env.AWS())}
	ctx := context.Background()
	d, err := w.dz.CreateDomain(ctx, &dz.CreateDomainInput{Name: aws.String("sales")})
	if err != nil {
		t.Fatalf("CreateDomain: %v", err)
	}
	w.domain = aws.ToString(d.Id)
	p, err := w.dz.CreateProject(ctx, &dz.CreateProjectInput{DomainIdentifier: d.Id, Name: aws.String("analytics")})
	if err != nil {
		t.Fatalf("CreateProject: %v", err)
	}
	w.project = aws.ToString(p.Id)
	return w
}

// secret stores the RDS secret JSON for a database and returns its ARN.
func (w *world) secret(name string, v map[string]any) string {
	w.t.Helper()
	b, _ := json.Marshal(v)
	out, err := w.sm.CreateSecret(context.Background(), &secretsmanager.CreateSecretInput{Name: aws.String(name), SecretString: aws.String(string(b))})
	if err != nil {
		w.t.Fatalf("CreateSecret: %v", err)
	}
	return aws.ToString(out.ARN)
}

func dbSecret(engine string, src connector.Source) map[string]any {
	return map[string]any{"engine": engine, "host": src.Host, "port": src.Port, "username": src.User, "password": src.Password, "dbname": src.Database}
}

func redshift(arn string, filters ...types.RelationalFilterConfiguration) *types.DataSourceConfigurationInputMemberRedshiftRunConfiguration {
	return &types.DataSourceConfigurationInputMemberRedshiftRunConfiguration{Value: types.RedshiftRunConfigurationInput{
		RelationalFilterConfigurations:  filters,
		RedshiftCredentialConfiguration: &types.RedshiftCredentialConfiguration{SecretManagerArn: aws.String(arn)},
	}}
}

func rf(db, schema string, exprs ...string) types.RelationalFilterConfiguration {
	c := types.RelationalFilterConfiguration{DatabaseName: aws.String(db)}
	if schema != "" {
		c.SchemaName = aws.String(schema)
	}
	for _, e := range exprs {
		typ, expr, _ := strings.Cut(e, " ")
		c.FilterExpressions = append(c.FilterExpressions, types.FilterExpression{Type: types.FilterExpressionType(typ), Expression: aws.String(expr)})
	}
	return c
}

func (w *world) dataSource(name string, cfg types.DataSourceConfigurationInput) string {
	w.t.Helper()
	out, err := w.dz.CreateDataSource(context.Background(), &dz.CreateDataSourceInput{DomainIdentifier: &w.domain,
		ProjectIdentifier: &w.project, Name: aws.String(name), Type: aws.String("REDSHIFT"), Configuration: cfg})
	if err != nil {
		w.t.Fatalf("CreateDataSource %s: %v", name, err)
	}
	return aws.ToString(out.Id)
}

// run starts a run of a data source and waits until it ends.
func (w *world) run(ds string) *dz.GetDataSourceRunOutput {
	w.t.Helper()
	start, err := w.dz.StartDataSourceRun(context.Background(), &dz.StartDataSourceRunInput{DomainIdentifier: &w.domain, DataSourceIdentifier: &ds})
	if err != nil {
		w.t.Fatalf("StartDataSourceRun: %v", err)
	}
	if start.Type != types.DataSourceRunTypePrioritized || start.Status != types.DataSourceRunStatusRequested {
		w.t.Errorf("new run: type %s status %s; want PRIORITIZED REQUESTED", start.Type, start.Status)
	}
	return w.wait(aws.ToString(start.Id))
}

func (w *world) wait(runID string) *dz.GetDataSourceRunOutput {
	w.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		r, err := w.dz.GetDataSourceRun(context.Background(), &dz.GetDataSourceRunInput{DomainIdentifier: &w.domain, Identifier: &runID})
		if err != nil {
			w.t.Fatalf("GetDataSourceRun: %v", err)
		}
		switch r.Status {
		case types.DataSourceRunStatusSuccess, types.DataSourceRunStatusFailed, types.DataSourceRunStatusPartiallySucceeded:
			return r
		}
		if time.Now().After(deadline) {
			w.t.Fatalf("run %s still %s after 30 s", runID, r.Status)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

type stats struct{ added, updated, unchanged, skipped, failed int32 }

func statsOf(s *types.RunStatisticsForAssets) stats {
	if s == nil {
		return stats{-1, -1, -1, -1, -1}
	}
	return stats{aws.ToInt32(s.Added), aws.ToInt32(s.Updated), aws.ToInt32(s.Unchanged), aws.ToInt32(s.Skipped), aws.ToInt32(s.Failed)}
}

func (w *world) activities(runID string, status types.DataAssetActivityStatus) []types.DataSourceRunActivity {
	w.t.Helper()
	var all []types.DataSourceRunActivity
	p := dz.NewListDataSourceRunActivitiesPaginator(w.dz, &dz.ListDataSourceRunActivitiesInput{DomainIdentifier: &w.domain,
		Identifier: &runID, Status: status, MaxResults: aws.Int32(2)})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			w.t.Fatalf("ListDataSourceRunActivities: %v", err)
		}
		all = append(all, page.Items...)
	}
	return all
}

func errCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return fmt.Sprintf("not an API error: %v", err)
}

func TestDomainsAndProjects(t *testing.T) {
	w := newWorld(t, servertest.Options{})
	ctx := context.Background()
	before := time.Now().Add(-time.Minute)

	d, err := w.dz.GetDomain(ctx, &dz.GetDomainInput{Identifier: &w.domain})
	if err != nil {
		t.Fatalf("GetDomain: %v", err)
	}
	if !strings.HasPrefix(w.domain, "dzd_") || len(w.domain) != 18 || d.Status != types.DomainStatusAvailable ||
		d.CreatedAt == nil || d.CreatedAt.Before(before) || aws.ToString(d.Name) != "sales" {
		t.Errorf("GetDomain = id %s status %s createdAt %v name %s", w.domain, d.Status, d.CreatedAt, aws.ToString(d.Name))
	}
	doms, err := w.dz.ListDomains(ctx, &dz.ListDomainsInput{})
	if err != nil || len(doms.Items) != 1 || aws.ToString(doms.Items[0].Id) != w.domain || doms.Items[0].CreatedAt == nil {
		t.Errorf("ListDomains = %+v, %v", doms, err)
	}
	p, err := w.dz.GetProject(ctx, &dz.GetProjectInput{DomainIdentifier: &w.domain, Identifier: &w.project})
	if err != nil || aws.ToString(p.Name) != "analytics" || p.CreatedAt == nil || p.CreatedAt.Before(before) || len(w.project) != 14 {
		t.Fatalf("GetProject = %+v, %v", p, err)
	}
	if _, err := w.dz.CreateProject(ctx, &dz.CreateProjectInput{DomainIdentifier: &w.domain, Name: aws.String("analytics")}); errCode(err) != "ConflictException" {
		t.Errorf("duplicate project name: %v", err)
	}
	// A domain with projects is not deleted; after the project goes, it is.
	if _, err := w.dz.DeleteDomain(ctx, &dz.DeleteDomainInput{Identifier: &w.domain}); errCode(err) != "ConflictException" {
		t.Errorf("DeleteDomain with a project: %v", err)
	}
	if _, err := w.dz.DeleteProject(ctx, &dz.DeleteProjectInput{DomainIdentifier: &w.domain, Identifier: &w.project}); err != nil {
		t.Fatalf("DeleteProject: %v", err)
	}
	if _, err := w.dz.GetProject(ctx, &dz.GetProjectInput{DomainIdentifier: &w.domain, Identifier: &w.project}); errCode(err) != "ResourceNotFoundException" {
		t.Errorf("deleted project: %v", err)
	}
	del, err := w.dz.DeleteDomain(ctx, &dz.DeleteDomainInput{Identifier: &w.domain})
	if err != nil || del.Status != types.DomainStatusDeleting {
		t.Fatalf("DeleteDomain = %+v, %v", del, err)
	}
	if _, err := w.dz.GetDomain(ctx, &dz.GetDomainInput{Identifier: &w.domain}); errCode(err) != "ResourceNotFoundException" {
		t.Errorf("deleted domain: %v", err)
	}
	// The same clientToken with the same request creates one domain; with another request it is
	// refused and creates nothing.
	a, err1 := w.dz.CreateDomain(ctx, &dz.CreateDomainInput{Name: aws.String("x"), Description: aws.String("d"), ClientToken: aws.String("tok-1")})
	b, err2 := w.dz.CreateDomain(ctx, &dz.CreateDomainInput{Name: aws.String("x"), Description: aws.String("d"), ClientToken: aws.String("tok-1")})
	if err1 != nil || err2 != nil || aws.ToString(a.Id) != aws.ToString(b.Id) {
		t.Errorf("idempotent CreateDomain: %v %v %v %v", a, b, err1, err2)
	}
	for name, in := range map[string]*dz.CreateDomainInput{
		"another name":        {Name: aws.String("y"), Description: aws.String("d"), ClientToken: aws.String("tok-1")},
		"another description": {Name: aws.String("x"), ClientToken: aws.String("tok-1")},
	} {
		_, err := w.dz.CreateDomain(ctx, in)
		var ae smithy.APIError
		if !errors.As(err, &ae) || ae.ErrorCode() != "ConflictException" || !strings.Contains(ae.ErrorMessage(), "tok-1") {
			t.Errorf("CreateDomain reusing tok-1 with %s: %v; want ConflictException naming the token", name, err)
		}
	}
	if doms, err := w.dz.ListDomains(ctx, &dz.ListDomainsInput{}); err != nil || len(doms.Items) != 1 || aws.ToString(doms.Items[0].Name) != "x" {
		t.Errorf("domains after the token reuse = %+v, %v; want only x", doms, err)
	}
}

// TestStatisticsOnPostgres walks a data source through every statistic against real PostgreSQL.
func TestStatisticsOnPostgres(t *testing.T) {
	w := newWorld(t, servertest.Options{})
	ctx := context.Background()
	db := testdb.New(t, connector.Postgres, "surveyor_dz")
	for i := 1; i <= 4; i++ {
		db.Exec(t, fmt.Sprintf("CREATE TABLE t%d (id int PRIMARY KEY, name varchar(20))", i))
	}
	db.Exec(t, "COMMENT ON COLUMN t1.name IS 'customer display label'")
	arn := w.secret("pg-admin", dbSecret("postgres", db.Source))
	ds := w.dataSource("pg", redshift(arn, rf(db.Source.Database, "public", "INCLUDE *")))

	got, err := w.dz.GetDataSource(ctx, &dz.GetDataSourceInput{DomainIdentifier: &w.domain, Identifier: &ds})
	if err != nil || got.Status != types.DataSourceStatusReady || got.CreatedAt == nil || got.LastRunStatus != "" {
		t.Fatalf("GetDataSource before any run = %+v, %v", got, err)
	}

	first := w.run(ds)
	if first.Status != types.DataSourceRunStatusSuccess || statsOf(first.RunStatisticsForAssets) != (stats{added: 4}) {
		t.Fatalf("first run: %s %+v %+v", first.Status, statsOf(first.RunStatisticsForAssets), first.ErrorMessage)
	}
	if first.StartedAt == nil || first.StoppedAt == nil || first.CreatedAt == nil || first.StoppedAt.Before(*first.StartedAt) {
		t.Errorf("run times: created %v started %v stopped %v", first.CreatedAt, first.StartedAt, first.StoppedAt)
	}
	snap := aws.ToString(first.DataSourceConfigurationSnapshot)
	if !strings.Contains(snap, arn) || !strings.Contains(snap, db.Source.Database) || strings.Contains(snap, "password") {
		t.Errorf("configuration snapshot = %s", snap)
	}
	acts := w.activities(aws.ToString(first.Id), "")
	if len(acts) != 4 {
		t.Fatalf("%d activities, want 4", len(acts))
	}
	for _, a := range acts {
		if a.DataAssetStatus != types.DataAssetActivityStatusSucceededCreated || aws.ToString(a.Database) != db.Source.Database ||
			aws.ToString(a.DataAssetId) == "" || a.CreatedAt == nil || aws.ToString(a.ProjectId) != w.project {
			t.Errorf("activity %+v", a)
		}
	}

	again := w.run(ds)
	if statsOf(again.RunStatisticsForAssets) != (stats{unchanged: 4}) {
		t.Fatalf("unchanged rerun: %+v", statsOf(again.RunStatisticsForAssets))
	}
	db.Exec(t, "ALTER TABLE t1 ADD COLUMN extra int", "ALTER TABLE t2 DROP COLUMN name")
	altered := w.run(ds)
	if statsOf(altered.RunStatisticsForAssets) != (stats{updated: 2, unchanged: 2}) {
		t.Fatalf("after ALTER on 2 tables: %+v", statsOf(altered.RunStatisticsForAssets))
	}
	updated := w.activities(aws.ToString(altered.Id), types.DataAssetActivityStatusSucceededUpdated)
	if len(updated) != 2 {
		t.Fatalf("status filter SUCCEEDED_UPDATED: %d activities", len(updated))
	}

	// GetAsset: the new revision has the new column; revision 1 has the old shape.
	var t1 string
	for _, a := range updated {
		if aws.ToString(a.TechnicalName) == "t1" {
			t1 = aws.ToString(a.DataAssetId)
		}
	}
	asset, err := w.dz.GetAsset(ctx, &dz.GetAssetInput{DomainIdentifier: &w.domain, Identifier: &t1})
	if err != nil {
		t.Fatalf("GetAsset: %v", err)
	}
	if aws.ToString(asset.Revision) != "2" || aws.ToString(asset.TypeIdentifier) != "amazon.datazone.RedshiftTableAssetType" ||
		asset.CreatedAt == nil || aws.ToString(asset.OwningProjectId) != w.project || len(asset.FormsOutput) == 0 {
		t.Fatalf("GetAsset = rev %s type %s createdAt %v forms %d", aws.ToString(asset.Revision), aws.ToString(asset.TypeIdentifier), asset.CreatedAt, len(asset.FormsOutput))
	}
	var form struct {
		Columns []struct{ ColumnName, DataType string }
	}
	if err := json.Unmarshal([]byte(aws.ToString(asset.FormsOutput[0].Content)), &form); err != nil || len(form.Columns) != 3 ||
		form.Columns[2].ColumnName != "extra" || form.Columns[2].DataType != "integer" {
		t.Errorf("table form = %s (%v)", aws.ToString(asset.FormsOutput[0].Content), err)
	}
	old, err := w.dz.GetAsset(ctx, &dz.GetAssetInput{DomainIdentifier: &w.domain, Identifier: &t1, Revision: aws.String("1")})
	if err != nil || !strings.Contains(aws.ToString(old.FormsOutput[0].Content), `"name"`) || strings.Contains(aws.ToString(old.FormsOutput[0].Content), "extra") {
		t.Errorf("revision 1 = %v, %v", old, err)
	}
	revs, err := w.dz.ListAssetRevisions(ctx, &dz.ListAssetRevisionsInput{DomainIdentifier: &w.domain, Identifier: &t1})
	if err != nil || len(revs.Items) != 2 {
		t.Errorf("ListAssetRevisions = %v, %v", revs, err)
	}

	// Search finds tables by name, column and comment.
	for text, want := range map[string]int{"t3": 1, "extra": 1, "display label": 1, "id": 4, "nothing-like-it": 0} {
		res, err := w.dz.Search(ctx, &dz.SearchInput{DomainIdentifier: &w.domain, SearchScope: types.InventorySearchScopeAsset, SearchText: aws.String(text)})
		if err != nil || len(res.Items) != want || aws.ToInt32(res.TotalMatchCount) != int32(want) {
			t.Errorf("Search %q: %d items, %v; want %d", text, len(res.Items), err, want)
		}
	}

	// A role that may not SELECT t4: the run skips it (SKIPPED_NO_ACCESS) and never forgets it.
	role := testdb.Name("dzro")
	db.Exec(t, "CREATE ROLE "+role+" LOGIN", "GRANT SELECT ON t1, t2, t3 TO "+role)
	t.Cleanup(func() {
		db.SQL.Exec("REVOKE ALL ON ALL TABLES IN SCHEMA public FROM " + role)
		db.SQL.Exec("DROP ROLE IF EXISTS " + role)
	})
	limited := dbSecret("postgres", db.Source)
	limited["username"], limited["password"] = role, "any-pw-the-server-trusts"
	roArn := w.secret("pg-limited", limited)
	if _, err := w.dz.UpdateDataSource(ctx, &dz.UpdateDataSourceInput{DomainIdentifier: &w.domain, Identifier: &ds,
		Configuration: redshift(roArn, rf(db.Source.Database, "public", "INCLUDE *"))}); err != nil {
		t.Fatalf("UpdateDataSource: %v", err)
	}
	skipped := w.run(ds)
	if skipped.Status != types.DataSourceRunStatusSuccess || statsOf(skipped.RunStatisticsForAssets) != (stats{unchanged: 3, skipped: 1}) {
		t.Fatalf("run without SELECT on t4: %s %+v", skipped.Status, statsOf(skipped.RunStatisticsForAssets))
	}
	noAccess := w.activities(aws.ToString(skipped.Id), types.DataAssetActivityStatusSkippedNoAccess)
	if len(noAccess) != 1 || aws.ToString(noAccess[0].TechnicalName) != "t4" || aws.ToString(noAccess[0].DataAssetId) == "" {
		t.Fatalf("SKIPPED_NO_ACCESS activities = %+v", noAccess)
	}
	if _, err := w.dz.GetAsset(ctx, &dz.GetAssetInput{DomainIdentifier: &w.domain, Identifier: noAccess[0].DataAssetId}); err != nil {
		t.Errorf("the skipped table's asset is gone: %v", err)
	}
	if res, _ := w.dz.Search(ctx, &dz.SearchInput{DomainIdentifier: &w.domain, SearchScope: types.InventorySearchScopeAsset, SearchText: aws.String("t4")}); res == nil || len(res.Items) != 1 {
		t.Errorf("search no longer finds the skipped table")
	}

	// The data source reports its last run.
	got, err = w.dz.GetDataSource(ctx, &dz.GetDataSourceInput{DomainIdentifier: &w.domain, Identifier: &ds})
	if err != nil || got.Status != types.DataSourceStatusReady || got.LastRunStatus != types.DataSourceRunStatusSuccess ||
		got.LastRunAt == nil || aws.ToInt32(got.LastRunAssetCount) != 3 {
		t.Errorf("GetDataSource after runs = status %s lastRun %s at %v count %v, %v", got.Status, got.LastRunStatus, got.LastRunAt, got.LastRunAssetCount, err)
	}

	// Paging of runs: 4 runs, newest first, 3 then 1.
	p1, err := w.dz.ListDataSourceRuns(ctx, &dz.ListDataSourceRunsInput{DomainIdentifier: &w.domain, DataSourceIdentifier: &ds, MaxResults: aws.Int32(3)})
	if err != nil || len(p1.Items) != 3 || p1.NextToken == nil || aws.ToString(p1.Items[0].Id) != aws.ToString(skipped.Id) {
		t.Fatalf("ListDataSourceRuns page 1 = %+v, %v", p1, err)
	}
	p2, err := w.dz.ListDataSourceRuns(ctx, &dz.ListDataSourceRunsInput{DomainIdentifier: &w.domain, DataSourceIdentifier: &ds, MaxResults: aws.Int32(3), NextToken: p1.NextToken})
	if err != nil || len(p2.Items) != 1 || p2.NextToken != nil || aws.ToString(p2.Items[0].Id) != aws.ToString(first.Id) {
		t.Fatalf("ListDataSourceRuns page 2 = %+v, %v", p2, err)
	}
	if none, err := w.dz.ListDataSourceRuns(ctx, &dz.ListDataSourceRunsInput{DomainIdentifier: &w.domain, DataSourceIdentifier: &ds, Status: types.DataSourceRunStatusFailed}); err != nil || len(none.Items) != 0 {
		t.Errorf("status filter FAILED: %+v, %v", none, err)
	}
	if _, err := w.dz.ListDataSourceRuns(ctx, &dz.ListDataSourceRunsInput{DomainIdentifier: &w.domain, DataSourceIdentifier: &ds, NextToken: aws.String("forged")}); errCode(err) != "ValidationException" {
		t.Errorf("forged nextToken: %v", err)
	}

	// Another account sees nothing of this one.
	other := dz.NewFromConfig(w.env.AWSFor(w.env.NewAccount(t, "222222222222")))
	if _, err := other.GetDataSource(ctx, &dz.GetDataSourceInput{DomainIdentifier: &w.domain, Identifier: &ds}); errCode(err) != "ResourceNotFoundException" {
		t.Errorf("second account reads the data source: %v", err)
	}
}

// TestStatisticsOnMariaDB checks added, unchanged and updated against real MariaDB.
func TestStatisticsOnMariaDB(t *testing.T) {
	w := newWorld(t, servertest.Options{})
	db := testdb.New(t, connector.MySQL, "surveyor_dzms")
	for i := 1; i <= 3; i++ {
		db.Exec(t, fmt.Sprintf("CREATE TABLE m%d (id int PRIMARY KEY, label varchar(20))", i))
	}
	arn := w.secret("maria-stats", dbSecret("mariadb", db.Source))
	ds := w.dataSource("maria-stats", redshift(arn, rf(db.Source.Database, "")))

	first := w.run(ds)
	if first.Status != types.DataSourceRunStatusSuccess || statsOf(first.RunStatisticsForAssets) != (stats{added: 3}) {
		t.Fatalf("first run over 3 tables: %s %+v %+v", first.Status, statsOf(first.RunStatisticsForAssets), first.ErrorMessage)
	}
	again := w.run(ds)
	if again.Status != types.DataSourceRunStatusSuccess || statsOf(again.RunStatisticsForAssets) != (stats{unchanged: 3}) {
		t.Fatalf("unchanged rerun: %s %+v", again.Status, statsOf(again.RunStatisticsForAssets))
	}
	db.Exec(t, "ALTER TABLE m1 ADD COLUMN extra int", "ALTER TABLE m3 MODIFY label varchar(40)")
	altered := w.run(ds)
	if altered.Status != types.DataSourceRunStatusSuccess || statsOf(altered.RunStatisticsForAssets) != (stats{updated: 2, unchanged: 1}) {
		t.Fatalf("after ALTER on 2 tables: %s %+v", altered.Status, statsOf(altered.RunStatisticsForAssets))
	}
	var updated []string
	for _, a := range w.activities(aws.ToString(altered.Id), types.DataAssetActivityStatusSucceededUpdated) {
		updated = append(updated, aws.ToString(a.TechnicalName))
	}
	if strings.Join(sorted(updated), ",") != "m1,m3" {
		t.Errorf("SUCCEEDED_UPDATED tables = %v, want m1 and m3", updated)
	}

	// glueRunConfiguration names the secret by name in connectionIdentifier (an Id36).
	w.secret("maria_glue", dbSecret("mariadb", db.Source))
	out, err := w.dz.CreateDataSource(context.Background(), &dz.CreateDataSourceInput{DomainIdentifier: &w.domain,
		ProjectIdentifier: &w.project, Name: aws.String("maria-glue"), Type: aws.String("GLUE"), ConnectionIdentifier: aws.String("maria_glue"),
		Configuration: &types.DataSourceConfigurationInputMemberGlueRunConfiguration{Value: types.GlueRunConfigurationInput{
			RelationalFilterConfigurations: []types.RelationalFilterConfiguration{rf(db.Source.Database, "", "INCLUDE m1")}}}})
	if err != nil {
		t.Fatalf("CreateDataSource with glueRunConfiguration: %v", err)
	}
	glue := w.run(aws.ToString(out.Id))
	if glue.Status != types.DataSourceRunStatusSuccess || statsOf(glue.RunStatisticsForAssets) != (stats{added: 1}) {
		t.Errorf("glue run over m1: %s %+v %+v", glue.Status, statsOf(glue.RunStatisticsForAssets), glue.ErrorMessage)
	}
}

func TestFiltersOnMariaDB(t *testing.T) {
	w := newWorld(t, servertest.Options{})
	db := testdb.New(t, connector.MySQL, "surveyor_dzf")
	for _, name := range []string{"orders", "orders_old", "customers", "tmp_x"} {
		db.Exec(t, "CREATE TABLE "+name+" (id int PRIMARY KEY)")
	}
	arn := w.secret("maria", dbSecret("mariadb", db.Source))
	for _, tc := range []struct {
		name    string
		filters []types.RelationalFilterConfiguration
		want    []string
	}{
		{"include then exclude", []types.RelationalFilterConfiguration{rf(db.Source.Database, "", "INCLUDE orders*", "EXCLUDE *_old")}, []string{"orders"}},
		{"exclude only", []types.RelationalFilterConfiguration{rf(db.Source.Database, "", "EXCLUDE tmp_*")}, []string{"customers", "orders", "orders_old"}},
		{"no expressions", []types.RelationalFilterConfiguration{rf(db.Source.Database, "")}, []string{"customers", "orders", "orders_old", "tmp_x"}},
		// The second configuration starts with EXCLUDE, so it includes the rest of its scope.
		{"two configurations", []types.RelationalFilterConfiguration{rf(db.Source.Database, "", "INCLUDE orders"),
			rf(db.Source.Database, "", "EXCLUDE tmp_*")}, []string{"customers", "orders", "orders_old"}},
		{"schema named as the database", []types.RelationalFilterConfiguration{rf(db.Source.Database, db.Source.Database, "INCLUDE c*")}, []string{"customers"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ds := w.dataSource(strings.ReplaceAll(tc.name, " ", "-"), redshift(arn, tc.filters...))
			r := w.run(ds)
			if r.Status != types.DataSourceRunStatusSuccess || statsOf(r.RunStatisticsForAssets) != (stats{added: int32(len(tc.want))}) {
				t.Fatalf("run: %s %+v %+v", r.Status, statsOf(r.RunStatisticsForAssets), r.ErrorMessage)
			}
			var names []string
			for _, a := range w.activities(aws.ToString(r.Id), "") {
				names = append(names, aws.ToString(a.TechnicalName))
			}
			if strings.Join(sorted(names), ",") != strings.Join(tc.want, ",") {
				t.Errorf("tables read = %v, want %v", names, tc.want)
			}
		})
	}
}

func sorted(s []string) []string {
	for i := range s {
		for j := i + 1; j < len(s); j++ {
			if s[j] < s[i] {
				s[i], s[j] = s[j], s[i]
			}
		}
	}
	return s
}

func TestRunFailuresSayWhy(t *testing.T) {
	w := newWorld(t, servertest.Options{})
	ctx := context.Background()
	my := testdb.New(t, connector.MySQL, "surveyor_dzauth")
	user := testdb.Name("dzu")
	my.Exec(t, fmt.Sprintf("CREATE USER '%s'@'%%' IDENTIFIED BY 'right-pw-123'", user))
	t.Cleanup(func() { my.SQL.Exec(fmt.Sprintf("DROP USER '%s'@'%%'", user)) })
	bad := dbSecret("mariadb", my.Source)
	bad["username"], bad["password"] = user, "wrong-pw-456"
	pg := testdb.Server(t, connector.Postgres)

	// A broken SQLite view fails one asset of two: PARTIALLY_SUCCEEDED.
	path := filepath.Join(t.TempDir(), "app.db")
	lite, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"CREATE TABLE a (id INTEGER PRIMARY KEY)", "CREATE TABLE gone (id INTEGER)",
		"CREATE VIEW broken AS SELECT id FROM gone", "DROP TABLE gone"} {
		if _, err := lite.Exec(s); err != nil {
			t.Fatal(err)
		}
	}
	lite.Close()

	for _, tc := range []struct {
		name, db, status, errorType, detail string
		secret                              map[string]any
		stats                               stats
	}{
		{"wrong password", my.Source.Database, "FAILED", "ACCESS_DENIED_EXCEPTION", "Access denied", bad, stats{-1, -1, -1, -1, -1}},
		{"missing database", "surveyor_nowhere", "FAILED", "RESOURCE_NOT_FOUND_EXCEPTION", "surveyor_nowhere",
			map[string]any{"engine": "postgres", "host": pg.Host, "port": pg.Port, "username": pg.User, "password": ""}, stats{-1, -1, -1, -1, -1}},
		{"broken view", "main", "PARTIALLY_SUCCEEDED", "INTERNAL_SERVER_EXCEPTION", "broken",
			map[string]any{"engine": "sqlite", "path": path}, stats{added: 1, failed: 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			arn := w.secret(strings.ReplaceAll(tc.name, " ", "-"), tc.secret)
			ds := w.dataSource(tc.name, redshift(arn, rf(tc.db, "")))
			r := w.run(ds)
			if string(r.Status) != tc.status || r.ErrorMessage == nil || string(r.ErrorMessage.ErrorType) != tc.errorType ||
				!strings.Contains(aws.ToString(r.ErrorMessage.ErrorDetail), tc.detail) || statsOf(r.RunStatisticsForAssets) != tc.stats {
				t.Fatalf("run = %s %+v %+v; want %s %s mentioning %q", r.Status, r.ErrorMessage, statsOf(r.RunStatisticsForAssets), tc.status, tc.errorType, tc.detail)
			}
			if strings.Contains(aws.ToString(r.ErrorMessage.ErrorDetail), "wrong-pw-456") {
				t.Errorf("the password leaked into the error")
			}
			got, err := w.dz.GetDataSource(ctx, &dz.GetDataSourceInput{DomainIdentifier: &w.domain, Identifier: &ds})
			if err != nil || string(got.LastRunStatus) != tc.status || got.LastRunErrorMessage == nil || string(got.LastRunErrorMessage.ErrorType) != tc.errorType {
				t.Errorf("GetDataSource lastRun = %s %+v, %v", got.LastRunStatus, got.LastRunErrorMessage, err)
			}
			if tc.status == "PARTIALLY_SUCCEEDED" {
				failed := w.activities(aws.ToString(r.Id), types.DataAssetActivityStatusFailed)
				if len(failed) != 1 || aws.ToString(failed[0].TechnicalName) != "broken" || failed[0].ErrorMessage == nil {
					t.Errorf("FAILED activities = %+v", failed)
				}
			}
		})
	}

	// A data source whose secret does not exist is FAILED_CREATION and does not run.
	missing := w.dataSource("missing-secret", redshift("arn:aws:secretsmanager:us-east-1:111111111111:secret:nope-abcdef", rf("db", "")))
	got, err := w.dz.GetDataSource(ctx, &dz.GetDataSourceInput{DomainIdentifier: &w.domain, Identifier: &missing})
	if err != nil || got.Status != types.DataSourceStatusFailedCreation || got.ErrorMessage == nil ||
		got.ErrorMessage.ErrorType != types.DataSourceErrorTypeResourceNotFoundException {
		t.Errorf("data source with a missing secret = %s %+v, %v", got.Status, got.ErrorMessage, err)
	}
	if _, err := w.dz.StartDataSourceRun(ctx, &dz.StartDataSourceRunInput{DomainIdentifier: &w.domain, DataSourceIdentifier: &missing}); errCode(err) != "ConflictException" {
		t.Errorf("run of a FAILED_CREATION data source: %v", err)
	}
}

// silentServer accepts connections and never answers, so a run stays RUNNING until it is closed.
func silentServer(t *testing.T) (port int, stop func()) {
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
	stop = func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	}
	t.Cleanup(stop)
	return ln.Addr().(*net.TCPAddr).Port, stop
}

func TestIdempotencyAndConflict(t *testing.T) {
	w := newWorld(t, servertest.Options{})
	ctx := context.Background()
	port, stop := silentServer(t)
	arn := w.secret("silent", map[string]any{"engine": "postgres", "host": "127.0.0.1", "port": port, "username": "u", "password": "p", "dbname": "db"})
	ds := w.dataSource("silent", redshift(arn, rf("db", "")))

	a, err := w.dz.StartDataSourceRun(ctx, &dz.StartDataSourceRunInput{DomainIdentifier: &w.domain, DataSourceIdentifier: &ds, ClientToken: aws.String("same-token")})
	if err != nil {
		t.Fatal(err)
	}
	b, err := w.dz.StartDataSourceRun(ctx, &dz.StartDataSourceRunInput{DomainIdentifier: &w.domain, DataSourceIdentifier: &ds, ClientToken: aws.String("same-token")})
	if err != nil || aws.ToString(a.Id) != aws.ToString(b.Id) {
		t.Fatalf("same clientToken: %v then %v (%v)", aws.ToString(a.Id), aws.ToString(b.Id), err)
	}
	if _, err := w.dz.StartDataSourceRun(ctx, &dz.StartDataSourceRunInput{DomainIdentifier: &w.domain, DataSourceIdentifier: &ds, ClientToken: aws.String("other-token")}); errCode(err) != "ConflictException" {
		t.Fatalf("second run while one is active: %v", err)
	}
	// While the run is active the data source is RUNNING.
	deadline := time.Now().Add(10 * time.Second)
	for {
		got, err := w.dz.GetDataSource(ctx, &dz.GetDataSourceInput{DomainIdentifier: &w.domain, Identifier: &ds})
		if err != nil {
			t.Fatal(err)
		}
		if got.Status == types.DataSourceStatusRunning {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("data source status %s while a run is active", got.Status)
		}
		time.Sleep(20 * time.Millisecond)
	}
	stop()
	r := w.wait(aws.ToString(a.Id))
	if r.Status != types.DataSourceRunStatusFailed {
		t.Errorf("run against a closed server: %s", r.Status)
	}
	// After the run ended, the same token still answers with the same run; a new token starts a new one.
	c, err := w.dz.StartDataSourceRun(ctx, &dz.StartDataSourceRunInput{DomainIdentifier: &w.domain, DataSourceIdentifier: &ds, ClientToken: aws.String("same-token")})
	if err != nil || aws.ToString(c.Id) != aws.ToString(a.Id) || c.Status != types.DataSourceRunStatusFailed {
		t.Errorf("same token after the end: %v %v", c, err)
	}
}

// movable is a clock a test can move forward.
type movable struct{ offset atomic.Int64 }

func (m *movable) Now() time.Time          { return time.Now().Add(time.Duration(m.offset.Load())) }
func (m *movable) Advance(d time.Duration) { m.offset.Add(int64(d)) }

func TestScheduleFiresUnderAFakeClock(t *testing.T) {
	clock := &movable{}
	w := newWorld(t, servertest.Options{Now: clock.Now})
	ctx := context.Background()
	db := testdb.New(t, connector.Postgres, "surveyor_dzs")
	db.Exec(t, "CREATE TABLE t (id int)")
	arn := w.secret("pg", dbSecret("postgres", db.Source))
	// The SDK signs with the real clock and the server refuses signatures more than 15 minutes
	// off, so the cron names a Paris wall-clock minute 5 minutes ahead and the clock moves 7.
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	at := time.Now().Add(5 * time.Minute).In(paris)
	cron := fmt.Sprintf("cron(%d %d * * ? *)", at.Minute(), at.Hour())
	mk := func(name string, enable types.EnableSetting) string {
		out, err := w.dz.CreateDataSource(ctx, &dz.CreateDataSourceInput{DomainIdentifier: &w.domain, ProjectIdentifier: &w.project,
			Name: aws.String(name), Type: aws.String("REDSHIFT"), Configuration: redshift(arn, rf(db.Source.Database, "public")),
			EnableSetting: enable, Schedule: &types.ScheduleConfiguration{Schedule: aws.String(cron), Timezone: types.TimezoneEuropeParis}})
		if err != nil {
			t.Fatalf("CreateDataSource %s: %v", name, err)
		}
		return aws.ToString(out.Id)
	}
	on, off := mk("on", types.EnableSettingEnabled), mk("off", types.EnableSettingDisabled)
	time.Sleep(1500 * time.Millisecond) // a tick before the cron time fires nothing
	if list, err := w.dz.ListDataSourceRuns(ctx, &dz.ListDataSourceRunsInput{DomainIdentifier: &w.domain, DataSourceIdentifier: &on}); err != nil || len(list.Items) != 0 {
		t.Fatalf("runs before the cron time: %+v, %v", list, err)
	}
	clock.Advance(7 * time.Minute)

	deadline := time.Now().Add(20 * time.Second)
	var scheduled types.DataSourceRunSummary
	for {
		list, err := w.dz.ListDataSourceRuns(ctx, &dz.ListDataSourceRunsInput{DomainIdentifier: &w.domain, DataSourceIdentifier: &on})
		if err != nil {
			t.Fatal(err)
		}
		if len(list.Items) > 0 {
			scheduled = list.Items[0]
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no SCHEDULED run 20 s after the clock passed the cron time")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if scheduled.Type != types.DataSourceRunTypeScheduled {
		t.Errorf("run type %s, want SCHEDULED", scheduled.Type)
	}
	r := w.wait(aws.ToString(scheduled.Id))
	if r.Status != types.DataSourceRunStatusSuccess || statsOf(r.RunStatisticsForAssets) != (stats{added: 1}) ||
		!strings.Contains(aws.ToString(r.DataSourceConfigurationSnapshot), "relationalFilterConfigurations") {
		t.Errorf("scheduled run = %s %+v snapshot %s", r.Status, statsOf(r.RunStatisticsForAssets), aws.ToString(r.DataSourceConfigurationSnapshot))
	}
	time.Sleep(1500 * time.Millisecond) // more than a scheduler tick
	if list, err := w.dz.ListDataSourceRuns(ctx, &dz.ListDataSourceRunsInput{DomainIdentifier: &w.domain, DataSourceIdentifier: &off}); err != nil || len(list.Items) != 0 {
		t.Errorf("DISABLED data source ran: %+v, %v", list, err)
	}
}

func TestValidationAndNotFound(t *testing.T) {
	w := newWorld(t, servertest.Options{})
	ctx := context.Background()
	arn := w.secret("any", map[string]any{"engine": "postgres", "host": "127.0.0.1", "port": 5432, "username": "u", "password": "p"})
	good := redshift(arn, rf("db", ""))
	create := func(mod func(*dz.CreateDataSourceInput)) error {
		in := &dz.CreateDataSourceInput{DomainIdentifier: &w.domain, ProjectIdentifier: &w.project, Name: aws.String("v"),
			Type: aws.String("REDSHIFT"), Configuration: good}
		mod(in)
		_, err := w.dz.CreateDataSource(ctx, in)
		return err
	}
	for _, tc := range []struct {
		name string
		err  error
		code string
	}{
		{"bad domain id", func() error {
			_, err := w.dz.GetDomain(ctx, &dz.GetDomainInput{Identifier: aws.String("nope")})
			return err
		}(), "ValidationException"},
		{"bad data source id", func() error {
			_, err := w.dz.GetDataSource(ctx, &dz.GetDataSourceInput{DomainIdentifier: &w.domain, Identifier: aws.String("bad id!")})
			return err
		}(), "ValidationException"},
		{"bad cron", create(func(in *dz.CreateDataSourceInput) {
			in.Schedule = &types.ScheduleConfiguration{Schedule: aws.String("cron(0 12 * * *)")}
		}), "ValidationException"},
		{"cron the model accepts but AWS cron rejects", create(func(in *dz.CreateDataSourceInput) {
			in.Schedule = &types.ScheduleConfiguration{Schedule: aws.String("cron(0 12 * * * *)")}
		}), "ValidationException"},
		{"bad timezone", create(func(in *dz.CreateDataSourceInput) {
			in.Schedule = &types.ScheduleConfiguration{Schedule: aws.String("cron(0 12 * * ? *)"), Timezone: "MARS_OLYMPUS"}
		}), "ValidationException"},
		{"bad enableSetting", create(func(in *dz.CreateDataSourceInput) { in.EnableSetting = "MAYBE" }), "ValidationException"},
		{"name too long", create(func(in *dz.CreateDataSourceInput) { in.Name = aws.String(strings.Repeat("n", 257)) }), "ValidationException"},
		{"two databases", create(func(in *dz.CreateDataSourceInput) { in.Configuration = redshift(arn, rf("a", ""), rf("b", "")) }), "ValidationException"},
		{"bad filter type", create(func(in *dz.CreateDataSourceInput) { in.Configuration = redshift(arn, rf("a", "", "KEEP x")) }), "ValidationException"},
		{"glue catalog without a database", create(func(in *dz.CreateDataSourceInput) {
			in.Configuration = &types.DataSourceConfigurationInputMemberGlueRunConfiguration{Value: types.GlueRunConfigurationInput{
				RelationalFilterConfigurations: []types.RelationalFilterConfiguration{}}}
		}), "ValidationException"},
		{"connectionIdentifier naming a secret with a slash", create(func(in *dz.CreateDataSourceInput) {
			in.ConnectionIdentifier = aws.String("prod/shop/reader")
			in.Configuration = &types.DataSourceConfigurationInputMemberGlueRunConfiguration{Value: types.GlueRunConfigurationInput{
				RelationalFilterConfigurations: []types.RelationalFilterConfiguration{rf("a", "")}}}
		}), "ValidationException"},
		{"connectionIdentifier longer than 36", create(func(in *dz.CreateDataSourceInput) {
			in.ConnectionIdentifier = aws.String(strings.Repeat("s", 37))
			in.Configuration = &types.DataSourceConfigurationInputMemberGlueRunConfiguration{Value: types.GlueRunConfigurationInput{
				RelationalFilterConfigurations: []types.RelationalFilterConfiguration{rf("a", "")}}}
		}), "ValidationException"},
		{"unknown project", create(func(in *dz.CreateDataSourceInput) { in.ProjectIdentifier = aws.String("abcdefghijklmn") }), "ResourceNotFoundException"},
		{"unknown domain", func() error {
			_, err := w.dz.GetDomain(ctx, &dz.GetDomainInput{Identifier: aws.String("dzd_abcdefghijklmn")})
			return err
		}(), "ResourceNotFoundException"},
		{"unknown data source", func() error {
			_, err := w.dz.StartDataSourceRun(ctx, &dz.StartDataSourceRunInput{DomainIdentifier: &w.domain, DataSourceIdentifier: aws.String("abcdefghijklmn")})
			return err
		}(), "ResourceNotFoundException"},
		{"unknown run", func() error {
			_, err := w.dz.GetDataSourceRun(ctx, &dz.GetDataSourceRunInput{DomainIdentifier: &w.domain, Identifier: aws.String("abcdefghijklmn")})
			return err
		}(), "ResourceNotFoundException"},
		{"unknown asset", func() error {
			_, err := w.dz.GetAsset(ctx, &dz.GetAssetInput{DomainIdentifier: &w.domain, Identifier: aws.String("abcdefghijklmn")})
			return err
		}(), "ResourceNotFoundException"},
		{"bad run status filter", func() error {
			_, err := w.dz.ListDataSourceRuns(ctx, &dz.ListDataSourceRunsInput{DomainIdentifier: &w.domain, DataSourceIdentifier: aws.String("abcdefghijklmn"), Status: "DONE"})
			return err
		}(), "ValidationException"},
		{"maxResults out of range", func() error {
			_, err := w.dz.ListDataSources(ctx, &dz.ListDataSourcesInput{DomainIdentifier: &w.domain, ProjectIdentifier: &w.project, MaxResults: aws.Int32(51)})
			return err
		}(), "ValidationException"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := errCode(tc.err); got != tc.code {
				t.Errorf("error %v; want %s", tc.err, tc.code)
			}
		})
	}

	// A valid data source: 201, CREATING, then READY; list, update, delete.
	out, err := w.dz.CreateDataSource(ctx, &dz.CreateDataSourceInput{DomainIdentifier: &w.domain, ProjectIdentifier: &w.project,
		Name: aws.String("ok"), Type: aws.String("REDSHIFT"), Configuration: good, ClientToken: aws.String("ds-token"),
		Schedule: &types.ScheduleConfiguration{Schedule: aws.String("cron(0 12 * * ? *)"), Timezone: types.TimezoneUtc}})
	if err != nil || out.Status != types.DataSourceStatusCreating || out.CreatedAt == nil {
		t.Fatalf("CreateDataSource = %+v, %v", out, err)
	}
	again, err := w.dz.CreateDataSource(ctx, &dz.CreateDataSourceInput{DomainIdentifier: &w.domain, ProjectIdentifier: &w.project,
		Name: aws.String("ok"), Type: aws.String("REDSHIFT"), Configuration: good, ClientToken: aws.String("ds-token"),
		Schedule: &types.ScheduleConfiguration{Schedule: aws.String("cron(0 12 * * ? *)"), Timezone: types.TimezoneUtc}})
	if err != nil || aws.ToString(again.Id) != aws.ToString(out.Id) {
		t.Errorf("CreateDataSource with the same clientToken and body = %v, %v", again, err)
	}
	for name, mod := range map[string]func(*dz.CreateDataSourceInput){
		"without the schedule": func(in *dz.CreateDataSourceInput) { in.Schedule = nil },
		"another name":         func(in *dz.CreateDataSourceInput) { in.Name = aws.String("ok2") },
		"another database": func(in *dz.CreateDataSourceInput) {
			in.Configuration = redshift(arn, rf("db2", ""))
		},
	} {
		in := &dz.CreateDataSourceInput{DomainIdentifier: &w.domain, ProjectIdentifier: &w.project,
			Name: aws.String("ok"), Type: aws.String("REDSHIFT"), Configuration: good, ClientToken: aws.String("ds-token"),
			Schedule: &types.ScheduleConfiguration{Schedule: aws.String("cron(0 12 * * ? *)"), Timezone: types.TimezoneUtc}}
		mod(in)
		_, err := w.dz.CreateDataSource(ctx, in)
		var ae smithy.APIError
		if !errors.As(err, &ae) || ae.ErrorCode() != "ConflictException" || !strings.Contains(ae.ErrorMessage(), "ds-token") {
			t.Errorf("CreateDataSource reusing ds-token %s: %v; want ConflictException naming the token", name, err)
		}
	}
	if _, err := w.dz.CreateDataSource(ctx, &dz.CreateDataSourceInput{DomainIdentifier: &w.domain, ProjectIdentifier: &w.project,
		Name: aws.String("ok"), Type: aws.String("REDSHIFT"), Configuration: good}); errCode(err) != "ConflictException" {
		t.Errorf("duplicate name: %v", err)
	}
	for i := range 3 {
		w.dataSource(fmt.Sprintf("extra-%d", i), good)
	}
	var names []string
	p := dz.NewListDataSourcesPaginator(w.dz, &dz.ListDataSourcesInput{DomainIdentifier: &w.domain, ProjectIdentifier: &w.project, MaxResults: aws.Int32(3)})
	pages := 0
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, s := range page.Items {
			names = append(names, aws.ToString(s.Name))
		}
	}
	if pages != 2 || strings.Join(names, ",") != "ok,extra-0,extra-1,extra-2" {
		t.Errorf("ListDataSources: %d pages %v", pages, names)
	}
	upd, err := w.dz.UpdateDataSource(ctx, &dz.UpdateDataSourceInput{DomainIdentifier: &w.domain, Identifier: out.Id,
		Description: aws.String("nightly"), EnableSetting: types.EnableSettingDisabled})
	if err != nil || aws.ToString(upd.Description) != "nightly" || upd.EnableSetting != types.EnableSettingDisabled || upd.Schedule == nil {
		t.Errorf("UpdateDataSource = %+v, %v", upd, err)
	}
	del, err := w.dz.DeleteDataSource(ctx, &dz.DeleteDataSourceInput{DomainIdentifier: &w.domain, Identifier: out.Id, ClientToken: aws.String("del-1")})
	if err != nil || del.Status != types.DataSourceStatusDeleting || aws.ToString(del.Name) != "ok" {
		t.Fatalf("DeleteDataSource = %+v, %v", del, err)
	}
	if _, err := w.dz.GetDataSource(ctx, &dz.GetDataSourceInput{DomainIdentifier: &w.domain, Identifier: out.Id}); errCode(err) != "ResourceNotFoundException" {
		t.Errorf("deleted data source: %v", err)
	}
	// A retried delete with the same clientToken gets the same answer; another token finds nothing.
	retry, err := w.dz.DeleteDataSource(ctx, &dz.DeleteDataSourceInput{DomainIdentifier: &w.domain, Identifier: out.Id, ClientToken: aws.String("del-1")})
	if err != nil || retry.Status != types.DataSourceStatusDeleting || aws.ToString(retry.Id) != aws.ToString(out.Id) ||
		aws.ToString(retry.Name) != "ok" || aws.ToString(retry.Description) != "nightly" || retry.CreatedAt == nil || !retry.CreatedAt.Equal(*del.CreatedAt) {
		t.Errorf("DeleteDataSource retried with the same clientToken = %+v, %v; want the first answer", retry, err)
	}
	if _, err := w.dz.DeleteDataSource(ctx, &dz.DeleteDataSourceInput{DomainIdentifier: &w.domain, Identifier: out.Id, ClientToken: aws.String("del-2")}); errCode(err) != "ResourceNotFoundException" {
		t.Errorf("DeleteDataSource of a deleted data source with a new clientToken: %v", err)
	}
	// The SDK fills in a fresh token when none is given: a second delete is not found.
	if _, err := w.dz.DeleteDataSource(ctx, &dz.DeleteDataSourceInput{DomainIdentifier: &w.domain, Identifier: out.Id}); errCode(err) != "ResourceNotFoundException" {
		t.Errorf("DeleteDataSource of a deleted data source without a clientToken: %v", err)
	}
	// The token of a finished delete cannot delete another data source.
	other := w.dataSource("other", good)
	if _, err := w.dz.DeleteDataSource(ctx, &dz.DeleteDataSourceInput{DomainIdentifier: &w.domain, Identifier: &other, ClientToken: aws.String("del-1")}); errCode(err) != "ConflictException" {
		t.Errorf("DeleteDataSource of another data source with a used clientToken: %v", err)
	}
	if _, err := w.dz.GetDataSource(ctx, &dz.GetDataSourceInput{DomainIdentifier: &w.domain, Identifier: &other}); err != nil {
		t.Errorf("the other data source was deleted: %v", err)
	}
}

// TestScheduleMessagesSayWhatIsExpected: a schedule DataZone cannot take is a ValidationException
// whose message says what a cron() needs, not the model's regular expression, and never repeats
// the (sensitive) expression.
func TestScheduleMessagesSayWhatIsExpected(t *testing.T) {
	w := newWorld(t, servertest.Options{})
	ctx := context.Background()
	arn := w.secret("any", map[string]any{"engine": "postgres", "host": "127.0.0.1", "port": 5432, "username": "u", "password": "p"})
	ds := w.dataSource("scheduled", redshift(arn, rf("db", "")))
	for _, tc := range []struct {
		schedule string
		want     []string
	}{
		{"cron(0 12 * * *)", []string{"cron() needs 6 fields: minutes hours day-of-month month day-of-week year; got 5", "cron(0 12 * * ? *)"}},
		{"cron(0 0 12 * * ? *)", []string{"cron() needs 6 fields: minutes hours day-of-month month day-of-week year; got 7", "seconds"}},
		{"rate(5 minutes)", []string{"only cron() is accepted here, not rate()", "cron() needs 6 fields: minutes hours day-of-month month day-of-week year"}},
		{"15 3 * * ?", []string{"only cron() is accepted here; write the fields inside cron()", "cron() needs 6 fields"}},
		{"cron(0 12 * * * *)", []string{"day-of-month and day-of-week cannot both be specified"}},
		{"cron(0/15 * * * ? *)", []string{"a single minute (0-59) and a single hour (0-23)"}},
	} {
		t.Run(tc.schedule, func(t *testing.T) {
			check := func(op string, err error) {
				t.Helper()
				var ve *types.ValidationException
				if !errors.As(err, &ve) {
					t.Fatalf("%s with schedule %q: %v; want a ValidationException", op, tc.schedule, err)
				}
				msg := aws.ToString(ve.Message)
				for _, want := range tc.want {
					if !strings.Contains(msg, want) {
						t.Errorf("%s message %q does not say %q", op, msg, want)
					}
				}
				if !strings.Contains(msg, "'schedule.schedule'") || strings.Contains(msg, "regular expression") && !strings.Contains(tc.schedule, "0/15") {
					t.Errorf("%s message %q: want the member named and no regular expression", op, msg)
				}
				if strings.Contains(msg, tc.schedule) {
					t.Errorf("%s message %q repeats the sensitive schedule", op, msg)
				}
			}
			sc := &types.ScheduleConfiguration{Schedule: aws.String(tc.schedule), Timezone: types.TimezoneUtc}
			_, err := w.dz.CreateDataSource(ctx, &dz.CreateDataSourceInput{DomainIdentifier: &w.domain, ProjectIdentifier: &w.project,
				Name: aws.String("s"), Type: aws.String("REDSHIFT"), Configuration: redshift(arn, rf("db", "")), Schedule: sc})
			check("CreateDataSource", err)
			_, err = w.dz.UpdateDataSource(ctx, &dz.UpdateDataSourceInput{DomainIdentifier: &w.domain, Identifier: &ds, Schedule: sc})
			check("UpdateDataSource", err)
		})
	}
	// The timezone is optional (UTC).
	out, err := w.dz.UpdateDataSource(ctx, &dz.UpdateDataSourceInput{DomainIdentifier: &w.domain, Identifier: &ds,
		Schedule: &types.ScheduleConfiguration{Schedule: aws.String("cron(0 12 * * ? *)")}})
	if err != nil || out.Schedule == nil || aws.ToString(out.Schedule.Schedule) != "cron(0 12 * * ? *)" {
		t.Errorf("a schedule without a timezone: %+v, %v", out, err)
	}
}

// TestPlantedFunctionsNeverRunOnPostgres: a source owner planted, in public, functions and
// operators named like the catalog functions a scan calls, each recording that it ran and
// raising. A DataZone run reads the schema right and runs none of them.
func TestPlantedFunctionsNeverRunOnPostgres(t *testing.T) {
	w := newWorld(t, servertest.Options{})
	ctx := context.Background()
	db := testdb.New(t, connector.Postgres, "surveyor_dzplant")
	db.Exec(t, testdb.PlantedSchema...)
	traps := testdb.PlantPostgres(t, db)
	arn := w.secret("pg-planted", dbSecret("postgres", db.Source))
	ds := w.dataSource("planted", redshift(arn, rf(db.Source.Database, "public", "INCLUDE *")))

	run := w.run(ds)
	if ran := traps.Ran(t); len(ran) > 0 {
		t.Fatalf("the run ran planted code: %v", ran)
	}
	if run.Status != types.DataSourceRunStatusSuccess || statsOf(run.RunStatisticsForAssets) != (stats{added: 6}) {
		t.Fatalf("run: %s %+v %v", run.Status, statsOf(run.RunStatisticsForAssets), aws.ToString(run.ErrorMessage.ErrorDetail))
	}
	var people string
	for _, a := range w.activities(aws.ToString(run.Id), "") {
		if aws.ToString(a.TechnicalName) == "people" {
			people = aws.ToString(a.DataAssetId)
		}
	}
	asset, err := w.dz.GetAsset(ctx, &dz.GetAssetInput{DomainIdentifier: &w.domain, Identifier: &people})
	if err != nil {
		t.Fatalf("GetAsset people: %v", err)
	}
	var form struct {
		Columns []struct{ ColumnName, DataType string }
	}
	if err := json.Unmarshal([]byte(aws.ToString(asset.FormsOutput[0].Content)), &form); err != nil {
		t.Fatal(err)
	}
	var cols []string
	for _, c := range form.Columns {
		cols = append(cols, c.ColumnName+" "+c.DataType)
	}
	if got := strings.Join(cols, ", "); got != "id integer, name text, feeling public.mood, age integer" {
		t.Errorf("people columns = %s", got)
	}
}
