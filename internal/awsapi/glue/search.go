package glue

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/surveyorhq/surveyor/internal/gluecatalog"
	"github.com/surveyorhq/surveyor/internal/store"
)

// SearchTablesInput is SearchTablesRequest.
type SearchTablesInput struct {
	CatalogId            string              `aws:"len=1:255,pattern=singleline"`
	NextToken            string              ``
	Filters              []PropertyPredicate ``
	SearchText           string              `aws:"len=1:1024"`
	SortCriteria         []SortCriterion     `aws:"count=0:1"`
	MaxResults           *int32              `aws:"range=1:1000"`
	ResourceShareType    string              `aws:"enum=FOREIGN|ALL|FEDERATED"`
	IncludeStatusDetails bool
}

// PropertyPredicate is a SearchTables filter.
type PropertyPredicate struct {
	Key        string `aws:"len=1:1024"`
	Value      string `aws:"len=1:1024"`
	Comparator string `aws:"enum=EQUALS|GREATER_THAN|LESS_THAN|GREATER_THAN_EQUALS|LESS_THAN_EQUALS"`
}

// SortCriterion orders SearchTables results.
type SortCriterion struct {
	FieldName string `aws:"len=1:1024"`
	Sort      string `aws:"enum=ASC|DESC"`
}

// SearchTablesOutput is SearchTablesResponse.
type SearchTablesOutput struct {
	TableList []gluecatalog.Table
	NextToken string `json:",omitempty"`
}

// SearchTables searches every table of the caller's catalog. SearchText matches names,
// descriptions, column names, types and comments, and parameter values (a quoted text must
// match a whole one, case-insensitively; otherwise it is a substring). Filters compare a
// property: Name and DatabaseName match a token of the name (names split on punctuation),
// TableType, Owner, Description and Location compare exactly, CreateTime/UpdateTime/
// LastAccessTime compare as epoch seconds with the Comparator, any other key is a table
// parameter. Results are sorted by SortCriteria (default database then table name).
func (f *Facade) SearchTables(ctx context.Context, in *SearchTablesInput) (*SearchTablesOutput, error) {
	out := &SearchTablesOutput{TableList: []gluecatalog.Table{}}
	if in.ResourceShareType == "FOREIGN" || in.ResourceShareType == "FEDERATED" {
		return out, nil
	}
	err := f.read(ctx, in.CatalogId, func(tx *store.Tx, sc gluecatalog.Scope) error {
		ts := tokenScope(sc, "SearchTables", in.SearchText, filtersKey(in.Filters, in.SortCriteria))
		cur, err := f.decodeToken(ctx, ts, in.NextToken)
		if err != nil {
			return err
		}
		var found []gluecatalog.Table
		err = f.Catalog.EachTable(ctx, tx, sc, func(t *gluecatalog.Table) error {
			if matchesText(t, in.SearchText) && matchesFilters(t, in.Filters) {
				found = append(found, *t)
			}
			return nil
		})
		if err != nil {
			return err
		}
		sortTables(found, in.SortCriteria)
		offset, _ := strconv.Atoi(cur.After)
		offset = min(offset, len(found))
		end := min(offset+pageSize(in.MaxResults, 100), len(found))
		out.TableList = append(out.TableList, found[offset:end]...)
		out.NextToken, err = f.nextToken(ts, end < len(found), cursor{After: strconv.Itoa(end)})
		return err
	})
	return out, err
}

func filtersKey(fs []PropertyPredicate, sorts []SortCriterion) string {
	var b strings.Builder
	for _, f := range fs {
		b.WriteString(f.Key + "\x01" + f.Value + "\x01" + f.Comparator + "\x02")
	}
	for _, s := range sorts {
		b.WriteString(s.FieldName + "\x01" + s.Sort + "\x02")
	}
	return b.String()
}

// matchesText reports whether text (quoted = whole value) occurs in the table's searchable
// fields.
func matchesText(t *gluecatalog.Table, text string) bool {
	if text == "" {
		return true
	}
	exact := len(text) >= 2 && text[0] == '"' && text[len(text)-1] == '"'
	needle := strings.ToLower(strings.Trim(text, `"`))
	hit := func(s string) bool {
		s = strings.ToLower(s)
		if exact {
			return s == needle
		}
		return strings.Contains(s, needle)
	}
	fields := []string{t.Name, t.DatabaseName, t.Description, t.Owner, t.TableType}
	for _, v := range t.Parameters {
		fields = append(fields, v)
	}
	cols := slices.Clone(t.PartitionKeys)
	if sd := t.StorageDescriptor; sd != nil {
		fields = append(fields, sd.Location)
		cols = append(cols, sd.Columns...)
	}
	for _, c := range cols {
		fields = append(fields, c.Name, c.Type, c.Comment)
	}
	return slices.ContainsFunc(fields, hit)
}

func matchesFilters(t *gluecatalog.Table, filters []PropertyPredicate) bool {
	for _, f := range filters {
		if !matchesFilter(t, f) {
			return false
		}
	}
	return true
}

func matchesFilter(t *gluecatalog.Table, f PropertyPredicate) bool {
	switch f.Key {
	case "Name", "DatabaseName":
		name := t.Name
		if f.Key == "DatabaseName" {
			name = t.DatabaseName
		}
		return slices.Contains(tokens(name), strings.ToLower(f.Value)) || strings.EqualFold(name, f.Value)
	case "TableType":
		return t.TableType == f.Value
	case "Owner":
		return t.Owner == f.Value
	case "Description":
		return t.Description == f.Value
	case "Location":
		return t.StorageDescriptor != nil && t.StorageDescriptor.Location == f.Value
	case "CreateTime", "UpdateTime", "LastAccessTime":
		return compareTime(tableTime(t, f.Key), f.Value, f.Comparator)
	}
	v, ok := t.Parameters[f.Key]
	return ok && v == f.Value
}

// tokens splits a name on punctuation: "customer-link_v2" → customer, link, v2.
func tokens(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

func tableTime(t *gluecatalog.Table, key string) time.Time {
	switch {
	case key == "CreateTime" && t.CreateTime != nil:
		return time.Time(*t.CreateTime)
	case key == "UpdateTime" && t.UpdateTime != nil:
		return time.Time(*t.UpdateTime)
	case key == "LastAccessTime" && t.LastAccessTime != nil:
		return time.Time(*t.LastAccessTime)
	}
	return time.Time{}
}

// compareTime compares a time with a value in epoch seconds (or ISO-8601).
func compareTime(have time.Time, value, comparator string) bool {
	want, err := time.Parse(time.RFC3339, value)
	if err != nil {
		secs, err := strconv.ParseFloat(value, 64)
		if err != nil {
			return false
		}
		want = time.UnixMilli(int64(secs * 1000))
	}
	c := have.Compare(want)
	switch comparator {
	case "GREATER_THAN":
		return c > 0
	case "LESS_THAN":
		return c < 0
	case "GREATER_THAN_EQUALS":
		return c >= 0
	case "LESS_THAN_EQUALS":
		return c <= 0
	}
	return c == 0
}

func sortTables(ts []gluecatalog.Table, sorts []SortCriterion) {
	field, desc := "", false
	if len(sorts) > 0 {
		field, desc = sorts[0].FieldName, sorts[0].Sort == "DESC"
	}
	slices.SortStableFunc(ts, func(a, b gluecatalog.Table) int {
		var c int
		switch field {
		case "Name":
			c = strings.Compare(a.Name, b.Name)
		case "CreateTime", "UpdateTime", "LastAccessTime":
			c = tableTime(&a, field).Compare(tableTime(&b, field))
		case "TableType":
			c = strings.Compare(a.TableType, b.TableType)
		}
		if c == 0 {
			c = strings.Compare(a.DatabaseName+"\x00"+a.Name, b.DatabaseName+"\x00"+b.Name)
		}
		if desc {
			return -c
		}
		return c
	})
}
