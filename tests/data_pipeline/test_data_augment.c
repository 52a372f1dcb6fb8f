/* test_data_augment.c - clip fitting and augmentation properties: the shift
 * moves the samples (zero fill), mixed noise lands at an SNR inside the
 * range and comes from the training part of a recording, gain scales the
 * RMS, clipping is counted, a seed fixes everything. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "kws/features.h"
#include "tests/test.h"

#define N 16000

static void make_burst(int16_t *x)
{
    memset(x, 0, N * sizeof *x);
    for (int i = 4000; i < 12000; i++) /* 0.5 s of 440 Hz in the middle */
        x[i] = (int16_t)lrint(8000.0 * sin(2.0 * 3.14159265358979 * 440.0 * i / 16000.0));
}

static double energy(const int16_t *x, size_t n)
{
    double e = 0;
    for (size_t i = 0; i < n; i++)
        e += (double)x[i] * x[i];
    return e;
}

static kws_augment_config none(void)
{
    kws_augment_config c = kws_augment_config_default();
    c.max_shift = 0;
    c.noise_prob = 0.0f;
    c.gain_lo_db = c.gain_hi_db = 0.0f;
    return c;
}

static void test_clip_fit(void)
{
    int16_t in[20000], out[N];
    for (int i = 0; i < 20000; i++)
        in[i] = (int16_t)(i % 30000 + 1);
    kws_clip_fit(in, 9600, out); /* short: 3200 zeros, the clip, 3200 zeros */
    CHECK_EQ_INT(out[0], 0);
    CHECK_EQ_INT(out[3199], 0);
    CHECK_EQ_INT(out[3200], in[0]);
    CHECK_EQ_INT(out[3200 + 9599], in[9599]);
    CHECK_EQ_INT(out[12800], 0);
    CHECK_EQ_INT(out[N - 1], 0);
    kws_clip_fit(in, 9601, out); /* odd padding: the extra zero goes at the end */
    CHECK_EQ_INT(out[3198], 0); /* 3199 zeros first, 3200 after */
    CHECK_EQ_INT(out[3199], in[0]);
    CHECK_EQ_INT(out[3199 + 9600], in[9600]);
    CHECK_EQ_INT(out[3199 + 9601], 0);
    kws_clip_fit(in, 20000, out); /* long: the middle second */
    CHECK_EQ_INT(out[0], in[2000]);
    CHECK_EQ_INT(out[N - 1], in[17999]);
    kws_clip_fit(in, N, out);
    CHECK(memcmp(in, out, sizeof out) == 0);
    kws_clip_fit(in, 0, out);
    CHECK_EQ_INT(energy(out, N), 0);
}

static void test_shift(void)
{
    int16_t x[N], y[N];
    float work[N];
    make_burst(x);
    kws_augment_config c = none();
    c.max_shift = 1600;
    kws_rng rng;
    kws_rng_seed(&rng, 1);
    int min_shift = 0, max_shift = 0, exact = 1;
    for (int trial = 0; trial < 200; trial++) {
        memcpy(y, x, sizeof y);
        kws_augment_info info;
        kws_augment_clip(y, N, &c, NULL, &rng, work, &info);
        CHECK(info.shift >= -1600 && info.shift <= 1600);
        if (info.shift < min_shift)
            min_shift = info.shift;
        if (info.shift > max_shift)
            max_shift = info.shift;
        for (int i = 0; i < N; i++) {
            int src = i - info.shift;
            int16_t want = (src >= 0 && src < N) ? x[src] : 0;
            exact &= y[i] == want;
        }
        /* the burst's energy moved with it: the energy centroid moves by shift */
        double cx = 0, cy = 0, ex = energy(x, N), ey = energy(y, N);
        for (int i = 0; i < N; i++) {
            cx += (double)i * x[i] * x[i];
            cy += (double)i * y[i] * y[i];
        }
        CHECK_NEAR(cy / ey - cx / ex, info.shift, 0.5);
        CHECK_EQ_INT(info.noise, -1);
        CHECK_EQ_INT(info.clipped, 0);
    }
    CHECK(exact);
    CHECK(min_shift < -1200 && max_shift > 1200); /* both directions, most of the range */

    /* a big shift drops the part pushed out and zero-fills the rest */
    int16_t ramp[N];
    for (int i = 0; i < N; i++)
        ramp[i] = (int16_t)(i + 1);
    c.max_shift = 8000;
    kws_rng_seed(&rng, 5);
    kws_augment_info info;
    memcpy(y, ramp, sizeof y);
    kws_augment_clip(y, N, &c, NULL, &rng, work, &info);
    if (info.shift > 0) {
        CHECK_EQ_INT(y[info.shift - 1], 0);
        CHECK_EQ_INT(y[info.shift], 1);
    } else if (info.shift < 0) {
        CHECK_EQ_INT(y[N + info.shift], 0);
        CHECK_EQ_INT(y[0], 1 - info.shift);
    }
}

static void test_noise(void)
{
    /* a bank of two recordings, 10 s each: white noise and a 50 Hz hum */
    static int16_t white[160000], hum[160000];
    uint32_t s = 99;
    for (int i = 0; i < 160000; i++) {
        s = s * 1664525u + 1013904223u;
        white[i] = (int16_t)((int32_t)(s >> 16) - 32768) / 4;
        hum[i] = (int16_t)lrint(6000.0 * sin(2.0 * 3.14159265358979 * 50.0 * i / 16000.0));
    }
    int16_t *samples[2] = {white, hum};
    size_t len[2] = {160000, 160000};
    char *paths[2] = {"white", "hum"};
    kws_noise_bank bank = {2, paths, samples, len};

    int16_t x[N], y[N];
    float work[N];
    make_burst(x);
    kws_augment_config c = none();
    c.noise_prob = 1.0f;
    c.snr_lo_db = 5.0f;
    c.snr_hi_db = 15.0f;
    kws_rng rng;
    kws_rng_seed(&rng, 2);
    float lo = 100, hi = -100;
    int used[2] = {0, 0};
    for (int trial = 0; trial < 200; trial++) {
        memcpy(y, x, sizeof y);
        kws_augment_info info;
        kws_augment_clip(y, N, &c, &bank, &rng, work, &info);
        CHECK(info.noise == 0 || info.noise == 1);
        if (info.noise < 0)
            continue;
        used[info.noise]++;
        size_t a, e;
        kws_noise_region(&bank, info.noise, KWS_SPLIT_TRAIN, &a, &e);
        CHECK(info.noise_offset >= a && info.noise_offset + N <= e);
        CHECK(info.snr_db >= 5.0f && info.snr_db <= 15.0f);
        double sig = energy(x, N), nz = 0;
        for (int i = 0; i < N; i++)
            nz += ((double)y[i] - x[i]) * ((double)y[i] - x[i]);
        double snr = 10.0 * log10(sig / nz);
        CHECK_NEAR(snr, info.snr_db, 0.05); /* int16 rounding only */
        CHECK(snr > 4.95 && snr < 15.05);
        if (snr < lo)
            lo = (float)snr;
        if (snr > hi)
            hi = (float)snr;
    }
    CHECK(lo < 6.0f && hi > 14.0f); /* spread over the range */
    CHECK(used[0] > 50 && used[1] > 50);

    /* regions: train 80 %, val 10 %, test 10 %, contiguous */
    size_t a, b;
    kws_noise_region(&bank, 0, KWS_SPLIT_TRAIN, &a, &b);
    CHECK_EQ_INT(a, 0);
    CHECK_EQ_INT(b, 128000);
    kws_noise_region(&bank, 0, KWS_SPLIT_VAL, &a, &b);
    CHECK_EQ_INT(a, 128000);
    CHECK_EQ_INT(b, 144000);
    kws_noise_region(&bank, 0, KWS_SPLIT_TEST, &a, &b);
    CHECK_EQ_INT(a, 144000);
    CHECK_EQ_INT(b, 160000);

    /* probability: about half the clips get noise at p = 0.5 */
    c.noise_prob = 0.5f;
    int mixed = 0;
    for (int trial = 0; trial < 400; trial++) {
        memcpy(y, x, sizeof y);
        kws_augment_info info;
        kws_augment_clip(y, N, &c, &bank, &rng, work, &info);
        mixed += info.noise >= 0;
    }
    CHECK(mixed > 150 && mixed < 250);

    /* an all-zero clip has no level to mix against: left alone */
    c.noise_prob = 1.0f;
    memset(y, 0, sizeof y);
    kws_augment_info info;
    kws_augment_clip(y, N, &c, &bank, &rng, work, &info);
    CHECK_EQ_INT(info.noise, -1);
    CHECK_EQ_INT(energy(y, N), 0);
    /* an empty bank: no noise, no crash */
    kws_noise_bank emptyb = {0, NULL, NULL, NULL};
    memcpy(y, x, sizeof y);
    kws_augment_clip(y, N, &c, &emptyb, &rng, work, &info);
    CHECK_EQ_INT(info.noise, -1);
    CHECK(memcmp(x, y, sizeof y) == 0);
}

static void test_gain(void)
{
    int16_t x[N], y[N];
    float work[N];
    make_burst(x);
    kws_augment_config c = none();
    c.gain_lo_db = -6.0f;
    c.gain_hi_db = 6.0f;
    kws_rng rng;
    kws_rng_seed(&rng, 3);
    float lo = 100, hi = -100;
    for (int trial = 0; trial < 100; trial++) {
        memcpy(y, x, sizeof y);
        kws_augment_info info;
        kws_augment_clip(y, N, &c, NULL, &rng, work, &info);
        CHECK(info.gain_db >= -6.0f && info.gain_db <= 6.0f);
        double ratio_db = 10.0 * log10(energy(y, N) / energy(x, N));
        CHECK_NEAR(ratio_db, info.gain_db, 0.01);
        CHECK_EQ_INT(info.clipped, 0); /* 8000 * 2 < 32767 */
        if (info.gain_db < lo)
            lo = info.gain_db;
        if (info.gain_db > hi)
            hi = info.gain_db;
    }
    CHECK(lo < -4.0f && hi > 4.0f);

    /* +20 dB on an 8000 peak clips, and says so */
    c.gain_lo_db = c.gain_hi_db = 20.0f;
    memcpy(y, x, sizeof y);
    kws_augment_info info;
    kws_augment_clip(y, N, &c, NULL, &rng, work, &info);
    CHECK(info.clipped > 1000);
    int16_t peak = 0;
    for (int i = 0; i < N; i++)
        if (y[i] > peak)
            peak = y[i];
    CHECK_EQ_INT(peak, 32767);

    /* nothing enabled: the clip comes back unchanged */
    c = none();
    memcpy(y, x, sizeof y);
    kws_augment_clip(y, N, &c, NULL, &rng, work, NULL);
    CHECK(memcmp(x, y, sizeof y) == 0);
}

static void test_seeded(void)
{
    int16_t x[N], y1[N], y2[N];
    float work[N];
    static int16_t white[40000];
    for (int i = 0; i < 40000; i++)
        white[i] = (int16_t)((i * 7919) % 4001 - 2000);
    int16_t *samples[1] = {white};
    size_t len[1] = {40000};
    char *paths[1] = {"w"};
    kws_noise_bank bank = {1, paths, samples, len};
    make_burst(x);
    kws_augment_config c = kws_augment_config_default();
    kws_rng r1, r2;
    kws_rng_seed(&r1, 42);
    kws_rng_seed(&r2, 42);
    memcpy(y1, x, sizeof x);
    memcpy(y2, x, sizeof x);
    kws_augment_clip(y1, N, &c, &bank, &r1, work, NULL);
    kws_augment_clip(y2, N, &c, &bank, &r2, work, NULL);
    CHECK(memcmp(y1, y2, sizeof y1) == 0);
    kws_augment_clip(y2, N, &c, &bank, &r2, work, NULL); /* the next draw differs */
    CHECK(memcmp(y1, y2, sizeof y1) != 0);
    kws_augment_config d = kws_augment_config_default();
    CHECK_EQ_INT(d.max_shift, 1600);
    CHECK(d.snr_lo_db < d.snr_hi_db && d.gain_lo_db < d.gain_hi_db);
}

int main(void)
{
    test_clip_fit();
    test_shift();
    test_noise();
    test_gain();
    test_seeded();
    return test_summary("test_data_augment");
}
