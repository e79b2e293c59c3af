// Package datazone is the DataZone façade (restJson1): domains, projects, data sources, their
// runs and run activities, and the assets the runs import.
package datazone

import (
	"github.com/surveyorhq/surveyor/internal/awsapi"
	"github.com/surveyorhq/surveyor/internal/core"
)

// Facade serves the DataZone operations.
type Facade struct{ *core.Services }

// Service returns the restJson1 service to register under the signing name "datazone".
func (f *Facade) Service() (*awsapi.RESTService, error) {
	return awsapi.NewRESTService(awsapi.RESTProtocol{
		MessageMember:       "message",
		ValidationErrorCode: "ValidationException",
		InternalErrorCode:   "InternalServerException",
	})
}
