#!/usr/bin/env bash
# Import throughput: `imago images create --source-file` of a 1 GiB file
# against `cp` of the same file on the same disk, in the same script.
# imago hashes (SHA-256) and fsyncs what it stores, so `cp` followed by
# `sync -f` is shown too. The contenders take turns, each run starts after
# `sync` and a second of rest (writes on a VM disk vary a lot otherwise),
# the source is in the page cache, and each figure is the median of 5 runs.
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

now() { date +%s.%N; }
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

cp_t=() cps_t=() cph_t=() im_t=()
settle() { sync; sleep 1; }
for i in 1 2 3 4 5; do
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
cp_m=$(printf '%s\n' "${cp_t[@]}" | median)
cps_m=$(printf '%s\n' "${cps_t[@]}" | median)
cph_m=$(printf '%s\n' "${cph_t[@]}" | median)
im_m=$(printf '%s\n' "${im_t[@]}" | median)
mbps() { echo "scale=0; $SIZE_MB / $1" | bc -l; }
printf '%-46s %8s %10s %10s\n' "import of a ${SIZE_MB} MiB file (median of 5)" "seconds" "MiB/s" "vs cp"
printf '%-46s %8.3f %10s %10s\n' "cp (baseline)" "$cp_m" "$(mbps "$cp_m")" "1.00x"
printf '%-46s %8.3f %10s %9.2fx\n' "cp + sync -f (same durability as imago)" "$cps_m" "$(mbps "$cps_m")" "$(echo "$cp_m / $cps_m" | bc -l)"
printf '%-46s %8.3f %10s %9.2fx\n' "cp + sha256sum + sync -f (what a script does)" "$cph_m" "$(mbps "$cph_m")" "$(echo "$cp_m / $cph_m" | bc -l)"
printf '%-46s %8.3f %10s %9.2fx\n' "imago images create (sha256 + fsync + catalog)" "$im_m" "$(mbps "$im_m")" "$(echo "$cp_m / $im_m" | bc -l)"
ratio=$(echo "$cp_m / $im_m >= 0.8" | bc -l)
echo "goal: >= 0.8x the throughput of cp: $([[ $ratio == 1 ]] && echo met || echo NOT met)"
