package gluecatalog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/surveyorhq/surveyor/internal/secrets"
	"github.com/surveyorhq/surveyor/internal/store"
	"github.com/surveyorhq/surveyor/internal/store/storetest"
)

var (
	scA     = Scope{Account: "111111111111", Region: "us-east-1"}
	scOther = Scope{Account: "111111111111", Region: "eu-west-1"}
	scB     = Scope{Account: "222222222222", Region: "us-east-1"}
)

func testCatalog(t *testing.T) Catalog {
	master, err := secrets.NewSealer(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	return Catalog{Master: master, Now: func() time.Time { now = now.Add(time.Second); return now }}
}

// in runs fn in a write transaction and fails the test on a non-nil error.
func in(t *testing.T, db *store.DB, fn func(ctx context.Context, tx *store.Tx) error) {
	t.Helper()
	ctx := context.Background()
	if err := db.Tx(ctx, func(tx *store.Tx) error { return fn(ctx, tx) }); err != nil {
		t.Fatal(err)
	}
}

// want runs fn in a write transaction and checks it fails with an error of E's type.
func want[E error](t *testing.T, db *store.DB, fn func(ctx context.Context, tx *store.Tx) error) E {
	t.Helper()
	ctx := context.Background()
	err := db.Tx(ctx, func(tx *store.Tx) error { return fn(ctx, tx) })
	var e E
	if !errors.As(err, &e) {
		t.Fatalf("got %v, want %T", err, e)
	}
	return e
}

func salesTable() TableInput {
	return TableInput{
		Name:          "Orders",
		PartitionKeys: []Column{{Name: "year", Type: "string"}, {Name: "month", Type: "string"}},
		TableType:     "EXTERNAL_TABLE",
		Parameters:    map[string]string{"classification": "csv"},
		StorageDescriptor: &StorageDescriptor{
			Columns:  []Column{{Name: "id", Type: "bigint"}, {Name: "amount", Type: "double"}},
			Location: "s3://bucket/orders/",
		},
	}
}

func TestDatabases(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		c := testCatalog(t)
		in(t, db, func(ctx context.Context, tx *store.Tx) error {
			return c.CreateDatabase(ctx, tx, scA, DatabaseInput{Name: "Sales", Description: "d"})
		})
		want[*AlreadyExistsError](t, db, func(ctx context.Context, tx *store.Tx) error {
			return c.CreateDatabase(ctx, tx, scA, DatabaseInput{Name: "sales"})
		})
		// Another region and another account have their own catalogs.
		in(t, db, func(ctx context.Context, tx *store.Tx) error {
			if err := c.CreateDatabase(ctx, tx, scOther, DatabaseInput{Name: "sales"}); err != nil {
				return err
			}
			return c.CreateDatabase(ctx, tx, scB, DatabaseInput{Name: "sales", Description: "b"})
		})
		in(t, db, func(ctx context.Context, tx *store.Tx) error {
			d, err := c.GetDatabase(ctx, tx, scA, "SALES")
			if err != nil {
				return err
			}
			if d.Name != "sales" || d.Description != "d" || d.CatalogId != scA.Account || d.CreateTime == nil ||
				d.CreateTableDefaultPermissions[0].Principal.DataLakePrincipalIdentifier != "IAM_ALLOWED_PRINCIPALS" {
				return fmt.Errorf("got %+v", d)
			}
			for _, n := range []string{"b", "a", "c"} {
				if err := c.CreateDatabase(ctx, tx, scA, DatabaseInput{Name: n}); err != nil {
					return err
				}
			}
			page, more, err := c.ListDatabases(ctx, tx, scA, "", 2)
			if err != nil || !more || len(page) != 2 || page[0].Name != "a" || page[1].Name != "b" {
				return fmt.Errorf("page 1: %v %v %v", page, more, err)
			}
			page, more, err = c.ListDatabases(ctx, tx, scA, "b", 2)
			if err != nil || more || len(page) != 2 || page[1].Name != "sales" {
				return fmt.Errorf("page 2: %v %v %v", page, more, err)
			}
			return nil
		})
		// Renaming moves tables and tags with the database.
		in(t, db, func(ctx context.Context, tx *store.Tx) error {
			if err := c.CreateTable(ctx, tx, scA, "sales", salesTable(), CreateTableOptions{}); err != nil {
				return err
			}
			if err := c.TagResource(ctx, tx, scA, "database/sales", map[string]string{"team": "x"}); err != nil {
				return err
			}
			return c.UpdateDatabase(ctx, tx, scA, "sales", DatabaseInput{Name: "revenue"})
		})
		want[*AlreadyExistsError](t, db, func(ctx context.Context, tx *store.Tx) error {
			return c.UpdateDatabase(ctx, tx, scA, "revenue", DatabaseInput{Name: "a"})
		})
		in(t, db, func(ctx context.Context, tx *store.Tx) error {
			if _, err := c.GetTable(ctx, tx, scA, "revenue", "orders"); err != nil {
				return err
			}
			tags, err := c.GetTags(ctx, tx, scA, "database/revenue")
			if err != nil || tags["team"] != "x" {
				return fmt.Errorf("tags %v %v", tags, err)
			}
			return c.DeleteDatabase(ctx, tx, scA, "revenue")
		})
		want[*NotFoundError](t, db, func(ctx context.Context, tx *store.Tx) error {
			_, err := c.GetTable(ctx, tx, scA, "revenue", "orders")
			return err
		})
		in(t, db, func(ctx context.Context, tx *store.Tx) error {
			// The other scopes' databases are untouched.
			d, err := c.GetDatabase(ctx, tx, scB, "sales")
			if err != nil || d.Description != "b" {
				return fmt.Errorf("%v %v", d, err)
			}
			tags, err := c.GetTags(ctx, tx, scA, "database/revenue")
			if len(tags) != 0 {
				return fmt.Errorf("tags survived: %v %v", tags, err)
			}
			return nil
		})
	})
}

func TestTablesAndVersions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		c := testCatalog(t)
		in(t, db, func(ctx context.Context, tx *store.Tx) error {
			if err := c.CreateDatabase(ctx, tx, scA, DatabaseInput{Name: "sales"}); err != nil {
				return err
			}
			return c.CreateTable(ctx, tx, scA, "sales", salesTable(), CreateTableOptions{CreatedBy: "me"})
		})
		want[*NotFoundError](t, db, func(ctx context.Context, tx *store.Tx) error {
			return c.CreateTable(ctx, tx, scA, "nope", salesTable(), CreateTableOptions{})
		})
		want[*AlreadyExistsError](t, db, func(ctx context.Context, tx *store.Tx) error {
			return c.CreateTable(ctx, tx, scA, "sales", salesTable(), CreateTableOptions{})
		})
		want[*InvalidInputError](t, db, func(ctx context.Context, tx *store.Tx) error {
			tbl := salesTable()
			tbl.Name = "dup"
			tbl.PartitionKeys = append(tbl.PartitionKeys, Column{Name: "YEAR"})
			return c.CreateTable(ctx, tx, scA, "sales", tbl, CreateTableOptions{})
		})
		in(t, db, func(ctx context.Context, tx *store.Tx) error {
			got, err := c.GetTable(ctx, tx, scA, "Sales", "ORDERS")
			if err != nil {
				return err
			}
			if got.Name != "orders" || got.DatabaseName != "sales" || got.VersionId != "0" || got.CreatedBy != "me" ||
				got.StorageDescriptor.Location != "s3://bucket/orders/" || len(got.PartitionKeys) != 2 {
				return fmt.Errorf("got %+v", got)
			}
			upd := salesTable()
			upd.Description = "v1"
			if err := c.UpdateTable(ctx, tx, scA, "sales", upd, UpdateTableOptions{}); err != nil {
				return err
			}
			upd.Description = "v1 fixed"
			if err := c.UpdateTable(ctx, tx, scA, "sales", upd, UpdateTableOptions{SkipArchive: true}); err != nil {
				return err
			}
			upd.Description = "v2"
			return c.UpdateTable(ctx, tx, scA, "sales", upd, UpdateTableOptions{VersionID: "1"})
		})
		want[*ConcurrentModificationError](t, db, func(ctx context.Context, tx *store.Tx) error {
			return c.UpdateTable(ctx, tx, scA, "sales", salesTable(), UpdateTableOptions{VersionID: "1"})
		})
		in(t, db, func(ctx context.Context, tx *store.Tx) error {
			vs, more, err := c.ListTableVersions(ctx, tx, scA, "sales", "orders", -1, 10)
			if err != nil {
				return err
			}
			var got []string
			for _, v := range vs {
				got = append(got, v.VersionId+":"+v.Table.Description)
			}
			if more || !slices.Equal(got, []string{"2:v2", "1:v1 fixed", "0:"}) {
				return fmt.Errorf("versions %v more %v", got, more)
			}
			v, err := c.GetTableVersion(ctx, tx, scA, "sales", "orders", "1")
			if err != nil || v.Table.Description != "v1 fixed" {
				return fmt.Errorf("version 1: %+v %v", v, err)
			}
			if err := c.DeleteTableVersion(ctx, tx, scA, "sales", "orders", "1"); err != nil {
				return err
			}
			vs, _, err = c.ListTableVersions(ctx, tx, scA, "sales", "orders", 2, 10)
			if err != nil || len(vs) != 1 || vs[0].VersionId != "0" {
				return fmt.Errorf("after delete: %v %v", vs, err)
			}
			return nil
		})
		want[*InvalidInputError](t, db, func(ctx context.Context, tx *store.Tx) error {
			return c.DeleteTableVersion(ctx, tx, scA, "sales", "orders", "2")
		})
		want[*NotFoundError](t, db, func(ctx context.Context, tx *store.Tx) error {
			_, err := c.GetTableVersion(ctx, tx, scA, "sales", "orders", "1")
			return err
		})
		in(t, db, func(ctx context.Context, tx *store.Tx) error {
			for _, n := range []string{"b_items", "a_items", "c_other"} {
				tbl := salesTable()
				tbl.Name = n
				if err := c.CreateTable(ctx, tx, scA, "sales", tbl, CreateTableOptions{}); err != nil {
					return err
				}
			}
			items := func(n string) bool { return strings.HasSuffix(n, "_items") }
			page, more, err := c.ListTables(ctx, tx, scA, "sales", "", 1, items)
			if err != nil || !more || len(page) != 1 || page[0].Name != "a_items" {
				return fmt.Errorf("page 1 %v %v %v", page, more, err)
			}
			page, more, err = c.ListTables(ctx, tx, scA, "sales", "a_items", 1, items)
			if err != nil || more || len(page) != 1 || page[0].Name != "b_items" {
				return fmt.Errorf("page 2 %v %v %v", page, more, err)
			}
			var all []string
			if err := c.EachTable(ctx, tx, scA, func(t *Table) error { all = append(all, t.Name); return nil }); err != nil {
				return err
			}
			if !slices.Equal(all, []string{"a_items", "b_items", "c_other", "orders"}) {
				return fmt.Errorf("each %v", all)
			}
			return c.DeleteTable(ctx, tx, scA, "sales", "orders")
		})
		want[*NotFoundError](t, db, func(ctx context.Context, tx *store.Tx) error {
			return c.DeleteTable(ctx, tx, scA, "sales", "orders")
		})
	})
}

func TestPartitions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		c := testCatalog(t)
		in(t, db, func(ctx context.Context, tx *store.Tx) error {
			if err := c.CreateDatabase(ctx, tx, scA, DatabaseInput{Name: "sales"}); err != nil {
				return err
			}
			if err := c.CreateTable(ctx, tx, scA, "sales", salesTable(), CreateTableOptions{}); err != nil {
				return err
			}
			var ins []PartitionInput
			for _, y := range []string{"2023", "2024"} {
				for _, m := range []string{"01", "02", "03"} {
					ins = append(ins, PartitionInput{Values: []string{y, m},
						StorageDescriptor: &StorageDescriptor{Location: "s3://bucket/orders/year=" + y + "/month=" + m + "/"}})
				}
			}
			ins = append(ins, PartitionInput{Values: []string{"2024", "01"}}, PartitionInput{Values: []string{"2024"}})
			failed, err := c.BatchCreatePartition(ctx, tx, scA, "sales", "orders", ins)
			if err != nil {
				return err
			}
			var ae *AlreadyExistsError
			var ii *InvalidInputError
			if len(failed) != 2 || !errors.As(failed[0].Err, &ae) || !errors.As(failed[1].Err, &ii) {
				return fmt.Errorf("failed %v", failed)
			}
			return nil
		})
		values := func(ps []Partition) (out []string) {
			for _, p := range ps {
				out = append(out, strings.Join(p.Values, "/"))
			}
			return out
		}
		in(t, db, func(ctx context.Context, tx *store.Tx) error {
			p, err := c.GetPartition(ctx, tx, scA, "sales", "orders", []string{"2024", "02"})
			if err != nil || p.StorageDescriptor.Location != "s3://bucket/orders/year=2024/month=02/" || p.TableName != "orders" {
				return fmt.Errorf("get %+v %v", p, err)
			}
			page, err := c.ListPartitions(ctx, tx, scA, "sales", "orders", PartitionQuery{Limit: 4})
			if err != nil || !slices.Equal(values(page.Partitions), []string{"2023/01", "2023/02", "2023/03", "2024/01"}) || page.Next == "" {
				return fmt.Errorf("page 1 %v %v", page, err)
			}
			page, err = c.ListPartitions(ctx, tx, scA, "sales", "orders", PartitionQuery{Limit: 4, After: page.Next})
			if err != nil || !slices.Equal(values(page.Partitions), []string{"2024/02", "2024/03"}) || page.Next != "" {
				return fmt.Errorf("page 2 %v %v", page, err)
			}
			q := PartitionQuery{Limit: 1, Equal: map[int]string{0: "2024"}, Match: func(v []string) bool { return v[1] >= "02" }}
			page, err = c.ListPartitions(ctx, tx, scA, "sales", "orders", q)
			if err != nil || !slices.Equal(values(page.Partitions), []string{"2024/02"}) || page.Next == "" {
				return fmt.Errorf("match page 1 %v %v", page, err)
			}
			q.After = page.Next
			page, err = c.ListPartitions(ctx, tx, scA, "sales", "orders", q)
			if err != nil || !slices.Equal(values(page.Partitions), []string{"2024/03"}) {
				return fmt.Errorf("match page 2 %v %v", page, err)
			}
			page, err = c.ListPartitions(ctx, tx, scA, "sales", "orders", PartitionQuery{Limit: 10, Equal: map[int]string{0: "2023", 1: "02"}})
			if err != nil || !slices.Equal(values(page.Partitions), []string{"2023/02"}) {
				return fmt.Errorf("whole prefix %v %v", page, err)
			}
			page, err = c.ListPartitions(ctx, tx, scA, "sales", "orders", PartitionQuery{Limit: 10, Equal: map[int]string{1: "02"}, Match: func([]string) bool { return true }})
			if err != nil || !slices.Equal(values(page.Partitions), []string{"2023/02", "2024/02"}) {
				return fmt.Errorf("later key equal %v %v", page, err)
			}
			// The JSON form is the typed form, written without decoding.
			typed, err := c.ListPartitions(ctx, tx, scA, "sales", "orders", PartitionQuery{Limit: 10})
			if err != nil {
				return err
			}
			raw, err := c.ListPartitions(ctx, tx, scA, "sales", "orders", PartitionQuery{Limit: 10, JSON: true})
			if err != nil || len(raw.JSON) != len(typed.Partitions) {
				return fmt.Errorf("json page %v %v", raw, err)
			}
			for i, j := range raw.JSON {
				var p Partition
				if err := json.Unmarshal(j, &p); err != nil {
					return err
				}
				if !reflect.DeepEqual(p, typed.Partitions[i]) {
					return fmt.Errorf("json %s\nis not %+v", j, typed.Partitions[i])
				}
			}
			got, err := c.BatchGetPartition(ctx, tx, scA, "sales", "orders", [][]string{{"2024", "03"}, {"1999", "01"}, {"2023", "01"}})
			if err != nil || !slices.Equal(values(got), []string{"2023/01", "2024/03"}) {
				return fmt.Errorf("batch get %v %v", values(got), err)
			}
			// Move a partition to new values.
			if err := c.UpdatePartition(ctx, tx, scA, "sales", "orders", []string{"2023", "03"},
				PartitionInput{Values: []string{"2023", "04"}, Parameters: map[string]string{"k": "v"}}); err != nil {
				return err
			}
			p, err = c.GetPartition(ctx, tx, scA, "sales", "orders", []string{"2023", "04"})
			if err != nil || p.Parameters["k"] != "v" {
				return fmt.Errorf("moved %+v %v", p, err)
			}
			failed, err := c.BatchDeletePartition(ctx, tx, scA, "sales", "orders", [][]string{{"2023", "01"}, {"2023", "03"}})
			var nf *NotFoundError
			if err != nil || len(failed) != 1 || !errors.As(failed[0].Err, &nf) {
				return fmt.Errorf("batch delete %v %v", failed, err)
			}
			return nil
		})
		want[*AlreadyExistsError](t, db, func(ctx context.Context, tx *store.Tx) error {
			return c.UpdatePartition(ctx, tx, scA, "sales", "orders", []string{"2023", "04"}, PartitionInput{Values: []string{"2024", "01"}})
		})
		want[*NotFoundError](t, db, func(ctx context.Context, tx *store.Tx) error {
			_, err := c.GetPartition(ctx, tx, scA, "sales", "orders", []string{"2023", "01"})
			return err
		})
		// Partition indexes are kept with their key types.
		in(t, db, func(ctx context.Context, tx *store.Tx) error {
			if err := c.CreatePartitionIndex(ctx, tx, scA, "sales", "orders", PartitionIndex{IndexName: "by_year", Keys: []string{"year"}}); err != nil {
				return err
			}
			idx, err := c.GetPartitionIndexes(ctx, tx, scA, "sales", "orders")
			if err != nil || len(idx) != 1 || idx[0].Keys[0].Type != "string" || idx[0].IndexStatus != "ACTIVE" {
				return fmt.Errorf("indexes %+v %v", idx, err)
			}
			return nil
		})
		want[*InvalidInputError](t, db, func(ctx context.Context, tx *store.Tx) error {
			return c.CreatePartitionIndex(ctx, tx, scA, "sales", "orders", PartitionIndex{IndexName: "x", Keys: []string{"amount"}})
		})
		want[*AlreadyExistsError](t, db, func(ctx context.Context, tx *store.Tx) error {
			return c.CreatePartitionIndex(ctx, tx, scA, "sales", "orders", PartitionIndex{IndexName: "by_year", Keys: []string{"month"}})
		})
		// Deleting the table takes its partitions with it.
		in(t, db, func(ctx context.Context, tx *store.Tx) error {
			if err := c.DeleteTable(ctx, tx, scA, "sales", "orders"); err != nil {
				return err
			}
			var n int
			if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM glue_partitions`).Scan(&n); err != nil || n != 0 {
				return fmt.Errorf("%d partitions left, %v", n, err)
			}
			return nil
		})
	})
}

// TestPartitionPagesAcrossKeyChunks pages through queries whose matches are spread over more
// candidate keys than one key read returns, and checks every page against a plain filter of
// all the partitions.
func TestPartitionPagesAcrossKeyChunks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		c := testCatalog(t)
		var all [][]string
		for d := range 50 {
			for n := range 120 { // 6,000 partitions: three key reads of keyChunk
				all = append(all, []string{fmt.Sprintf("%02d", d), fmt.Sprintf("n%03d", n)})
			}
		}
		in(t, db, func(ctx context.Context, tx *store.Tx) error {
			if err := c.CreateDatabase(ctx, tx, scA, DatabaseInput{Name: "logs"}); err != nil {
				return err
			}
			if err := c.CreateTable(ctx, tx, scA, "logs", TableInput{Name: "events",
				PartitionKeys: []Column{{Name: "day", Type: "string"}, {Name: "n", Type: "string"}}}, CreateTableOptions{}); err != nil {
				return err
			}
			ins := make([]PartitionInput, len(all))
			for i, v := range all {
				ins[i] = PartitionInput{Values: v}
			}
			failed, err := c.BatchCreatePartition(ctx, tx, scA, "logs", "events", ins)
			if err == nil && len(failed) > 0 {
				err = fmt.Errorf("create: %v", failed)
			}
			return err
		})
		for _, tc := range []struct {
			name  string
			limit int
			q     PartitionQuery
			keep  func(v []string) bool
		}{
			{"sparse match", 7, PartitionQuery{Match: func(v []string) bool { return v[1] == "n007" }}, func(v []string) bool { return v[1] == "n007" }},
			{"later key equal", 9, PartitionQuery{Equal: map[int]string{1: "n119"}, Match: func([]string) bool { return true }}, func(v []string) bool { return v[1] == "n119" }},
			{"dense match", 1000, PartitionQuery{Match: func(v []string) bool { return v[0] >= "10" }}, func(v []string) bool { return v[0] >= "10" }},
			{"prefix and match", 50, PartitionQuery{Equal: map[int]string{0: "33"}, Match: func(v []string) bool { return v[1] < "n100" }},
				func(v []string) bool { return v[0] == "33" && v[1] < "n100" }},
		} {
			t.Run(tc.name, func(t *testing.T) {
				var want, got []string
				for _, v := range all {
					if tc.keep(v) {
						want = append(want, strings.Join(v, "/"))
					}
				}
				q := tc.q
				q.Limit = tc.limit
				for pages := 0; ; pages++ {
					if pages > len(all) {
						t.Fatal("paging does not end")
					}
					var page *PartitionPage
					in(t, db, func(ctx context.Context, tx *store.Tx) (err error) {
						page, err = c.ListPartitions(ctx, tx, scA, "logs", "events", q)
						return err
					})
					if len(page.Partitions) > tc.limit {
						t.Fatalf("page of %d over the limit %d", len(page.Partitions), tc.limit)
					}
					for _, p := range page.Partitions {
						got = append(got, strings.Join(p.Values, "/"))
					}
					if page.Next == "" {
						break
					}
					q.After = page.Next
				}
				if !slices.Equal(got, want) {
					t.Fatalf("got %d partitions, want %d:\n got %v\nwant %v", len(got), len(want), got, want)
				}
			})
		}
	})
}

func TestConnections(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		c := testCatalog(t)
		conn := ConnectionInput{Name: "pg", ConnectionType: "JDBC", ConnectionProperties: map[string]string{
			PropURL: "jdbc:postgresql://db.example:6543/sales?sslmode=disable", PropUsername: "app", PropPassword: "s3cret!"}}
		in(t, db, func(ctx context.Context, tx *store.Tx) error { return c.CreateConnection(ctx, tx, scA, conn) })
		want[*AlreadyExistsError](t, db, func(ctx context.Context, tx *store.Tx) error { return c.CreateConnection(ctx, tx, scA, conn) })
		want[*InvalidInputError](t, db, func(ctx context.Context, tx *store.Tx) error {
			return c.CreateConnection(ctx, tx, scA, ConnectionInput{Name: "x", ConnectionType: "JDBC",
				ConnectionProperties: map[string]string{PropURL: "jdbc:mysql://h/db", PropUsername: "u"}})
		})
		in(t, db, func(ctx context.Context, tx *store.Tx) error {
			var doc, sealed string
			if err := tx.QueryRow(ctx, `SELECT doc, sealed_password FROM glue_connections`).Scan(&doc, &sealed); err != nil {
				return err
			}
			if strings.Contains(doc+sealed, "s3cret") || sealed == "" {
				return fmt.Errorf("password stored in clear: %s / %s", doc, sealed)
			}
			hidden, err := c.GetConnection(ctx, tx, scA, "pg", true)
			if err != nil || hidden.ConnectionProperties[PropPassword] != "" || hidden.ConnectionProperties[PropUsername] != "app" {
				return fmt.Errorf("hidden %+v %v", hidden, err)
			}
			shown, err := c.GetConnection(ctx, tx, scA, "pg", false)
			if err != nil || shown.ConnectionProperties[PropPassword] != "s3cret!" || shown.Status != "READY" {
				return fmt.Errorf("shown %+v %v", shown, err)
			}
			cfg, err := c.ConnectionConfig(ctx, tx, scA, "pg")
			if err != nil || cfg.Engine != "postgres" || cfg.Host != "db.example" || cfg.Port != 6543 || cfg.Database != "sales" ||
				cfg.User != "app" || cfg.SealedPassword == "" || cfg.Params["sslmode"] != "disable" {
				return fmt.Errorf("config %+v %v", cfg, err)
			}
			if _, err := c.GetConnection(ctx, tx, scB, "pg", true); err == nil {
				return errors.New("another account sees the connection")
			}
			upd := ConnectionInput{Name: "pg2", ConnectionType: "JDBC", ConnectionProperties: map[string]string{
				PropURL: "jdbc:mariadb://m:3306/shop", PropSecretID: "shop-creds", PropEnforceSSL: "true"}}
			if err := c.UpdateConnection(ctx, tx, scA, "pg", upd); err != nil {
				return err
			}
			cfg, err = c.ConnectionConfig(ctx, tx, scA, "pg2")
			if err != nil || cfg.Engine != "mysql" || cfg.SecretID != "shop-creds" || cfg.SealedPassword != "" || cfg.Params["tls"] != "true" {
				return fmt.Errorf("updated config %+v %v", cfg, err)
			}
			list, more, err := c.ListConnections(ctx, tx, scA, "", 10, true, nil)
			if err != nil || more || len(list) != 1 || list[0].Name != "pg2" {
				return fmt.Errorf("list %v %v", list, err)
			}
			return c.DeleteConnection(ctx, tx, scA, "pg2")
		})
		want[*NotFoundError](t, db, func(ctx context.Context, tx *store.Tx) error { return c.DeleteConnection(ctx, tx, scA, "pg2") })
	})
}

func TestParseJDBCURL(t *testing.T) {
	for _, tc := range []struct {
		url, engine, host, db, path string
		port                        int
		bad                         bool
	}{
		{url: "jdbc:postgresql://h:5432/d", engine: "postgres", host: "h", port: 5432, db: "d"},
		{url: "jdbc:mysql://h/d", engine: "mysql", host: "h", db: "d"},
		{url: "jdbc:mariadb://h:3307/d", engine: "mysql", host: "h", port: 3307, db: "d"},
		{url: "jdbc:sqlite:/data/app.db", engine: "sqlite", path: "/data/app.db"},
		{url: "jdbc:sqlite:app.db", bad: true},
		{url: "jdbc:oracle:thin://@h:1521/x", bad: true},
		{url: "jdbc:postgresql://u:p@h/d", bad: true},
		{url: "postgresql://h/d", bad: true},
	} {
		cfg, err := ParseJDBCURL(tc.url)
		if tc.bad {
			var ii *InvalidInputError
			if !errors.As(err, &ii) {
				t.Errorf("%s: got %+v, %v; want invalid input", tc.url, cfg, err)
			}
			continue
		}
		if err != nil || cfg.Engine != tc.engine || cfg.Host != tc.host || cfg.Port != tc.port || cfg.Database != tc.db || cfg.Path != tc.path {
			t.Errorf("%s: got %+v, %v", tc.url, cfg, err)
		}
	}
}

func TestClassifiersAndTags(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		c := testCatalog(t)
		in(t, db, func(ctx context.Context, tx *store.Tx) error {
			return c.CreateClassifier(ctx, tx, scA, Classifier{CsvClassifier: &CsvClassifier{Name: "pipes", Delimiter: "|", ContainsHeader: "PRESENT"}})
		})
		want[*AlreadyExistsError](t, db, func(ctx context.Context, tx *store.Tx) error {
			return c.CreateClassifier(ctx, tx, scA, Classifier{JsonClassifier: &JsonClassifier{Name: "pipes", JsonPath: "$[*]"}})
		})
		want[*InvalidInputError](t, db, func(ctx context.Context, tx *store.Tx) error {
			path := "$.x"
			return c.UpdateClassifier(ctx, tx, scA, ClassifierUpdate{JsonClassifier: &JsonClassifierUpdate{Name: "pipes", JsonPath: &path}})
		})
		in(t, db, func(ctx context.Context, tx *store.Tx) error {
			quote := "'"
			if err := c.UpdateClassifier(ctx, tx, scA, ClassifierUpdate{CsvClassifier: &CsvClassifierUpdate{Name: "pipes", QuoteSymbol: &quote}}); err != nil {
				return err
			}
			cl, err := c.GetClassifier(ctx, tx, scA, "pipes")
			if err != nil || cl.Kind() != ClassifierCSV || cl.CsvClassifier.Delimiter != "|" || cl.CsvClassifier.QuoteSymbol != "'" ||
				cl.CsvClassifier.Version != 2 || cl.CsvClassifier.LastUpdated == nil {
				return fmt.Errorf("got %+v %v", cl.CsvClassifier, err)
			}
			list, _, err := c.ListClassifiers(ctx, tx, scA, "", 10)
			if err != nil || len(list) != 1 {
				return fmt.Errorf("list %v %v", list, err)
			}
			if err := c.TagResource(ctx, tx, scA, "connection/x", map[string]string{"a": "1", "b": "2"}); err != nil {
				return err
			}
			if err := c.TagResource(ctx, tx, scA, "connection/x", map[string]string{"a": "3"}); err != nil {
				return err
			}
			if err := c.UntagResource(ctx, tx, scA, "connection/x", []string{"b", "zz"}); err != nil {
				return err
			}
			tags, err := c.GetTags(ctx, tx, scA, "connection/x")
			if err != nil || len(tags) != 1 || tags["a"] != "3" {
				return fmt.Errorf("tags %v %v", tags, err)
			}
			return c.DeleteClassifier(ctx, tx, scA, "pipes")
		})
		want[*InvalidInputError](t, db, func(ctx context.Context, tx *store.Tx) error {
			many := map[string]string{}
			for i := range 50 {
				many[fmt.Sprint("k", i)] = "v"
			}
			return c.TagResource(ctx, tx, scA, "connection/x", many)
		})
	})
}
