/* test_audio_resample.c - resampling to 16 kHz keeps frequency, level and length; rejects aliases.
 *
 * A 1 kHz sine at half scale is written as float WAV at each rate and read
 * back: its frequency (from interpolated zero crossings) within 0.1 Hz, its
 * RMS within 0.1 dB, its length within 1 sample per second of audio. Tones
 * above 8 kHz at 48 kHz would alias into the band (12 kHz to 4 kHz): they must
 * come out at least 60 dB down, while 7 kHz keeps its level.
 * The whole-buffer kws_audio_resample must agree with the file path.
 */
#define _XOPEN_SOURCE 700

#include "tests/test.h"
#include "tests/audio/audio_test_util.h"

#define SECONDS 2
#define AMP 0.5

/* Writes SECONDS of a sine at `rate` as mono float WAV and reads it. */
static int read_sine(double freq, int rate, int channels, kws_audio *a)
{
    char path[600], name[64];
    snprintf(name, sizeof name, "sine_%g_%d_%d.wav", freq, rate, channels);
    test_tmp_path(name, path, sizeof path);
    size_t n = (size_t)SECONDS * (size_t)rate;
    float *mono = test_sine(freq, AMP, rate, n);
    float *x = malloc(n * (size_t)channels * sizeof *x);
    for (size_t i = 0; i < n; i++)
        for (int c = 0; c < channels; c++)
            x[i * (size_t)channels + (size_t)c] = mono[i];
    int ok = test_write_float(path, SF_FORMAT_WAV | SF_FORMAT_FLOAT, rate, channels, x, n);
    free(x);
    free(mono);
    kws_error err;
    if (!ok || kws_audio_read(path, a, &err) != KWS_OK) {
        fprintf(stderr, "     %s\n", ok ? err.msg : "write failed");
        return 0;
    }
    return 1;
}

static void test_sine_through(int rate, int channels)
{
    kws_audio a;
    if (!CHECK(read_sine(1000.0, rate, channels, &a)))
        return;
    CHECK_EQ_INT(a.source_rate, rate);
    CHECK_EQ_INT(a.source_channels, channels);
    CHECK_NEAR(a.n, SECONDS * KWS_SAMPLE_RATE, SECONDS);
    /* Measure away from the edges, where the filter starts and stops. */
    size_t from = KWS_SAMPLE_RATE / 4, to = a.n - KWS_SAMPLE_RATE / 4;
    double f = test_zero_crossing_freq(a.samples, from, to, KWS_SAMPLE_RATE);
    CHECK_NEAR(f, 1000.0, 0.1);
    double rms_db = 20.0 * log10(test_rms(a.samples, from, to) / (AMP * 32768.0 / sqrt(2.0)));
    CHECK_NEAR(rms_db, 0.0, 0.1);
    CHECK(a.notice[0] == '\0');
    printf("%6d Hz x%d: n=%zu f=%.4f Hz level %+.4f dB\n", rate, channels, a.n, f, rms_db);
    kws_audio_free(&a);
}

/* A tone above 8 kHz must not fold back into the band. */
static void test_anti_alias(double freq)
{
    kws_audio a;
    if (!CHECK(read_sine(freq, 48000, 1, &a)))
        return;
    size_t from = KWS_SAMPLE_RATE / 4, to = a.n - KWS_SAMPLE_RATE / 4;
    double rms = test_rms(a.samples, from, to);
    double att_db = 20.0 * log10(AMP * 32768.0 / sqrt(2.0) / (rms + 1e-9));
    printf("%g Hz at 48 kHz: %.1f dB down (output RMS %.3g)\n", freq, att_db, rms);
    CHECK(att_db > 60.0);
    kws_audio_free(&a);
}

/* Just below 8 kHz the level is kept. */
static void test_passband_edge(void)
{
    kws_audio a;
    if (!CHECK(read_sine(7000.0, 48000, 1, &a)))
        return;
    size_t from = KWS_SAMPLE_RATE / 4, to = a.n - KWS_SAMPLE_RATE / 4;
    double rms_db = 20.0 * log10(test_rms(a.samples, from, to) / (AMP * 32768.0 / sqrt(2.0)));
    printf("7 kHz at 48 kHz: level %+.4f dB\n", rms_db);
    CHECK_NEAR(rms_db, 0.0, 0.1);
    kws_audio_free(&a);
}

/* kws_audio_resample on the same floats gives what the file path gives. */
static void test_whole_buffer_matches_stream(void)
{
    const int rate = 44100;
    size_t n = (size_t)rate;
    float *x = test_sine(1000.0, AMP, rate, n);
    for (size_t i = 0; i < n; i++)
        x[i] += (float)(0.3 * sin(0.37 * (double)i * (double)i / (double)n));
    char path[600];
    test_tmp_path("match.wav", path, sizeof path);
    CHECK(test_write_float(path, SF_FORMAT_WAV | SF_FORMAT_FLOAT, rate, 1, x, n));
    kws_audio a;
    kws_error err;
    CHECK_EQ_INT(kws_audio_read(path, &a, &err), KWS_OK);
    float *y = NULL;
    size_t ny = 0;
    CHECK_EQ_INT(kws_audio_resample(x, n, rate, KWS_SAMPLE_RATE, &y, &ny, &err), KWS_OK);
    CHECK_EQ_INT(ny, a.n);
    int16_t *s = malloc((ny ? ny : 1) * sizeof *s);
    kws_audio_float_to_s16(y, ny, s);
    long worst = 0;
    for (size_t i = 0; i < ny && i < a.n; i++) {
        long d = labs((long)s[i] - a.samples[i]);
        worst = d > worst ? d : worst;
    }
    CHECK_EQ_INT(worst, 0);
    free(s);
    free(y);
    kws_audio_free(&a);
    free(x);
}

static void test_resample_args(void)
{
    float x[8] = {0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f, 0.7f, 0.8f};
    float *y = (float *)1;
    size_t ny = 99;
    kws_error err;
    CHECK_EQ_INT(kws_audio_resample(x, 0, 48000, 16000, &y, &ny, &err), KWS_OK);
    CHECK(y == NULL && ny == 0);
    CHECK_EQ_INT(kws_audio_resample(x, 8, 16000, 16000, &y, &ny, &err), KWS_OK);
    CHECK_EQ_INT(ny, 8);
    if (y)
        CHECK(memcmp(x, y, sizeof x) == 0);
    free(y);
    CHECK_EQ_INT(kws_audio_resample(x, 8, 0, 16000, &y, &ny, &err), KWS_ERR_ARG);
    CHECK_EQ_INT(kws_audio_resample(x, 8, 16000, -5, &y, &ny, &err), KWS_ERR_ARG);
    CHECK_EQ_INT(kws_audio_resample(x, 8, 16000 * 300, 16000, &y, &ny, &err), KWS_ERR_ARG);
    CHECK(strstr(err.msg, "4800000 Hz") != NULL);
    CHECK_EQ_INT(kws_audio_resample(NULL, 8, 48000, 16000, &y, &ny, &err), KWS_ERR_ARG);
    /* Upsampling a short buffer by 2: length doubles. */
    CHECK_EQ_INT(kws_audio_resample(x, 8, 8000, 16000, &y, &ny, &err), KWS_OK);
    CHECK_EQ_INT(ny, 16);
    free(y);
}

int main(void)
{
    const int rates[] = {8000, 11025, 22050, 32000, 44100, 48000, 96000};
    for (size_t i = 0; i < sizeof rates / sizeof rates[0]; i++)
        test_sine_through(rates[i], 1);
    test_sine_through(44100, 2);
    test_anti_alias(12000.0);
    test_anti_alias(9000.0);
    test_anti_alias(8400.0);
    test_passband_edge();
    test_whole_buffer_matches_stream();
    test_resample_args();
    test_tmp_cleanup();
    return test_summary("test_audio_resample");
}
