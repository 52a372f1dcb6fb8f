#!/usr/bin/env bash
# train_paper.sh [DATA] [OUT_DIR] - the README's FP32 result: the paper's
# network (models/paper.kwsnet) on the 10 commands, default recipe (30
# epochs, Adam 1e-3, 1 warm-up epoch + cosine to 1e-5, batch 64, balanced
# sampling, shift/noise/gain augmentation, seed 1), then its test report.
set -euo pipefail
data=${1:-../shared/data/speech_commands}
out=${2:-out/paper_fp32}
kws=${KWS:-build/kws}
[ -d "$data" ] || { echo "SKIPPED: $data not found" >&2; exit 0; }
mkdir -p "$out"
"$kws" train --data "$data" --net models/paper.kwsnet --epochs 30 --seed 1 \
  --out "$out/model.kwsm" 2>&1 | tee "$out/train.log"
"$kws" eval --data "$data" --model "$out/model.kwsm" --split val | tee "$out/eval_val.txt"
"$kws" eval --data "$data" --model "$out/model.kwsm" --split test | tee "$out/eval_test.txt"
