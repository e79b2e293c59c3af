// Package dms is the Database Migration Service façade (awsJson1.1): replication instances,
// endpoints, connection tests and schema refreshes.
package dms

import (
	"github.com/surveyorhq/surveyor/internal/awsapi"
	"github.com/surveyorhq/surveyor/internal/core"
)

// Facade serves the DMS operations.
type Facade struct{ *core.Services }

// Service returns the awsJson1.1 service to register under the signing name "dms".
func (f *Facade) Service() (*awsapi.JSONService, error) {
	return awsapi.NewJSONService(awsapi.JSONProtocol{
		TargetPrefix:  "AmazonDMSv20160101",
		MessageMember: "message",
	}, map[string]awsapi.JSONOperation{})
}
