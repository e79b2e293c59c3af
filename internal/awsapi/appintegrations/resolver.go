package appintegrations

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/surveyorhq/surveyor/internal/awsapi"
	"github.com/surveyorhq/surveyor/internal/discovery"
	"github.com/surveyorhq/surveyor/internal/resources"
	"github.com/surveyorhq/surveyor/internal/scope"
	"github.com/surveyorhq/surveyor/internal/store"
)

// ResolverName is the discovery.Job resolver the runs and schedules of associations name.
const ResolverName = "appintegrations"

// Resolve is the discovery resolver of association runs: cfg.Ref is
// "<integration id>/<association id>", and the config returned is what the association reads
// now (runConfig): the integration's sealed material opened under its recorded KmsKey, limited
// as the association says. So a run, scheduled or not, reads nothing when the material does not
// open: it fails with ACCESS_DENIED_EXCEPTION and the reason. A deleted integration or
// association fails with RESOURCE_NOT_FOUND_EXCEPTION. Errors never carry the configuration.
func (f *Facade) Resolve(ctx context.Context, sc scope.Scope, cfg discovery.Config) (discovery.Config, error) {
	integrationID, associationID, ok := strings.Cut(cfg.Ref, "/")
	if !ok || integrationID == "" || associationID == "" {
		return discovery.Config{}, &discovery.SourceError{Type: discovery.ErrValidation,
			Msg: fmt.Sprintf("the run names data integration association %q; want <integration id>/<association id>", trunc(cfg.Ref, 255))}
	}
	var out discovery.Config
	err := f.DB.ReadTx(ctx, func(tx *store.Tx) error {
		rec, err := resources.Get(ctx, tx, sc, kindIntegration, integrationID)
		if errors.Is(err, resources.ErrNotFound) {
			return notFound("The data integration %s was not found.", trunc(integrationID, 255))
		}
		if err != nil {
			return err
		}
		var integ integration
		if err := rec.Decode(&integ); err != nil {
			return err
		}
		a, err := lookupAssociation(ctx, tx, sc, integ.ID, associationID)
		if err != nil {
			return err
		}
		out, err = runConfig(f.Master, sc, a, &integ, effectiveExecution(a, &integ))
		return err
	})
	if err != nil {
		return discovery.Config{}, runError(cfg.Ref, err)
	}
	return out, nil
}

// runError is the reason a run of an association reads nothing.
func runError(ref string, err error) error {
	var (
		se  *sealError
		api *awsapi.Error
	)
	switch {
	case errors.As(err, &se):
		return &discovery.SourceError{Type: discovery.ErrAccessDenied,
			Msg: se.Error() + ". The run read nothing; put the recorded KmsKey back or recreate the data integration."}
	case errors.As(err, &api) && api.Code == codeNotFound:
		return &discovery.SourceError{Type: discovery.ErrResourceNotFound, Msg: api.Message}
	case errors.As(err, &api) && api.Code == codeInvalid:
		return &discovery.SourceError{Type: discovery.ErrValidation, Msg: api.Message}
	}
	return &discovery.SourceError{Type: discovery.ErrInternal, Msg: fmt.Sprintf("resolve data integration association %s: %v", trunc(ref, 255), err)}
}
