package glue

import (
	"context"

	"github.com/surveyorhq/surveyor/internal/awsapi"
	"github.com/surveyorhq/surveyor/internal/gluecatalog"
	"github.com/surveyorhq/surveyor/internal/store"
)

// This file is the crawlers' hook into the façade; the crawler files of this package replace
// its two functions.

// crawlerOperations returns the crawler operations (CreateCrawler, StartCrawler...), added to
// the catalog's by Service.
func (f *Facade) crawlerOperations() map[string]awsapi.JSONOperation {
	return map[string]awsapi.JSONOperation{}
}

// crawlerExists reports whether crawler name exists in the scope (a *gluecatalog.NotFoundError
// when not), for tagging by ARN.
func (f *Facade) crawlerExists(ctx context.Context, tx *store.Tx, sc gluecatalog.Scope, name string) error {
	return &gluecatalog.NotFoundError{Kind: "Crawler", Name: name}
}
