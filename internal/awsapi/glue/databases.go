package glue

import (
	"context"

	"github.com/surveyorhq/surveyor/internal/gluecatalog"
	"github.com/surveyorhq/surveyor/internal/store"
)

// CreateDatabaseInput is CreateDatabaseRequest.
type CreateDatabaseInput struct {
	CatalogId     string                     `aws:"len=1:255,pattern=singleline"`
	DatabaseInput *gluecatalog.DatabaseInput `aws:"required"`
	Tags          map[string]string          `aws:"count=0:50,key.len=1:128,value.len=0:256"`
}

// CreateDatabase stores a database (name folded to lower case) with its tags.
func (f *Facade) CreateDatabase(ctx context.Context, in *CreateDatabaseInput) (*Empty, error) {
	return nil, f.write(ctx, in.CatalogId, func(tx *store.Tx, sc gluecatalog.Scope) error {
		if err := f.Catalog.CreateDatabase(ctx, tx, sc, *in.DatabaseInput); err != nil {
			return err
		}
		return f.Catalog.TagResource(ctx, tx, sc, databaseResource(in.DatabaseInput.Name), in.Tags)
	})
}

// GetDatabaseInput is GetDatabaseRequest.
type GetDatabaseInput struct {
	CatalogId string `aws:"len=1:255,pattern=singleline"`
	Name      string `aws:"required,len=1:255,pattern=singleline"`
}

// GetDatabaseOutput is GetDatabaseResponse.
type GetDatabaseOutput struct {
	Database *gluecatalog.Database
}

// GetDatabase returns one database.
func (f *Facade) GetDatabase(ctx context.Context, in *GetDatabaseInput) (*GetDatabaseOutput, error) {
	out := &GetDatabaseOutput{}
	return out, f.read(ctx, in.CatalogId, func(tx *store.Tx, sc gluecatalog.Scope) (err error) {
		out.Database, err = f.Catalog.GetDatabase(ctx, tx, sc, in.Name)
		return err
	})
}

// GetDatabasesInput is GetDatabasesRequest.
type GetDatabasesInput struct {
	CatalogId         string   `aws:"len=1:255,pattern=singleline"`
	NextToken         string   ``
	MaxResults        *int32   `aws:"range=1:100"`
	ResourceShareType string   `aws:"enum=FOREIGN|ALL|FEDERATED"`
	AttributesToGet   []string `aws:"item.enum=NAME|TARGET_DATABASE"`
}

// GetDatabasesOutput is GetDatabasesResponse.
type GetDatabasesOutput struct {
	DatabaseList []gluecatalog.Database
	NextToken    string `json:",omitempty"`
}

// GetDatabases lists the caller's databases by name. ResourceShareType FOREIGN lists none
// (nothing is shared from other accounts); AttributesToGet [NAME] returns names only.
func (f *Facade) GetDatabases(ctx context.Context, in *GetDatabasesInput) (*GetDatabasesOutput, error) {
	out := &GetDatabasesOutput{DatabaseList: []gluecatalog.Database{}}
	if in.ResourceShareType == "FOREIGN" || in.ResourceShareType == "FEDERATED" {
		return out, nil
	}
	err := f.read(ctx, in.CatalogId, func(tx *store.Tx, sc gluecatalog.Scope) error {
		ts := tokenScope(sc, "GetDatabases")
		cur, err := f.decodeToken(ctx, ts, in.NextToken)
		if err != nil {
			return err
		}
		dbs, more, err := f.Catalog.ListDatabases(ctx, tx, sc, cur.After, pageSize(in.MaxResults, 100))
		if err != nil {
			return err
		}
		for _, d := range dbs {
			if onlyNames(in.AttributesToGet) {
				d = gluecatalog.Database{DatabaseInput: gluecatalog.DatabaseInput{Name: d.Name}}
			}
			out.DatabaseList = append(out.DatabaseList, d)
		}
		if len(dbs) > 0 {
			out.NextToken, err = f.nextToken(ts, more, cursor{After: dbs[len(dbs)-1].Name})
		}
		return err
	})
	return out, err
}

// onlyNames reports AttributesToGet asking for names alone.
func onlyNames(attrs []string) bool { return len(attrs) == 1 && attrs[0] == "NAME" }

// UpdateDatabaseInput is UpdateDatabaseRequest.
type UpdateDatabaseInput struct {
	CatalogId     string                     `aws:"len=1:255,pattern=singleline"`
	Name          string                     `aws:"required,len=1:255,pattern=singleline"`
	DatabaseInput *gluecatalog.DatabaseInput `aws:"required"`
}

// UpdateDatabase replaces a database's definition; a different DatabaseInput.Name renames it.
func (f *Facade) UpdateDatabase(ctx context.Context, in *UpdateDatabaseInput) (*Empty, error) {
	return nil, f.write(ctx, in.CatalogId, func(tx *store.Tx, sc gluecatalog.Scope) error {
		return f.Catalog.UpdateDatabase(ctx, tx, sc, in.Name, *in.DatabaseInput)
	})
}

// DeleteDatabaseInput is DeleteDatabaseRequest.
type DeleteDatabaseInput struct {
	CatalogId string `aws:"len=1:255,pattern=singleline"`
	Name      string `aws:"required,len=1:255,pattern=singleline"`
}

// DeleteDatabase deletes a database with its tables, versions, partitions and tags.
func (f *Facade) DeleteDatabase(ctx context.Context, in *DeleteDatabaseInput) (*Empty, error) {
	return nil, f.write(ctx, in.CatalogId, func(tx *store.Tx, sc gluecatalog.Scope) error {
		return f.Catalog.DeleteDatabase(ctx, tx, sc, in.Name)
	})
}
