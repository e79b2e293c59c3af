package secrets

import (
	"context"
	"slices"
	"strings"
	"unicode"

	"github.com/surveyorhq/surveyor/internal/scope"
)

// Filter keys of ListSecrets and BatchGetSecretValue.
const (
	FilterDescription   = "description"
	FilterName          = "name"
	FilterTagKey        = "tag-key"
	FilterTagValue      = "tag-value"
	FilterPrimaryRegion = "primary-region"
	FilterOwningService = "owning-service"
	FilterAll           = "all"
)

// Filter selects secrets as a ListSecrets filter does: a secret matches when any of Values
// matches; a value starting with "!" matches when its rest does not. Filters combine with AND.
//
//   - name, tag-key, tag-value, primary-region, owning-service: prefix match, case-sensitive.
//   - description: every word of the value starts a word of the description, not case-sensitive.
//   - all: as description, over the name, description, tag keys and tag values.
//
// primary-region matches a replicated secret's PrimaryRegion (the primary and its replicas);
// a secret that is not replicated has none. Secrets created here have no owning service, so
// owning-service matches only negated.
type Filter struct {
	Key    string
	Values []string
}

// Query returns the account's secrets that match every filter, those scheduled for deletion
// only when includeDeleted, ordered by name.
func (s *Service) Query(ctx context.Context, sc scope.Scope, filters []Filter, includeDeleted bool) ([]*Secret, error) {
	all, _, err := s.List(ctx, sc, ListInput{IncludeDeleted: includeDeleted, Limit: 1 << 30})
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(all, func(sec *Secret) bool { return !MatchesAll(sec, filters) }), nil
}

// MatchesAll reports whether sec matches every filter.
func MatchesAll(sec *Secret, filters []Filter) bool {
	for _, f := range filters {
		if !f.Matches(sec) {
			return false
		}
	}
	return true
}

// Matches reports whether sec matches f.
func (f Filter) Matches(sec *Secret) bool {
	attrs, words := f.attributes(sec)
	for _, v := range f.Values {
		negated := strings.HasPrefix(v, "!")
		if negated {
			v = v[1:]
		}
		hit := slices.ContainsFunc(attrs, func(a string) bool {
			if words {
				return wordsMatch(v, a)
			}
			return strings.HasPrefix(a, v)
		})
		if hit != negated {
			return true
		}
	}
	return false
}

// attributes returns what f's key looks at, and whether it matches by words.
func (f Filter) attributes(sec *Secret) ([]string, bool) {
	var keys, values []string
	for _, t := range sec.Tags {
		keys, values = append(keys, t.Key), append(values, t.Value)
	}
	switch f.Key {
	case FilterName:
		return []string{sec.Name}, false
	case FilterDescription:
		return nonEmpty(sec.Description), true
	case FilterTagKey:
		return keys, false
	case FilterTagValue:
		return values, false
	case FilterPrimaryRegion:
		return nonEmpty(sec.PrimaryRegion), false
	case FilterAll:
		return slices.Concat([]string{sec.Name}, nonEmpty(sec.Description), keys, values), true
	}
	return nil, false // owning-service: no secret here belongs to a service
}

func nonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

// wordsMatch reports whether every word of pattern starts some word of value, ignoring case.
func wordsMatch(pattern, value string) bool {
	pw, vw := splitWords(pattern), splitWords(value)
	if len(pw) == 0 {
		return false
	}
	for _, p := range pw {
		if !slices.ContainsFunc(vw, func(w string) bool { return strings.HasPrefix(w, p) }) {
			return false
		}
	}
	return true
}

// splitWords breaks s into lower-cased words at spaces, the name punctuation /_+=.@- and
// lower-to-upper case changes ("myDbPassword" → my, db, password).
func splitWords(s string) []string {
	var (
		words []string
		cur   []rune
		prev  rune
	)
	flush := func() {
		if len(cur) > 0 {
			words = append(words, strings.ToLower(string(cur)))
			cur = nil
		}
	}
	for _, r := range s {
		switch {
		case unicode.IsSpace(r) || strings.ContainsRune("/_+=.@-:", r):
			flush()
		case unicode.IsUpper(r) && unicode.IsLower(prev):
			flush()
			cur = append(cur, r)
		default:
			cur = append(cur, r)
		}
		prev = r
	}
	flush()
	return words
}
