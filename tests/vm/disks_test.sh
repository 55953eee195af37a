#!/usr/bin/env bash
# Disks as a GCE guest sees them, with a real VM: each disk under
# /dev/disk/by-id/google-DEVICE_NAME (so that an fstab written for GCE
# works); a disk attached to a RUNNING instance (QMP hot-plug) appears there
# and can be written, and detached while it runs it goes; a disk the VM
# booted with detaches only when it is stopped (QEMU cannot unplug it), and
# the refusal says so and changes nothing; an attach cut short between the
# catalog and QEMU is put right by a detach.
source "$(dirname "$0")/../cli/lib.sh"
: "${IMAGO_SRC:?}"
cache=${KIT_CACHE:-$WORK/cache}
trap vm_test_cleanup EXIT

bash "$IMAGO_SRC/images/busybox/build.sh" "$WORK/kit" "$cache" >/dev/null
imago images create kit --source-file "$WORK/kit/busybox.qcow2" >/dev/null 2>&1
# The guest's page: its by-id links, refreshed every 0.5 s; and, once the
# hot-plugged disk is there, a file written to it and read back.
cat >boot.sh <<'EOF'
#!/bin/sh
while :; do
  ls /dev/disk/by-id | tr '\n' ' ' >/www/links.txt.new && mv /www/links.txt.new /www/links.txt
  if [ -e /dev/disk/by-id/google-hot ] && [ ! -e /run/hot-done ]; then
    mke2fs -q /dev/disk/by-id/google-hot && mkdir -p /mnt/hot &&
      mount /dev/disk/by-id/google-hot /mnt/hot && echo "written while running" >/mnt/hot/f &&
      umount /mnt/hot && touch /run/hot-done &&
      mount -o ro /dev/disk/by-id/google-hot /mnt/hot && cat /mnt/hot/f >/www/hot.new &&
      umount /mnt/hot && mv /www/hot.new /www/hot.txt
  fi
  sleep 0.5
done
EOF
imago disks create boot-data --size 1 >/dev/null 2>&1
imago disks create hot --size 1 >/dev/null 2>&1
imago instances create vm1 --image kit --ports 80 --disk name=boot-data \
  --metadata-from-file startup-script=boot.sh >/dev/null 2>&1
port=$(imago instances describe vm1 --format json | jq -r '.forwardedPorts[] | select(.guestPort == 80) | .hostPort')
links() { curl -s -m 2 "http://127.0.0.1:$port/links.txt" || true; }
until_links() {  # until_links WANT: the guest's links are WANT within 60 s.
  local got end=$((SECONDS + 60))
  while got=$(links) && [[ $got != "$1" ]] && ((SECONDS < end)); do sleep 0.5; done
  [[ $got == "$1" ]] || { imago instances get-serial-port-output vm1 2>/dev/null | tail -20 >&2; fail "links: got '$got', expected '$1'"; }
}

# 1. The disks it booted with, by device name.
until_links "google-boot-data google-vm1 "
# 2. Attached while it runs: hot-plugged, named, writable.
imago instances attach-disk vm1 --disk hot >attach.out 2>&1 || { cat attach.out; fail "attach to a running instance"; }
expect_eq "still running" "$(imago instances describe vm1 --format json | jq -r .status)" RUNNING
until_links "google-boot-data google-hot google-vm1 "
answer=$(wait_http "http://127.0.0.1:$port/hot.txt" 60 >/dev/null && curl -s "http://127.0.0.1:$port/hot.txt")
expect_eq "the guest wrote and read the hot-plugged disk" "$answer" "written while running"
# 3. Detached while it runs: gone from the guest and free for another.
imago instances detach-disk vm1 --disk hot >detach.out 2>&1 || { cat detach.out; fail "detach from a running instance"; }
until_links "google-boot-data google-vm1 "
expect_eq "hot is free" "$(imago disks describe hot --format json | jq -r '.users // [] | length')" 0
expect_eq "vm1 has two disks" "$(imago instances describe vm1 --format json | jq '.disks | length')" 2
# 4. A disk it booted with: refused while it runs, with the way out; nothing changed.
expect_rc 7 imago instances detach-disk vm1 --disk boot-data
expect_contains "the refusal says why" "$ERR" "was attached when it booted"
expect_eq "boot-data still attached" "$(imago disks describe boot-data --format json | jq -r '.users | length')" 1
# 5. An attach cut short between the catalog and QEMU (simulated: the disk
#    taken out of QEMU behind imago's back): the catalog says attached, the
#    VM has no such disk; detach puts the catalog right.
imago instances attach-disk vm1 --disk hot >attach2.out 2>&1 || { cat attach2.out; fail "attach again"; }
until_links "google-boot-data google-hot google-vm1 "
run_dir=$IMAGO_HOME/run/$(imago instances describe vm1 --format json | jq -r .id)
python3 - "$run_dir/qmp" <<'EOF'
import json, socket, sys, time
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); f = s.makefile('rw')
def cmd(c, **a):
    f.write(json.dumps({"execute": c, "arguments": a} if a else {"execute": c}) + "\n"); f.flush()
    while True:
        m = json.loads(f.readline())
        if "return" in m or "error" in m: return m
f.readline(); cmd("qmp_capabilities"); cmd("device_del", id="hp-hot")
for _ in range(200):
    if "return" in cmd("blockdev-del", **{"node-name": "hp-hot"}): sys.exit(0)
    time.sleep(0.1)
sys.exit("the guest never let go of hp-hot")
EOF
until_links "google-boot-data google-vm1 "
imago instances detach-disk vm1 --disk hot >detach2.out 2>&1 || { cat detach2.out; fail "detach of a disk the VM does not have"; }
expect_eq "hot is free again" "$(imago disks describe hot --format json | jq -r '.users // [] | length')" 0
expect_rc 7 imago instances detach-disk vm1 --disk boot-data  # Still refused: the VM uses it.
# 6. Free again: another instance boots with it.
imago instances create vm2 --image kit --disk name=hot >/dev/null 2>&1
expect_eq "vm2 runs with hot" "$(imago instances describe vm2 --format json | jq -r '[.disks[].deviceName] | join(" ")')" "vm2 hot"
echo "PASS: disks: by-id names at boot, hot-plug attach and detach on a running instance, boot disks detach when stopped"
