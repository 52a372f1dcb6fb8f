/* batch.c - epochs of batches for training and evaluation.
 *
 *   epoch order (sampler, or the split in order)
 *     └─► batch k: items order[k*B .. k*B+B-1]
 *           unaugmented: windows copied from the feature store
 *           augmented:   load ─► augment ─► MFCC ─► window, by the pool
 *
 * With augmentation, two batch buffers alternate: while the caller trains
 * on batch k (buffer k % 2), the workers compute batch k+1 in the other.
 *
 *   next() #k:  wait(buf[k%2]) ─► submit batch k+1 into buf[(k+1)%2] ─► return buf[k%2]
 *
 * The randomness of every sample comes from (seed, epoch, position in the
 * epoch) alone, so results do not depend on thread count or timing. */
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE 1 /* d_type, fstatat, realpath, strdup */
#endif
#include "data_internal.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct {
    float *x;        /* (B, 1, C, T) */
    int *labels;     /* (B) */
    size_t *items;   /* (B) */
    int size;
    size_t batch;    /* batch index within the epoch */
    double t_start;
} batch_buf;

struct kws_batch_iter {
    const kws_dataset *ds;
    const kws_feature_store *fs;
    const kws_norm *norm;
    kws_batch_config cfg;
    kws_sampler sampler;
    int has_sampler;
    size_t *order;       /* (epoch length) */
    size_t n_order;
    size_t n_batches;
    size_t next_batch;   /* next batch to hand out */
    int epoch;
    batch_buf buf[2];
    int pending[2];      /* a job is computing buf[i] */
    kws_pool *pool;
    int threads;
    kws_featurizer *fz;  /* (threads) */
    float **feat;        /* (threads) rows of stride floats */
    kws_error *werr;     /* (threads) */
    int job_buf;         /* buffer of the job in flight */
    pthread_mutex_t stats_lock;
    size_t job_done;
    size_t clips;
    double seconds;
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

kws_batch_config kws_batch_config_default(void)
{
    kws_batch_config c;
    memset(&c, 0, sizeof c);
    c.split = KWS_SPLIT_TRAIN;
    c.batch_size = 64;
    c.sample = 1;
    c.sampler.balance_classes = 1;
    c.sampler.epoch_size = 0;
    c.sampler.seed = 1;
    c.augment = 0;
    c.aug = kws_augment_config_default();
    c.seed = 1;
    c.n_threads = 0;
    c.drop_last = 0;
    return c;
}

static void aug_task(void *vctx, int worker, size_t k)
{
    kws_batch_iter *it = (kws_batch_iter *)vctx;
    batch_buf *b = &it->buf[it->job_buf];
    const kws_feature_config *cfg = &it->fs->cfg;
    const size_t per = (size_t)cfg->mfcc.n_mfcc * (size_t)cfg->window_cols;
    size_t pos = b->batch * (size_t)it->cfg.batch_size + k;
    size_t item = it->order[pos];
    kws_rng rng;
    kws_rng_seed(&rng, kws_seed_mix(it->cfg.seed, (uint64_t)it->epoch, (uint64_t)pos));
    kws_error *e = &it->werr[worker];
    if (e->status == KWS_OK &&
        kws_features_item(&it->fz[worker], it->ds, item, &it->cfg.aug, &rng, it->feat[worker],
                          e) == KWS_OK)
        kws_features_window(cfg, it->feat[worker], it->norm, b->x + k * per);
    else
        memset(b->x + k * per, 0, per * sizeof(float));
    b->labels[k] = it->ds->items[item].label;
    b->items[k] = item;
    pthread_mutex_lock(&it->stats_lock);
    if (++it->job_done == (size_t)b->size) {
        it->seconds += now_s() - b->t_start;
        it->clips += (size_t)b->size;
    }
    pthread_mutex_unlock(&it->stats_lock);
}

static int batch_size_of(const kws_batch_iter *it, size_t batch)
{
    size_t first = batch * (size_t)it->cfg.batch_size;
    size_t left = it->n_order - first;
    return (int)(left < (size_t)it->cfg.batch_size ? left : (size_t)it->cfg.batch_size);
}

static void launch(kws_batch_iter *it, int bi, size_t batch)
{
    batch_buf *b = &it->buf[bi];
    b->batch = batch;
    b->size = batch_size_of(it, batch);
    b->t_start = now_s();
    it->job_buf = bi;
    it->job_done = 0;
    for (int t = 0; t < it->threads; t++)
        kws_error_clear(&it->werr[t]);
    it->pending[bi] = 1;
    kws_pool_submit(it->pool, aug_task, it, (size_t)b->size);
}

/* Waits for the job in flight; returns the first worker error. */
static kws_status finish(kws_batch_iter *it, int bi, kws_error *err)
{
    if (!it->pending[bi])
        return KWS_OK;
    kws_pool_wait(it->pool);
    it->pending[bi] = 0;
    for (int t = 0; t < it->threads; t++)
        if (it->werr[t].status != KWS_OK) {
            if (err)
                *err = it->werr[t];
            return it->werr[t].status;
        }
    return KWS_OK;
}

kws_status kws_batch_iter_create(kws_batch_iter **out, const kws_dataset *ds,
                                 const kws_feature_store *fs, const kws_norm *norm,
                                 const kws_batch_config *cfg, kws_error *err)
{
    *out = NULL;
    if (cfg->batch_size < 1)
        return kws_error_set(err, KWS_ERR_ARG, "batch size %d", cfg->batch_size);
    if ((unsigned)cfg->split >= KWS_NUM_SPLITS)
        return kws_error_set(err, KWS_ERR_ARG, "unknown split %d", (int)cfg->split);
    if (fs->n_items != ds->n_items)
        return kws_error_set(err, KWS_ERR_SHAPE, "feature store has %zu items, data set %zu",
                             fs->n_items, ds->n_items);
    if (ds->split_count[cfg->split] == 0)
        return kws_error_set(err, KWS_ERR_ARG, "the %s split has no items",
                             kws_split_name(cfg->split));
    kws_batch_iter *it = (kws_batch_iter *)calloc(1, sizeof *it);
    if (!it)
        return kws_error_set(err, KWS_ERR_NOMEM, "out of memory");
    pthread_mutex_init(&it->stats_lock, NULL);
    it->ds = ds;
    it->fs = fs;
    it->norm = norm;
    it->cfg = *cfg;
    kws_status st = KWS_OK;
    if (cfg->sample) {
        st = kws_sampler_init(&it->sampler, ds, cfg->split, &cfg->sampler, err);
        if (st != KWS_OK) {
            kws_batch_iter_free(it);
            return st;
        }
        it->has_sampler = 1;
        it->n_order = it->sampler.epoch_size;
    } else {
        it->n_order = ds->split_count[cfg->split];
    }
    it->order = (size_t *)malloc(it->n_order * sizeof *it->order);
    const size_t B = (size_t)cfg->batch_size;
    const size_t per = (size_t)fs->cfg.mfcc.n_mfcc * (size_t)fs->cfg.window_cols;
    int nbuf = cfg->augment ? 2 : 1;
    for (int i = 0; i < nbuf; i++) {
        it->buf[i].x = (float *)malloc(B * per * sizeof(float));
        it->buf[i].labels = (int *)malloc(B * sizeof(int));
        it->buf[i].items = (size_t *)malloc(B * sizeof(size_t));
        if (!it->buf[i].x || !it->buf[i].labels || !it->buf[i].items)
            st = KWS_ERR_NOMEM;
    }
    if (!it->order)
        st = KWS_ERR_NOMEM;
    if (st == KWS_OK && cfg->augment) {
        it->threads = cfg->n_threads > 0 ? cfg->n_threads : kws_default_threads();
        it->fz = (kws_featurizer *)calloc((size_t)it->threads, sizeof *it->fz);
        it->feat = (float **)calloc((size_t)it->threads, sizeof *it->feat);
        it->werr = (kws_error *)calloc((size_t)it->threads, sizeof *it->werr);
        if (!it->fz || !it->feat || !it->werr)
            st = KWS_ERR_NOMEM;
        for (int t = 0; st == KWS_OK && t < it->threads; t++) {
            it->feat[t] = (float *)malloc(fs->stride * sizeof(float));
            if (!it->feat[t])
                st = KWS_ERR_NOMEM;
            else if (kws_featurizer_init(&it->fz[t], &fs->cfg, err) != KWS_OK)
                st = err ? err->status : KWS_ERR_ARG;
        }
        if (st == KWS_OK && kws_pool_create(&it->pool, it->threads) != KWS_OK)
            st = KWS_ERR_NOMEM;
    }
    if (st != KWS_OK) {
        if (st == KWS_ERR_NOMEM)
            kws_error_set(err, st, "out of memory for the batch iterator");
        kws_batch_iter_free(it);
        return st;
    }
    it->n_batches = cfg->drop_last ? it->n_order / B : (it->n_order + B - 1) / B;
    it->next_batch = it->n_batches; /* nothing until begin() */
    *out = it;
    return KWS_OK;
}

kws_status kws_batch_iter_begin(kws_batch_iter *it, int epoch, kws_error *err)
{
    for (int i = 0; i < 2; i++)
        if (it->pending[i]) {
            kws_error ignored;
            finish(it, i, &ignored); /* a batch of the previous epoch nobody took */
        }
    it->epoch = epoch;
    if (it->has_sampler)
        kws_sampler_epoch(&it->sampler, epoch, it->order);
    else
        memcpy(it->order, it->ds->split_items[it->cfg.split], it->n_order * sizeof *it->order);
    it->next_batch = 0;
    if (it->cfg.augment && it->n_batches > 0)
        launch(it, 0, 0);
    (void)err;
    return KWS_OK;
}

int kws_batch_iter_next(kws_batch_iter *it, kws_batch *b, kws_error *err)
{
    if (it->next_batch >= it->n_batches)
        return 0;
    size_t k = it->next_batch++;
    if (it->cfg.augment) {
        int bi = (int)(k % 2);
        if (finish(it, bi, err) != KWS_OK) {
            it->next_batch = it->n_batches;
            return -1;
        }
        if (k + 1 < it->n_batches)
            launch(it, 1 - bi, k + 1);
        b->x = it->buf[bi].x;
        b->labels = it->buf[bi].labels;
        b->items = it->buf[bi].items;
        b->size = it->buf[bi].size;
        return 1;
    }
    batch_buf *bb = &it->buf[0];
    const kws_feature_config *cfg = &it->fs->cfg;
    const size_t per = (size_t)cfg->mfcc.n_mfcc * (size_t)cfg->window_cols;
    bb->size = batch_size_of(it, k);
    for (int j = 0; j < bb->size; j++) {
        size_t item = it->order[k * (size_t)it->cfg.batch_size + (size_t)j];
        kws_features_window(cfg, kws_feature_store_item(it->fs, item), it->norm,
                            bb->x + (size_t)j * per);
        bb->labels[j] = it->ds->items[item].label;
        bb->items[j] = item;
    }
    b->x = bb->x;
    b->labels = bb->labels;
    b->items = bb->items;
    b->size = bb->size;
    return 1;
}

size_t kws_batch_iter_count(const kws_batch_iter *it)
{
    return it->n_batches;
}

void kws_batch_iter_stats(const kws_batch_iter *it, size_t *clips, double *seconds)
{
    kws_batch_iter *m = (kws_batch_iter *)it; /* the lock only */
    pthread_mutex_lock(&m->stats_lock);
    if (clips)
        *clips = it->clips;
    if (seconds)
        *seconds = it->seconds;
    pthread_mutex_unlock(&m->stats_lock);
}

void kws_batch_iter_free(kws_batch_iter *it)
{
    if (!it)
        return;
    if (it->pool) {
        for (int i = 0; i < 2; i++)
            if (it->pending[i]) {
                kws_error ignored;
                finish(it, i, &ignored);
            }
        kws_pool_destroy(it->pool);
    }
    for (int t = 0; t < it->threads; t++) {
        if (it->fz)
            kws_featurizer_free(&it->fz[t]);
        if (it->feat)
            free(it->feat[t]);
    }
    free(it->fz);
    free(it->feat);
    free(it->werr);
    for (int i = 0; i < 2; i++) {
        free(it->buf[i].x);
        free(it->buf[i].labels);
        free(it->buf[i].items);
    }
    free(it->order);
    if (it->has_sampler)
        kws_sampler_free(&it->sampler);
    pthread_mutex_destroy(&it->stats_lock);
    free(it);
}
