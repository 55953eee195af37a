#!/usr/bin/env bash
# Managed instance groups on the local cloud with real VMs, through the
# imago command line: a group reaches its size and health; a VM killed with
# kill -9 is made again; a rolling update with maxSurge 1, maxUnavailable 0
# never has fewer than the target healthy; a release that never passes its
# health check stops there with the old capacity serving, and a newer
# update replaces it; kill -9 of the controller in the middle of a rollout:
# the next one finishes it with no duplicate; kill -9 of the controller at
# random moments while it makes instances leaves nothing behind; a template in use cannot be
# deleted; resize; an OPPORTUNISTIC update waits for update-instances;
# delete leaves no VM.
source "$(dirname "$0")/../cli/lib.sh"
: "${IMAGO_SRC:?}"
cache=${KIT_CACHE:-$WORK/cache}
trap vm_test_cleanup EXIT

bash "$IMAGO_SRC/images/busybox/build.sh" "$WORK/kit" "$cache" >/dev/null
imago images create kit-v1 --source-file "$WORK/kit/busybox.qcow2" --family kit >/dev/null 2>&1
for t in v1 v2 v3; do
  imago instance-templates create "web-$t" --image kit-v1 --ports 80 --metadata release=$t >/dev/null 2>&1
done
# A release whose port 80 is not reachable: it never passes the check.
imago instance-templates create web-bad --image kit-v1 --ports 81 >/dev/null 2>&1
imago health-checks create http web-hc --port 80 --request-path /health \
  --check-interval 1s --timeout 1s >/dev/null 2>&1

mig() { imago instance-groups managed "$@"; }
members() { mig list-instances web --format json; }
# healthy TEMPLATE: how many members run that template and are HEALTHY.
healthy() {
  members | jq "[.[] | select(.instanceStatus == \"RUNNING\" and .instanceHealth[0].detailedHealthState == \"HEALTHY\" and (.version.instanceTemplate | endswith(\"/$1\")))] | length"
}
qemus() { qemu_count "$IMAGO_HOME"; }

# 1. A new group: the controller starts by itself and makes 2 healthy VMs.
t0=$(now)
mig create web --template web-v1 --size 2 --health-check web-hc --initial-delay 120s >/dev/null 2>&1
[[ -n $(controller_pid "$IMAGO_HOME") ]] || fail "no controller runs after the group was created"
mig wait-until web --stable --timeout 120s >/dev/null 2>&1 || fail "the new group never became stable"
echo "group of 2 healthy in $(echo "$(now) - $t0" | bc) s"
expect_eq "healthy on v1" "$(healthy web-v1)" 2
expect_eq "VMs" "$(qemus)" 2
expect_eq "status" "$(mig describe web --format json | jq -c '[.status.isStable, .status.versionTarget.isReached, .currentActions.none]')" '[true,true,2]'

# 2. Autohealing: kill -9 of a VM; the same name comes back healthy.
victim=$(members | jq -r '.[0].instance' | sed 's|.*/||')
id=$(imago instances describe "$victim" --format json | jq -r .id)
kill -9 "$(<"$IMAGO_HOME/run/$id/pid")"
t0=$(now)
# Until the controller has made it again (a new id), then until it is healthy:
# the group's status may still say stable from the step before the kill.
for _ in $(seq 1 600); do
  [[ $(imago instances describe "$victim" --format json 2>/dev/null | jq -r .id) != "$id" ]] && break
  sleep 0.1
done
mig wait-until web --stable --timeout 120s >/dev/null 2>&1 || fail "the group did not heal"
echo "kill -9 of a VM to a healthy replacement: $(echo "$(now) - $t0" | bc) s"
expect_eq "healed" "$(healthy web-v1)" 2
members | jq -e --arg n "$victim" 'any(.[]; .instance | endswith("/" + $n))' >/dev/null || fail "$victim was not made again"

# 3. Rolling update, surge 1, unavailable 0: never fewer than 2 healthy,
# never more than 3 instances.
watch_rollout() {  # Prints "min_healthy max_instances" while the file $1 exists.
  local low=99 high=0 h n
  while [[ -f $1 ]]; do
    local j
    j=$(members 2>/dev/null) || continue
    h=$(jq '[.[] | select(.instanceStatus == "RUNNING" and .instanceHealth[0].detailedHealthState == "HEALTHY")] | length' <<<"$j")
    n=$(jq length <<<"$j")
    echo "$h/$n: $(jq -c '[.[] | [(.instance | sub(".*/"; "")), .instanceStatus, .instanceHealth[0].detailedHealthState, .currentAction]]' <<<"$j")" >>"$1.log"
    ((h < low)) && low=$h
    ((n > high)) && high=$n
    sleep 0.2
  done
  echo "$low $high"
}
touch watching
watch_rollout watching >watch.out &
watcher=$!
t0=$(now)
mig rolling-action start-update web --version template=web-v2 --max-surge 1 --max-unavailable 0 >/dev/null 2>&1
mig wait-until web --version-target-reached --timeout 180s >/dev/null 2>&1 || fail "the rollout to v2 did not finish"
mig wait-until web --stable --timeout 60s >/dev/null 2>&1 || fail "not stable after the rollout"
echo "rolling replacement of 2 (surge 1, unavailable 0): $(echo "$(now) - $t0" | bc) s"
rm watching
wait $watcher
read -r low high <watch.out
((low >= 2)) || fail "the rollout went down to $low healthy instances (maxUnavailable 0): [$(cat watch.out)] $(wc -l <watching.log) samples: $(grep -v "^2/" watching.log | head -5)"
((high <= 3)) || fail "the rollout had $high instances (maxSurge 1)"
expect_eq "all on v2" "$(healthy web-v2)" 2
expect_eq "VMs after the rollout" "$(qemus)" 2

# 4. A bad release stops at its surge instance; the old ones keep serving.
mig rolling-action start-update web --version template=web-bad --max-surge 1 --max-unavailable 0 >/dev/null 2>&1
expect_rc 8 mig wait-until web --version-target-reached --timeout 20s
expect_contains "says why it waits" "$(imago controller status)" "waiting for new instances"
expect_eq "old capacity serves" "$(healthy web-v2)" 2
expect_eq "one bad instance tried" "$(members | jq '[.[] | select(.version.instanceTemplate | endswith("/web-bad"))] | length')" 1
# A newer update (the good release again) replaces the stuck one.
mig rolling-action start-update web --version template=web-v2 --max-surge 1 --max-unavailable 0 >/dev/null 2>&1
mig wait-until web --stable --timeout 60s >/dev/null 2>&1 || fail "going back to v2 did not settle"
expect_eq "back on v2" "$(healthy web-v2)" 2
expect_eq "bad one gone" "$(members | jq length)" 2

# 5. kill -9 of the controller in the middle of a rollout: the next one
# (started by the next command that needs it) finishes it, no duplicate.
mig rolling-action start-update web --version template=web-v3 --max-surge 1 --max-unavailable 0 >/dev/null 2>&1
for _ in $(seq 1 100); do
  [[ $(members | jq length) -gt 2 ]] && break
  sleep 0.1
done
kill_controller "$IMAGO_HOME"
sleep 0.5
[[ -z $(controller_pid "$IMAGO_HOME") ]] || fail "the controller survived kill -9"
mig wait-until web --version-target-reached --timeout 180s >/dev/null 2>&1 || fail "the rollout did not finish after the controller was killed"
mig wait-until web --stable --timeout 60s >/dev/null 2>&1 || fail "not stable after the new controller"
expect_eq "all on v3" "$(healthy web-v3)" 2
expect_eq "no duplicate VM" "$(qemus)" 2
expect_eq "no stray instance" "$(imago instances list --format json | jq length)" 2

# 6. A template a group uses cannot be deleted; an unused one can.
expect_rc 7 imago instance-templates delete web-v3
expect_contains "GCE's message" "$ERR" "is already being used by"
imago instance-templates delete web-v1 >/dev/null 2>&1 || fail "an unused template could not be deleted"
expect_rc 7 imago health-checks delete web-hc

# 7. Resize up and down.
mig resize web --size 3 >/dev/null 2>&1
mig wait-until web --stable --timeout 120s >/dev/null 2>&1 || fail "resize to 3 did not settle"
expect_eq "3 healthy" "$(healthy web-v3)" 3
mig resize web --size 1 >/dev/null 2>&1
mig wait-until web --stable --timeout 60s >/dev/null 2>&1 || fail "resize to 1 did not settle"
expect_eq "1 left" "$(members | jq length)" 1
expect_eq "VMs after resize" "$(qemus)" 1

# 7b. kill -9 of the controller at random moments while it makes instances
# (mid-insert, mid-boot, between steps): the group converges to its target
# with no duplicate, leaked VM or leaked disk.
mig resize web --size 3 >/dev/null 2>&1
for k in 1 2 3 4 5 6; do
  sleep "0.$((RANDOM % 9 + 1))"
  kill_controller "$IMAGO_HOME"
  mig resize web --size 3 >/dev/null 2>&1  # A command that needs a controller starts one.
done
mig wait-until web --stable --timeout 180s >/dev/null 2>&1 || fail "no convergence after 6 kills of the controller"
expect_eq "members after the kills" "$(members | jq length)" 3
expect_eq "VMs after the kills" "$(qemus)" 3
expect_eq "instances after the kills" "$(imago instances list --format json | jq length)" 3
expect_eq "disks after the kills" "$(imago disks list --format json | jq length)" 3
mig resize web --size 1 >/dev/null 2>&1
mig wait-until web --stable --timeout 60s >/dev/null 2>&1 || fail "resize back to 1 did not settle"

# 8. OPPORTUNISTIC: a new version changes nothing until update-instances.
mig rolling-action start-update web --version template=web-v2 --type OPPORTUNISTIC >/dev/null 2>&1
sleep 3
expect_eq "opportunistic: still v3" "$(healthy web-v3)" 1
expect_eq "opportunistic: target not reached" \
  "$(mig describe web --format json | jq -c '.status.versionTarget.isReached')" false
expect_rc 3 mig update-instances web --all-instances --most-disruptive-allowed-action restart
mig update-instances web --all-instances >/dev/null 2>&1
mig wait-until web --version-target-reached --timeout 120s >/dev/null 2>&1 || fail "update-instances did not update"
mig wait-until web --stable --timeout 60s >/dev/null 2>&1 || fail "not stable after update-instances"
expect_eq "updated to v2" "$(healthy web-v2)" 1

# 9. Bad input: one line each, nothing made.
expect_rc 3 mig create bad --template nope --size 1
expect_contains "names the field" "$ERR" "instanceTemplate"
expect_rc 3 mig create bad --template web-v2 --size 1001
expect_rc 3 mig rolling-action start-update web --version template=web-v2 --max-surge 0 --max-unavailable 0
expect_rc 3 mig rolling-action start-update web --version template=web-v2 --canary-version template=web-v2,target-size=1
expect_rc 4 mig describe bad

# 10. Delete: the group and all its VMs.
mig delete web >/dev/null 2>&1
expect_rc 4 mig describe web
sleep 2  # A controller step under way when the group went must not bring a VM back.
expect_eq "no VM left" "$(qemus)" 0
expect_eq "no instance left" "$(imago instances list --format json | jq length)" 0
echo "groups_test: ok"
