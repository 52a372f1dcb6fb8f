#!/usr/bin/env bash
# device_m4_build.sh SOURCE_DIR BUILD_DIR
#
# CTest device_m4_build: cross-compiles every device-portable source
# (src/common/status.c, src/frontend/*.c) for the Cortex-M4F with -Werror
# into libkws_m4.a, checks that the library calls nothing outside itself
# but memcpy/memset/memmove/memcmp and libgcc helpers (no malloc, no stdio,
# no libm), links every firmware app for both boards (QEMU mps2-an386 and
# STM32L496), proves the STM32L496 link fails when flash, RAM or the stack
# region overflow, and prints the sizes.
set -euo pipefail
SRC=$1 BUILD=$2
. "$SRC/tests/device/lib.sh"
need_cross
CROSS=${CROSS:-arm-none-eabi-}

for board in mps2-an386 stm32l496; do
    echo "== $board: library and apps"
    m4make BOARD=$board all
done

lib=$BUILD/mps2-an386/libkws_m4.a
echo "== objects in libkws_m4.a (compiled with -Werror for cortex-m4 hard-float)"
"${CROSS}ar" t "$lib" | sed 's/^/   /'
expected=$(cd "$SRC" && ls src/common/status.c src/frontend/*.c src/runtime/*.c | xargs -n1 basename | sed 's/\.c$/.o/' | sort)
got=$("${CROSS}ar" t "$lib" | sort)
if [ "$expected" != "$got" ]; then
    echo "FAIL: libkws_m4.a does not hold every device-portable source"
    diff <(echo "$expected") <(echo "$got") || true
    exit 1
fi

echo "== external symbols the device library needs"
defined=$("${CROSS}nm" -g --defined-only "$lib" | awk 'NF == 3 { print $3 }' | sort -u)
undefined=$("${CROSS}nm" -u "$lib" | awk 'NF == 2 && $1 == "U" { print $2 }' | sort -u)
external=$(comm -23 <(echo "$undefined") <(echo "$defined") | grep -v '^$' || true)
echo "   ${external:-(none)}" | tr '\n' ' '; echo
bad=$(echo "$external" | grep -v -E '^(memcpy|memset|memmove|memcmp|__aeabi_[a-z0-9_]+)$' | grep -v '^$' || true)
if [ -n "$bad" ]; then
    echo "FAIL: device code calls outside the allowed set (no malloc, stdio or libm on the device):"
    echo "$bad" | sed 's/^/   /'
    exit 1
fi

echo "== link must fail when the image does not fit (STM32L496 regions)"
m4make BOARD=stm32l496 fit-check

echo "== sizes (text = flash code+constants, data = flash+RAM, bss = RAM incl. the reserved stack)"
for board in mps2-an386 stm32l496; do
    echo "-- $board"
    "${CROSS}size" "$BUILD/$board"/*.elf
done
echo "device_m4_build: PASS"
