#!/usr/bin/env bash
# stack_depth.sh [--root FUNC] [--limit BYTES] [--extra BYTES] FILE.ci...
#
# Worst-case stack depth of a firmware image from GCC's call graph
# (-fcallgraph-info=su writes one .ci file per object: every function with
# its frame size from -fstack-usage, and every call it makes). Prints the
# deepest call chain from FUNC (default Reset_Handler) with each frame,
# and exits 1 if the total plus --extra exceeds --limit (the stack the
# linker script reserves), 2 if the bound is not sound: recursion, an
# indirect call, or a frame of dynamic size.
#
# Functions with no frame size in any .ci file (newlib's and libgcc's,
# e.g. __aeabi_ldivmod, frexp) count as --extra bytes each time they are
# the deepest callee: pass the largest frame such a helper may need
# (default 64: libgcc's division helpers push at most a few registers).
# Static functions of the same name in different files are merged, taking
# the larger frame and every call of both: an over-estimate, never an
# under-estimate.
set -euo pipefail
root=Reset_Handler limit=0 extra=64
while [ $# -gt 0 ]; do
    case $1 in
        --root) root=$2; shift 2 ;;
        --limit) limit=$2; shift 2 ;;
        --extra) extra=$2; shift 2 ;;
        --) shift; break ;;
        -*) echo "stack_depth.sh: unknown option $1" >&2; exit 2 ;;
        *) break ;;
    esac
done
[ $# -gt 0 ] || { echo "usage: stack_depth.sh [--root F] [--limit B] [--extra B] FILE.ci..." >&2; exit 2; }
for f in "$@"; do
    [ -f "$f" ] || { echo "stack_depth.sh: $f missing (objects built without -fcallgraph-info? make clean)" >&2; exit 2; }
done

awk -v root="$root" -v limit="$limit" -v extra="$extra" '
    # node: { title: "f" label: "f\nfile.c:3:5\n48 bytes (static)" }
    /^node: / {
        if (!match($0, /title: "[^"]*"/)) next
        name = substr($0, RSTART + 8, RLENGTH - 9)
        if (match($0, /\\n[0-9]+ bytes \([a-z,]+\)/)) {
            s = substr($0, RSTART + 2, RLENGTH - 2)
            split(s, p, " ")
            if (!(name in frame) || p[1] + 0 > frame[name]) frame[name] = p[1] + 0
            if (p[3] != "(static)") dyn[name] = p[3]
        }
        next
    }
    # edge: { sourcename: "f" targetname: "g" label: "file.c:2:35" }
    /^edge: / {
        if (!match($0, /sourcename: "[^"]*"/)) next
        a = substr($0, RSTART + 13, RLENGTH - 14)
        if (!match($0, /targetname: "[^"]*"/)) next
        b = substr($0, RSTART + 13, RLENGTH - 14)
        if (!((a, b) in seen)) { seen[a, b] = 1; ncall[a]++; callee[a, ncall[a]] = b }
        next
    }
    function depth(f,    i, c, d, best, who) {
        if (f in memo) return memo[f]
        if (f in onstack) { unsound = unsound " recursion:" f; return 0 }
        if (f == "__indirect_call") { unsound = unsound " indirect-call"; return 0 }
        if (f in dyn) unsound = unsound " dynamic-frame:" f
        if (!(f in frame)) { unknown[f] = 1; memo[f] = extra; next_of[f] = ""; return extra }
        onstack[f] = 1
        best = 0; who = ""
        for (i = 1; i <= ncall[f]; i++) {
            c = callee[f, i]
            d = depth(c)
            if (d > best) { best = d; who = c }
        }
        delete onstack[f]
        next_of[f] = who
        memo[f] = frame[f] + best
        return memo[f]
    }
    END {
        if (!(root in frame)) { print "stack_depth.sh: no function " root " in the call graph" > "/dev/stderr"; exit 2 }
        total = depth(root)
        printf "worst-case stack from %s: %d bytes (call graph of -fcallgraph-info, frames of -fstack-usage)\n", root, total
        printf "deepest chain:\n"
        for (f = root; f != ""; f = next_of[f]) {
            printf "  %6d  %s%s\n", (f in frame) ? frame[f] : extra, f, (f in frame) ? "" : "  (no frame size: counted as " extra ")"
            if (!(f in next_of)) break
        }
        n = 0; s = ""
        for (f in unknown) { s = s " " f; n++ }
        if (n) printf "functions without a frame size (library code, %d B each assumed):%s\n", extra, s
        if (unsound != "") { printf "NOT A BOUND:%s\n", unsound; exit 2 }
        if (limit > 0) {
            if (total > limit) { printf "FAIL: %d bytes exceed the %d reserved\n", total, limit; exit 1 }
            printf "fits: %d of %d reserved bytes (%d to spare)\n", total, limit, limit - total
        }
    }' "$@"
