// Package datazone is the DataZone façade (restJson1): domains, projects, data sources, their
// runs and run activities, and the assets the runs import. A data source is a discovery source
// (its id is the source id): StartDataSourceRun and its schedule queue discovery runs whose
// statistics, activities and assets come from the catalog.
package datazone

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"strconv"

	"github.com/surveyorhq/surveyor/internal/awsapi"
	"github.com/surveyorhq/surveyor/internal/core"
	"github.com/surveyorhq/surveyor/internal/resources"
)

// Facade serves the DataZone operations.
type Facade struct {
	*core.Services
	// PortalURL, when set, gives a domain's portalUrl (the server's web console); otherwise it
	// is DataZone's own form of the address.
	PortalURL func(domainID string) string
}

// Service returns the restJson1 service to register under the signing name "datazone".
func (f *Facade) Service() (*awsapi.RESTService, error) {
	route := func(method, path, op string, h awsapi.RESTHandler) awsapi.Route {
		return awsapi.Route{Method: method, Path: path, Operation: op, Handler: h}
	}
	return awsapi.NewRESTService(awsapi.RESTProtocol{
		MessageMember:       "message",
		ValidationErrorCode: validationCode,
		InternalErrorCode:   "InternalServerException",
	},
		route("POST", "/v2/domains", "CreateDomain", f.createDomain),
		route("GET", "/v2/domains", "ListDomains", f.listDomains),
		route("GET", "/v2/domains/{identifier}", "GetDomain", f.getDomain),
		route("DELETE", "/v2/domains/{identifier}", "DeleteDomain", f.deleteDomain),

		route("POST", "/v2/domains/{domainIdentifier}/projects", "CreateProject", f.createProject),
		route("GET", "/v2/domains/{domainIdentifier}/projects", "ListProjects", f.listProjects),
		route("GET", "/v2/domains/{domainIdentifier}/projects/{identifier}", "GetProject", f.getProject),
		route("DELETE", "/v2/domains/{domainIdentifier}/projects/{identifier}", "DeleteProject", f.deleteProject),

		route("POST", "/v2/domains/{domainIdentifier}/data-sources", "CreateDataSource", f.createDataSource),
		route("GET", "/v2/domains/{domainIdentifier}/data-sources", "ListDataSources", f.listDataSources),
		route("GET", "/v2/domains/{domainIdentifier}/data-sources/{identifier}", "GetDataSource", f.getDataSource),
		route("PATCH", "/v2/domains/{domainIdentifier}/data-sources/{identifier}", "UpdateDataSource", f.updateDataSource),
		route("DELETE", "/v2/domains/{domainIdentifier}/data-sources/{identifier}", "DeleteDataSource", f.deleteDataSource),

		route("POST", "/v2/domains/{domainIdentifier}/data-sources/{dataSourceIdentifier}/runs", "StartDataSourceRun", f.startDataSourceRun),
		route("GET", "/v2/domains/{domainIdentifier}/data-sources/{dataSourceIdentifier}/runs", "ListDataSourceRuns", f.listDataSourceRuns),
		route("GET", "/v2/domains/{domainIdentifier}/data-source-runs/{identifier}", "GetDataSourceRun", f.getDataSourceRun),
		route("GET", "/v2/domains/{domainIdentifier}/data-source-runs/{identifier}/activities", "ListDataSourceRunActivities", f.listDataSourceRunActivities),

		route("GET", "/v2/domains/{domainIdentifier}/assets/{identifier}", "GetAsset", f.getAsset),
		route("GET", "/v2/domains/{domainIdentifier}/assets/{identifier}/revisions", "ListAssetRevisions", f.listAssetRevisions),
		route("POST", "/v2/domains/{domainIdentifier}/search", "Search", f.search),
	)
}

const validationCode = "ValidationException"

// Kinds of the documents this façade stores.
var (
	kindDomain     = resources.Kind{Service: "datazone", Type: "domain"}
	kindProject    = resources.Kind{Service: "datazone", Type: "project"}
	kindDataSource = resources.Kind{Service: "datazone", Type: "data-source"}
	// kindDeletedDataSource keeps what a DeleteDataSource with a clientToken answered.
	kindDeletedDataSource = resources.Kind{Service: "datazone", Type: "deleted-data-source"}
)

// Model patterns. The model's patterns are unanchored; DataZone matches identifiers whole, so
// the matchers are anchored while messages show the model's text.
const (
	domainIDModel = `dzd[-_][a-zA-Z0-9_-]{1,36}`
	id36Model     = `[a-zA-Z0-9_-]{1,36}`
)

var (
	domainIDRe = regexp.MustCompile(`^` + domainIDModel + `$`)
	id36Re     = regexp.MustCompile(`^` + id36Model + `$`)
)

func newValidator() *awsapi.Validator {
	return awsapi.NewValidator(validationCode, http.StatusBadRequest)
}

func validateDomainID(v *awsapi.Validator, name, id string) {
	v.Required(name, id != "")
	if id != "" {
		v.PatternFunc(name, id, domainIDModel, domainIDRe.MatchString)
	}
}

func validateID(v *awsapi.Validator, name, id string, required bool) {
	if required {
		v.Required(name, id != "")
	}
	if id != "" {
		v.PatternFunc(name, id, id36Model, id36Re.MatchString)
	}
}

// validatePaging checks maxResults (1..max) and nextToken (1..8192) query parameters.
// queryEnum reads an optional query parameter that must be one of allowed ("" when absent).
func queryEnum(r *awsapi.RESTRequest, name string, allowed ...string) (string, error) {
	val, _, err := r.QueryString(name)
	if err != nil {
		return "", err
	}
	if val == "" {
		return "", nil
	}
	v := newValidator()
	v.Enum(name, val, allowed...)
	return val, v.Err()
}

func validatePaging(r *awsapi.RESTRequest, max int64) (limit int, token string, err error) {
	n, ok, err := r.QueryInt("maxResults", 1, max)
	if err != nil {
		return 0, "", err
	}
	limit = int(max)
	if ok {
		limit = int(n)
	}
	token, _, err = r.QueryString("nextToken")
	if err != nil {
		return 0, "", err
	}
	v := newValidator()
	if token != "" {
		v.Length("nextToken", token, 1, 8192)
	}
	return limit, token, v.Err()
}

func notFound(format string, args ...any) error {
	return awsapi.Errorf(http.StatusNotFound, "ResourceNotFoundException", format, args...)
}

func conflict(format string, args ...any) error {
	return awsapi.Errorf(http.StatusConflict, "ConflictException", format, args...)
}

func invalid(format string, args ...any) error {
	return awsapi.Errorf(http.StatusBadRequest, validationCode, format, args...)
}

func badToken() error { return invalid("The nextToken provided is invalid.") }

// isNotFound reports whether err is a store lookup that found nothing.
func isNotFound(err error) bool { return errors.Is(err, resources.ErrNotFound) }

const idAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789"

// newID returns 14 random lower-case letters and digits, like DataZone's ids.
func newID() string {
	b := make([]byte, 14)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = idAlphabet[int(b[i])%len(idAlphabet)]
	}
	return string(b)
}

// tokenID derives a 14-character id from an idempotency token, so that a retried create with
// the same clientToken finds the resource the first call made.
func tokenID(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(strconv.Itoa(len(p)) + ":" + p))
	}
	sum := h.Sum(nil)
	b := make([]byte, 14)
	for i := range b {
		b[i] = idAlphabet[int(sum[i])%len(idAlphabet)]
	}
	return string(b)
}

// requestHash fingerprints a create request's normalized body (decoded, clientToken cleared,
// re-encoded with the labels that scope it), so a retry with the same clientToken can be told
// apart from a different request reusing the token.
func requestHash(scope string, in any) string {
	b, err := json.Marshal(in)
	if err != nil {
		b = []byte(err.Error())
	}
	sum := sha256.Sum256(append([]byte(scope+"\x00"), b...))
	return hex.EncodeToString(sum[:])
}

// tokenMismatch is DataZone's answer to a clientToken reused with a different request.
func tokenMismatch(op, token string) error {
	return conflict("The request with client token %s does not match the original %s request that used this token; use a new clientToken for a different request.", token, op)
}

// region is the caller's region (the server's when the request names none).
func (f *Facade) region(ctx context.Context) string {
	if c, ok := awsapi.CallerFrom(ctx); ok && c.Region != "" {
		return c.Region
	}
	return f.Region
}

func ptr[T any](v T) *T { return &v }
