package dms

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/surveyorhq/surveyor/internal/awsapi"
	"github.com/surveyorhq/surveyor/internal/core"
	"github.com/surveyorhq/surveyor/internal/discovery"
	"github.com/surveyorhq/surveyor/internal/resources"
	"github.com/surveyorhq/surveyor/internal/scope"
	"github.com/surveyorhq/surveyor/internal/store"
)

// engineDisplayNames lists the engines an endpoint may name — the EngineName values the DMS API
// documents, and sqlite, Surveyor's own (its file path goes in DatabaseName, or ServerName) —
// with the name shown for them. Any of them can be created; readableEngines are those Surveyor
// can connect to (s3 endpoints are read by the files connector).
var engineDisplayNames = map[string]string{
	"postgres":                     "PostgreSQL",
	"aurora-postgresql":            "Amazon Aurora PostgreSQL",
	"mysql":                        "MySQL",
	"mariadb":                      "MariaDB",
	"aurora":                       "Amazon Aurora MySQL",
	"sqlite":                       "SQLite",
	engineS3:                       "Amazon S3",
	"oracle":                       "Oracle",
	"sqlserver":                    "Microsoft SQL Server",
	"azuredb":                      "Azure SQL Database",
	"azure-sql-managed-instance":   "Azure SQL Managed Instance",
	"sybase":                       "SAP ASE",
	"db2":                          "IBM Db2 for Linux, UNIX and Windows",
	"db2-zos":                      "IBM Db2 for z/OS",
	"redshift":                     "Amazon Redshift",
	"redshift-serverless":          "Amazon Redshift Serverless",
	"aurora-serverless":            "Amazon Aurora MySQL Serverless",
	"aurora-postgresql-serverless": "Amazon Aurora PostgreSQL Serverless",
	"babelfish":                    "Babelfish for Aurora PostgreSQL",
	"gcp-mysql":                    "Google Cloud SQL for MySQL",
	"dynamodb":                     "Amazon DynamoDB",
	"mongodb":                      "MongoDB",
	"docdb":                        "Amazon DocumentDB",
	"kinesis":                      "Amazon Kinesis",
	"kafka":                        "Kafka",
	"opensearch":                   "Amazon OpenSearch Service",
	"elasticsearch":                "Elasticsearch",
	"neptune":                      "Amazon Neptune",
	"redis":                        "Redis",
	"dms-transfer":                 "DMS Transfer",
}

const readableEngines = "postgres, aurora-postgresql, mysql, mariadb, aurora, sqlite, s3"

func readable(engine string) bool {
	return isPostgres(engine) || isMySQL(engine) || engine == "sqlite" || engine == engineS3
}

func isPostgres(engine string) bool { return engine == "postgres" || engine == "aurora-postgresql" }
func isMySQL(engine string) bool {
	return engine == "mysql" || engine == "mariadb" || engine == "aurora"
}

// PostgreSQLSettings is the DMS PostgreSQLSettings shape. Password is accepted, sealed, and
// never returned.
type PostgreSQLSettings struct {
	AfterConnectScript          *string `json:",omitempty"`
	AuthenticationMethod        *string `json:",omitempty"`
	BabelfishDatabaseName       *string `json:",omitempty"`
	CaptureDdls                 *bool   `json:",omitempty"`
	DatabaseMode                *string `json:",omitempty"`
	DatabaseName                *string `json:",omitempty"`
	DdlArtifactsSchema          *string `json:",omitempty"`
	DisableUnicodeSourceFilter  *bool   `json:",omitempty"`
	ExecuteTimeout              *int32  `json:",omitempty"`
	FailTasksOnLobTruncation    *bool   `json:",omitempty"`
	HeartbeatEnable             *bool   `json:",omitempty"`
	HeartbeatFrequency          *int32  `json:",omitempty"`
	HeartbeatSchema             *string `json:",omitempty"`
	MapBooleanAsBoolean         *bool   `json:",omitempty"`
	MapJsonbAsClob              *bool   `json:",omitempty"`
	MapLongVarcharAs            *string `json:",omitempty"`
	MaxFileSize                 *int32  `json:",omitempty"`
	Password                    *string `json:",omitempty"`
	PluginName                  *string `json:",omitempty"`
	Port                        *int32  `json:",omitempty"`
	SecretsManagerAccessRoleArn *string `json:",omitempty"`
	SecretsManagerSecretId      *string `json:",omitempty"`
	ServerName                  *string `json:",omitempty"`
	ServiceAccessRoleArn        *string `json:",omitempty"`
	SlotName                    *string `json:",omitempty"`
	TrimSpaceInChar             *bool   `json:",omitempty"`
	Username                    *string `json:",omitempty"`
}

// MySQLSettings is the DMS MySQLSettings shape. Password is accepted, sealed, and never
// returned.
type MySQLSettings struct {
	AfterConnectScript            *string `json:",omitempty"`
	AuthenticationMethod          *string `json:",omitempty"`
	CleanSourceMetadataOnMismatch *bool   `json:",omitempty"`
	DatabaseName                  *string `json:",omitempty"`
	EventsPollInterval            *int32  `json:",omitempty"`
	ExecuteTimeout                *int32  `json:",omitempty"`
	MaxFileSize                   *int32  `json:",omitempty"`
	ParallelLoadThreads           *int32  `json:",omitempty"`
	Password                      *string `json:",omitempty"`
	Port                          *int32  `json:",omitempty"`
	SecretsManagerAccessRoleArn   *string `json:",omitempty"`
	SecretsManagerSecretId        *string `json:",omitempty"`
	ServerName                    *string `json:",omitempty"`
	ServerTimezone                *string `json:",omitempty"`
	ServiceAccessRoleArn          *string `json:",omitempty"`
	TargetDbType                  *string `json:",omitempty"`
	Username                      *string `json:",omitempty"`
}

// endpointDoc is an endpoint as the store keeps it: never a clear password.
type endpointDoc struct {
	Identifier                string              `json:"identifier"`
	Type                      string              `json:"type"`
	Engine                    string              `json:"engine"`
	Username                  string              `json:"username,omitempty"`
	ServerName                string              `json:"serverName,omitempty"`
	Port                      int32               `json:"port,omitempty"`
	DatabaseName              string              `json:"databaseName,omitempty"`
	ExtraConnectionAttributes string              `json:"extraConnectionAttributes,omitempty"`
	KmsKeyId                  string              `json:"kmsKeyId,omitempty"`
	CertificateArn            string              `json:"certificateArn,omitempty"`
	SslMode                   string              `json:"sslMode,omitempty"`
	ServiceAccessRoleArn      string              `json:"serviceAccessRoleArn,omitempty"`
	ExternalTableDefinition   string              `json:"externalTableDefinition,omitempty"`
	SealedPassword            string              `json:"sealedPassword,omitempty"`
	PostgreSQLSettings        *PostgreSQLSettings `json:"postgreSQLSettings,omitempty"`
	MySQLSettings             *MySQLSettings      `json:"mySQLSettings,omitempty"`
	S3Settings                *S3Settings         `json:"s3Settings,omitempty"`
	ExternalID                string              `json:"externalId"`
	CreatedAt                 time.Time           `json:"createdAt"`
	Tags                      []tagDoc            `json:"tags,omitempty"`
}

// connection is where an endpoint's database is, merged from the top-level members and the
// engine's settings (settings win, as DMS reads them).
type connection struct {
	ServerName, DatabaseName, Username, SecretID string
	Port                                         int32
}

func (d *endpointDoc) connection() connection {
	c := connection{ServerName: d.ServerName, DatabaseName: d.DatabaseName, Username: d.Username, Port: d.Port}
	over := func(dst *string, src *string) {
		if src != nil && *src != "" {
			*dst = *src
		}
	}
	if s := d.PostgreSQLSettings; s != nil && isPostgres(d.Engine) {
		over(&c.ServerName, s.ServerName)
		over(&c.DatabaseName, s.DatabaseName)
		over(&c.Username, s.Username)
		over(&c.SecretID, s.SecretsManagerSecretId)
		if s.Port != nil && *s.Port != 0 {
			c.Port = *s.Port
		}
	}
	if s := d.MySQLSettings; s != nil && isMySQL(d.Engine) {
		over(&c.ServerName, s.ServerName)
		over(&c.DatabaseName, s.DatabaseName)
		over(&c.Username, s.Username)
		over(&c.SecretID, s.SecretsManagerSecretId)
		if s.Port != nil && *s.Port != 0 {
			c.Port = *s.Port
		}
	}
	return c
}

// config is the discovery configuration of runs over the endpoint: credentials come from the
// secret named by SecretsManagerSecretId, or from the sealed password. An s3 endpoint's comes
// from s3Config; runs take Facade.runConfig, which adds the bucket's default secret.
func (d *endpointDoc) config() discovery.Config {
	if d.Engine == engineS3 {
		return d.s3Config()
	}
	c := d.connection()
	cfg := discovery.Config{Engine: d.Engine, SecretID: c.SecretID, SealedPassword: d.SealedPassword}
	if d.Engine == "sqlite" {
		cfg.Path = c.DatabaseName
		if cfg.Path == "" {
			cfg.Path = c.ServerName
		}
		return cfg
	}
	cfg.Host, cfg.Port, cfg.User, cfg.Database = c.ServerName, int(c.Port), c.Username, c.DatabaseName
	if isPostgres(d.Engine) && d.SslMode != "" {
		mode := d.SslMode
		if mode == "none" {
			mode = "disable"
		}
		cfg.Params = map[string]string{"sslmode": mode}
	}
	return cfg
}

// Endpoint is the DMS Endpoint shape: no password anywhere.
type Endpoint struct {
	EndpointIdentifier        string
	EndpointType              string
	EngineName                string
	EngineDisplayName         string
	EndpointArn               string
	Status                    string
	Username                  *string             `json:",omitempty"`
	ServerName                *string             `json:",omitempty"`
	Port                      *int32              `json:",omitempty"`
	DatabaseName              *string             `json:",omitempty"`
	ExtraConnectionAttributes *string             `json:",omitempty"`
	KmsKeyId                  *string             `json:",omitempty"`
	CertificateArn            *string             `json:",omitempty"`
	SslMode                   string              `json:",omitempty"`
	ServiceAccessRoleArn      *string             `json:",omitempty"`
	ExternalTableDefinition   *string             `json:",omitempty"`
	ExternalId                string              `json:",omitempty"`
	IsReadOnly                *bool               `json:",omitempty"`
	PostgreSQLSettings        *PostgreSQLSettings `json:",omitempty"`
	MySQLSettings             *MySQLSettings      `json:",omitempty"`
	S3Settings                *S3Settings         `json:",omitempty"`
}

func (f *Facade) endpointShape(sc scope.Scope, r resources.Record, d *endpointDoc, status string) *Endpoint {
	e := &Endpoint{
		EndpointIdentifier: d.Identifier, EndpointType: d.Type, EngineName: d.Engine,
		EngineDisplayName: engineDisplayNames[d.Engine], EndpointArn: f.arn(sc, arnEndpoint, r.ID),
		Status: status, Username: nonEmpty(d.Username), ServerName: nonEmpty(d.ServerName),
		DatabaseName: nonEmpty(d.DatabaseName), ExtraConnectionAttributes: nonEmpty(d.ExtraConnectionAttributes),
		KmsKeyId: nonEmpty(d.KmsKeyId), CertificateArn: nonEmpty(d.CertificateArn), SslMode: d.SslMode,
		ServiceAccessRoleArn: nonEmpty(d.ServiceAccessRoleArn), ExternalTableDefinition: nonEmpty(d.ExternalTableDefinition),
		ExternalId: d.ExternalID,
	}
	if d.Port != 0 {
		e.Port = ptr(d.Port)
	}
	if e.SslMode == "" {
		e.SslMode = "none"
	}
	c := d.connection()
	// DMS echoes the connection in the engine's settings; passwords never leave the server.
	switch {
	case isPostgres(d.Engine):
		s := PostgreSQLSettings{}
		if d.PostgreSQLSettings != nil {
			s = *d.PostgreSQLSettings
		}
		s.Password = nil
		s.ServerName, s.DatabaseName, s.Username = nonEmpty(c.ServerName), nonEmpty(c.DatabaseName), nonEmpty(c.Username)
		if c.Port != 0 {
			s.Port = ptr(c.Port)
		}
		e.PostgreSQLSettings = &s
	case isMySQL(d.Engine):
		s := MySQLSettings{}
		if d.MySQLSettings != nil {
			s = *d.MySQLSettings
		}
		s.Password = nil
		s.ServerName, s.DatabaseName, s.Username = nonEmpty(c.ServerName), nonEmpty(c.DatabaseName), nonEmpty(c.Username)
		if c.Port != 0 {
			s.Port = ptr(c.Port)
		}
		e.MySQLSettings = &s
	case d.Engine == engineS3:
		e.S3Settings = d.s3Shape()
		e.ServiceAccessRoleArn = e.S3Settings.ServiceAccessRoleArn
		e.ExternalTableDefinition = e.S3Settings.ExternalTableDefinition
	}
	return e
}

// endpointFields are the members CreateEndpoint and ModifyEndpoint share.
type endpointFields struct {
	EndpointIdentifier        *string
	EndpointType              *string
	EngineName                *string
	Username                  *string
	Password                  *string
	ServerName                *string
	Port                      *int32
	DatabaseName              *string
	ExtraConnectionAttributes *string
	CertificateArn            *string
	SslMode                   *string
	ServiceAccessRoleArn      *string
	ExternalTableDefinition   *string
	PostgreSQLSettings        *PostgreSQLSettings
	MySQLSettings             *MySQLSettings
	S3Settings                *S3Settings
}

// CreateEndpointInput is the CreateEndpoint request.
type CreateEndpointInput struct {
	endpointFields
	KmsKeyId           *string
	ResourceIdentifier *string
	Tags               []Tag
}

// ModifyEndpointInput is the ModifyEndpoint request.
type ModifyEndpointInput struct {
	endpointFields
	EndpointArn   string
	ExactSettings *bool
}

// EndpointOutput is the response of Create/Modify/DeleteEndpoint.
type EndpointOutput struct {
	Endpoint *Endpoint
}

func validateFields(v *awsapi.Validator, in *endpointFields) {
	if in.EndpointType != nil {
		v.Enum("EndpointType", strings.ToLower(*in.EndpointType), "source", "target")
	}
	if in.SslMode != nil {
		v.Enum("SslMode", *in.SslMode, "none", "require", "verify-ca", "verify-full")
	}
	if in.Port != nil {
		v.Range("Port", int64(*in.Port), 1, 65535)
	}
	if in.Password != nil {
		v.Length("Password", *in.Password, 0, 1024)
	}
	for _, s := range []struct {
		name string
		val  *string
		max  int
	}{
		{"Username", in.Username, 255}, {"ServerName", in.ServerName, 1024}, {"DatabaseName", in.DatabaseName, 4096},
		{"ExtraConnectionAttributes", in.ExtraConnectionAttributes, 4096}, {"CertificateArn", in.CertificateArn, 2048},
		{"ServiceAccessRoleArn", in.ServiceAccessRoleArn, 2048}, {"ExternalTableDefinition", in.ExternalTableDefinition, 65536},
	} {
		if s.val != nil {
			v.Length(s.name, *s.val, 0, s.max)
		}
	}
	if p := in.PostgreSQLSettings; p != nil {
		if p.AuthenticationMethod != nil {
			v.Enum("PostgreSQLSettings.AuthenticationMethod", *p.AuthenticationMethod, "password", "iam")
		}
		if p.PluginName != nil {
			v.Enum("PostgreSQLSettings.PluginName", *p.PluginName, "no-preference", "test-decoding", "pglogical")
		}
		if p.MapLongVarcharAs != nil {
			v.Enum("PostgreSQLSettings.MapLongVarcharAs", *p.MapLongVarcharAs, "wstring", "clob", "nclob")
		}
		if p.DatabaseMode != nil {
			v.Enum("PostgreSQLSettings.DatabaseMode", *p.DatabaseMode, "default", "babelfish")
		}
		if p.Port != nil {
			v.Range("PostgreSQLSettings.Port", int64(*p.Port), 1, 65535)
		}
	}
	if m := in.MySQLSettings; m != nil {
		if m.AuthenticationMethod != nil {
			v.Enum("MySQLSettings.AuthenticationMethod", *m.AuthenticationMethod, "password", "iam")
		}
		if m.TargetDbType != nil {
			v.Enum("MySQLSettings.TargetDbType", *m.TargetDbType, "specific-database", "multiple-databases")
		}
		if m.Port != nil {
			v.Range("MySQLSettings.Port", int64(*m.Port), 1, 65535)
		}
	}
	validateS3Settings(v, in.S3Settings)
}

// checkEngine validates an engine name and returns it lowercased.
func checkEngine(name string) (string, error) {
	e := strings.ToLower(name)
	if _, ok := engineDisplayNames[e]; !ok {
		return "", invalid("The parameter EngineName %q is not a valid engine name. Valid engine names: %s.", truncate(name, 64),
			strings.Join(slices.Sorted(maps.Keys(engineDisplayNames)), ", "))
	}
	return e, nil
}

// checkEndpoint refuses settings that contradict each other or that Surveyor cannot honour. What
// is merely missing for a connection (a server name, a bucket) is no reason to refuse an
// endpoint, as the DMS model requires only its identifier, type and engine: connectionProblem
// says so when the endpoint is tested.
func checkEndpoint(d *endpointDoc) error {
	if d.PostgreSQLSettings != nil && !isPostgres(d.Engine) {
		return invalid("PostgreSQLSettings apply only to the postgres and aurora-postgresql engines, not %s.", d.Engine)
	}
	if d.MySQLSettings != nil && !isMySQL(d.Engine) {
		return invalid("MySQLSettings apply only to the mysql, mariadb and aurora engines, not %s.", d.Engine)
	}
	if d.S3Settings != nil && d.Engine != engineS3 {
		return invalid("S3Settings apply only to the s3 engine, not %s.", d.Engine)
	}
	if (d.PostgreSQLSettings != nil && deref(d.PostgreSQLSettings.AuthenticationMethod) == "iam") ||
		(d.MySQLSettings != nil && deref(d.MySQLSettings.AuthenticationMethod) == "iam") {
		return invalid("IAM authentication is not supported by Surveyor; use a password or SecretsManagerSecretId.")
	}
	if d.Engine == engineS3 {
		return checkS3(d)
	}
	return nil
}

// connectionProblem says why the endpoint cannot be connected to as it stands ("" when it can
// be tried): an engine Surveyor does not read, or a missing server name, file path or bucket.
func (d *endpointDoc) connectionProblem() string {
	c := d.connection()
	switch {
	case !readable(d.Engine):
		return fmt.Sprintf("Surveyor cannot connect to %s endpoints; it reads %s endpoints.", d.Engine, readableEngines)
	case d.Engine == engineS3:
		if d.S3Settings == nil || deref(d.S3Settings.BucketName) == "" {
			return fmt.Sprintf("Endpoint %s has no S3Settings BucketName: set it with ModifyEndpoint.", d.Identifier)
		}
	case d.Engine == "sqlite":
		if c.DatabaseName == "" && c.ServerName == "" {
			return fmt.Sprintf("Endpoint %s has no database file path: set DatabaseName (or ServerName) with ModifyEndpoint.", d.Identifier)
		}
	case c.SecretID == "" && c.ServerName == "":
		return fmt.Sprintf("Endpoint %s has no server name: set ServerName with ModifyEndpoint, or SecretsManagerSecretId in the engine's settings naming a secret with the host and port.", d.Identifier)
	}
	return ""
}

// sealPassword keeps the password the request gives (the settings' wins), sealed.
func (f *Facade) sealPassword(sc scope.Scope, d *endpointDoc, in *endpointFields) {
	pw := in.Password
	if in.PostgreSQLSettings != nil && in.PostgreSQLSettings.Password != nil {
		pw = in.PostgreSQLSettings.Password
	}
	if in.MySQLSettings != nil && in.MySQLSettings.Password != nil {
		pw = in.MySQLSettings.Password
	}
	if d.PostgreSQLSettings != nil {
		d.PostgreSQLSettings.Password = nil
	}
	if d.MySQLSettings != nil {
		d.MySQLSettings.Password = nil
	}
	switch {
	case pw == nil:
	case *pw == "":
		d.SealedPassword = ""
	default:
		d.SealedPassword = discovery.SealPassword(f.Master, sc.Account, *pw)
	}
}

func (f *Facade) CreateEndpoint(ctx context.Context, in *CreateEndpointInput) (*EndpointOutput, error) {
	v := newValidator()
	v.Required("EndpointIdentifier", in.EndpointIdentifier != nil)
	v.Required("EndpointType", in.EndpointType != nil)
	v.Required("EngineName", in.EngineName != nil)
	validateFields(v, &in.endpointFields)
	if in.KmsKeyId != nil {
		v.Length("KmsKeyId", *in.KmsKeyId, 0, 2048)
	}
	if in.ResourceIdentifier != nil {
		v.Length("ResourceIdentifier", *in.ResourceIdentifier, 1, 31)
		v.Pattern("ResourceIdentifier", *in.ResourceIdentifier, resourceIdentifierPattern)
	}
	validateTags(v, in.Tags)
	if err := v.Err(); err != nil {
		return nil, err
	}
	if err := checkIdentifier("EndpointIdentifier", *in.EndpointIdentifier, 255); err != nil {
		return nil, err
	}
	engine, err := checkEngine(*in.EngineName)
	if err != nil {
		return nil, err
	}
	sc, now := core.Scope(ctx), f.now()
	d := &endpointDoc{
		Identifier: strings.ToLower(*in.EndpointIdentifier), Type: strings.ToLower(*in.EndpointType), Engine: engine,
		Username: deref(in.Username), ServerName: deref(in.ServerName), Port: deref(in.Port), DatabaseName: deref(in.DatabaseName),
		ExtraConnectionAttributes: deref(in.ExtraConnectionAttributes), KmsKeyId: deref(in.KmsKeyId),
		CertificateArn: deref(in.CertificateArn), SslMode: deref(in.SslMode), ServiceAccessRoleArn: deref(in.ServiceAccessRoleArn),
		ExternalTableDefinition: deref(in.ExternalTableDefinition), PostgreSQLSettings: clone(in.PostgreSQLSettings),
		MySQLSettings: clone(in.MySQLSettings), S3Settings: clone(in.S3Settings), ExternalID: newUUID(), CreatedAt: now, Tags: mergeTags(nil, in.Tags),
	}
	if err := checkEndpoint(d); err != nil {
		return nil, err
	}
	f.sealPassword(sc, d, &in.endpointFields)
	rec := resources.Record{ID: newResourceID(), Name: d.Identifier, UniqueName: true, CreatedAt: now}
	if in.ResourceIdentifier != nil {
		rec.ID = *in.ResourceIdentifier // kept as given: it ends the ARN
	}
	err = f.DB.Tx(ctx, func(tx *store.Tx) error {
		if old, err := resources.GetByName(ctx, tx, sc, kindEndpoint, d.Identifier); err == nil {
			return awsapi.Errorf(400, codeAlreadyExists, "The endpoint identifier %s already exists.", d.Identifier).
				WithField("resourceArn", f.arn(sc, arnEndpoint, old.ID))
		} else if !isNotFound(err) {
			return err
		}
		err := resources.Insert(ctx, tx, sc, kindEndpoint, rec, d)
		if errors.Is(err, resources.ErrNameTaken) { // created by another process since the lookup
			return awsapi.Errorf(400, codeAlreadyExists, "The endpoint identifier %s already exists.", d.Identifier)
		}
		if errors.Is(err, resources.ErrExists) {
			return awsapi.Errorf(400, codeAlreadyExists, "An endpoint with the resource identifier %s already exists.", rec.ID).
				WithField("resourceArn", f.arn(sc, arnEndpoint, rec.ID))
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return &EndpointOutput{Endpoint: f.endpointShape(sc, rec, d, "active")}, nil
}

func (f *Facade) ModifyEndpoint(ctx context.Context, in *ModifyEndpointInput) (*EndpointOutput, error) {
	v := newValidator()
	v.Required("EndpointArn", in.EndpointArn != "")
	validateFields(v, &in.endpointFields)
	if err := v.Err(); err != nil {
		return nil, err
	}
	if in.EndpointIdentifier != nil {
		if err := checkIdentifier("EndpointIdentifier", *in.EndpointIdentifier, 255); err != nil {
			return nil, err
		}
	}
	sc, now := core.Scope(ctx), f.now()
	var out *Endpoint
	err := f.DB.Tx(ctx, func(tx *store.Tx) error {
		r, d, err := f.getEndpoint(ctx, tx, sc, in.EndpointArn)
		if err != nil {
			return err
		}
		if in.EndpointIdentifier != nil && strings.ToLower(*in.EndpointIdentifier) != d.Identifier {
			d.Identifier = strings.ToLower(*in.EndpointIdentifier)
			if old, err := resources.GetByName(ctx, tx, sc, kindEndpoint, d.Identifier); err == nil {
				return awsapi.Errorf(400, codeAlreadyExists, "The endpoint identifier %s already exists.", d.Identifier).
					WithField("resourceArn", f.arn(sc, arnEndpoint, old.ID))
			} else if !isNotFound(err) {
				return err
			}
		}
		if err := modifyEndpointDoc(d, in); err != nil {
			return err
		}
		f.sealPassword(sc, d, &in.endpointFields)
		err = resources.Update(ctx, tx, sc, kindEndpoint, r.ID, d.Identifier, d, now)
		if errors.Is(err, resources.ErrNameTaken) {
			return awsapi.Errorf(400, codeAlreadyExists, "The endpoint identifier %s already exists.", d.Identifier)
		}
		if err != nil {
			return err
		}
		out = f.endpointShape(sc, r, d, "active")
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &EndpointOutput{Endpoint: out}, nil
}

// modifyEndpointDoc applies the members a ModifyEndpoint request sets to d, and checks the
// result is an endpoint this server can use.
func modifyEndpointDoc(d *endpointDoc, in *ModifyEndpointInput) error {
	if in.EngineName != nil {
		engine, err := checkEngine(*in.EngineName)
		if err != nil {
			return err
		}
		d.Engine = engine
		// Settings of another engine family no longer apply.
		if !isPostgres(engine) && in.PostgreSQLSettings == nil {
			d.PostgreSQLSettings = nil
		}
		if !isMySQL(engine) && in.MySQLSettings == nil {
			d.MySQLSettings = nil
		}
		if engine != engineS3 && in.S3Settings == nil {
			d.S3Settings = nil
		}
	}
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = *src
		}
	}
	if in.EndpointType != nil {
		d.Type = strings.ToLower(*in.EndpointType)
	}
	set(&d.Username, in.Username)
	set(&d.ServerName, in.ServerName)
	set(&d.DatabaseName, in.DatabaseName)
	set(&d.ExtraConnectionAttributes, in.ExtraConnectionAttributes)
	set(&d.CertificateArn, in.CertificateArn)
	set(&d.SslMode, in.SslMode)
	set(&d.ServiceAccessRoleArn, in.ServiceAccessRoleArn)
	set(&d.ExternalTableDefinition, in.ExternalTableDefinition)
	if in.Port != nil {
		d.Port = *in.Port
	}
	exact := deref(in.ExactSettings)
	var err error
	if in.PostgreSQLSettings != nil || exact {
		if d.PostgreSQLSettings, err = mergeSettings(d.PostgreSQLSettings, in.PostgreSQLSettings, exact); err != nil {
			return err
		}
	}
	if in.MySQLSettings != nil || exact {
		if d.MySQLSettings, err = mergeSettings(d.MySQLSettings, in.MySQLSettings, exact); err != nil {
			return err
		}
	}
	if in.S3Settings != nil || exact {
		if d.S3Settings, err = mergeSettings(d.S3Settings, in.S3Settings, exact); err != nil {
			return err
		}
	}
	return checkEndpoint(d)
}

// mergeSettings overlays the members set in upd on old (ExactSettings replaces old with upd).
func mergeSettings[T any](old, upd *T, exact bool) (*T, error) {
	if exact || old == nil {
		return clone(upd), nil
	}
	if upd == nil {
		return old, nil
	}
	m := map[string]any{}
	for _, s := range []*T{old, upd} {
		b, err := json.Marshal(s)
		if err != nil {
			return nil, fmt.Errorf("merge settings: %w", err)
		}
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, fmt.Errorf("merge settings: %w", err)
		}
	}
	b, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("merge settings: %w", err)
	}
	out := new(T)
	if err := json.Unmarshal(b, out); err != nil {
		return nil, fmt.Errorf("merge settings: %w", err)
	}
	return out, nil
}

// DeleteEndpointInput is the DeleteEndpoint request.
type DeleteEndpointInput struct {
	EndpointArn string
}

func (f *Facade) DeleteEndpoint(ctx context.Context, in *DeleteEndpointInput) (*EndpointOutput, error) {
	v := newValidator()
	v.Required("EndpointArn", in.EndpointArn != "")
	if err := v.Err(); err != nil {
		return nil, err
	}
	sc := core.Scope(ctx)
	var out *Endpoint
	err := f.DB.Tx(ctx, func(tx *store.Tx) error {
		r, d, err := f.getEndpoint(ctx, tx, sc, in.EndpointArn)
		if err != nil {
			return err
		}
		if err := resources.Delete(ctx, tx, sc, kindEndpoint, r.ID); err != nil {
			return err
		}
		conns, _, err := resources.List(ctx, tx, sc, kindConnection, resources.ListQuery{ParentID: &r.ID, Limit: 10000})
		if err != nil {
			return err
		}
		for _, c := range conns {
			if err := resources.Delete(ctx, tx, sc, kindConnection, c.ID); err != nil {
				return err
			}
		}
		if err := resources.Delete(ctx, tx, sc, kindRefresh, r.ID); err != nil && !isNotFound(err) {
			return err
		}
		out = f.endpointShape(sc, r, d, "deleting")
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &EndpointOutput{Endpoint: out}, nil
}

// DescribeEndpointsInput is the DescribeEndpoints request.
type DescribeEndpointsInput struct {
	Filters    []Filter
	Marker     string
	MaxRecords *int32
}

// DescribeEndpointsOutput is the DescribeEndpoints response.
type DescribeEndpointsOutput struct {
	Marker    *string `json:",omitempty"`
	Endpoints []*Endpoint
}

func (f *Facade) DescribeEndpoints(ctx context.Context, in *DescribeEndpointsInput) (*DescribeEndpointsOutput, error) {
	limit, err := maxRecords(in.MaxRecords)
	if err != nil {
		return nil, err
	}
	fs, err := filters(in.Filters, "endpoint-arn", "endpoint-type", "endpoint-id", "engine-name")
	if err != nil {
		return nil, err
	}
	sc := core.Scope(ctx)
	scope := scopeOf(sc, "DescribeEndpoints", in.Filters)
	var p page
	if err := f.decodeMarker(scope, in.Marker, &p); err != nil {
		return nil, err
	}
	out := &DescribeEndpointsOutput{Endpoints: []*Endpoint{}}
	err = f.DB.ReadTx(ctx, func(tx *store.Tx) error {
		all, err := listAll(ctx, tx, sc, kindEndpoint)
		if err != nil {
			return err
		}
		started, lastID := p.After == "", ""
		for _, r := range all {
			if !started {
				started = r.ID == p.After
				continue
			}
			var d endpointDoc
			if err := r.Decode(&d); err != nil {
				return err
			}
			arn := f.arn(sc, arnEndpoint, r.ID)
			if !matches(fs, "endpoint-arn", arn) || !matchesFold(fs, "endpoint-type", d.Type) ||
				!matchesFold(fs, "endpoint-id", d.Identifier) || !matchesFold(fs, "engine-name", d.Engine) {
				continue
			}
			if len(out.Endpoints) == limit {
				out.Marker, err = f.encodeMarker(scope, page{After: lastID})
				return err
			}
			out.Endpoints = append(out.Endpoints, f.endpointShape(sc, r, &d, "active"))
			lastID = r.ID
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(out.Endpoints) == 0 && len(in.Filters) > 0 {
		return nil, notFound("No endpoints found matching the filters.")
	}
	return out, nil
}

// getEndpoint reads the endpoint an ARN names, or answers ResourceNotFoundFault.
func (f *Facade) getEndpoint(ctx context.Context, tx *store.Tx, sc scope.Scope, arn string) (resources.Record, *endpointDoc, error) {
	id, ok := f.parseARN(sc, arn, arnEndpoint)
	if !ok {
		return resources.Record{}, nil, notFound("Endpoint could not be found.")
	}
	r, err := resources.Get(ctx, tx, sc, kindEndpoint, id)
	if isNotFound(err) {
		return r, nil, notFound("Endpoint could not be found.")
	}
	if err != nil {
		return r, nil, err
	}
	var d endpointDoc
	if err := r.Decode(&d); err != nil {
		return r, nil, err
	}
	return r, &d, nil
}

func clone[T any](p *T) *T {
	if p == nil {
		return nil
	}
	c := *p
	return &c
}
