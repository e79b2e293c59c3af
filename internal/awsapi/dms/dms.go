// Package dms is the Database Migration Service façade (awsJson1.1, X-Amz-Target
// AmazonDMSv20160101.<Op>): replication instances, endpoints, connection tests and schema
// refreshes. Its own objects live in internal/resources; a connection test is a discovery ping
// run and a schema refresh is a discovery run that lists namespaces, so DMS clients see real
// connections and real schemas, and the catalog records the tables a refresh read. Database
// endpoints are read by their connectors; s3 endpoints by the files connector, with the access
// key from a Secrets Manager secret (s3/<bucket>, or secretsManagerSecretId=<name> in
// ExtraConnectionAttributes), since Surveyor has no IAM roles.
package dms

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/surveyorhq/surveyor/internal/awsapi"
	"github.com/surveyorhq/surveyor/internal/core"
	"github.com/surveyorhq/surveyor/internal/resources"
	"github.com/surveyorhq/surveyor/internal/runs"
	"github.com/surveyorhq/surveyor/internal/scope"
	"github.com/surveyorhq/surveyor/internal/store"
)

// Facade serves the DMS operations.
type Facade struct{ *core.Services }

// Service returns the awsJson1.1 service to register under the signing name "dms".
func (f *Facade) Service() (*awsapi.JSONService, error) {
	return awsapi.NewJSONService(awsapi.JSONProtocol{
		TargetPrefix:  "AmazonDMSv20160101",
		MessageMember: "message",
	}, map[string]awsapi.JSONOperation{
		"CreateReplicationInstance":    awsapi.JSONOp(f.CreateReplicationInstance),
		"DescribeReplicationInstances": awsapi.JSONOp(f.DescribeReplicationInstances),
		"DeleteReplicationInstance":    awsapi.JSONOp(f.DeleteReplicationInstance),
		"CreateEndpoint":               awsapi.JSONOp(f.CreateEndpoint),
		"ModifyEndpoint":               awsapi.JSONOp(f.ModifyEndpoint),
		"DeleteEndpoint":               awsapi.JSONOp(f.DeleteEndpoint),
		"DescribeEndpoints":            awsapi.JSONOp(f.DescribeEndpoints),
		"AddTagsToResource":            awsapi.JSONOp(f.AddTagsToResource),
		"ListTagsForResource":          awsapi.JSONOp(f.ListTagsForResource),
		"RemoveTagsFromResource":       awsapi.JSONOp(f.RemoveTagsFromResource),
		"TestConnection":               awsapi.JSONOp(f.TestConnection),
		"DescribeConnections":          awsapi.JSONOp(f.DescribeConnections),
		"RefreshSchemas":               awsapi.JSONOp(f.RefreshSchemas),
		"DescribeRefreshSchemasStatus": awsapi.JSONOp(f.DescribeRefreshSchemasStatus),
		"DescribeSchemas":              awsapi.JSONOp(f.DescribeSchemas),

		"CreateReplicationSubnetGroup":    awsapi.JSONOp(f.CreateReplicationSubnetGroup),
		"DescribeReplicationSubnetGroups": awsapi.JSONOp(f.DescribeReplicationSubnetGroups),
		"ModifyReplicationSubnetGroup":    awsapi.JSONOp(f.ModifyReplicationSubnetGroup),
		"DeleteReplicationSubnetGroup":    awsapi.JSONOp(f.DeleteReplicationSubnetGroup),
	})
}

// Fault codes DMS answers.
const (
	codeInvalidParameter = "InvalidParameterValueException"
	codeNotFound         = "ResourceNotFoundFault"
	codeInvalidState     = "InvalidResourceStateFault"
	codeAlreadyExists    = "ResourceAlreadyExistsFault"
)

// Resource kinds this façade stores.
var (
	kindInstance   = resources.Kind{Service: "dms", Type: "replication-instance"}
	kindEndpoint   = resources.Kind{Service: "dms", Type: "endpoint"}
	kindConnection = resources.Kind{Service: "dms", Type: "connection"}
	kindRefresh    = resources.Kind{Service: "dms", Type: "refresh"}
)

// ARN resource types: arn:aws:dms:<region>:<account>:<type>:<id>.
const (
	arnInstance = "rep"
	arnEndpoint = "endpoint"
)

func newValidator() *awsapi.Validator {
	return awsapi.NewValidator(codeInvalidParameter, 400).Sensitive("Password", "PostgreSQLSettings.Password", "MySQLSettings.Password")
}

func invalid(format string, args ...any) error {
	return awsapi.Errorf(400, codeInvalidParameter, format, args...)
}

func notFound(format string, args ...any) error {
	return awsapi.Errorf(400, codeNotFound, format, args...)
}

func invalidState(format string, args ...any) error {
	return awsapi.Errorf(400, codeInvalidState, format, args...)
}

func (f *Facade) now() time.Time {
	if f.Now != nil {
		return f.Now().UTC()
	}
	return time.Now().UTC()
}

// newResourceID is 26 uppercase base32 characters, the form DMS ARNs end with.
func newResourceID() string {
	b := make([]byte, 20)
	_, _ = rand.Read(b)
	return base32.StdEncoding.EncodeToString(b)[:26]
}

func (f *Facade) arn(sc scope.Scope, typ, id string) string {
	return sc.ARN("dms", typ+":"+id)
}

// resourceIDPattern is the end of a DMS ARN: 26 base32 characters made by DMS, or a
// ResourceIdentifier given at creation (a letter, then letters, digits and hyphens).
var resourceIDPattern = regexp.MustCompile(`^(?:[A-Z2-7]{26}|[A-Za-z][A-Za-z0-9-]{0,62})$`)

// parseARN returns the id of a DMS ARN of type typ in this region and account. ok is false for
// an ARN of another type, region or account, or for text that is not an ARN at all.
func (f *Facade) parseARN(sc scope.Scope, arn, typ string) (string, bool) {
	parts := strings.Split(arn, ":")
	if len(parts) != 7 || parts[0] != "arn" || parts[1] != "aws" || parts[2] != "dms" ||
		parts[3] != sc.Region || parts[4] != sc.Account || parts[5] != typ || !resourceIDPattern.MatchString(parts[6]) {
		return "", false
	}
	return parts[6], true
}

// validIdentifier reports whether s is a DMS identifier: it starts with a letter, holds only
// ASCII letters, digits and hyphens, and has no trailing or double hyphen.
var identifierPattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9-]*$`)

func checkIdentifier(member, s string, max int) error {
	if s == "" {
		return invalid("1 validation error detected: Value null at '%s' failed to satisfy constraint: Member must not be null", member)
	}
	if len(s) > max || !identifierPattern.MatchString(s) || strings.HasSuffix(s, "-") || strings.Contains(s, "--") {
		return invalid("The parameter %s is not a valid identifier. Identifiers must begin with a letter; must contain only ASCII letters, digits, and hyphens; must not end with a hyphen or contain two consecutive hyphens; and must be 1 to %d characters long.", member, max)
	}
	return nil
}

// Tag is a DMS tag.
type Tag struct {
	Key         *string `json:",omitempty"`
	Value       *string `json:",omitempty"`
	ResourceArn *string `json:",omitempty"`
}

// tagDoc is a tag as documents keep it.
type tagDoc struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

func validateTags(v *awsapi.Validator, tags []Tag) {
	for i, t := range tags {
		n := fmt.Sprintf("Tags.%d.", i+1)
		v.Required(n+"Key", t.Key != nil)
		if t.Key != nil {
			v.Length(n+"Key", *t.Key, 1, 128)
			if strings.HasPrefix(*t.Key, "aws:") || strings.HasPrefix(*t.Key, "dms:") {
				v.Fail(n+"Key", *t.Key, "Member must not start with aws: or dms:")
			}
		}
		if t.Value != nil {
			v.Length(n+"Value", *t.Value, 0, 256)
		}
	}
}

// mergeTags sets each tag of add on tags, replacing the value of a key already there.
func mergeTags(tags []tagDoc, add []Tag) []tagDoc {
	for _, t := range add {
		k, val := deref(t.Key), deref(t.Value)
		i := slices.IndexFunc(tags, func(x tagDoc) bool { return x.Key == k })
		if i >= 0 {
			tags[i].Value = val
		} else {
			tags = append(tags, tagDoc{Key: k, Value: val})
		}
	}
	return tags
}

// Filter is a Describe* filter.
type Filter struct {
	Name   string
	Values []string
}

// filters checks names against allowed and returns name → accepted values.
func filters(in []Filter, allowed ...string) (map[string][]string, error) {
	out := map[string][]string{}
	for i, flt := range in {
		if flt.Name == "" {
			return nil, invalid("1 validation error detected: Value null at 'Filters.%d.Name' failed to satisfy constraint: Member must not be null", i+1)
		}
		if !slices.Contains(allowed, flt.Name) {
			return nil, invalid("The filter name %s is not valid; valid filter names are: %s.", flt.Name, strings.Join(allowed, ", "))
		}
		if flt.Values == nil {
			return nil, invalid("1 validation error detected: Value null at 'Filters.%d.Values' failed to satisfy constraint: Member must not be null", i+1)
		}
		out[flt.Name] = append(out[flt.Name], flt.Values...)
	}
	return out, nil
}

// matches reports whether value passes the filter name of fs (no filter: yes).
func matches(fs map[string][]string, name, value string) bool {
	vals, ok := fs[name]
	return !ok || slices.Contains(vals, value)
}

// page is the position of a Describe* listing, carried in Marker.
type page struct {
	After  string `json:"a,omitempty"` // id of the last item returned
	Run    string `json:"r,omitempty"` // DescribeSchemas: the refresh run being paged
	Offset int    `json:"o,omitempty"` // DescribeSchemas: schemas already returned
}

// maxRecords validates MaxRecords (20..100) and returns the page size (default 100).
func maxRecords(n *int32) (int, error) {
	if n == nil {
		return 100, nil
	}
	v := newValidator()
	v.Range("MaxRecords", int64(*n), 20, 100)
	if err := v.Err(); err != nil {
		return 0, err
	}
	return int(*n), nil
}

func (f *Facade) decodeMarker(scope, marker string, p *page) error {
	if marker == "" {
		return nil
	}
	if err := f.Tokens.Decode(scope, marker, p); err != nil {
		return invalid("The Marker %q is not valid for this request.", truncate(marker, 64))
	}
	return nil
}

func (f *Facade) encodeMarker(scope string, p page) (*string, error) {
	tok, err := f.Tokens.Encode(scope, p)
	if err != nil {
		return nil, err
	}
	return &tok, nil
}

// listAll reads every resource of kind k of the account, oldest first.
func listAll(ctx context.Context, tx *store.Tx, sc scope.Scope, k resources.Kind) ([]resources.Record, error) {
	var all []resources.Record
	after := ""
	for {
		recs, more, err := resources.List(ctx, tx, sc, k, resources.ListQuery{After: after, Limit: 500})
		if err != nil {
			return nil, err
		}
		all = append(all, recs...)
		if !more || len(recs) == 0 {
			return all, nil
		}
		after = recs[len(recs)-1].ID
	}
}

// latestRun returns the newest run of a source that satisfies keep, or nil.
func (f *Facade) latestRun(ctx context.Context, sc scope.Scope, sourceID string, keep func(runs.Run) bool) (*runs.Run, error) {
	after := ""
	for {
		list, next, err := f.Runs.List(ctx, runs.ListQuery{Scope: sc, SourceID: sourceID, Limit: 50, After: after})
		if err != nil {
			return nil, err
		}
		for i := range list {
			if keep == nil || keep(list[i]) {
				return &list[i], nil
			}
		}
		if next == "" {
			return nil, nil
		}
		after = next
	}
}

// matchesFold is matches, ignoring case (DMS identifiers and enums are case-insensitive).
func matchesFold(fs map[string][]string, name, value string) bool {
	vals, ok := fs[name]
	return !ok || slices.ContainsFunc(vals, func(v string) bool { return strings.EqualFold(v, value) })
}

// newUUID is a random UUIDv4 (an endpoint's ExternalId).
func newUUID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6], b[8] = b[6]&0x0f|0x40, b[8]&0x3f|0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func isNotFound(err error) bool { return errors.Is(err, resources.ErrNotFound) }

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

func ptr[T any](v T) *T { return &v }

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
