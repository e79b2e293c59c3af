#!/usr/bin/env bash
# End to end: a DataZone data source catalogues a real SQLite database through the aws CLI —
# domain, project, secret, data source, run, statistics, activities, a rerun after a schema
# change, the imported asset, the raw wire type of timestamps (epoch numbers for domains, ISO-8601
# strings for data sources, read with botocore before parsing) and an idempotent delete.
source "$(dirname "$0")/lib.bash"
e2e_start

db="$E2E_TMP/shop.db"
python3 - "$db" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
c.executescript("""
CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT NOT NULL);
CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customers(id), total NUMERIC);
CREATE TABLE tmp_import (line TEXT);
""")
c.close()
PY

domain=$(aws datazone create-domain --name e2e --query id --output text)
[[ "$domain" =~ ^dzd_[a-z0-9]{14}$ ]] || fail "create-domain id: $domain"
pass "create-domain → $domain"

created=$(aws datazone get-domain --identifier "$domain" --query status --output text)
[ "$created" = AVAILABLE ] || fail "get-domain status: $created"
pass "get-domain → AVAILABLE"

# wire_types OPERATION PARAMS_JSON FIELD... calls OPERATION through botocore and prints the JSON type
# (number, string, ...) each top-level FIELD has in the raw response body, before any parsing: the
# CLI accepts both epoch numbers and ISO strings, so only the raw body shows which one we sent.
wire_types() {
  python3 - "$@" <<'PY'
import json, sys, botocore.session
from botocore import xform_name
op, params, fields = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3:]
client = botocore.session.get_session().create_client("datazone")
raw = {}
client.meta.events.register("after-call.datazone", lambda http_response, **_: raw.setdefault("body", http_response.content))
getattr(client, xform_name(op))(**params)
body = json.loads(raw["body"])
def kind(v):
    if isinstance(v, bool): return "boolean"
    if isinstance(v, (int, float)): return "number"
    if isinstance(v, str): return "string"
    return "missing" if v is None else type(v).__name__
print(" ".join(kind(body.get(f)) for f in fields))
PY
}

types=$(wire_types GetDomain "{\"identifier\":\"$domain\"}" createdAt lastUpdatedAt)
[ "$types" = "number number" ] || fail "GetDomain createdAt/lastUpdatedAt on the wire: $types (want epoch numbers)"
pass "get-domain sends createdAt and lastUpdatedAt as epoch numbers (raw JSON)"

project=$(aws datazone create-project --domain-identifier "$domain" --name warehouse --query id --output text)
[[ "$project" =~ ^[a-z0-9]{14}$ ]] || fail "create-project id: $project"
pass "create-project → $project"

arn=$(aws secretsmanager create-secret --name e2e-shop --secret-string "{\"engine\":\"sqlite\",\"path\":\"$db\"}" --query ARN --output text)
pass "create-secret → $arn"

config=$(printf '{"redshiftRunConfiguration":{"redshiftCredentialConfiguration":{"secretManagerArn":"%s"},"relationalFilterConfigurations":[{"databaseName":"main","filterExpressions":[{"type":"EXCLUDE","expression":"tmp_*"}]}]}}' "$arn")
ds=$(aws datazone create-data-source --domain-identifier "$domain" --project-identifier "$project" \
  --name shop --type REDSHIFT --configuration "$config" --query id --output text)
status=$(aws datazone get-data-source --domain-identifier "$domain" --identifier "$ds" --query status --output text)
[ "$status" = READY ] || fail "data source status: $status"
pass "create-data-source → $ds (READY)"

types=$(wire_types GetDataSource "{\"domainIdentifier\":\"$domain\",\"identifier\":\"$ds\"}" createdAt updatedAt)
[ "$types" = "string string" ] || fail "GetDataSource createdAt/updatedAt on the wire: $types (want ISO-8601 strings)"
pass "get-data-source sends createdAt and updatedAt as ISO-8601 strings (raw JSON)"

# run_and_wait prints the id of a finished run.
run_and_wait() {
  local run st
  run=$(aws datazone start-data-source-run --domain-identifier "$domain" --data-source-identifier "$ds" --query id --output text)
  for _ in $(seq 200); do
    st=$(aws datazone get-data-source-run --domain-identifier "$domain" --identifier "$run" --query status --output text)
    case "$st" in SUCCESS|FAILED|PARTIALLY_SUCCEEDED) break ;; esac
    sleep 0.1
  done
  [ "$st" = SUCCESS ] || fail "run $run ended $st: $(aws datazone get-data-source-run --domain-identifier "$domain" --identifier "$run" --query errorMessage)"
  echo "$run"
}

run=$(run_and_wait)
stats=$(aws datazone get-data-source-run --domain-identifier "$domain" --identifier "$run" \
  --query '[runStatisticsForAssets.added,runStatisticsForAssets.updated,runStatisticsForAssets.unchanged]' --output text)
[ "$stats" = "$(printf '2\t0\t0')" ] || fail "first run statistics (added updated unchanged): $stats"
pass "start-data-source-run → $run SUCCESS, added=2 (tmp_import excluded)"

names=$(aws datazone list-data-source-run-activities --domain-identifier "$domain" --identifier "$run" \
  --query 'items[].[technicalName,dataAssetStatus]' --output text | sort | tr '\t\n' ': ')
[ "$names" = "customers:SUCCEEDED_CREATED orders:SUCCEEDED_CREATED " ] || fail "activities: $names"
pass "list-data-source-run-activities → $names"

python3 - "$db" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1]); c.execute("ALTER TABLE orders ADD COLUMN placed_at TEXT"); c.commit(); c.close()
PY
run2=$(run_and_wait)
stats=$(aws datazone get-data-source-run --domain-identifier "$domain" --identifier "$run2" \
  --query '[runStatisticsForAssets.added,runStatisticsForAssets.updated,runStatisticsForAssets.unchanged]' --output text)
[ "$stats" = "$(printf '0\t1\t1')" ] || fail "rerun after ALTER (added updated unchanged): $stats"
pass "rerun after ALTER TABLE orders → updated=1 unchanged=1"

asset=$(aws datazone list-data-source-run-activities --domain-identifier "$domain" --identifier "$run2" \
  --status SUCCEEDED_UPDATED --query 'items[0].dataAssetId' --output text)
cols=$(aws datazone get-asset --domain-identifier "$domain" --identifier "$asset" --query 'formsOutput[0].content' --output text)
grep -q '"placed_at"' <<<"$cols" || fail "get-asset form lacks the new column: $cols"
rev=$(aws datazone get-asset --domain-identifier "$domain" --identifier "$asset" --query revision --output text)
[ "$rev" = 2 ] || fail "asset revision: $rev"
pass "get-asset → revision 2 with placed_at"

hits=$(aws datazone search --domain-identifier "$domain" --search-scope ASSET --search-text placed --query 'length(items)' --output text)
[ "$hits" = 1 ] || fail "search placed: $hits"
pass "search --search-scope ASSET finds the column"

runs=$(aws datazone list-data-source-runs --domain-identifier "$domain" --data-source-identifier "$ds" --query 'length(items)' --output text)
[ "$runs" = 2 ] || fail "list-data-source-runs: $runs"
pass "list-data-source-runs → 2"

st=$(aws datazone delete-data-source --domain-identifier "$domain" --identifier "$ds" --client-token e2e-del-1 --query status --output text)
[ "$st" = DELETING ] || fail "delete-data-source status: $st"
if out=$(aws datazone get-data-source --domain-identifier "$domain" --identifier "$ds" 2>&1); then fail "deleted data source still readable"; fi
grep -q ResourceNotFoundException <<<"$out" || fail "after delete: $out"
pass "delete-data-source → DELETING, then get-data-source → ResourceNotFoundException"

again=$(aws datazone delete-data-source --domain-identifier "$domain" --identifier "$ds" --client-token e2e-del-1 --query '[status,id]' --output text)
[ "$again" = "$(printf 'DELETING\t%s' "$ds")" ] || fail "retried delete with the same client token: $again"
if out=$(aws datazone delete-data-source --domain-identifier "$domain" --identifier "$ds" --client-token e2e-del-2 2>&1); then fail "delete with a new token succeeded: $out"; fi
grep -q ResourceNotFoundException <<<"$out" || fail "delete with a new token: $out"
pass "delete-data-source retried with the same --client-token → same DELETING answer; a new token → ResourceNotFoundException"
echo "datazone e2e: all passed"
