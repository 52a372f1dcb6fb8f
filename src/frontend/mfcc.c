/* mfcc.c - MFCC tables (window, sparse mel filters, DCT) and the per-frame
 * chain: window -> |rFFT|^2 -> mel -> log -> DCT-II (see kws/mfcc.h).
 *
 * Tables are computed once, in double, with kmath's deterministic
 * functions, following torchaudio's definitions:
 *   window[t]  = sin^2(pi t / N) / 32768          (periodic Hann, int16 scale)
 *   bin freq   = k * (sample_rate / 2) / (N / 2)  (integer sample_rate / 2)
 *   mel(f)     = 2595 log10(1 + f / 700)          (HTK)
 *   filter m   = triangle over Hz points h[m], h[m+1], h[m+2], with h the
 *                inverse mel of n_mels + 2 points evenly spaced in mel
 *                from mel(f_min) to mel(f_max); peak 1 at h[m+1], no area
 *                normalization (torchaudio norm=None)
 *   dct[c][j]  = sqrt(2 / n_mels) cos(pi / n_mels (j + 0.5) c), row 0
 *                times 1/sqrt(2)                  (orthonormal DCT-II)
 * The per-frame path is float only: no double, no libm, no allocation.
 */
#include "kws/mfcc.h"

#include <float.h>
#include <limits.h>
#include <stdint.h>
#include "kws/kmath.h"

#define ALIGN8(b) (((b) + 7u) & ~(size_t)7u)
#define MFCC_MAX_MELS 256

kws_mfcc_config kws_mfcc_config_default(void)
{
    kws_mfcc_config c;
    c.sample_rate = 16000;
    c.frame_len = 512;
    c.hop_len = 256;
    c.n_mels = 40;
    c.n_mfcc = 38;
    c.f_min = 20.0f;
    c.f_max = 8000.0f;
    c.log_floor = 1e-6f;
    return c;
}

static int is_pow2(int n)
{
    return n > 0 && (n & (n - 1)) == 0;
}

kws_status kws_mfcc_config_check(const kws_mfcc_config *c)
{
    if (!c)
        return KWS_ERR_ARG;
    if (c->sample_rate < 1000 || c->sample_rate > 192000)
        return KWS_ERR_ARG;
    if (!is_pow2(c->frame_len) || c->frame_len < 16 || c->frame_len > KWS_MFCC_MAX_FRAME)
        return KWS_ERR_ARG;
    if (c->hop_len < 1 || c->hop_len > c->frame_len)
        return KWS_ERR_ARG;
    if (c->n_mels < 1 || c->n_mels > MFCC_MAX_MELS || c->n_mfcc < 1 || c->n_mfcc > c->n_mels)
        return KWS_ERR_ARG;
    /* written so that NaN fails every test */
    if (!(c->f_min >= 0.0f) || !(c->f_max > c->f_min) ||
        !(c->f_max <= (float)(c->sample_rate / 2)))  /* exact: < 2^24 */
        return KWS_ERR_ARG;
    if (!(c->log_floor > 0.0f && c->log_floor <= FLT_MAX))
        return KWS_ERR_ARG;
    return KWS_OK;
}

/* ---- mel filter bank (init time, double) -------------------------------- */

typedef struct {
    double mel_min, mel_step; /* mel point i = mel_min + i * mel_step */
    double ln10;              /* ln(10): log10(x) = ln(x) / ln10 */
    double bin_hz;            /* Hz per FFT bin */
    int n_bins;               /* frame_len / 2 + 1 */
} mel_scale;

static double hz_to_mel(double hz, double ln10)
{
    return 2595.0 * kws_log(1.0 + hz / 700.0) / ln10;
}

static double mel_to_hz(double mel, double ln10)
{
    return 700.0 * (kws_exp(mel * ln10 / 2595.0) - 1.0);
}

static mel_scale mel_scale_make(const kws_mfcc_config *c)
{
    mel_scale s;
    double lo, hi;
    s.ln10 = kws_log(10.0);
    lo = hz_to_mel(c->f_min, s.ln10);
    hi = hz_to_mel(c->f_max, s.ln10);
    s.mel_min = lo;
    s.mel_step = (hi - lo) / (c->n_mels + 1);
    s.n_bins = c->frame_len / 2 + 1;
    s.bin_hz = (double)(c->sample_rate / 2) / (s.n_bins - 1);
    return s;
}

/* Hz points of filter m: h[0] < h[1] (peak) < h[2]. */
static void mel_points(const mel_scale *s, int m, double h[3])
{
    int i;
    for (i = 0; i < 3; i++)
        h[i] = mel_to_hz(s->mel_min + (m + i) * s->mel_step, s->ln10);
}

/* Weight of FFT bin k in the triangle h (torchaudio's min of the two slopes). */
static double mel_weight_at(const mel_scale *s, const double h[3], int k)
{
    double f = k * s->bin_hz;
    double down = (f - h[0]) / (h[1] - h[0]);
    double up = (h[2] - f) / (h[2] - h[1]);
    double w = down < up ? down : up;
    return w > 0.0 ? w : 0.0;
}

/* First bin and number of bins with a nonzero weight in filter m
 * (a contiguous run, since the triangle is positive on an interval). */
static void mel_span(const mel_scale *s, int m, int *first, int *count)
{
    double h[3];
    int k, lo, hi;
    mel_points(s, m, h);
    lo = (int)(h[0] / s->bin_hz);
    hi = (int)(h[2] / s->bin_hz) + 1;
    if (hi > s->n_bins - 1)
        hi = s->n_bins - 1;
    *first = 0;
    *count = 0;
    for (k = lo; k <= hi; k++) {
        if (mel_weight_at(s, h, k) > 0.0) {
            if (*count == 0)
                *first = k;
            (*count)++;
        }
    }
}

static int mel_total_weights(const kws_mfcc_config *c)
{
    mel_scale s = mel_scale_make(c);
    int m, total = 0;
    for (m = 0; m < c->n_mels; m++) {
        int first, count;
        mel_span(&s, m, &first, &count);
        total += count;
    }
    return total;
}

/* ---- arena layout ------------------------------------------------------- */

typedef struct {
    size_t fft, window, mel_first, mel_count, mel_weight, dct, frame, spectrum, logmel, total;
} mfcc_layout; /* byte offsets into the arena */

static mfcc_layout mfcc_layout_make(const kws_mfcc_config *c)
{
    mfcc_layout l;
    size_t at = 0;
    size_t fl = (size_t)c->frame_len, nm = (size_t)c->n_mels;
#define TAKE(field, bytes) (l.field = at, at += ALIGN8(bytes))
    TAKE(fft, kws_rfft_arena_size(c->frame_len));
    TAKE(window, fl * sizeof(float));
    TAKE(mel_first, nm * sizeof(int));
    TAKE(mel_count, nm * sizeof(int));
    TAKE(mel_weight, (size_t)mel_total_weights(c) * sizeof(float));
    TAKE(dct, (size_t)c->n_mfcc * nm * sizeof(float));
    TAKE(frame, fl * sizeof(float));
    TAKE(spectrum, (fl + 2) * sizeof(float));
    TAKE(logmel, nm * sizeof(float));
#undef TAKE
    l.total = at;
    return l;
}

size_t kws_mfcc_arena_size(const kws_mfcc_config *cfg)
{
    if (kws_mfcc_config_check(cfg) != KWS_OK)
        return 0;
    return mfcc_layout_make(cfg).total;
}

/* ---- init --------------------------------------------------------------- */

static void window_build(float *w, int n)
{
    int t;
    for (t = 0; t < n; t++) {
        double s = kws_sin(KWS_PI * t / n);
        w[t] = (float)(s * s / 32768.0);
    }
}

static void mel_build(kws_mfcc *m)
{
    const kws_mfcc_config *c = &m->cfg;
    mel_scale s = mel_scale_make(c);
    float *w = m->mel_weight;
    int j, k;
    for (j = 0; j < c->n_mels; j++) {
        double h[3];
        mel_points(&s, j, h);
        mel_span(&s, j, &m->mel_first[j], &m->mel_count[j]);
        for (k = 0; k < m->mel_count[j]; k++)
            *w++ = (float)mel_weight_at(&s, h, m->mel_first[j] + k);
    }
}

static void dct_build(float *dct, int n_mfcc, int n_mels)
{
    double scale = kws_sqrt(2.0 / n_mels), row0 = kws_sqrt(0.5);
    int c, j;
    for (c = 0; c < n_mfcc; c++)
        for (j = 0; j < n_mels; j++) {
            double v = scale * kws_cos(KWS_PI / n_mels * (j + 0.5) * c);
            dct[c * n_mels + j] = (float)(c == 0 ? v * row0 : v);
        }
}

kws_status kws_mfcc_init(kws_mfcc *m, const kws_mfcc_config *cfg,
                         void *arena, size_t arena_size)
{
    unsigned char *a = (unsigned char *)arena;
    mfcc_layout l;
    kws_status st;

    if (!m || !arena || ((uintptr_t)arena & 7u) || kws_mfcc_config_check(cfg) != KWS_OK)
        return KWS_ERR_ARG;
    l = mfcc_layout_make(cfg);
    if (arena_size < l.total)
        return KWS_ERR_ARENA;
    m->cfg = *cfg;
    st = kws_rfft_init(&m->fft, cfg->frame_len, a + l.fft, l.window - l.fft);
    if (st != KWS_OK)
        return st;
    m->window = (float *)(a + l.window);
    m->mel_first = (int *)(a + l.mel_first);
    m->mel_count = (int *)(a + l.mel_count);
    m->mel_weight = (float *)(a + l.mel_weight);
    m->dct = (float *)(a + l.dct);
    m->frame = (float *)(a + l.frame);
    m->spectrum = (float *)(a + l.spectrum);
    m->logmel = (float *)(a + l.logmel);
    window_build(m->window, cfg->frame_len);
    mel_build(m);
    dct_build(m->dct, cfg->n_mfcc, cfg->n_mels);
    return KWS_OK;
}

/* ---- per frame (float only) --------------------------------------------- */

void kws_mfcc_frame(kws_mfcc *m, const int16_t *pcm, float *out)
{
    const int n = m->cfg.frame_len, n_bins = n / 2 + 1;
    const int n_mels = m->cfg.n_mels, n_mfcc = m->cfg.n_mfcc;
    const float log_floor = m->cfg.log_floor;
    float *x = m->frame, *spec = m->spectrum, *logmel = m->logmel;
    const float *w = m->mel_weight;
    int i, j;

    for (i = 0; i < n; i++)
        x[i] = (float)pcm[i] * m->window[i];
    kws_rfft_forward(&m->fft, x, spec);
    for (i = 0; i < n_bins; i++) {          /* power, in place: bin i -> spec[i] */
        float re = spec[2 * i], im = spec[2 * i + 1];
        spec[i] = re * re + im * im;
    }
    for (j = 0; j < n_mels; j++) {
        const float *p = spec + m->mel_first[j];
        int count = m->mel_count[j];
        float e = 0.0f;
        for (i = 0; i < count; i++)
            e += w[i] * p[i];
        w += count;
        logmel[j] = kws_logf(e + log_floor);
    }
    for (i = 0; i < n_mfcc; i++) {
        const float *d = m->dct + i * n_mels;
        float acc = 0.0f;
        for (j = 0; j < n_mels; j++)
            acc += d[j] * logmel[j];
        out[i] = acc;
    }
}

int kws_mfcc_num_frames(const kws_mfcc_config *cfg, size_t n_samples)
{
    size_t frames;
    if (n_samples < (size_t)cfg->frame_len)
        return 0;
    frames = 1 + (n_samples - (size_t)cfg->frame_len) / (size_t)cfg->hop_len;
    return frames > (size_t)INT_MAX ? INT_MAX : (int)frames;
}

int kws_mfcc_compute(kws_mfcc *m, const int16_t *pcm, size_t n_samples,
                     float *out, int max_frames)
{
    int frames = kws_mfcc_num_frames(&m->cfg, n_samples), f;
    if (frames > max_frames)
        frames = max_frames > 0 ? max_frames : 0;
    for (f = 0; f < frames; f++)
        kws_mfcc_frame(m, pcm + (size_t)f * (size_t)m->cfg.hop_len,
                       out + (size_t)f * (size_t)m->cfg.n_mfcc);
    return frames;
}
