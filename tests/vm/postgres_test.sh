#!/usr/bin/env bash
# A real PostgreSQL (Debian's postgresql-15) in an image that `imago bake`
# built, as a stateful service:
#   - examples/postgres/postgres.yaml: an apt provisioner (apt on the host
#     resolves and downloads against the parent image's own dpkg status,
#     dpkg installs in the builder VM), no cluster on the boot disk;
#   - prod: the cluster on the VM's data disk; rows written through the
#     service; a nightly-style backup (pg_dump) taken from it; a new image
#     deployed: the new VM reattaches the disk and the rows are there;
#   - `imago env clone-data dev --from prod`: dev's disk from a snapshot of
#     prod's running VM, the backup restored with psql, the e-mail column
#     scrubbed, all in a job VM; dev serves prod's rows with blank e-mails,
#     prod is unchanged; env destroy dev takes dev's disk only.
source "$(dirname "$0")/../cli/lib.sh"
: "${IMAGO_SRC:?}" "${IMAGO_GUEST_AGENT:?}"
trap vm_test_cleanup EXIT

kit_debian
cp -r "$IMAGO_SRC/examples/postgres" pg
bake_json=$(imago bake pg/postgres.yaml --format json 2>bake.log) || { tail -20 bake.log; fail "bake PostgreSQL"; }
expect_eq "one image baked" "$(jq -r '.family' <<<"$bake_json")" postgres
echo "bake of PostgreSQL 15 from Debian's packages: $(jq -r '.durationSeconds' <<<"$bake_json") s"
v1=$(jq -r '.image' <<<"$bake_json")

mkdir environments backups
cp pg/environments/*.sh environments/
p_prod=$(free_port)
p_dev=$(free_port)
env_file() {  # env_file NAME PORT [EXTRA]
  cat >"environments/$1.yaml" <<YAML
service: pg
image: {family: postgres}
size: 1
files: {startup-script: db.sh}
data_disks:
  data: {size: 1GB}
health_check: {path: /cgi-bin/health, interval: 3s, timeout: 3s, initial_delay: 300s}
load_balancer: {port: $2}
timeout: 300s
${3:-}
YAML
}
rows() { curl -s -m 10 "http://127.0.0.1:$1/cgi-bin/rows" | tr '\n' ' '; }
add() {  # add PORT ID,NAME,EMAIL
  local got
  got=$(curl -s -m 10 "http://127.0.0.1:$1/cgi-bin/add?$2")
  [[ $got == "added ${2%%,*}" ]] || fail "insert $2 into the service on port $1: $got"
}

# 1. prod: PostgreSQL on the data disk; rows written through the service.
env_file prod "$p_prod"
imago deploy prod --yes >prod.out 2>&1 || { cat prod.out; fail "deploy prod"; }
add "$p_prod" "1,ann,ann@example.com"
add "$p_prod" "2,bob,bob@example.com"
expect_eq "prod has its rows" "$(rows "$p_prod")" "1,ann,ann@example.com 2,bob,bob@example.com "
expect_rc 0 curl -sf -m 30 -o backups/users-1.sql.gz "http://127.0.0.1:$p_prod/cgi-bin/dump"
expect_contains "the backup is pg_dump's" "$(gunzip -c backups/users-1.sql.gz)" "PostgreSQL database dump"
add "$p_prod" "3,cid,cid@example.com"  # After the backup: in prod's disk, not in the backup.
prod_rows="1,ann,ann@example.com 2,bob,bob@example.com 3,cid,cid@example.com "
prod_disk_id=$(imago disks describe pg-prod-001-data --format json | jq -r .id)

# 2. A new image for prod: the new VM reattaches the data disk; PostgreSQL
#    finds its cluster and the rows.
imago images create pg-v2 --source-image "$v1" --family postgres >/dev/null 2>&1 || fail "make image pg-v2"
imago deploy prod --yes >prod2.out 2>&1 || { cat prod2.out; fail "deploy prod's new image"; }
expect_eq "release 2 is pg-v2" "$(imago releases prod --format json | jq -r '.[0] | "\(.number) \(.image)"')" "2 pg-v2"
expect_eq "prod's VM boots pg-v2" "$(imago disks describe pg-prod-001 --format json | jq -r '.sourceImage' | xargs basename)" pg-v2
expect_contains "the replacement's downtime, measured and printed" "$(cat prod2.out)" "pg-prod: no healthy instance for"
grep -o "pg-prod: no healthy instance for [0-9.]* s" prod2.out
expect_eq "the rows survived the new image" "$(rows "$p_prod")" "$prod_rows"
expect_eq "on the same disk" "$(imago disks describe pg-prod-001-data --format json | jq -r .id)" "$prod_disk_id"

# 3. dev from prod: snapshot, restore of the backup, scrub, in a job VM.
env_file dev "$p_dev" "clone_data: {from: prod, backups: ../backups, restore: restore.sh, scrub: scrub.sh, timeout: 10m}"
t0=$(now)
imago env clone-data --from prod --to dev --yes >clone.out 2>&1 || { cat clone.out; fail "clone-data dev"; }
echo "clone of prod's PostgreSQL disk into dev (snapshot, disk, job VM, restore, scrub): $(echo "$(now) - $t0" | bc) s"
cat clone.out >&2
expect_contains "psql restored the backup" "$(cat clone.out)" "restored 2 rows of users from prod's backup"
expect_contains "restore ran" "$(cat clone.out)" "job VM: restore exit 0"
expect_contains "the scrub blanked every e-mail" "$(cat clone.out)" "scrubbed: 0 e-mails left"
expect_contains "scrub ran" "$(cat clone.out)" "job VM: scrub exit 0"
rec=$(imago project-info describe --format json |
  jq -r '.commonInstanceMetadata.items[] | select(.key == "imago-clone-pg-dev") | .value')
expect_eq "the record names the backup" "$(jq -r .backup.file <<<"$rec")" "$WORK/backups/users-1.sql.gz"

# 4. dev serves prod's rows of the backup, e-mails blank; prod unchanged.
imago deploy dev --yes >dev.out 2>&1 || { cat dev.out; fail "deploy dev"; }
expect_eq "dev reads prod's rows, scrubbed" "$(rows "$p_dev")" "1,ann, 2,bob, "
expect_eq "prod is unchanged" "$(rows "$p_prod")" "$prod_rows"

# 5. env destroy dev: dev's disk and snapshot go; prod's disk stays.
imago env destroy dev --yes >destroy.out 2>&1 || { cat destroy.out; fail "destroy dev"; }
expect_contains "dev's disk deleted" "$(cat destroy.out)" "deleted data disk pg-dev-001-data"
expect_eq "prod's disk stays" "$(imago disks list --format json | jq -r '[.[] | select(.name | endswith("-data")) | .name] | join(" ")')" "pg-prod-001-data"
expect_eq "prod still serves" "$(rows "$p_prod")" "$prod_rows"
echo "PASS: PostgreSQL from Debian in a baked image: rows kept across a new image; dev cloned from prod, backup restored, e-mails scrubbed"
