#!/usr/bin/env bash
# device_m4_mfcc_parity.sh SOURCE_DIR BUILD_DIR CHECKER
#
# CTest device_m4_mfcc_parity: builds the mfcc_parity firmware, runs it on
# QEMU's mps2-an386 (Cortex-M4F) with semihosting and a timeout, and has
# CHECKER (device_m4_parity_check, the host build of src/frontend) compare
# every printed value bit for bit. The firmware is built at -O2 (the
# shipping flags) and again at -O0 and -Os: the bits must not depend on the
# compiler's choices either.
set -euo pipefail
SRC=$1 BASE=$2 CHECKER=$3
. "$SRC/tests/device/lib.sh"
need_cross
need_qemu

fail=0
for opt in O2 O0 Os; do
    BUILD=$BASE/$opt
    echo "== firmware built with -$opt"
    m4make BOARD=mps2-an386 EXTRA_CFLAGS=-$opt "$BUILD/mps2-an386/mfcc_parity.elf"
    out=$BUILD/mfcc_parity.out
    rc=0
    run_firmware "$BUILD/mps2-an386/mfcc_parity.elf" "$out" "${KWS_QEMU_TIMEOUT:-120}" '^[BSWN] ' ||
        rc=$?
    if [ $rc -ne 0 ]; then
        echo "FAIL: -$opt firmware exited with status $rc"
        fail=1
        continue
    fi
    "$CHECKER" "$out" || { echo "FAIL: -$opt firmware differs from the host"; fail=1; }
done
[ $fail -eq 0 ] && echo "device_m4_mfcc_parity: PASS (-O2, -O0, -Os)"
exit $fail
