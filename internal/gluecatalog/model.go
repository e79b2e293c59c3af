package gluecatalog

import (
	"github.com/surveyorhq/surveyor/internal/awsapi"
)

// The shapes below are the Glue model's (botocore glue 2017-03-31), with its constraints as
// `aws` tags (awsapi.Validate) and JSON names as on the wire, so the façade decodes requests
// straight into them and the crawler builds them directly. Timestamps are epoch seconds.
// Members the catalog does not keep (view definitions, open table formats, Lake Formation
// federation, OAuth2 settings) are left out: they are ignored on input, as AWS ignores
// unknown members, and never returned.

// DatabaseInput is what CreateDatabase and UpdateDatabase take.
type DatabaseInput struct {
	Name                          string                 `json:"Name" aws:"required,len=1:255,pattern=singleline"`
	Description                   string                 `json:"Description,omitempty" aws:"len=0:2048,pattern=multiline"`
	LocationUri                   string                 `json:"LocationUri,omitempty" aws:"len=1:1024,pattern=multiline"`
	Parameters                    map[string]string      `json:"Parameters,omitempty" aws:"key.len=1:255,key.pattern=singleline,value.len=:512000"`
	CreateTableDefaultPermissions []PrincipalPermissions `json:"CreateTableDefaultPermissions,omitempty"`
	TargetDatabase                *DatabaseIdentifier    `json:"TargetDatabase,omitempty"`
	FederatedDatabase             *FederatedDatabase     `json:"FederatedDatabase,omitempty"`
}

// Database is a stored database as GetDatabase returns it.
type Database struct {
	DatabaseInput
	CreateTime *awsapi.EpochSeconds `json:"CreateTime,omitempty"`
	CatalogId  string               `json:"CatalogId,omitempty"`
}

// PrincipalPermissions are Lake Formation default permissions (kept, not enforced).
type PrincipalPermissions struct {
	Principal   *DataLakePrincipal `json:"Principal,omitempty"`
	Permissions []string           `json:"Permissions,omitempty" aws:"item.enum=ALL|SELECT|ALTER|DROP|DELETE|INSERT|CREATE_DATABASE|CREATE_TABLE|DATA_LOCATION_ACCESS"`
}

// DataLakePrincipal names a Lake Formation principal.
type DataLakePrincipal struct {
	DataLakePrincipalIdentifier string `json:"DataLakePrincipalIdentifier,omitempty" aws:"len=1:255"`
}

// DatabaseIdentifier is a resource link target.
type DatabaseIdentifier struct {
	CatalogId    string `json:"CatalogId,omitempty" aws:"len=1:255,pattern=singleline"`
	DatabaseName string `json:"DatabaseName,omitempty" aws:"len=1:255,pattern=singleline"`
	Region       string `json:"Region,omitempty" aws:"len=1:255,pattern=singleline"`
}

// FederatedDatabase references a database outside the catalog (kept, not followed).
type FederatedDatabase struct {
	Identifier     string `json:"Identifier,omitempty" aws:"len=1:512,pattern=singleline"`
	ConnectionName string `json:"ConnectionName,omitempty" aws:"len=1:255,pattern=singleline"`
	ConnectionType string `json:"ConnectionType,omitempty" aws:"len=1:255,pattern=singleline"`
}

// TableInput is what CreateTable and UpdateTable take: a whole table definition.
type TableInput struct {
	Name              string               `json:"Name" aws:"required,len=1:255,pattern=singleline"`
	Description       string               `json:"Description,omitempty" aws:"len=0:2048,pattern=multiline"`
	Owner             string               `json:"Owner,omitempty" aws:"len=1:255,pattern=singleline"`
	LastAccessTime    *awsapi.EpochSeconds `json:"LastAccessTime,omitempty"`
	LastAnalyzedTime  *awsapi.EpochSeconds `json:"LastAnalyzedTime,omitempty"`
	Retention         int32                `json:"Retention" aws:"range=0:"`
	StorageDescriptor *StorageDescriptor   `json:"StorageDescriptor,omitempty"`
	// PartitionKeys are always returned, [] when the table has none (Athena needs the member).
	PartitionKeys    []Column          `json:"PartitionKeys"`
	ViewOriginalText string            `json:"ViewOriginalText,omitempty" aws:"len=:409600"`
	ViewExpandedText string            `json:"ViewExpandedText,omitempty" aws:"len=:409600"`
	TableType        string            `json:"TableType,omitempty" aws:"len=:255"`
	Parameters       map[string]string `json:"Parameters,omitempty" aws:"key.len=1:255,key.pattern=singleline,value.len=:512000"`
	TargetTable      *TableIdentifier  `json:"TargetTable,omitempty"`
}

// Table is a stored table (or one of its versions) as GetTable returns it.
type Table struct {
	TableInput
	DatabaseName                  string               `json:"DatabaseName"`
	CreateTime                    *awsapi.EpochSeconds `json:"CreateTime,omitempty"`
	UpdateTime                    *awsapi.EpochSeconds `json:"UpdateTime,omitempty"`
	CreatedBy                     string               `json:"CreatedBy,omitempty"`
	IsRegisteredWithLakeFormation bool                 `json:"IsRegisteredWithLakeFormation"`
	CatalogId                     string               `json:"CatalogId,omitempty"`
	VersionId                     string               `json:"VersionId,omitempty"`
}

// TableIdentifier is a resource link target.
type TableIdentifier struct {
	CatalogId    string `json:"CatalogId,omitempty" aws:"len=1:255,pattern=singleline"`
	DatabaseName string `json:"DatabaseName,omitempty" aws:"len=1:255,pattern=singleline"`
	Name         string `json:"Name,omitempty" aws:"len=1:255,pattern=singleline"`
	Region       string `json:"Region,omitempty" aws:"len=1:255,pattern=singleline"`
}

// TableVersion is one archived (or the current) definition of a table.
type TableVersion struct {
	Table     *Table `json:"Table,omitempty"`
	VersionId string `json:"VersionId,omitempty"`
}

// StorageDescriptor says where and how a table's or a partition's data is stored.
type StorageDescriptor struct {
	Columns                []Column          `json:"Columns,omitempty"`
	Location               string            `json:"Location,omitempty" aws:"len=:2056,pattern=multiline"`
	AdditionalLocations    []string          `json:"AdditionalLocations,omitempty" aws:"item.len=:2056,item.pattern=multiline"`
	InputFormat            string            `json:"InputFormat,omitempty" aws:"len=:128,pattern=singleline"`
	OutputFormat           string            `json:"OutputFormat,omitempty" aws:"len=:128,pattern=singleline"`
	Compressed             bool              `json:"Compressed"`
	NumberOfBuckets        int32             `json:"NumberOfBuckets"`
	SerdeInfo              *SerDeInfo        `json:"SerdeInfo,omitempty"`
	BucketColumns          []string          `json:"BucketColumns,omitempty" aws:"item.len=1:255,item.pattern=singleline"`
	SortColumns            []Order           `json:"SortColumns,omitempty"`
	Parameters             map[string]string `json:"Parameters,omitempty" aws:"key.len=1:255,key.pattern=singleline,value.len=:512000"`
	SkewedInfo             *SkewedInfo       `json:"SkewedInfo,omitempty"`
	StoredAsSubDirectories bool              `json:"StoredAsSubDirectories"`
	SchemaReference        *SchemaReference  `json:"SchemaReference,omitempty"`
}

// Column is a column of a table, or a partition key. Type is a Hive type string.
type Column struct {
	Name       string            `json:"Name" aws:"required,len=1:255,pattern=singleline"`
	Type       string            `json:"Type,omitempty" aws:"len=0:131072,pattern=singleline"`
	Comment    string            `json:"Comment,omitempty" aws:"len=0:255,pattern=singleline"`
	Parameters map[string]string `json:"Parameters,omitempty" aws:"key.len=1:255,key.pattern=singleline,value.len=:512000"`
}

// SerDeInfo names the serialization library and its parameters.
type SerDeInfo struct {
	Name                 string            `json:"Name,omitempty" aws:"len=1:255,pattern=singleline"`
	SerializationLibrary string            `json:"SerializationLibrary,omitempty" aws:"len=1:255,pattern=singleline"`
	Parameters           map[string]string `json:"Parameters,omitempty" aws:"key.len=1:255,key.pattern=singleline,value.len=:512000"`
}

// Order is the sort order of a bucket column (1 ascending, 0 descending).
type Order struct {
	Column    string `json:"Column" aws:"required,len=1:255,pattern=singleline"`
	SortOrder *int32 `json:"SortOrder" aws:"required,range=0:1"`
}

// SkewedInfo lists skewed values.
type SkewedInfo struct {
	SkewedColumnNames             []string          `json:"SkewedColumnNames,omitempty" aws:"item.len=1:255,item.pattern=singleline"`
	SkewedColumnValues            []string          `json:"SkewedColumnValues,omitempty"`
	SkewedColumnValueLocationMaps map[string]string `json:"SkewedColumnValueLocationMaps,omitempty"`
}

// SchemaReference points at a Schema Registry schema (kept, not resolved).
type SchemaReference struct {
	SchemaId            *SchemaId `json:"SchemaId,omitempty"`
	SchemaVersionId     string    `json:"SchemaVersionId,omitempty" aws:"len=36:36,pattern=/[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}/"`
	SchemaVersionNumber *int64    `json:"SchemaVersionNumber,omitempty" aws:"range=1:100000"`
}

// SchemaId names a Schema Registry schema.
type SchemaId struct {
	SchemaArn    string `json:"SchemaArn,omitempty" aws:"len=1:10240,pattern=/arn:aws(-(cn|us-gov|iso(-[bef])?))?:glue:.*/"`
	SchemaName   string `json:"SchemaName,omitempty" aws:"len=1:255,pattern=/[a-zA-Z0-9-_$#.]+/"`
	RegistryName string `json:"RegistryName,omitempty" aws:"len=1:255,pattern=/[a-zA-Z0-9-_$#.]+/"`
}

// PartitionInput is what CreatePartition and UpdatePartition take. Values are in the order of
// the table's PartitionKeys.
type PartitionInput struct {
	Values            []string             `json:"Values,omitempty" aws:"item.len=1:1024"`
	LastAccessTime    *awsapi.EpochSeconds `json:"LastAccessTime,omitempty"`
	StorageDescriptor *StorageDescriptor   `json:"StorageDescriptor,omitempty"`
	Parameters        map[string]string    `json:"Parameters,omitempty" aws:"key.len=1:255,key.pattern=singleline,value.len=:512000"`
	LastAnalyzedTime  *awsapi.EpochSeconds `json:"LastAnalyzedTime,omitempty"`
}

// Partition is a stored partition as GetPartition returns it.
type Partition struct {
	PartitionInput
	DatabaseName string               `json:"DatabaseName"`
	TableName    string               `json:"TableName"`
	CreationTime *awsapi.EpochSeconds `json:"CreationTime,omitempty"`
	CatalogId    string               `json:"CatalogId,omitempty"`
}

// PartitionIndex is what CreateTable and CreatePartitionIndex take.
type PartitionIndex struct {
	Keys      []string `json:"Keys" aws:"required,count=1:,item.len=1:255,item.pattern=singleline"`
	IndexName string   `json:"IndexName" aws:"required,len=1:255,pattern=singleline"`
}

// PartitionIndexDescriptor is a stored partition index as GetPartitionIndexes returns it.
type PartitionIndexDescriptor struct {
	IndexName   string             `json:"IndexName"`
	Keys        []KeySchemaElement `json:"Keys"`
	IndexStatus string             `json:"IndexStatus"`
}

// KeySchemaElement is one key of a partition index, with the partition key's type.
type KeySchemaElement struct {
	Name string `json:"Name"`
	Type string `json:"Type"`
}

// ConnectionInput is what CreateConnection and UpdateConnection take.
type ConnectionInput struct {
	Name                           string                            `json:"Name" aws:"required,len=1:255,pattern=singleline"`
	Description                    string                            `json:"Description,omitempty" aws:"len=0:2048,pattern=multiline"`
	ConnectionType                 string                            `json:"ConnectionType" aws:"required,enum=JDBC|SFTP|MONGODB|KAFKA|NETWORK|MARKETPLACE|CUSTOM|SALESFORCE|VIEW_VALIDATION_REDSHIFT|VIEW_VALIDATION_ATHENA|GOOGLEADS|GOOGLESHEETS|GOOGLEANALYTICS4|SERVICENOW|MARKETO|SAPODATA|ZENDESK|JIRACLOUD|NETSUITEERP|HUBSPOT|FACEBOOKADS|INSTAGRAMADS|ZOHOCRM|SALESFORCEPARDOT|SALESFORCEMARKETINGCLOUD|ADOBEANALYTICS|SLACK|LINKEDIN|MIXPANEL|ASANA|STRIPE|SMARTSHEET|DATADOG|WOOCOMMERCE|INTERCOM|SNAPCHATADS|PAYPAL|QUICKBOOKS|FACEBOOKPAGEINSIGHTS|FRESHDESK|TWILIO|DOCUSIGNMONITOR|FRESHSALES|ZOOM|GOOGLESEARCHCONSOLE|SALESFORCECOMMERCECLOUD|SAPCONCUR|DYNATRACE|MICROSOFTDYNAMIC365FINANCEANDOPS|MICROSOFTTEAMS|BLACKBAUDRAISEREDGENXT|MAILCHIMP|GITLAB|PENDO|PRODUCTBOARD|CIRCLECI|PIPEDIVE|SENDGRID|AZURECOSMOS|AZURESQL|BIGQUERY|BLACKBAUD|CLOUDERAHIVE|CLOUDERAIMPALA|CLOUDWATCH|CLOUDWATCHMETRICS|CMDB|DATALAKEGEN2|DB2|DB2AS400|DOCUMENTDB|DOMO|DYNAMODB|GOOGLECLOUDSTORAGE|HBASE|KUSTOMER|MICROSOFTDYNAMICS365CRM|MONDAY|MYSQL|OKTA|OPENSEARCH|ORACLE|PIPEDRIVE|POSTGRESQL|SAPHANA|SQLSERVER|SYNAPSE|TERADATA|TERADATANOS|TIMESTREAM|TPCDS|VERTICA"`
	MatchCriteria                  []string                          `json:"MatchCriteria,omitempty" aws:"count=0:10,item.len=1:255,item.pattern=singleline"`
	ConnectionProperties           map[string]string                 `json:"ConnectionProperties" aws:"required,count=0:100,key.enum=HOST|PORT|USERNAME|PASSWORD|ENCRYPTED_PASSWORD|JDBC_DRIVER_JAR_URI|JDBC_DRIVER_CLASS_NAME|JDBC_ENGINE|JDBC_ENGINE_VERSION|CONFIG_FILES|INSTANCE_ID|JDBC_CONNECTION_URL|JDBC_ENFORCE_SSL|CUSTOM_JDBC_CERT|SKIP_CUSTOM_JDBC_CERT_VALIDATION|CUSTOM_JDBC_CERT_STRING|CONNECTION_URL|KAFKA_BOOTSTRAP_SERVERS|KAFKA_SSL_ENABLED|KAFKA_CUSTOM_CERT|KAFKA_SKIP_CUSTOM_CERT_VALIDATION|KAFKA_CLIENT_KEYSTORE|KAFKA_CLIENT_KEYSTORE_PASSWORD|KAFKA_CLIENT_KEY_PASSWORD|ENCRYPTED_KAFKA_CLIENT_KEYSTORE_PASSWORD|ENCRYPTED_KAFKA_CLIENT_KEY_PASSWORD|KAFKA_SASL_MECHANISM|KAFKA_SASL_PLAIN_USERNAME|KAFKA_SASL_PLAIN_PASSWORD|ENCRYPTED_KAFKA_SASL_PLAIN_PASSWORD|KAFKA_SASL_SCRAM_USERNAME|KAFKA_SASL_SCRAM_PASSWORD|KAFKA_SASL_SCRAM_SECRETS_ARN|ENCRYPTED_KAFKA_SASL_SCRAM_PASSWORD|KAFKA_SASL_GSSAPI_KEYTAB|KAFKA_SASL_GSSAPI_KRB5_CONF|KAFKA_SASL_GSSAPI_SERVICE|KAFKA_SASL_GSSAPI_PRINCIPAL|SECRET_ID|CONNECTOR_URL|CONNECTOR_TYPE|CONNECTOR_CLASS_NAME|ENDPOINT|ENDPOINT_TYPE|ROLE_ARN|REGION|WORKGROUP_NAME|CLUSTER_IDENTIFIER|DATABASE,value.len=1:1024,sensitive"`
	PhysicalConnectionRequirements *PhysicalConnectionRequirements   `json:"PhysicalConnectionRequirements,omitempty"`
	AuthenticationConfiguration    *AuthenticationConfigurationInput `json:"AuthenticationConfiguration,omitempty"`
}

// Connection is a stored connection as GetConnection returns it. ConnectionProperties never
// hold PASSWORD unless the caller asked for it (HidePassword false).
type Connection struct {
	Name                           string                          `json:"Name"`
	Description                    string                          `json:"Description,omitempty"`
	ConnectionType                 string                          `json:"ConnectionType"`
	MatchCriteria                  []string                        `json:"MatchCriteria,omitempty"`
	ConnectionProperties           map[string]string               `json:"ConnectionProperties"`
	PhysicalConnectionRequirements *PhysicalConnectionRequirements `json:"PhysicalConnectionRequirements,omitempty"`
	CreationTime                   *awsapi.EpochSeconds            `json:"CreationTime,omitempty"`
	LastUpdatedTime                *awsapi.EpochSeconds            `json:"LastUpdatedTime,omitempty"`
	LastUpdatedBy                  string                          `json:"LastUpdatedBy,omitempty"`
	Status                         string                          `json:"Status,omitempty"`
	AuthenticationConfiguration    *AuthenticationConfiguration    `json:"AuthenticationConfiguration,omitempty"`
	ConnectionSchemaVersion        int32                           `json:"ConnectionSchemaVersion,omitempty"`
}

// PhysicalConnectionRequirements are network settings (kept, not used).
type PhysicalConnectionRequirements struct {
	SubnetId            string   `json:"SubnetId,omitempty" aws:"len=1:255,pattern=singleline"`
	SecurityGroupIdList []string `json:"SecurityGroupIdList,omitempty" aws:"count=0:50,item.len=1:255,item.pattern=singleline"`
	AvailabilityZone    string   `json:"AvailabilityZone,omitempty" aws:"len=1:255,pattern=singleline"`
}

// AuthenticationConfigurationInput names the secret holding a connection's credentials.
type AuthenticationConfigurationInput struct {
	AuthenticationType string `json:"AuthenticationType,omitempty" aws:"enum=BASIC|OAUTH2|CUSTOM|IAM"`
	SecretArn          string `json:"SecretArn,omitempty" aws:"pattern=/^arn:aws(-(cn|us-gov|iso(-[bef])?))?:secretsmanager:.*$/"`
	KmsKeyArn          string `json:"KmsKeyArn,omitempty" aws:"pattern=/^$|arn:aws[a-z0-9-]*:kms:.*/"`
}

// AuthenticationConfiguration is a stored connection's authentication settings.
type AuthenticationConfiguration struct {
	AuthenticationType string `json:"AuthenticationType,omitempty"`
	SecretArn          string `json:"SecretArn,omitempty"`
	KmsKeyArn          string `json:"KmsKeyArn,omitempty"`
}

// Classifier kinds; one classifier is exactly one of them.
const (
	ClassifierGrok = "grok"
	ClassifierXML  = "xml"
	ClassifierJSON = "json"
	ClassifierCSV  = "csv"
)

// Classifier is a stored classifier: exactly one member is set.
type Classifier struct {
	GrokClassifier *GrokClassifier `json:"GrokClassifier,omitempty"`
	XMLClassifier  *XMLClassifier  `json:"XMLClassifier,omitempty"`
	JsonClassifier *JsonClassifier `json:"JsonClassifier,omitempty"`
	CsvClassifier  *CsvClassifier  `json:"CsvClassifier,omitempty"`
}

// ClassifierMeta is what every stored classifier carries.
type ClassifierMeta struct {
	CreationTime *awsapi.EpochSeconds `json:"CreationTime,omitempty"`
	LastUpdated  *awsapi.EpochSeconds `json:"LastUpdated,omitempty"`
	Version      int64                `json:"Version"`
}

// GrokClassifier classifies text by a grok pattern.
type GrokClassifier struct {
	Name           string `json:"Name" aws:"required,len=1:255,pattern=singleline"`
	Classification string `json:"Classification" aws:"required"`
	GrokPattern    string `json:"GrokPattern" aws:"required,len=1:2048,pattern=/[\\u0020-\\uD7FF\\uE000-\\uFFFD\\uD800\\uDC00-\\uDBFF\\uDFFF\\r\\t]*/"`
	CustomPatterns string `json:"CustomPatterns,omitempty" aws:"len=0:16000,pattern=multiline"`
	ClassifierMeta
}

// XMLClassifier classifies XML by a row tag.
type XMLClassifier struct {
	Name           string `json:"Name" aws:"required,len=1:255,pattern=singleline"`
	Classification string `json:"Classification" aws:"required"`
	RowTag         string `json:"RowTag,omitempty"`
	ClassifierMeta
}

// JsonClassifier classifies JSON by a JsonPath to the records ($[*] for a top-level array).
type JsonClassifier struct {
	Name     string `json:"Name" aws:"required,len=1:255,pattern=singleline"`
	JsonPath string `json:"JsonPath" aws:"required"`
	ClassifierMeta
}

// CsvClassifier says how to read delimited text.
type CsvClassifier struct {
	Name                     string   `json:"Name" aws:"required,len=1:255,pattern=singleline"`
	Delimiter                string   `json:"Delimiter,omitempty" aws:"len=1:1,pattern=/[^\\r\\n]/"`
	QuoteSymbol              string   `json:"QuoteSymbol,omitempty" aws:"len=1:1,pattern=/[^\\r\\n]/"`
	ContainsHeader           string   `json:"ContainsHeader,omitempty" aws:"enum=UNKNOWN|PRESENT|ABSENT"`
	Header                   []string `json:"Header,omitempty" aws:"item.len=1:255,item.pattern=singleline"`
	DisableValueTrimming     bool     `json:"DisableValueTrimming"`
	AllowSingleColumn        bool     `json:"AllowSingleColumn"`
	CustomDatatypeConfigured bool     `json:"CustomDatatypeConfigured"`
	CustomDatatypes          []string `json:"CustomDatatypes,omitempty" aws:"item.len=1:255,item.pattern=singleline"`
	Serde                    string   `json:"Serde,omitempty" aws:"enum=OpenCSVSerDe|LazySimpleSerDe|None"`
	ClassifierMeta
}

// ClassifierUpdate is UpdateClassifier's input: exactly one member; absent fields inside it
// keep their stored value.
type ClassifierUpdate struct {
	GrokClassifier *GrokClassifierUpdate `json:"GrokClassifier,omitempty"`
	XMLClassifier  *XMLClassifierUpdate  `json:"XMLClassifier,omitempty"`
	JsonClassifier *JsonClassifierUpdate `json:"JsonClassifier,omitempty"`
	CsvClassifier  *CsvClassifierUpdate  `json:"CsvClassifier,omitempty"`
}

// GrokClassifierUpdate is UpdateGrokClassifierRequest.
type GrokClassifierUpdate struct {
	Name           string  `json:"Name" aws:"required,len=1:255,pattern=singleline"`
	Classification *string `json:"Classification,omitempty"`
	GrokPattern    *string `json:"GrokPattern,omitempty" aws:"len=1:2048,pattern=/[\\u0020-\\uD7FF\\uE000-\\uFFFD\\uD800\\uDC00-\\uDBFF\\uDFFF\\r\\t]*/"`
	CustomPatterns *string `json:"CustomPatterns,omitempty" aws:"len=0:16000,pattern=multiline"`
}

// XMLClassifierUpdate is UpdateXMLClassifierRequest.
type XMLClassifierUpdate struct {
	Name           string  `json:"Name" aws:"required,len=1:255,pattern=singleline"`
	Classification *string `json:"Classification,omitempty"`
	RowTag         *string `json:"RowTag,omitempty"`
}

// JsonClassifierUpdate is UpdateJsonClassifierRequest.
type JsonClassifierUpdate struct {
	Name     string  `json:"Name" aws:"required,len=1:255,pattern=singleline"`
	JsonPath *string `json:"JsonPath,omitempty"`
}

// CsvClassifierUpdate is UpdateCsvClassifierRequest.
type CsvClassifierUpdate struct {
	Name                     string   `json:"Name" aws:"required,len=1:255,pattern=singleline"`
	Delimiter                *string  `json:"Delimiter,omitempty" aws:"len=1:1,pattern=/[^\\r\\n]/"`
	QuoteSymbol              *string  `json:"QuoteSymbol,omitempty" aws:"len=1:1,pattern=/[^\\r\\n]/"`
	ContainsHeader           *string  `json:"ContainsHeader,omitempty" aws:"enum=UNKNOWN|PRESENT|ABSENT"`
	Header                   []string `json:"Header,omitempty" aws:"item.len=1:255,item.pattern=singleline"`
	DisableValueTrimming     *bool    `json:"DisableValueTrimming,omitempty"`
	AllowSingleColumn        *bool    `json:"AllowSingleColumn,omitempty"`
	CustomDatatypeConfigured *bool    `json:"CustomDatatypeConfigured,omitempty"`
	CustomDatatypes          []string `json:"CustomDatatypes,omitempty" aws:"item.len=1:255,item.pattern=singleline"`
	Serde                    *string  `json:"Serde,omitempty" aws:"enum=OpenCSVSerDe|LazySimpleSerDe|None"`
}
