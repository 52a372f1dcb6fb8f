#!/usr/bin/env bash
# device_m4_kernels.sh SOURCE_DIR BUILD_DIR CHECKER
#
# CTest device_m4_kernels: builds the kernels_parity firmware, runs it on
# QEMU's mps2-an386 (Cortex-M4F) and has CHECKER (kernels_parity_check, the
# host build of the same cases) check it:
#  - the DSP instructions behind src/runtime/simd_m4.h (SMLAD, SXTB16,
#    SXTAB16, QADD, SSAT/USAT, SSUB8+SEL, BFI, LDRD, the SMLAL
#    requantization) equal their plain C definitions, which the host uses;
#  - every case of tests/device/kernel_cases.h (the paper network's layer
#    shapes and odd ones): the fast kernel's output is the reference
#    kernel's, byte for byte, on the device, and the device's reference
#    output is the host's (FNV-1a checksums).
# The firmware is built at -O2 (the shipping flags) and again at -O0 and
# -Os: inline asm constraints and register allocation must not matter.
set -euo pipefail
SRC=$1 BASE=$2 CHECKER=$3
. "$SRC/tests/device/lib.sh"
need_cross
need_qemu

parity_at_opt_levels device_m4_kernels kernels_parity "${KWS_QEMU_TIMEOUT:-300}" '^[IK] '
