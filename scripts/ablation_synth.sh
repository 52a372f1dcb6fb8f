#!/usr/bin/env bash
# ablation_synth.sh [DATA] [OUT_ROOT] - real vs real + synthetic vs
# synthetic-only training of the paper's network, FP32 and hybrid, same
# recipe, seed and epochs as scripts/train_paper.sh (30 epochs, Adam 1e-3,
# warm-up + cosine, class-balanced, augmented, seed 1). Validation and test
# are always the real speaker-disjoint splits of DATA.
#
# Synthetic data: `kws synth --per-word 440 --unknown 2000 --seed 1` (4,400
# command clips from eSpeak NG and Flite voices, 2,000 other words) into
# OUT_ROOT/synth, made once. Runs whose model exists are not redone (delete
# OUT_ROOT/ablation_* to start over). Prints one summary line per run.
set -euo pipefail
data=${1:-../shared/data/speech_commands}
root=${2:-out}
kws=${KWS:-build/kws}
[ -d "$data" ] || { echo "SKIPPED: $data not found" >&2; exit 0; }
synth="$root/synth"
if [ ! -f "$synth/synth_manifest.tsv" ]; then
  "$kws" synth --per-word 440 --unknown 2000 --seed 1 --threads 2 --out "$synth" -q
fi
for q in float hybrid; do
  for setup in real real+synth synth-only; do
    out="$root/ablation_${q}_${setup}"
    case $setup in
      real) roots=(--data "$data") ;;
      real+synth) roots=(--data "$data" --synthetic "$synth") ;;
      synth-only) roots=(--data "$data:0" --synthetic "$synth") ;;
    esac
    mkdir -p "$out"
    if [ ! -f "$out/eval_test.txt" ]; then
      "$kws" train "${roots[@]}" --net models/paper.kwsnet --quant "$q" --epochs 30 --seed 1 \
        --out "$out/model.kwsm" > "$out/train.log" 2>&1
      "$kws" eval --data "$data" --model "$out/model.kwsm" --split val > "$out/eval_val.txt"
      "$kws" eval --data "$data" --model "$out/model.kwsm" --split test > "$out/eval_test.txt"
    fi
    echo "$q $setup: val $(sed -n 2p "$out/eval_val.txt") | test $(sed -n 2p "$out/eval_test.txt")"
  done
done
