#!/usr/bin/env bash
# The time to clone prod's data into dev (issue 16): a prod environment of
# one VM whose 1 GiB data disk the guest has filled with 1 GiB of data that
# does not compress; `imago env clone-data dev` (snapshot of the running
# VM's disk, dev's disk made from it; no restore, no scrub: the data path)
# against the floor, in the same script, of a plain `qemu-img convert` of
# that disk's file to a new qcow2. Runs RUNS times (default 3); medians.
#
#   IMAGO=build/imago bash bench/clone_bench.sh [RUNS]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
bench_start clonebench
runs=${1:-3}
imago images create db-v0 --source-file "$kit/busybox.qcow2" --family db >/dev/null 2>&1
mkdir environments
# Fills the data disk with 1 GiB: 16 MiB of random bytes, 64 times (zlib's
# window is 32 KiB: it finds no repeats), then says so on /www.
cat >environments/db.sh <<'EOF'
#!/bin/sh
while [ ! -e /dev/disk/by-id/google-data ]; do sleep 0.1; done
head -c 16777216 /dev/urandom >/tmp/chunk
i=0
while [ $i -lt 64 ]; do cat /tmp/chunk; i=$((i + 1)); done >/dev/disk/by-id/google-data
sync
echo filled >/www/index.html
EOF
port=$(free_port)
cat >environments/prod.yaml <<EOF
service: bench
image: {family: db}
size: 1
files: {startup-script: db.sh}
data_disks: {data: {size: 1GB}}
health_check: {path: /health, interval: 1s, timeout: 1s, initial_delay: 120s}
load_balancer: {port: $port}
timeout: 5m
EOF
printf 'service: bench\nimage: {family: db}\nsize: 1\ndata_disks: {data: {size: 1GB}}\nload_balancer: {port: %s}\n' \
  "$(free_port)" >environments/dev.yaml
imago deploy prod --yes >deploy.out 2>&1 || { cat deploy.out >&2; exit 1; }
end=$((SECONDS + 600))
until [[ $(curl -s -m 2 "http://127.0.0.1:$port/") == filled ]]; do
  ((SECONDS < end)) || { echo "clone_bench: the guest did not fill its disk in 600 s" >&2; exit 1; }
  sleep 1
done
disk_file=$IMAGO_HOME/disks/$(imago disks describe bench-prod-001-data --format json | jq -r .id).qcow2
echo "prod's data disk: $(qemu-img info --output json -U "$disk_file" | jq '."actual-size"') bytes in its file" >&2

floor=() clone=()
for r in $(seq 1 "$runs"); do
  rm -f copy.qcow2
  t0=$(now)
  qemu-img convert -U -O qcow2 "$disk_file" copy.qcow2
  floor+=("$(echo "$(now) - $t0" | bc)")
  t0=$(now)
  imago env clone-data dev --from prod --yes >clone.out 2>&1 || { cat clone.out >&2; exit 1; }
  clone+=("$(echo "$(now) - $t0" | bc)")
  imago env destroy dev --yes >destroy.out 2>&1 || { cat destroy.out >&2; exit 1; }
  echo "run $r: qemu-img convert ${floor[-1]} s, env clone-data ${clone[-1]} s" >&2
done
printf 'clone of a 1 GiB data disk into dev: %6.1f s   floor, qemu-img convert of the disk: %6.1f s   ratio %.2fx\n' \
  "$(median <<<"${clone[*]}")" "$(median <<<"${floor[*]}")" \
  "$(echo "$(median <<<"${clone[*]}") / $(median <<<"${floor[*]}")" | bc -l)"
