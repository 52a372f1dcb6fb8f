#!/usr/bin/env bash
# bench_synth.sh [KWS] - `kws synth` generation throughput (clips/s) on 2
# threads for a fixed small job: the ten commands x 20 clips + 40 unknown
# words, seed 1, both engines. Prints one line per run.
set -euo pipefail
kws=${1:-build/kws}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$kws" synth --words yes,no,up,down,left,right,on,off,stop,go --per-word 20 --unknown 40 \
  --seed 1 --threads 2 --out "$out/synth" -q | grep "^written" | sed 's/^/bench_synth (2 threads): /'
