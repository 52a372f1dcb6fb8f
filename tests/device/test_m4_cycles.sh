#!/usr/bin/env bash
# test_m4_cycles.sh M4_CYCLES SOURCE_DIR - the cycle model
# (device/m4/qemu_icount/m4_cycles.c) on a hand-written disassembly and block
# profile (tests/device/m4_cycles/), against cycles counted by hand from the
# Cortex-M4 timing it implements:
#
#  block f (8 instructions, run 10 times, its bne taken 9 times):
#    ldr 2, ldr right after a load 1, adds 1, ldrd 3, smlad 1, subs 1,
#    ldr whose address register the subs just wrote 2 + 1, bne 1  = 13
#  block g (run once, pop {.., pc} taken):
#    push {r4, lr} 1 + 2, ldmia {r4, lr} 1 + 2, pop {r4, pc} 1 + 2  = 9
#  region 7: 83 instructions, 10 * 13 + 9 = 139 cycles + 10 taken x P
#  block h (6 instructions, run 4 times, the bxne taken once):
#    ldr 2, str [r1, r2] after a load 1, str [r1, #0] 1, sdiv 7, it 1,
#    bxne 1 = 13
#  region 8: 24 instructions, 52 cycles + 1 taken x P
# and per function with --by-function (taken branches at P = 2).
set -euo pipefail
TOOL=$1 SRC=$2
D=$SRC/tests/device/m4_cycles
fail=0
check() { # what got want
    if [ "$2" = "$3" ]; then echo "ok   $1: $2"; else echo "FAIL $1: got '$2', want '$3'"; fail=1; fi
}
check "region 7" "$("$TOOL" "$D/disasm.txt" "$D/profile.txt" 7)" "cycles 7 83 149 159 169 10"
check "region 8" "$("$TOOL" "$D/disasm.txt" "$D/profile.txt" 8)" "cycles 8 24 53 54 55 1"
check "whole run" "$("$TOOL" "$D/disasm.txt" "$D/profile.txt")" "cycles all 80 130 130 130 0"
check "by function, f" "$("$TOOL" --by-function "$D/disasm.txt" "$D/profile.txt" 7 | grep '^function 7 f ')" \
    "function 7 f 80 148"
check "by function, g" "$("$TOOL" --by-function "$D/disasm.txt" "$D/profile.txt" 7 | grep '^function 7 g ')" \
    "function 7 g 3 11"
rc=0
"$TOOL" "$D/disasm.txt" /nonexistent 7 >/dev/null 2>&1 || rc=$?
check "missing profile: exit status" "$rc" 2
[ $fail -eq 0 ] && echo "test_m4_cycles: PASS"
exit $fail
