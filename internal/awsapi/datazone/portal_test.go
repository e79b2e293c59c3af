package datazone

import (
	"testing"

	"github.com/surveyorhq/surveyor/internal/scope"
)

// A domain's portalUrl is the console when the server has one; otherwise it is the address AWS
// gives a domain, in the domain's own region (not the server's default).
func TestPortalURL(t *testing.T) {
	west := scope.Scope{Account: "123456789012", Region: "eu-west-1"}
	for _, tc := range []struct {
		name   string
		facade Facade
		want   string
	}{
		{"no console", Facade{}, "https://dzd_abc.datazone.eu-west-1.on.aws"},
		{"console not listening yet", Facade{PortalURL: func(string) string { return "" }}, "https://dzd_abc.datazone.eu-west-1.on.aws"},
		{"console", Facade{PortalURL: func(string) string { return "http://127.0.0.1:4566/console/" }}, "http://127.0.0.1:4566/console/"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.facade.portalURL(west, "dzd_abc"); got != tc.want {
				t.Errorf("portalURL = %q, want %q", got, tc.want)
			}
		})
	}
}
