// Package appintegrations is the AppIntegrations façade (restJson1): data integrations over
// folders, S3-compatible buckets and databases, their associations and schedules.
//
// A data integration names a source (SourceURI) and what to read of it (FileConfiguration,
// ObjectConfiguration); it is frozen into a discovery.Config when it is created. An association
// executes it: ON_DEMAND runs once, SCHEDULED fires runs on the integration's (or the
// association's) schedule. Each association is one run source, so its LastExecutionStatus is its
// latest run. What the runs find is in the catalog under the data integration: the associations
// of one integration share its history, so each run reports what changed since the
// integration's previous run, whichever association ran it.
package appintegrations

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/surveyorhq/surveyor/internal/awsapi"
	"github.com/surveyorhq/surveyor/internal/core"
	"github.com/surveyorhq/surveyor/internal/resources"
	"github.com/surveyorhq/surveyor/internal/scope"
	"github.com/surveyorhq/surveyor/internal/store"
)

// Facade serves the AppIntegrations operations.
type Facade struct{ *core.Services }

// Service returns the restJson1 service to register under the signing name "app-integrations".
func (f *Facade) Service() (*awsapi.RESTService, error) {
	return awsapi.NewRESTService(awsapi.RESTProtocol{
		MessageMember:       "Message",
		ValidationErrorCode: "InvalidRequestException",
		InternalErrorCode:   "InternalServiceError",
	},
		awsapi.Route{Method: "POST", Path: "/dataIntegrations", Operation: "CreateDataIntegration", Handler: f.createDataIntegration},
		awsapi.Route{Method: "GET", Path: "/dataIntegrations", Operation: "ListDataIntegrations", Handler: f.listDataIntegrations},
		awsapi.Route{Method: "GET", Path: "/dataIntegrations/{Identifier}", Operation: "GetDataIntegration", Handler: f.getDataIntegration},
		awsapi.Route{Method: "PATCH", Path: "/dataIntegrations/{Identifier}", Operation: "UpdateDataIntegration", Handler: f.updateDataIntegration},
		awsapi.Route{Method: "DELETE", Path: "/dataIntegrations/{Identifier}", Operation: "DeleteDataIntegration", Handler: f.deleteDataIntegration},
		awsapi.Route{Method: "POST", Path: "/dataIntegrations/{Identifier}/associations", Operation: "CreateDataIntegrationAssociation", Handler: f.createAssociation},
		awsapi.Route{Method: "GET", Path: "/dataIntegrations/{Identifier}/associations", Operation: "ListDataIntegrationAssociations", Handler: f.listAssociations},
		awsapi.Route{Method: "PATCH", Path: "/dataIntegrations/{Identifier}/associations/{DataIntegrationAssociationIdentifier}", Operation: "UpdateDataIntegrationAssociation", Handler: f.updateAssociation},
		awsapi.Route{Method: "POST", Path: "/tags/{resourceArn}", Operation: "TagResource", Handler: f.tagResource},
		awsapi.Route{Method: "DELETE", Path: "/tags/{resourceArn}", Operation: "UntagResource", Handler: f.untagResource},
		awsapi.Route{Method: "GET", Path: "/tags/{resourceArn}", Operation: "ListTagsForResource", Handler: f.listTags},
	)
}

const (
	codeInvalid   = "InvalidRequestException"
	codeNotFound  = "ResourceNotFoundException"
	codeDuplicate = "DuplicateResourceException"
)

var (
	kindIntegration = resources.Kind{Service: "app-integrations", Type: "data-integration"}
	kindAssociation = resources.Kind{Service: "app-integrations", Type: "data-integration-association"}

	namePattern      = regexp.MustCompile(`^[a-zA-Z0-9\/\._\-]+$`)
	nonBlank         = regexp.MustCompile(`.*\S.*`)
	sourceURIPattern = regexp.MustCompile(`^(\w+\:\/\/[\w.-]+[\w/!@#+=.-]+$)|(\w+\:\/\/[\w.-]+[\w/!@#+=.-]+[\w/!@#+=.-]+[\w/!@#+=.,-]+$)`)
	tagKeyRest       = regexp.MustCompile(`^[a-zA-Z+-=._:/]+$`)
	tagKeyModel      = `^(?!aws:)[a-zA-Z+-=._:/]+$`
	// arnModel is the model's ARN pattern; Go's regexp caps repeats at 1000, so arnMatch checks
	// the last part's length itself.
	arnModel          = `^arn:aws:[A-Za-z0-9][A-Za-z0-9_/.-]{0,62}:[A-Za-z0-9_/.-]{0,63}:[A-Za-z0-9_/.-]{0,63}:[A-Za-z0-9][A-Za-z0-9:_/+=,@.-]{0,1023}$`
	arnHead           = regexp.MustCompile(`^arn:aws:[A-Za-z0-9][A-Za-z0-9_/.-]{0,62}:[A-Za-z0-9_/.-]{0,63}:[A-Za-z0-9_/.-]{0,63}:([A-Za-z0-9][A-Za-z0-9:_/+=,@.-]*)$`)
	uuidPattern       = regexp.MustCompile(`^[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}$`)
	kmsKeyARN         = regexp.MustCompile(`^arn:aws:kms:[a-z0-9-]+:\d{12}:key/[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}$`)
	kmsAliasARN       = regexp.MustCompile(`^arn:aws:kms:[a-z0-9-]+:\d{12}:(alias/.+)$`)
	mrkKeyID          = regexp.MustCompile(`^mrk-[a-f0-9]{32}$`)
	defaultMaxResults = int64(50)
)

// knownAliases are the KMS aliases this server knows. KmsKey binds the integration's sealed
// material (material.go); there is no KMS service, so any key ARN or key id is accepted, and of
// aliases only the AWS managed one.
var knownAliases = []string{"alias/aws/appintegrations"}

func validateKmsKey(v *awsapi.Validator, key string) error {
	v.Required("KmsKey", key != "")
	if key == "" {
		return nil
	}
	v.Length("KmsKey", key, 1, 255)
	v.Pattern("KmsKey", key, nonBlank)
	alias := ""
	switch {
	case strings.HasPrefix(key, "alias/"):
		alias = key
	case kmsAliasARN.MatchString(key):
		alias = kmsAliasARN.FindStringSubmatch(key)[1]
	case kmsKeyARN.MatchString(key), uuidPattern.MatchString(key), mrkKeyID.MatchString(key):
		return nil
	default:
		return awsapi.Errorf(http.StatusBadRequest, codeInvalid,
			"KmsKey %q is not a KMS key ARN, key id or alias (e.g. alias/aws/appintegrations).", trunc(key, 255))
	}
	if !slices.Contains(knownAliases, alias) {
		return awsapi.Errorf(http.StatusBadRequest, codeInvalid,
			"KMS alias %s does not exist. Use alias/aws/appintegrations, or a key ARN or key id.", trunc(alias, 255))
	}
	return nil
}

func arnMatch(s string) bool {
	m := arnHead.FindStringSubmatch(s)
	return m != nil && len(m[1]) <= 1024
}

func newValidator() *awsapi.Validator { return awsapi.NewValidator(codeInvalid, http.StatusBadRequest) }

func notFound(format string, args ...any) error {
	return awsapi.Errorf(http.StatusNotFound, codeNotFound, format, args...)
}

func invalid(format string, args ...any) error {
	return awsapi.Errorf(http.StatusBadRequest, codeInvalid, format, args...)
}

func trunc(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// tokenUUID derives a resource id from a client token and what scopes it, in the shape of
// newUUID's: a retried (or racing) create with the same token names the same resource, which the
// store then holds once.
func tokenUUID(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(strconv.Itoa(len(p)) + ":" + p))
	}
	var b [16]byte
	copy(b[:], h.Sum(nil))
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	x := hex.EncodeToString(b[:])
	return x[:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:]
}

// requestHash fingerprints a request without its client token, for idempotency checks.
func requestHash(v any) string {
	b, _ := json.Marshal(v)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func validateTags(v *awsapi.Validator, name string, tags map[string]string) {
	v.Count(name, len(tags), 1, 200)
	for _, k := range slices.Sorted(mapsKeys(tags)) {
		v.Length(name+".member.key", k, 1, 128)
		v.PatternFunc(name+".member.key", k, tagKeyModel, awsapi.WithoutPrefix("aws:", tagKeyRest))
		v.Length(name+".member.value", tags[k], 0, 256)
	}
}

func mapsKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// arnOf is the ARN of an integration.
func (f *Facade) arnOf(sc scope.Scope, id string) string {
	return sc.ARN("app-integrations", "data-integration/"+id)
}

// lookup finds an integration by id, name or ARN.
func (f *Facade) lookup(ctx context.Context, tx *store.Tx, sc scope.Scope, ident string) (resources.Record, *integration, error) {
	id := ident
	if strings.HasPrefix(ident, "arn:") {
		parts := strings.SplitN(ident, ":", 6)
		if len(parts) != 6 || parts[2] != "app-integrations" || parts[3] != sc.Region || parts[4] != sc.Account || !strings.HasPrefix(parts[5], "data-integration/") {
			return resources.Record{}, nil, notFound("The data integration %s was not found.", trunc(ident, 255))
		}
		id = strings.TrimPrefix(parts[5], "data-integration/")
	}
	rec, err := resources.Get(ctx, tx, sc, kindIntegration, id)
	if errors.Is(err, resources.ErrNotFound) && !strings.HasPrefix(ident, "arn:") {
		rec, err = resources.GetByName(ctx, tx, sc, kindIntegration, ident)
	}
	if errors.Is(err, resources.ErrNotFound) {
		return rec, nil, notFound("The data integration %s was not found.", trunc(ident, 255))
	}
	if err != nil {
		return rec, nil, err
	}
	var doc integration
	if err := rec.Decode(&doc); err != nil {
		return rec, nil, err
	}
	return rec, &doc, nil
}

// --- Tagging ---------------------------------------------------------------------------------

type tagInput struct {
	Tags map[string]string `json:"tags"`
}

type tagsOutput struct {
	Tags map[string]string `json:"tags"`
}

// tagged resolves a resource ARN of the caller's account to its integration.
func (f *Facade) tagged(ctx context.Context, tx *store.Tx, sc scope.Scope, arn string) (resources.Record, *integration, error) {
	v := newValidator()
	v.Length("resourceArn", arn, 1, 2048)
	v.PatternFunc("resourceArn", arn, arnModel, arnMatch)
	if err := v.Err(); err != nil {
		return resources.Record{}, nil, err
	}
	return f.lookup(ctx, tx, sc, arn)
}

func (f *Facade) tagResource(ctx context.Context, r *awsapi.RESTRequest) (int, any, error) {
	var in tagInput
	if err := r.DecodeJSON(&in); err != nil {
		return 0, nil, err
	}
	v := newValidator()
	v.Required("tags", in.Tags != nil)
	if in.Tags != nil {
		validateTags(v, "tags", in.Tags)
	}
	if err := v.Err(); err != nil {
		return 0, nil, err
	}
	sc := core.Scope(ctx)
	err := f.DB.Tx(ctx, func(tx *store.Tx) error {
		rec, doc, err := f.tagged(ctx, tx, sc, r.Labels["resourceArn"])
		if err != nil {
			return err
		}
		if doc.Tags == nil {
			doc.Tags = map[string]string{}
		}
		for k, val := range in.Tags {
			doc.Tags[k] = val
		}
		if len(doc.Tags) > 200 {
			return invalid("A resource can have at most 200 tags.")
		}
		return resources.Update(ctx, tx, sc, kindIntegration, rec.ID, rec.Name, doc, f.Now())
	})
	return 0, nil, err
}

func (f *Facade) untagResource(ctx context.Context, r *awsapi.RESTRequest) (int, any, error) {
	keys := r.Query["tagKeys"]
	v := newValidator()
	v.Required("tagKeys", len(keys) > 0)
	if len(keys) > 0 {
		v.Count("tagKeys", len(keys), 1, 200)
		for _, k := range keys {
			v.Length("tagKeys.member", k, 1, 128)
			v.PatternFunc("tagKeys.member", k, tagKeyModel, awsapi.WithoutPrefix("aws:", tagKeyRest))
		}
	}
	if err := v.Err(); err != nil {
		return 0, nil, err
	}
	sc := core.Scope(ctx)
	err := f.DB.Tx(ctx, func(tx *store.Tx) error {
		rec, doc, err := f.tagged(ctx, tx, sc, r.Labels["resourceArn"])
		if err != nil {
			return err
		}
		for _, k := range keys {
			delete(doc.Tags, k)
		}
		if len(doc.Tags) == 0 {
			doc.Tags = nil
		}
		return resources.Update(ctx, tx, sc, kindIntegration, rec.ID, rec.Name, doc, f.Now())
	})
	return 0, nil, err
}

func (f *Facade) listTags(ctx context.Context, r *awsapi.RESTRequest) (int, any, error) {
	sc := core.Scope(ctx)
	out := tagsOutput{Tags: map[string]string{}}
	err := f.DB.ReadTx(ctx, func(tx *store.Tx) error {
		_, doc, err := f.tagged(ctx, tx, sc, r.Labels["resourceArn"])
		if err != nil {
			return err
		}
		for k, v := range doc.Tags {
			out.Tags[k] = v
		}
		return nil
	})
	return 0, out, err
}

// eachIntegration calls fn for every integration of the account, in creation order.
func eachIntegration(ctx context.Context, tx *store.Tx, sc scope.Scope, fn func(resources.Record, *integration) bool) error {
	after := ""
	for {
		recs, more, err := resources.List(ctx, tx, sc, kindIntegration, resources.ListQuery{After: after, Limit: 200})
		if err != nil {
			return err
		}
		for _, r := range recs {
			var doc integration
			if err := r.Decode(&doc); err != nil {
				return err
			}
			if !fn(r, &doc) {
				return nil
			}
		}
		if !more || len(recs) == 0 {
			return nil
		}
		after = recs[len(recs)-1].ID
	}
}
