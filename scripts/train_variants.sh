#!/usr/bin/env bash
# train_variants.sh [DATA] [OUT_ROOT] [MODES...] - the paper's network under
# each quantization mode, same recipe and seed as scripts/train_paper.sh
# (30 epochs from scratch, Adam 1e-3, warm-up + cosine, balanced, augmented).
# Writes OUT_ROOT/paper_<mode>/{model.kwsm,train.log,eval_val.txt,eval_test.txt}.
set -euo pipefail
data=${1:-../shared/data/speech_commands}
root=${2:-out}
shift 2 2>/dev/null || true
modes=${*:-int8 hybrid int8-act binary-conv}
kws=${KWS:-build/kws}
[ -d "$data" ] || { echo "SKIPPED: $data not found" >&2; exit 0; }
for q in $modes; do
  out="$root/paper_$q"
  mkdir -p "$out"
  "$kws" train --data "$data" --net models/paper.kwsnet --quant "$q" --epochs 30 --seed 1 \
    --out "$out/model.kwsm" > "$out/train.log" 2>&1
  "$kws" eval --data "$data" --model "$out/model.kwsm" --split val > "$out/eval_val.txt"
  "$kws" eval --data "$data" --model "$out/model.kwsm" --split test > "$out/eval_test.txt"
  echo "$q: $(head -2 "$out/eval_val.txt" | tail -1) | test $(head -2 "$out/eval_test.txt" | tail -1)"
done
