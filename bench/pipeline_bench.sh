#!/usr/bin/env bash
# imago pipeline daily, the figures of issue 17:
#   - a daily run where nothing changed, against the floor of listing the
#     families (`imago images list`, in the same script): no VM boots;
#   - a run after one package update in the base, against the sum of the
#     bake times of the specs it rebuilt (from its own JSON): what the
#     pipeline adds to the bakes (checks, cache decisions, rotation).
# Three specs (base on the kit's Debian image with an apt provisioner
# following a local repository, app and product on it); no environment, so
# that the figures are the image factory's. Runs RUNS times (default 3),
# medians.
#
#   IMAGO=build/imago bash bench/pipeline_bench.sh [RUNS]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
bench_start pipelinebench
runs=${1:-3}
[[ -f $kit/debian.qcow2 ]] || { echo "pipeline_bench: $kit/debian.qcow2 is missing (make kit)" >&2; exit 1; }
imago images create kit-debian-v1 --source-file "$kit/debian.qcow2" --family kit-debian >/dev/null 2>&1

mkdir -p repo specs
publish() { publish_motd repo "$1"; }
publish 1.0
echo "deb [trusted=yes] file:$work/repo ./" >specs/repo.list
printf 'family: base\nsource: {image_family: kit-debian}\nprovisioners:\n  - type: apt\n    upgrade: true\n    install: [imago-demo-motd]\n    sources: repo.list\n' >specs/base.yaml
printf 'family: app\nsource: {image_family: base}\nprovisioners:\n  - type: shell\n    inline: ["echo app >/etc/imago-app"]\n' >specs/app.yaml
printf 'family: product\nsource: {image_family: app}\nprovisioners:\n  - type: shell\n    inline: ["echo product >/etc/imago-product"]\n' >specs/product.yaml
daily() { imago pipeline daily --specs specs --index repo/Packages --format json 2>/dev/null; }
daily >/dev/null || { echo "pipeline_bench: the first run failed" >&2; exit 1; }

secs() { local t0; t0=$(now); "$@" >/dev/null; echo "$(now) - $t0" | bc; }
median() { sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
floor=() idle=() update=() bakes=()
for r in $(seq 1 "$runs"); do
  floor+=("$(secs imago images list)")
  vms=$(qemu_count "$IMAGO_HOME")
  idle+=("$(secs daily)")
  [[ $(qemu_count "$IMAGO_HOME") == "$vms" ]] || { echo "pipeline_bench: a VM booted in a run with nothing new" >&2; exit 1; }
  publish "1.$r"
  t0=$(now)
  daily >run.json || { echo "pipeline_bench: the run after an update failed" >&2; exit 1; }
  update+=("$(echo "$(now) - $t0" | bc)")
  [[ $(jq .rebuilt run.json) == 3 ]] || { echo "pipeline_bench: not 3 images rebuilt" >&2; exit 1; }
  bakes+=("$(jq '[.steps[] | select(.step == "bake" and .result == "built") | .detail | capture(" in (?<s>[0-9]+) s") | .s | tonumber] | add' run.json)")
done
f=$(printf '%s\n' "${floor[@]}" | median)
i=$(printf '%s\n' "${idle[@]}" | median)
u=$(printf '%s\n' "${update[@]}" | median)
b=$(printf '%s\n' "${bakes[@]}" | median)
printf 'floor: imago images list                         %6.2f s\n' "$f"
printf 'daily run, nothing new (3 specs, no VM booted)   %6.2f s  = %.1fx the floor\n' "$i" "$(echo "$i / $f" | bc -l)"
printf 'bakes of the 3 rebuilt specs (their own times)   %6.1f s\n' "$b"
printf 'daily run after one package update               %6.1f s  = %.2fx the bakes\n' "$u" "$(echo "$u / $b" | bc -l)"
