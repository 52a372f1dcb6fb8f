#!/usr/bin/env bash
# install-deps.sh [run|test] - installs the Debian packages kws needs, only
# those missing. "run" is what building and running `kws` needs; "test" adds
# the Cortex-M4 toolchain, QEMU and the independent Python references.
# Runs apt-get as root (directly, or through sudo when not root).
set -euo pipefail
what=${1:-test}

run_pkgs="cmake make gcc pkg-config libsndfile1-dev libsamplerate0-dev zlib1g-dev libopenblas-dev gnuplot-nox espeak-ng
          libespeak-ng-dev flite1-dev"
test_pkgs="$run_pkgs gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm
           python3 python3-numpy python3-torch python3-torchaudio
           clang libclang-rt-dev valgrind"
case "$what" in
  run) pkgs=$run_pkgs ;;
  test) pkgs=$test_pkgs ;;
  *) echo "usage: $0 [run|test]" >&2; exit 2 ;;
esac

missing=()
for p in $pkgs; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}" >&2
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
