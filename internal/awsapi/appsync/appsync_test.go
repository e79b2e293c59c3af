package appsync_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/appsync"
	"github.com/aws/aws-sdk-go-v2/service/appsync/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	_ "github.com/go-sql-driver/mysql"
	"github.com/google/go-cmp/cmp"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	_ "modernc.org/sqlite"

	"github.com/surveyorhq/surveyor/internal/connector"
	"github.com/surveyorhq/surveyor/internal/server/servertest"
	"github.com/surveyorhq/surveyor/internal/testdb"
)

const clusterArn = "arn:aws:rds:us-east-1:123456789012:cluster:fixture"

// clock is a movable clock for the server.
type clock struct {
	mu  sync.Mutex
	off time.Duration
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.off)
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.off += d
}

type harness struct {
	t     *testing.T
	env   *servertest.Env
	clock *clock
	as    *appsync.Client
	sm    *secretsmanager.Client
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	return newHarnessWith(t, servertest.Options{})
}

// newHarnessWith starts a server with opts and a movable clock.
func newHarnessWith(t *testing.T, opts servertest.Options) *harness {
	t.Helper()
	c := &clock{}
	opts.Now = c.Now
	env := servertest.Start(t, opts)
	as := appsync.NewFromConfig(env.AWS(), func(o *appsync.Options) { o.HTTPSignerV4 = shiftedSigner{v4.NewSigner(), c} })
	return &harness{t: t, env: env, clock: c, as: as, sm: secretsmanager.NewFromConfig(env.AWS())}
}

// shiftedSigner signs at the server's (moved) time, so requests stay fresh after Advance.
type shiftedSigner struct {
	inner *v4.Signer
	clock *clock
}

func (s shiftedSigner) SignHTTP(ctx context.Context, creds aws.Credentials, r *http.Request, payloadHash, service, region string,
	_ time.Time, optFns ...func(*v4.SignerOptions)) error {
	return s.inner.SignHTTP(ctx, creds, r, payloadHash, service, region, s.clock.Now(), optFns...)
}

// secret stores an RDS secret for src and returns its ARN.
func (h *harness) secret(engine string, src connector.Source, password string) string {
	h.t.Helper()
	b, _ := json.Marshal(map[string]any{"engine": engine, "host": src.Host, "port": src.Port,
		"username": src.User, "password": password, "dbname": src.Database})
	return h.rawSecret(string(b))
}

func (h *harness) rawSecret(value string) string {
	h.t.Helper()
	out, err := h.sm.CreateSecret(context.Background(), &secretsmanager.CreateSecretInput{
		Name: aws.String(testdb.Name("db")), SecretString: aws.String(value)})
	if err != nil {
		h.t.Fatalf("CreateSecret: %v", err)
	}
	return aws.ToString(out.ARN)
}

func (h *harness) start(secretArn, database string) string {
	h.t.Helper()
	out, err := h.as.StartDataSourceIntrospection(context.Background(), &appsync.StartDataSourceIntrospectionInput{
		RdsDataApiConfig: &types.RdsDataApiConfig{ResourceArn: aws.String(clusterArn), SecretArn: aws.String(secretArn), DatabaseName: aws.String(database)}})
	if err != nil {
		h.t.Fatalf("StartDataSourceIntrospection: %v", err)
	}
	if out.IntrospectionStatus != types.DataSourceIntrospectionStatusProcessing || len(aws.ToString(out.IntrospectionId)) != 36 {
		h.t.Fatalf("start answered %s %q, want PROCESSING and a UUID", out.IntrospectionStatus, aws.ToString(out.IntrospectionId))
	}
	return aws.ToString(out.IntrospectionId)
}

// wait polls until the introspection leaves PROCESSING and returns its first page.
func (h *harness) wait(id string) *appsync.GetDataSourceIntrospectionOutput {
	h.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		out, err := h.as.GetDataSourceIntrospection(context.Background(), &appsync.GetDataSourceIntrospectionInput{IntrospectionId: aws.String(id)})
		if err != nil {
			h.t.Fatalf("GetDataSourceIntrospection: %v", err)
		}
		if out.IntrospectionStatus != types.DataSourceIntrospectionStatusProcessing {
			return out
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("introspection %s still PROCESSING after 20 s", id)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// models pages through every model of a finished introspection with the SDL.
func (h *harness) models(id string) map[string]types.DataSourceIntrospectionModel {
	h.t.Helper()
	out := map[string]types.DataSourceIntrospectionModel{}
	var token *string
	for {
		page, err := h.as.GetDataSourceIntrospection(context.Background(), &appsync.GetDataSourceIntrospectionInput{
			IntrospectionId: aws.String(id), IncludeModelsSDL: true, NextToken: token})
		if err != nil {
			h.t.Fatalf("GetDataSourceIntrospection: %v", err)
		}
		if page.IntrospectionStatus != types.DataSourceIntrospectionStatusSuccess {
			h.t.Fatalf("status %s: %s", page.IntrospectionStatus, aws.ToString(page.IntrospectionStatusDetail))
		}
		for _, m := range page.IntrospectionResult.Models {
			out[aws.ToString(m.Name)] = m
		}
		if token = page.IntrospectionResult.NextToken; token == nil {
			return out
		}
	}
}

// typeString renders a field type compactly: Int!, [String], Enum:mood(a,b).
func typeString(ft *types.DataSourceIntrospectionModelFieldType) string {
	if ft == nil {
		return "<nil>"
	}
	switch aws.ToString(ft.Kind) {
	case "NonNull":
		return typeString(ft.Type) + "!"
	case "List":
		return "[" + typeString(ft.Type) + "]"
	case "Enum":
		return "Enum:" + aws.ToString(ft.Name) + "(" + strings.Join(ft.Values, ",") + ")"
	case "Scalar":
		return aws.ToString(ft.Name)
	}
	return "?" + aws.ToString(ft.Kind)
}

// shape renders a model's fields (name type length), primary key and indexes.
func shape(m types.DataSourceIntrospectionModel) []string {
	var out []string
	for _, f := range m.Fields {
		s := aws.ToString(f.Name) + " " + typeString(f.Type)
		if f.Length != 0 {
			s += fmt.Sprintf(" len=%d", f.Length)
		}
		out = append(out, s)
	}
	if m.PrimaryKey != nil {
		out = append(out, "PK "+aws.ToString(m.PrimaryKey.Name)+"("+strings.Join(m.PrimaryKey.Fields, ",")+")")
	}
	for _, ix := range m.Indexes {
		out = append(out, "IX "+aws.ToString(ix.Name)+"("+strings.Join(ix.Fields, ",")+")")
	}
	return out
}

const awsScalars = "scalar AWSDate\nscalar AWSTime\nscalar AWSDateTime\nscalar AWSTimestamp\nscalar AWSEmail\nscalar AWSJSON\nscalar AWSURL\nscalar AWSPhone\nscalar AWSIPAddress\n"

// checkSDL loads every model's SDL with gqlparser (every referenced type must be declared) and
// checks it declares one object type, with one field per column.
func checkSDL(t *testing.T, models map[string]types.DataSourceIntrospectionModel) {
	t.Helper()
	for name, m := range models {
		sdl := aws.ToString(m.Sdl)
		s, err := gqlparser.LoadSchema(&ast.Source{Name: "aws.graphql", Input: awsScalars, BuiltIn: true},
			&ast.Source{Name: name + ".graphql", Input: sdl})
		if err != nil {
			t.Errorf("SDL of %s does not load: %v\n%s", name, err, sdl)
			continue
		}
		var objects []*ast.Definition
		for _, def := range s.Types {
			if def.Kind == ast.Object && !def.BuiltIn {
				objects = append(objects, def)
			}
		}
		if len(objects) != 1 || len(objects[0].Fields) != len(m.Fields) {
			t.Errorf("SDL of %s does not declare one type with %d fields:\n%s", name, len(m.Fields), sdl)
		}
	}
}

func noPassword(t *testing.T, password string, v any) {
	t.Helper()
	b, _ := json.Marshal(v)
	if strings.Contains(string(b), password) {
		t.Errorf("response holds the password: %s", b)
	}
}

func TestPostgresModels(t *testing.T) {
	db := testdb.New(t, connector.Postgres, "appsync_pg")
	db.Exec(t,
		`CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')`,
		`CREATE TABLE every_type (
			c_varchar varchar(20) NOT NULL, c_char char(3), c_text text, c_bool boolean NOT NULL,
			c_int2 smallint, c_int4 integer, c_int8 bigint, c_serial serial, c_bit bit(1),
			c_real real, c_double double precision, c_numeric numeric(10,2), c_money money,
			c_uuid uuid, c_date date, c_ts timestamp, c_tstz timestamptz, c_time time, c_timetz timetz,
			c_json json, c_jsonb jsonb, c_point point, c_line line, c_lseg lseg, c_box box,
			c_path path, c_polygon polygon, c_circle circle, c_inet inet, c_cidr cidr,
			c_mood mood NOT NULL, c_moods mood[], c_tags text[] NOT NULL, c_grid int[][], c_bytea bytea,
			c_interval interval)`,
		`CREATE TABLE authors (id int PRIMARY KEY, name varchar(50))`,
		`CREATE TABLE order_lines (order_id int, line_no int, sku varchar(12) NOT NULL, qty int NOT NULL DEFAULT 1,
			note text, PRIMARY KEY (order_id, line_no), CONSTRAINT order_lines_note_key UNIQUE (note))`,
		`CREATE UNIQUE INDEX order_lines_sku_uq ON order_lines (sku)`,
		`CREATE INDEX order_lines_sku_qty ON order_lines (sku, qty)`,
		`CREATE INDEX order_lines_lower_sku ON order_lines (lower(sku))`,
		`CREATE VIEW author_names AS SELECT name FROM authors`,
		`CREATE SCHEMA other`,
		`CREATE TABLE other.hidden (id int)`,
	)
	h := newHarness(t)
	const pw = "pg-secret-pw-4711"
	id := h.start(h.secret("postgres", db.Source, pw), db.Source.Database)
	first := h.wait(id)
	if first.IntrospectionStatus != types.DataSourceIntrospectionStatusSuccess {
		t.Fatalf("status %s: %s", first.IntrospectionStatus, aws.ToString(first.IntrospectionStatusDetail))
	}
	noPassword(t, pw, first)
	if first.IntrospectionResult.Models[0].Sdl != nil {
		t.Errorf("sdl returned without includeModelsSDL")
	}
	models := h.models(id)
	var names []string
	for _, m := range first.IntrospectionResult.Models {
		names = append(names, aws.ToString(m.Name))
	}
	if diff := cmp.Diff([]string{"author_names", "authors", "every_type", "order_lines"}, names); diff != "" {
		t.Errorf("models (-want +got), schema other must be left out:\n%s", diff)
	}
	for name, want := range map[string][]string{
		"authors":      {"id Int!", "name String len=50", "PK PRIMARY_KEY(id)"},
		"author_names": {"name String len=50"},
		"order_lines": {"order_id Int!", "line_no Int!", "sku String! len=12", "qty Int!", "note String",
			"PK PRIMARY_KEY(order_id,line_no)", "IX order_lines_note_key(note)", "IX order_lines_sku_qty(sku,qty)",
			"IX order_lines_sku_uq(sku)"},
		"every_type": {
			"c_varchar String! len=20", "c_char String len=3", "c_text String", "c_bool Boolean!",
			"c_int2 Int", "c_int4 Int", "c_int8 Int", "c_serial Int!", "c_bit Int len=1",
			"c_real Float", "c_double Float", "c_numeric Float", "c_money Float",
			"c_uuid ID", "c_date AWSDate", "c_ts AWSDateTime", "c_tstz AWSDateTime", "c_time AWSTime", "c_timetz AWSTime",
			"c_json AWSJSON", "c_jsonb AWSJSON", "c_point AWSJSON", "c_line AWSJSON", "c_lseg AWSJSON", "c_box AWSJSON",
			"c_path AWSJSON", "c_polygon AWSJSON", "c_circle AWSJSON", "c_inet AWSIPAddress", "c_cidr AWSIPAddress",
			"c_mood Enum:mood(sad,ok,happy)!", "c_moods [Enum:mood(sad,ok,happy)]", "c_tags [String]!", "c_grid [[Int]]",
			"c_bytea String", "c_interval String"},
	} {
		if diff := cmp.Diff(want, shape(models[name])); diff != "" {
			t.Errorf("model %s (-want +got):\n%s", name, diff)
		}
	}
	if got := aws.ToString(models["authors"].Sdl); got != "type authors {\n  id: Int!\n  name: String\n}\n" {
		t.Errorf("authors SDL = %q", got)
	}
	checkSDL(t, models)
	if !strings.Contains(aws.ToString(models["every_type"].Sdl), "enum mood {\n  sad\n  ok\n  happy\n}") {
		t.Errorf("every_type SDL lacks enum mood:\n%s", aws.ToString(models["every_type"].Sdl))
	}
	noPassword(t, pw, models)

	// Another account does not see the introspection.
	other := appsync.NewFromConfig(h.env.AWSFor(h.env.NewAccount(t, "222222222222")))
	_, err := other.GetDataSourceIntrospection(context.Background(), &appsync.GetDataSourceIntrospectionInput{IntrospectionId: aws.String(id)})
	var nf *types.NotFoundException
	if !errors.As(err, &nf) {
		t.Errorf("second account Get = %v, want NotFoundException", err)
	}
}

func TestMariaDBModels(t *testing.T) {
	db := testdb.New(t, connector.MySQL, "appsync_my")
	db.Exec(t,
		`CREATE TABLE every_type (
			c_char char(3) NOT NULL, c_varchar varchar(20), c_binary binary(4), c_varbinary varbinary(8),
			c_tinytext tinytext, c_text text, c_mediumtext mediumtext, c_longtext longtext,
			c_tinyblob tinyblob, c_blob blob, c_mediumblob mediumblob, c_longblob longblob,
			c_bool bool, c_bit bit(1), c_tinyint tinyint, c_smallint smallint, c_mediumint mediumint,
			c_int int NOT NULL, c_bigint bigint unsigned, c_year year, c_float float, c_double double,
			c_decimal decimal(10,2), c_date date, c_datetime datetime, c_timestamp timestamp NULL,
			c_time time, c_status enum('new','paid','shipped') NOT NULL, c_flags set('a','b','c'),
			c_flags_nn set('x','y') NOT NULL, c_geom geometry, c_json json)`,
		`CREATE TABLE order_lines (order_id int, line_no int, sku varchar(12) NOT NULL, qty int NOT NULL DEFAULT 1,
			kind enum('physical','digital'), PRIMARY KEY (order_id, line_no), UNIQUE KEY sku_uq (sku), KEY sku_qty (sku, qty))`,
		`CREATE TABLE authors (id int PRIMARY KEY, name varchar(50))`,
	)
	h := newHarness(t)
	id := h.start(h.secret("mariadb", db.Source, ""), db.Source.Database)
	if st := h.wait(id); st.IntrospectionStatus != types.DataSourceIntrospectionStatusSuccess {
		t.Fatalf("status %s: %s", st.IntrospectionStatus, aws.ToString(st.IntrospectionStatusDetail))
	}
	models := h.models(id)
	for name, want := range map[string][]string{
		"authors": {"id Int!", "name String len=50", "PK PRIMARY_KEY(id)"},
		"order_lines": {"order_id Int!", "line_no Int!", "sku String! len=12", "qty Int!",
			"kind Enum:OrderLinesKind(physical,digital)",
			"PK PRIMARY_KEY(order_id,line_no)", "IX sku_qty(sku,qty)", "IX sku_uq(sku)"},
		"every_type": {
			"c_char String! len=3", "c_varchar String len=20", "c_binary String len=4", "c_varbinary String len=8",
			"c_tinytext String", "c_text String", "c_mediumtext String", "c_longtext String",
			"c_tinyblob String", "c_blob String", "c_mediumblob String", "c_longblob String",
			"c_bool Int", "c_bit Int len=1", "c_tinyint Int", "c_smallint Int", "c_mediumint Int",
			"c_int Int!", "c_bigint Int", "c_year Int", "c_float Float", "c_double Float",
			"c_decimal Float", "c_date AWSDate", "c_datetime AWSDateTime", "c_timestamp AWSDateTime",
			"c_time AWSTime", "c_status Enum:EveryTypeCStatus(new,paid,shipped)!", "c_flags [String]",
			"c_flags_nn [String]!", "c_geom String", "c_json AWSJSON"},
	} {
		if diff := cmp.Diff(want, shape(models[name])); diff != "" {
			t.Errorf("model %s (-want +got):\n%s", name, diff)
		}
	}
	checkSDL(t, models)
}

func TestPagingSixtyTables(t *testing.T) {
	db := testdb.New(t, connector.Postgres, "appsync_page")
	var stmts []string
	for i := 60; i >= 1; i-- {
		stmts = append(stmts, fmt.Sprintf("CREATE TABLE t%02d (id int PRIMARY KEY)", i))
	}
	db.Exec(t, strings.Join(stmts, ";"))
	h := newHarness(t)
	id := h.start(h.secret("postgres", db.Source, ""), db.Source.Database)
	first := h.wait(id)
	if n := len(first.IntrospectionResult.Models); n != 25 {
		t.Errorf("default page has %d models, want 25", n)
	}
	var (
		sizes []int
		names []string
		token *string
	)
	for {
		page, err := h.as.GetDataSourceIntrospection(context.Background(), &appsync.GetDataSourceIntrospectionInput{
			IntrospectionId: aws.String(id), MaxResults: 25, NextToken: token})
		if err != nil {
			t.Fatal(err)
		}
		sizes = append(sizes, len(page.IntrospectionResult.Models))
		for _, m := range page.IntrospectionResult.Models {
			names = append(names, aws.ToString(m.Name))
		}
		if token = page.IntrospectionResult.NextToken; token == nil {
			break
		}
		if len(sizes) > 5 {
			t.Fatal("paging does not end")
		}
	}
	if diff := cmp.Diff([]int{25, 25, 10}, sizes); diff != "" {
		t.Errorf("page sizes (-want +got):\n%s", diff)
	}
	var want []string
	for i := 1; i <= 60; i++ {
		want = append(want, fmt.Sprintf("t%02d", i))
	}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("names across pages (-want +got):\n%s", diff)
	}

	small, err := h.as.GetDataSourceIntrospection(context.Background(), &appsync.GetDataSourceIntrospectionInput{IntrospectionId: aws.String(id), MaxResults: 7})
	if err != nil || len(small.IntrospectionResult.Models) != 7 {
		t.Errorf("maxResults=7 → %v, %v", small, err)
	}

	// A token is bound to its introspection; a forged one is refused.
	other := h.start(h.secret("postgres", db.Source, ""), db.Source.Database)
	h.wait(other)
	for name, tok := range map[string]*string{
		"token of another introspection": first.IntrospectionResult.NextToken,
		"forged token":                   aws.String("bm90LWEtdG9rZW4"),
	} {
		_, err := h.as.GetDataSourceIntrospection(context.Background(), &appsync.GetDataSourceIntrospectionInput{
			IntrospectionId: aws.String(other), NextToken: tok})
		var br *types.BadRequestException
		if !errors.As(err, &br) {
			t.Errorf("%s: err = %v, want BadRequestException", name, err)
		}
	}
}

func TestFailureCauses(t *testing.T) {
	h := newHarness(t)
	pg := testdb.New(t, connector.Postgres, "appsync_fail")
	pg.Exec(t, `CREATE SCHEMA other`, `CREATE TABLE other.t (id int)`)
	my := testdb.New(t, connector.MySQL, "appsync_auth")
	user := testdb.Name("u")
	my.Exec(t, "CREATE TABLE t (id int)",
		"CREATE USER '"+user+"'@'%' IDENTIFIED BY 'right-pw-1'",
		"CREATE USER '"+user+"'@'localhost' IDENTIFIED BY 'right-pw-1'")
	t.Cleanup(func() { dropUser(t, my.SQL, user) })
	wrong := my.Source
	wrong.User = user
	unreachable := pg.Source
	unreachable.Host, unreachable.Port = "127.0.0.1", 1

	const badPW = "wrong-pw-8642"
	for _, tc := range []struct {
		name     string
		secret   string
		database string
		want     []string // all must appear in the detail
	}{
		{"wrong password", h.secret("mysql", wrong, badPW), my.Source.Database, []string{"Access denied", user}},
		{"host unreachable", h.secret("postgres", unreachable, badPW), "test", []string{"127.0.0.1:1"}},
		{"database missing", h.secret("postgres", pg.Source, badPW), "no_such_db_appsync", []string{"no_such_db_appsync", "does not exist"}},
		{"no tables in schema public", h.secret("postgres", pg.Source, badPW), pg.Source.Database, []string{"Imported SQL schema is empty."}},
		{"unsupported engine", h.rawSecret(`{"engine":"oracle","host":"127.0.0.1","port":1521,"username":"u","password":"` + badPW + `"}`), "orcl", []string{`engine "oracle" is not supported`}},
		{"secret without engine", h.rawSecret(`{"host":"127.0.0.1","username":"u","password":"` + badPW + `"}`), "db", []string{"no engine"}},
		{"secret that is not RDS JSON", h.rawSecret(`just-a-password ` + badPW), "db", []string{"not the RDS secret JSON"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := h.wait(h.start(tc.secret, tc.database))
			detail := aws.ToString(out.IntrospectionStatusDetail)
			if out.IntrospectionStatus != types.DataSourceIntrospectionStatusFailed {
				t.Fatalf("status = %s (%s), want FAILED", out.IntrospectionStatus, detail)
			}
			for _, w := range tc.want {
				if !strings.Contains(detail, w) {
					t.Errorf("detail %q does not say %q", detail, w)
				}
			}
			if out.IntrospectionResult != nil {
				t.Errorf("a failed introspection has a result: %+v", out.IntrospectionResult)
			}
			noPassword(t, badPW, out)
			t.Logf("detail: %s", detail)
		})
	}
}

func dropUser(t *testing.T, db *sql.DB, user string) {
	for _, host := range []string{"%", "localhost"} {
		if _, err := db.Exec("DROP USER IF EXISTS '" + user + "'@'" + host + "'"); err != nil {
			t.Logf("drop user %s@%s: %v", user, host, err)
		}
	}
}

func TestRequestErrors(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	secretArn := h.rawSecret(`{"engine":"postgres","host":"127.0.0.1","port":5432,"username":"postgres"}`)
	long := strings.Repeat("d", 129)
	for _, tc := range []struct {
		name        string
		resource    string
		secret      string
		database    string
		code        string
		wantMessage string
	}{
		{"instance ARN instead of cluster", "arn:aws:rds:us-east-1:123456789012:db:mydb", secretArn, "app", "BadRequestException",
			"Value 'arn:aws:rds:us-east-1:123456789012:db:mydb' at 'rdsDataApiConfig.resourceArn' failed to satisfy constraint: Member must satisfy regular expression pattern: ^arn:[a-z-]*:rds:[a-z0-9-]*:\\d{12}:cluster:[0-9A-Za-z_/-]*$"},
		{"cluster ARN with a trailing space", clusterArn + " ", secretArn, "app", "BadRequestException", "rdsDataApiConfig.resourceArn"},
		{"short resource ARN", "arn:x", secretArn, "app", "BadRequestException", "Member must have length greater than or equal to 20"},
		{"secret ARN of another service", clusterArn, "arn:aws:ssm:us-east-1:123456789012:parameter/x", "app", "BadRequestException", "rdsDataApiConfig.secretArn"},
		{"secret name instead of ARN", clusterArn, "prod/db-secret-name", "app", "BadRequestException", "rdsDataApiConfig.secretArn"},
		{"empty database name", clusterArn, secretArn, "", "BadRequestException",
			"Value '' at 'rdsDataApiConfig.databaseName' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{"database name of 129 characters", clusterArn, secretArn, long, "BadRequestException",
			"at 'rdsDataApiConfig.databaseName' failed to satisfy constraint: Member must have length less than or equal to 128"},
		{"unknown secret", clusterArn, "arn:aws:secretsmanager:us-east-1:" + h.env.Key.AccountID + ":secret:nope-AbCdEf", "app", "NotFoundException", "nope-AbCdEf"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := h.as.StartDataSourceIntrospection(ctx, &appsync.StartDataSourceIntrospectionInput{
				RdsDataApiConfig: &types.RdsDataApiConfig{ResourceArn: aws.String(tc.resource), SecretArn: aws.String(tc.secret), DatabaseName: aws.String(tc.database)}})
			checkAPIError(t, err, tc.code, tc.wantMessage)
		})
	}
	t.Run("secret of another account", func(t *testing.T) {
		other := appsync.NewFromConfig(h.env.AWSFor(h.env.NewAccount(t, "222222222222")))
		_, err := other.StartDataSourceIntrospection(ctx, &appsync.StartDataSourceIntrospectionInput{
			RdsDataApiConfig: &types.RdsDataApiConfig{ResourceArn: aws.String(clusterArn), SecretArn: aws.String(secretArn), DatabaseName: aws.String("app")}})
		checkAPIError(t, err, "NotFoundException", secretArn)
	})
	t.Run("missing rdsDataApiConfig", func(t *testing.T) {
		_, err := h.as.StartDataSourceIntrospection(ctx, &appsync.StartDataSourceIntrospectionInput{})
		checkAPIError(t, err, "BadRequestException", "Value null at 'rdsDataApiConfig' failed to satisfy constraint: Member must not be null")
	})
	t.Run("unknown introspection id", func(t *testing.T) {
		_, err := h.as.GetDataSourceIntrospection(ctx, &appsync.GetDataSourceIntrospectionInput{IntrospectionId: aws.String("8c1d7d1e-0000-4000-8000-000000000000")})
		checkAPIError(t, err, "NotFoundException", "8c1d7d1e-0000-4000-8000-000000000000")
	})
	t.Run("maxResults above 25", func(t *testing.T) {
		_, err := h.as.GetDataSourceIntrospection(ctx, &appsync.GetDataSourceIntrospectionInput{IntrospectionId: aws.String("x"), MaxResults: 26})
		checkAPIError(t, err, "BadRequestException", "Member must have value less than or equal to 25")
	})
}

func checkAPIError(t *testing.T, err error, code, message string) {
	t.Helper()
	var api interface {
		ErrorCode() string
		ErrorMessage() string
	}
	if !errors.As(err, &api) {
		t.Fatalf("err = %v, want %s", err, code)
	}
	if api.ErrorCode() != code || !strings.Contains(api.ErrorMessage(), message) {
		t.Errorf("error = %s: %s\nwant %s containing %q", api.ErrorCode(), api.ErrorMessage(), code, message)
	}
	switch code {
	case "NotFoundException":
		var nf *types.NotFoundException
		if !errors.As(err, &nf) {
			t.Errorf("error is %T, want *types.NotFoundException", err)
		}
	case "BadRequestException":
		var br *types.BadRequestException
		if !errors.As(err, &br) {
			t.Errorf("error is %T, want *types.BadRequestException", err)
		}
	}
}

func TestRetentionExpiry(t *testing.T) {
	db := testdb.New(t, connector.Postgres, "appsync_ret")
	db.Exec(t, `CREATE TABLE kept (id int PRIMARY KEY)`)
	h := newHarness(t)
	id := h.start(h.secret("postgres", db.Source, ""), db.Source.Database)
	if out := h.wait(id); out.IntrospectionStatus != types.DataSourceIntrospectionStatusSuccess {
		t.Fatalf("status %s: %s", out.IntrospectionStatus, aws.ToString(out.IntrospectionStatusDetail))
	}
	get := func() error {
		_, err := h.as.GetDataSourceIntrospection(context.Background(), &appsync.GetDataSourceIntrospectionInput{IntrospectionId: aws.String(id)})
		return err
	}
	h.clock.Advance(7*24*time.Hour - time.Minute)
	if err := get(); err != nil {
		t.Fatalf("a minute before the 7 days are over: %v", err)
	}
	h.clock.Advance(2 * time.Minute)
	checkAPIError(t, get(), "NotFoundException", id)
}

func TestSQLiteFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "app.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{
		`CREATE TABLE notes (id INTEGER PRIMARY KEY, title VARCHAR(80) NOT NULL, body TEXT, done BOOLEAN,
			due DATE, created DATETIME, price DECIMAL(8,2), meta JSON, raw BLOB)`,
		`CREATE INDEX notes_due_done ON notes (due, done)`,
	} {
		if _, err := db.Exec(s); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	h := newHarness(t)
	// The secret names the file; databaseName is then only a label.
	id := h.start(h.rawSecret(`{"engine":"sqlite","path":"`+path+`"}`), "main")
	if out := h.wait(id); out.IntrospectionStatus != types.DataSourceIntrospectionStatusSuccess {
		t.Fatalf("status %s: %s", out.IntrospectionStatus, aws.ToString(out.IntrospectionStatusDetail))
	}
	models := h.models(id)
	want := []string{"id Int!", "title String! len=80", "body String", "done Boolean", "due AWSDate",
		"created AWSDateTime", "price Float", "meta AWSJSON", "raw String", "PK PRIMARY_KEY(id)", "IX notes_due_done(due,done)"}
	if diff := cmp.Diff(want, shape(models["notes"])); diff != "" {
		t.Errorf("model notes (-want +got):\n%s", diff)
	}
	checkSDL(t, models)
}
