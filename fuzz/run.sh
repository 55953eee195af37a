#!/usr/bin/env bash
# Runs one libFuzzer target for a bounded time on a copy of its seed corpus.
#   fuzz/run.sh FUZZER_BINARY SECONDS
# make test runs each for a short time; make fuzz runs them longer.
set -euo pipefail
bin=${1:?usage: run.sh FUZZER SECONDS}
secs=${2:-20}
[[ -x $bin ]] || { echo "FAIL: $bin is not built (make build-asan or make fuzz-build builds it with clang)" >&2; exit 1; }
name=$(basename "$bin" _fuzz)
seeds=$(cd "$(dirname "$0")" && pwd)/corpus/$name
work=$(mktemp -d /tmp/imago-fuzz-XXXXXX)
trap 'rm -rf "$work"' EXIT
cp -r "$seeds/." "$work/"
"$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
  -artifact_prefix="$work/" "$work" 2>&1 | grep -E "^(#[0-9]+ +DONE|stat::number_of_executed_units|==[0-9]+==ERROR|SUMMARY|artifact)" || true
[[ -z $(ls "$work" | grep -E '^(crash|leak|timeout|oom)-' || true) ]] || {
  echo "FAIL: $name found a failing input:" >&2; ls "$work" | grep -E '^(crash|leak|timeout|oom)-' >&2; exit 1; }
echo "PASS: $name fuzzed for ${secs}s"
