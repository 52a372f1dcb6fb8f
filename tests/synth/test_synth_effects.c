/* test_synth_effects.c - each effect does what it says (band limits
 * attenuate and pass the right tones, trim finds the word, levels land,
 * speed changes pitch and length, reverb leaves a decaying tail), the
 * quality checks catch each fault, and the word lists are sane. No TTS
 * engine needed. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kws/synth.h"
#include "tests/test.h"

#define SR 16000
#define N SR

static void tone(float *x, size_t n, float hz, float amp)
{
    for (size_t i = 0; i < n; i++)
        x[i] = amp * sinf(2.0f * 3.14159265f * hz * (float)i / SR);
}

/* Gain in dB of the second half (past the filters' transients). */
static float gain_db(const float *y, const float *x, size_t n)
{
    double ey = 0, ex = 0;
    for (size_t i = n / 2; i < n; i++) {
        ey += (double)y[i] * y[i];
        ex += (double)x[i] * x[i];
    }
    return (float)(10.0 * log10(ey / ex + 1e-30));
}

typedef void (*filter_fn)(float *x, size_t n, int rate, float fc);
static void telephone(float *x, size_t n, int rate, float fc) { (void)fc; kws_synth_telephone(x, n, rate); }

static float through(filter_fn f, float fc, float hz)
{
    static float x[N], y[N];
    tone(x, N, hz, 0.5f);
    memcpy(y, x, sizeof y);
    f(y, N, SR, fc);
    return gain_db(y, x, N);
}

static size_t zero_crossings(const float *x, size_t n)
{
    size_t z = 0;
    for (size_t i = 1; i < n; i++)
        z += (x[i - 1] < 0) != (x[i] < 0);
    return z;
}

int main(void)
{
    /* band limiting */
    CHECK(through(telephone, 0, 100.0f) < -20.0f);
    CHECK(through(telephone, 0, 6000.0f) < -20.0f);
    CHECK_NEAR(through(telephone, 0, 1000.0f), 0.0f, 1.0f);
    CHECK(through(kws_synth_lowpass, 2000.0f, 6000.0f) < -20.0f);
    CHECK_NEAR(through(kws_synth_lowpass, 2000.0f, 300.0f), 0.0f, 0.5f);
    CHECK(through(kws_synth_highpass, 400.0f, 60.0f) < -20.0f);
    CHECK_NEAR(through(kws_synth_highpass, 400.0f, 3000.0f), 0.0f, 0.5f);

    /* trim: silence, 0.3 s tone at 0.2 s, silence */
    static float x[N], y[2 * N];
    memset(x, 0, sizeof x);
    tone(x + 3200, 4800, 440.0f, 0.3f);
    size_t start, len = kws_synth_trim(x, N, -40.0f, &start);
    CHECK_NEAR((double)start, 3200.0, 80.0);
    CHECK_NEAR((double)len, 4800.0, 160.0);
    memset(y, 0, sizeof y);
    CHECK_EQ_INT(kws_synth_trim(y, N, -40.0f, &start), 0);

    /* level */
    kws_synth_set_peak(x, N, -12.0f);
    CHECK_NEAR(kws_synth_peak_dbfs(x, N), -12.0f, 0.01f);
    kws_synth_set_peak(x, N, -2.0f);
    CHECK_NEAR(kws_synth_peak_dbfs(x, N), -2.0f, 0.01f);

    /* speed: 1 kHz tone at factor 1.1 is ~10 % shorter and ~1.1 kHz */
    tone(x, N, 1000.0f, 0.5f);
    float *sp = NULL;
    size_t n_sp = 0;
    kws_error err;
    CHECK(kws_synth_speed(x, N, SR, 1.1f, &sp, &n_sp, &err) == KWS_OK);
    CHECK_NEAR((double)n_sp, N / 1.1, 20.0);
    if (sp)
        CHECK_NEAR((double)zero_crossings(sp, n_sp) / 2.0 / ((double)n_sp / SR), 1100.0, 15.0);
    free(sp);
    /* speed from 22050 Hz with factor 1 is plain resampling */
    tone(y, 22050, 1000.0f, 0.5f);
    CHECK(kws_synth_speed(y, 22050, 22050, 1.0f, &sp, &n_sp, &err) == KWS_OK);
    CHECK_NEAR((double)n_sp, 16000.0, 5.0);
    free(sp);

    /* reverb: a click leaves a decaying tail, finite and below the input */
    memset(y, 0, sizeof y);
    y[0] = 0.5f;
    size_t tail = kws_synth_reverb_tail(0.3f, SR);
    CHECK_EQ_INT(tail, 4800);
    kws_synth_reverb(y, 1 + tail, SR, 0.3f, 0.5f, 0.3f);
    double e_early = 0, e_late = 0;
    int finite = 1;
    for (size_t i = 1; i < 1 + tail; i++) {
        finite &= isfinite(y[i]) && fabsf(y[i]) < 0.5f;
        if (i < tail / 4)
            e_early += (double)y[i] * y[i];
        else if (i > 3 * tail / 4)
            e_late += (double)y[i] * y[i];
    }
    CHECK(finite);
    CHECK(e_early > 0.0);
    CHECK(e_late < e_early * 1e-3); /* RT60: the last quarter is > 30 dB down */

    /* noise floor lands at its RMS */
    memset(x, 0, sizeof x);
    kws_rng rng;
    kws_rng_seed(&rng, 7);
    kws_synth_noise_floor(x, N, -60.0f, &rng);
    double e = 0;
    for (size_t i = 0; i < N; i++)
        e += (double)x[i] * x[i];
    CHECK_NEAR(10.0 * log10(e / N), -60.0, 0.3);

    /* measurements and quality checks on int16 clips */
    static int16_t c[N];
    memset(c, 0, sizeof c);
    CHECK(kws_synth_quality_check(c, N) == KWS_SYNTH_DROP_EMPTY);
    for (size_t i = 4000; i < 4000 + 6400; i++) /* 0.4 s at about -10 dBFS */
        c[i] = (int16_t)(10362.0f * sinf(2.0f * 3.14159265f * 300.0f * (float)i / SR));
    CHECK_NEAR(kws_synth_word_seconds(c, N), 0.4f, 0.02f);
    CHECK_NEAR(kws_synth_peak_dbfs_s16(c, N), -10.0f, 0.1f);
    CHECK(kws_synth_quality_check(c, N) == KWS_SYNTH_OK);
    c[5000] = INT16_MAX;
    CHECK(kws_synth_quality_check(c, N) == KWS_SYNTH_DROP_CLIPPED);
    memset(c, 0, sizeof c);
    for (size_t i = 4000; i < 4000 + 640; i++) /* 40 ms */
        c[i] = (int16_t)(10000.0f * sinf(0.3f * (float)i));
    CHECK(kws_synth_quality_check(c, N) == KWS_SYNTH_DROP_TOO_SHORT);
    for (size_t i = 0; i < N; i++) /* the whole second */
        c[i] = (int16_t)(10000.0f * sinf(0.3f * (float)i));
    CHECK(kws_synth_quality_check(c, N) == KWS_SYNTH_DROP_TOO_LONG);
    CHECK(!strcmp(kws_synth_quality_name(KWS_SYNTH_DROP_CLIPPED), "clipped"));

    /* statistics: quartiles */
    float d[5] = {0.5f, 0.1f, 0.3f, 0.2f, 0.4f}, p[5] = {-1, -5, -3, -2, -4};
    kws_synth_stats st;
    CHECK(kws_synth_stats_compute(d, p, 5, &st, &err) == KWS_OK);
    CHECK_NEAR(st.dur[0], 0.2f, 1e-6);
    CHECK_NEAR(st.dur[1], 0.3f, 1e-6);
    CHECK_NEAR(st.dur[2], 0.4f, 1e-6);
    CHECK_NEAR(st.peak[1], -3.0f, 1e-6);

    /* word lists */
    size_t nw;
    const char *const *w = kws_synth_builtin_words(&nw);
    CHECK(nw >= 300);
    const char *near[] = {"yet", "nose", "cup", "town", "lift", "bright", "one", "of", "top", "though"};
    for (size_t k = 0; k < sizeof near / sizeof near[0]; k++) {
        int found = 0;
        for (size_t i = 0; i < nw; i++)
            found |= !strcmp(w[i], near[k]);
        CHECK(found);
    }
    char path[] = "/tmp/kws_synth_wordsXXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    const char *text = "# my words\nalpha\n  bravo  # second\n\ncharlie\n";
    CHECK(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
    close(fd);
    char **list = NULL;
    size_t n_list = 0;
    CHECK(kws_synth_words_read(path, &list, &n_list, &err) == KWS_OK);
    CHECK_EQ_INT(n_list, 3);
    if (n_list == 3)
        CHECK(!strcmp(list[1], "bravo"));
    kws_synth_words_free(list, n_list);
    FILE *f = fopen(path, "w");
    fputs("ok\nNot/Valid\n", f);
    fclose(f);
    CHECK(kws_synth_words_read(path, &list, &n_list, &err) == KWS_ERR_FORMAT);
    CHECK(strstr(err.msg, ":2:") != NULL);
    unlink(path);
    CHECK(kws_synth_words_read("/nonexistent/words.txt", &list, &n_list, &err) == KWS_ERR_IO);
    return test_summary("test_synth_effects");
}
