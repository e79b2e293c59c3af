package glue_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	"github.com/aws/aws-sdk-go-v2/service/glue/types"
)

func newDatabase(t *testing.T, c *glue.Client, name string) {
	t.Helper()
	must(c.CreateDatabase(ctx, &glue.CreateDatabaseInput{DatabaseInput: &types.DatabaseInput{Name: aws.String(name)}}))(t)
}

func tableNames(ts []types.Table) (out []string) {
	for _, t := range ts {
		out = append(out, *t.Name)
	}
	return out
}

func TestTables(t *testing.T) {
	c, env := client(t)
	newDatabase(t, c, "sales")
	must(c.CreateTable(ctx, &glue.CreateTableInput{DatabaseName: aws.String("sales"), TableInput: ordersTable("Orders"),
		PartitionIndexes: []types.PartitionIndex{{IndexName: aws.String("by_year"), Keys: []string{"year"}}}}))(t)

	got := must(c.GetTable(ctx, &glue.GetTableInput{DatabaseName: aws.String("SALES"), Name: aws.String("orders")}))(t).Table
	sd := got.StorageDescriptor
	if *got.Name != "orders" || *got.DatabaseName != "sales" || *got.VersionId != "0" || *got.CatalogId != env.Key.AccountID ||
		*got.TableType != "EXTERNAL_TABLE" || got.Parameters["classification"] != "csv" || got.CreateTime == nil || got.UpdateTime == nil ||
		len(got.PartitionKeys) != 2 || *got.PartitionKeys[1].Type != "int" || got.IsRegisteredWithLakeFormation ||
		*sd.Location != "s3://bucket/orders/" || *sd.Columns[1].Comment != "in EUR" || sd.SerdeInfo.Parameters["field.delim"] != "," {
		t.Fatalf("GetTable: %+v", got)
	}

	// Errors the model lists.
	_, err := c.CreateTable(ctx, &glue.CreateTableInput{DatabaseName: aws.String("sales"), TableInput: ordersTable("orders")})
	wantErr(t, err, "AlreadyExistsException", "Table orders already exists")
	_, err = c.CreateTable(ctx, &glue.CreateTableInput{DatabaseName: aws.String("nope"), TableInput: ordersTable("x")})
	wantErr(t, err, "EntityNotFoundException", "Database nope not found")
	_, err = c.CreateTable(ctx, &glue.CreateTableInput{DatabaseName: aws.String("sales")})
	wantErr(t, err, "InvalidInputException", "TableInput is required")
	bad := ordersTable("bad")
	bad.StorageDescriptor.Columns[0].Name = nil
	_, err = c.CreateTable(ctx, &glue.CreateTableInput{DatabaseName: aws.String("sales"), TableInput: bad}, unchecked)
	wantErr(t, err, "InvalidInputException", "Value null at 'tableInput.storageDescriptor.columns.1.member.name'")
	bad = ordersTable("bad")
	bad.Retention = -1
	_, err = c.CreateTable(ctx, &glue.CreateTableInput{DatabaseName: aws.String("sales"), TableInput: bad})
	wantErr(t, err, "InvalidInputException", "at 'tableInput.retention' failed to satisfy constraint: Member must have value greater than or equal to 0")
	_, err = c.GetTable(ctx, &glue.GetTableInput{DatabaseName: aws.String("sales"), Name: aws.String("missing")})
	wantErr(t, err, "EntityNotFoundException", "Table missing not found")

	// GetTables: Hive patterns over the whole lower-cased name, paged.
	for _, n := range []string{"orders_2023", "orders_2024", "customers", "Order_Items"} {
		must(c.CreateTable(ctx, &glue.CreateTableInput{DatabaseName: aws.String("sales"), TableInput: ordersTable(n)}))(t)
	}
	for expr, want := range map[string][]string{
		"":                      {"customers", "order_items", "orders", "orders_2023", "orders_2024"},
		"orders*":               {"orders", "orders_2023", "orders_2024"},
		"ORDERS_2023|customers": {"customers", "orders_2023"},
		"order.*items":          {"order_items"},
		"orders_20[0-9]{2}":     {"orders_2023", "orders_2024"},
		"rders":                 nil,
	} {
		var names []string
		p := glue.NewGetTablesPaginator(c, &glue.GetTablesInput{DatabaseName: aws.String("sales"), Expression: aws.String(expr), MaxResults: aws.Int32(2)})
		for p.HasMorePages() {
			names = append(names, tableNames(must(p.NextPage(ctx))(t).TableList)...)
		}
		if !slices.Equal(names, want) {
			t.Errorf("GetTables %q: %v, want %v", expr, names, want)
		}
	}
	_, err = c.GetTables(ctx, &glue.GetTablesInput{DatabaseName: aws.String("sales"), Expression: aws.String("a(b")})
	wantErr(t, err, "InvalidInputException", "not a valid pattern")
	names := must(c.GetTables(ctx, &glue.GetTablesInput{DatabaseName: aws.String("sales"), Expression: aws.String("customers"),
		AttributesToGet: []types.TableAttributes{types.TableAttributesName, types.TableAttributesTableType}}))(t).TableList
	if len(names) != 1 || *names[0].TableType != "EXTERNAL_TABLE" || names[0].StorageDescriptor != nil {
		t.Fatalf("AttributesToGet: %+v", names)
	}
	_, err = c.GetTables(ctx, &glue.GetTablesInput{DatabaseName: aws.String("sales"), AttributesToGet: []types.TableAttributes{types.TableAttributesTableType}})
	wantErr(t, err, "InvalidInputException", "must include NAME")

	// Versions: UpdateTable archives, SkipArchive rewrites, VersionId is checked.
	upd := ordersTable("orders")
	upd.Description = aws.String("v1")
	must(c.UpdateTable(ctx, &glue.UpdateTableInput{DatabaseName: aws.String("sales"), TableInput: upd}))(t)
	upd.Description = aws.String("v1 fixed")
	must(c.UpdateTable(ctx, &glue.UpdateTableInput{DatabaseName: aws.String("sales"), TableInput: upd, SkipArchive: aws.Bool(true)}))(t)
	upd.Description = aws.String("v2")
	upd.StorageDescriptor.Columns = append(upd.StorageDescriptor.Columns, types.Column{Name: aws.String("note"), Type: aws.String("string")})
	must(c.UpdateTable(ctx, &glue.UpdateTableInput{DatabaseName: aws.String("sales"), TableInput: upd, VersionId: aws.String("1")}))(t)
	_, err = c.UpdateTable(ctx, &glue.UpdateTableInput{DatabaseName: aws.String("sales"), TableInput: upd, VersionId: aws.String("1")})
	wantErr(t, err, "ConcurrentModificationException", "concurrent modifications")
	_, err = c.UpdateTable(ctx, &glue.UpdateTableInput{DatabaseName: aws.String("sales"), TableInput: ordersTable("ghost")})
	wantErr(t, err, "EntityNotFoundException", "Table ghost not found")

	cur := must(c.GetTable(ctx, &glue.GetTableInput{DatabaseName: aws.String("sales"), Name: aws.String("orders")}))(t).Table
	if *cur.VersionId != "2" || *cur.Description != "v2" || len(cur.StorageDescriptor.Columns) != 3 || !cur.UpdateTime.After(*cur.CreateTime) && !cur.UpdateTime.Equal(*cur.CreateTime) {
		t.Fatalf("current: version %s %q", *cur.VersionId, *cur.Description)
	}
	var versions []string
	vp := glue.NewGetTableVersionsPaginator(c, &glue.GetTableVersionsInput{DatabaseName: aws.String("sales"), TableName: aws.String("orders"), MaxResults: aws.Int32(2)})
	for vp.HasMorePages() {
		for _, v := range must(vp.NextPage(ctx))(t).TableVersions {
			versions = append(versions, *v.VersionId+":"+aws.ToString(v.Table.Description))
		}
	}
	if !slices.Equal(versions, []string{"2:v2", "1:v1 fixed", "0:"}) {
		t.Fatalf("GetTableVersions: %v", versions)
	}
	v := must(c.GetTableVersion(ctx, &glue.GetTableVersionInput{DatabaseName: aws.String("sales"), TableName: aws.String("orders"), VersionId: aws.String("0")}))(t)
	if *v.TableVersion.VersionId != "0" || len(v.TableVersion.Table.StorageDescriptor.Columns) != 2 {
		t.Fatalf("GetTableVersion 0: %+v", v.TableVersion)
	}
	v = must(c.GetTableVersion(ctx, &glue.GetTableVersionInput{DatabaseName: aws.String("sales"), TableName: aws.String("orders")}))(t)
	if *v.TableVersion.VersionId != "2" {
		t.Fatalf("current version: %s", *v.TableVersion.VersionId)
	}
	_, err = c.GetTableVersion(ctx, &glue.GetTableVersionInput{DatabaseName: aws.String("sales"), TableName: aws.String("orders"), VersionId: aws.String("7")})
	wantErr(t, err, "EntityNotFoundException", "Table version 7 not found")
	_, err = c.DeleteTableVersion(ctx, &glue.DeleteTableVersionInput{DatabaseName: aws.String("sales"), TableName: aws.String("orders"), VersionId: aws.String("2")})
	wantErr(t, err, "InvalidInputException", "Cannot delete the current version")
	must(c.DeleteTableVersion(ctx, &glue.DeleteTableVersionInput{DatabaseName: aws.String("sales"), TableName: aws.String("orders"), VersionId: aws.String("1")}))(t)
	bv := must(c.BatchDeleteTableVersion(ctx, &glue.BatchDeleteTableVersionInput{DatabaseName: aws.String("sales"), TableName: aws.String("orders"),
		VersionIds: []string{"0", "1", "2"}}))(t)
	if len(bv.Errors) != 2 || *bv.Errors[0].VersionId != "1" || *bv.Errors[0].ErrorDetail.ErrorCode != "EntityNotFoundException" ||
		*bv.Errors[1].VersionId != "2" || *bv.Errors[1].ErrorDetail.ErrorCode != "InvalidInputException" || *bv.Errors[1].TableName != "orders" {
		t.Fatalf("BatchDeleteTableVersion: %+v", bv.Errors)
	}
	_, err = c.BatchDeleteTableVersion(ctx, &glue.BatchDeleteTableVersionInput{DatabaseName: aws.String("sales"), TableName: aws.String("orders"),
		VersionIds: make([]string, 101)})
	wantErr(t, err, "InvalidInputException", "at 'versionIds' failed to satisfy constraint: Member must have length less than or equal to 100")

	// Deleting a table takes its partitions; BatchDeleteTable reports the missing.
	must(c.CreatePartition(ctx, &glue.CreatePartitionInput{DatabaseName: aws.String("sales"), TableName: aws.String("orders"),
		PartitionInput: &types.PartitionInput{Values: []string{"2024", "1"}}}))(t)
	must(c.DeleteTable(ctx, &glue.DeleteTableInput{DatabaseName: aws.String("sales"), Name: aws.String("orders")}))(t)
	must(c.CreateTable(ctx, &glue.CreateTableInput{DatabaseName: aws.String("sales"), TableInput: ordersTable("orders")}))(t)
	parts := must(c.GetPartitions(ctx, &glue.GetPartitionsInput{DatabaseName: aws.String("sales"), TableName: aws.String("orders")}))(t)
	if len(parts.Partitions) != 0 {
		t.Fatalf("a recreated table kept its partitions: %v", parts.Partitions)
	}
	_, err = c.DeleteTable(ctx, &glue.DeleteTableInput{DatabaseName: aws.String("sales"), Name: aws.String("ghost")})
	wantErr(t, err, "EntityNotFoundException", "Table ghost not found")
	bd := must(c.BatchDeleteTable(ctx, &glue.BatchDeleteTableInput{DatabaseName: aws.String("sales"), TablesToDelete: []string{"orders_2023", "ghost", "Customers"}}))(t)
	if len(bd.Errors) != 1 || *bd.Errors[0].TableName != "ghost" || *bd.Errors[0].ErrorDetail.ErrorCode != "EntityNotFoundException" {
		t.Fatalf("BatchDeleteTable: %+v", bd.Errors)
	}
	left := tableNames(must(c.GetTables(ctx, &glue.GetTablesInput{DatabaseName: aws.String("sales")}))(t).TableList)
	if !slices.Equal(left, []string{"order_items", "orders", "orders_2024"}) {
		t.Fatalf("after BatchDeleteTable: %v", left)
	}
	_, err = c.BatchDeleteTable(ctx, &glue.BatchDeleteTableInput{DatabaseName: aws.String("nope"), TablesToDelete: []string{"x"}})
	wantErr(t, err, "EntityNotFoundException", "Database nope not found")
}

func TestSearchTables(t *testing.T) {
	c, _ := client(t)
	newDatabase(t, c, "sales")
	newDatabase(t, c, "crm")
	must(c.CreateTable(ctx, &glue.CreateTableInput{DatabaseName: aws.String("sales"), TableInput: ordersTable("orders")}))(t)
	link := ordersTable("customer-link")
	link.Description = aws.String("Links customers to accounts")
	link.Parameters = map[string]string{"classification": "parquet"}
	must(c.CreateTable(ctx, &glue.CreateTableInput{DatabaseName: aws.String("crm"), TableInput: link}))(t)
	other := ordersTable("xxlinkyy")
	other.StorageDescriptor.Columns = []types.Column{{Name: aws.String("email"), Type: aws.String("string")}}
	must(c.CreateTable(ctx, &glue.CreateTableInput{DatabaseName: aws.String("crm"), TableInput: other}))(t)

	search := func(in *glue.SearchTablesInput) []string {
		var out []string
		for {
			page := must(c.SearchTables(ctx, in))(t)
			for _, tb := range page.TableList {
				out = append(out, *tb.DatabaseName+"."+*tb.Name)
			}
			if page.NextToken == nil {
				return out
			}
			in.NextToken = page.NextToken
		}
	}
	for _, tc := range []struct {
		name string
		in   glue.SearchTablesInput
		want []string
	}{
		{"everything", glue.SearchTablesInput{MaxResults: aws.Int32(1)}, []string{"crm.customer-link", "crm.xxlinkyy", "sales.orders"}},
		{"text in a description", glue.SearchTablesInput{SearchText: aws.String("ACCOUNTS")}, []string{"crm.customer-link"}},
		{"text in a column", glue.SearchTablesInput{SearchText: aws.String("email")}, []string{"crm.xxlinkyy"}},
		{"quoted text is a whole value", glue.SearchTablesInput{SearchText: aws.String(`"parq"`)}, nil},
		{"name token filter", glue.SearchTablesInput{Filters: []types.PropertyPredicate{{Key: aws.String("Name"), Value: aws.String("link")}}}, []string{"crm.customer-link"}},
		{"parameter filter", glue.SearchTablesInput{Filters: []types.PropertyPredicate{{Key: aws.String("classification"), Value: aws.String("csv")}}}, []string{"crm.xxlinkyy", "sales.orders"}},
		{"database filter, sorted by name descending", glue.SearchTablesInput{
			Filters:      []types.PropertyPredicate{{Key: aws.String("DatabaseName"), Value: aws.String("crm")}},
			SortCriteria: []types.SortCriterion{{FieldName: aws.String("Name"), Sort: types.SortDescending}}}, []string{"crm.xxlinkyy", "crm.customer-link"}},
		{"time comparator", glue.SearchTablesInput{Filters: []types.PropertyPredicate{{Key: aws.String("CreateTime"), Value: aws.String("1000"),
			Comparator: types.ComparatorGreaterThan}}}, []string{"crm.customer-link", "crm.xxlinkyy", "sales.orders"}},
	} {
		if got := search(&tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
	_, err := c.SearchTables(ctx, &glue.SearchTablesInput{SortCriteria: []types.SortCriterion{{}, {}}})
	wantErr(t, err, "InvalidInputException", "at 'sortCriteria' failed to satisfy constraint: Member must have length less than or equal to 1")
	_, err = c.SearchTables(ctx, &glue.SearchTablesInput{SearchText: aws.String(strings.Repeat("a", 1025))})
	wantErr(t, err, "InvalidInputException", "at 'searchText'")
}
