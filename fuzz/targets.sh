# targets.sh - sourced by tests/fuzz/fuzz_short.sh and bench/fuzz/run.sh: the
# fuzz targets, how to build them, and the options every run shares.
#
#   fuzz_targets            the target names (fuzz/fuzz_<name>.c,
#                           seeds in fuzz/corpus/<name>/, fuzz/dict/<name>.dict)
#   fuzz_build SRC BUILD    configures and builds fuzz/ with clang in BUILD
#   fuzz_flags SRC NAME     libFuzzer options for NAME: its dictionary, a
#                           per-input time limit, errors exit 1 (libFuzzer's
#                           default, 77, is ctest's "skipped")
#   fuzz_env SRC            exports the sanitizer options

fuzz_targets="dataset_lists topology kwsm pcm_stream wav"

# Prints why fuzzing cannot run here and returns 1, or returns 0.
fuzz_missing() {
    command -v clang >/dev/null 2>&1 || { echo "clang not found (scripts/install-deps.sh test)"; return 1; }
    command -v cmake >/dev/null 2>&1 || { echo "cmake not found"; return 1; }
    local tmp rc
    tmp=$(mktemp -d)
    printf '#include <stdint.h>\n#include <stddef.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }\n' >"$tmp/t.c"
    clang -fsanitize=fuzzer,address,undefined "$tmp/t.c" -o "$tmp/t" >/dev/null 2>&1
    rc=$?
    rm -rf "$tmp"
    [ $rc -eq 0 ] || { echo "clang cannot link -fsanitize=fuzzer,address,undefined (libclang-rt-dev missing?)"; return 1; }
    return 0
}

fuzz_build() {
    local src=$1 build=$2
    # The fuzz flags are the project's own; CFLAGS/LDFLAGS from the caller
    # (an ASan test run, say) must not leak into it.
    mkdir -p "$build"
    env -u CFLAGS -u LDFLAGS -u CC cmake -S "$src/fuzz" -B "$build" \
        -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$build/configure.log" 2>&1 ||
        { cat "$build/configure.log"; return 1; }
    cmake --build "$build" -j "${FUZZ_BUILD_JOBS:-2}" >"$build/build.log" 2>&1 ||
        { tail -50 "$build/build.log"; return 1; }
}

fuzz_flags() {
    local src=$1 name=$2
    local flags="-error_exitcode=1 -timeout_exitcode=1 -timeout=25 -rss_limit_mb=2560"
    [ -f "$src/fuzz/dict/$name.dict" ] && flags="$flags -dict=$src/fuzz/dict/$name.dict"
    echo "$flags"
}

fuzz_env() {
    local src=$1
    export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}
    export LSAN_OPTIONS=suppressions=$src/fuzz/lsan.supp:print_suppressions=0
    export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
}
