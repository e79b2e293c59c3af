package glue

import (
	"context"
	"encoding/json"
	"hash/fnv"
	"strconv"
	"strings"

	"github.com/surveyorhq/surveyor/internal/gluecatalog"
	"github.com/surveyorhq/surveyor/internal/gluecatalog/partexpr"
	"github.com/surveyorhq/surveyor/internal/store"
)

// PartitionError is one partition a batch operation could not create or delete.
type PartitionError struct {
	PartitionValues []string
	ErrorDetail     *ErrorDetail
}

func partitionErrors(failed []gluecatalog.ItemError) []PartitionError {
	var out []PartitionError
	for _, e := range failed {
		out = append(out, PartitionError{PartitionValues: e.Values, ErrorDetail: errorDetail(e.Err)})
	}
	return out
}

// CreatePartitionInput is CreatePartitionRequest.
type CreatePartitionInput struct {
	CatalogId      string                      `aws:"len=1:255,pattern=singleline"`
	DatabaseName   string                      `aws:"required,len=1:255,pattern=singleline"`
	TableName      string                      `aws:"required,len=1:255,pattern=singleline"`
	PartitionInput *gluecatalog.PartitionInput `aws:"required"`
}

// CreatePartition adds a partition to a table; Values must give one value per partition key.
func (f *Facade) CreatePartition(ctx context.Context, in *CreatePartitionInput) (*Empty, error) {
	return nil, f.write(ctx, in.CatalogId, func(tx *store.Tx, sc gluecatalog.Scope) error {
		return f.Catalog.CreatePartition(ctx, tx, sc, in.DatabaseName, in.TableName, *in.PartitionInput)
	})
}

// BatchCreatePartitionInput is BatchCreatePartitionRequest.
type BatchCreatePartitionInput struct {
	CatalogId          string                       `aws:"len=1:255,pattern=singleline"`
	DatabaseName       string                       `aws:"required,len=1:255,pattern=singleline"`
	TableName          string                       `aws:"required,len=1:255,pattern=singleline"`
	PartitionInputList []gluecatalog.PartitionInput `aws:"required,count=0:100"`
}

// BatchCreatePartitionOutput is BatchCreatePartitionResponse.
type BatchCreatePartitionOutput struct {
	Errors []PartitionError `json:",omitempty"`
}

// BatchCreatePartition adds partitions; those that cannot be added are reported in Errors.
func (f *Facade) BatchCreatePartition(ctx context.Context, in *BatchCreatePartitionInput) (*BatchCreatePartitionOutput, error) {
	out := &BatchCreatePartitionOutput{}
	return out, f.write(ctx, in.CatalogId, func(tx *store.Tx, sc gluecatalog.Scope) error {
		failed, err := f.Catalog.BatchCreatePartition(ctx, tx, sc, in.DatabaseName, in.TableName, in.PartitionInputList)
		out.Errors = partitionErrors(failed)
		return err
	})
}

// GetPartitionInput is GetPartitionRequest.
type GetPartitionInput struct {
	CatalogId       string   `aws:"len=1:255,pattern=singleline"`
	DatabaseName    string   `aws:"required,len=1:255,pattern=singleline"`
	TableName       string   `aws:"required,len=1:255,pattern=singleline"`
	PartitionValues []string `aws:"required,item.len=1:1024"`
}

// GetPartitionOutput is GetPartitionResponse.
type GetPartitionOutput struct {
	Partition *gluecatalog.Partition
}

// GetPartition returns one partition.
func (f *Facade) GetPartition(ctx context.Context, in *GetPartitionInput) (*GetPartitionOutput, error) {
	out := &GetPartitionOutput{}
	return out, f.read(ctx, in.CatalogId, func(tx *store.Tx, sc gluecatalog.Scope) (err error) {
		out.Partition, err = f.Catalog.GetPartition(ctx, tx, sc, in.DatabaseName, in.TableName, in.PartitionValues)
		return err
	})
}

// GetPartitionsInput is GetPartitionsRequest; QueryAsOfTime and TransactionId (governed tables)
// are not supported.
type GetPartitionsInput struct {
	CatalogId           string   `aws:"len=1:255,pattern=singleline"`
	DatabaseName        string   `aws:"required,len=1:255,pattern=singleline"`
	TableName           string   `aws:"required,len=1:255,pattern=singleline"`
	Expression          string   `aws:"len=0:2048,pattern=multiline"`
	NextToken           string   ``
	Segment             *Segment ``
	MaxResults          *int32   `aws:"range=1:1000"`
	ExcludeColumnSchema bool     ``
	TransactionId       string   `aws:"len=1:255,pattern=/[\\p{L}\\p{N}\\p{P}]*/"`
}

// Segment is one of TotalSegments disjoint parts of a table's partitions.
type Segment struct {
	SegmentNumber *int32 `aws:"required,range=0:"`
	TotalSegments *int32 `aws:"required,range=1:10"`
}

// GetPartitionsOutput is GetPartitionsResponse; each partition is its wire JSON, written by
// the catalog without decoding the stored document.
type GetPartitionsOutput struct {
	Partitions []json.RawMessage
	NextToken  string `json:",omitempty"`
}

// GetPartitions lists a table's partitions in key order, those matching Expression (typed by
// the partition keys' types, see partexpr) and falling in Segment when they are set. A
// segment is the partitions whose values hash to it, so segments are disjoint and together
// hold every partition.
func (f *Facade) GetPartitions(ctx context.Context, in *GetPartitionsInput) (*GetPartitionsOutput, error) {
	var segNo, segTotal uint32
	if s := in.Segment; s != nil {
		if *s.SegmentNumber >= *s.TotalSegments {
			return nil, invalidInput("SegmentNumber %d must be less than TotalSegments %d.", *s.SegmentNumber, *s.TotalSegments)
		}
		segNo, segTotal = uint32(*s.SegmentNumber), uint32(*s.TotalSegments)
	}
	out := &GetPartitionsOutput{Partitions: []json.RawMessage{}}
	err := f.read(ctx, in.CatalogId, func(tx *store.Tx, sc gluecatalog.Scope) error {
		keys, err := f.Catalog.PartitionKeys(ctx, tx, sc, in.DatabaseName, in.TableName)
		if err != nil {
			return err
		}
		filter, err := partexpr.Parse(in.Expression, exprKeys(keys))
		if err != nil {
			return err
		}
		ts := tokenScope(sc, "GetPartitions", strings.ToLower(in.DatabaseName), strings.ToLower(in.TableName), in.Expression,
			strconv.Itoa(int(segNo)), strconv.Itoa(int(segTotal)))
		cur, err := f.decodeToken(ctx, ts, in.NextToken)
		if err != nil {
			return err
		}
		q := gluecatalog.PartitionQuery{After: cur.After, Limit: pageSize(in.MaxResults, 1000), Equal: filter.Equal(), JSON: !in.ExcludeColumnSchema}
		if in.Expression != "" || segTotal > 1 {
			q.Match = func(values []string) bool {
				return (segTotal <= 1 || segmentOf(values, segTotal) == segNo) && filter.Match(values)
			}
		}
		page, err := f.Catalog.ListPartitions(ctx, tx, sc, in.DatabaseName, in.TableName, q)
		if err != nil {
			return err
		}
		out.Partitions = append(out.Partitions, page.JSON...)
		for _, p := range page.Partitions { // ExcludeColumnSchema: decoded to drop the columns
			if p.StorageDescriptor != nil {
				sd := *p.StorageDescriptor
				sd.Columns = nil
				p.StorageDescriptor = &sd
			}
			b, err := json.Marshal(p)
			if err != nil {
				return err
			}
			out.Partitions = append(out.Partitions, b)
		}
		out.NextToken, err = f.nextToken(ts, page.Next != "", cursor{After: page.Next})
		return err
	})
	return out, err
}

func exprKeys(cols []gluecatalog.Column) []partexpr.Key {
	keys := make([]partexpr.Key, len(cols))
	for i, c := range cols {
		keys[i] = partexpr.Key{Name: c.Name, Type: c.Type}
	}
	return keys
}

// segmentOf is the segment a partition belongs to: a hash of its values.
func segmentOf(values []string, total uint32) uint32 {
	h := fnv.New32a()
	h.Write([]byte(gluecatalog.ValuesKey(values)))
	return h.Sum32() % total
}

// PartitionValueList is the values of one partition.
type PartitionValueList struct {
	Values []string `aws:"required,item.len=1:1024"`
}

// BatchGetPartitionInput is BatchGetPartitionRequest.
type BatchGetPartitionInput struct {
	CatalogId       string               `aws:"len=1:255,pattern=singleline"`
	DatabaseName    string               `aws:"required,len=1:255,pattern=singleline"`
	TableName       string               `aws:"required,len=1:255,pattern=singleline"`
	PartitionsToGet []PartitionValueList `aws:"required,count=0:1000"`
}

// BatchGetPartitionOutput is BatchGetPartitionResponse.
type BatchGetPartitionOutput struct {
	Partitions      []gluecatalog.Partition
	UnprocessedKeys []PartitionValueList `json:",omitempty"`
}

// BatchGetPartition returns the partitions that exist among those asked for; the missing are
// left out (UnprocessedKeys stays empty: nothing is throttled).
func (f *Facade) BatchGetPartition(ctx context.Context, in *BatchGetPartitionInput) (*BatchGetPartitionOutput, error) {
	out := &BatchGetPartitionOutput{Partitions: []gluecatalog.Partition{}}
	return out, f.read(ctx, in.CatalogId, func(tx *store.Tx, sc gluecatalog.Scope) error {
		parts, err := f.Catalog.BatchGetPartition(ctx, tx, sc, in.DatabaseName, in.TableName, valueLists(in.PartitionsToGet))
		out.Partitions = append(out.Partitions, parts...)
		return err
	})
}

func valueLists(in []PartitionValueList) [][]string {
	out := make([][]string, len(in))
	for i, v := range in {
		out[i] = v.Values
	}
	return out
}

// UpdatePartitionInput is UpdatePartitionRequest.
type UpdatePartitionInput struct {
	CatalogId          string                      `aws:"len=1:255,pattern=singleline"`
	DatabaseName       string                      `aws:"required,len=1:255,pattern=singleline"`
	TableName          string                      `aws:"required,len=1:255,pattern=singleline"`
	PartitionValueList []string                    `aws:"required,count=0:100,item.len=1:1024"`
	PartitionInput     *gluecatalog.PartitionInput `aws:"required"`
}

// UpdatePartition replaces a partition's definition; new Values move it.
func (f *Facade) UpdatePartition(ctx context.Context, in *UpdatePartitionInput) (*Empty, error) {
	return nil, f.write(ctx, in.CatalogId, func(tx *store.Tx, sc gluecatalog.Scope) error {
		return f.Catalog.UpdatePartition(ctx, tx, sc, in.DatabaseName, in.TableName, in.PartitionValueList, *in.PartitionInput)
	})
}

// BatchUpdatePartitionInput is BatchUpdatePartitionRequest.
type BatchUpdatePartitionInput struct {
	CatalogId    string                             `aws:"len=1:255,pattern=singleline"`
	DatabaseName string                             `aws:"required,len=1:255,pattern=singleline"`
	TableName    string                             `aws:"required,len=1:255,pattern=singleline"`
	Entries      []BatchUpdatePartitionRequestEntry `aws:"required,count=1:100"`
}

// BatchUpdatePartitionRequestEntry is one partition to update.
type BatchUpdatePartitionRequestEntry struct {
	PartitionValueList []string                    `aws:"required,count=0:100,item.len=1:1024"`
	PartitionInput     *gluecatalog.PartitionInput `aws:"required"`
}

// BatchUpdatePartitionFailureEntry is one partition BatchUpdatePartition could not update.
type BatchUpdatePartitionFailureEntry struct {
	PartitionValueList []string
	ErrorDetail        *ErrorDetail
}

// BatchUpdatePartitionOutput is BatchUpdatePartitionResponse.
type BatchUpdatePartitionOutput struct {
	Errors []BatchUpdatePartitionFailureEntry `json:",omitempty"`
}

// BatchUpdatePartition updates several partitions; failures are reported in Errors.
func (f *Facade) BatchUpdatePartition(ctx context.Context, in *BatchUpdatePartitionInput) (*BatchUpdatePartitionOutput, error) {
	out := &BatchUpdatePartitionOutput{}
	return out, f.write(ctx, in.CatalogId, func(tx *store.Tx, sc gluecatalog.Scope) error {
		updates := make([]gluecatalog.PartitionUpdate, len(in.Entries))
		for i, e := range in.Entries {
			updates[i] = gluecatalog.PartitionUpdate{Values: e.PartitionValueList, Input: *e.PartitionInput}
		}
		failed, err := f.Catalog.BatchUpdatePartition(ctx, tx, sc, in.DatabaseName, in.TableName, updates)
		for _, e := range failed {
			out.Errors = append(out.Errors, BatchUpdatePartitionFailureEntry{PartitionValueList: e.Values, ErrorDetail: errorDetail(e.Err)})
		}
		return err
	})
}

// DeletePartitionInput is DeletePartitionRequest.
type DeletePartitionInput struct {
	CatalogId       string   `aws:"len=1:255,pattern=singleline"`
	DatabaseName    string   `aws:"required,len=1:255,pattern=singleline"`
	TableName       string   `aws:"required,len=1:255,pattern=singleline"`
	PartitionValues []string `aws:"required,item.len=1:1024"`
}

// DeletePartition deletes one partition.
func (f *Facade) DeletePartition(ctx context.Context, in *DeletePartitionInput) (*Empty, error) {
	return nil, f.write(ctx, in.CatalogId, func(tx *store.Tx, sc gluecatalog.Scope) error {
		return f.Catalog.DeletePartition(ctx, tx, sc, in.DatabaseName, in.TableName, in.PartitionValues)
	})
}

// BatchDeletePartitionInput is BatchDeletePartitionRequest.
type BatchDeletePartitionInput struct {
	CatalogId          string               `aws:"len=1:255,pattern=singleline"`
	DatabaseName       string               `aws:"required,len=1:255,pattern=singleline"`
	TableName          string               `aws:"required,len=1:255,pattern=singleline"`
	PartitionsToDelete []PartitionValueList `aws:"required,count=0:25"`
}

// BatchDeletePartitionOutput is BatchDeletePartitionResponse.
type BatchDeletePartitionOutput struct {
	Errors []PartitionError `json:",omitempty"`
}

// BatchDeletePartition deletes several partitions; failures are reported in Errors.
func (f *Facade) BatchDeletePartition(ctx context.Context, in *BatchDeletePartitionInput) (*BatchDeletePartitionOutput, error) {
	out := &BatchDeletePartitionOutput{}
	return out, f.write(ctx, in.CatalogId, func(tx *store.Tx, sc gluecatalog.Scope) error {
		failed, err := f.Catalog.BatchDeletePartition(ctx, tx, sc, in.DatabaseName, in.TableName, valueLists(in.PartitionsToDelete))
		out.Errors = partitionErrors(failed)
		return err
	})
}

// CreatePartitionIndexInput is CreatePartitionIndexRequest.
type CreatePartitionIndexInput struct {
	CatalogId      string                      `aws:"len=1:255,pattern=singleline"`
	DatabaseName   string                      `aws:"required,len=1:255,pattern=singleline"`
	TableName      string                      `aws:"required,len=1:255,pattern=singleline"`
	PartitionIndex *gluecatalog.PartitionIndex `aws:"required"`
}

// CreatePartitionIndex records an index over some partition keys (reported ACTIVE at once).
func (f *Facade) CreatePartitionIndex(ctx context.Context, in *CreatePartitionIndexInput) (*Empty, error) {
	return nil, f.write(ctx, in.CatalogId, func(tx *store.Tx, sc gluecatalog.Scope) error {
		return f.Catalog.CreatePartitionIndex(ctx, tx, sc, in.DatabaseName, in.TableName, *in.PartitionIndex)
	})
}

// GetPartitionIndexesInput is GetPartitionIndexesRequest.
type GetPartitionIndexesInput struct {
	CatalogId    string `aws:"len=1:255,pattern=singleline"`
	DatabaseName string `aws:"required,len=1:255,pattern=singleline"`
	TableName    string `aws:"required,len=1:255,pattern=singleline"`
	NextToken    string
}

// GetPartitionIndexesOutput is GetPartitionIndexesResponse.
type GetPartitionIndexesOutput struct {
	PartitionIndexDescriptorList []gluecatalog.PartitionIndexDescriptor
}

// GetPartitionIndexes lists a table's partition indexes (at most three: one page).
func (f *Facade) GetPartitionIndexes(ctx context.Context, in *GetPartitionIndexesInput) (*GetPartitionIndexesOutput, error) {
	out := &GetPartitionIndexesOutput{PartitionIndexDescriptorList: []gluecatalog.PartitionIndexDescriptor{}}
	return out, f.read(ctx, in.CatalogId, func(tx *store.Tx, sc gluecatalog.Scope) error {
		idx, err := f.Catalog.GetPartitionIndexes(ctx, tx, sc, in.DatabaseName, in.TableName)
		out.PartitionIndexDescriptorList = append(out.PartitionIndexDescriptorList, idx...)
		return err
	})
}

// DeletePartitionIndexInput is DeletePartitionIndexRequest.
type DeletePartitionIndexInput struct {
	CatalogId    string `aws:"len=1:255,pattern=singleline"`
	DatabaseName string `aws:"required,len=1:255,pattern=singleline"`
	TableName    string `aws:"required,len=1:255,pattern=singleline"`
	IndexName    string `aws:"required,len=1:255,pattern=singleline"`
}

// DeletePartitionIndex deletes a partition index.
func (f *Facade) DeletePartitionIndex(ctx context.Context, in *DeletePartitionIndexInput) (*Empty, error) {
	return nil, f.write(ctx, in.CatalogId, func(tx *store.Tx, sc gluecatalog.Scope) error {
		return f.Catalog.DeletePartitionIndex(ctx, tx, sc, in.DatabaseName, in.TableName, in.IndexName)
	})
}
