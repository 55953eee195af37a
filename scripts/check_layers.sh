#!/usr/bin/env bash
# The layering rule of docs/architecture.md, checked on every #include "..."
# line below src/: a folder includes only the folders it may use. Prints
# FILE:LINE for each include that crosses the rule and fails; make test runs
# it (ctest: layers.includes).
#   scripts/check_layers.sh [SOURCE_DIR]
set -euo pipefail
root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$root/src"

# What each folder may include besides itself.
declare -A may=(
  [base]=""
  [compute]="base"
  [localcloud]="base compute secrets"
  [gce]="base compute"
  [server]="base compute"
  [lifecycle]="base compute"
  [groups]="base compute"
  [lb]="base compute groups"
  [secrets]="base"
  [packages]="base"
  [deploy]="base compute groups lifecycle secrets"
  [agent]="base"
  [bake]="base compute agent lifecycle packages"
  [cli]="base compute agent lifecycle bake server groups lb deploy secrets packages"
  [testenv]="base compute"
  [integration]="base compute localcloud gce server testenv"
)
# The only files that may open a concrete cloud.
declare -A picks_cloud=(
  [cli/cloud_factory.cc]="localcloud gce"
  [testenv/test_cloud.cc]="localcloud"
)

bad=0
checked=0
while IFS= read -r file; do
  folder=${file%%/*}
  if [[ -z ${may[$folder]+x} ]]; then
    echo "$file: the folder src/$folder is not in the layer table of scripts/check_layers.sh" >&2
    bad=1
    continue
  fi
  allowed=" $folder ${may[$folder]} ${picks_cloud[$file]:-} "
  # A test may also use the shared test helpers and a real cloud behind the waist.
  [[ $file == *_test.cc ]] && allowed+=" testenv "
  n=0
  while IFS= read -r line; do
    n=$((n + 1))
    [[ $line =~ ^[[:space:]]*#[[:space:]]*include[[:space:]]+\"([a-z_]+)/ ]] || continue
    target=${BASH_REMATCH[1]}
    checked=$((checked + 1))
    if [[ $allowed != *" $target "* ]]; then
      echo "$file:$n: includes $target/ (src/$folder may use: ${may[$folder]:-nothing}${picks_cloud[$file]:+, and here ${picks_cloud[$file]}})" >&2
      bad=1
    fi
  done <"$file"
done < <(find . -name '*.cc' -o -name '*.h' | sed 's|^\./||' | sort)

if [[ $bad != 0 ]]; then
  echo "FAIL: includes cross the layers (docs/architecture.md: the rule)" >&2
  exit 1
fi
echo "PASS: $checked include lines below src/ keep to the layers"
