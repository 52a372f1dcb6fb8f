#!/usr/bin/env bash
# profile_m4.sh [APP] [TOP] - where a device app's instructions go: runs
# device/m4's APP (default bench_kernels) on QEMU's mps2-an386 with the icount
# plugin's per-block profile and prints the TOP (default 25) functions by
# guest instructions executed over the whole run, with their share.
#
# Counts come from the plugin (exact instruction counts per translated block,
# device/m4/qemu_icount/icount.c, profile=FILE, its "R all" section); each
# block is put on the function whose symbol (arm-none-eabi-nm) starts at or
# before it. Static functions GCC inlined count in their caller. The last
# line is the whole run's cycle estimate (device/m4/qemu_icount/m4_cycles.c).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
APP=${1:-bench_kernels}
TOP=${2:-25}
BUILD=${BUILD:-$ROOT/build-m4-bench}
CROSS=${CROSS:-arm-none-eabi-}

. "$ROOT/bench/device/lib.sh"
need_m4_tools

make -s -j2 -C "$ROOT/device/m4" BUILD="$BUILD" BOARD=mps2-an386 \
    "$BUILD/mps2-an386/$APP.elf" plugin >/dev/null
elf=$BUILD/mps2-an386/$APP.elf
prof=$BUILD/$APP.profile
run_profiled "$elf" "$BUILD/$APP"

echo "instructions per function, $APP on QEMU mps2-an386 (whole run)"
"${CROSS}nm" -n "$elf" | awk '$2 ~ /^[tTwW]$/ { print $1, $3 }' |
    awk -v top="$TOP" '
    function hex(h,    v, i, c) {
        h = tolower(h); sub(/^0x/, "", h); v = 0
        for (i = 1; i <= length(h); i++) { c = index("0123456789abcdef", substr(h, i, 1)) - 1; v = v * 16 + c }
        return v
    }
    FNR == NR { a[++n] = hex($1); s[n] = $2; next }
    $1 == "R" { in_all = ($2 == "all"); next }
    !in_all || $1 != "T" { next }
    {
        pc = hex($2); ins = $3 * $5
        lo = 1; hi = n; f = "?"
        while (lo <= hi) { mid = int((lo + hi) / 2); if (a[mid] <= pc) { f = s[mid]; lo = mid + 1 } else hi = mid - 1 }
        by[f] += ins; total += ins
    }
    END {
        for (f in by) printf "%14d %6.2f%%  %s\n", by[f], 100 * by[f] / total, f | "sort -rn | head -" top
        close("sort -rn | head -" top)
        printf "%14d total\n", total
    }' - "$prof"
awk '$2 == "all" { printf "cycle estimate (m4_cycles, whole run): %.1f M (P = 1) .. %.1f M (P = 3), CPI %.2f .. %.2f\n", $4 / 1e6, $6 / 1e6, $4 / $3, $6 / $3 }' "$BUILD/$APP.cycles"
