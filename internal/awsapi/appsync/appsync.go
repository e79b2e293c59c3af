// Package appsync is the AppSync façade (restJson1): StartDataSourceIntrospection queues a
// discovery run over an RDS-style secret, and GetDataSourceIntrospection renders the run's
// result as GraphQL models.
package appsync

import (
	"github.com/surveyorhq/surveyor/internal/awsapi"
	"github.com/surveyorhq/surveyor/internal/core"
)

// Facade serves the AppSync operations.
type Facade struct{ *core.Services }

// Service returns the restJson1 service to register under the signing name "appsync".
func (f *Facade) Service() (*awsapi.RESTService, error) {
	return awsapi.NewRESTService(awsapi.RESTProtocol{
		MessageMember:       "message",
		ValidationErrorCode: "BadRequestException",
		InternalErrorCode:   "InternalFailureException",
	})
}
