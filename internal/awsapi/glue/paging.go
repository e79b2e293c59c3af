package glue

import (
	"context"

	"github.com/surveyorhq/surveyor/internal/gluecatalog"
)

// cursor is what a NextToken holds: the position after which the next page starts.
type cursor struct {
	After  string `json:"a"`
	Before int64  `json:"b,omitempty"`
}

// tokenScope binds a token to the caller's scope, the operation and what the listing is over
// (database, table, expression...), so a token replayed elsewhere is refused.
func tokenScope(sc gluecatalog.Scope, op string, over ...string) string {
	s := sc.Account + "/" + sc.Region + "/" + op
	for _, o := range over {
		s += "\x00" + o
	}
	return s
}

// decodeToken reads token (empty = first page) into a cursor.
func (f *Facade) decodeToken(ctx context.Context, scope, token string) (cursor, error) {
	var c cursor
	if token == "" {
		return c, nil
	}
	err := f.Tokens.Decode(scope, token, &c)
	return c, awsError(err)
}

// nextToken returns the token of the page after c, or "" when more is false.
func (f *Facade) nextToken(scope string, more bool, c cursor) (string, error) {
	if !more {
		return "", nil
	}
	return f.Tokens.Encode(scope, c)
}

// pageSize is MaxResults, or def when absent.
func pageSize(max *int32, def int) int {
	if max == nil {
		return def
	}
	return int(*max)
}
