#!/usr/bin/env bash
# bench_m4_frontend.sh [BUILD_DIR] - the MFCC front end's cost on a Cortex-M4F.
#
# Builds device/m4 (bench_frontend, mfcc_parity, the icount plugin) out of
# tree in BUILD_DIR (default <repo>/build-m4-bench), runs bench_frontend on
# QEMU's mps2-an386 with the plugin, and prints
#   - guest instructions per region, the marker overhead subtracted;
#   - per hop (256 samples = 16 ms) and per 1 s clip (61 frames);
#   - cycles and CPU load for an 80 MHz STM32L496 by the M4 timing model;
#   - flash and RAM of the STM32L496 images (arm-none-eabi-size).
#
# QEMU counts instructions, not cycles. The cycle figures price every
# executed instruction with the Cortex-M4's published timing
# (device/m4/qemu_icount/m4_cycles.c, from the plugin's block profile:
# loads 2 or 1 when pipelined, VDIV/VSQRT 14, VMLA 3, a taken branch 1 + P
# with P = 2 (1 .. 3), exact taken counts; zero wait states, the ART
# accelerator assumed to hide the flash's 4 wait states at 80 MHz).
# Measure on hardware with DWT->CYCCNT for real cycle counts.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-$ROOT/build-m4-bench}
CROSS=${CROSS:-arm-none-eabi-}
MHZ=${KWS_M4_MHZ:-80}

. "$ROOT/bench/device/lib.sh"
need_m4_tools

for board in mps2-an386 stm32l496; do
    make -s -j2 -C "$ROOT/device/m4" BUILD="$BUILD" BOARD=$board all >/dev/null
done
make -s -C "$ROOT/device/m4" BUILD="$BUILD" plugin >/dev/null

elf=$BUILD/mps2-an386/bench_frontend.elf
out=$BUILD/bench_frontend.out
counts=$BUILD/bench_frontend.icount
run_profiled "$elf" "$BUILD/bench_frontend" 300

echo "kws MFCC front end on a Cortex-M4F (QEMU mps2-an386, TCG plugin instruction count)"
echo "config: 16 kHz, frame 512, hop 256 (16 ms), 40 mels, 38 MFCCs, window 55 columns"
echo
awk -v mhz="$MHZ" -v cyc="$BUILD/bench_frontend.cycles" '
    FILENAME == cyc { c2[$2] = $5; next }
    FNR == NR && $1 == "@region" { seq = $2; $1 = ""; $2 = ""; sub(/^ +/, ""); name[seq] = $0; next }
    FNR == NR && $1 == "bench:" { info[++ninfo] = $0; next }
    FNR == NR { next }
    $2 == "region" { cnt[$3] = $7; if ($3 + 1 > n) n = $3 + 1 }
    END {
        for (i = 0; i < n; i++) if (name[i] == "empty") { over = cnt[i]; cover = c2[i] }
        for (i = 0; i < n; i++) {
            nm = name[i]; if (nm == "empty") continue
            v = cnt[i] - over
            if (!(nm in sum)) { order[++no] = nm; mn[nm] = v; mx[nm] = v }
            sum[nm] += v; num[nm]++; csum[nm] += c2[i] - cover
            if (v < mn[nm]) mn[nm] = v
            if (v > mx[nm]) mx[nm] = v
        }
        printf "marker overhead (region \"empty\"): %d instructions, subtracted below\n\n", over
        printf "%-18s %5s %12s %12s %12s\n", "region", "runs", "min", "mean", "max"
        for (k = 1; k <= no; k++) {
            nm = order[k]
            printf "%-18s %5d %12d %12.0f %12d\n", nm, num[nm], mn[nm], sum[nm] / num[nm], mx[nm]
        }
        hop = sum["mfcc_frame"] / num["mfcc_frame"]
        push = sum["stream_push_hop"] / num["stream_push_hop"]
        win = sum["stream_window"] / num["stream_window"]
        clip = sum["clip_batch_1s"] / num["clip_batch_1s"]
        sclip = sum["clip_stream_1s"] / num["clip_stream_1s"]
        budget = 256 / 16000.0 * mhz * 1e6
        printf "\nper hop (one kws_mfcc_frame):              %9.0f instructions\n", hop
        printf "per hop, streaming (push 256 samples):     %9.0f instructions\n", push
        printf "per hop, streaming + window copy-out:      %9.0f instructions\n", push + win
        printf "per 1 s clip, batch (61 frames):           %9.0f instructions\n", clip
        printf "per 1 s clip, streaming (61 columns):      %9.0f instructions\n", sclip
        chop = (csum["stream_push_hop"] / num["stream_push_hop"]) + (csum["stream_window"] / num["stream_window"])
        cclip = csum["clip_batch_1s"] / num["clip_batch_1s"]
        printf "\ncycles at %d MHz by the M4 timing model (m4_cycles, P = 2; an estimate, not a measurement):\n", mhz
        printf "  per hop (streaming + window): %7.0f cycles (CPI %.2f) = %.3f ms of the 16 ms hop (%.1f %% CPU)\n",
            chop, chop / (push + win), chop / mhz / 1e3, 100 * chop / budget
        printf "  per 1 s clip (batch):         %.2f Mcycles (CPI %.2f) = %.1f ms\n", cclip / 1e6,
            cclip / clip, cclip / mhz / 1e3
        printf "  table building (mfcc_init, once, soft-float double): %.1f ms\n",
            csum["mfcc_init"] / num["mfcc_init"] / mhz / 1e3
        printf "\n"
        for (k = 1; k <= ninfo; k++) print info[k]
    }' "$out" "$counts" "$BUILD/bench_frontend.cycles"

echo
stack=$(( 16#$("${CROSS}nm" "$BUILD/stm32l496/bench_frontend.elf" | awk '$3 == "__stack_size" { print $1 }') ))
echo "memory of the STM32L496 images (flash = text + data; RAM = data + bss, where bss"
echo "includes the reserved stack region of $stack bytes):"
"${CROSS}size" "$BUILD/stm32l496/mfcc_parity.elf" "$BUILD/stm32l496/bench_frontend.elf" | awk -v st="$stack" '
    NR == 1 { printf "  %-20s %10s %10s %16s\n", "image", "flash B", "RAM B", "RAM w/o stack" ; next }
    { f = $1 + $2; r = $2 + $3; n = $6; sub(/.*\//, "", n)
      printf "  %-20s %10d %10d %16d\n", n, f, r, r - st }'
echo
echo "deepest stack frames of the front end (-fstack-usage, bytes):"
cat "$BUILD"/obj/src/frontend/*.su | sort -t"	" -k2 -n -r | head -5 | awk -F"\t" '{ sub(/.*\//, "", $1); printf "  %-50s %6s %s\n", $1, $2, $3 }'
