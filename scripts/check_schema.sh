#!/usr/bin/env bash
# The committed schema table (src/compute/schema_gen.cc) is what
# tools/gen_schema.js makes from the pinned @google-cloud/compute package
# (tests/conformance/package-lock.json). Updating the API is one command:
# bump the package, `make schema`, review the diff. ctest: schema.up_to_date.
set -euo pipefail
root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
modules=$root/tests/conformance/node_modules
[[ -d $modules/@google-cloud/compute ]] ||
  { echo "FAIL: $modules has no @google-cloud/compute: run make conformance-deps" >&2; exit 1; }
fresh=$(mktemp /tmp/imago-schema-XXXXXX.cc)
trap 'rm -f "$fresh"' EXIT
node "$root/tools/gen_schema.js" >"$fresh"
if ! diff -u "$root/src/compute/schema_gen.cc" "$fresh" >"$fresh.diff"; then
  head -40 "$fresh.diff" >&2
  rm -f "$fresh.diff"
  echo "FAIL: src/compute/schema_gen.cc differs from what tools/gen_schema.js makes: run make schema" >&2
  exit 1
fi
rm -f "$fresh.diff"
echo "PASS: src/compute/schema_gen.cc ($(sed -n 4p "$root/src/compute/schema_gen.cc" | sed 's|^// ||; s|\.$||')) is what the generator makes"
