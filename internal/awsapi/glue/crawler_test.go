package glue_test

import (
	"net"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	"github.com/aws/aws-sdk-go-v2/service/glue/types"
)

func writeTree(t *testing.T, root string, tree map[string]string) {
	t.Helper()
	for rel, data := range tree {
		p := filepath.Join(root, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// waitReady polls GetCrawler until the crawler is READY after a crawl, and returns it.
func waitReady(t *testing.T, c *glue.Client, name string) *types.Crawler {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		cr := must(c.GetCrawler(ctx, &glue.GetCrawlerInput{Name: aws.String(name)}))(t).Crawler
		if cr.State == types.CrawlerStateReady && cr.LastCrawl != nil {
			return cr
		}
		if time.Now().After(deadline) {
			t.Fatalf("crawler %s still %s", name, cr.State)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestCrawlerLifecycle(t *testing.T) {
	c, _ := client(t)
	root := filepath.Join(t.TempDir(), "lake")
	writeTree(t, root, map[string]string{
		"sales/part-0.csv":                 "id,amount\n1,2.5\n",
		"events/year=2024/month=01/a.json": `{"id":1,"page":"/"}` + "\n",
		"events/year=2024/month=02/a.json": `{"id":2,"page":"/a"}` + "\n",
		"events/year=2025/month=01/a.json": `{"id":3,"page":"/b","ms":4}` + "\n",
	})
	must(c.CreateDatabase(ctx, &glue.CreateDatabaseInput{DatabaseInput: &types.DatabaseInput{Name: aws.String("lake")}}))(t)
	targets := &types.CrawlerTargets{S3Targets: []types.S3Target{{Path: aws.String("file://" + root)}}}
	must(c.CreateCrawler(ctx, &glue.CreateCrawlerInput{Name: aws.String("files"), Role: aws.String("AWSGlueServiceRole-x"),
		DatabaseName: aws.String("lake"), Targets: targets, Tags: map[string]string{"team": "data"}}))(t)

	_, err := c.CreateCrawler(ctx, &glue.CreateCrawlerInput{Name: aws.String("files"), Role: aws.String("r"), DatabaseName: aws.String("lake"), Targets: targets})
	wantErr(t, err, "AlreadyExistsException", "files")
	for _, bad := range []*glue.CreateCrawlerInput{
		{Name: aws.String("b"), Role: aws.String("r"), DatabaseName: aws.String("lake"), Targets: &types.CrawlerTargets{}},
		{Name: aws.String("b"), Role: aws.String("r"), DatabaseName: aws.String("lake"), Targets: targets, Schedule: aws.String("rate(1 hour)")},
		{Name: aws.String("b"), Role: aws.String("r"), DatabaseName: aws.String("lake"), Targets: targets, Configuration: aws.String(`{"Version":2}`)},
		{Name: aws.String("b"), Role: aws.String("r"), Targets: targets},
		{Name: aws.String("b"), Role: aws.String("r"), DatabaseName: aws.String("lake"), Targets: targets, TablePrefix: aws.String(string(make([]byte, 129)))},
	} {
		_, err := c.CreateCrawler(ctx, bad)
		wantErr(t, err, "InvalidInputException", "")
	}

	cr := must(c.GetCrawler(ctx, &glue.GetCrawlerInput{Name: aws.String("files")}))(t).Crawler
	if cr.State != types.CrawlerStateReady || cr.Version != 1 || cr.LastCrawl != nil || cr.SchemaChangePolicy.DeleteBehavior != types.DeleteBehaviorDeprecateInDatabase ||
		cr.RecrawlPolicy.RecrawlBehavior != types.RecrawlBehaviorCrawlEverything {
		t.Errorf("new crawler %+v", cr)
	}
	_, err = c.GetCrawler(ctx, &glue.GetCrawlerInput{Name: aws.String("nope")})
	wantErr(t, err, "EntityNotFoundException", "nope")
	_, err = c.StopCrawler(ctx, &glue.StopCrawlerInput{Name: aws.String("files")})
	wantErr(t, err, "CrawlerNotRunningException", "")

	must(c.StartCrawler(ctx, &glue.StartCrawlerInput{Name: aws.String("files")}))(t)
	cr = waitReady(t, c, "files")
	if cr.LastCrawl.Status != types.LastCrawlStatusSucceeded {
		t.Fatalf("last crawl %+v", cr.LastCrawl)
	}
	tables := must(c.GetTables(ctx, &glue.GetTablesInput{DatabaseName: aws.String("lake")}))(t).TableList
	var names []string
	for _, tb := range tables {
		names = append(names, *tb.Name)
	}
	if !slices.Equal(names, []string{"events", "sales"}) {
		t.Fatalf("tables %q", names)
	}
	ev := must(c.GetTable(ctx, &glue.GetTableInput{DatabaseName: aws.String("lake"), Name: aws.String("events")}))(t).Table
	if len(ev.PartitionKeys) != 2 || *ev.PartitionKeys[0].Name != "year" || ev.Parameters["classification"] != "json" ||
		*ev.StorageDescriptor.SerdeInfo.SerializationLibrary != "org.openx.data.jsonserde.JsonSerDe" || len(ev.StorageDescriptor.Columns) != 3 {
		t.Errorf("events %+v", ev)
	}
	parts := must(c.GetPartitions(ctx, &glue.GetPartitionsInput{DatabaseName: aws.String("lake"), TableName: aws.String("events"),
		Expression: aws.String("year = '2024' AND month > '01'")}))(t).Partitions
	if len(parts) != 1 || parts[0].Values[1] != "02" || *parts[0].StorageDescriptor.Location != "file://"+root+"/events/year=2024/month=02/" {
		t.Errorf("partitions %+v", parts)
	}

	m := must(c.GetCrawlerMetrics(ctx, &glue.GetCrawlerMetricsInput{CrawlerNameList: []string{"files", "nope"}}))(t).CrawlerMetricsList
	if len(m) != 1 || m[0].TablesCreated != 2 {
		t.Errorf("metrics %+v", m)
	}
	crawls := must(c.ListCrawls(ctx, &glue.ListCrawlsInput{CrawlerName: aws.String("files"),
		Filters: []types.CrawlsFilter{{FieldName: types.FieldNameState, FilterOperator: types.FilterOperatorEq, FieldValue: aws.String("COMPLETED")}}}))(t).Crawls
	if len(crawls) != 1 || crawls[0].Summary == nil || *crawls[0].CrawlId != *cr.LastCrawl.MessagePrefix {
		t.Errorf("crawls %+v", crawls)
	}
	_, err = c.ListCrawls(ctx, &glue.ListCrawlsInput{CrawlerName: aws.String("nope")})
	wantErr(t, err, "EntityNotFoundException", "")

	// Listing, tags, batch.
	must(c.CreateCrawler(ctx, &glue.CreateCrawlerInput{Name: aws.String("other"), Role: aws.String("r"), DatabaseName: aws.String("lake"), Targets: targets}))(t)
	listed := must(c.ListCrawlers(ctx, &glue.ListCrawlersInput{Tags: map[string]string{"team": "data"}}))(t).CrawlerNames
	if !slices.Equal(listed, []string{"files"}) {
		t.Errorf("ListCrawlers by tag %q", listed)
	}
	page := must(c.GetCrawlers(ctx, &glue.GetCrawlersInput{MaxResults: aws.Int32(1)}))(t)
	if len(page.Crawlers) != 1 || page.NextToken == nil {
		t.Fatalf("GetCrawlers page %+v", page)
	}
	page = must(c.GetCrawlers(ctx, &glue.GetCrawlersInput{MaxResults: aws.Int32(1), NextToken: page.NextToken}))(t)
	if len(page.Crawlers) != 1 || *page.Crawlers[0].Name != "other" || page.NextToken != nil {
		t.Errorf("second page %+v", page)
	}
	batch := must(c.BatchGetCrawlers(ctx, &glue.BatchGetCrawlersInput{CrawlerNames: []string{"files", "ghost"}}))(t)
	if len(batch.Crawlers) != 1 || !slices.Equal(batch.CrawlersNotFound, []string{"ghost"}) {
		t.Errorf("batch %+v", batch)
	}

	// Schedules.
	_, err = c.StartCrawlerSchedule(ctx, &glue.StartCrawlerScheduleInput{CrawlerName: aws.String("other")})
	wantErr(t, err, "NoScheduleException", "")
	must(c.UpdateCrawlerSchedule(ctx, &glue.UpdateCrawlerScheduleInput{CrawlerName: aws.String("other"), Schedule: aws.String("cron(15 12 * * ? *)")}))(t)
	o := must(c.GetCrawler(ctx, &glue.GetCrawlerInput{Name: aws.String("other")}))(t).Crawler
	if o.Schedule == nil || *o.Schedule.ScheduleExpression != "cron(15 12 * * ? *)" || o.Schedule.State != types.ScheduleStateScheduled {
		t.Errorf("schedule %+v", o.Schedule)
	}
	_, err = c.StartCrawlerSchedule(ctx, &glue.StartCrawlerScheduleInput{CrawlerName: aws.String("other")})
	wantErr(t, err, "SchedulerRunningException", "")
	must(c.StopCrawlerSchedule(ctx, &glue.StopCrawlerScheduleInput{CrawlerName: aws.String("other")}))(t)
	_, err = c.StopCrawlerSchedule(ctx, &glue.StopCrawlerScheduleInput{CrawlerName: aws.String("other")})
	wantErr(t, err, "SchedulerNotRunningException", "")
	_, err = c.UpdateCrawlerSchedule(ctx, &glue.UpdateCrawlerScheduleInput{CrawlerName: aws.String("other"), Schedule: aws.String("cron(0/1 * * * ? *)")})
	wantErr(t, err, "InvalidInputException", "5 minutes")

	// Update and delete.
	must(c.UpdateCrawler(ctx, &glue.UpdateCrawlerInput{Name: aws.String("other"), Description: aws.String("nightly"), TablePrefix: aws.String("raw_")}))(t)
	o = must(c.GetCrawler(ctx, &glue.GetCrawlerInput{Name: aws.String("other")}))(t).Crawler
	if *o.Description != "nightly" || *o.TablePrefix != "raw_" || o.Version != 2 || o.Schedule.State != types.ScheduleStateNotScheduled {
		t.Errorf("updated %+v", o)
	}
	_, err = c.UpdateCrawler(ctx, &glue.UpdateCrawlerInput{Name: aws.String("ghost"), Description: aws.String("x")})
	wantErr(t, err, "EntityNotFoundException", "")
	must(c.DeleteCrawler(ctx, &glue.DeleteCrawlerInput{Name: aws.String("other")}))(t)
	_, err = c.DeleteCrawler(ctx, &glue.DeleteCrawlerInput{Name: aws.String("other")})
	wantErr(t, err, "EntityNotFoundException", "")
}

// A crawl that runs (here: a JDBC crawl whose server accepts connections and never answers)
// refuses a second start, updates and deletes; StopCrawler stops it, and it writes nothing.
func TestStopARunningCrawl(t *testing.T) {
	c, _ := client(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			defer conn.Close()
		}
	}()
	must(c.CreateDatabase(ctx, &glue.CreateDatabaseInput{DatabaseInput: &types.DatabaseInput{Name: aws.String("db")}}))(t)
	must(c.CreateConnection(ctx, &glue.CreateConnectionInput{ConnectionInput: &types.ConnectionInput{Name: aws.String("silent"),
		ConnectionType: types.ConnectionTypeJdbc, ConnectionProperties: map[string]string{"JDBC_CONNECTION_URL": "jdbc:postgresql://" + ln.Addr().String() + "/x",
			"USERNAME": "u", "PASSWORD": "p"}}}))(t)
	must(c.CreateCrawler(ctx, &glue.CreateCrawlerInput{Name: aws.String("slow"), Role: aws.String("r"), DatabaseName: aws.String("db"),
		Targets: &types.CrawlerTargets{JdbcTargets: []types.JdbcTarget{{ConnectionName: aws.String("silent"), Path: aws.String("x/public/%")}}}}))(t)
	must(c.StartCrawler(ctx, &glue.StartCrawlerInput{Name: aws.String("slow")}))(t)
	_, err = c.StartCrawler(ctx, &glue.StartCrawlerInput{Name: aws.String("slow")})
	wantErr(t, err, "CrawlerRunningException", "")
	_, err = c.UpdateCrawler(ctx, &glue.UpdateCrawlerInput{Name: aws.String("slow"), Description: aws.String("x")})
	wantErr(t, err, "CrawlerRunningException", "Cannot update Crawler while running")
	_, err = c.DeleteCrawler(ctx, &glue.DeleteCrawlerInput{Name: aws.String("slow")})
	wantErr(t, err, "CrawlerRunningException", "")
	if cr := must(c.GetCrawler(ctx, &glue.GetCrawlerInput{Name: aws.String("slow")}))(t).Crawler; cr.State != types.CrawlerStateRunning {
		t.Errorf("state %s, want RUNNING", cr.State)
	}
	must(c.StopCrawler(ctx, &glue.StopCrawlerInput{Name: aws.String("slow")}))(t)
	cr := waitReady(t, c, "slow")
	if cr.LastCrawl.Status != types.LastCrawlStatusCancelled {
		t.Errorf("last crawl %+v", cr.LastCrawl)
	}
	crawls := must(c.ListCrawls(ctx, &glue.ListCrawlsInput{CrawlerName: aws.String("slow")}))(t).Crawls
	if len(crawls) != 1 || crawls[0].State != types.CrawlerHistoryStateStopped {
		t.Errorf("crawls %+v", crawls)
	}
}
