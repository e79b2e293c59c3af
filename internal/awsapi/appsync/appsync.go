// Package appsync is the AppSync façade (restJson1): StartDataSourceIntrospection queues a
// discovery run over an RDS-style secret, and GetDataSourceIntrospection renders the run's
// result as GraphQL models.
//
// Each introspection is its own source: its id (a UUID) is the id of the source, of the one
// discovery run that reads the database, and of the resource document that remembers what was
// asked (Kind{"appsync", "introspection"}). PostgreSQL is read in schema public only, as AppSync
// does; MySQL and MariaDB in the database named by databaseName; SQLite (our extension) in the
// file the secret names (and the files its "attach" names). Results are kept for
// Facade.Retention, then the id is unknown, and Purge (called by the server every minute)
// deletes the document, the run and the catalog assets.
package appsync

import (
	"context"
	"crypto/rand"
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
	"github.com/surveyorhq/surveyor/internal/connector"
	"github.com/surveyorhq/surveyor/internal/core"
	"github.com/surveyorhq/surveyor/internal/discovery"
	"github.com/surveyorhq/surveyor/internal/filter"
	"github.com/surveyorhq/surveyor/internal/graphql"
	"github.com/surveyorhq/surveyor/internal/resources"
	"github.com/surveyorhq/surveyor/internal/runs"
	"github.com/surveyorhq/surveyor/internal/schema"
	"github.com/surveyorhq/surveyor/internal/scope"
	"github.com/surveyorhq/surveyor/internal/secrets"
	"github.com/surveyorhq/surveyor/internal/store"
)

// Facade serves the AppSync operations.
type Facade struct {
	*core.Services
	// Retention is how long an introspection and its result stay readable; 0 means
	// DefaultRetention.
	Retention time.Duration
}

// DefaultRetention is how long introspections are kept unless Facade.Retention says otherwise.
const DefaultRetention = 7 * 24 * time.Hour

// DefaultMaxResults is the page size when maxResults is 0 or absent: the model's maximum.
const DefaultMaxResults = 25

// Introspection statuses.
const (
	StatusProcessing = "PROCESSING"
	StatusSuccess    = "SUCCESS"
	StatusFailed     = "FAILED"
)

// EmptySchemaDetail is the detail of an introspection that found no tables.
const EmptySchemaDetail = "Imported SQL schema is empty."

// Kind is the resource kind of introspection documents.
var Kind = resources.Kind{Service: "appsync", Type: "introspection"}

const (
	validationCode = "BadRequestException"
	notFoundCode   = "NotFoundException"
)

var (
	resourceArnPattern = regexp.MustCompile(`^arn:[a-z-]*:rds:[a-z0-9-]*:\d{12}:cluster:[0-9A-Za-z_/-]*$`)
	secretArnPattern   = regexp.MustCompile(`^arn:[a-z-]*:secretsmanager:[a-z0-9-]*:\d{12}:secret:[0-9A-Za-z_/+=.@!-]*$`)
	nextTokenPattern   = regexp.MustCompile(`[\S]+`)
)

// Service returns the restJson1 service to register under the signing name "appsync".
func (f *Facade) Service() (*awsapi.RESTService, error) {
	return awsapi.NewRESTService(awsapi.RESTProtocol{
		MessageMember:       "message",
		ValidationErrorCode: validationCode,
		InternalErrorCode:   "InternalFailureException",
	}, awsapi.Route{
		Method: http.MethodPost, Path: "/v1/datasources/introspections",
		Operation: "StartDataSourceIntrospection", Handler: f.startHandler,
	}, awsapi.Route{
		Method: http.MethodGet, Path: "/v1/datasources/introspections/{introspectionId}",
		Operation: "GetDataSourceIntrospection", Handler: f.getHandler,
	})
}

func (f *Facade) retention() time.Duration {
	if f.Retention > 0 {
		return f.Retention
	}
	return DefaultRetention
}

// RDSDataAPIConfig is StartDataSourceIntrospection's rdsDataApiConfig.
type RDSDataAPIConfig struct {
	ResourceArn  *string `json:"resourceArn"`
	SecretArn    *string `json:"secretArn"`
	DatabaseName *string `json:"databaseName"`
}

// StartInput is the StartDataSourceIntrospection request.
type StartInput struct {
	RdsDataAPIConfig *RDSDataAPIConfig `json:"rdsDataApiConfig"`
}

// StartOutput is the StartDataSourceIntrospection response.
type StartOutput struct {
	IntrospectionID           string `json:"introspectionId"`
	IntrospectionStatus       string `json:"introspectionStatus"`
	IntrospectionStatusDetail string `json:"introspectionStatusDetail,omitempty"`
}

// introspection is the stored document of one introspection.
type introspection struct {
	ID           string    `json:"id"`
	RunID        string    `json:"runId"`
	ResourceArn  string    `json:"resourceArn"`
	SecretArn    string    `json:"secretArn"`
	DatabaseName string    `json:"databaseName"`
	Engine       string    `json:"engine,omitempty"`
	CreatedAt    time.Time `json:"createdAt"`
}

func (f *Facade) startHandler(ctx context.Context, r *awsapi.RESTRequest) (int, any, error) {
	var in StartInput
	if err := r.DecodeJSON(&in); err != nil {
		return 0, nil, err
	}
	out, err := f.StartDataSourceIntrospection(ctx, &in)
	return 0, out, err
}

// StartDataSourceIntrospection validates the request, checks that the secret exists in the
// caller's account, and queues the discovery run; the answer is PROCESSING at once.
//
// The secret's content is read again by the run: a secret whose engine is unsupported, or that
// is not RDS secret JSON, gives an introspection that FAILS with a detail saying so, as AWS
// reports database problems through the introspection rather than the call.
func (f *Facade) StartDataSourceIntrospection(ctx context.Context, in *StartInput) (*StartOutput, error) {
	v := awsapi.NewValidator(validationCode, http.StatusBadRequest)
	c := in.RdsDataAPIConfig
	v.Required("rdsDataApiConfig", c != nil)
	if c != nil {
		v.Required("rdsDataApiConfig.resourceArn", c.ResourceArn != nil)
		v.Required("rdsDataApiConfig.secretArn", c.SecretArn != nil)
		v.Required("rdsDataApiConfig.databaseName", c.DatabaseName != nil)
		if c.ResourceArn != nil {
			v.Length("rdsDataApiConfig.resourceArn", *c.ResourceArn, 20, 2048)
			v.Pattern("rdsDataApiConfig.resourceArn", *c.ResourceArn, resourceArnPattern)
		}
		if c.SecretArn != nil {
			v.Length("rdsDataApiConfig.secretArn", *c.SecretArn, 20, 2048)
			v.Pattern("rdsDataApiConfig.secretArn", *c.SecretArn, secretArnPattern)
		}
		if c.DatabaseName != nil {
			v.Length("rdsDataApiConfig.databaseName", *c.DatabaseName, 1, 128)
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	sc := core.Scope(ctx)
	secretArn, dbName := *c.SecretArn, *c.DatabaseName
	sec, err := f.Secrets.Describe(ctx, sc, secretArn)
	switch {
	case errors.Is(err, secrets.ErrNotFound):
		return nil, awsapi.Errorf(http.StatusNotFound, notFoundCode, "Secret %s was not found.", secretArn)
	case err != nil:
		return nil, fmt.Errorf("describe secret %s: %w", secretArn, err)
	}
	engine, attach := f.readSecret(ctx, sc, sec.ARN)

	id := newUUID()
	now := f.Now().UTC()
	doc := introspection{ID: id, RunID: id, ResourceArn: *c.ResourceArn, SecretArn: sec.ARN,
		DatabaseName: dbName, Engine: engine, CreatedAt: now}
	cfg := discovery.Config{SecretID: sec.ARN, Database: dbName, Rules: rulesFor(engine, dbName), EmptyIsResult: true}
	if engine == connector.SQLite && attach != "" {
		cfg.Params = map[string]string{"attach": attach}
	}
	raw, err := json.Marshal(cfg)
	if err != nil {
		return nil, fmt.Errorf("encode introspection config: %w", err)
	}
	err = f.Tx(ctx, func(tx *store.Tx) error {
		if err := resources.Insert(ctx, tx, sc, Kind, resources.Record{ID: id, Name: id, CreatedAt: now}, doc); err != nil {
			return err
		}
		_, _, err := f.Runs.Enqueue(ctx, tx, runs.Run{ID: id, Scope: sc, SourceID: id,
			Job: discovery.JobDiscover, Type: "PRIORITIZED", Config: raw})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("start introspection %s: %w", id, err)
	}
	return &StartOutput{IntrospectionID: id, IntrospectionStatus: StatusProcessing}, nil
}

// readSecret reads the engine named by the secret's RDS JSON, normalised, and for SQLite the
// files to attach (our extension: "attach": "name=path,name2=path2", as the SQLite connector
// takes them). The engine is "" when the secret has no readable engine (the run then fails and
// says why).
func (f *Facade) readSecret(ctx context.Context, sc scope.Scope, secretArn string) (engine, attach string) {
	val, err := f.Secrets.Current(ctx, sc, secretArn)
	if err != nil || val.String == nil {
		return "", ""
	}
	var rds struct {
		Engine string `json:"engine"`
		Attach string `json:"attach"`
	}
	if json.Unmarshal([]byte(*val.String), &rds) != nil {
		return "", ""
	}
	engine, ok := connector.NormalizeEngine(rds.Engine)
	if !ok {
		return "", ""
	}
	return engine, rds.Attach
}

// rulesFor limits a run to what AppSync introspects: schema public of a PostgreSQL database, the
// named MySQL database, everything in a SQLite file.
func rulesFor(engine, database string) []filter.Rule {
	switch engine {
	case connector.Postgres:
		return []filter.Rule{{Action: filter.Include, Namespace: "public", Table: "*"}}
	case connector.MySQL:
		return []filter.Rule{{Action: filter.Include, Database: database, Table: "*"}}
	}
	return nil
}

// GetInput is the GetDataSourceIntrospection request.
type GetInput struct {
	IntrospectionID  string
	IncludeModelsSDL bool
	MaxResults       int
	NextToken        string
}

// GetOutput is the GetDataSourceIntrospection response.
type GetOutput struct {
	IntrospectionID           string        `json:"introspectionId"`
	IntrospectionStatus       string        `json:"introspectionStatus"`
	IntrospectionStatusDetail string        `json:"introspectionStatusDetail,omitempty"`
	IntrospectionResult       *ResultOutput `json:"introspectionResult,omitempty"`
}

// ResultOutput is DataSourceIntrospectionResult.
type ResultOutput struct {
	Models    []graphql.Model `json:"models"`
	NextToken string          `json:"nextToken,omitempty"`
}

func (f *Facade) getHandler(ctx context.Context, r *awsapi.RESTRequest) (int, any, error) {
	in := GetInput{IntrospectionID: r.Labels["introspectionId"]}
	n, _, err := r.QueryInt("maxResults", 0, 25)
	if err != nil {
		return 0, nil, err
	}
	in.MaxResults = int(n)
	if in.IncludeModelsSDL, _, err = r.QueryBool("includeModelsSDL"); err != nil {
		return 0, nil, err
	}
	tok, ok, err := r.QueryString("nextToken")
	if err != nil {
		return 0, nil, err
	}
	if ok {
		v := awsapi.NewValidator(validationCode, http.StatusBadRequest)
		v.Length("nextToken", tok, 1, 65536)
		v.Pattern("nextToken", tok, nextTokenPattern)
		if err := v.Err(); err != nil {
			return 0, nil, err
		}
		in.NextToken = tok
	}
	out, err := f.GetDataSourceIntrospection(ctx, &in)
	return 0, out, err
}

type pageCursor struct {
	Offset int `json:"o"`
}

// GetDataSourceIntrospection reports an introspection's status and, once it succeeded, a page
// of its models ordered by name.
func (f *Facade) GetDataSourceIntrospection(ctx context.Context, in *GetInput) (*GetOutput, error) {
	sc := core.Scope(ctx)
	scope := sc.String() + "/GetDataSourceIntrospection/" + in.IntrospectionID
	var cur pageCursor
	if in.NextToken != "" {
		if err := f.Tokens.Decode(scope, in.NextToken, &cur); err != nil || cur.Offset < 0 {
			return nil, awsapi.Errorf(http.StatusBadRequest, validationCode, "Invalid nextToken.")
		}
	}
	doc, run, err := f.introspectionRun(ctx, sc, in.IntrospectionID)
	if err != nil {
		return nil, err
	}
	out := &GetOutput{IntrospectionID: doc.ID}
	switch run.Status {
	case runs.StatusRequested, runs.StatusRunning:
		out.IntrospectionStatus = StatusProcessing
		return out, nil
	case runs.StatusFailed:
		out.IntrospectionStatus, out.IntrospectionStatusDetail = StatusFailed, failureDetail(run)
		return out, nil
	}
	var assets []catalog.Asset
	err = f.DB.ReadTx(ctx, func(tx *store.Tx) error {
		var err error
		assets, err = f.Catalog.AssetsOfSource(ctx, tx, doc.ID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("get introspection %s: %w", in.IntrospectionID, err)
	}
	assets = slices.DeleteFunc(assets, func(a catalog.Asset) bool { return !isModel(a.Kind) || a.Table == nil })
	if len(assets) == 0 {
		out.IntrospectionStatus, out.IntrospectionStatusDetail = StatusFailed, EmptySchemaDetail
		return out, nil
	}
	out.IntrospectionStatus = StatusSuccess
	out.IntrospectionResult, err = f.modelsPage(scope, in, modelsOf(assets), resultEngine(run, doc), cur.Offset)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// introspectionRun reads the introspection of the caller's account and region and its run;
// one past the retention period, or of another account or region, is not found.
func (f *Facade) introspectionRun(ctx context.Context, sc scope.Scope, id string) (introspection, runs.Run, error) {
	notFound := awsapi.Errorf(http.StatusNotFound, notFoundCode, "Introspection %s was not found.", id)
	var doc introspection
	err := f.DB.ReadTx(ctx, func(tx *store.Tx) error {
		rec, err := resources.Get(ctx, tx, sc, Kind, id)
		if err != nil {
			return err
		}
		if err := rec.Decode(&doc); err != nil {
			return err
		}
		if f.Now().Sub(doc.CreatedAt) > f.retention() {
			return resources.ErrNotFound
		}
		return nil
	})
	switch {
	case errors.Is(err, resources.ErrNotFound):
		return doc, runs.Run{}, notFound
	case err != nil:
		return doc, runs.Run{}, fmt.Errorf("get introspection %s: %w", id, err)
	}
	run, err := f.Runs.Get(ctx, sc, doc.RunID)
	switch {
	case errors.Is(err, runs.ErrNotFound):
		return doc, run, notFound
	case err != nil:
		return doc, run, fmt.Errorf("get introspection %s: %w", id, err)
	}
	return doc, run, nil
}

// modelsPage is one page of the models, from offset, with a token for the next page.
func (f *Facade) modelsPage(scope string, in *GetInput, named []namedTable, engine string, offset int) (*ResultOutput, error) {
	limit := in.MaxResults
	if limit == 0 {
		limit = DefaultMaxResults
	}
	res := &ResultOutput{Models: []graphql.Model{}}
	start := min(offset, len(named))
	end := min(start+limit, len(named))
	for _, nt := range named[start:end] {
		t := *nt.table
		t.Name = nt.name
		m := graphql.FromTable(engine, &t)
		if !in.IncludeModelsSDL {
			m.SDL = ""
		}
		res.Models = append(res.Models, m)
	}
	if end < len(named) {
		tok, err := f.Tokens.Encode(scope, pageCursor{Offset: end})
		if err != nil {
			return nil, err
		}
		res.NextToken = tok
	}
	return res, nil
}

// namedTable is a table with the name its model takes.
type namedTable struct {
	name  string
	table *schema.Table
}

// modelsOf names the model of each asset and orders them by name. A model is named after its
// table, except when tables of several databases share the name (a SQLite file and the files
// attached to it): the table in "main" keeps the plain name and the others are named
// "<database>.<table>" (aux.users). A name still taken after that gets " (2)", " (3)"...
func modelsOf(assets []catalog.Asset) []namedTable {
	dbsOf := map[string]map[string]bool{}
	for _, a := range assets {
		if dbsOf[a.Ref.Table] == nil {
			dbsOf[a.Ref.Table] = map[string]bool{}
		}
		dbsOf[a.Ref.Table][a.Ref.Database] = true
	}
	out := make([]namedTable, 0, len(assets))
	used := make(map[string]bool, len(assets))
	for _, a := range assets {
		name := a.Ref.Table
		if len(dbsOf[name]) > 1 && a.Ref.Database != "main" {
			name = a.Ref.Database + "." + name
		}
		for i, base := 2, name; used[name]; i++ {
			name = fmt.Sprintf("%s (%d)", base, i)
		}
		used[name] = true
		out = append(out, namedTable{name: name, table: a.Table})
	}
	slices.SortStableFunc(out, func(a, b namedTable) int { return strings.Compare(a.name, b.name) })
	return out
}

// isModel reports whether an asset becomes a model: tables (partitioned ones included) and
// views (materialized ones included). Partitions would repeat their parent table; foreign tables
// are left out like other non-local objects.
func isModel(k schema.Kind) bool {
	switch k {
	case schema.KindTable, schema.KindPartitionedTable, schema.KindView, schema.KindMaterializedView:
		return true
	}
	return false
}

// resultEngine is the engine the run read (postgres, mysql, sqlite).
func resultEngine(run runs.Run, doc introspection) string {
	var res discovery.Result
	if len(run.Result) > 0 && json.Unmarshal(run.Result, &res) == nil && res.Engine != "" {
		return res.Engine
	}
	return doc.Engine
}

// failureDetail is the cause a user reads: the run's detail, which names the failure without
// any password (connectors scrub driver messages).
func failureDetail(run runs.Run) string {
	if run.ErrorDetail != "" {
		return run.ErrorDetail
	}
	return "The introspection failed (" + strings.ToLower(strings.TrimSuffix(run.ErrorType, "_EXCEPTION")) + ")."
}

// newUUID returns a random (version 4) UUID, the form AppSync introspection ids take.
func newUUID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
