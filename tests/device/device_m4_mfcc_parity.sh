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

parity_at_opt_levels device_m4_mfcc_parity mfcc_parity "${KWS_QEMU_TIMEOUT:-120}" '^[BSWN] '
