package glue

import (
	"context"

	"github.com/surveyorhq/surveyor/internal/gluecatalog"
	"github.com/surveyorhq/surveyor/internal/store"
)

// CreateClassifierInput is CreateClassifierRequest: exactly one classifier.
type CreateClassifierInput struct {
	GrokClassifier *gluecatalog.GrokClassifier
	XMLClassifier  *gluecatalog.XMLClassifier
	JsonClassifier *gluecatalog.JsonClassifier
	CsvClassifier  *gluecatalog.CsvClassifier
}

// CreateClassifier stores a classifier as version 1; names are shared by every kind.
func (f *Facade) CreateClassifier(ctx context.Context, in *CreateClassifierInput) (*Empty, error) {
	return nil, f.write(ctx, "", func(tx *store.Tx, sc gluecatalog.Scope) error {
		return f.Catalog.CreateClassifier(ctx, tx, sc, gluecatalog.Classifier{GrokClassifier: in.GrokClassifier,
			XMLClassifier: in.XMLClassifier, JsonClassifier: in.JsonClassifier, CsvClassifier: in.CsvClassifier})
	})
}

// GetClassifierInput is GetClassifierRequest.
type GetClassifierInput struct {
	Name string `aws:"required,len=1:255,pattern=singleline"`
}

// GetClassifierOutput is GetClassifierResponse.
type GetClassifierOutput struct {
	Classifier *gluecatalog.Classifier
}

// GetClassifier returns a classifier.
func (f *Facade) GetClassifier(ctx context.Context, in *GetClassifierInput) (*GetClassifierOutput, error) {
	out := &GetClassifierOutput{}
	return out, f.read(ctx, "", func(tx *store.Tx, sc gluecatalog.Scope) (err error) {
		out.Classifier, err = f.Catalog.GetClassifier(ctx, tx, sc, in.Name)
		return err
	})
}

// GetClassifiersInput is GetClassifiersRequest.
type GetClassifiersInput struct {
	MaxResults *int32 `aws:"range=1:1000"`
	NextToken  string
}

// GetClassifiersOutput is GetClassifiersResponse.
type GetClassifiersOutput struct {
	Classifiers []gluecatalog.Classifier
	NextToken   string `json:",omitempty"`
}

// GetClassifiers lists classifiers by name.
func (f *Facade) GetClassifiers(ctx context.Context, in *GetClassifiersInput) (*GetClassifiersOutput, error) {
	out := &GetClassifiersOutput{Classifiers: []gluecatalog.Classifier{}}
	err := f.read(ctx, "", func(tx *store.Tx, sc gluecatalog.Scope) error {
		ts := tokenScope(sc, "GetClassifiers")
		cur, err := f.decodeToken(ctx, ts, in.NextToken)
		if err != nil {
			return err
		}
		cls, more, err := f.Catalog.ListClassifiers(ctx, tx, sc, cur.After, pageSize(in.MaxResults, 100))
		if err != nil {
			return err
		}
		out.Classifiers = append(out.Classifiers, cls...)
		if len(cls) > 0 {
			out.NextToken, err = f.nextToken(ts, more, cursor{After: cls[len(cls)-1].Name()})
		}
		return err
	})
	return out, err
}

// UpdateClassifierInput is UpdateClassifierRequest: exactly one classifier, of its stored kind.
type UpdateClassifierInput struct {
	GrokClassifier *gluecatalog.GrokClassifierUpdate
	XMLClassifier  *gluecatalog.XMLClassifierUpdate
	JsonClassifier *gluecatalog.JsonClassifierUpdate
	CsvClassifier  *gluecatalog.CsvClassifierUpdate
}

// UpdateClassifier changes the fields given and bumps the classifier's version.
func (f *Facade) UpdateClassifier(ctx context.Context, in *UpdateClassifierInput) (*Empty, error) {
	return nil, f.write(ctx, "", func(tx *store.Tx, sc gluecatalog.Scope) error {
		return f.Catalog.UpdateClassifier(ctx, tx, sc, gluecatalog.ClassifierUpdate{GrokClassifier: in.GrokClassifier,
			XMLClassifier: in.XMLClassifier, JsonClassifier: in.JsonClassifier, CsvClassifier: in.CsvClassifier})
	})
}

// DeleteClassifierInput is DeleteClassifierRequest.
type DeleteClassifierInput struct {
	Name string `aws:"required,len=1:255,pattern=singleline"`
}

// DeleteClassifier deletes a classifier.
func (f *Facade) DeleteClassifier(ctx context.Context, in *DeleteClassifierInput) (*Empty, error) {
	return nil, f.write(ctx, "", func(tx *store.Tx, sc gluecatalog.Scope) error {
		return f.Catalog.DeleteClassifier(ctx, tx, sc, in.Name)
	})
}
