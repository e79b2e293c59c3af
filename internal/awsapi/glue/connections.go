package glue

import (
	"context"
	"errors"
	"net/http"
	"slices"

	"github.com/surveyorhq/surveyor/internal/awsapi"
	"github.com/surveyorhq/surveyor/internal/connector"
	"github.com/surveyorhq/surveyor/internal/discovery"
	"github.com/surveyorhq/surveyor/internal/gluecatalog"
	"github.com/surveyorhq/surveyor/internal/store"
)

// CreateConnectionInput is CreateConnectionRequest.
type CreateConnectionInput struct {
	CatalogId       string                       `aws:"len=1:255,pattern=singleline"`
	ConnectionInput *gluecatalog.ConnectionInput `aws:"required"`
	Tags            map[string]string            `aws:"count=0:50,key.len=1:128,value.len=0:256"`
}

// CreateConnectionOutput is CreateConnectionResponse.
type CreateConnectionOutput struct {
	CreateConnectionStatus string
}

// CreateConnection stores a connection (its PASSWORD sealed) with its tags.
func (f *Facade) CreateConnection(ctx context.Context, in *CreateConnectionInput) (*CreateConnectionOutput, error) {
	return &CreateConnectionOutput{CreateConnectionStatus: "READY"}, f.write(ctx, in.CatalogId, func(tx *store.Tx, sc gluecatalog.Scope) error {
		if err := f.Catalog.CreateConnection(ctx, tx, sc, *in.ConnectionInput); err != nil {
			return err
		}
		return f.Catalog.TagResource(ctx, tx, sc, "connection/"+in.ConnectionInput.Name, in.Tags)
	})
}

// GetConnectionInput is GetConnectionRequest.
type GetConnectionInput struct {
	CatalogId                          string `aws:"len=1:255,pattern=singleline"`
	Name                               string `aws:"required,len=1:255,pattern=singleline"`
	HidePassword                       bool
	ApplyOverrideForComputeEnvironment string `aws:"enum=SPARK|ATHENA|PYTHON"`
}

// GetConnectionOutput is GetConnectionResponse.
type GetConnectionOutput struct {
	Connection *gluecatalog.Connection
}

// GetConnection returns a connection; PASSWORD is included unless HidePassword, as Glue does.
func (f *Facade) GetConnection(ctx context.Context, in *GetConnectionInput) (*GetConnectionOutput, error) {
	out := &GetConnectionOutput{}
	return out, f.read(ctx, in.CatalogId, func(tx *store.Tx, sc gluecatalog.Scope) (err error) {
		out.Connection, err = f.Catalog.GetConnection(ctx, tx, sc, in.Name, in.HidePassword)
		return err
	})
}

// GetConnectionsInput is GetConnectionsRequest.
type GetConnectionsInput struct {
	CatalogId    string                `aws:"len=1:255,pattern=singleline"`
	Filter       *GetConnectionsFilter ``
	HidePassword bool                  ``
	NextToken    string                ``
	MaxResults   *int32                `aws:"range=1:1000"`
}

// GetConnectionsFilter selects connections.
type GetConnectionsFilter struct {
	MatchCriteria           []string `aws:"count=0:10,item.len=1:255,item.pattern=singleline"`
	ConnectionType          string   `aws:"enum=JDBC|SFTP|MONGODB|KAFKA|NETWORK|MARKETPLACE|CUSTOM|SALESFORCE|VIEW_VALIDATION_REDSHIFT|VIEW_VALIDATION_ATHENA|GOOGLEADS|GOOGLESHEETS|GOOGLEANALYTICS4|SERVICENOW|MARKETO|SAPODATA|ZENDESK|JIRACLOUD|NETSUITEERP|HUBSPOT|FACEBOOKADS|INSTAGRAMADS|ZOHOCRM|SALESFORCEPARDOT|SALESFORCEMARKETINGCLOUD|ADOBEANALYTICS|SLACK|LINKEDIN|MIXPANEL|ASANA|STRIPE|SMARTSHEET|DATADOG|WOOCOMMERCE|INTERCOM|SNAPCHATADS|PAYPAL|QUICKBOOKS|FACEBOOKPAGEINSIGHTS|FRESHDESK|TWILIO|DOCUSIGNMONITOR|FRESHSALES|ZOOM|GOOGLESEARCHCONSOLE|SALESFORCECOMMERCECLOUD|SAPCONCUR|DYNATRACE|MICROSOFTDYNAMIC365FINANCEANDOPS|MICROSOFTTEAMS|BLACKBAUDRAISEREDGENXT|MAILCHIMP|GITLAB|PENDO|PRODUCTBOARD|CIRCLECI|PIPEDIVE|SENDGRID|AZURECOSMOS|AZURESQL|BIGQUERY|BLACKBAUD|CLOUDERAHIVE|CLOUDERAIMPALA|CLOUDWATCH|CLOUDWATCHMETRICS|CMDB|DATALAKEGEN2|DB2|DB2AS400|DOCUMENTDB|DOMO|DYNAMODB|GOOGLECLOUDSTORAGE|HBASE|KUSTOMER|MICROSOFTDYNAMICS365CRM|MONDAY|MYSQL|OKTA|OPENSEARCH|ORACLE|PIPEDRIVE|POSTGRESQL|SAPHANA|SQLSERVER|SYNAPSE|TERADATA|TERADATANOS|TIMESTREAM|TPCDS|VERTICA"`
	ConnectionSchemaVersion *int32   `aws:"range=1:2"`
}

// GetConnectionsOutput is GetConnectionsResponse.
type GetConnectionsOutput struct {
	ConnectionList []gluecatalog.Connection
	NextToken      string `json:",omitempty"`
}

// GetConnections lists connections by name, those of Filter's type and holding all of its
// MatchCriteria.
func (f *Facade) GetConnections(ctx context.Context, in *GetConnectionsInput) (*GetConnectionsOutput, error) {
	out := &GetConnectionsOutput{ConnectionList: []gluecatalog.Connection{}}
	keep := func(c *gluecatalog.Connection) bool {
		flt := in.Filter
		if flt == nil {
			return true
		}
		if flt.ConnectionType != "" && c.ConnectionType != flt.ConnectionType {
			return false
		}
		if flt.ConnectionSchemaVersion != nil && *flt.ConnectionSchemaVersion != c.ConnectionSchemaVersion {
			return false
		}
		for _, m := range flt.MatchCriteria {
			if !slices.Contains(c.MatchCriteria, m) {
				return false
			}
		}
		return true
	}
	err := f.read(ctx, in.CatalogId, func(tx *store.Tx, sc gluecatalog.Scope) error {
		ts := tokenScope(sc, "GetConnections", filterKey(in.Filter))
		cur, err := f.decodeToken(ctx, ts, in.NextToken)
		if err != nil {
			return err
		}
		conns, more, err := f.Catalog.ListConnections(ctx, tx, sc, cur.After, pageSize(in.MaxResults, 100), in.HidePassword, keep)
		if err != nil {
			return err
		}
		out.ConnectionList = append(out.ConnectionList, conns...)
		if len(conns) > 0 {
			out.NextToken, err = f.nextToken(ts, more, cursor{After: conns[len(conns)-1].Name})
		}
		return err
	})
	return out, err
}

func filterKey(flt *GetConnectionsFilter) string {
	if flt == nil {
		return ""
	}
	k := flt.ConnectionType
	for _, m := range flt.MatchCriteria {
		k += "\x00" + m
	}
	if flt.ConnectionSchemaVersion != nil {
		k += "\x01" + string(rune('0'+*flt.ConnectionSchemaVersion))
	}
	return k
}

// UpdateConnectionInput is UpdateConnectionRequest.
type UpdateConnectionInput struct {
	CatalogId       string                       `aws:"len=1:255,pattern=singleline"`
	Name            string                       `aws:"required,len=1:255,pattern=singleline"`
	ConnectionInput *gluecatalog.ConnectionInput `aws:"required"`
}

// UpdateConnection replaces a connection whole (a PASSWORD left out is removed); a different
// ConnectionInput.Name renames it.
func (f *Facade) UpdateConnection(ctx context.Context, in *UpdateConnectionInput) (*Empty, error) {
	return nil, f.write(ctx, in.CatalogId, func(tx *store.Tx, sc gluecatalog.Scope) error {
		return f.Catalog.UpdateConnection(ctx, tx, sc, in.Name, *in.ConnectionInput)
	})
}

// DeleteConnectionInput is DeleteConnectionRequest.
type DeleteConnectionInput struct {
	CatalogId      string `aws:"len=1:255,pattern=singleline"`
	ConnectionName string `aws:"required,len=1:255,pattern=singleline"`
}

// DeleteConnection deletes a connection and its tags.
func (f *Facade) DeleteConnection(ctx context.Context, in *DeleteConnectionInput) (*Empty, error) {
	return nil, f.write(ctx, in.CatalogId, func(tx *store.Tx, sc gluecatalog.Scope) error {
		return f.Catalog.DeleteConnection(ctx, tx, sc, in.ConnectionName)
	})
}

// BatchDeleteConnectionInput is BatchDeleteConnectionRequest.
type BatchDeleteConnectionInput struct {
	CatalogId          string   `aws:"len=1:255,pattern=singleline"`
	ConnectionNameList []string `aws:"required,count=0:25,item.len=1:255,item.pattern=singleline"`
}

// BatchDeleteConnectionOutput is BatchDeleteConnectionResponse.
type BatchDeleteConnectionOutput struct {
	Succeeded []string               `json:",omitempty"`
	Errors    map[string]ErrorDetail `json:",omitempty"`
}

// BatchDeleteConnection deletes several connections; each is reported in Succeeded or Errors.
func (f *Facade) BatchDeleteConnection(ctx context.Context, in *BatchDeleteConnectionInput) (*BatchDeleteConnectionOutput, error) {
	out := &BatchDeleteConnectionOutput{}
	return out, f.write(ctx, in.CatalogId, func(tx *store.Tx, sc gluecatalog.Scope) error {
		for _, name := range in.ConnectionNameList {
			err := f.Catalog.DeleteConnection(ctx, tx, sc, name)
			switch {
			case err == nil:
				out.Succeeded = append(out.Succeeded, name)
			case isItemError(err):
				if out.Errors == nil {
					out.Errors = map[string]ErrorDetail{}
				}
				out.Errors[name] = *errorDetail(err)
			default:
				return err
			}
		}
		return nil
	})
}

// TestConnectionInput is TestConnectionRequest: exactly one of ConnectionName and
// TestConnectionInput.
type TestConnectionInput struct {
	ConnectionName      string                      `aws:"len=1:255,pattern=singleline"`
	CatalogId           string                      `aws:"len=1:255,pattern=singleline"`
	TestConnectionInput *TestConnectionInputDetails ``
}

// TestConnectionInputDetails is the model's TestConnectionInput: a connection to test without
// storing it.
type TestConnectionInputDetails struct {
	ConnectionType              string                                        `aws:"required,enum=JDBC|SFTP|MONGODB|KAFKA|NETWORK|MARKETPLACE|CUSTOM|SALESFORCE|VIEW_VALIDATION_REDSHIFT|VIEW_VALIDATION_ATHENA|GOOGLEADS|GOOGLESHEETS|GOOGLEANALYTICS4|SERVICENOW|MARKETO|SAPODATA|ZENDESK|JIRACLOUD|NETSUITEERP|HUBSPOT|FACEBOOKADS|INSTAGRAMADS|ZOHOCRM|SALESFORCEPARDOT|SALESFORCEMARKETINGCLOUD|ADOBEANALYTICS|SLACK|LINKEDIN|MIXPANEL|ASANA|STRIPE|SMARTSHEET|DATADOG|WOOCOMMERCE|INTERCOM|SNAPCHATADS|PAYPAL|QUICKBOOKS|FACEBOOKPAGEINSIGHTS|FRESHDESK|TWILIO|DOCUSIGNMONITOR|FRESHSALES|ZOOM|GOOGLESEARCHCONSOLE|SALESFORCECOMMERCECLOUD|SAPCONCUR|DYNATRACE|MICROSOFTDYNAMIC365FINANCEANDOPS|MICROSOFTTEAMS|BLACKBAUDRAISEREDGENXT|MAILCHIMP|GITLAB|PENDO|PRODUCTBOARD|CIRCLECI|PIPEDIVE|SENDGRID|AZURECOSMOS|AZURESQL|BIGQUERY|BLACKBAUD|CLOUDERAHIVE|CLOUDERAIMPALA|CLOUDWATCH|CLOUDWATCHMETRICS|CMDB|DATALAKEGEN2|DB2|DB2AS400|DOCUMENTDB|DOMO|DYNAMODB|GOOGLECLOUDSTORAGE|HBASE|KUSTOMER|MICROSOFTDYNAMICS365CRM|MONDAY|MYSQL|OKTA|OPENSEARCH|ORACLE|PIPEDRIVE|POSTGRESQL|SAPHANA|SQLSERVER|SYNAPSE|TERADATA|TERADATANOS|TIMESTREAM|TPCDS|VERTICA"`
	ConnectionProperties        map[string]string                             `aws:"required,count=0:100,key.enum=HOST|PORT|USERNAME|PASSWORD|ENCRYPTED_PASSWORD|JDBC_DRIVER_JAR_URI|JDBC_DRIVER_CLASS_NAME|JDBC_ENGINE|JDBC_ENGINE_VERSION|CONFIG_FILES|INSTANCE_ID|JDBC_CONNECTION_URL|JDBC_ENFORCE_SSL|CUSTOM_JDBC_CERT|SKIP_CUSTOM_JDBC_CERT_VALIDATION|CUSTOM_JDBC_CERT_STRING|CONNECTION_URL|KAFKA_BOOTSTRAP_SERVERS|KAFKA_SSL_ENABLED|KAFKA_CUSTOM_CERT|KAFKA_SKIP_CUSTOM_CERT_VALIDATION|KAFKA_CLIENT_KEYSTORE|KAFKA_CLIENT_KEYSTORE_PASSWORD|KAFKA_CLIENT_KEY_PASSWORD|ENCRYPTED_KAFKA_CLIENT_KEYSTORE_PASSWORD|ENCRYPTED_KAFKA_CLIENT_KEY_PASSWORD|KAFKA_SASL_MECHANISM|KAFKA_SASL_PLAIN_USERNAME|KAFKA_SASL_PLAIN_PASSWORD|ENCRYPTED_KAFKA_SASL_PLAIN_PASSWORD|KAFKA_SASL_SCRAM_USERNAME|KAFKA_SASL_SCRAM_PASSWORD|KAFKA_SASL_SCRAM_SECRETS_ARN|ENCRYPTED_KAFKA_SASL_SCRAM_PASSWORD|KAFKA_SASL_GSSAPI_KEYTAB|KAFKA_SASL_GSSAPI_KRB5_CONF|KAFKA_SASL_GSSAPI_SERVICE|KAFKA_SASL_GSSAPI_PRINCIPAL|SECRET_ID|CONNECTOR_URL|CONNECTOR_TYPE|CONNECTOR_CLASS_NAME|ENDPOINT|ENDPOINT_TYPE|ROLE_ARN|REGION|WORKGROUP_NAME|CLUSTER_IDENTIFIER|DATABASE,value.len=1:1024,sensitive"`
	AuthenticationConfiguration *gluecatalog.AuthenticationConfigurationInput ``
}

// TestConnection connects to the connection's database and runs the connector's trivial read,
// now: {} when it works, InvalidInputException with the connector's message (never the
// password) when it does not.
func (f *Facade) TestConnection(ctx context.Context, in *TestConnectionInput) (*Empty, error) {
	if (in.ConnectionName == "") == (in.TestConnectionInput == nil) {
		return nil, invalidInput("Exactly one of ConnectionName and TestConnectionInput must be given.")
	}
	sc, err := scope(ctx, in.CatalogId)
	if err != nil {
		return nil, err
	}
	var cfg discovery.Config
	if in.ConnectionName != "" {
		err = f.read(ctx, in.CatalogId, func(tx *store.Tx, sc gluecatalog.Scope) (err error) {
			cfg, err = f.Catalog.ConnectionConfig(ctx, tx, sc, in.ConnectionName)
			return err
		})
	} else {
		t := in.TestConnectionInput
		cfg, err = f.Catalog.InputConfig(sc, gluecatalog.ConnectionInput{Name: "test", ConnectionType: t.ConnectionType,
			ConnectionProperties: t.ConnectionProperties, AuthenticationConfiguration: t.AuthenticationConfiguration})
		err = awsError(err)
	}
	if err != nil {
		return nil, err
	}
	if err := f.Discovery.Ping(ctx, sc, cfg); err != nil {
		return nil, testFailure(ctx, err)
	}
	return nil, nil
}

// testFailure turns a failed test into InvalidInputException with the connector's one-line,
// secret-free message; a cancelled request stays a cancellation.
func testFailure(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	var (
		se *discovery.SourceError
		ce *connector.Error
	)
	if errors.As(err, &se) || errors.As(err, &ce) {
		return awsapi.Errorf(http.StatusBadRequest, CodeInvalidInput, "Test connection failed: %s", err.Error())
	}
	return err
}
