package datazone

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"

	"github.com/surveyorhq/surveyor/internal/awsapi"
	"github.com/surveyorhq/surveyor/internal/catalog"
	"github.com/surveyorhq/surveyor/internal/core"
	"github.com/surveyorhq/surveyor/internal/gluecatalog"
	"github.com/surveyorhq/surveyor/internal/resources"
	"github.com/surveyorhq/surveyor/internal/schema"
	"github.com/surveyorhq/surveyor/internal/scope"
	"github.com/surveyorhq/surveyor/internal/store"
)

// assetType is the DataZone managed asset type of an imported table: Glue or Redshift (by the
// data source's configuration), table or view.
func assetType(flavour string, k schema.Kind) string {
	prefix := "amazon.datazone.GlueTable"
	if flavour == flavourRedshift {
		prefix = "amazon.datazone.RedshiftTable"
	}
	if k == schema.KindView || k == schema.KindMaterializedView {
		prefix = prefix[:len(prefix)-len("Table")] + "View"
	}
	return prefix + "AssetType"
}

type columnForm struct {
	ColumnName  string `json:"columnName"`
	DataType    string `json:"dataType"`
	Description string `json:"description,omitempty"`
}

// assetForms renders an asset's forms: the table form (GlueTableForm or RedshiftTableForm) with
// its columns and types, and DataSourceReferenceForm naming the data source.
func (f *Facade) assetForms(sc scope.Scope, m *runMeta, a *catalog.Asset) []FormOutput {
	flavour := m.Flavour
	ref, _ := json.Marshal(map[string]string{"dataSourceIdentifier": a.SourceID, "dataSourceRunId": a.RunID})
	refForm := FormOutput{FormName: "DataSourceReferenceForm", TypeName: "amazon.datazone.DataSourceReferenceFormType", TypeRevision: "1", Content: string(ref)}
	if flavour == flavourGlueCatalog {
		body, _ := json.Marshal(glueTableForm(sc, metaRegion(sc, m), a))
		return []FormOutput{{FormName: "GlueTableForm", TypeName: "amazon.datazone.GlueTableFormType", TypeRevision: "1", Content: string(body)}, refForm}
	}
	cols := make([]columnForm, 0, len(a.Table.Columns))
	for _, c := range a.Table.Columns {
		cols = append(cols, columnForm{ColumnName: c.Name, DataType: c.Type.Declared, Description: c.Comment})
	}
	content := map[string]any{"databaseName": a.Ref.Database, "schemaName": a.Ref.Namespace, "tableName": a.Ref.Table,
		"tableType": string(a.Kind), "columns": cols, "region": sc.Region}
	if a.Table.Comment != "" {
		content["tableDescription"] = a.Table.Comment
	}
	name, typ := "GlueTableForm", "amazon.datazone.GlueTableFormType"
	if flavour == flavourRedshift {
		name, typ = "RedshiftTableForm", "amazon.datazone.RedshiftTableFormType"
		content["accountId"] = sc.Account
	} else {
		content["catalogId"] = sc.Account
		content["tableArn"] = glueTableARN(sc.Region, sc.Account, a.Ref.Database, a.Ref.Table)
	}
	body, _ := json.Marshal(content)
	return []FormOutput{{FormName: name, TypeName: typ, TypeRevision: "1", Content: string(body)}, refForm}
}

// glueColumn is a column of a GlueTableForm: its name and Glue (Hive) type.
type glueColumn struct {
	ColumnName string `json:"columnName"`
	DataType   string `json:"dataType"`
}

// glueTableFormContent is the GlueTableForm of a table imported from the Glue catalog, as AWS
// fills it: the table's ARN, its data columns and partition keys with their Glue types, where
// its data lives and how it is classified.
type glueTableFormContent struct {
	CatalogID            string       `json:"catalogId"`
	Region               string       `json:"region"`
	DatabaseName         string       `json:"databaseName"`
	TableName            string       `json:"tableName"`
	TableArn             string       `json:"tableArn"`
	TableDescription     string       `json:"tableDescription,omitempty"`
	Columns              []glueColumn `json:"columns"`
	PartitionKeys        []glueColumn `json:"partitionKeys"`
	SourceLocation       string       `json:"sourceLocation,omitempty"`
	SourceClassification string       `json:"sourceClassification,omitempty"`
	CompressionType      string       `json:"compressionType,omitempty"`
	TableType            string       `json:"tableType,omitempty"`
}

func glueTableForm(sc scope.Scope, region string, a *catalog.Asset) glueTableFormContent {
	t := a.Table
	keys := gluecatalog.PartitionKeyNames(t)
	c := glueTableFormContent{CatalogID: sc.Account, Region: region, DatabaseName: a.Ref.Database, TableName: a.Ref.Table,
		TableArn: glueTableARN(region, sc.Account, a.Ref.Database, a.Ref.Table), TableDescription: t.Comment,
		Columns: []glueColumn{}, PartitionKeys: []glueColumn{},
		SourceLocation: t.Options[gluecatalog.OptionLocation], SourceClassification: t.Options[gluecatalog.OptionClassification],
		CompressionType: t.Options[gluecatalog.OptionCompression], TableType: t.Options[gluecatalog.OptionTableType]}
	for i, col := range t.Columns {
		gc := glueColumn{ColumnName: col.Name, DataType: col.Type.Declared}
		if i >= len(t.Columns)-len(keys) {
			c.PartitionKeys = append(c.PartitionKeys, gc)
		} else {
			c.Columns = append(c.Columns, gc)
		}
	}
	return c
}

func glueTableARN(region, account, db, table string) string {
	return fmt.Sprintf("arn:aws:glue:%s:%s:table/%s/%s", region, account, db, table)
}

// metaRegion is the region a run read (the run's own for runs that did not record one).
func metaRegion(sc scope.Scope, m *runMeta) string {
	if m.Region != "" {
		return m.Region
	}
	return sc.Region
}

type assetOutput struct {
	ID                     string              `json:"id"`
	Name                   string              `json:"name"`
	TypeIdentifier         string              `json:"typeIdentifier"`
	TypeRevision           string              `json:"typeRevision"`
	ExternalIdentifier     string              `json:"externalIdentifier,omitempty"`
	Revision               string              `json:"revision"`
	Description            string              `json:"description,omitempty"`
	CreatedAt              awsapi.EpochSeconds `json:"createdAt"`
	CreatedBy              string              `json:"createdBy"`
	FirstRevisionCreatedAt awsapi.EpochSeconds `json:"firstRevisionCreatedAt"`
	FirstRevisionCreatedBy string              `json:"firstRevisionCreatedBy"`
	OwningProjectID        string              `json:"owningProjectId"`
	DomainID               string              `json:"domainId"`
	FormsOutput            []FormOutput        `json:"formsOutput"`
	ReadOnlyFormsOutput    []FormOutput        `json:"readOnlyFormsOutput,omitempty"`
}

// assetContext finds the domain, project and flavour of an asset from the run that wrote its
// revision, so assets stay readable after their data source is deleted.
func (f *Facade) assetContext(ctx context.Context, a *catalog.Asset) *runMeta {
	r, err := f.Runs.Get(ctx, scope.Scope{Account: a.AccountID, Region: core.Scope(ctx).Region}, a.RunID)
	if err != nil {
		return nil
	}
	return metaOf(r)
}

func (f *Facade) getAsset(ctx context.Context, r *awsapi.RESTRequest) (int, any, error) {
	domainID, id, err := labelsDomainAndID(r, "identifier")
	if err != nil {
		return 0, nil, err
	}
	revText, hasRev, err := r.QueryString("revision")
	if err != nil {
		return 0, nil, err
	}
	v := newValidator()
	if hasRev {
		v.Length("revision", revText, 1, 64)
	}
	if err := v.Err(); err != nil {
		return 0, nil, err
	}
	rev := 0
	if hasRev {
		n, perr := strconv.Atoi(revText)
		if perr != nil || n < 1 {
			return 0, nil, notFound("Asset %s has no revision %s.", id, revText)
		}
		rev = n
	}
	sc := core.Scope(ctx)
	var a *catalog.Asset
	err = f.DB.ReadTx(ctx, func(tx *store.Tx) (err error) {
		if err := f.checkDomain(ctx, tx, domainID); err != nil {
			return err
		}
		a, err = f.Catalog.GetAsset(ctx, tx, sc.Account, id, rev)
		return err
	})
	if errors.Is(err, catalog.ErrNotFound) {
		return 0, nil, notFound("Asset %s (revision %s) was not found in domain %s.", id, revText, domainID)
	}
	if err != nil {
		return 0, nil, err
	}
	m := f.assetContext(ctx, a)
	if m == nil || m.DomainID != domainID {
		return 0, nil, notFound("Asset %s was not found in domain %s.", id, domainID)
	}
	return 0, f.assetOut(sc, m, a), nil
}

func (f *Facade) assetOut(sc scope.Scope, m *runMeta, a *catalog.Asset) *assetOutput {
	ext := a.Ref.String()
	if m.Flavour == flavourGlueCatalog {
		ext = glueTableARN(metaRegion(sc, m), sc.Account, a.Ref.Database, a.Ref.Table)
	}
	return &assetOutput{ID: a.ID, Name: a.Ref.Table, TypeIdentifier: assetType(m.Flavour, a.Kind), TypeRevision: "1",
		ExternalIdentifier: ext, Revision: strconv.Itoa(a.Revision), Description: a.Table.Comment,
		CreatedAt: awsapi.EpochSeconds(a.CreatedAt), CreatedBy: sc.Account, FirstRevisionCreatedAt: awsapi.EpochSeconds(a.FirstRevisionAt),
		FirstRevisionCreatedBy: sc.Account, OwningProjectID: m.ProjectID, DomainID: m.DomainID, FormsOutput: f.assetForms(sc, m, a)}
}

type revisionCursor struct {
	Offset int `json:"o"`
}

func (f *Facade) listAssetRevisions(ctx context.Context, r *awsapi.RESTRequest) (int, any, error) {
	domainID, id, err := labelsDomainAndID(r, "identifier")
	if err != nil {
		return 0, nil, err
	}
	limit, token, err := validatePaging(r, 50)
	if err != nil {
		return 0, nil, err
	}
	sc := core.Scope(ctx)
	scope := sc.String() + "/ListAssetRevisions/" + domainID + "/" + id
	var cur revisionCursor
	if token != "" && f.Tokens.Decode(scope, token, &cur) != nil {
		return 0, nil, badToken()
	}
	var (
		a    *catalog.Asset
		revs []catalog.Revision
	)
	err = f.DB.ReadTx(ctx, func(tx *store.Tx) (err error) {
		if err := f.checkDomain(ctx, tx, domainID); err != nil {
			return err
		}
		if a, err = f.Catalog.GetAsset(ctx, tx, sc.Account, id, 0); err != nil {
			return err
		}
		revs, err = f.Catalog.ListRevisions(ctx, tx, sc.Account, id)
		return err
	})
	if errors.Is(err, catalog.ErrNotFound) {
		return 0, nil, notFound("Asset %s was not found in domain %s.", id, domainID)
	}
	if err != nil {
		return 0, nil, err
	}
	if m := f.assetContext(ctx, a); m == nil || m.DomainID != domainID {
		return 0, nil, notFound("Asset %s was not found in domain %s.", id, domainID)
	}
	type item struct {
		DomainID  string              `json:"domainId"`
		ID        string              `json:"id"`
		Revision  string              `json:"revision"`
		CreatedBy string              `json:"createdBy"`
		CreatedAt awsapi.EpochSeconds `json:"createdAt"`
	}
	out := struct {
		Items     []item `json:"items"`
		NextToken string `json:"nextToken,omitempty"`
	}{Items: []item{}}
	for i := cur.Offset; i < len(revs) && len(out.Items) < limit; i++ {
		out.Items = append(out.Items, item{DomainID: domainID, ID: id, Revision: strconv.Itoa(revs[i].Revision), CreatedBy: sc.Account,
			CreatedAt: awsapi.EpochSeconds(revs[i].CreatedAt)})
	}
	if end := cur.Offset + len(out.Items); end < len(revs) {
		if out.NextToken, err = f.Tokens.Encode(scope, revisionCursor{Offset: end}); err != nil {
			return 0, nil, err
		}
	}
	return 0, out, nil
}

// searchInput is the Search request.
type searchInput struct {
	SearchScope             *string                      `json:"searchScope"`
	OwningProjectIdentifier string                       `json:"owningProjectIdentifier"`
	SearchText              *string                      `json:"searchText"`
	SearchIn                []struct{ Attribute string } `json:"searchIn"`
	Filters                 json.RawMessage              `json:"filters"`
	Sort                    *struct {
		Attribute string `json:"attribute"`
		Order     string `json:"order"`
	} `json:"sort"`
	AdditionalAttributes []string `json:"additionalAttributes"`
	MaxResults           *int64   `json:"maxResults"`
	NextToken            *string  `json:"nextToken"`
}

type assetItem struct {
	DomainID               string              `json:"domainId"`
	Identifier             string              `json:"identifier"`
	Name                   string              `json:"name"`
	TypeIdentifier         string              `json:"typeIdentifier"`
	TypeRevision           string              `json:"typeRevision"`
	ExternalIdentifier     string              `json:"externalIdentifier,omitempty"`
	Description            string              `json:"description,omitempty"`
	CreatedAt              awsapi.EpochSeconds `json:"createdAt"`
	CreatedBy              string              `json:"createdBy"`
	FirstRevisionCreatedAt awsapi.EpochSeconds `json:"firstRevisionCreatedAt"`
	FirstRevisionCreatedBy string              `json:"firstRevisionCreatedBy"`
	OwningProjectID        string              `json:"owningProjectId"`
	AdditionalAttributes   *struct {
		FormsOutput []FormOutput `json:"formsOutput,omitempty"`
	} `json:"additionalAttributes,omitempty"`
}

type searchCursor struct {
	Offset int `json:"o"`
}

func (f *Facade) search(ctx context.Context, r *awsapi.RESTRequest) (int, any, error) {
	domainID := r.Labels["domainIdentifier"]
	var in searchInput
	if err := r.DecodeJSON(&in); err != nil {
		return 0, nil, err
	}
	if err := validateSearch(domainID, &in); err != nil {
		return 0, nil, err
	}
	sc := core.Scope(ctx)
	text := ""
	if in.SearchText != nil {
		text = *in.SearchText
	}
	scope := sc.String() + "/Search/" + domainID + "/" + *in.SearchScope + "/" + in.OwningProjectIdentifier + "/" + text
	var cur searchCursor
	if in.NextToken != nil && f.Tokens.Decode(scope, *in.NextToken, &cur) != nil {
		return 0, nil, badToken()
	}
	limit := 50
	if in.MaxResults != nil {
		limit = int(*in.MaxResults)
	}
	out := searchOutput{Items: []searchResultItem{}}
	var (
		assets  []catalog.Asset
		sources map[string]dataSourceDoc
	)
	err := f.DB.ReadTx(ctx, func(tx *store.Tx) error {
		if err := f.checkDomain(ctx, tx, domainID); err != nil {
			return err
		}
		if *in.SearchScope != "ASSET" {
			return nil // this server keeps no glossaries or data products
		}
		var err error
		if sources, err = f.searchedSources(ctx, tx, sc, domainID, in.OwningProjectIdentifier); err != nil || len(sources) == 0 {
			return err
		}
		assets, out.TotalMatchCount, err = f.Catalog.Search(ctx, tx, sc.Account, text, slices.Collect(maps.Keys(sources)), cur.Offset, limit)
		return err
	})
	if err != nil {
		return 0, nil, err
	}
	forms := slices.Contains(in.AdditionalAttributes, "FORMS")
	for i := range assets {
		out.Items = append(out.Items, searchResultItem{AssetItem: f.searchItem(sc, domainID, sources[assets[i].SourceID], &assets[i], forms)})
	}
	if end := cur.Offset + len(assets); end < out.TotalMatchCount {
		if out.NextToken, err = f.Tokens.Encode(scope, searchCursor{Offset: end}); err != nil {
			return 0, nil, err
		}
	}
	return 0, out, nil
}

type searchResultItem struct {
	AssetItem *assetItem `json:"assetItem,omitempty"`
}

type searchOutput struct {
	Items           []searchResultItem `json:"items"`
	NextToken       string             `json:"nextToken,omitempty"`
	TotalMatchCount int                `json:"totalMatchCount"`
}

// validateSearch checks a Search request against the model, and refuses what this server does
// not search by (filters, sorts other than by name).
func validateSearch(domainID string, in *searchInput) error {
	v := newValidator()
	validateDomainID(v, "domainIdentifier", domainID)
	v.Required("searchScope", in.SearchScope != nil)
	if in.SearchScope != nil {
		v.Enum("searchScope", *in.SearchScope, "ASSET", "GLOSSARY", "GLOSSARY_TERM", "DATA_PRODUCT")
	}
	validateID(v, "owningProjectIdentifier", in.OwningProjectIdentifier, false)
	if in.SearchText != nil {
		v.Length("searchText", *in.SearchText, 1, 512)
	}
	if in.SearchIn != nil {
		v.Count("searchIn", len(in.SearchIn), 1, 10)
		for _, s := range in.SearchIn {
			v.Length("searchIn.member.attribute", s.Attribute, 1, 128)
		}
	}
	if in.Sort != nil {
		v.Length("sort.attribute", in.Sort.Attribute, 1, 128)
		if in.Sort.Order != "" {
			v.Enum("sort.order", in.Sort.Order, "ASCENDING", "DESCENDING")
		}
	}
	for _, a := range in.AdditionalAttributes {
		v.Enum("additionalAttributes.member", a, "FORMS", "TIME_SERIES_DATA_POINT_FORMS", "TEXT_MATCH_RATIONALE")
	}
	if in.MaxResults != nil {
		v.Range("maxResults", *in.MaxResults, 1, 50)
	}
	if in.NextToken != nil {
		v.Length("nextToken", *in.NextToken, 1, 8192)
	}
	if err := v.Err(); err != nil {
		return err
	}
	if len(in.Filters) > 0 && string(in.Filters) != "null" {
		return invalid("Search filters are not supported by this server; use searchText (matched against table names, column names and comments) and owningProjectIdentifier.")
	}
	if in.Sort != nil && (in.Sort.Attribute != "name" || in.Sort.Order == "DESCENDING") {
		return invalid("Search sorts only by name, ascending, on this server.")
	}
	return nil
}

// searchedSources are the domain's data sources (of one project, when given) by id: a search
// looks at their assets.
func (f *Facade) searchedSources(ctx context.Context, tx *store.Tx, sc scope.Scope, domainID, projectID string) (map[string]dataSourceDoc, error) {
	sources := map[string]dataSourceDoc{}
	_, _, err := pageFiltered(ctx, tx, sc, kindDataSource, domainID, "", 1<<30, func(rec resources.Record) (bool, error) {
		var d dataSourceDoc
		if err := rec.Decode(&d); err != nil {
			return false, err
		}
		if projectID == "" || d.ProjectID == projectID {
			sources[d.ID] = d
		}
		return false, nil
	})
	return sources, err
}

// searchItem is one asset as Search lists it, with its forms when asked.
func (f *Facade) searchItem(sc scope.Scope, domainID string, d dataSourceDoc, a *catalog.Asset, forms bool) *assetItem {
	m := &runMeta{DomainID: domainID, ProjectID: d.ProjectID, Flavour: d.flavour()}
	o := f.assetOut(sc, m, a)
	item := &assetItem{DomainID: domainID, Identifier: a.ID, Name: o.Name, TypeIdentifier: o.TypeIdentifier,
		TypeRevision: o.TypeRevision, ExternalIdentifier: o.ExternalIdentifier, Description: o.Description,
		CreatedAt: o.CreatedAt, CreatedBy: sc.Account, FirstRevisionCreatedAt: o.FirstRevisionCreatedAt,
		FirstRevisionCreatedBy: sc.Account, OwningProjectID: d.ProjectID}
	if forms {
		item.AdditionalAttributes = &struct {
			FormsOutput []FormOutput `json:"formsOutput,omitempty"`
		}{FormsOutput: o.FormsOutput}
	}
	return item
}
