#!/usr/bin/env bash
# Bake time of the examples' app image (Ansible: examples/bake/ansible/app.yml)
# on the same source image, three ways, interleaved in this one script:
#   imago  - `imago bake` (builder VM, guest agent, image of the disk, clean-up)
#   packer - Debian's packer 1.6.6: qemu builder, disk_image, use_backing_file
#            false, its SSH communicator, its ansible provisioner
#   floor  - a bare qemu-system-x86_64 boot of the same disk + the same
#            ansible-playbook over SSH + power-off: nothing but the work
# All three: the same kernel and command line, 1 vCPU and 2 GiB (e2-small),
# the root on NVMe, user networking; the guest's metadata requests are
# answered 404 at once where there is no metadata server (packer, floor).
#
#   bench/bake_bench.sh [IMAGO] [KIT_DEBIAN] [RUNS]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
source "$here/tests/lib/helpers.sh"
IMAGO=${1:-$here/build/imago}
KIT=${2:-$here/build/kit/debian.qcow2}
RUNS=${3:-3}
command -v packer >/dev/null || { echo "bake_bench: needs packer (apt-get install packer)" >&2; exit 1; }
W=$(mktemp -d /tmp/imago-bakebench-XXXXXX)
export IMAGO_HOME=$W/home
trap 'kill_vms "$IMAGO_HOME"; kill_descendants $$; rm -rf "$W" || true' EXIT
cd "$W"
export ANSIBLE_HOST_KEY_CHECKING=False ANSIBLE_PIPELINING=True ANSIBLE_NOCOLOR=1 \
  ANSIBLE_RETRY_FILES_ENABLED=False

# The source image: the examples' base, plus an SSH key for packer and the floor.
"$IMAGO" images create kit-debian-v1 --source-file "$KIT" --family kit-debian >/dev/null 2>&1
cp -r "$here/examples/bake" specs
rm -rf specs/out
ssh-keygen -q -t ed25519 -N "" -f "$W/id"
mkdir -p specs/files/ssh && cp "$W/id.pub" specs/files/ssh/authorized_keys
cat >specs/src.yaml <<'YAML'
family: bench-src
source: {image_family: example-base}
provisioners:
  - type: file
    source: files/ssh/authorized_keys
    destination: /root/.ssh/authorized_keys
  - type: shell
    inline: ["chmod 700 /root/.ssh", "chmod 600 /root/.ssh/authorized_keys"]
YAML
sed -e 's/image_family: example-base/image_family: bench-src/' -e 's/family: example-app/family: bench-app/' \
  -e '/^manifest:/d' specs/app.yaml >specs/bench-app.yaml
"$IMAGO" bake specs/base.yaml specs/src.yaml >/dev/null 2>&1
d=$("$IMAGO" disks create flat --image-family bench-src --format json 2>/dev/null | jq -r .id)
qemu-img convert -O qcow2 "$IMAGO_HOME/disks/$d.qcow2" src.qcow2
"$IMAGO" disks delete flat -q >/dev/null 2>&1
dpkg-deb -x "$(ls "$here"/build/kit-cache/linux-image-*.deb | head -1)" kernel
vmlinuz=$(ls "$W"/kernel/boot/vmlinuz-*)
cmdline="root=/dev/nvme0n1 rw console=ttyS0 panic=-1"
nometa="guestfwd=tcp:169.254.169.254:80-cmd:printf 'HTTP/1.0 404 Not Found\\r\\nContent-Length: 0\\r\\n\\r\\n'"
vars=(-e app_version=1.0.0 -e "greeting=Hello from an immutable VM")

cat >packer.json <<JSON
{
  "builders": [{
    "type": "qemu",
    "iso_url": "$W/src.qcow2",
    "iso_checksum": "none",
    "disk_image": true,
    "use_backing_file": false,
    "format": "qcow2",
    "accelerator": "tcg",
    "headless": true,
    "output_directory": "$W/packer-out",
    "vm_name": "app.qcow2",
    "memory": 2048,
    "cpus": 1,
    "communicator": "ssh",
    "ssh_username": "root",
    "ssh_private_key_file": "$W/id",
    "ssh_timeout": "10m",
    "shutdown_command": "poweroff",
    "qemuargs": [
      ["-kernel", "$vmlinuz"],
      ["-append", "$cmdline"],
      ["-drive", "file=$W/packer-out/app.qcow2,if=none,id=d0,format=qcow2"],
      ["-device", "nvme,drive=d0,serial=root0"],
      ["-netdev", "user,id=user.0,net=169.254.0.0/16,host=169.254.0.2,dns=169.254.0.3,hostfwd=tcp::{{ .SSHHostPort }}-169.254.0.15:22,$nometa"],
      ["-device", "virtio-net-pci,netdev=user.0"]
    ]
  }],
  "provisioners": [{
    "type": "ansible",
    "playbook_file": "$W/specs/ansible/app.yml",
    "user": "root",
    "use_proxy": false,
    "extra_arguments": ["-e", "app_version=1.0.0", "-e", "greeting=Hello from an immutable VM"]
  }]
}
JSON

run_imago() {
  "$IMAGO" bake specs/bench-app.yaml --force >imago.log 2>&1
}
run_packer() {
  rm -rf packer-out
  PACKER_LOG=0 packer build -color=false packer.json >packer.log 2>&1
}
run_floor() {
  qemu-img create -q -f qcow2 -b "$W/src.qcow2" -F qcow2 floor.qcow2
  local port
  port=$(free_port)
  qemu-system-x86_64 -M pc -accel tcg -smp 1 -m 2048 -display none -nodefaults -no-user-config \
    -serial file:floor.serial -kernel "$vmlinuz" -append "$cmdline" \
    -drive file=floor.qcow2,if=none,id=d0,format=qcow2 -device nvme,drive=d0,serial=root0 \
    -netdev "user,id=n0,net=169.254.0.0/16,host=169.254.0.2,dns=169.254.0.3,hostfwd=tcp:127.0.0.1:$port-169.254.0.15:22,$nometa" \
    -device virtio-net-pci,netdev=n0 &
  local qemu=$!
  local ssh=(ssh -q -i "$W/id" -p "$port" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
    -o ConnectTimeout=2 root@127.0.0.1)
  until "${ssh[@]}" true 2>/dev/null; do sleep 0.2; done
  ansible-playbook -i "127.0.0.1," -u root --private-key "$W/id" -e "ansible_port=$port" \
    "${vars[@]}" specs/ansible/app.yml >floor.log 2>&1
  "${ssh[@]}" poweroff 2>/dev/null || true
  wait $qemu || true
  rm -f floor.qcow2
}
declare -A times
for kind in imago packer floor; do times[$kind]=""; done
for r in $(seq 1 "$RUNS"); do
  for kind in imago packer floor; do
    t0=$(date +%s.%N)
    "run_$kind" || { echo "bake_bench: $kind failed (run $r):" >&2; tail -20 "$kind.log" >&2; exit 1; }
    # The same work was done: the playbook's four tasks ran and succeeded.
    grep -q "ok=4 .*failed=0" "$kind.log" || { echo "bake_bench: $kind did not run the playbook:" >&2; tail -20 "$kind.log" >&2; exit 1; }
    t=$(echo "$(date +%s.%N) - $t0" | bc)
    times[$kind]+="$t "
    printf 'run %d %-6s %6.1f s\n' "$r" "$kind" "$t"
  done
done
mi=$(echo "${times[imago]}" | median)
mp=$(echo "${times[packer]}" | median)
mf=$(echo "${times[floor]}" | median)
printf 'median of %d: imago %.1f s, packer %.1f s, floor %.1f s\n' "$RUNS" "$mi" "$mp" "$mf"
awk -v i="$mi" -v p="$mp" -v f="$mf" 'BEGIN {
  printf "imago / packer: %.2f (goal <= 0.50)\nimago / floor:  %.2f (goal <= 1.30)\n", i / p, i / f }'
