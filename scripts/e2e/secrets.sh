#!/usr/bin/env bash
# End to end: Secrets Manager and STS through the real binary, with the aws CLI and boto3.
source "$(dirname "$0")/lib.bash"
e2e_start --no-sample

acct=$(aws sts get-caller-identity --query Account --output text)
[[ "$acct" =~ ^[0-9]{12}$ ]] || fail "get-caller-identity account: $acct"
pass "aws sts get-caller-identity → $acct"

arn=$(aws secretsmanager create-secret --name e2e/db --secret-string '{"username":"app","password":"e2e-pw-1"}' --query ARN --output text)
[[ "$arn" == arn:aws:secretsmanager:*:$acct:secret:e2e/db-?????? ]] || fail "create-secret ARN: $arn"
pass "create-secret → $arn"

val=$(aws secretsmanager get-secret-value --secret-id e2e/db --query SecretString --output text)
[ "$val" = '{"username":"app","password":"e2e-pw-1"}' ] || fail "get-secret-value: $val"
pass "get-secret-value"

n=$(aws secretsmanager list-secrets --query 'length(SecretList)' --output text)
[ "$n" = 1 ] || fail "list-secrets count: $n"
pass "list-secrets"

if out=$(AWS_SECRET_ACCESS_KEY=wrong-key aws secretsmanager list-secrets 2>&1); then fail "a wrong secret key was accepted"; fi
grep -q InvalidSignatureException <<<"$out" || fail "wrong key error: $out"
pass "wrong secret key rejected"

# A second account cannot read the first one's secret, by name or ARN.
second=$("$E2E_BIN" keys create --data-dir "$E2E_DATA" --account 222222222222)
python3 - "$arn" "$second" <<'PY' || fail "boto3 checks"
import os, sys, boto3, botocore
arn, line = sys.argv[1], sys.argv[2]
kv = dict(p.split("=", 1) for p in line.split("#")[0].split() if "=" in p)
first = boto3.client("secretsmanager")
assert first.get_secret_value(SecretId=arn)["SecretString"].endswith('"e2e-pw-1"}')
other = boto3.client("secretsmanager", aws_access_key_id=kv["AWS_ACCESS_KEY_ID"], aws_secret_access_key=kv["AWS_SECRET_ACCESS_KEY"])
assert boto3.client("sts", aws_access_key_id=kv["AWS_ACCESS_KEY_ID"], aws_secret_access_key=kv["AWS_SECRET_ACCESS_KEY"]).get_caller_identity()["Account"] == "222222222222"
for sid in (arn, "e2e/db"):
    try:
        other.get_secret_value(SecretId=sid)
        raise SystemExit("second account read the secret via " + sid)
    except botocore.exceptions.ClientError as e:
        assert e.response["Error"]["Code"] == "ResourceNotFoundException", e.response
assert other.list_secrets()["SecretList"] == []
print("ok: boto3 — second account sees nothing of the first")
PY

aws secretsmanager delete-secret --secret-id e2e/db --force-delete-without-recovery >/dev/null
if out=$(aws secretsmanager get-secret-value --secret-id e2e/db 2>&1); then fail "deleted secret still readable"; fi
grep -q ResourceNotFoundException <<<"$out" || fail "after delete: $out"
pass "delete-secret --force-delete-without-recovery"

! grep -q 'e2e-pw-1' "$E2E_TMP/serve.log" || fail "the secret value appears in the server log"
pass "secret value never logged"
echo "secrets e2e: all passed"
