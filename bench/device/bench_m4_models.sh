#!/usr/bin/env bash
# bench_m4_models.sh [MODEL.kwsm...] - what each model costs on the
# STM32L496 (Cortex-M4F, 80 MHz, 1 MiB flash, 320 KiB RAM), measured on the
# linked firmware, not estimated:
#
#   flash   text + data of kws_infer.elf for the STM32L496 (arm-none-eabi-size)
#           minus the embedded test clips (map file: scripts/mem_parts.sh),
#           i.e. the deployable image: model, runtime, front end, app, startup;
#           split into the model's parameters (= kws analyze's ROM), its
#           tables (op table, normalization, names) and code
#   RAM     data + bss of the same image: static buffers (arena, MFCC tables,
#           input window) and the 16 KiB stack region the linker reserves;
#           the arena alone; the worst-case stack from the call graph
#           (-fcallgraph-info) and the high-water mark the firmware paints
#           and reads back under QEMU
#   time    guest instructions counted by the QEMU plugin
#           (device/m4/qemu_icount) between markers, marker overhead
#           subtracted: one inference (kws_imodel_run), the front end of one
#           clip (55 MFCC frames + normalization + quantization) and one
#           hop (kws_mfcc_frame, the streaming cost per 16 ms); medians over
#           the clips. Inference is data-independent; the FFT nearly so.
#           A model that streams (kws/stream.h, e.g. models/stream.kwsm)
#           also: one kws_stream_push, the network's work per 16 ms hop, and
#           whether streaming clip 0 gives kws_imodel_run's logits.
#
# Cycles: QEMU counts instructions, not cycles. The plugin also records how
# often each translated block ran and which block followed it, and
# device/m4/qemu_icount/m4_cycles.c prices every executed instruction with
# the Cortex-M4's published timing (LDR 2, 1 when pipelined after a load;
# LDRD 3; LDM 1 + N; SMLAD, SMLAL, MUL 1; a taken branch 1 + P, P = 1 .. 3,
# the taken counts exact). Zero wait states: the STM32L4's ART accelerator
# (prefetch + 1 KiB instruction cache) hides the 4 flash wait states at
# 80 MHz in loops. Printed: P = 2, with P = 1 .. 3 in brackets. An
# estimate: measure on hardware with DWT->CYCCNT.
#
# Models default to models/*.kwsm. Clips: 5 test clips (yes, no, up, stop,
# go) of the Speech Commands folder $KWS_DATA (default
# ../shared/data/speech_commands beside the repository). Environment:
# KWS (the kws binary, default build/kws), KWS_M4_BUILD (build folder,
# default build-m4-models), KWS_M4_MHZ, KWS_PLAN (kws export --plan: fast,
# the default, or small).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
KWS=${KWS:-$ROOT/build/kws}
BUILD=${KWS_M4_BUILD:-$ROOT/build-m4-models}
DATA=${KWS_DATA:-$ROOT/../shared/data/speech_commands}
CROSS=${CROSS:-arm-none-eabi-}
MHZ=${KWS_M4_MHZ:-80}
PLAN=${KWS_PLAN:-fast}
FLASH=1048576 RAM=327680

. "$ROOT/bench/device/lib.sh"
need_m4_tools
[ -x "$KWS" ] || { echo "bench_m4_models.sh: $KWS not built (make build, or KWS=path)" >&2; exit 2; }
models=("$@")
if [ ${#models[@]} -eq 0 ]; then
    for m in "$ROOT"/models/*.kwsm; do [ -e "$m" ] && models+=("$m"); done
fi
[ ${#models[@]} -gt 0 ] || { echo "bench_m4_models.sh: no models (pass .kwsm files)" >&2; exit 2; }
clips=""
for w in yes no up stop go; do
    f=$(grep -m1 "^$w/" "$DATA/testing_list.txt" 2>/dev/null || true)
    [ -n "$f" ] && clips="$clips,$DATA/$f"
done
clips=${clips#,}
[ -n "$clips" ] || { echo "bench_m4_models.sh: no clips under $DATA (set KWS_DATA)" >&2; exit 2; }

m4() { make -s -j2 -C "$ROOT/device/m4" BUILD="$BUILD" "$@"; }
m4 plugin >/dev/null
summary=$BUILD/summary.tsv
mkdir -p "$BUILD"
: >"$summary"

for m in "${models[@]}"; do
    label=$(basename "$m" .kwsm)
    [ "$label" = model ] && label=$(basename "$(dirname "$m")")
    W=$BUILD/models/$label
    rm -rf "$W"
    mkdir -p "$W"
    "$KWS" export --model "$m" --out "$W/export" --clips "$clips" --plan "$PLAN" >"$W/export.txt"
    for board in stm32l496 mps2-an386; do
        m4 BOARD=$board MODEL_DIR="$W/export" infer infer-base >/dev/null
    done
    m4 BOARD=stm32l496 MODEL_DIR="$W/export" infer-stack >"$W/stack.txt"
    elf=$BUILD/mps2-an386/kws_infer.elf
    run_profiled "$elf" "$W/run" # run.out, run.icount, run.cycles
    "$ROOT/device/m4/scripts/mem_parts.sh" "$ROOT" "$BUILD/stm32l496/kws_infer.map" >"$W/parts.tsv"
    read -r text data bss _ < <("${CROSS}size" "$BUILD/stm32l496/kws_infer.elf" | awk 'NR == 2')
    read -r btext bdata _ < <("${CROSS}size" "$BUILD/stm32l496/kws_infer_base.elf" | awk 'NR == 2')
    part() { awk -F'\t' -v r="$1" -v p="$2" '$1 == r && $2 == p { v = $3 } END { print v + 0 }' "$W/parts.tsv"; }
    params=$(part flash model_params) tables=$(part flash model_tables) clipb=$(part flash test_clips)
    runtime=$(part flash runtime) frontend=$(part flash frontend)
    arena=$(awk '/^arena:/ { print $2 }' "$W/export.txt")
    bound=$(awk '/^worst-case stack/ { print $5 }' "$W/stack.txt")
    used=$(awk '/^stack: / { print $2 }' "$W/run.out")
    stack=$(awk '/^stack: / { print $6 }' "$W/run.out")
    ok=$(grep -c ', expect ok$' "$W/run.out" || true)
    nclips=$(grep -c '^clip ' "$W/run.out" || true)
    # medians of the regions, marker overhead ("empty") subtracted:
    # instructions, and cycles by the M4 timing model at P = 1, 2, 3
    read -r inf fe hop c1 c2 c3 hc2 sh sc2 < <(awk '
        FNR == NR && $1 == "@region" { name[$2] = $3; next }
        FNR == NR { next }
        $1 == "icount:" && $2 == "region" { cnt[$3] = $7 }
        $1 == "cycles" { cy[1, $2] = $4; cy[2, $2] = $5; cy[3, $2] = $6 }
        function median(k, p,    i, j, t, n, a) {
            n = 0
            for (i in cnt)
                if (name[i] == k) a[++n] = p ? cy[p, i] - cover[p] : cnt[i] - over
            for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
            return n ? (n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2) : 0
        }
        END {
            for (i in cnt) if (name[i] == "empty") { over = cnt[i]; for (p = 1; p <= 3; p++) cover[p] = cy[p, i] }
            printf "%.0f %.0f %.0f %.0f %.0f %.0f %.0f %.0f %.0f\n", median("inference"),
                   median("frontend"), median("mfcc_hop"), median("inference", 1),
                   median("inference", 2), median("inference", 3), median("mfcc_hop", 2),
                   median("stream_hop"), median("stream_hop", 2)
        }' "$W/run.out" "$W/run.icount" "$W/run.cycles")
    flash=$((text + data - clipb))
    ramt=$((data + bss))
    echo "== $label ($m)"
    sed -n 's/^model kws_model_data: /   model: /p' "$W/run.out"
    echo "   parity: $ok of $nclips clips give the host's logits on the device"
    awk -v f="$flash" -v fl=$FLASH -v p="$params" -v t="$tables" -v r="$runtime" -v fe="$frontend" \
        -v base=$((btext + bdata)) -v c="$clipb" 'BEGIN {
        printf "   flash: %d B (%.1f %% of 1 MiB) without the %d B of test clips = parameters %d (kws analyze ROM)\n", f, 100 * f / fl, c, p
        printf "          + model tables %d + runtime code %d + front end %d + app, startup, libc %d\n", t, r, fe, f - p - t - r - fe
        printf "          (the app without a model: %d B)\n", base }'
    awk -v ram="$ramt" -v rl=$RAM -v a="$arena" -v st="$stack" -v u="$used" -v b="$bound" 'BEGIN {
        printf "   RAM: %d B (%.1f %% of 320 KiB) = static %d (arena %d, MFCC tables, window) + stack region %d\n", ram, 100 * ram / rl, ram - st, a, st
        printf "        stack: %d B worst case (call graph), %d B high-water under QEMU, %d B reserved\n", b, u, st }'
    awk -v i="$inf" -v fe="$fe" -v h="$hop" -v c1="$c1" -v c2="$c2" -v c3="$c3" -v hc="$hc2" -v mhz="$MHZ" 'BEGIN {
        printf "   inference: %d instructions -> %.1f Mcycles (%.1f .. %.1f), CPI %.2f = %.0f ms at %d MHz (%.0f .. %.0f)\n", i, c2 / 1e6, c1 / 1e6, c3 / 1e6, c2 / i, c2 / mhz / 1e3, mhz, c1 / mhz / 1e3, c3 / mhz / 1e3
        printf "   front end: %d instructions per 1 s clip (55 frames); %d per 16 ms hop = %d cycles = %.2f ms (%.1f %% CPU)\n", fe, h, hc, hc / mhz / 1e3, 100 * hc / (mhz * 16e3) }'
    if [ "$sh" -gt 0 ]; then
        grep '^stream clip 0' "$W/run.out" | sed 's/^/   /'
        awk -v s="$sh" -v sc="$sc2" -v hc="$hc2" -v mhz="$MHZ" 'BEGIN {
            printf "   streaming: %d instructions per hop (kws_stream_push) -> %.2f Mcycles = %.1f ms; with the front end %.1f ms of every 16 ms hop (%.0f %% CPU)\n", s, sc / 1e6, sc / mhz / 1e3, (sc + hc) / mhz / 1e3, 100 * (sc + hc) / (mhz * 16e3) }'
    fi
    printf '%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d/%d\t%d\t%d\t%d\t%d\n' "$label" "$flash" "$params" "$ramt" \
        "$arena" "$bound" "$used" "$inf" "$fe" "$hop" "$ok" "$nclips" "$c1" "$c2" "$c3" \
        "$((sc2 + 0))" >>"$summary"
done

echo
echo "| model | flash (B) | of which parameters | RAM (B, incl. 16 KiB stack) | arena | stack worst / used | instructions / inference | Mcycles (model, P = 1 .. 3) | ms @ $MHZ MHz | front end / hop (instr.) | streaming: ms per hop | parity |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
awk -F'\t' -v mhz="$MHZ" '{
    printf "| %s | %d | %d | %d | %d | %d / %d | %d | %.1f (%.1f .. %.1f) | %.0f (%.0f .. %.0f) | %d | %s | %s |\n",
        $1, $2, $3, $4, $5, $6, $7, $8, $13 / 1e6, $12 / 1e6, $14 / 1e6, $13 / mhz / 1e3,
        $12 / mhz / 1e3, $14 / mhz / 1e3, $10, ($15 > 0 ? sprintf("%.1f", $15 / mhz / 1e3) : "-"), $11 }' "$summary"
fp32=$("$KWS" analyze --net "$ROOT/models/paper.kwsnet" --quant float | awk '/^ROM/ { gsub(",", "", $2); print $2 }')
echo
echo "FP32: the device runtime is integer-only, and the paper network's float parameters alone"
echo "are $fp32 B (kws analyze --quant float) against $FLASH B of flash: does not fit"
echo "(a float model given to kws export runs as its int8 post-training quantization)."
