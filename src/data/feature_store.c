/* feature_store.c - the unaugmented features of every item, in memory:
 * taken from the cache file where a clip's key is found there, computed by
 * a thread pool for the rest, then written back (rules in kws/features.h).
 *
 *   items ──key──► cache file? ──hit──► copy row
 *                       └──miss──► todo ──pool of featurizers──► row
 *   any computed ──► rewrite cache (tmp + rename)
 */
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE 1 /* d_type, fstatat, realpath, strdup */
#endif
#include "data_internal.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

typedef struct {
    const kws_dataset *ds;
    kws_feature_store *fs;
    const size_t *todo;
    kws_featurizer *fz;      /* (threads) */
    kws_error *errs;         /* (threads) first error of each worker */
} build_ctx;

static void build_task(void *vctx, int worker, size_t k)
{
    build_ctx *ctx = (build_ctx *)vctx;
    kws_error *e = &ctx->errs[worker];
    if (e->status != KWS_OK)
        return; /* this worker already failed; the build fails anyway */
    size_t i = ctx->todo[k];
    float *out = ctx->fs->data + i * ctx->fs->stride;
    kws_features_item(&ctx->fz[worker], ctx->ds, i, NULL, NULL, out, e);
}

static void cache_path(const kws_dataset *ds, const kws_feature_config *cfg, const char *dir,
                       char *buf, size_t len)
{
    char real[PATH_MAX];
    const char *root = realpath(ds->cfg.roots[0].path, real) ? real : ds->cfg.roots[0].path;
    uint64_t h = kws_hash_u64(kws_hash_str(KWS_FNV_OFFSET, root), kws_feature_config_hash(cfg));
    snprintf(buf, len, "%s/features-%016llx.kwsf", dir, (unsigned long long)h);
}

kws_status kws_feature_store_build(kws_feature_store *fs, const kws_dataset *ds,
                                   const kws_feature_config *cfg_in,
                                   const kws_feature_store_options *opt,
                                   kws_feature_report *rep_out, kws_error *err)
{
    memset(fs, 0, sizeof *fs);
    kws_feature_report rep;
    memset(&rep, 0, sizeof rep);
    fs->cfg = *cfg_in;
    kws_status st = kws_feature_config_resolve(&fs->cfg, err);
    if (st != KWS_OK)
        return st;
    fs->n_items = ds->n_items;
    fs->stride = kws_features_size(&fs->cfg);
    const int n_frames = fs->cfg.n_frames, n_mfcc = fs->cfg.mfcc.n_mfcc;
    const uint64_t cfg_hash = kws_feature_config_hash(&fs->cfg);

    fs->data = (float *)malloc((fs->n_items ? fs->n_items : 1) * fs->stride * sizeof(float));
    uint64_t *keys = (uint64_t *)malloc((fs->n_items ? fs->n_items : 1) * sizeof *keys);
    size_t *todo = (size_t *)malloc((fs->n_items ? fs->n_items : 1) * sizeof *todo);
    if (!fs->data || !keys || !todo) {
        free(keys);
        free(todo);
        kws_feature_store_free(fs);
        return kws_error_set(err, KWS_ERR_NOMEM, "out of memory for %zu items of features",
                             ds->n_items);
    }

    kws_cache_blob blob;
    memset(&blob, 0, sizeof blob);
    const char *dir = opt ? opt->cache_dir : NULL;
    if (dir && dir[0]) {
        cache_path(ds, &fs->cfg, dir, rep.cache_path, sizeof rep.cache_path);
        kws_error cerr;
        kws_error_clear(&cerr);
        kws_status cst = kws_cache_read(rep.cache_path, cfg_hash, n_frames, n_mfcc, &blob, &cerr);
        if (cst == KWS_OK) {
            rep.cache = KWS_CACHE_LOADED;
        } else if (cst == KWS_ERR_IO) {
            rep.cache = KWS_CACHE_ABSENT;
        } else {
            rep.cache = KWS_CACHE_INVALID;
            snprintf(rep.cache_note, sizeof rep.cache_note, "%s; recomputed", cerr.msg);
        }
    }

    size_t n_todo = 0;
    for (size_t i = 0; i < fs->n_items; i++) {
        keys[i] = kws_item_key(&ds->items[i]);
        const float *row = blob.n ? kws_cache_find(&blob, keys[i]) : NULL;
        if (row) {
            memcpy(fs->data + i * fs->stride, row, fs->stride * sizeof(float));
            rep.from_cache++;
        } else {
            todo[n_todo++] = i;
        }
    }
    size_t blob_n = blob.n;
    kws_cache_blob_free(&blob);

    if (n_todo) {
        int threads = opt && opt->n_threads > 0 ? opt->n_threads : kws_default_threads();
        if ((size_t)threads > n_todo)
            threads = (int)n_todo;
        build_ctx ctx;
        ctx.ds = ds;
        ctx.fs = fs;
        ctx.todo = todo;
        ctx.fz = (kws_featurizer *)calloc((size_t)threads, sizeof *ctx.fz);
        ctx.errs = (kws_error *)calloc((size_t)threads, sizeof *ctx.errs);
        kws_pool *pool = NULL;
        if (!ctx.fz || !ctx.errs)
            st = kws_error_set(err, KWS_ERR_NOMEM, "out of memory");
        int made = 0;
        for (; st == KWS_OK && made < threads; made++)
            st = kws_featurizer_init(&ctx.fz[made], &fs->cfg, err);
        if (st != KWS_OK && made > 0)
            made--; /* the failed one cleaned up after itself */
        if (st == KWS_OK && kws_pool_create(&pool, threads) != KWS_OK)
            st = kws_error_set(err, KWS_ERR_NOMEM, "cannot start %d threads", threads);
        if (st == KWS_OK) {
            double t0 = now_s();
            kws_pool_submit(pool, build_task, &ctx, n_todo);
            kws_pool_wait(pool);
            rep.compute_seconds = now_s() - t0;
            rep.computed = n_todo;
            rep.threads = threads;
            rep.clips_per_s =
                rep.compute_seconds > 0.0 ? (double)n_todo / rep.compute_seconds : 0.0;
            for (int t = 0; t < threads; t++)
                if (ctx.errs[t].status != KWS_OK) {
                    if (err)
                        *err = ctx.errs[t];
                    st = ctx.errs[t].status;
                    break;
                }
        }
        kws_pool_destroy(pool);
        for (int t = 0; t < made; t++)
            kws_featurizer_free(&ctx.fz[t]);
        free(ctx.fz);
        free(ctx.errs);
    }

    if (st == KWS_OK && dir && dir[0] && (n_todo > 0 || blob_n != fs->n_items)) {
        const float **rows = (const float **)malloc((fs->n_items ? fs->n_items : 1) *
                                                    sizeof *rows);
        if (rows) {
            for (size_t i = 0; i < fs->n_items; i++)
                rows[i] = fs->data + i * fs->stride;
            kws_error werr;
            kws_error_clear(&werr);
            if (kws_cache_write(rep.cache_path, cfg_hash, n_frames, n_mfcc, keys, rows,
                                fs->n_items, &werr) == KWS_OK)
                rep.cache_written = 1;
            else
                snprintf(rep.cache_note, sizeof rep.cache_note, "cache not written: %s",
                         werr.msg);
            free(rows);
        }
    }
    free(keys);
    free(todo);
    if (st != KWS_OK)
        kws_feature_store_free(fs);
    if (rep_out)
        *rep_out = rep;
    return st;
}

const float *kws_feature_store_item(const kws_feature_store *fs, size_t i)
{
    return fs->data + i * fs->stride;
}

void kws_feature_store_free(kws_feature_store *fs)
{
    free(fs->data);
    memset(fs, 0, sizeof *fs);
}

/* Calibration inputs for the integer conversion: up to n normalized
 * windows of the training split, evenly spread over it. */
float *kws_features_calibration_windows(const kws_dataset *ds, const kws_feature_store *fs,
                                        const kws_feature_config *fc, const kws_norm *norm,
                                        int *n)
{
    size_t avail = ds->split_count[KWS_SPLIT_TRAIN];
    if (avail == 0)
        return NULL;
    if ((size_t)*n > avail)
        *n = (int)avail;
    size_t per = (size_t)fc->mfcc.n_mfcc * fc->window_cols;
    float *x = malloc(sizeof(float) * per * (size_t)*n);
    for (int i = 0; x && i < *n; i++) {
        size_t item = ds->split_items[KWS_SPLIT_TRAIN][(size_t)i * avail / (size_t)*n];
        kws_features_window(fc, kws_feature_store_item(fs, item), norm, x + per * i);
    }
    return x;
}
