package awsapi

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestSignedBySDKSigner drives golden requests signed by aws-sdk-go-v2's v4.Signer through a
// real HTTP server: each must be accepted and routed with its labels and query decoded.
func TestSignedBySDKSigner(t *testing.T) {
	srv := newServer(t, newTestHandler(t))
	now := time.Now().UTC()
	for _, tc := range []struct {
		name      string
		method    string
		path      string // escaped, with query
		body      string
		wantOp    string
		wantLabel map[string]string
		wantQuery map[string][]string
	}{
		{"plain path", "GET", "/echo/a/b", "", "Echo", map[string]string{"a": "a", "rest": "b"}, nil},
		{"space in segment", "GET", "/echo/a%20b/c%20d", "", "Echo", map[string]string{"a": "a b", "rest": "c d"}, nil},
		{"escaped slash stays in one label", "GET", "/v1/tags/arn%3Aaws%3Aappsync%3Aus-east-1%3A123456789012%3Aapis%2Fx", "",
			"ListTagsForResource", map[string]string{"resourceArn": "arn:aws:appsync:us-east-1:123456789012:apis/x"}, nil},
		{"unicode", "GET", "/echo/caf%C3%A9/%E6%97%A5%E6%9C%AC", "", "Echo", map[string]string{"a": "café", "rest": "日本"}, nil},
		{"greedy label spans segments", "GET", "/echo/x/y/z%2Fw", "", "Echo", map[string]string{"a": "x", "rest": "y/z/w"}, nil},
		{"literal beats label", "GET", "/echo/fixed/q", "", "EchoFixed", map[string]string{"rest": "q"}, nil},
		{"repeated query keys", "DELETE", "/v1/tags/arn?tagKeys=b&tagKeys=a&tagKeys=a%20c", "", "UntagResource",
			map[string]string{"resourceArn": "arn"}, map[string][]string{"tagKeys": {"a", "a c", "b"}}}, // the signer sorts the wire query
		{"empty query value", "GET", "/echo/a/b?x=&y=1&z", "", "Echo", map[string]string{"a": "a", "rest": "b"},
			map[string][]string{"x": {""}, "y": {"1"}, "z": {""}}},
		{"reserved characters in query", "GET", "/echo/a/b?k=a%2Fb%2Bc%3D%26&k2=%7E-_.", "", "Echo", map[string]string{"a": "a", "rest": "b"},
			map[string][]string{"k": {"a/b+c=&"}, "k2": {"~-_."}}},
		{"body", "POST", "/echo/a/b", `{"hello":"wörld"}`, "EchoPost", map[string]string{"a": "a", "rest": "b"}, nil},
		{"sub-delims in path", "GET", "/echo/a!'()*/b$&+,;=@:", "", "Echo", map[string]string{"a": "a!'()*", "rest": "b$&+,;=@:"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := signedRequest(t, tc.method, srv.URL+tc.path, []byte(tc.body), "appsync", testSecret, now,
				map[string]string{"Content-Type": "application/json"})
			status, hdr, body := do(t, req)
			if status != 200 {
				t.Fatalf("status %d, body %s", status, body)
			}
			if hdr.Get("x-amzn-RequestId") == "" {
				t.Error("no x-amzn-RequestId")
			}
			var got struct {
				Operation string
				Labels    map[string]string
				Query     map[string][]string
				Body      string
			}
			if err := json.Unmarshal([]byte(body), &got); err != nil {
				t.Fatal(err)
			}
			if got.Operation != tc.wantOp {
				t.Errorf("operation %q, want %q", got.Operation, tc.wantOp)
			}
			for k, v := range tc.wantLabel {
				if got.Labels[k] != v {
					t.Errorf("label %s = %q, want %q", k, got.Labels[k], v)
				}
			}
			for k, v := range tc.wantQuery {
				if strings.Join(got.Query[k], "|") != strings.Join(v, "|") {
					t.Errorf("query %s = %q, want %q", k, got.Query[k], v)
				}
			}
			if got.Body != tc.body {
				t.Errorf("body %q, want %q", got.Body, tc.body)
			}
		})
	}
}

// TestRejectedRequests checks each way a request can fail authentication, with the code,
// status and message a client would see.
func TestRejectedRequests(t *testing.T) {
	h := newTestHandler(t)
	srv := newServer(t, h)
	now := time.Now().UTC()
	ok := func() *http.Request {
		return signedRequest(t, "GET", srv.URL+"/echo/a/b", nil, "appsync", testSecret, now, nil)
	}
	for _, tc := range []struct {
		name       string
		req        func() *http.Request
		wantStatus int
		wantCode   string
		wantMsg    string
	}{
		{"control: a good request passes", ok, 200, "", ""},
		{"wrong secret", func() *http.Request {
			return signedRequest(t, "GET", srv.URL+"/echo/a/b", nil, "appsync", "not-the-secret", now, nil)
		}, 403, "InvalidSignatureException", "The request signature we calculated does not match"},
		{"unknown key", func() *http.Request {
			r := ok()
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), testAKID, "AKIAUNKNOWN000000000", 1))
			return r
		}, 403, "UnrecognizedClientException", "The security token included in the request is invalid."},
		{"signed 20 minutes ago", func() *http.Request {
			return signedRequest(t, "GET", srv.URL+"/echo/a/b", nil, "appsync", testSecret, now.Add(-20*time.Minute), nil)
		}, 403, "InvalidSignatureException", "Signature expired: "},
		{"signed 20 minutes ahead", func() *http.Request {
			return signedRequest(t, "GET", srv.URL+"/echo/a/b", nil, "appsync", testSecret, now.Add(20*time.Minute), nil)
		}, 403, "InvalidSignatureException", "Signature not yet current: "},
		{"no Authorization header", func() *http.Request {
			r := ok()
			r.Header.Del("Authorization")
			return r
		}, 403, "MissingAuthenticationTokenException", "Missing Authentication Token"},
		{"tampered body", func() *http.Request {
			r := signedRequest(t, "POST", srv.URL+"/echo/a/b", []byte(`{"a":1}`), "appsync", testSecret, now, nil)
			r2 := signedRequest(t, "POST", srv.URL+"/echo/a/b", []byte(`{"a":2}`), "appsync", testSecret, now, nil)
			r2.Header = r.Header
			return r2
		}, 403, "InvalidSignatureException", "The request signature we calculated does not match"},
		{"tampered path", func() *http.Request {
			r := ok()
			r.URL.Path = "/echo/a/c"
			return r
		}, 403, "InvalidSignatureException", "does not match"},
		{"query reordered after signing still verifies", func() *http.Request {
			r := signedRequest(t, "GET", srv.URL+"/echo/a/b?b=2&a=1&a=0", nil, "appsync", testSecret, now, nil)
			r.URL.RawQuery = "a=1&b=2&a=0"
			return r
		}, 200, "", ""},
		{"tampered query", func() *http.Request {
			r := ok()
			r.URL.RawQuery = "x=1"
			return r
		}, 403, "InvalidSignatureException", "does not match"},
		{"content hash header disagrees with body", func() *http.Request {
			return signedRequest(t, "GET", srv.URL+"/echo/a/b", nil, "appsync", testSecret, now,
				map[string]string{"X-Amz-Content-Sha256": strings.Repeat("0", 64)})
		}, 403, "InvalidSignatureException", "x-amz-content-sha256"},
		{"unsigned security token", func() *http.Request {
			r := ok()
			r.Header.Set("X-Amz-Security-Token", "tok")
			return r
		}, 403, "IncompleteSignatureException", "headers present in the request which were not signed: x-amz-security-token"},
		{"unsigned X-Amz-Target: a captured request re-targeted", func() *http.Request {
			// Signed over content-type;host;x-amz-date only, then given a target: the target could
			// be changed at will without breaking the signature.
			r := signedRequest(t, "POST", srv.URL+"/", []byte("{}"), "dms", testSecret, now,
				map[string]string{"Content-Type": "application/x-amz-json-1.1"})
			r.Header.Set("X-Amz-Target", "AmazonDMSv20160101.DescribeSchemas")
			return r
		}, 400, "IncompleteSignatureException", "not signed: x-amz-target"},
		{"any unsigned x-amz-* header", func() *http.Request {
			r := ok()
			r.Header.Set("X-Amz-Meta-Foo", "1")
			r.Header.Set("x-amz-apigw-id", "2")
			return r
		}, 403, "IncompleteSignatureException", "not signed: x-amz-apigw-id, x-amz-meta-foo"},
		{"unsigned x-amzn-trace-id is not an x-amz-* header", func() *http.Request {
			r := ok()
			r.Header.Set("X-Amzn-Trace-Id", "Root=1-5759e988-bd862e3fe1be46a994272793")
			return r
		}, 200, "", ""},
		{"signed X-Amz-Target reaches the operation", func() *http.Request {
			return signedRequest(t, "POST", srv.URL+"/", []byte("{}"), "dms", testSecret, now,
				map[string]string{"X-Amz-Target": "AmazonDMSv20160101.DescribeSchemas", "Content-Type": "application/x-amz-json-1.1"})
		}, 400, "InvalidParameterValueException", "'EndpointArn' failed to satisfy constraint"},
		{"credential date differs from X-Amz-Date", func() *http.Request {
			r := ok()
			r.Header.Set("X-Amz-Date", now.Add(-24*time.Hour).Format(amzDateFormat))
			return r
		}, 403, "InvalidSignatureException", "Date in Credential scope does not match"},
		{"unknown service in scope", func() *http.Request {
			return signedRequest(t, "GET", srv.URL+"/echo/a/b", nil, "s3", testSecret, now, nil)
		}, 403, "InvalidSignatureException", "'s3' is not served here"},
		{"awsJson service answers auth failures with 400", func() *http.Request {
			return signedRequest(t, "POST", srv.URL+"/", []byte("{}"), "dms", "not-the-secret", now,
				map[string]string{"X-Amz-Target": "AmazonDMSv20160101.DescribeSchemas", "Content-Type": "application/x-amz-json-1.1"})
		}, 400, "InvalidSignatureException", "does not match"},
		{"malformed Authorization", func() *http.Request {
			r := ok()
			r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=x")
			return r
		}, 403, "IncompleteSignatureException", "requires 'Signature' parameter"},
		{"body over the limit", func() *http.Request {
			return signedRequest(t, "POST", srv.URL+"/echo/a/b", make([]byte, DefaultMaxBody+1), "appsync", testSecret, now, nil)
		}, 413, "RequestEntityTooLargeException", "must not be larger than 1048576 bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, hdr, body := do(t, tc.req())
			if status != tc.wantStatus {
				t.Fatalf("status %d, want %d; body %s", status, tc.wantStatus, body)
			}
			if hdr.Get("x-amzn-RequestId") == "" {
				t.Error("no x-amzn-RequestId")
			}
			if tc.wantCode == "" {
				return
			}
			var e map[string]any
			if err := json.Unmarshal([]byte(body), &e); err != nil {
				t.Fatalf("body %q: %v", body, err)
			}
			if e["__type"] != tc.wantCode || hdr.Get("X-Amzn-ErrorType") != tc.wantCode {
				t.Errorf("code %v / header %q, want %s", e["__type"], hdr.Get("X-Amzn-ErrorType"), tc.wantCode)
			}
			if msg, _ := e["message"].(string); !strings.Contains(msg, tc.wantMsg) {
				t.Errorf("message %q, want it to contain %q", msg, tc.wantMsg)
			}
		})
	}
}

func TestParseAuthorization(t *testing.T) {
	sig := strings.Repeat("ab", 32)
	for _, tc := range []struct {
		name, header string
		want         Authorization
		errCode      string
		errMsg       string
	}{
		{"SDK form", "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/dms/aws4_request, SignedHeaders=host;x-amz-date, Signature=" + sig,
			Authorization{AccessKeyID: "AKID", Date: "20240101", Region: "us-east-1", Service: "dms",
				SignedHeaders: []string{"host", "x-amz-date"}, Signature: sig}, "", ""},
		{"no spaces after commas", "AWS4-HMAC-SHA256 Credential=AKID/20240101/eu-west-1/app-integrations/aws4_request,SignedHeaders=host;x-amz-date,Signature=" + sig,
			Authorization{AccessKeyID: "AKID", Date: "20240101", Region: "eu-west-1", Service: "app-integrations",
				SignedHeaders: []string{"host", "x-amz-date"}, Signature: sig}, "", ""},
		{"other algorithm", "AWS AKID:sig", Authorization{}, CodeIncompleteSignature, "algorithm"},
		{"missing signature", "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/dms/aws4_request, SignedHeaders=host;x-amz-date",
			Authorization{}, CodeIncompleteSignature, "Authorization header requires 'Signature' parameter."},
		{"four-part credential", "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/aws4_request, SignedHeaders=host;x-amz-date, Signature=" + sig,
			Authorization{}, CodeIncompleteSignature, "exactly 5 slash-delimited elements"},
		{"bad terminator", "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/dms/aws5_request, SignedHeaders=host;x-amz-date, Signature=" + sig,
			Authorization{}, CodeInvalidSignature, "valid terminator"},
		{"host not signed", "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/dms/aws4_request, SignedHeaders=x-amz-date, Signature=" + sig,
			Authorization{}, CodeInvalidSignature, "'host' and 'x-amz-date' headers must be signed"},
		{"upper-case signature", "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/dms/aws4_request, SignedHeaders=host;x-amz-date, Signature=" + strings.ToUpper(sig),
			Authorization{}, CodeIncompleteSignature, "64 lower-case"},
		{"bad date", "AWS4-HMAC-SHA256 Credential=AKID/2024-01-01/us-east-1/dms/aws4_request, SignedHeaders=host;x-amz-date, Signature=" + sig,
			Authorization{}, CodeIncompleteSignature, "invalid date"},
		{"repeated component", "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/dms/aws4_request, Credential=AKID/20240101/us-east-1/dms/aws4_request, SignedHeaders=host;x-amz-date, Signature=" + sig,
			Authorization{}, CodeIncompleteSignature, "repeats"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseAuthorization(tc.header)
			if tc.errCode != "" {
				e, ok := err.(*Error)
				if !ok || e.Code != tc.errCode || !strings.Contains(e.Message, tc.errMsg) {
					t.Fatalf("error %v, want %s containing %q", err, tc.errCode, tc.errMsg)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(got.SignedHeaders, ";") != strings.Join(tc.want.SignedHeaders, ";") ||
				got.AccessKeyID != tc.want.AccessKeyID || got.Date != tc.want.Date || got.Region != tc.want.Region ||
				got.Service != tc.want.Service || got.Signature != tc.want.Signature {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}
