#!/usr/bin/env bash
# gcloud's output and list flags on every list and describe: --format
# projections (table/value/csv/get/json with keys, transforms and labels),
# --uri, --sort-by (unknown keys refused), --limit (below 1 refused),
# --page-size, and --filter in gcloud's form (~, :, NOT, AND, OR) beside
# the API's. Each command as a user types it; each answer checked.
source "$(dirname "$0")/lib.sh"

make_qcow2 small.qcow2 16M
imago images create app-v1 --source-file small.qcow2 --family app --labels env=prod >/dev/null 2>&1 || fail "app-v1"
imago images create app-v2 --source-file small.qcow2 --family app --labels env=dev >/dev/null 2>&1 || fail "app-v2"
imago images create base-v1 --source-file small.qcow2 --family base >/dev/null 2>&1 || fail "base-v1"
imago disks create big --size 20GB --labels team=web >/dev/null 2>&1 || fail "disk big"
imago disks create small --size 3 --zone local-b >/dev/null 2>&1 || fail "disk small"

# 1. Projections.
expect_eq "value(name)" "$(imago images list --sort-by name --format 'value(name)')" $'app-v1\napp-v2\nbase-v1'
expect_eq "value of two keys: tab-separated" "$(imago images list --sort-by name --limit 1 --format 'value(name,family)')" $'app-v1\tapp'
expect_eq "table(...) with a label and a transform" \
  "$(imago disks list --sort-by name --format 'table(name, sizeGb:label=SIZE_GB, zone.basename())')" \
  $'NAME   SIZE_GB  ZONE\nbig    20       local-a\nsmall  3        local-b'
expect_eq "csv[no-heading]" "$(imago disks list --sort-by name --format 'csv[no-heading](name,labels.team)')" $'big,web\nsmall,'
expect_eq "csv's heading" "$(imago disks list --sort-by name --limit 1 --format 'csv(name,sizeGb)')" $'name,sizeGb\nbig,20'
expect_eq "get(...) of a describe" "$(imago images describe app-v1 --format 'get(family)')" app
expect_eq "json(...) keeps the keys asked for" "$(imago images describe app-v1 --format 'json(name,labels)' | jq -c .)" '{"labels":{"env":"prod"},"name":"app-v1"}'
expect_eq "json(...) of a list is a list" "$(imago images list --format 'json(name)' | jq length)" 3
expect_eq "--uri" "$(imago disks list --sort-by name --uri | xargs -n1 basename | tr '\n' ' ')" "big small "
expect_contains "--uri is a selfLink" "$(imago images list --uri | head -1)" "/compute/v1/projects/local/global/images/"
expect_rc 2 imago images list --format 'value'
expect_contains "value needs keys" "$ERR" "value needs keys, e.g. value(name)"
expect_rc 2 imago images list --format 'text(name)'
expect_contains "an unknown format, and what works" "$ERR" "unknown format 'text'"
expect_contains "the forms" "$ERR" "value(KEY,...)"

# 2. --sort-by, --limit, --page-size on every list.
expect_eq "~ descends" "$(imago disks list --sort-by ~sizeGb --format 'value(name)' | tr '\n' ' ')" "big small "
expect_eq "numbers as numbers" "$(imago disks list --sort-by sizeGb --format 'value(sizeGb)' | tr '\n' ' ')" "3 20 "
expect_eq "two keys" "$(imago images list --sort-by family,~name --format 'value(name)' | tr '\n' ' ')" "app-v2 app-v1 base-v1 "
expect_rc 3 imago images list --sort-by colour
expect_contains "an unknown key is refused, the keys named" "$ERR" "--sort-by: no resource listed has the key 'colour'; they have: "
expect_contains "... such as family" "$ERR" "family"
expect_rc 3 imago disks list --sort-by colour
expect_rc 2 imago images list --limit -1
expect_contains "--limit below 1" "$ERR" "must be a whole number of 1 or more"
expect_rc 2 imago disks list --limit 0
expect_eq "--limit 1" "$(imago disks list --format json --limit 1 | jq length)" 1
expect_eq "--page-size 1 still lists all (page after page)" "$(imago images list --page-size 1 --format 'value(name)' | wc -l)" 3
expect_rc 3 imago disks list --page-size 501
expect_contains "--page-size outside 1-500" "$ERR" "'--page-size': '501'"
for list in "instances list" "snapshots list" "instance-templates list" "health-checks list" \
  "instance-groups managed list" "operations list" "zones list" "backend-services list"; do
  # shellcheck disable=SC2086
  help=$(imago $list --help)
  for flag in --filter --sort-by --limit --page-size --format --uri; do
    expect_contains "'$list' has $flag" "$help" "$flag"
  done
done
expect_eq "operations sorted and projected" "$(imago operations list --sort-by insertTime --limit 1 --format 'value(operationType)')" insert

# 3. --filter in gcloud's form, and the API's.
names() { imago images list --filter "$1" --format 'value(name)' | sort | tr '\n' ' '; }
expect_eq "name~^app" "$(names 'name~^app')" "app-v1 app-v2 "
expect_eq "name!~^app" "$(names 'name!~^app')" "base-v1 "
expect_eq "name:app (contains, any case)" "$(names 'name:APP')" "app-v1 app-v2 "
expect_eq "name:v1" "$(names 'name:v1')" "app-v1 base-v1 "
expect_eq "labels.env=prod" "$(names 'labels.env=prod')" "app-v1 "
expect_eq "NOT" "$(names 'NOT name:app')" "base-v1 "
expect_eq "OR" "$(names 'name~v2 OR family=base')" "app-v2 base-v1 "
expect_eq "AND" "$(names 'name~^app AND labels.env=dev')" "app-v2 "
expect_eq "the API's form still goes to the API" "$(names 'name eq app-v.*')" "app-v1 app-v2 "
expect_eq "the API's = too" "$(names 'family = base')" "base-v1 "
imago images list --filter 'colour~red' --format 'value(name)' >out.txt 2>err.txt || fail "a filter on a key no image has"
expect_eq "nothing matched" "$(cat out.txt)" ""
expect_contains "but it says why" "$(cat err.txt)" "WARNING: --filter: no resource listed has the key 'colour'"
expect_eq "disks: gcloud's form across zones" "$(imago disks list --filter 'name~^sm' --format 'value(name)')" small
echo "PASS: --format projections and --uri, --sort-by/--limit/--page-size on every list, --filter in gcloud's form and the API's"
