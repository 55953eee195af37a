#!/usr/bin/env bash
# Zones as gcloud treats them: lists span every zone unless --zones narrows
# them (a disk in another zone is never invisible); describe finds a name
# another zone holds, or says which zones hold it; a delete never acts in
# another zone but says where the name is.
source "$(dirname "$0")/lib.sh"

imago disks create da --size 1 >/dev/null 2>&1 || fail "create da"
imago disks create db --size 1 --zone local-b >/dev/null 2>&1 || fail "create db in local-b"
expect_eq "disks list spans the zones" "$(imago disks list --format json | jq -r '[.[] | "\(.name)@\(.zone | split("/") | last)"] | join(" ")')" "da@local-a db@local-b"
expect_eq "--zones narrows it" "$(imago disks list --zones local-b --format json | jq -r '[.[].name] | join(" ")')" "db"
expect_eq "--zones takes a list" "$(imago disks list --zones local-a,local-b --format json | jq length)" 2
expect_eq "a --zone typed on the command line narrows it too" "$(imago --zone local-b disks list --format json | jq -r '[.[].name] | join(" ")')" "db"
expect_eq "the configured zone does not (IMAGO_ZONE)" "$(IMAGO_ZONE=local-b "$IMAGO" disks list --format json | jq length)" 2
expect_rc 4 imago disks list --zones local-q
expect_contains "an unknown zone, with the known ones" "$ERR" "unknown zone 'local-q'; the project's zones: local-a, local-b, local-c"
expect_eq "the table has a ZONE column" "$(imago disks list | awk 'NR == 3 {print $2}')" local-b

# describe: found in the one zone that holds it.
expect_eq "describe finds db in local-b" "$(imago disks describe db --format json 2>/dev/null | jq -r .name)" db
expect_contains "and says where" "$(imago disks describe db 2>&1 >/dev/null)" "(disk db is in zone local-b)"
# Two zones hold the name: which.
imago disks create dc --size 1 --zone local-b >/dev/null 2>&1
imago disks create dc --size 1 --zone local-c >/dev/null 2>&1
expect_rc 4 imago disks describe dc
expect_contains "names the zones" "$ERR" "disk dc is in zones local-b and local-c: add --zone local-b"
# delete never acts elsewhere; it says where.
expect_rc 4 imago disks delete db
expect_contains "delete names the zone" "$ERR" "disk db is in zone local-b: add --zone local-b"
expect_eq "db is still there" "$(imago disks list --zones local-b --format json | jq -r '[.[].name] | index("db") != null')" true
expect_rc 0 imago disks delete db --zone local-b
expect_rc 4 imago disks describe nope
[[ $ERR != *"is in zone"* ]] || fail "a name no zone holds got a zone hint: $ERR"
echo "PASS: zones: lists span them, --zones narrows, describe finds, delete says where"
