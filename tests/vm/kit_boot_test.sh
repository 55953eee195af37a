#!/usr/bin/env bash
# The kit's image boots for real (QEMU, software emulation where there is no
# KVM) with its own kernel, read out of the image; /health answers through a
# forwarded port; a startup-script served at 169.254.169.254 runs and writes a
# file the guest serves; the ACPI power button powers it off cleanly.
source "$(dirname "$0")/../cli/lib.sh"
: "${IMAGO_SRC:?}"
cache=${KIT_CACHE:-$WORK/cache}

bash "$IMAGO_SRC/images/busybox/build.sh" "$WORK/kit" "$cache" >/dev/null
disk=$WORK/kit/busybox.qcow2

# The image goes into the catalog like any other.
imago images create kit-v1 --source-file "$disk" --family kit >/dev/null 2>&1
expect_eq "kit image in the catalog" "$(imago images describe-from-family kit --format json | jq -r .status)" READY

# The kernel that boots is the image's own.
qemu-img convert -O raw "$disk" raw.img
kver=$(debugfs -R "cat /etc/kernel-version" raw.img 2>/dev/null)
[[ $kver == *cloud-amd64 ]] || fail "no kernel version in the image: '$kver'"
debugfs -R "dump /boot/vmlinuz-$kver vmlinuz" raw.img 2>/dev/null
[[ -s vmlinuz ]] || fail "no kernel in the image"
rm raw.img

web=$(free_port)
md=$(free_port)
# This test checks the kit itself, without imago's runtime (instances_test.sh
# boots it through imago, with imago's metadata server): Python's static
# file server plays the metadata server and only has to serve one path.
mkdir -p md/computeMetadata/v1/instance/attributes
printf '#!/bin/sh\necho "startup-script ran" > /www/proof.txt\n' \
  >md/computeMetadata/v1/instance/attributes/startup-script
(cd md && exec python3 -m http.server "$md" --bind 127.0.0.1 >/dev/null 2>&1) &
mdpid=$!
disown "$mdpid"
qemu-img create -q -f qcow2 -b "$disk" -F qcow2 vm.qcow2
# KVM only when it can work: /dev/kvm can exist on a CPU without vmx/svm
# (nested virtualisation off), and then guests hang instead of failing.
accel=tcg
if [[ -w /dev/kvm ]] && grep -qE 'vmx|svm' /proc/cpuinfo; then accel=kvm; fi
t0=$(date +%s.%N)
qemu-system-x86_64 -M pc -m 256 -smp 1 -accel "$accel" -display none -no-user-config -nodefaults \
  -serial file:serial.log -no-reboot \
  -kernel vmlinuz -append "root=/dev/nvme0n1 rw console=ttyS0 panic=-1" \
  -drive file=vm.qcow2,if=none,id=d0,format=qcow2 -device nvme,drive=d0,serial=root0 \
  -netdev "user,id=n0,net=169.254.0.0/16,host=169.254.0.2,dns=169.254.0.3,hostfwd=tcp:127.0.0.1:$web-169.254.0.15:80,guestfwd=tcp:169.254.169.254:80-cmd:socat STDIO TCP:127.0.0.1:$md" \
  -device virtio-net-pci,netdev=n0 \
  -qmp "unix:$WORK/qmp.sock,server=on,wait=off" -daemonize -pidfile "$WORK/qemu.pid"
qpid=$(cat "$WORK/qemu.pid")
trap 'kill -9 $qpid $mdpid 2>/dev/null || true; chmod -R u+w "$WORK" 2>/dev/null || true; rm -rf "$WORK" || true' EXIT

health=""
deadline=$((SECONDS + 90))  # Software emulation on a loaded machine is slow.
while [[ $SECONDS -lt $deadline ]]; do
  health=$(curl -s -m 0.3 "http://127.0.0.1:$web/health" || true)
  [[ $health == ok ]] && break
  sleep 0.05
done
[[ $health == ok ]] || fail "/health did not answer within 90 s; the guest's console said: $(tail -15 serial.log)"
echo "healthy after $(echo "$(date +%s.%N) - $t0" | bc) s"
proof=""
deadline=$((SECONDS + 30))
while [[ $SECONDS -lt $deadline ]]; do
  proof=$(curl -s -m 0.3 "http://127.0.0.1:$web/proof.txt" || true)
  [[ $proof == "startup-script ran" ]] && break
  sleep 0.05
done
expect_eq "the startup-script from 169.254.169.254 ran" "$proof" "startup-script ran"
expect_contains "the image's own kernel booted" "$(cat serial.log)" "imago-kit: up (kernel $kver)"

python3 - "$WORK/qmp.sock" <<'PY'
import json, socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); f = s.makefile("rw")
f.readline()
for cmd in ({"execute": "qmp_capabilities"}, {"execute": "system_powerdown"}):
    f.write(json.dumps(cmd) + "\n"); f.flush(); f.readline()
PY
for _ in $(seq 1 600); do
  kill -0 "$qpid" 2>/dev/null || break
  sleep 0.05
done
kill -0 "$qpid" 2>/dev/null && fail "QEMU still runs 30 s after the ACPI power button"
expect_contains "clean power-off" "$(cat serial.log)" "imago-kit: power button, powering off"
expect_contains "the kernel powered down" "$(cat serial.log)" "reboot: Power down"
echo "kit boot: ok"
