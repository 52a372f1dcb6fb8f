#!/usr/bin/env bash
# demo.sh KWS - the main job on a fresh clone, with no data downloaded:
#   1. speaks the ten commands and a few other words with the linked TTS
#      engines (kws synth; a seed the shipped model was not trained on),
#   2. places them at random times over noise in a one-minute stream
#      (kws streams make, which writes the truth next to it),
#   3. runs kws listen on the stream with the shipped default model
#      (models/default.kwsm, the integer model the device runs) and prints
#      each detection,
#   4. scores the detections against the truth (kws streams eval, with the
#      float network for speed: the two agree, see the README).
set -euo pipefail
kws=${1:-build/kws}
out=out/demo
rm -rf "$out/words"
mkdir -p "$out"
"$kws" synth --per-word 2 --unknown 8 --seed 2026 --out "$out/words" -q
# every clip is a test clip of this little data set
(cd "$out/words" && find . -name '*.wav' | sed 's|^\./||' | sort >testing_list.txt &&
  : >validation_list.txt)
"$kws" streams make --data "$out/words" --minutes 1 --snr 20 --seed 7 --out "$out/stream.wav" \
  2>/dev/null
echo "== what was said (out/demo/stream.tsv) =="
awk -F'\t' 'NR > 2 { printf "%7.2f s  %s\n", $1, $2 }' "$out/stream.tsv"
echo
echo "== kws listen out/demo/stream.wav =="
"$kws" listen "$out/stream.wav"
echo
"$kws" streams eval --stream "$out/stream.wav" --truth "$out/stream.tsv" -o "$out/stream_eval" \
  --engine float \
  2>&1 | grep '^threshold'
echo "demo: the stream, its truth and the detection curves (SVG) are in $out/"
