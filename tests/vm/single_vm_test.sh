#!/usr/bin/env bash
# A kind: instance environment with real VMs: one VM (SERVICE-ENV) with a
# data disk, no group and no load balancer, is an `imago deploy`
# environment like a group: the first release makes the disk and the VM;
# each later release replaces the VM by the plain pattern (stop, detach, a
# new VM from the new image, attach) and prints the downtime; the ledger
# records every release; a release that never gets healthy is undone by the
# same pattern; rollback gives the VM back an earlier release's exact image
# and configuration; promotion checks the VM serves; kill -9 in the middle
# of a release: the rerun finishes it; env list shows its health;
# clone-data fills another one's disk; env destroy deletes the VM and its
# disk; a release through GCE's REST API (imago serve, --cloud gce). The
# guest keeps every line it wrote on the data disk through all of it, and
# gets its secret at boot (never in metadata, the ledger or the output).
# Bad input, a data disk attached to another VM: one line, nothing made.
source "$(dirname "$0")/../cli/lib.sh"
: "${IMAGO_SRC:?}"
cache=${KIT_CACHE:-$WORK/cache}
trap vm_test_cleanup EXIT

bash "$IMAGO_SRC/images/busybox/build.sh" "$WORK/kit" "$cache" >/dev/null
imago images create db-v1 --source-file "$WORK/kit/busybox.qcow2" --family db >/dev/null 2>&1
mkdir environments
# The "database": a log on the data disk, a line per boot with the
# release's RELEASE; / answers with the whole log, /ready once it is written.
cat >environments/db.sh <<'EOF'
#!/bin/sh
get() { wget -q -O - --header "Metadata-Flavor: Google" "http://169.254.169.254/computeMetadata/v1/instance/attributes/$1"; }
while [ ! -e /dev/disk/by-id/google-data ]; do sleep 0.2; done
mkdir -p /mnt/data
mount /dev/disk/by-id/google-data /mnt/data 2>/dev/null ||
  { mke2fs -q /dev/disk/by-id/google-data && mount /dev/disk/by-id/google-data /mnt/data; }
echo "$(get RELEASE)" >>/mnt/data/log
sync
tr '\n' ' ' </mnt/data/log >/www/.index && mv /www/.index /www/index.html
get DB_PASSWORD >/www/.secret && mv /www/.secret /www/secret.txt
echo ok >/www/.ready && mv /www/.ready /www/ready
EOF
# A secret handed to the VM at boot (docs/secrets.md): never in its metadata,
# the project's, the ledger or the output.
export SVM_DB_PASSWORD=svm-s3cret-4d1f
with_secret='secrets: {DB_PASSWORD: env:SVM_DB_PASSWORD}'
env_file() {  # env_file NAME RELEASE [HEALTH_PATH] [EXTRA LINE]
  cat >"environments/$1.yaml" <<EOF
service: pg
kind: instance
image: {family: db}
config: {RELEASE: $2}
files: {startup-script: db.sh}
${SECRETS-$with_secret}
data_disks:
  data: {size: 1GB}
health_check: {path: ${3:-/ready}, interval: 1s, timeout: 1s}
timeout: ${TIMEOUT:-120s}
${4:-}
EOF
}
host_port() { imago instances describe "pg-$1" --format json | jq -r '.forwardedPorts[] | select(.guestPort == 80) | .hostPort'; }
page() {  # page ENV WANT: what ENV's VM answers, within 60 s of WANT.
  local got="" end=$((SECONDS + 60))
  while ((SECONDS < end)); do
    got=$(curl -s -m 3 "http://127.0.0.1:$(host_port "$1")/" 2>/dev/null || true)
    [[ $got == "$2" ]] && break
    sleep 0.5
  done
  echo "$got"
}
ledger() { imago releases db --format json | jq -r "$1"; }

# --- bad input: one line with FILE:LINE, nothing made
env_file db r1 /ready "load_balancer: {port: 8080}"
expect_rc 3 imago deploy db --yes
expect_contains "no load balancer" "$ERR" "environments/db.yaml:11: key 'load_balancer': kind: instance is one VM"
env_file db r1 /ready "size: 2"
expect_rc 3 imago deploy db --yes
expect_contains "no size" "$ERR" "key 'size': kind: instance is one VM"
env_file db r1 /ready "model: pull"
expect_rc 3 imago deploy db --yes
expect_contains "push only" "$ERR" "key 'model': kind: instance is push only"
env_file db r1 /ready "strategy: rolling"
expect_rc 3 imago deploy db --yes
expect_contains "no strategy" "$ERR" "only strategy.rollback_on_failure applies"
sed 's/^kind: instance/kind: vm/' -i environments/db.yaml
expect_rc 3 imago deploy db --yes
expect_contains "unknown kind" "$ERR" "key 'kind': expected group"
[[ $(printf '%s\n' "$ERR" | wc -l) == 1 ]] || fail "error not one line: $ERR"
expect_eq "nothing made" "$(imago instances list --format json | jq length),$(imago disks list --format json | jq length)" "0,0"
# The environment's disk attached to another VM: refused at plan time.
imago disks create pg-db-data --size 1GB >/dev/null 2>&1
imago instances create other --image db-v1 --disk name=pg-db-data,device-name=data >/dev/null 2>&1
env_file db r1
expect_rc 3 imago deploy db --yes
expect_contains "a disk attached elsewhere" "$ERR" "the data disk pg-db-data is attached to other; detach it there first"
expect_eq "no release recorded" "$(imago releases db --format json | jq length)" 0
imago instances delete other >/dev/null 2>&1
imago disks delete pg-db-data >/dev/null 2>&1

# --- 1. the first release makes the data disk and the VM
env_file db r1
plan=$(imago deploy db --plan 2>&1)
expect_contains "plan: the disk" "$plan" "+ disk pg-db-data"
expect_contains "plan: the VM" "$plan" "+ instance pg-db"
expect_contains "plan: the strategy" "$plan" "(replace, push)"
imago deploy db --yes >r1.out 2>&1 || { cat r1.out; fail "release 1"; }
expect_contains "release 1 live" "$(cat r1.out)" "db: release 1 live (db-v1, VM pg-db healthy)"
expect_eq "release 1 wrote its line" "$(page db 'r1 ')" "r1 "
d=$(imago instances describe pg-db --format json)
expect_eq "the VM is labelled as the environment's" "$(jq -r '.labels | "\(."imago-service") \(."imago-env") \(."imago-release")"' <<<"$d")" "pg db 1"
expect_eq "the data disk by device name" "$(jq -r '[.disks[] | select(.boot | not) | "\(.deviceName)=\(.source | split("/") | last)"] | join(",")' <<<"$d")" "data=pg-db-data"
expect_eq "no group, no load balancer" "$(imago instance-groups managed list --format json | jq length),$(imago forwarding-rules list --format json | jq length)" "0,0"
secret() { curl -s -m 3 "http://127.0.0.1:$(host_port "$1")/secret.txt"; }
expect_eq "the VM got its secret" "$(secret db)" "$SVM_DB_PASSWORD"
for shown in "$(imago instances describe pg-db --format json)" "$(imago project-info describe --format json)" \
  "$(imago releases db --format json)" "$(cat r1.out)"; do
  [[ $shown != *"$SVM_DB_PASSWORD"* ]] || fail "the secret's value is shown: $shown"
done
expect_eq "no changes: nothing done" "$(imago deploy db --yes 2>&1 | tail -1)" "db: no changes; release 1 serves"

# --- 2. a new image and configuration: the plain pattern, downtime printed
imago images create db-v2 --source-file "$WORK/kit/busybox.qcow2" --family db >/dev/null 2>&1
env_file db r2
plan=$(imago deploy db --plan 2>&1)
expect_contains "plan: why" "$plan" "family db moved from db-v1 to db-v2; configuration changed"
expect_contains "plan: the old VM goes" "$plan" "- instance pg-db"
expect_contains "plan: the disk is kept" "$plan" "= disk pg-db-data          detached and kept"
imago deploy db --yes >r2.out 2>&1 || { cat r2.out; fail "release 2"; }
expect_contains "replaced, downtime measured" "$(cat r2.out)" "replaced pg-db: db-v1 -> db-v2; downtime"
grep -o "downtime [0-9.]* s (stop [0-9.]* s, disk swap [0-9.]* s, boot to healthy [0-9.]* s)" r2.out
expect_eq "release 2 read release 1's data" "$(page db 'r1 r2 ')" "r1 r2 "
expect_eq "the ledger" "$(ledger '[.[] | "\(.number):\(.state):\(.strategy):\(.image)"] | join(" ")')" \
  "2:LIVE:replace:db-v2 1:SUPERSEDED:replace:db-v1"
expect_rc 3 imago instances replace pg-db --image db-v1 --yes
expect_contains "instances replace leaves it to deploy" "$ERR" "instance pg-db is the VM of environment db of service pg: deploy it instead"

# --- 3. env list: the VM's health
expect_eq "env list" "$(imago env list --format json | jq -r '.[] | "\(.environment) \(.liveRelease) \(.image) \(.healthy)/\(.wanted)"')" "db 2 db-v2 1/1"

# --- 4. a release that never gets healthy is undone by the same pattern
TIMEOUT=30s env_file db r3 /never
expect_rc 12 imago deploy db --yes
expect_contains "rolled back" "$ERR" "rolled back: pg-db runs release 2 (db-v2) again, healthy"
expect_eq "release 2's data and configuration back" "$(page db 'r1 r2 r3 r2 ')" "r1 r2 r3 r2 "
expect_eq "release 3 failed, 2 live" "$(ledger '[.[] | "\(.number):\(.state)"] | join(" ")')" "3:FAILED 2:LIVE 1:SUPERSEDED"

# --- 5. rollback: release 1's exact image, configuration (RELEASE r1) and
#        health check, although the file now says r4 and a health path that
#        never answers
env_file db r4 /never
imago rollback db --yes >rb.out 2>&1 || { cat rb.out; fail "rollback"; }
expect_eq "release 1's own check kept" "$(imago health-checks describe pg-db-v001 --format json | jq -r .httpHealthCheck.requestPath)" /ready
expect_contains "rollback plan" "$(cat rb.out)" "rollback from release 2 to release 1 (its configuration is kept"
expect_eq "release 1's configuration back" "$(page db 'r1 r2 r3 r2 r1 ')" "r1 r2 r3 r2 r1 "
expect_eq "on db-v1" "$(ledger '.[0] | "\(.number):\(.kind):\(.state):\(.image)"')" "4:rollback:LIVE:db-v1"
expect_eq "with release 1's secret" "$(secret db)" "$SVM_DB_PASSWORD"

# --- 6. kill -9 in the middle of a release: the rerun finishes it
env_file db r4
"$IMAGO" deploy db --yes >kill.out 2>&1 &
dp=$!
end=$((SECONDS + 90))
until grep -q "detached pg-db-data" kill.out || ((SECONDS > end)); do sleep 0.05; done
grep -q "detached pg-db-data" kill.out || fail "no detach seen: $(cat kill.out)"
kill -9 "$dp"
wait "$dp" 2>/dev/null || true
expect_eq "release 5 left DEPLOYING" "$(ledger '.[0] | "\(.number):\(.state)"')" "5:DEPLOYING"
imago deploy db --yes >resume.out 2>&1 || { cat resume.out; fail "the rerun"; }
expect_contains "the rerun continues" "$(cat resume.out)" "continuing an interrupted run"
expect_eq "every line kept" "$(page db 'r1 r2 r3 r2 r1 r4 ')" "r1 r2 r3 r2 r1 r4 "
expect_eq "release 5 live" "$(ledger '.[0] | "\(.number):\(.state):\(.image)"')" "5:LIVE:db-v2"
expect_eq "one VM, its boot disk and the data disk" \
  "$(imago instances list --format json | jq length) $(imago disks list --format json | jq -r '[.[].name] | sort | join(",")')" "1 pg-db,pg-db-data"
expect_eq "no replacement record left" "$(imago project-info describe --format json | jq -r '[.commonInstanceMetadata.items // [] | .[] | select(.key | startswith("imago-replace"))] | length')" 0

# --- 7. promotion: prod gets exactly the image db runs healthy
env_file prod p1
imago promote db prod --yes >promote.out 2>&1 || { cat promote.out; fail "promote"; }
expect_contains "promoted" "$(cat promote.out)" "promoted from db release 5 (1 of 1 instances healthy)"
expect_eq "prod's own VM and disk" "$(page prod 'p1 ')" "p1 "
expect_eq "prod runs db's image" "$(imago releases prod --format json | jq -r '.[0].image')" db-v2

# --- a release of prod through GCE's REST API (imago serve, imago --cloud gce):
#     the disk, health check, stop, detachDisk, delete and insert calls a
#     release on Google Compute Engine makes
start_serve
gce() { "$IMAGO" --cloud gce --project local --zone local-a \
  --endpoint "http://127.0.0.1:$port/compute/v1/" "$@"; }
SECRETS="" env_file prod p2  # On GCE secrets are refused (docs/secrets.md).
gce deploy prod --yes >/dev/null 2>gce.err || fail "deploy through the API failed: $(cat gce.err)"
expect_contains "replaced through the API" "$(cat gce.err)" "replaced pg-prod: db-v2 -> db-v2; downtime"
expect_eq "prod's disk kept through the API" "$(page prod 'p1 p2 ')" "p1 p2 "
kill -0 "$server" || fail "imago serve died: $(cat serve.log)"

# --- 8. dev from prod's data: clone-data names dev's disk for dev's one VM
env_file dev d1
imago env clone-data dev --from prod --yes >clone.out 2>&1 || { cat clone.out; fail "clone-data"; }
expect_contains "the copy is named for dev's VM" "$(cat clone.out)" "pg-dev-data"
imago deploy dev --yes >dev.out 2>&1 || { cat dev.out; fail "deploy dev"; }
expect_eq "dev's VM read prod's rows" "$(page dev 'p1 p2 d1 ')" "p1 p2 d1 "
expect_eq "prod untouched" "$(page prod 'p1 p2 ')" "p1 p2 "
imago env destroy dev --yes >/dev/null 2>&1 || fail "env destroy dev"

# --- 9. env destroy: the VM and the disk it made, nothing of prod
imago env destroy db --yes >destroy.out 2>&1 || { cat destroy.out; fail "env destroy"; }
expect_contains "destroy: the VM" "$(cat destroy.out)" "deleted instance pg-db"
expect_contains "destroy: its disk" "$(cat destroy.out)" "deleted data disk pg-db-data"
expect_eq "prod's VM and disks are all that is left" \
  "$(imago instances list --format json | jq -r '[.[].name] | join(",")') $(imago disks list --format json | jq -r '[.[].name] | sort | join(",")')" "pg-prod pg-prod,pg-prod-data"
imago env destroy prod --yes >/dev/null 2>&1 || fail "env destroy prod"
expect_eq "nothing left" "$(imago instances list --format json | jq length),$(imago disks list --format json | jq length)" "0,0"
echo "PASS: single VM: deploy, replace with downtime, undo, rollback, kill -9, promote and destroy keep the data disk"
