package datazone_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	dz "github.com/aws/aws-sdk-go-v2/service/datazone"
	"github.com/aws/aws-sdk-go-v2/service/datazone/types"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	gt "github.com/aws/aws-sdk-go-v2/service/glue/types"

	"github.com/surveyorhq/surveyor/internal/server/servertest"
)

func glueTable(name, tableType string, cols ...string) *gt.TableInput {
	in := &gt.TableInput{Name: aws.String(name), TableType: aws.String(tableType),
		Parameters:        map[string]string{"classification": "parquet", "recordCount": "42"},
		StorageDescriptor: &gt.StorageDescriptor{Location: aws.String("s3://lake/sales/" + name + "/")}}
	for _, c := range cols {
		n, typ, _ := strings.Cut(c, " ")
		in.StorageDescriptor.Columns = append(in.StorageDescriptor.Columns, gt.Column{Name: aws.String(n), Type: aws.String(typ)})
	}
	return in
}

// glueDataSource creates a GLUE data source as on AWS: no connectionIdentifier, a Glue database
// in relationalFilterConfigurations.
func (w *world) glueDataSource(name string, filters ...types.RelationalFilterConfiguration) string {
	w.t.Helper()
	out, err := w.dz.CreateDataSource(context.Background(), &dz.CreateDataSourceInput{DomainIdentifier: &w.domain,
		ProjectIdentifier: &w.project, Name: aws.String(name), Type: aws.String("GLUE"),
		Configuration: &types.DataSourceConfigurationInputMemberGlueRunConfiguration{Value: types.GlueRunConfigurationInput{
			RelationalFilterConfigurations: filters}}})
	if err != nil {
		w.t.Fatalf("CreateDataSource %s: %v", name, err)
	}
	return aws.ToString(out.Id)
}

// TestGlueDataSourceReadsTheGlueCatalog: tables created through the Glue API are imported by a
// GLUE data source run, with AWS's asset types and a GlueTableForm filled from the table; a
// changed table is updated on the next run; a missing Glue database fails the run.
func TestGlueDataSourceReadsTheGlueCatalog(t *testing.T) {
	w := newWorld(t, servertest.Options{})
	ctx := context.Background()
	g := glue.NewFromConfig(w.env.AWS())
	if _, err := g.CreateDatabase(ctx, &glue.CreateDatabaseInput{DatabaseInput: &gt.DatabaseInput{Name: aws.String("sales")}}); err != nil {
		t.Fatal(err)
	}
	orders := glueTable("orders", "EXTERNAL_TABLE", "id bigint", "amount decimal(10,2)")
	orders.PartitionKeys = []gt.Column{{Name: aws.String("year"), Type: aws.String("string")}}
	orders.Description = aws.String("one row per order")
	for _, in := range []*gt.TableInput{orders, glueTable("customers", "EXTERNAL_TABLE", "id bigint", "email string"),
		glueTable("order_totals", "VIRTUAL_VIEW", "year string", "total double"), glueTable("tmp_scratch", "EXTERNAL_TABLE", "x int")} {
		if _, err := g.CreateTable(ctx, &glue.CreateTableInput{DatabaseName: aws.String("sales"), TableInput: in}); err != nil {
			t.Fatal(err)
		}
	}
	ds := w.glueDataSource("lake", rf("Sales", "", "INCLUDE *", "EXCLUDE tmp_*"))
	got, err := w.dz.GetDataSource(ctx, &dz.GetDataSourceInput{DomainIdentifier: &w.domain, Identifier: &ds})
	gc, ok := got.Configuration.(*types.DataSourceConfigurationOutputMemberGlueRunConfiguration)
	if err != nil || !ok || got.Status != types.DataSourceStatusReady || aws.ToString(gc.Value.AccountId) != w.env.Key.AccountID || aws.ToString(gc.Value.Region) != "us-east-1" {
		t.Fatalf("GetDataSource: %+v %v", got.Configuration, err)
	}

	first := w.run(ds)
	if first.Status != types.DataSourceRunStatusSuccess || statsOf(first.RunStatisticsForAssets) != (stats{added: 3}) {
		t.Fatalf("first run: %s %+v %+v", first.Status, statsOf(first.RunStatisticsForAssets), first.ErrorMessage)
	}
	assets := map[string]*dz.GetAssetOutput{}
	for _, a := range w.activities(aws.ToString(first.Id), types.DataAssetActivityStatusSucceededCreated) {
		asset, err := w.dz.GetAsset(ctx, &dz.GetAssetInput{DomainIdentifier: &w.domain, Identifier: a.DataAssetId})
		if err != nil {
			t.Fatalf("GetAsset: %v", err)
		}
		assets[aws.ToString(asset.Name)] = asset
	}
	if len(assets) != 3 || assets["tmp_scratch"] != nil {
		t.Fatalf("imported %v", slices.Sorted(func(yield func(string) bool) {
			for k := range assets {
				if !yield(k) {
					return
				}
			}
		}))
	}
	arn := fmt.Sprintf("arn:aws:glue:us-east-1:%s:table/sales/orders", w.env.Key.AccountID)
	o := assets["orders"]
	if aws.ToString(o.TypeIdentifier) != "amazon.datazone.GlueTableAssetType" || aws.ToString(o.ExternalIdentifier) != arn ||
		aws.ToString(assets["order_totals"].TypeIdentifier) != "amazon.datazone.GlueViewAssetType" {
		t.Fatalf("asset types: orders %s (%s), order_totals %s", aws.ToString(o.TypeIdentifier), aws.ToString(o.ExternalIdentifier),
			aws.ToString(assets["order_totals"].TypeIdentifier))
	}
	type col struct{ ColumnName, DataType string }
	var form struct {
		CatalogID            string `json:"catalogId"`
		Region               string `json:"region"`
		DatabaseName         string `json:"databaseName"`
		TableName            string `json:"tableName"`
		TableArn             string `json:"tableArn"`
		TableDescription     string `json:"tableDescription"`
		Columns              []col  `json:"columns"`
		PartitionKeys        []col  `json:"partitionKeys"`
		SourceLocation       string `json:"sourceLocation"`
		SourceClassification string `json:"sourceClassification"`
	}
	if o.FormsOutput[0].FormName == nil || *o.FormsOutput[0].FormName != "GlueTableForm" ||
		aws.ToString(o.FormsOutput[0].TypeName) != "amazon.datazone.GlueTableFormType" {
		t.Fatalf("forms: %+v", o.FormsOutput)
	}
	if err := json.Unmarshal([]byte(aws.ToString(o.FormsOutput[0].Content)), &form); err != nil {
		t.Fatal(err)
	}
	if form.CatalogID != w.env.Key.AccountID || form.Region != "us-east-1" || form.DatabaseName != "sales" || form.TableName != "orders" ||
		form.TableArn != arn || form.TableDescription != "one row per order" || form.SourceLocation != "s3://lake/sales/orders/" ||
		form.SourceClassification != "parquet" || !slices.Equal(form.Columns, []col{{"id", "bigint"}, {"amount", "decimal(10,2)"}}) ||
		!slices.Equal(form.PartitionKeys, []col{{"year", "string"}}) {
		t.Fatalf("GlueTableForm: %s", aws.ToString(o.FormsOutput[0].Content))
	}

	// Unchanged, then a new column and a moved location on one table: updated 1.
	if again := w.run(ds); statsOf(again.RunStatisticsForAssets) != (stats{unchanged: 3}) {
		t.Fatalf("rerun: %+v", statsOf(again.RunStatisticsForAssets))
	}
	orders.StorageDescriptor.Columns = append(orders.StorageDescriptor.Columns, gt.Column{Name: aws.String("note"), Type: aws.String("string")})
	if _, err := g.UpdateTable(ctx, &glue.UpdateTableInput{DatabaseName: aws.String("sales"), TableInput: orders}); err != nil {
		t.Fatal(err)
	}
	changed := w.run(ds)
	if statsOf(changed.RunStatisticsForAssets) != (stats{updated: 1, unchanged: 2}) {
		t.Fatalf("after UpdateTable: %+v", statsOf(changed.RunStatisticsForAssets))
	}
	upd := w.activities(aws.ToString(changed.Id), types.DataAssetActivityStatusSucceededUpdated)
	if len(upd) != 1 || aws.ToString(upd[0].TechnicalName) != "orders" {
		t.Fatalf("updated activities: %+v", upd)
	}
	o2, err := w.dz.GetAsset(ctx, &dz.GetAssetInput{DomainIdentifier: &w.domain, Identifier: upd[0].DataAssetId})
	if err != nil || aws.ToString(o2.Revision) != "2" || !strings.Contains(aws.ToString(o2.FormsOutput[0].Content), `{"columnName":"note","dataType":"string"}`) {
		t.Fatalf("updated asset: %v %v", o2, err)
	}

	// A Glue database that does not exist fails the run and says which.
	missing := w.glueDataSource("missing", rf("nope", ""))
	failed := w.run(missing)
	if failed.Status != types.DataSourceRunStatusFailed || failed.ErrorMessage == nil ||
		failed.ErrorMessage.ErrorType != types.DataSourceErrorTypeResourceNotFoundException ||
		!strings.Contains(aws.ToString(failed.ErrorMessage.ErrorDetail), "Glue database nope was not found") {
		t.Fatalf("missing database: %s %+v", failed.Status, failed.ErrorMessage)
	}
	// Only the account's default catalog exists.
	other, err := w.dz.CreateDataSource(ctx, &dz.CreateDataSourceInput{DomainIdentifier: &w.domain, ProjectIdentifier: &w.project,
		Name: aws.String("other-catalog"), Type: aws.String("GLUE"),
		Configuration: &types.DataSourceConfigurationInputMemberGlueRunConfiguration{Value: types.GlueRunConfigurationInput{
			CatalogName: aws.String("s3tablescatalog"), RelationalFilterConfigurations: []types.RelationalFilterConfiguration{rf("sales", "")}}}})
	if err != nil {
		t.Fatal(err)
	}
	if r := w.run(aws.ToString(other.Id)); r.Status != types.DataSourceRunStatusFailed || !strings.Contains(aws.ToString(r.ErrorMessage.ErrorDetail), "s3tablescatalog") {
		t.Fatalf("other catalog: %s %+v", r.Status, r.ErrorMessage)
	}

	// A table dropped from Glue is not failed: the next complete run counts the rest unchanged.
	if _, err := g.DeleteTable(ctx, &glue.DeleteTableInput{DatabaseName: aws.String("sales"), Name: aws.String("customers")}); err != nil {
		t.Fatal(err)
	}
	if after := w.run(ds); after.Status != types.DataSourceRunStatusSuccess || statsOf(after.RunStatisticsForAssets) != (stats{unchanged: 2}) {
		t.Fatalf("after DeleteTable: %s %+v", after.Status, statsOf(after.RunStatisticsForAssets))
	}
}
