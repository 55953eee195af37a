#!/usr/bin/env bash
# imago rotate from the command line: 90 simulated days, bad policies,
# two rotators at once, kill -9 in the middle, and images outdated.
source "$(dirname "$0")/lib.sh"

make_qcow2 seed.qcow2 8M
imago images create seed --source-file seed.qcow2 >/dev/null 2>&1
# day D [MINUTES]: an RFC 3339 time D days (and MINUTES) after 2026-01-01.
day() { date -u -d "2026-01-01 + $1 days + ${2:-0} minutes" +%Y-%m-%dT%H:%M:%SZ; }
at_min() { local d=$1 m=$2; shift 2; "$IMAGO" --now "$(day "$d" "$m")" "$@"; }
at() { local d=$1; shift; "$IMAGO" --now "$(day "$d")" "$@"; }
state() {
  local j
  j=$(imago images describe "$1" --format json 2>/dev/null) || { echo GONE; return; }
  jq -r '.deprecated.state // "READY"' <<<"$j"
}

# 1. A family of four versions, rotated every 3 days for 90 days.
for v in 1 2 3 4; do at $(((v - 1) * 10)) images create "web-v$v" --source-image seed --family web >/dev/null 2>&1; done
declare -A seen
for d in $(seq 30 3 90); do
  at "$d" rotate --family web >/dev/null 2>&1 || fail "rotate on day $d"
  for v in 1 2 3 4; do seen[$d,$v]=$(state "web-v$v"); done
  if [[ $d == 54 ]]; then
    purge54=$(imago images describe web-v1 --format json | jq -r '.labels["imago-purge-on"]')
  fi
done
expect_eq "day 30: v2 superseded" "${seen[30,2]}" DEPRECATED
expect_eq "day 30: v1" "${seen[30,1]}" DEPRECATED
expect_eq "day 39: v1 obsolete" "${seen[39,1]}" OBSOLETE
expect_eq "day 54: v1 deleted" "${seen[54,1]}" DELETED
expect_eq "day 84: v1 gone" "${seen[84,1]}" GONE
expect_eq "day 90: v3 kept for rollback" "${seen[90,3]}" READY
expect_eq "day 90: v4 head" "${seen[90,4]}" READY
expect_eq "a DELETED image carries its purge date (day 54 + 30d)" "$purge54" "20260326-000000"
log=$(imago rotate log --family web --format json)
expect_eq "audit: v1's transitions" "$(jq -r '[.[] | select(.image == "web-v1") | .to] | join(",")' <<<"$log")" \
  "DEPRECATED,OBSOLETE,DELETED,PURGED"
expect_contains "audit says who" "$(jq -r '.[0].who' <<<"$log")" "@"

# A dry run changes nothing and says why it leaves images alone.
at 200 images create web-v5 --source-image seed --family web >/dev/null 2>&1
before=$(imago images list --show-deprecated --format json | jq -c 'map({name, deprecated})')
plan=$(at 200 rotate --family web --dry-run --format json)
expect_eq "dry run plans v3" "$(jq -r '.changes[] | select(.image == "web-v3") | .to' <<<"$plan")" DEPRECATED
expect_eq "dry run says why v4 stays" "$(jq -r '.skipped[] | select(.image == "web-v4") | .reason' <<<"$plan")" \
  "one of the 1 newest kept usable for rollback (keep: 1)"
expect_eq "dry run changed nothing" "$(imago images list --show-deprecated --format json | jq -c 'map({name, deprecated})')" "$before"
table=$(at 200 rotate --family web --dry-run)
expect_contains "plan table" "$table" "web-v3  web     READY  DEPRECATED  web-v5"
expect_contains "skips table" "$table" "family head"

# 2. A malformed policy is refused before anything changes, naming file, line and key.
printf 'default:\n  keep: 1\n  obsolete_after: -7d\n' > bad.yaml
expect_rc 3 at 200 rotate --all --policy bad.yaml
expect_contains "policy error" "$ERR" "bad.yaml:3: 'default.obsolete_after'"
printf 'families:\n  web:\n    keeep: 2\n' > typo.yaml
expect_rc 3 at 200 rotate --all --policy typo.yaml
expect_contains "typo error" "$ERR" "typo.yaml:3: 'families.web.keeep': unknown key"
expect_rc 3 at 200 rotate --all --policy missing.yaml
expect_rc 2 imago rotate
expect_rc 2 imago rotate --all --family web
expect_rc 4 imago rotate --family nothing
expect_eq "bad policies changed nothing" "$(imago images list --show-deprecated --format json | jq -c 'map({name, deprecated})')" "$before"

# 3. Two rotations at once: one waits; every transition is applied once.
for i in $(seq 1 60); do
  at_min 300 "$i" images create "api-$i" --source-image seed --family api >/dev/null 2>&1
done
expected=$(at 302 rotate --family api --dry-run --format json | jq '.changes | length')
expect_eq "the plan has work (60 images, head and keep 1 stay)" "$expected" 58
at 302 rotate --family api --format json >r1.json 2>r1.err &
p1=$!
at 302 rotate --family api --format json >r2.json 2>r2.err &
p2=$!
wait $p1 || fail "rotator 1: $(cat r1.err)"
wait $p2 || fail "rotator 2: $(cat r2.err)"
expect_eq "changes applied in all" "$(( $(jq .applied r1.json) + $(jq .applied r2.json) ))" "$expected"
expect_eq "audit lines for api" "$(imago rotate log --family api --format json | jq length)" "$expected"
deprecations() {  # The most deprecate operations any image of family $1 got.
  imago operations list --format json |
    jq --arg f "/images/$1-" '[.[] | select(.operationType == "deprecate" and (.targetLink | contains($f)))] | group_by(.targetLink) | map(length) | max'
}
expect_eq "no image deprecated twice" "$(deprecations api)" 1

# The lock held by someone else: --wait 0 stops with a clear message.
flock "$IMAGO_HOME/rotate.lock" sleep 3 &
holder=$!
sleep 0.3
expect_rc 8 imago rotate --all --wait 0
expect_contains "lock message" "$ERR" "another rotation is running"
wait $holder

# 4. kill -9 in the middle of an apply; the next run finishes the plan.
for i in $(seq 1 150); do
  at_min 400 "$i" images create "batch-$i" --source-image seed --family batch >/dev/null 2>&1
done
total=$(at 402 rotate --family batch --dry-run --format json | jq '.changes | length')
expect_eq "the plan has work" "$total" 148
# Killed right after its fifth change is committed (IMAGO_TEST_PAUSE_AT
# stops the process there), whatever the machine's load.
IMAGO_TEST_PAUSE_AT=mutation-5 "$IMAGO" --now "$(day 402)" \
  rotate --family batch >/dev/null 2>paused.txt &
pid=$!
for _ in $(seq 1 600); do
  grep -q "paused at mutation-5" paused.txt && break
  sleep 0.05
done
grep -q "paused at mutation-5" paused.txt || fail "the rotation never reached its fifth change: $(cat paused.txt)"
kill -9 $pid 2>/dev/null || true
wait $pid 2>/dev/null || true
done_before=$(imago images list --show-deprecated --filter 'family = batch' --format json | jq '[.[] | select(.deprecated)] | length')
expect_eq "changes done before the kill" "$done_before" 5
at 402 rotate --family batch >/dev/null 2>&1 || fail "the run after the kill failed"
expect_eq "all transitions done after the rerun" \
  "$(imago images list --show-deprecated --filter 'family = batch' --format json | jq '[.[] | select(.deprecated.state == "DEPRECATED")] | length')" "$total"
expect_eq "every image is in a valid state" \
  "$(imago images list --show-deprecated --filter 'family = batch' --format json | jq '[.[] | select(.status != "READY")] | length')" 0
expect_eq "no image deprecated twice across the kill" "$(deprecations batch)" 1

# 5. images outdated on a three-level chain.
at 500 images create base-1 --source-image seed --family base >/dev/null 2>&1
at 501 images create app-1 --source-image-family base --family app >/dev/null 2>&1
at 502 images create prod-1 --source-image-family app --family prod >/dev/null 2>&1
expect_eq "nothing outdated" "$(imago images outdated --format json | jq 'map(select(.family == "prod" or .family == "app")) | length')" 0
at 503 images create base-2 --source-image seed --family base >/dev/null 2>&1
out=$(imago images outdated --format json)
expect_eq "prod-1 is outdated through base-1" \
  "$(jq -r '.[] | select(.image == "prod-1") | "\(.staleAncestor) -> \(.replacedBy), \(.generations) up"' <<<"$out")" \
  "base-1 -> base-2, 2 up"
expect_eq "app-1 too" "$(jq -r '.[] | select(.image == "app-1") | .staleAncestor' <<<"$out")" base-1
expect_eq "--family" "$(imago images outdated --family prod --format json | jq -r '.[].image')" prod-1
at 504 images create app-2 --source-image-family base --family app >/dev/null 2>&1
at 505 images create prod-2 --source-image-family app --family prod >/dev/null 2>&1
expect_eq "rebuilt in order: nothing outdated (app-1 and prod-1 are no longer heads)" \
  "$(imago images outdated --format json | jq 'map(select(.family == "prod" or .family == "app")) | length')" 0

# 6. images outdated: disks on an image its family moved past, chains whose
#    ancestor is gone; a copy from its own family's image is not outdated.
imago disks create old-data --image prod-1 >/dev/null 2>&1 || fail "disk from prod-1"
imago disks create new-data --image prod-2 >/dev/null 2>&1 || fail "disk from prod-2"
at 506 images create prod-3 --source-image prod-2 --family prod >/dev/null 2>&1
at 507 images create gone-1 --source-image seed --family gone >/dev/null 2>&1
at 508 images create leaf-1 --source-image gone-1 --family leaf >/dev/null 2>&1
imago images delete gone-1 --quiet >/dev/null 2>&1 || fail "delete gone-1"
out=$(imago images outdated --format json)
expect_eq "what is outdated, and why" \
  "$(jq -r 'map("\(.kind) \(.name): \(.why)") | sort | join("; ")' <<<"$out")" \
  "disk new-data: prod-2 is no longer the head of prod (now prod-3); disk old-data: prod-1 is no longer the head of prod (now prod-3); image leaf-1: built on gone-1, which no longer exists"
table=$(imago images outdated)
expect_contains "the table" "$(head -1 <<<"$table")" "KIND"
expect_contains "the table's disk row" "$table" "old-data"
expect_eq "--family prod: the disks on prod's images" \
  "$(imago images outdated --family prod --format json | jq -r '[.[].name] | sort | join(" ")')" "new-data old-data"

# 7. A dry run at a later date: the state each image will have then (a
#    rotation every day until then), not just the next step; nothing changes.
for v in 1 2 3; do imago images create "sim-v$v" --source-image seed --family sim >/dev/null 2>&1; done
later=$(date -u -d '+40 days' +%FT%TZ)
sim=$(imago rotate --family sim --dry-run --now "$later" --format json)
expect_eq "the states in 40 days" "$(jq -r '[.onDate[] | "\(.image) \(.today)->\(.state)"] | join(", ")' <<<"$sim")" \
  "sim-v1 READY->DELETED, sim-v2 READY->READY, sim-v3 READY->READY"
expect_contains "the table" "$(imago rotate --family sim --dry-run --now "$later" | sed -n 2p)" "ON_DATE"
expect_eq "in 60 days sim-v1 is gone" \
  "$(imago rotate --family sim --dry-run --now "$(date -u -d '+60 days' +%FT%TZ)" --format json | jq -r '.onDate[0].state')" PURGED
expect_eq "nothing changed" "$(imago images list --filter 'family = sim' --format json | jq '[.[] | select(.deprecated)] | length')" 0
echo "rotate: ok"
