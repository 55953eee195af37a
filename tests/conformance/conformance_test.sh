#!/usr/bin/env bash
# The conformance suite: `imago serve` on a free loopback port over a fresh
# home with the kit image and a small image, checked with Google's Node.js
# clients (node --test conformance.test.js). npm packages come from the
# committed lock file (make test runs `npm ci` when they are missing).
source "$(dirname "$0")/../cli/lib.sh"
: "${IMAGO_SRC:?}"
here=$IMAGO_SRC/tests/conformance
[[ -d $here/node_modules/@google-cloud/compute ]] || fail "npm packages missing: run make conformance-deps"
cache=${KIT_CACHE:-$WORK/cache}
bash "$IMAGO_SRC/images/busybox/build.sh" "$WORK/kit" "$cache" >/dev/null
imago images create kit-v1 --source-file "$WORK/kit/busybox.qcow2" --family kit >/dev/null 2>&1
make_qcow2 small.qcow2 16M
imago images create small-v1 --source-file "$WORK/small.qcow2" >/dev/null 2>&1
port=$(free_port)
"$IMAGO" serve --listen "127.0.0.1:$port" 2>serve.log &
server=$!
cleanup() {
  local rc=$?
  kill "$server" 2>/dev/null || true
  kill_vms "$IMAGO_HOME"
  chmod -R u+w "$WORK" 2>/dev/null || true
  rm -rf "$WORK" || true
  exit "$rc"
}
trap cleanup EXIT
for _ in $(seq 1 50); do grep -q "imago serve:" serve.log && break; sleep 0.1; done
grep -q "imago serve:" serve.log || fail "imago serve did not start: $(cat serve.log)"
cd "$here"
IMAGO_ENDPOINT_PORT=$port IMAGO_TOKEN=$("$IMAGO" serve --print-token) IMAGO_PROJECT=local \
  IMAGO_LB_PORT=$(free_port) \
  node --test --test-reporter=spec conformance.test.js methods.test.js groups.test.js lb.test.js
kill -0 "$server" || fail "imago serve died during the suite: $(cat "$WORK/serve.log")"
