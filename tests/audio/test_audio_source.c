/* test_audio_source.c - chunked reading equals the whole-file read; long files; stdin.
 *
 * For files that take each conversion path (16 kHz mono untouched, 44.1 kHz
 * stereo resampled, 48 kHz 5-channel float, a truncated data chunk), reading
 * through kws_audio_source with any chunk size, fixed or varying, gives the
 * whole-file samples one for one, and the same notice. A 20-minute file (and
 * a resampled 90-second one) is read in chunks with the peak memory growing
 * by less than 8 MiB, a fraction of the 37 MiB its samples would take.
 * Raw s16le on stdin ("-") is read from a pipe fed by a child process.
 */
#define _XOPEN_SOURCE 700

#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>

#include "tests/test.h"
#include "tests/audio/audio_test_util.h"

static uint32_t lcg_state = 777;

static float noise(void)
{
    lcg_state = lcg_state * 1664525u + 1013904223u;
    return (float)((int32_t)lcg_state / 2147483648.0);
}

/* Writes `seconds` of noise plus a chirp as `format` at rate x channels. */
static void make_file(const char *path, int format, int rate, int channels, double seconds)
{
    size_t n = (size_t)(seconds * rate);
    float *x = malloc(n * (size_t)channels * sizeof *x);
    for (size_t i = 0; i < n; i++) {
        double t = (double)i / rate;
        for (int c = 0; c < channels; c++)
            x[i * (size_t)channels + (size_t)c] =
                (float)(0.4 * sin(2 * M_PI * (200 + 1500 * t + 300 * c) * t)) + 0.2f * noise();
    }
    CHECK(test_write_float(path, format, rate, channels, x, n));
    free(x);
}

/* Reads all of `path` through a source. sizes: chunk sizes used in turn. */
static int16_t *read_chunked(const char *path, const size_t *sizes, size_t n_sizes,
                             size_t *n, char *notice, size_t notice_len)
{
    kws_audio_source *s = NULL;
    kws_error err;
    *n = 0;
    if (!CHECK(kws_audio_source_open(path, &s, &err) == KWS_OK)) {
        fprintf(stderr, "     %s\n", err.msg);
        return NULL;
    }
    size_t cap = 1 << 16;
    int16_t *buf = malloc(cap * sizeof *buf);
    for (size_t k = 0;; k++) {
        size_t want = sizes[k % n_sizes];
        if (*n + want > cap) {
            while (*n + want > cap)
                cap *= 2;
            buf = realloc(buf, cap * sizeof *buf);
        }
        long got = kws_audio_source_read(s, buf + *n, want, &err);
        if (got <= 0) {
            CHECK_EQ_INT(got, 0);
            break;
        }
        /* Short counts only at the very end. */
        if ((size_t)got < want)
            CHECK_EQ_INT(kws_audio_source_read(s, buf + *n, want, &err), 0);
        *n += (size_t)got;
    }
    snprintf(notice, notice_len, "%s", kws_audio_source_notice(s));
    kws_audio_source_close(s);
    return buf;
}

static void check_chunked_equals_whole(const char *path)
{
    kws_audio a;
    kws_error err;
    if (!CHECK(kws_audio_read(path, &a, &err) == KWS_OK)) {
        fprintf(stderr, "     %s\n", err.msg);
        return;
    }
    static const size_t fixed[] = {1, 7, 160, 4095, 4096, 4097, 100000};
    static const size_t varying[] = {1, 333, 4095, 10, 8192, 2};
    for (size_t k = 0; k <= sizeof fixed / sizeof fixed[0]; k++) {
        int vary = k == sizeof fixed / sizeof fixed[0];
        size_t n = 0;
        char notice[256];
        int16_t *b = read_chunked(path, vary ? varying : &fixed[k],
                                  vary ? sizeof varying / sizeof varying[0] : 1, &n, notice,
                                  sizeof notice);
        CHECK_EQ_INT(n, a.n);
        int same = b && n == a.n && memcmp(b, a.samples, n * sizeof *b) == 0;
        if (!test_report(same, __FILE__, __LINE__, "chunked samples == whole-file samples"))
            fprintf(stderr, "     %s, chunk %zu\n", path, vary ? 0 : fixed[k]);
        CHECK(strcmp(notice, a.notice) == 0);
        free(b);
    }
    kws_audio_free(&a);
}

static void test_chunking(void)
{
    char path[600];
    make_file(test_tmp_path("s16k_mono.wav", path, sizeof path), SF_FORMAT_WAV | SF_FORMAT_PCM_16,
              16000, 1, 1.5);
    check_chunked_equals_whole(path);
    make_file(test_tmp_path("s44k_stereo.wav", path, sizeof path),
              SF_FORMAT_WAV | SF_FORMAT_PCM_16, 44100, 2, 3.0);
    check_chunked_equals_whole(path);
    kws_audio_source *s = NULL;
    kws_error err;
    CHECK_EQ_INT(kws_audio_source_open(path, &s, &err), KWS_OK);
    int rate = 0, channels = 0;
    int64_t frames = 0;
    kws_audio_source_format(s, &rate, &channels, &frames);
    CHECK(rate == 44100 && channels == 2 && frames == 3 * 44100);
    kws_audio_source_close(s);
    make_file(test_tmp_path("s48k_5ch.wav", path, sizeof path), SF_FORMAT_WAV | SF_FORMAT_FLOAT,
              48000, 5, 1.0);
    check_chunked_equals_whole(path);

    /* 22.05 kHz whose data chunk claims twice what the file has. */
    enum { FRAMES = 10000 };
    unsigned char *w = calloc(44 + 2 * FRAMES, 1);
    test_wav_header(w, 1, 22050, 16, 4 * FRAMES);
    for (size_t i = 0; i < FRAMES; i++)
        test_put_u16(w + 44 + 2 * i, (unsigned)(uint16_t)(int16_t)(12000 * sin(0.05 * i)));
    test_tmp_path("lying.wav", path, sizeof path);
    CHECK(test_write_bytes(path, w, 44 + 2 * FRAMES));
    free(w);
    check_chunked_equals_whole(path);
}

static long max_rss_kb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

/* Writes `seconds` of a sine in one-second blocks, never holding the file. */
static void make_long_file(const char *path, int rate, int channels, int seconds)
{
    SF_INFO info = {.samplerate = rate, .channels = channels,
                    .format = SF_FORMAT_WAV | SF_FORMAT_PCM_16};
    SNDFILE *sf = sf_open(path, SFM_WRITE, &info);
    if (!CHECK(sf != NULL))
        return;
    short *block = malloc((size_t)rate * (size_t)channels * sizeof *block);
    for (int s = 0; s < seconds; s++) {
        for (int i = 0; i < rate; i++)
            for (int c = 0; c < channels; c++)
                block[i * channels + c] = (short)(10000 * sin(2 * M_PI * 440.0 * i / rate));
        sf_writef_short(sf, block, rate);
    }
    free(block);
    sf_close(sf);
}

/* Reads a file in 1000-sample chunks; checks the count and bounded memory. */
static void check_long_file(const char *path, size_t expect, size_t tol)
{
    long before = max_rss_kb();
    kws_audio_source *s = NULL;
    kws_error err;
    if (!CHECK(kws_audio_source_open(path, &s, &err) == KWS_OK))
        return;
    int16_t chunk[1000];
    size_t total = 0;
    long got;
    while ((got = kws_audio_source_read(s, chunk, 1000, &err)) > 0)
        total += (size_t)got;
    CHECK_EQ_INT(got, 0);
    CHECK(kws_audio_source_notice(s)[0] == '\0');
    kws_audio_source_close(s);
    long grew_kb = max_rss_kb() - before;
    printf("%s: %zu samples, peak memory grew %ld KiB\n", path, total, grew_kb);
    CHECK_NEAR(total, expect, tol);
    /* Constant overhead (decoder, the best sinc converter's state) stays
     * under a few MiB; the 20-minute file alone would take 37 MiB whole. */
    CHECK(grew_kb < 8 * 1024);
}

static void test_long_files(void)
{
    char path[600];
    test_tmp_path("long_16k.wav", path, sizeof path);
    make_long_file(path, 16000, 1, 20 * 60);
    check_long_file(path, 20 * 60 * 16000, 0);
    remove(path);
    test_tmp_path("long_44k_stereo.wav", path, sizeof path);
    make_long_file(path, 44100, 2, 90);
    check_long_file(path, 90 * 16000, 90);
    remove(path);
}

/* Makes fd 0 read what a child process writes, `piece` bytes at a time. */
static pid_t feed_stdin(const unsigned char *data, size_t n, size_t piece)
{
    int p[2];
    if (pipe(p) != 0)
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        close(p[0]);
        for (size_t off = 0; off < n; off += piece) {
            size_t k = n - off < piece ? n - off : piece;
            if (write(p[1], data + off, k) != (ssize_t)k)
                _exit(1);
            struct timespec ts = {0, 200000};
            nanosleep(&ts, NULL);
        }
        _exit(0);
    }
    close(p[1]);
    dup2(p[0], 0);
    close(p[0]);
    clearerr(stdin);
    return pid;
}

static void test_stdin(void)
{
    enum { N = 3001 }; /* odd byte count: 1500 samples and one stray byte */
    unsigned char bytes[N];
    for (size_t i = 0; i < N; i++)
        bytes[i] = (unsigned char)(i * 37 + 11);
    int saved = dup(0);

    pid_t pid = feed_stdin(bytes, N, 7);
    kws_audio a;
    kws_error err;
    CHECK_EQ_INT(kws_audio_read("-", &a, &err), KWS_OK);
    CHECK_EQ_INT(a.n, N / 2);
    CHECK_EQ_INT(a.source_rate, 16000);
    CHECK_EQ_INT(a.source_channels, 1);
    int same = a.n == N / 2;
    for (size_t i = 0; same && i < a.n; i++)
        same = a.samples[i] == (int16_t)(uint16_t)(bytes[2 * i] | bytes[2 * i + 1] << 8);
    CHECK(same);
    CHECK(strstr(a.notice, "stdin") != NULL && strstr(a.notice, "odd") != NULL);
    kws_audio_free(&a);
    waitpid(pid, NULL, 0);

    pid = feed_stdin(bytes, 1000, 64);
    kws_audio_source *s = NULL;
    CHECK_EQ_INT(kws_audio_source_open("-", &s, &err), KWS_OK);
    int rate = 0, channels = 0;
    int64_t frames = 0;
    kws_audio_source_format(s, &rate, &channels, &frames);
    CHECK(rate == 16000 && channels == 1 && frames == -1);
    int16_t buf[160];
    long got, total = 0;
    while ((got = kws_audio_source_read(s, buf, 160, &err)) > 0)
        total += got;
    CHECK_EQ_INT(total, 500);
    CHECK_EQ_INT(kws_audio_source_notice(s)[0], '\0');
    kws_audio_source_close(s);
    waitpid(pid, NULL, 0);

    /* Nothing at all on stdin: a whole read is an error. */
    pid = feed_stdin(bytes, 0, 1);
    CHECK_EQ_INT(kws_audio_read("-", &a, &err), KWS_ERR_FORMAT);
    CHECK(strstr(err.msg, "stdin") != NULL);
    waitpid(pid, NULL, 0);

    dup2(saved, 0);
    close(saved);
    clearerr(stdin);
}

int main(void)
{
    test_long_files(); /* first, so the peak memory it measures is its own */
    test_chunking();
    test_stdin();
    test_tmp_cleanup();
    return test_summary("test_audio_source");
}
