// Package gluecatalog is the Glue Data Catalog: databases, tables with their versions,
// partitions, partition indexes, connections, classifiers and tags, kept in Surveyor's store
// and isolated by account and region. Its types are the Glue wire shapes (JSON names as AWS
// sends them, constraints as `aws` tags), so the Glue façade (internal/awsapi/glue) and the
// crawler (internal/crawler) use them directly.
//
// Every method of Catalog works inside a store transaction the caller opens, so a crawler can
// write a whole crawl atomically:
//
//	cat := gluecatalog.Catalog{Now: time.Now, Master: master}
//	err := db.Tx(ctx, func(tx *store.Tx) error {
//		if err := cat.CreateTable(ctx, tx, sc, "sales", in, gluecatalog.CreateTableOptions{CreatedBy: by}); err != nil {
//			return err
//		}
//		_, err := cat.BatchCreatePartition(ctx, tx, sc, "sales", in.Name, parts)
//		return err
//	})
//
// Names of databases and tables are folded to lower case on write and matched
// case-insensitively, as Glue does for Hive. Failures a client should see are typed
// (*NotFoundError, *AlreadyExistsError, *InvalidInputError, *ConcurrentModificationError,
// *LimitExceededError); the façade maps them to Glue's exceptions in one place.
//
// Partitions are stored under an order-preserving encoding of their values (ValuesKey), so a
// page of ListPartitions is one range scan of the primary key; equality on leading partition
// keys narrows the scan, and the rest of an expression is evaluated over the streamed keys
// before any partition document is decoded.
package gluecatalog

import (
	"context"
	"time"

	"github.com/surveyorhq/surveyor/internal/awsapi"
	"github.com/surveyorhq/surveyor/internal/scope"
	"github.com/surveyorhq/surveyor/internal/secrets"
)

// Scope is where a catalog lives: one account in one region (scope.Scope, as every stored
// resource). Every row belongs to one scope.
type Scope = scope.Scope

// ScopeFrom returns the scope of the caller of an AWS request.
func ScopeFrom(ctx context.Context) Scope {
	c, _ := awsapi.CallerFrom(ctx)
	return c.Scope()
}

// Catalog reads and writes the Glue Data Catalog. The zero value works, with time.Now as its
// clock and no way to keep connection passwords.
type Catalog struct {
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Master seals connection passwords.
	Master *secrets.Sealer
}

func (c Catalog) now() time.Time {
	if c.Now != nil {
		return c.Now().UTC()
	}
	return time.Now().UTC()
}

// Quotas, as Glue's defaults.
const (
	MaxTagsPerResource     = 50
	MaxPartitionIndexes    = 3
	MaxTableVersions       = 100000
	MaxPartitionsPerLookup = 1000
)
