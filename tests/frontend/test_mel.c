/* test_mel.c - the MFCC tables: mel filter bank, window and DCT.
 *
 * Filter bank properties, for the default configuration and a few others:
 *   - weights in [0, 1], stored runs contain no zero weight;
 *   - every weight equals an independent libm evaluation of the HTK
 *     triangle (mel = 2595 log10(1 + f/700), centres evenly spaced in mel),
 *     within 1e-6; each filter peaks on one of the two bins around its
 *     centre;
 *   - each FFT bin is in at most 2 filters; between the first and the last
 *     centre the weights of a bin sum to 1 (adjacent triangles meet);
 *   - triangles are ordered (first and last bins nondecreasing) and each
 *     overlaps the next;
 *   - default configuration: equal to torchaudio's melscale_fbanks from the
 *     golden file within 1e-5, window equal to torch.hann_window / 32768
 *     within 5e-7. torch builds both in float32 (its Hz points carry ~5e-4 Hz
 *     of rounding, i.e. ~5e-6 of a 100 Hz slope; its window is 1.9e-7 off
 *     the exact sin^2); kws builds them in double and rounds once.
 * DCT: rows orthonormal (n_mfcc = n_mels = 40) within 1e-6.
 */
#include <string.h>
#include "kws/mfcc.h"
#include "tests/frontend/golden.h"
#include "tests/test.h"

#define MAX_BINS (KWS_MFCC_MAX_FRAME / 2 + 1)

static double arena[16384];                 /* 128 KB, 8-byte aligned */

static double hz_to_mel(double f) { return 2595.0 * log10(1.0 + f / 700.0); }
static double mel_to_hz(double m) { return 700.0 * (pow(10.0, m / 2595.0) - 1.0); }

/* Hz point i of the n_mels + 2 points. */
static double mel_point(const kws_mfcc_config *c, int i)
{
    double lo = hz_to_mel(c->f_min), hi = hz_to_mel(c->f_max);
    return mel_to_hz(lo + (hi - lo) * i / (c->n_mels + 1));
}

static double expected_weight(const kws_mfcc_config *c, int m, int k)
{
    double f = k * (double)(c->sample_rate / 2) / (c->frame_len / 2);
    double h0 = mel_point(c, m), h1 = mel_point(c, m + 1), h2 = mel_point(c, m + 2);
    double w = fmin((f - h0) / (h1 - h0), (h2 - f) / (h2 - h1));
    return w > 0.0 ? w : 0.0;
}

/* Dense (n_bins, n_mels) copy of the sparse filters. */
static void densify(const kws_mfcc *m, double *dense)
{
    int n_bins = m->cfg.frame_len / 2 + 1, j, i;
    const float *w = m->mel_weight;
    memset(dense, 0, sizeof(double) * (size_t)n_bins * (size_t)m->cfg.n_mels);
    for (j = 0; j < m->cfg.n_mels; j++) {
        for (i = 0; i < m->mel_count[j]; i++)
            dense[(m->mel_first[j] + i) * m->cfg.n_mels + j] = w[i];
        w += m->mel_count[j];
    }
}

static void check_bank(const kws_mfcc_config *c, const char *label)
{
    static double dense[MAX_BINS * 256];
    kws_mfcc m;
    int n_bins = c->frame_len / 2 + 1, j, k, bad_formula = 0, bad_peak = 0;
    int bad_range = 0, bad_multi = 0, bad_sum = 0, bad_order = 0, bad_overlap = 0;
    double max_diff = 0.0;
    double bin_hz = (double)(c->sample_rate / 2) / (c->frame_len / 2);

    CHECK_EQ_INT(kws_mfcc_init(&m, c, arena, sizeof arena), KWS_OK);
    densify(&m, dense);
    for (j = 0; j < c->n_mels; j++) {
        const float *w = m.mel_weight;
        int i, best = -1;
        double centre = mel_point(c, j + 1), best_w = -1.0;
        for (i = 0; i < j; i++)
            w += m.mel_count[i];
        for (i = 0; i < m.mel_count[j]; i++) {
            if (!(w[i] > 0.0f && w[i] <= 1.0f))
                bad_range++;
            if (w[i] > best_w)
                best_w = w[i], best = m.mel_first[j] + i;
        }
        for (k = 0; k < n_bins; k++) {
            double d = fabs(dense[k * c->n_mels + j] - expected_weight(c, j, k));
            if (d > max_diff)
                max_diff = d;
            if (d > 1e-6)
                bad_formula++;
        }
        /* peak on one of the two bins around the centre (the slopes differ,
         * so not always the nearest), with the triangle's value there */
        if (m.mel_count[j] > 0) {
            int below = (int)floor(centre / bin_hz);
            if ((best != below && best != below + 1) ||
                fabs(best_w - expected_weight(c, j, best)) > 1e-6)
                bad_peak++;
        } else {
            bad_peak++;                     /* every filter has a bin here */
        }
        if (j + 1 < c->n_mels) {
            int last = m.mel_first[j] + m.mel_count[j] - 1;
            int next_last = m.mel_first[j + 1] + m.mel_count[j + 1] - 1;
            if (m.mel_first[j + 1] < m.mel_first[j] || next_last < last)
                bad_order++;
            if (m.mel_first[j + 1] > last)  /* overlap: next starts before this ends */
                bad_overlap++;
        }
    }
    for (k = 0; k < n_bins; k++) {
        int in = 0;
        double sum = 0.0, f = k * bin_hz;
        for (j = 0; j < c->n_mels; j++) {
            in += dense[k * c->n_mels + j] > 0.0;
            sum += dense[k * c->n_mels + j];
        }
        if (in > 2)
            bad_multi++;
        if (f >= mel_point(c, 1) && f <= mel_point(c, c->n_mels) && fabs(sum - 1.0) > 1e-6)
            bad_sum++;
    }
    printf("%s: %d mels over %d bins, max |w - libm HTK| %.3g\n", label, c->n_mels, n_bins, max_diff);
    CHECK_EQ_INT(bad_range, 0);
    CHECK_EQ_INT(bad_formula, 0);
    CHECK_EQ_INT(bad_peak, 0);
    CHECK_EQ_INT(bad_multi, 0);
    CHECK_EQ_INT(bad_sum, 0);
    CHECK_EQ_INT(bad_order, 0);
    CHECK_EQ_INT(bad_overlap, 0);
}

static void check_torchaudio(void)
{
    static double dense[MAX_BINS * 256];
    char path[1024];
    golden g;
    kws_mfcc m;
    kws_mfcc_config c = kws_mfcc_config_default();
    double max_fb = 0.0, max_win = 0.0;
    int i;

    if (!CHECK(golden_load(&g, test_data_path("mfcc_golden.bin", path, sizeof path))))
        return;
    CHECK_EQ_INT(g.frame_len, c.frame_len);
    CHECK_EQ_INT(g.n_mels, c.n_mels);
    CHECK_EQ_INT(kws_mfcc_init(&m, &c, arena, sizeof arena), KWS_OK);
    densify(&m, dense);
    for (i = 0; i < (c.frame_len / 2 + 1) * c.n_mels; i++)
        max_fb = fmax(max_fb, fabs(dense[i] - g.fbank[i]));
    for (i = 0; i < c.frame_len; i++)
        max_win = fmax(max_win, fabs(m.window[i] * 32768.0 - g.window[i]));
    printf("vs torchaudio: filter bank max diff %.3g, window max diff %.3g\n", max_fb, max_win);
    CHECK(max_fb <= 1e-5);
    CHECK(max_win <= 5e-7);
    golden_free(&g);
}

static void check_dct(void)
{
    kws_mfcc m;
    kws_mfcc_config c = kws_mfcc_config_default();
    double max_err = 0.0;
    int a, b, j;
    c.n_mfcc = c.n_mels;
    CHECK_EQ_INT(kws_mfcc_init(&m, &c, arena, sizeof arena), KWS_OK);
    for (a = 0; a < c.n_mfcc; a++)
        for (b = 0; b < c.n_mfcc; b++) {
            double dot = 0.0;
            for (j = 0; j < c.n_mels; j++)
                dot += (double)m.dct[a * c.n_mels + j] * m.dct[b * c.n_mels + j];
            max_err = fmax(max_err, fabs(dot - (a == b)));
        }
    printf("DCT: max |D D^T - I| %.3g\n", max_err);
    CHECK(max_err <= 1e-6);
    CHECK_NEAR(m.dct[0], 1.0 / sqrt(40.0), 1e-8);
}

int main(void)
{
    kws_mfcc_config c = kws_mfcc_config_default();
    check_bank(&c, "default");
    c.f_min = 0.0f;
    c.n_mels = 64;
    c.frame_len = 1024;
    check_bank(&c, "1024-point, 64 mels, 0..8000 Hz");
    c = kws_mfcc_config_default();
    c.sample_rate = 8000;
    c.f_max = 3800.0f;
    c.n_mels = 23;
    c.n_mfcc = 13;
    c.frame_len = 256;
    check_bank(&c, "8 kHz, 256-point, 23 mels, 20..3800 Hz");
    check_torchaudio();
    check_dct();
    return test_summary("test_mel");
}
