# Helpers for the CLI tests: each test runs the real imago binary ($IMAGO)
# on a fresh $IMAGO_HOME in a temporary directory, and fails on the first
# broken expectation with a message that says what differed.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib/helpers.sh"

: "${IMAGO:?set IMAGO to the imago binary}"
WORK=$(mktemp -d /tmp/imago-cli-XXXXXX)
export IMAGO_HOME=$WORK/home
trap 'chmod -R u+w "$WORK" 2>/dev/null || true; rm -rf "$WORK" || true' EXIT
cd "$WORK"

imago() { "$IMAGO" "$@"; }

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# expect_eq WHAT ACTUAL EXPECTED
expect_eq() {
  [[ "$2" == "$3" ]] || fail "$1: got '$2', expected '$3'"
}

# expect_rc CODE COMMAND...: runs it, checks the exit code, keeps stderr in $ERR.
expect_rc() {
  local want=$1
  shift
  local rc=0
  ERR=$("$@" 2>&1 >/dev/null) || rc=$?
  [[ $rc == "$want" ]] || fail "exit code of '$*': got $rc, expected $want (stderr: $ERR)"
}

# expect_contains WHAT TEXT NEEDLE
expect_contains() {
  [[ "$2" == *"$3"* ]] || fail "$1: '$2' does not contain '$3'"
}

# A small qcow2 disk of a given virtual size.
make_qcow2() { qemu-img create -q -f qcow2 "$1" "${2:-64M}"; }

# kit_debian: builds the kit's Debian image into $WORK/kit (debootstrap's
# tree cached in $KIT_CACHE) and imports it as kit-debian-v1, family kit-debian.
kit_debian() {
  bash "$IMAGO_SRC/images/debian/build.sh" "$WORK/kit" "${KIT_CACHE:-$WORK/cache}" >/dev/null
  imago images create kit-debian-v1 --source-file "$WORK/kit/debian.qcow2" --family kit-debian \
    >/dev/null 2>&1 || fail "import the kit's Debian image"
}

# For tests that boot VMs: every QEMU of the test runs below $IMAGO_HOME/run,
# and none may outlive it (also when the test fails half way).
vm_test_cleanup() {
  local rc=$?
  kill_vms "$IMAGO_HOME"
  chmod -R u+w "$WORK" 2>/dev/null || true
  rm -rf "$WORK" || true
  exit "$rc"
}

# start_serve: runs `imago serve` on a free loopback port for this test's
# home ($port; its pid in $server), with its token in IMAGO_ACCESS_TOKEN; the
# exit trap stops it and every VM of the home.
start_serve() {
  port=$(free_port)
  "$IMAGO" serve --listen "127.0.0.1:$port" 2>serve.log &
  server=$!
  trap 'kill $server 2>/dev/null || true; kill_vms "$IMAGO_HOME"; chmod -R u+w "$WORK" 2>/dev/null || true; rm -rf "$WORK" || true' EXIT
  for _ in $(seq 1 50); do grep -q "imago serve:" serve.log && break; sleep 0.1; done
  IMAGO_ACCESS_TOKEN=$("$IMAGO" serve --print-token)
  export IMAGO_ACCESS_TOKEN
}
