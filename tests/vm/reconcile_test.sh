#!/usr/bin/env bash
# No command ever stops a VM that an instance owns. Two instances whose guests
# ask their metadata server for their own name without pause (each request
# makes QEMU fork a child for its guestfwd command, and that child has the
# VM's command line until it execs) while imago commands run in a tight
# loop, each one reconciling the home's VMs as it opens the local cloud: at
# the end both VMs are the same processes, RUNNING, and no command reported
# a VM it stopped or an instance it marked TERMINATED.
source "$(dirname "$0")/../cli/lib.sh"
: "${IMAGO_SRC:?}"
cache=${KIT_CACHE:-$WORK/cache}
trap vm_test_cleanup EXIT

bash "$IMAGO_SRC/images/busybox/build.sh" "$WORK/kit" "$cache" >/dev/null
imago images create kit-v1 --source-file "$WORK/kit/busybox.qcow2" --family kit >/dev/null 2>&1

cat >chatty.sh <<'SH'
#!/bin/sh
# Ask the metadata server for the instance's own name, again and again
# (a pause between asks leaves CPU for the tests that run beside this one).
md=http://169.254.169.254/computeMetadata/v1/instance/name
(
  n=0
  while :; do
    if wget -q -O /www/name.tmp --header 'Metadata-Flavor: Google' "$md"; then
      n=$((n + 1))
      mv /www/name.tmp /www/name.txt
      echo "$n" >/www/count.txt
    fi
    sleep 0.05
  done
) &
SH
for vm in chat-a chat-b; do
  imago instances create "$vm" --image-family kit --ports 80 \
    --metadata-from-file startup-script=chatty.sh >/dev/null 2>&1
done
port() { imago instances describe "$1" --format json | jq -r '.forwardedPorts[0].hostPort'; }
pa=$(port chat-a)
pb=$(port chat-b)
expect_eq "chat-a reads its own name" "$(wait_http "http://127.0.0.1:$pa/name.txt" 120)" chat-a
expect_eq "chat-b reads its own name" "$(wait_http "http://127.0.0.1:$pb/name.txt" 120)" chat-b
pid_of() { cat "$IMAGO_HOME/run/$(imago instances describe "$1" --format json | jq -r .id)/pid"; }
pid_a=$(pid_of chat-a)
pid_b=$(pid_of chat-b)
count() { curl -sf -m 1 "http://127.0.0.1:$1/count.txt" || echo 0; }
before=$(count "$pa")

# Commands in a tight loop, as a deploy's controller or a CI script runs
# them: at least 60, and until the guest has asked 15 times meanwhile (a
# loaded machine runs the guest slower), at most 3 minutes.
i=0
end=$((SECONDS + 180))
while ((i < 60 || $(count "$pa") - before < 15)); do
  ((SECONDS < end)) || fail "the guest asked its metadata server only $(($(count "$pa") - before)) times in 3 minutes"
  i=$((i + 1))
  case $((i % 4)) in
    0) imago instances list >/dev/null 2>err.txt ;;
    1) imago instances describe chat-a >/dev/null 2>err.txt ;;
    2) imago disks list >/dev/null 2>err.txt ;;
    3) imago operations list >/dev/null 2>err.txt ;;
  esac
  if grep -qE "marked TERMINATED|no instance owned stopped" err.txt; then
    fail "command $i reported stopping VMs: $(cat err.txt)"
  fi
done
echo "chat-a asked its metadata server $(($(count "$pa") - before)) times while $i commands ran"

expect_eq "chat-a is the same VM" "$(qemu_count "$IMAGO_HOME")" 2
expect_eq "chat-a's QEMU" "$(pid_of chat-a)" "$pid_a"
expect_eq "chat-b's QEMU" "$(pid_of chat-b)" "$pid_b"
kill -0 "$pid_a" && kill -0 "$pid_b" || fail "a VM was stopped"
expect_eq "chat-a RUNNING" "$(imago instances describe chat-a --format json | jq -r .status)" RUNNING
expect_eq "chat-b RUNNING" "$(imago instances describe chat-b --format json | jq -r .status)" RUNNING
imago instances delete chat-a chat-b >/dev/null 2>&1
expect_eq "no QEMU left" "$(qemu_count "$IMAGO_HOME")" 0
echo "reconcile: ok"
