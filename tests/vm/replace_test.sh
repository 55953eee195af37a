#!/usr/bin/env bash
# The plain pattern for a stateful VM outside any group, with real VMs:
# `imago instances replace` stops the VM, detaches its data disk, deletes
# it, creates it again from a new image with the disk under the same device
# name, and waits until it serves; the guest keeps every line it wrote on
# the data disk, the VM keeps its name, address, labels, metadata and
# deletion protection, and the downtime is measured and printed. kill -9
# in the middle: the rerun finishes it (with another image when the one it
# was taking was deleted meanwhile) and no disk is lost. Bad input: one
# line, nothing changed. The same replacement through GCE's REST API (imago
# serve and --cloud gce).
source "$(dirname "$0")/../cli/lib.sh"
: "${IMAGO_SRC:?}"
cache=${KIT_CACHE:-$WORK/cache}
trap vm_test_cleanup EXIT

bash "$IMAGO_SRC/images/busybox/build.sh" "$WORK/kit" "$cache" >/dev/null
imago images create db-v1 --source-file "$WORK/kit/busybox.qcow2" --family db >/dev/null 2>&1
# The "database": a log on the data disk, a line per boot with the image the
# VM booted from; / answers with the whole log once it is written.
cat >db.sh <<'EOF'
#!/bin/sh
get() { wget -q -O - --header "Metadata-Flavor: Google" "http://169.254.169.254/computeMetadata/v1/instance/$1"; }
while [ ! -e /dev/disk/by-id/google-data ]; do sleep 0.2; done
mkdir -p /mnt/data
mount /dev/disk/by-id/google-data /mnt/data 2>/dev/null ||
  { mke2fs -q /dev/disk/by-id/google-data && mount /dev/disk/by-id/google-data /mnt/data; }
echo "$(get attributes/release)" >>/mnt/data/log
sync
tr '\n' ' ' </mnt/data/log >/www/.index && mv /www/.index /www/index.html
echo ok >/www/.ready && mv /www/.ready /www/ready
EOF
host_port() { imago instances describe db --format json | jq -r '.forwardedPorts[] | select(.guestPort == 80) | .hostPort'; }
page() {  # page WANT: what the VM answers, within 60 s of WANT (a boot under load).
  local got="" end=$((SECONDS + 60))
  while ((SECONDS < end)); do
    got=$(curl -s -m 3 "http://127.0.0.1:$(host_port)/" 2>/dev/null || true)
    [[ $got == "$1" ]] && break
    sleep 0.5
  done
  echo "$got"
}

imago disks create data --size 1GB >/dev/null 2>&1
imago instances create db --image db-v1 --ports 80 --metadata release=r1 \
  --metadata-from-file startup-script=db.sh --disk name=data,device-name=data \
  --labels tier=db --deletion-protection >/dev/null 2>&1
expect_eq "the first boot writes its line" "$(page 'r1 ')" "r1 "
ip1=$(imago instances describe db --format json | jq -r '.networkInterfaces[0].networkIP')
id1=$(imago instances describe db --format json | jq -r .id)

# --- bad input: one line each, nothing changes
expect_rc 2 imago instances replace db --yes
expect_contains "no image" "$ERR" "give exactly one of --image and --image-family"
expect_rc 4 imago instances replace nope --image db-v1 --yes
expect_rc 4 imago instances replace db --image nope --yes
expect_rc 3 imago instances replace db --image db-v1 --timeout soon --yes
expect_contains "bad timeout" "$ERR" "--timeout"
expect_rc 3 imago instances replace db --image db-v1 --health-path health --yes
[[ $(printf '%s\n' "$ERR" | wc -l) == 1 ]] || fail "error not one line: $ERR"
expect_rc 2 imago instances replace db --image db-v1 --metadata release=rX </dev/null
expect_contains "a script must say --yes" "$ERR" "give --yes"
expect_eq "the same image and metadata: no changes" \
  "$(imago instances replace db --image db-v1 --yes 2>/dev/null)" "replace db: no changes (db runs db-v1 with this metadata)"
expect_eq "still the first VM" "$(imago instances describe db --format json | jq -r .id)" "$id1"

# --- a new image: the plan, then the replacement with its downtime
imago images create db-v2 --source-file "$WORK/kit/busybox.qcow2" --family db >/dev/null 2>&1
plan=$(imago instances replace db --image-family db --metadata release=r2 --plan)
expect_contains "the plan says what goes" "$plan" "replace db in local-a: db-v1 -> db-v2"
expect_contains "the plan keeps the disk" "$plan" "= disk data"
expect_eq "--plan changes nothing" "$(imago instances describe db --format json | jq -r .id)" "$id1"
out=$(imago instances replace db --image-family db --metadata release=r2 --health-path /ready \
  --timeout 120s --yes --format json 2>err.txt) || fail "replace failed: $(cat err.txt)"
expect_contains "downtime printed" "$(cat err.txt)" "replaced db: db-v1 -> db-v2; downtime"
down=$(jq -r .downtimeSeconds <<<"$out")
[[ $(jq -r '.downtimeSeconds > 0 and ((.downtimeSeconds - .stopSeconds - .swapSeconds - .bootSeconds) | fabs) < 0.01' <<<"$out") == true ]] ||
  fail "downtime is not the sum of its parts: $out"
echo "downtime of the plain pattern: ${down} s" >&2
expect_eq "the VM read its old lines from the data disk and wrote its own" "$(page 'r1 r2 ')" "r1 r2 "
d=$(imago instances describe db --format json)
expect_eq "a new VM" "$(jq -r '.id != "'"$id1"'"' <<<"$d")" true
expect_eq "same name, new image" "$(imago disks describe db --format json | jq -r '.sourceImage | split("/") | last')" db-v2
expect_eq "same address" "$(jq -r '.networkInterfaces[0].networkIP' <<<"$d")" "$ip1"
expect_eq "labels kept" "$(jq -r .labels.tier <<<"$d")" db
expect_eq "deletion protection kept" "$(jq -r .deletionProtection <<<"$d")" true
expect_eq "data disk by device name" "$(jq -r '[.disks[] | select(.boot | not) | .deviceName] | join(",")' <<<"$d")" data
expect_eq "the old boot disk went with the old VM, the data disk stayed" \
  "$(imago disks list --format json | jq -r '[.[].name] | sort | join(",")')" "data,db"
expect_eq "no record left" "$(imago project-info describe --format json | jq -r '[.commonInstanceMetadata.items // [] | .[] | select(.key | startswith("imago-replace"))] | length')" 0

# --- kill -9 in the middle: the rerun finishes it, the disk survives
imago images create db-v3 --source-file "$WORK/kit/busybox.qcow2" --family db >/dev/null 2>&1
"$IMAGO" instances replace db --image db-v3 --metadata release=r3 --health-path /ready --yes >kill.out 2>&1 &
rp=$!
end=$((SECONDS + 60))
until grep -q "detached data" kill.out || ((SECONDS > end)); do sleep 0.05; done
grep -q "detached data" kill.out || fail "no detach seen: $(cat kill.out)"
kill -9 "$rp"
wait "$rp" 2>/dev/null || true
plan=$(imago instances replace db --image db-v3 --plan)
expect_contains "the rerun sees the interrupted replacement" "$plan" "continuing an interrupted replacement"
# The image the interrupted run was taking is deleted meanwhile: that one is
# refused in one line; the rerun takes the image it is given instead.
imago images delete db-v3 --quiet >/dev/null 2>&1 || fail "delete db-v3"
imago images create db-v3b --source-file "$WORK/kit/busybox.qcow2" --family db >/dev/null 2>&1
expect_rc 4 imago instances replace db --image db-v3 --metadata release=r3 --yes
plan=$(imago instances replace db --image db-v3b --plan)
expect_contains "the resume takes the image given" "$plan" "db-v2 -> db-v3b (continuing an interrupted replacement)"
expect_contains "and says what the record had" "$plan" "the interrupted run was taking db-v3"
imago instances replace db --image db-v3b --metadata release=r3 --health-path /ready --yes >/dev/null 2>err.txt ||
  fail "rerun failed: $(cat err.txt)"
expect_contains "the rerun finished it" "$(cat err.txt)" "replaced db: db-v2 -> db-v3b"
expect_eq "every line kept" "$(page 'r1 r2 r3 ')" "r1 r2 r3 "
expect_eq "one VM, one data disk, one boot disk" \
  "$(imago instances list --format json | jq length) $(imago disks list --format json | jq -r '[.[].name] | sort | join(",")')" "1 data,db"
expect_eq "QEMUs running" "$(qemu_count "$IMAGO_HOME")" 1

# --- the same through GCE's REST API: imago serve, and imago --cloud gce
#     (GceClient over HTTP) making the stop, detachDisk, setDeletionProtection,
#     delete and insert calls a replacement on Google Compute Engine makes
start_serve
gce() { "$IMAGO" --cloud gce --project local --zone local-a \
  --endpoint "http://127.0.0.1:$port/compute/v1/" "$@"; }
imago images create db-v4 --source-file "$WORK/kit/busybox.qcow2" --family db >/dev/null 2>&1
gce instances replace db --image-family db --metadata release=r4 --health-path /ready --timeout 120s \
  --yes >/dev/null 2>err.txt || fail "replace through the API failed: $(cat err.txt)"
expect_contains "replaced through the API" "$(cat err.txt)" "replaced db: db-v3b -> db-v4"
expect_eq "every line kept through the API" "$(page 'r1 r2 r3 r4 ')" "r1 r2 r3 r4 "
d=$(imago instances describe db --format json)
expect_eq "through the API: same address, labels, protection, device" \
  "$(jq -r '[.networkInterfaces[0].networkIP, .labels.tier, (.deletionProtection | tostring), ([.disks[] | select(.boot | not) | .deviceName] | join(","))] | join(" ")' <<<"$d")" \
  "$ip1 db true data"
expect_eq "through the API: one VM, its disks" \
  "$(imago instances list --format json | jq length) $(imago disks list --format json | jq -r '[.[].name] | sort | join(",")')" "1 data,db"
expect_eq "QEMUs running after the API's replacement" "$(qemu_count "$IMAGO_HOME")" 1
kill -0 "$server" || fail "imago serve died: $(cat serve.log)"
