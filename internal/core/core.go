// Package core bundles the services every AWS façade works with — the store, the run queue, the
// catalog, the secrets, the discovery job, the scheduler's store functions and pagination
// tokens — so a façade is built from one value. The server builds it; façades only read it.
package core

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/surveyorhq/surveyor/internal/awsapi"
	"github.com/surveyorhq/surveyor/internal/catalog"
	"github.com/surveyorhq/surveyor/internal/crawls"
	"github.com/surveyorhq/surveyor/internal/discovery"
	"github.com/surveyorhq/surveyor/internal/resources"
	"github.com/surveyorhq/surveyor/internal/runs"
	"github.com/surveyorhq/surveyor/internal/scope"
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

// CreateOnce runs insert, a write transaction creating a resource, for a create that may carry a
// client token. With a token (token true) the resource's id comes from the token, so the store
// refuses a second resource for one token: when insert fails with resources.ErrExists (or
// resources.ErrNameTaken, which a racing create of the same request may hit first) existing
// reads the winner in a fresh read transaction — the failed insert aborted insert's transaction
// on PostgreSQL — and answers for it (the same resource, or a token-mismatch error). If existing
// finds nothing (resources.ErrNotFound) the winner was deleted in between and insert runs again;
// behind a name clash, it means another resource has the name, and insert's error is returned.
// Without a token, insert's error is returned as it is.
func (s *Services) CreateOnce(ctx context.Context, token bool, insert, existing func(tx *store.Tx) error) error {
	err := s.Tx(ctx, insert)
	for attempt := 0; token && attempt < 3; attempt++ {
		if !errors.Is(err, resources.ErrExists) && !errors.Is(err, resources.ErrNameTaken) {
			return err
		}
		rerr := s.DB.ReadTx(ctx, existing)
		switch {
		case rerr == nil:
			return nil
		case !errors.Is(rerr, resources.ErrNotFound):
			return rerr
		case errors.Is(err, resources.ErrNameTaken):
			return err
		}
		err = s.Tx(ctx, insert)
	}
	return err
}

// Account is the account of the caller of an AWS request.
func Account(ctx context.Context) string {
	c, _ := awsapi.CallerFrom(ctx)
	return c.AccountID
}

// Scope is where the caller of an AWS request acts: its account in the region its request was
// signed for. Every resource a request creates belongs to this scope, and it reads only those.
func Scope(ctx context.Context) scope.Scope {
	c, _ := awsapi.CallerFrom(ctx)
	return c.Scope()
}
