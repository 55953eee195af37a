#!/usr/bin/env bash
# imago instance-templates, imago health-checks, imago instance-groups
# managed and the load balancer's commands, on the local cloud and, the same commands, with --cloud gce
# through `imago serve` (GceClient over HTTP): what gcloud users type, GCE's
# defaults, and refusals that change nothing.
source "$(dirname "$0")/lib.sh"
make_qcow2 app.qcow2 16M
imago images create app-v1 --source-file "$WORK/app.qcow2" --family app >/dev/null 2>&1
echo 'echo up' >boot.sh
start_serve
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

  # The load balancer in front of the group: every command, and refusals.
  gm set-named-ports "$g" --named-ports http:80,admin:9000 >/dev/null 2>&1 || fail "$cloud: set-named-ports"
  expect_eq "$cloud: named ports" "$(gm get-named-ports "$g" --format json | jq -c '[.[] | .port]')" "[80,9000]"
  expect_rc 3 gm set-named-ports "$g" --named-ports http
  expect_contains "$cloud: named port syntax" "$ERR" "NAME:PORT"
  bs=bs-$cloud
  $cloud backend-services create "$bs" --health-checks "$h" --connection-draining-timeout 20s --global \
    >/dev/null 2>&1 || fail "$cloud: backend-services create"
  $cloud backend-services add-backend "$bs" --instance-group "$g" --instance-group-zone local-a \
    >/dev/null 2>&1 || fail "$cloud: add-backend"
  $cloud backend-services update-backend "$bs" --instance-group "$g" --capacity-scaler 0.5 \
    >/dev/null 2>&1 || fail "$cloud: update-backend"
  j=$($cloud backend-services describe "$bs" --format json)
  expect_eq "$cloud: backend service" \
    "$(jq -c '[.protocol, .portName, .timeoutSec, .connectionDraining.drainingTimeoutSec, .backends[0].capacityScaler, (.backends[0].group | sub(".*/"; ""))]' <<<"$j")" \
    "[\"HTTP\",\"http\",30,20,0.5,\"$g\"]"
  expect_rc 3 $cloud backend-services add-backend "$bs" --instance-group "$g"
  expect_contains "$cloud: a backend once" "$ERR" "already"
  expect_rc 3 $cloud backend-services update-backend "$bs" --instance-group "$g" --capacity-scaler 5
  expect_contains "$cloud: capacity by field" "$ERR" "capacityScaler"
  expect_rc 3 $cloud backend-services create "$bs-x" --health-checks "$h" --protocol UDP
  expect_rc 4 $cloud backend-services create "$bs-x" --health-checks nope
  $cloud url-maps create "map-$cloud" --default-service "$bs" >/dev/null 2>&1 || fail "$cloud: url-maps create"
  $cloud target-http-proxies create "px-$cloud" --url-map "map-$cloud" >/dev/null 2>&1 || fail "$cloud: proxy create"
  lb_port=$(free_port)
  $cloud forwarding-rules create "fr-$cloud" --global --target-http-proxy "px-$cloud" --ports "$lb_port" \
    >/dev/null 2>&1 || fail "$cloud: forwarding-rules create"
  expect_contains "$cloud: rule list" "$($cloud forwarding-rules list | tail -1)" "127.0.0.1   $lb_port-$lb_port"
  expect_rc 3 $cloud forwarding-rules create "fr-$cloud-x" --target-http-proxy "px-$cloud" --ports "$lb_port"
  expect_contains "$cloud: port taken" "$ERR" "already served by forwarding rule 'fr-$cloud'"
  expect_rc 3 $cloud forwarding-rules create "fr-$cloud-x" --target-http-proxy "px-$cloud" --ports 80-90
  expect_eq "$cloud: get-health of an empty group" "$($cloud backend-services get-health "$bs" --format json)" "[]"
  expect_rc 7 gm delete "$g"
  expect_contains "$cloud: group in use" "$ERR" "backendServices/$bs"
  expect_rc 7 $cloud backend-services delete "$bs"
  expect_rc 7 $cloud url-maps delete "map-$cloud"
  expect_rc 7 $cloud target-http-proxies delete "px-$cloud"
  $cloud forwarding-rules delete "fr-$cloud" >/dev/null 2>&1 || fail "$cloud: rule delete"
  $cloud target-http-proxies delete "px-$cloud" >/dev/null 2>&1 || fail "$cloud: proxy delete"
  $cloud url-maps delete "map-$cloud" >/dev/null 2>&1 || fail "$cloud: map delete"
  $cloud backend-services remove-backend "$bs" --instance-group "$g" >/dev/null 2>&1 || fail "$cloud: remove-backend"
  expect_eq "$cloud: no backend" "$($cloud backend-services describe "$bs" --format json | jq '.backends // [] | length')" 0
  $cloud backend-services delete "$bs" >/dev/null 2>&1 || fail "$cloud: backend-services delete"

  gm set-autoscaling "$g" --max-num-replicas 3 --target-cpu-utilization 0.7 --cool-down-period 90s \
    >/dev/null 2>&1 || fail "$cloud: set-autoscaling"
  as=$($cloud instance-groups managed describe "$g" --format json | jq -r '.status.autoscaler')
  expect_contains "$cloud: the group names its autoscaler" "$as" "/autoscalers/$g"
  gm set-autoscaling "$g" --max-num-replicas 4 --mode only-scale-out >/dev/null 2>&1 ||
    fail "$cloud: set-autoscaling again"
  expect_rc 3 gm set-autoscaling "$g" --max-num-replicas 2 --min-num-replicas 3
  expect_contains "$cloud: min above max" "$ERR" "minNumReplicas"
  expect_rc 3 gm set-autoscaling "$g" --max-num-replicas 2 --cool-down-period 5parsecs
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
