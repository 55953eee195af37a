#!/usr/bin/env bash
# docs/security.md, "what runs as root": nothing. An unprivileged user
# (nobody, when the test runs as root) with a umask that would share
# everything (000) imports an image, boots an instance whose /health answers
# through its forwarded port (bound to 127.0.0.1), and serves the API; QEMU
# runs as that user; nothing imago made in the home (catalog, disks, the
# VM's console, QMP socket and pid file, the serve token) can be read by
# anyone else. And what a guest can reach of the host: its loopback, through
# 169.254.0.2 (QEMU's user network): imago serve answers it 401.
source "$(dirname "$0")/../cli/lib.sh"
: "${IMAGO_SRC:?}"
cache=${KIT_CACHE:-$WORK/cache}
trap vm_test_cleanup EXIT

bash "$IMAGO_SRC/images/busybox/build.sh" "$WORK/kit" "$cache" >/dev/null
as_user=()
if [[ $(id -u) == 0 ]]; then
  as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups)
  chmod 755 "$WORK"
fi
mkdir -p "$WORK/user"
cp "$WORK/kit/busybox.qcow2" "$WORK/user/kit.qcow2"
[[ $(id -u) == 0 ]] && chown -R 65534:65534 "$WORK/user"
export IMAGO_HOME=$WORK/user/home HOME=$WORK/user
# As the unprivileged user, with umask 000.
u() { (umask 000 && "${as_user[@]}" "$IMAGO" "$@"); }

u images create kit-v1 --source-file "$WORK/user/kit.qcow2" --family kit >/dev/null 2>&1 ||
  fail "an unprivileged user cannot import an image: $(u images create kit-v1 --source-file "$WORK/user/kit.qcow2" 2>&1)"
# The API, served by the same user, before the VM boots: the guest tries it.
u serve --print-token >/dev/null
sport=$(free_port)
(umask 000 && exec "${as_user[@]}" "$IMAGO" serve --listen "127.0.0.1:$sport" 2>serve.log) &
server=$!
cat >"$WORK/user/probe.sh" <<SH
#!/bin/sh
wget -q -O /www/api.txt http://169.254.0.2:$sport/compute/v1/projects/local/global/images 2>/www/api-err.txt
echo "\$?" >/www/api-rc.txt
SH
u instances create vm1 --image-family kit --ports 80 \
  --metadata-from-file startup-script="$WORK/user/probe.sh" >/dev/null 2>err.txt ||
  fail "an unprivileged user cannot boot an instance: $(cat err.txt)"
vm=$(u instances describe vm1 --format json)
port=$(jq -r '.forwardedPorts[0].hostPort' <<<"$vm")
expect_eq "forwarded port bound to loopback" "$(jq -r '.forwardedPorts[0].hostIp' <<<"$vm")" 127.0.0.1
expect_eq "/health of the unprivileged user's VM" "$(wait_http "http://127.0.0.1:$port/health" 120)" ok
ss -ltnH "sport = :$port" | grep -q "127.0.0.1:$port" || fail "port $port is not listening on 127.0.0.1 only: $(ss -ltnH "sport = :$port")"
pid=$(vm_pids "$IMAGO_HOME")
[[ -n $pid ]] || fail "no VM found for the instance"
expect_eq "QEMU runs as the user" "$(stat -c %u "/proc/$pid")" "$("${as_user[@]}" id -u)"
"${as_user[@]}" test -w /dev/kvm && echo "(note: /dev/kvm is writable by the user here)"

token=$(u serve --print-token)
url=http://127.0.0.1:$sport/compute/v1/projects/local/zones/local-a/instances/vm1
answer=""
for _ in $(seq 1 100); do
  answer=$(curl -sf -H "Authorization: Bearer $token" "$url" || true)
  [[ -n $answer ]] && break
  sleep 0.1
done
expect_eq "imago serve as the user" "$(jq -r .status <<<"${answer:-{\}}")" RUNNING
# The guest reached the host's loopback, and the API refused it.
expect_eq "the guest's request to imago serve failed" "$(wait_http "http://127.0.0.1:$port/api-rc.txt" 60)" 1
expect_contains "imago serve answered the guest 401" "$(curl -sf "http://127.0.0.1:$port/api-err.txt")" "401"
kill "$server" 2>/dev/null || true

# Nothing in the home is open to group or others, whatever the umask was.
shared=$(find "$IMAGO_HOME" -perm /077 ! -type l -printf '%m %p\n')
expect_eq "files of the home open to others" "$shared" ""
for f in catalog.db serve-token; do
  expect_eq "$f is 0600" "$(stat -c %a "$IMAGO_HOME/$f")" 600
done
run=$(dirname "$(ls "$IMAGO_HOME"/run/*/pid)")
expect_eq "the VM's run directory is 0700" "$(stat -c %a "$run")" 700
expect_eq "its console is 0600" "$(stat -c %a "$run/serial.log")" 600

u instances delete vm1 >/dev/null 2>&1
expect_eq "no VM left" "$(qemu_count "$IMAGO_HOME")" 0
echo "PASS: unprivileged (image, VM, serve as nobody; nothing in the home readable by others)"
