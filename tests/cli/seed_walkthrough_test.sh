#!/usr/bin/env bash
# The seed's walkthrough, word for word with imago in place of gcloud compute.
source "$(dirname "$0")/lib.sh"

make_qcow2 v1.qcow2 64M
make_qcow2 v2.qcow2 128M

imago images create image-v1 --source-file v1.qcow2 --family my-image-family >/dev/null 2>&1
expect_eq "head after v1" "$(imago images describe-from-family my-image-family --format json | jq -r .name)" image-v1

imago images create image-v2 --source-file v2.qcow2 --family my-image-family >/dev/null 2>&1
expect_eq "head after v2" "$(imago images describe-from-family my-image-family --format json | jq -r .name)" image-v2

imago images deprecate image-v2 --state DEPRECATED --replacement image-v1 2>/dev/null
head=$(imago images describe-from-family my-image-family --format json)
expect_eq "head after deprecating v2" "$(jq -r .name <<<"$head")" image-v1
expect_eq "family" "$(jq -r .family <<<"$head")" my-image-family
expect_eq "kind" "$(jq -r .kind <<<"$head")" "compute#image"
[[ $(jq -r .id <<<"$head") =~ ^[0-9]{19}$ ]] || fail "id is not a 19-digit string"

v2=$(imago images describe image-v2 --format json)
expect_eq "v2 state" "$(jq -r .deprecated.state <<<"$v2")" DEPRECATED
expect_eq "v2 replacement" "$(jq -r .deprecated.replacement <<<"$v2")" \
  "https://www.googleapis.com/compute/v1/projects/local/global/images/image-v1"
expect_eq "v2 disk size (128M rounds up to 1 GiB)" "$(jq -r .diskSizeGb <<<"$v2")" 1

# gcloud hides deprecated images unless asked.
expect_eq "list" "$(imago images list --format json | jq -r '.[].name' | tr '\n' ' ')" "image-v1 "
expect_eq "list --show-deprecated" \
  "$(imago images list --show-deprecated --format json | jq -r '.[].name' | tr '\n' ' ')" "image-v1 image-v2 "

# Rollback undone: un-deprecate and the family points to v2 again.
imago images deprecate image-v2 --state ACTIVE 2>/dev/null
expect_eq "head after un-deprecating" "$(imago images describe-from-family my-image-family --format json | jq -r .name)" image-v2
expect_eq "deprecated cleared" "$(imago images describe image-v2 --format json | jq -r '.deprecated // "none"')" none

# The table lines up and YAML works.
table=$(imago images list)
expect_eq "table header" "$(head -1 <<<"$table" | tr -s ' ')" "NAME PROJECT FAMILY DEPRECATED STATUS CREATED"
expect_contains "yaml" "$(imago images describe image-v1 --format yaml)" "name: image-v1"
echo "seed walkthrough: ok"
