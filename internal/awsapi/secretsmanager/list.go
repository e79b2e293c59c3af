package secretsmanager

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"time"

	"github.com/surveyorhq/surveyor/internal/awsapi"
	"github.com/surveyorhq/surveyor/internal/secrets"
)

// Filter is a ListSecrets / BatchGetSecretValue filter. Its key is checked by validateFilters,
// which words the errors as AWS does (the model's enum check would word them otherwise).
type Filter struct {
	Key    *string
	Values []string `aws:"count=1:10,item.len=0:512,item.pattern=/^\\!?[a-zA-Z0-9 :_@\\/\\+\\=\\.\\-\\!]*$/"`
}

// ListSecretsInput is the ListSecrets request.
type ListSecretsInput struct {
	IncludePlannedDeletion bool
	MaxResults             *int64   `aws:"range=1:100"`
	NextToken              *string  `aws:"len=1:4096"`
	Filters                []Filter `aws:"count=0:10"`
	SortOrder              string   `aws:"enum=asc|desc"`
	SortBy                 string   `aws:"enum=created-date|last-accessed-date|last-changed-date|name"`
}

// ListSecretsOutput is the ListSecrets response.
type ListSecretsOutput struct {
	SecretList []*SecretDescription
	NextToken  string `json:",omitempty"`
}

// listCursor is the position of the next page in a filtered, sorted listing.
type listCursor struct {
	Offset int `json:"o"`
}

// ListSecrets lists the caller's secrets, filtered and sorted (by creation date unless SortBy
// says otherwise, ascending unless SortOrder is desc), in pages.
func (f *Facade) ListSecrets(ctx context.Context, in *ListSecretsInput) (*ListSecretsOutput, error) {
	filters, err := validateFilters(in.Filters)
	if err != nil {
		return nil, err
	}
	acct := callerScope(ctx)
	scope := listScope(acct.String(), "ListSecrets", filters, in.IncludePlannedDeletion, in.SortBy, in.SortOrder)
	offset, err := f.decodeOffset(scope, in.NextToken)
	if err != nil {
		return nil, err
	}
	list, err := f.Secrets.Query(ctx, acct, filters, in.IncludePlannedDeletion)
	if err != nil {
		return nil, mapError(err)
	}
	sortSecrets(list, in.SortBy, in.SortOrder == "desc")
	page, next, err := f.page(scope, list, offset, int(deref64(in.MaxResults, 100)))
	if err != nil {
		return nil, err
	}
	out := &ListSecretsOutput{SecretList: []*SecretDescription{}, NextToken: next}
	for _, s := range page {
		d := f.describe(s)
		d.SecretVersionsToStages = stagesOf(s)
		out.SecretList = append(out.SecretList, d)
	}
	return out, nil
}

// validateFilters checks filter keys and values as AWS does and returns them for the store.
func validateFilters(in []Filter) ([]secrets.Filter, error) {
	var out []secrets.Filter
	for i, flt := range in {
		if flt.Key == nil {
			return nil, invalid("Invalid filter key")
		}
		switch *flt.Key {
		case secrets.FilterDescription, secrets.FilterName, secrets.FilterTagKey, secrets.FilterTagValue,
			secrets.FilterPrimaryRegion, secrets.FilterOwningService, secrets.FilterAll:
		default:
			return nil, awsapi.Errorf(400, "ValidationException", "1 validation error detected: Value '%s' at 'filters.%d.member.key' failed to satisfy constraint: Member must satisfy enum value set: [all, name, tag-key, description, tag-value]", *flt.Key, i+1)
		}
		if flt.Values == nil {
			return nil, invalid("Invalid filter values for key: " + *flt.Key)
		}
		out = append(out, secrets.Filter{Key: *flt.Key, Values: flt.Values})
	}
	return out, nil
}

// sortSecrets orders a listing by the SortBy key (creation date by default), then by name.
func sortSecrets(list []*secrets.Secret, by string, desc bool) {
	key := func(s *secrets.Secret) time.Time {
		switch by {
		case "last-accessed-date":
			if s.AccessedAt == nil {
				return time.Time{}
			}
			return *s.AccessedAt
		case "last-changed-date":
			return s.UpdatedAt
		case "name":
			return time.Time{}
		}
		return s.CreatedAt
	}
	slices.SortStableFunc(list, func(a, b *secrets.Secret) int {
		c := key(a).Compare(key(b))
		if c == 0 {
			c = cmp.Compare(a.Name, b.Name)
		}
		if desc {
			return -c
		}
		return c
	})
}

func listScope(acct, op string, filters []secrets.Filter, deleted bool, by, order string) string {
	b, _ := json.Marshal(filters)
	return acct + "/" + op + "/" + string(b) + "/" + strconv.FormatBool(deleted) + "/" + by + "/" + order
}

func (f *Facade) decodeOffset(scope string, token *string) (int, error) {
	if token == nil {
		return 0, nil
	}
	var cur listCursor
	if err := f.Tokens.Decode(scope, *token, &cur); err != nil || cur.Offset < 0 {
		return 0, awsapi.Errorf(400, "InvalidNextTokenException", "Invalid NextToken.")
	}
	return cur.Offset, nil
}

// page cuts one page of limit items at offset and returns the next page's token, if any.
func (f *Facade) page(scope string, list []*secrets.Secret, offset, limit int) ([]*secrets.Secret, string, error) {
	if offset > len(list) {
		offset = len(list)
	}
	end := min(offset+limit, len(list))
	if end == len(list) {
		return list[offset:end], "", nil
	}
	tok, err := f.Tokens.Encode(scope, listCursor{Offset: end})
	return list[offset:end], tok, err
}

// BatchGetSecretValueInput is the BatchGetSecretValue request.
type BatchGetSecretValueInput struct {
	SecretIdList []string `aws:"count=1:20,item.len=1:2048"`
	Filters      []Filter `aws:"count=0:10"`
	MaxResults   *int64   `aws:"range=1:20"`
	NextToken    *string  `aws:"len=1:4096"`
}

// SecretValueEntry is one value of a BatchGetSecretValue response.
type SecretValueEntry struct {
	ARN           string
	Name          string
	VersionId     string
	SecretString  *string `json:",omitempty"`
	SecretBinary  []byte  `json:",omitempty"`
	VersionStages []string
	CreatedDate   awsapi.EpochSeconds
}

// APIError is a secret BatchGetSecretValue could not read.
type APIError struct {
	SecretId  string
	ErrorCode string
	Message   string
}

// BatchGetSecretValueOutput is the BatchGetSecretValue response.
type BatchGetSecretValueOutput struct {
	SecretValues []SecretValueEntry
	Errors       []APIError
	NextToken    string `json:",omitempty"`
}

// BatchGetSecretValue reads the current values of up to 20 secrets named in SecretIdList, each
// failure reported in Errors, or of the secrets Filters select, in pages.
func (f *Facade) BatchGetSecretValue(ctx context.Context, in *BatchGetSecretValueInput) (*BatchGetSecretValueOutput, error) {
	if (in.SecretIdList == nil) == (in.Filters == nil) {
		return nil, invalid("Either 'SecretIdList' or 'Filters' must be provided, but not both.")
	}
	if in.MaxResults != nil && in.Filters == nil {
		return nil, invalid("'Filters' not specified. 'Filters' must also be specified when 'MaxResults' is provided.")
	}
	acct := callerScope(ctx)
	out := &BatchGetSecretValueOutput{SecretValues: []SecretValueEntry{}, Errors: []APIError{}}
	ids := in.SecretIdList
	if in.Filters != nil {
		filters, err := validateFilters(in.Filters)
		if err != nil {
			return nil, err
		}
		scope := listScope(acct.String(), "BatchGetSecretValue", filters, false, "", "")
		offset, err := f.decodeOffset(scope, in.NextToken)
		if err != nil {
			return nil, err
		}
		list, err := f.Secrets.Query(ctx, acct, filters, false)
		if err != nil {
			return nil, mapError(err)
		}
		sortSecrets(list, "", false)
		page, next, err := f.page(scope, list, offset, int(deref64(in.MaxResults, 20)))
		if err != nil {
			return nil, err
		}
		out.NextToken, ids = next, nil
		for _, s := range page {
			ids = append(ids, s.ARN)
		}
	}
	for _, id := range ids {
		sec, ver, val, err := f.Secrets.GetValue(ctx, acct, id, "", "")
		var ae *awsapi.Error
		switch {
		case err == nil:
			out.SecretValues = append(out.SecretValues, SecretValueEntry{ARN: sec.ARN, Name: sec.Name, VersionId: ver.ID,
				SecretString: val.String, SecretBinary: val.Binary, VersionStages: ver.Stages, CreatedDate: awsapi.EpochSeconds(ver.CreatedAt)})
		case errors.As(mapError(err), &ae):
			out.Errors = append(out.Errors, APIError{SecretId: id, ErrorCode: ae.Code, Message: ae.Message})
		default:
			return nil, err
		}
	}
	return out, nil
}

func deref64(p *int64, def int64) int64 {
	if p == nil {
		return def
	}
	return *p
}
