#!/usr/bin/env bash
# test_kill_resume.sh - crash-safe training: `kws train` killed with SIGKILL
# and resumed with --resume, on the tone data set with models/tiny.kwsnet
# (one epoch is a fraction of a second).
#
#   kill_resume  a reference run (seed 3, KWS_KILL_EPOCHS = 10 epochs, 1
#                feature and 1 BLAS thread); then the same run killed up to
#                KWS_KILLS times (default 5; moments drawn from KWS_KILL_SEED,
#                default 1) and restarted with --resume until it completes.
#                Kills: during the first best-model write, after a random
#                epoch plus a random delay, and during the checkpoint write
#                of epoch 2 (the temp file is
#                a FIFO, so the writer blocks in it; after the kill a half-
#                written temp file is planted, what a kill inside fwrite
#                leaves), which comes after that epoch's best model was saved
#                (the best model is then newer than the checkpoint). After
#                every kill: the checkpoint is a complete file (size = header)
#                or absent, no epoch line was logged past it, so the kill
#                lost at most the epoch in progress; every resume loads it
#                (never a load error) and logs "resumed ... after epoch N"
#                with N that checkpoint's epoch. At the end: parameters,
#                batch-norm statistics and optimizer state of the checkpoint,
#                the best model's parameters and the history (without wall
#                times) and its calibration ranges (when kws train stores
#                them) are bit-identical to the uninterrupted run. A torn
#                checkpoint is refused with a clear error.
#   write_errors a failing checkpoint or model write: file size limit
#                (ulimit -f, EFBIG), /dev/full behind the temp path
#                (ENOSPC), an uncreatable temp file, the output folder
#                removed mid-run, and the data set folder removed mid-run
#                (--cache none; augmentation reads the clips every epoch):
#                non-zero exit, a clear message, the last good checkpoint
#                and model byte-identical (or, for the data set, the
#                checkpoint complete at the last logged epoch), no temp
#                file left, and --resume completes once the cause is gone.
#
# usage: test_kill_resume.sh SECTION KWS_BINARY MAKE_DATA_BINARY SOURCE_DIR
set -u

section=${1:?section}
KWS=${2:?kws binary}
MAKE_DATA=${3:?data set generator}
SRC=${4:?source dir}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/kws-kill-XXXXXX") || exit 1
trap 'kill -9 $(jobs -p) 2>/dev/null; rm -rf "$tmp"' EXIT
export XDG_CACHE_HOME="$tmp/xdg-cache"

. "$SRC/tests/cli/assert.sh"
. "$SRC/tests/train/kwsm_inspect.sh"

EPOCHS=${KWS_KILL_EPOCHS:-10}
LIMIT=${KWS_TEST_WAIT_S:-300} # seconds any single wait may take (ASan builds are slow)
train_cmd() {
    TRAIN=("$KWS" train --data "$tmp/data" --words alpha,beta,gamma,delta --net "$SRC/models/tiny.kwsnet"
        --epochs "$1" --batch 16 --lr 0.01 --seed 3 --threads 1 --nn-threads 1 --cache none)
}

# poll_until COMMAND...: true once the command succeeds, false after LIMIT s.
poll_until() {
    local deadline=$((SECONDS + LIMIT))
    until "$@"; do
        ((SECONDS < deadline)) || return 1
        sleep 0.005
    done
}
epoch_lines() {
    local n
    n=$(grep -c '^epoch ' "$1" 2>/dev/null)
    echo "${n:-0}"
}
# show WHAT: the message a failing run ended with.
show() { echo "$1: $(grep '^kws' "$tmp/err" | tail -1)"; }
has_epoch_lines() { (($(epoch_lines "$1") >= $2)) || ! kill -0 "$3" 2>/dev/null; }
has_line() { grep -q "$1" "$2" 2>/dev/null || ! kill -0 "$3" 2>/dev/null; }
# The main thread sleeps in open(2) of a FIFO that has no reader.
blocked_on_fifo() {
    kill -0 "$1" 2>/dev/null || return 0
    local w s
    w=$(cat "/proc/$1/wchan" 2>/dev/null)
    [[ $w == wait_for_partner || $w == fifo_open ]] && return 0
    [[ -n $w && $w != 0 ]] && return 1
    # no wchan (restricted /proc): openat in progress twice, 50 ms apart
    read -r s _ <"/proc/$1/syscall" 2>/dev/null || return 1
    [[ $s == 257 || $s == 56 ]] || return 1
    sleep 0.05
    read -r s _ <"/proc/$1/syscall" 2>/dev/null
    [[ $s == 257 || $s == 56 ]]
}

setup() {
    check "make the tone data set" "$MAKE_DATA" "$tmp/data" || return 1
}

# ---- kill_resume -------------------------------------------------------------

RUN=$tmp/run
runs=0
# start_run: kws train in the background (with --resume when a checkpoint
# exists), stderr to $RUN/log.N; sets $pid and $log.
start_run() {
    runs=$((runs + 1))
    log=$RUN/log.$runs
    local resume=()
    [[ -e $RUN/model.kwsm.ckpt ]] && resume=(--resume)
    resumed_from=$([[ -e $RUN/model.kwsm.ckpt ]] && kwsm_epoch "$RUN/model.kwsm.ckpt" || echo none)
    "${TRAIN[@]}" -o "$RUN/model.kwsm" "${resume[@]}" >"$RUN/out.$runs" 2>"$log" &
    pid=$!
}

# after_run STATUS: the checks every run ends with (killed or not).
after_run() {
    local st=$1 what="run $runs"
    no_crash_status=$st
    if [[ $resumed_from != none ]]; then
        checks=$((checks + 1))
        grep -q "resumed from .* after epoch $resumed_from " "$log" ||
            fail "$what: did not resume from the checkpoint of epoch $resumed_from:" \
                "$(grep -v '^epoch' "$log" | tail -3)"
    fi
    checks=$((checks + 1))
    local bad='crc|truncated|corrupt|cannot|error'
    grep -qiE "$bad" "$log" &&
        fail "$what: an error while loading or saving: $(grep -iE "$bad" "$log" | head -3)"
    local logged
    logged=$(grep '^epoch ' "$log" | tail -1 | awk '{ split($2, e, "/"); print e[1] }')
    [[ -z $logged ]] && logged=$([[ $resumed_from == none ]] && echo 0 || echo "$resumed_from")
    if [[ -e $RUN/model.kwsm.ckpt ]]; then
        check "$what: the checkpoint is a complete file" kwsm_complete "$RUN/model.kwsm.ckpt"
        local saved
        saved=$(kwsm_epoch "$RUN/model.kwsm.ckpt")
        checks=$((checks + 1))
        # the checkpoint holds every logged epoch (a kill between saving it
        # and printing the epoch line leaves it one ahead of the log)
        ((saved == logged || saved == logged + 1)) ||
            fail "$what: checkpoint after epoch $saved, log at epoch $logged"
        last_ckpt=$saved
    else
        checks=$((checks + 1))
        ((logged == 0)) || fail "$what: no checkpoint after $logged logged epochs"
        last_ckpt=0
    fi
    [[ -e $RUN/model.kwsm ]] &&
        check "$what: the model is a complete file" kwsm_complete "$RUN/model.kwsm"
    echo "run $runs: from epoch ${resumed_from/none/0}, status $st, log at epoch $logged," \
        "checkpoint at epoch $last_ckpt" \
        "$(sed -n 's/^resumed from .* after epoch [0-9]* (\(.*\))$/(\1)/p' "$log")"
}

# kill_now WHAT: SIGKILL the run; it must die of it (not finish first).
kill_now() {
    kill -9 "$pid" 2>/dev/null
    { wait "$pid"; } 2>/dev/null
    local st=$?
    checks=$((checks + 1))
    ((st == 137)) || fail "$1: the run was not killed (status $st): $(tail -2 "$log")"
    after_run $st
}

# kill_in_write FILE WHAT [LINES]: FILE (a temp file of kws_model_save) is a
# FIFO, made before the run starts or, with LINES, once the run has logged
# LINES epochs (it is stopped meanwhile); the run blocks opening it; killed.
kill_in_write() {
    rm -f "$1"
    if (($# < 3)); then
        mkfifo "$1" || { fail "mkfifo $1"; return 1; }
        start_run
    else
        start_run
        poll_until has_epoch_lines "$log" "$3" "$pid" || fail "$2: no epoch line after ${LIMIT} s"
        kill -STOP "$pid"
        mkfifo "$1" || fail "mkfifo $1"
        kill -CONT "$pid"
    fi
    if ! poll_until blocked_on_fifo "$pid"; then
        fail "$2: the run never reached the write"
    fi
    kill -0 "$pid" 2>/dev/null || fail "$2: the run ended before the write: $(tail -3 "$log")"
    kill_now "$2"
    rm -f "$1"
}

# kill_random EPOCH_SPREAD: waits for a random number (1..EPOCH_SPREAD) of
# epoch lines of this run, then a random delay of up to 1.5 epochs; kills.
kill_random() {
    local n=$((1 + RANDOM % $1)) ms=$((RANDOM % (epoch_ms * 3 / 2 + 1)))
    start_run
    poll_until has_epoch_lines "$log" "$n" "$pid" || fail "random kill: no epoch line after ${LIMIT} s"
    sleep "$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))"
    if kill -0 "$pid" 2>/dev/null; then
        echo "random kill: after $n epoch lines + $ms ms"
        kill_now "random kill"
    else
        wait "$pid"
        local st=$?
        echo "random kill: after $n epoch lines + $ms ms: the run had already finished"
        after_run $st
        finished=1
    fi
}

section_kill_resume() {
    setup || return
    train_cmd $EPOCHS
    local t0 t1
    t0=$(date +%s%N)
    expect_ok "reference run" "${TRAIN[@]}" -o "$tmp/ref/model.kwsm" || return
    t1=$(date +%s%N)
    cp "$tmp/err" "$tmp/ref/log"
    cp "$tmp/out" "$tmp/ref/out"
    epoch_ms=$(((t1 - t0) / 1000000 / EPOCHS))
    ((epoch_ms < 20)) && epoch_ms=20
    echo "reference: $(grep '^best:' "$tmp/ref/log"); about $epoch_ms ms per epoch"

    mkdir -p "$RUN"
    RANDOM=${KWS_KILL_SEED:-1}
    local kills=${KWS_KILLS:-5} k best=
    finished=0
    # 1. inside the first write of the best model (epoch 1): nothing saved yet
    kill_in_write "$RUN/model.kwsm.tmp" "kill in the model write"
    check "killed in the first model write: no model" test ! -e "$RUN/model.kwsm"
    check "killed in the first model write: no checkpoint" test ! -e "$RUN/model.kwsm.ckpt"
    # 2. inside the checkpoint write of epoch 2, after that epoch's best model
    #    (if it improved) was saved; then a half-written temp file beside it
    kill_in_write "$RUN/model.kwsm.ckpt.tmp" "kill in the checkpoint write" 1
    if [[ -e $RUN/model.kwsm.ckpt ]]; then
        check "killed in the checkpoint write: the checkpoint is after epoch 1" \
            test "$(kwsm_epoch "$RUN/model.kwsm.ckpt")" = 1
        best=$(grep -a -m1 '^best_epoch ' "$RUN/model.kwsm" | cut -d' ' -f2)
        echo "killed in the checkpoint write of epoch 2: checkpoint after epoch 1," \
            "best model of epoch $best"
        head -c $(($(stat -c %s "$RUN/model.kwsm.ckpt") / 2)) "$RUN/model.kwsm.ckpt" \
            >"$RUN/model.kwsm.ckpt.tmp"
    else
        fail "killed in the checkpoint write: no checkpoint of epoch 1"
    fi
    # 3. at random moments while the run lasts
    kill_random 3
    [[ -n ${best:-} ]] && check "the resume keeps the best model newer than the checkpoint" \
        grep -q "best so far: epoch $best," "$RUN/log.3"
    for ((k = 3; k < kills && !finished; k++)); do
        kill_random 2
    done
    # 5. to the end
    while ((!finished)); do
        start_run
        wait "$pid"
        local st=$?
        after_run $st
        checks=$((checks + 1))
        ((st == 0)) || { fail "final run: status $st: $(tail -5 "$log")"; return; }
        finished=1
    done
    echo "$runs runs, $((runs - 1)) kills"

    check "no temp file left" test -z "$(find "$RUN" -name '*.tmp')"
    check "final checkpoint after epoch $EPOCHS" test "$(kwsm_epoch "$RUN/model.kwsm.ckpt")" = $EPOCHS
    local id name
    for id in 5 6 8; do
        name=$([[ $id == 5 ]] && echo params || { [[ $id == 6 ]] && echo bn_stats || echo optimizer; })
        check "checkpoint $name identical to the uninterrupted run" test \
            "$(kwsm_section_sum "$RUN/model.kwsm.ckpt" $id)" = \
            "$(kwsm_section_sum "$tmp/ref/model.kwsm.ckpt" $id)"
    done
    for id in 5 6 9; do # params, bn_stats, calibration ranges (if any)
        check "best model section $id identical to the uninterrupted run" test \
            "$(kwsm_section_sum "$RUN/model.kwsm" $id)" = "$(kwsm_section_sum "$tmp/ref/model.kwsm" $id)"
    done
    check "history identical to the uninterrupted run" \
        test "$(kwsm_history "$RUN/model.kwsm")" = "$(kwsm_history "$tmp/ref/model.kwsm")"
    check "test report identical to the uninterrupted run" cmp -s "$RUN/out.$runs" "$tmp/ref/out"
    check "best line identical" test "$(grep '^best:' "$log" | sed 's/->.*//')" = \
        "$(grep '^best:' "$tmp/ref/log" | sed 's/->.*//')"

    # a torn checkpoint is refused, with the reason
    head -c 30000 "$RUN/model.kwsm.ckpt" >"$tmp/torn.ckpt"
    expect_fail "resume from a torn checkpoint" "torn\.ckpt.*(truncated|size|short|crc)" \
        "${TRAIN[@]}" -o "$tmp/torn/model.kwsm" --checkpoint "$tmp/torn.ckpt" --resume
    show "torn checkpoint"
}

# ---- write_errors ------------------------------------------------------------

# good_state DIR: a run of 4 epochs (model + checkpoint) copied into DIR.
good_state() {
    rm -rf "$1"
    mkdir -p "$1"
    cp "$tmp/good/model.kwsm" "$tmp/good/model.kwsm.ckpt" "$1/"
}
# unchanged DIR WHAT: model and checkpoint byte-identical to the good state,
# no temp file left.
unchanged() {
    check "$2: checkpoint unchanged" cmp -s "$1/model.kwsm.ckpt" "$tmp/good/model.kwsm.ckpt"
    check "$2: model unchanged" cmp -s "$1/model.kwsm" "$tmp/good/model.kwsm"
    check "$2: no temp file left" test -z "$(find "$1" -name '*.tmp')"
}

# resume_and_move DIR FROM TO: resumes the run whose state is in DIR, and
# once it has resumed moves FROM to TO while the process is stopped
# (SIGSTOP/SIGCONT); its status in $rc, its stderr in $tmp/err.
resume_and_move() {
    local d=$1 pid
    "${TRAIN[@]}" -o "$d/model.kwsm" --resume >"$tmp/out" 2>"$d.err" &
    pid=$!
    poll_until has_line '^resumed from' "$d.err" "$pid"
    kill -STOP "$pid"
    mv "$2" "$3"
    kill -CONT "$pid"
    rc=0
    { wait "$pid"; } 2>/dev/null || rc=$?
    cp "$d.err" "$tmp/err"
}

section_write_errors() {
    setup || return
    train_cmd 4
    expect_ok "a good run of 4 epochs" "${TRAIN[@]}" -o "$tmp/good/model.kwsm" || return
    train_cmd 6
    local d

    # disk quota: files may not grow past 10 KB (the model is 18 KB)
    d=$tmp/fsize
    good_state "$d"
    run bash -c 'trap "" XFSZ; ulimit -f 10; exec "$@"' _ "${TRAIN[@]}" -o "$d/model.kwsm" --resume
    no_crash "file size limit"
    checks=$((checks + 1))
    ((rc != 0)) &&
        grep -qE '^kws train: .*model\.kwsm(\.ckpt)?\.tmp: write failed: File too large' "$tmp/err" ||
        fail "file size limit: status $rc: $(tail -2 "$tmp/err")"
    show "file size limit"
    unchanged "$d" "file size limit"

    # disk full: the checkpoint's temp file lands on /dev/full
    d=$tmp/full
    good_state "$d"
    ln -s /dev/full "$d/model.kwsm.ckpt.tmp"
    expect_fail "disk full" "model\.kwsm\.ckpt\.tmp: write failed: No space left on device" \
        "${TRAIN[@]}" -o "$d/model.kwsm" --resume
    show "disk full"
    unchanged "$d" "disk full"
    check "disk full: the temp link is removed" test ! -L "$d/model.kwsm.ckpt.tmp"
    # ... and the first best-model write of a fresh run
    d=$tmp/full1
    mkdir -p "$d"
    ln -s /dev/full "$d/model.kwsm.tmp"
    expect_fail "disk full, first model" "model\.kwsm\.tmp: write failed: No space left on device" \
        "${TRAIN[@]}" -o "$d/model.kwsm"
    show "disk full, first model"
    check "disk full, first model: no model, no checkpoint" \
        test ! -e "$d/model.kwsm" -a ! -e "$d/model.kwsm.ckpt"

    # the checkpoint's temp file cannot be created (a folder in its way)
    d=$tmp/nocreate
    good_state "$d"
    mkdir "$d/model.kwsm.ckpt.tmp"
    expect_fail "temp file not creatable" "model\.kwsm\.ckpt\.tmp: cannot create: Is a directory" \
        "${TRAIN[@]}" -o "$d/model.kwsm" --resume
    show "temp file not creatable"
    rmdir "$d/model.kwsm.ckpt.tmp"
    unchanged "$d" "temp file not creatable"
    expect_ok "then --resume completes" "${TRAIN[@]}" -o "$d/model.kwsm" --resume
    check "then the checkpoint is after epoch 6" test "$(kwsm_epoch "$d/model.kwsm.ckpt")" = 6

    # an unwritable folder (only meaningful when not root: root writes anyway)
    if ((EUID != 0)); then
        d=$tmp/readonly
        good_state "$d"
        chmod 555 "$d"
        expect_fail "read-only output folder" \
            "model\.kwsm(\.ckpt)?\.tmp: cannot create: Permission denied" \
            "${TRAIN[@]}" -o "$d/model.kwsm" --resume
        show "read-only output folder"
        chmod 755 "$d"
        unchanged "$d" "read-only output folder"
    else
        echo "read-only output folder: not tested (running as root, permissions do not apply)"
    fi

    # the output folder removed mid-run (stopped with SIGSTOP while it goes)
    train_cmd 40
    d=$tmp/gone
    good_state "$d"
    resume_and_move "$d" "$d" "$d.moved"
    no_crash "output folder removed"
    show "output folder removed"
    checks=$((checks + 1))
    ((rc != 0)) && grep -qE \
        '^kws train: .*gone/model\.kwsm(\.ckpt)?\.tmp: cannot create: No such file or directory' \
        "$tmp/err" ||
        fail "output folder removed: status $rc: $(tail -2 "$tmp/err")"

    # the data set folder removed mid-run
    d=$tmp/nodata
    good_state "$d"
    resume_and_move "$d" "$tmp/data" "$tmp/data.moved"
    no_crash "data set removed"
    checks=$((checks + 1))
    ((rc != 0)) &&
        grep -qE "^kws train: .*$tmp/data/[a-z]+/spk[0-9]+_nohash_0\.wav: .*no such file" "$tmp/err" ||
        fail "data set removed: status $rc: $(tail -2 "$tmp/err")"
    local logged
    logged=$(grep '^epoch ' "$tmp/err" | tail -1 | awk '{ split($2, e, "/"); print e[1] }')
    check "data set removed: the checkpoint is complete" kwsm_complete "$d/model.kwsm.ckpt"
    check "data set removed: the checkpoint holds the last logged epoch (${logged:-4})" \
        test "$(kwsm_epoch "$d/model.kwsm.ckpt")" = "${logged:-4}"
    check "data set removed: no temp file left" test -z "$(find "$d" -name '*.tmp')"
    echo "data set removed after epoch ${logged:-4}: $(grep '^kws train:' "$tmp/err" | tail -1)"
    mv "$tmp/data.moved" "$tmp/data"
    train_cmd 6
    if [[ ${logged:-4} -le 6 ]]; then
        expect_ok "data back: --resume completes" "${TRAIN[@]}" -o "$d/model.kwsm" --resume
    fi
}

case $section in
kill_resume | write_errors) "section_$section" ;;
*)
    echo "test_kill_resume.sh: unknown section '$section'" >&2
    exit 2
    ;;
esac
echo "test_train_$section: $checks checks, $failures failed"
((failures == 0))
