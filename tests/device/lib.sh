# lib.sh - helpers sourced by the device_m4_* test scripts.
#
# A missing cross compiler or QEMU is not a pass: the test prints a loud
# "SKIPPED: ..." line and exits 77, which CTest reports as skipped
# (SKIP_RETURN_CODE). scripts/install-deps.sh test installs both.

SKIP_CODE=77

skip() {
    echo "SKIPPED: $*" >&2
    echo "SKIPPED: $* (install with: scripts/install-deps.sh test)"
    exit $SKIP_CODE
}

need_cross() {
    command -v "${CROSS:-arm-none-eabi-}gcc" >/dev/null 2>&1 ||
        skip "${CROSS:-arm-none-eabi-}gcc not found: Cortex-M4 build not checked"
    command -v make >/dev/null 2>&1 || skip "make not found"
}

need_qemu() {
    local q=${QEMU:-qemu-system-arm}
    command -v "$q" >/dev/null 2>&1 || skip "$q not found: firmware not run"
    "$q" -M help 2>/dev/null | grep -q '^mps2-an386 ' ||
        skip "$q has no mps2-an386 machine"
}

# m4make ARGS...: the device/m4 Makefile, out of tree, two jobs at most.
m4make() {
    make -s -j2 -C "$SRC/device/m4" BUILD="$BUILD" "$@"
}

# run_firmware ELF OUT TIMEOUT HIDE_RE: runs ELF under QEMU (semihosting)
# with its output in OUT, prints the exit status and OUT's lines that do not
# match HIDE_RE (the machine-read records), and returns the exit status.
run_firmware() {
    local elf=$1 out=$2 timeout=$3 hide=$4 rc=0
    "$SRC/device/m4/scripts/run_qemu.sh" --timeout "$timeout" "$elf" >"$out" || rc=$?
    echo "firmware: exit status $rc, $(wc -l <"$out") lines in $out"
    grep -v -E "$hide" "$out" | sed 's/^/   device: /' || true
    [ $rc -ne 124 ] || echo "FAIL: QEMU timed out after $timeout s"
    return $rc
}

# parity_at_opt_levels NAME APP TIMEOUT HIDE_RE: builds device/m4's APP
# (apps/APP.c) at -O2 (the shipping flags), -O0 and -Os - the results must
# not depend on the compiler's choices - runs each under QEMU (run_firmware)
# and has $CHECKER compare the output with the host's. Needs SRC, BASE,
# CHECKER. Prints "NAME: PASS (...)"; returns 1 on any failure.
parity_at_opt_levels() {
    local name=$1 app=$2 timeout=$3 hide=$4 fail=0 opt out rc
    for opt in O2 O0 Os; do
        BUILD=$BASE/$opt
        echo "== firmware built with -$opt"
        m4make BOARD=mps2-an386 EXTRA_CFLAGS=-$opt "$BUILD/mps2-an386/$app.elf"
        out=$BUILD/$app.out
        rc=0
        run_firmware "$BUILD/mps2-an386/$app.elf" "$out" "$timeout" "$hide" || rc=$?
        if [ $rc -ne 0 ]; then
            echo "FAIL: -$opt firmware exited with status $rc"
            fail=1
        fi
        "$CHECKER" "$out" || { echo "FAIL: -$opt firmware differs from the host"; fail=1; }
    done
    [ $fail -eq 0 ] && echo "$name: PASS (-O2, -O0, -Os)"
    return $fail
}
