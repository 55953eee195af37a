#!/usr/bin/env bash
# The downtime of replacing a stateful VM (issue 16): an environment of one
# VM with a data disk (a stateful group: RECREATE, no surge) gets a new
# release; a prober asks the load balancer every 50 ms, and the downtime is
# the time from its first failed answer to its first good one after it.
# Then the plain pattern for a VM outside any group: `imago instances
# replace` of a plain instance with a data disk (stop, detach, delete, new
# VM from the image with the disk, until /health answers), its downtime as
# imago measures and prints it (from the stop to the first 200, polled every
# 0.2 s). The same pattern through `imago deploy` of a kind: instance
# environment (its VM bench-vm and data disk), its downtime as the deploy
# prints it (the same measure). Baseline, in the same script: the floor of one stop plus one boot
# of that instance (imago instances stop, then start, until /health
# answers). Runs RUNS times (default 3) and prints medians.
#
#   IMAGO=build/imago bash bench/stateful_bench.sh [RUNS]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
bench_start statefulbench
runs=${1:-3}
imago images create db-v0 --source-file "$kit/busybox.qcow2" --family db >/dev/null 2>&1
mkdir environments
cat >environments/db.sh <<'EOF'
#!/bin/sh
while [ ! -e /dev/disk/by-id/google-data ]; do sleep 0.1; done
mkdir -p /mnt/data
mount /dev/disk/by-id/google-data /mnt/data 2>/dev/null ||
  { mke2fs -q /dev/disk/by-id/google-data && mount /dev/disk/by-id/google-data /mnt/data; }
echo boot >>/mnt/data/log
sync
wc -l </mnt/data/log >/www/index.html
EOF
port=$(free_port)
env_file() {  # env_file RELEASE
  cat >environments/db.yaml <<EOF
service: bench
image: {family: db}
size: 1
config: {RELEASE: "$1"}
files: {startup-script: db.sh}
data_disks: {data: {size: 1GB}}
health_check: {path: /health, interval: 1s, timeout: 1s, healthy_threshold: 1, initial_delay: 120s}
load_balancer: {port: $port}
timeout: 5m
EOF
}
vm_file() {  # vm_file RELEASE: one VM, no group (kind: instance)
  cat >environments/vm.yaml <<EOF
service: bench
kind: instance
image: {family: db}
config: {RELEASE: "$1"}
files: {startup-script: db.sh}
data_disks: {data: {size: 1GB}}
health_check: {path: /health, timeout: 1s}
timeout: 5m
EOF
}
env_file r0
imago deploy db --yes >deploy0.out 2>&1 || { cat deploy0.out >&2; exit 1; }
vm_file r0
imago deploy vm --yes >vm0.out 2>&1 || { cat vm0.out >&2; exit 1; }
imago disks create floor-data --size 1 >/dev/null 2>&1
imago instances create floor --image db-v0 --ports 80 --disk name=floor-data >/dev/null 2>&1
fport=$(imago instances describe floor --format json | jq -r '.forwardedPorts[0].hostPort')
# up PORT WHAT VM: until /health answers, or say which VM did not and why.
up() {
  wait_http "http://127.0.0.1:$1/health" 300 >/dev/null && return 0
  imago instances get-serial-port-output "$3" 2>/dev/null | tail -15 >&2
  echo "stateful_bench: $2 did not answer /health in 300 s" >&2
  exit 1
}
up "$fport" "the floor VM's first boot" floor

floor=() down=() total=() plain=() single=()
for r in $(seq 1 "$runs"); do
  t0=$(now)
  imago instances stop floor >/dev/null 2>&1
  imago instances start floor >/dev/null 2>&1
  up "$fport" "the floor VM after stop and start" floor
  floor+=("$(echo "$(now) - $t0" | bc)")
  out=$(imago instances replace floor --image-family db --metadata "release=r$r" \
    --health-path /health --timeout 5m --yes --format json 2>replace.err) || { cat replace.err >&2; exit 1; }
  plain+=("$(jq -r .downtimeSeconds <<<"$out")")
  fport=$(imago instances describe floor --format json | jq -r '.forwardedPorts[0].hostPort')
  vm_file "r$r"
  out=$(imago deploy vm --yes --format json 2>vm.err) || { cat vm.err >&2; exit 1; }
  single+=("$(jq -r .downtimeSeconds <<<"$out")")

  # The prober: one line per answer, "TIME OK|FAIL".
  (while :; do
     if curl -sf -m 0.5 -o /dev/null "http://127.0.0.1:$port/health"; then echo "$(now) OK"; else echo "$(now) FAIL"; fi
     sleep 0.05
   done) >probe.log 2>/dev/null &
  prober=$!
  sleep 0.5
  env_file "r$r"
  t0=$(now)
  imago deploy db --yes >deploy.out 2>&1 || { cat deploy.out >&2; exit 1; }
  total+=("$(echo "$(now) - $t0" | bc)")
  wait_http "http://127.0.0.1:$port/health" 60 >/dev/null
  sleep 0.5
  kill "$prober"
  wait "$prober" 2>/dev/null || true
  prober=
  d=$(awk '$2 == "FAIL" && !first {first = $1} $2 == "OK" && first && !back {back = $1} END {if (first && back) print back - first; else print 0}' probe.log)
  down+=("$d")
  # The disk kept every boot's line (the startup-script writes it just after
  # /health answers).
  end=$((SECONDS + 20)) got=
  until got=$(curl -s -m 2 "http://127.0.0.1:$port/" | tr -d " ") && [[ $got == $((r + 1)) ]]; do
    ((SECONDS < end)) || { imago instances get-serial-port-output "$(imago instances list --format json | jq -r '.[] | select(.name | startswith("bench-db")) | .name')" | tail -15 >&2; echo "stateful_bench: the data disk has $got boot(s), expected $((r + 1))" >&2; exit 1; }
    sleep 0.2
  done
  echo "run $r: floor (stop + boot) ${floor[-1]} s, plain pattern (instances replace): down ${plain[-1]} s, kind: instance deploy: down ${single[-1]} s, stateful replacement: down ${down[-1]} s, deploy ${total[-1]} s" >&2
done
printf 'stateful replacement of 1 VM: downtime %6.1f s   floor, stop + boot of a plain VM: %6.1f s   ratio %.2fx\n' \
  "$(median <<<"${down[*]}")" "$(median <<<"${floor[*]}")" \
  "$(echo "$(median <<<"${down[*]}") / $(median <<<"${floor[*]}")" | bc -l)"
printf 'plain pattern, instances replace of 1 VM: downtime %6.1f s   floor, stop + boot: %6.1f s   ratio %.2fx\n' \
  "$(median <<<"${plain[*]}")" "$(median <<<"${floor[*]}")" \
  "$(echo "$(median <<<"${plain[*]}") / $(median <<<"${floor[*]}")" | bc -l)"
printf 'plain pattern, deploy of a kind: instance environment: downtime %6.1f s   floor, stop + boot: %6.1f s   ratio %.2fx\n' \
  "$(median <<<"${single[*]}")" "$(median <<<"${floor[*]}")" \
  "$(echo "$(median <<<"${single[*]}") / $(median <<<"${floor[*]}")" | bc -l)"
printf 'the whole deploy (plan, recreate, health-gated wait): %6.1f s (median of %s)\n' \
  "$(median <<<"${total[*]}")" "$runs"
