#!/usr/bin/env bash
# The instances' network on the local cloud with real VMs: each instance
# gets its own address of 10.128.0.0/20; one VM reaches another at that
# address (its startup-script fetches the other's /health over eth1); an
# address asked for is given when free and refused when taken or outside
# the subnet; a deleted instance's address is free again; one switch per
# project, started once however many boots ask at the same moment, ended
# with the project's last VM (by stop, delete, or the recovery that finds
# its VM dead), and started again after a kill -9 left its files behind.
source "$(dirname "$0")/../cli/lib.sh"
: "${IMAGO_SRC:?}"
cache=${KIT_CACHE:-$WORK/cache}
trap vm_test_cleanup EXIT

bash "$IMAGO_SRC/images/busybox/build.sh" "$WORK/kit" "$cache" >/dev/null
imago images create kit-v1 --source-file "$WORK/kit/busybox.qcow2" --family kit >/dev/null 2>&1
ip_of() { imago instances describe "$1" --format json | jq -r '.networkInterfaces[0].networkIP'; }

# 1. The database first: its address is the first of the subnet.
imago instances create db --image kit-v1 --ports 80 >/dev/null 2>&1 || fail "create db"
db=$(ip_of db)
expect_eq "first address" "$db" 10.128.0.2
# 2. The app reaches it at that address, from inside its guest.
cat >app.sh <<EOF
#!/bin/sh
for i in \$(seq 1 30); do
  wget -q -O /www/peer.html http://$db/health && break
  sleep 1
done
EOF
imago instances create app --image kit-v1 --ports 80 --metadata-from-file startup-script=app.sh \
  >/dev/null 2>&1 || fail "create app"
app=$(ip_of app)
expect_eq "second address" "$app" 10.128.0.3
port=$(imago instances describe app --format json | jq -r '.forwardedPorts[0].hostPort')
got=""
for _ in $(seq 1 60); do
  got=$(curl -s -m 2 "http://127.0.0.1:$port/peer.html" || true)
  [[ $got == ok ]] && break
  sleep 0.5
done
expect_eq "app fetched db's /health over the instances' network" "$got" ok
# The guest learnt its address from the metadata server, and brought eth1 up with it.
id=$(imago instances describe app --format json | jq -r .id)
grep -q "imago-kit: eth1 is 10.128.0.3" "$IMAGO_HOME/run/$id/serial.log" || fail "app's eth1 is not 10.128.0.3"

# 3. An address asked for: given when free; refused, by field, when taken or outside.
imago instances create pinned --image kit-v1 --private-network-ip 10.128.0.50 >/dev/null 2>&1 || fail "create pinned"
expect_eq "asked-for address" "$(ip_of pinned)" 10.128.0.50
expect_rc 3 imago instances create clash --image kit-v1 --private-network-ip 10.128.0.2
expect_contains "taken address" "$ERR" "networkInterfaces[0].networkIP"
expect_contains "taken address" "$ERR" "already being used"
expect_rc 3 imago instances create outside --image kit-v1 --private-network-ip 192.168.1.5
expect_contains "outside the subnet" "$ERR" "10.128.0.0/20"
expect_rc 4 imago instances describe clash

# 4. A deleted instance's address is free again.
imago instances delete db >/dev/null 2>&1 || fail "delete db"
imago instances create db2 --image kit-v1 >/dev/null 2>&1 || fail "create db2"
expect_eq "address reused" "$(ip_of db2)" 10.128.0.2

# 5. One switch for the project, and nothing left once the VMs are gone.
pids=$(for f in "$IMAGO_HOME"/net/*.pid; do cat "$f"; done | sort -u | wc -l)
expect_eq "switches" "$pids" 1
sw=$(<"$IMAGO_HOME/net/local.pid")
[[ $(readlink "/proc/$sw/exe") == */vde_switch ]] || fail "no vde_switch runs for the project"
imago instances stop pinned >/dev/null 2>&1 || fail "stop pinned"
switch_alive() { [[ -e /proc/$1 ]] && ! grep -q '^State:.*Z' "/proc/$1/status"; }
switch_alive "$sw" || fail "the switch ended although db2 and app still run"
imago instances delete app pinned db2 >/dev/null 2>&1 || fail "delete the rest"
expect_eq "VMs" "$(qemu_count "$IMAGO_HOME")" 0
switch_alive "$sw" && fail "the switch outlived the project's last VM"
[[ -e $IMAGO_HOME/net/local.pid ]] && fail "the ended switch's pid file is still there"

# 6. Boots at the same moment start one switch: /proc/net/unix lists every
#    listening control socket (flag __SO_ACCEPTCON), an orphaned switch's
#    included.
for n in c1 c2 c3; do imago instances create "$n" --image kit-v1 >/dev/null 2>&1 & done
wait
for n in c1 c2 c3; do imago instances describe "$n" >/dev/null 2>&1 || fail "create $n"; done
ctl="$IMAGO_HOME/net/local.vde/ctl"
expect_eq "switches bound after 3 boots at once" "$(awk -v p="$ctl" '$NF == p && $4 == "00010000"' /proc/net/unix | wc -l)" 1
expect_eq "addresses of 3 boots at once" "$(for n in c1 c2 c3; do ip_of $n; done | sort -u | wc -l)" 3

# 7. kill -9 of the switch leaves its socket behind; the next boot clears it.
sw=$(<"$IMAGO_HOME/net/local.pid")
kill -9 "$sw"
imago instances delete c2 c3 >/dev/null 2>&1 || fail "delete c2 c3"
imago instances create c4 --image kit-v1 >/dev/null 2>&1 || fail "create after the switch was killed"
sw=$(<"$IMAGO_HOME/net/local.pid")
switch_alive "$sw" || fail "no switch after a boot that followed a kill -9"

# 8. The VMs die under the switch (kill -9 of QEMU): the next command's
#    recovery marks them TERMINATED and ends the switch.
for pid in $(vm_pids "$IMAGO_HOME"); do kill -9 "$pid"; done
for _ in $(seq 1 50); do [[ -z $(vm_pids "$IMAGO_HOME") ]] && break; sleep 0.1; done
imago instances list >/dev/null 2>&1 || fail "list after the VMs died"
switch_alive "$sw" && fail "the switch outlived VMs that died"
imago instances delete c1 c4 >/dev/null 2>&1 || fail "delete c1 c4"
echo "PASS: instances reach each other at their own addresses of 10.128.0.0/20"
