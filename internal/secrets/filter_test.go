package secrets_test

import (
	"testing"

	"github.com/surveyorhq/surveyor/internal/secrets"
)

func TestFilterMatches(t *testing.T) {
	db := &secrets.Secret{Name: "prod/OrdersDb", Description: "Orders database, one and two",
		Tags: []secrets.Tag{{Key: "team", Value: "Data"}, {Key: "env", Value: "prod"}}}
	bare := &secrets.Secret{Name: "tmp"}
	for _, tc := range []struct {
		key    string
		values []string
		sec    *secrets.Secret
		want   bool
	}{
		{"name", []string{"prod/"}, db, true},
		{"name", []string{"Prod/"}, db, false}, // case-sensitive
		{"name", []string{"x", "prod/Or"}, db, true},
		{"name", []string{"!prod/"}, db, false},
		{"name", []string{"!prod/"}, bare, true},
		{"description", []string{"orders"}, db, true}, // not case-sensitive
		{"description", []string{"one two"}, db, true},
		{"description", []string{"one three"}, db, false},
		{"description", []string{"data"}, db, true}, // word prefix of "database"
		{"description", []string{"rders"}, db, false},
		{"description", []string{"x"}, bare, false},
		{"description", []string{"!x"}, bare, true},
		{"tag-key", []string{"te"}, db, true},
		{"tag-key", []string{"!env"}, db, false},
		{"tag-key", []string{"!env"}, bare, true},
		{"tag-value", []string{"Da"}, db, true},
		{"tag-value", []string{"da"}, db, false},
		{"all", []string{"orders"}, db, true}, // name word "Orders" of "OrdersDb"
		{"all", []string{"DATA"}, db, true},
		{"all", []string{"nothing"}, db, false},
		{"primary-region", []string{"us-"}, db, false},
		{"owning-service", []string{"rds"}, db, false},
		{"owning-service", []string{"!rds"}, db, true},
	} {
		f := secrets.Filter{Key: tc.key, Values: tc.values}
		if got := f.Matches(tc.sec); got != tc.want {
			t.Errorf("%s %v on %s = %v, want %v", tc.key, tc.values, tc.sec.Name, got, tc.want)
		}
	}
}
