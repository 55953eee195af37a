#!/usr/bin/env bash
# The local cloud's load balancer (HAProxy run by the controller) on the
# kit image, each figure against its baseline in the same script:
#   - requests per second and p99 latency through the forwarding rule to a
#     group of one VM, against the same VM's forwarded port straight
#     (wrk, 1 thread, 8 connections, 10 s each, alternating);
#   - failed requests (socket errors and non-2xx answers) during a rolling
#     replacement of 2 instances (maxSurge 1, maxUnavailable 0) under
#     constant load (wrk, 1 thread, 4 connections): goal 0.
# Runs RUNS times (default 3) and prints medians.
#
#   IMAGO=build/imago bash bench/lb_bench.sh [RUNS]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
bench_start lbbench
command -v wrk >/dev/null || { echo "lb_bench: wrk is missing (make deps installs it)" >&2; exit 1; }
runs=${1:-3}
mig() { imago instance-groups managed "$@"; }
imago images create kit-v1 --source-file "$kit/busybox.qcow2" --family kit >/dev/null 2>&1
imago health-checks create http hc --port 80 --request-path /health --check-interval 1s \
  --timeout 1s >/dev/null 2>&1
for r in $(seq 0 "$runs"); do
  imago instance-templates create "t$r" --image kit-v1 --ports 80 --metadata run=$r >/dev/null 2>&1
done
mig create g --template t0 --size 1 --health-check hc --initial-delay 120s >/dev/null 2>&1
mig set-named-ports g --named-ports http:80 >/dev/null 2>&1
port=$(free_port)
imago backend-services create bs --health-checks hc >/dev/null 2>&1
imago backend-services add-backend bs --instance-group g >/dev/null 2>&1
imago url-maps create map --default-service bs >/dev/null 2>&1
imago target-http-proxies create px --url-map map >/dev/null 2>&1
imago forwarding-rules create fr --target-http-proxy px --ports "$port" >/dev/null 2>&1
mig wait-until g --stable --timeout 300s >/dev/null 2>&1
healthy() { imago backend-services get-health bs --format json | jq -e '[.[] | select(.healthState == "HEALTHY")] | length >= 1' >/dev/null; }
until healthy; do sleep 0.5; done
vm=$(mig list-instances g --format json | jq -r '.[0].instance' | sed 's|.*/||')
direct=http://127.0.0.1:$(imago instances describe "$vm" --format json | jq -r '.forwardedPorts[0].hostPort')/health
lb=http://127.0.0.1:$port/health

# wrk_run URL SECONDS CONNECTIONS: prints "requests_per_second p99_ms failed".
wrk_run() {
  wrk -t1 -c"$3" -d"$2"s --latency "$1" >wrk.out 2>&1 || true
  [[ -z ${LB_BENCH_VERBOSE:-} ]] || cat wrk.out >&2
  awk '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
    /Requests\/sec/ {rps = $2}
    $1 == "99%" {p99 = ms($2)}
    /Socket errors/ {for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+,?$/) failed += $i}
    /Non-2xx/ {failed += $NF}
    END {printf "%s %s %d\n", rps, p99, failed}' wrk.out
}

rps_d=() rps_l=() p99_d=() p99_l=() failed=() total=()
for r in $(seq 1 "$runs"); do
  read -r a b _ < <(wrk_run "$direct" 10 8)
  rps_d+=("$a") p99_d+=("$b")
  read -r a b _ < <(wrk_run "$lb" 10 8)
  rps_l+=("$a") p99_l+=("$b")
done
mig resize g --size 2 >/dev/null 2>&1
mig wait-until g --stable --timeout 300s >/dev/null 2>&1
for r in $(seq 1 "$runs"); do
  wrk -t1 -c4 -d600s "$lb" >roll.out 2>&1 &
  w=$!
  sleep 2
  mig rolling-action start-update g --version "template=t$r" --max-surge 1 --max-unavailable 0 >/dev/null 2>&1
  mig wait-until g --version-target-reached --timeout 600s >/dev/null 2>&1
  sleep 2
  kill -INT "$w"
  wait "$w" || true
  read -r n f < <(wrk_counts roll.out)
  total+=("$n") failed+=("$f")
done
md=$(printf '%s\n' "${rps_d[@]}" | median)
ml=$(printf '%s\n' "${rps_l[@]}" | median)
pd=$(printf '%s\n' "${p99_d[@]}" | median)
pl=$(printf '%s\n' "${p99_l[@]}" | median)
printf 'requests/s through the load balancer to 1 VM, %s runs: median %.0f [%s]\n' "$runs" "$ml" "$(printf '%.0f ' "${rps_l[@]}")"
printf '  baseline, the same VM straight: median %.0f [%s]\n' "$md" "$(printf '%.0f ' "${rps_d[@]}")"
printf '  ratio: %.2fx\n' "$(echo "$ml / $md" | bc -l)"
printf 'p99 latency through the load balancer: median %.2f ms [%s]; straight: %.2f ms [%s]; added: %.2f ms\n' \
  "$pl" "$(printf '%.2f ' "${p99_l[@]}")" "$pd" "$(printf '%.2f ' "${p99_d[@]}")" "$(echo "$pl - $pd" | bc -l)"
printf 'failed requests during a rolling replacement of 2 under load, %s runs: [%s] of [%s] requests (goal 0)\n' \
  "$runs" "${failed[*]}" "${total[*]}"
