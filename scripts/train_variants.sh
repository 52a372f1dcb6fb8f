#!/usr/bin/env bash
# train_variants.sh [DATA] [OUT_ROOT] [VARIANTS...] - the quantized variants
# of the README's table, same recipe and seed as scripts/train_paper.sh (30
# epochs from scratch, Adam 1e-3, warm-up + cosine, balanced, augmented).
# A variant is NAME (default: all):
#   int8 hybrid int8-act binary-conv   models/paper.kwsnet --quant NAME
#   pool_fp32                          models/paper_pool.kwsnet (float)
#   pool_binary-conv                   models/paper_pool.kwsnet --quant binary-conv
#   pool_76k                           models/paper_pool_76k.kwsnet (quantization per
#                                      layer in the file)
# Writes OUT_ROOT/<dir>/{model.kwsm,train.log,eval_val.txt,eval_test.txt,
# eval_test_integer.txt}, <dir> = paper_NAME, or NAME for the pooled ones.
set -euo pipefail
data=${1:-../shared/data/speech_commands}
root=${2:-out}
shift 2 2>/dev/null || true
variants=${*:-int8 hybrid int8-act binary-conv pool_fp32 pool_binary-conv pool_76k}
kws=${KWS:-build/kws}
[ -d "$data" ] || { echo "SKIPPED: $data not found" >&2; exit 0; }
for v in $variants; do
  case $v in
    int8 | hybrid | int8-act | binary-conv) dir=paper_$v; args=(--net models/paper.kwsnet --quant "$v") ;;
    pool_fp32) dir=$v; args=(--net models/paper_pool.kwsnet) ;;
    pool_binary-conv) dir=$v; args=(--net models/paper_pool.kwsnet --quant binary-conv) ;;
    pool_76k) dir=$v; args=(--net models/paper_pool_76k.kwsnet) ;;
    *) echo "train_variants.sh: unknown variant '$v'" >&2; exit 2 ;;
  esac
  out="$root/$dir"
  mkdir -p "$out"
  "$kws" train --data "$data" "${args[@]}" --epochs 30 --seed 1 \
    --out "$out/model.kwsm" > "$out/train.log" 2>&1
  "$kws" eval --data "$data" --model "$out/model.kwsm" --split val > "$out/eval_val.txt"
  "$kws" eval --data "$data" --model "$out/model.kwsm" --split test > "$out/eval_test.txt"
  "$kws" eval --data "$data" --model "$out/model.kwsm" --split test --integer \
    > "$out/eval_test_integer.txt"
  echo "$v: $(sed -n 2p "$out/eval_val.txt") | test $(sed -n 2p "$out/eval_test.txt")" \
    "| integer $(sed -n 2p "$out/eval_test_integer.txt")"
done
