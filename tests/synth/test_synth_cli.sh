#!/usr/bin/env bash
# test_synth_cli.sh SECTION KWS - `kws synth` from the command line: option
# errors, engine skipping, determinism of the written bytes, --stats.
set -u
section=$1
kws=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
check() { # check DESCRIPTION COMMAND...
  local what=$1; shift
  if "$@"; then :; else echo "FAIL: $what"; fail=1; fi
}
expect_error() { # expect_error MESSAGE-PART ARGS...
  local part=$1; shift
  if "$kws" synth "$@" >"$tmp/out" 2>"$tmp/err"; then
    echo "FAIL: kws synth $* exited 0"; fail=1
  elif ! grep -q -- "$part" "$tmp/err"; then
    echo "FAIL: kws synth $*: no '$part' in: $(cat "$tmp/err")"; fail=1
  fi
}
has_engine() { "$kws" synth --words yes --per-word 1 --engines "$1" --out "$tmp/probe-$1" -q >/dev/null 2>&1; }

case $section in
errors)
  expect_error "--out DIR is required" --words yes
  expect_error "--per-word" --per-word -3 --out "$tmp/x"
  expect_error "--per-word" --per-word many --out "$tmp/x"
  expect_error "--threads" --threads 0 --out "$tmp/x"
  expect_error "unknown engine 'festvox'" --engines espeak,festvox --out "$tmp/x"
  expect_error "--seed" --seed -1 --out "$tmp/x"
  expect_error "given twice" --words yes,yes --out "$tmp/x"
  expect_error "unexpected argument" --out "$tmp/x" extra
  expect_error "cannot open word list" --unknown 2 --unknown-words "$tmp/missing.txt" --out "$tmp/x"
  expect_error "no TTS engine available" --engines none --out "$tmp/x"
  expect_error "cannot open folder" --stats "$tmp/nothing"
  check "help" bash -c "'$kws' synth --help | grep -q -- --unknown-words"
  ;;
engines)
  for e in espeak flite; do
    other=flite; [ $e = flite ] && other=espeak
    has_engine $other || { echo "skip: $other not available"; continue; }
    "$kws" synth --words yes,no --per-word 2 --engines $other --out "$tmp/$e-off" -q \
      >"$tmp/out" 2>"$tmp/err"
    check "$e off: exit 0" [ $? -eq 0 ]
    check "$e off: notice" grep -q "engine $e skipped: disabled" "$tmp/err"
    n=$(ls "$tmp/$e-off"/yes "$tmp/$e-off"/no | grep -c "^synth-$other-.*_nohash_[0-9]*\.wav$")
    check "$e off: 4 $other clips ($n)" [ "$n" -eq 4 ]
    check "$e off: manifest" [ "$(wc -l <"$tmp/$e-off/synth_manifest.tsv")" -eq 5 ]
  done
  ;;
determinism)
  has_engine espeak || has_engine flite || { echo "skip: no engine"; exit 0; }
  "$kws" synth --words up,off --per-word 2 --unknown 2 --seed 9 --threads 2 --out "$tmp/a" -q >/dev/null
  "$kws" synth --words up,off --per-word 2 --unknown 2 --seed 9 --threads 1 --out "$tmp/b" -q >/dev/null
  ha=$(cd "$tmp/a" && find . -type f | sort | xargs sha256sum | sha256sum)
  hb=$(cd "$tmp/b" && find . -type f | sort | xargs sha256sum | sha256sum)
  check "same seed, same bytes" [ "$ha" = "$hb" ]
  n=$(find "$tmp/a" -name '*.wav' | wc -l)
  check "6 clips ($n)" [ "$n" -eq 6 ]
  ;;
stats)
  has_engine espeak || has_engine flite || { echo "skip: no engine"; exit 0; }
  "$kws" synth --words yes --per-word 3 --out "$tmp/s" -q >"$tmp/gen"
  check "summary table" grep -q "^yes " "$tmp/gen"
  "$kws" synth --words yes --stats "$tmp/s" >"$tmp/out"
  check "stats of 3 clips" grep -q "$tmp/s  *3 " "$tmp/out"
  ;;
*) echo "unknown section $section"; exit 2 ;;
esac
exit $fail
