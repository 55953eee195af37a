#!/usr/bin/env bash
# Environments that end, with real VMs: imago env list (release, health,
# expiry); imago env destroy shows what it deletes, deletes all the
# environment made (load balancer, groups and their VMs, templates, health
# checks, secrets, project metadata, the ledger) and nothing else; kill -9
# in the middle of a destroy, then the rerun finishes it; a ttl ends and the
# controller destroys the environment by itself; a production environment
# cannot get a ttl by accident.
source "$(dirname "$0")/../cli/lib.sh"
: "${IMAGO_SRC:?}"
cache=${KIT_CACHE:-$WORK/cache}
trap vm_test_cleanup EXIT

bash "$IMAGO_SRC/images/busybox/build.sh" "$WORK/kit" "$cache" >/dev/null
imago images create app-v1 --source-file "$WORK/kit/busybox.qcow2" --family app >/dev/null 2>&1
mkdir environments
export TEST_TOKEN=token-value
env_file() {  # env_file NAME PORT [EXTRA]
  cat >"environments/$1.yaml" <<EOF
service: web
image: {family: app}
size: 1
secrets: {TOKEN: env:TEST_TOKEN}
health_check: {path: /health, interval: 1s, timeout: 1s, initial_delay: 120s}
strategy: {type: red-black, keep_previous: 30m}
load_balancer: {port: $2}
timeout: 120s
${3:-}
EOF
}
names() {  # Everything of the project whose name starts with $1, sorted, one line.
  { imago instance-groups managed list --format json | jq -r '.[].name'
    imago instance-templates list --format json | jq -r '.[].name'
    imago health-checks list --format json | jq -r '.[].name'
    imago instances list --format json | jq -r '.[].name'
    imago load-balancers list --format json 2>/dev/null | jq -r '.[].name'
  } | grep "^$1" | sort | tr '\n' ' '
}

# 1. A production environment cannot get a ttl by accident.
env_file prod "$(free_port)" "ttl: 8h"
expect_rc 3 imago deploy prod --plan
expect_contains "prod ttl" "$ERR" "environments/prod.yaml:9: key 'ttl': 'prod' is a production environment"

# 2. Two environments; the list shows each.
dport=$(free_port) qport=$(free_port)
env_file dev "$dport"
env_file qa "$qport"
imago deploy dev --yes >dev.out 2>&1 || { cat dev.out; fail "deploy dev"; }
imago deploy dev --yes >/dev/null 2>&1  # Nothing to do; no second release.
env_file dev "$dport" "config: {V: two}"
imago deploy dev --yes >dev2.out 2>&1 || { cat dev2.out; fail "deploy dev again"; }
imago deploy qa --yes >qa.out 2>&1 || { cat qa.out; fail "deploy qa"; }
list=$(imago env list)
echo "$list"
expect_contains "list header" "$list" "SERVICE  ENVIRONMENT  RELEASE  IMAGE   STATE  HEALTH  EXPIRES"
expect_eq "dev in the list" "$(imago env list --format json | jq -r '.[] | select(.environment == "dev") | "\(.liveRelease) \(.healthy)/\(.wanted) \(.expiresAt)"')" "2 1/1 "
expect_eq "qa in the list" "$(imago env list --format json | jq -r '.[] | select(.environment == "qa") | .state')" "LIVE"

# 3. destroy: the plan, a refusal off a terminal, kill -9 half way, the rerun.
plan=$(imago env destroy dev --plan)
expect_contains "the plan" "$plan" "destroy dev: 13 resource(s) of web-dev, nothing else"
expect_contains "the plan lists groups" "$plan" "- group web-dev-v001"
expect_contains "the plan lists secrets" "$plan" "- secrets web-dev-v002"
expect_rc 2 imago env destroy dev </dev/null
expect_contains "no --yes" "$ERR" "give --yes to destroy dev"
[[ -n $(names web-dev) ]] || fail "the refusal deleted something"
"$IMAGO" env destroy dev --yes >destroy.out 2>&1 &
pid=$!
for _ in $(seq 1 200); do grep -q "deleted group" destroy.out && break; sleep 0.05; done
kill -9 "$pid"
wait "$pid" 2>/dev/null || true
grep -q "deleted group" destroy.out || fail "the destroy never got to the groups: $(cat destroy.out)"
imago env destroy dev --yes >destroy2.out 2>&1 || { cat destroy2.out; fail "the rerun of the destroy"; }
expect_contains "the rerun finished it" "$(cat destroy2.out)" "Destroyed dev"
expect_eq "nothing of dev left" "$(names web-dev-)" ""
expect_eq "dev's load balancer is gone" "$(curl -s -m 2 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$dport/" || true)" "000"
expect_eq "dev's secrets are gone" "$(ls "$IMAGO_HOME/secrets/local" | tr '\n' ' ')" "web-qa-v001.json "
expect_eq "dev's ledger is gone" "$(imago project-info describe --format json | jq -r '[.commonInstanceMetadata.items[].key | select(contains("web-dev"))] | length')" 0
expect_eq "qa untouched" "$(curl -s -m 3 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$qport/health")" "200"
expect_eq "the image stays" "$(imago images describe app-v1 --format json | jq -r .status)" "READY"
expect_rc 4 imago env destroy dev --yes
expect_contains "nothing to destroy" "$ERR" "No environment dev of service web"

# 4. A ttl: the controller destroys qa when it ends (within its 30 s round).
env_file qa "$qport" "ttl: 10s"
imago deploy qa --yes >qa2.out 2>&1 || { cat qa2.out; fail "deploy qa with a ttl"; }
expect_ne() { [[ "$2" != "$3" ]] || fail "$1: got '$2'"; }
expect_ne "qa's expiry" "$(imago env list --format json | jq -r '.[0].expiresAt')" ""
for _ in $(seq 1 90); do [[ -z $(names web-qa) ]] && break; sleep 1; done
expect_eq "qa destroyed by its ttl" "$(names web-qa)" ""
expect_eq "no environment left" "$(imago env list --format json | jq length)" 0
expect_eq "no VM left" "$(qemu_count "$IMAGO_HOME")" 0
expect_eq "no secrets left" "$(ls "$IMAGO_HOME/secrets/local" | wc -l)" 0
echo "PASS: env: list, destroy (plan, kill -9 and rerun, nothing else touched), a ttl ended by the controller, prod protected"
