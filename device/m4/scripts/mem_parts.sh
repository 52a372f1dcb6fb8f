#!/usr/bin/env bash
# mem_parts.sh ROOT APP.map - flash and RAM of a kws_infer image, by part,
# from the linker's map file (every input section the link kept, with its
# size and the object it came from).
#
# Prints one line per part, tab-separated: REGION PART BYTES, where REGION
# is flash (.isr_vector, .text, .rodata, .ARM.*, and .data's load image) or
# ram (.data, .bss, .stack, .sram2_bss) and PART one of
#   model_params  the model's parameter arrays (NAME_opI_weight/wbits/bias/
#                 rq/mul): equal to kws_imodel_bytes_total, `kws analyze`'s ROM
#   model_tables  the rest of the exported model: op table, kws_imodel,
#                 normalization, class names, strings
#   test_clips    the embedded test clips and their expected logits
#   app           apps/kws_infer.c (code, strings, static buffers)
#   runtime       src/runtime/*.c and src/common/status.c (libkws_m4.a)
#   frontend      src/frontend/*.c (libkws_m4.a)
#   crc32         src/model/crc32.c
#   startup       device/m4 startup, semihosting, markers, memory functions
#   libc          newlib and libgcc (soft double, division helpers)
#   stack         the reserved stack region
#   fill          alignment padding between sections
set -euo pipefail
ROOT=${1:?usage: mem_parts.sh ROOT APP.map}
MAP=${2:?usage: mem_parts.sh ROOT APP.map}
runtime=$(cd "$ROOT" && ls src/runtime/*.c src/common/status.c | xargs -n1 basename | sed 's/\.c$/.o/' | tr '\n' ' ')
frontend=$(cd "$ROOT" && ls src/frontend/*.c | xargs -n1 basename | sed 's/\.c$/.o/' | tr '\n' ' ')

awk -v runtime="$runtime" -v frontend="$frontend" '
    BEGIN {
        n = split(runtime, r, " "); for (i = 1; i <= n; i++) is_rt[r[i]] = 1
        n = split(frontend, f, " "); for (i = 1; i <= n; i++) is_fe[f[i]] = 1
        flash_out[".isr_vector"] = 1; flash_out[".text"] = 1; flash_out[".rodata"] = 1
        flash_out[".ARM.extab"] = 1; flash_out[".ARM.exidx"] = 1; flash_out[".data"] = 1
        ram_out[".data"] = 1; ram_out[".bss"] = 1; ram_out[".stack"] = 1; ram_out[".sram2_bss"] = 1
    }
    function hex(s,    i, c, v) {   # "0x1f" -> 31 (POSIX awk has no strtonum)
        v = 0; s = tolower(s); sub(/^0x/, "", s)
        for (i = 1; i <= length(s); i++) { c = index("0123456789abcdef", substr(s, i, 1)) - 1; v = v * 16 + c }
        return v
    }
    function part(sec, obj,    m) {
        if (obj ~ /infer\/model\.o$/) {
            if (sec ~ /_op[0-9]+_(weight|wbits|bias|rq|mul)$/) return "model_params"
            if (sec ~ /_clip[0-9]+_(pcm|expect)$/ || sec ~ /_clips$/) return "test_clips"
            return "model_tables"
        }
        if (obj ~ /kws_infer(_base)?\.o$/) return "app"
        if (obj ~ /crc32\.o$/) return "crc32"
        if (match(obj, /libkws_m4\.a\([^)]*\)/)) {
            m = substr(obj, RSTART + 12, RLENGTH - 13)   # the member inside "libkws_m4.a(...)"
            if (m in is_rt) return "runtime"
            if (m in is_fe) return "frontend"
            return "runtime"
        }
        if (obj ~ /\/device\/m4\/[a-z_]+\.o$/) return "startup"
        return "libc"
    }
    function add(sec, size, obj,    p) {
        p = part(sec, obj)
        if (flash_out[out]) flash[p] += size
        if (ram_out[out]) ram[p] += size
    }
    # output section header: ".text   0x...  0x..." or ".bss  0x... 0x... load address ..."
    /^\.[A-Za-z_.]+/ { out = $1; pending = ""; next }
    # padding; the reserved stack is one fill inside .stack
    /^ \*fill\*/ {
        p = out == ".stack" ? "stack" : "fill"
        if (flash_out[out]) flash[p] += hex($3)
        if (ram_out[out]) ram[p] += hex($3)
        next
    }
    # input section on one line: " .text.foo 0xADDR 0xSIZE object"
    /^ \.[^ ]+ +0x[0-9a-f]+ +0x[0-9a-f]+ / { add($1, hex($3), $4); pending = ""; next }
    # input section name alone; address, size and object on the next line
    /^ \.[^ ]+$/ { pending = $1; next }
    pending != "" && $1 ~ /^0x/ && $2 ~ /^0x/ && NF >= 3 {
        add(pending, hex($2), $3); pending = ""; next
    }
    { pending = "" }
    END {
        for (p in flash) if (flash[p]) printf "flash\t%s\t%d\n", p, flash[p]
        for (p in ram) if (ram[p]) printf "ram\t%s\t%d\n", p, ram[p]
    }' "$MAP" | sort
