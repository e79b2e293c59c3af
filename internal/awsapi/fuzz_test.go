package awsapi

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

func FuzzParseAuthorization(f *testing.F) {
	sig := strings.Repeat("0f", 32)
	f.Add("AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/dms/aws4_request, SignedHeaders=host;x-amz-date, Signature=" + sig)
	f.Add("AWS4-HMAC-SHA256 Credential=//////, SignedHeaders=;;, Signature=")
	f.Add("AWS4-HMAC-SHA256 ,,,==,")
	f.Add("")
	f.Fuzz(func(t *testing.T, header string) {
		a, err := ParseAuthorization(header)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error %T is not *Error", err)
			}
			return
		}
		if a.AccessKeyID == "" || a.Service == "" || len(a.Signature) != 64 || len(a.Date) != 8 {
			t.Fatalf("accepted an incomplete header %q: %+v", header, a)
		}
	})
}

func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{``, `{}`, `null`, `{"EndpointArn":"x","MaxRecords":20}`, `{"MaxRecords":"x"}`, `[]`, `{} x`, `{"a":{"b":[1,2,{}]}}`, "\xff"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var in describeSchemasIn
		err := DecodeJSON(body, &in, CodeSerialization, 400)
		if err == nil {
			return
		}
		e, ok := err.(*Error)
		if !ok || e.Code != CodeSerialization || e.Status != 400 || e.Message == "" {
			t.Fatalf("error %#v", err)
		}
	})
}

// FuzzHandler sends arbitrary requests through the whole handler, half of them correctly
// signed so they reach routing and decoding: it must never panic, always set a request id, and
// answer 5xx only through the designed internal-failure path.
func FuzzHandler(f *testing.F) {
	h := newTestHandler(f)
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	h.Now = func() time.Time { return now }
	f.Add("POST", "/", "X-Amz-Target", "AmazonDMSv20160101.DescribeSchemas", []byte(`{"EndpointArn":"a"}`), true, uint8(0))
	f.Add("GET", "/v1/datasources/introspections/intro-1?maxResults=3", "Content-Type", "application/json", []byte(nil), true, uint8(1))
	f.Add("POST", "/", "Content-Type", "application/x-www-form-urlencoded", []byte("Action=GetCallerIdentity"), true, uint8(2))
	f.Add("DELETE", "/v1/tags/a%2Fb?tagKeys=x", "X-Amz-Security-Token", "t", []byte("{}"), false, uint8(1))
	f.Add("PUT", "/echo/%zz/..", "Authorization", "AWS4-HMAC-SHA256 x", []byte("{"), false, uint8(3))
	services := []string{"dms", "appsync", "sts", "nosuch"}
	f.Fuzz(func(t *testing.T, method, target, hk, hv string, body []byte, sign bool, svc uint8) {
		raw := fmt.Sprintf("%s %s HTTP/1.1\r\nHost: surveyor.local\r\n%s: %s\r\nContent-Length: %d\r\n\r\n", method, target, hk, hv, len(body))
		req, err := http.ReadRequest(bufio.NewReader(strings.NewReader(raw + string(body))))
		if err != nil {
			return // not a request net/http would hand us
		}
		if sign {
			sum := sha256.Sum256(body)
			creds := aws.Credentials{AccessKeyID: testAKID, SecretAccessKey: testSecret}
			req.Header.Del("Authorization")
			if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]),
				services[int(svc)%len(services)], testRegion, now); err != nil {
				return
			}
			req.Body = nopCloser{bytes.NewReader(body)}
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Header().Get("X-Amzn-Requestid") == "" {
			t.Fatal("no request id")
		}
		if rec.Code >= 500 {
			var e map[string]any
			_ = json.Unmarshal(rec.Body.Bytes(), &e)
			if code, _ := e["__type"].(string); code != CodeInternalFailure && code != "InternalFailureException" {
				t.Fatalf("status %d outside the internal-failure path: %s", rec.Code, rec.Body)
			}
			if !strings.Contains(req.Header.Get("X-Amz-Target"), "TestConnection") && !strings.Contains(req.Header.Get("X-Amz-Target"), "DeleteEndpoint") {
				t.Fatalf("internal failure from an operation that cannot fail: %s %s %s", method, target, rec.Body)
			}
		}
	})
}

type nopCloser struct{ *bytes.Reader }

func (nopCloser) Close() error { return nil }

// BenchmarkRequestOverhead measures the front door on a small awsJson1.1 request: SigV4
// verification, dispatch, decode, the operation, encode.
func BenchmarkRequestOverhead(b *testing.B) {
	h := newTestHandler(b)
	body := []byte(`{"EndpointArn":"arn:aws:dms:us-east-1:123456789012:endpoint:KNOWN","MaxRecords":20}`)
	now := time.Now()
	req := signedRequest(b, "POST", "http://surveyor.local/", body, "dms", testSecret, now,
		map[string]string{"X-Amz-Target": "AmazonDMSv20160101.DescribeSchemas", "Content-Type": "application/x-amz-json-1.1"})
	b.ReportAllocs()
	cpu0 := processCPU()
	for b.Loop() {
		req.Body = nopCloser{bytes.NewReader(body)}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 200 {
			b.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	}
	// CPU time used by the process per request: on a shared, loaded machine wall time per op
	// mostly measures the neighbours.
	b.ReportMetric(float64(processCPU()-cpu0)/float64(b.N), "cpu-ns/op")
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
