#!/usr/bin/env bash
# imago config: the user's defaults under gcloud's property names, kept per
# user (XDG_CONFIG_HOME), used after flags and IMAGO_* variables; bad names
# and values refused; empty lists say so, as gcloud does.
source "$(dirname "$0")/lib.sh"
export XDG_CONFIG_HOME=$WORK/config
unset IMAGO_PROJECT IMAGO_ZONE

expect_rc 0 imago config list
expect_contains "nothing set yet" "$ERR" "No properties set"
expect_rc 0 imago config set project shop
expect_contains "gcloud's message" "$ERR" "Updated property [core/project]."
expect_rc 0 imago config set compute/zone local-b
expect_eq "get, short name" "$(imago config get project)" shop
expect_eq "get, full name" "$(imago config get compute/zone)" local-b
expect_eq "list as JSON" "$(imago config list --format json | jq -c .)" '{"compute":{"zone":"local-b"},"core":{"project":"shop"}}'
expect_eq "kept as gcloud keeps properties" "$(cat "$XDG_CONFIG_HOME/imago/properties")" "$(printf '[compute]\nzone = local-b\n\n[core]\nproject = shop')"

# The defaults are used: a disk lands in shop/local-b.
imago disks create d1 --size 1 >/dev/null 2>&1 || fail "create with the defaults"
expect_eq "the disk's project and zone" "$(imago disks describe d1 --format json | jq -r '.selfLink | split("/") | .[-5] + " " + .[-3]')" "shop local-b"
# Flags and IMAGO_* come first.
expect_eq "--project wins" "$("$IMAGO" --project local disks list --format json | jq length)" 0
expect_eq "IMAGO_PROJECT wins" "$(IMAGO_PROJECT=local "$IMAGO" disks list --format json | jq length)" 0
expect_rc 0 imago --project local disks list
expect_contains "an empty list says so" "$ERR" "Listed 0 items."

# Bad input: one line each.
expect_rc 3 imago config set zonee local-a
expect_contains "an unknown property" "$ERR" "unknown property 'zonee': imago keeps core/project and compute/zone"
expect_rc 3 imago config set project Bad_Project
expect_contains "a bad project id" "$ERR" "Bad_Project"
expect_eq "nothing changed" "$(imago config get project)" shop
expect_rc 0 imago config unset project
expect_contains "unset" "$ERR" "Unset property [core/project]."
expect_rc 0 imago config get project
expect_contains "unset: says so" "$ERR" "(unset)"
echo "PASS: config: per-user defaults under gcloud's names, after flags and variables"
