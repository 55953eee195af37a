#!/usr/bin/env bash
# make test's last step: every test in one ctest run, while the sanitizer
# tree builds beside it at the lowest CPU priority.
#
#   scripts/make_test.sh BUILD_DIR ASAN_BUILD_DIR JOBS
#
# The VM tests left the CPUs idle for 27 % of ctest's time (vmstat: waiting
# on timers, health checks, loopback); the sanitizer tree, built before
# ctest, held both cores for ~350 s. Built under `nice -n 19` beside the
# tests, it takes mostly what they leave: they run somewhat slower beside it
# (cache and memory, not CPU share: deploy_test 257 -> ~300 s), and make
# test as a whole ran ~250 s shorter on this machine. Its tests
# (asan.unit_tests, fuzz.*; the lowest COST, so they start last) wait for it
# through scripts/wait_asan_tree.sh, which reads the files this script
# keeps beside the tree:
#   ASAN_BUILD_DIR.pending  the builder's pid while it runs
#   ASAN_BUILD_DIR.status   its exit code when it ended
#   ASAN_BUILD_DIR.log      what it printed
# The builder runs in a session of its own, so that an interrupted make test
# stops all of it (make, cmake, ninja, the compilers) by its process group.
set -uo pipefail
build=${1:?usage: make_test.sh BUILD_DIR ASAN_BUILD_DIR JOBS}
asan=${2:?usage: make_test.sh BUILD_DIR ASAN_BUILD_DIR JOBS}
jobs=${3:-2}
here=$(cd "$(dirname "$0")/.." && pwd)
asan=$(realpath -m "$asan")

rm -f "$asan.status" "$asan.pending"
setsid nice -n 19 bash -c 'make --no-print-directory -C "$1" build-asan ASAN_BUILD="$2" JOBS="$3" >"$2.log" 2>&1
  echo $? >"$2.status.tmp" && mv "$2.status.tmp" "$2.status"; rm -f "$2.pending"' \
  asan-build "$here" "$asan" "$jobs" </dev/null &
builder=$!
echo "$builder" >"$asan.pending"
stop_builder() {
  if [[ -f $asan.pending ]]; then
    kill -- "-$builder" 2>/dev/null || true
    rm -f "$asan.pending"
  fi
}
trap 'stop_builder; exit 130' INT TERM
trap stop_builder EXIT

echo "== the sanitizer tree builds beside the tests at the lowest priority (nice 19; log: $asan.log)"
echo "== every test ($build; asan.unit_tests: the unit tests of $asan)"
cd "$build" && ctest -j"$jobs" --output-on-failure
