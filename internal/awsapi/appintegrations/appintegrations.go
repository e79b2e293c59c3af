// Package appintegrations is the AppIntegrations façade (restJson1): data integrations over
// folders, S3-compatible buckets and databases, their associations and schedules.
package appintegrations

import (
	"github.com/surveyorhq/surveyor/internal/awsapi"
	"github.com/surveyorhq/surveyor/internal/core"
)

// Facade serves the AppIntegrations operations.
type Facade struct{ *core.Services }

// Service returns the restJson1 service to register under the signing name "app-integrations".
func (f *Facade) Service() (*awsapi.RESTService, error) {
	return awsapi.NewRESTService(awsapi.RESTProtocol{
		MessageMember:       "Message",
		ValidationErrorCode: "InvalidRequestException",
		InternalErrorCode:   "InternalServiceError",
	})
}
