#!/usr/bin/env bash
# Instances on the local cloud, end to end with real VMs (QEMU; software
# emulation where there is no KVM), through the imago command line:
#   - boot from an image family; /health through the forwarded port;
#   - a startup-script from the metadata server runs, and each guest reads
#     its own metadata there;
#   - stop/start keeps the disk's content; reset reboots;
#   - a data disk moves with its content from one instance to a new one;
#   - bad input: one line, the documented exit code, nothing created;
#   - a killed QEMU shows TERMINATED; kill -9 of imago while it creates an
#     instance leaves a consistent state and nothing behind;
#   - rotation sees instances' disks as users of their image;
#   - deletion protection refuses a delete until it is cleared;
#   - delete leaves nothing: no process, no file.
source "$(dirname "$0")/../cli/lib.sh"
: "${IMAGO_SRC:?}"
cache=${KIT_CACHE:-$WORK/cache}
trap vm_test_cleanup EXIT

bash "$IMAGO_SRC/images/busybox/build.sh" "$WORK/kit" "$cache" >/dev/null
imago images create kit-v1 --source-file "$WORK/kit/busybox.qcow2" --family kit >/dev/null 2>&1

vm_json() { imago instances describe "$1" --format json; }
host_port() { vm_json "$1" | jq -r '.forwardedPorts[] | select(.guestPort == 80) | .hostPort'; }
# answer URL [SECONDS [VM]]: the body once the guest answers 200 (wait_http),
# or fail (with the end of VM's serial console, to tell why).
answer() {
  wait_http "$1" "${2:-60}" && return 0
  [[ -z ${3:-} ]] || imago instances get-serial-port-output "$3" 2>/dev/null | tail -40 >&2
  fail "no answer from $1 in ${2:-60} s"
}
qemus() { qemu_count "$IMAGO_HOME"; }
# wait_boots PORT N VM: until boots.txt lists N boots (/www is on the root disk,
# so the file of the last boot is served until the startup-script rewrites it).
wait_boots() {
  local end=$((SECONDS + 90)) n=0 vm=$3
  while ((SECONDS < end)); do
    n=$(curl -sf -m 0.5 "http://127.0.0.1:$1/boots.txt" 2>/dev/null | grep -c boot || true)
    [[ $n == "$2" ]] && return 0
    sleep 0.2
  done
  imago instances get-serial-port-output "$vm" 2>/dev/null | tail -20 >&2
  fail "boots.txt lists $n boots, expected $2"
}

cat >boot.sh <<'SH'
#!/bin/sh
# Proves the script ran, what the guest's own metadata says, and that the
# root disk keeps what was written on earlier boots. Every file in /www is
# written beside and renamed into place: the test polls for the first answer,
# and httpd would serve a file that cp or wget has created but not yet filled.
md=http://169.254.169.254/computeMetadata/v1/instance
put() { cat >"/www/.$1" && mv "/www/.$1" "/www/$1"; }  # put NAME <CONTENT
echo "startup-script ran" | put proof.txt
echo "hello from boot.sh on the console"
timeout 5 wget -q -O - --header 'Metadata-Flavor: Google' "$md/name" | put name.txt
timeout 5 wget -q -O - --header 'Metadata-Flavor: Google' "$md/attributes/role" | put role.txt
echo boot >>/root/boots
sync  # A reset (hard) must not lose it.
put boots.txt </root/boots
ls -l /dev/nvme* >/dev/console 2>&1  # What the guest sees (for a failure's serial log).
if [ -b /dev/nvme0n2 ]; then  # The second disk of the instance.
  mkdir -p /data && mount /dev/nvme0n2 /data
  if [ "$(cat /www/role.txt)" = writer ]; then echo "written by $(cat /www/name.txt)" >/data/data.txt; fi
  sync
  [ -f /data/data.txt ] && put data.txt </data/data.txt
fi
SH

# --- boot from a family; the startup-script and the guest's own metadata
imago instances create vm1 --image-family kit --ports 80 --metadata role=web \
  --metadata-from-file startup-script=boot.sh --labels env=test --tags http-server,web \
  --boot-disk-size 2GB >out.txt 2>err.txt
expect_contains "family resolved and printed" "$(cat err.txt)" "Resolved family kit to image kit-v1"
expect_contains "table row" "$(cat out.txt)" "RUNNING"
p1=$(host_port vm1)
[[ $p1 =~ ^[0-9]+$ ]] || fail "no forwarded port for vm1: '$p1'"
expect_eq "/health of vm1" "$(answer "http://127.0.0.1:$p1/health")" ok
expect_eq "startup-script of vm1" "$(answer "http://127.0.0.1:$p1/proof.txt")" "startup-script ran"
expect_eq "vm1 reads its own name" "$(answer "http://127.0.0.1:$p1/name.txt")" vm1
expect_eq "vm1 reads its own attribute" "$(answer "http://127.0.0.1:$p1/role.txt")" web
expect_eq "first boot" "$(answer "http://127.0.0.1:$p1/boots.txt" | grep -c boot)" 1
# The script's last lines run after boots.txt is in place: give them 30 s.
serial_end=$((SECONDS + 30))
until imago instances get-serial-port-output vm1 2>/dev/null | grep -q "imago-kit: startup-script exited" ||
  ((SECONDS > serial_end)); do sleep 0.2; done
expect_contains "serial console" "$(imago instances get-serial-port-output vm1 2>/dev/null)" \
  "imago-kit: startup-script exited 0"
expect_contains "the startup-script's output, on the console as on GCE" \
  "$(imago instances get-serial-port-output vm1 2>/dev/null)" "startup-script: hello from boot.sh on the console"
expect_eq "--tags kept on the instance" "$(vm_json vm1 | jq -c .tags.items)" '["http-server","web"]'
expect_eq "--boot-disk-size 2GB" "$(imago disks describe vm1 --format json | jq -r .sizeGb)" 2
# Zones as gcloud treats them: the list spans them, describe finds the name.
expect_eq "instances list spans the zones (the configured one too)" "$(IMAGO_ZONE=local-b "$IMAGO" instances list --format json | jq -r '[.[].name] | index("vm1") != null')" true
expect_eq "--zones narrows it" "$(imago instances list --zones local-b --format json | jq length)" 0
expect_eq "so does a --zone typed on the command line" "$("$IMAGO" --zone local-b instances list --format json | jq length)" 0
expect_eq "describe from another zone finds it" "$("$IMAGO" --zone local-b instances describe vm1 --format json 2>/dev/null | jq -r .name)" vm1
expect_rc 4 "$IMAGO" --zone local-b instances stop vm1
expect_contains "a verb never acts in another zone; it says where" "$ERR" "instance vm1 is in zone local-a: add --zone local-a"
disk1=$(vm_json vm1 | jq -r '.disks[0].source')
expect_eq "boot disk from the family's image" \
  "$(imago disks describe vm1 --format json | jq -r .sourceImage)" \
  "$(imago images describe kit-v1 --format json | jq -r .selfLink)"
expect_contains "boot disk in use" "$disk1" "/zones/local-a/disks/vm1"

# --- instances ssh (the busybox kit: dropbear), as gcloud compute ssh: a key
# made in ~/.ssh, added to ssh-keys; the remote command's exit code is
# imago's; another user is made in the guest for its key.
sshh=$WORK/user  # Not the real ~/.ssh of whoever runs the tests.
rc=0
out=$(HOME=$sshh USER=root imago instances ssh vm1 --command 'cat /www/name.txt; exit 3' 2>ssh.err) || rc=$?
[[ $rc == 3 ]] || fail "ssh: the remote command's exit code: got $rc, expected 3: $(cat ssh.err)"
expect_eq "ssh: it ran in the guest" "$out" vm1
[[ -f $sshh/.ssh/google_compute_engine && -f $sshh/.ssh/google_compute_engine.pub ]] ||
  fail "ssh: no key made in ~/.ssh: $(cat ssh.err)"
expect_contains "ssh: the key in the instance's ssh-keys" \
  "$(vm_json vm1 | jq -r '.metadata.items[] | select(.key == "ssh-keys") | .value')" "root:ssh-ed25519 "
out=$(HOME=$sshh imago instances ssh bob@vm1 -- id -un 2>ssh.err) || fail "ssh as bob: $(cat ssh.err)"
expect_eq "ssh: a user made for its key (args after -- go to ssh)" "$out" bob
expect_eq "ssh: both users' keys kept" \
  "$(vm_json vm1 | jq -r '.metadata.items[] | select(.key == "ssh-keys") | .value' | cut -d: -f1 | tr '\n' ' ')" "root bob "
expect_contains "ssh --dry-run: the ssh command, with the forwarded port" \
  "$(HOME=$sshh imago instances ssh vm1 --dry-run --command true)" \
  "'-p' '$(vm_json vm1 | jq -r '.forwardedPorts[] | select(.guestPort == 22) | .hostPort')'"
expect_rc 4 env HOME="$sshh" "$IMAGO" instances ssh nosuch --command true
expect_rc 2 env HOME="$sshh" "$IMAGO" instances ssh Root@vm1 --command true
expect_contains "ssh: a bad user name, one line" "$ERR" "'Root' is not a user name a guest can have"
expect_rc 2 env HOME="$sshh" "$IMAGO" instances ssh vm1 --strict-host-key-checking maybe

# A second instance sees its own metadata, not vm1's.
imago instances create vm2 --image kit-v1 --ports 80 --metadata role=other \
  --metadata-from-file startup-script=boot.sh >/dev/null 2>&1
p2=$(host_port vm2)
expect_eq "vm2 reads its own name" "$(answer "http://127.0.0.1:$p2/name.txt")" vm2
expect_eq "vm2 reads its own attribute" "$(answer "http://127.0.0.1:$p2/role.txt")" other

# --- bad input: one line, the documented exit code, nothing created
before_disks=$(imago disks list --format json | jq length)
expect_rc 3 imago instances create bad1 --image no-such-image
expect_contains "unknown image" "$ERR" "cannot be found"
expect_rc 4 imago instances create bad1 --image-family no-such-family
expect_contains "unknown family" "$ERR" "family/no-such-family"
imago images create kit-old --source-image kit-v1 >/dev/null 2>&1
imago images deprecate kit-old --state OBSOLETE >/dev/null 2>&1
expect_rc 3 imago instances create bad1 --image kit-old
expect_contains "obsolete image" "$ERR" "obsolete"
imago images deprecate kit-old --state DELETED >/dev/null 2>&1
expect_rc 3 imago instances create bad1 --image kit-old
expect_contains "deleted image" "$ERR" "deleted"
expect_rc 5 imago instances create vm1 --image kit-v1
expect_contains "duplicate name" "$ERR" "already exists"
expect_rc 7 imago instances create bad1 --image kit-v1 --ports "$p1:80"
expect_contains "port clash" "$ERR" "Host port $p1 is already in use"
expect_rc 3 imago instances create bad1 --image kit-v1 --machine-type custom-1-99999999
expect_contains "too much memory" "$ERR" "this host has"
expect_rc 3 imago instances create bad1 --image kit-v1 --machine-type n9-huge
expect_contains "unknown machine type" "$ERR" "Unknown machine type"
expect_rc 3 imago instances create bad1 --image kit-v1 --ports 80,99999
expect_contains "bad ports" "$ERR" "1-65535"
expect_rc 3 imago instances create bad1 --image kit-v1 --metadata 'bad key=1'
expect_rc 3 imago instances create bad1 --image kit-v1 --metadata-from-file startup-script=/nonexistent
expect_rc 4 imago instances create bad1 --image kit-v1 --zone mars-a
expect_rc 2 imago instances create bad1
expect_rc 7 imago disks delete vm1
expect_contains "attached disk" "$ERR" "already being used by 'projects/local/zones/local-a/instances/vm1'"
expect_rc 4 imago instances describe nope
expect_rc 7 imago instances attach-disk vm1 --disk vm2
[[ $(printf '%s\n' "$ERR" | wc -l) == 1 ]] || fail "error not one line: $ERR"
expect_eq "no instance from bad input" "$(imago instances list --format json | jq -r '.[].name' | sort | tr '\n' ' ')" "vm1 vm2 "
expect_eq "no disk from bad input" "$(imago disks list --format json | jq length)" "$before_disks"
expect_eq "QEMUs running" "$(qemus)" 2

# --- rotation sees the instance's disk as a user of its image
imago images create kit-v2 --source-file "$WORK/kit/busybox.qcow2" --family kit >/dev/null 2>&1
imago images create kit-v3 --source-file "$WORK/kit/busybox.qcow2" --family kit >/dev/null 2>&1
why=$(imago rotate --family kit --dry-run --format json --now "$(date -u -d '+60 days' +%FT%TZ)" |
  jq -r '.skipped[] | select(.image == "kit-v1") | .reason')
expect_contains "rotation keeps an image an instance uses" "$why" "in use by instance"
# ... and images outdated names the VMs that run what their family moved past.
expect_eq "images outdated: the VMs on kit-v1" \
  "$(imago images outdated --format json | jq -r '[.[] | select(.kind == "instance") | "\(.name) \(.zone): \(.why)"] | sort | join("; ")')" \
  "vm1 local-a: kit-v1 is no longer the head of kit (now kit-v3); vm2 local-a: kit-v1 is no longer the head of kit (now kit-v3)"

# --- stop/start keeps the disk's content; reset reboots
imago instances stop vm1 >/dev/null 2>&1
expect_eq "stopped" "$(vm_json vm1 | jq -r .status)" TERMINATED
expect_rc 7 env HOME="$sshh" "$IMAGO" instances ssh vm1 --command true
expect_contains "ssh into a stopped instance says how to start it" "$ERR" "instance vm1 is TERMINATED, not RUNNING: imago instances start vm1"
expect_eq "no QEMU for a stopped instance" "$(qemus)" 1
imago instances start vm1 >/dev/null 2>&1
p1=$(host_port vm1)
wait_boots "$p1" 2 vm1  # The second boot kept what the first one wrote.
imago instances reset vm1 >/dev/null 2>&1
sleep 1
wait_boots "$p1" 3 vm1  # Reset rebooted it.

# --- the stateful case: a data disk moves with its content to a new instance
imago disks create data --image kit-v1 >/dev/null 2>&1
imago instances create db1 --image kit-v1 --ports 80 --metadata role=writer \
  --metadata-from-file startup-script=boot.sh --disk name=data >/dev/null 2>&1
pd=$(host_port db1)
expect_eq "db1 wrote the data disk" "$(answer "http://127.0.0.1:$pd/data.txt" 90 db1)" "written by db1"
expect_rc 7 imago instances detach-disk db1 --disk data
expect_contains "a disk it booted with detaches when stopped" "$ERR" "detaches such a disk from a stopped instance only"
imago instances stop db1 >/dev/null 2>&1
imago instances detach-disk db1 --disk data >/dev/null 2>&1
expect_eq "detached" "$(imago disks describe data --format json | jq -r '.users // [] | length')" 0
imago instances create db2 --image kit-v1 --ports 80 --metadata role=reader \
  --metadata-from-file startup-script=boot.sh --deletion-protection >/dev/null 2>&1
imago instances stop db2 >/dev/null 2>&1
imago instances attach-disk db2 --disk data >/dev/null 2>&1
imago instances start db2 >/dev/null 2>&1
pd2=$(host_port db2)
expect_eq "db2 reads what db1 wrote" "$(answer "http://127.0.0.1:$pd2/data.txt" 90 db2)" "written by db1"
imago instances delete db1 >/dev/null 2>&1

# --- a killed QEMU: the instance is TERMINATED
pid2=$(<"$IMAGO_HOME/run/$(vm_json vm2 | jq -r .id)/pid")
kill -9 "$pid2"
sleep 0.3
expect_eq "killed QEMU shows TERMINATED" "$(vm_json vm2 | jq -r .status)" TERMINATED
imago instances start vm2 >/dev/null 2>&1
expect_eq "restarted after the kill" "$(vm_json vm2 | jq -r .status)" RUNNING

# --- kill -9 of imago while it creates an instance
check_consistent() {
  local rows running files runs
  rows=$(imago instances list --format json 2>/dev/null)
  running=$(jq '[.[] | select(.status == "RUNNING")] | length' <<<"$rows")
  expect_eq "$1: one QEMU per RUNNING instance" "$(qemus)" "$running"
  files=$(ls "$IMAGO_HOME/disks" | wc -l)
  expect_eq "$1: one file per disk" "$files" "$(imago disks list --format json | jq length)"
  expect_eq "$1: no PROVISIONING/STAGING left" \
    "$(jq '[.[] | select(.status != "RUNNING" and .status != "TERMINATED")] | length' <<<"$rows")" 0
  runs=$(ls "$IMAGO_HOME/run" | wc -l)
  expect_eq "$1: one run directory per instance" "$runs" "$(jq length <<<"$rows")"
  expect_eq "$1: no temporary files" "$(ls "$IMAGO_HOME/tmp" | wc -l)" 0
}
# Exactly at the two dangerous steps: disks made but no VM yet, and a VM
# launched but not yet recorded as RUNNING (IMAGO_TEST_PAUSE_AT stops there).
vms_before=$(qemus)
for step in instance-disks instance-launched; do
  IMAGO_TEST_PAUSE_AT=$step "$IMAGO" instances create killed --image kit-v1 --ports 80 \
    >/dev/null 2>pause.txt &
  victim=$!
  for _ in $(seq 1 100); do grep -q "paused at $step" pause.txt && break; sleep 0.1; done
  grep -q "paused at $step" pause.txt || fail "imago did not reach $step"
  if [[ $step == instance-launched ]]; then
    expect_eq "a VM runs before the kill" "$(qemus)" $((vms_before + 1))
  fi
  kill -9 "$victim"
  wait "$victim" 2>/dev/null || true
  expect_contains "next command undoes the create" "$(imago instances list 2>&1 >/dev/null)" \
    "1 operation(s) undone"
  check_consistent "killed at $step"
  expect_rc 4 imago instances describe killed
  interrupted=$((${interrupted:-0} + 1))
  expect_eq "the operation says it was interrupted" \
    "$(imago operations list --format json |
      jq '[.[] | select(.error.errors[0].code == "OPERATION_INTERRUPTED")] | length')" "$interrupted"
done
# And at moments chosen by the clock.
for delay in 0.02 0.05 0.08 0.12 0.2; do
  "$IMAGO" instances create killed --image kit-v1 --ports 80 >/dev/null 2>&1 &
  victim=$!
  sleep "$delay"
  kill -9 "$victim" 2>/dev/null || true
  wait "$victim" 2>/dev/null || true
  imago instances list >/dev/null 2>&1  # The next command reconciles.
  check_consistent "killed after ${delay}s"
  imago instances delete killed >/dev/null 2>&1 || true
  imago disks delete killed >/dev/null 2>&1 || true
  check_consistent "cleaned after ${delay}s"
done

# --- a QEMU no instance owns is stopped by the next command
stray_id=999
mkdir -p "$IMAGO_HOME/run/$stray_id"
qemu-system-x86_64 -M none -display none -nodefaults -daemonize \
  -pidfile "$IMAGO_HOME/run/$stray_id/pid" -qmp "unix:$IMAGO_HOME/run/$stray_id/qmp,server=on,wait=off"
expect_contains "stray QEMU reported" "$(imago instances list 2>&1 >/dev/null)" "1 VM(s) no instance owned stopped"
[[ ! -d $IMAGO_HOME/run/$stray_id ]] || fail "stray run directory kept"

# --- deletion protection: the delete is refused and changes nothing
expect_rc 7 imago instances delete db2
expect_contains "protected" "$ERR" "protected against deletion"
expect_eq "protected instance kept" "$(vm_json db2 | jq -r .status)" RUNNING
imago instances update db2 --no-deletion-protection >/dev/null 2>&1
expect_eq "protection cleared" "$(vm_json db2 | jq -r '.deletionProtection // false')" false

# --- delete leaves nothing
imago instances delete vm1 vm2 db2 >/dev/null 2>&1
imago disks delete data >/dev/null 2>&1
expect_eq "no instances" "$(imago instances list --format json | jq length)" 0
expect_eq "no disks" "$(imago disks list --format json | jq length)" 0
expect_eq "no QEMU" "$(qemus)" 0
expect_eq "no disk files" "$(ls "$IMAGO_HOME/disks" | wc -l)" 0
expect_eq "no run directories" "$(ls "$IMAGO_HOME/run" | wc -l)" 0
echo "PASS: instances (boot, metadata, stop/start, reset, data disk move, bad input, kills, deletion protection, delete)"
