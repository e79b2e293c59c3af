#!/usr/bin/env bash
# End to end: the Glue Data Catalog with the aws CLI and boto3 through the real binary.
# Databases, tables with versions, partitions read back with expressions, segments and pages,
# partition indexes, a JDBC connection to a PostgreSQL database this script creates (tested for
# real; its password hidden or shown as asked), classifiers, tags, the errors clients read, and
# a database deleted with everything in it.
source "$(dirname "$0")/lib.bash"

PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5432} PGUSER=${PGUSER:-postgres}
export PGHOST PGPORT PGUSER PGOPTIONS="-c client_min_messages=warning"
DB="e2e_gluecat_$$_$RANDOM"
catalog_cleanup() {
  psql -q -d postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
  e2e_cleanup
}
trap catalog_cleanup EXIT
psql -q -d postgres -c "CREATE DATABASE $DB" || fail "cannot create database $DB on $PGHOST:$PGPORT"

e2e_start
ACCOUNT=$(aws sts get-caller-identity --query Account --output text)

# expect_error CODE CMD...: the aws command fails with the Glue exception CODE.
expect_error() {
  local code=$1; shift
  local out
  if out=$("$@" 2>&1); then fail "$* succeeded: $out"; fi
  grep -q "($code)" <<<"$out" || fail "$*: want $code, got: $out"
}

# Databases.
aws glue create-database --database-input '{"Name":"Sales","Description":"sales data","LocationUri":"s3://lake/sales/"}' \
  --tags team=bi >/dev/null || fail "create-database"
[ "$(aws glue get-database --name SALES --query 'Database.[Name,Description,CatalogId]' --output text)" = "sales	sales data	$ACCOUNT" ] \
  || fail "get-database: names are folded to lower case"
expect_error AlreadyExistsException aws glue create-database --database-input '{"Name":"sales"}'
expect_error EntityNotFoundException aws glue get-database --name nope
expect_error InvalidInputException aws glue create-database --database-input "{\"Name\":\"$(printf 'x%.0s' $(seq 256))\"}"
pass "databases"

# A table with string and int partition keys, then two updates: versions 0, 1, 2.
TABLE='{"Name":"orders","TableType":"EXTERNAL_TABLE","Parameters":{"classification":"csv"},
  "PartitionKeys":[{"Name":"year","Type":"string"},{"Name":"month","Type":"int"}],
  "StorageDescriptor":{"Columns":[{"Name":"id","Type":"bigint"},{"Name":"amount","Type":"decimal(10,2)"}],
    "Location":"s3://lake/sales/orders/","InputFormat":"org.apache.hadoop.mapred.TextInputFormat",
    "SerdeInfo":{"SerializationLibrary":"org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe","Parameters":{"field.delim":","}}}}'
aws glue create-table --database-name sales --table-input "$TABLE" >/dev/null || fail "create-table"
aws glue create-table --database-name sales --table-input '{"Name":"customers"}' >/dev/null || fail "create-table customers"
[ "$(aws glue get-tables --database-name sales --expression 'ord*' --query 'TableList[].Name' --output text)" = "orders" ] \
  || fail "get-tables --expression"
aws glue update-table --database-name sales --table-input "${TABLE/\"EXTERNAL_TABLE\"/\"EXTERNAL_TABLE\",\"Description\":\"v1\"}" >/dev/null \
  || fail "update-table"
aws glue update-table --database-name sales --version-id 1 --table-input "${TABLE/\"EXTERNAL_TABLE\"/\"EXTERNAL_TABLE\",\"Description\":\"v2\"}" >/dev/null \
  || fail "update-table --version-id"
expect_error ConcurrentModificationException aws glue update-table --database-name sales --version-id 1 --table-input "$TABLE"
[ "$(aws glue get-table-versions --database-name sales --table-name orders --query 'TableVersions[].VersionId' --output text)" = "2	1	0" ] \
  || fail "get-table-versions newest first"
aws glue delete-table-version --database-name sales --table-name orders --version-id 1 || fail "delete-table-version"
expect_error InvalidInputException aws glue delete-table-version --database-name sales --table-name orders --version-id 2
pass "tables and versions"

# Partitions: 24 months, read back with boto3 (expressions typed by key, pages, segments).
python3 - <<'PY' || fail "partitions"
import boto3, botocore
g = boto3.client("glue")
parts = [{"Values": [y, str(m)], "StorageDescriptor": {"Location": f"s3://lake/sales/orders/year={y}/month={m}/"}}
         for y in ("2023", "2024") for m in range(1, 13)]
for i in range(0, len(parts), 10):
    assert g.batch_create_partition(DatabaseName="sales", TableName="orders", PartitionInputList=parts[i:i+10]).get("Errors", []) == []
err = g.batch_create_partition(DatabaseName="sales", TableName="orders", PartitionInputList=[{"Values": ["2024", "1"]}])["Errors"]
assert err[0]["ErrorDetail"]["ErrorCode"] == "AlreadyExistsException", err

def values(**kw):
    out = []
    for page in g.get_paginator("get_partitions").paginate(DatabaseName="sales", TableName="orders", **kw):
        out += ["/".join(p["Values"]) for p in page["Partitions"]]
    return out

assert values(Expression="year = '2024' AND month BETWEEN 2 AND 4") == ["2024/2", "2024/3", "2024/4"]  # month is an int: 10 > 4
assert values(Expression="month IN (1, 12) AND NOT year = '2023'") == ["2024/1", "2024/12"]
assert values(Expression="year LIKE '%3' AND month > 10", PaginationConfig={"PageSize": 1}) == ["2023/11", "2023/12"]
segs = [values(Segment={"SegmentNumber": s, "TotalSegments": 4}) for s in range(4)]
assert sorted(sum(segs, [])) == sorted(values()) and len(values()) == 24, segs
p = g.get_partition(DatabaseName="sales", TableName="orders", PartitionValues=["2024", "7"])["Partition"]
assert p["StorageDescriptor"]["Location"] == "s3://lake/sales/orders/year=2024/month=7/" and p["TableName"] == "orders"
for expr, msg in (("colour = 'red'", "not a partition key"), ("month = 'july'", "is not an int value")):
    try:
        g.get_partitions(DatabaseName="sales", TableName="orders", Expression=expr)
        raise SystemExit(f"{expr} was accepted")
    except botocore.exceptions.ClientError as e:
        assert e.response["Error"]["Code"] == "InvalidInputException" and msg in e.response["Error"]["Message"], e.response
got = g.batch_get_partition(DatabaseName="sales", TableName="orders", PartitionsToGet=[{"Values": ["2023", "1"]}, {"Values": ["1999", "1"]}])
assert [x["Values"] for x in got["Partitions"]] == [["2023", "1"]]
g.create_partition_index(DatabaseName="sales", TableName="orders", PartitionIndex={"IndexName": "by_year", "Keys": ["year"]})
idx = g.get_partition_indexes(DatabaseName="sales", TableName="orders")["PartitionIndexDescriptorList"]
assert idx[0]["IndexStatus"] == "ACTIVE" and idx[0]["Keys"] == [{"Name": "year", "Type": "string"}], idx
PY
[ "$(aws glue get-partitions --database-name sales --table-name orders --expression "year='2023' AND month<3" --query 'length(Partitions)')" = 2 ] \
  || fail "aws glue get-partitions --expression"
aws glue batch-delete-partition --database-name sales --table-name orders --partitions-to-delete Values=2023,1 Values=2023,2 >/dev/null \
  || fail "batch-delete-partition"
[ "$(aws glue get-partitions --database-name sales --table-name orders --query 'length(Partitions)')" = 22 ] || fail "after batch-delete-partition"
pass "partitions, expressions, segments, indexes"

# A JDBC connection to the database made above: password sealed, shown only when asked, tested for real.
PW="e2e-pw-$RANDOM$RANDOM"
aws glue create-connection --connection-input "{\"Name\":\"pg\",\"ConnectionType\":\"JDBC\",\"ConnectionProperties\":{
  \"JDBC_CONNECTION_URL\":\"jdbc:postgresql://$PGHOST:$PGPORT/$DB\",\"USERNAME\":\"$PGUSER\",\"PASSWORD\":\"$PW\"}}" >/dev/null \
  || fail "create-connection"
aws glue get-connection --name pg --hide-password | grep -q "$PW" && fail "get-connection --hide-password shows the password"
[ "$(aws glue get-connection --name pg --query 'Connection.ConnectionProperties.PASSWORD' --output text)" = "$PW" ] \
  || fail "get-connection shows the password when asked"
grep -rqa "$PW" "$E2E_DATA" && fail "the password is stored in clear in the data directory"
aws glue test-connection --connection-name pg >/dev/null || fail "test-connection"
aws glue create-connection --connection-input "{\"Name\":\"gone\",\"ConnectionType\":\"JDBC\",\"ConnectionProperties\":{
  \"JDBC_CONNECTION_URL\":\"jdbc:postgresql://$PGHOST:$PGPORT/no_such_db_$$\",\"USERNAME\":\"$PGUSER\",\"PASSWORD\":\"$PW\"}}" >/dev/null \
  || fail "create-connection gone"
out=$(aws glue test-connection --connection-name gone 2>&1) && fail "test-connection to a missing database succeeded"
grep -q "(InvalidInputException)" <<<"$out" || fail "test-connection failure: $out"
grep -q "$PW" <<<"$out" && fail "the failed test shows the password"
pass "connections (sealed password, real test connection)"

# Classifiers and tags.
aws glue create-classifier --csv-classifier 'Name=pipes,Delimiter=|,ContainsHeader=PRESENT' || fail "create-classifier"
aws glue update-classifier --csv-classifier 'Name=pipes,QuoteSymbol=`' || fail "update-classifier"
[ "$(aws glue get-classifier --name pipes --query 'Classifier.CsvClassifier.[Delimiter,QuoteSymbol,Version]' --output text)" = "|	\`	2" ] \
  || fail "get-classifier"
expect_error InvalidInputException aws glue update-classifier --json-classifier 'Name=pipes,JsonPath=$'
ARN="arn:aws:glue:$AWS_REGION:$ACCOUNT:database/sales"
aws glue tag-resource --resource-arn "$ARN" --tags-to-add env=e2e || fail "tag-resource"
aws glue untag-resource --resource-arn "$ARN" --tags-to-remove team || fail "untag-resource"
[ "$(aws glue get-tags --resource-arn "$ARN" --query 'Tags' --output json | tr -d ' \n')" = '{"env":"e2e"}' ] || fail "get-tags"
expect_error EntityNotFoundException aws glue get-tags --resource-arn "arn:aws:glue:$AWS_REGION:$ACCOUNT:database/nope"
pass "classifiers and tags"

# Another region has its own catalog; deleting a database deletes its tables and partitions.
expect_error EntityNotFoundException aws glue get-database --name sales --region eu-west-1
aws glue delete-database --name sales || fail "delete-database"
expect_error EntityNotFoundException aws glue get-partitions --database-name sales --table-name orders
aws glue create-database --database-input '{"Name":"sales"}' >/dev/null || fail "create-database again"
expect_error EntityNotFoundException aws glue get-table --database-name sales --name orders
[ "$(aws glue get-tags --resource-arn "$ARN" --query 'length(Tags)')" = 0 ] || fail "a new database inherited tags"
pass "regions isolated; delete-database cascades"
