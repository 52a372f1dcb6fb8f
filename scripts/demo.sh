#!/usr/bin/env bash
# demo.sh KWS - the main job on a fresh clone, with no data downloaded:
# speaks a few commands with espeak-ng (22.05 kHz, so the resampler runs too)
# and shows what the device's front end makes of them.
set -euo pipefail
kws=${1:-build/kws}
out=out/demo
mkdir -p "$out"
for word in yes no stop go; do
  espeak-ng -v en-us -s 140 -w "$out/$word.wav" "$word"
  "$kws" mfcc --window --png "$out/${word}_mfcc.png" -o "$out/${word}_mfcc.csv" "$out/$word.wav"
done
echo "demo: MFCC matrices (38 x 55, CSV) and heat maps (PNG) are in $out/"
