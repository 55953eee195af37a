#!/usr/bin/env bash
# Layered storage: bytes of a 3-level hierarchy (base -> app -> product), 5
# versions of each level, baked by `imago bake` on the kit's Debian image,
# against the same 15 images stored as full (flattened) copies.
#
#   bench/layers_bench.sh [IMAGO] [KIT_DEBIAN]
#
# Baseline (same script, same images): `qemu-img convert -O qcow2` of each
# image's whole chain, i.e. what every image would take if it stood alone.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
source "$here/tests/lib/helpers.sh"
IMAGO=${1:-$here/build/imago}
KIT=${2:-$here/build/kit/debian.qcow2}
W=$(mktemp -d /tmp/imago-layers-XXXXXX)
export IMAGO_HOME=$W/home
trap 'kill_vms "$IMAGO_HOME"; rm -rf "$W" || true' EXIT
"$IMAGO" images create kit-debian-v1 --source-file "$KIT" --family kit-debian >/dev/null 2>&1
mkdir -p "$W/specs"
for level in base app product; do
  case $level in base) src=kit-debian ;; app) src=bench-base ;; product) src=bench-app ;; esac
  # Each version writes ~1 MiB of its own (a release's worth of files).
  cat >"$W/specs/$level.yaml" <<YAML
family: bench-$level
source: {image_family: $src}
provisioners:
  - type: shell
    inline:
      - mkdir -p /opt/$level
      - head -c 1048576 /dev/urandom >/opt/$level/payload-\$RELEASE
      - echo "$level release \$RELEASE" >/etc/$level-release
    environment: {RELEASE: "$level-1"}
YAML
done
start=$SECONDS
for v in 1 2 3 4 5; do
  for level in base app product; do
    sed -i "s/RELEASE: \"$level-[0-9]*\"/RELEASE: \"$level-$v\"/" "$W/specs/$level.yaml"
  done
  # A new base each round, and the cascade rebuilds app and product on it.
  "$IMAGO" bake "$W/specs/base.yaml" --cascade --specs "$W/specs" >/dev/null 2>"$W/bake.log" ||
    { tail -20 "$W/bake.log"; exit 1; }
done
baked=$((SECONDS - start))
# Cache hits: the same cascade again, nothing changed (median of 5).
hits=()
for _ in 1 2 3 4 5; do
  t0=$(date +%s%N)
  "$IMAGO" bake "$W/specs/base.yaml" --cascade --specs "$W/specs" >/dev/null 2>&1
  hits+=($(( ($(date +%s%N) - t0) / 1000000 )))
done
hit_ms=$(printf '%s\n' "${hits[@]}" | median)
stored=$(du -B1 -s "$IMAGO_HOME/blobs/sha256" | cut -f1)
kit_bytes=$(stat -c %s "$KIT")
full=0
n=0
for name in $("$IMAGO" images list --filter 'family = bench-base OR family = bench-app OR family = bench-product' \
  --format json | jq -r '.[].name'); do
  d=$("$IMAGO" disks create "probe-$n" --image "$name" --format json 2>/dev/null | jq -r .id)
  qemu-img convert -U -O qcow2 "$IMAGO_HOME/disks/$d.qcow2" "$W/flat.qcow2"
  full=$((full + $(du -B1 "$W/flat.qcow2" | cut -f1)))
  rm -f "$W/flat.qcow2"
  "$IMAGO" disks delete "probe-$n" -q >/dev/null 2>&1
  n=$((n + 1))
done
layered=$((stored - $(du -B1 "$IMAGO_HOME/blobs/sha256/"* | sort -n | tail -1 | cut -f1)))
echo "images: $n (3 levels x 5 versions), baked in ${baked} s"
echo "cache hit: a cascade of 3 unchanged specs in ${hit_ms} ms (median of 5; the whole imago bake command)"
echo "kit-debian (the root, shared): $((kit_bytes / 1048576)) MiB"
printf 'stored (layered, the 15 images, without the root): %d MiB\n' $((layered / 1048576))
printf 'full copies (baseline, each image flattened): %d MiB\n' $((full / 1048576))
awk -v a="$layered" -v b="$full" 'BEGIN { printf "layered / full: %.3f (%.0fx less)\n", a / b, b / a }'
