package gluecatalog

import (
	"context"
	"fmt"

	"github.com/surveyorhq/surveyor/internal/store"
)

// Tags are kept per resource, named "<type>/<name>" as in its ARN ("database/sales",
// "connection/pg", "crawler/daily"); the caller checks the resource exists.

// TagResource sets tags on resource, replacing the values of keys already set. More than
// MaxTagsPerResource tags in all is an *InvalidInputError and sets none.
func (c Catalog) TagResource(ctx context.Context, tx *store.Tx, sc Scope, resource string, tags map[string]string) error {
	have, err := c.GetTags(ctx, tx, sc, resource)
	if err != nil {
		return err
	}
	total := len(have)
	for k := range tags {
		if _, ok := have[k]; !ok {
			total++
		}
	}
	if total > MaxTagsPerResource {
		return invalid("A resource can have at most %d tags; this request would give %s %d.", MaxTagsPerResource, resource, total)
	}
	for k, v := range tags {
		if _, err := tx.Exec(ctx, `INSERT INTO glue_tags (account_id, region, resource, tag_key, tag_value) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (account_id, region, resource, tag_key) DO UPDATE SET tag_value = excluded.tag_value`,
			sc.Account, sc.Region, resource, k, v); err != nil {
			return fmt.Errorf("tag %s: %w", resource, err)
		}
	}
	return nil
}

// UntagResource removes the tags with the given keys from resource; absent keys are ignored.
func (c Catalog) UntagResource(ctx context.Context, tx *store.Tx, sc Scope, resource string, keys []string) error {
	for _, k := range keys {
		if _, err := tx.Exec(ctx, `DELETE FROM glue_tags WHERE account_id = ? AND region = ? AND resource = ? AND tag_key = ?`,
			sc.Account, sc.Region, resource, k); err != nil {
			return fmt.Errorf("untag %s: %w", resource, err)
		}
	}
	return nil
}

// GetTags returns the tags of resource (empty, not nil, when it has none).
func (c Catalog) GetTags(ctx context.Context, tx *store.Tx, sc Scope, resource string) (map[string]string, error) {
	rows, err := tx.Query(ctx, `SELECT tag_key, tag_value FROM glue_tags WHERE account_id = ? AND region = ? AND resource = ?`,
		sc.Account, sc.Region, resource)
	if err != nil {
		return nil, fmt.Errorf("read tags of %s: %w", resource, err)
	}
	defer rows.Close()
	tags := map[string]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, err
		}
		tags[k] = v
	}
	return tags, rows.Err()
}

// DeleteTags removes every tag of resource (when the resource is deleted).
func (c Catalog) DeleteTags(ctx context.Context, tx *store.Tx, sc Scope, resource string) error {
	if _, err := tx.Exec(ctx, `DELETE FROM glue_tags WHERE account_id = ? AND region = ? AND resource = ?`,
		sc.Account, sc.Region, resource); err != nil {
		return fmt.Errorf("delete tags of %s: %w", resource, err)
	}
	return nil
}

func (c Catalog) renameTags(ctx context.Context, tx *store.Tx, sc Scope, from, to string) error {
	if _, err := tx.Exec(ctx, `UPDATE glue_tags SET resource = ? WHERE account_id = ? AND region = ? AND resource = ?`,
		to, sc.Account, sc.Region, from); err != nil {
		return fmt.Errorf("move tags of %s: %w", from, err)
	}
	return nil
}
