# The start every VM benchmark shares. `source bench/lib.sh; bench_start NAME`:
#   - IMAGO (required) made absolute; $here, the source tree; tests/lib/helpers.sh;
#   - $kit: KIT_DIR (read before the cd below) or build/kit, the busybox kit
#     built there when missing;
#   - $work, a fresh directory (the cwd from then on) with its own IMAGO_HOME;
#     the exit trap stops every VM of that home (and $prober, when set) and
#     removes it;
#   - imago(), the binary under test.
bench_start() {
  : "${IMAGO:?set IMAGO to the imago binary}"
  IMAGO=$(cd "$(dirname "$IMAGO")" && pwd)/$(basename "$IMAGO")
  here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  source "$here/tests/lib/helpers.sh"
  kit=$(realpath -m "${KIT_DIR:-$here/build/kit}")
  work=$(mktemp -d "/tmp/imago-$1-XXXXXX")
  export IMAGO_HOME=$work/home
  trap bench_cleanup EXIT
  cd "$work"
  [[ -f $kit/busybox.qcow2 ]] || bash "$here/images/busybox/build.sh" "$kit" >/dev/null
}

bench_cleanup() {
  local rc=$?
  [[ -z ${prober:-} ]] || kill "$prober" 2>/dev/null || true
  kill_vms "$IMAGO_HOME"
  rm -rf "$work"
  exit "$rc"
}

imago() { "$IMAGO" "$@"; }
