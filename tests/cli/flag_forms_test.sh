#!/usr/bin/env bash
# gcloud's flag forms: sizes with units, the ^DELIM^ list syntax, generated
# snapshot names, images from a disk or a snapshot. (--tags and
# --boot-disk-size with a unit: tests/vm/instances_test.sh, which boots.)
source "$(dirname "$0")/lib.sh"

size() { imago disks describe "$1" --format json | jq -r .sizeGb; }
imago disks create d10 --size 10GB >/dev/null 2>&1 || fail "--size 10GB"
expect_eq "10GB" "$(size d10)" 10
imago disks create d2 --size 2048MB >/dev/null 2>&1 || fail "--size 2048MB"
expect_eq "2048MB" "$(size d2)" 2
imago disks create d3 --size 3 >/dev/null 2>&1 || fail "--size 3"
expect_eq "no unit: GB" "$(size d3)" 3
imago disks create dt --size 1tb >/dev/null 2>&1 || fail "--size 1tb"
expect_eq "1tb" "$(size dt)" 1024
expect_rc 3 imago disks create bad --size 200MB
expect_contains "not whole GB" "$ERR" "A size is a whole number of GB: 10, 10GB, 1TB or 2048MB."
expect_rc 3 imago disks create bad --size ten
expect_eq "nothing made" "$(imago disks list --format json | jq '[.[] | select(.name == "bad")] | length')" 0

# gcloud's ^DELIM^: values that hold commas.
imago disks create dl --size 1 --labels '^;^team=web;tier=gold' >/dev/null 2>&1 || fail "^;^ labels"
expect_eq "^;^ splits on ;" "$(imago disks describe dl --format json | jq -c .labels)" '{"team":"web","tier":"gold"}'

# A snapshot without --snapshot-names gets DISK-YYYYMMDD-HHMMSS.
"$IMAGO" --now 2026-12-01T10:20:30Z disks snapshot d3 >/dev/null 2>err.txt || { cat err.txt; fail "snapshot without a name"; }
expect_contains "the generated name" "$(cat err.txt)" "Creating snapshot(s) d3-20261201-102030"
expect_eq "it exists" "$(imago snapshots describe d3-20261201-102030 --format json | jq -r .name)" d3-20261201-102030

# Images from a disk and from a snapshot, as gcloud compute images create does them.
imago images create from-disk --source-disk d3 >/dev/null 2>&1 || fail "--source-disk NAME"
expect_contains "from the disk" "$(imago images describe from-disk --format json | jq -r .sourceDisk)" "/zones/local-a/disks/d3"
imago images create from-path --source-disk zones/local-a/disks/d2 >/dev/null 2>&1 || fail "--source-disk zones/Z/disks/D (docs/instances.md)"
imago images create from-snap --source-snapshot d3-20261201-102030 >/dev/null 2>&1 || fail "--source-snapshot"
expect_contains "from the snapshot" "$(imago images describe from-snap --format json | jq -r .sourceSnapshot)" "/global/snapshots/d3-20261201-102030"
expect_rc 2 imago images create two --source-disk d3 --source-snapshot d3-20261201-102030
expect_contains "one source" "$ERR" "give exactly one of --source-file, --source-image, --source-image-family, --source-disk, --source-snapshot"
echo "PASS: gcloud's flag forms: sizes with units, ^DELIM^, generated snapshot names, images from disks and snapshots"
