package glue_test

import (
	"bytes"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	"github.com/aws/aws-sdk-go-v2/service/glue/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	_ "modernc.org/sqlite"

	"github.com/surveyorhq/surveyor/internal/connector"
	"github.com/surveyorhq/surveyor/internal/testdb"
)

// recorder keeps every response body the client read.
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

func (r *recorder) count(s string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, b := range r.bodies {
		if strings.Contains(b, s) {
			n++
		}
	}
	return n
}

func jdbc(name, url string, props ...string) *types.ConnectionInput {
	p := map[string]string{"JDBC_CONNECTION_URL": url}
	for i := 0; i+1 < len(props); i += 2 {
		p[props[i]] = props[i+1]
	}
	return &types.ConnectionInput{Name: aws.String(name), ConnectionType: types.ConnectionTypeJdbc, ConnectionProperties: p}
}

func TestConnections(t *testing.T) {
	c, env := client(t)
	rec := &recorder{}
	c = glue.NewFromConfig(env.AWS(), func(o *glue.Options) { o.HTTPClient = rec })
	const password = "Pa55-w0rd-xyz"
	out := must(c.CreateConnection(ctx, &glue.CreateConnectionInput{ConnectionInput: jdbc("pg", "jdbc:postgresql://db.example:5432/sales",
		"USERNAME", "app", "PASSWORD", password), Tags: map[string]string{"env": "test"}}))(t)
	if out.CreateConnectionStatus != types.ConnectionStatusReady {
		t.Fatalf("CreateConnectionStatus %q", out.CreateConnectionStatus)
	}
	_, err := c.CreateConnection(ctx, &glue.CreateConnectionInput{ConnectionInput: jdbc("pg", "jdbc:postgresql://h/d", "SECRET_ID", "s")})
	wantErr(t, err, "AlreadyExistsException", "Connection pg already exists")
	_, err = c.CreateConnection(ctx, &glue.CreateConnectionInput{ConnectionInput: jdbc("nocreds", "jdbc:postgresql://h/d")})
	wantErr(t, err, "InvalidInputException", "needs USERNAME and PASSWORD, or SECRET_ID")
	_, err = c.CreateConnection(ctx, &glue.CreateConnectionInput{ConnectionInput: jdbc("badkey", "jdbc:postgresql://h/d", "SECRET_ID", "s", "NOT_A_KEY", "x")})
	wantErr(t, err, "InvalidInputException", "at 'connectionInput.connectionProperties' failed to satisfy constraint: Map keys must satisfy constraint: [Member must satisfy enum value set:")

	hidden := must(c.GetConnection(ctx, &glue.GetConnectionInput{Name: aws.String("pg"), HidePassword: true}))(t).Connection
	if _, ok := hidden.ConnectionProperties["PASSWORD"]; ok || hidden.ConnectionProperties["USERNAME"] != "app" ||
		hidden.ConnectionType != types.ConnectionTypeJdbc || hidden.CreationTime == nil || hidden.Status != types.ConnectionStatusReady {
		t.Fatalf("GetConnection HidePassword: %+v", hidden)
	}
	if rec.count(password) != 0 {
		t.Fatal("the password came back before anyone asked for it")
	}
	shown := must(c.GetConnection(ctx, &glue.GetConnectionInput{Name: aws.String("pg")}))(t).Connection
	if shown.ConnectionProperties["PASSWORD"] != password {
		t.Fatalf("GetConnection without HidePassword: %v", shown.ConnectionProperties)
	}
	tags := must(c.GetTags(ctx, &glue.GetTagsInput{ResourceArn: aws.String(fmt.Sprintf("arn:aws:glue:us-east-1:%s:connection/pg", env.Key.AccountID))}))(t)
	if tags.Tags["env"] != "test" {
		t.Fatalf("tags %v", tags.Tags)
	}

	// GetConnections filters and pages.
	must(c.CreateConnection(ctx, &glue.CreateConnectionInput{ConnectionInput: &types.ConnectionInput{Name: aws.String("net"),
		ConnectionType: types.ConnectionTypeNetwork, ConnectionProperties: map[string]string{}, MatchCriteria: []string{"vpc"}}}))(t)
	must(c.CreateConnection(ctx, &glue.CreateConnectionInput{ConnectionInput: jdbc("my", "jdbc:mysql://h:3306/shop", "SECRET_ID", "shop")}))(t)
	var names []string
	p := glue.NewGetConnectionsPaginator(c, &glue.GetConnectionsInput{MaxResults: aws.Int32(1), HidePassword: true})
	for p.HasMorePages() {
		for _, cn := range must(p.NextPage(ctx))(t).ConnectionList {
			names = append(names, *cn.Name)
		}
	}
	if !slices.Equal(names, []string{"my", "net", "pg"}) {
		t.Fatalf("GetConnections: %v", names)
	}
	jd := must(c.GetConnections(ctx, &glue.GetConnectionsInput{Filter: &types.GetConnectionsFilter{ConnectionType: types.ConnectionTypeJdbc}, HidePassword: true}))(t)
	vpc := must(c.GetConnections(ctx, &glue.GetConnectionsInput{Filter: &types.GetConnectionsFilter{MatchCriteria: []string{"vpc"}}}))(t)
	if len(jd.ConnectionList) != 2 || len(vpc.ConnectionList) != 1 || *vpc.ConnectionList[0].Name != "net" {
		t.Fatalf("filters: %d jdbc, %d vpc", len(jd.ConnectionList), len(vpc.ConnectionList))
	}

	// Update replaces the properties whole (the password goes) and may rename.
	must(c.UpdateConnection(ctx, &glue.UpdateConnectionInput{Name: aws.String("pg"),
		ConnectionInput: jdbc("pg2", "jdbc:postgresql://db.example:5433/sales", "SECRET_ID", "pg-creds")}))(t)
	_, err = c.GetConnection(ctx, &glue.GetConnectionInput{Name: aws.String("pg")})
	wantErr(t, err, "EntityNotFoundException", "Connection pg not found")
	upd := must(c.GetConnection(ctx, &glue.GetConnectionInput{Name: aws.String("pg2")}))(t).Connection
	if _, ok := upd.ConnectionProperties["PASSWORD"]; ok || upd.ConnectionProperties["SECRET_ID"] != "pg-creds" {
		t.Fatalf("updated: %v", upd.ConnectionProperties)
	}
	_, err = c.UpdateConnection(ctx, &glue.UpdateConnectionInput{Name: aws.String("pg2"), ConnectionInput: jdbc("my", "jdbc:mysql://h/d", "SECRET_ID", "s")})
	wantErr(t, err, "AlreadyExistsException", "Connection my already exists")
	_, err = c.UpdateConnection(ctx, &glue.UpdateConnectionInput{Name: aws.String("ghost"), ConnectionInput: jdbc("ghost", "jdbc:mysql://h/d", "SECRET_ID", "s")})
	wantErr(t, err, "EntityNotFoundException", "Connection ghost not found")

	// Delete, batch delete.
	must(c.DeleteConnection(ctx, &glue.DeleteConnectionInput{ConnectionName: aws.String("net")}))(t)
	_, err = c.DeleteConnection(ctx, &glue.DeleteConnectionInput{ConnectionName: aws.String("net")})
	wantErr(t, err, "EntityNotFoundException", "Connection net not found")
	bd := must(c.BatchDeleteConnection(ctx, &glue.BatchDeleteConnectionInput{ConnectionNameList: []string{"my", "ghost"}}))(t)
	if !slices.Equal(bd.Succeeded, []string{"my"}) || len(bd.Errors) != 1 || *bd.Errors["ghost"].ErrorCode != "EntityNotFoundException" {
		t.Fatalf("BatchDeleteConnection: %+v", bd)
	}
	_, err = c.BatchDeleteConnection(ctx, &glue.BatchDeleteConnectionInput{ConnectionNameList: make([]string, 26)})
	wantErr(t, err, "InvalidInputException", "at 'connectionNameList' failed to satisfy constraint: Member must have length less than or equal to 25")
}

// TestTestConnection connects for real: PostgreSQL and MariaDB through stored connections
// (password sealed, or a Secrets Manager secret), SQLite through TestConnectionInput; a
// failure says why without the password.
func TestTestConnection(t *testing.T) {
	c, env := client(t)
	pg := testdb.New(t, connector.Postgres, "glue_conn")
	my := testdb.New(t, connector.MySQL, "glue_conn")
	const password = "not-the-real-one-9f3"

	must(c.CreateConnection(ctx, &glue.CreateConnectionInput{ConnectionInput: jdbc("pg",
		fmt.Sprintf("jdbc:postgresql://%s/%s", pg.Source.Address(), pg.Source.Database), "USERNAME", pg.Source.User, "PASSWORD", password)}))(t) // the test server trusts loopback logins
	must(c.TestConnection(ctx, &glue.TestConnectionInput{ConnectionName: aws.String("pg")}))(t)

	sm := secretsmanager.NewFromConfig(env.AWS())
	must(sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("maria"),
		SecretString: aws.String(fmt.Sprintf(`{"username":%q,"password":%q}`, my.Source.User, my.Source.Password))}))(t)
	must(c.CreateConnection(ctx, &glue.CreateConnectionInput{ConnectionInput: jdbc("maria",
		fmt.Sprintf("jdbc:mariadb://%s/%s", my.Source.Address(), my.Source.Database), "SECRET_ID", "maria")}))(t)
	must(c.TestConnection(ctx, &glue.TestConnectionInput{ConnectionName: aws.String("maria")}))(t)

	dbPath := filepath.Join(t.TempDir(), "app.db")
	lite, err := sql.Open("sqlite", dbPath)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lite.Exec(`CREATE TABLE t (id INTEGER)`); err != nil {
		t.Fatal(err)
	}
	lite.Close()
	must(c.TestConnection(ctx, &glue.TestConnectionInput{TestConnectionInput: &types.TestConnectionInput{
		ConnectionType: types.ConnectionTypeJdbc, ConnectionProperties: map[string]string{"JDBC_CONNECTION_URL": "jdbc:sqlite:" + dbPath}}}))(t)

	// Failures: a database that does not exist, a secret that does not exist, an engine Surveyor has no connector for.
	must(c.CreateConnection(ctx, &glue.CreateConnectionInput{ConnectionInput: jdbc("nodb",
		fmt.Sprintf("jdbc:postgresql://%s/no_such_db_here", pg.Source.Address()), "USERNAME", "postgres", "PASSWORD", password)}))(t)
	_, err = c.TestConnection(ctx, &glue.TestConnectionInput{ConnectionName: aws.String("nodb")})
	wantErr(t, err, "InvalidInputException", "Test connection failed")
	if strings.Contains(err.Error(), password) {
		t.Fatalf("the failure shows the password: %v", err)
	}
	must(c.CreateConnection(ctx, &glue.CreateConnectionInput{ConnectionInput: jdbc("nosecret", "jdbc:mysql://127.0.0.1:3306/x", "SECRET_ID", "missing")}))(t)
	_, err = c.TestConnection(ctx, &glue.TestConnectionInput{ConnectionName: aws.String("nosecret")})
	wantErr(t, err, "InvalidInputException", "secret missing was not found")
	_, err = c.TestConnection(ctx, &glue.TestConnectionInput{TestConnectionInput: &types.TestConnectionInput{
		ConnectionType: types.ConnectionTypeJdbc, ConnectionProperties: map[string]string{"JDBC_CONNECTION_URL": "jdbc:oracle:thin:@h:1521/x", "SECRET_ID": "s"}}})
	wantErr(t, err, "InvalidInputException", "not supported")
	_, err = c.TestConnection(ctx, &glue.TestConnectionInput{ConnectionName: aws.String("ghost")})
	wantErr(t, err, "EntityNotFoundException", "Connection ghost not found")
	// The outbound policy (the default here): the metadata address and a socket directory, which
	// would let anyone in without the password, are refused with the rule that refused them.
	_, err = c.TestConnection(ctx, &glue.TestConnectionInput{TestConnectionInput: &types.TestConnectionInput{
		ConnectionType: types.ConnectionTypeJdbc, ConnectionProperties: map[string]string{"JDBC_CONNECTION_URL": "jdbc:postgresql://169.254.169.254:5432/x", "USERNAME": "u", "PASSWORD": password}}})
	wantErr(t, err, "InvalidInputException", "the outbound policy refuses address 169.254.169.254 (--deny-hosts link-local)")
	_, err = c.TestConnection(ctx, &glue.TestConnectionInput{TestConnectionInput: &types.TestConnectionInput{
		ConnectionType: types.ConnectionTypeJdbc, ConnectionProperties: map[string]string{"JDBC_ENGINE": "postgresql", "HOST": "/var/run/postgresql",
			"PORT": "5432", "DATABASE": pg.Source.Database, "USERNAME": "postgres", "PASSWORD": password}}})
	wantErr(t, err, "InvalidInputException", "the outbound policy refuses Unix socket /var/run/postgresql/.s.PGSQL.5432")
	if strings.Contains(err.Error(), password) {
		t.Fatalf("the failure shows the password: %v", err)
	}
	_, err = c.TestConnection(ctx, &glue.TestConnectionInput{})
	wantErr(t, err, "InvalidInputException", "Exactly one of ConnectionName and TestConnectionInput")
	_, err = c.TestConnection(ctx, &glue.TestConnectionInput{ConnectionName: aws.String("pg"), TestConnectionInput: &types.TestConnectionInput{
		ConnectionType: types.ConnectionTypeJdbc, ConnectionProperties: map[string]string{"JDBC_CONNECTION_URL": "jdbc:sqlite:" + dbPath}}})
	wantErr(t, err, "InvalidInputException", "Exactly one of ConnectionName and TestConnectionInput")
}

func TestClassifiers(t *testing.T) {
	c, _ := client(t)
	must(c.CreateClassifier(ctx, &glue.CreateClassifierInput{CsvClassifier: &types.CreateCsvClassifierRequest{Name: aws.String("pipes"),
		Delimiter: aws.String("|"), ContainsHeader: types.CsvHeaderOptionPresent, Header: []string{"a", "b"}, Serde: types.CsvSerdeOptionOpenCSVSerDe}}))(t)
	must(c.CreateClassifier(ctx, &glue.CreateClassifierInput{JsonClassifier: &types.CreateJsonClassifierRequest{Name: aws.String("records"), JsonPath: aws.String("$[*]")}}))(t)
	must(c.CreateClassifier(ctx, &glue.CreateClassifierInput{GrokClassifier: &types.CreateGrokClassifierRequest{Name: aws.String("logs"),
		Classification: aws.String("apache"), GrokPattern: aws.String("%{COMBINEDAPACHELOG}")}}))(t)
	must(c.CreateClassifier(ctx, &glue.CreateClassifierInput{XMLClassifier: &types.CreateXMLClassifierRequest{Name: aws.String("rows"),
		Classification: aws.String("xml"), RowTag: aws.String("row")}}))(t)

	_, err := c.CreateClassifier(ctx, &glue.CreateClassifierInput{JsonClassifier: &types.CreateJsonClassifierRequest{Name: aws.String("pipes"), JsonPath: aws.String("$")}})
	wantErr(t, err, "AlreadyExistsException", "Classifier pipes already exists")
	_, err = c.CreateClassifier(ctx, &glue.CreateClassifierInput{})
	wantErr(t, err, "InvalidInputException", "Exactly one of")
	_, err = c.CreateClassifier(ctx, &glue.CreateClassifierInput{CsvClassifier: &types.CreateCsvClassifierRequest{Name: aws.String("x"), Delimiter: aws.String("||")}})
	wantErr(t, err, "InvalidInputException", "at 'csvClassifier.delimiter' failed to satisfy constraint: Member must have length less than or equal to 1")
	_, err = c.CreateClassifier(ctx, &glue.CreateClassifierInput{CsvClassifier: &types.CreateCsvClassifierRequest{Name: aws.String("x"), ContainsHeader: "MAYBE"}})
	wantErr(t, err, "InvalidInputException", "Member must satisfy enum value set: [UNKNOWN, PRESENT, ABSENT]")

	got := must(c.GetClassifier(ctx, &glue.GetClassifierInput{Name: aws.String("pipes")}))(t).Classifier.CsvClassifier
	if got == nil || *got.Delimiter != "|" || got.ContainsHeader != types.CsvHeaderOptionPresent || !slices.Equal(got.Header, []string{"a", "b"}) ||
		got.Version != 1 || got.CreationTime == nil || got.Serde != types.CsvSerdeOptionOpenCSVSerDe {
		t.Fatalf("GetClassifier: %+v", got)
	}
	must(c.UpdateClassifier(ctx, &glue.UpdateClassifierInput{CsvClassifier: &types.UpdateCsvClassifierRequest{Name: aws.String("pipes"), QuoteSymbol: aws.String("'")}}))(t)
	got = must(c.GetClassifier(ctx, &glue.GetClassifierInput{Name: aws.String("pipes")}))(t).Classifier.CsvClassifier
	if *got.Delimiter != "|" || *got.QuoteSymbol != "'" || got.Version != 2 {
		t.Fatalf("after UpdateClassifier: %+v", got)
	}
	_, err = c.UpdateClassifier(ctx, &glue.UpdateClassifierInput{JsonClassifier: &types.UpdateJsonClassifierRequest{Name: aws.String("pipes"), JsonPath: aws.String("$")}})
	wantErr(t, err, "InvalidInputException", "is a csv classifier")
	_, err = c.UpdateClassifier(ctx, &glue.UpdateClassifierInput{JsonClassifier: &types.UpdateJsonClassifierRequest{Name: aws.String("ghost")}})
	wantErr(t, err, "EntityNotFoundException", "Classifier ghost not found")

	var names []string
	p := glue.NewGetClassifiersPaginator(c, &glue.GetClassifiersInput{MaxResults: aws.Int32(3)})
	for p.HasMorePages() {
		for _, cl := range must(p.NextPage(ctx))(t).Classifiers {
			switch {
			case cl.CsvClassifier != nil:
				names = append(names, "csv:"+*cl.CsvClassifier.Name)
			case cl.JsonClassifier != nil:
				names = append(names, "json:"+*cl.JsonClassifier.Name)
			case cl.GrokClassifier != nil:
				names = append(names, "grok:"+*cl.GrokClassifier.Name)
			case cl.XMLClassifier != nil:
				names = append(names, "xml:"+*cl.XMLClassifier.Name)
			}
		}
	}
	if !slices.Equal(names, []string{"grok:logs", "csv:pipes", "json:records", "xml:rows"}) {
		t.Fatalf("GetClassifiers: %v", names)
	}
	must(c.DeleteClassifier(ctx, &glue.DeleteClassifierInput{Name: aws.String("logs")}))(t)
	_, err = c.DeleteClassifier(ctx, &glue.DeleteClassifierInput{Name: aws.String("logs")})
	wantErr(t, err, "EntityNotFoundException", "Classifier logs not found")
}

func TestTags(t *testing.T) {
	c, env := client(t)
	newDatabase(t, c, "sales")
	arn := "arn:aws:glue:us-east-1:" + env.Key.AccountID + ":database/sales"
	must(c.TagResource(ctx, &glue.TagResourceInput{ResourceArn: aws.String(arn), TagsToAdd: map[string]string{"a": "1", "b": "2"}}))(t)
	must(c.TagResource(ctx, &glue.TagResourceInput{ResourceArn: aws.String(arn), TagsToAdd: map[string]string{"a": "3"}}))(t)
	must(c.UntagResource(ctx, &glue.UntagResourceInput{ResourceArn: aws.String(arn), TagsToRemove: []string{"b", "never"}}))(t)
	got := must(c.GetTags(ctx, &glue.GetTagsInput{ResourceArn: aws.String(arn)}))(t).Tags
	if len(got) != 1 || got["a"] != "3" {
		t.Fatalf("GetTags: %v", got)
	}
	many := map[string]string{}
	for i := range 50 {
		many[fmt.Sprint("k", i)] = "v"
	}
	_, err := c.TagResource(ctx, &glue.TagResourceInput{ResourceArn: aws.String(arn), TagsToAdd: many})
	wantErr(t, err, "InvalidInputException", "at most 50 tags")
	_, err = c.TagResource(ctx, &glue.TagResourceInput{ResourceArn: aws.String(arn), TagsToAdd: map[string]string{strings.Repeat("k", 129): "v"}})
	wantErr(t, err, "InvalidInputException", "Map keys must satisfy constraint: [Member must have length less than or equal to 128]")
	for _, bad := range []string{
		"arn:aws:glue:us-east-1:" + env.Key.AccountID + ":database/ghost",
		"arn:aws:glue:us-east-1:" + env.Key.AccountID + ":table/sales/orders",
		"arn:aws:glue:us-east-1:999999999999:database/sales",
	} {
		_, err = c.GetTags(ctx, &glue.GetTagsInput{ResourceArn: aws.String(bad)})
		wantErr(t, err, "EntityNotFoundException", "not found")
	}
	_, err = c.GetTags(ctx, &glue.GetTagsInput{ResourceArn: aws.String("arn:aws:s3:::bucket")})
	wantErr(t, err, "InvalidInputException", "Member must satisfy regular expression pattern: arn:aws(-(cn|us-gov|iso(-[bef])?))?:glue:.*")
	// Tags go with their database.
	must(c.DeleteDatabase(ctx, &glue.DeleteDatabaseInput{Name: aws.String("sales")}))(t)
	newDatabase(t, c, "sales")
	if got := must(c.GetTags(ctx, &glue.GetTagsInput{ResourceArn: aws.String(arn)}))(t).Tags; len(got) != 0 {
		t.Fatalf("a new database inherited tags: %v", got)
	}
}
