# kwsm_inspect.sh - reads a .kwsm file's header from bash (sourced by the
# train reliability tests), so a test can tell a complete file from a torn
# one and compare sections without trusting `kws` itself. Layout: kws/model.h
# (u64 total size at byte 16, u32 section count at 24, then 24-byte entries:
# u32 id, u32 0, u64 offset, u64 size). Section ids: 5 params, 6 bn_stats,
# 7 meta, 8 optim (u64 step, u32 epoch, ...), 9 calibration ranges.

kwsm_u32() { od -An -tu4 -j "$2" -N 4 "$1" | tr -d ' \n'; }
kwsm_u64() {
    local lo hi
    lo=$(kwsm_u32 "$1" "$2")
    hi=$(kwsm_u32 "$1" $(($2 + 4)))
    echo $((hi * 4294967296 + lo))
}

# kwsm_complete FILE: the magic is there and the size is the one the header
# announces (a torn write leaves a shorter file or none).
kwsm_complete() {
    [[ -f $1 && $(head -c 4 "$1") == KWSM ]] || return 1
    local size
    size=$(stat -c %s "$1")
    ((size >= 32)) && [[ $size == "$(kwsm_u64 "$1" 16)" ]]
}

# kwsm_section FILE ID: prints "OFFSET SIZE" of a section (nothing if absent).
kwsm_section() {
    local n i e
    n=$(kwsm_u32 "$1" 24)
    for ((i = 0; i < n; i++)); do
        e=$((32 + 24 * i))
        if [[ $(kwsm_u32 "$1" $e) == "$2" ]]; then
            echo "$(kwsm_u64 "$1" $((e + 8))) $(kwsm_u64 "$1" $((e + 16)))"
            return 0
        fi
    done
    return 1
}

# kwsm_section_sum FILE ID: checksum and size of a section's bytes.
kwsm_section_sum() {
    local off size
    read -r off size < <(kwsm_section "$1" "$2") || { echo none; return 1; }
    tail -c +$((off + 1)) "$1" | head -c "$size" | cksum
}

# kwsm_epoch CHECKPOINT: the epoch its optimizer state was saved after.
kwsm_epoch() {
    local off size
    read -r off size < <(kwsm_section "$1" 8) || { echo none; return 1; }
    kwsm_u32 "$1" $((off + 8))
}

# kwsm_history FILE: the per-epoch history of the metadata, without the
# seconds column (wall time differs between runs).
kwsm_history() {
    grep -a '^h [0-9]' "$1" | awk '{ $NF = ""; print }'
}
