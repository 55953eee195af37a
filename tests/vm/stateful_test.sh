#!/usr/bin/env bash
# Stateful environments with real VMs: data_disks in an environment file
# make a stateful group (statefulPolicy.preservedState, RECREATE, no surge):
# each VM keeps its data disk, by name, across releases (a new configuration
# and a new image), the boot disk is made anew; the guest finds it under
# /dev/disk/by-id/google-data; only env destroy deletes it. Red/black with
# data disks is refused with FILE:LINE before anything changes.
source "$(dirname "$0")/../cli/lib.sh"
: "${IMAGO_SRC:?}"
cache=${KIT_CACHE:-$WORK/cache}
trap vm_test_cleanup EXIT

bash "$IMAGO_SRC/images/busybox/build.sh" "$WORK/kit" "$cache" >/dev/null
imago images create db-v1 --source-file "$WORK/kit/busybox.qcow2" --family db >/dev/null 2>&1
mkdir environments
# The "database": a log on the data disk, one line per boot with the
# release; / answers with the whole log.
cat >environments/db.sh <<'EOF'
#!/bin/sh
get() { wget -q -O - --header "Metadata-Flavor: Google" "http://169.254.169.254/computeMetadata/v1/instance/attributes/$1"; }
while [ ! -e /dev/disk/by-id/google-data ]; do sleep 0.2; done
mkdir -p /mnt/data
mount /dev/disk/by-id/google-data /mnt/data 2>/dev/null ||
  { mke2fs -q /dev/disk/by-id/google-data && mount /dev/disk/by-id/google-data /mnt/data; }
echo "$(get RELEASE)" >>/mnt/data/log
sync
tr '\n' ' ' </mnt/data/log >/www/index.html
EOF
port=$(free_port)
env_file() {  # env_file RELEASE [STRATEGY]
  cat >environments/db.yaml <<EOF
service: pg
image: {family: db}
size: 1
config: {RELEASE: $1}
files: {startup-script: db.sh}
data_disks:
  data: {size: 1GB}
health_check: {path: /health, interval: 1s, timeout: 1s, initial_delay: 120s}
load_balancer: {port: $port}
timeout: 120s
${2:-}
EOF
}
page() {  # page WANT: the log the service answers, within 20 s of WANT.
  local got end=$((SECONDS + 20))
  while got=$(curl -s -m 3 "http://127.0.0.1:$port/") && [[ $got != "$1" ]] && ((SECONDS < end)); do sleep 0.5; done
  echo "$got"
}

# 1. Red/black cannot keep a VM's disk: refused before anything changes.
env_file r1 "strategy: red-black"
expect_rc 3 imago deploy db --yes
expect_contains "red/black refused" "$ERR" "environments/db.yaml:11: key 'strategy': red-black makes new VMs in a new group"
expect_eq "no disk made" "$(imago disks list --format json | jq length)" 0

# 2. The first release makes the data disk; the VM writes to it.
env_file r1
plan=$(imago deploy db --plan 2>&1)
expect_contains "the plan names the disk" "$plan" "1 data disk(s) each VM keeps across releases"
imago deploy db --yes >r1.out 2>&1 || { cat r1.out; fail "release 1"; }
expect_eq "release 1 wrote its line" "$(page "r1 ")" "r1 "
vm=$(imago instances list --format json | jq -r '.[0].name')
expect_eq "the data disk is named for its VM" "$(imago disks list --format json | jq -r '[.[] | select(.name | endswith("-data"))] | .[0].name')" "$vm-data"
expect_eq "the group is stateful" "$(imago instance-groups managed describe pg-db --format json | jq -c '.statefulPolicy.preservedState.disks')" '{"data":{"autoDelete":"NEVER"}}'
boot1=$(imago disks describe "$vm" --format json | jq -r .id)

# 3. A new release (new configuration, then a new image): the VM is
#    recreated with the same name and a new boot disk; the data disk and
#    its content stay.
env_file r2
t0=$(now)
imago deploy db --yes >r2.out 2>&1 || { cat r2.out; fail "release 2"; }
echo "stateful replacement of 1 VM (stop, new boot disk, reattach, healthy): $(echo "$(now) - $t0" | bc) s"
expect_contains "deploy measured the replacement's downtime" "$(cat r2.out)" "pg-db: no healthy instance for"
[[ $(cat r1.out) != *downtime* ]] || fail "a first release printed a downtime: $(cat r1.out)"
grep -o "pg-db: no healthy instance for [0-9.]* s" r2.out
expect_eq "release 2 read release 1's data" "$(page "r1 r2 ")" "r1 r2 "
expect_eq "same VM name" "$(imago instances list --format json | jq -r '.[0].name')" "$vm"
[[ $(imago disks describe "$vm" --format json | jq -r .id) != "$boot1" ]] || fail "the boot disk was not made anew"
imago images create db-v2 --source-file "$WORK/kit/busybox.qcow2" --family db >/dev/null 2>&1
env_file r3
imago deploy db --yes >r3.out 2>&1 || { cat r3.out; fail "release 3 (new image)"; }
expect_eq "release 3 on a new image read it all" "$(page "r1 r2 r3 ")" "r1 r2 r3 "
expect_eq "still one data disk" "$(imago disks list --format json | jq -r '[.[] | select(.name | endswith("-data"))] | length')" 1

# 4. Only env destroy deletes it.
imago env destroy db --yes >destroy.out 2>&1 || { cat destroy.out; fail "env destroy"; }
expect_contains "destroy says so" "$(cat destroy.out)" "deleted data disk $vm-data"
expect_eq "no disk left" "$(imago disks list --format json | jq length)" 0
echo "PASS: stateful: a data disk kept by its VM across a config and an image release, deleted only by env destroy"
