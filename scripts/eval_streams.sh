#!/usr/bin/env bash
# eval_streams.sh [DATA] [MODEL] [OUT_PREFIX] - streaming behaviour on real
# speech: a 60-minute stream of held-out test-split clips (the model's
# commands and, for a 12-class model, _unknown_ words) at random gaps of
# 1-3 s over the test part of the background-noise recordings at 10 dB SNR
# (kws streams make), then kws listen's detector over it at a range of
# thresholds (kws streams eval): hit rate and false alarms per hour, as a
# CSV and SVG curves (OUT_PREFIX.csv, _threshold.svg, _false_alarms.svg,
# _roc.svg), and the same scores replayed with averaging windows of 200 to
# 1000 ms (OUT_PREFIX_windows.csv). ENGINE=float uses the float/QAT net (fast
# on the host; the integer network runs at about real time here).
# SPLIT=val builds the stream from the validation split instead: detector
# settings are chosen there (kws listen's 600 ms window was), and reported
# on the test stream.
set -euo pipefail
data=${1:-../shared/data/speech_commands}
model=${2:-models/default.kwsm}
prefix=${3:-out/streams/default}
kws=${KWS:-build/kws}
[ -d "$data" ] || { echo "SKIPPED: $data not found" >&2; exit 0; }
mkdir -p "$(dirname "$prefix")"
"$kws" streams make --data "$data" -m "$model" --minutes 60 --snr 10 --seed 1 \
  --split "${SPLIT:-test}" --out "$prefix.wav" --truth "$prefix.tsv"
"$kws" streams eval --stream "$prefix.wav" --truth "$prefix.tsv" -m "$model" -o "$prefix" \
  --thresholds 0.4:0.98:30 --sweep-windows 200,400,600,800,1000 ${ENGINE:+--engine $ENGINE} |
  tee "$prefix.txt"
