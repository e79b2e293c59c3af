package datazone

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"time"

	"github.com/surveyorhq/surveyor/internal/awsapi"
	"github.com/surveyorhq/surveyor/internal/core"
	"github.com/surveyorhq/surveyor/internal/resources"
	"github.com/surveyorhq/surveyor/internal/scope"
	"github.com/surveyorhq/surveyor/internal/store"
)

var (
	roleArnRe     = regexp.MustCompile(`^arn:aws[^:]*:iam::\d{12}:role(/[a-zA-Z0-9+=,.@_-]+)*/[a-zA-Z0-9+=,.@_-]+$`)
	kmsKeyRe      = regexp.MustCompile(`^arn:aws(|-cn|-us-gov):kms:[a-zA-Z0-9-]*:[0-9]{12}:key/[a-zA-Z0-9-]{36}$`)
	idcArnRe      = regexp.MustCompile(`arn:(aws|aws-us-gov|aws-cn|aws-iso|aws-iso-b):sso:::instance/(sso)?ins-[a-zA-Z0-9-.]{16}`)
	tagKeyRe      = regexp.MustCompile(`^[\w \.:/=+@-]+$`)
	tagValueRe    = regexp.MustCompile(`^[\w \.:/=+@-]*$`)
	projectNameRe = regexp.MustCompile(`^[\w -]+$`)
	domainUnitRe  = regexp.MustCompile(`^[a-z0-9_\-]+$`)
)

// SingleSignOn is a domain's single sign-on configuration.
type SingleSignOn struct {
	Type           string `json:"type,omitempty"`
	UserAssignment string `json:"userAssignment,omitempty"`
	IdcInstanceArn string `json:"idcInstanceArn,omitempty"`
}

// domainDoc is a stored domain.
type domainDoc struct {
	ID                  string            `json:"id"`
	Name                string            `json:"name"`
	Description         string            `json:"description,omitempty"`
	SingleSignOn        *SingleSignOn     `json:"singleSignOn,omitempty"`
	DomainExecutionRole string            `json:"domainExecutionRole"`
	KmsKeyIdentifier    string            `json:"kmsKeyIdentifier,omitempty"`
	Tags                map[string]string `json:"tags,omitempty"`
	DomainVersion       string            `json:"domainVersion,omitempty"`
	ServiceRole         string            `json:"serviceRole,omitempty"`
	RootDomainUnitID    string            `json:"rootDomainUnitId"`
	// RequestHash is requestHash of the CreateDomain request that had a clientToken.
	RequestHash string    `json:"requestHash,omitempty"`
	CreatedAt   time.Time `json:"createdAt"`
	UpdatedAt   time.Time `json:"updatedAt"`
}

// createDomainInput is the CreateDomain request.
type createDomainInput struct {
	Name                *string           `json:"name"`
	Description         string            `json:"description"`
	SingleSignOn        *SingleSignOn     `json:"singleSignOn"`
	DomainExecutionRole string            `json:"domainExecutionRole"`
	KmsKeyIdentifier    string            `json:"kmsKeyIdentifier"`
	Tags                map[string]string `json:"tags"`
	DomainVersion       string            `json:"domainVersion"`
	ServiceRole         string            `json:"serviceRole"`
	ClientToken         string            `json:"clientToken"`
}

// domainOutput is the CreateDomain and GetDomain response; times are epoch seconds (CreatedAt,
// UpdatedAt shapes) and absent from CreateDomain.
type domainOutput struct {
	ID                  string               `json:"id"`
	RootDomainUnitID    string               `json:"rootDomainUnitId,omitempty"`
	Name                string               `json:"name"`
	Description         string               `json:"description,omitempty"`
	SingleSignOn        *SingleSignOn        `json:"singleSignOn,omitempty"`
	DomainExecutionRole string               `json:"domainExecutionRole"`
	Arn                 string               `json:"arn"`
	KmsKeyIdentifier    string               `json:"kmsKeyIdentifier,omitempty"`
	Status              string               `json:"status"`
	PortalURL           string               `json:"portalUrl"`
	Tags                map[string]string    `json:"tags,omitempty"`
	DomainVersion       string               `json:"domainVersion,omitempty"`
	ServiceRole         string               `json:"serviceRole,omitempty"`
	CreatedAt           *awsapi.EpochSeconds `json:"createdAt,omitempty"`
	LastUpdatedAt       *awsapi.EpochSeconds `json:"lastUpdatedAt,omitempty"`
}

func (f *Facade) domainArn(sc scope.Scope, id string) string {
	return sc.ARN("datazone", "domain/"+id)
}

func (f *Facade) domainOut(sc scope.Scope, d domainDoc, withTimes bool) *domainOutput {
	out := &domainOutput{ID: d.ID, RootDomainUnitID: d.RootDomainUnitID, Name: d.Name, Description: d.Description,
		SingleSignOn: d.SingleSignOn, DomainExecutionRole: d.DomainExecutionRole, Arn: f.domainArn(sc, d.ID),
		KmsKeyIdentifier: d.KmsKeyIdentifier, Status: "AVAILABLE", Tags: d.Tags, DomainVersion: d.DomainVersion,
		ServiceRole: d.ServiceRole, PortalURL: f.portalURL(sc, d.ID)}
	if withTimes {
		out.CreatedAt, out.LastUpdatedAt = ptr(awsapi.EpochSeconds(d.CreatedAt)), ptr(awsapi.EpochSeconds(d.UpdatedAt))
	}
	return out
}

func validateTags(v *awsapi.Validator, name string, tags map[string]string) {
	for k, val := range tags {
		v.Length(name+".key", k, 1, 128)
		v.Pattern(name+".key", k, tagKeyRe)
		v.Length(name+"."+k, val, 0, 256)
		v.Pattern(name+"."+k, val, tagValueRe)
	}
}

func (f *Facade) createDomain(ctx context.Context, r *awsapi.RESTRequest) (int, any, error) {
	var in createDomainInput
	if err := r.DecodeJSON(&in); err != nil {
		return 0, nil, err
	}
	v := newValidator().Sensitive("name", "description")
	v.Required("name", in.Name != nil)
	if in.Name != nil {
		v.Length("name", *in.Name, 1, -1)
	}
	if in.SingleSignOn != nil {
		if in.SingleSignOn.Type != "" {
			v.Enum("singleSignOn.type", in.SingleSignOn.Type, "IAM_IDC", "DISABLED")
		}
		if in.SingleSignOn.UserAssignment != "" {
			v.Enum("singleSignOn.userAssignment", in.SingleSignOn.UserAssignment, "AUTOMATIC", "MANUAL")
		}
		if in.SingleSignOn.IdcInstanceArn != "" {
			v.Pattern("singleSignOn.idcInstanceArn", in.SingleSignOn.IdcInstanceArn, idcArnRe)
		}
	}
	if in.DomainExecutionRole != "" {
		v.Pattern("domainExecutionRole", in.DomainExecutionRole, roleArnRe)
	}
	if in.ServiceRole != "" {
		v.Pattern("serviceRole", in.ServiceRole, roleArnRe)
	}
	if in.KmsKeyIdentifier != "" {
		v.Length("kmsKeyIdentifier", in.KmsKeyIdentifier, 1, 1024)
		v.Pattern("kmsKeyIdentifier", in.KmsKeyIdentifier, kmsKeyRe)
	}
	if in.DomainVersion != "" {
		v.Enum("domainVersion", in.DomainVersion, "V1", "V2")
	}
	validateTags(v, "tags", in.Tags)
	if err := v.Err(); err != nil {
		return 0, nil, err
	}
	sc := core.Scope(ctx)
	now := f.Now().UTC().Truncate(time.Millisecond)
	id, hash := "dzd_"+newID(), ""
	if in.ClientToken != "" {
		id = "dzd_" + tokenID(sc.Account, sc.Region, "domain", in.ClientToken)
		norm := in
		norm.ClientToken = ""
		hash = requestHash("CreateDomain", norm)
	}
	role := in.DomainExecutionRole
	if role == "" {
		role = fmt.Sprintf("arn:aws:iam::%s:role/service-role/AmazonDataZoneDomainExecution", sc)
	}
	d := domainDoc{ID: id, Name: *in.Name, Description: in.Description, SingleSignOn: in.SingleSignOn,
		DomainExecutionRole: role, KmsKeyIdentifier: in.KmsKeyIdentifier, Tags: in.Tags,
		DomainVersion: in.DomainVersion, ServiceRole: in.ServiceRole, RootDomainUnitID: newID(), RequestHash: hash,
		CreatedAt: now, UpdatedAt: now}
	err := f.CreateOnce(ctx, in.ClientToken != "", func(tx *store.Tx) error {
		return resources.Insert(ctx, tx, sc, kindDomain, resources.Record{ID: id, Name: d.Name, CreatedAt: now}, d)
	}, func(tx *store.Tx) error {
		// The same clientToken: the same request gets the same domain, another is refused.
		rec, err := resources.Get(ctx, tx, sc, kindDomain, id)
		if err != nil {
			return err
		}
		if err := rec.Decode(&d); err != nil {
			return err
		}
		if d.RequestHash != "" && d.RequestHash != hash { // "": stored before requests were hashed
			return tokenMismatch("CreateDomain", in.ClientToken)
		}
		return nil
	})
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, f.domainOut(sc, d, false), nil
}

// loadDomain reads a domain of the account; unknown → ResourceNotFoundException.
func (f *Facade) loadDomain(ctx context.Context, tx *store.Tx, sc scope.Scope, id string) (domainDoc, error) {
	var d domainDoc
	rec, err := resources.Get(ctx, tx, sc, kindDomain, id)
	if isNotFound(err) {
		return d, notFound("Domain %s was not found.", id)
	}
	if err != nil {
		return d, err
	}
	return d, rec.Decode(&d)
}

// checkDomain validates a domain identifier label and checks the domain exists.
func (f *Facade) checkDomain(ctx context.Context, tx *store.Tx, id string) error {
	_, err := f.loadDomain(ctx, tx, core.Scope(ctx), id)
	return err
}

func (f *Facade) getDomain(ctx context.Context, r *awsapi.RESTRequest) (int, any, error) {
	id := r.Labels["identifier"]
	v := newValidator()
	validateDomainID(v, "identifier", id)
	if err := v.Err(); err != nil {
		return 0, nil, err
	}
	sc := core.Scope(ctx)
	var d domainDoc
	err := f.DB.ReadTx(ctx, func(tx *store.Tx) (err error) {
		d, err = f.loadDomain(ctx, tx, sc, id)
		return err
	})
	if err != nil {
		return 0, nil, err
	}
	return 0, f.domainOut(sc, d, true), nil
}

type domainSummary struct {
	ID               string               `json:"id"`
	Name             string               `json:"name"`
	Description      string               `json:"description,omitempty"`
	Arn              string               `json:"arn"`
	ManagedAccountID string               `json:"managedAccountId"`
	Status           string               `json:"status"`
	PortalURL        string               `json:"portalUrl"`
	CreatedAt        awsapi.EpochSeconds  `json:"createdAt"`
	LastUpdatedAt    *awsapi.EpochSeconds `json:"lastUpdatedAt,omitempty"`
	DomainVersion    string               `json:"domainVersion,omitempty"`
}

type listCursor struct {
	After string `json:"a"`
}

func (f *Facade) listDomains(ctx context.Context, r *awsapi.RESTRequest) (int, any, error) {
	limit, token, err := validatePaging(r, 25)
	if err != nil {
		return 0, nil, err
	}
	status, err := queryEnum(r, "status", "CREATING", "AVAILABLE", "CREATION_FAILED", "DELETING", "DELETED", "DELETION_FAILED")
	if err != nil {
		return 0, nil, err
	}
	sc := core.Scope(ctx)
	scope := sc.String() + "/ListDomains/" + status
	var cur listCursor
	if token != "" && f.Tokens.Decode(scope, token, &cur) != nil {
		return 0, nil, badToken()
	}
	out := struct {
		Items     []domainSummary `json:"items"`
		NextToken string          `json:"nextToken,omitempty"`
	}{Items: []domainSummary{}}
	if status != "" && status != "AVAILABLE" {
		return 0, out, nil // every stored domain is AVAILABLE
	}
	var recs []resources.Record
	var more bool
	err = f.DB.ReadTx(ctx, func(tx *store.Tx) (err error) {
		recs, more, err = resources.List(ctx, tx, sc, kindDomain, resources.ListQuery{After: cur.After, Limit: limit})
		return err
	})
	if err != nil {
		return 0, nil, err
	}
	for _, rec := range recs {
		var d domainDoc
		if err := rec.Decode(&d); err != nil {
			return 0, nil, err
		}
		o := f.domainOut(sc, d, true)
		out.Items = append(out.Items, domainSummary{ID: d.ID, Name: d.Name, Description: d.Description, Arn: o.Arn,
			ManagedAccountID: sc.Account, Status: o.Status, PortalURL: o.PortalURL, CreatedAt: awsapi.EpochSeconds(d.CreatedAt),
			LastUpdatedAt: o.LastUpdatedAt, DomainVersion: d.DomainVersion})
	}
	if more {
		if out.NextToken, err = f.Tokens.Encode(scope, listCursor{After: recs[len(recs)-1].ID}); err != nil {
			return 0, nil, err
		}
	}
	return 0, out, nil
}

func (f *Facade) deleteDomain(ctx context.Context, r *awsapi.RESTRequest) (int, any, error) {
	id := r.Labels["identifier"]
	v := newValidator()
	validateDomainID(v, "identifier", id)
	if err := v.Err(); err != nil {
		return 0, nil, err
	}
	if _, _, err := r.QueryString("clientToken"); err != nil {
		return 0, nil, err
	}
	skip, _, err := r.QueryBool("skipDeletionCheck")
	if err != nil {
		return 0, nil, err
	}
	sc := core.Scope(ctx)
	err = f.Tx(ctx, func(tx *store.Tx) error {
		if _, err := f.loadDomain(ctx, tx, sc, id); err != nil {
			return err
		}
		projects, _, err := resources.List(ctx, tx, sc, kindProject, resources.ListQuery{ParentID: &id, Limit: 1000})
		if err != nil {
			return err
		}
		if len(projects) > 0 && !skip {
			return conflict("Domain %s still has %d project(s); delete them first or pass skipDeletionCheck.", id, len(projects))
		}
		if err := f.deleteDataSourcesWhere(ctx, tx, sc, id, ""); err != nil {
			return err
		}
		if err := deleteTombstones(ctx, tx, sc, id); err != nil {
			return err
		}
		for _, p := range projects {
			if err := resources.Delete(ctx, tx, sc, kindProject, p.ID); err != nil {
				return err
			}
		}
		return resources.Delete(ctx, tx, sc, kindDomain, id)
	})
	if err != nil {
		return 0, nil, err
	}
	return http.StatusAccepted, map[string]string{"status": "DELETING"}, nil
}

// projectDoc is a stored project; its parent is the domain.
type projectDoc struct {
	ID          string    `json:"id"`
	DomainID    string    `json:"domainId"`
	Name        string    `json:"name"`
	Description string    `json:"description,omitempty"`
	CreatedBy   string    `json:"createdBy"`
	DomainUnit  string    `json:"domainUnitId,omitempty"`
	Glossary    []string  `json:"glossaryTerms,omitempty"`
	Category    string    `json:"projectCategory,omitempty"`
	CreatedAt   time.Time `json:"createdAt"`
	UpdatedAt   time.Time `json:"updatedAt"`
}

type projectOutput struct {
	DomainID      string          `json:"domainId"`
	ID            string          `json:"id"`
	Name          string          `json:"name"`
	Description   string          `json:"description,omitempty"`
	ProjectStatus string          `json:"projectStatus"`
	CreatedBy     string          `json:"createdBy"`
	CreatedAt     awsapi.ISO8601  `json:"createdAt"`
	LastUpdatedAt *awsapi.ISO8601 `json:"lastUpdatedAt,omitempty"`
	UpdatedAt     *awsapi.ISO8601 `json:"updatedAt,omitempty"`
	DomainUnitID  string          `json:"domainUnitId,omitempty"`
	GlossaryTerms []string        `json:"glossaryTerms,omitempty"`
	Category      string          `json:"projectCategory,omitempty"`
}

func projectOut(p projectDoc, summary bool) projectOutput {
	o := projectOutput{DomainID: p.DomainID, ID: p.ID, Name: p.Name, Description: p.Description, ProjectStatus: "ACTIVE",
		CreatedBy: p.CreatedBy, CreatedAt: awsapi.ISO8601(p.CreatedAt), DomainUnitID: p.DomainUnit, GlossaryTerms: p.Glossary,
		Category: p.Category}
	if summary {
		o.UpdatedAt = ptr(awsapi.ISO8601(p.UpdatedAt))
	} else {
		o.LastUpdatedAt = ptr(awsapi.ISO8601(p.UpdatedAt))
	}
	return o
}

func (f *Facade) createProject(ctx context.Context, r *awsapi.RESTRequest) (int, any, error) {
	domainID := r.Labels["domainIdentifier"]
	var in struct {
		Name            *string           `json:"name"`
		Description     string            `json:"description"`
		ResourceTags    map[string]string `json:"resourceTags"`
		GlossaryTerms   []string          `json:"glossaryTerms"`
		DomainUnitID    string            `json:"domainUnitId"`
		ProjectProfile  string            `json:"projectProfileId"`
		ProjectCategory string            `json:"projectCategory"`
		ExecutionRole   string            `json:"projectExecutionRole"`
	}
	if err := r.DecodeJSON(&in); err != nil {
		return 0, nil, err
	}
	v := newValidator().Sensitive("name", "description")
	validateDomainID(v, "domainIdentifier", domainID)
	v.Required("name", in.Name != nil)
	if in.Name != nil {
		v.Length("name", *in.Name, 1, 64)
		v.Pattern("name", *in.Name, projectNameRe)
	}
	v.Length("description", in.Description, 0, 2048)
	v.Count("resourceTags", len(in.ResourceTags), 0, 25)
	if in.GlossaryTerms != nil {
		v.Count("glossaryTerms", len(in.GlossaryTerms), 1, 20)
		for _, g := range in.GlossaryTerms {
			validateID(v, "glossaryTerms.member", g, true)
		}
	}
	if in.DomainUnitID != "" {
		v.Length("domainUnitId", in.DomainUnitID, 1, 256)
		v.Pattern("domainUnitId", in.DomainUnitID, domainUnitRe)
	}
	validateID(v, "projectProfileId", in.ProjectProfile, false)
	if in.ExecutionRole != "" {
		v.Pattern("projectExecutionRole", in.ExecutionRole, roleArnRe)
	}
	if err := v.Err(); err != nil {
		return 0, nil, err
	}
	sc := core.Scope(ctx)
	now := f.Now().UTC().Truncate(time.Millisecond)
	p := projectDoc{ID: newID(), DomainID: domainID, Name: *in.Name, Description: in.Description, CreatedBy: sc.Account,
		DomainUnit: in.DomainUnitID, Glossary: in.GlossaryTerms, Category: in.ProjectCategory, CreatedAt: now, UpdatedAt: now}
	err := f.Tx(ctx, func(tx *store.Tx) error {
		if err := f.checkDomain(ctx, tx, domainID); err != nil {
			return err
		}
		// The store keeps project names unique in their domain, across processes.
		err := resources.Insert(ctx, tx, sc, kindProject, resources.Record{ID: p.ID, Name: p.Name, ParentID: domainID,
			UniqueNameInParent: true, CreatedAt: now}, p)
		if errors.Is(err, resources.ErrNameTaken) {
			return conflict("A project named %s already exists in domain %s.", p.Name, domainID)
		}
		return err
	})
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, projectOut(p, false), nil
}

// loadProject reads a project of a domain; unknown → ResourceNotFoundException.
func (f *Facade) loadProject(ctx context.Context, tx *store.Tx, sc scope.Scope, domainID, id string) (projectDoc, error) {
	var p projectDoc
	rec, err := resources.Get(ctx, tx, sc, kindProject, id)
	if isNotFound(err) || (err == nil && rec.ParentID != domainID) {
		return p, notFound("Project %s was not found in domain %s.", id, domainID)
	}
	if err != nil {
		return p, err
	}
	return p, rec.Decode(&p)
}

func (f *Facade) getProject(ctx context.Context, r *awsapi.RESTRequest) (int, any, error) {
	domainID, id := r.Labels["domainIdentifier"], r.Labels["identifier"]
	v := newValidator()
	validateDomainID(v, "domainIdentifier", domainID)
	validateID(v, "identifier", id, true)
	if err := v.Err(); err != nil {
		return 0, nil, err
	}
	var p projectDoc
	err := f.DB.ReadTx(ctx, func(tx *store.Tx) (err error) {
		if err := f.checkDomain(ctx, tx, domainID); err != nil {
			return err
		}
		p, err = f.loadProject(ctx, tx, core.Scope(ctx), domainID, id)
		return err
	})
	if err != nil {
		return 0, nil, err
	}
	return 0, projectOut(p, false), nil
}

func (f *Facade) listProjects(ctx context.Context, r *awsapi.RESTRequest) (int, any, error) {
	domainID := r.Labels["domainIdentifier"]
	limit, token, err := validatePaging(r, 50)
	if err != nil {
		return 0, nil, err
	}
	name, _, err := r.QueryString("name")
	if err != nil {
		return 0, nil, err
	}
	v := newValidator().Sensitive("name")
	validateDomainID(v, "domainIdentifier", domainID)
	if name != "" {
		v.Length("name", name, 1, 64)
		v.Pattern("name", name, projectNameRe)
	}
	if err := v.Err(); err != nil {
		return 0, nil, err
	}
	sc := core.Scope(ctx)
	scope := sc.String() + "/ListProjects/" + domainID + "/" + name
	var cur listCursor
	if token != "" && f.Tokens.Decode(scope, token, &cur) != nil {
		return 0, nil, badToken()
	}
	out := struct {
		Items     []projectOutput `json:"items"`
		NextToken string          `json:"nextToken,omitempty"`
	}{Items: []projectOutput{}}
	err = f.DB.ReadTx(ctx, func(tx *store.Tx) error {
		if err := f.checkDomain(ctx, tx, domainID); err != nil {
			return err
		}
		last, more, err := pageFiltered(ctx, tx, sc, kindProject, domainID, cur.After, limit, func(rec resources.Record) (bool, error) {
			if name != "" && rec.Name != name {
				return false, nil
			}
			var p projectDoc
			if err := rec.Decode(&p); err != nil {
				return false, err
			}
			out.Items = append(out.Items, projectOut(p, true))
			return true, nil
		})
		if err != nil || !more {
			return err
		}
		out.NextToken, err = f.Tokens.Encode(scope, listCursor{After: last})
		return err
	})
	if err != nil {
		return 0, nil, err
	}
	return 0, out, nil
}

// pageFiltered walks the resources of kind under parent after the cursor, calling keep for each;
// it stops once keep accepted limit of them and reports the id of the last accepted one and
// whether more resources follow it.
func pageFiltered(ctx context.Context, tx *store.Tx, sc scope.Scope, k resources.Kind, parent, after string, limit int,
	keep func(resources.Record) (bool, error)) (last string, more bool, err error) {
	taken := 0
	for {
		recs, hasMore, err := resources.List(ctx, tx, sc, k, resources.ListQuery{ParentID: &parent, After: after, Limit: 200})
		if err != nil {
			return "", false, err
		}
		for i, rec := range recs {
			if taken == limit {
				return last, true, nil
			}
			ok, err := keep(rec)
			if err != nil {
				return "", false, err
			}
			if ok {
				taken++
				last = rec.ID
			}
			if taken == limit && i == len(recs)-1 && !hasMore {
				return last, false, nil
			}
		}
		if !hasMore {
			return last, false, nil
		}
		after = recs[len(recs)-1].ID
	}
}

func (f *Facade) deleteProject(ctx context.Context, r *awsapi.RESTRequest) (int, any, error) {
	domainID, id := r.Labels["domainIdentifier"], r.Labels["identifier"]
	v := newValidator()
	validateDomainID(v, "domainIdentifier", domainID)
	validateID(v, "identifier", id, true)
	if err := v.Err(); err != nil {
		return 0, nil, err
	}
	skip, _, err := r.QueryBool("skipDeletionCheck")
	if err != nil {
		return 0, nil, err
	}
	sc := core.Scope(ctx)
	err = f.Tx(ctx, func(tx *store.Tx) error {
		if err := f.checkDomain(ctx, tx, domainID); err != nil {
			return err
		}
		if _, err := f.loadProject(ctx, tx, sc, domainID, id); err != nil {
			return err
		}
		if !skip {
			n := 0
			if _, _, err := pageFiltered(ctx, tx, sc, kindDataSource, domainID, "", 1, func(rec resources.Record) (bool, error) {
				var d dataSourceDoc
				if err := rec.Decode(&d); err != nil {
					return false, err
				}
				if d.ProjectID == id {
					n++
				}
				return d.ProjectID == id, nil
			}); err != nil {
				return err
			}
			if n > 0 {
				return conflict("Project %s still has data sources; delete them first or pass skipDeletionCheck.", id)
			}
		}
		if err := f.deleteDataSourcesWhere(ctx, tx, sc, domainID, id); err != nil {
			return err
		}
		return resources.Delete(ctx, tx, sc, kindProject, id)
	})
	if err != nil {
		return 0, nil, err
	}
	return http.StatusNoContent, nil, nil
}
