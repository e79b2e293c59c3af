package server_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/surveyorhq/surveyor/internal/server"
)

// BenchmarkGetSecretValue measures one signed GetSecretValue through the whole handler (SigV4,
// routing, decoding, the SQLite store, decryption, encoding), without the network. The request
// is signed outside the timer.
func BenchmarkGetSecretValue(b *testing.B) {
	cfg := server.Config{DataDir: b.TempDir(), Getenv: func(string) string { return "" }}
	srv, err := server.New(context.Background(), cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	if _, err := srv.EnsureCredentials(context.Background(), "http://bench"); err != nil {
		b.Fatal(err)
	}
	creds, _ := server.ReadCredentials(cfg.DataDir)
	h := srv.Handler()
	signer := v4.NewSigner()
	ac := aws.Credentials{AccessKeyID: creds.AccessKeyID, SecretAccessKey: creds.SecretAccessKey}
	do := func(target string, body []byte, timed bool) int {
		if timed {
			b.StopTimer()
		}
		req := httptest.NewRequest("POST", "http://bench/", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/x-amz-json-1.1")
		req.Header.Set("X-Amz-Target", "secretsmanager."+target)
		sum := sha256.Sum256(body)
		_ = signer.SignHTTP(context.Background(), ac, req, hex.EncodeToString(sum[:]), "secretsmanager", "us-east-1", time.Now())
		w := httptest.NewRecorder()
		if timed {
			b.StartTimer()
		}
		h.ServeHTTP(w, req)
		return w.Code
	}
	if code := do("CreateSecret", []byte(`{"Name":"bench/db","SecretString":"{\"password\":\"x\"}"}`), false); code != http.StatusOK {
		b.Fatalf("create: %d", code)
	}
	body := []byte(`{"SecretId":"bench/db"}`)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if code := do("GetSecretValue", body, true); code != http.StatusOK {
			b.Fatalf("get: %d", code)
		}
	}
}
