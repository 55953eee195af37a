#!/usr/bin/env bash
# Boot-to-healthy of the kit image: `imago instances create` until /health
# answers through the forwarded port, against a bare qemu-system-x86_64
# command line booting the same disk (a copy-on-write overlay on the same
# image content, the kernel read out of it, the same memory and CPUs), in the
# same script, interleaved, median of 5. Then 4 instances created at once,
# against the single imago boot; and the resident memory of each VM.
#
#   IMAGO=build/imago bash bench/boot_bench.sh [RUNS]
set -euo pipefail
: "${IMAGO:?set IMAGO to the imago binary}"
here=$(cd "$(dirname "$0")/.." && pwd)
source "$here/tests/lib/helpers.sh"
runs=${1:-5}
work=$(mktemp -d /tmp/imago-bootbench-XXXXXX)
export IMAGO_HOME=$work/home
cleanup() {  # Keeps the script's exit code: 0 when every figure was measured.
  local rc=$?
  kill_vms "$IMAGO_HOME"
  if [[ -f $work/bare.pid ]]; then kill -9 "$(<"$work/bare.pid")" 2>/dev/null || true; fi
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT
kit=${KIT_DIR:-$here/build/kit}
[[ -f $kit/busybox.qcow2 ]] || bash "$here/images/busybox/build.sh" "$kit" >/dev/null
"$IMAGO" images create kit-v1 --source-file "$kit/busybox.qcow2" --family kit >/dev/null 2>&1

wait_health() {  # PORT: polls like a load balancer would (every 50 ms, 0.3 s timeout).
  until curl -sf -m 0.3 "http://127.0.0.1:$1/health" >/dev/null 2>&1; do sleep 0.05; done
}
rss_mib() { awk '/VmRSS/ {printf "%.0f", $2/1024}' "/proc/$1/status"; }

# The bare command line: the kernel as imago reads it out of the image.
blob=$("$IMAGO" images describe kit-v1 --format json >/dev/null; ls "$IMAGO_HOME"/blobs/sha256/* | head -1)
qemu-img convert -O raw "$blob" "$work/raw.img"
kver=$(debugfs -R "cat /etc/kernel-version" "$work/raw.img" 2>/dev/null)
debugfs -R "dump /boot/vmlinuz-$kver $work/vmlinuz" "$work/raw.img" 2>/dev/null
rm "$work/raw.img"
accel=tcg
if [[ -w /dev/kvm ]] && grep -qE 'vmx|svm' /proc/cpuinfo; then accel=kvm; fi
bare_boot() {  # Prints seconds to healthy; leaves the VM running (pid in $work/bare.pid).
  local port t0
  port=$(free_port)
  rm -f "$work/bare.qcow2"
  qemu-img create -q -f qcow2 -b "$blob" -F qcow2 "$work/bare.qcow2" 1G
  t0=$(now)
  qemu-system-x86_64 -M pc -accel "$accel" -smp 1 -m 1024 -display none -no-user-config -nodefaults \
    -serial "file:$work/bare-serial.log" -kernel "$work/vmlinuz" \
    -append "root=/dev/nvme0n1 rw console=ttyS0 panic=-1" \
    -drive "file=$work/bare.qcow2,if=none,id=d0,format=qcow2" -device nvme,id=nvme0,serial=bare \
    -device nvme-ns,drive=d0,bus=nvme0,nsid=1 \
    -netdev "user,id=n0,net=169.254.0.0/16,host=169.254.0.2,dns=169.254.0.3,hostfwd=tcp:127.0.0.1:$port-169.254.0.15:80" \
    -device virtio-net-pci,netdev=n0 -daemonize -pidfile "$work/bare.pid"
  wait_health "$port"
  echo "$(now) - $t0" | bc
}
imago_boot() {  # NAME: seconds from `imago instances create` to healthy.
  local t0 port
  t0=$(now)
  "$IMAGO" instances create "$1" --image-family kit --ports 80 >/dev/null 2>&1
  port=$("$IMAGO" instances describe "$1" --format json | jq -r '.forwardedPorts[0].hostPort')
  wait_health "$port"
  echo "$(now) - $t0" | bc
}

# Warm-up (page cache, the kernel read out of the image once).
bare_boot >/dev/null
kill -9 "$(cat "$work/bare.pid")"
imago_boot warm >/dev/null
"$IMAGO" instances delete warm >/dev/null 2>&1

bare=() imago=() rss_bare=() rss_imago=()
for i in $(seq 1 "$runs"); do
  bare+=("$(bare_boot)")
  rss_bare+=("$(rss_mib "$(cat "$work/bare.pid")")")
  kill -9 "$(cat "$work/bare.pid")"
  sleep 0.5
  imago+=("$(imago_boot "b$i")")
  pid=$(cat "$IMAGO_HOME"/run/"$("$IMAGO" instances describe "b$i" --format json | jq -r .id)"/pid)
  rss_imago+=("$(rss_mib "$pid")")
  "$IMAGO" instances delete "b$i" >/dev/null 2>&1
  sleep 0.5
done
mb=$(printf '%s\n' "${bare[@]}" | median)
mi=$(printf '%s\n' "${imago[@]}" | median)
printf 'boot to healthy, %d runs each (%s)\n' "$runs" "$accel"
printf '  bare qemu-system-x86_64 (baseline): median %.2f s  [%s]\n' "$mb" "$(printf '%.2f ' "${bare[@]}")"
printf '  imago instances create:             median %.2f s  [%s]\n' "$mi" "$(printf '%.2f ' "${imago[@]}")"
printf '  overhead: %.3fx (goal <= 1.15x)\n' "$(echo "$mi / $mb" | bc -l)"
printf '  resident memory per VM: bare %s MiB, imago %s MiB (median)\n' \
  "$(printf '%s\n' "${rss_bare[@]}" | median)" "$(printf '%s\n' "${rss_imago[@]}" | median)"

# 4 instances created at once (4 imago processes), until all are healthy.
together=()
for r in 1 2 3; do
  t0=$(now)
  for k in 1 2 3 4; do "$IMAGO" instances create "p$r-$k" --image-family kit --ports 80 >/dev/null 2>&1 & done
  wait
  for k in 1 2 3 4; do
    wait_health "$("$IMAGO" instances describe "p$r-$k" --format json | jq -r '.forwardedPorts[0].hostPort')"
  done
  together+=("$(echo "$(now) - $t0" | bc)")
  rss=""
  for k in 1 2 3 4; do
    id=$("$IMAGO" instances describe "p$r-$k" --format json | jq -r .id)
    rss+="$(rss_mib "$(cat "$IMAGO_HOME/run/$id/pid")") "
  done
  "$IMAGO" instances delete "p$r-1" "p$r-2" "p$r-3" "p$r-4" >/dev/null 2>&1
  sleep 1
done
mt=$(printf '%s\n' "${together[@]}" | median)
printf '4 instances at once on %s cores, 3 runs: median %.2f s [%s] = %.2fx the single imago boot (goal <= 2x)\n' \
  "$(nproc)" "$mt" "$(printf '%.2f ' "${together[@]}")" "$(echo "$mt / $mi" | bc -l)"
printf '  resident memory of the 4 VMs (last run): %sMiB\n' "$rss"
