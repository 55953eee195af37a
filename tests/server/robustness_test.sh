#!/usr/bin/env bash
# imago serve under malformed input (tests/server/robustness.py, 10,000+
# requests, hostile import sources and refused schema fields among them):
# every answer is a 4xx in GCE's error shape, never a 5xx; the server stays
# up and still answers; the catalog is unchanged and no file was imported.
source "$(dirname "$0")/../cli/lib.sh"
: "${IMAGO_SRC:?}"
make_qcow2 small.qcow2 16M
imago images create small-v1 --source-file "$WORK/small.qcow2" --family small >/dev/null 2>&1
imago disks create keep --image small-v1 >/dev/null 2>&1
# Bucket b (gs://b/...) with ways out of it: robustness.py must not import them.
mkdir -p "$IMAGO_HOME/buckets/my-bucket/dir.tar.gz"
ln -s "$IMAGO_HOME/catalog.db" "$IMAGO_HOME/buckets/my-bucket/link.tar.gz"
ln -s /etc/passwd "$IMAGO_HOME/buckets/my-bucket/passwd.tar.gz"
ln -s /etc "$IMAGO_HOME/buckets/my-bucket/etc"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$IMAGO" serve --listen "127.0.0.1:$port" 2>serve.log &
server=$!
trap 'kill $server 2>/dev/null || true; chmod -R u+w "$WORK" 2>/dev/null || true; rm -rf "$WORK" || true' EXIT
for _ in $(seq 1 50); do grep -q "imago serve:" serve.log && break; sleep 0.1; done
dump() { sqlite3 "$IMAGO_HOME/catalog.db" "SELECT resource FROM images ORDER BY id; SELECT resource FROM resources ORDER BY id; SELECT count(*) FROM blobs;"; }
before=$(dump)
touch "$WORK/start"
ops_before=$(sqlite3 "$IMAGO_HOME/catalog.db" "SELECT count(*) FROM operations")
token=$("$IMAGO" serve --print-token)
python3 "$IMAGO_SRC/tests/server/robustness.py" "$port" "$token" "${ROBUSTNESS_COUNT:-10000}" "${ROBUSTNESS_SEED:-1}"
kill -0 "$server" || fail "imago serve died: $(tail -5 serve.log)"
answer=$(curl -s -H "Authorization: Bearer $token" "http://127.0.0.1:$port/compute/v1/projects/local/global/images/small-v1" | jq -r .status)
expect_eq "the server still answers" "$answer" READY
expect_eq "catalog unchanged" "$(dump)" "$before"
# imago serve runs the group controller: its lock, pid and status files
# are its own, not the requests'.
expect_eq "no file written in the home but the catalog's" \
  "$(find "$IMAGO_HOME" -newer "$WORK/start" -type f ! -name 'catalog.db*' ! -path '*/locks/*' \
      ! -name 'controller.lock' ! -name 'controller.pid' ! -name 'controller.json')" ""
expect_eq "no operation journaled" "$(sqlite3 "$IMAGO_HOME/catalog.db" "SELECT count(*) FROM operations")" "$ops_before"
echo "PASS: robustness"
