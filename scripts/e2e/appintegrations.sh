#!/usr/bin/env bash
# End to end: AppIntegrations data integrations over a local folder, through the real binary and
# the aws CLI.
source "$(dirname "$0")/lib.bash"
e2e_start --no-sample # the sample data source's run would count among the stored runs below

data="$E2E_TMP/lake"
mkdir -p "$data/sales/orders" "$data/web/events/year=2024/month=01" "$data/web/events/year=2024/month=02" "$data/bad"
printf 'id,customer,amount,paid\n1,ann,10.5,true\n2,bo,,false\n' >"$data/sales/orders/part-1.csv"
printf 'id,customer,amount,paid\n3,cy,7,true\n' >"$data/sales/orders/part-2.csv"
printf '{"user":{"id":1,"name":"a"},"tags":["x"]}\n' >"$data/web/events/year=2024/month=01/e.json"
printf '{"user":{"id":2,"name":"b"},"tags":[]}\n' >"$data/web/events/year=2024/month=02/e.json"
printf 'not gzip' >"$data/bad/broken.csv.gz"

kms=alias/aws/appintegrations
# The CLI reads a file:// argument as a parameter file, so a file:// SourceURI goes in JSON input.
request=$(jq -n --arg uri "file://localhost$data" --arg kms "$kms" '{Name: "e2e/lake", KmsKey: $kms, SourceURI: $uri,
  Description: "local lake", ScheduleConfig: {ScheduleExpression: "rate(1 hour)", FirstExecutionFrom: "1700000000000"},
  FileConfiguration: {Folders: ["sales", "web", "bad"], Filters: {Extensions: [".csv", ".json", ".gz"]}},
  Tags: {team: "data"}, ClientToken: "e2e-token-1"}')
out=$(aws appintegrations create-data-integration --cli-input-json "$request")
id=$(jq -r .Id <<<"$out"); arn=$(jq -r .Arn <<<"$out")
[[ "$arn" == arn:aws:app-integrations:*:data-integration/$id ]] || fail "create-data-integration: $out"
[ "$(jq -r .ScheduleConfiguration.ScheduleExpression <<<"$out")" = "rate(1 hour)" ] || fail "ScheduleConfiguration missing: $out"
pass "create-data-integration → $arn"

again=$(aws appintegrations create-data-integration --cli-input-json "$request" --query Id --output text)
[ "$again" = "$id" ] || fail "same client token gave $again, want $id"
pass "same ClientToken → same integration"

dup=$(jq 'del(.ClientToken)' <<<"$request")
if out=$(aws appintegrations create-data-integration --cli-input-json "$dup" 2>&1); then fail "duplicate name accepted"; fi
grep -q DuplicateResourceException <<<"$out" || fail "duplicate: $out"
pass "duplicate name → DuplicateResourceException"

if out=$(aws appintegrations create-data-integration --name x --kms-key "$kms" --source-uri "ftp://host/x" 2>&1); then fail "ftp accepted"; fi
grep -q 'InvalidRequestException' <<<"$out" && grep -q 's3://bucket/prefix' <<<"$out" || fail "unknown scheme: $out"
pass "unknown scheme → InvalidRequestException naming the accepted schemes"

if out=$(aws appintegrations create-data-integration --cli-input-json "$(jq '.Name = "e2e/nokey" | .KmsKey = "alias/nope" | del(.ClientToken)' <<<"$request")" 2>&1); then fail "unknown KMS alias accepted"; fi
grep -q InvalidRequestException <<<"$out" && grep -q 'alias/nope does not exist' <<<"$out" || fail "unknown alias: $out"
pass "unknown KMS alias → InvalidRequestException"

# The run configuration is stored only sealed under the KmsKey: the document holds no clear config.
doc=$(python3 - "$E2E_DATA/surveyor.db" "$id" <<'PY'
import sqlite3, sys
con = sqlite3.connect("file:" + sys.argv[1] + "?mode=ro", uri=True)
print(con.execute("SELECT doc FROM resources WHERE service = 'app-integrations' AND id = ?", (sys.argv[2],)).fetchone()[0])
PY
) || fail "read the stored document"
[[ "$(jq -r .SealedConfig <<<"$doc")" == v1.* ]] || fail "no sealed config: $doc"
for clear in '"Config"' '"path"' '"params"' '"engine"'; do
  grep -qF "$clear" <<<"$doc" && fail "stored document holds $clear in clear: $doc"
done
pass "run configuration stored sealed under the KmsKey, never in clear"

for ident in "$id" e2e/lake "$arn"; do
  got=$(aws appintegrations get-data-integration --identifier "$ident" --query Name --output text)
  [ "$got" = e2e/lake ] || fail "get-data-integration $ident: $got"
done
pass "get-data-integration by id, name and ARN"

n=$(aws appintegrations list-data-integrations --query 'length(DataIntegrations)' --output text)
[ "$n" = 1 ] || fail "list-data-integrations: $n"
pass "list-data-integrations"

aws appintegrations update-data-integration --identifier "$id" --description "the lake" >/dev/null
[ "$(aws appintegrations get-data-integration --identifier "$id" --query Description --output text)" = "the lake" ] || fail "update"
pass "update-data-integration"

aws appintegrations tag-resource --resource-arn "$arn" --tags env=e2e >/dev/null
aws appintegrations untag-resource --resource-arn "$arn" --tag-keys team >/dev/null
tags=$(aws appintegrations list-tags-for-resource --resource-arn "$arn" --output json | jq -c .tags)
[ "$tags" = '{"env":"e2e"}' ] || fail "tags: $tags"
pass "tag-resource / untag-resource / list-tags-for-resource"

aws appintegrations create-data-integration-association --data-integration-identifier "$id" \
  --execution-configuration '{"ExecutionMode":"ON_DEMAND","OnDemandConfiguration":{"StartTime":"1700000000000"}}' >/dev/null
status=""
for _ in $(seq 1 100); do
  st=$(aws appintegrations list-data-integration-associations --data-integration-identifier "$id" --output json | jq -c '.DataIntegrationAssociations[0].LastExecutionStatus')
  status=$(jq -r '.ExecutionStatus // ""' <<<"$st")
  [ "$status" = COMPLETED ] || [ "$status" = FAILED ] && break
  sleep 0.2
done
[ "$status" = COMPLETED ] || fail "association run: $st"
msg=$(jq -r .StatusMessage <<<"$st")
grep -q 'added 2' <<<"$msg" && grep -q 'failed 1' <<<"$msg" && grep -q 'broken.csv.gz' <<<"$msg" || fail "run message: $msg"
pass "on-demand association: $msg"

aws appintegrations create-data-integration-association --data-integration-identifier "$id" --client-id second \
  --execution-configuration '{"ExecutionMode":"SCHEDULED","ScheduleConfiguration":{"ScheduleExpression":"rate(1 day)","FirstExecutionFrom":"4102444800000"}}' >/dev/null
page=$(aws appintegrations list-data-integration-associations --data-integration-identifier "$id" --max-results 1 --no-paginate --output json)
token=$(jq -r '.NextToken // ""' <<<"$page")
[ "$(jq '.DataIntegrationAssociations | length' <<<"$page")" = 1 ] && [ -n "$token" ] || fail "association page: $page"
rest=$(aws appintegrations list-data-integration-associations --data-integration-identifier "$id" --max-results 1 --next-token "$token" --no-paginate --output json)
[ "$(jq '.DataIntegrationAssociations | length' <<<"$rest")" = 1 ] && [ "$(jq -r '.NextToken // ""' <<<"$rest")" = "" ] || fail "second page: $rest"
pass "list-data-integration-associations pages"

# Runs and schedules keep only a reference to their association: each run opens the sealed
# material itself when it starts, under the KmsKey recorded then.
configs=$(python3 - "$E2E_DATA/surveyor.db" <<'PY'
import sqlite3, sys
con = sqlite3.connect("file:" + sys.argv[1] + "?mode=ro", uri=True)
for (c,) in con.execute("SELECT config FROM runs UNION ALL SELECT config FROM schedules"):
    print(c)
PY
) || fail "read the stored run configs"
[ "$(wc -l <<<"$configs")" = 2 ] || fail "want one run and one schedule: $configs"
while read -r cfg; do
  [[ "$cfg" =~ ^\{\"resolver\":\"appintegrations\",\"ref\":\"$id/[0-9a-f-]{36}\"\}$ ]] || fail "stored run config holds more than a reference: $cfg"
done <<<"$configs"
pass "runs and schedules store only {resolver, ref}"

# Changing the recorded KmsKey in the store: the material no longer opens, so nothing runs.
setkey() {
  python3 - "$E2E_DATA/surveyor.db" "$id" "$1" "$2" <<'PY' || fail "rewrite the stored KmsKey"
import sqlite3, sys
con = sqlite3.connect(sys.argv[1], timeout=10)
n = con.execute("UPDATE resources SET doc = replace(doc, ?, ?) WHERE service = 'app-integrations' AND id = ?", (sys.argv[3], sys.argv[4], sys.argv[2])).rowcount
con.commit()
sys.exit(0 if n == 1 else 1)
PY
}
first=$(aws appintegrations list-data-integration-associations --data-integration-identifier "$id" --output json | jq -r '.DataIntegrationAssociations[] | select(.ClientId == null) | .DataIntegrationAssociationArn' | sed 's|.*/||')
[ -n "$first" ] || fail "no on-demand association"
forged="arn:aws:kms:us-east-1:111122223333:key/00000000-0000-4000-8000-000000000000"
setkey "$kms" "$forged"
if out=$(aws appintegrations update-data-integration-association --data-integration-identifier "$id" --data-integration-association-identifier "$first" \
  --execution-configuration '{"ExecutionMode":"ON_DEMAND"}' 2>&1); then fail "ran under a changed KmsKey"; fi
grep -q AccessDeniedException <<<"$out" && grep -q "cannot be decrypted under its KmsKey $forged" <<<"$out" || fail "changed KmsKey: $out"
pass "changed KmsKey → AccessDeniedException, nothing runs"
setkey "$forged" "$kms"
aws appintegrations update-data-integration-association --data-integration-identifier "$id" --data-integration-association-identifier "$first" \
  --execution-configuration '{"ExecutionMode":"ON_DEMAND"}' >/dev/null || fail "run with the key restored"
pass "KmsKey restored → the association runs again"

# The catalog is the integration's: a new association's first run finds what the others found.
third=$(aws appintegrations create-data-integration-association --data-integration-identifier "$id" --client-id third \
  --execution-configuration '{"ExecutionMode":"ON_DEMAND"}' --query DataIntegrationAssociationId --output text)
msg=""
for _ in $(seq 1 100); do
  st=$(aws appintegrations list-data-integration-associations --data-integration-identifier "$id" --output json |
    jq -c --arg a "$third" '.DataIntegrationAssociations[] | select(.DataIntegrationAssociationArn | endswith("/" + $a)) | .LastExecutionStatus')
  [ "$(jq -r '.ExecutionStatus // ""' <<<"$st")" = COMPLETED ] && msg=$(jq -r .StatusMessage <<<"$st") && break
  sleep 0.2
done
grep -q 'added 0, updated 0, unchanged 2' <<<"$msg" || fail "a new association's first run: $st"
pass "a new association compares with the integration's history: $msg"

if out=$(aws appintegrations delete-data-integration --data-integration-identifier "$id" 2>&1); then fail "deleted with an association"; fi
grep -q InvalidRequestException <<<"$out" || fail "delete with association: $out"
pass "delete-data-integration refused while associated"

other=$(aws appintegrations create-data-integration --cli-input-json "$(jq '.Name = "e2e/other" | del(.ClientToken)' <<<"$request")" --query Id --output text)
if out=$(aws appintegrations list-data-integration-associations --data-integration-identifier "$other" --next-token "$token" --no-paginate 2>&1); then fail "another integration's token accepted"; fi
grep -q InvalidRequestException <<<"$out" && grep -q nextToken <<<"$out" || fail "foreign token: $out"
pass "a nextToken pages only the integration it came from"
aws appintegrations delete-data-integration --data-integration-identifier "$other" >/dev/null
if out=$(aws appintegrations get-data-integration --identifier "$other" 2>&1); then fail "deleted integration still there"; fi
grep -q ResourceNotFoundException <<<"$out" || fail "after delete: $out"
pass "delete-data-integration"
echo "appintegrations e2e: all passed"
