#!/usr/bin/env bash
# End to end: Glue crawlers with the aws CLI and boto3 through the real binary. A local folder
# with CSV, gzip NDJSON, Parquet and a Hive-partitioned dataset is crawled and every field a
# crawler writes is read back; a partition with a new column widens the table (one table, a new
# version); a deleted folder is handled under each DeleteBehavior; the same files on a
# moto_server bucket (skipped when moto_server is missing, unless SURVEYOR_REQUIRE_DBS=1); the
# PostgreSQL and MariaDB test servers through Glue connections; GetPartitions with expressions.
source "$(dirname "$0")/lib.bash"

PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5432} PGUSER=${PGUSER:-postgres}
export PGHOST PGPORT PGUSER PGOPTIONS="-c client_min_messages=warning"
MYHOST=${MYHOST:-127.0.0.1} MYPORT=${MYPORT:-3306}
DB="e2e_glue_$$_$RANDOM"
MOTO_PID=""
glue_cleanup() {
  psql -q -d postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
  mysql -h "$MYHOST" -P "$MYPORT" -u root -e "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1 || true
  if [ -n "$MOTO_PID" ]; then kill "$MOTO_PID" 2>/dev/null || true; wait "$MOTO_PID" 2>/dev/null || true; fi
  e2e_cleanup
}
trap glue_cleanup EXIT

LAKE="$E2E_TMP/lake"
mkdir -p "$LAKE/sales" "$LAKE/clicks" "$LAKE/rides" "$LAKE/old"
printf 'id,amount,paid\n1,2.50,true\n2,3,false\n' >"$LAKE/sales/part-0000.csv"
printf '{"id":1,"user":{"name":"a","age":30},"tags":["x"]}\n{"id":2,"user":{"name":"b"},"tags":[]}\n' | gzip >"$LAKE/clicks/c.json.gz"
cp "$E2E_ROOT/scripts/e2e/testdata/rides.parquet" "$LAKE/rides/"
for p in "year=2024/month=01" "year=2024/month=02" "year=2025/month=01"; do
  mkdir -p "$LAKE/events/$p"
  printf '{"id":1,"page":"/"}\n' >"$LAKE/events/$p/part-0000.json"
done
printf 'a,b\n1,2\n' >"$LAKE/old/x.csv"
touch "$LAKE/events/year=2024/month=01/_SUCCESS"
pass "folder $LAKE: CSV, gzip NDJSON, Parquet, Hive-partitioned JSON"

e2e_start

# crawl NAME: starts the crawler and waits (boto3, one process) until it is READY again with a
# new LastCrawl; prints LastCrawl.Status.
crawl() {
  python3 - "$1" <<'PY' || fail "crawl $1"
import sys, time, boto3
g, name = boto3.client("glue"), sys.argv[1]
before = (g.get_crawler(Name=name)["Crawler"].get("LastCrawl") or {}).get("MessagePrefix")
g.start_crawler(Name=name)
for _ in range(1200):
    c = g.get_crawler(Name=name)["Crawler"]
    last = c.get("LastCrawl") or {}
    if c["State"] == "READY" and last.get("MessagePrefix") not in (None, before):
        print(last["Status"])
        sys.exit(0)
    time.sleep(0.05)
sys.exit("crawler %s did not finish: %s" % (name, c))
PY
}

aws glue create-database --database-input Name=lake >/dev/null || fail "create-database"
aws glue create-crawler --name files --role AWSGlueServiceRole-e2e --database-name lake \
  --targets "{\"S3Targets\":[{\"Path\":\"file://$LAKE\"}]}" --tags team=data || fail "create-crawler"
st=$(crawl files)
[ "$st" = SUCCEEDED ] || fail "crawl: $st $(aws glue get-crawler --name files)"
tables=$(aws glue get-tables --database-name lake --query 'TableList[].Name' --output text | tr '\t' ' ')
[ "$tables" = "clicks events old rides sales" ] || fail "tables: $tables"
pass "create-crawler + start-crawler on file://$LAKE → tables $tables"

python3 - "$LAKE" <<'PY' || fail "table fields"
import sys, boto3
lake = sys.argv[1]
g = boto3.client("glue")
def t(name): return g.get_table(DatabaseName="lake", Name=name)["Table"]
def cols(tb): return [(c["Name"], c["Type"]) for c in tb["StorageDescriptor"]["Columns"]]
sales = t("sales")
p, sd = sales["Parameters"], sales["StorageDescriptor"]
assert sales["TableType"] == "EXTERNAL_TABLE" and sales["Owner"] == "owner", sales
assert sales["CreatedBy"].endswith(":assumed-role/AWSGlueServiceRole-e2e/AWS-Crawler"), sales["CreatedBy"]
for k, v in {"classification": "csv", "compressionType": "none", "typeOfData": "file", "objectCount": "1", "recordCount": "2",
             "delimiter": ",", "skip.header.line.count": "1", "areColumnsQuoted": "false", "columnsOrdered": "true",
             "UPDATED_BY_CRAWLER": "files", "CrawlerSchemaDeserializerVersion": "1.0", "CrawlerSchemaSerializerVersion": "1.0"}.items():
    assert p.get(k) == v, (k, p.get(k))
assert p["CRAWL_RUN_ID"] and int(p["sizeKey"]) > 0 and int(p["averageRecordSize"]) > 0, p
assert cols(sales) == [("id", "bigint"), ("amount", "double"), ("paid", "boolean")], cols(sales)
assert sd["Location"] == f"file://{lake}/sales/" and sd["InputFormat"] == "org.apache.hadoop.mapred.TextInputFormat", sd
assert sd["OutputFormat"] == "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat", sd
assert sd["SerdeInfo"]["SerializationLibrary"] == "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe", sd
assert sd["SerdeInfo"]["Parameters"] == {"field.delim": ","} and sd["Parameters"]["classification"] == "csv", sd
assert sd["NumberOfBuckets"] == -1 and sd["Compressed"] is False and sales["PartitionKeys"] == [], sales
clicks = t("clicks")
assert clicks["Parameters"]["compressionType"] == "gzip" and clicks["StorageDescriptor"]["Compressed"] is True, clicks
assert cols(clicks) == [("id", "int"), ("user", "struct<name:string,age:int>"), ("tags", "array<string>")], cols(clicks)
assert clicks["StorageDescriptor"]["SerdeInfo"] == {"SerializationLibrary": "org.openx.data.jsonserde.JsonSerDe",
                                                    "Parameters": {"paths": "id,tags,user"}}, clicks["StorageDescriptor"]["SerdeInfo"]
rides = t("rides")
assert "compressionType" not in rides["Parameters"] and rides["Parameters"]["recordCount"] == "3", rides["Parameters"]
assert cols(rides) == [("id", "bigint"), ("fare", "double"), ("seats", "int"), ("tags", "array<string>")], cols(rides)
assert rides["StorageDescriptor"]["SerdeInfo"]["SerializationLibrary"] == "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
assert rides["StorageDescriptor"]["InputFormat"] == "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"
events = t("events")
assert [(k["Name"], k["Type"]) for k in events["PartitionKeys"]] == [("year", "string"), ("month", "string")], events
parts = g.get_partitions(DatabaseName="lake", TableName="events")["Partitions"]
assert sorted(p["Values"] for p in parts) == [["2024", "01"], ["2024", "02"], ["2025", "01"]], parts
for part in parts:
    psd = part["StorageDescriptor"]
    assert psd["Location"] == f"file://{lake}/events/year={part['Values'][0]}/month={part['Values'][1]}/", psd
    assert psd["SerdeInfo"]["SerializationLibrary"] == "org.openx.data.jsonserde.JsonSerDe" and part["Parameters"]["objectCount"] == "1", part
PY
pass "every field the crawler wrote: parameters, storage descriptors, serdes, Hive types, partition keys and partitions"

got=$(aws glue get-partitions --database-name lake --table-name events --expression "year = '2024' AND month BETWEEN '02' AND '12'" \
  --query 'Partitions[].Values' --output text | tr '\t\n' '  ')
[ "$got" = "2024 02 " ] || fail "get-partitions expression: $got"
got=$(aws glue get-partitions --database-name lake --table-name events --expression "year IN ('2025') OR month LIKE '0%' AND year <> '2024'" \
  --query 'length(Partitions)' --output text)
[ "$got" = 1 ] || fail "get-partitions IN/LIKE: $got"
pass "get-partitions with BETWEEN, IN, LIKE expressions"

# A new partition with a new column: one table, widened, a new version.
mkdir -p "$LAKE/events/year=2025/month=02"
printf '{"id":9,"page":"/n","referrer":"ad"}\n' >"$LAKE/events/year=2025/month=02/part-0000.json"
[ "$(crawl files)" = SUCCEEDED ] || fail "recrawl"
tables=$(aws glue get-tables --database-name lake --query 'TableList[].Name' --output text | tr '\t' ' ')
[ "$tables" = "clicks events old rides sales" ] || fail "tables after the new column: $tables"
cols=$(aws glue get-table --database-name lake --name events --query 'Table.StorageDescriptor.Columns[].Name' --output text | tr '\t' ' ')
[ "$cols" = "id page referrer" ] || fail "events columns: $cols"
versions=$(aws glue get-table-versions --database-name lake --table-name events --query 'length(TableVersions)' --output text)
[ "$versions" = 2 ] || fail "table versions: $versions"
[ "$(aws glue get-partitions --database-name lake --table-name events --query 'length(Partitions)' --output text)" = 4 ] || fail "4 partitions"
pass "a partition with a new column: still one table, columns $cols, $versions versions, 4 partitions"

# A deleted folder under each DeleteBehavior.
rm -rf "$LAKE/old"
aws glue update-crawler --name files --schema-change-policy UpdateBehavior=UPDATE_IN_DATABASE,DeleteBehavior=LOG || fail "update-crawler LOG"
crawl files >/dev/null
dep=$(aws glue get-table --database-name lake --name old --query 'Table.Parameters.DEPRECATED_BY_CRAWLER' --output text)
[ "$dep" = None ] || fail "LOG deprecated the table: $dep"
aws glue update-crawler --name files --schema-change-policy UpdateBehavior=UPDATE_IN_DATABASE,DeleteBehavior=DEPRECATE_IN_DATABASE >/dev/null
crawl files >/dev/null
dep=$(aws glue get-table --database-name lake --name old --query 'Table.Parameters.DEPRECATED_BY_CRAWLER' --output text)
[[ "$dep" =~ ^[0-9]{13}$ ]] || fail "DEPRECATE_IN_DATABASE: $dep"
aws glue update-crawler --name files --schema-change-policy UpdateBehavior=UPDATE_IN_DATABASE,DeleteBehavior=DELETE_FROM_DATABASE >/dev/null
crawl files >/dev/null
aws glue get-table --database-name lake --name old >/dev/null 2>&1 && fail "DELETE_FROM_DATABASE kept the table"
pass "deleted folder: LOG keeps the table, DEPRECATE_IN_DATABASE marks it ($dep), DELETE_FROM_DATABASE deletes it"

python3 - <<'PY' || fail "boto3 metrics and history"
import boto3
g = boto3.client("glue")
m = g.get_crawler_metrics(CrawlerNameList=["files"])["CrawlerMetricsList"][0]
assert m["TablesDeleted"] == 1 and m["LastRuntimeSeconds"] >= 0 and not m["StillEstimating"], m
crawls = g.list_crawls(CrawlerName="files")["Crawls"]
assert len(crawls) == 5 and all(c["State"] == "COMPLETED" for c in crawls), crawls
assert '"TABLE"' in crawls[0]["Summary"] and '"DELETE"' in crawls[0]["Summary"], crawls[0]
first = g.list_crawls(CrawlerName="files", Filters=[{"FieldName": "CRAWL_ID", "FilterOperator": "EQ", "FieldValue": crawls[-1]["CrawlId"]}])["Crawls"]
assert len(first) == 1 and '"ADD"' in first[0]["Summary"], first
try:
    g.stop_crawler(Name="files")
    raise SystemExit("stop_crawler on a READY crawler succeeded")
except g.exceptions.CrawlerNotRunningException:
    pass
names = g.list_crawlers(Tags={"team": "data"})["CrawlerNames"]
assert names == ["files"], names
PY
pass "boto3: get_crawler_metrics, list_crawls with Summary and filters, CrawlerNotRunningException, list_crawlers by tag"

# The same files on an S3-compatible store.
if command -v moto_server >/dev/null; then
  mport=$(free_port)
  moto_server -H 127.0.0.1 -p "$mport" >"$E2E_TMP/moto.log" 2>&1 &
  MOTO_PID=$!
  MOTO="http://127.0.0.1:$mport"
  for _ in $(seq 100); do curl -fsS "$MOTO/moto-api/" >/dev/null 2>&1 && break; sleep 0.2; done
  S3KEY=AKIDE2EGLUE S3SECRET="e2e-s3-secret-$RANDOM$RANDOM"
  s3() { AWS_ACCESS_KEY_ID=$S3KEY AWS_SECRET_ACCESS_KEY=$S3SECRET aws --endpoint-url "$MOTO" s3 "$@" >/dev/null; }
  s3 mb s3://e2e-glue || fail "mb on moto"
  s3 cp --recursive "$LAKE" s3://e2e-glue/lake/ || fail "upload to moto"
  aws secretsmanager create-secret --name s3/e2e-glue --secret-string \
    "{\"accessKeyId\":\"$S3KEY\",\"secretAccessKey\":\"$S3SECRET\",\"endpoint\":\"$MOTO\",\"usePathStyle\":true}" >/dev/null || fail "secret"
  aws glue create-database --database-input Name=bucket >/dev/null
  aws glue create-crawler --name bucket --role r --database-name bucket --table-prefix s3_ \
    --targets '{"S3Targets":[{"Path":"s3://e2e-glue/lake/","Exclusions":["**/_SUCCESS","rides/**"]}]}' >/dev/null || fail "create-crawler s3"
  [ "$(crawl bucket)" = SUCCEEDED ] || fail "s3 crawl: $(aws glue get-crawler --name bucket --query Crawler.LastCrawl)"
  tables=$(aws glue get-tables --database-name bucket --query 'TableList[].Name' --output text | tr '\t' ' ')
  [ "$tables" = "s3_clicks s3_events s3_sales" ] || fail "s3 tables: $tables"
  loc=$(aws glue get-table --database-name bucket --name s3_events --query 'Table.StorageDescriptor.Location' --output text)
  [ "$loc" = s3://e2e-glue/lake/events/ ] || fail "s3 location $loc"
  n=$(aws glue get-partitions --database-name bucket --table-name s3_events --query 'length(Partitions)' --output text)
  [ "$n" = 4 ] || fail "s3 partitions $n"
  pass "s3://e2e-glue/lake/ on moto_server (exclusions rides/**): tables $tables, $n partitions at $loc"
elif [ "${SURVEYOR_REQUIRE_DBS:-}" = 1 ]; then
  fail "moto_server is not installed"
fi

# Databases through Glue connections.
psql -q -d postgres -c "CREATE DATABASE $DB" || fail "create database $DB"
psql -q -d "$DB" -c "CREATE SCHEMA sales; CREATE TABLE sales.orders (id bigint PRIMARY KEY, total numeric(10,2), at timestamptz);
  CREATE TABLE sales.tmp_x (id int); CREATE VIEW sales.big AS SELECT id FROM sales.orders" || fail "pg fixtures"
mysql -h "$MYHOST" -P "$MYPORT" -u root -e "CREATE DATABASE $DB; CREATE TABLE $DB.people (id int unsigned PRIMARY KEY, ok tinyint(1), name varchar(20))" \
  || fail "mariadb fixtures"
aws glue create-connection --connection-input "{\"Name\":\"pg\",\"ConnectionType\":\"JDBC\",\"ConnectionProperties\":{
  \"JDBC_CONNECTION_URL\":\"jdbc:postgresql://$PGHOST:$PGPORT/$DB\",\"USERNAME\":\"$PGUSER\",\"PASSWORD\":\"trust-ignores-it\"}}" >/dev/null || fail "create-connection pg"
aws secretsmanager create-secret --name maria-creds --secret-string '{"username":"root","password":""}' >/dev/null || fail "maria secret"
aws glue create-connection --connection-input "{\"Name\":\"maria\",\"ConnectionType\":\"JDBC\",\"ConnectionProperties\":{
  \"JDBC_CONNECTION_URL\":\"jdbc:mysql://$MYHOST:$MYPORT/$DB\",\"SECRET_ID\":\"maria-creds\"}}" >/dev/null || fail "create-connection maria"
aws glue create-database --database-input Name=dbs >/dev/null
aws glue create-crawler --name dbs --role r --database-name dbs --targets "{\"JdbcTargets\":[
  {\"ConnectionName\":\"pg\",\"Path\":\"$DB/sales/%\",\"Exclusions\":[\"tmp_*\"]},{\"ConnectionName\":\"maria\",\"Path\":\"$DB/%\"}]}" \
  || fail "create-crawler jdbc"
[ "$(crawl dbs)" = SUCCEEDED ] || fail "jdbc crawl: $(aws glue get-crawler --name dbs --query Crawler.LastCrawl)"
tables=$(aws glue get-tables --database-name dbs --query 'TableList[].Name' --output text | tr '\t' ' ')
[ "$tables" = "${DB}_people ${DB}_sales_big ${DB}_sales_orders" ] || fail "jdbc tables: $tables"
python3 - "$DB" <<'PY' || fail "jdbc table fields"
import sys, boto3
db = sys.argv[1]
g = boto3.client("glue")
o = g.get_table(DatabaseName="dbs", Name=f"{db}_sales_orders")["Table"]
assert [(c["Name"], c["Type"]) for c in o["StorageDescriptor"]["Columns"]] == [("id", "bigint"), ("total", "decimal(10,2)"), ("at", "timestamp")], o
assert o["StorageDescriptor"]["Location"] == f"{db}.sales.orders" and o["Parameters"]["classification"] == "postgresql", o
assert o["Parameters"]["connectionName"] == "pg" and o["Parameters"]["typeOfData"] == "table", o["Parameters"]
p = g.get_table(DatabaseName="dbs", Name=f"{db}_people")["Table"]
assert [(c["Name"], c["Type"]) for c in p["StorageDescriptor"]["Columns"]] == [("id", "bigint"), ("ok", "boolean"), ("name", "string")], p
assert p["Parameters"]["classification"] == "mysql" and p["StorageDescriptor"]["Location"] == f"{db}.people", p
PY
pass "JDBC crawl of PostgreSQL ($DB/sales/%, tmp_* excluded) and MariaDB ($DB/%) through Glue connections: $tables"

aws glue delete-crawler --name dbs || fail "delete-crawler"
aws glue get-crawler --name dbs >/dev/null 2>&1 && fail "deleted crawler still there"
pass "delete-crawler"
