#!/usr/bin/env bash
# bench.sh BUILD_DIR - every benchmark, one after the other, numbers on stdout.
# Timings on shared machines are noisy: each bench prints medians, and the
# C-vs-PyTorch pairs run back to back in the same invocation.
set -uo pipefail
build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)

echo "== front end on the host (bench_frontend) =="
"$build/bench/bench_frontend"

echo; echo "== front end on the Cortex-M4 (QEMU instruction counts) =="
"$root/bench/device/bench_m4_frontend.sh" "$build/device-m4-bench"

echo; echo "== training throughput, paper network, batch 64: C (1 and 2 threads) vs PyTorch =="
for t in 1 2; do
  "$build/bench/bench_nn" 10 64 "$t"   # runs bench/bench_nn_torch.py with the same batch and threads
done
