package glue

import (
	"context"
	"net/http"
	"strings"

	"github.com/surveyorhq/surveyor/internal/awsapi"
	"github.com/surveyorhq/surveyor/internal/gluecatalog"
	"github.com/surveyorhq/surveyor/internal/store"
)

// Taggable resources are named in ARNs arn:aws:glue:<region>:<account>:<type>/<name>. Each
// type says how to check its resource exists; the crawler files add "crawler".
func (f *Facade) taggable() map[string]func(ctx context.Context, tx *store.Tx, sc gluecatalog.Scope, name string) error {
	return map[string]func(ctx context.Context, tx *store.Tx, sc gluecatalog.Scope, name string) error{
		"database": func(ctx context.Context, tx *store.Tx, sc gluecatalog.Scope, name string) error {
			_, err := f.Catalog.GetDatabase(ctx, tx, sc, name)
			return err
		},
		"connection": func(ctx context.Context, tx *store.Tx, sc gluecatalog.Scope, name string) error {
			_, err := f.Catalog.GetConnection(ctx, tx, sc, name, true)
			return err
		},
		"crawler": f.crawlerExists,
	}
}

func databaseResource(name string) string { return "database/" + strings.ToLower(name) }

// resource returns the tag resource ("database/sales") an ARN of the caller's scope names,
// after checking the resource exists; a resource of another account or region is not found.
func (f *Facade) resource(ctx context.Context, tx *store.Tx, sc gluecatalog.Scope, arn string) (string, error) {
	prefix := sc.ARN("glue", "")
	rest, ok := strings.CutPrefix(arn, prefix)
	typ, name, _ := strings.Cut(rest, "/")
	exists := f.taggable()[typ]
	if !ok || name == "" || exists == nil {
		return "", awsapi.Errorf(http.StatusBadRequest, CodeEntityNotFound, "Resource %s not found or not taggable.", arn)
	}
	if typ == "database" {
		name = strings.ToLower(name)
	}
	if err := exists(ctx, tx, sc, name); err != nil {
		return "", err
	}
	return typ + "/" + name, nil
}

// TagResourceInput is TagResourceRequest.
type TagResourceInput struct {
	ResourceArn string            `aws:"required,len=1:10240,pattern=/arn:aws(-(cn|us-gov|iso(-[bef])?))?:glue:.*/"`
	TagsToAdd   map[string]string `aws:"required,count=0:50,key.len=1:128,value.len=0:256"`
}

// TagResource adds tags to a database, connection or crawler (50 at most in all).
func (f *Facade) TagResource(ctx context.Context, in *TagResourceInput) (*Empty, error) {
	return nil, f.write(ctx, "", func(tx *store.Tx, sc gluecatalog.Scope) error {
		res, err := f.resource(ctx, tx, sc, in.ResourceArn)
		if err != nil {
			return err
		}
		return f.Catalog.TagResource(ctx, tx, sc, res, in.TagsToAdd)
	})
}

// UntagResourceInput is UntagResourceRequest.
type UntagResourceInput struct {
	ResourceArn  string   `aws:"required,len=1:10240,pattern=/arn:aws(-(cn|us-gov|iso(-[bef])?))?:glue:.*/"`
	TagsToRemove []string `aws:"required,count=0:50,item.len=1:128"`
}

// UntagResource removes tags from a resource; keys it does not have are ignored.
func (f *Facade) UntagResource(ctx context.Context, in *UntagResourceInput) (*Empty, error) {
	return nil, f.write(ctx, "", func(tx *store.Tx, sc gluecatalog.Scope) error {
		res, err := f.resource(ctx, tx, sc, in.ResourceArn)
		if err != nil {
			return err
		}
		return f.Catalog.UntagResource(ctx, tx, sc, res, in.TagsToRemove)
	})
}

// GetTagsInput is GetTagsRequest.
type GetTagsInput struct {
	ResourceArn string `aws:"required,len=1:10240,pattern=/arn:aws(-(cn|us-gov|iso(-[bef])?))?:glue:.*/"`
}

// GetTagsOutput is GetTagsResponse.
type GetTagsOutput struct {
	Tags map[string]string
}

// GetTags returns a resource's tags.
func (f *Facade) GetTags(ctx context.Context, in *GetTagsInput) (*GetTagsOutput, error) {
	out := &GetTagsOutput{}
	return out, f.read(ctx, "", func(tx *store.Tx, sc gluecatalog.Scope) error {
		res, err := f.resource(ctx, tx, sc, in.ResourceArn)
		if err != nil {
			return err
		}
		out.Tags, err = f.Catalog.GetTags(ctx, tx, sc, res)
		return err
	})
}
