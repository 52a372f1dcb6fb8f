#!/usr/bin/env bash
# bench_m4_kernels.sh [BUILD_DIR] - the integer kernels' cost on a Cortex-M4,
# reference (plain C) against fast (src/runtime/..._fast.c, DSP instructions).
#
# Builds device/m4 (bench_kernels and the icount plugin) out of tree in
# BUILD_DIR (default <repo>/build-m4-bench), runs bench_kernels on QEMU's
# mps2-an386 with the plugin, and prints
#   - per kernel call of the paper's network (conv2d ... dense_2, in network
#     order): MACs, guest instructions of the reference and the fast kernel,
#     MACs per instruction, speed-up; the marker overhead subtracted;
#   - totals for the int8 variant (dense 7488 -> 64 with int8 weights) and
#     the hybrid one (the same dense with binary weights), against
#     CMSIS-NN's 41.6 M instructions for the paper network's layers on this
#     emulator (-O2, DSP path: 0.46 MAC per instruction);
#   - the whole hybrid model through kws_imodel_run_kernels (runner included,
#     dense_2 with its int32 output), both kernel sets; the fast set runs a
#     conv by Winograd where the memory plan leaves it room (kws/imodel.h);
#   - the paper's int8 3x3 convs with Cin % 4 == 0 by Winograd F(2x2, 3x3)
#     (kws_conv2d_s8_winograd, chunk = output channels per weight pass in
#     the 40 KiB scratch given; output checked equal to the direct kernel's)
#     against the direct fast kernel;
#   - the binary conv (packed +-1 weights) of the 76 KB variant
#     (models/paper_pool_76k.kwsnet conv2d_4, 9x13x32 -> 64, k 3), reference
#     (sign-select adds) against fast (+-1 expanded to int16, SMLAD);
#   - cycles and time at 80 MHz by the M4 timing model, and each layer's
#     cycles per instruction.
#
# MACs count a conv's taps over the 'same' padding too (H*W*Cout*k*k*Cin),
# as the paper and CMSIS-NN's figure do; 19.16 M for the network.
#
# QEMU counts instructions, not cycles. The cycle figures price every
# executed instruction with the Cortex-M4's published timing
# (device/m4/qemu_icount/m4_cycles.c, from the plugin's block profile: LDR 2
# or 1 when pipelined, LDRD 3, LDM 1 + N, SMLAD/SMLAL 1, a taken branch
# 1 + P with P = 1 .. 3, exact taken counts; zero wait states, the ART
# accelerator assumed to hide flash latency). Measure on hardware with
# DWT->CYCCNT for real cycle counts.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-$ROOT/build-m4-bench}
CROSS=${CROSS:-arm-none-eabi-}
MHZ=${KWS_M4_MHZ:-80}
CMSIS_M=${KWS_CMSIS_NN_MINSNS:-41.6}

. "$ROOT/bench/device/lib.sh"
need_m4_tools

make -s -j2 -C "$ROOT/device/m4" BUILD="$BUILD" BOARD=mps2-an386 \
    "$BUILD/mps2-an386/bench_kernels.elf" plugin >/dev/null

elf=$BUILD/mps2-an386/bench_kernels.elf
out=$BUILD/bench_kernels.out
counts=$BUILD/bench_kernels.icount
run_profiled "$elf" "$BUILD/bench_kernels" # + cycles per region by the M4 timing model

echo "kws integer kernels on a Cortex-M4 (QEMU mps2-an386, TCG plugin instruction count)"
echo "paper network (models/paper.kwsnet), HWC int8, random weights, conv-like multipliers"
echo
awk -v mhz="$MHZ" -v cmsis="$CMSIS_M" '
    FILENAME == cyc { cy1[name[$2]] = $4; cy2[name[$2]] = $5; cy3[name[$2]] = $6; next }
    FNR == NR && $1 == "@region" { name[$2] = $3; next }
    FNR == NR && $1 == "L" { order[++nl] = $2; macs[$2] = $3; calls[$2] = $4; next }
    FNR == NR && $1 == "B" { border[++nb] = $2; macs[$2] = $3; next }
    FNR == NR && $1 == "W" { worder[++nw] = $2; chunk[$2] = $4; next }
    FNR == NR && ($1 == "M" || $1 == "bench:") { info[++ninfo] = $0; next }
    FNR == NR { next }
    $2 == "region" { cnt[name[$3]] = $7 }
    function f(v) { return sprintf("%.2f", v) }
    END {
        over = cnt["empty"]
        printf "marker overhead (region \"empty\"): %d instructions, subtracted below\n\n", over
        printf "%-11s %10s %12s %7s %12s %7s %8s\n", "layer", "MACs", "reference", "MAC/i",
               "fast", "MAC/i", "speed-up"
        for (k = 1; k <= nl; k++) {
            l = order[k]
            r = cnt["ref:" l] - over; q = cnt["fast:" l] - over
            ref[l] = r; fast[l] = q
            printf "%-11s %10d %12d %7s %12d %7s %7.1fx%s\n", l, macs[l], r,
                   macs[l] ? f(macs[l] / r) : "-", q, macs[l] ? f(macs[l] / q) : "-", r / q,
                   (calls[l] > 1 ? "  (" calls[l] " calls of 8 rows)" : "")
            # int8 variant: every call but the binary dense; hybrid: but the int8 dense
            if (l != "dense_bin") { m8 += macs[l]; r8 += r; f8 += q }
            if (l != "dense") { mh += macs[l]; rh += r; fh += q }
            if (l ~ /^conv2d/) { mc += macs[l]; rc += r; fc += q }
        }
        printf "\n%-24s %10s %12s %7s %12s %7s %8s\n", "total", "MACs", "reference", "MAC/i",
               "fast", "MAC/i", "speed-up"
        printf "%-24s %10d %12d %7s %12d %7s %7.1fx\n", "convolutions only", mc, rc, f(mc / rc),
               fc, f(mc / fc), rc / fc
        printf "%-24s %10d %12d %7s %12d %7s %7.1fx\n", "int8 variant", m8, r8, f(m8 / r8), f8,
               f(m8 / f8), r8 / f8
        printf "%-24s %10d %12d %7s %12d %7s %7.1fx\n", "hybrid (binary dense)", mh, rh,
               f(mh / rh), fh, f(mh / fh), rh / fh
        mr = cnt["model:reference"] - over; mf = cnt["model:fast"] - over
        printf "%-24s %10d %12d %7s %12d %7s %7.1fx\n", "hybrid, kws_imodel_run", mh, mr,
               f(mh / mr), mf, f(mh / mf), mr / mf
        if (nb) {
            printf "\n%-24s %10s %12s %7s %12s %7s %8s\n", "binary conv (76 KB var.)", "MACs",
                   "reference", "MAC/i", "fast", "MAC/i", "speed-up"
            for (k = 1; k <= nb; k++) {
                l = border[k]
                r = cnt["ref:" l] - over; q = cnt["fast:" l] - over
                printf "%-24s %10d %12d %7s %12d %7s %7.1fx\n", l, macs[l], r, f(macs[l] / r),
                       q, f(macs[l] / q), r / q
            }
        }
        if (nw) {
            printf "\n%-11s %10s %12s %7s %12s %7s %8s %6s\n", "Winograd", "MACs", "fast",
                   "MAC/i", "Winograd", "MAC/i", "speed-up", "chunk"
            for (k = 1; k <= nw; k++) {
                l = worder[k]
                q = cnt["fast:" l] - over; w = cnt["wino:" l] - over
                printf "%-11s %10d %12d %7s %12d %7s %7.2fx %6d\n", l, macs[l], q,
                       f(macs[l] / q), w, f(macs[l] / w), q / w, chunk[l]
            }
        }
        printf "\nCMSIS-NN (-O2, DSP path) on the paper network'"'"'s layers: %.1f M instructions " \
               "(0.46 MAC/instruction)\n", cmsis
        printf "  fast, int8 variant:  %6.2f M instructions = %.2f x CMSIS-NN\n", f8 / 1e6,
               f8 / (cmsis * 1e6)
        printf "  fast, hybrid:        %6.2f M instructions = %.2f x CMSIS-NN\n", fh / 1e6,
               fh / (cmsis * 1e6)
        printf "  hybrid, kws_imodel_run (Winograd where the plan leaves room): %6.2f M = %.2f x CMSIS-NN\n",
               mf / 1e6, mf / (cmsis * 1e6)
        printf "\ncycles at %d MHz by the M4 timing model (device/m4/qemu_icount/m4_cycles.c: each\n", mhz
        printf "executed instruction priced by the TRM, taken branches exact, refill P = 1 .. 3 cycles,\n"
        printf "zero wait states; an estimate, not a measurement):\n"
        split("model:fast model:reference", rs, " ")
        for (k = 1; k <= 2; k++) {
            r = rs[k]; ins = cnt[r] - over
            c1 = cy1[r] - cy1["empty"]; c2 = cy2[r] - cy2["empty"]; c3 = cy3[r] - cy3["empty"]
            printf "  hybrid, %-10s %6.2f M instructions -> %6.2f M cycles (P = 2; %.2f .. %.2f), " \
                   "CPI %.2f = %6.1f ms (%.1f .. %.1f)\n", substr(r, 7), ins / 1e6, c2 / 1e6,
                   c1 / 1e6, c3 / 1e6, c2 / ins, c2 / mhz / 1e3, c1 / mhz / 1e3, c3 / mhz / 1e3
        }
        for (k = 1; k <= nl; k++)
            if (order[k] != "dense") { dc += cy2["fast:" order[k]] - cy2["empty"]; di += cnt["fast:" order[k]] - over }
        printf "  hybrid, direct fast kernels only (its layers summed): %.2f M instructions -> %.2f M cycles = %.1f ms\n",
               di / 1e6, dc / 1e6, dc / mhz / 1e3
        printf "  per layer (fast kernel / Winograd), CPI at P = 2:"
        for (k = 1; k <= nl; k++) {
            l = order[k]
            printf "%s %s %.2f", (k % 6 == 1 ? "\n   " : ","), l,
                   (cy2["fast:" l] - cy2["empty"]) / (cnt["fast:" l] - over)
        }
        for (k = 1; k <= nw; k++)
            printf "%s wino:%s %.2f", (k == 1 ? "\n   " : ","), worder[k],
                   (cy2["wino:" worder[k]] - cy2["empty"]) / (cnt["wino:" worder[k]] - over)
        printf "\n"
        printf "\n"
        for (k = 1; k <= ninfo; k++) print info[k]
    }' "$out" "$counts" cyc="$BUILD/bench_kernels.cycles" "$BUILD/bench_kernels.cycles"
