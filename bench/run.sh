#!/usr/bin/env bash
# make bench: every benchmark, one after the other. Results go to docs/benchmarks.md by hand,
# with the machine and the command.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== catalog (bench/catalog_bench.cc)"
"$BUILD/catalog_bench"
echo
echo "== rotation (bench/rotate_bench.cc)"
"$BUILD/rotate_bench"
echo
echo "== import (bench/import_bench.sh)"
bash bench/import_bench.sh
echo
echo "== boot (bench/boot_bench.sh)"
bash bench/boot_bench.sh
echo
echo "== groups: rolling replacement and healing (bench/groups_bench.sh)"
bash bench/groups_bench.sh
echo
echo "== load balancer: throughput, latency, failed requests in a rollout (bench/lb_bench.sh)"
bash bench/lb_bench.sh
echo
echo "== deploy: red/black, rolling, rollback under load (bench/deploy_bench.sh)"
bash bench/deploy_bench.sh
echo
echo "== stateful replacement: downtime against stop + boot (bench/stateful_bench.sh)"
bash bench/stateful_bench.sh
echo
echo "== dev from prod: a 1 GiB data disk cloned, against qemu-img convert (bench/clone_bench.sh)"
bash bench/clone_bench.sh
echo
echo "== pipeline daily: nothing new against the floor, an update against its bakes (bench/pipeline_bench.sh)"
KIT_DIR="$BUILD/kit" bash bench/pipeline_bench.sh
echo
echo "== imago serve (bench/serve_bench.cc)"
"$BUILD/serve_bench"
echo
echo "== bake: imago, packer and the floor (bench/bake_bench.sh)"
bash bench/bake_bench.sh "$IMAGO" "$BUILD/kit/debian.qcow2" 3
echo
echo "== bake: layered storage and cache hits (bench/layers_bench.sh)"
bash bench/layers_bench.sh "$IMAGO" "$BUILD/kit/debian.qcow2"
