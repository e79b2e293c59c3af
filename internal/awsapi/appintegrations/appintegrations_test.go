package appintegrations_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	ai "github.com/aws/aws-sdk-go-v2/service/appintegrations"
	"github.com/aws/aws-sdk-go-v2/service/appintegrations/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/surveyorhq/surveyor/internal/awsapi/appintegrations"
	"github.com/surveyorhq/surveyor/internal/catalog"
	"github.com/surveyorhq/surveyor/internal/connector"
	"github.com/surveyorhq/surveyor/internal/secrets"
	"github.com/surveyorhq/surveyor/internal/server/servertest"
	"github.com/surveyorhq/surveyor/internal/store"
	"github.com/surveyorhq/surveyor/internal/testdb"
)

const kmsKey = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"

func writeTree(t *testing.T, root string, tree map[string]string) {
	t.Helper()
	for rel, data := range tree {
		p := filepath.Join(root, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// folder is a small data folder: two good datasets and a bad gzip.
func folder(t *testing.T) string {
	root := filepath.Join(t.TempDir(), "data")
	writeTree(t, root, map[string]string{
		"orders/2024.csv":     "id,total\n1,2.5\n",
		"customers/all.json":  `{"id":1,"name":"ann"}` + "\n",
		"broken/bad.csv.gz":   "not gzip",
		"notes/readme.txt":    "ignored",
		"orders/2025.csv":     "id,total\n2,3\n",
		"customers/more.json": `{"id":2,"name":"bo"}` + "\n",
	})
	return root
}

// wantAPIError checks err is the AWS error code with the HTTP status, and that its message
// contains msg.
func wantAPIError(t *testing.T, err error, code string, status int, msg string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("err %v, want %s", err, code)
	}
	if ae.ErrorCode() != code || !strings.Contains(ae.ErrorMessage(), msg) {
		t.Errorf("error %s %q, want %s containing %q", ae.ErrorCode(), ae.ErrorMessage(), code, msg)
	}
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) && re.HTTPStatusCode() != status {
		t.Errorf("status %d, want %d", re.HTTPStatusCode(), status)
	}
}

func TestDataIntegrationLifecycle(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	c := ai.NewFromConfig(env.AWS())
	ctx := context.Background()
	root := folder(t)
	uri := "file://localhost" + root

	created, err := c.CreateDataIntegration(ctx, &ai.CreateDataIntegrationInput{
		Name: aws.String("local/orders"), KmsKey: aws.String(kmsKey), SourceURI: aws.String(uri),
		Description:       aws.String("a folder"),
		ScheduleConfig:    &types.ScheduleConfiguration{ScheduleExpression: aws.String("rate(1 hour)"), FirstExecutionFrom: aws.String("1700000000000")},
		FileConfiguration: &types.FileConfiguration{Folders: []string{"orders", "customers", "broken"}, Filters: map[string][]string{"Extensions": {".csv", ".json", ".gz"}}},
		Tags:              map[string]string{"team": "data"},
		ClientToken:       aws.String("token-1"),
	})
	if err != nil {
		t.Fatalf("CreateDataIntegration: %v", err)
	}
	if created.Id == nil || !strings.HasPrefix(*created.Arn, "arn:aws:app-integrations:us-east-1:"+env.Key.AccountID+":data-integration/") ||
		created.ScheduleConfiguration == nil || *created.ScheduleConfiguration.ScheduleExpression != "rate(1 hour)" || aws.ToString(created.ClientToken) != "token-1" {
		t.Fatalf("create output: %+v", created)
	}

	t.Run("get by id, name and ARN", func(t *testing.T) {
		for _, ident := range []string{*created.Id, "local/orders", *created.Arn} {
			got, err := c.GetDataIntegration(ctx, &ai.GetDataIntegrationInput{Identifier: aws.String(ident)})
			if err != nil {
				t.Fatalf("get %s: %v", ident, err)
			}
			if *got.Id != *created.Id || *got.SourceURI != uri || got.Tags["team"] != "data" || *got.Description != "a folder" ||
				got.FileConfiguration == nil || len(got.FileConfiguration.Folders) != 3 || got.ScheduleConfiguration == nil {
				t.Errorf("get %s: %+v", ident, got)
			}
		}
		_, err := c.GetDataIntegration(ctx, &ai.GetDataIntegrationInput{Identifier: aws.String("nope")})
		wantAPIError(t, err, "ResourceNotFoundException", 404, "nope")
	})

	t.Run("idempotency and duplicates", func(t *testing.T) {
		again, err := c.CreateDataIntegration(ctx, &ai.CreateDataIntegrationInput{
			Name: aws.String("local/orders"), KmsKey: aws.String(kmsKey), SourceURI: aws.String(uri), Description: aws.String("a folder"),
			ScheduleConfig:    &types.ScheduleConfiguration{ScheduleExpression: aws.String("rate(1 hour)"), FirstExecutionFrom: aws.String("1700000000000")},
			FileConfiguration: &types.FileConfiguration{Folders: []string{"orders", "customers", "broken"}, Filters: map[string][]string{"Extensions": {".csv", ".json", ".gz"}}},
			Tags:              map[string]string{"team": "data"}, ClientToken: aws.String("token-1"),
		})
		if err != nil || *again.Id != *created.Id {
			t.Fatalf("same token and body: %v %v", again, err)
		}
		_, err = c.CreateDataIntegration(ctx, &ai.CreateDataIntegrationInput{Name: aws.String("local/orders"), KmsKey: aws.String(kmsKey),
			SourceURI: aws.String(uri), ClientToken: aws.String("token-1")})
		wantAPIError(t, err, "InvalidRequestException", 400, "different parameters")
		_, err = c.CreateDataIntegration(ctx, &ai.CreateDataIntegrationInput{Name: aws.String("local/orders"), KmsKey: aws.String(kmsKey),
			SourceURI: aws.String(uri)})
		wantAPIError(t, err, "DuplicateResourceException", 409, "already exists")
	})

	t.Run("validation", func(t *testing.T) {
		many := make([]string, 11)
		for i := range many {
			many[i] = fmt.Sprint("f", i)
		}
		for _, tc := range []struct {
			name string
			in   ai.CreateDataIntegrationInput
			msg  string
		}{
			{"name pattern", ai.CreateDataIntegrationInput{Name: aws.String("bad name!"), SourceURI: aws.String(uri)}, "at 'Name'"},
			{"port in SourceURI", ai.CreateDataIntegrationInput{Name: aws.String("p"), SourceURI: aws.String("postgres://db:5432/app")}, "at 'SourceURI'"},
			{"file URI without host", ai.CreateDataIntegrationInput{Name: aws.String("p"), SourceURI: aws.String("file:///x")}, "at 'SourceURI'"},
			{"unknown scheme", ai.CreateDataIntegrationInput{Name: aws.String("p"), SourceURI: aws.String("Salesforce://AppFlow/conn")}, "s3://bucket/prefix, file://localhost"},
			{"aws: tag key", ai.CreateDataIntegrationInput{Name: aws.String("p"), SourceURI: aws.String(uri), Tags: map[string]string{"aws:x": "1"}}, "(?!aws:)"},
			{"too many folders", ai.CreateDataIntegrationInput{Name: aws.String("p"), SourceURI: aws.String(uri),
				FileConfiguration: &types.FileConfiguration{Folders: many}}, "less than or equal to 10"},
			{"unknown filter key", ai.CreateDataIntegrationInput{Name: aws.String("p"), SourceURI: aws.String(uri),
				FileConfiguration: &types.FileConfiguration{Folders: []string{"a"}, Filters: map[string][]string{"Colour": {"red"}}}}, "Extensions, Include, Exclude, Header"},
			{"unknown KMS alias", ai.CreateDataIntegrationInput{Name: aws.String("p"), SourceURI: aws.String(uri), KmsKey: aws.String("alias/nope")}, "alias/nope does not exist"},
			{"bad schedule", ai.CreateDataIntegrationInput{Name: aws.String("p"), SourceURI: aws.String(uri),
				ScheduleConfig: &types.ScheduleConfiguration{ScheduleExpression: aws.String("every hour")}}, "ScheduleExpression is invalid"},
			{"five-field cron", ai.CreateDataIntegrationInput{Name: aws.String("p"), SourceURI: aws.String(uri),
				ScheduleConfig: &types.ScheduleConfiguration{ScheduleExpression: aws.String("cron(0 12 * * *)")}},
				"cron() needs 6 fields: minutes hours day-of-month month day-of-week year; got 5"},
			{"bare cron fields", ai.CreateDataIntegrationInput{Name: aws.String("p"), SourceURI: aws.String(uri),
				ScheduleConfig: &types.ScheduleConfiguration{ScheduleExpression: aws.String("0 12 * * ? *")}},
				"write the fields inside cron(): cron() needs 6 fields"},
			{"bad FirstExecutionFrom", ai.CreateDataIntegrationInput{Name: aws.String("p"), SourceURI: aws.String(uri),
				ScheduleConfig: &types.ScheduleConfiguration{ScheduleExpression: aws.String("rate(1 hour)"), FirstExecutionFrom: aws.String("yesterday")}}, "FirstExecutionFrom"},
			{"missing secret", ai.CreateDataIntegrationInput{Name: aws.String("p"), SourceURI: aws.String("postgres://no-such-secret/app")}, "no-such-secret"},
			{"object config key", ai.CreateDataIntegrationInput{Name: aws.String("p"), SourceURI: aws.String(uri),
				ObjectConfiguration: map[string]map[string][]string{"orders": {"columns": {"id"}}}}, `use "fields"`},
		} {
			t.Run(tc.name, func(t *testing.T) {
				in := tc.in
				if in.KmsKey == nil {
					in.KmsKey = aws.String(kmsKey)
				}
				_, err := c.CreateDataIntegration(ctx, &in)
				wantAPIError(t, err, "InvalidRequestException", 400, tc.msg)
			})
		}
	})

	t.Run("list pages", func(t *testing.T) {
		for i := range 3 {
			if _, err := c.CreateDataIntegration(ctx, &ai.CreateDataIntegrationInput{Name: aws.String(fmt.Sprint("page-", i)),
				KmsKey: aws.String("alias/aws/appintegrations"), SourceURI: aws.String(uri)}); err != nil {
				t.Fatal(err)
			}
		}
		var names []string
		var token *string
		for pages := 0; ; pages++ {
			out, err := c.ListDataIntegrations(ctx, &ai.ListDataIntegrationsInput{MaxResults: aws.Int32(2), NextToken: token})
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range out.DataIntegrations {
				names = append(names, *d.Name)
			}
			if token = out.NextToken; token == nil {
				break
			}
		}
		// Creation order, ties (same millisecond) broken by id: compare as a set, no repeats.
		slices.Sort(names)
		if strings.Join(names, ",") != "local/orders,page-0,page-1,page-2" {
			t.Errorf("listed %v", names)
		}
		_, err := c.ListDataIntegrations(ctx, &ai.ListDataIntegrationsInput{NextToken: aws.String("forged")})
		wantAPIError(t, err, "InvalidRequestException", 400, "nextToken")
		_, err = c.ListDataIntegrations(ctx, &ai.ListDataIntegrationsInput{MaxResults: aws.Int32(51)})
		wantAPIError(t, err, "InvalidRequestException", 400, "maxResults")
	})

	t.Run("update name and description", func(t *testing.T) {
		if _, err := c.UpdateDataIntegration(ctx, &ai.UpdateDataIntegrationInput{Identifier: aws.String("page-0"),
			Name: aws.String("page-zero"), Description: aws.String("renamed")}); err != nil {
			t.Fatal(err)
		}
		got, err := c.GetDataIntegration(ctx, &ai.GetDataIntegrationInput{Identifier: aws.String("page-zero")})
		if err != nil || *got.Description != "renamed" {
			t.Fatalf("after update: %+v %v", got, err)
		}
		_, err = c.UpdateDataIntegration(ctx, &ai.UpdateDataIntegrationInput{Identifier: aws.String("page-zero"), Name: aws.String("page-1")})
		wantAPIError(t, err, "DuplicateResourceException", 409, "page-1")
	})

	t.Run("tags", func(t *testing.T) {
		if _, err := c.TagResource(ctx, &ai.TagResourceInput{ResourceArn: created.Arn, Tags: map[string]string{"env": "test"}}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.UntagResource(ctx, &ai.UntagResourceInput{ResourceArn: created.Arn, TagKeys: []string{"team"}}); err != nil {
			t.Fatal(err)
		}
		out, err := c.ListTagsForResource(ctx, &ai.ListTagsForResourceInput{ResourceArn: created.Arn})
		if err != nil || len(out.Tags) != 1 || out.Tags["env"] != "test" {
			t.Fatalf("tags %v %v", out, err)
		}
		_, err = c.TagResource(ctx, &ai.TagResourceInput{ResourceArn: created.Arn, Tags: map[string]string{"aws:no": "x"}})
		wantAPIError(t, err, "InvalidRequestException", 400, "(?!aws:)")
		other := strings.Replace(*created.Arn, *created.Id, "00000000-0000-4000-8000-000000000000", 1)
		_, err = c.ListTagsForResource(ctx, &ai.ListTagsForResourceInput{ResourceArn: aws.String(other)})
		wantAPIError(t, err, "ResourceNotFoundException", 404, "not found")
	})

	t.Run("another account sees nothing", func(t *testing.T) {
		c2 := ai.NewFromConfig(env.AWSFor(env.NewAccount(t, "222222222222")))
		_, err := c2.GetDataIntegration(ctx, &ai.GetDataIntegrationInput{Identifier: created.Arn})
		wantAPIError(t, err, "ResourceNotFoundException", 404, "")
	})

	t.Run("on-demand association runs once and reports", func(t *testing.T) {
		out, err := c.CreateDataIntegrationAssociation(ctx, &ai.CreateDataIntegrationAssociationInput{
			DataIntegrationIdentifier: created.Id, ClientId: aws.String("tester"),
			ExecutionConfiguration: &types.ExecutionConfiguration{ExecutionMode: types.ExecutionModeOnDemand,
				OnDemandConfiguration: &types.OnDemandConfiguration{StartTime: aws.String("1700000000000")}},
		})
		if err != nil {
			t.Fatal(err)
		}
		if *out.DataIntegrationArn != *created.Arn || out.DataIntegrationAssociationId == nil {
			t.Fatalf("association output %+v", out)
		}
		st := waitStatus(t, c, *created.Id, func(s *types.LastExecutionStatus) bool {
			return s != nil && s.ExecutionStatus != types.ExecutionStatusInProgress
		})
		// Two datasets added; the bad gzip failed alone.
		if st.ExecutionStatus != types.ExecutionStatusCompleted || !strings.Contains(*st.StatusMessage, "added 2") ||
			!strings.Contains(*st.StatusMessage, "failed 1") || !strings.Contains(*st.StatusMessage, "bad.csv.gz") {
			t.Errorf("status %s %q", st.ExecutionStatus, aws.ToString(st.StatusMessage))
		}
		// Delete is refused while the association exists.
		_, err = c.DeleteDataIntegration(ctx, &ai.DeleteDataIntegrationInput{DataIntegrationIdentifier: created.Id})
		wantAPIError(t, err, "InvalidRequestException", 400, "associations")
		// Update to on-demand again runs once more.
		if _, err := c.UpdateDataIntegrationAssociation(ctx, &ai.UpdateDataIntegrationAssociationInput{DataIntegrationIdentifier: created.Id,
			DataIntegrationAssociationIdentifier: out.DataIntegrationAssociationId,
			ExecutionConfiguration: &types.ExecutionConfiguration{ExecutionMode: types.ExecutionModeOnDemand,
				OnDemandConfiguration: &types.OnDemandConfiguration{StartTime: aws.String("2024-01-01T00:00:00Z")}}}); err != nil {
			t.Fatal(err)
		}
		st2 := waitStatus(t, c, *created.Id, func(s *types.LastExecutionStatus) bool {
			return s != nil && s.ExecutionStatus == types.ExecutionStatusCompleted && *s.StatusMessage != *st.StatusMessage
		})
		if !strings.Contains(*st2.StatusMessage, "unchanged 2") {
			t.Errorf("second run: %q", *st2.StatusMessage)
		}
		_, err = c.UpdateDataIntegrationAssociation(ctx, &ai.UpdateDataIntegrationAssociationInput{DataIntegrationIdentifier: created.Id,
			DataIntegrationAssociationIdentifier: aws.String("00000000-0000-4000-8000-000000000000"),
			ExecutionConfiguration:               &types.ExecutionConfiguration{ExecutionMode: types.ExecutionModeOnDemand}})
		wantAPIError(t, err, "ResourceNotFoundException", 404, "association")
	})

	t.Run("delete", func(t *testing.T) {
		if _, err := c.DeleteDataIntegration(ctx, &ai.DeleteDataIntegrationInput{DataIntegrationIdentifier: aws.String("page-2")}); err != nil {
			t.Fatal(err)
		}
		_, err := c.GetDataIntegration(ctx, &ai.GetDataIntegrationInput{Identifier: aws.String("page-2")})
		wantAPIError(t, err, "ResourceNotFoundException", 404, "page-2")
	})
}

// waitStatus polls the integration's only association until ok accepts its status.
func waitStatus(t *testing.T, c *ai.Client, integration string, ok func(*types.LastExecutionStatus) bool) *types.LastExecutionStatus {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		out, err := c.ListDataIntegrationAssociations(context.Background(), &ai.ListDataIntegrationAssociationsInput{DataIntegrationIdentifier: aws.String(integration)})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.DataIntegrationAssociations) != 1 {
			t.Fatalf("associations: %d", len(out.DataIntegrationAssociations))
		}
		st := out.DataIntegrationAssociations[0].LastExecutionStatus
		if ok(st) {
			return st
		}
		if time.Now().After(deadline) {
			b, _ := json.Marshal(st)
			t.Fatalf("association status stuck at %s", b)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// clock is the wall clock shifted by an offset. The server's scheduler and workers read it; so
// does its SigV4 check, so API calls are made with the offset back at zero.
type clock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

func (c *clock) Set(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset = d
}

// jump moves the server's clock d ahead for a few scheduler ticks, then back.
func (c *clock) jump(d time.Duration) {
	c.Set(d)
	time.Sleep(3 * time.Second)
	c.Set(0)
}

func TestScheduleFiresUnderFakeClock(t *testing.T) {
	clk := &clock{}
	env := servertest.Start(t, servertest.Options{Now: clk.Now})
	c := ai.NewFromConfig(env.AWS())
	ctx := context.Background()
	root := folder(t)
	start := time.Now().Add(time.Hour)
	created, err := c.CreateDataIntegration(ctx, &ai.CreateDataIntegrationInput{
		Name: aws.String("scheduled"), KmsKey: aws.String(kmsKey), SourceURI: aws.String("file://localhost" + root),
		ScheduleConfig:    &types.ScheduleConfiguration{ScheduleExpression: aws.String("rate(1 hour)"), FirstExecutionFrom: aws.String(start.Format(time.RFC3339))},
		FileConfiguration: &types.FileConfiguration{Folders: []string{"orders"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateDataIntegrationAssociation(ctx, &ai.CreateDataIntegrationAssociationInput{DataIntegrationIdentifier: created.Id}); err != nil {
		t.Fatal(err)
	}
	// Before FirstExecutionFrom nothing runs.
	time.Sleep(2500 * time.Millisecond)
	out, err := c.ListDataIntegrationAssociations(ctx, &ai.ListDataIntegrationAssociationsInput{DataIntegrationIdentifier: created.Id})
	if err != nil || out.DataIntegrationAssociations[0].LastExecutionStatus != nil {
		t.Fatalf("ran before its first execution time: %+v %v", out, err)
	}
	clk.jump(time.Hour + 2*time.Second)
	st := waitStatus(t, c, *created.Id, func(s *types.LastExecutionStatus) bool {
		return s != nil && s.ExecutionStatus == types.ExecutionStatusCompleted
	})
	if !strings.Contains(*st.StatusMessage, "added 1") {
		t.Errorf("first fire: %q", *st.StatusMessage)
	}
	clk.jump(2*time.Hour + 4*time.Second)
	st2 := waitStatus(t, c, *created.Id, func(s *types.LastExecutionStatus) bool {
		return s != nil && s.ExecutionStatus == types.ExecutionStatusCompleted && *s.StatusMessage != *st.StatusMessage
	})
	if !strings.Contains(*st2.StatusMessage, "unchanged 1") {
		t.Errorf("second fire: %q", *st2.StatusMessage)
	}
}

// stored opens the server's store (its PostgreSQL store, or the SQLite one in its data
// directory), for reading what the server keeps and for tampering.
func stored(t *testing.T, env *servertest.Env) *store.DB {
	t.Helper()
	dsn := env.Config.DataDir
	if env.Config.Store != "" {
		dsn = env.Config.Store
	}
	db, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// storedDoc is the stored document of an AppIntegrations resource.
func storedDoc(t *testing.T, db *store.DB, id string) string {
	t.Helper()
	var doc string
	err := db.ReadTx(context.Background(), func(tx *store.Tx) error {
		return tx.QueryRow(context.Background(), `SELECT doc FROM resources WHERE service = 'app-integrations' AND id = ?`, id).Scan(&doc)
	})
	if err != nil {
		t.Fatalf("read document %s: %v", id, err)
	}
	return doc
}

// runConfigs are the configs of the runs and the schedule of a source, as stored.
func runConfigs(t *testing.T, db *store.DB, source string) []string {
	t.Helper()
	var out []string
	err := db.ReadTx(context.Background(), func(tx *store.Tx) error {
		for _, q := range []string{`SELECT config FROM runs WHERE source_id = ?`, `SELECT config FROM schedules WHERE source_id = ?`} {
			rows, err := tx.Query(context.Background(), q, source)
			if err != nil {
				return err
			}
			for rows.Next() {
				var c string
				if err := rows.Scan(&c); err != nil {
					rows.Close()
					return err
				}
				out = append(out, c)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// catalogColumns maps each table the catalog holds for a source ("namespace.table") to its
// column names.
func catalogColumns(t *testing.T, db *store.DB, source string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	err := db.ReadTx(context.Background(), func(tx *store.Tx) error {
		assets, err := (&catalog.Catalog{}).AssetsOfSource(context.Background(), tx, source)
		for _, a := range assets {
			cols := []string{}
			for _, c := range a.Table.Columns {
				cols = append(cols, c.Name)
			}
			out[a.Ref.Namespace+"."+a.Ref.Table] = cols
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// master is the server's master key, read from its data directory.
func master(t *testing.T, env *servertest.Env) *secrets.Sealer {
	t.Helper()
	key, err := secrets.LoadMasterKey(func(string) string { return "" }, env.Config.DataDir)
	if err != nil {
		t.Fatal(err)
	}
	s, err := secrets.NewSealer(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestDatabaseSources(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	c := ai.NewFromConfig(env.AWS())
	sm := secretsmanager.NewFromConfig(env.AWS())
	ctx := context.Background()
	st := stored(t, env)
	for _, engine := range []string{connector.Postgres, connector.MySQL} {
		t.Run(engine, func(t *testing.T) {
			db := testdb.New(t, engine, "ai")
			db.Exec(t, "CREATE TABLE orders (id INT PRIMARY KEY, total DECIMAL(10,2), secret_note TEXT)", "CREATE TABLE other (x INT)")
			s := db.Source
			password := s.Password
			if password == "" && engine == connector.Postgres {
				password = "pw-never-stored-4711" // the test server trusts local users: any password logs in
			}
			val, _ := json.Marshal(map[string]any{"engine": engine, "host": s.Host, "port": s.Port, "username": s.User, "password": password})
			if _, err := sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String(engine + "-creds"), SecretString: aws.String(string(val))}); err != nil {
				t.Fatal(err)
			}
			created, err := c.CreateDataIntegration(ctx, &ai.CreateDataIntegrationInput{
				Name: aws.String(engine + "-db"), KmsKey: aws.String(kmsKey),
				SourceURI:           aws.String(engine + "://" + engine + "-creds/" + s.Database),
				ObjectConfiguration: map[string]map[string][]string{"orders": {"fields": {"id", "total"}}},
			})
			if err != nil {
				t.Fatal(err)
			}
			assoc, err := c.CreateDataIntegrationAssociation(ctx, &ai.CreateDataIntegrationAssociationInput{DataIntegrationIdentifier: created.Id,
				ExecutionConfiguration: &types.ExecutionConfiguration{ExecutionMode: types.ExecutionModeOnDemand}})
			if err != nil {
				t.Fatal(err)
			}
			status := waitStatus(t, c, *created.Id, func(s *types.LastExecutionStatus) bool {
				return s != nil && s.ExecutionStatus != types.ExecutionStatusInProgress
			})
			// Only orders is read.
			if status.ExecutionStatus != types.ExecutionStatusCompleted || !strings.Contains(*status.StatusMessage, "added 1,") {
				t.Errorf("status %s %q", status.ExecutionStatus, aws.ToString(status.StatusMessage))
			}
			// ...and of it only the listed fields.
			tables := catalogColumns(t, st, *created.Id) // the catalog is the integration's
			var orders []string
			for name, cols := range tables {
				if strings.HasSuffix(name, ".orders") {
					orders = cols
				} else {
					t.Errorf("table %s read, but ObjectConfiguration names only orders", name)
				}
			}
			if strings.Join(orders, ",") != "id,total" {
				t.Errorf("orders columns in the catalog: %v, want [id total] (secret_note excluded)", orders)
			}

			t.Run("no clear secret material is stored", func(t *testing.T) {
				for _, id := range []string{*created.Id, *assoc.DataIntegrationAssociationId} {
					doc := storedDoc(t, st, id)
					for _, clear := range []string{`"secretId"`, `"Config"`, `"engine"`, password} {
						if clear != "" && strings.Contains(doc, clear) {
							t.Errorf("document %s holds %q in clear: %s", id, clear, doc)
						}
					}
				}
				var d struct{ KmsKey, SealedConfig string }
				if err := json.Unmarshal([]byte(storedDoc(t, st, *created.Id)), &d); err != nil {
					t.Fatal(err)
				}
				if d.KmsKey != kmsKey || !strings.HasPrefix(d.SealedConfig, "v1.") {
					t.Fatalf("stored KmsKey %q, SealedConfig %q", d.KmsKey, d.SealedConfig)
				}
				m := master(t, env)
				// The material opens under the recorded key (any spelling of it) and under no other.
				for _, key := range []string{kmsKey, "1234abcd-12ab-34cd-56ef-1234567890ab"} {
					b, err := m.Open(d.SealedConfig, appintegrations.MaterialAAD(env.Key.AccountID, *created.Id, key))
					if err != nil || !strings.Contains(string(b), `"secretId":"`+engine+`-creds"`) {
						t.Errorf("open under %s: %s %v", key, b, err)
					}
				}
				for _, key := range []string{"alias/aws/appintegrations", "arn:aws:kms:us-east-1:111122223333:key/00000000-0000-4000-8000-000000000000"} {
					if _, err := m.Open(d.SealedConfig, appintegrations.MaterialAAD(env.Key.AccountID, *created.Id, key)); !errors.Is(err, secrets.ErrDecrypt) {
						t.Errorf("opened under %s: %v", key, err)
					}
				}
				for _, cfg := range runConfigs(t, st, *assoc.DataIntegrationAssociationId) {
					if (password != "" && strings.Contains(cfg, password)) || strings.Contains(cfg, "sealedPassword") {
						t.Errorf("run config holds a password: %s", cfg)
					}
				}
			})
		})
	}
	t.Run("wrong credentials fail with the reason, never the password", func(t *testing.T) {
		for _, tc := range []struct {
			engine, user, reason string
		}{
			// PostgreSQL trusts local users, so an unknown role is its authentication failure.
			{connector.Postgres, "nobody_here", `role "nobody_here" does not exist`},
			{connector.MySQL, "root", "Access denied for user 'root'"},
		} {
			t.Run(tc.engine, func(t *testing.T) {
				db := testdb.New(t, tc.engine, "aibad")
				s := db.Source
				const pw = "wrong-pass-4711"
				val, _ := json.Marshal(map[string]any{"engine": tc.engine, "host": s.Host, "port": s.Port, "username": tc.user, "password": pw})
				name := "bad-" + tc.engine
				if _, err := sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String(name), SecretString: aws.String(string(val))}); err != nil {
					t.Fatal(err)
				}
				created, err := c.CreateDataIntegration(ctx, &ai.CreateDataIntegrationInput{Name: aws.String(name), KmsKey: aws.String(kmsKey),
					SourceURI: aws.String(tc.engine + "://" + name + "/" + s.Database)})
				if err != nil {
					t.Fatal(err)
				}
				if _, err := c.CreateDataIntegrationAssociation(ctx, &ai.CreateDataIntegrationAssociationInput{DataIntegrationIdentifier: created.Id}); err != nil {
					t.Fatal(err)
				}
				status := waitStatus(t, c, *created.Id, func(s *types.LastExecutionStatus) bool {
					return s != nil && s.ExecutionStatus != types.ExecutionStatusInProgress
				})
				msg := aws.ToString(status.StatusMessage)
				if status.ExecutionStatus != types.ExecutionStatusFailed || !strings.HasPrefix(msg, "ACCESS_DENIED_EXCEPTION: ") ||
					!strings.Contains(msg, tc.reason) {
					t.Errorf("status %s %q, want FAILED with ACCESS_DENIED_EXCEPTION and %q", status.ExecutionStatus, msg, tc.reason)
				}
				if strings.Contains(msg, pw) {
					t.Errorf("status message holds the password: %q", msg)
				}
			})
		}
	})
}

func TestKmsKeyBindsTheSealedMaterial(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	c := ai.NewFromConfig(env.AWS())
	ctx := context.Background()
	st := stored(t, env)
	created, err := c.CreateDataIntegration(ctx, &ai.CreateDataIntegrationInput{Name: aws.String("bound"), KmsKey: aws.String(kmsKey),
		SourceURI: aws.String("file://localhost" + folder(t)), FileConfiguration: &types.FileConfiguration{Folders: []string{"orders"}}})
	if err != nil {
		t.Fatal(err)
	}
	onDemand := &types.ExecutionConfiguration{ExecutionMode: types.ExecutionModeOnDemand}
	assoc, err := c.CreateDataIntegrationAssociation(ctx, &ai.CreateDataIntegrationAssociationInput{DataIntegrationIdentifier: created.Id, ExecutionConfiguration: onDemand})
	if err != nil {
		t.Fatal(err)
	}
	first := waitStatus(t, c, *created.Id, func(s *types.LastExecutionStatus) bool {
		return s != nil && s.ExecutionStatus != types.ExecutionStatusInProgress
	})
	if first.ExecutionStatus != types.ExecutionStatusCompleted {
		t.Fatalf("run before tampering: %s %q", first.ExecutionStatus, aws.ToString(first.StatusMessage))
	}

	// Someone with write access to the store records another key for the integration.
	other := "arn:aws:kms:us-east-1:111122223333:key/00000000-0000-4000-8000-000000000000"
	err = st.Tx(ctx, func(tx *store.Tx) error {
		n, err := tx.Exec(ctx, `UPDATE resources SET doc = replace(doc, ?, ?) WHERE service = 'app-integrations' AND id = ?`, kmsKey, other, *created.Id)
		if err == nil && n != 1 {
			err = fmt.Errorf("updated %d rows", n)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.GetDataIntegration(ctx, &ai.GetDataIntegrationInput{Identifier: created.Id})
	if err != nil || aws.ToString(got.KmsKey) != other {
		t.Fatalf("tampered integration: %+v %v", got, err)
	}
	const why = "cannot be decrypted under its KmsKey " + "arn:aws:kms:us-east-1:111122223333:key/00000000-0000-4000-8000-000000000000"
	// Running it again, or through a new association, is refused with the reason; nothing runs.
	_, err = c.UpdateDataIntegrationAssociation(ctx, &ai.UpdateDataIntegrationAssociationInput{DataIntegrationIdentifier: created.Id,
		DataIntegrationAssociationIdentifier: assoc.DataIntegrationAssociationId, ExecutionConfiguration: onDemand})
	wantAPIError(t, err, "AccessDeniedException", 403, why)
	_, err = c.CreateDataIntegrationAssociation(ctx, &ai.CreateDataIntegrationAssociationInput{DataIntegrationIdentifier: created.Id, ExecutionConfiguration: onDemand})
	wantAPIError(t, err, "AccessDeniedException", 403, why)
	_, err = c.CreateDataIntegrationAssociation(ctx, &ai.CreateDataIntegrationAssociationInput{DataIntegrationIdentifier: created.Id,
		ExecutionConfiguration: &types.ExecutionConfiguration{ExecutionMode: types.ExecutionModeScheduled,
			ScheduleConfiguration: &types.ScheduleConfiguration{ScheduleExpression: aws.String("rate(1 hour)")}}})
	wantAPIError(t, err, "AccessDeniedException", 403, why)
	if n := len(runConfigs(t, st, *assoc.DataIntegrationAssociationId)); n != 1 {
		t.Errorf("%d runs after tampering, want the 1 from before", n)
	}
	out, err := c.ListDataIntegrationAssociations(ctx, &ai.ListDataIntegrationAssociationsInput{DataIntegrationIdentifier: created.Id})
	if err != nil || len(out.DataIntegrationAssociations) != 1 {
		t.Fatalf("associations after refused creates: %+v %v", out, err)
	}

	// Putting the recorded key back makes the material open again.
	err = st.Tx(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE resources SET doc = replace(doc, ?, ?) WHERE service = 'app-integrations' AND id = ?`, other, kmsKey, *created.Id)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.UpdateDataIntegrationAssociation(ctx, &ai.UpdateDataIntegrationAssociationInput{DataIntegrationIdentifier: created.Id,
		DataIntegrationAssociationIdentifier: assoc.DataIntegrationAssociationId, ExecutionConfiguration: onDemand}); err != nil {
		t.Fatalf("run with the recorded key restored: %v", err)
	}
}

func TestAssociationPaging(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	c := ai.NewFromConfig(env.AWS())
	ctx := context.Background()
	root := folder(t)
	var ids []string
	for _, name := range []string{"one", "two"} {
		created, err := c.CreateDataIntegration(ctx, &ai.CreateDataIntegrationInput{Name: aws.String(name), KmsKey: aws.String(kmsKey),
			SourceURI: aws.String("file://localhost" + root), FileConfiguration: &types.FileConfiguration{Folders: []string{"orders"}}})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, *created.Id)
	}
	// Three scheduled associations on "one" (scheduled far ahead, so nothing runs), one on "two".
	later := &types.ExecutionConfiguration{ExecutionMode: types.ExecutionModeScheduled, ScheduleConfiguration: &types.ScheduleConfiguration{
		ScheduleExpression: aws.String("rate(1 day)"), FirstExecutionFrom: aws.String(time.Now().Add(48 * time.Hour).Format(time.RFC3339))}}
	want := map[string]bool{}
	for i, integ := range []string{ids[0], ids[0], ids[0], ids[1]} {
		out, err := c.CreateDataIntegrationAssociation(ctx, &ai.CreateDataIntegrationAssociationInput{DataIntegrationIdentifier: aws.String(integ),
			ClientId: aws.String(fmt.Sprint("client-", i)), ExecutionConfiguration: later})
		if err != nil {
			t.Fatal(err)
		}
		if integ == ids[0] {
			want[*out.DataIntegrationAssociationId] = true
		}
	}

	// Paging "one" by 2 (by name, id and ARN alike) lists its three, each once, and not two's.
	seen := map[string]int{}
	var token *string
	pages := 0
	for ; ; pages++ {
		ident := []string{"one", ids[0]}[pages%2]
		out, err := c.ListDataIntegrationAssociations(ctx, &ai.ListDataIntegrationAssociationsInput{DataIntegrationIdentifier: aws.String(ident),
			MaxResults: aws.Int32(2), NextToken: token})
		if err != nil {
			t.Fatalf("page %d: %v", pages, err)
		}
		if len(out.DataIntegrationAssociations) > 2 {
			t.Fatalf("page of %d", len(out.DataIntegrationAssociations))
		}
		for _, a := range out.DataIntegrationAssociations {
			id := (*a.DataIntegrationAssociationArn)[strings.LastIndex(*a.DataIntegrationAssociationArn, "/")+1:]
			seen[id]++
		}
		if token = out.NextToken; token == nil {
			break
		}
	}
	if pages != 1 || len(seen) != 3 {
		t.Errorf("%d pages, associations %v; want 2 pages of %v", pages+1, seen, want)
	}
	for id, n := range seen {
		if !want[id] || n != 1 {
			t.Errorf("association %s listed %d times (belongs to one: %v)", id, n, want[id])
		}
	}

	first, err := c.ListDataIntegrationAssociations(ctx, &ai.ListDataIntegrationAssociationsInput{DataIntegrationIdentifier: aws.String(ids[0]), MaxResults: aws.Int32(1)})
	if err != nil || first.NextToken == nil {
		t.Fatalf("first page: %+v %v", first, err)
	}
	// A token of one's listing is refused for two's, and forged tokens are refused.
	for _, tc := range []struct {
		name, integration, token string
	}{
		{"another integration's token", ids[1], *first.NextToken},
		{"forged token", ids[0], "forged"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.ListDataIntegrationAssociations(ctx, &ai.ListDataIntegrationAssociationsInput{DataIntegrationIdentifier: aws.String(tc.integration),
				NextToken: aws.String(tc.token)})
			wantAPIError(t, err, "InvalidRequestException", 400, "nextToken")
		})
	}
	// The token still pages the listing it came from.
	if _, err := c.ListDataIntegrationAssociations(ctx, &ai.ListDataIntegrationAssociationsInput{DataIntegrationIdentifier: aws.String("one"),
		NextToken: first.NextToken}); err != nil {
		t.Errorf("token on its own listing: %v", err)
	}
}

func TestS3Source(t *testing.T) {
	endpoint := testdb.Moto(t)
	ctx := context.Background()
	s3c := s3.NewFromConfig(aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("AKIDMOTO", "moto-secret", "")},
		func(o *s3.Options) {
			o.BaseEndpoint, o.UsePathStyle = aws.String(endpoint), true
			o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
		})
	if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("landing")}); err != nil {
		t.Fatal(err)
	}
	for key, body := range map[string]string{
		"raw/sales/year=2024/a.csv": "id,total\n1,2.5\n",
		"raw/sales/year=2025/b.csv": "id,total\n2,3\n",
		"raw/bad/x.json.gz":         "not gzip",
	} {
		if _, err := s3c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("landing"), Key: aws.String(key), Body: strings.NewReader(body)}); err != nil {
			t.Fatal(err)
		}
	}
	env := servertest.Start(t, servertest.Options{})
	c := ai.NewFromConfig(env.AWS())
	sm := secretsmanager.NewFromConfig(env.AWS())
	val, _ := json.Marshal(map[string]any{"accessKeyId": "AKIDMOTO", "secretAccessKey": "moto-secret", "endpoint": endpoint, "usePathStyle": true})
	if _, err := sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("s3/landing"), SecretString: aws.String(string(val))}); err != nil {
		t.Fatal(err)
	}
	created, err := c.CreateDataIntegration(ctx, &ai.CreateDataIntegrationInput{Name: aws.String("landing"), KmsKey: aws.String(kmsKey),
		SourceURI: aws.String("s3://landing/raw")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateDataIntegrationAssociation(ctx, &ai.CreateDataIntegrationAssociationInput{DataIntegrationIdentifier: created.Id}); err != nil {
		t.Fatal(err)
	}
	st := waitStatus(t, c, *created.Id, func(s *types.LastExecutionStatus) bool {
		return s != nil && s.ExecutionStatus != types.ExecutionStatusInProgress
	})
	// One partitioned dataset; the bad gzip fails alone.
	if st.ExecutionStatus != types.ExecutionStatusCompleted || !strings.Contains(*st.StatusMessage, "added 1,") || !strings.Contains(*st.StatusMessage, "x.json.gz") {
		t.Errorf("status %s %q", st.ExecutionStatus, aws.ToString(st.StatusMessage))
	}
}

// setKmsKey rewrites the KmsKey recorded in an integration's stored document, as someone with
// write access to the store could.
func setKmsKey(t *testing.T, db *store.DB, integrationID, from, to string) {
	t.Helper()
	ctx := context.Background()
	err := db.Tx(ctx, func(tx *store.Tx) error {
		n, err := tx.Exec(ctx, `UPDATE resources SET doc = replace(doc, ?, ?) WHERE service = 'app-integrations' AND id = ?`, from, to, integrationID)
		if err == nil && n != 1 {
			err = fmt.Errorf("updated %d rows", n)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestScheduledRunsCheckTheKmsKeyWhenTheyStart(t *testing.T) {
	clk := &clock{}
	env := servertest.Start(t, servertest.Options{Now: clk.Now})
	c := ai.NewFromConfig(env.AWS())
	ctx := context.Background()
	st := stored(t, env)
	start := time.Now().Add(time.Hour)
	created, err := c.CreateDataIntegration(ctx, &ai.CreateDataIntegrationInput{
		Name: aws.String("scheduled-bound"), KmsKey: aws.String(kmsKey), SourceURI: aws.String("file://localhost" + folder(t)),
		ScheduleConfig:    &types.ScheduleConfiguration{ScheduleExpression: aws.String("rate(1 hour)"), FirstExecutionFrom: aws.String(start.Format(time.RFC3339))},
		FileConfiguration: &types.FileConfiguration{Folders: []string{"orders"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	assoc, err := c.CreateDataIntegrationAssociation(ctx, &ai.CreateDataIntegrationAssociationInput{DataIntegrationIdentifier: created.Id})
	if err != nil {
		t.Fatal(err)
	}
	source := *assoc.DataIntegrationAssociationId
	// Runs and the schedule keep only a reference: every run opens the sealed material itself.
	onlyRef := func(t *testing.T, want int) {
		t.Helper()
		cfgs := runConfigs(t, st, source)
		if len(cfgs) != want {
			t.Errorf("%d stored run and schedule configs, want %d: %q", len(cfgs), want, cfgs)
		}
		ref := `{"resolver":"appintegrations","ref":"` + *created.Id + "/" + source + `"}`
		for _, cfg := range cfgs {
			if cfg != ref {
				t.Errorf("stored config %s, want only %s", cfg, ref)
			}
		}
	}
	onlyRef(t, 1) // the schedule

	// The schedule is in place; then someone records another key for the integration.
	other := "arn:aws:kms:us-east-1:111122223333:key/00000000-0000-4000-8000-000000000000"
	setKmsKey(t, st, *created.Id, kmsKey, other)
	clk.jump(time.Hour + 2*time.Second)
	failed := waitStatus(t, c, *created.Id, func(s *types.LastExecutionStatus) bool {
		return s != nil && s.ExecutionStatus != types.ExecutionStatusInProgress
	})
	msg := aws.ToString(failed.StatusMessage)
	if failed.ExecutionStatus != types.ExecutionStatusFailed || !strings.HasPrefix(msg, "ACCESS_DENIED_EXCEPTION: ") ||
		!strings.Contains(msg, "cannot be decrypted under its KmsKey "+other) {
		t.Fatalf("scheduled run with a tampered KmsKey: %s %q, want FAILED, ACCESS_DENIED_EXCEPTION, naming the key", failed.ExecutionStatus, msg)
	}
	if cols := catalogColumns(t, st, *created.Id); len(cols) != 0 {
		t.Errorf("the refused run catalogued %v", cols)
	}

	// With the recorded key put back, the next scheduled run reads the source again.
	setKmsKey(t, st, *created.Id, other, kmsKey)
	clk.jump(2*time.Hour + 4*time.Second)
	ok := waitStatus(t, c, *created.Id, func(s *types.LastExecutionStatus) bool {
		return s != nil && s.ExecutionStatus != types.ExecutionStatusInProgress && aws.ToString(s.StatusMessage) != msg
	})
	if ok.ExecutionStatus != types.ExecutionStatusCompleted || !strings.Contains(aws.ToString(ok.StatusMessage), "added 1") {
		t.Errorf("scheduled run with the key restored: %s %q", ok.ExecutionStatus, aws.ToString(ok.StatusMessage))
	}
	onlyRef(t, 3) // the schedule and its two runs
}
