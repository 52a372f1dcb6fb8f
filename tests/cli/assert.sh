# assert.sh - the assertions the CLI test scripts share (sourced; needs $tmp).
# Each check counts in $checks; a failure prints "FAIL [$section]: ..." and
# counts in $failures; the script ends with its own summary of both.

checks=0
failures=0
fail() {
    failures=$((failures + 1))
    echo "FAIL [$section]: $*" >&2
}
# check DESCRIPTION COMMAND...: the command must succeed.
check() {
    local what=$1
    shift
    checks=$((checks + 1))
    "$@" || fail "$what"
}

# run COMMAND...: stdout -> $tmp/out, stderr -> $tmp/err, status -> $rc.
run() {
    "$@" >"$tmp/out" 2>"$tmp/err"
    rc=$?
}

# Sanitizer reports and crashes are failures whatever the exit status.
no_crash() {
    if ((rc >= 128)) || grep -qE 'Sanitizer|runtime error:' "$tmp/err"; then
        fail "$1: crashed or sanitizer report (status $rc):"
        sed 's/^/    /' "$tmp/err" | head -20 >&2
        return 1
    fi
}

# expect_ok DESCRIPTION COMMAND...
expect_ok() {
    local what=$1
    shift
    checks=$((checks + 1))
    run "$@"
    no_crash "$what" || return 1
    if ((rc != 0)); then
        fail "$what: exit status $rc, expected 0; stderr:"
        sed 's/^/    /' "$tmp/err" | head -20 >&2
        return 1
    fi
}

# expect_fail DESCRIPTION ERE COMMAND...: non-zero status and a message on
# stderr matching ERE (case-insensitive), prefixed "kws" as all kws messages.
expect_fail() {
    local what=$1 pattern=$2
    shift 2
    checks=$((checks + 1))
    run "$@"
    no_crash "$what" || return 1
    if ((rc == 0)); then
        fail "$what: exit status 0, expected failure"
        return 1
    fi
    if ! grep -qiE -- "$pattern" "$tmp/err"; then
        fail "$what: stderr does not match /$pattern/:"
        sed 's/^/    /' "$tmp/err" | head -10 >&2
        return 1
    fi
    if ! grep -q '^kws' "$tmp/err"; then
        fail "$what: no 'kws ...' message on stderr"
        return 1
    fi
}

# File kinds, by their first and last bytes.
is_png() { [[ $(od -An -tx1 -N8 "$1" | tr -d ' \n') == 89504e470d0a1a0a ]]; }
is_svg() {
    [[ $(head -c 5 "$1") == '<?xml' ]] && grep -q '<svg ' "$1" &&
        [[ $(tail -c 7 "$1" | tr -d '\n') == '</svg>' ]]
}

# train_tiny5_model: the tone data set ($MAKE_DATA into $tmp/data) and the
# 5-class tiny model the detector tests run on (alpha, beta, gamma,
# _unknown_, _silence_), in $MODEL.
train_tiny5_model() {
    check "make the tone data set" "$MAKE_DATA" "$tmp/data" || return 1
    sed 's/^dense 4$/dense 5/' "$SRC/models/tiny.kwsnet" >"$tmp/tiny5.kwsnet"
    expect_ok "train the tiny model" "$KWS" train --data "$tmp/data" --words alpha,beta,gamma \
        --unknown --silence --net "$tmp/tiny5.kwsnet" --epochs 20 --shift-ms 300 --batch 16 --lr 0.01 \
        --min-lr 0.001 --seed 3 --threads 2 --cache none -o "$tmp/model.kwsm" || return 1
    MODEL=$tmp/model.kwsm
}
