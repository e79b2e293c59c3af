package crawls

import (
	"github.com/surveyorhq/surveyor/internal/awsapi"
)

// The shapes below are the Glue model's crawler shapes (botocore glue 2017-03-31) with their
// constraints as `aws` tags and JSON names as on the wire: the façade decodes requests straight
// into them and this package stores and runs them.

// Targets are a crawler's CrawlerTargets. S3 (and local file:// folders, Surveyor's extension)
// and JDBC targets are crawled; Catalog targets are accepted and their crawls fail with a
// message; the other kinds are stored and their crawls fail with a message.
type Targets struct {
	S3Targets       []S3Target       `json:"S3Targets"`
	JdbcTargets     []JdbcTarget     `json:"JdbcTargets"`
	MongoDBTargets  []MongoDBTarget  `json:"MongoDBTargets"`
	DynamoDBTargets []DynamoDBTarget `json:"DynamoDBTargets"`
	CatalogTargets  []CatalogTarget  `json:"CatalogTargets"`
	DeltaTargets    []DeltaTarget    `json:"DeltaTargets"`
	IcebergTargets  []PathsTarget    `json:"IcebergTargets"`
	HudiTargets     []PathsTarget    `json:"HudiTargets"`
}

// S3Target is an S3 include path (s3://bucket/prefix) or, as Surveyor's extension, a local
// folder (file:///abs/path).
type S3Target struct {
	Path             string   `json:"Path,omitempty"`
	Exclusions       []string `json:"Exclusions,omitempty"`
	ConnectionName   string   `json:"ConnectionName,omitempty"`
	SampleSize       *int32   `json:"SampleSize,omitempty" aws:"range=1:249"`
	EventQueueArn    string   `json:"EventQueueArn,omitempty"`
	DlqEventQueueArn string   `json:"DlqEventQueueArn,omitempty"`
}

// JdbcTarget is a database include path through a Glue connection.
type JdbcTarget struct {
	ConnectionName           string   `json:"ConnectionName,omitempty"`
	Path                     string   `json:"Path,omitempty"`
	Exclusions               []string `json:"Exclusions,omitempty"`
	EnableAdditionalMetadata []string `json:"EnableAdditionalMetadata,omitempty" aws:"item.enum=COMMENTS|RAWTYPES"`
}

// MongoDBTarget is stored, not crawled.
type MongoDBTarget struct {
	ConnectionName string `json:"ConnectionName,omitempty"`
	Path           string `json:"Path,omitempty"`
	ScanAll        *bool  `json:"ScanAll,omitempty"`
}

// DynamoDBTarget is stored, not crawled.
type DynamoDBTarget struct {
	Path     string   `json:"Path,omitempty"`
	ScanAll  *bool    `json:"scanAll,omitempty"`
	ScanRate *float64 `json:"scanRate,omitempty"`
}

// CatalogTarget names tables of a catalog database.
type CatalogTarget struct {
	DatabaseName     string   `json:"DatabaseName" aws:"required,len=1:255,pattern=singleline"`
	Tables           []string `json:"Tables" aws:"required,count=1:,item.len=1:255,item.pattern=singleline"`
	ConnectionName   string   `json:"ConnectionName,omitempty"`
	EventQueueArn    string   `json:"EventQueueArn,omitempty"`
	DlqEventQueueArn string   `json:"DlqEventQueueArn,omitempty"`
}

// DeltaTarget is stored, not crawled.
type DeltaTarget struct {
	DeltaTables            []string `json:"DeltaTables,omitempty"`
	ConnectionName         string   `json:"ConnectionName,omitempty"`
	WriteManifest          *bool    `json:"WriteManifest,omitempty"`
	CreateNativeDeltaTable *bool    `json:"CreateNativeDeltaTable,omitempty"`
}

// PathsTarget is an Iceberg or Hudi target: stored, not crawled.
type PathsTarget struct {
	Paths                 []string `json:"Paths,omitempty"`
	ConnectionName        string   `json:"ConnectionName,omitempty"`
	Exclusions            []string `json:"Exclusions,omitempty"`
	MaximumTraversalDepth *int32   `json:"MaximumTraversalDepth,omitempty"`
}

// SchemaChangePolicy says what a crawl does to changed and vanished tables.
type SchemaChangePolicy struct {
	UpdateBehavior string `json:"UpdateBehavior,omitempty" aws:"enum=LOG|UPDATE_IN_DATABASE"`
	DeleteBehavior string `json:"DeleteBehavior,omitempty" aws:"enum=LOG|DELETE_FROM_DATABASE|DEPRECATE_IN_DATABASE"`
}

// RecrawlPolicy says whether a crawl reads everything or only new folders.
type RecrawlPolicy struct {
	RecrawlBehavior string `json:"RecrawlBehavior,omitempty" aws:"enum=CRAWL_EVERYTHING|CRAWL_NEW_FOLDERS_ONLY|CRAWL_EVENT_MODE"`
}

// LineageConfiguration is stored and echoed.
type LineageConfiguration struct {
	CrawlerLineageSettings string `json:"CrawlerLineageSettings,omitempty" aws:"enum=ENABLE|DISABLE"`
}

// LakeFormationConfiguration is stored and echoed.
type LakeFormationConfiguration struct {
	UseLakeFormationCredentials *bool  `json:"UseLakeFormationCredentials,omitempty"`
	AccountId                   string `json:"AccountId" aws:"len=0:12"`
}

// Definition is a crawler as CreateCrawler and UpdateCrawler define it (what is stored).
type Definition struct {
	Name                         string                     `json:"Name"`
	Role                         string                     `json:"Role"`
	DatabaseName                 string                     `json:"DatabaseName,omitempty"`
	Description                  string                     `json:"Description,omitempty"`
	Targets                      Targets                    `json:"Targets"`
	Classifiers                  []string                   `json:"Classifiers"`
	TablePrefix                  string                     `json:"TablePrefix,omitempty"`
	SchemaChangePolicy           SchemaChangePolicy         `json:"SchemaChangePolicy"`
	RecrawlPolicy                RecrawlPolicy              `json:"RecrawlPolicy"`
	LineageConfiguration         LineageConfiguration       `json:"LineageConfiguration"`
	LakeFormationConfiguration   LakeFormationConfiguration `json:"LakeFormationConfiguration"`
	Configuration                string                     `json:"Configuration,omitempty"`
	CrawlerSecurityConfiguration string                     `json:"CrawlerSecurityConfiguration,omitempty"`
	Schedule                     string                     `json:"Schedule,omitempty"`
	ScheduleState                string                     `json:"ScheduleState,omitempty"`
}

// Crawler is a crawler as GetCrawler returns it.
type Crawler struct {
	Name                         string                      `json:"Name"`
	Role                         string                      `json:"Role"`
	Targets                      Targets                     `json:"Targets"`
	DatabaseName                 string                      `json:"DatabaseName,omitempty"`
	Description                  string                      `json:"Description,omitempty"`
	Classifiers                  []string                    `json:"Classifiers"`
	RecrawlPolicy                RecrawlPolicy               `json:"RecrawlPolicy"`
	SchemaChangePolicy           SchemaChangePolicy          `json:"SchemaChangePolicy"`
	LineageConfiguration         LineageConfiguration        `json:"LineageConfiguration"`
	State                        State                       `json:"State"`
	TablePrefix                  string                      `json:"TablePrefix,omitempty"`
	Schedule                     *Schedule                   `json:"Schedule,omitempty"`
	CrawlElapsedTime             int64                       `json:"CrawlElapsedTime"`
	CreationTime                 *awsapi.EpochSeconds        `json:"CreationTime,omitempty"`
	LastUpdated                  *awsapi.EpochSeconds        `json:"LastUpdated,omitempty"`
	LastCrawl                    *LastCrawlInfo              `json:"LastCrawl,omitempty"`
	Version                      int64                       `json:"Version"`
	Configuration                string                      `json:"Configuration,omitempty"`
	CrawlerSecurityConfiguration string                      `json:"CrawlerSecurityConfiguration,omitempty"`
	LakeFormationConfiguration   *LakeFormationConfiguration `json:"LakeFormationConfiguration,omitempty"`
}

// State is a crawler's state.
type State string

// Crawler states.
const (
	Ready    State = "READY"
	Running  State = "RUNNING"
	Stopping State = "STOPPING"
)

// Schedule is a crawler's schedule.
type Schedule struct {
	ScheduleExpression string `json:"ScheduleExpression,omitempty"`
	State              string `json:"State,omitempty"`
}

// Schedule states.
const (
	Scheduled    = "SCHEDULED"
	NotScheduled = "NOT_SCHEDULED"
)

// LastCrawlInfo is how the last crawl ended.
type LastCrawlInfo struct {
	Status        string               `json:"Status,omitempty"`
	ErrorMessage  string               `json:"ErrorMessage,omitempty"`
	LogGroup      string               `json:"LogGroup,omitempty"`
	LogStream     string               `json:"LogStream,omitempty"`
	MessagePrefix string               `json:"MessagePrefix,omitempty"`
	StartTime     *awsapi.EpochSeconds `json:"StartTime,omitempty"`
}

// CrawlerMetrics are a crawler's GetCrawlerMetrics entry.
type CrawlerMetrics struct {
	CrawlerName          string  `json:"CrawlerName"`
	TimeLeftSeconds      float64 `json:"TimeLeftSeconds"`
	StillEstimating      bool    `json:"StillEstimating"`
	LastRuntimeSeconds   float64 `json:"LastRuntimeSeconds"`
	MedianRuntimeSeconds float64 `json:"MedianRuntimeSeconds"`
	TablesCreated        int     `json:"TablesCreated"`
	TablesUpdated        int     `json:"TablesUpdated"`
	TablesDeleted        int     `json:"TablesDeleted"`
}

// CrawlerHistory is one crawl as ListCrawls returns it.
type CrawlerHistory struct {
	CrawlId       string               `json:"CrawlId"`
	State         string               `json:"State"`
	StartTime     *awsapi.EpochSeconds `json:"StartTime,omitempty"`
	EndTime       *awsapi.EpochSeconds `json:"EndTime,omitempty"`
	Summary       string               `json:"Summary,omitempty"`
	ErrorMessage  string               `json:"ErrorMessage,omitempty"`
	LogGroup      string               `json:"LogGroup,omitempty"`
	LogStream     string               `json:"LogStream,omitempty"`
	MessagePrefix string               `json:"MessagePrefix,omitempty"`
	DPUHour       float64              `json:"DPUHour"`
}

// CrawlsFilter is one ListCrawls filter.
type CrawlsFilter struct {
	FieldName      string `json:"FieldName,omitempty" aws:"enum=CRAWL_ID|STATE|START_TIME|END_TIME|DPU_HOUR"`
	FilterOperator string `json:"FilterOperator,omitempty" aws:"enum=GT|GE|LT|LE|EQ|NE"`
	FieldValue     string `json:"FieldValue,omitempty"`
}

// LogGroup is where a crawler's log would be on AWS.
const LogGroup = "/aws-glue/crawlers"
