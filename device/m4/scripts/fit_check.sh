#!/usr/bin/env bash
# fit_check.sh MAKE OUTDIR FLASH_OK FLASH_BAD RAM_OK RAM_BAD STACK_BAD
#
# Links apps/fit_probe.c at sizes that must fit and sizes one byte over a
# region, and fails unless the first link succeeds and every other one is
# refused by the linker with "region ... overflowed". MAKE is the make
# command line for device/m4 (with BUILD and BOARD set).
set -u
make_cmd=$1 out=$2 flash_ok=$3 flash_bad=$4 ram_ok=$5 ram_bad=$6 stack_bad=$7
mkdir -p "$out"
fail=0

probe() { # name expect(ok|overflow) region make-args...
    local name=$1 expect=$2 region=$3
    shift 3
    local log="$out/$name.log"
    if $make_cmd fit-probe FIT_OUT="$out/$name.elf" "$@" >"$log" 2>&1; then
        if [ "$expect" = ok ]; then
            echo "fit-check: $name links (as it must)"
        else
            echo "fit-check: FAIL $name linked but must overflow $region"; fail=1
        fi
    else
        if [ "$expect" = ok ]; then
            echo "fit-check: FAIL $name must link:"; sed 's/^/    /' "$log"; fail=1
        elif grep -q "region \`$region' overflowed" "$log"; then
            echo "fit-check: $name refused: $(grep -o "region \`$region' overflowed by [0-9]* bytes" "$log" | head -1)"
        else
            echo "fit-check: FAIL $name failed for another reason than $region:"; sed 's/^/    /' "$log"; fail=1
        fi
    fi
}

probe small ok - FIT_FLASH="$flash_ok" FIT_RAM="$ram_ok"
probe flash_over overflow FLASH FIT_FLASH="$flash_bad" FIT_RAM=4
probe ram_over overflow RAM FIT_FLASH=4 FIT_RAM="$ram_bad"
probe stack_over overflow STACKRAM FIT_FLASH=4 FIT_RAM=4 STACK_SIZE="$stack_bad"
exit $fail
