// Package fuzz_test fuzzes the real façades through the whole server. It is its own package so that
// the fuzzing build instruments only the server, not the SDK clients the server tests import.
package fuzz_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/surveyorhq/surveyor/internal/server"
)

// FuzzFacades sends signed requests with arbitrary operations, paths, queries and bodies to the
// real façades through the whole server: bad input must get an AWS error, never a 5xx or a panic.
func FuzzFacades(f *testing.F) {
	for _, seed := range []struct{ service, method, target, path, body string }{
		{"secretsmanager", "POST", "CreateSecret", "/", `{"Name":"a","SecretString":"x"}`},
		{"secretsmanager", "POST", "GetSecretValue", "/", `{"SecretId":"a","VersionStage":""}`},
		{"secretsmanager", "POST", "ListSecrets", "/", `{"MaxResults":0,"NextToken":"%%"}`},
		{"secretsmanager", "POST", "DeleteSecret", "/", `{"SecretId":"a","RecoveryWindowInDays":-1}`},
		{"dms", "POST", "CreateEndpoint", "/", `{"EndpointIdentifier":"e","EndpointType":"source","EngineName":"postgres","Port":-5}`},
		{"dms", "POST", "DescribeSchemas", "/", `{"EndpointArn":"arn:aws:dms:x","MaxRecords":7}`},
		{"appsync", "POST", "", "/v1/datasources/introspections", `{"rdsDataApiConfig":{"resourceArn":1}}`},
		{"appsync", "GET", "", "/v1/datasources/introspections/x?maxResults=99&nextToken=a", ``},
		{"datazone", "POST", "", "/v2/domains", `{"name":"d","singleSignOn":{"type":"X"}}`},
		{"datazone", "POST", "", "/v2/domains/dzd_abc/data-sources", `{"name":"n","projectIdentifier":"p","type":"GLUE","configuration":{}}`},
		{"datazone", "GET", "", "/v2/domains/dzd_abc/data-source-runs/r/activities?maxResults=0", ``},
		{"app-integrations", "POST", "", "/dataIntegrations", `{"Name":"n","KmsKey":"k","SourceURI":"file://localhost/tmp","FileConfiguration":{"Folders":[]}}`},
		{"app-integrations", "DELETE", "", "/tags/arn%3Aaws%3Ax?tagKeys=", ``},
		{"glue", "POST", "CreateDatabase", "/", `{"DatabaseInput":{"Name":"d","Parameters":{"":"x"}}}`},
		{"glue", "POST", "GetPartitions", "/", `{"DatabaseName":"d","TableName":"t","Expression":"year BETWEEN 1 AND"}`},
		{"glue", "POST", "CreateCrawler", "/", `{"Name":"c","Role":"r","Targets":{"S3Targets":[{"Path":"s3://b","SampleSize":0}]},"Schedule":"rate(1 day)"}`},
	} {
		f.Add(seed.service, seed.method, seed.target, seed.path, seed.body)
	}
	cfg := server.Config{DataDir: f.TempDir(), Getenv: func(string) string { return "" }}
	srv, err := server.New(context.Background(), cfg)
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { srv.Close() })
	if _, err := srv.EnsureCredentials(context.Background(), "http://fuzz"); err != nil {
		f.Fatal(err)
	}
	creds, _ := server.ReadCredentials(cfg.DataDir)
	ac := aws.Credentials{AccessKeyID: creds.AccessKeyID, SecretAccessKey: creds.SecretAccessKey}
	signer := v4.NewSigner()
	h := srv.Handler()
	prefixes := map[string]string{"secretsmanager": "secretsmanager.", "dms": "AmazonDMSv20160101.", "glue": "AWSGlue."}
	f.Fuzz(func(t *testing.T, service, method, target, path, body string) {
		switch service {
		case "secretsmanager", "dms", "appsync", "datazone", "app-integrations", "glue":
		default:
			service = "secretsmanager"
		}
		if !strings.HasPrefix(path, "/") || strings.ContainsAny(path, " \r\n\t#") {
			path = "/"
		}
		switch method {
		case "GET", "POST", "PUT", "PATCH", "DELETE":
		default:
			method = "POST"
		}
		if _, err := url.ParseRequestURI(path); err != nil {
			t.Skip("net/http answers 400 before any handler for a request URI it cannot parse")
		}
		req := httptest.NewRequest(method, "http://fuzz"+path, bytes.NewReader([]byte(body)))
		if p, ok := prefixes[service]; ok {
			req.Header.Set("X-Amz-Target", p+target)
			req.Header.Set("Content-Type", "application/x-amz-json-1.1")
		} else {
			req.Header.Set("Content-Type", "application/json")
		}
		sum := sha256.Sum256([]byte(body))
		if err := signer.SignHTTP(context.Background(), ac, req, hex.EncodeToString(sum[:]), service, "us-east-1", time.Now()); err != nil {
			t.Skip(err)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code >= 500 {
			t.Fatalf("%s %s %s %s → %d: %s", service, method, target, path, w.Code, w.Body.String())
		}
		if w.Code >= 400 && w.Header().Get("X-Amzn-Errortype") == "" {
			t.Fatalf("%s %s %s %s → %d without X-Amzn-ErrorType: %s", service, method, target, path, w.Code, w.Body.String())
		}
	})
}
