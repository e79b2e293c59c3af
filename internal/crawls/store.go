package crawls

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/surveyorhq/surveyor/internal/gluecatalog"
	"github.com/surveyorhq/surveyor/internal/store"
)

// record is a stored crawler.
type record struct {
	Scope    gluecatalog.Scope
	Def      Definition
	SourceID string // the crawler's runs and schedule
	Version  int64
	Created  time.Time
	Updated  time.Time
}

const recordColumns = `account_id, region, name, source_id, doc, version, created_at, updated_at`

func scanRecord(s interface{ Scan(...any) error }) (*record, error) {
	var (
		r                record
		name, doc        string
		created, updated int64
	)
	if err := s.Scan(&r.Scope.Account, &r.Scope.Region, &name, &r.SourceID, &doc, &r.Version, &created, &updated); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(doc), &r.Def); err != nil {
		return nil, fmt.Errorf("decode crawler %s: %w", name, err)
	}
	r.Def.Name = name
	r.Created, r.Updated = time.UnixMilli(created).UTC(), time.UnixMilli(updated).UTC()
	return &r, nil
}

func insertRecord(ctx context.Context, tx *store.Tx, r *record) error {
	doc, err := json.Marshal(r.Def)
	if err != nil {
		return err
	}
	n, err := tx.Exec(ctx, `INSERT INTO glue_crawlers (`+recordColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		r.Scope.Account, r.Scope.Region, r.Def.Name, r.SourceID, string(doc), r.Version, r.Created.UnixMilli(), r.Updated.UnixMilli())
	if err != nil {
		return fmt.Errorf("insert crawler %s: %w", r.Def.Name, err)
	}
	if n == 0 {
		return &gluecatalog.AlreadyExistsError{Kind: "Crawler", Name: r.Def.Name}
	}
	return nil
}

func getRecord(ctx context.Context, tx *store.Tx, sc gluecatalog.Scope, name string) (*record, error) {
	r, err := scanRecord(tx.QueryRow(ctx, `SELECT `+recordColumns+` FROM glue_crawlers WHERE account_id = ? AND region = ? AND name = ?`,
		sc.Account, sc.Region, name))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, &gluecatalog.NotFoundError{Kind: "Crawler", Name: name}
	}
	return r, err
}

func recordBySource(ctx context.Context, tx *store.Tx, sourceID string) (*record, error) {
	r, err := scanRecord(tx.QueryRow(ctx, `SELECT `+recordColumns+` FROM glue_crawlers WHERE source_id = ?`, sourceID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, &gluecatalog.NotFoundError{Kind: "Crawler", Name: sourceID}
	}
	return r, err
}

// listRecords pages through a scope's crawlers by name, after the name after.
func listRecords(ctx context.Context, tx *store.Tx, sc gluecatalog.Scope, after string, limit int) ([]*record, bool, error) {
	rows, err := tx.Query(ctx, `SELECT `+recordColumns+` FROM glue_crawlers WHERE account_id = ? AND region = ? AND name > ? ORDER BY name LIMIT ?`,
		sc.Account, sc.Region, after, limit+1)
	if err != nil {
		return nil, false, fmt.Errorf("list crawlers: %w", err)
	}
	defer rows.Close()
	var out []*record
	for rows.Next() {
		r, err := scanRecord(rows)
		if err != nil {
			return nil, false, err
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, false, err
	}
	more := len(out) > limit
	if more {
		out = out[:limit]
	}
	return out, more, nil
}

// updateRecord stores r.Def as version r.Version+1, if nobody changed it since r was read.
func updateRecord(ctx context.Context, tx *store.Tx, r *record, now time.Time) error {
	doc, err := json.Marshal(r.Def)
	if err != nil {
		return err
	}
	n, err := tx.Exec(ctx, `UPDATE glue_crawlers SET doc = ?, version = ?, updated_at = ? WHERE account_id = ? AND region = ? AND name = ? AND version = ?`,
		string(doc), r.Version+1, now.UnixMilli(), r.Scope.Account, r.Scope.Region, r.Def.Name, r.Version)
	if err != nil {
		return fmt.Errorf("update crawler %s: %w", r.Def.Name, err)
	}
	if n == 0 {
		return &VersionMismatchError{Name: r.Def.Name}
	}
	r.Version++
	r.Updated = now
	return nil
}

func deleteRecord(ctx context.Context, tx *store.Tx, r *record) error {
	if _, err := tx.Exec(ctx, `DELETE FROM glue_crawlers WHERE account_id = ? AND region = ? AND name = ?`, r.Scope.Account, r.Scope.Region, r.Def.Name); err != nil {
		return fmt.Errorf("delete crawler %s: %w", r.Def.Name, err)
	}
	if _, err := tx.Exec(ctx, `DELETE FROM glue_crawler_folders WHERE source_id = ?`, r.SourceID); err != nil {
		return fmt.Errorf("delete crawler %s folders: %w", r.Def.Name, err)
	}
	return nil
}

// seenFolders are the leaf folders a crawler has read.
func seenFolders(ctx context.Context, tx *store.Tx, sourceID string) (map[string]bool, error) {
	rows, err := tx.Query(ctx, `SELECT location FROM glue_crawler_folders WHERE source_id = ?`, sourceID)
	if err != nil {
		return nil, fmt.Errorf("read crawled folders: %w", err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var l string
		if err := rows.Scan(&l); err != nil {
			return nil, err
		}
		out[l] = true
	}
	return out, rows.Err()
}

func addFolders(ctx context.Context, tx *store.Tx, sourceID string, locs []string, have map[string]bool) error {
	for _, l := range locs {
		if have[l] {
			continue
		}
		if _, err := tx.Exec(ctx, `INSERT INTO glue_crawler_folders (source_id, location) VALUES (?, ?) ON CONFLICT DO NOTHING`, sourceID, l); err != nil {
			return fmt.Errorf("record crawled folder: %w", err)
		}
	}
	return nil
}
