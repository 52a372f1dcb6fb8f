/* augment.c - training-time changes to a clip's audio: time shift, mixed
 * background noise at a random SNR, random gain. All in float in [-1, 1),
 * rounded back to int16 once at the end. Randomness comes only from the
 * caller's kws_rng, so a seed fixes the result.
 *
 *   int16 ─► float ─shift (zero fill)─► + a * noise ─► × g ─► int16 (clipped)
 *
 *   a is chosen so 10 log10(mean(clip^2) / mean((a * noise)^2)) = SNR drawn
 *   uniformly in [snr_lo_db, snr_hi_db]; the noise comes from the training
 *   part of a background recording (kws_noise_region). */
#include "data_internal.h"

#include <math.h>
#include <string.h>

#include "kws/audio.h"

kws_augment_config kws_augment_config_default(void)
{
    kws_augment_config c;
    c.max_shift = KWS_CLIP_SAMPLES / 10; /* 100 ms */
    c.noise_prob = 0.8f;
    c.snr_lo_db = 5.0f;
    c.snr_hi_db = 20.0f;
    c.gain_lo_db = -6.0f;
    c.gain_hi_db = 6.0f;
    return c;
}

static float uniform_in(kws_rng *r, float lo, float hi)
{
    return lo + (hi - lo) * kws_rng_uniform(r);
}

/* A random recording whose training region holds n samples, or -1. */
static int pick_noise(const kws_noise_bank *b, size_t n, kws_rng *rng, size_t *offset)
{
    int usable = 0;
    for (int i = 0; i < b->n; i++) {
        size_t s, e;
        kws_noise_region(b, i, KWS_SPLIT_TRAIN, &s, &e);
        usable += e - s >= n;
    }
    if (usable == 0)
        return -1;
    int pick = kws_rng_below(rng, usable);
    for (int i = 0; i < b->n; i++) {
        size_t s, e;
        kws_noise_region(b, i, KWS_SPLIT_TRAIN, &s, &e);
        if (e - s < n)
            continue;
        if (pick-- == 0) {
            *offset = s + (size_t)(kws_rng_u64(rng) % (e - s - n + 1));
            return i;
        }
    }
    return -1;
}

void kws_augment_clip(int16_t *pcm, size_t n, const kws_augment_config *cfg,
                      const kws_noise_bank *noise, kws_rng *rng, float *work,
                      kws_augment_info *info)
{
    kws_augment_info inf;
    memset(&inf, 0, sizeof inf);
    inf.noise = -1;

    /* pass 1: shift into work, and the clip's energy */
    if (cfg->max_shift > 0)
        inf.shift = kws_rng_below(rng, 2 * cfg->max_shift + 1) - cfg->max_shift;
    double ps = 0.0;
    for (size_t i = 0; i < n; i++) {
        long src = (long)i - inf.shift;
        float v = (src >= 0 && (size_t)src < n) ? (float)pcm[src] * (1.0f / 32768.0f) : 0.0f;
        work[i] = v;
        ps += (double)v * v;
    }

    /* pass 2 (if mixing): the noise segment's energy, for the scale a */
    const int16_t *nz = NULL;
    float a = 0.0f;
    if (noise && noise->n > 0 && cfg->noise_prob > 0.0f &&
        kws_rng_uniform(rng) < cfg->noise_prob) {
        size_t off = 0;
        int k = ps > 0.0 ? pick_noise(noise, n, rng, &off) : -1;
        if (k >= 0) {
            const int16_t *seg = noise->samples[k] + off;
            double pn = 0.0;
            for (size_t i = 0; i < n; i++)
                pn += (double)seg[i] * seg[i];
            pn *= 1.0 / (32768.0 * 32768.0);
            if (pn > 0.0) {
                float snr = uniform_in(rng, cfg->snr_lo_db, cfg->snr_hi_db);
                a = (float)sqrt(ps / (pn * pow(10.0, snr / 10.0))) * (1.0f / 32768.0f);
                nz = seg;
                inf.noise = k;
                inf.noise_offset = off;
                inf.snr_db = snr;
            }
        }
    }

    /* pass 3: mix and gain, (clip + a * noise) * g */
    float g = 1.0f;
    if (cfg->gain_lo_db != 0.0f || cfg->gain_hi_db != 0.0f) {
        inf.gain_db = uniform_in(rng, cfg->gain_lo_db, cfg->gain_hi_db);
        g = powf(10.0f, inf.gain_db / 20.0f);
    }
    if (nz)
        for (size_t i = 0; i < n; i++)
            work[i] = (work[i] + a * (float)nz[i]) * g;
    else if (g != 1.0f)
        for (size_t i = 0; i < n; i++)
            work[i] *= g;

    /* pass 4: back to int16 */
    inf.clipped = kws_audio_float_to_s16(work, n, pcm);
    if (info)
        *info = inf;
}
