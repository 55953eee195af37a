#!/usr/bin/env bash
# imago bake as Packer users expect it, where no VM is needed: --cascade
# without --specs finds the specs beside the given one and says which it
# adds, or why none.
source "$(dirname "$0")/lib.sh"

mkdir specs
spec() {  # spec FILE FAMILY SOURCE_FAMILY
  printf 'family: %s\nsource: {image_family: %s}\nprovisioners:\n  - {type: shell, inline: ["true"]}\n' \
    "$2" "$3" >"specs/$1"
}
spec base.yaml f-base no-such-family
spec app.yaml f-app f-base
spec lone.yaml f-lone no-such-family
# The source is missing, so each stops before a VM boots, after the plan.
expect_rc 4 imago bake specs/base.yaml --cascade
expect_contains "children found beside the spec" "$ERR" "cascade: also baking app.yaml (built on the families baked here)"
expect_rc 4 imago bake specs/lone.yaml --cascade
expect_contains "none, and where it looked" "$ERR" "cascade: no spec in $WORK/specs is built on the families baked here"
printf 'family: [broken\n' >specs/zz.yaml
expect_rc 3 imago bake specs/base.yaml --cascade
expect_contains "a broken sibling is named, with the way out" "$ERR" "--cascade looks for the specs built on these beside them, in $WORK/specs"
expect_contains "... --specs" "$ERR" "(--specs DIR looks elsewhere)"
expect_eq "nothing was made" "$(imago instances list --format json | jq length)" 0
echo "PASS: bake --cascade without --specs: the specs beside the given one, what it adds or why nothing"
