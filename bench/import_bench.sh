#!/usr/bin/env bash
# Import throughput: `imago images create --source-file` of a 1 GiB file
# against `cp` of the same file on the same disk, in the same script.
# imago hashes (SHA-256) and fsyncs what it stores, so `cp` followed by
# `sync -f` is shown too. The contenders take turns, each run starts after
# `sync` and a second of rest (writes on a VM disk vary a lot otherwise),
# the source is in the page cache. Runs: $RUNS (default 7). Writes on this VM
# vary several-fold from run to run, so the ratio is taken on the best run of
# each contender (the steadier estimator of what the machine can do); the
# medians are printed too.
set -euo pipefail
: "${IMAGO:?set IMAGO to the imago binary}"
SIZE_MB=${SIZE_MB:-1024}
DIR=${BENCH_DIR:-/tmp/imago-bench-import}
rm -rf "$DIR"
mkdir -p "$DIR"
trap 'chmod -R u+w "$DIR"; rm -rf "$DIR"' EXIT
export IMAGO_HOME=$DIR/home
head -c $((SIZE_MB << 20)) /dev/urandom >"$DIR/src.raw"
cat "$DIR/src.raw" >/dev/null  # Warm the page cache for every contender alike.

source "$(cd "$(dirname "$0")/.." && pwd)/tests/lib/helpers.sh"

cp_t=() cps_t=() cph_t=() im_t=()
settle() { sync; sleep 1; }
RUNS=${RUNS:-7}
for i in $(seq 1 "$RUNS"); do
  settle
  t=$(now); cp "$DIR/src.raw" "$DIR/copy.raw"; cp_t+=("$(echo "$(now) - $t" | bc -l)")
  rm -f "$DIR/copy.raw"
  settle
  t=$(now); cp "$DIR/src.raw" "$DIR/copy.raw"; sync -f "$DIR/copy.raw"; cps_t+=("$(echo "$(now) - $t" | bc -l)")
  rm -f "$DIR/copy.raw"
  settle
  t=$(now); cp "$DIR/src.raw" "$DIR/copy.raw"; sha256sum "$DIR/copy.raw" >/dev/null; sync -f "$DIR/copy.raw"
  cph_t+=("$(echo "$(now) - $t" | bc -l)")
  rm -f "$DIR/copy.raw"
  settle
  t=$(now); "$IMAGO" images create "bench-$i" --source-file "$DIR/src.raw" >/dev/null 2>&1
  im_t+=("$(echo "$(now) - $t" | bc -l)")
  "$IMAGO" images delete "bench-$i" --quiet >/dev/null 2>&1
done
best() { sort -g | head -1; }
report() {  # label, times...
  local label=$1
  shift
  local m b
  m=$(printf '%s\n' "$@" | median)
  b=$(printf '%s\n' "$@" | best)
  printf '%-48s %8.3f %8.3f %8s %8.2fx\n' "$label" "$m" "$b" "$(echo "scale=0; $SIZE_MB / $b" | bc -l)" \
    "$(echo "$CP_BEST / $b" | bc -l)"
}
CP_BEST=$(printf '%s\n' "${cp_t[@]}" | best)
printf '%-48s %8s %8s %8s %9s\n' "import of a ${SIZE_MB} MiB file, $RUNS runs" "median s" "best s" "MiB/s" "vs cp"
report "cp (baseline)" "${cp_t[@]}"
report "cp + sync -f (same durability as imago)" "${cps_t[@]}"
report "cp + sha256sum + sync -f (what a script does)" "${cph_t[@]}"
report "imago images create (sha256 + fsync + catalog)" "${im_t[@]}"
IM_BEST=$(printf '%s\n' "${im_t[@]}" | best)
ok=$(echo "$CP_BEST / $IM_BEST >= 0.8" | bc -l)
echo "goal: >= 0.8x the throughput of cp (best runs): $([[ $ok == 1 ]] && echo met || echo NOT met)"
