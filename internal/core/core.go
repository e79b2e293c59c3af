// Package core bundles the services every AWS façade works with — the store, the run queue, the
// catalog, the secrets, the discovery job, the scheduler's store functions and pagination
// tokens — so a façade is built from one value. The server builds it; façades only read it.
package core

import (
	"context"
	"log/slog"
	"time"

	"github.com/surveyorhq/surveyor/internal/awsapi"
	"github.com/surveyorhq/surveyor/internal/catalog"
	"github.com/surveyorhq/surveyor/internal/crawls"
	"github.com/surveyorhq/surveyor/internal/discovery"
	"github.com/surveyorhq/surveyor/internal/runs"
	"github.com/surveyorhq/surveyor/internal/secrets"
	"github.com/surveyorhq/surveyor/internal/store"
)

// Services is what a façade needs.
type Services struct {
	DB        *store.DB
	Runs      *runs.Queue
	Catalog   *catalog.Catalog
	Secrets   *secrets.Service
	Discovery *discovery.Job
	// Crawls keeps Glue crawlers and runs their crawls.
	Crawls *crawls.Service
	Tokens awsapi.Tokens
	// Master seals secret material a façade keeps in its own documents (a DMS endpoint's
	// password): seal with the resource id as additional data, never store it in clear.
	Master *secrets.Sealer
	Region string
	Logger *slog.Logger
	// Clock and ids. Now is never nil in a Services the server built.
	Now func() time.Time
	// Notify wakes the workers; call it after a transaction that enqueued runs has committed.
	Notify func()
}

// Tx runs fn in a write transaction and, when it commits, wakes the workers (fn may have
// enqueued runs).
func (s *Services) Tx(ctx context.Context, fn func(tx *store.Tx) error) error {
	if err := s.DB.Tx(ctx, fn); err != nil {
		return err
	}
	if s.Notify != nil {
		s.Notify()
	}
	return nil
}

// Account is the account of the caller of an AWS request.
func Account(ctx context.Context) string {
	c, _ := awsapi.CallerFrom(ctx)
	return c.AccountID
}
