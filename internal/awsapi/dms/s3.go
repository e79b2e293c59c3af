package dms

import (
	"context"
	"errors"
	"regexp"
	"strconv"
	"strings"

	"github.com/surveyorhq/surveyor/internal/awsapi"
	"github.com/surveyorhq/surveyor/internal/connector"
	"github.com/surveyorhq/surveyor/internal/connector/files"
	"github.com/surveyorhq/surveyor/internal/discovery"
	"github.com/surveyorhq/surveyor/internal/scope"
	"github.com/surveyorhq/surveyor/internal/secrets"
)

// engineS3 is the DMS engine of S3 endpoints, which the files connector reads.
const engineS3 = "s3"

// S3Settings is the DMS S3Settings shape. It has no secret member: the access key of an S3
// endpoint comes from a Secrets Manager secret (see s3SecretAttribute and defaultS3Secret).
// BucketName and BucketFolder say where the files are; CsvDelimiter, IgnoreHeaderRows and
// DataFormat change how they are read; every other member is stored and echoed.
type S3Settings struct {
	AddColumnName                        *bool   `json:",omitempty"`
	AddTrailingPaddingCharacter          *bool   `json:",omitempty"`
	BucketFolder                         *string `json:",omitempty"`
	BucketName                           *string `json:",omitempty"`
	CannedAclForObjects                  *string `json:",omitempty"`
	CdcInsertsAndUpdates                 *bool   `json:",omitempty"`
	CdcInsertsOnly                       *bool   `json:",omitempty"`
	CdcMaxBatchInterval                  *int32  `json:",omitempty"`
	CdcMinFileSize                       *int32  `json:",omitempty"`
	CdcPath                              *string `json:",omitempty"`
	CompressionType                      *string `json:",omitempty"`
	CsvDelimiter                         *string `json:",omitempty"`
	CsvNoSupValue                        *string `json:",omitempty"`
	CsvNullValue                         *string `json:",omitempty"`
	CsvRowDelimiter                      *string `json:",omitempty"`
	DataFormat                           *string `json:",omitempty"`
	DataPageSize                         *int32  `json:",omitempty"`
	DatePartitionDelimiter               *string `json:",omitempty"`
	DatePartitionEnabled                 *bool   `json:",omitempty"`
	DatePartitionSequence                *string `json:",omitempty"`
	DatePartitionTimezone                *string `json:",omitempty"`
	DictPageSizeLimit                    *int32  `json:",omitempty"`
	EnableStatistics                     *bool   `json:",omitempty"`
	EncodingType                         *string `json:",omitempty"`
	EncryptionMode                       *string `json:",omitempty"`
	ExpectedBucketOwner                  *string `json:",omitempty"`
	ExternalTableDefinition              *string `json:",omitempty"`
	GlueCatalogGeneration                *bool   `json:",omitempty"`
	IgnoreHeaderRows                     *int32  `json:",omitempty"`
	IncludeOpForFullLoad                 *bool   `json:",omitempty"`
	MaxFileSize                          *int32  `json:",omitempty"`
	ParquetTimestampInMillisecond        *bool   `json:",omitempty"`
	ParquetVersion                       *string `json:",omitempty"`
	PreserveTransactions                 *bool   `json:",omitempty"`
	Rfc4180                              *bool   `json:",omitempty"`
	RowGroupLength                       *int32  `json:",omitempty"`
	ServerSideEncryptionKmsKeyId         *string `json:",omitempty"`
	ServiceAccessRoleArn                 *string `json:",omitempty"`
	TimestampColumnName                  *string `json:",omitempty"`
	UseCsvNoSupValue                     *bool   `json:",omitempty"`
	UseTaskStartTimeForFullLoadTimestamp *bool   `json:",omitempty"`
}

// validateS3Settings enforces the model's enums on the settings.
func validateS3Settings(v *awsapi.Validator, s *S3Settings) {
	if s == nil {
		return
	}
	for _, e := range []struct {
		name    string
		val     *string
		allowed []string
	}{
		{"CompressionType", s.CompressionType, []string{"none", "gzip"}},
		{"EncryptionMode", s.EncryptionMode, []string{"sse-s3", "sse-kms"}},
		{"DataFormat", s.DataFormat, []string{"csv", "parquet"}},
		{"EncodingType", s.EncodingType, []string{"plain", "plain-dictionary", "rle-dictionary"}},
		{"ParquetVersion", s.ParquetVersion, []string{"parquet-1-0", "parquet-2-0"}},
		{"DatePartitionSequence", s.DatePartitionSequence, []string{"YYYYMMDD", "YYYYMMDDHH", "YYYYMM", "MMYYYYDD", "DDMMYYYY"}},
		{"DatePartitionDelimiter", s.DatePartitionDelimiter, []string{"SLASH", "UNDERSCORE", "DASH", "NONE"}},
		{"CannedAclForObjects", s.CannedAclForObjects, []string{"none", "private", "public-read", "public-read-write",
			"authenticated-read", "aws-exec-read", "bucket-owner-read", "bucket-owner-full-control"}},
	} {
		if e.val != nil {
			v.Enum("S3Settings."+e.name, *e.val, e.allowed...)
		}
	}
}

// bucketNamePattern is S3's rule for bucket names: 3 to 63 lowercase letters, digits, dots and
// hyphens, starting and ending with a letter or digit.
var bucketNamePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)

// checkS3 verifies that an s3 endpoint names a bucket and settings the files connector can read.
func checkS3(d *endpointDoc) error {
	s := d.S3Settings
	if s == nil {
		return nil
	}
	if b := deref(s.BucketName); b != "" && !bucketNamePattern.MatchString(b) {
		return invalid("S3Settings BucketName %q is not a valid bucket name: 3 to 63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit.", truncate(b, 80))
	}
	if dl := deref(s.CsvDelimiter); dl != "" && !oneCharacter(dl) {
		return invalid("S3Settings CsvDelimiter %q must be one character (or \\t for a tab) for Surveyor to read the files.", truncate(dl, 16))
	}
	if n := s.IgnoreHeaderRows; n != nil && (*n < 0 || *n > 1) {
		return invalid("S3Settings IgnoreHeaderRows must be 0 (the files have no header row) or 1 (the first row names the columns).")
	}
	if strings.Contains(deref(s.BucketFolder), "..") {
		return invalid("S3Settings BucketFolder may not contain \"..\".")
	}
	return nil
}

func oneCharacter(s string) bool {
	switch s {
	case `\t`, "tab", "\t":
		return true
	}
	return len(s) == 1 && s != "\n" && s != "\r"
}

// folder is BucketFolder without leading or trailing slashes.
func (s *S3Settings) folder() string { return strings.Trim(deref(s.BucketFolder), "/") }

// s3Config is the files-connector configuration of an s3 endpoint's runs, without the default
// secret (see Facade.runConfig).
func (d *endpointDoc) s3Config() discovery.Config {
	s := d.S3Settings
	if s == nil {
		s = &S3Settings{}
	}
	p := "s3://" + deref(s.BucketName)
	if f := s.folder(); f != "" {
		p += "/" + f
	}
	cfg := discovery.Config{Engine: connector.Files, Path: p, SecretID: s3SecretAttribute(d.ExtraConnectionAttributes)}
	params := map[string]string{}
	if dl := deref(s.CsvDelimiter); dl != "" {
		params[files.ParamDelimiter] = dl
	}
	if n := s.IgnoreHeaderRows; n != nil {
		params[files.ParamHeader] = strconv.FormatBool(*n > 0)
	}
	switch deref(s.DataFormat) {
	case "csv":
		params[files.ParamExtensions] = ".csv,.csv.gz"
	case "parquet":
		params[files.ParamExtensions] = ".parquet"
	}
	if len(params) > 0 {
		cfg.Params = params
	}
	return cfg
}

// s3SecretAttribute is the secret named by secretsManagerSecretId=<name or ARN> in an s3
// endpoint's ExtraConnectionAttributes (key=value pairs separated by semicolons; the key's case
// does not matter), or "".
func s3SecretAttribute(eca string) string {
	for _, pair := range strings.Split(eca, ";") {
		k, v, ok := strings.Cut(pair, "=")
		if ok && strings.EqualFold(strings.TrimSpace(k), "secretsManagerSecretId") {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// defaultS3Secret is the secret that holds a bucket's credentials and endpoint when the endpoint
// names none: s3/<bucket>, as AppIntegrations reads it.
func defaultS3Secret(bucket string) string { return "s3/" + bucket }

// runConfig is the discovery configuration of runs over the endpoint. An s3 endpoint whose
// ExtraConnectionAttributes name no secret takes the secret s3/<bucket> when it exists now, and
// reads the bucket anonymously otherwise.
func (f *Facade) runConfig(ctx context.Context, sc scope.Scope, d *endpointDoc) (discovery.Config, error) {
	cfg := d.config()
	if d.Engine != engineS3 || cfg.SecretID != "" || d.S3Settings == nil {
		return cfg, nil
	}
	name := defaultS3Secret(deref(d.S3Settings.BucketName))
	_, err := f.Secrets.Describe(ctx, sc, name)
	switch {
	case err == nil:
		cfg.SecretID = name
	case !errors.Is(err, secrets.ErrNotFound):
		return cfg, err
	}
	return cfg, nil
}

// s3Shape is the S3Settings an endpoint echoes: the stored settings, with the role and the
// table definition given at the top level when the settings do not set them.
func (d *endpointDoc) s3Shape() *S3Settings {
	s := S3Settings{}
	if d.S3Settings != nil {
		s = *d.S3Settings
	}
	if s.ServiceAccessRoleArn == nil {
		s.ServiceAccessRoleArn = nonEmpty(d.ServiceAccessRoleArn)
	}
	if s.ExternalTableDefinition == nil {
		s.ExternalTableDefinition = nonEmpty(d.ExternalTableDefinition)
	}
	return &s
}
