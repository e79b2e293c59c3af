package datazone

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/surveyorhq/surveyor/internal/awsapi"
	"github.com/surveyorhq/surveyor/internal/catalog"
	"github.com/surveyorhq/surveyor/internal/core"
	"github.com/surveyorhq/surveyor/internal/discovery"
	"github.com/surveyorhq/surveyor/internal/filter"
	"github.com/surveyorhq/surveyor/internal/gluecatalog"
	"github.com/surveyorhq/surveyor/internal/resources"
	"github.com/surveyorhq/surveyor/internal/runs"
	"github.com/surveyorhq/surveyor/internal/schedule"
	"github.com/surveyorhq/surveyor/internal/scheduler"
	"github.com/surveyorhq/surveyor/internal/scope"
	"github.com/surveyorhq/surveyor/internal/secrets"
	"github.com/surveyorhq/surveyor/internal/store"
)

const (
	cronModel      = `.*cron\((\b[0-5]?[0-9]\b) (\b2[0-3]\b|\b[0-1]?[0-9]\b) ([-?*,/\dLW]){1,83} ([-*,/\d]|[a-zA-Z]{3}){1,23} ([-?#*,/\dL]|[a-zA-Z]{3}){1,13} ([^\)]+)\).*`
	secretArnModel = `arn:aws[^:]*:secretsmanager:[a-z]{2}-?(iso|gov)?-{1}[a-z]*-{1}[0-9]:\d{12}:secret:.*`
	formNameModel  = `(?![0-9_])\w+$|^_\w*[a-zA-Z0-9]\w*`
)

var (
	cronRe          = regexp.MustCompile(cronModel)
	secretArnRe     = regexp.MustCompile(`^` + secretArnModel + `$`)
	dataAccessRe    = regexp.MustCompile(`^arn:aws[^:]*:iam::\d{12}:(role|role/service-role)/[\w+=,.@-]{1,128}$`)
	clusterNameRe   = regexp.MustCompile(`^[0-9a-z].[a-z0-9\-]*$`)
	workgroupNameRe = regexp.MustCompile(`^[a-z0-9-]+$`)
	formNameRe      = regexp.MustCompile(`^\w+$`)
	formTypeRe      = regexp.MustCompile(`^[\w\.]*\w$`)
	revisionInRe    = regexp.MustCompile(`^[a-zA-Z0-9_-]+$`)
)

// timezones is DataZone's Timezone enum.
var timezones = []string{"UTC", "AFRICA_JOHANNESBURG", "AMERICA_MONTREAL", "AMERICA_SAO_PAULO", "ASIA_BAHRAIN",
	"ASIA_BANGKOK", "ASIA_CALCUTTA", "ASIA_DUBAI", "ASIA_HONG_KONG", "ASIA_JAKARTA", "ASIA_KUALA_LUMPUR", "ASIA_SEOUL",
	"ASIA_SHANGHAI", "ASIA_SINGAPORE", "ASIA_TAIPEI", "ASIA_TOKYO", "AUSTRALIA_MELBOURNE", "AUSTRALIA_SYDNEY",
	"CANADA_CENTRAL", "CET", "CST6CDT", "ETC_GMT", "ETC_GMT0", "ETC_GMT_ADD_0", "ETC_GMT_ADD_1", "ETC_GMT_ADD_10",
	"ETC_GMT_ADD_11", "ETC_GMT_ADD_12", "ETC_GMT_ADD_2", "ETC_GMT_ADD_3", "ETC_GMT_ADD_4", "ETC_GMT_ADD_5",
	"ETC_GMT_ADD_6", "ETC_GMT_ADD_7", "ETC_GMT_ADD_8", "ETC_GMT_ADD_9", "ETC_GMT_NEG_0", "ETC_GMT_NEG_1",
	"ETC_GMT_NEG_10", "ETC_GMT_NEG_11", "ETC_GMT_NEG_12", "ETC_GMT_NEG_13", "ETC_GMT_NEG_14", "ETC_GMT_NEG_2",
	"ETC_GMT_NEG_3", "ETC_GMT_NEG_4", "ETC_GMT_NEG_5", "ETC_GMT_NEG_6", "ETC_GMT_NEG_7", "ETC_GMT_NEG_8",
	"ETC_GMT_NEG_9", "EUROPE_DUBLIN", "EUROPE_LONDON", "EUROPE_PARIS", "EUROPE_STOCKHOLM", "EUROPE_ZURICH", "ISRAEL",
	"MEXICO_GENERAL", "MST7MDT", "PACIFIC_AUCKLAND", "US_CENTRAL", "US_EASTERN", "US_MOUNTAIN", "US_PACIFIC"}

var dataSourceStatuses = []string{"CREATING", "FAILED_CREATION", "READY", "UPDATING", "FAILED_UPDATE", "RUNNING", "DELETING", "FAILED_DELETION"}

// FilterExpression is one INCLUDE or EXCLUDE table-name expression (`*` wildcards).
type FilterExpression struct {
	Type       string `json:"type"`
	Expression string `json:"expression"`
}

// RelationalFilterConfiguration selects the tables of one database (and schema).
type RelationalFilterConfiguration struct {
	DatabaseName      string             `json:"databaseName"`
	SchemaName        string             `json:"schemaName,omitempty"`
	FilterExpressions []FilterExpression `json:"filterExpressions,omitempty"`
}

// GlueRunConfiguration is glueRunConfiguration (input and output).
type GlueRunConfiguration struct {
	AccountID                      string                          `json:"accountId,omitempty"`
	Region                         string                          `json:"region,omitempty"`
	DataAccessRole                 string                          `json:"dataAccessRole,omitempty"`
	RelationalFilterConfigurations []RelationalFilterConfiguration `json:"relationalFilterConfigurations"`
	AutoImportDataQualityResult    *bool                           `json:"autoImportDataQualityResult,omitempty"`
	CatalogName                    string                          `json:"catalogName,omitempty"`
}

// RedshiftCredentialConfiguration names the secret holding the credentials.
type RedshiftCredentialConfiguration struct {
	SecretManagerArn string `json:"secretManagerArn"`
}

// RedshiftStorage is the redshiftStorage union.
type RedshiftStorage struct {
	RedshiftClusterSource *struct {
		ClusterName string `json:"clusterName"`
	} `json:"redshiftClusterSource,omitempty"`
	RedshiftServerlessSource *struct {
		WorkgroupName string `json:"workgroupName"`
	} `json:"redshiftServerlessSource,omitempty"`
}

// RedshiftRunConfiguration is redshiftRunConfiguration (input and output).
type RedshiftRunConfiguration struct {
	AccountID                       string                           `json:"accountId,omitempty"`
	Region                          string                           `json:"region,omitempty"`
	DataAccessRole                  string                           `json:"dataAccessRole,omitempty"`
	RelationalFilterConfigurations  []RelationalFilterConfiguration  `json:"relationalFilterConfigurations"`
	RedshiftCredentialConfiguration *RedshiftCredentialConfiguration `json:"redshiftCredentialConfiguration,omitempty"`
	RedshiftStorage                 *RedshiftStorage                 `json:"redshiftStorage,omitempty"`
}

// Configuration is the DataSourceConfigurationInput/Output union.
type Configuration struct {
	GlueRunConfiguration      *GlueRunConfiguration     `json:"glueRunConfiguration,omitempty"`
	RedshiftRunConfiguration  *RedshiftRunConfiguration `json:"redshiftRunConfiguration,omitempty"`
	SageMakerRunConfiguration json.RawMessage           `json:"sageMakerRunConfiguration,omitempty"`
}

// ScheduleConfiguration is a data source's schedule.
type ScheduleConfiguration struct {
	Timezone string `json:"timezone,omitempty"`
	Schedule string `json:"schedule,omitempty"`
}

// Recommendation is RecommendationConfiguration.
type Recommendation struct {
	EnableBusinessNameGeneration *bool `json:"enableBusinessNameGeneration,omitempty"`
}

// FormInput is one asset form attached to every imported asset.
type FormInput struct {
	FormName       string `json:"formName"`
	TypeIdentifier string `json:"typeIdentifier,omitempty"`
	TypeRevision   string `json:"typeRevision,omitempty"`
	Content        string `json:"content,omitempty"`
}

// FormOutput is a form as responses carry it.
type FormOutput struct {
	FormName     string `json:"formName"`
	TypeName     string `json:"typeName,omitempty"`
	TypeRevision string `json:"typeRevision,omitempty"`
	Content      string `json:"content,omitempty"`
}

// ErrorMessage is DataSourceErrorMessage.
type ErrorMessage struct {
	ErrorType   string `json:"errorType"`
	ErrorDetail string `json:"errorDetail,omitempty"`
}

// dataSourceDoc is a stored data source; its parent is the domain.
type dataSourceDoc struct {
	ID              string                 `json:"id"`
	DomainID        string                 `json:"domainId"`
	ProjectID       string                 `json:"projectId"`
	Name            string                 `json:"name"`
	Description     string                 `json:"description,omitempty"`
	Type            string                 `json:"type"`
	EnvironmentID   string                 `json:"environmentId,omitempty"`
	ConnectionID    string                 `json:"connectionId,omitempty"`
	Configuration   Configuration          `json:"configuration"`
	Recommendation  *Recommendation        `json:"recommendation,omitempty"`
	EnableSetting   string                 `json:"enableSetting"`
	PublishOnImport bool                   `json:"publishOnImport"`
	AssetForms      []FormInput            `json:"assetForms,omitempty"`
	Schedule        *ScheduleConfiguration `json:"schedule,omitempty"`
	// Status is READY, FAILED_CREATION or FAILED_UPDATE; RUNNING is derived from the runs.
	Status       string        `json:"status"`
	ErrorMessage *ErrorMessage `json:"errorMessage,omitempty"`
	// RequestHash is requestHash of the CreateDataSource request that had a clientToken.
	RequestHash string    `json:"requestHash,omitempty"`
	CreatedAt   time.Time `json:"createdAt"`
	UpdatedAt   time.Time `json:"updatedAt"`
}

// secretID is the secret a data source reads its credentials from.
func (d *dataSourceDoc) secretID() string {
	if rc := d.Configuration.RedshiftRunConfiguration; rc != nil && rc.RedshiftCredentialConfiguration != nil {
		return rc.RedshiftCredentialConfiguration.SecretManagerArn
	}
	return d.ConnectionID
}

func (d *dataSourceDoc) filters() []RelationalFilterConfiguration {
	if d.Configuration.RedshiftRunConfiguration != nil {
		return d.Configuration.RedshiftRunConfiguration.RelationalFilterConfigurations
	}
	if d.Configuration.GlueRunConfiguration != nil {
		return d.Configuration.GlueRunConfiguration.RelationalFilterConfigurations
	}
	return nil
}

// Flavours of data sources: which source a run reads and which DataZone asset and form types
// the imported tables get.
const (
	flavourRedshift = "redshift"
	// flavourGlue is a GLUE data source created with connectionIdentifier naming a secret:
	// Surveyor's first reading, kept for the data sources created that way. Its runs read the
	// database the secret names and import its tables with Glue asset types.
	flavourGlue = "glue"
	// flavourGlueCatalog is a GLUE data source as on AWS: its runs read the Glue Data Catalog of
	// the account and region (databaseName is a Glue database).
	flavourGlueCatalog = "glue-catalog"
)

func (d *dataSourceDoc) flavour() string {
	switch {
	case d.Configuration.RedshiftRunConfiguration != nil:
		return flavourRedshift
	case d.Configuration.GlueRunConfiguration != nil && d.ConnectionID == "":
		return flavourGlueCatalog
	}
	return flavourGlue
}

// runMeta rides along in every run's config (discovery ignores it): the DataZone context of the
// run, so runs and their assets stay readable after their data source is deleted.
type runMeta struct {
	DomainID  string `json:"domainId"`
	ProjectID string `json:"projectId"`
	Flavour   string `json:"flavour"`
	// Snapshot is dataSourceConfigurationSnapshot: the data source's configuration when the run
	// (or its schedule) was created. It names the secret but never holds a credential.
	Snapshot string `json:"snapshot"`
	// Region is the region of the Glue catalog a glue-catalog run reads.
	Region string `json:"region,omitempty"`
}

// runConfig is the JSON of a run's config: the discovery config plus runMeta.
type runConfig struct {
	discovery.Config
	DataZone *runMeta `json:"datazone,omitempty"`
}

// rules flattens the relational filter configurations into discovery rules: each configuration
// scopes its expressions to its database and schema (any schema when none is given); one whose
// first expression is EXCLUDE, or that has none, starts by including its whole scope.
func rules(cfgs []RelationalFilterConfiguration) []filter.Rule {
	var out []filter.Rule
	for _, c := range cfgs {
		ns := c.SchemaName
		if ns == "" {
			ns = "*"
		}
		if len(c.FilterExpressions) == 0 || c.FilterExpressions[0].Type == "EXCLUDE" {
			out = append(out, filter.Rule{Action: filter.Include, Database: c.DatabaseName, Namespace: ns, Table: "*"})
		}
		for _, e := range c.FilterExpressions {
			out = append(out, filter.Rule{Action: filter.Action(e.Type), Database: c.DatabaseName, Namespace: ns, Table: e.Expression})
		}
	}
	return out
}

// runConfigOf freezes what a run of d reads, and its DataZone context. A glue-catalog data
// source reads the Glue Data Catalog of region through the gluecatalog reader: its rules name
// Glue databases and table names, lower-cased as Glue stores them.
func runConfigOf(d *dataSourceDoc, region string) json.RawMessage {
	cfgs := d.filters()
	dc := discovery.Config{SecretID: d.secretID(), Rules: rules(cfgs)}
	if len(cfgs) > 0 {
		dc.Database = cfgs[0].DatabaseName
	}
	if d.flavour() == flavourGlueCatalog {
		dc = discovery.Config{Reader: gluecatalog.ReaderName, Rules: glueRules(cfgs),
			Params: map[string]string{gluecatalog.ParamRegion: region, gluecatalog.ParamCatalog: d.Configuration.GlueRunConfiguration.CatalogName}}
	}
	snap, _ := json.Marshal(struct {
		Name            string          `json:"name"`
		Type            string          `json:"type"`
		ConnectionID    string          `json:"connectionId,omitempty"`
		Configuration   Configuration   `json:"configuration"`
		EnableSetting   string          `json:"enableSetting"`
		PublishOnImport bool            `json:"publishOnImport"`
		AssetForms      []FormInput     `json:"assetFormsInput,omitempty"`
		Recommendation  *Recommendation `json:"recommendation,omitempty"`
	}{d.Name, d.Type, d.ConnectionID, d.Configuration, d.EnableSetting, d.PublishOnImport, d.AssetForms, d.Recommendation})
	b, _ := json.Marshal(runConfig{Config: dc, DataZone: &runMeta{DomainID: d.DomainID, ProjectID: d.ProjectID,
		Flavour: d.flavour(), Snapshot: string(snap), Region: region}})
	return b
}

// glueRules are the rules of a glue-catalog data source: Glue has no schemas (a table's
// namespace is its database), and names are lower case.
func glueRules(cfgs []RelationalFilterConfiguration) []filter.Rule {
	out := rules(cfgs)
	for i := range out {
		out[i].Database, out[i].Namespace, out[i].Table = strings.ToLower(out[i].Database), "*", strings.ToLower(out[i].Table)
	}
	return out
}

// dataSourceInput is the body of CreateDataSource and UpdateDataSource.
type dataSourceInput struct {
	Name                  *string                `json:"name"`
	Description           *string                `json:"description"`
	ProjectIdentifier     *string                `json:"projectIdentifier"`
	EnvironmentIdentifier string                 `json:"environmentIdentifier"`
	ConnectionIdentifier  string                 `json:"connectionIdentifier"`
	Type                  *string                `json:"type"`
	Configuration         *Configuration         `json:"configuration"`
	Recommendation        *Recommendation        `json:"recommendation"`
	EnableSetting         *string                `json:"enableSetting"`
	Schedule              *ScheduleConfiguration `json:"schedule"`
	PublishOnImport       *bool                  `json:"publishOnImport"`
	AssetFormsInput       []FormInput            `json:"assetFormsInput"`
	ClientToken           string                 `json:"clientToken"`
	Retain                *bool                  `json:"retainPermissionsOnRevokeFailure"`
}

func validateFilters(v *awsapi.Validator, name string, cfgs []RelationalFilterConfiguration) {
	for i, c := range cfgs {
		p := fmt.Sprintf("%s.%d", name, i+1)
		v.Length(p+".databaseName", c.DatabaseName, 1, 128)
		if c.SchemaName != "" {
			v.Length(p+".schemaName", c.SchemaName, 1, 128)
		}
		for j, e := range c.FilterExpressions {
			q := fmt.Sprintf("%s.filterExpressions.%d", p, j+1)
			v.Required(q+".type", e.Type != "")
			if e.Type != "" {
				v.Enum(q+".type", e.Type, "INCLUDE", "EXCLUDE")
			}
			v.Length(q+".expression", e.Expression, 1, 2048)
		}
	}
}

func validateConfiguration(v *awsapi.Validator, c *Configuration) {
	n := 0
	if g := c.GlueRunConfiguration; g != nil {
		n++
		if g.DataAccessRole != "" {
			v.Pattern("configuration.glueRunConfiguration.dataAccessRole", g.DataAccessRole, dataAccessRe)
		}
		v.Required("configuration.glueRunConfiguration.relationalFilterConfigurations", g.RelationalFilterConfigurations != nil)
		validateFilters(v, "configuration.glueRunConfiguration.relationalFilterConfigurations", g.RelationalFilterConfigurations)
		if g.CatalogName != "" {
			v.Length("configuration.glueRunConfiguration.catalogName", g.CatalogName, 1, 128)
		}
	}
	if rc := c.RedshiftRunConfiguration; rc != nil {
		n++
		p := "configuration.redshiftRunConfiguration"
		if rc.DataAccessRole != "" {
			v.Pattern(p+".dataAccessRole", rc.DataAccessRole, dataAccessRe)
		}
		v.Required(p+".relationalFilterConfigurations", rc.RelationalFilterConfigurations != nil)
		validateFilters(v, p+".relationalFilterConfigurations", rc.RelationalFilterConfigurations)
		if cc := rc.RedshiftCredentialConfiguration; cc != nil {
			v.Required(p+".redshiftCredentialConfiguration.secretManagerArn", cc.SecretManagerArn != "")
			if cc.SecretManagerArn != "" {
				v.Length(p+".redshiftCredentialConfiguration.secretManagerArn", cc.SecretManagerArn, 0, 256)
				v.PatternFunc(p+".redshiftCredentialConfiguration.secretManagerArn", cc.SecretManagerArn, secretArnModel, secretArnRe.MatchString)
			}
		}
		if st := rc.RedshiftStorage; st != nil {
			if st.RedshiftClusterSource != nil {
				v.Length(p+".redshiftStorage.redshiftClusterSource.clusterName", st.RedshiftClusterSource.ClusterName, 1, 63)
				v.Pattern(p+".redshiftStorage.redshiftClusterSource.clusterName", st.RedshiftClusterSource.ClusterName, clusterNameRe)
			}
			if st.RedshiftServerlessSource != nil {
				v.Length(p+".redshiftStorage.redshiftServerlessSource.workgroupName", st.RedshiftServerlessSource.WorkgroupName, 3, 64)
				v.Pattern(p+".redshiftStorage.redshiftServerlessSource.workgroupName", st.RedshiftServerlessSource.WorkgroupName, workgroupNameRe)
			}
		}
	}
	if len(c.SageMakerRunConfiguration) > 0 {
		n++
	}
	if n != 1 {
		v.Fail("configuration", fmt.Sprintf("[%d members]", n), "Member must have exactly one member of the union set")
	}
}

func validateCommon(v *awsapi.Validator, in *dataSourceInput) {
	if in.Name != nil {
		v.Length("name", *in.Name, 1, 256)
	}
	if in.Description != nil {
		v.Length("description", *in.Description, 0, 2048)
	}
	if in.EnableSetting != nil {
		v.Enum("enableSetting", *in.EnableSetting, "ENABLED", "DISABLED")
	}
	if in.Configuration != nil {
		validateConfiguration(v, in.Configuration)
	}
	if s := in.Schedule; s != nil {
		if s.Timezone != "" {
			v.Enum("schedule.timezone", s.Timezone, timezones...)
		}
		if s.Schedule != "" {
			v.Length("schedule.schedule", s.Schedule, 1, 256)
			if problem := scheduleProblem(s.Schedule); problem != "" {
				v.Fail("schedule.schedule", s.Schedule, problem)
			}
		}
	}
	v.Count("assetFormsInput", len(in.AssetFormsInput), 0, 10)
	for i, fi := range in.AssetFormsInput {
		p := fmt.Sprintf("assetFormsInput.%d", i+1)
		v.Length(p+".formName", fi.FormName, 1, 128)
		v.PatternFunc(p+".formName", fi.FormName, formNameModel, func(s string) bool {
			return formNameRe.MatchString(s) && (s[0] < '0' || s[0] > '9')
		})
		if fi.TypeIdentifier != "" {
			v.Length(p+".typeIdentifier", fi.TypeIdentifier, 1, 385)
			v.PatternFunc(p+".typeIdentifier", fi.TypeIdentifier, `(?!\.)[\w\.]*\w`, func(s string) bool {
				return !strings.HasPrefix(s, ".") && formTypeRe.MatchString(s)
			})
		}
		if fi.TypeRevision != "" {
			v.Length(p+".typeRevision", fi.TypeRevision, 1, 64)
			v.Pattern(p+".typeRevision", fi.TypeRevision, revisionInRe)
		}
		v.Length(p+".content", fi.Content, 0, 300000)
	}
}

// Quotas on a data source's filters. The model bounds neither list; every expression is matched
// against every table of every run, so this server caps them (ServiceQuotaExceededException,
// as DataZone answers a quota).
const (
	maxFilterConfigurations = 100
	maxFilterExpressions    = 100 // per relationalFilterConfiguration
)

// checkQuotas refuses filters past the quotas.
func checkQuotas(d *dataSourceDoc) error {
	cfgs := d.filters()
	if len(cfgs) > maxFilterConfigurations {
		return quotaExceeded("The data source has %d relationalFilterConfigurations; the quota is %d.", len(cfgs), maxFilterConfigurations)
	}
	for i, c := range cfgs {
		if len(c.FilterExpressions) > maxFilterExpressions {
			return quotaExceeded("relationalFilterConfigurations.%d has %d filterExpressions; the quota is %d per configuration.",
				i+1, len(c.FilterExpressions), maxFilterExpressions)
		}
	}
	return nil
}

func quotaExceeded(format string, args ...any) error {
	return awsapi.Errorf(http.StatusPaymentRequired, "ServiceQuotaExceededException", format, args...)
}

// checkSemantics rejects what the model allows but this server cannot do, and returns the
// cron problem if any.
func checkSemantics(d *dataSourceDoc) error {
	if err := checkQuotas(d); err != nil {
		return err
	}
	c := d.Configuration
	if len(c.SageMakerRunConfiguration) > 0 {
		return invalid("sageMakerRunConfiguration is not supported: use glueRunConfiguration or redshiftRunConfiguration.")
	}
	if d.flavour() == flavourGlueCatalog {
		if len(d.filters()) == 0 {
			return invalid("glueRunConfiguration.relationalFilterConfigurations must name the Glue database to read.")
		}
		return checkSchedule(d)
	}
	if d.secretID() == "" {
		if c.RedshiftRunConfiguration != nil {
			return invalid("redshiftRunConfiguration needs redshiftCredentialConfiguration.secretManagerArn (or connectionIdentifier) naming a secret with the database credentials.")
		}
		return invalid("glueRunConfiguration needs connectionIdentifier, a member of the request beside configuration (not inside glueRunConfiguration): the name of a secret (RDS secret JSON) holding the database's host, port and credentials.")
	}
	var dbs []string
	for _, f := range d.filters() {
		if !slices.Contains(dbs, f.DatabaseName) {
			dbs = append(dbs, f.DatabaseName)
		}
	}
	switch {
	case len(dbs) == 0:
		return invalid("relationalFilterConfigurations must name the database to read.")
	case len(dbs) > 1:
		return invalid("relationalFilterConfigurations name %d databases (%s); a data source reads one database: create one data source per database.",
			len(dbs), strings.Join(dbs, ", "))
	}
	return checkSchedule(d)
}

// checkSchedule checks the schedule's time zone exists.
func checkSchedule(d *dataSourceDoc) error {
	if s := d.Schedule; s != nil && s.Schedule != "" && s.Timezone != "" { // no timezone: UTC
		if _, err := schedule.LoadLocation(s.Timezone); err != nil {
			return invalid("schedule.timezone %s: %v", s.Timezone, err)
		}
	}
	return nil
}

// scheduleProblem says in words what is wrong with a data source schedule ("" when nothing):
// the cron grammar's message when it is not a valid 6-field cron() (a 5-field cron, a rate(), a
// bad field), else the restriction of DataZone's CronString pattern the cron grammar allows
// (one minute and one hour value). The expression itself is not repeated: the model marks the
// schedule sensitive.
func scheduleProblem(s string) string {
	if err := schedule.ValidateCron(cronExpr(s)); err != nil {
		if se, ok := errors.AsType[*schedule.SyntaxError](err); ok {
			return se.Msg
		}
		return err.Error()
	}
	if !cronRe.MatchString(s) {
		return "DataZone schedules take a single minute (0-59) and a single hour (0-23), e.g. cron(30 2 * * ? *); " +
			"Member must satisfy regular expression pattern: " + cronModel
	}
	return ""
}

// cronExpr extracts "cron(...)" from a schedule the model pattern accepted (it allows text
// around it).
func cronExpr(s string) string {
	i := strings.Index(s, "cron(")
	if i < 0 {
		return s
	}
	j := strings.Index(s[i:], ")")
	if j < 0 {
		return s[i:]
	}
	return s[i : i+j+1]
}

// checkSecret sets d's status from whether its secret exists.
func (f *Facade) checkSecret(ctx context.Context, sc scope.Scope, d *dataSourceDoc, failedStatus string) error {
	if d.flavour() == flavourGlueCatalog { // reads the Glue catalog: no secret
		d.Status, d.ErrorMessage = "READY", nil
		return nil
	}
	_, err := f.Secrets.Describe(ctx, sc, d.secretID())
	switch {
	case errors.Is(err, secrets.ErrNotFound):
		d.Status = failedStatus
		d.ErrorMessage = &ErrorMessage{ErrorType: discovery.ErrResourceNotFound,
			ErrorDetail: fmt.Sprintf("secret %s was not found", d.secretID())}
	case err != nil:
		return fmt.Errorf("check secret of data source %s: %w", d.ID, err)
	default:
		d.Status, d.ErrorMessage = "READY", nil
	}
	return nil
}

// putSchedule puts or removes d's schedule in tx.
func (f *Facade) putSchedule(ctx context.Context, tx *store.Tx, sc scope.Scope, d *dataSourceDoc, now time.Time) error {
	if d.Schedule == nil || d.Schedule.Schedule == "" {
		return scheduler.Remove(ctx, tx, d.ID)
	}
	tz := d.Schedule.Timezone
	if tz == "" {
		tz = "UTC"
	}
	return scheduler.Put(ctx, tx, scheduler.Entry{Scope: sc, SourceID: d.ID, Expression: cronExpr(d.Schedule.Schedule),
		Timezone: tz, Enabled: d.EnableSetting != "DISABLED", Job: discovery.JobDiscover, Config: runConfigOf(d, f.region(ctx))}, now)
}

// dataSourceOutput is the DataSource shape (Create/Get/Update/Delete responses).
type dataSourceOutput struct {
	ID                  string                 `json:"id"`
	Status              string                 `json:"status"`
	Type                string                 `json:"type"`
	Name                string                 `json:"name"`
	Description         string                 `json:"description,omitempty"`
	DomainID            string                 `json:"domainId"`
	ProjectID           string                 `json:"projectId"`
	EnvironmentID       string                 `json:"environmentId,omitempty"`
	ConnectionID        string                 `json:"connectionId,omitempty"`
	Configuration       *Configuration         `json:"configuration,omitempty"`
	Recommendation      *Recommendation        `json:"recommendation,omitempty"`
	EnableSetting       string                 `json:"enableSetting"`
	PublishOnImport     bool                   `json:"publishOnImport"`
	AssetFormsOutput    []FormOutput           `json:"assetFormsOutput,omitempty"`
	Schedule            *ScheduleConfiguration `json:"schedule,omitempty"`
	LastRunStatus       string                 `json:"lastRunStatus,omitempty"`
	LastRunAt           *awsapi.ISO8601        `json:"lastRunAt,omitempty"`
	LastRunErrorMessage *ErrorMessage          `json:"lastRunErrorMessage,omitempty"`
	LastRunAssetCount   *int                   `json:"lastRunAssetCount,omitempty"`
	ErrorMessage        *ErrorMessage          `json:"errorMessage,omitempty"`
	CreatedAt           awsapi.ISO8601         `json:"createdAt"`
	UpdatedAt           awsapi.ISO8601         `json:"updatedAt"`
	Retain              *bool                  `json:"retainPermissionsOnRevokeFailure,omitempty"`
}

// dataSourceSummary is a ListDataSources item.
type dataSourceSummary struct {
	DomainID            string                 `json:"domainId"`
	EnvironmentID       string                 `json:"environmentId,omitempty"`
	ConnectionID        string                 `json:"connectionId,omitempty"`
	DataSourceID        string                 `json:"dataSourceId"`
	Name                string                 `json:"name"`
	Type                string                 `json:"type"`
	Status              string                 `json:"status"`
	EnableSetting       string                 `json:"enableSetting"`
	Schedule            *ScheduleConfiguration `json:"schedule,omitempty"`
	LastRunStatus       string                 `json:"lastRunStatus,omitempty"`
	LastRunAt           *awsapi.ISO8601        `json:"lastRunAt,omitempty"`
	LastRunErrorMessage *ErrorMessage          `json:"lastRunErrorMessage,omitempty"`
	LastRunAssetCount   *int                   `json:"lastRunAssetCount,omitempty"`
	CreatedAt           awsapi.ISO8601         `json:"createdAt"`
	UpdatedAt           awsapi.ISO8601         `json:"updatedAt"`
	Description         string                 `json:"description,omitempty"`
}

// lastRun is what the latest run says about a data source.
type lastRun struct {
	status    string
	at        *awsapi.ISO8601
	errMsg    *ErrorMessage
	assets    *int
	active    bool
	hasLatest bool
}

func (f *Facade) lastRunOf(ctx context.Context, sc scope.Scope, id string) (lastRun, error) {
	list, _, err := f.Runs.List(ctx, runs.ListQuery{Scope: sc, SourceID: id, Limit: 1})
	if err != nil || len(list) == 0 {
		return lastRun{}, err
	}
	r := list[0]
	lr := lastRun{status: r.Status, hasLatest: true, active: !runs.Terminal(r.Status), errMsg: runError(r)}
	at := r.CreatedAt
	if r.StartedAt != nil {
		at = *r.StartedAt
	}
	lr.at = ptr(awsapi.ISO8601(at))
	if st := runStats(r); st != nil {
		n := st.Added + st.Updated + st.Unchanged
		lr.assets = &n
	}
	return lr, nil
}

// status is the data source's status: RUNNING while a run is active.
func (d *dataSourceDoc) status(lr lastRun) string {
	if lr.active && d.Status == "READY" {
		return "RUNNING"
	}
	return d.Status
}

func (d *dataSourceDoc) configOut(sc scope.Scope, region string) *Configuration {
	c := d.Configuration
	if g := c.GlueRunConfiguration; g != nil {
		cp := *g
		cp.AccountID, cp.Region = sc.Account, region
		c.GlueRunConfiguration = &cp
	}
	if rc := c.RedshiftRunConfiguration; rc != nil {
		cp := *rc
		cp.AccountID, cp.Region = sc.Account, region
		if cp.RedshiftStorage == nil {
			// The output shape requires redshiftStorage; the input does not. The database is
			// reached through the secret, so the cluster only names it.
			cp.RedshiftStorage = &RedshiftStorage{RedshiftClusterSource: &struct {
				ClusterName string `json:"clusterName"`
			}{ClusterName: defaultClusterName}}
		}
		c.RedshiftRunConfiguration = &cp
	}
	return &c
}

// defaultClusterName is the redshiftStorage cluster a Redshift data source created without one reports.
const defaultClusterName = "surveyor"

func (d *dataSourceDoc) formsOut() []FormOutput {
	var out []FormOutput
	for _, fi := range d.AssetForms {
		out = append(out, FormOutput{FormName: fi.FormName, TypeName: fi.TypeIdentifier, TypeRevision: fi.TypeRevision, Content: fi.Content})
	}
	return out
}

func (f *Facade) dataSourceOut(sc scope.Scope, d *dataSourceDoc, lr lastRun) *dataSourceOutput {
	return &dataSourceOutput{ID: d.ID, Status: d.status(lr), Type: d.Type, Name: d.Name, Description: d.Description,
		DomainID: d.DomainID, ProjectID: d.ProjectID, EnvironmentID: d.EnvironmentID, ConnectionID: d.ConnectionID,
		Configuration: d.configOut(sc, sc.Region), Recommendation: d.Recommendation, EnableSetting: d.EnableSetting,
		PublishOnImport: d.PublishOnImport, AssetFormsOutput: d.formsOut(), Schedule: d.Schedule,
		LastRunStatus: lr.status, LastRunAt: lr.at, LastRunErrorMessage: lr.errMsg, LastRunAssetCount: lr.assets,
		ErrorMessage: d.ErrorMessage, CreatedAt: awsapi.ISO8601(d.CreatedAt), UpdatedAt: awsapi.ISO8601(d.UpdatedAt)}
}

func (f *Facade) createDataSource(ctx context.Context, r *awsapi.RESTRequest) (int, any, error) {
	domainID := r.Labels["domainIdentifier"]
	var in dataSourceInput
	if err := r.DecodeJSON(&in); err != nil {
		return 0, nil, err
	}
	if err := validateCreateDataSource(domainID, &in); err != nil {
		return 0, nil, err
	}
	if in.Configuration == nil {
		return 0, nil, invalid("configuration is required by this server: glueRunConfiguration or redshiftRunConfiguration (with redshiftCredentialConfiguration).")
	}
	sc := core.Scope(ctx)
	now := f.Now().UTC().Truncate(time.Millisecond)
	d := newDataSourceDoc(sc, domainID, in, now)
	if err := checkSemantics(&d); err != nil {
		return 0, nil, err
	}
	if err := f.checkSecret(ctx, sc, &d, "FAILED_CREATION"); err != nil {
		return 0, nil, err
	}
	created := true
	// existing answers a clientToken used before: the same request gets what the first call
	// made, another request is refused.
	existing := func(tx *store.Tx) error {
		rec, err := resources.Get(ctx, tx, sc, kindDataSource, d.ID)
		if err != nil {
			return err
		}
		hash := d.RequestHash
		created = false
		if err := rec.Decode(&d); err != nil {
			return err
		}
		if d.RequestHash != "" && d.RequestHash != hash { // "": stored before requests were hashed
			return tokenMismatch("CreateDataSource", in.ClientToken)
		}
		return nil
	}
	err := f.CreateOnce(ctx, in.ClientToken != "", func(tx *store.Tx) error {
		if err := f.checkDomain(ctx, tx, domainID); err != nil {
			return err
		}
		if _, err := f.loadProject(ctx, tx, sc, domainID, d.ProjectID); err != nil {
			return err
		}
		if in.ClientToken != "" {
			if err := existing(tx); !isNotFound(err) {
				return err
			}
		}
		// The store keeps data source names unique in their domain, across processes.
		if err := resources.Insert(ctx, tx, sc, kindDataSource, resources.Record{ID: d.ID, Name: d.Name, ParentID: domainID,
			UniqueNameInParent: true, CreatedAt: now}, d); err != nil {
			return err
		}
		return f.putSchedule(ctx, tx, sc, &d, now)
	}, existing)
	if errors.Is(err, resources.ErrNameTaken) {
		return 0, nil, nameTaken(d.Name, domainID)
	}
	if err != nil {
		return 0, nil, err
	}
	out := f.dataSourceOut(sc, &d, lastRun{})
	if created && d.Status == "READY" {
		out.Status = "CREATING" // as DataZone answers; the data source is READY from the next read on
	}
	return http.StatusCreated, out, nil
}

// validateCreateDataSource checks a CreateDataSource request against the model.
func validateCreateDataSource(domainID string, in *dataSourceInput) error {
	v := newValidator().Sensitive("name", "description", "schedule.schedule", "schedule.timezone")
	validateDomainID(v, "domainIdentifier", domainID)
	v.Required("name", in.Name != nil)
	v.Required("projectIdentifier", in.ProjectIdentifier != nil)
	v.Required("type", in.Type != nil)
	if in.ProjectIdentifier != nil {
		validateID(v, "projectIdentifier", *in.ProjectIdentifier, true)
	}
	validateID(v, "environmentIdentifier", in.EnvironmentIdentifier, false)
	validateID(v, "connectionIdentifier", in.ConnectionIdentifier, false)
	if in.Type != nil {
		v.Length("type", *in.Type, 1, 256)
	}
	validateCommon(v, in)
	return v.Err()
}

// newDataSourceDoc is the data source a CreateDataSource request makes; with a client token its
// id is derived from the token and the request's hash is kept, so a retry finds it.
func newDataSourceDoc(sc scope.Scope, domainID string, in dataSourceInput, now time.Time) dataSourceDoc {
	d := dataSourceDoc{ID: newID(), DomainID: domainID, ProjectID: *in.ProjectIdentifier, Name: *in.Name, Type: *in.Type,
		EnvironmentID: in.EnvironmentIdentifier, ConnectionID: in.ConnectionIdentifier, Configuration: *in.Configuration,
		Recommendation: in.Recommendation, EnableSetting: "ENABLED", PublishOnImport: in.PublishOnImport != nil && *in.PublishOnImport,
		AssetForms: in.AssetFormsInput, Schedule: in.Schedule, CreatedAt: now, UpdatedAt: now}
	if in.ClientToken != "" {
		d.ID = tokenID(sc.Account, sc.Region, "data-source", domainID, in.ClientToken)
		norm := in
		norm.ClientToken = ""
		d.RequestHash = requestHash("CreateDataSource/"+domainID, norm)
	}
	if in.Description != nil {
		d.Description = *in.Description
	}
	if in.EnableSetting != nil {
		d.EnableSetting = *in.EnableSetting
	}
	return d
}

// nameTaken is the answer to a data source name already used in the domain.
func nameTaken(name, domainID string) error {
	return conflict("A data source named %s already exists in domain %s.", name, domainID)
}

// loadDataSource reads a data source of a domain; unknown → ResourceNotFoundException.
func (f *Facade) loadDataSource(ctx context.Context, tx *store.Tx, sc scope.Scope, domainID, id string) (*dataSourceDoc, error) {
	var d dataSourceDoc
	rec, err := resources.Get(ctx, tx, sc, kindDataSource, id)
	if isNotFound(err) || (err == nil && rec.ParentID != domainID) {
		return nil, notFound("Data source %s was not found in domain %s.", id, domainID)
	}
	if err != nil {
		return nil, err
	}
	return &d, rec.Decode(&d)
}

func (f *Facade) readDataSource(ctx context.Context, domainID, id string) (*dataSourceDoc, error) {
	var d *dataSourceDoc
	err := f.DB.ReadTx(ctx, func(tx *store.Tx) (err error) {
		if err := f.checkDomain(ctx, tx, domainID); err != nil {
			return err
		}
		d, err = f.loadDataSource(ctx, tx, core.Scope(ctx), domainID, id)
		return err
	})
	return d, err
}

func labelsDomainAndID(r *awsapi.RESTRequest, idLabel string) (string, string, error) {
	domainID, id := r.Labels["domainIdentifier"], r.Labels[idLabel]
	v := newValidator()
	validateDomainID(v, "domainIdentifier", domainID)
	validateID(v, idLabel, id, true)
	return domainID, id, v.Err()
}

func (f *Facade) getDataSource(ctx context.Context, r *awsapi.RESTRequest) (int, any, error) {
	domainID, id, err := labelsDomainAndID(r, "identifier")
	if err != nil {
		return 0, nil, err
	}
	d, err := f.readDataSource(ctx, domainID, id)
	if err != nil {
		return 0, nil, err
	}
	sc := core.Scope(ctx)
	lr, err := f.lastRunOf(ctx, sc, id)
	if err != nil {
		return 0, nil, err
	}
	return 0, f.dataSourceOut(sc, d, lr), nil
}

func (f *Facade) listDataSources(ctx context.Context, r *awsapi.RESTRequest) (int, any, error) {
	domainID := r.Labels["domainIdentifier"]
	limit, token, err := validatePaging(r, 50)
	if err != nil {
		return 0, nil, err
	}
	q, err := dataSourceQuery(r, domainID)
	if err != nil {
		return 0, nil, err
	}
	sc := core.Scope(ctx)
	scope := sc.String() + "/ListDataSources/" + domainID
	for _, k := range dataSourceFilters {
		scope += "/" + q[k]
	}
	var cur listCursor
	if token != "" && f.Tokens.Decode(scope, token, &cur) != nil {
		return 0, nil, badToken()
	}
	out := struct {
		Items     []dataSourceSummary `json:"items"`
		NextToken string              `json:"nextToken,omitempty"`
	}{Items: []dataSourceSummary{}}
	// Data sources per domain are few: read the candidates after the cursor, then derive each
	// one's status from its runs (outside the read transaction) and filter on it.
	var docs []dataSourceDoc
	err = f.DB.ReadTx(ctx, func(tx *store.Tx) error {
		if err := f.checkDomain(ctx, tx, domainID); err != nil {
			return err
		}
		_, _, err := pageFiltered(ctx, tx, sc, kindDataSource, domainID, cur.After, 1<<30, func(rec resources.Record) (bool, error) {
			var d dataSourceDoc
			if err := rec.Decode(&d); err != nil || !q.matches(&d) {
				return false, err
			}
			docs = append(docs, d)
			return true, nil
		})
		return err
	})
	if err != nil {
		return 0, nil, err
	}
	for i := range docs {
		d := &docs[i]
		lr, err := f.lastRunOf(ctx, sc, d.ID)
		if err != nil {
			return 0, nil, err
		}
		if q["status"] != "" && d.status(lr) != q["status"] {
			continue
		}
		if len(out.Items) == limit {
			if out.NextToken, err = f.Tokens.Encode(scope, listCursor{After: out.Items[limit-1].DataSourceID}); err != nil {
				return 0, nil, err
			}
			break
		}
		out.Items = append(out.Items, dataSourceSummary{DomainID: d.DomainID, EnvironmentID: d.EnvironmentID,
			ConnectionID: d.ConnectionID, DataSourceID: d.ID, Name: d.Name, Type: d.Type, Status: d.status(lr),
			EnableSetting: d.EnableSetting, Schedule: d.Schedule, LastRunStatus: lr.status, LastRunAt: lr.at,
			LastRunErrorMessage: lr.errMsg, LastRunAssetCount: lr.assets, CreatedAt: awsapi.ISO8601(d.CreatedAt),
			UpdatedAt: awsapi.ISO8601(d.UpdatedAt), Description: d.Description})
	}
	return 0, out, nil
}

// dataSourceFilters are ListDataSources' query parameters, in the order its page tokens bind them.
var dataSourceFilters = []string{"projectIdentifier", "environmentIdentifier", "connectionIdentifier", "type", "status", "name"}

// dataSourceFilter is a ListDataSources query, by parameter name.
type dataSourceFilter map[string]string

// dataSourceQuery reads and checks ListDataSources' query parameters.
func dataSourceQuery(r *awsapi.RESTRequest, domainID string) (dataSourceFilter, error) {
	q := dataSourceFilter{}
	for _, k := range dataSourceFilters {
		var err error
		if q[k], _, err = r.QueryString(k); err != nil {
			return nil, err
		}
	}
	v := newValidator().Sensitive("name")
	validateDomainID(v, "domainIdentifier", domainID)
	v.Required("projectIdentifier", q["projectIdentifier"] != "")
	if q["type"] != "" {
		v.Length("type", q["type"], 1, 256)
	}
	if q["status"] != "" {
		v.Enum("status", q["status"], dataSourceStatuses...)
	}
	if q["name"] != "" {
		v.Length("name", q["name"], 1, 256)
	}
	return q, v.Err()
}

// matches reports whether d passes every filter but status (which needs d's runs).
func (q dataSourceFilter) matches(d *dataSourceDoc) bool {
	return d.ProjectID == q["projectIdentifier"] &&
		(q["environmentIdentifier"] == "" || d.EnvironmentID == q["environmentIdentifier"]) &&
		(q["connectionIdentifier"] == "" || d.ConnectionID == q["connectionIdentifier"]) &&
		(q["type"] == "" || d.Type == q["type"]) && (q["name"] == "" || d.Name == q["name"])
}

func (f *Facade) updateDataSource(ctx context.Context, r *awsapi.RESTRequest) (int, any, error) {
	domainID, id, err := labelsDomainAndID(r, "identifier")
	if err != nil {
		return 0, nil, err
	}
	var in dataSourceInput
	if err := r.DecodeJSON(&in); err != nil {
		return 0, nil, err
	}
	v := newValidator().Sensitive("name", "description", "schedule.schedule", "schedule.timezone")
	validateCommon(v, &in)
	if err := v.Err(); err != nil {
		return 0, nil, err
	}
	sc := core.Scope(ctx)
	d, err := f.readDataSource(ctx, domainID, id)
	if err != nil {
		return 0, nil, err
	}
	if in.Name != nil {
		d.Name = *in.Name
	}
	if in.Description != nil {
		d.Description = *in.Description
	}
	if in.EnableSetting != nil {
		d.EnableSetting = *in.EnableSetting
	}
	if in.PublishOnImport != nil {
		d.PublishOnImport = *in.PublishOnImport
	}
	if in.AssetFormsInput != nil {
		d.AssetForms = in.AssetFormsInput
	}
	if in.Schedule != nil {
		d.Schedule = in.Schedule
	}
	if in.Configuration != nil {
		d.Configuration = *in.Configuration
	}
	if in.Recommendation != nil {
		d.Recommendation = in.Recommendation
	}
	if err := checkSemantics(d); err != nil {
		return 0, nil, err
	}
	failed := "FAILED_UPDATE"
	if d.Status == "FAILED_CREATION" {
		failed = "FAILED_CREATION"
	}
	if err := f.checkSecret(ctx, sc, d, failed); err != nil {
		return 0, nil, err
	}
	now := f.Now().UTC().Truncate(time.Millisecond)
	d.UpdatedAt = now
	err = f.Tx(ctx, func(tx *store.Tx) error {
		if _, err := f.loadDataSource(ctx, tx, sc, domainID, id); err != nil {
			return err
		}
		err := resources.Update(ctx, tx, sc, kindDataSource, id, d.Name, d, now)
		if errors.Is(err, resources.ErrNameTaken) {
			return nameTaken(d.Name, domainID)
		}
		if err != nil {
			return err
		}
		return f.putSchedule(ctx, tx, sc, d, now)
	})
	if err != nil {
		return 0, nil, err
	}
	lr, err := f.lastRunOf(ctx, sc, id)
	if err != nil {
		return 0, nil, err
	}
	out := f.dataSourceOut(sc, d, lr)
	out.Retain = in.Retain
	out.LastRunAssetCount = nil // not a member of UpdateDataSourceOutput
	return 0, out, nil
}

// deletedDataSource is the tombstone a DeleteDataSource with a clientToken leaves (kind
// kindDeletedDataSource, id deleteTokenKey, parent the domain): a retry with the same token gets
// the same answer instead of ResourceNotFoundException.
type deletedDataSource struct {
	DomainID     string            `json:"domainId"`
	DataSourceID string            `json:"dataSourceId"`
	Response     *dataSourceOutput `json:"response"`
}

// deleteTokenKey is the tombstone id of a DeleteDataSource clientToken (tombstones are scoped to
// the account by the store).
func deleteTokenKey(token string) string {
	sum := sha256.Sum256([]byte("DeleteDataSource\x00" + token))
	return hex.EncodeToString(sum[:])
}

func (f *Facade) deleteDataSource(ctx context.Context, r *awsapi.RESTRequest) (int, any, error) {
	var d dataSourceDelete
	var err error
	if d.domainID, d.id, err = labelsDomainAndID(r, "identifier"); err != nil {
		return 0, nil, err
	}
	if d.token, _, err = r.QueryString("clientToken"); err != nil {
		return 0, nil, err
	}
	retain, retainSet, err := r.QueryBool("retainPermissionsOnRevokeFailure")
	if err != nil {
		return 0, nil, err
	}
	if retainSet {
		d.retain = &retain
	}
	d.sc = core.Scope(ctx)
	// The latest run is read before the write transaction; runs outlive their data source.
	if d.lastRun, err = f.lastRunOf(ctx, d.sc, d.id); err != nil {
		return 0, nil, err
	}
	// A delete that lost a race to another delete runs again in a fresh transaction, where it
	// finds that delete's tombstone (same answer, or a token mismatch) or the data source gone.
	var out *dataSourceOutput
	del := func(tx *store.Tx) error {
		out, err = f.deleteDataSourceTx(ctx, tx, &d)
		return err
	}
	err = f.Tx(ctx, del)
	for attempt := 0; errors.Is(err, errDeleteRaced) && attempt < 3; attempt++ {
		err = f.Tx(ctx, del)
	}
	if err != nil {
		return 0, nil, err
	}
	return 0, out, nil
}

// dataSourceDelete is one DeleteDataSource request.
type dataSourceDelete struct {
	sc           scope.Scope
	domainID, id string
	token        string
	retain       *bool
	lastRun      lastRun
}

// deleteDataSourceTx deletes the data source, its schedule, and leaves a tombstone under the
// client token that answers a retry the same way.
func (f *Facade) deleteDataSourceTx(ctx context.Context, tx *store.Tx, d *dataSourceDelete) (*dataSourceOutput, error) {
	if err := f.checkDomain(ctx, tx, d.domainID); err != nil {
		return nil, err
	}
	if out, err := f.deletedByToken(ctx, tx, d); out != nil || err != nil {
		return out, err
	}
	doc, err := f.loadDataSource(ctx, tx, d.sc, d.domainID, d.id)
	if isNotFound(err) && d.token != "" {
		// A delete with the token may have committed since the tombstone was read (each statement
		// sees what committed before it): its tombstone answers.
		if out, terr := f.deletedByToken(ctx, tx, d); out != nil || terr != nil {
			return out, terr
		}
	}
	if err != nil {
		return nil, err
	}
	if err := resources.Delete(ctx, tx, d.sc, kindDataSource, d.id); err != nil {
		if isNotFound(err) && d.token != "" {
			return nil, errDeleteRaced // another delete committed since loadDataSource
		}
		return nil, err
	}
	if err := scheduler.Remove(ctx, tx, d.id); err != nil {
		return nil, err
	}
	out := f.dataSourceOut(d.sc, doc, d.lastRun)
	out.Status, out.Recommendation, out.LastRunAssetCount = "DELETING", nil, nil
	if d.retain != nil {
		out.Retain = d.retain
	}
	if d.token == "" {
		return out, nil
	}
	now := f.Now().UTC().Truncate(time.Millisecond)
	err = resources.Insert(ctx, tx, d.sc, kindDeletedDataSource, resources.Record{ID: deleteTokenKey(d.token), Name: d.id,
		ParentID: d.domainID, CreatedAt: now}, deletedDataSource{DomainID: d.domainID, DataSourceID: d.id, Response: out})
	if errors.Is(err, resources.ErrExists) {
		return nil, errDeleteRaced // a concurrent delete with this token committed first
	}
	return out, err
}

// deletedByToken returns the answer of the delete that d's client token already made, nil
// when there was none; a token used for another data source is a conflict.
func (f *Facade) deletedByToken(ctx context.Context, tx *store.Tx, d *dataSourceDelete) (*dataSourceOutput, error) {
	if d.token == "" {
		return nil, nil
	}
	rec, err := resources.Get(ctx, tx, d.sc, kindDeletedDataSource, deleteTokenKey(d.token))
	switch {
	case isNotFound(err):
		return nil, nil
	case err != nil:
		return nil, err
	}
	var tomb deletedDataSource
	if err := rec.Decode(&tomb); err != nil {
		return nil, err
	}
	if tomb.DomainID != d.domainID || tomb.DataSourceID != d.id {
		return nil, tokenMismatch("DeleteDataSource", d.token)
	}
	return tomb.Response, nil // a retry of a delete that succeeded: the same answer
}

// errDeleteRaced says a DeleteDataSource with a clientToken lost to a concurrent delete.
var errDeleteRaced = errors.New("delete data source: a concurrent delete committed first")

// deleteTombstones forgets the DeleteDataSource tokens of a domain that is being deleted.
func deleteTombstones(ctx context.Context, tx *store.Tx, sc scope.Scope, domainID string) error {
	for {
		recs, _, err := resources.List(ctx, tx, sc, kindDeletedDataSource, resources.ListQuery{ParentID: &domainID, Limit: 500})
		if err != nil || len(recs) == 0 {
			return err
		}
		for _, rec := range recs {
			if err := resources.Delete(ctx, tx, sc, kindDeletedDataSource, rec.ID); err != nil {
				return err
			}
		}
	}
}

// deleteDataSourcesWhere deletes the data sources of a domain (of one project when projectID is
// set) and their schedules.
func (f *Facade) deleteDataSourcesWhere(ctx context.Context, tx *store.Tx, sc scope.Scope, domainID, projectID string) error {
	var ids []string
	if _, _, err := pageFiltered(ctx, tx, sc, kindDataSource, domainID, "", 1<<30, func(rec resources.Record) (bool, error) {
		var d dataSourceDoc
		if err := rec.Decode(&d); err != nil {
			return false, err
		}
		if projectID == "" || d.ProjectID == projectID {
			ids = append(ids, d.ID)
		}
		return false, nil
	}); err != nil {
		return err
	}
	for _, id := range ids {
		if err := resources.Delete(ctx, tx, sc, kindDataSource, id); err != nil {
			return err
		}
		if err := scheduler.Remove(ctx, tx, id); err != nil {
			return err
		}
	}
	return nil
}

// runStats decodes a run's statistics; nil when it has none.
func runStats(r runs.Run) *catalog.Stats {
	if len(r.Stats) == 0 {
		return nil
	}
	var s catalog.Stats
	if json.Unmarshal(r.Stats, &s) != nil {
		return nil
	}
	return &s
}

// runError is a run's errorMessage, when it has one.
func runError(r runs.Run) *ErrorMessage {
	if r.ErrorType == "" {
		return nil
	}
	return &ErrorMessage{ErrorType: r.ErrorType, ErrorDetail: r.ErrorDetail}
}
