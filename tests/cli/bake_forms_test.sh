#!/usr/bin/env bash
# imago bake as Packer users expect it, where no VM is needed: --cascade
# without --specs finds the specs beside the given one and says which it
# adds, or why none; variables (--var, --var-file) and bake validate.
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

# Variables: one source for a version; bake validate checks what a bake
# would before it boots anything (the source too), and builds nothing.
mkdir vspecs
cat >vspecs/app.yaml <<'YAML'
family: v-app
variables: {version: 1.0.0, channel: ~}
naming: {role: app, version: "${var.version}"}
labels: {channel: "${var.channel}"}
source: {image_family: no-such-family}
provisioners:
  - {type: shell, inline: ["echo ${var.version} >/etc/version"]}
YAML
expect_rc 3 imago bake validate vspecs/app.yaml
expect_eq "a variable without a value" "$ERR" "ERROR: (imago.bake) vspecs/app.yaml:4: key 'labels.channel': variable 'channel' has no value: give --var channel=VALUE (or a default under variables:)"
expect_rc 3 imago bake validate vspecs/app.yaml --var channel=beta --var vresion=2
expect_contains "a --var no spec declares" "$ERR" "--var vresion: no spec of this run declares it under variables: (they declare channel, version)"
expect_rc 2 imago bake validate vspecs/app.yaml --var channel
expect_contains "--var without =" "$ERR" "--var 'channel': expected NAME=VALUE"
expect_rc 4 imago bake validate vspecs/app.yaml --var channel=beta
expect_contains "validate checks the source, and says how to fill it" "$ERR" "family/no-such-family' was not found; bake the spec of family no-such-family first (or with --cascade from its parent), or import an image into it: imago images create NAME --source-file FILE --family no-such-family"
# A kit family on a fresh home: a bake imports the kit's image (make kit
# builds it beside this imago); without it, the error says how to get it.
printf 'family: on-kit\nsource: {image_family: kit-debian}\n' >vspecs/on-kit.yaml
kit=$(dirname "$IMAGO")/kit/debian.qcow2
if [[ -f $kit ]]; then
  expect_rc 0 imago bake validate vspecs/on-kit.yaml
  expect_contains "validate says the bake will import the kit" "$ERR" "(kit-debian has no image yet: a bake imports the kit's $kit)"
else
  expect_rc 4 imago bake validate vspecs/on-kit.yaml
  expect_contains "how to get the kit" "$ERR" "build the kit (make kit) and import it: imago images create kit-debian-v1 --source-file build/kit/debian.qcow2 --family kit-debian"
fi
sed -i 's/no-such-family/v-kit/' vspecs/app.yaml
qemu-img create -f qcow2 kit.qcow2 16M >/dev/null
imago images create v-kit-1 --source-file kit.qcow2 --family v-kit >/dev/null 2>&1 || fail "image v-kit-1"
printf 'channel: stable\nversion: 1.1.0\n' >release.yaml
out=$(imago bake validate vspecs/app.yaml --var-file release.yaml --var version=1.2.0 --format json)
expect_eq "--var wins over --var-file" "$(jq -c '.[0].variables' <<<"$out")" '{"channel":"stable","version":"1.2.0"}'
expect_eq "valid" "$(jq -r '.[0].valid' <<<"$out")" true
expect_contains "the table" "$(imago bake validate vspecs/app.yaml --var channel=beta)" "app.yaml  v-app   family/v-kit"
expect_eq "validate made nothing" "$(imago instances list --format json | jq length) $(imago images list --filter 'family = v-app' --format json | jq length)" "0 0"
# bake --dry-run: what would be built and why; nothing made, nothing booted.
out=$(imago bake vspecs/app.yaml --var channel=beta --dry-run --format json 2>dry.err) ||
  fail "bake --dry-run: $(cat dry.err)"
expect_eq "dry run: a family with no image is built" "$(jq -c '[.[0].action, .[0].source, .[0].why]' <<<"$out")" \
  '["build","v-kit-1",["family v-app has no image yet"]]'
expect_contains "dry run: says nothing was made" "$(cat dry.err)" "1 of 1 spec(s) would be built; nothing was made"
if [[ -f $kit ]]; then
  out=$(imago bake vspecs/on-kit.yaml --dry-run --format json 2>/dev/null)
  expect_eq "dry run: an empty kit family is imported by the bake, not by the dry run" \
    "$(jq -r '.[0].why[0]' <<<"$out") $(imago images list --filter 'family = kit-debian' --format json | jq length)" \
    "family kit-debian is empty: the bake imports the kit's image first 0"
fi
expect_eq "the dry runs made nothing" "$(imago instances list --format json | jq length) $(imago images list --filter 'family = v-app' --format json | jq length)" "0 0"
echo "PASS: bake --cascade without --specs: the specs beside the given one, what it adds or why nothing; variables; bake validate; bake --dry-run"
