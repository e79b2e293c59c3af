package dms_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	dms "github.com/aws/aws-sdk-go-v2/service/databasemigrationservice"
)

// TestConnection goes through the server's outbound policy: an endpoint at the cloud metadata
// address (denied by default) fails with the rule that refused it, not the password.
func TestConnectionRefusedByTheOutboundPolicy(t *testing.T) {
	h := start(t)
	instance := h.instance(t, "outbound", false)
	endpoint := h.endpoint(t, &dms.CreateEndpointInput{
		EndpointIdentifier: aws.String("metadata"), EngineName: aws.String("postgres"),
		ServerName: aws.String("169.254.169.254"), Port: aws.Int32(80), DatabaseName: aws.String("x"),
		Username: aws.String("u"), Password: aws.String("pw-outbound-3141"),
	})
	c := h.testConnection(t, endpoint, instance)
	msg := aws.ToString(c.LastFailureMessage)
	if aws.ToString(c.Status) != "failed" || !strings.Contains(msg, "the outbound policy refuses address 169.254.169.254 (--deny-hosts link-local)") {
		t.Fatalf("connection %s %q, want failed with the policy's reason", aws.ToString(c.Status), msg)
	}
	h.rec.assertNever(t, "pw-outbound-3141")
}
