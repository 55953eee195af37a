#!/usr/bin/env bash
# imago deploy with real VMs, real health checks and Debian's HAProxy in
# front, under constant load (tests/lib/load.py, 50 requests a second): the
# first release of an environment; a second one red/black with no failed request, the previous group kept warm;
# a rollback to it that boots nothing; a bad release caught by its health
# check and rolled back (exit 12) while the previous one keeps serving;
# promotion of exactly dev's image to prod; kill -9 in the middle of a
# deploy, continued by the next run; a rolling environment; bad input
# refused with FILE:LINE before anything changes; the ledger (imago releases).
source "$(dirname "$0")/../cli/lib.sh"
: "${IMAGO_SRC:?}"
cache=${KIT_CACHE:-$WORK/cache}
trap vm_test_cleanup EXIT

bash "$IMAGO_SRC/images/busybox/build.sh" "$WORK/kit" "$cache" >/dev/null
imago images create app-v1 --source-file "$WORK/kit/busybox.qcow2" --family app >/dev/null 2>&1
mkdir environments
# Each VM answers / with its release's RELEASE and its name, and /ready once
# it does: the health check asks the app, not the kit's /health, which
# answers as soon as the machine is up, before the startup-script has run
# (under load, seconds before / answers: the balancer then sent requests to
# a VM that answered 404). A bad release is one whose file names a port
# nothing listens on.
cat >environments/app.sh <<'EOF'
#!/bin/sh
get() { wget -q -O - --header "Metadata-Flavor: Google" "http://169.254.169.254/computeMetadata/v1/instance/$1"; }
# push: the items are the instance's metadata; pull: the loader wrote them
# to /run/imago/config/ from the project's metadata.
item() { cat "/run/imago/config/$1" 2>/dev/null || get "attributes/$1"; }
echo "$(item RELEASE) $(hostname)" >/www/index.html
echo ok >/www/ready
EOF
port=$(free_port)
env_file() {  # [TIMEOUT=90s] env_file NAME PORT SIZE RELEASE [EXTRA]
  cat >"environments/$1.yaml" <<EOF
service: web
image: {family: app}
size: $3
config:
  RELEASE: $4
files:
  startup-script: app.sh
health_check: {path: /ready, interval: 1s, timeout: 1s, initial_delay: 120s}
strategy: {type: red-black, keep_previous: 30m}
load_balancer: {port: $2}
timeout: ${TIMEOUT:-90s}
${5:-}
EOF
}
url=http://127.0.0.1:$port/
answers() { for _ in $(seq 1 "$1"); do curl -s -m 3 "$url" | cut -d' ' -f1 || echo "(failed)"; done | sort -u | tr '\n' ' '; }
# serves WANT: the answers are all WANT within 5 s (the balancer applies a
# switch at its next step, within a second of the command's end); prints them.
serves() {
  local got end=$((SECONDS + 5))
  while got=$(answers 6) && [[ $got != "$1 " ]] && ((SECONDS < end)); do sleep 0.2; done
  echo "$got"
}
groups() { imago instance-groups managed list --format json | jq -r '[.[].name] | sort | join(" ")'; }
ledger() { imago releases "$1" --format json | jq -r "$2"; }
# under_load COMMAND...: runs COMMAND while requests go through the load
# balancer at a constant rate; prints "REQUESTS FAILED RC" (no answer, or
# not 2xx/3xx; COMMAND's exit code). COMMAND's stderr goes to load.err.
under_load() {
  local rc=0
  load_start "$url"
  sleep 1
  "$@" >load.out 2>load.err || rc=$?
  sleep 2
  load_stop >load.result  # Here, not in $(...): only this shell can wait for it.
  echo "$(<load.result) $rc"
}

# 1. Bad input: one line with FILE:LINE and the key, before anything changes.
env_file dev "$port" 2 one
echo "sise: 3" >>environments/dev.yaml
expect_rc 3 imago deploy dev --yes
expect_contains "a typo" "$ERR" "environments/dev.yaml:13: key 'sise': unknown key"
env_file dev "$port" 2 one
expect_rc 2 imago deploy dev </dev/null  # Not a terminal and no --yes: nothing applied.
expect_contains "no --yes" "$ERR" "give --yes"
expect_eq "templates after refusals" "$(imago instance-templates list --format json | jq length)" 0

# 2. The plan, then the first release.
plan=$(imago deploy dev --plan 2>&1)
expect_contains "plan" "$plan" "release 1 of web (red-black, push)"
expect_contains "plan's image" "$plan" "image   app-v1"
expect_contains "plan's why" "$plan" "first release"
t0=$(now)
imago deploy dev --yes >deploy1.out 2>&1 || { cat deploy1.out; fail "first deploy"; }
echo "first release of 2 instances: $(echo "$(now) - $t0" | bc) s"
expect_eq "answers after release 1" "$(serves one)" "one "
expect_eq "ledger after release 1" "$(ledger dev '.[0] | "\(.number) \(.state) \(.image)"')" "1 LIVE app-v1"
again=$(imago deploy dev --yes 2>&1)
expect_contains "a second deploy of the same" "$again" "no changes; release 1 serves"

# 3. A new image in the family: red/black under load, no failed request.
imago images create app-v2 --source-file "$WORK/kit/busybox.qcow2" --family app >/dev/null 2>&1
env_file dev "$port" 2 two
plan=$(imago deploy dev --plan 2>&1)
expect_contains "why" "$plan" "family app moved from app-v1 to app-v2; configuration changed"
read -r requests failed rc < <(under_load imago deploy dev --yes)
echo "red/black deploy under load: $requests requests, $failed failed"
expect_eq "exit code of the red/black deploy" "$rc" 0
((requests > 100)) || fail "the load sent only $requests requests"
expect_eq "failed requests during red/black" "$failed" 0
expect_eq "answers after release 2" "$(serves two)" "two "
expect_eq "groups: the previous one is kept warm" "$(groups)" "web-dev-v001 web-dev-v002"
expect_eq "ledger after release 2" "$(ledger dev '[.[] | .state] | join(" ")')" "LIVE DISABLED"

# 4. Rollback: the warm group is enabled again; nothing boots.
vms_before=$(vm_pids "$IMAGO_HOME" | sort | tr '\n' ' ')
t0=$(now)
read -r requests failed rc < <(under_load imago rollback dev --yes)
expect_eq "exit code of the rollback" "$rc" 0
echo "rollback to the warm group: $(echo "$(now) - $t0 - 3" | bc) s, $requests requests, $failed failed"
expect_eq "failed requests during the rollback" "$failed" 0
expect_eq "answers after the rollback" "$(serves one)" "one "
expect_eq "no VM booted by the rollback" "$(vm_pids "$IMAGO_HOME" | sort | tr '\n' ' ')" "$vms_before"
expect_eq "ledger after the rollback" "$(ledger dev '.[0] | "\(.number) \(.kind) \(.state) \(.group)"')" "3 rollback LIVE web-dev-v001"

# 5. A release that fails its health check: rolled back (exit 12); the live one serves on.
# Nothing listens there: unhealthy from boot. 30 s to get healthy (a good
# release takes about 15 s here) instead of 90: the wait is the whole cost.
TIMEOUT=30s env_file dev "$port" 2 bad "port: 8080"
read -r requests failed rc < <(under_load imago deploy dev --yes)
expect_eq "exit code of a release that never got healthy" "$rc" 12
expect_contains "says it was rolled back" "$(cat load.err)" "rolled back: release 3 still serves"
expect_eq "failed requests while the bad release was tried" "$failed" 0
expect_eq "answers after the bad release" "$(serves one)" "one "
expect_eq "the bad release's group is gone" "$(groups)" "web-dev-v001 web-dev-v002"
expect_eq "ledger: the bad release" "$(ledger dev '.[0] | "\(.number) \(.state)"')" "4 FAILED"

# 6. Promotion: prod gets exactly the image dev runs, with prod's configuration.
pport=$(free_port)
env_file prod "$pport" 1 prod
env_file dev "$port" 2 two
imago deploy dev --yes >dev.out 2>&1 || { cat dev.out; fail "deploy dev"; }
imago promote dev prod --yes >promote.out 2>&1 || { cat promote.out; fail "promote"; }
expect_eq "prod runs dev's image id" "$(ledger prod '.[0].imageId')" "$(ledger dev '[.[] | select(.state == "LIVE")][0].imageId')"
expect_eq "prod's answer" "$(curl -s -m 3 "http://127.0.0.1:$pport/" | cut -d' ' -f1)" "prod"
expect_eq "prod's release kind" "$(ledger prod '.[0].kind')" "promote"

# 7. kill -9 in the middle of a deploy: the next run continues it.
env_file dev "$port" 2 three
"$IMAGO" deploy dev --yes >kill.out 2>&1 &
pid=$!
for _ in $(seq 1 300); do
  [[ $(ledger dev '.[0].state') == DEPLOYING ]] && imago instance-groups managed describe web-dev-v006 >/dev/null 2>&1 && break
  sleep 0.2
done
kill -9 "$pid"
wait "$pid" 2>/dev/null || true
expect_eq "left DEPLOYING" "$(ledger dev '.[0].state')" "DEPLOYING"
imago deploy dev --yes >resume.out 2>&1 || { cat resume.out; fail "the rerun after kill -9"; }
expect_contains "the rerun continues" "$(cat resume.out)" "continuing an interrupted run"
expect_eq "answers after the continued release" "$(serves three)" "three "
expect_eq "one release made of it" "$(ledger dev '[.[] | select(.number == 6)] | length')" 1

# 8. A rolling environment whose VMs pull their configuration at boot: one
#    group, rolled in place under load.
qport=$(free_port)
env_file qa "$qport" 2 q1 "model: pull"
sed -i 's/strategy: .*/strategy: {type: rolling, max_surge: 1, max_unavailable: 0}/' environments/qa.yaml
imago deploy qa --yes >qa1.out 2>&1 || { cat qa1.out; fail "qa release 1"; }
env_file qa "$qport" 2 q2 "model: pull"
sed -i 's/strategy: .*/strategy: {type: rolling, max_surge: 1, max_unavailable: 0}/' environments/qa.yaml
url=http://127.0.0.1:$qport/
read -r requests failed rc < <(under_load imago deploy qa --yes)
echo "rolling deploy under load: $requests requests, $failed failed"
expect_eq "exit code of the rolling deploy" "$rc" 0
expect_eq "failed requests during the rolling deploy" "$failed" 0
expect_eq "qa answers" "$(serves q2)" "q2 "
expect_eq "qa has one group" "$(imago instance-groups managed list --format json | jq -r '[.[].name | select(startswith("web-qa"))] | join(" ")')" "web-qa"
expect_eq "pull: no item in the template" "$(imago instance-templates describe web-qa-v002 --format json | jq -r '[.properties.metadata.items[].key] | sort | join(" ")')" "imago-config-key imago-ports startup-script"
expect_eq "pull: the configuration is the project's" "$(imago project-info describe --format json | jq -r '[.commonInstanceMetadata.items[].key | select(startswith("imago-config-web-qa"))] | join(" ")')" "imago-config-web-qa-1 imago-config-web-qa-2"

# 9. The same through imago serve with --cloud gce (GceClient over HTTP):
#    a release, a second one red/black, a warm rollback.
start_serve
gce() { "$IMAGO" --cloud gce --project local --zone local-a \
  --endpoint "http://127.0.0.1:$port/compute/v1/" "$@"; }
sport=$(free_port)
url=http://127.0.0.1:$sport/
env_file stage "$sport" 1 s1
gce deploy stage --yes >stage1.out 2>&1 || { cat stage1.out; fail "gce: stage release 1"; }
expect_eq "gce: stage answers" "$(serves s1)" "s1 "
env_file stage "$sport" 1 s2
gce deploy stage --yes >stage2.out 2>&1 || { cat stage2.out; fail "gce: stage release 2"; }
expect_eq "gce: stage answers release 2" "$(serves s2)" "s2 "
gce rollback stage --yes >stage3.out 2>&1 || { cat stage3.out; fail "gce: stage rollback"; }
expect_contains "gce: warm rollback" "$(cat stage3.out)" "its group is still warm: no boot"
expect_eq "gce: stage answers release 1 again" "$(serves s1)" "s1 "
expect_eq "gce: the ledger" "$(gce releases stage --format json | jq -r '[.[].state] | join(" ")')" "LIVE DISABLED SUPERSEDED"

# 10. An OBSOLETE image is refused before anything changes.
imago images deprecate app-v2 --state OBSOLETE >/dev/null 2>&1
sed -i 's/family: app/name: app-v2/' environments/qa.yaml
url=http://127.0.0.1:$qport/
expect_rc 7 imago deploy qa --yes
expect_contains "obsolete" "$ERR" "'app-v2' is OBSOLETE"
echo "PASS: deploy: red/black and rolling under load with no failed request, warm rollback, a bad release rolled back, promotion, kill -9 continued"
