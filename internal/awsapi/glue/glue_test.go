package glue_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	"github.com/aws/aws-sdk-go-v2/service/glue/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"

	"github.com/surveyorhq/surveyor/internal/server/servertest"
)

// client starts a server and returns a Glue client of its first account in us-east-1.
func client(t *testing.T) (*glue.Client, *servertest.Env) {
	t.Helper()
	env := servertest.Start(t, servertest.Options{})
	return glue.NewFromConfig(env.AWS()), env
}

// wantErr checks err is the Glue exception code, with a message containing msg.
func wantErr(t *testing.T, err error, code, msg string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("got %v, want %s", err, code)
	}
	if ae.ErrorCode() != code || !strings.Contains(ae.ErrorMessage(), msg) {
		t.Fatalf("got %s: %s; want %s containing %q", ae.ErrorCode(), ae.ErrorMessage(), code, msg)
	}
}

// must(call(...))(t) fails the test on the call's error and returns its result.
func must[T any](v T, err error) func(t *testing.T) T {
	return func(t *testing.T) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

var ctx = context.Background()

// unchecked turns off the SDK's own required-member check for one call, so the server's
// checks are what answer.
func unchecked(o *glue.Options) {
	o.APIOptions = append(o.APIOptions, func(s *middleware.Stack) error {
		_, err := s.Initialize.Remove("OperationInputValidation")
		return err
	})
}

func ordersTable(name string) *types.TableInput {
	return &types.TableInput{
		Name:       aws.String(name),
		TableType:  aws.String("EXTERNAL_TABLE"),
		Parameters: map[string]string{"classification": "csv"},
		PartitionKeys: []types.Column{{Name: aws.String("year"), Type: aws.String("string")},
			{Name: aws.String("month"), Type: aws.String("int")}},
		StorageDescriptor: &types.StorageDescriptor{
			Columns: []types.Column{{Name: aws.String("id"), Type: aws.String("bigint")},
				{Name: aws.String("amount"), Type: aws.String("decimal(10,2)"), Comment: aws.String("in EUR")}},
			Location:    aws.String("s3://bucket/orders/"),
			InputFormat: aws.String("org.apache.hadoop.mapred.TextInputFormat"),
			SerdeInfo: &types.SerDeInfo{SerializationLibrary: aws.String("org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe"),
				Parameters: map[string]string{"field.delim": ","}},
		},
	}
}

func TestDatabases(t *testing.T) {
	c, env := client(t)
	must(c.CreateDatabase(ctx, &glue.CreateDatabaseInput{
		DatabaseInput: &types.DatabaseInput{Name: aws.String("Sales"), Description: aws.String("sales data"),
			LocationUri: aws.String("s3://bucket/"), Parameters: map[string]string{"owner": "bi"}},
		Tags: map[string]string{"team": "bi"},
	}))(t)
	_, err := c.CreateDatabase(ctx, &glue.CreateDatabaseInput{DatabaseInput: &types.DatabaseInput{Name: aws.String("sales")}})
	wantErr(t, err, "AlreadyExistsException", "Database sales already exists")

	got := must(c.GetDatabase(ctx, &glue.GetDatabaseInput{Name: aws.String("SALES")}))(t).Database
	if *got.Name != "sales" || *got.Description != "sales data" || *got.LocationUri != "s3://bucket/" ||
		got.Parameters["owner"] != "bi" || *got.CatalogId != env.Key.AccountID || got.CreateTime == nil ||
		time.Since(*got.CreateTime) > time.Hour || len(got.CreateTableDefaultPermissions) != 1 {
		t.Fatalf("GetDatabase: %+v", got)
	}
	tags := must(c.GetTags(ctx, &glue.GetTagsInput{ResourceArn: aws.String("arn:aws:glue:us-east-1:" + env.Key.AccountID + ":database/sales")}))(t)
	if tags.Tags["team"] != "bi" {
		t.Fatalf("tags %v", tags.Tags)
	}

	_, err = c.GetDatabase(ctx, &glue.GetDatabaseInput{Name: aws.String("nope")})
	wantErr(t, err, "EntityNotFoundException", "Database nope not found")
	var nf *types.EntityNotFoundException
	if !errors.As(err, &nf) {
		t.Fatalf("the SDK does not read EntityNotFoundException: %T", err)
	}
	_, err = c.GetDatabase(ctx, &glue.GetDatabaseInput{Name: aws.String("sales"), CatalogId: aws.String("999999999999")})
	wantErr(t, err, "EntityNotFoundException", "Catalog 999999999999 not found")
	_, err = c.CreateDatabase(ctx, &glue.CreateDatabaseInput{DatabaseInput: &types.DatabaseInput{Name: aws.String(strings.Repeat("x", 256))}})
	wantErr(t, err, "InvalidInputException", "at 'databaseInput.name' failed to satisfy constraint: Member must have length less than or equal to 255")
	var ii *types.InvalidInputException
	if !errors.As(err, &ii) {
		t.Fatalf("the SDK does not read InvalidInputException: %T", err)
	}
	_, err = c.CreateDatabase(ctx, &glue.CreateDatabaseInput{DatabaseInput: &types.DatabaseInput{Name: aws.String("a\nb")}})
	wantErr(t, err, "InvalidInputException", "Member must satisfy regular expression pattern")

	// Pages of two, by name.
	for _, n := range []string{"b", "a", "c"} {
		must(c.CreateDatabase(ctx, &glue.CreateDatabaseInput{DatabaseInput: &types.DatabaseInput{Name: aws.String(n)}}))(t)
	}
	var names []string
	p := glue.NewGetDatabasesPaginator(c, &glue.GetDatabasesInput{MaxResults: aws.Int32(2)})
	pages := 0
	for p.HasMorePages() {
		page := must(p.NextPage(ctx))(t)
		pages++
		for _, d := range page.DatabaseList {
			names = append(names, *d.Name)
		}
	}
	if !slices.Equal(names, []string{"a", "b", "c", "sales"}) || pages != 2 {
		t.Fatalf("GetDatabases: %v in %d pages", names, pages)
	}
	_, err = c.GetDatabases(ctx, &glue.GetDatabasesInput{NextToken: aws.String("forged")})
	wantErr(t, err, "InvalidInputException", "NextToken")
	_, err = c.GetDatabases(ctx, &glue.GetDatabasesInput{MaxResults: aws.Int32(101)})
	wantErr(t, err, "InvalidInputException", "Member must have value less than or equal to 100")

	// Rename, then delete with everything in it.
	must(c.UpdateDatabase(ctx, &glue.UpdateDatabaseInput{Name: aws.String("sales"),
		DatabaseInput: &types.DatabaseInput{Name: aws.String("revenue"), Description: aws.String("renamed")}}))(t)
	must(c.CreateTable(ctx, &glue.CreateTableInput{DatabaseName: aws.String("revenue"), TableInput: ordersTable("orders")}))(t)
	must(c.CreatePartition(ctx, &glue.CreatePartitionInput{DatabaseName: aws.String("revenue"), TableName: aws.String("orders"),
		PartitionInput: &types.PartitionInput{Values: []string{"2024", "1"}}}))(t)
	_, err = c.UpdateDatabase(ctx, &glue.UpdateDatabaseInput{Name: aws.String("revenue"), DatabaseInput: &types.DatabaseInput{Name: aws.String("a")}})
	wantErr(t, err, "AlreadyExistsException", "Database a already exists")
	must(c.DeleteDatabase(ctx, &glue.DeleteDatabaseInput{Name: aws.String("revenue")}))(t)
	_, err = c.GetTable(ctx, &glue.GetTableInput{DatabaseName: aws.String("revenue"), Name: aws.String("orders")})
	wantErr(t, err, "EntityNotFoundException", "Database revenue not found")
	_, err = c.DeleteDatabase(ctx, &glue.DeleteDatabaseInput{Name: aws.String("revenue")})
	wantErr(t, err, "EntityNotFoundException", "Database revenue not found")
}

// TestIsolation proves another account, and the same account in another region, see their own
// catalogs.
func TestIsolation(t *testing.T) {
	c, env := client(t)
	must(c.CreateDatabase(ctx, &glue.CreateDatabaseInput{DatabaseInput: &types.DatabaseInput{Name: aws.String("sales")}}))(t)
	other := glue.NewFromConfig(env.AWSFor(env.NewAccount(t, "222222222222")))
	_, err := other.GetDatabase(ctx, &glue.GetDatabaseInput{Name: aws.String("sales")})
	wantErr(t, err, "EntityNotFoundException", "not found")
	must(other.CreateDatabase(ctx, &glue.CreateDatabaseInput{DatabaseInput: &types.DatabaseInput{Name: aws.String("sales")}}))(t)
	eu := glue.NewFromConfig(env.AWS(), func(o *glue.Options) { o.Region = "eu-west-1" })
	_, err = eu.GetDatabase(ctx, &glue.GetDatabaseInput{Name: aws.String("sales")})
	wantErr(t, err, "EntityNotFoundException", "not found")
	_, err = eu.GetTags(ctx, &glue.GetTagsInput{ResourceArn: aws.String("arn:aws:glue:us-east-1:" + env.Key.AccountID + ":database/sales")})
	wantErr(t, err, "EntityNotFoundException", "not found")
	list := must(eu.GetDatabases(ctx, &glue.GetDatabasesInput{}))(t)
	if len(list.DatabaseList) != 0 {
		t.Fatalf("eu-west-1 sees %v", list.DatabaseList)
	}
}
