#!/usr/bin/env bash
# run_qemu.sh [--timeout S] [--plugin icount.so --icount-out FILE [--profile-out FILE]] app.elf
#
# Runs a firmware image on QEMU's mps2-an386 (Cortex-M4F) with semihosting,
# prints its output on stdout and exits with its status (124 on timeout).
# With --plugin, loads the icount plugin with the addresses of
# kws_mark_begin/kws_mark_end taken from the image's symbol table, and the
# plugin writes its counts to FILE.
set -euo pipefail
timeout_s=300 plugin="" icount_out="" profile_out=""
while [ $# -gt 1 ]; do
    case $1 in
        --timeout) timeout_s=$2; shift 2 ;;
        --plugin) plugin=$2; shift 2 ;;
        --icount-out) icount_out=$2; shift 2 ;;
        --profile-out) profile_out=$2; shift 2 ;;
        *) echo "run_qemu.sh: unknown option $1" >&2; exit 2 ;;
    esac
done
elf=${1:?usage: run_qemu.sh [--timeout S] [--plugin SO --icount-out FILE] app.elf}
qemu=${QEMU:-qemu-system-arm}
nm=${NM:-arm-none-eabi-nm}

args=(-M mps2-an386 -cpu cortex-m4 -nographic -monitor none -serial null
      -chardev stdio,id=semihost,signal=off
      -semihosting-config enable=on,target=native,chardev=semihost -kernel "$elf")
if [ -n "$plugin" ]; then
    begin=$("$nm" "$elf" | awk '$3 == "kws_mark_begin" { print $1 }')
    end=$("$nm" "$elf" | awk '$3 == "kws_mark_end" { print $1 }')
    if [ -z "$begin" ] || [ -z "$end" ]; then
        echo "run_qemu.sh: $elf has no kws_mark_begin/kws_mark_end" >&2
        exit 2
    fi
    popt="$plugin,begin=0x$begin,end=0x$end"
    [ -n "$icount_out" ] && popt="$popt,out=$icount_out"
    [ -n "$profile_out" ] && popt="$popt,profile=$profile_out"
    args+=(-plugin "$popt")
fi
exec timeout --kill-after=5 "$timeout_s" "$qemu" "${args[@]}" </dev/null
