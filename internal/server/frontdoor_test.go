package server_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	dz "github.com/aws/aws-sdk-go-v2/service/datazone"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/surveyorhq/surveyor/internal/awsapi"
	"github.com/surveyorhq/surveyor/internal/server"
)

// rawRequest is a request built by hand and signed by the SDK's signer over the headers in
// signed; the headers in after are set once it is signed, as an attacker replaying a captured
// request would.
type rawRequest struct {
	service, method, path string
	body                  []byte
	signed, after         map[string]string
}

// send signs and sends r with the account's key and returns the status and the decoded body.
func (r rawRequest) send(t *testing.T, url string, c server.Credentials) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(r.method, url+r.path, bytes.NewReader(r.body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range r.signed {
		req.Header.Set(k, v)
	}
	sum := sha256.Sum256(r.body)
	creds := aws.Credentials{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), r.service, "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	for k, v := range r.after {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("%s %s: body %q is not JSON: %v", r.method, r.path, b, err)
	}
	return res.StatusCode, out
}

// A request signed over host;x-amz-date only (X-Amz-Target added after signing) was accepted,
// so a captured DescribeSecret could be re-targeted to GetSecretValue and read the secret.
func TestRetargetedRequestIsRefused(t *testing.T) {
	hs, creds, _ := start(t)
	ctx := context.Background()
	sm := secretsmanager.NewFromConfig(awsConfig(hs.URL, keyOf(creds)))
	if _, err := sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("prod/db"), SecretString: aws.String("s3cr3t-value")}); err != nil {
		t.Fatal(err)
	}
	body := []byte(`{"SecretId":"prod/db"}`)
	for _, target := range []string{"secretsmanager.DescribeSecret", "secretsmanager.GetSecretValue"} {
		req := rawRequest{service: "secretsmanager", method: "POST", path: "/", body: body,
			signed: map[string]string{"Content-Type": "application/x-amz-json-1.1"},
			after:  map[string]string{"X-Amz-Target": target}}
		status, out := req.send(t, hs.URL, creds)
		if status != http.StatusBadRequest || out["__type"] != "IncompleteSignatureException" ||
			!strings.Contains(message(out), "not signed: x-amz-target") {
			t.Errorf("%s with an unsigned target = %d %v, want 400 IncompleteSignatureException naming x-amz-target", target, status, out)
		}
		if strings.Contains(jsonText(out), "s3cr3t-value") {
			t.Errorf("%s with an unsigned target leaked the secret: %v", target, out)
		}
	}
	// The same request with the target signed is served.
	req := rawRequest{service: "secretsmanager", method: "POST", path: "/", body: body,
		signed: map[string]string{"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "secretsmanager.DescribeSecret"}}
	if status, out := req.send(t, hs.URL, creds); status != http.StatusOK || out["Name"] != "prod/db" {
		t.Errorf("signed DescribeSecret = %d %v, want 200 naming prod/db", status, out)
	}
}

// Invalid UTF-8 in a JSON body was replaced with U+FFFD and stored. Both protocols refuse it
// with the service's serialization error, and nothing is stored.
func TestInvalidUTF8BodyIsRefused(t *testing.T) {
	hs, creds, _ := start(t)
	ctx := context.Background()
	for _, tc := range []struct {
		name     string
		req      rawRequest
		wantCode string
	}{
		{"awsJson1.1 CreateSecret", rawRequest{service: "secretsmanager", method: "POST", path: "/",
			body:   []byte("{\"Name\":\"db\xff\",\"SecretString\":\"pw\"}"),
			signed: map[string]string{"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "secretsmanager.CreateSecret"}},
			"SerializationException"},
		{"awsJson1.1 unpaired surrogate escape", rawRequest{service: "secretsmanager", method: "POST", path: "/",
			body:   []byte(`{"Name":"db","SecretString":"pw\udc00"}`),
			signed: map[string]string{"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "secretsmanager.CreateSecret"}},
			"SerializationException"},
		{"restJson1 CreateDomain", rawRequest{service: "datazone", method: "POST", path: "/v2/domains",
			body:   []byte("{\"name\":\"sales\xc0\xaf\"}"),
			signed: map[string]string{"Content-Type": "application/json"}},
			"ValidationException"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, out := tc.req.send(t, hs.URL, creds)
			if status != http.StatusBadRequest || out["__type"] != tc.wantCode {
				t.Errorf("status %d body %v, want 400 %s", status, out, tc.wantCode)
			}
		})
	}
	secrets, err := secretsmanager.NewFromConfig(awsConfig(hs.URL, keyOf(creds))).ListSecrets(ctx, &secretsmanager.ListSecretsInput{})
	if err != nil || len(secrets.SecretList) != 0 {
		t.Errorf("ListSecrets = %v, %v; want nothing stored", secrets, err)
	}
	domains, err := dz.NewFromConfig(awsConfig(hs.URL, keyOf(creds))).ListDomains(ctx, &dz.ListDomainsInput{})
	if err != nil || len(domains.Items) != 0 {
		t.Errorf("ListDomains = %v, %v; want nothing stored", domains, err)
	}
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func keyOf(c server.Credentials) awsapi.Key {
	return awsapi.Key{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, AccountID: c.AccountID}
}

// message is an error body's message member, whichever case the service names it in.
func message(body map[string]any) string {
	for _, k := range []string{"message", "Message"} {
		if m, ok := body[k].(string); ok {
			return m
		}
	}
	return ""
}
