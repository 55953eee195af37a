#!/usr/bin/env bash
# imago instance-templates, imago health-checks and imago instance-groups
# managed, on the local cloud and, the same commands, with --cloud gce
# through `imago serve` (GceClient over HTTP): what gcloud users type, GCE's
# defaults, and refusals that change nothing.
source "$(dirname "$0")/lib.sh"
make_qcow2 app.qcow2 16M
imago images create app-v1 --source-file "$WORK/app.qcow2" --family app >/dev/null 2>&1
echo 'echo up' >boot.sh
port=$(free_port)
"$IMAGO" serve --listen "127.0.0.1:$port" 2>serve.log &
server=$!
trap 'kill $server 2>/dev/null || true; chmod -R u+w "$WORK" 2>/dev/null || true; rm -rf "$WORK" || true' EXIT
for _ in $(seq 1 50); do grep -q "imago serve:" serve.log && break; sleep 0.1; done
export IMAGO_ACCESS_TOKEN=$("$IMAGO" serve --print-token)
gce() { "$IMAGO" --cloud gce --project local --zone local-a \
  --endpoint "http://127.0.0.1:$port/compute/v1/" "$@"; }

for cloud in imago gce; do
  t=web-$cloud
  # A template keeps the family: each instance made from it resolves it then.
  $cloud instance-templates create "$t" --image-family app --machine-type e2-small \
    --metadata-from-file startup-script=boot.sh --metadata role=web --labels tier=web \
    --ports 80 >/dev/null 2>&1
  j=$($cloud instance-templates describe "$t" --format json)
  expect_eq "$cloud: machine type by name" "$(jq -r .properties.machineType <<<"$j")" e2-small
  expect_eq "$cloud: family kept" \
    "$(jq -r '.properties.disks[0].initializeParams.sourceImage' <<<"$j")" global/images/family/app
  expect_eq "$cloud: startup-script" \
    "$(jq -r '.properties.metadata.items[] | select(.key=="startup-script") | .value' <<<"$j")" "echo up"
  expect_eq "$cloud: labels" "$(jq -r .properties.labels.tier <<<"$j")" web
  row=$($cloud instance-templates list --filter "name = $t" | tail -1)
  expect_contains "$cloud: list row" "$row" "family/app"
  expect_rc 5 $cloud instance-templates create "$t" --image app-v1
  expect_contains "$cloud: taken name" "$ERR" "already exists"
  expect_rc 2 $cloud instance-templates create "$t-x"
  expect_contains "$cloud: image needed" "$ERR" "--image"
  expect_rc 3 $cloud instance-templates create "$t-x" --image nope
  expect_contains "$cloud: unknown image by field" "$ERR" "properties.disks[0].initializeParams.sourceImage"
  expect_rc 3 $cloud instance-templates create "$t-x" --image app-v1 --ports 8080:80
  expect_contains "$cloud: fixed host port" "$ERR" "imago-ports"
  expect_rc 3 $cloud instance-templates create "$t-x" --image app-v1 --machine-type n9-huge
  expect_rc 4 $cloud instance-templates describe "$t-x"
  [[ $(echo "$ERR" | wc -l) == 1 ]] || fail "$cloud: one-line error: $ERR"

  h=hc-$cloud
  $cloud health-checks create http "$h" --port 8080 --request-path /healthz >/dev/null 2>&1
  j=$($cloud health-checks describe "$h" --format json)
  expect_eq "$cloud: GCE's defaults" \
    "$(jq -c '[.checkIntervalSec,.timeoutSec,.healthyThreshold,.unhealthyThreshold]' <<<"$j")" "[5,5,2,2]"
  expect_eq "$cloud: port" "$(jq -r .httpHealthCheck.port <<<"$j")" 8080
  $cloud health-checks update http "$h" --check-interval 10s --request-path /ready >/dev/null 2>&1
  j=$($cloud health-checks describe "$h" --format json)
  expect_eq "$cloud: patched" "$(jq -c '[.checkIntervalSec,.httpHealthCheck.requestPath,.httpHealthCheck.port]' <<<"$j")" \
    '[10,"/ready",8080]'
  expect_rc 3 $cloud health-checks update http "$h" --timeout 1m
  expect_contains "$cloud: timeout above interval" "$ERR" "timeoutSec"
  expect_eq "$cloud: refused patch changed nothing" \
    "$($cloud health-checks describe "$h" --format json | jq -r .timeoutSec)" 5
  expect_rc 3 $cloud health-checks create grpc "$h-x"
  expect_rc 3 $cloud health-checks create tcp "$h-x" --request-path /x
  expect_rc 3 $cloud health-checks create tcp "$h-x" --check-interval 5parsecs
  expect_contains "$cloud: duration" "$ERR" "--check-interval"
  $cloud health-checks create tcp "$h-db" --port 5432 >/dev/null 2>&1
  expect_eq "$cloud: list" "$($cloud health-checks list --filter 'type = TCP' --format json | jq -r '.[].name')" "$h-db"

  # Groups of size 0 (no VM boots here; tests/vm/groups_test.sh boots them):
  # every group method through this cloud's client.
  gm() { $cloud instance-groups managed "$@"; }
  g=g-$cloud
  gm create "$g" --template "$t" --size 0 --health-check "$h" --initial-delay 30s >/dev/null 2>&1 ||
    fail "$cloud: group create"
  j=$(gm describe "$g" --format json)
  expect_eq "$cloud: group spec" \
    "$(jq -c '[.targetSize, .updatePolicy.type, .updatePolicy.maxSurge.fixed, (.versions[0].instanceTemplate | sub(".*/"; "")), .autoHealingPolicies[0].initialDelaySec]' <<<"$j")" \
    "[0,\"PROACTIVE\",1,\"$t\",30]"
  expect_contains "$cloud: group list" "$(gm list | tail -1)" "$g"
  expect_rc 7 $cloud instance-templates delete "$t"
  expect_contains "$cloud: template in use" "$ERR" "is already being used by"
  expect_rc 7 $cloud health-checks delete "$h"
  gm resize "$g" --size 0 >/dev/null 2>&1 || fail "$cloud: resize"
  $cloud instance-templates create "$t-2" --image app-v1 >/dev/null 2>&1
  gm rolling-action start-update "$g" --version "template=$t-2" --max-surge 0 --max-unavailable 1 \
    >/dev/null 2>&1 || fail "$cloud: start-update"
  expect_eq "$cloud: new version" \
    "$(gm describe "$g" --format json | jq -r '.versions[0].instanceTemplate | sub(".*/"; "")')" "$t-2"
  gm set-instance-template "$g" --template "$t" >/dev/null 2>&1 || fail "$cloud: set-instance-template"
  expect_eq "$cloud: list-instances of an empty group" "$(gm list-instances "$g" --format json)" "[]"
  expect_eq "$cloud: list-errors" "$(gm list-errors "$g" --format json)" "[]"
  gm update-instances "$g" --all-instances >/dev/null 2>&1 || fail "$cloud: update-instances"
  expect_rc 3 gm recreate-instances "$g" --instances nope
  expect_contains "$cloud: not a member" "$ERR" "not a member"
  expect_rc 3 gm resize "$g" --size 1001
  expect_rc 5 gm create "$g" --template "$t" --size 0
  gm delete "$g" >/dev/null 2>&1 || fail "$cloud: group delete"
  expect_rc 4 gm describe "$g"
  $cloud instance-templates delete "$t" "$t-2" >/dev/null 2>&1
  $cloud health-checks delete "$h" "$h-db" >/dev/null 2>&1
  expect_rc 4 $cloud health-checks describe "$h"
done
# Both clouds wrote to the one catalog; nothing is left.
expect_eq "nothing left" "$(imago instance-templates list --format json)$(imago health-checks list --format json)" "[][]"
kill -0 $server || fail "imago serve died: $(cat serve.log)"
echo "groups_test: ok"
