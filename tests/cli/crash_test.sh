#!/usr/bin/env bash
# kill -9 in the middle of an import: after the next command there is
# neither a catalog row nor a stray content or temporary file. Then the
# same at random moments: the catalog is always consistent.
source "$(dirname "$0")/lib.sh"

make_qcow2 small.qcow2 16M
imago images create keep-v1 --source-file small.qcow2 --family f >/dev/null 2>&1
blobs() { ls "$IMAGO_HOME/blobs/sha256" | wc -l; }
tmps() { ls "$IMAGO_HOME/tmp" | wc -l; }
base_blobs=$(blobs)

# A file large enough that the copy takes a while (real data, not a hole).
head -c $((1024 << 20)) /dev/urandom > big.raw

# 1. Killed while copying.
"$IMAGO" images create half --source-file big.raw --family f >/dev/null 2>&1 &
pid=$!
for _ in $(seq 1 3000); do
  f=$(ls "$IMAGO_HOME/tmp" 2>/dev/null | head -1)
  if [[ -n $f ]] && [[ $(stat -c %s "$IMAGO_HOME/tmp/$f" 2>/dev/null || echo 0) -gt 0 ]]; then break; fi
  sleep 0.005
done
kill -9 $pid
wait $pid 2>/dev/null || true
expect_eq "a half-written copy is left by the kill" "$(tmps)" 1
expect_eq "the pending image is visible before recovery" \
  "$(sqlite3 "$IMAGO_HOME/catalog.db" "select status from images where name='half'")" PENDING

# The next command (any) recovers.
out=$(imago images list --show-deprecated --format json 2>"$WORK/err")
expect_contains "recovery note" "$(cat "$WORK/err")" "1 operation(s) undone"
expect_eq "no row for the killed import" "$(jq -r '.[].name' <<<"$out" | tr '\n' ' ')" "keep-v1 "
expect_eq "no temporary files" "$(tmps)" 0
expect_eq "no stray content" "$(blobs)" "$base_blobs"
op=$(imago operations list --format json | jq -c '[.[] | select(.error)][0]')
expect_eq "the operation says it was interrupted" "$(jq -r '.error.errors[0].code' <<<"$op")" OPERATION_INTERRUPTED
expect_eq "head unchanged" "$(imago images describe-from-family f --format json | jq -r .name)" keep-v1

# 2. Killed at random moments (before, during and after the copy).
head -c $((96 << 20)) /dev/urandom > mid.raw
for i in $(seq 1 8); do
  "$IMAGO" images create "try-$i" --source-file mid.raw >/dev/null 2>&1 &
  pid=$!
  sleep "0.$((RANDOM % 40))"
  kill -9 $pid 2>/dev/null || true
  wait $pid 2>/dev/null || true
  json=$(imago images list --show-deprecated --format json 2>/dev/null)
  expect_eq "no PENDING image after recovery (round $i)" \
    "$(jq '[.[] | select(.status != "READY")] | length' <<<"$json")" 0
  expect_eq "no temporary files (round $i)" "$(tmps)" 0
  tries=$(jq '[.[] | select(.name | startswith("try-"))] | length' <<<"$json")
  # Every try- image shares one content file; none left when none committed.
  want=$base_blobs
  [[ $tries -gt 0 ]] && want=$((base_blobs + 1))
  expect_eq "content files match the catalog (round $i, $tries imports kept)" "$(blobs)" "$want"
  for name in $(jq -r '.[] | select(.name | startswith("try-")) | .name' <<<"$json"); do
    expect_eq "kept import $name is whole" \
      "$(imago images describe "$name" --format json | jq -r .archiveSizeBytes)" $((96 << 20))
  done
done
echo "crash: ok"
