# Shared helpers for the end-to-end scripts: build the binary, start `surveyor serve` on a free
# loopback port with a throwaway data directory, and stop it on exit. Source it; do not run it.
set -euo pipefail

E2E_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
E2E_TMP=$(mktemp -d)
E2E_BIN="$E2E_TMP/surveyor"
E2E_PID=""

e2e_cleanup() {
  if [ -n "$E2E_PID" ]; then kill "$E2E_PID" 2>/dev/null || true; wait "$E2E_PID" 2>/dev/null || true; fi
  rm -rf "$E2E_TMP"
}
trap e2e_cleanup EXIT

fail() { echo "FAIL: $*" >&2; [ -f "$E2E_TMP/serve.log" ] && tail -n 30 "$E2E_TMP/serve.log" >&2; exit 1; }
pass() { echo "ok: $*"; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# e2e_start starts the server and exports the AWS_* variables for its first account.
e2e_start() {
  (cd "$E2E_ROOT" && go build -o "$E2E_BIN" ./cmd/surveyor)
  local port; port=$(free_port)
  E2E_DATA="$E2E_TMP/data"
  "$E2E_BIN" serve --data-dir "$E2E_DATA" --listen "127.0.0.1:$port" "$@" >"$E2E_TMP/serve.log" 2>&1 &
  E2E_PID=$!
  for _ in $(seq 100); do
    curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
    sleep 0.1
  done
  curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null || fail "server did not start"
  eval "$("$E2E_BIN" env --data-dir "$E2E_DATA")"
  export AWS_ENDPOINT_URL AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_REGION AWS_DEFAULT_REGION
  unset AWS_PROFILE AWS_SESSION_TOKEN
  export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
}
