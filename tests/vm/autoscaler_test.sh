#!/usr/bin/env bash
# Autoscaling on the local cloud with real VMs, measured from the CPU time
# of their QEMU processes: a group whose VMs burn their CPU grows to its
# maximum; once they idle (a rollout to a quiet release) it shrinks to its
# minimum after the scale-in window; stop-autoscaling leaves the size
# alone; deleting the group deletes its autoscaler first; no VM is left.
source "$(dirname "$0")/../cli/lib.sh"
: "${IMAGO_SRC:?}"
cache=${KIT_CACHE:-$WORK/cache}
trap vm_test_cleanup EXIT

bash "$IMAGO_SRC/images/busybox/build.sh" "$WORK/kit" "$cache" >/dev/null
imago images create kit-v1 --source-file "$WORK/kit/busybox.qcow2" --family kit >/dev/null 2>&1
printf '#!/bin/sh\nwhile :; do :; done &\n' >burn.sh
imago instance-templates create hot --image kit-v1 --metadata-from-file startup-script=burn.sh \
  >/dev/null 2>&1
imago instance-templates create quiet --image kit-v1 >/dev/null 2>&1
mig() { imago instance-groups managed "$@"; }
mig create web --template hot --size 1 >/dev/null 2>&1 || fail "group create"
mig set-autoscaling web --max-num-replicas 3 --min-num-replicas 1 --target-cpu-utilization 0.5 \
  --cool-down-period 5s --scale-in-time-window 10s >/dev/null 2>&1 || fail "set-autoscaling"
size() { mig describe web --format json | jq -r .targetSize; }
running() { mig list-instances web --format json | jq '[.[] | select(.instanceStatus == "RUNNING")] | length'; }
wait_size() {  # wait_size N SECONDS: until the group's target and its running VMs are N.
  local end=$(($(date +%s) + $2))
  until [[ $(size) == "$1" && $(running) == "$1" ]]; do
    if (($(date +%s) >= end)); then
      tail -n 20 "$IMAGO_HOME/controller.log" >&2
      fail "the group did not reach $1 instances in $2 s (size $(size), running $(running))"
    fi
    sleep 1
  done
}

# 1. Busy VMs: the group grows to its maximum, not beyond.
t0=$(now)
wait_size 3 120
echo "scaled out 1 -> 3 under CPU load in $(echo "$(now) - $t0" | bc) s"
a=$(imago --format json instance-groups managed describe web | jq -r '.status.autoscaler' | sed 's|.*/||')
expect_eq "the group names its autoscaler" "$a" web
grep -q "autoscaler web: size 2 -> 3 (CPU" "$IMAGO_HOME/controller.log" || fail "no scale-out step in the log"
sleep 3
expect_eq "never above the maximum" "$(size)" 3

# 2. Quiet VMs: after the window, it shrinks to its minimum.
mig rolling-action start-update web --version template=quiet --max-surge 0 --max-unavailable 3 \
  >/dev/null 2>&1 || fail "rollout"
t0=$(now)
wait_size 1 180
echo "scaled in 3 -> 1 once idle in $(echo "$(now) - $t0" | bc) s"

# 3. Without an autoscaler, the size is the user's again.
mig stop-autoscaling web >/dev/null 2>&1 || fail "stop-autoscaling"
expect_rc 3 mig stop-autoscaling web
expect_contains "no autoscaler" "$ERR" "has no autoscaler"
mig resize web --size 2 >/dev/null 2>&1
sleep 8
expect_eq "size kept without an autoscaler" "$(size)" 2

# 4. Bad input is refused by field; delete takes the autoscaler with the group.
expect_rc 3 mig set-autoscaling web --max-num-replicas 2 --min-num-replicas 5
expect_contains "min above max" "$ERR" "minNumReplicas"
expect_rc 3 mig set-autoscaling web --max-num-replicas 2 --target-cpu-utilization 2
mig set-autoscaling web --max-num-replicas 2 >/dev/null 2>&1 || fail "set-autoscaling again"
mig delete web >/dev/null 2>&1 || fail "delete a group with an autoscaler"
expect_rc 4 mig describe web
for _ in $(seq 1 60); do [[ $(qemu_count "$IMAGO_HOME") == 0 ]] && break; sleep 0.5; done
expect_eq "VMs" "$(qemu_count "$IMAGO_HOME")" 0
echo "PASS: autoscaling follows the VMs' CPU use"
