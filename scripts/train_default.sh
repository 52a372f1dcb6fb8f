#!/usr/bin/env bash
# train_default.sh [DATA] [OUT_DIR] - the shipped default model
# (models/default.kwsm): the paper's network with 12 outputs
# (models/paper_12.kwsnet: ten commands, _unknown_, _silence_), hybrid
# quantization (int8 convs, binary dense + dense_1), trained on the real
# training split plus the synthetic clips of scripts/ablation_synth.sh
# (kws synth --per-word 440 --unknown 2000 --seed 1: 4,400 commands and
# 2,000 other words for _unknown_), same recipe and seed as the other
# results (30 epochs, Adam 1e-3, warm-up + cosine, class-balanced,
# augmented). Then its reports: test and validation split (12 classes, the
# commands alone, the integer model) and the streaming evaluation of
# scripts/eval_streams.sh. Copy OUT_DIR/model.kwsm to models/default.kwsm to
# ship it.
set -euo pipefail
data=${1:-../shared/data/speech_commands}
out=${2:-out/default}
kws=${KWS:-build/kws}
[ -d "$data" ] || { echo "SKIPPED: $data not found" >&2; exit 0; }
synth=out/synth
if [ ! -f "$synth/synth_manifest.tsv" ]; then
  "$kws" synth --per-word 440 --unknown 2000 --seed 1 --threads 2 --out "$synth" -q
fi
mkdir -p "$out"
# RESUME=1 continues an interrupted run from its checkpoint
resume=()
[ "${RESUME:-0}" = 1 ] && resume=(--resume)
if [ ! -f "$out/model.kwsm" ] || [ ${#resume[@]} -gt 0 ]; then
  "$kws" train --data "$data" --synthetic "$synth" --unknown --silence \
    --net models/paper_12.kwsnet --quant hybrid --epochs 30 --seed 1 \
    --out "$out/model.kwsm" "${resume[@]}" 2>&1 | tee "$out/train.log"
fi
"$kws" eval --data "$data" --model "$out/model.kwsm" --split val --integer > "$out/eval_val.txt"
"$kws" eval --data "$data" --model "$out/model.kwsm" --split test --integer > "$out/eval_test.txt"
grep -E "^accuracy|^commands only|^false accepts|->" "$out/eval_test.txt"
scripts/eval_streams.sh "$data" "$out/model.kwsm" "$out/streams"
