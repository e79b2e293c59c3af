package files

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/surveyorhq/surveyor/internal/connector"
	"github.com/surveyorhq/surveyor/internal/outbound"
)

// The attack: an S3 endpoint that is any web server answering 200 read as an empty bucket (a
// success), so a source could probe the network. An answer that is not an S3 list document is
// an error saying so, for a discovery and for a connection test.
func TestEndpointMustSpeakS3(t *testing.T) {
	for _, tc := range []struct {
		name, contentType, body string
	}{
		{"plain text", "text/plain", "OK"},
		{"html", "text/html", "<html><body>Welcome to nginx!</body></html>"},
		{"empty", "", ""},
		{"other xml", "application/xml", `<?xml version="1.0"?><Error><Code>X</Code></Error>`},
		{"json", "application/json", `{"Contents":[]}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var hits atomic.Int64
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				hits.Add(1)
				if tc.contentType != "" {
					w.Header().Set("Content-Type", tc.contentType)
				}
				_, _ = w.Write([]byte(tc.body))
			}))
			defer srv.Close()
			src := connector.Source{Engine: connector.Files, Path: "s3://bucket/prefix", User: "AKID", Password: "s3cr3t-key",
				Params: map[string]string{ParamEndpoint: srv.URL, ParamPathStyle: "true"}}
			_, err := New().Discover(context.Background(), src, connector.Options{})
			var notS3 *NotS3Error
			if !errors.As(err, &notS3) || connector.KindOf(err) != connector.Unsupported {
				t.Fatalf("Discover = %v (kind %s), want a *NotS3Error, unsupported", err, connector.KindOf(err))
			}
			if hits.Load() == 0 {
				t.Fatal("the server was never asked: the test shows nothing")
			}
			msg := err.Error()
			if !strings.Contains(msg, "is not an S3-compatible store") || !strings.Contains(msg, srv.URL) || strings.Contains(msg, "s3cr3t-key") {
				t.Errorf("message = %q", msg)
			}
			if err := New().Ping(context.Background(), src, connector.Options{}); !errors.As(err, &notS3) {
				t.Errorf("Ping = %v, want a *NotS3Error", err)
			}
		})
	}
}

func TestIsListBucketResult(t *testing.T) {
	for body, want := range map[string]bool{
		`<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">`: true,
		`<ListBucketResult><Name>b</Name>`: true,
		"\ufeff  <ListBucketResult>":       true,
		`<?xml version="1.0"?><Error>`:     false,
		`<html><ListBucketResult>`:         false,
		``:                                 false,
	} {
		if got := isListBucketResult([]byte(body)); got != want {
			t.Errorf("isListBucketResult(%q) = %v, want %v", body, got, want)
		}
	}
}

// An endpoint URL with a user name and password is refused before anything is dialled, and
// the message shows neither.
func TestEndpointWithUserInfoRefused(t *testing.T) {
	for _, tc := range []struct{ endpoint, want string }{
		{"http://admin:hunter2@127.0.0.1:9000", "the S3 endpoint http://127.0.0.1:9000 holds a user name or password"},
		{"https://admin@minio.example", "the S3 endpoint https://minio.example holds a user name or password"},
		{"ftp://minio.example", "must be an http:// or https:// URL"},
		{"http://", "has no host"},
		{"http://admin:hunter2@[::1", "not a valid URL"},
	} {
		t.Run(tc.endpoint, func(t *testing.T) {
			src := connector.Source{Engine: connector.Files, Path: "s3://bucket", Params: map[string]string{ParamEndpoint: tc.endpoint}}
			_, err := New().Discover(context.Background(), src, connector.Options{})
			if connector.KindOf(err) != connector.Unsupported || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Discover = %v, want unsupported: %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "hunter2") || strings.Contains(err.Error(), "admin") {
				t.Errorf("the message shows the user info: %v", err)
			}
		})
	}
}

// The S3 client dials through the outbound policy: an endpoint on a denied address is refused,
// and the server never sees a request.
func TestEndpointThroughThePolicy(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer srv.Close()
	policy, _ := outbound.New(nil, []string{"loopback"}, false)
	for _, endpoint := range []string{srv.URL, strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)} {
		src := connector.Source{Engine: connector.Files, Path: "s3://bucket", Params: map[string]string{ParamEndpoint: endpoint, ParamPathStyle: "true"}}
		_, err := New().Discover(context.Background(), src, connector.Options{Outbound: policy})
		if !outbound.IsRefused(err) || connector.KindOf(err) != connector.PermissionDenied || !strings.Contains(err.Error(), "--deny-hosts loopback") {
			t.Errorf("Discover via %s = %v (kind %s), want refused, permission denied", endpoint, err, connector.KindOf(err))
		}
	}
	if hits.Load() != 0 {
		t.Fatal("the endpoint was reached")
	}
}

// Through an HTTP proxy (HTTPS_PROXY), the proxy connects to the endpoint, not this process:
// the endpoint's host is checked before the request leaves, and a denied one never reaches the
// proxy.
func TestProxiedEndpointChecked(t *testing.T) {
	var proxied atomic.Int64
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { proxied.Add(1) }))
	defer proxy.Close()
	policy, _ := outbound.New(nil, []string{"metadata"}, false)
	st := &settings{}
	client := st.httpClient(connector.Options{Outbound: policy}.WithDefaults())
	tr := client.Transport.(*s3Transport)
	tr.next.Proxy = func(*http.Request) (*url.URL, error) { return url.Parse(proxy.URL) }
	_, err := client.Get("http://169.254.169.254/latest/meta-data/")
	if !outbound.IsRefused(err) {
		t.Fatalf("GET through the proxy = %v, want refused", err)
	}
	if proxied.Load() != 0 {
		t.Fatal("the proxy was asked")
	}
	resp, err := client.Get("http://192.0.2.1/bucket?list-type=2")
	if err == nil {
		resp.Body.Close()
	}
	if proxied.Load() != 1 {
		t.Fatalf("an allowed host did not go through the proxy (%v)", err)
	}
}
