/* kws/features.h - from a data set item to the network's input (host only).
 *
 *   item ─kws_clip_load─► 16,000 int16 samples (short clips centered in
 *     │                    zeros, long ones cut to their middle second)
 *     │  training with augmentation, per epoch:
 *     ├─kws_augment_clip─► shift ±100 ms (zero fill), + background noise
 *     │                    at a random SNR, × random gain; float, then int16
 *     ▼
 *   kws_features_compute ─► MFCC (61 frames, 38 coefficients), time-major:
 *     │                     feat[f * 38 + c]
 *     │  (unaugmented features of every item: kws_feature_store, cached in
 *     │   memory and on disk)
 *     ▼
 *   kws_features_window ─► the network input (38, 55), coefficient-major:
 *                           x[c * 55 + t] = (feat[(first + t) * 38 + c]
 *                                            - mean[c]) / std[c]
 *
 * The window is columns first .. first+54 of 61; by default the centered
 * one, first = 3. Augmented clips use the same window: the time shift has
 * already moved the word.
 *
 * Normalization (kws_norm) is per coefficient over the training split's
 * unaugmented window columns; it travels with the model.
 *
 * kws_batch_iter turns a split into batches (B, 1, 38, 55) + labels: in
 * order for evaluation, or drawn by kws_sampler for training; with
 * augmentation the features of each batch are computed by a pool of
 * threads while the caller works on the previous batch.
 *
 * Typical training loop (error checks left out):
 *
 *   kws_dataset_config dc = kws_dataset_config_default();   // the 10 words
 *   kws_dataset_config_add_root(&dc, "data/speech_commands", 0, &err);
 *   kws_dataset_config_add_root(&dc, "data/tts:0.5", 1, &err); // synthetic, half weight
 *   dc.use_unknown = dc.use_silence = 1;
 *   kws_dataset_load(&ds, &dc, &err);
 *
 *   kws_feature_config fc = kws_feature_config_default();
 *   kws_feature_store_options fo = {"out/cache", 0};       // 0: all CPUs
 *   kws_feature_store_build(&fs, &ds, &fc, &fo, &rep, &err);
 *   kws_norm_compute(&nm, &fs, ds.split_items[KWS_SPLIT_TRAIN],
 *                    ds.split_count[KWS_SPLIT_TRAIN], &err);  // saved with the model
 *
 *   kws_batch_config bc = kws_batch_config_default();      // train, balanced, B = 64
 *   bc.augment = 1;
 *   kws_batch_iter_create(&it, &ds, &fs, &nm, &bc, &err);
 *   for (int e = 0; e < epochs; e++) {
 *       kws_batch_iter_begin(it, e, &err);
 *       while (kws_batch_iter_next(it, &b, &err) == 1)
 *           step(b.x, b.labels, b.size);                   // x: (B, 1, 38, 55)
 *   }
 */
#ifndef KWS_FEATURES_H
#define KWS_FEATURES_H

#include <stddef.h>
#include <stdint.h>
#include "kws/dataset.h"
#include "kws/mfcc.h"
#include "kws/nn.h"

#define KWS_MAX_COEFFS 64
#define KWS_NORM_STD_FLOOR 1e-5f  /* smaller stds are raised to this */

/* ---- configuration ------------------------------------------------------ */
typedef struct {
    kws_mfcc_config mfcc;  /* kws_mfcc_config_default() */
    int n_frames;          /* columns of a 1 s clip: 61 (derived from mfcc) */
    int window_cols;       /* network input width: 55 */
    int window_first;      /* first window column; -1: centered ((61-55)/2 = 3) */
} kws_feature_config;

kws_feature_config kws_feature_config_default(void);

/* Checks cfg (MFCC config valid, n_mfcc <= KWS_MAX_COEFFS, n_frames equal
 * to the frames of KWS_CLIP_SAMPLES, window inside the clip) and resolves
 * window_first = -1 to the centered column. */
kws_status kws_feature_config_resolve(kws_feature_config *cfg, kws_error *err);

/* Hash of everything that changes feature values (MFCC fields, clip
 * length, padding rule, format version). */
uint64_t kws_feature_config_hash(const kws_feature_config *cfg);

/* ---- audio of one item ----------------------------------------------------- */

/* Fits n samples into KWS_CLIP_SAMPLES: shorter input is centered between
 * zeros (floor((16000 - n) / 2) zeros first), longer input keeps its middle
 * 16,000 samples (floor((n - 16000) / 2) dropped first). */
void kws_clip_fit(const int16_t *in, size_t n, int16_t *out /* (KWS_CLIP_SAMPLES) */);

/* Loads item `i` as KWS_CLIP_SAMPLES samples (noise slices come from the
 * data set's noise bank). Errors name the file. */
kws_status kws_clip_load(const kws_dataset *ds, size_t i,
                         int16_t *out /* (KWS_CLIP_SAMPLES) */, kws_error *err);

/* ---- augmentation ----------------------------------------------------------- */
typedef struct {
    int max_shift;       /* shift uniform in [-max_shift, max_shift] samples; 1600 (100 ms) */
    float noise_prob;    /* probability of mixing a background recording; 0.8 */
    float snr_lo_db;     /* SNR uniform in [lo, hi] dB: 10 log10(P_clip / P_noise); 5 */
    float snr_hi_db;     /* 20 */
    float gain_lo_db;    /* gain uniform in [lo, hi] dB on the mix; -6 */
    float gain_hi_db;    /* 6 */
} kws_augment_config;

kws_augment_config kws_augment_config_default(void);

/* What kws_augment_clip did (for tests and logs). */
typedef struct {
    int shift;           /* samples the content moved (> 0: later) */
    int noise;           /* recording mixed in, -1 if none */
    size_t noise_offset; /* its first sample */
    float snr_db;        /* SNR the noise was scaled to */
    float gain_db;
    size_t clipped;      /* samples clipped back to int16 */
} kws_augment_info;

/* Augments pcm (n samples) in place, in this order: shift (zero fill),
 * noise (with probability noise_prob; a random recording and offset from
 * the training region of `noise`; scaled so that the mix has the drawn SNR
 * relative to the shifted clip; skipped when the clip is all zeros or the
 * bank is empty), gain; then rounds back to int16 with clipping.
 * work: (n) floats. info may be NULL. */
void kws_augment_clip(int16_t *pcm, size_t n, const kws_augment_config *cfg,
                      const kws_noise_bank *noise, kws_rng *rng, float *work,
                      kws_augment_info *info);

/* ---- MFCC features --------------------------------------------------------- */

/* One extractor per thread: the MFCC tables and work buffers. */
typedef struct {
    kws_feature_config cfg;
    kws_mfcc mfcc;
    void *arena;
    int16_t *clip;   /* (KWS_CLIP_SAMPLES) */
    float *work;     /* (KWS_CLIP_SAMPLES) augmentation work */
} kws_featurizer;

kws_status kws_featurizer_init(kws_featurizer *f, const kws_feature_config *cfg,
                               kws_error *err);
void kws_featurizer_free(kws_featurizer *f);

/* Floats of one clip's features: n_frames * n_mfcc (61 * 38 = 2318). */
size_t kws_features_size(const kws_feature_config *cfg);

/* pcm (KWS_CLIP_SAMPLES) -> out (n_frames, n_mfcc), time-major. */
void kws_features_compute(kws_featurizer *f, const int16_t *pcm, float *out);

/* Loads item i, augments it when aug != NULL (rng required then; a
 * training noise slice then also gets a fresh random slice of the training
 * region), computes its features into out (n_frames, n_mfcc). */
kws_status kws_features_item(kws_featurizer *f, const kws_dataset *ds, size_t i,
                             const kws_augment_config *aug, kws_rng *rng, float *out,
                             kws_error *err);

typedef struct {
    int n;                        /* coefficients */
    float mean[KWS_MAX_COEFFS];
    float std[KWS_MAX_COEFFS];    /* >= KWS_NORM_STD_FLOOR */
} kws_norm;

/* Identity normalization (mean 0, std 1) for n coefficients. */
void kws_norm_identity(kws_norm *nm, int n);

/* Cuts the window out of feat and transposes it.
 * feat (n_frames, n_mfcc); out (n_mfcc, window_cols), out[c * window_cols + t]
 * = (feat[(cfg->window_first + t) * n_mfcc + c] - mean[c]) / std[c];
 * norm NULL: no normalization. cfg must be resolved. */
void kws_features_window(const kws_feature_config *cfg, const float *feat,
                         const kws_norm *norm, float *out);

/* ---- in-memory store of unaugmented features, with an on-disk cache ----
 *
 * kws_feature_store_build computes the features of every item of the data
 * set once (pthreads), or takes them from the cache file
 *   <cache_dir>/features-<16 hex digits>.kwsf
 * whose name hashes the feature config and the real root's path. Inside,
 * every clip is found by a key hashing its root, relative path, size,
 * modification time and (noise slices) offset, so a changed file is
 * recomputed alone and unchanged ones are reused. A file that fails its
 * checksum or does not parse is ignored (reported in cache_note) and
 * everything is recomputed. When anything was computed, the file is
 * rewritten with exactly the current items: to <path>.tmp.<pid>, then
 * rename(2), so readers never see half a file.
 */
typedef struct {
    kws_feature_config cfg;  /* resolved */
    size_t n_items;
    size_t stride;           /* kws_features_size(&cfg) */
    float *data;             /* (n_items, n_frames, n_mfcc), item i at data[i * stride] */
} kws_feature_store;

typedef struct {
    const char *cache_dir;   /* NULL or "": no disk cache */
    int n_threads;           /* 0: two or the number of CPUs, whichever is larger */
} kws_feature_store_options;

typedef enum {
    KWS_CACHE_OFF = 0,       /* no cache_dir */
    KWS_CACHE_ABSENT,        /* no file yet */
    KWS_CACHE_LOADED,        /* file read and valid (some items may still be new) */
    KWS_CACHE_INVALID        /* file unusable (see cache_note), recomputed */
} kws_cache_state;

typedef struct {
    size_t computed;         /* items whose features were computed */
    size_t from_cache;       /* items taken from the cache file */
    double compute_seconds;  /* wall time of the computation */
    double clips_per_s;      /* computed / compute_seconds (0 if none) */
    int threads;
    kws_cache_state cache;
    int cache_written;       /* 1 if the file was (re)written */
    char cache_path[KWS_ROOT_PATH_MAX + 64];
    char cache_note[640];    /* why an existing file was not used, or "" */
} kws_feature_report;

/* Default cache folder: $XDG_CACHE_HOME/kws, else $HOME/.cache/kws.
 * KWS_ERR_ARG if neither variable is set. The folder is created on write. */
kws_status kws_feature_cache_default_dir(char *buf, size_t len, kws_error *err);

/* Key of one item in the cache (see above). */
uint64_t kws_item_key(const kws_item *it);

/* cfg is resolved into the store. rep may be NULL. A cache that cannot be
 * written (read-only folder) is not an error: rep->cache_note says why. */
kws_status kws_feature_store_build(kws_feature_store *fs, const kws_dataset *ds,
                                   const kws_feature_config *cfg,
                                   const kws_feature_store_options *opt,
                                   kws_feature_report *rep, kws_error *err);

/* Features of item i: (n_frames, n_mfcc). */
const float *kws_feature_store_item(const kws_feature_store *fs, size_t i);

/* Calibration inputs for the integer conversion (kws/convert.h): up to *n
 * normalized windows (n, n_mfcc, window_cols) of the training split, evenly
 * spread over it (*n lowered to the split's size). malloc'd; NULL if the
 * split is empty or memory runs out. */
float *kws_features_calibration_windows(const kws_dataset *ds, const kws_feature_store *fs,
                                        const kws_feature_config *fc, const kws_norm *norm,
                                        int *n);

void kws_feature_store_free(kws_feature_store *fs);

/* Per-coefficient mean and (population) std over the window columns of the
 * given items (typically ds->split_items[KWS_SPLIT_TRAIN]), accumulated in
 * double. KWS_ERR_ARG if n_items is 0. */
kws_status kws_norm_compute(kws_norm *nm, const kws_feature_store *fs, const size_t *items,
                            size_t n_items, kws_error *err);

/* ---- batches -------------------------------------------------------------- */
typedef struct {
    kws_split split;
    int batch_size;               /* 64 */
    int sample;                   /* 1: draw epochs with kws_sampler; 0: the split in order */
    kws_sampler_config sampler;   /* used when sample = 1 */
    int augment;                  /* 1: features from augmented audio, recomputed each epoch */
    kws_augment_config aug;
    uint64_t seed;                /* augmentation randomness */
    int n_threads;                /* augmentation workers; 0: as kws_feature_store_options */
    int drop_last;                /* 1: no short final batch */
} kws_batch_config;

/* Defaults: training split, batch 64, sampled with class balance, seed 1,
 * augmentation off (aug holds kws_augment_config_default()). */
kws_batch_config kws_batch_config_default(void);

typedef struct {
    float *x;         /* (B, 1, n_mfcc, window_cols) */
    int *labels;      /* (B) */
    size_t *items;    /* (B) item indices */
    int size;         /* B (the last batch may be shorter) */
} kws_batch;

typedef struct kws_batch_iter kws_batch_iter;

/* The iterator keeps pointers to ds, fs and norm (norm NULL: raw features);
 * they must outlive it. */
kws_status kws_batch_iter_create(kws_batch_iter **out, const kws_dataset *ds,
                                 const kws_feature_store *fs, const kws_norm *norm,
                                 const kws_batch_config *cfg, kws_error *err);

/* Starts epoch `epoch` (its sample list and augmentation seeds derive from
 * it) and, with augmentation, starts computing the first batch. */
kws_status kws_batch_iter_begin(kws_batch_iter *it, int epoch, kws_error *err);

/* Next batch of the epoch: 1 and *b filled (valid until the next call),
 * 0 at the end of the epoch, -1 on an error (a clip that cannot be read;
 * err names it). */
int kws_batch_iter_next(kws_batch_iter *it, kws_batch *b, kws_error *err);

/* Batches per epoch. */
size_t kws_batch_iter_count(const kws_batch_iter *it);

/* Augmented clips computed since creation and the wall time the workers
 * spent on them (for a clips/s figure). */
void kws_batch_iter_stats(const kws_batch_iter *it, size_t *clips, double *seconds);

void kws_batch_iter_free(kws_batch_iter *it);

#endif
