// Package glue is the AWS Glue façade (awsJson1.1, X-Amz-Target AWSGlue.<Op>, signing name
// glue): the Data Catalog — databases, tables and their versions, partitions, partition
// indexes, connections, classifiers, tags — kept by internal/gluecatalog, and the crawlers
// (crawler*.go) that fill it. Every operation is its request and response shapes (constraints
// as `aws` tags, checked by the front door) plus one function that maps them onto the catalog
// in one store transaction, scoped to the caller's account and region.
//
// Files: glue.go (service, errors, transactions), paging.go (NextToken), one file per resource
// kind (databases.go, tables.go, partitions.go, connections.go, classifiers.go, tags.go), and
// the crawler operations in crawler*.go, registered through crawlerOperations.
package glue

import (
	"context"
	"errors"
	"maps"
	"net/http"

	"github.com/surveyorhq/surveyor/internal/awsapi"
	"github.com/surveyorhq/surveyor/internal/core"
	"github.com/surveyorhq/surveyor/internal/gluecatalog"
	"github.com/surveyorhq/surveyor/internal/gluecatalog/partexpr"
	"github.com/surveyorhq/surveyor/internal/store"
)

// Facade serves the Glue operations.
type Facade struct {
	*core.Services
	Catalog gluecatalog.Catalog
}

// Service returns the awsJson1.1 service to register under the signing name "glue".
func (f *Facade) Service() (*awsapi.JSONService, error) {
	ops := f.catalogOperations()
	maps.Copy(ops, f.crawlerOperations())
	return awsapi.NewJSONService(awsapi.JSONProtocol{
		TargetPrefix:        "AWSGlue",
		MessageMember:       "Message",
		InternalErrorCode:   "InternalServiceException",
		ValidationErrorCode: CodeInvalidInput,
	}, ops)
}

func (f *Facade) catalogOperations() map[string]awsapi.JSONOperation {
	return map[string]awsapi.JSONOperation{
		"CreateDatabase": awsapi.JSONOp(f.CreateDatabase),
		"GetDatabase":    awsapi.JSONOp(f.GetDatabase),
		"GetDatabases":   awsapi.JSONOp(f.GetDatabases),
		"UpdateDatabase": awsapi.JSONOp(f.UpdateDatabase),
		"DeleteDatabase": awsapi.JSONOp(f.DeleteDatabase),

		"CreateTable":             awsapi.JSONOp(f.CreateTable),
		"GetTable":                awsapi.JSONOp(f.GetTable),
		"GetTables":               awsapi.JSONOp(f.GetTables),
		"UpdateTable":             awsapi.JSONOp(f.UpdateTable),
		"DeleteTable":             awsapi.JSONOp(f.DeleteTable),
		"BatchDeleteTable":        awsapi.JSONOp(f.BatchDeleteTable),
		"GetTableVersion":         awsapi.JSONOp(f.GetTableVersion),
		"GetTableVersions":        awsapi.JSONOp(f.GetTableVersions),
		"DeleteTableVersion":      awsapi.JSONOp(f.DeleteTableVersion),
		"BatchDeleteTableVersion": awsapi.JSONOp(f.BatchDeleteTableVersion),
		"SearchTables":            awsapi.JSONOp(f.SearchTables),

		"CreatePartition":      awsapi.JSONOp(f.CreatePartition),
		"BatchCreatePartition": awsapi.JSONOp(f.BatchCreatePartition),
		"GetPartition":         awsapi.JSONOp(f.GetPartition),
		"GetPartitions":        awsapi.JSONOp(f.GetPartitions),
		"BatchGetPartition":    awsapi.JSONOp(f.BatchGetPartition),
		"UpdatePartition":      awsapi.JSONOp(f.UpdatePartition),
		"BatchUpdatePartition": awsapi.JSONOp(f.BatchUpdatePartition),
		"DeletePartition":      awsapi.JSONOp(f.DeletePartition),
		"BatchDeletePartition": awsapi.JSONOp(f.BatchDeletePartition),
		"CreatePartitionIndex": awsapi.JSONOp(f.CreatePartitionIndex),
		"GetPartitionIndexes":  awsapi.JSONOp(f.GetPartitionIndexes),
		"DeletePartitionIndex": awsapi.JSONOp(f.DeletePartitionIndex),

		"CreateConnection":      awsapi.JSONOp(f.CreateConnection),
		"GetConnection":         awsapi.JSONOp(f.GetConnection),
		"GetConnections":        awsapi.JSONOp(f.GetConnections),
		"UpdateConnection":      awsapi.JSONOp(f.UpdateConnection),
		"DeleteConnection":      awsapi.JSONOp(f.DeleteConnection),
		"BatchDeleteConnection": awsapi.JSONOp(f.BatchDeleteConnection),
		"TestConnection":        awsapi.JSONOp(f.TestConnection),

		"CreateClassifier": awsapi.JSONOp(f.CreateClassifier),
		"GetClassifier":    awsapi.JSONOp(f.GetClassifier),
		"GetClassifiers":   awsapi.JSONOp(f.GetClassifiers),
		"UpdateClassifier": awsapi.JSONOp(f.UpdateClassifier),
		"DeleteClassifier": awsapi.JSONOp(f.DeleteClassifier),

		"TagResource":   awsapi.JSONOp(f.TagResource),
		"UntagResource": awsapi.JSONOp(f.UntagResource),
		"GetTags":       awsapi.JSONOp(f.GetTags),
	}
}

// Glue's exception codes (every one answers 400 but InternalServiceException).
const (
	CodeInvalidInput           = "InvalidInputException"
	CodeEntityNotFound         = "EntityNotFoundException"
	CodeAlreadyExists          = "AlreadyExistsException"
	CodeConcurrentModification = "ConcurrentModificationException"
	CodeLimitExceeded          = "ResourceNumberLimitExceededException"
)

// awsError maps the catalog's typed errors onto Glue's exceptions; any other error stays an
// internal failure.
func awsError(err error) error {
	var (
		nf *gluecatalog.NotFoundError
		ae *gluecatalog.AlreadyExistsError
		ii *gluecatalog.InvalidInputError
		cm *gluecatalog.ConcurrentModificationError
		le *gluecatalog.LimitExceededError
		se *partexpr.SyntaxError
	)
	switch {
	case err == nil:
		return nil
	case errors.As(err, &nf):
		return awsapi.Errorf(http.StatusBadRequest, CodeEntityNotFound, "%s", nf.Error())
	case errors.As(err, &ae):
		return awsapi.Errorf(http.StatusBadRequest, CodeAlreadyExists, "%s", ae.Error())
	case errors.As(err, &ii):
		return awsapi.Errorf(http.StatusBadRequest, CodeInvalidInput, "%s", ii.Error())
	case errors.As(err, &cm):
		return awsapi.Errorf(http.StatusBadRequest, CodeConcurrentModification, "%s", cm.Error())
	case errors.As(err, &le):
		return awsapi.Errorf(http.StatusBadRequest, CodeLimitExceeded, "%s", le.Error())
	case errors.As(err, &se):
		return awsapi.Errorf(http.StatusBadRequest, CodeInvalidInput, "Unsupported expression: %s", se.Error())
	case errors.Is(err, awsapi.ErrInvalidToken):
		return awsapi.Errorf(http.StatusBadRequest, CodeInvalidInput, "The NextToken is not valid for this request.")
	}
	return err
}

// errorDetail is the ErrorDetail a batch operation reports for one failed item.
func errorDetail(err error) *ErrorDetail {
	var e *awsapi.Error
	if !errors.As(awsError(err), &e) {
		return &ErrorDetail{ErrorCode: "InternalServiceException", ErrorMessage: awsapi.MessageInternalFailure}
	}
	return &ErrorDetail{ErrorCode: e.Code, ErrorMessage: e.Message}
}

// ErrorDetail is one failed item of a batch operation.
type ErrorDetail struct {
	ErrorCode    string `json:"ErrorCode,omitempty"`
	ErrorMessage string `json:"ErrorMessage,omitempty"`
}

// scope returns the caller's catalog scope, checking a request's CatalogId names it (the
// caller's account id; other accounts' catalogs are not shared here).
func scope(ctx context.Context, catalogID string) (gluecatalog.Scope, error) {
	sc := gluecatalog.ScopeFrom(ctx)
	if catalogID != "" && catalogID != sc.Account {
		return sc, awsapi.Errorf(http.StatusBadRequest, CodeEntityNotFound, "Catalog %s not found.", catalogID)
	}
	return sc, nil
}

// write runs fn in a write transaction of the caller's catalog and maps its error.
func (f *Facade) write(ctx context.Context, catalogID string, fn func(tx *store.Tx, sc gluecatalog.Scope) error) error {
	sc, err := scope(ctx, catalogID)
	if err != nil {
		return err
	}
	return awsError(f.DB.Tx(ctx, func(tx *store.Tx) error { return fn(tx, sc) }))
}

// read runs fn in a read-only transaction of the caller's catalog and maps its error.
func (f *Facade) read(ctx context.Context, catalogID string, fn func(tx *store.Tx, sc gluecatalog.Scope) error) error {
	sc, err := scope(ctx, catalogID)
	if err != nil {
		return err
	}
	return awsError(f.DB.ReadTx(ctx, func(tx *store.Tx) error { return fn(tx, sc) }))
}

func invalidInput(format string, args ...any) error {
	return awsapi.Errorf(http.StatusBadRequest, CodeInvalidInput, format, args...)
}

// Empty is the response of operations that return nothing.
type Empty struct{}
