/* test_audio_malformed.c - bad input gives a status and a message naming the file, never a crash.
 *
 * Each malformed byte string is tried as a file and from memory, whole and
 * through kws_audio_source_open: the status must not be OK, the message must
 * name the file and say what is wrong, and the output must be left empty.
 * A data chunk that claims more bytes than the file holds is not an error:
 * what is there is read and kws_audio.notice says so. Run under ASan/UBSan
 * (KWS_SANITIZE) the random mutations at the end check for over-reads.
 */
#define _XOPEN_SOURCE 700

#include <sys/stat.h>

#include "tests/test.h"
#include "tests/audio/audio_test_util.h"

/* Checks one failure: status (or any non-OK when want < 0), file name and
 * `why` in the message, empty output. */
static void check_failure(kws_status st, const kws_error *err, const kws_audio *a,
                          const char *name, int want, const char *why, const char *label)
{
    int ok = st != KWS_OK && (want < 0 || (int)st == want) && strstr(err->msg, name) &&
             (!why || strstr(err->msg, why)) && a->samples == NULL && a->n == 0;
    if (!test_report(ok, __FILE__, __LINE__, label))
        fprintf(stderr, "     status %d (want %d), message \"%s\" (want \"%s\")\n", (int)st,
                want, err->msg, why ? why : "");
}

/* The bytes fail as a file, from memory, and when opened as a source. */
static void expect_failure(const char *label, const void *data, size_t n, int want,
                           const char *why)
{
    char path[600], name[128];
    snprintf(name, sizeof name, "%s.wav", label);
    test_tmp_path(name, path, sizeof path);
    test_write_bytes(path, data, n);
    kws_audio a;
    kws_error err;
    check_failure(kws_audio_read(path, &a, &err), &err, &a, path, want, why, label);
    check_failure(kws_audio_read_memory(data, n, name, &a, &err), &err, &a, name, want, why,
                  label);
    kws_audio_source *s = (kws_audio_source *)&a; /* must be reset to NULL */
    kws_status st = kws_audio_source_open(path, &s, &err);
    CHECK(st != KWS_OK && s == NULL && strstr(err.msg, path) != NULL);
    remove(path);
}

/* 44-byte header + `frames` 16-bit samples of a ramp, in a malloc'd buffer. */
static unsigned char *wav16(int channels, uint32_t rate, uint32_t data_claimed, size_t frames,
                            size_t *n)
{
    *n = 44 + frames * (size_t)channels * 2;
    unsigned char *w = malloc(*n);
    test_wav_header(w, channels, rate, 16, data_claimed);
    for (size_t i = 0; i < frames * (size_t)channels; i++)
        test_put_u16(w + 44 + 2 * i, (unsigned)(uint16_t)(int16_t)(i * 37 - 9000));
    return w;
}

static void test_short_and_garbage(void)
{
    expect_failure("empty", "", 0, KWS_ERR_FORMAT, "empty file");
    expect_failure("three_bytes", "RIF", 3, KWS_ERR_FORMAT, "too short");
    expect_failure("text", "This is not audio, only a line of text.\n", 40, KWS_ERR_FORMAT,
                   "not a recognised audio file");
    unsigned char g[256];
    memcpy(g, "RIFF", 4);
    for (size_t i = 4; i < sizeof g; i++)
        g[i] = (unsigned char)(i * 97 + 13);
    expect_failure("riff_garbage", g, sizeof g, KWS_ERR_FORMAT, "not WAVE");
    size_t n;
    unsigned char *w = wav16(1, 16000, 200, 100, &n);
    memcpy(w + 8, "JUNK", 4);
    expect_failure("riff_junk", w, n, KWS_ERR_FORMAT, "'JUNK', not WAVE");
    free(w);
}

/* The canonical header cut at every length from 0 to 44 bytes. */
static void test_truncated_headers(void)
{
    size_t n;
    unsigned char *w = wav16(1, 16000, 1000, 500, &n);
    for (size_t len = 0; len <= 44; len++) {
        const char *why = len == 0    ? "empty file"
                          : len < 4   ? "too short"
                          : len < 12  ? "truncated RIFF header"
                          : len == 12 ? "no fmt chunk"
                          : len < 20  ? "truncated chunk header at byte 12"
                          : len < 36  ? "fmt chunk truncated"
                          : len == 36 ? "no data chunk"
                          : len < 44  ? "truncated chunk header at byte 36"
                                      : "no audio samples (data chunk truncated: header says "
                                        "1000 bytes, file has 0)";
        char label[64];
        snprintf(label, sizeof label, "header_cut_at_%zu", len);
        expect_failure(label, w, len, KWS_ERR_FORMAT, why);
    }
    free(w);
}

/* Headers with impossible or unsupported values in the fmt chunk. */
static void test_bad_fmt(void)
{
    size_t n;
    unsigned char *w = wav16(1, 16000, 200, 100, &n);
    struct {
        const char *label;
        size_t off;
        int bytes;
        uint32_t value;
        int want;
        const char *why;
    } cases[] = {
        {"channels_0", 22, 2, 0, KWS_ERR_FORMAT, "fmt chunk says 0 channels"},
        {"rate_0", 24, 4, 0, KWS_ERR_FORMAT, "fmt chunk says sample rate 0"},
        {"rate_4294967295", 24, 4, 0xffffffffu, KWS_ERR_FORMAT, "sample rate 4294967295 Hz"},
        {"rate_2e9", 24, 4, 2000000000u, KWS_ERR_UNSUPPORTED, "sample rate 2000000000 Hz"},
        {"rate_1", 24, 4, 1, KWS_ERR_UNSUPPORTED, "sample rate 1 Hz is not supported"},
        {"rate_800k", 24, 4, 800000, KWS_ERR_UNSUPPORTED, "sample rate 800000 Hz"},
        {"fmt_size_huge", 16, 4, 0xffffff00u, KWS_ERR_FORMAT, "fmt chunk truncated"},
        {"fmt_size_4", 16, 4, 4, KWS_ERR_FORMAT, "fmt chunk too short"},
        {"format_tag_77", 20, 2, 77, KWS_ERR_FORMAT, "libsndfile"},
        {"bits_0", 34, 2, 0, KWS_ERR_FORMAT, NULL},
        {"data_size_0", 40, 4, 0, KWS_ERR_FORMAT, "no audio samples"},
        {"no_data_id", 36, 4, 0x4b4e554au /* "JUNK" */, KWS_ERR_FORMAT, "no data chunk"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        unsigned char *v = malloc(n);
        memcpy(v, w, n);
        if (cases[k].bytes == 2)
            test_put_u16(v + cases[k].off, cases[k].value);
        else
            test_put_u32(v + cases[k].off, cases[k].value);
        expect_failure(cases[k].label, v, n, cases[k].want, cases[k].why);
        free(v);
    }
    free(w);
}

static void test_paths(void)
{
    kws_audio a;
    kws_error err;
    char path[600];
    test_tmp_path("does_not_exist.wav", path, sizeof path);
    check_failure(kws_audio_read(path, &a, &err), &err, &a, path, KWS_ERR_IO, "no such file",
                  "missing file");
    check_failure(kws_audio_read(test_tmp_dir(), &a, &err), &err, &a, test_tmp_dir(),
                  KWS_ERR_IO, "is a directory", "directory");
    test_tmp_path("fifo.wav", path, sizeof path);
    if (mkfifo(path, 0600) == 0) /* must not block waiting for a writer */
        check_failure(kws_audio_read(path, &a, &err), &err, &a, path, KWS_ERR_UNSUPPORTED,
                      "not a regular file", "fifo");
    remove(path);
    CHECK_EQ_INT(kws_audio_read(NULL, &a, &err), KWS_ERR_ARG);
    CHECK_EQ_INT(kws_audio_read(path, NULL, &err), KWS_ERR_ARG);
    CHECK_EQ_INT(kws_audio_read_memory(NULL, 5, "x", &a, &err), KWS_ERR_ARG);
    kws_audio_source *s;
    CHECK_EQ_INT(kws_audio_source_open(NULL, &s, &err), KWS_ERR_ARG);
    kws_audio_free(NULL);
    kws_audio_source_close(NULL);
}

/* Over four hours (a sparse file: no disk used) is refused whole, fine streamed. */
static void test_too_long(void)
{
    char path[600];
    test_tmp_path("long.wav", path, sizeof path);
    uint32_t bytes = (uint32_t)(4 * 3600 + 10) * 8000 * 2;
    unsigned char h[44];
    test_wav_header(h, 1, 8000, 16, bytes);
    if (!CHECK(test_write_bytes(path, h, sizeof h) && truncate(path, 44 + (off_t)bytes) == 0))
        return;
    kws_audio a;
    kws_error err;
    check_failure(kws_audio_read(path, &a, &err), &err, &a, path, KWS_ERR_UNSUPPORTED,
                  "4:00:10 of audio, more than the 4-hour limit", "too long");
    kws_audio_source *s = NULL;
    CHECK_EQ_INT(kws_audio_source_open(path, &s, &err), KWS_OK);
    int16_t buf[100];
    CHECK_EQ_INT(kws_audio_source_read(s, buf, 100, &err), 100);
    kws_audio_source_close(s);
    remove(path);
}

/* Reads bytes that must succeed with a notice containing `notice` (or no
 * notice when NULL); returns the audio (caller frees). */
static kws_audio read_ok(const char *label, const void *data, size_t n, const char *notice)
{
    char path[600];
    test_tmp_path(label, path, sizeof path);
    test_write_bytes(path, data, n);
    kws_audio a, m;
    kws_error err;
    kws_status st = kws_audio_read(path, &a, &err);
    if (!test_report(st == KWS_OK, __FILE__, __LINE__, label))
        fprintf(stderr, "     %s\n", err.msg);
    int ok = notice ? strstr(a.notice, notice) && strstr(a.notice, path) : a.notice[0] == '\0';
    if (!test_report(ok, __FILE__, __LINE__, label))
        fprintf(stderr, "     notice \"%s\", want \"%s\"\n", a.notice, notice ? notice : "");
    CHECK_EQ_INT(kws_audio_read_memory(data, n, label, &m, &err), KWS_OK);
    CHECK(m.n == a.n && (!notice || strstr(m.notice, notice)));
    kws_audio_free(&m);
    return a;
}

/* Data chunks that claim more than the file holds: partial audio + notice. */
static void test_lying_data_chunk(void)
{
    size_t n;
    unsigned char *w = wav16(1, 16000, 2000, 500, &n);
    kws_audio a = read_ok("lying.wav", w, n, "data chunk truncated (header says 2000 bytes, "
                                             "file has 1000)");
    CHECK_EQ_INT(a.n, 500);
    int same = a.n == 500;
    for (size_t i = 0; same && i < 500; i++)
        same = a.samples[i] == (int16_t)(uint16_t)(w[44 + 2 * i] | w[45 + 2 * i] << 8);
    CHECK(same);
    kws_audio_free(&a);
    free(w);

    w = wav16(2, 44100, 0xffffffffu, 4410, &n); /* the "unknown length" of streamed WAVs */
    a = read_ok("lying_stereo.wav", w, n, "header says 4294967295 bytes, file has 17640");
    CHECK_NEAR(a.n, 1600, 1);
    kws_audio_free(&a);
    free(w);

    w = wav16(1, 16000, 2001, 500, &n); /* odd claim, odd length: last byte dropped */
    unsigned char *odd = malloc(n + 1);
    memcpy(odd, w, n);
    odd[n] = 0x55;
    a = read_ok("lying_odd.wav", odd, n + 1, "header says 2001 bytes, file has 1001");
    CHECK_EQ_INT(a.n, 500);
    kws_audio_free(&a);
    free(odd);
    free(w);

    /* AIFF: libsndfile trusts the SSND chunk the same way. */
    char path[600];
    test_tmp_path("lying.aiff", path, sizeof path);
    int32_t x[1000] = {0};
    CHECK(test_write_int(path, SF_FORMAT_AIFF | SF_FORMAT_PCM_16, 16000, 1, x, 1000));
    CHECK(truncate(path, 600) == 0);
    size_t size;
    unsigned char *aiff = test_slurp(path, &size);
    a = read_ok("lying2.aiff", aiff, size, "SSND chunk truncated");
    CHECK(a.n > 200 && a.n < 300);
    kws_audio_free(&a);
    free(aiff);
}

/* Well-formed files with chunks after the data: no notice. */
static void test_honest_chunks(void)
{
    size_t n;
    unsigned char *w = wav16(1, 16000, 1001, 500, &n); /* 1001: one odd byte + pad */
    unsigned char *v = calloc(n + 1 + 1 + 8 + 6, 1);
    memcpy(v, w, n);
    v[n] = 0x11;                         /* the odd data byte */
    v[n + 1] = 0;                        /* pad */
    memcpy(v + n + 2, "LIST", 4);        /* a trailing chunk */
    test_put_u32(v + n + 6, 6);
    memcpy(v + n + 10, "INFOxx", 6);
    test_put_u32(v + 4, (uint32_t)(n + 16 - 8));
    kws_audio a = read_ok("trailing_chunk.wav", v, n + 16, NULL);
    CHECK_EQ_INT(a.n, 500);
    kws_audio_free(&a);
    free(v);
    free(w);
}

/* A compressed file cut short: partial audio with a notice, or an error. */
static void test_truncated_flac(void)
{
    char path[600];
    test_tmp_path("cut.flac", path, sizeof path);
    float *x = test_sine(440.0, 0.5, 16000, 16000);
    SF_INFO probe = {.samplerate = 16000, .channels = 1,
                     .format = SF_FORMAT_FLAC | SF_FORMAT_PCM_16};
    if (!sf_format_check(&probe) ||
        !test_write_float(path, probe.format, 16000, 1, x, 16000)) {
        free(x);
        return;
    }
    free(x);
    size_t size;
    unsigned char *f = test_slurp(path, &size);
    kws_audio a;
    kws_error err;
    kws_status st = kws_audio_read_memory(f, size / 2, "cut.flac", &a, &err);
    printf("half a FLAC: status %d, n %zu, notice \"%s\", error \"%s\"\n", (int)st, a.n,
           a.notice, st == KWS_OK ? "" : err.msg);
    CHECK(st == KWS_OK ? a.n > 0 && a.n < 16000 && strstr(a.notice, "cut.flac")
                       : strstr(err.msg, "cut.flac") != NULL);
    kws_audio_free(&a);
    free(f);
}

/* Random byte changes and cuts to valid files: any status, no crash (the
 * sanitizer build turns an over-read into a failure). */
static void test_mutations(void)
{
    static const int formats[] = {SF_FORMAT_WAV | SF_FORMAT_PCM_16,
                                  SF_FORMAT_WAV | SF_FORMAT_FLOAT,
                                  SF_FORMAT_WAVEX | SF_FORMAT_PCM_24,
                                  SF_FORMAT_AIFF | SF_FORMAT_PCM_16,
                                  SF_FORMAT_FLAC | SF_FORMAT_PCM_16};
    uint32_t rng = 99;
    int32_t x[300];
    for (size_t i = 0; i < 300; i++)
        x[i] = (int32_t)(1e9 * sin(0.1 * (double)i));
    int accepted = 0, total = 0;
    for (size_t k = 0; k < sizeof formats / sizeof formats[0]; k++) {
        char path[600];
        test_tmp_path("base", path, sizeof path);
        if (!test_write_int(path, formats[k], 22050, 2, x, 150))
            continue;
        size_t size;
        unsigned char *base = test_slurp(path, &size);
        unsigned char *v = malloc(size);
        for (int it = 0; it < 1500; it++) {
            memcpy(v, base, size);
            for (int m = 0; m < 1 + it % 4; m++) {
                rng = rng * 1664525u + 1013904223u;
                size_t pos = (rng >> 8) % (it % 3 == 0 ? (size < 64 ? size : 64) : size);
                rng = rng * 1664525u + 1013904223u;
                v[pos] = (unsigned char)(rng >> 24);
            }
            rng = rng * 1664525u + 1013904223u;
            size_t len = it % 5 == 0 ? (rng >> 8) % (size + 1) : size;
            kws_audio a;
            kws_error err;
            kws_status st = kws_audio_read_memory(v, len, "mutant", &a, &err);
            if (st == KWS_OK) {
                accepted++;
                CHECK(a.n > 0 && a.samples != NULL);
            } else {
                CHECK(strstr(err.msg, "mutant") != NULL && a.samples == NULL);
            }
            total++;
            kws_audio_free(&a);
        }
        free(v);
        free(base);
    }
    printf("mutations: %d of %d read without error\n", accepted, total);
}

int main(void)
{
    test_short_and_garbage();
    test_truncated_headers();
    test_bad_fmt();
    test_paths();
    test_too_long();
    test_lying_data_chunk();
    test_honest_chunks();
    test_truncated_flac();
    test_mutations();
    test_tmp_cleanup();
    return test_summary("test_audio_malformed");
}
