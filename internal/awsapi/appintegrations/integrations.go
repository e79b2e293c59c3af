package appintegrations

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/surveyorhq/surveyor/internal/awsapi"
	"github.com/surveyorhq/surveyor/internal/connector"
	"github.com/surveyorhq/surveyor/internal/connector/files"
	"github.com/surveyorhq/surveyor/internal/core"
	"github.com/surveyorhq/surveyor/internal/discovery"
	"github.com/surveyorhq/surveyor/internal/filter"
	"github.com/surveyorhq/surveyor/internal/resources"
	"github.com/surveyorhq/surveyor/internal/schedule"
	"github.com/surveyorhq/surveyor/internal/scope"
	"github.com/surveyorhq/surveyor/internal/secrets"
	"github.com/surveyorhq/surveyor/internal/store"
)

// ScheduleConfiguration is AppIntegrations' schedule shape.
type ScheduleConfiguration struct {
	FirstExecutionFrom string `json:",omitempty"`
	Object             string `json:",omitempty"`
	ScheduleExpression string
}

// FileConfiguration limits which files are read.
type FileConfiguration struct {
	Folders []string
	Filters map[string][]string `json:",omitempty"`
}

// ObjectConfiguration maps an object (table) to keys ("fields") and their values.
type ObjectConfiguration map[string]map[string][]string

// integration is the stored document of a data integration.
type integration struct {
	ID                  string
	Arn                 string
	Name                string
	Description         *string                `json:",omitempty"`
	KmsKey              string                 `json:",omitempty"`
	SourceURI           string                 `json:",omitempty"`
	ScheduleConfig      *ScheduleConfiguration `json:",omitempty"`
	Tags                map[string]string      `json:",omitempty"`
	ClientToken         string                 `json:",omitempty"`
	RequestHash         string                 `json:",omitempty"`
	FileConfiguration   *FileConfiguration     `json:",omitempty"`
	ObjectConfiguration ObjectConfiguration    `json:",omitempty"`
	// SealedConfig is what runs of the integration read, frozen at creation and sealed under
	// KmsKey (see material.go). The document never holds it in clear.
	SealedConfig string `json:",omitempty"`
}

type createInput struct {
	Name                string
	Description         *string
	KmsKey              string
	SourceURI           string
	ScheduleConfig      *ScheduleConfiguration
	Tags                map[string]string
	ClientToken         string
	FileConfiguration   *FileConfiguration
	ObjectConfiguration ObjectConfiguration
}

// integrationOutput is the Create and Get response.
type integrationOutput struct {
	Arn                   string
	Id                    string
	Name                  string
	Description           *string                `json:",omitempty"`
	KmsKey                string                 `json:",omitempty"`
	SourceURI             string                 `json:",omitempty"`
	ScheduleConfiguration *ScheduleConfiguration `json:",omitempty"`
	Tags                  map[string]string      `json:",omitempty"`
	ClientToken           string                 `json:",omitempty"`
	FileConfiguration     *FileConfiguration     `json:",omitempty"`
	ObjectConfiguration   ObjectConfiguration    `json:",omitempty"`
}

func (d *integration) output(withToken bool) integrationOutput {
	out := integrationOutput{Arn: d.Arn, Id: d.ID, Name: d.Name, Description: d.Description, KmsKey: d.KmsKey,
		SourceURI: d.SourceURI, ScheduleConfiguration: d.ScheduleConfig, Tags: d.Tags,
		FileConfiguration: d.FileConfiguration, ObjectConfiguration: d.ObjectConfiguration}
	if withToken {
		out.ClientToken = d.ClientToken
	}
	return out
}

func validateSchedule(v *awsapi.Validator, name string, s *ScheduleConfiguration) {
	if s == nil {
		return
	}
	v.Required(name+".ScheduleExpression", s.ScheduleExpression != "")
	if s.ScheduleExpression != "" {
		v.Length(name+".ScheduleExpression", s.ScheduleExpression, 1, 255)
		v.Pattern(name+".ScheduleExpression", s.ScheduleExpression, nonBlank)
	}
	if s.FirstExecutionFrom != "" {
		v.Length(name+".FirstExecutionFrom", s.FirstExecutionFrom, 1, 255)
		v.Pattern(name+".FirstExecutionFrom", s.FirstExecutionFrom, nonBlank)
	}
	if s.Object != "" {
		v.Length(name+".Object", s.Object, 1, 255)
		v.Pattern(name+".Object", s.Object, namePattern)
	}
}

// parseSchedule checks a schedule's expression and start: FirstExecutionFrom is epoch
// milliseconds or ISO-8601; without it the schedule starts at now.
func parseSchedule(name string, s *ScheduleConfiguration, now time.Time) (time.Time, error) {
	anchor := now
	if s.FirstExecutionFrom != "" {
		t, err := parseInstant(s.FirstExecutionFrom)
		if err != nil {
			return time.Time{}, invalid("%s.FirstExecutionFrom %q is neither epoch milliseconds nor an ISO-8601 time.", name, trunc(s.FirstExecutionFrom, 64))
		}
		anchor = t
	}
	if _, err := schedule.Parse(s.ScheduleExpression, time.UTC, anchor); err != nil {
		return time.Time{}, invalid("%s.ScheduleExpression is invalid: %v", name, err)
	}
	return anchor, nil
}

func parseInstant(s string) (time.Time, error) {
	if ms, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.UnixMilli(ms).UTC(), nil
	}
	for _, l := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04:05.999Z0700", "2006-01-02T15:04:05Z0700", time.DateOnly} {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("not a time: %q", s)
}

func validateFields(v *awsapi.Validator, name string, m map[string][]string) {
	for _, k := range slices.Sorted(mapsKeys(m)) {
		v.Length(name+".key", k, 1, 255)
		v.Pattern(name+".key", k, nonBlank)
		v.Count(name+"."+k, len(m[k]), 1, 2048)
		for _, f := range m[k] {
			v.Length(name+"."+k+".member", f, 1, 255)
			v.Pattern(name+"."+k+".member", f, namePattern)
		}
	}
}

func validateObjectConfiguration(v *awsapi.Validator, name string, oc ObjectConfiguration) {
	for _, obj := range slices.Sorted(mapsKeys(oc)) {
		v.Length(name+".key", obj, 1, 255)
		v.Pattern(name+".key", obj, nonBlank)
		validateFields(v, name+"."+obj, oc[obj])
	}
}

func (f *Facade) createDataIntegration(ctx context.Context, r *awsapi.RESTRequest) (int, any, error) {
	var in createInput
	if err := r.DecodeJSON(&in); err != nil {
		return 0, nil, err
	}
	if err := validateCreate(&in); err != nil {
		return 0, nil, err
	}
	sc := core.Scope(ctx)
	now := f.Now()
	if in.ScheduleConfig != nil {
		if _, err := parseSchedule("ScheduleConfig", in.ScheduleConfig, now); err != nil {
			return 0, nil, err
		}
	}
	token := in.ClientToken
	in.ClientToken = ""
	hash := requestHash(in)

	cfg, cfgErr := f.sourceConfig(ctx, sc, &in)
	// Idempotency: the token gives the id, so the store holds one integration per token; the
	// same token with the same request is the same integration.
	id := newUUID()
	if token != "" {
		id = tokenUUID(sc.Account, sc.Region, "data-integration", token)
	}
	var doc *integration
	existing := func(tx *store.Tx) (err error) {
		doc, err = tokenIntegration(ctx, tx, sc, id, token, hash)
		return err
	}
	duplicate := awsapi.Errorf(http.StatusConflict, codeDuplicate, "A data integration named %s already exists.", in.Name)
	err := f.CreateOnce(ctx, token != "", func(tx *store.Tx) error {
		if token != "" {
			if err := existing(tx); !errors.Is(err, resources.ErrNotFound) {
				return err
			}
		}
		if _, err := resources.GetByName(ctx, tx, sc, kindIntegration, in.Name); err == nil {
			if token != "" {
				// A create with this token may have committed since existing looked (each
				// statement sees what committed before it): then it answers.
				if err := existing(tx); !errors.Is(err, resources.ErrNotFound) {
					return err
				}
			}
			return duplicate
		} else if !errors.Is(err, resources.ErrNotFound) {
			return err
		}
		if cfgErr != nil {
			return cfgErr
		}
		sealed, err := sealConfig(f.Master, sc, id, in.KmsKey, cfg)
		if err != nil {
			return err
		}
		doc = &integration{ID: id, Arn: f.arnOf(sc, id), Name: in.Name, Description: in.Description, KmsKey: in.KmsKey,
			SourceURI: in.SourceURI, ScheduleConfig: in.ScheduleConfig, Tags: in.Tags, ClientToken: token, RequestHash: hash,
			FileConfiguration: in.FileConfiguration, ObjectConfiguration: in.ObjectConfiguration, SealedConfig: sealed}
		// The store keeps names unique, across processes.
		return resources.Insert(ctx, tx, sc, kindIntegration, resources.Record{ID: id, Name: in.Name, UniqueName: true, CreatedAt: now}, doc)
	}, existing)
	if errors.Is(err, resources.ErrNameTaken) {
		return 0, nil, duplicate
	}
	if err != nil {
		return 0, nil, err
	}
	return 0, doc.output(true), nil
}

// tokenIntegration is the integration id that an earlier create with the same client token
// made (resources.ErrNotFound when there is none); a different request with the token is
// refused.
func tokenIntegration(ctx context.Context, tx *store.Tx, sc scope.Scope, id, token, hash string) (*integration, error) {
	rec, err := resources.Get(ctx, tx, sc, kindIntegration, id)
	if err != nil {
		return nil, err
	}
	var d integration
	if err := rec.Decode(&d); err != nil {
		return nil, err
	}
	if d.RequestHash != hash {
		return nil, invalid("The ClientToken %s was already used with different parameters.", trunc(token, 64))
	}
	return &d, nil
}

// validateCreate checks a CreateDataIntegration request against the model; a KmsKey problem
// comes after the model's violations, as AWS reports it.
func validateCreate(in *createInput) error {
	v := newValidator()
	v.Required("Name", in.Name != "")
	if in.Name != "" {
		v.Length("Name", in.Name, 1, 255)
		v.Pattern("Name", in.Name, namePattern)
	}
	if in.Description != nil {
		v.Length("Description", *in.Description, 0, 1000)
	}
	if in.SourceURI != "" {
		v.Length("SourceURI", in.SourceURI, 1, 1000)
		v.Pattern("SourceURI", in.SourceURI, sourceURIPattern)
	}
	validateSchedule(v, "ScheduleConfig", in.ScheduleConfig)
	if in.Tags != nil {
		validateTags(v, "Tags", in.Tags)
	}
	if in.ClientToken != "" {
		v.Length("ClientToken", in.ClientToken, 1, 2048)
	}
	if fc := in.FileConfiguration; fc != nil {
		v.Required("FileConfiguration.Folders", fc.Folders != nil)
		if fc.Folders != nil {
			v.Count("FileConfiguration.Folders", len(fc.Folders), 1, 10)
			for _, fo := range fc.Folders {
				v.Length("FileConfiguration.Folders.member", fo, 1, 200)
				v.Pattern("FileConfiguration.Folders.member", fo, nonBlank)
			}
		}
		validateFields(v, "FileConfiguration.Filters", fc.Filters)
	}
	validateObjectConfiguration(v, "ObjectConfiguration", in.ObjectConfiguration)
	kmsErr := validateKmsKey(v, in.KmsKey)
	if err := v.Err(); err != nil {
		return err
	}
	return kmsErr
}

// acceptedSchemes is what an unknown SourceURI scheme is told.
const acceptedSchemes = "s3://bucket/prefix, file://localhost/absolute/path, postgres://SECRET-NAME/database, mysql://SECRET-NAME/database or sqlite://absolute/path/to/file.db"

// fileFilterKeys are the FileConfiguration.Filters keys this server honours.
var fileFilterKeys = []string{"Extensions", "Include", "Exclude", "Header"}

// sourceConfig turns the SourceURI and configurations into the discovery config of the
// integration's runs.
func (f *Facade) sourceConfig(ctx context.Context, sc scope.Scope, in *createInput) (discovery.Config, error) {
	var cfg discovery.Config
	if in.SourceURI == "" {
		return cfg, invalid("SourceURI is required: this server reads %s.", acceptedSchemes)
	}
	scheme, rest, _ := strings.Cut(in.SourceURI, "://")
	host, p, _ := strings.Cut(rest, "/")
	isFiles := false
	switch strings.ToLower(scheme) {
	case "s3":
		isFiles = true
		cfg = discovery.Config{Engine: connector.Files, Path: "s3://" + host + "/" + p}
		// Credentials and endpoint of a bucket come from the secret s3/<bucket>, when it exists.
		if _, err := f.Secrets.Describe(ctx, sc, "s3/"+host); err == nil {
			cfg.SecretID = "s3/" + host
		} else if !errors.Is(err, secrets.ErrNotFound) {
			return cfg, err
		}
	case "file":
		if host != "localhost" {
			return cfg, invalid("A file SourceURI is file://localhost/absolute/path; host %q is not this server.", host)
		}
		isFiles = true
		cfg = discovery.Config{Engine: connector.Files, Path: "/" + p}
	case "postgres", "postgresql", "mysql", "mariadb":
		if p == "" || strings.Contains(p, "/") {
			return cfg, invalid("A database SourceURI is %s://SECRET-NAME/database.", scheme)
		}
		if _, err := f.Secrets.Describe(ctx, sc, host); errors.Is(err, secrets.ErrNotFound) {
			return cfg, invalid("SourceURI names the secret %s, which does not exist; create it with the host, port, username and password of the database.", host)
		} else if err != nil {
			return cfg, err
		}
		engine, _ := connector.NormalizeEngine(scheme)
		cfg = discovery.Config{Engine: engine, SecretID: host, Database: p}
	case "sqlite":
		path := "/" + p
		if host != "localhost" {
			path = "/" + host + "/" + p
		}
		cfg = discovery.Config{Engine: connector.SQLite, Path: strings.TrimSuffix(path, "/")}
	default:
		return cfg, invalid("SourceURI scheme %q is not supported. Use %s.", trunc(scheme, 64), acceptedSchemes)
	}
	if fc := in.FileConfiguration; fc != nil {
		if !isFiles {
			return cfg, invalid("FileConfiguration applies to s3:// and file:// sources only.")
		}
		params, err := fileParams(fc)
		if err != nil {
			return cfg, err
		}
		cfg.Params = params
	}
	if err := applyObjects(&cfg, in.ObjectConfiguration); err != nil {
		return cfg, err
	}
	if s := in.ScheduleConfig; s != nil && s.Object != "" && len(in.ObjectConfiguration) == 0 {
		cfg.Rules = append(cfg.Rules, objectRule(s.Object))
	}
	return cfg, nil
}

// fileParams turns a FileConfiguration into the files connector's parameters.
func fileParams(fc *FileConfiguration) (map[string]string, error) {
	params := map[string]string{}
	for _, fo := range fc.Folders {
		if strings.Contains(fo, ",") {
			return nil, invalid("FileConfiguration.Folders: folder %q may not contain a comma.", trunc(fo, 200))
		}
	}
	params[files.ParamFolders] = strings.Join(fc.Folders, ",")
	for _, k := range slices.Sorted(mapsKeys(fc.Filters)) {
		vals := fc.Filters[k]
		switch k {
		case "Extensions":
			params[files.ParamExtensions] = strings.Join(vals, ",")
		case "Include", "Exclude":
			// Fields admit no * or ?: a value is a name prefix (or, with a /, a path prefix).
			globs := make([]string, len(vals))
			for i, v := range vals {
				globs[i] = v + "*"
			}
			key := files.ParamInclude
			if k == "Exclude" {
				key = files.ParamExclude
			}
			params[key] = strings.Join(globs, ",")
		case "Header":
			if len(vals) != 1 || !slices.Contains([]string{"true", "false", "auto"}, vals[0]) {
				return nil, invalid("FileConfiguration.Filters.Header takes one value: true, false or auto.")
			}
			params[files.ParamHeader] = vals[0]
		default:
			return nil, invalid("FileConfiguration.Filters key %q is not supported. Use %s.", trunc(k, 255), strings.Join(fileFilterKeys, ", "))
		}
	}
	return params, nil
}

// applyObjects limits a config to the objects (tables) of an ObjectConfiguration, and to their
// listed fields (columns). The only key honoured is "fields".
func applyObjects(cfg *discovery.Config, oc ObjectConfiguration) error {
	if len(oc) == 0 {
		return nil
	}
	cfg.Rules = nil
	cfg.Columns = nil
	for _, obj := range slices.Sorted(mapsKeys(oc)) {
		cfg.Rules = append(cfg.Rules, objectRule(obj))
		for _, k := range slices.Sorted(mapsKeys(oc[obj])) {
			if !strings.EqualFold(k, "fields") {
				return invalid("ObjectConfiguration.%s key %q is not supported: use \"fields\" to list the columns to read.", trunc(obj, 255), trunc(k, 255))
			}
			if cfg.Columns == nil {
				cfg.Columns = map[string][]string{}
			}
			cfg.Columns[obj] = append(cfg.Columns[obj], oc[obj][k]...)
		}
	}
	return nil
}

// objectRule includes one object: "table" or "namespace.table".
func objectRule(obj string) filter.Rule {
	if i := strings.LastIndex(obj, "."); i > 0 {
		return filter.Rule{Action: filter.Include, Namespace: obj[:i], Table: obj[i+1:]}
	}
	return filter.Rule{Action: filter.Include, Table: obj}
}

func (f *Facade) getDataIntegration(ctx context.Context, r *awsapi.RESTRequest) (int, any, error) {
	sc := core.Scope(ctx)
	var doc *integration
	err := f.DB.ReadTx(ctx, func(tx *store.Tx) error {
		var err error
		_, doc, err = f.lookup(ctx, tx, sc, r.Labels["Identifier"])
		return err
	})
	if err != nil {
		return 0, nil, err
	}
	return 0, doc.output(false), nil
}

type listCursor struct {
	After string `json:"a"`
}

type integrationSummary struct {
	Arn       string
	Name      string
	SourceURI string `json:",omitempty"`
}

func (f *Facade) listDataIntegrations(ctx context.Context, r *awsapi.RESTRequest) (int, any, error) {
	sc := core.Scope(ctx)
	limit, ok, err := r.QueryInt("maxResults", 1, 50)
	if err != nil {
		return 0, nil, err
	}
	if !ok {
		limit = defaultMaxResults
	}
	var cur listCursor
	if tok, ok, err := r.QueryString("nextToken"); err != nil {
		return 0, nil, err
	} else if ok {
		v := newValidator()
		v.Length("nextToken", tok, 1, 1000)
		if err := v.Err(); err != nil {
			return 0, nil, err
		}
		if err := f.Tokens.Decode("appintegrations/list/"+sc.String(), tok, &cur); err != nil {
			return 0, nil, invalid("The nextToken provided is invalid.")
		}
	}
	out := struct {
		DataIntegrations []integrationSummary
		NextToken        string `json:",omitempty"`
	}{DataIntegrations: []integrationSummary{}}
	err = f.DB.ReadTx(ctx, func(tx *store.Tx) error {
		recs, more, err := resources.List(ctx, tx, sc, kindIntegration, resources.ListQuery{After: cur.After, Limit: int(limit)})
		if err != nil {
			return err
		}
		for _, rec := range recs {
			var d integration
			if err := rec.Decode(&d); err != nil {
				return err
			}
			out.DataIntegrations = append(out.DataIntegrations, integrationSummary{Arn: d.Arn, Name: d.Name, SourceURI: d.SourceURI})
		}
		if more {
			out.NextToken, err = f.Tokens.Encode("appintegrations/list/"+sc.String(), listCursor{After: recs[len(recs)-1].ID})
		}
		return err
	})
	if err != nil {
		return 0, nil, err
	}
	return 0, out, nil
}

func (f *Facade) updateDataIntegration(ctx context.Context, r *awsapi.RESTRequest) (int, any, error) {
	var in struct {
		Name        *string
		Description *string
	}
	if err := r.DecodeJSON(&in); err != nil {
		return 0, nil, err
	}
	v := newValidator()
	if in.Name != nil {
		v.Length("Name", *in.Name, 1, 255)
		v.Pattern("Name", *in.Name, namePattern)
	}
	if in.Description != nil {
		v.Length("Description", *in.Description, 0, 1000)
	}
	if err := v.Err(); err != nil {
		return 0, nil, err
	}
	sc := core.Scope(ctx)
	err := f.DB.Tx(ctx, func(tx *store.Tx) error {
		rec, doc, err := f.lookup(ctx, tx, sc, r.Labels["Identifier"])
		if err != nil {
			return err
		}
		if in.Name != nil && *in.Name != doc.Name {
			if other, err := resources.GetByName(ctx, tx, sc, kindIntegration, *in.Name); err == nil && other.ID != rec.ID {
				return awsapi.Errorf(http.StatusConflict, codeDuplicate, "A data integration named %s already exists.", *in.Name)
			} else if err != nil && !errors.Is(err, resources.ErrNotFound) {
				return err
			}
			doc.Name = *in.Name
		}
		if in.Description != nil {
			doc.Description = in.Description
		}
		err = resources.Update(ctx, tx, sc, kindIntegration, rec.ID, doc.Name, doc, f.Now())
		if errors.Is(err, resources.ErrNameTaken) {
			return awsapi.Errorf(http.StatusConflict, codeDuplicate, "A data integration named %s already exists.", doc.Name)
		}
		return err
	})
	return 0, nil, err
}

func (f *Facade) deleteDataIntegration(ctx context.Context, r *awsapi.RESTRequest) (int, any, error) {
	sc := core.Scope(ctx)
	err := f.DB.Tx(ctx, func(tx *store.Tx) error {
		rec, _, err := f.lookup(ctx, tx, sc, r.Labels["Identifier"])
		if err != nil {
			return err
		}
		parent := rec.ID
		assoc, _, err := resources.List(ctx, tx, sc, kindAssociation, resources.ListQuery{ParentID: &parent, Limit: 1})
		if err != nil {
			return err
		}
		if len(assoc) > 0 {
			return invalid("The data integration %s has associations and cannot be deleted.", rec.Name)
		}
		return resources.Delete(ctx, tx, sc, kindIntegration, rec.ID)
	})
	return 0, nil, err
}

// mustJSON encodes a discovery config for a run or a schedule.
func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic("appintegrations: marshal: " + err.Error())
	}
	return b
}
