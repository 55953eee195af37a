#!/usr/bin/env bash
# The load balancer on the local cloud with real VMs and Debian's HAProxy,
# through the imago command line: a forwarding rule serves a group's
# healthy instances; a rolling update under constant load (tests/lib/load.py,
# 50 requests a second) fails no request; switching the backend service to
# another group (red/black) fails no request; capacityScaler 0 takes a group
# out; kill -9 of HAProxy: the address serves again with one proxy; nothing
# in use can be deleted; deleting the rule stops the proxy; nothing is left
# behind.
source "$(dirname "$0")/../cli/lib.sh"
: "${IMAGO_SRC:?}"
cache=${KIT_CACHE:-$WORK/cache}
trap vm_test_cleanup EXIT

bash "$IMAGO_SRC/images/busybox/build.sh" "$WORK/kit" "$cache" >/dev/null
imago images create kit-v1 --source-file "$WORK/kit/busybox.qcow2" --family kit >/dev/null 2>&1
# Each VM answers / with its release and name, and /ready once it does (the
# check asks the app, not the kit's /health, which answers before the
# startup-script has run).
cat >boot.sh <<'EOF'
#!/bin/sh
r=$(wget -q -O - --header "Metadata-Flavor: Google" http://169.254.169.254/computeMetadata/v1/instance/attributes/release)
echo "$r $(hostname)" >/www/index.html
echo ok >/www/ready
EOF
for r in r1 r2; do
  imago instance-templates create "web-$r" --image kit-v1 --ports 80 --metadata release=$r \
    --metadata-from-file startup-script=boot.sh >/dev/null 2>&1
done
imago health-checks create http web-hc --port 80 --request-path /ready \
  --check-interval 1s --timeout 1s >/dev/null 2>&1
mig() { imago instance-groups managed "$@"; }
for g in blue green; do
  mig create $g --template web-r1 --size 2 --health-check web-hc --initial-delay 120s >/dev/null 2>&1
  mig set-named-ports $g --named-ports http:80 >/dev/null 2>&1
done
port=$(free_port)
imago backend-services create web-bs --health-checks web-hc --global >/dev/null 2>&1
imago backend-services add-backend web-bs --instance-group blue >/dev/null 2>&1
imago url-maps create web-map --default-service web-bs >/dev/null 2>&1
imago target-http-proxies create web-proxy --url-map web-map >/dev/null 2>&1
imago forwarding-rules create web-fr --global --target-http-proxy web-proxy --ports "$port" >/dev/null 2>&1
url=http://127.0.0.1:$port/

# healthy_lb: how many instances the load balancer sees HEALTHY.
healthy_lb() { imago backend-services get-health web-bs --format json | jq '[.[] | select(.healthState == "HEALTHY")] | length'; }
# answers N: the distinct answers to N requests through the address.
answers() { for _ in $(seq 1 "$1"); do curl -s -m 3 "$url" || echo "(failed)"; done | sort -u | tr '\n' ';'; }
wait_for() {  # wait_for SECONDS WHAT COMMAND...: until COMMAND succeeds.
  local end=$(($(date +%s) + $1)) what=$2
  shift 2
  until "$@"; do
    if (($(date +%s) >= end)); then
      tail -n 15 "$IMAGO_HOME/controller.log" >&2
      imago controller status >&2 || true
      ps -eo pid,ppid,stat,comm | grep haproxy >&2 || true
      cat "$IMAGO_HOME/lb/haproxy.pid" >&2 || true
      fail "waited $what in vain"
    fi
    sleep 0.5
  done
}

# 1. The address serves the group's instances once they pass the check.
for g in blue green; do mig wait-until $g --stable --timeout 120s >/dev/null 2>&1 || fail "$g never became stable"; done
two_healthy() { [[ $(healthy_lb) == 2 ]]; }
wait_for 30 "for 2 healthy instances behind the address" two_healthy
got=$(answers 8)
[[ $got =~ ^r1\ blue-[a-z0-9]{4}\;r1\ blue-[a-z0-9]{4}\;$ ]] || fail "answers through the address: $got"
[[ -n $(proxy_pid "$IMAGO_HOME") ]] || fail "no HAProxy runs for the home"
imago controller status | grep -q "web-fr 127.0.0.1:$port -> web-bs" || fail "controller status does not show the frontend"

# under_load COMMAND...: runs COMMAND while requests go through the load
# balancer at a constant rate, then prints "REQUESTS FAILED" (no answer, or
# not 2xx/3xx); the latency and any failure go to stderr.
under_load() {
  load_start "$url"
  sleep 2
  "$@"
  sleep 2
  load_stop
}

# 2. A rolling update under load: no request fails.
roll() {
  mig rolling-action start-update blue --version template=web-r2 --max-surge 1 --max-unavailable 0 >/dev/null 2>&1
  mig wait-until blue --version-target-reached --timeout 180s >/dev/null 2>&1 || fail "the rollout did not finish"
}
t0=$(now)
read -r requests failed < <(under_load roll)
echo "rolling update of 2 behind the load balancer: $(echo "$(now) - $t0" | bc) s, $requests requests, $failed failed"
((requests > 100)) || fail "the load sent only $requests requests"
expect_eq "failed requests during the rollout" "$failed" 0
wait_for 30 "for r2 alone to answer" bash -c "[[ \$(for i in 1 2 3 4 5 6; do curl -s -m 3 $url; done | cut -d' ' -f1 | sort -u) == r2 ]]"

# 3. Red/black: the service moves from blue to green under load; no request fails.
switch() {
  imago backend-services add-backend web-bs --instance-group green >/dev/null 2>&1
  imago backend-services remove-backend web-bs --instance-group blue >/dev/null 2>&1
  wait_for 60 "for green alone to answer" bash -c "[[ \$(for i in 1 2 3 4 5 6; do curl -s -m 3 $url; done | cut -d' ' -f2 | cut -d- -f1 | sort -u) == green ]]"
}
read -r requests failed < <(under_load switch)
echo "switch from blue to green: $requests requests, $failed failed"
((requests > 100)) || fail "the load sent only $requests requests"
expect_eq "failed requests during the switch" "$failed" 0

# 4. Blue back as a backend at capacity 0: it takes nothing.
imago backend-services add-backend web-bs --instance-group blue --capacity-scaler 0 >/dev/null 2>&1
blue_servers() { imago controller status --format json | jq -e '.loadBalancers.backends[0].servers == 4' >/dev/null; }
wait_for 30 "for blue's servers" blue_servers
sleep 3
got=$(for _ in $(seq 1 12); do curl -s -m 3 "$url" | cut -d' ' -f2 | cut -d- -f1; done | sort -u | tr '\n' ' ')
expect_eq "groups answering with blue at capacity 0" "$got" "green "

# 5. kill -9 of HAProxy: the address serves again, with one proxy.
old=$(proxy_pid "$IMAGO_HOME")
kill -9 "$old"
t0=$(now)
wait_for 30 "for the address to serve again" curl -sf -m 2 "$url" -o /dev/null
echo "kill -9 of HAProxy to serving again: $(echo "$(now) - $t0" | bc) s"
new=$(proxy_pid "$IMAGO_HOME")
[[ -n $new && $new != "$old" ]] || fail "no new HAProxy master (old $old, now '$new')"
wait_for 10 "for the old worker to end" bash -c "! kill -0 $old 2>/dev/null || grep -q '^State:.*Z' /proc/$old/status"
workers=$(echo "show proc" | socat - "UNIX:$IMAGO_HOME/lb/master.sock" | awk '$2 == "worker"' | wc -l)
expect_eq "HAProxy workers" "$workers" 1

# 6. Nothing in use can be deleted; deleting from the front frees the rest.
expect_rc 7 mig delete green
expect_contains "in-use message" "$ERR" "is already being used by 'projects/local/global/backendServices/web-bs'"
expect_rc 7 imago health-checks delete web-hc
expect_rc 7 imago backend-services delete web-bs
expect_rc 7 imago url-maps delete web-map
expect_rc 7 imago target-http-proxies delete web-proxy
imago forwarding-rules delete web-fr >/dev/null 2>&1 || fail "forwarding-rules delete"
no_proxy() { [[ -z $(proxy_pid "$IMAGO_HOME") ]]; }
wait_for 15 "for HAProxy to stop" no_proxy
curl -s -m 2 "$url" >/dev/null && fail "the address still answers after its rule is gone"
imago target-http-proxies delete web-proxy >/dev/null 2>&1 || fail "target-http-proxies delete"
imago url-maps delete web-map >/dev/null 2>&1 || fail "url-maps delete"
imago backend-services delete web-bs >/dev/null 2>&1 || fail "backend-services delete"
mig delete blue >/dev/null 2>&1 || fail "delete blue"
mig delete green >/dev/null 2>&1 || fail "delete green"
no_vm() { [[ $(qemu_count "$IMAGO_HOME") == 0 ]]; }
wait_for 60 "for every VM to end" no_vm
echo "PASS: load balancer: serves healthy instances, rolls and switches with no failed request, survives kill -9"
