#!/usr/bin/env bash
# Runs a test of the sanitizer tree once that tree is built.
#
#   scripts/wait_asan_tree.sh ASAN_BUILD_DIR -- COMMAND [ARG...]
#
# make test builds the tree beside the tests (scripts/make_test.sh): while
# ASAN_BUILD_DIR.pending names a live builder, this waits; a build that
# failed (ASAN_BUILD_DIR.status not 0) fails the test with the end of its
# log. Without those files (make build-asan, then ctest by hand) it runs
# COMMAND at once.
set -uo pipefail
tree=${1:?usage: wait_asan_tree.sh ASAN_BUILD_DIR -- COMMAND [ARG...]}
shift
[[ ${1:-} == -- ]] && shift
(($# > 0)) || { echo "usage: wait_asan_tree.sh ASAN_BUILD_DIR -- COMMAND [ARG...]" >&2; exit 2; }

if [[ -f $tree.pending ]]; then
  start=$SECONDS
  echo "waiting for the sanitizer tree (built beside the tests; log: $tree.log)"
  while [[ -f $tree.pending ]]; do
    pid=$(cat "$tree.pending" 2>/dev/null) || break
    if [[ -n $pid ]] && ! kill -0 "$pid" 2>/dev/null; then
      [[ -f $tree.status ]] && break  # It ended between the two looks.
      echo "FAIL: the build of the sanitizer tree (pid $pid) ended without a result; see $tree.log"
      exit 1
    fi
    sleep 2
  done
  echo "the sanitizer tree was ready after $((SECONDS - start)) s of waiting"
fi
if [[ -f $tree.status && $(cat "$tree.status") != 0 ]]; then
  echo "FAIL: the sanitizer tree did not build (make build-asan); the end of $tree.log:"
  tail -30 "$tree.log"
  exit 1
fi
exec "$@"
