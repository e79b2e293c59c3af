#!/usr/bin/env bash
# End to end: regions are real. With --regions us-east-1,eu-west-1,eu-central-1 and --region
# eu-west-1 (the default region `surveyor env` exports), the aws CLI and boto3 see one account's
# resources per region: the same secret name and DataZone domain name in two regions are two
# resources, each with its region's ARN; a client of one region does not find the other's by
# name or ARN; lists show only the caller's region; a region outside --regions is refused.
source "$(dirname "$0")/lib.bash"
e2e_start --regions us-east-1,eu-west-1,eu-central-1 --region eu-west-1 --no-sample

[ "$AWS_REGION" = eu-west-1 ] || fail "surveyor env region: $AWS_REGION, want the --region eu-west-1"
pass "surveyor env exports the default region eu-west-1"

east=$(aws --region us-east-1 secretsmanager create-secret --name e2e/regional --secret-string east --query ARN --output text)
west=$(aws secretsmanager create-secret --name e2e/regional --secret-string west --query ARN --output text)
[[ "$east" == arn:aws:secretsmanager:us-east-1:*:secret:e2e/regional-?????? ]] || fail "us-east-1 ARN: $east"
[[ "$west" == arn:aws:secretsmanager:eu-west-1:*:secret:e2e/regional-?????? ]] || fail "eu-west-1 ARN: $west"
pass "one secret name in two regions: $east, $west"

for r in us-east-1:east eu-west-1:west; do
  v=$(aws --region "${r%%:*}" secretsmanager get-secret-value --secret-id e2e/regional --query SecretString --output text)
  [ "$v" = "${r##*:}" ] || fail "get-secret-value in ${r%%:*}: $v"
done
pass "each region reads its own secret by name"

if out=$(aws --region eu-west-1 secretsmanager get-secret-value --secret-id "$east" 2>&1); then fail "eu-west-1 read us-east-1's secret by ARN"; fi
grep -q ResourceNotFoundException <<<"$out" || fail "another region's ARN: $out"
if out=$(aws --region eu-central-1 secretsmanager describe-secret --secret-id e2e/regional 2>&1); then fail "eu-central-1 found a secret it never created"; fi
grep -q ResourceNotFoundException <<<"$out" || fail "another region's name: $out"
pass "another region's secret is not found, by ARN or by name"

n=$(aws --region eu-central-1 secretsmanager list-secrets --query 'length(SecretList)' --output text)
[ "$n" = 0 ] || fail "eu-central-1 lists $n secrets"
n=$(aws --region us-east-1 secretsmanager list-secrets --query 'SecretList[].ARN' --output text)
[ "$n" = "$east" ] || fail "us-east-1 lists: $n"
pass "list-secrets shows only the caller's region"

python3 - <<'PY' || fail "boto3 checks"
import boto3, botocore
role = "arn:aws:iam::123456789012:role/AmazonDataZoneDomainExecution"
dz = {r: boto3.client("datazone", region_name=r) for r in ("us-east-1", "eu-west-1")}
made = {r: c.create_domain(name="e2e-domain", domainExecutionRole=role, clientToken="e2e-one-token") for r, c in dz.items()}
assert made["us-east-1"]["id"] != made["eu-west-1"]["id"], made
for r, d in made.items():
    assert d["arn"].startswith("arn:aws:datazone:%s:" % r), d["arn"]
    assert [i["id"] for i in dz[r].list_domains()["items"]] == [d["id"]], dz[r].list_domains()
try:
    dz["eu-west-1"].get_domain(identifier=made["us-east-1"]["id"])
    raise SystemExit("eu-west-1 read us-east-1's domain")
except botocore.exceptions.ClientError as e:
    assert e.response["Error"]["Code"] == "ResourceNotFoundException", e.response
print("ok: boto3 — one DataZone domain name (and client token) in two regions: two domains, each found only in its region")

for svc, call in (("secretsmanager", lambda c: c.list_secrets()), ("datazone", lambda c: c.list_domains()), ("dms", lambda c: c.describe_endpoints())):
    try:
        call(boto3.client(svc, region_name="ap-south-1"))
        raise SystemExit("%s answered a request signed for ap-south-1" % svc)
    except botocore.exceptions.ClientError as e:
        err, status = e.response["Error"], e.response["ResponseMetadata"]["HTTPStatusCode"]
        assert err["Code"] == "InvalidSignatureException", e.response
        assert "Credential should be scoped to a valid region, not 'ap-south-1'" in err["Message"], err
        assert status in (400, 403), status
print("ok: boto3 — a region outside --regions gets InvalidSignatureException (Secrets Manager, DataZone, DMS)")
PY

if out=$(aws --region ap-south-1 secretsmanager list-secrets 2>&1); then fail "ap-south-1 was accepted"; fi
grep -q "InvalidSignatureException" <<<"$out" || fail "ap-south-1 with the CLI: $out"
pass "aws CLI: a region outside --regions is refused"
echo "regions e2e: all passed"
