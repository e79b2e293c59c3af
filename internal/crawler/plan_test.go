package crawler

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/surveyorhq/surveyor/internal/gluecatalog"
	"github.com/surveyorhq/surveyor/internal/schema"
)

func col(name, typ string) schema.Column {
	return schema.Column{Name: name, Type: parseHiveType(typ)}
}

// previousCrawl is the catalog after a first crawl of events (dt=1, dt=2) and gone.
func previousCrawl(t *testing.T) Previous {
	first := &Result{Tables: []Table{
		{Name: "events", Location: "s3://b/events/", Columns: []schema.Column{col("id", "bigint"), col("page", "string")}, PartitionKeys: []string{"dt"},
			Parameters: map[string]string{"classification": "json", "objectCount": "2"}, Storage: Storage{SerializationLibrary: jsonSerde},
			Partitions: []Partition{{Values: []string{"1"}, Location: "s3://b/events/dt=1/"}, {Values: []string{"2"}, Location: "s3://b/events/dt=2/"}}},
		{Name: "gone", Location: "s3://b/gone/", Columns: []schema.Column{col("x", "int")}, Parameters: map[string]string{"classification": "csv"}},
	}}
	plan, err := MakePlan(Previous{Tables: []gluecatalog.Table{{TableInput: gluecatalog.TableInput{Name: "users_own", Parameters: map[string]string{}}}}},
		first, Policy{}, Crawl{Crawler: "c1", ID: "run-1", Now: time.UnixMilli(1000)})
	if err != nil {
		t.Fatal(err)
	}
	if plan.Counts.TablesCreated != 2 || plan.Counts.PartitionsCreated != 2 {
		t.Fatalf("first crawl counts %+v", plan.Counts)
	}
	prev := Previous{Partitions: map[string][]gluecatalog.Partition{}}
	for _, w := range plan.Creates {
		prev.Tables = append(prev.Tables, gluecatalog.Table{TableInput: w.Input})
		for _, p := range w.CreatePartitions {
			prev.Partitions[w.Input.Name] = append(prev.Partitions[w.Input.Name], gluecatalog.Partition{PartitionInput: p})
		}
	}
	return prev
}

func secondCrawl() *Result {
	return &Result{Tables: []Table{
		{Name: "events", Location: "s3://b/events/", Columns: []schema.Column{col("id", "int"), col("page", "string"), col("ref", "string")}, PartitionKeys: []string{"dt"},
			Parameters: map[string]string{"classification": "json", "objectCount": "2"}, Storage: Storage{SerializationLibrary: jsonSerde},
			Partitions: []Partition{{Values: []string{"1"}, Location: "s3://b/events/dt=1/"}, {Values: []string{"3"}, Location: "s3://b/events/dt=3/"}}},
		{Name: "gone", Location: "s3://elsewhere/gone/", Columns: []schema.Column{col("y", "int")}, Parameters: map[string]string{"classification": "csv"}},
	}}
}

func TestSchemaChangePolicy(t *testing.T) {
	now := time.UnixMilli(1758729127916)
	crawl := Crawl{Crawler: "c1", ID: "run-2", Now: now, InScope: func(loc string) bool { return strings.HasPrefix(loc, "s3://b/") }}
	for _, tc := range []struct {
		name   string
		policy Policy
		check  func(t *testing.T, p *Plan)
	}{
		{"defaults: update in database, deprecate", Policy{}, func(t *testing.T, p *Plan) {
			ev := findWrite(t, p.Updates, "events")
			if ev.SkipArchive {
				t.Error("a changed table must get a new version")
			}
			if got := columnTypes(ev.Input); !slices.Equal(got, []string{"id bigint", "page string", "ref string"}) {
				t.Errorf("columns %q: bigint must not narrow to int", got)
			}
			if len(ev.CreatePartitions) != 1 || ev.CreatePartitions[0].Values[0] != "3" || len(ev.DeletePartitions) != 0 {
				t.Errorf("partitions: create %d delete %d", len(ev.CreatePartitions), len(ev.DeletePartitions))
			}
			gone := findWrite(t, p.Updates, "gone")
			if gone.Input.Parameters[DeprecatedKey] != "1758729127916" || gone.Input.StorageDescriptor.Parameters[DeprecatedKey] != "1758729127916" {
				t.Errorf("gone not deprecated: %v", gone.Input.Parameters)
			}
			if c := findWrite(t, p.Creates, ClashName("gone", "s3://elsewhere/gone/")); c.Input.StorageDescriptor.Location != "s3://elsewhere/gone/" {
				t.Errorf("clash table %+v", c.Input)
			}
			if p.Counts.TablesUpdated != 1 || p.Counts.TablesDeleted != 1 || p.Counts.TablesCreated != 1 || p.Counts.PartitionsCreated != 1 {
				t.Errorf("counts %+v", p.Counts)
			}
		}},
		{"delete from database", Policy{DeleteBehavior: DeleteFromDB}, func(t *testing.T, p *Plan) {
			if !slices.Equal(p.Deletes, []string{"gone"}) {
				t.Errorf("deletes %q", p.Deletes)
			}
			if ev := findWrite(t, p.Updates, "events"); len(ev.DeletePartitions) != 1 || ev.DeletePartitions[0][0] != "2" {
				t.Errorf("vanished partition not deleted: %v", ev.DeletePartitions)
			}
		}},
		{"log leaves tables, still adds partitions and tables", Policy{UpdateBehavior: UpdateLog, DeleteBehavior: DeleteLog}, func(t *testing.T, p *Plan) {
			ev := findWrite(t, p.Updates, "events")
			if !ev.SkipArchive || len(columnTypes(ev.Input)) != 2 || len(ev.CreatePartitions) != 1 {
				t.Errorf("LOG changed the table: %+v", ev)
			}
			if len(p.Deletes) != 0 || p.Counts.TablesDeleted != 0 || len(p.Log) < 2 || len(p.Creates) != 1 {
				t.Errorf("plan %+v", p)
			}
		}},
		{"merge new columns", Policy{MergeNewColumns: true}, func(t *testing.T, p *Plan) {
			ev := findWrite(t, p.Updates, "events")
			if got := columnTypes(ev.Input); !slices.Equal(got, []string{"id bigint", "page string", "ref string"}) {
				t.Errorf("columns %q", got)
			}
		}},
		{"inherit from table", Policy{InheritFromTable: true}, func(t *testing.T, p *Plan) {
			ev := findWrite(t, p.Updates, "events")
			if got := len(ev.CreatePartitions[0].StorageDescriptor.Columns); got != 3 {
				t.Errorf("partition has %d columns, want the table's 3", got)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			plan, err := MakePlan(previousCrawl(t), secondCrawl(), tc.policy, crawl)
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, plan)
		})
	}
}

func TestUnreadableNeverDeletes(t *testing.T) {
	res := secondCrawl()
	res.Tables = res.Tables[:1]
	res.Unreadable = []Unreadable{{Location: "s3://b/gone/part-0.csv", Reason: "corrupt"}, {Location: "s3://b/events/dt=2/a.json", Reason: "gone"}}
	plan, err := MakePlan(previousCrawl(t), res, Policy{DeleteBehavior: DeleteFromDB}, Crawl{Crawler: "c1", ID: "r", Now: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Deletes) != 0 || plan.Counts.TablesDeleted != 0 {
		t.Errorf("deleted %q despite unreadable objects", plan.Deletes)
	}
	if ev := findWrite(t, plan.Updates, "events"); len(ev.DeletePartitions) != 0 {
		t.Errorf("deleted partitions %v under an unreadable object", ev.DeletePartitions)
	}
	res.Unreadable, res.Partial = nil, true
	plan, _ = MakePlan(previousCrawl(t), res, Policy{DeleteBehavior: DeleteFromDB}, Crawl{Crawler: "c1", ID: "r", Now: time.Now()})
	if len(plan.Deletes) != 0 {
		t.Errorf("a partial crawl deleted %q", plan.Deletes)
	}
}

func TestTableThreshold(t *testing.T) {
	_, err := MakePlan(Previous{}, secondCrawl(), Policy{TableThreshold: 1}, Crawl{Crawler: "c", ID: "r", Now: time.Now()})
	var te *ThresholdError
	if !errors.As(err, &te) || te.Would != 2 {
		t.Errorf("err %v", err)
	}
}

func TestParseHiveType(t *testing.T) {
	for _, s := range []string{"int", "decimal(10,2)", "array<struct<a:int,b:map<string,array<bigint>>>>", "struct<x:string>"} {
		if got := parseHiveType(s).Declared; got != s {
			t.Errorf("%s → %s", s, got)
		}
	}
	if got := parseHiveType("struct<a:int,b:string>").Fields[1].Type.Base; got != "string" {
		t.Errorf("field type %s", got)
	}
}

func findWrite(t *testing.T, ws []TableWrite, name string) TableWrite {
	t.Helper()
	for _, w := range ws {
		if w.Input.Name == name {
			return w
		}
	}
	t.Fatalf("no write of %s", name)
	return TableWrite{}
}

func columnTypes(in gluecatalog.TableInput) []string {
	var out []string
	for _, c := range in.StorageDescriptor.Columns {
		out = append(out, c.Name+" "+c.Type)
	}
	return out
}
