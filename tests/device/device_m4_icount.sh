#!/usr/bin/env bash
# device_m4_icount.sh SOURCE_DIR BUILD_DIR
#
# CTest device_m4_icount: checks the harness itself.
#  - exitcode.elf returns 42; QEMU must exit with 42 (semihosting SYS_EXIT_EXTENDED);
#  - fault.elf runs an undefined instruction: "FAULT ..." and exit status 3;
#  - selftest.elf checks printing, memcpy & co, the FPU, the stack mark;
#  - the icount plugin counts the self-test's assembly regions exactly:
#    "empty" = B + 2 and "loop N" = B + 3 + 2N, where B is the number of
#    instructions of kws_mark_begin read from the disassembly; the nested
#    "inner" region is inside "outer" at depth 1;
#  - its block profile (profile=FILE) adds up to the same total, and the
#    cycle model (m4_cycles) prices the 999 extra turns of "loop 1000" over
#    "loop 1" at 999 x (subs 1 + bne 1 + P) for P = 1, 2, 3: the taken
#    branches counted from the recorded successors.
set -euo pipefail
SRC=$1 BUILD=$2
. "$SRC/tests/device/lib.sh"
need_cross
need_qemu
command -v "${HOSTCC:-cc}" >/dev/null 2>&1 || skip "no host C compiler for the QEMU plugin"
CROSS=${CROSS:-arm-none-eabi-}
qemu=${QEMU:-qemu-system-arm}
"$qemu" -help | grep -q -- '^-plugin' || skip "$qemu was built without TCG plugin support"

elfdir=$BUILD/mps2-an386
m4make BOARD=mps2-an386 plugin "$elfdir/selftest.elf" "$elfdir/exitcode.elf" "$elfdir/fault.elf"
run=$SRC/device/m4/scripts/run_qemu.sh
fail=0

rc=0
"$run" --timeout 60 "$elfdir/exitcode.elf" >"$BUILD/exitcode.out" || rc=$?
if [ $rc -eq 42 ]; then
    echo "exit status: 42 as returned by main"
else
    echo "FAIL: exitcode.elf made QEMU exit with $rc, want 42"; fail=1
fi

rc=0
"$run" --timeout 60 "$elfdir/fault.elf" >"$BUILD/fault.out" || rc=$?
if [ $rc -eq 3 ] && grep -q '^FAULT exception 3 pc ' "$BUILD/fault.out"; then
    echo "fault: $(grep '^FAULT' "$BUILD/fault.out")"
else
    echo "FAIL: fault.elf exited with $rc, want 3 and a FAULT line:"; cat "$BUILD/fault.out"; fail=1
fi

rc=0
"$run" --timeout 60 --plugin "$BUILD/qemu_icount/icount.so" --icount-out "$BUILD/selftest.icount" \
    --profile-out "$BUILD/selftest.profile" "$elfdir/selftest.elf" >"$BUILD/selftest.out" || rc=$?
sed 's/^/   device: /' "$BUILD/selftest.out"
sed 's/^/   plugin: /' "$BUILD/selftest.icount" 2>/dev/null || true
[ $rc -eq 0 ] || { echo "FAIL: selftest exited with $rc"; fail=1; }
grep -qx 'print: 0 4294967295 -2147483648 18446744073709551615 deadbeef bfc00000' "$BUILD/selftest.out" ||
    { echo "FAIL: number printing"; fail=1; }
grep -qx 'w' "$BUILD/selftest.out" || { echo "FAIL: SYS_WRITEC"; fail=1; }

# B: instructions of kws_mark_begin up to its return (straight-line code).
# (awk reads to the end: an early exit would SIGPIPE objdump under pipefail)
B=$("${CROSS}objdump" -d "$elfdir/selftest.elf" | awk '
    /<kws_mark_begin>:$/ { on = 1; next }
    on && /^$/ { on = 0 }
    on && NF >= 3 && $0 !~ /\.word/ { n++; if ($0 ~ /bx[ \t]+lr/) { print n; on = 0 } }')
echo "kws_mark_begin: B = ${B:-?} instructions"
[ -n "$B" ] || { echo "FAIL: cannot read kws_mark_begin"; exit 1; }

count_of() { # region name -> plugin count
    local seq
    seq=$(awk -v n="$1" '$1 == "@region" { s = $2; $1 = ""; $2 = ""; sub(/^  /, ""); if ($0 == n) print s }' \
        "$BUILD/selftest.out")
    awk -v s="$seq" '$2 == "region" && $3 == s { print $7 }' "$BUILD/selftest.icount"
}
depth_of() {
    local seq
    seq=$(awk -v n="$1" '$1 == "@region" { s = $2; $1 = ""; $2 = ""; sub(/^  /, ""); if ($0 == n) print s }' \
        "$BUILD/selftest.out")
    awk -v s="$seq" '$2 == "region" && $3 == s { print $5 }' "$BUILD/selftest.icount"
}
expect() { # name expected
    local got
    got=$(count_of "$1")
    if [ "$got" = "$2" ]; then
        echo "region '$1': $got instructions (exact)"
    else
        echo "FAIL: region '$1': plugin counted '${got}', want $2"; fail=1
    fi
}
expect "empty" $((B + 2))
expect "loop 1" $((B + 3 + 2))
expect "loop 1000" $((B + 3 + 2000))
expect "loop 100000" $((B + 3 + 200000))
expect "inner loop 10" $((B + 3 + 20))
outer=$(count_of outer) inner=$(count_of "inner loop 10")
if [ -n "$outer" ] && [ "$outer" -gt "$inner" ] && [ "$(depth_of 'inner loop 10')" = 1 ] &&
    [ "$(depth_of outer)" = 0 ]; then
    echo "nesting: outer $outer > inner $inner, depths 0 and 1"
else
    echo "FAIL: nested regions (outer '$outer', inner '$inner')"; fail=1
fi
# the block profile and the cycle model
total=$(awk '$2 == "total" { print $3 }' "$BUILD/selftest.icount")
ptotal=$(awk '$1 == "R" { on = ($2 == "all") } on && $1 == "T" { s += $3 * $5 } END { print s + 0 }' \
    "$BUILD/selftest.profile")
if [ -n "$total" ] && [ "$ptotal" = "$total" ]; then
    echo "profile: blocks add up to the $total instructions counted"
else
    echo "FAIL: profile blocks add up to $ptotal, the counter to '$total'"; fail=1
fi
"${CROSS}objdump" -d "$elfdir/selftest.elf" >"$BUILD/selftest.dis"
seq_of() { awk -v n="$1" '$1 == "@region" { s = $2; $1 = ""; $2 = ""; sub(/^  /, ""); if ($0 == n) print s }' \
    "$BUILD/selftest.out"; }
"$BUILD/qemu_icount/m4_cycles" "$BUILD/selftest.dis" "$BUILD/selftest.profile" \
    "$(seq_of 'loop 1')" "$(seq_of 'loop 1000')" >"$BUILD/selftest.cycles"
read -r a1 a2 a3 < <(awk -v s="$(seq_of 'loop 1')" '$2 == s { print $4, $5, $6 }' "$BUILD/selftest.cycles")
read -r b1 b2 b3 < <(awk -v s="$(seq_of 'loop 1000')" '$2 == s { print $4, $5, $6 }' "$BUILD/selftest.cycles")
for p in 1 2 3; do
    eval "d=\$((b$p - a$p))"
    want=$((999 * (2 + p)))
    if [ "$d" = "$want" ]; then
        echo "cycles: loop 1000 - loop 1 = $d at P = $p (999 x (2 + P))"
    else
        echo "FAIL: cycles: loop 1000 - loop 1 = '$d' at P = $p, want $want"; fail=1
    fi
done
[ $fail -eq 0 ] && echo "device_m4_icount: PASS"
exit $fail
