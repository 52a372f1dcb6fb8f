/* effects.c - the variation applied to an engine's output, in float:
 * speed perturbation (resampling), biquad band limiting, a small-room
 * reverb, silence trimming, peak level and a noise floor. Randomness only
 * through the caller's kws_rng; the choice of effects per clip is synth.c's.
 *
 * Filters are RBJ-cookbook biquads in transposed direct form II; higher
 * orders are cascades with Butterworth Qs, so the pass band stays flat:
 *
 *   order 4: Q = 0.5412, 1.3066        order 6: Q = 0.5176, 0.7071, 1.9319
 *
 * The reverb is Schroeder's: four parallel feedback combs (delays of 10-37
 * ms, gains set for the requested RT60) into two series all-passes, mixed
 * with the dry signal. */
#include "kws/synth.h"

#include <math.h>
#include <string.h>

#include "kws/audio.h"

#define PI_F 3.14159265358979f

static void biquad_set(kws_biquad *f, float b0, float b1, float b2, float a0, float a1, float a2)
{
    f->b0 = b0 / a0;
    f->b1 = b1 / a0;
    f->b2 = b2 / a0;
    f->a1 = a1 / a0;
    f->a2 = a2 / a0;
    f->z1 = f->z2 = 0.0f;
}

void kws_biquad_lowpass(kws_biquad *f, float fc_hz, float q, int rate)
{
    float w0 = 2.0f * PI_F * fc_hz / (float)rate;
    float c = cosf(w0), alpha = sinf(w0) / (2.0f * q);
    biquad_set(f, (1.0f - c) * 0.5f, 1.0f - c, (1.0f - c) * 0.5f, 1.0f + alpha, -2.0f * c,
               1.0f - alpha);
}

void kws_biquad_highpass(kws_biquad *f, float fc_hz, float q, int rate)
{
    float w0 = 2.0f * PI_F * fc_hz / (float)rate;
    float c = cosf(w0), alpha = sinf(w0) / (2.0f * q);
    biquad_set(f, (1.0f + c) * 0.5f, -(1.0f + c), (1.0f + c) * 0.5f, 1.0f + alpha, -2.0f * c,
               1.0f - alpha);
}

void kws_biquad_run(kws_biquad *f, float *x, size_t n)
{
    float z1 = f->z1, z2 = f->z2;
    for (size_t i = 0; i < n; i++) {
        float in = x[i];
        float y = f->b0 * in + z1;
        z1 = f->b1 * in - f->a1 * y + z2;
        z2 = f->b2 * in - f->a2 * y;
        x[i] = y;
    }
    f->z1 = z1;
    f->z2 = z2;
}

static const float q4[2] = {0.5412f, 1.3066f};
static const float q6[3] = {0.5176f, 0.7071f, 1.9319f};

void kws_synth_telephone(float *x, size_t n, int rate)
{
    kws_biquad f;
    for (int s = 0; s < 3; s++) {
        kws_biquad_highpass(&f, 300.0f, q6[s], rate);
        kws_biquad_run(&f, x, n);
        kws_biquad_lowpass(&f, 3400.0f, q6[s], rate);
        kws_biquad_run(&f, x, n);
    }
}

void kws_synth_lowpass(float *x, size_t n, int rate, float fc_hz)
{
    kws_biquad f;
    for (int s = 0; s < 2; s++) {
        kws_biquad_lowpass(&f, fc_hz, q4[s], rate);
        kws_biquad_run(&f, x, n);
    }
}

void kws_synth_highpass(float *x, size_t n, int rate, float fc_hz)
{
    kws_biquad f;
    for (int s = 0; s < 2; s++) {
        kws_biquad_highpass(&f, fc_hz, q4[s], rate);
        kws_biquad_run(&f, x, n);
    }
}

/* ---- reverb ---------------------------------------------------------------- */

#define REV_BUF 4096 /* longest delay line, samples (37 ms at up to 96 kHz) */

size_t kws_synth_reverb_tail(float rt60_s, int rate)
{
    return (size_t)(rt60_s * (float)rate);
}

void kws_synth_reverb(float *x, size_t n_total, int rate, float rt60_s, float room, float wet)
{
    static const float comb_ms[4] = {29.7f, 37.1f, 41.1f, 43.7f};
    static const float ap_ms[2] = {5.0f, 1.7f};
    float comb[4][REV_BUF], ap[2][REV_BUF];
    int clen[4], alen[2], cpos[4] = {0}, apos[2] = {0};
    float cg[4];
    float scale = 0.25f + 0.6f * room; /* comb delays 7..37 ms */
    for (int k = 0; k < 4; k++) {
        int d = (int)(comb_ms[k] * scale * 1e-3f * (float)rate);
        clen[k] = d < 1 ? 1 : d >= REV_BUF ? REV_BUF - 1 : d;
        cg[k] = powf(10.0f, -3.0f * ((float)clen[k] / (float)rate) / rt60_s);
        memset(comb[k], 0, (size_t)clen[k] * sizeof(float));
    }
    for (int k = 0; k < 2; k++) {
        int d = (int)(ap_ms[k] * 1e-3f * (float)rate);
        alen[k] = d < 1 ? 1 : d >= REV_BUF ? REV_BUF - 1 : d;
        memset(ap[k], 0, (size_t)alen[k] * sizeof(float));
    }
    for (size_t i = 0; i < n_total; i++) {
        float in = x[i], sum = 0.0f;
        for (int k = 0; k < 4; k++) {
            float y = comb[k][cpos[k]];
            comb[k][cpos[k]] = in + cg[k] * y;
            cpos[k] = cpos[k] + 1 == clen[k] ? 0 : cpos[k] + 1;
            sum += y;
        }
        float y = sum * 0.25f;
        for (int k = 0; k < 2; k++) {
            float b = ap[k][apos[k]];
            float v = y + 0.7f * b;
            ap[k][apos[k]] = v;
            apos[k] = apos[k] + 1 == alen[k] ? 0 : apos[k] + 1;
            y = b - 0.7f * v;
        }
        x[i] = (1.0f - wet) * in + wet * y;
    }
}

/* ---- speed, trim, level, noise -------------------------------------------- */

kws_status kws_synth_speed(const float *x, size_t n, int rate_in, float factor, float **out,
                           size_t *n_out, kws_error *err)
{
    int eff = (int)lroundf((float)rate_in * factor);
    return kws_audio_resample(x, n, eff, KWS_SAMPLE_RATE, out, n_out, err);
}

size_t kws_synth_trim(const float *x, size_t n, float rel_db, size_t *start)
{
    const size_t blk = KWS_SAMPLE_RATE / 200; /* 5 ms */
    float peak = 0.0f;
    for (size_t i = 0; i < n; i++)
        peak = fmaxf(peak, fabsf(x[i]));
    *start = 0;
    if (peak <= 0.0f)
        return 0;
    float thr = peak * powf(10.0f, rel_db / 20.0f);
    size_t first = n, last = 0;
    for (size_t b = 0; b < n; b += blk) {
        size_t e = b + blk < n ? b + blk : n;
        float m = 0.0f;
        for (size_t i = b; i < e; i++)
            m = fmaxf(m, fabsf(x[i]));
        if (m >= thr) {
            if (first == n)
                first = b;
            last = e;
        }
    }
    *start = first;
    return last - first;
}

float kws_synth_peak_dbfs(const float *x, size_t n)
{
    float peak = 0.0f;
    for (size_t i = 0; i < n; i++)
        peak = fmaxf(peak, fabsf(x[i]));
    return peak > 0.0f ? 20.0f * log10f(peak) : -INFINITY;
}

void kws_synth_set_peak(float *x, size_t n, float peak_dbfs)
{
    float now = kws_synth_peak_dbfs(x, n);
    if (!isfinite(now))
        return;
    float g = powf(10.0f, (peak_dbfs - now) / 20.0f);
    for (size_t i = 0; i < n; i++)
        x[i] *= g;
}

void kws_synth_noise_floor(float *x, size_t n, float rms_dbfs, kws_rng *rng)
{
    float sd = powf(10.0f, rms_dbfs / 20.0f);
    for (size_t i = 0; i < n; i++)
        x[i] += sd * kws_rng_normal(rng);
}
