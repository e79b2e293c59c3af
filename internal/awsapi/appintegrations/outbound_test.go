package appintegrations_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ai "github.com/aws/aws-sdk-go-v2/service/appintegrations"
	"github.com/aws/aws-sdk-go-v2/service/appintegrations/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/surveyorhq/surveyor/internal/server/servertest"
)

// An S3 source whose endpoint (from the secret s3/<bucket>) is a web server answering 200 to
// everything fails saying it is not an S3 store, where it used to complete as an empty bucket;
// an endpoint with a user name and password in it fails without showing them.
func TestS3EndpointMustBeAnS3Store(t *testing.T) {
	var hits atomic.Int64
	web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte("<html>it works</html>"))
	}))
	defer web.Close()
	env := servertest.Start(t, servertest.Options{})
	c := ai.NewFromConfig(env.AWS())
	sm := secretsmanager.NewFromConfig(env.AWS())
	ctx := context.Background()
	for _, tc := range []struct {
		bucket, endpoint, says string
	}{
		{"website", web.URL, "the endpoint " + web.URL + " is not an S3-compatible store"},
		{"userinfo", strings.Replace(web.URL, "http://", "http://admin:hunter22@", 1), "the S3 endpoint " + web.URL + " holds a user name or password"},
	} {
		t.Run(tc.bucket, func(t *testing.T) {
			val, _ := json.Marshal(map[string]any{"accessKeyId": "AKIDWEB", "secretAccessKey": "web-secret-1", "endpoint": tc.endpoint, "usePathStyle": true})
			if _, err := sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("s3/" + tc.bucket), SecretString: aws.String(string(val))}); err != nil {
				t.Fatal(err)
			}
			created, err := c.CreateDataIntegration(ctx, &ai.CreateDataIntegrationInput{Name: aws.String(tc.bucket), KmsKey: aws.String(kmsKey),
				SourceURI: aws.String("s3://" + tc.bucket + "/raw")})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.CreateDataIntegrationAssociation(ctx, &ai.CreateDataIntegrationAssociationInput{DataIntegrationIdentifier: created.Id}); err != nil {
				t.Fatal(err)
			}
			st := waitStatus(t, c, *created.Id, func(s *types.LastExecutionStatus) bool {
				return s != nil && s.ExecutionStatus != types.ExecutionStatusInProgress
			})
			msg := aws.ToString(st.StatusMessage)
			if st.ExecutionStatus != types.ExecutionStatusFailed || !strings.Contains(msg, tc.says) {
				t.Errorf("status %s %q, want FAILED saying %q", st.ExecutionStatus, msg, tc.says)
			}
			for _, secret := range []string{"hunter22", "admin", "web-secret-1"} {
				if strings.Contains(msg, secret) {
					t.Errorf("status message shows %q: %q", secret, msg)
				}
			}
		})
	}
	if hits.Load() == 0 {
		t.Error("the web server was never asked")
	}
}
