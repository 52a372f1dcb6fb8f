#!/usr/bin/env bash
# bench_m4_frontend.sh [BUILD_DIR] - the MFCC front end's cost on a Cortex-M4F.
#
# Builds device/m4 (bench_frontend, mfcc_parity, the icount plugin) out of
# tree in BUILD_DIR (default <repo>/build-m4-bench), runs bench_frontend on
# QEMU's mps2-an386 with the plugin, and prints
#   - guest instructions per region, the marker overhead subtracted;
#   - per hop (256 samples = 16 ms) and per 1 s clip (61 frames);
#   - a cycle and CPU-load estimate for an 80 MHz STM32L496;
#   - flash and RAM of the STM32L496 images (arm-none-eabi-size).
#
# QEMU counts instructions, not cycles. The estimate multiplies by an
# assumed CPI (cycles per instruction) of 1.0 .. 1.3 for this code on a
# Cortex-M4F: most integer and single-precision FPU instructions
# (VADD/VSUB/VMUL) issue in 1 cycle, loads 2 (1 when pipelined back to
# back), VDIV/VSQRT 14, taken branches 1 + 1..3 for the pipeline refill,
# and flash at 80 MHz needs 4 wait states that the ART accelerator
# (prefetch + 1 KiB instruction cache) hides in loops but not everywhere.
# Measure on hardware with DWT->CYCCNT for real cycle counts.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-$ROOT/build-m4-bench}
CROSS=${CROSS:-arm-none-eabi-}
MHZ=${KWS_M4_MHZ:-80}
CPI_LO=${KWS_M4_CPI_LO:-1.0}
CPI_HI=${KWS_M4_CPI_HI:-1.3}

. "$ROOT/bench/device/lib.sh"
need_m4_tools

for board in mps2-an386 stm32l496; do
    make -s -j2 -C "$ROOT/device/m4" BUILD="$BUILD" BOARD=$board all >/dev/null
done
make -s -C "$ROOT/device/m4" BUILD="$BUILD" plugin >/dev/null

elf=$BUILD/mps2-an386/bench_frontend.elf
out=$BUILD/bench_frontend.out
counts=$BUILD/bench_frontend.icount
"$ROOT/device/m4/scripts/run_qemu.sh" --timeout 300 --plugin "$BUILD/qemu_icount/icount.so" \
    --icount-out "$counts" "$elf" >"$out"

echo "kws MFCC front end on a Cortex-M4F (QEMU mps2-an386, TCG plugin instruction count)"
echo "config: 16 kHz, frame 512, hop 256 (16 ms), 40 mels, 38 MFCCs, window 55 columns"
echo
awk -v mhz="$MHZ" -v lo="$CPI_LO" -v hi="$CPI_HI" '
    FNR == NR && $1 == "@region" { seq = $2; $1 = ""; $2 = ""; sub(/^ +/, ""); name[seq] = $0; next }
    FNR == NR && $1 == "bench:" { info[++ninfo] = $0; next }
    FNR == NR { next }
    $2 == "region" { cnt[$3] = $7; if ($3 + 1 > n) n = $3 + 1 }
    END {
        for (i = 0; i < n; i++) if (name[i] == "empty") over = cnt[i]
        for (i = 0; i < n; i++) {
            nm = name[i]; if (nm == "empty") continue
            v = cnt[i] - over
            if (!(nm in sum)) { order[++no] = nm; mn[nm] = v; mx[nm] = v }
            sum[nm] += v; num[nm]++
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
        printf "\ncycle estimate at %d MHz, CPI %.1f .. %.1f (assumed; QEMU counts instructions, not cycles):\n", mhz, lo, hi
        printf "  per hop (streaming + window): %7.0f .. %7.0f cycles = %.3f .. %.3f ms of the 16 ms hop (%.1f .. %.1f %% CPU)\n",
            (push + win) * lo, (push + win) * hi, (push + win) * lo / mhz / 1e3, (push + win) * hi / mhz / 1e3,
            100 * (push + win) * lo / budget, 100 * (push + win) * hi / budget
        printf "  per 1 s clip (batch):         %.2f .. %.2f Mcycles = %.1f .. %.1f ms\n",
            clip * lo / 1e6, clip * hi / 1e6, clip * lo / mhz / 1e3, clip * hi / mhz / 1e3
        printf "  table building (mfcc_init, once, soft-float double): %.1f .. %.1f ms\n",
            sum["mfcc_init"] * lo / mhz / 1e3, sum["mfcc_init"] * hi / mhz / 1e3
        printf "\n"
        for (k = 1; k <= ninfo; k++) print info[k]
    }' "$out" "$counts"

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
