#!/usr/bin/env bash
# Managed instance groups on the kit image, each figure against its floor in
# the same script:
#   - a rolling replacement of 3 instances (maxSurge 1, maxUnavailable 0,
#     HTTP health check every 1 s, 2 successes to be healthy) against 3
#     sequential bare boots to healthy (imago instances create, then /health);
#   - the time from kill -9 of a group's VM to a healthy replacement against
#     one boot to healthy.
# Runs RUNS times (default 3) and prints medians.
#
#   IMAGO=build/imago bash bench/groups_bench.sh [RUNS]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
bench_start groupsbench
runs=${1:-3}
mig() { imago instance-groups managed "$@"; }
imago images create kit-v1 --source-file "$kit/busybox.qcow2" --family kit >/dev/null 2>&1
imago health-checks create http hc --port 80 --request-path /health --check-interval 1s \
  --timeout 1s >/dev/null 2>&1
for r in $(seq 1 $((runs + 1))); do
  imago instance-templates create "t$r" --image kit-v1 --ports 80 --metadata run=$r >/dev/null 2>&1
done
host_port() { imago instances describe "$1" --format json | jq -r '.forwardedPorts[0].hostPort'; }
boot_to_healthy() {  # NAME: prints seconds from create to /health answering.
  local t0
  t0=$(now)
  imago instances create "$1" --image kit-v1 --ports 80 >/dev/null 2>&1
  wait_http "http://127.0.0.1:$(host_port "$1")/health" 120 >/dev/null
  echo "$(now) - $t0" | bc
  imago instances delete "$1" >/dev/null 2>&1
}

mig create g --template t1 --size 3 --health-check hc --initial-delay 120s >/dev/null 2>&1
mig wait-until g --stable --timeout 300s >/dev/null 2>&1
roll=() floor=() heal=() one=()
for r in $(seq 1 "$runs"); do
  # The floor: three boots one after another.
  f=0
  for k in 1 2 3; do f=$(echo "$f + $(boot_to_healthy "b$r-$k")" | bc); done
  floor+=("$f")
  t0=$(now)
  mig rolling-action start-update g --version "template=t$((r + 1))" --max-surge 1 \
    --max-unavailable 0 >/dev/null 2>&1
  mig wait-until g --version-target-reached --timeout 600s >/dev/null 2>&1
  mig wait-until g --stable --timeout 600s >/dev/null 2>&1
  roll+=("$(echo "$(now) - $t0" | bc)")
  # Healing: kill -9 one VM of the group.
  one+=("$(boot_to_healthy "s$r")")
  victim=$(mig list-instances g --format json | jq -r '.[0].instance' | sed 's|.*/||')
  id=$(imago instances describe "$victim" --format json | jq -r .id)
  t0=$(now)
  kill -9 "$(<"$IMAGO_HOME/run/$id/pid")"
  # Until the controller has made it again (a new id): the status may still
  # say stable from the step before the kill. Then until it is healthy.
  until [[ $(imago instances describe "$victim" --format json 2>/dev/null | jq -r .id) != "$id" ]]; do
    sleep 0.05
  done
  mig wait-until g --stable --timeout 300s >/dev/null 2>&1
  heal+=("$(echo "$(now) - $t0" | bc)")
done
mr=$(printf '%s\n' "${roll[@]}" | median)
mf=$(printf '%s\n' "${floor[@]}" | median)
mh=$(printf '%s\n' "${heal[@]}" | median)
mo=$(printf '%s\n' "${one[@]}" | median)
printf 'rolling replacement of 3 (surge 1, unavailable 0), %s runs: median %.2f s [%s]\n' "$runs" "$mr" "$(printf '%.2f ' "${roll[@]}")"
printf '  floor, 3 sequential boots to healthy (baseline): median %.2f s [%s]\n' "$mf" "$(printf '%.2f ' "${floor[@]}")"
printf '  ratio: %.2fx\n' "$(echo "$mr / $mf" | bc -l)"
printf 'kill -9 of a VM to a healthy replacement: median %.2f s [%s]\n' "$mh" "$(printf '%.2f ' "${heal[@]}")"
printf '  one boot to healthy (baseline): median %.2f s [%s]\n' "$mo" "$(printf '%.2f ' "${one[@]}")"
printf '  ratio: %.2fx\n' "$(echo "$mh / $mo" | bc -l)"
mig delete g >/dev/null 2>&1
