/* features.c - MFCC features of one clip, the network's input window and the
 * normalization statistics. The MFCC itself is the front end's
 * (kws/mfcc.h); this file only arranges its columns.
 *
 *   feat (n_frames = 61, n_mfcc = 38), time-major      x (38, 55), coefficient-major
 *   f=0  [c0 c1 ... c37]                                c=0  [t0 t1 ... t54]
 *   ...                       ──window first..first+54─► ...
 *   f=60 [c0 c1 ... c37]          transpose, z-score     c=37 [t0 t1 ... t54]
 */
#include "data_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define KWS_FEATURE_FORMAT 1 /* bump when clip fitting or feature layout changes */

kws_feature_config kws_feature_config_default(void)
{
    kws_feature_config c;
    memset(&c, 0, sizeof c);
    c.mfcc = kws_mfcc_config_default();
    c.n_frames = kws_mfcc_num_frames(&c.mfcc, KWS_CLIP_SAMPLES);
    c.window_cols = 55;
    c.window_first = -1;
    return c;
}

kws_status kws_feature_config_resolve(kws_feature_config *cfg, kws_error *err)
{
    if (kws_mfcc_config_check(&cfg->mfcc) != KWS_OK)
        return kws_error_set(err, KWS_ERR_ARG, "invalid MFCC configuration");
    if (cfg->mfcc.n_mfcc < 1 || cfg->mfcc.n_mfcc > KWS_MAX_COEFFS)
        return kws_error_set(err, KWS_ERR_ARG, "n_mfcc %d: at most %d coefficients",
                             cfg->mfcc.n_mfcc, KWS_MAX_COEFFS);
    int frames = kws_mfcc_num_frames(&cfg->mfcc, KWS_CLIP_SAMPLES);
    if (cfg->n_frames != frames)
        return kws_error_set(err, KWS_ERR_SHAPE,
                             "feature config: %d frames, but a %d-sample clip has %d",
                             cfg->n_frames, KWS_CLIP_SAMPLES, frames);
    if (cfg->window_cols < 1 || cfg->window_cols > frames)
        return kws_error_set(err, KWS_ERR_SHAPE, "window of %d columns in a %d-column clip",
                             cfg->window_cols, frames);
    if (cfg->window_first < 0)
        cfg->window_first = (frames - cfg->window_cols) / 2;
    if (cfg->window_first + cfg->window_cols > frames)
        return kws_error_set(err, KWS_ERR_SHAPE, "window columns %d..%d outside 0..%d",
                             cfg->window_first, cfg->window_first + cfg->window_cols - 1,
                             frames - 1);
    return KWS_OK;
}

static uint64_t hash_float(uint64_t h, float f)
{
    uint32_t b;
    memcpy(&b, &f, sizeof b);
    return kws_hash_u64(h, b);
}

uint64_t kws_feature_config_hash(const kws_feature_config *cfg)
{
    const kws_mfcc_config *m = &cfg->mfcc;
    uint64_t h = kws_hash_str(KWS_FNV_OFFSET, "kws-features");
    h = kws_hash_u64(h, KWS_FEATURE_FORMAT);
    h = kws_hash_u64(h, KWS_CLIP_SAMPLES);
    h = kws_hash_u64(h, (uint64_t)m->sample_rate);
    h = kws_hash_u64(h, (uint64_t)m->frame_len);
    h = kws_hash_u64(h, (uint64_t)m->hop_len);
    h = kws_hash_u64(h, (uint64_t)m->n_mels);
    h = kws_hash_u64(h, (uint64_t)m->n_mfcc);
    h = hash_float(h, m->f_min);
    h = hash_float(h, m->f_max);
    h = hash_float(h, m->log_floor);
    h = kws_hash_u64(h, (uint64_t)cfg->n_frames);
    return h;
}

size_t kws_features_size(const kws_feature_config *cfg)
{
    return (size_t)cfg->n_frames * (size_t)cfg->mfcc.n_mfcc;
}

kws_status kws_featurizer_init(kws_featurizer *f, const kws_feature_config *cfg,
                               kws_error *err)
{
    memset(f, 0, sizeof *f);
    f->cfg = *cfg;
    kws_status st = kws_feature_config_resolve(&f->cfg, err);
    if (st != KWS_OK)
        return st;
    size_t bytes = kws_mfcc_arena_size(&f->cfg.mfcc);
    f->arena = malloc(bytes ? bytes : 1); /* malloc aligns to 16 bytes */
    f->clip = (int16_t *)malloc(KWS_CLIP_SAMPLES * sizeof *f->clip);
    f->work = (float *)malloc(KWS_CLIP_SAMPLES * sizeof *f->work);
    if (!f->arena || !f->clip || !f->work) {
        kws_featurizer_free(f);
        return kws_error_set(err, KWS_ERR_NOMEM, "out of memory");
    }
    st = kws_mfcc_init(&f->mfcc, &f->cfg.mfcc, f->arena, bytes);
    if (st != KWS_OK) {
        kws_featurizer_free(f);
        return kws_error_set(err, st, "MFCC init failed: %s", kws_status_str(st));
    }
    return KWS_OK;
}

void kws_featurizer_free(kws_featurizer *f)
{
    free(f->arena);
    free(f->clip);
    free(f->work);
    memset(f, 0, sizeof *f);
}

void kws_features_compute(kws_featurizer *f, const int16_t *pcm, float *out)
{
    int got = kws_mfcc_compute(&f->mfcc, pcm, KWS_CLIP_SAMPLES, out, f->cfg.n_frames);
    if (got < f->cfg.n_frames) /* cannot happen for a resolved config; keep it defined */
        memset(out + (size_t)got * f->cfg.mfcc.n_mfcc, 0,
               (size_t)(f->cfg.n_frames - got) * f->cfg.mfcc.n_mfcc * sizeof *out);
}

kws_status kws_features_item(kws_featurizer *f, const kws_dataset *ds, size_t i,
                             const kws_augment_config *aug, kws_rng *rng, float *out,
                             kws_error *err)
{
    const kws_item *it = i < ds->n_items ? &ds->items[i] : NULL;
    kws_status st = KWS_OK;
    if (aug && it && it->kind == KWS_ITEM_NOISE && it->split == KWS_SPLIT_TRAIN &&
        ds->noise.n > 0) {
        /* a fresh slice of the training region of a random recording */
        int k = kws_rng_below(rng, ds->noise.n);
        size_t s, e;
        kws_noise_region(&ds->noise, k, KWS_SPLIT_TRAIN, &s, &e);
        if (e - s >= KWS_CLIP_SAMPLES) {
            size_t off = s + (size_t)(kws_rng_u64(rng) % (e - s - KWS_CLIP_SAMPLES + 1));
            memcpy(f->clip, ds->noise.samples[k] + off, KWS_CLIP_SAMPLES * sizeof *f->clip);
        } else {
            st = kws_clip_load(ds, i, f->clip, err);
        }
    } else {
        st = kws_clip_load(ds, i, f->clip, err);
    }
    if (st != KWS_OK)
        return st;
    if (aug)
        kws_augment_clip(f->clip, KWS_CLIP_SAMPLES, aug, &ds->noise, rng, f->work, NULL);
    kws_features_compute(f, f->clip, out);
    return KWS_OK;
}

void kws_norm_identity(kws_norm *nm, int n)
{
    memset(nm, 0, sizeof *nm);
    nm->n = n;
    for (int c = 0; c < n && c < KWS_MAX_COEFFS; c++)
        nm->std[c] = 1.0f;
}

void kws_features_window(const kws_feature_config *cfg, const float *feat,
                         const kws_norm *norm, float *out)
{
    const int C = cfg->mfcc.n_mfcc, T = cfg->window_cols;
    const float *w = feat + (size_t)cfg->window_first * C;
    for (int c = 0; c < C; c++) {
        float mean = norm ? norm->mean[c] : 0.0f;
        float inv = norm ? 1.0f / norm->std[c] : 1.0f;
        for (int t = 0; t < T; t++)
            out[c * T + t] = (w[t * C + c] - mean) * inv;
    }
}

kws_status kws_norm_compute(kws_norm *nm, const kws_feature_store *fs, const size_t *items,
                            size_t n_items, kws_error *err)
{
    const kws_feature_config *cfg = &fs->cfg;
    const int C = cfg->mfcc.n_mfcc, T = cfg->window_cols;
    if (n_items == 0)
        return kws_error_set(err, KWS_ERR_ARG, "normalization over an empty split");
    double sum[KWS_MAX_COEFFS] = {0}, sum2[KWS_MAX_COEFFS] = {0};
    /* shifted sums (relative to the first item's column mean) keep the
     * variance accurate when |mean| >> std, as for c0 */
    double ref[KWS_MAX_COEFFS] = {0};
    const float *f0 = kws_feature_store_item(fs, items[0]) + (size_t)cfg->window_first * C;
    for (int t = 0; t < T; t++)
        for (int c = 0; c < C; c++)
            ref[c] += f0[t * C + c];
    for (int c = 0; c < C; c++)
        ref[c] /= T;
    for (size_t k = 0; k < n_items; k++) {
        const float *f = kws_feature_store_item(fs, items[k]) + (size_t)cfg->window_first * C;
        for (int t = 0; t < T; t++)
            for (int c = 0; c < C; c++) {
                double d = (double)f[t * C + c] - ref[c];
                sum[c] += d;
                sum2[c] += d * d;
            }
    }
    double n = (double)n_items * T;
    kws_norm_identity(nm, C);
    for (int c = 0; c < C; c++) {
        double m = sum[c] / n;
        double var = sum2[c] / n - m * m;
        double sd = var > 0.0 ? sqrt(var) : 0.0;
        nm->mean[c] = (float)(ref[c] + m);
        nm->std[c] = sd < KWS_NORM_STD_FLOOR ? KWS_NORM_STD_FLOOR : (float)sd;
    }
    return KWS_OK;
}
