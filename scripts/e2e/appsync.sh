#!/usr/bin/env bash
# End to end: AppSync data source introspection of a real PostgreSQL database through the real
# binary, with the aws CLI: create-secret, start-data-source-introspection, then poll
# get-data-source-introspection --include-models-sdl until SUCCESS.
source "$(dirname "$0")/lib.bash"

PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5432} PGUSER=${PGUSER:-postgres}
export PGHOST PGPORT PGUSER
DB="e2e_appsync_$$_$RANDOM"
psql -X -q -d postgres -c "CREATE DATABASE $DB" || fail "create database $DB"
drop_db() { psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true; }
trap 'drop_db; e2e_cleanup' EXIT
psql -X -q -v ON_ERROR_STOP=1 -d "$DB" <<'SQL' || fail "create fixture tables"
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE TABLE authors (id int PRIMARY KEY, name varchar(50) NOT NULL, mood mood, tags text[]);
CREATE TABLE books (author_id int REFERENCES authors, isbn char(13), title text, published date,
  PRIMARY KEY (author_id, isbn));
CREATE INDEX books_title ON books (title, published);
SQL
pass "fixture database $DB"

e2e_start

secret=$(printf '{"engine":"postgres","host":"%s","port":%s,"username":"%s","password":"e2e-pg-pw-99","dbname":"%s"}' \
  "$PGHOST" "$PGPORT" "$PGUSER" "$DB")
arn=$(aws secretsmanager create-secret --name "e2e/appsync/$DB" --secret-string "$secret" --query ARN --output text)
pass "create-secret → $arn"

id=$(aws appsync start-data-source-introspection \
  --rds-data-api-config "resourceArn=arn:aws:rds:us-east-1:123456789012:cluster:e2e,secretArn=$arn,databaseName=$DB" \
  --query introspectionId --output text)
[[ "$id" =~ ^[0-9a-f-]{36}$ ]] || fail "start-data-source-introspection id: $id"
pass "start-data-source-introspection → $id"

out=""
for _ in $(seq 200); do
  out=$(aws appsync get-data-source-introspection --introspection-id "$id" --include-models-sdl --output json)
  status=$(jq -r .introspectionStatus <<<"$out")
  [ "$status" = PROCESSING ] || break
  sleep 0.1
done
[ "$status" = SUCCESS ] || fail "introspection status $status: $(jq -r .introspectionStatusDetail <<<"$out")"
pass "get-data-source-introspection → SUCCESS"

names=$(jq -r '[.introspectionResult.models[].name] | join(",")' <<<"$out")
[ "$names" = "authors,books" ] || fail "models: $names"
pass "models in name order: $names"

fields=$(jq -c '[.introspectionResult.models[] | select(.name=="authors") | .fields[] | {name, type}]' <<<"$out")
want='[{"name":"id","type":{"kind":"NonNull","type":{"kind":"Scalar","name":"Int"}}},{"name":"name","type":{"kind":"NonNull","type":{"kind":"Scalar","name":"String"}}},{"name":"mood","type":{"kind":"Enum","name":"mood","values":["sad","ok","happy"]}},{"name":"tags","type":{"kind":"List","type":{"kind":"Scalar","name":"String"}}}]'
[ "$fields" = "$want" ] || fail "authors fields: $fields"
pass "authors fields, types, enum and list"

len=$(jq '.introspectionResult.models[] | select(.name=="authors") | .fields[] | select(.name=="name") | .length' <<<"$out")
[ "$len" = 50 ] || fail "authors.name length: $len"
pk=$(jq -c '.introspectionResult.models[] | select(.name=="books") | [.primaryKey, .indexes]' <<<"$out")
[ "$pk" = '[{"name":"PRIMARY_KEY","fields":["author_id","isbn"]},[{"name":"books_title","fields":["title","published"]}]]' ] || fail "books keys: $pk"
pass "length, composite primary key and index"

sdl=$(jq -r '.introspectionResult.models[] | select(.name=="authors") | .sdl' <<<"$out")
grep -q '^type authors {$' <<<"$sdl" && grep -q '^  mood: mood$' <<<"$sdl" && grep -q '^enum mood {$' <<<"$sdl" || fail "authors SDL: $sdl"
pass "SDL of authors"

page=$(aws appsync get-data-source-introspection --introspection-id "$id" --max-results 1 --output json)
[ "$(jq '.introspectionResult.models | length' <<<"$page")" = 1 ] || fail "max-results 1: $page"
tok=$(jq -r .introspectionResult.nextToken <<<"$page")
page2=$(aws appsync get-data-source-introspection --introspection-id "$id" --max-results 1 --next-token "$tok" --output json)
[ "$(jq -r '.introspectionResult.models[0].name' <<<"$page2")" = books ] || fail "second page: $page2"
pass "paging with --max-results and --next-token"

if out=$(aws appsync get-data-source-introspection --introspection-id 00000000-0000-4000-8000-000000000000 2>&1); then fail "unknown id accepted"; fi
grep -q NotFoundException <<<"$out" || fail "unknown id: $out"
pass "unknown introspection id → NotFoundException"

if out=$(aws appsync start-data-source-introspection --rds-data-api-config \
  "resourceArn=arn:aws:rds:us-east-1:123456789012:db:instance,secretArn=$arn,databaseName=$DB" 2>&1); then fail "instance ARN accepted"; fi
grep -q BadRequestException <<<"$out" || fail "instance ARN: $out"
pass "non-cluster resource ARN → BadRequestException"

! grep -q 'e2e-pg-pw-99' "$E2E_TMP/serve.log" || fail "the password appears in the server log"
pass "password never logged"
echo "appsync e2e: all passed"
