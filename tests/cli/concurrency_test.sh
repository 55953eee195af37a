#!/usr/bin/env bash
# Eight processes creating, labelling and deprecating images in one catalog
# at once: all succeed, every change is there, nobody sees "database is locked".
source "$(dirname "$0")/lib.sh"

make_qcow2 shared.qcow2 8M
imago images create shared --source-file shared.qcow2 >/dev/null 2>&1
for i in $(seq 1 8); do make_qcow2 "w$i.qcow2" "$((i * 4))M"; done

worker() {
  local i=$1
  for j in 1 2 3 4; do
    imago images create "w$i-$j" --source-file "w$i.qcow2" --family "fam$i" --labels "worker=w$i"
    imago images add-labels "w$i-$j" --labels "round=r$j"
  done
  for j in 1 2 3; do
    imago images deprecate "w$i-$j" --state DEPRECATED --replacement "w$i-4"
  done
  # All eight label the same image: read-modify-write with fingerprints.
  imago images add-labels shared --labels "p$i=yes"
}

pids=()
for i in $(seq 1 8); do
  worker "$i" >"$WORK/out.$i" 2>"$WORK/err.$i" &
  pids+=($!)
done
for i in $(seq 1 8); do
  wait "${pids[$((i - 1))]}" || fail "worker $i failed: $(cat "$WORK/err.$i")"
done
if grep -il "locked\|busy" "$WORK"/err.*; then fail "a worker saw a locked or busy catalog"; fi

json=$(imago images list --show-deprecated --format json)
expect_eq "images" "$(jq length <<<"$json")" 33
expect_eq "deprecated" "$(jq '[.[] | select(.deprecated.state == "DEPRECATED")] | length' <<<"$json")" 24
expect_eq "labelled twice" "$(jq '[.[] | select(.labels.worker and .labels.round)] | length' <<<"$json")" 32
for i in $(seq 1 8); do
  expect_eq "head of fam$i" "$(imago images describe-from-family "fam$i" --format json | jq -r .name)" "w$i-4"
done
expect_eq "labels on the shared image" \
  "$(imago images describe shared --format json | jq -r '.labels | keys | join(",")')" \
  "p1,p2,p3,p4,p5,p6,p7,p8"
expect_eq "operations journaled" "$(imago operations list --format json | jq length)" $((1 + 8 * (4 + 4 + 3 + 1)))
echo "concurrency: ok"
