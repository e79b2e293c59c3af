package dms

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/surveyorhq/surveyor/internal/core"
	"github.com/surveyorhq/surveyor/internal/resources"
	"github.com/surveyorhq/surveyor/internal/scope"
	"github.com/surveyorhq/surveyor/internal/store"
)

// AddTagsToResourceInput is the AddTagsToResource request.
type AddTagsToResourceInput struct {
	ResourceArn string
	Tags        []Tag
}

func (f *Facade) AddTagsToResource(ctx context.Context, in *AddTagsToResourceInput) (*struct{}, error) {
	v := newValidator()
	v.Required("ResourceArn", in.ResourceArn != "")
	v.Required("Tags", in.Tags != nil)
	validateTags(v, in.Tags)
	if err := v.Err(); err != nil {
		return nil, err
	}
	return nil, f.editTags(ctx, in.ResourceArn, func(tags []tagDoc) []tagDoc { return mergeTags(tags, in.Tags) })
}

// RemoveTagsFromResourceInput is the RemoveTagsFromResource request.
type RemoveTagsFromResourceInput struct {
	ResourceArn string
	TagKeys     []string
}

func (f *Facade) RemoveTagsFromResource(ctx context.Context, in *RemoveTagsFromResourceInput) (*struct{}, error) {
	v := newValidator()
	v.Required("ResourceArn", in.ResourceArn != "")
	v.Required("TagKeys", in.TagKeys != nil)
	for i, k := range in.TagKeys {
		v.Length(fmt.Sprintf("TagKeys.%d", i+1), k, 1, 128)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	return nil, f.editTags(ctx, in.ResourceArn, func(tags []tagDoc) []tagDoc {
		return slices.DeleteFunc(tags, func(t tagDoc) bool { return slices.Contains(in.TagKeys, t.Key) })
	})
}

// ListTagsForResourceInput is the ListTagsForResource request.
type ListTagsForResourceInput struct {
	ResourceArn     string
	ResourceArnList []string
}

// ListTagsForResourceOutput is the ListTagsForResource response.
type ListTagsForResourceOutput struct {
	TagList []Tag
}

func (f *Facade) ListTagsForResource(ctx context.Context, in *ListTagsForResourceInput) (*ListTagsForResourceOutput, error) {
	arns := in.ResourceArnList
	if in.ResourceArn != "" {
		arns = append([]string{in.ResourceArn}, arns...)
	}
	if len(arns) == 0 {
		return nil, invalid("Either ResourceArn or ResourceArnList must be given.")
	}
	sc := core.Scope(ctx)
	out := &ListTagsForResourceOutput{TagList: []Tag{}}
	err := f.DB.ReadTx(ctx, func(tx *store.Tx) error {
		for _, arn := range arns {
			_, _, doc, err := f.taggable(ctx, tx, sc, arn)
			if err != nil {
				return err
			}
			var tags []tagDoc
			if raw, ok := doc["tags"]; ok {
				if err := json.Unmarshal(raw, &tags); err != nil {
					return fmt.Errorf("decode tags of %s: %w", arn, err)
				}
			}
			for _, t := range tags {
				out.TagList = append(out.TagList, Tag{Key: ptr(t.Key), Value: ptr(t.Value), ResourceArn: ptr(arn)})
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// editTags rewrites the tags of the resource an ARN names.
func (f *Facade) editTags(ctx context.Context, arn string, edit func([]tagDoc) []tagDoc) error {
	sc := core.Scope(ctx)
	return f.DB.Tx(ctx, func(tx *store.Tx) error {
		r, k, doc, err := f.taggable(ctx, tx, sc, arn)
		if err != nil {
			return err
		}
		var tags []tagDoc
		if raw, ok := doc["tags"]; ok {
			if err := json.Unmarshal(raw, &tags); err != nil {
				return fmt.Errorf("decode tags of %s: %w", arn, err)
			}
		}
		tags = edit(tags)
		b, err := json.Marshal(tags)
		if err != nil {
			return fmt.Errorf("encode tags of %s: %w", arn, err)
		}
		doc["tags"] = b
		return resources.Update(ctx, tx, sc, k, r.ID, r.Name, doc, f.now())
	})
}

// taggable reads an endpoint, replication instance or replication subnet group by ARN as a raw
// document.
func (f *Facade) taggable(ctx context.Context, tx *store.Tx, sc scope.Scope, arn string) (resources.Record, resources.Kind, map[string]json.RawMessage, error) {
	k, typ := kindEndpoint, arnEndpoint
	if strings.Contains(arn, ":"+arnInstance+":") {
		k, typ = kindInstance, arnInstance
	}
	id, ok := f.parseARN(sc, arn, typ)
	if strings.Contains(arn, ":"+arnSubnetGroup+":") {
		k = kindSubnetGroup
		id, ok = f.subnetGroupARN(sc, arn)
	}
	if !ok {
		return resources.Record{}, k, nil, notFound("Resource %s could not be found.", truncate(arn, 256))
	}
	r, err := resources.Get(ctx, tx, sc, k, id)
	if isNotFound(err) {
		return r, k, nil, notFound("Resource %s could not be found.", truncate(arn, 256))
	}
	if err != nil {
		return r, k, nil, err
	}
	doc := map[string]json.RawMessage{}
	if err := r.Decode(&doc); err != nil {
		return r, k, nil, err
	}
	return r, k, doc, nil
}
