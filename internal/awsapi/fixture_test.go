package awsapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

const (
	testAKID    = "AKIASURVEYORTEST0001"
	testSecret  = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	testAccount = "123456789012"
	testRegion  = "us-east-1"
)

// keyMap is a KeyStore over a map.
type keyMap map[string]Key

func (m keyMap) LookupKey(_ context.Context, id string) (Key, error) {
	k, ok := m[id]
	if !ok {
		return Key{}, fmt.Errorf("key %s: %w", id, ErrUnknownKey)
	}
	return k, nil
}

var testKeys = keyMap{testAKID: {AccessKeyID: testAKID, SecretAccessKey: testSecret, AccountID: testAccount}}

// testDMSInput/Output are the small shapes of the fake "dms" façade.
type describeSchemasIn struct {
	EndpointArn *string
	MaxRecords  *int32
	Marker      *string
}

type describeSchemasOut struct {
	Schemas []string `json:",omitempty"`
	Marker  *string  `json:",omitempty"`
}

type createEndpointIn struct {
	EndpointIdentifier string
	EndpointType       string
	EngineName         string
}

func testDMS(t testing.TB) Service {
	t.Helper()
	svc, err := NewJSONService(JSONProtocol{TargetPrefix: "AmazonDMSv20160101", MessageMember: "message"},
		map[string]JSONOperation{
			"DescribeSchemas": JSONOp(func(ctx context.Context, in *describeSchemasIn) (*describeSchemasOut, error) {
				v := NewValidator("InvalidParameterValueException", 400)
				v.Required("EndpointArn", in.EndpointArn != nil)
				if in.MaxRecords != nil {
					v.Range("MaxRecords", int64(*in.MaxRecords), 20, 100)
				}
				if err := v.Err(); err != nil {
					return nil, err
				}
				c, _ := CallerFrom(ctx)
				if *in.EndpointArn != "arn:aws:dms:us-east-1:"+c.AccountID+":endpoint:KNOWN" {
					return nil, Errorf(0, "ResourceNotFoundFault", "Endpoint %s not found.", *in.EndpointArn)
				}
				return &describeSchemasOut{Schemas: []string{"public", "sales"}}, nil
			}),
			"CreateEndpoint": JSONOp(func(ctx context.Context, in *createEndpointIn) (*struct{}, error) {
				return nil, Errorf(0, "ResourceAlreadyExistsFault", "Endpoint %s already exists.", in.EndpointIdentifier).
					WithField("resourceArn", "arn:aws:dms:us-east-1:123456789012:endpoint:"+in.EndpointIdentifier)
			}),
			"TestConnection": JSONOp(func(ctx context.Context, in *struct{}) (*struct{}, error) {
				return nil, fmt.Errorf("dial tcp 10.0.0.1:5432: password=hunter2 refused")
			}),
			"DeleteEndpoint": JSONOp(func(ctx context.Context, in *struct{}) (*struct{}, error) {
				panic("façade bug")
			}),
		})
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

type introspection struct {
	IntrospectionID     string `json:"introspectionId"`
	IntrospectionStatus string `json:"introspectionStatus"`
}

type startIntrospectionIn struct {
	RdsDataAPIConfig *struct {
		ResourceArn  string `json:"resourceArn"`
		SecretArn    string `json:"secretArn"`
		DatabaseName string `json:"databaseName"`
	} `json:"rdsDataApiConfig"`
}

var (
	clusterARN = `^arn:[a-z-]*:rds:[a-z0-9-]*:\d{12}:cluster:[0-9A-Za-z_/-]*$`
	secretARN  = `^arn:[a-z-]*:secretsmanager:[a-z0-9-]*:\d{12}:secret:[0-9A-Za-z_/+=.@!-]*$`
)

func testAppSync(t testing.TB) Service {
	t.Helper()
	clusterRE, secretRE := mustRE(clusterARN), mustRE(secretARN)
	svc, err := NewRESTService(RESTProtocol{MessageMember: "message", ValidationErrorCode: "BadRequestException",
		InternalErrorCode: "InternalFailureException"},
		Route{Method: "POST", Path: "/v1/datasources/introspections", Operation: "StartDataSourceIntrospection",
			Handler: func(ctx context.Context, r *RESTRequest) (int, any, error) {
				var in startIntrospectionIn
				if err := r.DecodeJSON(&in); err != nil {
					return 0, nil, err
				}
				v := NewValidator("BadRequestException", 400)
				if in.RdsDataAPIConfig != nil {
					c := in.RdsDataAPIConfig
					v.Length("rdsDataApiConfig.resourceArn", c.ResourceArn, 20, 2048)
					v.Pattern("rdsDataApiConfig.resourceArn", c.ResourceArn, clusterRE)
					v.Length("rdsDataApiConfig.secretArn", c.SecretArn, 20, 2048)
					v.Pattern("rdsDataApiConfig.secretArn", c.SecretArn, secretRE)
					v.Length("rdsDataApiConfig.databaseName", c.DatabaseName, 1, 128)
				}
				if err := v.Err(); err != nil {
					return 0, nil, err
				}
				return 200, introspection{"intro-1", "PROCESSING"}, nil
			}},
		Route{Method: "GET", Path: "/v1/datasources/introspections/{introspectionId}", Operation: "GetDataSourceIntrospection",
			Handler: func(ctx context.Context, r *RESTRequest) (int, any, error) {
				if _, _, err := r.QueryInt("maxResults", 0, 25); err != nil {
					return 0, nil, err
				}
				if _, _, err := r.QueryBool("includeModelsSDL"); err != nil {
					return 0, nil, err
				}
				id := r.Labels["introspectionId"]
				if id != "intro-1" {
					return 0, nil, Errorf(404, "NotFoundException", "Introspection %s not found.", id)
				}
				return 200, introspection{id, "SUCCESS"}, nil
			}},
		Route{Method: "GET", Path: "/echo/{a}/{rest+}", Operation: "Echo", Handler: echoREST},
		Route{Method: "POST", Path: "/echo/{a}/{rest+}", Operation: "EchoPost", Handler: echoREST},
		Route{Method: "GET", Path: "/echo/fixed/{rest+}", Operation: "EchoFixed", Handler: echoREST},
		Route{Method: "GET", Path: "/v1/tags/{resourceArn}", Operation: "ListTagsForResource", Handler: echoREST},
		Route{Method: "DELETE", Path: "/v1/tags/{resourceArn}", Operation: "UntagResource", Handler: echoREST},
	)
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

// echoREST answers what it was given, so tests can see routing and decoding.
func echoREST(_ context.Context, r *RESTRequest) (int, any, error) {
	return 200, map[string]any{"operation": r.Operation, "labels": r.Labels, "query": r.Query, "body": string(r.Body)}, nil
}

func newTestHandler(t testing.TB) *Handler {
	t.Helper()
	return &Handler{
		Keys: testKeys,
		Services: map[string]Service{
			"dms":     testDMS(t),
			"appsync": testAppSync(t),
			"sts":     STS{},
		},
	}
}

// signedRequest builds a request to srvURL+path signed by the SDK's own signer.
func signedRequest(t testing.TB, method, rawURL string, body []byte, service, secret string, at time.Time, hdr map[string]string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, rawURL, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	sum := sha256.Sum256(body)
	creds := aws.Credentials{AccessKeyID: testAKID, SecretAccessKey: secret}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), service, testRegion, at); err != nil {
		t.Fatal(err)
	}
	return req
}

func do(t testing.TB, req *http.Request) (int, http.Header, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, string(b)
}

func newServer(t testing.TB, h http.Handler) *httptest.Server {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func mustRE(s string) *regexp.Regexp { return regexp.MustCompile(s) }
