#!/usr/bin/env bash
# imago deploy, rollback, promote and releases without a bootable image, on
# the local cloud and, the same commands, with --cloud gce through `imago
# serve`: plans that change nothing, environment files refused with
# FILE:LINE, a release that never gets healthy rolled back (exit 12) with
# nothing left behind, refusals with the reason, the ledger in the cloud
# (read again by a client with a fresh home), project-info's metadata.
# tests/vm/deploy_test.sh does the rest with real VMs under load.
source "$(dirname "$0")/lib.sh"
make_qcow2 app.qcow2 16M  # No kernel: its VMs never boot, so never get healthy.
imago images create app-v1 --source-file "$WORK/app.qcow2" --family app >/dev/null 2>&1
start_serve
gce() { IMAGO_HOME=$WORK/client-home "$IMAGO" --cloud gce --project local --zone local-a \
  --endpoint "http://127.0.0.1:$port/compute/v1/" "$@"; }
mkdir environments
write_env() {  # write_env NAME SERVICE [EXTRA]
  printf 'service: %s\nimage: {family: app}\nsize: 1\nload_balancer: {port: %s}\ntimeout: 10s\n%s\n' \
    "$2" "$(free_port)" "${3:-}" >"environments/$1.yaml"
}

for cloud in imago gce; do
  svc=web$cloud
  write_env dev "$svc" "health_check: {path: /health, interval: 1s, timeout: 1s}"
  # A plan changes nothing.
  plan=$($cloud deploy dev --plan 2>&1) || fail "$cloud: plan: $plan"
  expect_contains "$cloud: plan" "$plan" "deploy dev: release 1 of $svc (red-black, push)"
  expect_contains "$cloud: plan pins the head" "$plan" "image   app-v1"
  expect_contains "$cloud: plan makes the group" "$plan" "+ group $svc-dev-v001"
  json=$($cloud deploy dev --plan --format json)
  expect_eq "$cloud: plan as JSON" "$(jq -r '.release, .image, .changes' <<<"$json" | tr '\n' ' ')" "1 app-v1 true "
  expect_eq "$cloud: no template after a plan" \
    "$($cloud instance-templates list --format json | jq "[.[] | select(.name | startswith(\"$svc\"))] | length")" 0
  expect_eq "$cloud: no ledger after a plan" "$($cloud releases dev --format json | jq length)" 0

  # Bad files: one line, FILE:LINE and the key; nothing made.
  write_env bad "$svc" "strategy: {type: rolling, max_surge: 0, max_unavailable: 0}"
  expect_rc 3 $cloud deploy bad --yes
  expect_contains "$cloud: strategy" "$ERR" "environments/bad.yaml:6: key 'strategy': max_surge and max_unavailable cannot both be 0"
  write_env bad "$svc" "helth_check: {path: /}"
  expect_rc 3 $cloud deploy bad --yes
  expect_contains "$cloud: typo" "$ERR" "environments/bad.yaml:6: key 'helth_check': unknown key"
  expect_rc 4 $cloud deploy nope --yes
  expect_contains "$cloud: missing file" "$ERR" "environments/nope.yaml does not exist"
  printf 'service: %s\nimage: {family: nope}\nload_balancer: {port: 1}\n' "$svc" >environments/bad.yaml
  expect_rc 4 $cloud deploy bad --yes
  expect_contains "$cloud: a family with no image" "$ERR" "image.family 'nope'"
  expect_rc 2 $cloud deploy dev </dev/null
  expect_contains "$cloud: no --yes off a terminal" "$ERR" "give --yes"

  # Nothing to roll back, nothing to promote.
  expect_rc 3 $cloud rollback dev --yes
  expect_contains "$cloud: rollback of nothing" "$ERR" "Nothing to roll back: dev has no live release"
  write_env prod "$svc"
  expect_rc 7 $cloud promote dev prod --yes
  expect_contains "$cloud: promotion of nothing" "$ERR" "dev has no live release"

  # A release that never gets healthy: rolled back, exit 12, nothing left.
  expect_rc 12 $cloud deploy dev --yes
  expect_contains "$cloud: says why" "$ERR" "release 1 failed its health check (0/1 instances of $svc-dev-v001 healthy"
  expect_contains "$cloud: says what serves" "$ERR" "nothing served before, nothing serves now"
  expect_eq "$cloud: the failed group is gone" \
    "$($cloud instance-groups managed list --format json | jq "[.[] | select(.name | startswith(\"$svc\"))] | length")" 0
  expect_eq "$cloud: and its template" \
    "$($cloud instance-templates list --format json | jq "[.[] | select(.name | startswith(\"$svc\"))] | length")" 0
  expect_eq "$cloud: the ledger" "$($cloud releases dev --format json | jq -r '.[0] | "\(.number) \(.state) \(.image)"')" "1 FAILED app-v1"
  expect_contains "$cloud: the ledger's table" "$($cloud releases dev)" "health check failed"
done
# Ctrl-C while it waits: exit 130, the release stays DEPLOYING, a rerun continues it.
write_env dev webimago "health_check: {path: /health, interval: 1s, timeout: 1s}
timeout: 20s"
sed -i '/^timeout: 10s$/d' environments/dev.yaml
"$IMAGO" deploy dev --yes >int.out 2>&1 &
pid=$!
for _ in $(seq 1 100); do
  [[ $(imago releases dev --format json | jq -r '.[0].state') == DEPLOYING ]] && break
  sleep 0.1
done
sleep 1
kill -INT $pid
rc=0
wait $pid || rc=$?
expect_eq "exit code after Ctrl-C" "$rc" 130
expect_contains "says how to go on" "$(cat int.out)" "run the same command again to continue"
expect_eq "left DEPLOYING" "$(imago releases dev --format json | jq -r '.[0] | "\(.number) \(.state)"')" "2 DEPLOYING"
expect_rc 12 imago deploy dev --yes
expect_contains "the rerun continues release 2" "$ERR" "release 2 failed its health check"
# Two deploys of one environment at once: the second waits, plans again, never interleaves.
write_env race webrace "health_check: {path: /health, interval: 1s, timeout: 1s}"
"$IMAGO" deploy race --yes >race1.out 2>&1 &
p1=$!
for _ in $(seq 1 50); do [[ -s race1.out ]] && grep -q "recorded in the ledger" race1.out && break; sleep 0.1; done
"$IMAGO" deploy race --yes >race2.out 2>&1 &
p2=$!
wait $p1 || true
wait $p2 || true
expect_contains "the second waited" "$(cat race2.out)" "Another deploy, clone or destroy of race is running; waiting for it"
expect_contains "and planned again" "$(cat race2.out)" "The plan now:"
expect_eq "one release after the other" \
  "$(imago releases race --format json | jq -r '[.[] | "\(.number) \(.state)"] | reverse | join(",")')" "1 FAILED,2 FAILED"
# clone-data names its target once: ENV or --to (the issue's form).
expect_rc 2 imago env clone-data --from dev
expect_contains "clone-data without a target" "$ERR" "name the environment that gets the data"
expect_rc 2 imago env clone-data race --to dev
expect_contains "clone-data with two targets" "$ERR" "ENV race and --to dev differ"
expect_rc 4 imago env clone-data --from dev --to nope --yes
expect_contains "clone-data --to a missing file" "$ERR" "environments/nope.yaml does not exist"
# The ledger lives in the cloud: a client with a fresh home reads the same.
rm -rf "$WORK/client-home"
expect_eq "a fresh client reads the ledger" "$(gce releases dev --environments environments --format json | jq -r '.[0].state')" FAILED

# project-info: the project's metadata, compare-and-set underneath.
imago project-info add-metadata --metadata team=web,tier=gold >/dev/null 2>&1 || fail "add-metadata"
expect_eq "metadata added" "$(gce project-info describe --format json | jq -r '.commonInstanceMetadata.items[] | select(.key == "tier") | .value')" gold
gce project-info remove-metadata --keys tier >/dev/null 2>&1 || fail "remove-metadata"
expect_eq "metadata removed" "$(imago project-info describe --format json | jq -r '[.commonInstanceMetadata.items[].key] | index("tier")')" null
expect_rc 4 imago project-info remove-metadata --keys tier
expect_contains "a missing key" "$ERR" "metadata item 'tier'"
expect_eq "the ledgers are kept" "$(imago project-info describe --format json | jq -r '[.commonInstanceMetadata.items[].key | select(startswith("imago-releases-"))] | sort | join(" ")')" "imago-releases-webgce-dev imago-releases-webimago-dev imago-releases-webrace-race"
kill -0 $server || fail "imago serve died: $(cat serve.log)"
echo "PASS: deploy's plans, refusals and a rolled-back release, on the local cloud and through imago serve"
