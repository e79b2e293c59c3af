package glue_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	"github.com/aws/aws-sdk-go-v2/service/glue/types"
)

func partitionValues(ps []types.Partition) (out []string) {
	for _, p := range ps {
		out = append(out, strings.Join(p.Values, "/"))
	}
	return out
}

// ordersWithPartitions makes sales.orders (year string, month int) with a partition per
// month of 2023 and 2024, each with its own location.
func ordersWithPartitions(t *testing.T, c *glue.Client) {
	t.Helper()
	newDatabase(t, c, "sales")
	must(c.CreateTable(ctx, &glue.CreateTableInput{DatabaseName: aws.String("sales"), TableInput: ordersTable("orders")}))(t)
	var in []types.PartitionInput
	for _, y := range []string{"2023", "2024"} {
		for m := 1; m <= 12; m++ {
			loc := fmt.Sprintf("s3://bucket/orders/year=%s/month=%d/", y, m)
			in = append(in, types.PartitionInput{Values: []string{y, fmt.Sprint(m)}, Parameters: map[string]string{"recordCount": "10"},
				StorageDescriptor: &types.StorageDescriptor{Location: aws.String(loc),
					Columns: []types.Column{{Name: aws.String("id"), Type: aws.String("bigint")}}}})
		}
	}
	out := must(c.BatchCreatePartition(ctx, &glue.BatchCreatePartitionInput{DatabaseName: aws.String("sales"), TableName: aws.String("orders"),
		PartitionInputList: in}))(t)
	if len(out.Errors) != 0 {
		t.Fatalf("BatchCreatePartition: %+v", out.Errors)
	}
}

func getPartitions(t *testing.T, c *glue.Client, in *glue.GetPartitionsInput) []string {
	t.Helper()
	in.DatabaseName, in.TableName = aws.String("sales"), aws.String("orders")
	var out []string
	p := glue.NewGetPartitionsPaginator(c, in)
	for p.HasMorePages() {
		out = append(out, partitionValues(must(p.NextPage(ctx))(t).Partitions)...)
	}
	return out
}

func TestPartitions(t *testing.T) {
	c, env := client(t)
	ordersWithPartitions(t, c)

	p := must(c.GetPartition(ctx, &glue.GetPartitionInput{DatabaseName: aws.String("sales"), TableName: aws.String("orders"),
		PartitionValues: []string{"2024", "3"}}))(t).Partition
	if *p.DatabaseName != "sales" || *p.TableName != "orders" || *p.CatalogId != env.Key.AccountID || p.CreationTime == nil ||
		*p.StorageDescriptor.Location != "s3://bucket/orders/year=2024/month=3/" || p.Parameters["recordCount"] != "10" {
		t.Fatalf("GetPartition: %+v", p)
	}
	for _, tc := range []struct {
		values []string
		code   string
		msg    string
	}{
		{[]string{"2024", "13"}, "EntityNotFoundException", "Partition not found"},
		{[]string{"2024"}, "InvalidInputException", "number of partition keys do not match"},
	} {
		_, err := c.GetPartition(ctx, &glue.GetPartitionInput{DatabaseName: aws.String("sales"), TableName: aws.String("orders"), PartitionValues: tc.values})
		wantErr(t, err, tc.code, tc.msg)
	}
	_, err := c.GetPartition(ctx, &glue.GetPartitionInput{DatabaseName: aws.String("sales"), TableName: aws.String("ghost"), PartitionValues: []string{"1", "2"}})
	wantErr(t, err, "EntityNotFoundException", "Table ghost not found")

	// Create: duplicates and wrong value counts go to Errors; a value over 1024 is refused whole.
	_, err = c.CreatePartition(ctx, &glue.CreatePartitionInput{DatabaseName: aws.String("sales"), TableName: aws.String("orders"),
		PartitionInput: &types.PartitionInput{Values: []string{"2024", "1"}}})
	wantErr(t, err, "AlreadyExistsException", "Partition already exists")
	bc := must(c.BatchCreatePartition(ctx, &glue.BatchCreatePartitionInput{DatabaseName: aws.String("sales"), TableName: aws.String("orders"),
		PartitionInputList: []types.PartitionInput{{Values: []string{"2025", "1"}}, {Values: []string{"2024", "2"}}, {Values: []string{"x"}}}}))(t)
	if len(bc.Errors) != 2 || *bc.Errors[0].ErrorDetail.ErrorCode != "AlreadyExistsException" || bc.Errors[0].PartitionValues[1] != "2" ||
		*bc.Errors[1].ErrorDetail.ErrorCode != "InvalidInputException" {
		t.Fatalf("BatchCreatePartition errors: %+v", bc.Errors)
	}
	_, err = c.CreatePartition(ctx, &glue.CreatePartitionInput{DatabaseName: aws.String("sales"), TableName: aws.String("orders"),
		PartitionInput: &types.PartitionInput{Values: []string{strings.Repeat("y", 1025), "1"}}})
	wantErr(t, err, "InvalidInputException", "at 'partitionInput.values' failed to satisfy constraint: Member must satisfy constraint: [Member must have length less than or equal to 1024]")
	_, err = c.BatchCreatePartition(ctx, &glue.BatchCreatePartitionInput{DatabaseName: aws.String("sales"), TableName: aws.String("orders"),
		PartitionInputList: make([]types.PartitionInput, 101)})
	wantErr(t, err, "InvalidInputException", "at 'partitionInputList' failed to satisfy constraint: Member must have length less than or equal to 100")

	// GetPartitions: key order, pages, expressions typed by key (month is an int).
	all := getPartitions(t, c, &glue.GetPartitionsInput{MaxResults: aws.Int32(5)})
	if len(all) != 25 || all[0] != "2023/1" || all[1] != "2023/10" || all[24] != "2025/1" {
		t.Fatalf("GetPartitions: %d %v", len(all), all)
	}
	for expr, want := range map[string][]string{
		"year = '2024' AND month BETWEEN 2 AND 4":            {"2024/2", "2024/3", "2024/4"},
		"month > 10 AND year <> '2023'":                      {"2024/11", "2024/12"},
		"year IN ('2025') OR (year = '2023' AND month = 12)": {"2023/12", "2025/1"},
		"NOT year < '2025'":                                  {"2025/1"},
		"year LIKE '202_' AND month = 7":                     {"2023/7", "2024/7"},
		"month IS NULL":                                      nil,
	} {
		if got := getPartitions(t, c, &glue.GetPartitionsInput{Expression: aws.String(expr), MaxResults: aws.Int32(2)}); !slices.Equal(got, want) {
			t.Errorf("GetPartitions %q: %v, want %v", expr, got, want)
		}
	}
	for expr, msg := range map[string]string{
		"colour = 'red'":   "colour is not a partition key",
		"month = 'twelve'": `"twelve" is not an int value`,
		"year = ":          "expected a value",
	} {
		_, err := c.GetPartitions(ctx, &glue.GetPartitionsInput{DatabaseName: aws.String("sales"), TableName: aws.String("orders"), Expression: aws.String(expr)})
		wantErr(t, err, "InvalidInputException", msg)
	}

	// Segments are disjoint and together hold every partition.
	var union []string
	for s := int32(0); s < 3; s++ {
		seg := getPartitions(t, c, &glue.GetPartitionsInput{Segment: &types.Segment{SegmentNumber: s, TotalSegments: aws.Int32(3)}})
		if len(seg) == 0 || len(seg) == 25 {
			t.Fatalf("segment %d holds %d partitions", s, len(seg))
		}
		union = append(union, seg...)
	}
	slices.Sort(union)
	sorted := slices.Clone(all)
	slices.Sort(sorted)
	if !slices.Equal(union, sorted) {
		t.Fatalf("segments: %v", union)
	}
	_, err = c.GetPartitions(ctx, &glue.GetPartitionsInput{DatabaseName: aws.String("sales"), TableName: aws.String("orders"),
		Segment: &types.Segment{SegmentNumber: 3, TotalSegments: aws.Int32(3)}})
	wantErr(t, err, "InvalidInputException", "SegmentNumber 3 must be less than TotalSegments 3")
	_, err = c.GetPartitions(ctx, &glue.GetPartitionsInput{DatabaseName: aws.String("sales"), TableName: aws.String("orders"),
		Segment: &types.Segment{SegmentNumber: 0, TotalSegments: aws.Int32(11)}})
	wantErr(t, err, "InvalidInputException", "at 'segment.totalSegments' failed to satisfy constraint: Member must have value less than or equal to 10")

	// ExcludeColumnSchema drops the columns, not the rest of the descriptor.
	ex := must(c.GetPartitions(ctx, &glue.GetPartitionsInput{DatabaseName: aws.String("sales"), TableName: aws.String("orders"),
		Expression: aws.String("year = '2024' AND month = 1"), ExcludeColumnSchema: aws.Bool(true)}))(t)
	if len(ex.Partitions) != 1 || ex.Partitions[0].StorageDescriptor.Columns != nil || *ex.Partitions[0].StorageDescriptor.Location == "" {
		t.Fatalf("ExcludeColumnSchema: %+v", ex.Partitions)
	}
	// A token is bound to its expression.
	first := must(c.GetPartitions(ctx, &glue.GetPartitionsInput{DatabaseName: aws.String("sales"), TableName: aws.String("orders"), MaxResults: aws.Int32(1)}))(t)
	_, err = c.GetPartitions(ctx, &glue.GetPartitionsInput{DatabaseName: aws.String("sales"), TableName: aws.String("orders"),
		Expression: aws.String("year = '2024'"), NextToken: first.NextToken})
	wantErr(t, err, "InvalidInputException", "NextToken")

	// BatchGet leaves the missing out.
	bg := must(c.BatchGetPartition(ctx, &glue.BatchGetPartitionInput{DatabaseName: aws.String("sales"), TableName: aws.String("orders"),
		PartitionsToGet: []types.PartitionValueList{{Values: []string{"2024", "5"}}, {Values: []string{"1999", "1"}}, {Values: []string{"2023", "5"}}}}))(t)
	if got := partitionValues(bg.Partitions); !slices.Equal(got, []string{"2023/5", "2024/5"}) || len(bg.UnprocessedKeys) != 0 {
		t.Fatalf("BatchGetPartition: %v %v", got, bg.UnprocessedKeys)
	}

	// Update in place, move to new values, batch with failures.
	must(c.UpdatePartition(ctx, &glue.UpdatePartitionInput{DatabaseName: aws.String("sales"), TableName: aws.String("orders"),
		PartitionValueList: []string{"2025", "1"}, PartitionInput: &types.PartitionInput{Values: []string{"2025", "2"}, Parameters: map[string]string{"moved": "yes"}}}))(t)
	_, err = c.UpdatePartition(ctx, &glue.UpdatePartitionInput{DatabaseName: aws.String("sales"), TableName: aws.String("orders"),
		PartitionValueList: []string{"2025", "1"}, PartitionInput: &types.PartitionInput{Values: []string{"2025", "1"}}})
	wantErr(t, err, "EntityNotFoundException", "Partition not found")
	bu := must(c.BatchUpdatePartition(ctx, &glue.BatchUpdatePartitionInput{DatabaseName: aws.String("sales"), TableName: aws.String("orders"),
		Entries: []types.BatchUpdatePartitionRequestEntry{
			{PartitionValueList: []string{"2025", "2"}, PartitionInput: &types.PartitionInput{Values: []string{"2025", "2"}, Parameters: map[string]string{"v": "2"}}},
			{PartitionValueList: []string{"2025", "9"}, PartitionInput: &types.PartitionInput{Values: []string{"2025", "9"}}},
		}}))(t)
	if len(bu.Errors) != 1 || bu.Errors[0].PartitionValueList[1] != "9" || *bu.Errors[0].ErrorDetail.ErrorCode != "EntityNotFoundException" {
		t.Fatalf("BatchUpdatePartition: %+v", bu.Errors)
	}
	moved := must(c.GetPartition(ctx, &glue.GetPartitionInput{DatabaseName: aws.String("sales"), TableName: aws.String("orders"), PartitionValues: []string{"2025", "2"}}))(t)
	if moved.Partition.Parameters["v"] != "2" {
		t.Fatalf("updated partition: %+v", moved.Partition)
	}
	_, err = c.BatchUpdatePartition(ctx, &glue.BatchUpdatePartitionInput{DatabaseName: aws.String("sales"), TableName: aws.String("orders")}, unchecked)
	wantErr(t, err, "InvalidInputException", "Value null at 'entries'")

	// Delete.
	must(c.DeletePartition(ctx, &glue.DeletePartitionInput{DatabaseName: aws.String("sales"), TableName: aws.String("orders"), PartitionValues: []string{"2025", "2"}}))(t)
	_, err = c.DeletePartition(ctx, &glue.DeletePartitionInput{DatabaseName: aws.String("sales"), TableName: aws.String("orders"), PartitionValues: []string{"2025", "2"}})
	wantErr(t, err, "EntityNotFoundException", "Partition not found")
	bd := must(c.BatchDeletePartition(ctx, &glue.BatchDeletePartitionInput{DatabaseName: aws.String("sales"), TableName: aws.String("orders"),
		PartitionsToDelete: []types.PartitionValueList{{Values: []string{"2023", "1"}}, {Values: []string{"2023", "99"}}}}))(t)
	if len(bd.Errors) != 1 || bd.Errors[0].PartitionValues[1] != "99" {
		t.Fatalf("BatchDeletePartition: %+v", bd.Errors)
	}
	_, err = c.BatchDeletePartition(ctx, &glue.BatchDeletePartitionInput{DatabaseName: aws.String("sales"), TableName: aws.String("orders"),
		PartitionsToDelete: make([]types.PartitionValueList, 26)}, unchecked)
	wantErr(t, err, "InvalidInputException", "at 'partitionsToDelete' failed to satisfy constraint: Member must have length less than or equal to 25")
	if n := len(getPartitions(t, c, &glue.GetPartitionsInput{})); n != 23 {
		t.Fatalf("%d partitions left, want 23", n)
	}
}

func TestPartitionIndexes(t *testing.T) {
	c, _ := client(t)
	ordersWithPartitions(t, c)
	must(c.CreatePartitionIndex(ctx, &glue.CreatePartitionIndexInput{DatabaseName: aws.String("sales"), TableName: aws.String("orders"),
		PartitionIndex: &types.PartitionIndex{IndexName: aws.String("by_month"), Keys: []string{"year", "month"}}}))(t)
	_, err := c.CreatePartitionIndex(ctx, &glue.CreatePartitionIndexInput{DatabaseName: aws.String("sales"), TableName: aws.String("orders"),
		PartitionIndex: &types.PartitionIndex{IndexName: aws.String("by_month"), Keys: []string{"year"}}})
	wantErr(t, err, "AlreadyExistsException", "Partition index by_month already exists")
	_, err = c.CreatePartitionIndex(ctx, &glue.CreatePartitionIndexInput{DatabaseName: aws.String("sales"), TableName: aws.String("orders"),
		PartitionIndex: &types.PartitionIndex{IndexName: aws.String("by_id"), Keys: []string{"id"}}})
	wantErr(t, err, "InvalidInputException", "id is not a partition key")
	_, err = c.CreatePartitionIndex(ctx, &glue.CreatePartitionIndexInput{DatabaseName: aws.String("sales"), TableName: aws.String("orders"),
		PartitionIndex: &types.PartitionIndex{IndexName: aws.String("none"), Keys: []string{}}}, unchecked)
	wantErr(t, err, "InvalidInputException", "at 'partitionIndex.keys' failed to satisfy constraint: Member must have length greater than or equal to 1")
	for _, n := range []string{"a", "b"} {
		must(c.CreatePartitionIndex(ctx, &glue.CreatePartitionIndexInput{DatabaseName: aws.String("sales"), TableName: aws.String("orders"),
			PartitionIndex: &types.PartitionIndex{IndexName: aws.String(n), Keys: []string{"year"}}}))(t)
	}
	_, err = c.CreatePartitionIndex(ctx, &glue.CreatePartitionIndexInput{DatabaseName: aws.String("sales"), TableName: aws.String("orders"),
		PartitionIndex: &types.PartitionIndex{IndexName: aws.String("d"), Keys: []string{"year"}}})
	wantErr(t, err, "ResourceNumberLimitExceededException", "3 partition indexes")

	idx := must(c.GetPartitionIndexes(ctx, &glue.GetPartitionIndexesInput{DatabaseName: aws.String("sales"), TableName: aws.String("orders")}))(t)
	if len(idx.PartitionIndexDescriptorList) != 3 {
		t.Fatalf("GetPartitionIndexes: %+v", idx.PartitionIndexDescriptorList)
	}
	bm := idx.PartitionIndexDescriptorList[2]
	if *bm.IndexName != "by_month" || bm.IndexStatus != types.PartitionIndexStatusActive || len(bm.Keys) != 2 || *bm.Keys[1].Type != "int" {
		t.Fatalf("by_month: %+v", bm)
	}
	must(c.DeletePartitionIndex(ctx, &glue.DeletePartitionIndexInput{DatabaseName: aws.String("sales"), TableName: aws.String("orders"), IndexName: aws.String("a")}))(t)
	_, err = c.DeletePartitionIndex(ctx, &glue.DeletePartitionIndexInput{DatabaseName: aws.String("sales"), TableName: aws.String("orders"), IndexName: aws.String("a")})
	wantErr(t, err, "EntityNotFoundException", "Partition index a not found")
}
