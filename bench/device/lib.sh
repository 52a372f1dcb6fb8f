# lib.sh - sourced by the bench/device scripts (needs ROOT and CROSS).

# The cross compiler, QEMU and make, or a SKIPPED line and exit 0: a bench
# prints numbers, it does not fail for a missing tool.
need_m4_tools() {
    local t
    for t in "${CROSS}gcc" "${QEMU:-qemu-system-arm}" make; do
        command -v "$t" >/dev/null 2>&1 ||
            { echo "SKIPPED: $t not found (scripts/install-deps.sh test)"; exit 0; }
    done
}

# run_profiled ELF PREFIX [TIMEOUT_S] - runs a device app on QEMU with the
# icount plugin and its block profile, then the M4 cycle model
# (device/m4/qemu_icount/m4_cycles.c) over every region the app printed and
# over the whole run. Writes PREFIX.out (the app's output), .icount,
# .profile, .dis and .cycles ("cycles SEQ|all INSNS C_P1 C_P2 C_P3 TAKEN").
# Needs BUILD (the device/m4 build folder, plugin built).
run_profiled() {
    local elf=$1 prefix=$2 timeout_s=${3:-600}
    "$ROOT/device/m4/scripts/run_qemu.sh" --timeout "$timeout_s" \
        --plugin "$BUILD/qemu_icount/icount.so" --icount-out "$prefix.icount" \
        --profile-out "$prefix.profile" "$elf" >"$prefix.out"
    "${CROSS}objdump" -d "$elf" >"$prefix.dis"
    "$BUILD/qemu_icount/m4_cycles" "$prefix.dis" "$prefix.profile" \
        $(awk '$1 == "@region" { print $2 }' "$prefix.out") all >"$prefix.cycles"
}
