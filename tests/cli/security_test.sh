#!/usr/bin/env bash
# docs/security.md, the claims about imago serve that need no VM:
#   - the token file is 0600, and a token others can read is refused;
#   - the server listens on loopback unless told otherwise, warns when it is
#     told otherwise, and refuses --insecure-no-auth off loopback;
#   - a request reads no file of the host: not by path, not through a link
#     in an import root, not out of a bucket; files in a root or a bucket
#     import.
# (The VM claims are tests/vm/unprivileged_test.sh and instances_test.sh.)
source "$(dirname "$0")/lib.sh"
make_qcow2 disk.qcow2 16M
imago images list >/dev/null 2>&1  # Makes the home.
expect_eq "the home is 0700" "$(stat -c %a "$IMAGO_HOME")" 700

# --- the token
token=$(imago serve --print-token)
[[ $token =~ ^[0-9a-f]{64}$ ]] || fail "the token is not 32 random bytes in hex: '$token'"
expect_eq "serve-token is 0600" "$(stat -c %a "$IMAGO_HOME/serve-token")" 600
expect_eq "the same token on the next start" "$(imago serve --print-token)" "$token"
chmod 644 "$IMAGO_HOME/serve-token"
expect_rc 3 imago serve --print-token
expect_contains "a token others can read is refused" "$ERR" "readable by others (mode 0644): run chmod 600"
chmod 600 "$IMAGO_HOME/serve-token"

# --- where it listens
expect_rc 2 imago serve --listen 0.0.0.0:0 --insecure-no-auth
expect_contains "no auth off loopback is refused" "$ERR" "--insecure-no-auth is for loopback only"
port=$(free_port)
"$IMAGO" serve --listen "0.0.0.0:$port" 2>wide.log &
wide=$!
for _ in $(seq 1 50); do grep -q "imago serve:" wide.log && break; sleep 0.1; done
kill "$wide"
wait "$wide" 2>/dev/null || true
expect_contains "off loopback, a warning" "$(cat wide.log)" "without TLS: the token and all traffic cross the network in clear"
port=$(free_port)
mkdir -p roots/a outside
cp disk.qcow2 roots/a/ok.qcow2
cp disk.qcow2 outside/secret.qcow2
ln -s "$WORK/outside/secret.qcow2" roots/a/link.qcow2
ln -s "$WORK/outside" roots/a/dir
mkdir -p "$IMAGO_HOME/buckets/my-bucket"
cp disk.qcow2 "$IMAGO_HOME/buckets/my-bucket/obj.qcow2"
ln -s "$WORK/outside/secret.qcow2" "$IMAGO_HOME/buckets/my-bucket/link.qcow2"
"$IMAGO" serve --listen "127.0.0.1:$port" --import-root "$WORK/roots/a" 2>serve.log &
server=$!
trap 'kill $server 2>/dev/null || true; chmod -R u+w "$WORK" 2>/dev/null || true; rm -rf "$WORK" || true' EXIT
for _ in $(seq 1 50); do grep -q "imago serve:" serve.log && break; sleep 0.1; done
ss -ltnH "sport = :$port" | grep -q "127.0.0.1:$port" || fail "not listening on 127.0.0.1:$port"

# --- what a request may import
api=http://127.0.0.1:$port/compute/v1/projects/local
insert() {  # insert NAME SOURCE: prints "HTTP-CODE message"
  curl -s -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    -d "$(jq -nc --arg n "$1" --arg s "$2" '{name: $n, rawDisk: {source: $s}}')" "$api/global/images" |
    jq -r '"\(.error.code // 200) \(.error.message // .status)"'
}
expect_eq "unauthenticated request" \
  "$(curl -s -o /dev/null -w '%{http_code}' "$api/global/images")" 401
n=0
refused() {  # refused SOURCE WHY: a 400 naming the field, saying WHY
  n=$((n + 1))
  local got
  got=$(insert "bad-$n" "$1")
  [[ $got == "400 "*"image.rawDisk.source"*"$2"* ]] || fail "rawDisk.source $1: got '$got', expected a 400 saying '$2'"
}
for src in /etc/passwd "file:///etc/passwd" "$WORK/outside/secret.qcow2" "$WORK/roots/a/link.qcow2" \
  "$WORK/roots/a/dir/secret.qcow2" "$WORK/roots/a/../../outside/secret.qcow2" /proc/self/environ \
  "gs://my-bucket/link.qcow2" "gs://my-bucket/../../catalog.db" \
  "https://storage.googleapis.com/my-bucket/link.qcow2"; do
  refused "$src" "outside what this server may read"
done
refused gs://nosuch/x "No such bucket"
refused https://example.com/x.tar.gz "Name a Cloud Storage object"
mkdir -p roots/a/sub
refused "$WORK/roots/a/sub" "It is a directory"
expect_eq "a file in the import root" "$(insert good-1 "$WORK/roots/a/ok.qcow2")" "200 DONE"
expect_eq "an object of a bucket" "$(insert good-2 gs://my-bucket/obj.qcow2)" "200 DONE"
expect_eq "the same, by its storage URL" "$(insert good-3 https://storage.googleapis.com/my-bucket/obj.qcow2)" "200 DONE"
expect_eq "only the good imports made images" \
  "$(imago images list --format json | jq -r '.[].name' | sort | tr '\n' ' ')" "good-1 good-2 good-3 "
expect_eq "no temporary file left" "$(find "$IMAGO_HOME/tmp" -type f | wc -l)" 0
echo "PASS: security (token, listen address, imports by the API)"
