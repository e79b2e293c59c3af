#!/usr/bin/env bash
# End to end: DMS with the aws CLI through the real binary. A replication instance, a PostgreSQL
# endpoint on a database this script creates (and drops on exit), a connection test, a schema
# refresh, and the refreshed schemas; then an s3 endpoint over a moto_server bucket (skipped when
# moto_server is missing, unless SURVEYOR_REQUIRE_DBS=1).
source "$(dirname "$0")/lib.bash"

PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5432} PGUSER=${PGUSER:-postgres}
export PGHOST PGPORT PGUSER PGOPTIONS="-c client_min_messages=warning"
DB="e2e_dms_$$_$RANDOM"
psql -q -d postgres -c "CREATE DATABASE $DB" || fail "cannot create database $DB on $PGHOST:$PGPORT"
MOTO_PID=""
dms_cleanup() {
  psql -q -d postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
  if [ -n "$MOTO_PID" ]; then kill "$MOTO_PID" 2>/dev/null || true; wait "$MOTO_PID" 2>/dev/null || true; fi
  e2e_cleanup
}
trap dms_cleanup EXIT
psql -q -d "$DB" -c "CREATE SCHEMA sales; CREATE TABLE sales.orders (id int PRIMARY KEY); CREATE SCHEMA hr; CREATE TABLE hr.people (id int)" \
  || fail "fixtures"
pass "database $DB with schemas sales and hr"

e2e_start

# poll CMD... QUERY WANT: runs the aws command until --query QUERY prints something other than WANT.
poll() {
  local want=$1; shift
  local out
  for _ in $(seq 200); do
    out=$("$@") || fail "$*: $out"
    [ "$out" != "$want" ] && { echo "$out"; return; }
    sleep 0.1
  done
  fail "$* still $want after 20 s"
}

ri=$(aws dms create-replication-instance --replication-instance-identifier E2E-Runner \
  --replication-instance-class dms.t3.medium --query ReplicationInstance.[ReplicationInstanceArn,ReplicationInstanceStatus,ReplicationInstanceIdentifier] --output text)
read -r ri_arn ri_status ri_id <<<"$ri"
[[ "$ri_arn" =~ ^arn:aws:dms:[a-z0-9-]+:[0-9]{12}:rep:[A-Z2-7]{26}$ ]] || fail "instance ARN: $ri_arn"
[ "$ri_status" = creating ] && [ "$ri_id" = e2e-runner ] || fail "new instance: $ri"
pass "create-replication-instance → $ri_arn (creating, identifier lowercased)"

aws dms wait replication-instance-available --filters "Name=replication-instance-arn,Values=$ri_arn" || fail "wait replication-instance-available"
st=$(aws dms describe-replication-instances --filters "Name=replication-instance-id,Values=e2e-runner" \
  --query 'ReplicationInstances[0].ReplicationInstanceStatus' --output text)
[ "$st" = available ] || fail "instance status: $st"
pass "wait replication-instance-available"

PW="e2e-dms-pw-$RANDOM$RANDOM"
ep_arn=$(aws dms create-endpoint --endpoint-identifier e2e-pg --endpoint-type source --engine-name postgres \
  --server-name "$PGHOST" --port "$PGPORT" --database-name "$DB" --username "$PGUSER" --password "$PW" \
  --query Endpoint.EndpointArn --output text)
[[ "$ep_arn" =~ :endpoint:[A-Z2-7]{26}$ ]] || fail "endpoint ARN: $ep_arn"
pass "create-endpoint → $ep_arn"

if out=$(aws dms create-endpoint --endpoint-identifier e2e-pg --endpoint-type source --engine-name postgres --server-name x 2>&1); then
  fail "a duplicate endpoint identifier was accepted"
fi
grep -q ResourceAlreadyExistsFault <<<"$out" || fail "duplicate endpoint: $out"
pass "duplicate endpoint identifier → ResourceAlreadyExistsFault"

if out=$(aws dms describe-schemas --endpoint-arn "$ep_arn" 2>&1); then fail "describe-schemas before a refresh succeeded: $out"; fi
grep -q InvalidResourceStateFault <<<"$out" || fail "describe-schemas before refresh: $out"
if out=$(aws dms refresh-schemas --endpoint-arn "$ep_arn" --replication-instance-arn "$ri_arn" 2>&1); then fail "refresh without a test succeeded"; fi
grep -q "InvalidResourceStateFault.*Test connection for replication instance" <<<"$out" || fail "refresh without a test: $out"
pass "describe-schemas and refresh-schemas before a successful test → InvalidResourceStateFault"

st=$(aws dms test-connection --replication-instance-arn "$ri_arn" --endpoint-arn "$ep_arn" --query Connection.Status --output text)
[ "$st" = testing ] || fail "test-connection status: $st"
st=$(poll testing aws dms describe-connections --filters "Name=endpoint-arn,Values=$ep_arn" --query 'Connections[0].Status' --output text)
[ "$st" = successful ] || fail "connection: $st $(aws dms describe-connections --query 'Connections[0].LastFailureMessage' --output text)"
pass "test-connection → testing → successful"

st=$(aws dms refresh-schemas --endpoint-arn "$ep_arn" --replication-instance-arn "$ri_arn" --query RefreshSchemasStatus.Status --output text)
[ "$st" = refreshing ] || fail "refresh-schemas status: $st"
st=$(poll refreshing aws dms describe-refresh-schemas-status --endpoint-arn "$ep_arn" --query RefreshSchemasStatus.Status --output text)
[ "$st" = successful ] || fail "refresh: $(aws dms describe-refresh-schemas-status --endpoint-arn "$ep_arn")"
date=$(aws dms describe-refresh-schemas-status --endpoint-arn "$ep_arn" --query RefreshSchemasStatus.LastRefreshDate --output text)
[ -n "$date" ] && [ "$date" != None ] || fail "no LastRefreshDate"
pass "refresh-schemas → refreshing → successful ($date)"

schemas=$(aws dms describe-schemas --endpoint-arn "$ep_arn" --query 'Schemas' --output text | tr '\t' ' ')
[ "$schemas" = "hr public sales" ] || fail "describe-schemas: $schemas"
pass "describe-schemas → $schemas"

psql -q -d "$DB" -c "CREATE SCHEMA inventory; DROP SCHEMA hr CASCADE" || fail "schema change"
aws dms refresh-schemas --endpoint-arn "$ep_arn" --replication-instance-arn "$ri_arn" >/dev/null
poll refreshing aws dms describe-refresh-schemas-status --endpoint-arn "$ep_arn" --query RefreshSchemasStatus.Status --output text >/dev/null
schemas=$(aws dms describe-schemas --endpoint-arn "$ep_arn" --query 'Schemas' --output text | tr '\t' ' ')
[ "$schemas" = "inventory public sales" ] || fail "describe-schemas after CREATE/DROP SCHEMA: $schemas"
pass "a second refresh sees CREATE SCHEMA and DROP SCHEMA → $schemas"

out=$(aws dms describe-endpoints --output json)
grep -q "$PW" <<<"$out" && fail "describe-endpoints returns the password"
grep -q "$PW" "$E2E_TMP/serve.log" && fail "the password appears in the server log"
pass "the endpoint password is never returned or logged"

# An s3 endpoint: files in a moto_server bucket, laid out as DMS writes them (folder/schema/table/).
if command -v moto_server >/dev/null; then
  mport=$(free_port)
  moto_server -H 127.0.0.1 -p "$mport" >"$E2E_TMP/moto.log" 2>&1 &
  MOTO_PID=$!
  MOTO="http://127.0.0.1:$mport"
  for _ in $(seq 100); do curl -fsS "$MOTO/moto-api/" >/dev/null 2>&1 && break; sleep 0.2; done
  curl -fsS "$MOTO/moto-api/" >/dev/null || fail "moto_server did not start: $(cat "$E2E_TMP/moto.log")"
  S3KEY=AKIDE2EDMS S3SECRET="e2e-s3-secret-$RANDOM$RANDOM"
  s3() { AWS_ACCESS_KEY_ID=$S3KEY AWS_SECRET_ACCESS_KEY=$S3SECRET aws --endpoint-url "$MOTO" s3api "$@" >/dev/null; }
  s3 create-bucket --bucket e2e-lake || fail "create-bucket on moto"
  printf 'id,name\n1,Ann\n' >"$E2E_TMP/people.csv"
  printf 'id,total\n1,9.5\n' >"$E2E_TMP/orders.csv"
  s3 put-object --bucket e2e-lake --key raw/hr/people/LOAD00000001.csv --body "$E2E_TMP/people.csv" || fail "put-object"
  s3 put-object --bucket e2e-lake --key raw/sales/orders/LOAD00000001.csv --body "$E2E_TMP/orders.csv" || fail "put-object"
  pass "moto bucket e2e-lake with raw/hr/people/ and raw/sales/orders/"

  aws secretsmanager create-secret --name s3/e2e-lake --secret-string \
    "{\"accessKeyId\":\"$S3KEY\",\"secretAccessKey\":\"$S3SECRET\",\"endpoint\":\"$MOTO\",\"usePathStyle\":true}" >/dev/null \
    || fail "create-secret s3/e2e-lake"
  s3_arn=$(aws dms create-endpoint --endpoint-identifier e2e-lake --endpoint-type source --engine-name s3 \
    --s3-settings BucketName=e2e-lake,BucketFolder=raw,DataFormat=csv,IgnoreHeaderRows=1 \
    --query Endpoint.EndpointArn --output text) || fail "create-endpoint s3"
  bucket=$(aws dms describe-endpoints --filters "Name=endpoint-arn,Values=$s3_arn" --query 'Endpoints[0].S3Settings.BucketName' --output text)
  [ "$bucket" = e2e-lake ] || fail "describe-endpoints S3Settings.BucketName: $bucket"
  pass "create-endpoint --engine-name s3 → $s3_arn (credentials from the secret s3/e2e-lake)"

  aws dms test-connection --replication-instance-arn "$ri_arn" --endpoint-arn "$s3_arn" >/dev/null
  st=$(poll testing aws dms describe-connections --filters "Name=endpoint-arn,Values=$s3_arn" --query 'Connections[0].Status' --output text)
  [ "$st" = successful ] || fail "s3 connection: $st $(aws dms describe-connections --filters "Name=endpoint-arn,Values=$s3_arn" --query 'Connections[0].LastFailureMessage' --output text)"
  aws dms refresh-schemas --endpoint-arn "$s3_arn" --replication-instance-arn "$ri_arn" >/dev/null
  st=$(poll refreshing aws dms describe-refresh-schemas-status --endpoint-arn "$s3_arn" --query RefreshSchemasStatus.Status --output text)
  [ "$st" = successful ] || fail "s3 refresh: $(aws dms describe-refresh-schemas-status --endpoint-arn "$s3_arn")"
  schemas=$(aws dms describe-schemas --endpoint-arn "$s3_arn" --query 'Schemas' --output text | tr '\t' ' ')
  [ "$schemas" = "hr sales" ] || fail "s3 describe-schemas: $schemas"
  pass "s3 endpoint: test-connection → successful, refresh-schemas → successful, describe-schemas → $schemas"

  bad_arn=$(aws dms create-endpoint --endpoint-identifier e2e-no-bucket --endpoint-type source --engine-name s3 \
    --extra-connection-attributes "secretsManagerSecretId=s3/e2e-lake" --s3-settings BucketName=e2e-missing \
    --query Endpoint.EndpointArn --output text) || fail "create-endpoint s3 (missing bucket)"
  aws dms test-connection --replication-instance-arn "$ri_arn" --endpoint-arn "$bad_arn" >/dev/null
  st=$(poll testing aws dms describe-connections --filters "Name=endpoint-arn,Values=$bad_arn" --query 'Connections[0].Status' --output text)
  msg=$(aws dms describe-connections --filters "Name=endpoint-arn,Values=$bad_arn" --query 'Connections[0].LastFailureMessage' --output text)
  [ "$st" = failed ] && grep -q "bucket e2e-missing does not exist" <<<"$msg" || fail "missing bucket: $st $msg"
  pass "s3 endpoint on a missing bucket → failed: $msg"

  out=$(aws dms describe-endpoints --output json)
  grep -q "$S3SECRET" <<<"$out" && fail "describe-endpoints returns the S3 secret key"
  grep -q "$S3SECRET" "$E2E_TMP/serve.log" && fail "the S3 secret key appears in the server log"
  pass "the S3 secret key is never returned or logged"
  aws dms delete-endpoint --endpoint-arn "$s3_arn" >/dev/null && aws dms delete-endpoint --endpoint-arn "$bad_arn" >/dev/null \
    || fail "delete s3 endpoints"
elif [ "${SURVEYOR_REQUIRE_DBS:-}" = 1 ]; then
  fail "moto_server is not installed"
else
  echo "skip: s3 endpoint (moto_server is not installed)"
fi

st=$(aws dms delete-endpoint --endpoint-arn "$ep_arn" --query Endpoint.Status --output text)
[ "$st" = deleting ] || fail "delete-endpoint status: $st"
st=$(aws dms delete-replication-instance --replication-instance-arn "$ri_arn" --query ReplicationInstance.ReplicationInstanceStatus --output text)
[ "$st" = deleting ] || fail "delete-replication-instance status: $st"
pass "delete-endpoint and delete-replication-instance → deleting"
st=$(aws dms describe-replication-instances --query 'ReplicationInstances[0].ReplicationInstanceStatus' --output text)
[ "$st" = deleting ] || fail "first describe after the delete: $st"
out=$(aws dms describe-replication-instances --filters "Name=replication-instance-arn,Values=$ri_arn" 2>&1) && fail "deleted instance still described: $out"
grep -q ResourceNotFoundFault <<<"$out" || fail "deleted instance: $out"
pass "describe-replication-instances → deleting once, then ResourceNotFoundFault"

sg=$(aws dms create-replication-subnet-group --replication-subnet-group-identifier Private \
  --replication-subnet-group-description "private subnets" --subnet-ids subnet-11111111 subnet-22222222 \
  --query ReplicationSubnetGroup.ReplicationSubnetGroupIdentifier --output text)
[ "$sg" = private ] || fail "create-replication-subnet-group: $sg"
n=$(aws dms describe-replication-subnet-groups --filters Name=replication-subnet-group-id,Values=private \
  --query 'length(ReplicationSubnetGroups[0].Subnets)' --output text)
[ "$n" = 2 ] || fail "describe-replication-subnet-groups: $n subnets"
out=$(aws dms create-replication-subnet-group --replication-subnet-group-identifier one \
  --replication-subnet-group-description d --subnet-ids subnet-11111111 2>&1) && fail "one subnet accepted"
grep -q ReplicationSubnetGroupDoesNotCoverEnoughAZs <<<"$out" || fail "one subnet: $out"
aws dms delete-replication-subnet-group --replication-subnet-group-identifier private >/dev/null || fail "delete-replication-subnet-group"
pass "replication subnet groups: create, describe, one subnet refused, delete"
echo "dms e2e: all passed"
