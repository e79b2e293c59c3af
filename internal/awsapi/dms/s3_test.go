package dms_test

import (
	"fmt"
	"github.com/surveyorhq/surveyor/internal/testdb"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	dms "github.com/aws/aws-sdk-go-v2/service/databasemigrationservice"
	"github.com/aws/aws-sdk-go-v2/service/databasemigrationservice/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/surveyorhq/surveyor/internal/catalog"
	"github.com/surveyorhq/surveyor/internal/server/servertest"
	"github.com/surveyorhq/surveyor/internal/store"
)

const (
	motoKeyID  = "AKIDDMSTEST"
	motoSecret = "dms-moto-secret-key-9931"
)

// putObjects creates bucket and writes each key → body into it.
func putObjects(t *testing.T, endpoint, bucket string, objects map[string]string) {
	t.Helper()
	c := s3.NewFromConfig(aws.Config{Region: "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider(motoKeyID, motoSecret, "")}, func(o *s3.Options) {
		o.BaseEndpoint = aws.String(endpoint)
		o.UsePathStyle = true
	})
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatalf("CreateBucket %s: %v", bucket, err)
	}
	for key, body := range objects {
		if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: strings.NewReader(body)}); err != nil {
			t.Fatalf("PutObject %s: %v", key, err)
		}
	}
}

// TestS3EndpointOnMoto drives an s3 endpoint over an S3-compatible store: the access key and the
// store's URL come from the secret s3/<bucket>, the tables are the DMS layout
// BucketFolder/schema/table/files, and the schemas are the folders.
func TestS3EndpointOnMoto(t *testing.T) {
	moto := testdb.Moto(t)
	h := start(t)
	putObjects(t, moto, "dms-lake", map[string]string{
		"raw/hr/employees/LOAD00000001.csv":    "id,name,hired\n1,Ann,2024-01-02\n2,Bob,2024-03-04\n",
		"raw/sales/orders/LOAD00000001.csv":    "id,total\n1,9.50\n2,12.25\n",
		"raw/sales/customers/LOAD00000001.csv": "id,email\n1,a@example.com\n",
		"raw/readme.csv":                       "note\nfiles directly under the folder belong to no schema\n",
		"archive/old/stuff/LOAD00000001.csv":   "id\n1\n",
	})
	sm := secretsmanager.NewFromConfig(h.env.AWS())
	if _, err := sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("s3/dms-lake"), SecretString: aws.String(fmt.Sprintf(
		`{"accessKeyId":%q,"secretAccessKey":%q,"endpoint":%q,"usePathStyle":true}`, motoKeyID, motoSecret, moto))}); err != nil {
		t.Fatal(err)
	}
	instanceArn := h.instance(t, "s3-runner", false)

	created, err := h.c.CreateEndpoint(ctx, &dms.CreateEndpointInput{EndpointIdentifier: aws.String("Lake"), EngineName: aws.String("S3"),
		EndpointType: types.ReplicationEndpointTypeValueSource, S3Settings: &types.S3Settings{
			BucketName: aws.String("dms-lake"), BucketFolder: aws.String("raw/"), ServiceAccessRoleArn: aws.String("arn:aws:iam::123456789012:role/dms-s3"),
			ExternalTableDefinition: aws.String(`{"TableCount":"0","Tables":[]}`), CsvDelimiter: aws.String(","),
			CsvRowDelimiter: aws.String("\n"), DataFormat: types.DataFormatValueCsv, IgnoreHeaderRows: aws.Int32(1),
		}})
	if err != nil {
		t.Fatalf("CreateEndpoint: %v", err)
	}
	e := created.Endpoint
	endpointArn := aws.ToString(e.EndpointArn)
	if aws.ToString(e.EngineName) != "s3" || aws.ToString(e.EngineDisplayName) != "Amazon S3" || e.S3Settings == nil ||
		aws.ToString(e.S3Settings.BucketName) != "dms-lake" || aws.ToString(e.S3Settings.BucketFolder) != "raw/" ||
		e.S3Settings.DataFormat != types.DataFormatValueCsv || aws.ToString(e.S3Settings.ServiceAccessRoleArn) != "arn:aws:iam::123456789012:role/dms-s3" ||
		aws.ToString(e.ServiceAccessRoleArn) != "arn:aws:iam::123456789012:role/dms-s3" || aws.ToString(e.S3Settings.ExternalTableDefinition) == "" {
		t.Fatalf("created endpoint = %+v (S3Settings %+v); want engine s3 echoing its S3Settings", e, e.S3Settings)
	}

	if c := h.testConnection(t, endpointArn, instanceArn); aws.ToString(c.Status) != "successful" {
		t.Fatalf("test = %s (%s); want successful", aws.ToString(c.Status), aws.ToString(c.LastFailureMessage))
	}
	if st := h.refresh(t, endpointArn, instanceArn); st.Status != "successful" || st.LastRefreshDate == nil {
		t.Fatalf("refresh = %+v (%s); want successful", st, aws.ToString(st.LastFailureMessage))
	}
	if got, want := h.schemas(t, endpointArn, 0), []string{"hr", "sales"}; !slices.Equal(got, want) {
		t.Fatalf("schemas = %v; want %v (the folders under raw/)", got, want)
	}
	// The catalog has every dataset under raw/, the file at its root included, and nothing else.
	if got, want := catalogTables(t, h.env, "dms-endpoint:"+endpointArn), []string{".dms-lake", "hr.employees", "sales.customers", "sales.orders"}; !slices.Equal(got, want) {
		t.Fatalf("catalog tables = %v; want %v", got, want)
	}

	// The first row named the columns (IgnoreHeaderRows 1).
	if got, want := catalogColumns(t, h.env, "dms-endpoint:"+endpointArn, "hr", "employees"), []string{"id", "name", "hired"}; !slices.Equal(got, want) {
		t.Fatalf("columns of hr.employees = %v; want %v", got, want)
	}

	// Another folder of the same bucket: BucketName stays, the schemas follow.
	mod, err := h.c.ModifyEndpoint(ctx, &dms.ModifyEndpointInput{EndpointArn: &endpointArn, S3Settings: &types.S3Settings{BucketFolder: aws.String("archive")}})
	if err != nil || aws.ToString(mod.Endpoint.S3Settings.BucketName) != "dms-lake" || aws.ToString(mod.Endpoint.S3Settings.BucketFolder) != "archive" {
		t.Fatalf("ModifyEndpoint = %+v, %v", mod, err)
	}
	if st := h.refresh(t, endpointArn, instanceArn); st.Status != "successful" {
		t.Fatalf("refresh of archive = %+v (%s)", st, aws.ToString(st.LastFailureMessage))
	}
	if got, want := h.schemas(t, endpointArn, 0), []string{"old"}; !slices.Equal(got, want) {
		t.Fatalf("schemas of archive = %v; want %v", got, want)
	}

	// No silent zeros: a BucketFolder that does not exist fails the refresh, saying what is there;
	// the previous schemas stay readable.
	if _, err := h.c.ModifyEndpoint(ctx, &dms.ModifyEndpointInput{EndpointArn: &endpointArn, S3Settings: &types.S3Settings{BucketFolder: aws.String("rwa")}}); err != nil {
		t.Fatal(err)
	}
	if st := h.refresh(t, endpointArn, instanceArn); st.Status != "failed" ||
		aws.ToString(st.LastFailureMessage) != "folder 'rwa' not found in s3://dms-lake; it has: archive, raw" {
		t.Fatalf("refresh of a missing folder = %s %q", st.Status, aws.ToString(st.LastFailureMessage))
	}
	if got, want := h.schemas(t, endpointArn, 0), []string{"old"}; !slices.Equal(got, want) {
		t.Fatalf("schemas after a failed refresh = %v; want the last successful %v", got, want)
	}

	// Failures name the cause; ExtraConnectionAttributes secretsManagerSecretId picks the secret.
	for _, tc := range []struct {
		name, bucket, eca, want string
	}{
		{"a bucket that does not exist", "no-such-bucket", "secretsManagerSecretId=s3/dms-lake", "bucket no-such-bucket does not exist"},
		{"a secret that does not exist", "dms-lake", "secretsManagerSecretId=s3/nowhere", "secret s3/nowhere was not found"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			arn := h.endpoint(t, &dms.CreateEndpointInput{EndpointIdentifier: aws.String(strings.ReplaceAll(tc.name, " ", "-")),
				EngineName: aws.String("s3"), ExtraConnectionAttributes: aws.String(tc.eca), S3Settings: &types.S3Settings{BucketName: aws.String(tc.bucket)}})
			c := h.testConnection(t, arn, instanceArn)
			msg := aws.ToString(c.LastFailureMessage)
			if aws.ToString(c.Status) != "failed" || !strings.Contains(msg, tc.want) || strings.Contains(msg, motoSecret) {
				t.Fatalf("connection = %s %q; want failed mentioning %q", aws.ToString(c.Status), msg, tc.want)
			}
			_, err := h.c.RefreshSchemas(ctx, &dms.RefreshSchemasInput{EndpointArn: &arn, ReplicationInstanceArn: &instanceArn})
			wantFault(t, err, "InvalidResourceStateFault", "the connection status is failed")
		})
	}
	h.rec.assertNever(t, motoSecret)
}

// catalogColumns lists the column names the catalog holds for one table of a source.
func catalogColumns(t *testing.T, env *servertest.Env, source, namespace, table string) []string {
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
			if a.Ref.Namespace == namespace && a.Ref.Table == table {
				for _, c := range a.Table.Columns {
					names = append(names, c.Name)
				}
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return names
}
