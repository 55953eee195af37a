#!/usr/bin/env bash
# Dev from prod with real VMs: `imago env clone-data dev --from prod` makes
# dev's data disk from a snapshot of prod's, restores the newest backup and
# scrubs (blanks the e-mail column) in a job VM of prod's image before dev
# serves, and records what it used. The faults: no backup, a corrupt backup,
# a disk in the way, a scrub that fails (one line; prod untouched; dev refuses to deploy on
# it), two clones at once (one waits), kill -9 in the middle (the rerun
# undoes the copies and finishes); env destroy deletes dev's disks and
# snapshots and nothing of prod's.
source "$(dirname "$0")/../cli/lib.sh"
: "${IMAGO_SRC:?}"
cache=${KIT_CACHE:-$WORK/cache}
trap vm_test_cleanup EXIT

bash "$IMAGO_SRC/images/busybox/build.sh" "$WORK/kit" "$cache" >/dev/null
imago images create db-v1 --source-file "$WORK/kit/busybox.qcow2" --family db >/dev/null 2>&1
mkdir environments backups
# The "database": rows.csv (id,name,email) on the data disk; made with two
# rows the first time; / answers with the rows.
cat >environments/db.sh <<'EOF'
#!/bin/sh
while [ ! -e /dev/disk/by-id/google-data ]; do sleep 0.2; done
mkdir -p /mnt/data
mount /dev/disk/by-id/google-data /mnt/data 2>/dev/null ||
  { mke2fs -q /dev/disk/by-id/google-data && mount /dev/disk/by-id/google-data /mnt/data; }
[ -f /mnt/data/rows.csv ] || printf '1,ann,ann@example.com\n2,bob,bob@example.com\n' >/mnt/data/rows.csv
sync
tr '\n' ' ' </mnt/data/rows.csv >/www/index.html
EOF
# Both job steps mount the cloned disk the same way.
mount_data='while [ ! -e /dev/disk/by-id/google-data ]; do sleep 0.2; done
mkdir -p /mnt/data; grep -q " /mnt/data " /proc/mounts || mount /dev/disk/by-id/google-data /mnt/data || exit 5'
# (It takes 4 s more, for the kill -9 below to land while it runs.)
printf '#!/bin/sh\n%s\nsleep 4\ngunzip -c "$IMAGO_BACKUP" >/mnt/data/rows.csv.new || exit 4\nmv /mnt/data/rows.csv.new /mnt/data/rows.csv\necho "restored $(wc -l </mnt/data/rows.csv) rows from $IMAGO_CLONE_FROM"\n' \
  "$mount_data" >environments/restore.sh
printf '#!/bin/sh\n%s\nsed -i "s/,[^,]*\$/,/" /mnt/data/rows.csv && sync\n' "$mount_data" >environments/scrub.sh
printf '#!/bin/sh\n%s\necho "scrub: the e-mail column is not there" >&2\nexit 3\n' "$mount_data" >environments/bad-scrub.sh

p_prod=$(free_port)
p_dev=$(free_port)
env_file() {  # env_file NAME PORT [EXTRA]
  cat >"environments/$1.yaml" <<EOF
service: pg
image: {family: db}
size: 1
files: {startup-script: db.sh}
data_disks:
  data: {size: 1GB}
health_check: {path: /health, interval: 1s, timeout: 1s, initial_delay: 120s}
load_balancer: {port: $2}
timeout: 120s
${3:-}
EOF
}
page() {  # page PORT WANT: the rows the service answers, within 30 s of WANT.
  local got end=$((SECONDS + 30))
  while got=$(curl -s -m 3 "http://127.0.0.1:$1/") && [[ $got != "$2" ]] && ((SECONDS < end)); do sleep 0.5; done
  echo "$got"
}
record() { imago project-info describe --format json | jq -r --arg k "imago-clone-pg-$1" '.commonInstanceMetadata.items[] | select(.key == $k) | .value'; }
snapshots() { imago snapshots list --format json | jq length; }
prod_rows="1,ann,ann@example.com 2,bob,bob@example.com "

# 1. prod: a stateful service with its rows.
env_file prod "$p_prod"
imago deploy prod --yes >prod.out 2>&1 || { cat prod.out; fail "deploy prod"; }
expect_eq "prod serves its rows" "$(page "$p_prod" "$prod_rows")" "$prod_rows"
expect_eq "prod's VM is numbered" "$(imago instances list --format json | jq -r '.[0].name')" pg-prod-001
prod_disk_id=$(imago disks describe pg-prod-001-data --format json | jq -r .id)

clone_yaml="clone_data: {from: prod, backups: ../backups, restore: restore.sh, scrub: scrub.sh, timeout: 5m}"
env_file dev "$p_dev" "$clone_yaml"

# 2. Bad input, refused before anything is made: no backup; a corrupt one.
expect_rc 4 imago env clone-data dev --yes
expect_contains "no backup" "$ERR" "No backup in"
echo "not gzip" >backups/rows-1.csv.gz
expect_rc 3 imago env clone-data dev --yes
expect_contains "a corrupt backup, one line" "$ERR" "rows-1.csv.gz is corrupt (gzip -t:"
[[ $(wc -l <<<"$ERR") == 1 ]] || fail "the corrupt backup's error is not one line: $ERR"
expect_eq "nothing made: no snapshot" "$(snapshots)" 0
expect_eq "nothing made: no dev disk" "$(imago disks list --format json | jq '[.[] | select(.name | startswith("pg-dev"))] | length')" 0
rm backups/rows-1.csv.gz
# A disk under the name dev's first VM needs, not dev's: refused too.
imago disks create pg-dev-001-data --size 1 >/dev/null 2>&1
expect_rc 5 imago env clone-data dev --yes
expect_contains "a disk of dev's name that is not dev's" "$ERR" "A disk pg-dev-001-data exists and is not dev's"
imago disks delete pg-dev-001-data >/dev/null 2>&1
# The newest backup has a row the snapshot lacks: the restore is seen in dev.
printf '1,ann,ann@example.com\n2,bob,bob@example.com\n3,cid,cid@example.com\n' | gzip >backups/rows-2.csv.gz
touch -d '1 hour ago' backups/rows-2.csv.gz
printf '1,old,old@example.com\n' | gzip >backups/rows-0.csv.gz
touch -d '2 hours ago' backups/rows-0.csv.gz

# 3. A scrub that fails: one line, prod untouched, dev refuses its data.
env_file qa "$(free_port)" "clone_data: {from: prod, backups: ../backups, restore: restore.sh, scrub: bad-scrub.sh}"
expect_rc 3 imago env clone-data qa --yes
expect_contains "the scrub's failure, named" "$ERR" "pg-qa: clone from prod failed: scrub exit 3"
expect_eq "the record says FAILED" "$(record qa | jq -r .state)" FAILED
expect_eq "env list shows it" "$(imago env list --format json | jq -r '.[] | select(.environment == "qa") | .state')" "CLONE FAILED"
expect_rc 6 imago deploy qa --yes
expect_contains "qa refuses to serve it" "$ERR" "pg-qa's data clone from prod is FAILED (scrub exit 3): its disks must not serve"
expect_eq "prod still serves its rows" "$(page "$p_prod" "$prod_rows")" "$prod_rows"
expect_eq "no job VM left" "$(imago instances list --format json | jq '[.[] | select(.name | endswith("-clone"))] | length')" 0
imago env destroy qa --yes >qa-destroy.out 2>&1 || { cat qa-destroy.out; fail "destroy qa"; }
expect_contains "destroy qa deletes its copy" "$(cat qa-destroy.out)" "deleted data disk pg-qa-001-data"
expect_contains "and its snapshot" "$(cat qa-destroy.out)" "deleted snapshot pg-qa-001-data-"
expect_eq "qa's record is gone" "$(record qa)" ""

# 4. Two clones into dev at once; the first is killed (-9) while its job VM
#    runs: the second waited for it, undoes its copies and finishes.
"$IMAGO" env clone-data dev --yes >c1.out 2>&1 &  # $! is imago itself
c1=$!
end=$((SECONDS + 60))
until grep -q "booted job VM" c1.out 2>/dev/null || ((SECONDS > end)); do sleep 0.2; done
grep -q "booted job VM" c1.out || { cat c1.out; fail "the first clone did not reach its job VM"; }
"$IMAGO" env clone-data dev --yes >c2.out 2>&1 &
c2=$!
sleep 1
kill -9 "$c1"
wait "$c1" 2>/dev/null || true
t0=$(now)
wait "$c2" || { cat c2.out; fail "the second clone"; }
expect_contains "the second waited" "$(cat c2.out)" "Another deploy, clone or destroy of dev is running; waiting"
expect_contains "it undid the killed one's copy" "$(cat c2.out)" "deleted the unfinished clone's copy pg-dev-001-data"
expect_contains "restore ran" "$(cat c2.out)" "job VM: restore exit 0"
expect_contains "scrub ran" "$(cat c2.out)" "job VM: scrub exit 0"
echo "clone of prod's 1 GB data disk (undo, snapshot, disk, restore, scrub): $(echo "$(now) - $t0" | bc) s"
rec=$(record dev)
expect_eq "recorded DONE" "$(jq -r .state <<<"$rec")" DONE
expect_eq "recorded the backup" "$(jq -r .backup.file <<<"$rec")" "$WORK/backups/rows-2.csv.gz"
expect_eq "recorded its sha256" "$(jq -r .backup.sha256 <<<"$rec")" "$(sha256sum backups/rows-2.csv.gz | cut -d' ' -f1)"
expect_eq "recorded the snapshot" "$(jq -r '.disks[0].sourceDisk + " " + (.disks[0].snapshot | startswith("pg-dev-001-data-") | tostring)' <<<"$rec")" "pg-prod-001-data true"
expect_eq "env list shows dev, cloned, before its first release" "$(imago env list --format json | jq -r '.[] | select(.environment == "dev") | .state')" CLONED
expect_rc 5 imago env clone-data dev --yes
expect_contains "a third is refused" "$ERR" "holds data cloned from prod at"
expect_eq "no job VM left" "$(imago instances list --format json | jq '[.[] | select(.name | endswith("-clone"))] | length')" 0

cat c2.out >&2  # What a user sees (in the test log).
# 5. dev serves the scrubbed rows, the restored one included; prod is as it was.
imago deploy dev --yes >dev.out 2>&1 || { cat dev.out; fail "deploy dev"; }
expect_eq "dev serves prod's rows, scrubbed, with the backup's" "$(page "$p_dev" "1,ann, 2,bob, 3,cid, ")" "1,ann, 2,bob, 3,cid, "
expect_eq "prod is untouched" "$(page "$p_prod" "$prod_rows")" "$prod_rows"
expect_eq "prod's disk is the same disk" "$(imago disks describe pg-prod-001-data --format json | jq -r .id)" "$prod_disk_id"

# 6. env destroy dev: its disk and snapshots go, nothing of prod's.
imago env destroy dev --yes >destroy.out 2>&1 || { cat destroy.out; fail "destroy dev"; }
expect_contains "dev's disk deleted" "$(cat destroy.out)" "deleted data disk pg-dev-001-data"
expect_eq "no snapshot left" "$(snapshots)" 0
expect_eq "dev's record is gone" "$(record dev)" ""
expect_eq "prod's disk stays" "$(imago disks list --format json | jq -r '[.[] | select(.name | endswith("-data")) | .name] | join(" ")')" "pg-prod-001-data"
expect_eq "prod still serves" "$(page "$p_prod" "$prod_rows")" "$prod_rows"
echo "PASS: clone-data: dev from prod's snapshot, newest backup restored, scrubbed before serving; faults refused or undone; destroy takes dev's only"
