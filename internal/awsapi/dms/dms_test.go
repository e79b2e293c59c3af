package dms_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	dms "github.com/aws/aws-sdk-go-v2/service/databasemigrationservice"
	"github.com/aws/aws-sdk-go-v2/service/databasemigrationservice/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	_ "modernc.org/sqlite"

	"github.com/surveyorhq/surveyor/internal/catalog"
	"github.com/surveyorhq/surveyor/internal/connector"
	"github.com/surveyorhq/surveyor/internal/server/servertest"
	"github.com/surveyorhq/surveyor/internal/store"
	"github.com/surveyorhq/surveyor/internal/testdb"
)

// recorder keeps every response body the client read, to prove no password ever comes back.
type recorder struct {
	mu     sync.Mutex
	bodies []string
}

func (r *recorder) Do(req *http.Request) (*http.Response, error) {
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	r.bodies = append(r.bodies, string(b))
	r.mu.Unlock()
	resp.Body = io.NopCloser(bytes.NewReader(b))
	return resp, nil
}

func (r *recorder) assertNever(t *testing.T, secrets ...string) {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.bodies) == 0 {
		t.Fatal("recorder saw no responses")
	}
	for _, b := range r.bodies {
		for _, s := range secrets {
			if strings.Contains(b, s) {
				t.Fatalf("a response contains the password %q: %s", s, b)
			}
		}
	}
}

type harness struct {
	env *servertest.Env
	c   *dms.Client
	rec *recorder
}

func start(t *testing.T) *harness {
	t.Helper()
	env := servertest.Start(t, servertest.Options{})
	rec := &recorder{}
	cfg := env.AWS()
	cfg.HTTPClient = rec
	return &harness{env: env, c: dms.NewFromConfig(cfg), rec: rec}
}

var ctx = context.Background()

// wantFault fails unless err is the DMS fault code whose message contains msg.
func wantFault(t *testing.T, err error, code, msg string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("error = %v; want %s", err, code)
	}
	if ae.ErrorCode() != code || !strings.Contains(ae.ErrorMessage(), msg) {
		t.Fatalf("error = %s: %s; want %s containing %q", ae.ErrorCode(), ae.ErrorMessage(), code, msg)
	}
}

// instance creates a replication instance and, unless creating is set, describes it so it is
// available.
func (h *harness) instance(t *testing.T, id string, creating bool) string {
	t.Helper()
	out, err := h.c.CreateReplicationInstance(ctx, &dms.CreateReplicationInstanceInput{
		ReplicationInstanceIdentifier: aws.String(id), ReplicationInstanceClass: aws.String("dms.t3.medium"),
	})
	if err != nil {
		t.Fatalf("CreateReplicationInstance: %v", err)
	}
	arn := aws.ToString(out.ReplicationInstance.ReplicationInstanceArn)
	if !creating {
		d, err := h.c.DescribeReplicationInstances(ctx, &dms.DescribeReplicationInstancesInput{
			Filters: []types.Filter{{Name: aws.String("replication-instance-arn"), Values: []string{arn}}},
		})
		if err != nil || len(d.ReplicationInstances) != 1 || aws.ToString(d.ReplicationInstances[0].ReplicationInstanceStatus) != "available" {
			t.Fatalf("DescribeReplicationInstances = %+v, %v; want it available", d, err)
		}
	}
	return arn
}

func (h *harness) endpoint(t *testing.T, in *dms.CreateEndpointInput) string {
	t.Helper()
	if in.EndpointType == "" {
		in.EndpointType = types.ReplicationEndpointTypeValueSource
	}
	out, err := h.c.CreateEndpoint(ctx, in)
	if err != nil {
		t.Fatalf("CreateEndpoint: %v", err)
	}
	return aws.ToString(out.Endpoint.EndpointArn)
}

func pgEndpoint(id string, db *testdb.DB) *dms.CreateEndpointInput {
	s := db.Source
	return &dms.CreateEndpointInput{
		EndpointIdentifier: aws.String(id), EngineName: aws.String("postgres"), EndpointType: types.ReplicationEndpointTypeValueSource,
		ServerName: aws.String(s.Host), Port: aws.Int32(int32(s.Port)), DatabaseName: aws.String(s.Database),
		Username: aws.String(s.User), Password: aws.String("pg-pw-not-needed-7731"),
	}
}

const deadline = 30 * time.Second

// testConnection tests the pair and waits for a final status.
func (h *harness) testConnection(t *testing.T, endpointArn, instanceArn string) types.Connection {
	t.Helper()
	out, err := h.c.TestConnection(ctx, &dms.TestConnectionInput{EndpointArn: &endpointArn, ReplicationInstanceArn: &instanceArn})
	if err != nil {
		t.Fatalf("TestConnection: %v", err)
	}
	if st := aws.ToString(out.Connection.Status); st != "testing" {
		t.Fatalf("TestConnection status = %q; want testing", st)
	}
	end := time.Now().Add(deadline)
	for {
		d, err := h.c.DescribeConnections(ctx, &dms.DescribeConnectionsInput{Filters: []types.Filter{
			{Name: aws.String("endpoint-arn"), Values: []string{endpointArn}},
			{Name: aws.String("replication-instance-arn"), Values: []string{instanceArn}},
		}})
		if err != nil {
			t.Fatalf("DescribeConnections: %v", err)
		}
		if len(d.Connections) != 1 {
			t.Fatalf("DescribeConnections = %d connections; want 1", len(d.Connections))
		}
		if c := d.Connections[0]; aws.ToString(c.Status) != "testing" {
			t.Logf("connection %s: %s", aws.ToString(c.Status), aws.ToString(c.LastFailureMessage))
			return c
		}
		if time.Now().After(end) {
			t.Fatalf("connection still testing after %s", deadline)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// refresh refreshes the endpoint's schemas and waits for a final status.
func (h *harness) refresh(t *testing.T, endpointArn, instanceArn string) *types.RefreshSchemasStatus {
	t.Helper()
	out, err := h.c.RefreshSchemas(ctx, &dms.RefreshSchemasInput{EndpointArn: &endpointArn, ReplicationInstanceArn: &instanceArn})
	if err != nil {
		t.Fatalf("RefreshSchemas: %v", err)
	}
	if out.RefreshSchemasStatus.Status != types.RefreshSchemasStatusTypeValueRefreshing {
		t.Fatalf("RefreshSchemas status = %q; want refreshing", out.RefreshSchemasStatus.Status)
	}
	end := time.Now().Add(deadline)
	for {
		d, err := h.c.DescribeRefreshSchemasStatus(ctx, &dms.DescribeRefreshSchemasStatusInput{EndpointArn: &endpointArn})
		if err != nil {
			t.Fatalf("DescribeRefreshSchemasStatus: %v", err)
		}
		if d.RefreshSchemasStatus.Status != types.RefreshSchemasStatusTypeValueRefreshing {
			return d.RefreshSchemasStatus
		}
		if time.Now().After(end) {
			t.Fatalf("still refreshing after %s", deadline)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// schemas reads every page of DescribeSchemas with page size max (0: default) and checks no
// page is larger.
func (h *harness) schemas(t *testing.T, endpointArn string, max int32) []string {
	t.Helper()
	var all []string
	in := &dms.DescribeSchemasInput{EndpointArn: &endpointArn}
	if max > 0 {
		in.MaxRecords = &max
	}
	limit := max
	if limit == 0 {
		limit = 100
	}
	for pages := 0; ; pages++ {
		out, err := h.c.DescribeSchemas(ctx, in)
		if err != nil {
			t.Fatalf("DescribeSchemas: %v", err)
		}
		if len(out.Schemas) > int(limit) || (out.Marker != nil && len(out.Schemas) != int(limit)) {
			t.Fatalf("page of %d schemas with MaxRecords %d (marker %v)", len(out.Schemas), limit, out.Marker != nil)
		}
		all = append(all, out.Schemas...)
		if out.Marker == nil {
			return all
		}
		if pages > 100 {
			t.Fatal("DescribeSchemas never ends")
		}
		in.Marker = out.Marker
	}
}

func TestLifecycleOnPostgreSQL(t *testing.T) {
	h := start(t)
	db := testdb.New(t, connector.Postgres, "dms_life")
	db.Exec(t, "CREATE SCHEMA sales", "CREATE TABLE sales.orders (id int PRIMARY KEY, total numeric)",
		"CREATE SCHEMA hr", "CREATE TABLE hr.people (id int PRIMARY KEY, name text)", "CREATE TABLE public.notes (body text)")

	created, err := h.c.CreateReplicationInstance(ctx, &dms.CreateReplicationInstanceInput{
		ReplicationInstanceIdentifier: aws.String("My-Instance-1"), ReplicationInstanceClass: aws.String("dms.t3.medium"),
		Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("data")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	ri := created.ReplicationInstance
	instanceArn := aws.ToString(ri.ReplicationInstanceArn)
	if aws.ToString(ri.ReplicationInstanceIdentifier) != "my-instance-1" || aws.ToString(ri.ReplicationInstanceStatus) != "creating" ||
		!strings.HasPrefix(instanceArn, "arn:aws:dms:us-east-1:"+h.env.Key.AccountID+":rep:") || len(instanceArn) != len("arn:aws:dms:us-east-1:123456789012:rep:")+26 {
		t.Fatalf("created instance = %s %s %s; want my-instance-1, creating, a rep ARN", aws.ToString(ri.ReplicationInstanceIdentifier),
			aws.ToString(ri.ReplicationInstanceStatus), instanceArn)
	}

	endpointArn := h.endpoint(t, pgEndpoint("Pg-Source", db))
	if !strings.Contains(endpointArn, ":endpoint:") {
		t.Fatalf("endpoint ARN = %s", endpointArn)
	}

	// Nothing can be tested or refreshed on an instance still being created.
	_, err = h.c.TestConnection(ctx, &dms.TestConnectionInput{EndpointArn: &endpointArn, ReplicationInstanceArn: &instanceArn})
	wantFault(t, err, "InvalidResourceStateFault", "is not available (its status is creating)")
	_, err = h.c.RefreshSchemas(ctx, &dms.RefreshSchemasInput{EndpointArn: &endpointArn, ReplicationInstanceArn: &instanceArn})
	wantFault(t, err, "InvalidResourceStateFault", "is not available")

	// The first describe finishes the creation.
	d, err := h.c.DescribeReplicationInstances(ctx, &dms.DescribeReplicationInstancesInput{})
	if err != nil || len(d.ReplicationInstances) != 1 || aws.ToString(d.ReplicationInstances[0].ReplicationInstanceStatus) != "available" {
		t.Fatalf("DescribeReplicationInstances = %+v, %v", d, err)
	}

	// Before a successful test and before any refresh.
	_, err = h.c.RefreshSchemas(ctx, &dms.RefreshSchemasInput{EndpointArn: &endpointArn, ReplicationInstanceArn: &instanceArn})
	wantFault(t, err, "InvalidResourceStateFault", "Test connection for replication instance "+instanceArn+" and endpoint "+endpointArn+" should be successful")
	_, err = h.c.DescribeRefreshSchemasStatus(ctx, &dms.DescribeRefreshSchemasStatusInput{EndpointArn: &endpointArn})
	wantFault(t, err, "InvalidResourceStateFault", "have not been refreshed")
	_, err = h.c.DescribeSchemas(ctx, &dms.DescribeSchemasInput{EndpointArn: &endpointArn})
	wantFault(t, err, "InvalidResourceStateFault", "have not been refreshed")

	conn := h.testConnection(t, endpointArn, instanceArn)
	if aws.ToString(conn.Status) != "successful" || conn.LastFailureMessage != nil ||
		aws.ToString(conn.EndpointIdentifier) != "pg-source" || aws.ToString(conn.ReplicationInstanceIdentifier) != "my-instance-1" {
		t.Fatalf("connection = %+v; want successful pg-source/my-instance-1", conn)
	}
	// Testing the same pair again works.
	if conn := h.testConnection(t, endpointArn, instanceArn); aws.ToString(conn.Status) != "successful" {
		t.Fatalf("second test = %s; want successful", aws.ToString(conn.Status))
	}

	before := time.Now().Add(-time.Second)
	st := h.refresh(t, endpointArn, instanceArn)
	if st.Status != "successful" || st.LastRefreshDate == nil || st.LastRefreshDate.Before(before) ||
		aws.ToString(st.ReplicationInstanceArn) != instanceArn || aws.ToString(st.EndpointArn) != endpointArn {
		t.Fatalf("refresh status = %+v; want successful with a LastRefreshDate", st)
	}
	if got, want := h.schemas(t, endpointArn, 0), []string{"hr", "public", "sales"}; !slices.Equal(got, want) {
		t.Fatalf("schemas = %v; want %v", got, want)
	}
	// The refresh recorded the tables in the catalog, under the endpoint's source.
	if got, want := catalogTables(t, h.env, "dms-endpoint:"+endpointArn), []string{"hr.people", "public.notes", "sales.orders"}; !slices.Equal(got, want) {
		t.Fatalf("catalog tables = %v; want %v", got, want)
	}

	// A later refresh sees schemas created and dropped since.
	db.Exec(t, "CREATE SCHEMA inventory", "DROP SCHEMA hr CASCADE")
	if st := h.refresh(t, endpointArn, instanceArn); st.Status != "successful" {
		t.Fatalf("second refresh = %+v", st)
	}
	if got, want := h.schemas(t, endpointArn, 0), []string{"inventory", "public", "sales"}; !slices.Equal(got, want) {
		t.Fatalf("schemas after CREATE/DROP SCHEMA = %v; want %v", got, want)
	}

	// Describe, modify and tag the endpoint.
	eps, err := h.c.DescribeEndpoints(ctx, &dms.DescribeEndpointsInput{Filters: []types.Filter{
		{Name: aws.String("engine-name"), Values: []string{"postgres"}}, {Name: aws.String("endpoint-type"), Values: []string{"source"}},
		{Name: aws.String("endpoint-id"), Values: []string{"pg-source"}},
	}})
	if err != nil || len(eps.Endpoints) != 1 {
		t.Fatalf("DescribeEndpoints = %+v, %v", eps, err)
	}
	e := eps.Endpoints[0]
	if aws.ToString(e.Status) != "active" || aws.ToString(e.EngineDisplayName) != "PostgreSQL" || aws.ToInt32(e.Port) != int32(db.Source.Port) ||
		aws.ToString(e.DatabaseName) != db.Source.Database || e.PostgreSQLSettings == nil || e.PostgreSQLSettings.Password != nil ||
		aws.ToString(e.PostgreSQLSettings.DatabaseName) != db.Source.Database {
		t.Fatalf("endpoint = %+v", e)
	}
	mod, err := h.c.ModifyEndpoint(ctx, &dms.ModifyEndpointInput{EndpointArn: &endpointArn, EndpointIdentifier: aws.String("pg-renamed"),
		PostgreSQLSettings: &types.PostgreSQLSettings{HeartbeatEnable: aws.Bool(true), Password: aws.String("pg-pw-modified-5512")}})
	if err != nil || aws.ToString(mod.Endpoint.EndpointIdentifier) != "pg-renamed" || !aws.ToBool(mod.Endpoint.PostgreSQLSettings.HeartbeatEnable) {
		t.Fatalf("ModifyEndpoint = %+v, %v", mod, err)
	}
	if _, err := h.c.AddTagsToResource(ctx, &dms.AddTagsToResourceInput{ResourceArn: &endpointArn,
		Tags: []types.Tag{{Key: aws.String("env"), Value: aws.String("test")}, {Key: aws.String("owner"), Value: aws.String("me")}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.c.RemoveTagsFromResource(ctx, &dms.RemoveTagsFromResourceInput{ResourceArn: &endpointArn, TagKeys: []string{"owner"}}); err != nil {
		t.Fatal(err)
	}
	tags, err := h.c.ListTagsForResource(ctx, &dms.ListTagsForResourceInput{ResourceArn: &endpointArn})
	if err != nil || len(tags.TagList) != 1 || aws.ToString(tags.TagList[0].Key) != "env" || aws.ToString(tags.TagList[0].ResourceArn) != endpointArn {
		t.Fatalf("ListTagsForResource = %+v, %v; want env=test", tags, err)
	}
	itags, err := h.c.ListTagsForResource(ctx, &dms.ListTagsForResourceInput{ResourceArn: &instanceArn})
	if err != nil || len(itags.TagList) != 1 || aws.ToString(itags.TagList[0].Value) != "data" {
		t.Fatalf("instance tags = %+v, %v; want team=data", itags, err)
	}

	// Delete: the endpoint reports deleting, then is gone with its connections.
	del, err := h.c.DeleteEndpoint(ctx, &dms.DeleteEndpointInput{EndpointArn: &endpointArn})
	if err != nil || aws.ToString(del.Endpoint.Status) != "deleting" {
		t.Fatalf("DeleteEndpoint = %+v, %v", del, err)
	}
	_, err = h.c.DescribeEndpoints(ctx, &dms.DescribeEndpointsInput{Filters: []types.Filter{{Name: aws.String("endpoint-arn"), Values: []string{endpointArn}}}})
	wantFault(t, err, "ResourceNotFoundFault", "No endpoints found")
	if cs, err := h.c.DescribeConnections(ctx, &dms.DescribeConnectionsInput{}); err != nil || len(cs.Connections) != 0 {
		t.Fatalf("connections after delete = %+v, %v", cs, err)
	}
	_, err = h.c.DescribeSchemas(ctx, &dms.DescribeSchemasInput{EndpointArn: &endpointArn})
	wantFault(t, err, "ResourceNotFoundFault", "Endpoint could not be found.")
	ridel, err := h.c.DeleteReplicationInstance(ctx, &dms.DeleteReplicationInstanceInput{ReplicationInstanceArn: &instanceArn})
	if err != nil || aws.ToString(ridel.ReplicationInstance.ReplicationInstanceStatus) != "deleting" {
		t.Fatalf("DeleteReplicationInstance = %+v, %v", ridel, err)
	}
	_, err = h.c.DeleteReplicationInstance(ctx, &dms.DeleteReplicationInstanceInput{ReplicationInstanceArn: &instanceArn})
	wantFault(t, err, "InvalidResourceStateFault", "is already being deleted")

	h.rec.assertNever(t, "pg-pw-not-needed-7731", "pg-pw-modified-5512")
}

// catalogTables lists the tables the catalog holds for a source, as namespace.table.
func catalogTables(t *testing.T, env *servertest.Env, source string) []string {
	t.Helper()
	db, err := store.Open(ctx, env.Config.DataDir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var names []string
	err = db.ReadTx(ctx, func(tx *store.Tx) error {
		assets, err := (&catalog.Catalog{}).AssetsOfSource(ctx, tx, source)
		for _, a := range assets {
			names = append(names, a.Ref.Namespace+"."+a.Ref.Table)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(names)
	return names
}

func TestMariaDBWithPasswordAndSecret(t *testing.T) {
	h := start(t)
	db := testdb.New(t, connector.MySQL, "dms_my")
	db.Exec(t, "CREATE TABLE items (id int PRIMARY KEY)")
	user, pw := testdb.Name("u"), "my-pw-"+testdb.Name("s")
	for _, host := range []string{"%", "localhost", "127.0.0.1"} {
		db.Exec(t, fmt.Sprintf("CREATE USER '%s'@'%s' IDENTIFIED BY '%s'", user, host, pw),
			fmt.Sprintf("GRANT ALL ON %s.* TO '%s'@'%s'", db.Source.Database, user, host))
	}
	t.Cleanup(func() {
		for _, host := range []string{"%", "localhost", "127.0.0.1"} {
			_, _ = db.SQL.Exec(fmt.Sprintf("DROP USER IF EXISTS '%s'@'%s'", user, host))
		}
	})
	instanceArn := h.instance(t, "maria-runner", false)
	s := db.Source

	// Credentials from a Secrets Manager secret.
	sm := secretsmanager.NewFromConfig(h.env.AWS())
	sec, err := sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("dms/maria"), SecretString: aws.String(fmt.Sprintf(
		`{"engine":"mariadb","host":%q,"port":%d,"username":%q,"password":%q,"dbname":%q}`, s.Host, s.Port, user, pw, s.Database))})
	if err != nil {
		t.Fatal(err)
	}
	viaSecret := h.endpoint(t, &dms.CreateEndpointInput{EndpointIdentifier: aws.String("maria-secret"), EngineName: aws.String("mariadb"),
		MySQLSettings: &types.MySQLSettings{SecretsManagerSecretId: sec.ARN}})
	if c := h.testConnection(t, viaSecret, instanceArn); aws.ToString(c.Status) != "successful" {
		t.Fatalf("test via secret = %+v (%s)", c, aws.ToString(c.LastFailureMessage))
	}
	if st := h.refresh(t, viaSecret, instanceArn); st.Status != "successful" {
		t.Fatalf("refresh = %+v (%s)", st, aws.ToString(st.LastFailureMessage))
	}
	if got := h.schemas(t, viaSecret, 0); !slices.Equal(got, []string{s.Database}) {
		t.Fatalf("schemas = %v; want [%s]", got, s.Database)
	}

	// Plain credentials, right and wrong.
	right := h.endpoint(t, &dms.CreateEndpointInput{EndpointIdentifier: aws.String("maria-right"), EngineName: aws.String("mariadb"),
		ServerName: &s.Host, Port: aws.Int32(int32(s.Port)), DatabaseName: &s.Database, Username: &user, Password: &pw})
	if c := h.testConnection(t, right, instanceArn); aws.ToString(c.Status) != "successful" {
		t.Fatalf("test with the right password = %+v (%s)", c, aws.ToString(c.LastFailureMessage))
	}
	wrong := h.endpoint(t, &dms.CreateEndpointInput{EndpointIdentifier: aws.String("maria-wrong"), EngineName: aws.String("mysql"),
		ServerName: &s.Host, Port: aws.Int32(int32(s.Port)), DatabaseName: &s.Database, Username: &user, Password: aws.String(pw + "-typo")})
	c := h.testConnection(t, wrong, instanceArn)
	msg := aws.ToString(c.LastFailureMessage)
	if aws.ToString(c.Status) != "failed" || !strings.Contains(strings.ToLower(msg), "denied") || strings.Contains(msg, pw) {
		t.Fatalf("test with a wrong password = %s %q; want failed, access denied, no password", aws.ToString(c.Status), msg)
	}
	// A failed test blocks refreshes.
	_, err = h.c.RefreshSchemas(ctx, &dms.RefreshSchemasInput{EndpointArn: &wrong, ReplicationInstanceArn: &instanceArn})
	wantFault(t, err, "InvalidResourceStateFault", "should be successful for refreshing schemas (the connection status is failed)")

	h.rec.assertNever(t, pw)
}

func TestConnectionFailures(t *testing.T) {
	h := start(t)
	pg := testdb.Server(t, connector.Postgres)
	missing := testdb.Name("dms_missing")
	instanceArn := h.instance(t, "failures", false)
	for _, tc := range []struct {
		name string
		in   *dms.CreateEndpointInput
		want string // in LastFailureMessage, lowercased
	}{
		{"unreachable host", &dms.CreateEndpointInput{EngineName: aws.String("postgres"), ServerName: aws.String("127.0.0.1"),
			Port: aws.Int32(1), DatabaseName: aws.String("x"), Username: aws.String("postgres"), Password: aws.String("unreach-pw-4411")}, "127.0.0.1:1"},
		{"missing database", &dms.CreateEndpointInput{EngineName: aws.String("postgres"), ServerName: &pg.Host,
			Port: aws.Int32(int32(pg.Port)), DatabaseName: &missing, Username: &pg.User, Password: aws.String("missing-pw-4412")}, missing},
		{"missing sqlite file", &dms.CreateEndpointInput{EngineName: aws.String("sqlite"),
			DatabaseName: aws.String(filepath.Join(t.TempDir(), "nope.db"))}, "nope.db"},
		{"missing secret", &dms.CreateEndpointInput{EngineName: aws.String("aurora-postgresql"),
			PostgreSQLSettings: &types.PostgreSQLSettings{SecretsManagerSecretId: aws.String("no-such-secret")}}, "secret no-such-secret was not found"},
		// CreateEndpoint needs only the identifier, type and engine; what a connection lacks
		// makes the test fail, saying what to set.
		{"no server name", &dms.CreateEndpointInput{EngineName: aws.String("postgres")},
			"endpoint no-server-name has no server name: set servername with modifyendpoint"},
		{"no sqlite path", &dms.CreateEndpointInput{EngineName: aws.String("sqlite")},
			"endpoint no-sqlite-path has no database file path: set databasename"},
		{"no bucket", &dms.CreateEndpointInput{EngineName: aws.String("s3")},
			"endpoint no-bucket has no s3settings bucketname: set it with modifyendpoint"},
		{"an engine Surveyor does not read", &dms.CreateEndpointInput{EngineName: aws.String("oracle"), ServerName: aws.String("ora.example.com")},
			"surveyor cannot connect to oracle endpoints; it reads postgres, aurora-postgresql, mysql, mariadb, aurora, sqlite, s3 endpoints"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.in.EndpointIdentifier = aws.String(strings.ReplaceAll(tc.name, " ", "-"))
			arn := h.endpoint(t, tc.in)
			c := h.testConnection(t, arn, instanceArn)
			msg := aws.ToString(c.LastFailureMessage)
			if aws.ToString(c.Status) != "failed" || !strings.Contains(strings.ToLower(msg), strings.ToLower(tc.want)) {
				t.Fatalf("connection = %s %q; want failed mentioning %q", aws.ToString(c.Status), msg, tc.want)
			}
			if pw := aws.ToString(tc.in.Password); pw != "" && strings.Contains(msg, pw) {
				t.Fatalf("failure message holds the password: %q", msg)
			}
		})
	}
	h.rec.assertNever(t, "unreach-pw-4411", "missing-pw-4412")
}

func TestSQLiteEndpoint(t *testing.T) {
	h := start(t)
	path := filepath.Join(t.TempDir(), "app.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT)"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	instanceArn := h.instance(t, "lite", false)
	arn := h.endpoint(t, &dms.CreateEndpointInput{EndpointIdentifier: aws.String("lite"), EngineName: aws.String("sqlite"), DatabaseName: &path})
	if c := h.testConnection(t, arn, instanceArn); aws.ToString(c.Status) != "successful" {
		t.Fatalf("test = %+v (%s)", c, aws.ToString(c.LastFailureMessage))
	}
	if st := h.refresh(t, arn, instanceArn); st.Status != "successful" {
		t.Fatalf("refresh = %+v", st)
	}
	if got := h.schemas(t, arn, 0); !slices.Equal(got, []string{"main"}) {
		t.Fatalf("schemas = %v; want [main]", got)
	}
}

func TestDescribeSchemasPagesOver150Schemas(t *testing.T) {
	h := start(t)
	db := testdb.New(t, connector.Postgres, "dms_page")
	var stmts []string
	want := []string{"public"}
	for i := range 150 {
		stmts = append(stmts, fmt.Sprintf("CREATE SCHEMA s%03d", i))
		want = append(want, fmt.Sprintf("s%03d", i))
	}
	db.Exec(t, strings.Join(stmts, "; "))
	slices.Sort(want)
	instanceArn := h.instance(t, "pager", false)
	arn := h.endpoint(t, pgEndpoint("pager", db))
	h.testConnection(t, arn, instanceArn)
	if st := h.refresh(t, arn, instanceArn); st.Status != "successful" {
		t.Fatalf("refresh = %+v", st)
	}
	for _, max := range []int32{0, 20, 37, 100} {
		t.Run(fmt.Sprintf("MaxRecords %d", max), func(t *testing.T) {
			got := h.schemas(t, arn, max)
			if !slices.Equal(got, want) {
				t.Fatalf("got %d schemas (%v…); want %d", len(got), got[:min(5, len(got))], len(want))
			}
		})
	}
	for _, max := range []int32{19, 101, 0 - 1} {
		t.Run(fmt.Sprintf("MaxRecords %d is refused", max), func(t *testing.T) {
			_, err := h.c.DescribeSchemas(ctx, &dms.DescribeSchemasInput{EndpointArn: &arn, MaxRecords: &max})
			wantFault(t, err, "InvalidParameterValueException", "MaxRecords")
		})
	}
	t.Run("a forged Marker is refused", func(t *testing.T) {
		_, err := h.c.DescribeSchemas(ctx, &dms.DescribeSchemasInput{EndpointArn: &arn, Marker: aws.String("eyJvIjo1MH0")})
		wantFault(t, err, "InvalidParameterValueException", "Marker")
	})
}

func TestFaults(t *testing.T) {
	h := start(t)
	instanceArn := h.instance(t, "faults", false)
	db := testdb.New(t, connector.Postgres, "dms_fault")
	endpointArn := h.endpoint(t, pgEndpoint("faults-pg", db))
	acct := h.env.Key.AccountID
	ghostEndpoint := "arn:aws:dms:us-east-1:" + acct + ":endpoint:AAAAAAAAAAAAAAAAAAAAAAAAAA"
	ghostInstance := "arn:aws:dms:us-east-1:" + acct + ":rep:AAAAAAAAAAAAAAAAAAAAAAAAAA"

	for _, tc := range []struct {
		name string
		call func() error
		code string
		msg  string
	}{
		{"refresh of a missing endpoint", func() error {
			_, err := h.c.RefreshSchemas(ctx, &dms.RefreshSchemasInput{EndpointArn: &ghostEndpoint, ReplicationInstanceArn: &instanceArn})
			return err
		}, "ResourceNotFoundFault", "Endpoint could not be found."},
		{"refresh with a missing instance", func() error {
			_, err := h.c.RefreshSchemas(ctx, &dms.RefreshSchemasInput{EndpointArn: &endpointArn, ReplicationInstanceArn: &ghostInstance})
			return err
		}, "ResourceNotFoundFault", "Replication instance could not be found."},
		{"refresh with text that is no ARN", func() error {
			_, err := h.c.RefreshSchemas(ctx, &dms.RefreshSchemasInput{EndpointArn: aws.String("faults-pg"), ReplicationInstanceArn: &instanceArn})
			return err
		}, "ResourceNotFoundFault", "Endpoint could not be found."},
		{"test with a missing endpoint", func() error {
			_, err := h.c.TestConnection(ctx, &dms.TestConnectionInput{EndpointArn: &ghostEndpoint, ReplicationInstanceArn: &instanceArn})
			return err
		}, "ResourceNotFoundFault", "Endpoint could not be found."},
		{"refresh status of a missing endpoint", func() error {
			_, err := h.c.DescribeRefreshSchemasStatus(ctx, &dms.DescribeRefreshSchemasStatusInput{EndpointArn: &ghostEndpoint})
			return err
		}, "ResourceNotFoundFault", "Endpoint could not be found."},
		{"refresh status before any refresh", func() error {
			_, err := h.c.DescribeRefreshSchemasStatus(ctx, &dms.DescribeRefreshSchemasStatusInput{EndpointArn: &endpointArn})
			return err
		}, "InvalidResourceStateFault", "have not been refreshed"},
		{"schemas before any refresh", func() error {
			_, err := h.c.DescribeSchemas(ctx, &dms.DescribeSchemasInput{EndpointArn: &endpointArn})
			return err
		}, "InvalidResourceStateFault", "have not been refreshed"},
		{"refresh without a connection test", func() error {
			_, err := h.c.RefreshSchemas(ctx, &dms.RefreshSchemasInput{EndpointArn: &endpointArn, ReplicationInstanceArn: &instanceArn})
			return err
		}, "InvalidResourceStateFault", "should be successful for refreshing schemas (the connection status is not tested)"},
		{"duplicate endpoint identifier, any case", func() error {
			_, err := h.c.CreateEndpoint(ctx, pgEndpoint("FAULTS-PG", db))
			var dup *types.ResourceAlreadyExistsFault
			if errors.As(err, &dup) && aws.ToString(dup.ResourceArn) != endpointArn {
				return fmt.Errorf("resourceArn = %q; want %s", aws.ToString(dup.ResourceArn), endpointArn)
			}
			return err
		}, "ResourceAlreadyExistsFault", "faults-pg already exists"},
		{"duplicate instance identifier", func() error {
			_, err := h.c.CreateReplicationInstance(ctx, &dms.CreateReplicationInstanceInput{
				ReplicationInstanceIdentifier: aws.String("Faults"), ReplicationInstanceClass: aws.String("dms.t3.micro")})
			return err
		}, "ResourceAlreadyExistsFault", "faults already exists"},
		{"endpoint identifier ending with a hyphen", func() error {
			_, err := h.c.CreateEndpoint(ctx, pgEndpoint("bad-", db))
			return err
		}, "InvalidParameterValueException", "EndpointIdentifier is not a valid identifier"},
		{"endpoint identifier with a double hyphen", func() error {
			_, err := h.c.CreateEndpoint(ctx, pgEndpoint("a--b", db))
			return err
		}, "InvalidParameterValueException", "EndpointIdentifier is not a valid identifier"},
		{"instance identifier starting with a digit", func() error {
			_, err := h.c.CreateReplicationInstance(ctx, &dms.CreateReplicationInstanceInput{
				ReplicationInstanceIdentifier: aws.String("1abc"), ReplicationInstanceClass: aws.String("dms.t3.micro")})
			return err
		}, "InvalidParameterValueException", "ReplicationInstanceIdentifier is not a valid identifier"},
		{"instance identifier of 64 characters", func() error {
			_, err := h.c.CreateReplicationInstance(ctx, &dms.CreateReplicationInstanceInput{
				ReplicationInstanceIdentifier: aws.String("a" + strings.Repeat("b", 63)), ReplicationInstanceClass: aws.String("dms.t3.micro")})
			return err
		}, "InvalidParameterValueException", "1 to 63 characters"},
		{"instance class out of pattern", func() error {
			_, err := h.c.CreateReplicationInstance(ctx, &dms.CreateReplicationInstanceInput{
				ReplicationInstanceIdentifier: aws.String("ok"), ReplicationInstanceClass: aws.String("t3.micro")})
			return err
		}, "InvalidParameterValueException", "ReplicationInstanceClass"},
		{"unknown engine", func() error {
			in := pgEndpoint("ora", db)
			in.EngineName = aws.String("foxpro")
			_, err := h.c.CreateEndpoint(ctx, in)
			return err
		}, "InvalidParameterValueException", `The parameter EngineName "foxpro" is not a valid engine name. Valid engine names: aurora, aurora-postgresql,`},
		{"s3 bucket name with a slash", func() error {
			_, err := h.c.CreateEndpoint(ctx, &dms.CreateEndpointInput{EndpointIdentifier: aws.String("bucket"), EngineName: aws.String("s3"),
				EndpointType: types.ReplicationEndpointTypeValueSource, S3Settings: &types.S3Settings{BucketName: aws.String("lake/raw")}})
			return err
		}, "InvalidParameterValueException", `BucketName "lake/raw" is not a valid bucket name`},
		{"s3 DataFormat out of the enum", func() error {
			_, err := h.c.CreateEndpoint(ctx, &dms.CreateEndpointInput{EndpointIdentifier: aws.String("bucket"), EngineName: aws.String("s3"),
				EndpointType: types.ReplicationEndpointTypeValueSource, S3Settings: &types.S3Settings{BucketName: aws.String("lake"), DataFormat: "orc"}})
			return err
		}, "InvalidParameterValueException", "S3Settings.DataFormat"},
		{"s3 CsvDelimiter of two characters", func() error {
			_, err := h.c.CreateEndpoint(ctx, &dms.CreateEndpointInput{EndpointIdentifier: aws.String("bucket"), EngineName: aws.String("s3"),
				EndpointType: types.ReplicationEndpointTypeValueSource, S3Settings: &types.S3Settings{BucketName: aws.String("lake"), CsvDelimiter: aws.String("||")}})
			return err
		}, "InvalidParameterValueException", "CsvDelimiter \"||\" must be one character"},
		{"S3Settings on a postgres endpoint", func() error {
			in := pgEndpoint("pg-with-s3", db)
			in.S3Settings = &types.S3Settings{BucketName: aws.String("lake")}
			_, err := h.c.CreateEndpoint(ctx, in)
			return err
		}, "InvalidParameterValueException", "S3Settings apply only to the s3 engine, not postgres"},
		{"bad endpoint type", func() error {
			in := pgEndpoint("typed", db)
			in.EndpointType = "sideways"
			_, err := h.c.CreateEndpoint(ctx, in)
			return err
		}, "InvalidParameterValueException", "EndpointType"},
		{"port out of range", func() error {
			in := pgEndpoint("ported", db)
			in.Port = aws.Int32(70000)
			_, err := h.c.CreateEndpoint(ctx, in)
			return err
		}, "InvalidParameterValueException", "Port"},
		{"unknown filter", func() error {
			_, err := h.c.DescribeEndpoints(ctx, &dms.DescribeEndpointsInput{Filters: []types.Filter{{Name: aws.String("colour"), Values: []string{"x"}}}})
			return err
		}, "InvalidParameterValueException", "colour"},
		{"MaxRecords 10 on DescribeEndpoints", func() error {
			_, err := h.c.DescribeEndpoints(ctx, &dms.DescribeEndpointsInput{MaxRecords: aws.Int32(10)})
			return err
		}, "InvalidParameterValueException", "MaxRecords"},
		{"tags of a missing resource", func() error {
			_, err := h.c.ListTagsForResource(ctx, &dms.ListTagsForResourceInput{ResourceArn: &ghostInstance})
			return err
		}, "ResourceNotFoundFault", "could not be found"},
		{"modify a missing endpoint", func() error {
			_, err := h.c.ModifyEndpoint(ctx, &dms.ModifyEndpointInput{EndpointArn: &ghostEndpoint, Port: aws.Int32(5433)})
			return err
		}, "ResourceNotFoundFault", "Endpoint could not be found."},
	} {
		t.Run(tc.name, func(t *testing.T) { wantFault(t, tc.call(), tc.code, tc.msg) })
	}
}

func TestDescribePaging(t *testing.T) {
	h := start(t)
	db := testdb.New(t, connector.Postgres, "dms_list")
	var want []string
	for i := range 25 {
		want = append(want, h.endpoint(t, pgEndpoint(fmt.Sprintf("ep-%02d", i), db)))
	}
	var got []string
	in := &dms.DescribeEndpointsInput{MaxRecords: aws.Int32(20)}
	for {
		out, err := h.c.DescribeEndpoints(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range out.Endpoints {
			got = append(got, aws.ToString(e.EndpointArn))
		}
		if out.Marker == nil {
			break
		}
		in.Marker = out.Marker
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("paged endpoints = %d; want the %d created, each once", len(got), len(want))
	}
	// A marker is bound to its filters.
	first, err := h.c.DescribeEndpoints(ctx, &dms.DescribeEndpointsInput{MaxRecords: aws.Int32(20)})
	if err != nil || first.Marker == nil {
		t.Fatalf("first page = %+v, %v", first, err)
	}
	_, err = h.c.DescribeEndpoints(ctx, &dms.DescribeEndpointsInput{Marker: first.Marker,
		Filters: []types.Filter{{Name: aws.String("engine-name"), Values: []string{"postgres"}}}})
	wantFault(t, err, "InvalidParameterValueException", "Marker")
}

func TestSecondAccountSeesNothing(t *testing.T) {
	h := start(t)
	db := testdb.New(t, connector.Postgres, "dms_acct")
	instanceArn := h.instance(t, "shared-name", false)
	endpointArn := h.endpoint(t, pgEndpoint("shared-name", db))
	h.testConnection(t, endpointArn, instanceArn)
	if st := h.refresh(t, endpointArn, instanceArn); st.Status != "successful" {
		t.Fatalf("refresh = %+v", st)
	}
	other := dms.NewFromConfig(h.env.AWSFor(h.env.NewAccount(t, "222222222222")))
	if eps, err := other.DescribeEndpoints(ctx, &dms.DescribeEndpointsInput{}); err != nil || len(eps.Endpoints) != 0 {
		t.Fatalf("second account DescribeEndpoints = %+v, %v; want none", eps, err)
	}
	if ris, err := other.DescribeReplicationInstances(ctx, &dms.DescribeReplicationInstancesInput{}); err != nil || len(ris.ReplicationInstances) != 0 {
		t.Fatalf("second account DescribeReplicationInstances = %+v, %v; want none", ris, err)
	}
	_, err := other.DescribeSchemas(ctx, &dms.DescribeSchemasInput{EndpointArn: &endpointArn})
	wantFault(t, err, "ResourceNotFoundFault", "Endpoint could not be found.")
	_, err = other.TestConnection(ctx, &dms.TestConnectionInput{EndpointArn: &endpointArn, ReplicationInstanceArn: &instanceArn})
	wantFault(t, err, "ResourceNotFoundFault", "Endpoint could not be found.")
	_, err = other.AddTagsToResource(ctx, &dms.AddTagsToResourceInput{ResourceArn: &endpointArn, Tags: []types.Tag{{Key: aws.String("k")}}})
	wantFault(t, err, "ResourceNotFoundFault", "could not be found")
	_, err = other.DeleteEndpoint(ctx, &dms.DeleteEndpointInput{EndpointArn: &endpointArn})
	wantFault(t, err, "ResourceNotFoundFault", "Endpoint could not be found.")
	// The same identifiers are free in the second account.
	if _, err := other.CreateEndpoint(ctx, pgEndpoint("shared-name", db)); err != nil {
		t.Fatalf("second account CreateEndpoint with the same identifier: %v", err)
	}
	if got := h.schemas(t, endpointArn, 0); !slices.Equal(got, []string{"public"}) {
		t.Fatalf("first account schemas = %v", got)
	}
}

func TestUnknownOperationIsNamed(t *testing.T) {
	h := start(t)
	rename := func(stack *middleware.Stack) error {
		return stack.Build.Add(middleware.BuildMiddlewareFunc("renameTarget", func(ctx context.Context, in middleware.BuildInput, next middleware.BuildHandler) (middleware.BuildOutput, middleware.Metadata, error) {
			if req, ok := in.Request.(*smithyhttp.Request); ok {
				req.Header.Set("X-Amz-Target", "AmazonDMSv20160101.StartReplicationTaskAssessment")
			}
			return next.HandleBuild(ctx, in)
		}), middleware.After)
	}
	_, err := h.c.DescribeEndpoints(ctx, &dms.DescribeEndpointsInput{}, func(o *dms.Options) { o.APIOptions = append(o.APIOptions, rename) })
	wantFault(t, err, "UnknownOperationException", "AmazonDMSv20160101.StartReplicationTaskAssessment")
}
