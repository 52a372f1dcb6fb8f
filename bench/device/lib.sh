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
