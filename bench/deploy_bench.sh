#!/usr/bin/env bash
# imago deploy on the kit image, 3 instances, under constant load through
# the load balancer (wrk, 1 thread, 4 connections), each figure against its
# baseline in the same script:
#   - deploy time of a red/black release of 3 instances, against the floor
#     of booting 3 instances in parallel (imago instances create, until
#     each answers /health);
#   - failed requests (socket errors and non-2xx answers) during a red/black
#     deploy, a rolling deploy (max surge 1, max unavailable 0) and each
#     rollback: goal 0;
#   - time of a red/black rollback, from the command to traffic on the
#     previous group (goal: under 2 s), against the time of the red/black
#     deploy it undoes.
# Runs RUNS times (default 3) and prints medians.
#
#   IMAGO=build/imago bash bench/deploy_bench.sh [RUNS]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
bench_start deploybench
command -v wrk >/dev/null || { echo "deploy_bench: wrk is missing (make deps installs it)" >&2; exit 1; }
runs=${1:-3}
imago images create app-v0 --source-file "$kit/busybox.qcow2" --family app >/dev/null 2>&1
mkdir environments
cat >environments/app.sh <<'EOF'
#!/bin/sh
echo "$(wget -q -O - --header "Metadata-Flavor: Google" http://169.254.169.254/computeMetadata/v1/instance/attributes/RELEASE)" >/www/index.html
echo ok >/www/ready  # The check asks the app: ready once / answers.
EOF
port=$(free_port)
qport=$(free_port)
env_file() {  # env_file NAME PORT RELEASE STRATEGY
  cat >"environments/$1.yaml" <<EOF
service: bench
image: {family: app}
size: 3
config: {RELEASE: "$3"}
files: {startup-script: app.sh}
health_check: {path: /ready, interval: 1s, timeout: 1s, initial_delay: 120s}
strategy: $4
load_balancer: {port: $2}
timeout: 5m
EOF
}
url=http://127.0.0.1:$port/
# under_load COMMAND...: "SECONDS FAILED REQUESTS" of COMMAND under wrk.
under_load() {
  wrk -t1 -c4 -d900s "$url" >wrk.out 2>&1 &
  local w=$!
  sleep 1
  local t0 t1
  t0=$(now)
  "$@" >cmd.out 2>&1 || { cat cmd.out >&2; exit 1; }
  t1=$(now)
  sleep 1
  kill -INT "$w"
  wait "$w" || true
  local requests failed
  read -r requests failed < <(wrk_counts wrk.out)
  echo "$(echo "$t1 - $t0" | bc) $failed $requests"
}
# serves RELEASE: every one of 6 answers is RELEASE.
serves() { for _ in 1 2 3 4 5 6; do [[ $(curl -s -m 2 "$url") == "$1" ]] || return 1; done; }

env_file dev "$port" r0 red-black
imago deploy dev --yes >/dev/null 2>&1

floor=() deploy=() rollback=() f_rb=() f_roll=() f_rbk=()
for r in $(seq 1 "$runs"); do
  # The floor: 3 bare boots in parallel, until each answers /health.
  t0=$(now)
  for i in 1 2 3; do imago instances create "floor-$r-$i" --image app-v0 --ports 80 >/dev/null 2>&1 & done
  wait
  for i in 1 2 3; do
    p=$(imago instances describe "floor-$r-$i" --format json | jq -r '.forwardedPorts[0].hostPort')
    wait_http "http://127.0.0.1:$p/health" 300 >/dev/null
  done
  floor+=("$(echo "$(now) - $t0" | bc)")
  imago instances delete "floor-$r-1" "floor-$r-2" "floor-$r-3" >/dev/null 2>&1

  # A red/black release under load, then a rollback to it.
  env_file dev "$port" "r$r" red-black
  read -r secs failed requests < <(under_load imago deploy dev --yes)
  serves "r$r" || { echo "deploy_bench: release r$r does not serve" >&2; exit 1; }
  deploy+=("$secs")
  f_rb+=("$failed")
  read -r secs failed _ < <(under_load imago rollback dev --yes)
  f_rbk+=("$failed")
  # From the command to every answer coming from the previous group: the
  # command's own time, and any time after it until all 6 answers are.
  t0=$(now)
  until serves r0; do sleep 0.05; done  # Every rollback returns to release r0.
  rollback+=("$(echo "$secs + $(now) - $t0" | bc)")
  echo "run $r: floor ${floor[-1]} s, red/black ${deploy[-1]} s (${f_rb[-1]} failed of $requests), rollback ${rollback[-1]} s (${f_rbk[-1]} failed)" >&2
done

# Rolling, 3 instances, max surge 1, max unavailable 0, under load.
url=http://127.0.0.1:$qport/
env_file qa "$qport" q0 "{type: rolling, max_surge: 1, max_unavailable: 0}"
imago deploy qa --yes >/dev/null 2>&1
roll=()
for r in $(seq 1 "$runs"); do
  env_file qa "$qport" "q$r" "{type: rolling, max_surge: 1, max_unavailable: 0}"
  read -r secs failed requests < <(under_load imago deploy qa --yes)
  roll+=("$secs")
  f_roll+=("$failed")
  echo "run $r: rolling ${roll[-1]} s (${f_roll[-1]} failed of $requests)" >&2
done

printf 'red/black deploy of 3 (median of %s)   %6.1f s   floor, 3 parallel boots: %6.1f s   ratio %.2fx\n' \
  "$runs" "$(median <<<"${deploy[*]}")" "$(median <<<"${floor[*]}")" \
  "$(echo "$(median <<<"${deploy[*]}") / $(median <<<"${floor[*]}")" | bc -l)"
printf 'red/black rollback to the warm group    %6.2f s   against its deploy: %.3fx\n' \
  "$(median <<<"${rollback[*]}")" "$(echo "$(median <<<"${rollback[*]}") / $(median <<<"${deploy[*]}")" | bc -l)"
printf 'rolling deploy of 3 (surge 1, unav. 0)  %6.1f s\n' "$(median <<<"${roll[*]}")"
printf 'failed requests: red/black %s, rollback %s, rolling %s (goal 0 each; per run)\n' \
  "${f_rb[*]}" "${f_rbk[*]}" "${f_roll[*]}"
