#!/usr/bin/env bash
# End to end: the whole Secrets Manager API through the real binary, with the aws CLI and boto3
# (scripts/e2e/secrets.sh covers the basics and accounts).
source "$(dirname "$0")/lib.bash"
e2e_start --no-sample --regions us-east-1,eu-west-1,us-west-2

sm() { aws secretsmanager "$@"; }
expect_error() { # expect_error CODE MESSAGE-SUBSTRING -- command...
  local code=$1 msg=$2 out; shift 3
  if out=$("$@" 2>&1); then fail "$* succeeded, want $code"; fi
  grep -q "($code)" <<<"$out" || fail "$*: want $code, got: $out"
  grep -qF -- "$msg" <<<"$out" || fail "$*: want message '$msg', got: $out"
}

# GetRandomPassword
pw=$(sm get-random-password --password-length 40 --exclude-punctuation --query RandomPassword --output text)
[[ "$pw" =~ ^[A-Za-z0-9]{40}$ ]] || fail "get-random-password: ${#pw} characters"
expect_error InvalidParameterException "Password length is too short based on the required types." -- \
  sm get-random-password --password-length 3
pass "get-random-password"

# Versions and staging labels
t1=11111111-1111-4111-8111-111111111111 t2=22222222-2222-4222-8222-222222222222 t3=33333333-3333-4333-8333-333333333333
arn=$(sm create-secret --name e2e/app --secret-string v1 --client-request-token $t1 --query ARN --output text)
sm put-secret-value --secret-id e2e/app --secret-string v2 --client-request-token $t2 >/dev/null
sm put-secret-value --secret-id e2e/app --secret-string v3 --client-request-token $t3 --version-stages AWSPENDING >/dev/null
expect_error ResourceExistsException "You can't use ClientRequestToken $t2 because that value is already in use for a version of secret $arn." -- \
  sm put-secret-value --secret-id e2e/app --secret-string other --client-request-token $t2
sm update-secret-version-stage --secret-id e2e/app --version-stage AWSCURRENT --remove-from-version-id $t2 --move-to-version-id $t3 >/dev/null
[ "$(sm get-secret-value --secret-id e2e/app --query SecretString --output text)" = v3 ] || fail "AWSCURRENT did not move"
prev=$(sm list-secret-version-ids --secret-id e2e/app --query "Versions[?contains(VersionStages, 'AWSPREVIOUS')].VersionId" --output text)
[ "$prev" = $t2 ] || fail "AWSPREVIOUS is on '$prev', want $t2"
n=$(sm list-secret-version-ids --secret-id e2e/app --query 'length(Versions)' --output text)
nd=$(sm list-secret-version-ids --secret-id e2e/app --include-deprecated --query 'length(Versions)' --output text)
[ "$n" = 2 ] && [ "$nd" = 3 ] || fail "list-secret-version-ids: $n versions, $nd with deprecated"
expect_error InvalidParameterException "Staging label AWSCURRENT is currently attached to version $t3" -- \
  sm update-secret-version-stage --secret-id e2e/app --version-stage AWSCURRENT --move-to-version-id $t1
expect_error ResourceNotFoundException "can't find the specified secret value for staging label: AWSPREVIOUSX" -- \
  sm get-secret-value --secret-id e2e/app --version-stage AWSPREVIOUSX
pass "versions, staging labels, list-secret-version-ids"

# ListSecrets filters, BatchGetSecretValue
sm create-secret --name e2e/db --secret-string db-pw --description "Orders database" --tags Key=team,Value=data >/dev/null
sm create-secret --name other/key --secret-string key-pw --tags Key=temporary,Value=yes >/dev/null
names() { sm list-secrets "$@" --query 'SecretList[].Name' --output text; }
[ "$(names --filters Key=name,Values=e2e/)" = "e2e/app	e2e/db" ] || fail "name filter: $(names --filters Key=name,Values=e2e/)"
[ "$(names --filters Key=description,Values=orders)" = "e2e/db" ] || fail "description filter"
[ "$(names --filters Key=tag-key,Values='!temporary')" = "e2e/app	e2e/db" ] || fail "negated tag-key filter: $(names --filters Key=tag-key,Values=!temporary)"
[ "$(names --filters Key=all,Values=data)" = "e2e/db" ] || fail "all filter"
[ "$(names --sort-by name --sort-order desc)" = "other/key	e2e/db	e2e/app" ] || fail "sort: $(names --sort-by name --sort-order desc)"
expect_error ValidationException "Value 'bogus' at 'filters.1.member.key'" -- sm list-secrets --filters Key=bogus,Values=x
python3 - <<'PY' || fail "boto3 batch-get-secret-value"
import boto3
c = boto3.client("secretsmanager")
out = c.batch_get_secret_value(SecretIdList=["e2e/db", "missing", "other/key"])
assert sorted(v["SecretString"] for v in out["SecretValues"]) == ["db-pw", "key-pw"], out["SecretValues"]
assert [(e["SecretId"], e["ErrorCode"]) for e in out["Errors"]] == [("missing", "ResourceNotFoundException")], out["Errors"]
names, kw = [], {}
while True:  # boto3 has no paginator for it: follow NextToken by hand
    page = c.batch_get_secret_value(Filters=[{"Key": "name", "Values": ["e2e/"]}], MaxResults=1, **kw)
    names += [v["Name"] for v in page["SecretValues"]]
    if not page.get("NextToken"):
        break
    kw = {"NextToken": page["NextToken"]}
assert names == ["e2e/app", "e2e/db"], names
print("ok: boto3 batch_get_secret_value by ids and by filter, paged")
PY

# Deleting
sm delete-secret --secret-id e2e/db --recovery-window-in-days 7 >/dev/null
expect_error InvalidRequestException "You tried to perform the operation on a secret that's currently marked deleted." -- \
  sm delete-secret --secret-id e2e/db
[ "$(names --include-planned-deletion --filters Key=name,Values=e2e/db)" = e2e/db ] || fail "include-planned-deletion"
sm delete-secret --secret-id never-existed --force-delete-without-recovery >/dev/null || fail "forced delete of a missing secret"
sm tag-resource --secret-id other/key --tags Key=k,Value=v && sm untag-resource --secret-id other/key --tag-keys temporary k
[ "$(sm describe-secret --secret-id other/key --query 'length(Tags)' --output text)" = 0 ] || fail "Tags after untagging all"
pass "delete-secret, tags"

# Resource policies
pol='{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}]}'
expect_error PublicPolicyException "did not prevent broad access to the secret" -- \
  sm put-resource-policy --secret-id other/key --resource-policy "$pol" --block-public-policy
sm put-resource-policy --secret-id other/key --resource-policy "$pol" >/dev/null
[ "$(sm get-resource-policy --secret-id other/key --query ResourcePolicy --output text)" = "$pol" ] || fail "get-resource-policy"
[ "$(sm validate-resource-policy --resource-policy "$pol" --query PolicyValidationPassed --output text)" = False ] || fail "validate public policy"
expect_error MalformedPolicyDocumentException "This resource policy contains a syntax error" -- \
  sm put-resource-policy --secret-id other/key --resource-policy '{"Statement":[]}'
sm delete-resource-policy --secret-id other/key >/dev/null
[ "$(sm get-resource-policy --secret-id other/key --query ResourcePolicy --output text)" = None ] || fail "policy after delete"
pass "resource policies"

# Rotation: configured and reported, the rotation itself fails (no Lambda here)
fn=arn:aws:lambda:us-east-1:123456789012:function:rotator
expect_error AccessDeniedException "Secrets Manager cannot invoke the specified Lambda function" -- \
  sm rotate-secret --secret-id other/key --rotation-lambda-arn $fn --rotation-rules AutomaticallyAfterDays=7
[ "$(sm describe-secret --secret-id other/key --query '[RotationEnabled, RotationLambdaARN, RotationRules.AutomaticallyAfterDays]' --output text)" = "True	$fn	7" ] \
  || fail "rotation not reported by describe-secret"
sm cancel-rotate-secret --secret-id other/key >/dev/null
[ "$(sm describe-secret --secret-id other/key --query RotationEnabled --output text)" = False ] || fail "cancel-rotate-secret"
pass "rotate-secret, cancel-rotate-secret"

# Replication: replicas are secrets of the other region, in sync when the call returns
rarn=$(sm create-secret --name e2e/repl --secret-string r1 --add-replica-regions Region=eu-west-1 --query ARN --output text)
[ "$(sm describe-secret --secret-id e2e/repl --query 'ReplicationStatus[0].[Region, Status, StatusMessage]' --output text)" = \
  "eu-west-1	InSync	Replication succeeded" ] || fail "create-secret --add-replica-regions"
earn=${rarn/:us-east-1:/:eu-west-1:}
[ "$(sm get-secret-value --region eu-west-1 --secret-id "$earn" --query SecretString --output text)" = r1 ] || fail "replica value"
sm put-secret-value --secret-id e2e/repl --secret-string r2 >/dev/null
[ "$(sm get-secret-value --region eu-west-1 --secret-id e2e/repl --query SecretString --output text)" = r2 ] || fail "replica after put-secret-value"
[ "$(sm describe-secret --region eu-west-1 --secret-id e2e/repl --query PrimaryRegion --output text)" = us-east-1 ] || fail "replica PrimaryRegion"
# update-secret changes description and value together or not at all, on the replica too
rt=44444444-4444-4444-8444-444444444444
sm update-secret --secret-id e2e/repl --description first --secret-string repl-v3 --client-request-token $rt >/dev/null
expect_error ResourceExistsException "You can't use ClientRequestToken $rt" -- \
  sm update-secret --secret-id e2e/repl --description second --secret-string other --client-request-token $rt
[ "$(sm describe-secret --region eu-west-1 --secret-id e2e/repl --query Description --output text)" = first ] || fail "refused update-secret changed the description"
[ "$(sm get-secret-value --region eu-west-1 --secret-id e2e/repl --query SecretString --output text)" = repl-v3 ] || fail "replica after update-secret"
expect_error InvalidParameterException "Operation not permitted on a replica secret. Call must be made in primary secret's region." -- \
  sm put-secret-value --region eu-west-1 --secret-id e2e/repl --secret-string x
expect_error InvalidParameterException "You can't delete secret $rarn that still has replica regions [eu-west-1]." -- \
  sm delete-secret --secret-id "$rarn"
sm create-secret --region us-west-2 --name e2e/repl --secret-string west >/dev/null
st=$(sm replicate-secret-to-regions --secret-id e2e/repl --add-replica-regions Region=us-west-2 Region=ap-south-1 \
  --query 'ReplicationStatus[].Status' --output text)
[ "$st" = "InSync	Failed	Failed" ] || fail "replicate onto a taken name and a refused region: $st"
sm replicate-secret-to-regions --secret-id e2e/repl --add-replica-regions Region=us-west-2 --force-overwrite-replica-secret >/dev/null
[ "$(sm get-secret-value --region us-west-2 --secret-id e2e/repl --query SecretString --output text)" = repl-v3 ] || fail "force-overwrite-replica-secret"
python3 - <<'PY' || fail "boto3 replication"
import boto3
east, west = boto3.client("secretsmanager"), boto3.client("secretsmanager", region_name="us-west-2")
names = lambda c, v: [s["Name"] for s in c.list_secrets(Filters=[{"Key": "primary-region", "Values": [v]}])["SecretList"]]
assert names(east, "us-east-1") == ["e2e/repl"], names(east, "us-east-1")
assert names(west, "us-east-1") == ["e2e/repl"], names(west, "us-east-1")
assert "e2e/repl" not in names(east, "!us-east-1")
arn = west.stop_replication_to_replica(SecretId="e2e/repl")["ARN"]
assert ":us-west-2:" in arn, arn
west.put_secret_value(SecretId=arn, SecretString="west-2")
out = east.remove_regions_from_replication(SecretId="e2e/repl", RemoveReplicaRegions=["eu-west-1", "ap-south-1"])
assert out["ReplicationStatus"] == [], out["ReplicationStatus"]
assert "PrimaryRegion" not in east.describe_secret(SecretId="e2e/repl")
east.delete_secret(SecretId="e2e/repl", ForceDeleteWithoutRecovery=True)
assert west.get_secret_value(SecretId=arn)["SecretString"] == "west-2"
print("ok: boto3 primary-region filter, stop-replication-to-replica, remove-regions-from-replication")
PY
pass "replication"

for v in v1 v2 v3 db-pw key-pw r1 r2 repl-v3 west-2 "$pw"; do
  ! grep -qF -- "$v" "$E2E_TMP/serve.log" || fail "a secret value appears in the server log"
done
pass "no secret value in the server log"
echo "secretsmanager e2e: all passed"
