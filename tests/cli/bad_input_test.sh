#!/usr/bin/env bash
# Every malformed input: one line on stderr naming the field and the value,
# the documented exit code, GCE's error JSON with --format json, and the
# catalog unchanged.
source "$(dirname "$0")/lib.sh"

make_qcow2 ok.qcow2 16M
imago images create base-v1 --source-file ok.qcow2 --family base >/dev/null 2>&1
snapshot() {
  imago images list --show-deprecated --format json | jq -c 'map({name, family, labels, deprecated})'
}
catalog_before=$(snapshot)
blobs_before=$(ls "$IMAGO_HOME/blobs/sha256" | wc -l)
printf 'KDMV-not-really-a-vmdk' > foreign.vmdk
: > empty.raw
qemu-img create -q -f qcow2 -b ok.qcow2 -F qcow2 overlay.qcow2

# code | field or text the message must name | command
cases=(
  "3|'image.name': 'Bad_Name'|images create Bad_Name --source-file ok.qcow2"
  "3|'image.name': 'x-'|images create x- --source-file ok.qcow2"
  "3|$(printf "a%.0s" {1..64})|images create $(printf "a%.0s" {1..64}) --source-file ok.qcow2"
  "3|'image.family': 'Base'|images create n1 --source-file ok.qcow2 --family Base"
  "3|does not exist|images create n1 --source-file missing.qcow2"
  "3|regular file|images create n1 --source-file ."
  "3|The file is empty|images create n1 --source-file empty.raw"
  "3|VMDK|images create n1 --source-file foreign.vmdk"
  "3|backing file|images create n1 --source-file overlay.qcow2"
  "3|'image.labels': 'Env'|images create n1 --source-file ok.qcow2 --labels Env=x"
  "3|'image.labels.env': 'A.B'|images create n1 --source-file ok.qcow2 --labels env=A.B"
  "3|'--labels': 'novalue'|images create n1 --source-file ok.qcow2 --labels novalue"
  "3|'requestId': 'abc'|images create n1 --source-file ok.qcow2 --request-id abc"
  "5|'projects/local/global/images/base-v1' already exists|images create base-v1 --source-file ok.qcow2"
  "4|'projects/local/global/images/family/nope' was not found|images create n1 --source-image-family nope"
  "3|'image.sourceImage': 'ghost'|images create n1 --source-image ghost"
  "3|'image.sourceImage': 'global/disks/x'|images create n1 --source-image global/disks/x"
  "2|exactly one of|images create n1"
  "2|exactly one of|images create n1 --source-file ok.qcow2 --source-image base-v1"
  "4|'projects/local/global/images/ghost' was not found|images describe ghost"
  "3|'image': 'Ghost'|images describe Ghost"
  "4|'projects/local/global/images/family/ghost' was not found|images describe-from-family ghost"
  "3|'family': 'Ghost'|images describe-from-family Ghost"
  "3|unknown field 'colour'|images list --filter colour=red"
  "3|'filter'|images list --filter '(name=a'"
  "3|mixed|images list --filter 'name=a name eq b'"
  "3|'--page-size': '501'|images list --page-size 501"
  "3|'--state': 'GONE'|images deprecate base-v1 --state GONE"
  "3|'--delete-in': '3x'|images deprecate base-v1 --state DEPRECATED --delete-in 3x"
  "3|'--delete-in': '-1d'|images deprecate base-v1 --state DEPRECATED --delete-in -1d"
  "3|'--obsolete-on': '2026-02-30'|images deprecate base-v1 --state DEPRECATED --obsolete-on 2026-02-30"
  "3|'deprecationStatus.replacement': 'ghost'|images deprecate base-v1 --state DEPRECATED --replacement ghost"
  "3|own replacement|images deprecate base-v1 --state DEPRECATED --replacement base-v1"
  "2|takes no --replacement|images deprecate base-v1 --state ACTIVE --replacement base-v1"
  "4|was not found|images deprecate ghost --state DEPRECATED"
  "4|was not found|images delete ghost"
  "3|'--labels': 'x'|images add-labels base-v1 --labels x"
  "3|'--labels': 'K'|images add-labels base-v1 --labels K=v"
  "2|nothing to update|images update base-v1"
  "3|'image.family': 'Up'|images update base-v1 --family Up"
  "3|'project': 'Bad_Project'|--project Bad_Project images list"
  "2|not an RFC 3339|--now soon images list"
  "2|(imago)|images frobnicate"
  "2|(imago)|images create --no-such-flag"
)
for c in "${cases[@]}"; do
  IFS='|' read -r code needle cmd <<<"$c"
  eval "expect_rc $code imago $cmd"
  lines=$(printf '%s\n' "$ERR" | grep -c .)
  expect_eq "lines on stderr for '$cmd'" "$lines" 1
  expect_contains "stderr of '$cmd'" "$ERR" "$needle"
  expect_contains "stderr of '$cmd'" "$ERR" "ERROR: (imago"
done

# --format json: the GCE error body on stdout.
out=$(imago images describe ghost --format json 2>/dev/null || true)
expect_eq "json error code" "$(jq -r .error.code <<<"$out")" 404
expect_eq "json error reason" "$(jq -r '.error.errors[0].reason' <<<"$out")" notFound
expect_eq "json error domain" "$(jq -r '.error.errors[0].domain' <<<"$out")" global
out=$(imago images create base-v1 --source-file ok.qcow2 --format json 2>/dev/null || true)
expect_eq "json 409" "$(jq -r '.error.code' <<<"$out")/$(jq -r '.error.errors[0].reason' <<<"$out")" 409/alreadyExists

# Nothing changed: same images, same content files, no temporary files.
expect_eq "catalog unchanged" "$(snapshot)" "$catalog_before"
expect_eq "content files unchanged" "$(ls "$IMAGO_HOME/blobs/sha256" | wc -l)" "$blobs_before"
expect_eq "no temporary files" "$(ls "$IMAGO_HOME/tmp" | wc -l)" 0
echo "bad input: ok (${#cases[@]} cases)"
