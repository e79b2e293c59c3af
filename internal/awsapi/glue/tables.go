package glue

import (
	"context"
	"regexp"
	"strconv"
	"strings"

	"github.com/surveyorhq/surveyor/internal/awsapi"
	"github.com/surveyorhq/surveyor/internal/gluecatalog"
	"github.com/surveyorhq/surveyor/internal/store"
)

// CreateTableInput is CreateTableRequest. Open table formats (OpenTableFormatInput) and
// transactions are not supported: a Hive table needs TableInput.
type CreateTableInput struct {
	CatalogId        string                       `aws:"len=1:255,pattern=singleline"`
	DatabaseName     string                       `aws:"required,len=1:255,pattern=singleline"`
	Name             string                       `aws:"len=1:255,pattern=singleline"`
	TableInput       *gluecatalog.TableInput      ``
	PartitionIndexes []gluecatalog.PartitionIndex `aws:"count=0:3"`
	TransactionId    string                       `aws:"len=1:255,pattern=/[\\p{L}\\p{N}\\p{P}]*/"`
}

// CreateTable stores a table as version 0.
func (f *Facade) CreateTable(ctx context.Context, in *CreateTableInput) (*Empty, error) {
	if in.TableInput == nil {
		return nil, invalidInput("TableInput is required: Surveyor's catalog keeps Hive tables (open table formats are not supported).")
	}
	return nil, f.write(ctx, in.CatalogId, func(tx *store.Tx, sc gluecatalog.Scope) error {
		return f.Catalog.CreateTable(ctx, tx, sc, in.DatabaseName, *in.TableInput,
			gluecatalog.CreateTableOptions{PartitionIndexes: in.PartitionIndexes})
	})
}

// GetTableInput is GetTableRequest; QueryAsOfTime and TransactionId (governed tables) are
// not supported.
type GetTableInput struct {
	CatalogId            string `aws:"len=1:255,pattern=singleline"`
	DatabaseName         string `aws:"required,len=1:255,pattern=singleline"`
	Name                 string `aws:"required,len=1:255,pattern=singleline"`
	TransactionId        string `aws:"len=1:255,pattern=/[\\p{L}\\p{N}\\p{P}]*/"`
	IncludeStatusDetails bool
}

// GetTableOutput is GetTableResponse.
type GetTableOutput struct {
	Table *gluecatalog.Table
}

// GetTable returns a table at its current version.
func (f *Facade) GetTable(ctx context.Context, in *GetTableInput) (*GetTableOutput, error) {
	out := &GetTableOutput{}
	return out, f.read(ctx, in.CatalogId, func(tx *store.Tx, sc gluecatalog.Scope) (err error) {
		out.Table, err = f.Catalog.GetTable(ctx, tx, sc, in.DatabaseName, in.Name)
		return err
	})
}

// GetTablesInput is GetTablesRequest.
type GetTablesInput struct {
	CatalogId            string   `aws:"len=1:255,pattern=singleline"`
	DatabaseName         string   `aws:"required,len=1:255,pattern=singleline"`
	Expression           string   `aws:"len=0:2048,pattern=singleline"`
	NextToken            string   ``
	MaxResults           *int32   `aws:"range=1:100"`
	TransactionId        string   `aws:"len=1:255,pattern=/[\\p{L}\\p{N}\\p{P}]*/"`
	IncludeStatusDetails bool     ``
	AttributesToGet      []string `aws:"item.enum=NAME|TABLE_TYPE"`
}

// GetTablesOutput is GetTablesResponse.
type GetTablesOutput struct {
	TableList []gluecatalog.Table
	NextToken string `json:",omitempty"`
}

// GetTables lists the tables of a database by name, those whose name matches Expression when
// it is set.
func (f *Facade) GetTables(ctx context.Context, in *GetTablesInput) (*GetTablesOutput, error) {
	match, err := namePattern(in.Expression)
	if err != nil {
		return nil, err
	}
	if len(in.AttributesToGet) > 0 && !contains(in.AttributesToGet, "NAME") {
		return nil, invalidInput("AttributesToGet must include NAME.")
	}
	out := &GetTablesOutput{TableList: []gluecatalog.Table{}}
	err = f.read(ctx, in.CatalogId, func(tx *store.Tx, sc gluecatalog.Scope) error {
		ts := tokenScope(sc, "GetTables", strings.ToLower(in.DatabaseName), in.Expression)
		cur, err := f.decodeToken(ctx, ts, in.NextToken)
		if err != nil {
			return err
		}
		tables, more, err := f.Catalog.ListTables(ctx, tx, sc, in.DatabaseName, cur.After, pageSize(in.MaxResults, 100), match)
		if err != nil {
			return err
		}
		for _, t := range tables {
			if len(in.AttributesToGet) > 0 {
				t = projectTable(t, in.AttributesToGet)
			}
			out.TableList = append(out.TableList, t)
		}
		if len(tables) > 0 {
			out.NextToken, err = f.nextToken(ts, more, cursor{After: tables[len(tables)-1].Name})
		}
		return err
	})
	return out, err
}

// projectTable keeps the attributes asked for (NAME, TABLE_TYPE).
func projectTable(t gluecatalog.Table, attrs []string) gluecatalog.Table {
	p := gluecatalog.Table{TableInput: gluecatalog.TableInput{Name: t.Name}, DatabaseName: t.DatabaseName}
	if contains(attrs, "TABLE_TYPE") {
		p.TableType = t.TableType
	}
	return p
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// namePattern compiles a GetTables Expression: Glue documents a regular expression, and callers
// pass Hive patterns ("sales*", "a|b"), so * means any run of characters, | separates
// alternatives, and the pattern must match the whole lower-cased name.
func namePattern(expr string) (func(string) bool, error) {
	if expr == "" {
		return nil, nil
	}
	var b strings.Builder
	for i := 0; i < len(expr); i++ {
		if expr[i] == '*' && (i == 0 || expr[i-1] != '.') {
			b.WriteString(".*")
			continue
		}
		b.WriteByte(expr[i])
	}
	re, err := regexp.Compile(`^(?:` + strings.ToLower(b.String()) + `)$`)
	if err != nil {
		return nil, invalidInput("Expression %q is not a valid pattern: %v", expr, err)
	}
	return func(name string) bool { return re.MatchString(strings.ToLower(name)) }, nil
}

// UpdateTableInput is UpdateTableRequest.
type UpdateTableInput struct {
	CatalogId        string                  `aws:"len=1:255,pattern=singleline"`
	DatabaseName     string                  `aws:"required,len=1:255,pattern=singleline"`
	Name             string                  `aws:"len=1:255,pattern=singleline"`
	TableInput       *gluecatalog.TableInput ``
	SkipArchive      bool                    ``
	TransactionId    string                  `aws:"len=1:255,pattern=/[\\p{L}\\p{N}\\p{P}]*/"`
	VersionId        string                  `aws:"len=1:255,pattern=singleline"`
	ViewUpdateAction string                  `aws:"enum=ADD|REPLACE|ADD_OR_REPLACE|DROP"`
	Force            bool                    ``
}

// UpdateTable replaces a table's definition; the previous one is archived as a version unless
// SkipArchive. VersionId, when set, must be the current version.
func (f *Facade) UpdateTable(ctx context.Context, in *UpdateTableInput) (*Empty, error) {
	if in.TableInput == nil {
		return nil, invalidInput("TableInput is required: Surveyor's catalog keeps Hive tables (open table formats are not supported).")
	}
	return nil, f.write(ctx, in.CatalogId, func(tx *store.Tx, sc gluecatalog.Scope) error {
		return f.Catalog.UpdateTable(ctx, tx, sc, in.DatabaseName, *in.TableInput,
			gluecatalog.UpdateTableOptions{SkipArchive: in.SkipArchive, VersionID: in.VersionId})
	})
}

// DeleteTableInput is DeleteTableRequest.
type DeleteTableInput struct {
	CatalogId     string `aws:"len=1:255,pattern=singleline"`
	DatabaseName  string `aws:"required,len=1:255,pattern=singleline"`
	Name          string `aws:"required,len=1:255,pattern=singleline"`
	TransactionId string `aws:"len=1:255,pattern=/[\\p{L}\\p{N}\\p{P}]*/"`
}

// DeleteTable deletes a table with its versions, partitions and indexes.
func (f *Facade) DeleteTable(ctx context.Context, in *DeleteTableInput) (*Empty, error) {
	return nil, f.write(ctx, in.CatalogId, func(tx *store.Tx, sc gluecatalog.Scope) error {
		return f.Catalog.DeleteTable(ctx, tx, sc, in.DatabaseName, in.Name)
	})
}

// BatchDeleteTableInput is BatchDeleteTableRequest.
type BatchDeleteTableInput struct {
	CatalogId      string   `aws:"len=1:255,pattern=singleline"`
	DatabaseName   string   `aws:"required,len=1:255,pattern=singleline"`
	TablesToDelete []string `aws:"required,count=0:100,item.len=1:255,item.pattern=singleline"`
	TransactionId  string   `aws:"len=1:255,pattern=/[\\p{L}\\p{N}\\p{P}]*/"`
}

// TableError is one table BatchDeleteTable could not delete.
type TableError struct {
	TableName   string
	ErrorDetail *ErrorDetail
}

// BatchDeleteTableOutput is BatchDeleteTableResponse.
type BatchDeleteTableOutput struct {
	Errors []TableError `json:",omitempty"`
}

// BatchDeleteTable deletes several tables of a database; missing ones are reported in Errors.
func (f *Facade) BatchDeleteTable(ctx context.Context, in *BatchDeleteTableInput) (*BatchDeleteTableOutput, error) {
	out := &BatchDeleteTableOutput{}
	return out, f.write(ctx, in.CatalogId, func(tx *store.Tx, sc gluecatalog.Scope) error {
		if _, err := f.Catalog.GetDatabase(ctx, tx, sc, in.DatabaseName); err != nil {
			return err
		}
		for _, name := range in.TablesToDelete {
			err := f.Catalog.DeleteTable(ctx, tx, sc, in.DatabaseName, name)
			if err != nil && !isItemError(err) {
				return err
			}
			if err != nil {
				out.Errors = append(out.Errors, TableError{TableName: name, ErrorDetail: errorDetail(err)})
			}
		}
		return nil
	})
}

// GetTableVersionInput is GetTableVersionRequest.
type GetTableVersionInput struct {
	CatalogId    string `aws:"len=1:255,pattern=singleline"`
	DatabaseName string `aws:"required,len=1:255,pattern=singleline"`
	TableName    string `aws:"required,len=1:255,pattern=singleline"`
	VersionId    string `aws:"len=1:255,pattern=singleline"`
}

// GetTableVersionOutput is GetTableVersionResponse.
type GetTableVersionOutput struct {
	TableVersion *gluecatalog.TableVersion
}

// GetTableVersion returns one version of a table (the current one when VersionId is absent).
func (f *Facade) GetTableVersion(ctx context.Context, in *GetTableVersionInput) (*GetTableVersionOutput, error) {
	out := &GetTableVersionOutput{}
	return out, f.read(ctx, in.CatalogId, func(tx *store.Tx, sc gluecatalog.Scope) (err error) {
		out.TableVersion, err = f.Catalog.GetTableVersion(ctx, tx, sc, in.DatabaseName, in.TableName, in.VersionId)
		return err
	})
}

// GetTableVersionsInput is GetTableVersionsRequest.
type GetTableVersionsInput struct {
	CatalogId    string `aws:"len=1:255,pattern=singleline"`
	DatabaseName string `aws:"required,len=1:255,pattern=singleline"`
	TableName    string `aws:"required,len=1:255,pattern=singleline"`
	NextToken    string
	MaxResults   *int32 `aws:"range=1:100"`
}

// GetTableVersionsOutput is GetTableVersionsResponse.
type GetTableVersionsOutput struct {
	TableVersions []gluecatalog.TableVersion
	NextToken     string `json:",omitempty"`
}

// GetTableVersions lists the versions of a table, newest first.
func (f *Facade) GetTableVersions(ctx context.Context, in *GetTableVersionsInput) (*GetTableVersionsOutput, error) {
	out := &GetTableVersionsOutput{TableVersions: []gluecatalog.TableVersion{}}
	err := f.read(ctx, in.CatalogId, func(tx *store.Tx, sc gluecatalog.Scope) error {
		ts := tokenScope(sc, "GetTableVersions", strings.ToLower(in.DatabaseName), strings.ToLower(in.TableName))
		cur, err := f.decodeToken(ctx, ts, in.NextToken)
		if err != nil {
			return err
		}
		before := int64(-1)
		if in.NextToken != "" {
			before = cur.Before
		}
		versions, more, err := f.Catalog.ListTableVersions(ctx, tx, sc, in.DatabaseName, in.TableName, before, pageSize(in.MaxResults, 100))
		if err != nil {
			return err
		}
		out.TableVersions = append(out.TableVersions, versions...)
		if len(versions) > 0 {
			last, _ := strconv.ParseInt(versions[len(versions)-1].VersionId, 10, 64)
			out.NextToken, err = f.nextToken(ts, more, cursor{Before: last})
		}
		return err
	})
	return out, err
}

// DeleteTableVersionInput is DeleteTableVersionRequest.
type DeleteTableVersionInput struct {
	CatalogId    string `aws:"len=1:255,pattern=singleline"`
	DatabaseName string `aws:"required,len=1:255,pattern=singleline"`
	TableName    string `aws:"required,len=1:255,pattern=singleline"`
	VersionId    string `aws:"required,len=1:255,pattern=singleline"`
}

// DeleteTableVersion deletes an archived version (not the current one).
func (f *Facade) DeleteTableVersion(ctx context.Context, in *DeleteTableVersionInput) (*Empty, error) {
	return nil, f.write(ctx, in.CatalogId, func(tx *store.Tx, sc gluecatalog.Scope) error {
		return f.Catalog.DeleteTableVersion(ctx, tx, sc, in.DatabaseName, in.TableName, in.VersionId)
	})
}

// BatchDeleteTableVersionInput is BatchDeleteTableVersionRequest.
type BatchDeleteTableVersionInput struct {
	CatalogId    string   `aws:"len=1:255,pattern=singleline"`
	DatabaseName string   `aws:"required,len=1:255,pattern=singleline"`
	TableName    string   `aws:"required,len=1:255,pattern=singleline"`
	VersionIds   []string `aws:"required,count=0:100,item.len=1:255,item.pattern=singleline"`
}

// TableVersionError is one version BatchDeleteTableVersion could not delete.
type TableVersionError struct {
	TableName   string
	VersionId   string
	ErrorDetail *ErrorDetail
}

// BatchDeleteTableVersionOutput is BatchDeleteTableVersionResponse.
type BatchDeleteTableVersionOutput struct {
	Errors []TableVersionError `json:",omitempty"`
}

// BatchDeleteTableVersion deletes several versions of a table; the ones that cannot be deleted
// (missing, current) are reported in Errors.
func (f *Facade) BatchDeleteTableVersion(ctx context.Context, in *BatchDeleteTableVersionInput) (*BatchDeleteTableVersionOutput, error) {
	out := &BatchDeleteTableVersionOutput{}
	return out, f.write(ctx, in.CatalogId, func(tx *store.Tx, sc gluecatalog.Scope) error {
		if _, err := f.Catalog.GetTable(ctx, tx, sc, in.DatabaseName, in.TableName); err != nil {
			return err
		}
		for _, v := range in.VersionIds {
			err := f.Catalog.DeleteTableVersion(ctx, tx, sc, in.DatabaseName, in.TableName, v)
			if err != nil && !isItemError(err) {
				return err
			}
			if err != nil {
				out.Errors = append(out.Errors, TableVersionError{TableName: strings.ToLower(in.TableName), VersionId: v, ErrorDetail: errorDetail(err)})
			}
		}
		return nil
	})
}

// isItemError reports a failure of one item of a batch (reported in its Errors) rather than
// of the whole request.
func isItemError(err error) bool {
	e, ok := awsError(err).(*awsapi.Error)
	return ok && e.Status < 500
}
