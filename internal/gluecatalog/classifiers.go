package gluecatalog

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/surveyorhq/surveyor/internal/store"
)

// Kind returns which kind of classifier c is ("" when it holds none, or several).
func (c *Classifier) Kind() string {
	kind, n := "", 0
	if c.GrokClassifier != nil {
		kind, n = ClassifierGrok, n+1
	}
	if c.XMLClassifier != nil {
		kind, n = ClassifierXML, n+1
	}
	if c.JsonClassifier != nil {
		kind, n = ClassifierJSON, n+1
	}
	if c.CsvClassifier != nil {
		kind, n = ClassifierCSV, n+1
	}
	if n != 1 {
		return ""
	}
	return kind
}

// Name is the classifier's name.
func (c *Classifier) Name() string {
	switch c.Kind() {
	case ClassifierGrok:
		return c.GrokClassifier.Name
	case ClassifierXML:
		return c.XMLClassifier.Name
	case ClassifierJSON:
		return c.JsonClassifier.Name
	case ClassifierCSV:
		return c.CsvClassifier.Name
	}
	return ""
}

func (c *Classifier) meta() *ClassifierMeta {
	switch c.Kind() {
	case ClassifierGrok:
		return &c.GrokClassifier.ClassifierMeta
	case ClassifierXML:
		return &c.XMLClassifier.ClassifierMeta
	case ClassifierJSON:
		return &c.JsonClassifier.ClassifierMeta
	case ClassifierCSV:
		return &c.CsvClassifier.ClassifierMeta
	}
	return &ClassifierMeta{}
}

// CreateClassifier stores a classifier (exactly one kind set) as version 1. Names are shared by
// all kinds.
func (c Catalog) CreateClassifier(ctx context.Context, tx *store.Tx, sc Scope, cl Classifier) error {
	kind := cl.Kind()
	if kind == "" {
		return invalid("Exactly one of GrokClassifier, XMLClassifier, JsonClassifier or CsvClassifier must be given.")
	}
	*cl.meta() = ClassifierMeta{}
	doc, err := json.Marshal(cl)
	if err != nil {
		return err
	}
	now := c.now().UnixMilli()
	n, err := tx.Exec(ctx, `INSERT INTO glue_classifiers (account_id, region, name, kind, doc, version, create_time, update_time)
		VALUES (?, ?, ?, ?, ?, 1, ?, ?) ON CONFLICT DO NOTHING`, sc.Account, sc.Region, cl.Name(), kind, string(doc), now, now)
	if err != nil {
		return fmt.Errorf("create classifier %s: %w", cl.Name(), err)
	}
	if n == 0 {
		return &AlreadyExistsError{Kind: "Classifier", Name: cl.Name()}
	}
	return nil
}

// GetClassifier returns classifier name.
func (c Catalog) GetClassifier(ctx context.Context, tx *store.Tx, sc Scope, name string) (*Classifier, error) {
	row := tx.QueryRow(ctx, `SELECT doc, version, create_time, update_time FROM glue_classifiers
		WHERE account_id = ? AND region = ? AND name = ?`, sc.Account, sc.Region, name)
	cl, err := scanClassifier(row.Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, &NotFoundError{Kind: "Classifier", Name: name}
	}
	return cl, err
}

// ListClassifiers returns up to limit classifiers whose names sort after after, by name.
func (c Catalog) ListClassifiers(ctx context.Context, tx *store.Tx, sc Scope, after string, limit int) (cls []Classifier, more bool, err error) {
	rows, err := tx.Query(ctx, `SELECT doc, version, create_time, update_time FROM glue_classifiers
		WHERE account_id = ? AND region = ? AND name > ? ORDER BY name LIMIT ?`, sc.Account, sc.Region, after, limit+1)
	if err != nil {
		return nil, false, fmt.Errorf("list classifiers: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		cl, err := scanClassifier(rows.Scan)
		if err != nil {
			return nil, false, err
		}
		cls = append(cls, *cl)
	}
	if err := rows.Err(); err != nil {
		return nil, false, fmt.Errorf("list classifiers: %w", err)
	}
	if len(cls) > limit {
		return cls[:limit], true, nil
	}
	return cls, false, nil
}

func scanClassifier(scan func(...any) error) (*Classifier, error) {
	var (
		doc                       string
		version, created, updated int64
	)
	if err := scan(&doc, &version, &created, &updated); err != nil {
		return nil, err
	}
	var cl Classifier
	if err := json.Unmarshal([]byte(doc), &cl); err != nil {
		return nil, fmt.Errorf("decode classifier: %w", err)
	}
	*cl.meta() = ClassifierMeta{CreationTime: epoch(created), LastUpdated: epoch(updated), Version: version}
	return &cl, nil
}

// UpdateClassifier changes the fields u sets on the classifier it names (exactly one kind,
// the stored one) and bumps its version.
func (c Catalog) UpdateClassifier(ctx context.Context, tx *store.Tx, sc Scope, u ClassifierUpdate) error {
	name, kind := u.target()
	if kind == "" {
		return invalid("Exactly one of GrokClassifier, XMLClassifier, JsonClassifier or CsvClassifier must be given.")
	}
	cl, err := c.GetClassifier(ctx, tx, sc, name)
	if err != nil {
		return err
	}
	if cl.Kind() != kind {
		return invalid("Classifier %s is a %s classifier; it cannot be updated as a %s classifier.", name, cl.Kind(), kind)
	}
	u.apply(cl)
	*cl.meta() = ClassifierMeta{}
	doc, err := json.Marshal(cl)
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `UPDATE glue_classifiers SET doc = ?, version = version + 1, update_time = ?
		WHERE account_id = ? AND region = ? AND name = ?`, string(doc), c.now().UnixMilli(), sc.Account, sc.Region, name); err != nil {
		return fmt.Errorf("update classifier %s: %w", name, err)
	}
	return nil
}

func (u ClassifierUpdate) target() (name, kind string) {
	n := 0
	if u.GrokClassifier != nil {
		name, kind, n = u.GrokClassifier.Name, ClassifierGrok, n+1
	}
	if u.XMLClassifier != nil {
		name, kind, n = u.XMLClassifier.Name, ClassifierXML, n+1
	}
	if u.JsonClassifier != nil {
		name, kind, n = u.JsonClassifier.Name, ClassifierJSON, n+1
	}
	if u.CsvClassifier != nil {
		name, kind, n = u.CsvClassifier.Name, ClassifierCSV, n+1
	}
	if n != 1 {
		return "", ""
	}
	return name, kind
}

func (u ClassifierUpdate) apply(cl *Classifier) {
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = *src
		}
	}
	setBool := func(dst *bool, src *bool) {
		if src != nil {
			*dst = *src
		}
	}
	switch {
	case u.GrokClassifier != nil:
		g, x := cl.GrokClassifier, u.GrokClassifier
		set(&g.Classification, x.Classification)
		set(&g.GrokPattern, x.GrokPattern)
		set(&g.CustomPatterns, x.CustomPatterns)
	case u.XMLClassifier != nil:
		g, x := cl.XMLClassifier, u.XMLClassifier
		set(&g.Classification, x.Classification)
		set(&g.RowTag, x.RowTag)
	case u.JsonClassifier != nil:
		set(&cl.JsonClassifier.JsonPath, u.JsonClassifier.JsonPath)
	case u.CsvClassifier != nil:
		g, x := cl.CsvClassifier, u.CsvClassifier
		set(&g.Delimiter, x.Delimiter)
		set(&g.QuoteSymbol, x.QuoteSymbol)
		set(&g.ContainsHeader, x.ContainsHeader)
		set(&g.Serde, x.Serde)
		setBool(&g.DisableValueTrimming, x.DisableValueTrimming)
		setBool(&g.AllowSingleColumn, x.AllowSingleColumn)
		setBool(&g.CustomDatatypeConfigured, x.CustomDatatypeConfigured)
		if x.Header != nil {
			g.Header = x.Header
		}
		if x.CustomDatatypes != nil {
			g.CustomDatatypes = x.CustomDatatypes
		}
	}
}

// DeleteClassifier deletes classifier name.
func (c Catalog) DeleteClassifier(ctx context.Context, tx *store.Tx, sc Scope, name string) error {
	n, err := tx.Exec(ctx, `DELETE FROM glue_classifiers WHERE account_id = ? AND region = ? AND name = ?`, sc.Account, sc.Region, name)
	if err != nil {
		return fmt.Errorf("delete classifier %s: %w", name, err)
	}
	if n == 0 {
		return &NotFoundError{Kind: "Classifier", Name: name}
	}
	return nil
}
