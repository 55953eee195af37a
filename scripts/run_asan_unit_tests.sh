#!/usr/bin/env bash
# The unit tests of the sanitizer tree (make build-asan), under ctest there:
# ASan+UBSan, leaks detected, the first error fatal. Exit 77 (ctest: skipped)
# when that tree has no tests built.
set -uo pipefail
tree=${1:?usage: run_asan_unit_tests.sh BUILD_ASAN_DIR}
if [[ ! -f $tree/CTestTestfile.cmake ]] || ! ls "$tree"/*_test >/dev/null 2>&1; then
  echo "no sanitizer tree at $tree (make build-asan builds it): skipped"
  exit 77
fi
export ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1
ctest --test-dir "$tree" -L unit --output-on-failure
