package awsapi

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// serve signs a request with the SDK signer and runs it through h in memory.
func serve(t testing.TB, h http.Handler, method, path, service string, body string, hdr map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	req := signedRequest(t, method, "http://surveyor.local"+path, []byte(body), service, testSecret, time.Now(), hdr)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func errorOf(t testing.TB, rec *httptest.ResponseRecorder) (code, message string) {
	t.Helper()
	var e map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil {
		t.Fatalf("body %q: %v", rec.Body.String(), err)
	}
	code, _ = e["__type"].(string)
	if h := rec.Header().Get("X-Amzn-ErrorType"); h != code {
		t.Errorf("X-Amzn-ErrorType %q, __type %q", h, code)
	}
	message, _ = e["message"].(string)
	if m, ok := e["Message"].(string); ok {
		message = m
	}
	return code, message
}

func TestJSONProtocol(t *testing.T) {
	h := newTestHandler(t)
	dmsHdr := func(target string) map[string]string {
		m := map[string]string{"Content-Type": "application/x-amz-json-1.1"}
		if target != "" {
			m["X-Amz-Target"] = target
		}
		return m
	}
	for _, tc := range []struct {
		name, method, path, target, body string
		wantStatus                       int
		wantCode, wantMsg                string
	}{
		{"empty body is {}", "POST", "/", "AmazonDMSv20160101.DescribeSchemas", "", 400, "InvalidParameterValueException", "Value null at 'EndpointArn' failed to satisfy constraint: Member must not be null"},
		{"malformed JSON", "POST", "/", "AmazonDMSv20160101.DescribeSchemas", `{"EndpointArn":`, 400, "SerializationException", "not valid JSON"},
		{"member of the wrong type", "POST", "/", "AmazonDMSv20160101.DescribeSchemas", `{"EndpointArn":"a","MaxRecords":"many"}`, 400, "SerializationException", "Value at 'MaxRecords' must be of type integer"},
		{"body not an object", "POST", "/", "AmazonDMSv20160101.DescribeSchemas", `[1]`, 400, "SerializationException", "must be a JSON object"},
		{"trailing data", "POST", "/", "AmazonDMSv20160101.DescribeSchemas", `{} {}`, 400, "SerializationException", "one JSON object"},
		{"unknown operation", "POST", "/", "AmazonDMSv20160101.DropEverything", `{}`, 400, "UnknownOperationException", "AmazonDMSv20160101.DropEverything"},
		{"wrong target prefix", "POST", "/", "secretsmanager.DescribeSchemas", `{}`, 400, "UnknownOperationException", "secretsmanager.DescribeSchemas"},
		{"missing target", "POST", "/", "", `{}`, 400, "UnknownOperationException", "Missing X-Amz-Target"},
		{"GET is not awsJson", "GET", "/", "AmazonDMSv20160101.DescribeSchemas", ``, 404, "UnknownOperationException", "POST /"},
		{"success", "POST", "/", "AmazonDMSv20160101.DescribeSchemas", `{"EndpointArn":"arn:aws:dms:us-east-1:123456789012:endpoint:KNOWN"}`, 200, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := serve(t, h, tc.method, tc.path, "dms", tc.body, dmsHdr(tc.target))
			if rec.Code != tc.wantStatus {
				t.Fatalf("status %d, want %d: %s", rec.Code, tc.wantStatus, rec.Body)
			}
			if tc.wantCode == "" {
				if got := rec.Body.String(); got != `{"Schemas":["public","sales"]}` {
					t.Errorf("body %s", got)
				}
				if ct := rec.Header().Get("Content-Type"); ct != "application/x-amz-json-1.1" {
					t.Errorf("content-type %q", ct)
				}
				return
			}
			code, msg := errorOf(t, rec)
			if code != tc.wantCode || !strings.Contains(msg, tc.wantMsg) {
				t.Errorf("got %s %q, want %s containing %q", code, msg, tc.wantCode, tc.wantMsg)
			}
		})
	}
}

func TestRESTProtocol(t *testing.T) {
	h := newTestHandler(t)
	for _, tc := range []struct {
		name, method, path, body string
		wantStatus               int
		wantCode, wantMsg        string
	}{
		{"unknown path", "GET", "/v2/nothing", "", 404, "UnknownOperationException", "GET /v2/nothing"},
		{"known path, wrong method", "PUT", "/v1/tags/x", "", 405, "MethodNotAllowedException", "PUT"},
		{"empty label does not match", "GET", "/v1/datasources/introspections/", "", 404, "UnknownOperationException", ""},
		{"trailing slash does not match", "GET", "/v1/tags/x/", "", 404, "UnknownOperationException", ""},
		{"malformed body is the service's validation error", "POST", "/v1/datasources/introspections", `{"rdsDataApiConfig":`, 400, "BadRequestException", "not valid JSON"},
		{"bad query integer", "GET", "/v1/datasources/introspections/intro-1?maxResults=ten", "", 400, "BadRequestException", "Value 'ten' at 'maxResults' failed to satisfy constraint: Member must be an integer"},
		{"bad query boolean", "GET", "/v1/datasources/introspections/intro-1?includeModelsSDL=yes", "", 400, "BadRequestException", "Member must be a boolean"},
		{"repeated single-valued query", "GET", "/v1/datasources/introspections/intro-1?maxResults=1&maxResults=2", "", 400, "BadRequestException", "at most once"},
		{"several violations are listed", "POST", "/v1/datasources/introspections",
			`{"rdsDataApiConfig":{"resourceArn":"short","secretArn":"arn:aws:secretsmanager:us-east-1:123456789012:secret:s","databaseName":""}}`,
			400, "BadRequestException", "3 validation errors detected: Value 'short' at 'rdsDataApiConfig.resourceArn' failed to satisfy constraint: Member must have length greater than or equal to 20; Value 'short' at 'rdsDataApiConfig.resourceArn' failed to satisfy constraint: Member must satisfy regular expression pattern"},
		{"empty body decodes as {}", "POST", "/v1/datasources/introspections", "", 200, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := serve(t, h, tc.method, tc.path, "appsync", tc.body, nil)
			if rec.Code != tc.wantStatus {
				t.Fatalf("status %d, want %d: %s", rec.Code, tc.wantStatus, rec.Body)
			}
			if tc.wantCode == "" {
				return
			}
			code, msg := errorOf(t, rec)
			if code != tc.wantCode || !strings.Contains(msg, tc.wantMsg) {
				t.Errorf("got %s %q, want %s containing %q", code, msg, tc.wantCode, tc.wantMsg)
			}
		})
	}
}

func TestNewRESTServiceRejectsBadRoutes(t *testing.T) {
	nop := func(t2 any) RESTHandler { return echoREST }
	for _, tc := range []struct {
		name   string
		routes []Route
	}{
		{"greedy label not last", []Route{{Method: "GET", Path: "/a/{b+}/c", Operation: "X", Handler: nop(nil)}}},
		{"relative path", []Route{{Method: "GET", Path: "a/b", Operation: "X", Handler: nop(nil)}}},
		{"empty label name", []Route{{Method: "GET", Path: "/a/{}", Operation: "X", Handler: nop(nil)}}},
		{"same shape twice", []Route{{Method: "GET", Path: "/a/{x}", Operation: "X", Handler: nop(nil)}, {Method: "GET", Path: "/a/{y}", Operation: "Y", Handler: nop(nil)}}},
		{"no handler", []Route{{Method: "GET", Path: "/a", Operation: "X"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := NewRESTService(RESTProtocol{ValidationErrorCode: "ValidationException"}, tc.routes...); err == nil {
				t.Error("accepted")
			}
		})
	}
}

func TestErrorMessageMemberAndInternalCode(t *testing.T) {
	svc, err := NewRESTService(RESTProtocol{MessageMember: "Message", ValidationErrorCode: "InvalidRequestException", InternalErrorCode: "InternalServiceError"})
	if err != nil {
		t.Fatal(err)
	}
	resp := svc.ErrorResponse(t.Context(), internalError())
	var body map[string]any
	if err := json.Unmarshal(resp.Body, &body); err != nil {
		t.Fatal(err)
	}
	if resp.Status != 500 || body["__type"] != "InternalServiceError" || body["Message"] != MessageInternalFailure || resp.Header.Get("X-Amzn-ErrorType") != "InternalServiceError" {
		t.Errorf("status %d body %v header %v", resp.Status, body, resp.Header)
	}
	resp = svc.ErrorResponse(t.Context(), Errorf(0, "ResourceNotFoundException", "gone").WithField("__type", "spoof").WithField("Reason", "r"))
	if err := json.Unmarshal(resp.Body, &body); err != nil {
		t.Fatal(err)
	}
	if resp.Status != 400 || body["__type"] != "ResourceNotFoundException" || body["Reason"] != "r" {
		t.Errorf("status %d body %v", resp.Status, body)
	}
}

func TestSTSErrors(t *testing.T) {
	h := newTestHandler(t)
	form := map[string]string{"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
	rec := serve(t, h, "POST", "/", "sts", "Action=DecodeAuthorizationMessage&Version=2011-06-15", form)
	var e struct {
		Code      string `xml:"Error>Code"`
		Message   string `xml:"Error>Message"`
		RequestID string `xml:"RequestId"`
	}
	if err := xml.Unmarshal(rec.Body.Bytes(), &e); err != nil {
		t.Fatal(err)
	}
	if rec.Code != 400 || e.Code != "InvalidAction" || e.Message != "Could not find operation DecodeAuthorizationMessage for version 2011-06-15" ||
		e.RequestID != rec.Header().Get("x-amzn-RequestId") {
		t.Errorf("status %d error %+v header id %q", rec.Code, e, rec.Header().Get("x-amzn-RequestId"))
	}

	// Unsigned form requests are answered in XML too.
	req := httptest.NewRequest("POST", "/", strings.NewReader("Action=GetCallerIdentity&Version=2011-06-15"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if err := xml.Unmarshal(rec.Body.Bytes(), &e); err != nil {
		t.Fatal(err)
	}
	if rec.Code != 403 || e.Code != "MissingAuthenticationToken" {
		t.Errorf("status %d error %+v", rec.Code, e)
	}
}

func TestRequestIDAndCallerReachTheFacade(t *testing.T) {
	var gotCaller Caller
	var gotID string
	svc, err := NewJSONService(JSONProtocol{TargetPrefix: "secretsmanager", MessageMember: "Message"}, map[string]JSONOperation{
		"ListSecrets": JSONOp(func(ctx context.Context, in *struct{}) (*struct{}, error) {
			gotCaller, _ = CallerFrom(ctx)
			gotID = RequestIDFrom(ctx)
			return nil, nil
		}),
	})
	if err != nil {
		t.Fatal(err)
	}
	h := &Handler{Keys: testKeys, Services: map[string]Service{"secretsmanager": svc}, NewRequestID: func() string { return "req-1" }}
	rec := serve(t, h, "POST", "/", "secretsmanager", "{}", map[string]string{"X-Amz-Target": "secretsmanager.ListSecrets"})
	if rec.Code != 200 || rec.Body.String() != "{}" {
		t.Fatalf("status %d body %s", rec.Code, rec.Body)
	}
	want := Caller{AccountID: testAccount, AccessKeyID: testAKID, Region: testRegion}
	if gotCaller != want || gotID != "req-1" || rec.Header().Get("x-amzn-RequestId") != "req-1" {
		t.Errorf("caller %+v id %q header %q", gotCaller, gotID, rec.Header().Get("x-amzn-RequestId"))
	}
}

func TestNewUUID(t *testing.T) {
	id := newUUID()
	if len(id) != 36 || id[14] != '4' || !strings.ContainsRune("89ab", rune(id[19])) || strings.Count(id, "-") != 4 {
		t.Errorf("not a v4 UUID: %s", id)
	}
	if newUUID() == id {
		t.Error("two equal ids")
	}
}

func TestObserveKeepsLabelsBounded(t *testing.T) {
	h := newTestHandler(t)
	var got []string
	h.Observe = func(service, op string, status int, _ time.Duration) {
		got = append(got, service+"|"+op+"|"+http.StatusText(status))
	}
	serve(t, h, "GET", "/x", "made-up-service-name", "", nil)
	serve(t, h, "POST", "/", "dms", "{}", map[string]string{"X-Amz-Target": "AmazonDMSv20160101.Invented"})
	serve(t, h, "GET", "/v1/datasources/introspections/intro-1", "appsync", "", nil)
	want := "||Forbidden dms||Bad Request appsync|GetDataSourceIntrospection|OK"
	if strings.Join(got, " ") != want {
		t.Errorf("observed %q, want %q", strings.Join(got, " "), want)
	}
}
