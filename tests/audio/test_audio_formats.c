/* test_audio_formats.c - every sample format reads back the signal written; downmix; writing.
 *
 * Integer formats carry a 32-bit signal whose low bits are cleared to the
 * format's width, so the expected int16 is round(x / 65536) for every width:
 * exact up to 24 bits, within 1 for 32-bit (libsndfile reads through float).
 * Float formats expect round(x * 32768). Files and memory must agree.
 */
#define _XOPEN_SOURCE 700

#include "tests/test.h"
#include "tests/audio/audio_test_util.h"

#define N_FRAMES 5000

typedef struct {
    const char *name;
    int format;
    int bits;  /* significant bits of an integer format; 0 for float formats */
    int tol;   /* allowed |read - expected| */
} format_case;

static const format_case FORMATS[] = {
    {"wav_u8.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_U8, 8, 0},
    {"wav_s16.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 16, 0},
    {"wav_s24.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_24, 24, 0},
    {"wav_s32.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_32, 32, 1},
    {"wav_f32.wav", SF_FORMAT_WAV | SF_FORMAT_FLOAT, 0, 0},
    {"wav_f64.wav", SF_FORMAT_WAV | SF_FORMAT_DOUBLE, 0, 0},
    {"wavex_s16.wav", SF_FORMAT_WAVEX | SF_FORMAT_PCM_16, 16, 0},
    {"w64_s16.w64", SF_FORMAT_W64 | SF_FORMAT_PCM_16, 16, 0},
    {"rf64_s24.rf64", SF_FORMAT_RF64 | SF_FORMAT_PCM_24, 24, 0},
    {"aiff_s8.aiff", SF_FORMAT_AIFF | SF_FORMAT_PCM_S8, 8, 0},
    {"aiff_s16.aiff", SF_FORMAT_AIFF | SF_FORMAT_PCM_16, 16, 0},
    {"aiff_f32.aiff", SF_FORMAT_AIFF | SF_FORMAT_FLOAT, 0, 0},
    {"caf_s16.caf", SF_FORMAT_CAF | SF_FORMAT_PCM_16, 16, 0},
    {"au_s16.au", SF_FORMAT_AU | SF_FORMAT_PCM_16, 16, 0},
    {"flac_s16.flac", SF_FORMAT_FLAC | SF_FORMAT_PCM_16, 16, 0},
    {"flac_s24.flac", SF_FORMAT_FLAC | SF_FORMAT_PCM_24, 24, 0},
};

static uint32_t lcg_state = 12345;

static int32_t lcg(void)
{
    lcg_state = lcg_state * 1664525u + 1013904223u;
    return (int32_t)lcg_state;
}

static long clamp16(long v)
{
    return v > 32767 ? 32767 : v < -32768 ? -32768 : v;
}

/* Reads `path` both from the file and from memory and compares with expect. */
static void check_read(const char *path, const long *expect, size_t n, int tol, int rate,
                       int channels)
{
    kws_audio a, m;
    kws_error err = {0};
    kws_status st = kws_audio_read(path, &a, &err);
    CHECK_EQ_INT(st, KWS_OK);
    if (st != KWS_OK) {
        fprintf(stderr, "     %s\n", err.msg);
        return;
    }
    CHECK_EQ_INT(a.n, n);
    CHECK_EQ_INT(a.source_rate, rate);
    CHECK_EQ_INT(a.source_channels, channels);
    CHECK(a.notice[0] == '\0');
    long worst = 0;
    for (size_t i = 0; i < n && i < a.n; i++) {
        long d = labs((long)a.samples[i] - expect[i]);
        worst = d > worst ? d : worst;
    }
    if (!test_report(worst <= tol, __FILE__, __LINE__, "max |read - expected| <= tol"))
        fprintf(stderr, "     %s: max error %ld, tol %d\n", path, worst, tol);

    size_t size = 0;
    unsigned char *bytes = test_slurp(path, &size);
    st = kws_audio_read_memory(bytes, size, path, &m, &err);
    CHECK_EQ_INT(st, KWS_OK);
    CHECK_EQ_INT(m.n, a.n);
    if (st == KWS_OK && m.n == a.n)
        CHECK(memcmp(m.samples, a.samples, a.n * sizeof *a.samples) == 0);
    free(bytes);
    kws_audio_free(&m);
    kws_audio_free(&a);
    CHECK(a.samples == NULL && a.n == 0);
}

static void test_int_format(const format_case *fc)
{
    char path[600];
    test_tmp_path(fc->name, path, sizeof path);
    int32_t *x = malloc(N_FRAMES * sizeof *x);
    long *expect = malloc(N_FRAMES * sizeof *expect);
    uint32_t mask = fc->bits == 32 ? 0xffffffffu : ~((1u << (32 - fc->bits)) - 1u);
    for (size_t i = 0; i < N_FRAMES; i++) {
        /* full scale both ways, then a sine plus noise */
        int32_t v = i == 0 ? INT32_MIN : i == 1 ? (int32_t)0x7fff0000
                  : (int32_t)(1.5e9 * sin(0.01 * (double)i)) + lcg() / 8;
        x[i] = (int32_t)((uint32_t)v & mask);
        expect[i] = clamp16(test_round(x[i] / 65536.0));
    }
    CHECK(test_write_int(path, fc->format, KWS_SAMPLE_RATE, 1, x, N_FRAMES));
    check_read(path, expect, N_FRAMES, fc->tol, KWS_SAMPLE_RATE, 1);
    free(x);
    free(expect);
}

static void test_float_format(const format_case *fc)
{
    char path[600];
    test_tmp_path(fc->name, path, sizeof path);
    float *x = malloc(N_FRAMES * sizeof *x);
    long *expect = malloc(N_FRAMES * sizeof *expect);
    for (size_t i = 0; i < N_FRAMES; i++) {
        x[i] = i == 0 ? -1.0f : i == 1 ? 32767.0f / 32768.0f
             : (float)(0.9 * sin(0.013 * (double)i) + (lcg() / 2147483648.0) * 0.09);
        expect[i] = test_round((double)x[i] * 32768.0);
    }
    CHECK(test_write_float(path, fc->format, KWS_SAMPLE_RATE, 1, x, N_FRAMES));
    check_read(path, expect, N_FRAMES, fc->tol, KWS_SAMPLE_RATE, 1);
    free(x);
    free(expect);
}

static void test_formats(void)
{
    for (size_t k = 0; k < sizeof FORMATS / sizeof FORMATS[0]; k++) {
        const format_case *fc = &FORMATS[k];
        SF_INFO probe = {.samplerate = KWS_SAMPLE_RATE, .channels = 1, .format = fc->format};
        if (!sf_format_check(&probe)) {
            printf("skip %s: this libsndfile cannot write it\n", fc->name);
            continue;
        }
        if (fc->bits)
            test_int_format(fc);
        else
            test_float_format(fc);
    }
}

/* Multi-channel 16-bit PCM reads as the rounded average of its channels. */
static void test_downmix(int channels, int rate)
{
    char path[600], name[64];
    snprintf(name, sizeof name, "downmix_%dch.wav", channels);
    test_tmp_path(name, path, sizeof path);
    int32_t *x = malloc(N_FRAMES * (size_t)channels * sizeof *x);
    long *expect = malloc(N_FRAMES * sizeof *expect);
    for (size_t i = 0; i < N_FRAMES; i++) {
        long sum = 0;
        for (int c = 0; c < channels; c++) {
            int16_t v = i == 0 ? -32768 : i == 1 ? 32767 : (int16_t)(lcg() >> 16);
            x[i * (size_t)channels + (size_t)c] = (int32_t)((uint32_t)(uint16_t)v << 16);
            sum += v;
        }
        expect[i] = test_round((double)sum / channels);
    }
    CHECK(test_write_int(path, SF_FORMAT_WAV | SF_FORMAT_PCM_16, rate, channels, x, N_FRAMES));
    check_read(path, expect, N_FRAMES, 0, rate, channels);
    free(x);
    free(expect);
}

static void test_float_to_s16(void)
{
    const float in[] = {0.0f, 0.5f / 32768, -0.5f / 32768, 1.5f / 32768, 1.0f, -1.0f,
                        32767.0f / 32768, 32767.49f / 32768, 2.0f, -2.0f, NAN, INFINITY,
                        -INFINITY, -32768.5f / 32768};
    const int16_t want[] = {0, 1, -1, 2, 32767, -32768, 32767, 32767, 32767, -32768, 0,
                            32767, -32768, -32768};
    int16_t out[sizeof in / sizeof in[0]];
    size_t clipped = kws_audio_float_to_s16(in, sizeof in / sizeof in[0], out);
    for (size_t i = 0; i < sizeof in / sizeof in[0]; i++)
        CHECK_EQ_INT(out[i], want[i]);
    /* 1.0, 2.0, -2.0, NaN, +inf, -inf, -32768.5/32768 */
    CHECK_EQ_INT(clipped, 7);
}

/* Float files may exceed full scale: clipped, and said so in the notice. */
static void test_clip_notice(void)
{
    char path[600];
    test_tmp_path("clip.wav", path, sizeof path);
    float x[4] = {0.25f, 1.5f, -2.0f, 0.0f};
    CHECK(test_write_float(path, SF_FORMAT_WAV | SF_FORMAT_FLOAT, KWS_SAMPLE_RATE, 1, x, 4));
    kws_audio a;
    kws_error err;
    CHECK_EQ_INT(kws_audio_read(path, &a, &err), KWS_OK);
    CHECK_EQ_INT(a.n, 4);
    if (a.n == 4) {
        CHECK_EQ_INT(a.samples[0], 8192);
        CHECK_EQ_INT(a.samples[1], 32767);
        CHECK_EQ_INT(a.samples[2], -32768);
    }
    CHECK(strstr(a.notice, "2 samples clipped") != NULL);
    CHECK(strstr(a.notice, path) != NULL);
    kws_audio_free(&a);
}

static void test_write_wav(void)
{
    char path[600];
    test_tmp_path("written.wav", path, sizeof path);
    enum { N = 12345 };
    int16_t *x = malloc(N * sizeof *x);
    for (size_t i = 0; i < N; i++)
        x[i] = i == 0 ? -32768 : i == 1 ? 32767 : (int16_t)(lcg() >> 16);
    kws_error err;
    CHECK_EQ_INT(kws_audio_write_wav(path, x, N, &err), KWS_OK);
    SF_INFO info = {0};
    SNDFILE *sf = sf_open(path, SFM_READ, &info);
    CHECK(sf != NULL);
    if (sf) {
        CHECK_EQ_INT(info.format, SF_FORMAT_WAV | SF_FORMAT_PCM_16);
        CHECK_EQ_INT(info.samplerate, 16000);
        CHECK_EQ_INT(info.channels, 1);
        CHECK_EQ_INT(info.frames, N);
        sf_close(sf);
    }
    kws_audio a;
    CHECK_EQ_INT(kws_audio_read(path, &a, &err), KWS_OK);
    CHECK_EQ_INT(a.n, N);
    if (a.n == N)
        CHECK(memcmp(a.samples, x, N * sizeof *x) == 0);
    kws_audio_free(&a);

    /* A WAV with no samples is written; reading it back is an error. */
    CHECK_EQ_INT(kws_audio_write_wav(path, NULL, 0, &err), KWS_OK);
    CHECK_EQ_INT(kws_audio_read(path, &a, &err), KWS_ERR_FORMAT);
    CHECK(strstr(err.msg, "no audio samples") != NULL);

    char bad[700];
    snprintf(bad, sizeof bad, "%s/no/such/dir/out.wav", test_tmp_dir());
    CHECK_EQ_INT(kws_audio_write_wav(bad, x, N, &err), KWS_ERR_IO);
    CHECK(strstr(err.msg, bad) != NULL);
    CHECK_EQ_INT(kws_audio_write_wav(path, NULL, 5, &err), KWS_ERR_ARG);
    free(x);
}

int main(void)
{
    test_formats();
    test_downmix(2, KWS_SAMPLE_RATE);
    test_downmix(5, KWS_SAMPLE_RATE);
    test_float_to_s16();
    test_clip_notice();
    test_write_wav();
    test_tmp_cleanup();
    return test_summary("test_audio_formats");
}
