package server_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	dz "github.com/aws/aws-sdk-go-v2/service/datazone"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/smithy-go"

	"github.com/surveyorhq/surveyor/internal/awsapi"
	"github.com/surveyorhq/surveyor/internal/server"
	"github.com/surveyorhq/surveyor/internal/server/servertest"
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

// Twenty CreateSecret calls for one name at once, on both stores. With one ClientRequestToken
// (and value) they are one request retried: all get the one secret (on PostgreSQL the creates
// that lost the insert answered ResourceExistsException). With distinct tokens one creates it and
// the others get ResourceExistsException. Never an internal error. On PostgreSQL the test holds a
// lock that lets every create look for the secret but none insert it until all twenty wait at
// the insert, so the race happens every time.
func TestConcurrentCreateSecret(t *testing.T) {
	servertest.EachStore(t, func(t *testing.T, store string) {
		env := servertest.Start(t, servertest.Options{Store: store})
		sm := secretsmanager.NewFromConfig(env.AWS())
		race := func(name string, token func(i int) string) []string {
			answers := make([]string, 20)
			start := make(chan struct{})
			var wg sync.WaitGroup
			var gate *insertGate
			if store != "" {
				gate = holdInserts(t, store, "secrets")
			}
			for i := range answers {
				wg.Go(func() {
					<-start
					out, err := sm.CreateSecret(context.Background(), &secretsmanager.CreateSecretInput{Name: aws.String(name),
						SecretString: aws.String("v"), ClientRequestToken: aws.String(token(i))})
					var ae smithy.APIError
					switch {
					case err == nil:
						answers[i] = aws.ToString(out.ARN)
					case errors.As(err, &ae):
						answers[i] = "error " + ae.ErrorCode()
					default:
						answers[i] = "error " + err.Error()
					}
				})
			}
			close(start)
			if gate != nil {
				gate.openWhen(t, 10)
			}
			wg.Wait()
			return answers
		}
		same := race("retried", func(int) string { return "a3f1c2d4-0000-4000-8000-000000000001" })
		for i, a := range same {
			if a != same[0] || strings.HasPrefix(a, "error ") {
				t.Fatalf("one token: answers %q; want the one secret for all (answer %d differs)", same, i)
			}
		}
		distinct := race("contended", func(i int) string { return fmt.Sprintf("a3f1c2d4-0000-4000-8000-%012d", i) })
		won := 0
		for _, a := range distinct {
			switch {
			case a == "error ResourceExistsException":
			case strings.HasPrefix(a, "error "):
				t.Fatalf("distinct tokens: answers %q", distinct)
			default:
				won++
			}
		}
		if won != 1 {
			t.Fatalf("distinct tokens: %d creates succeeded (%q), want 1", won, distinct)
		}
	})
}

// insertGate holds a lock on a table of a PostgreSQL store under which reads go on and inserts
// wait, so that racing creates all look before any inserts.
type insertGate struct {
	db    *sql.DB
	tx    *sql.Tx
	table string
	once  sync.Once
}

func holdInserts(t *testing.T, dsn, table string) *insertGate {
	t.Helper()
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec("LOCK TABLE " + table + " IN SHARE ROW EXCLUSIVE MODE"); err != nil {
		t.Fatal(err)
	}
	g := &insertGate{db: db, tx: tx, table: table}
	t.Cleanup(g.release)
	return g
}

func (g *insertGate) release() {
	g.once.Do(func() {
		_ = g.tx.Rollback()
		g.db.Close()
	})
}

// openWhen waits until at least n inserts wait at the gate (the store's pool may hold fewer
// connections than there are racers), then opens it.
func (g *insertGate) openWhen(t *testing.T, n int) {
	t.Helper()
	defer g.release()
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		var waiting int
		err := g.db.QueryRow(`SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()
			AND wait_event_type = 'Lock' AND query ILIKE 'INSERT INTO ` + g.table + `%'`).Scan(&waiting)
		if err != nil {
			t.Fatal(err)
		}
		if waiting >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("only %d of %d inserts into %s reached the gate", waiting, n, g.table)
		}
	}
}
