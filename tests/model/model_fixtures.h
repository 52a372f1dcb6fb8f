/* model_fixtures.h - shared helpers for the model tests: paths of the
 * shipped descriptions, parsing from a string, a small filled-in model. */
#ifndef KWS_TESTS_MODEL_FIXTURES_H
#define KWS_TESTS_MODEL_FIXTURES_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kws/model.h"
#include "kws/net.h"
#include "kws/topology.h"

/* Path of a file under the repository root (KWS_SOURCE_DIR, set by CTest). */
static inline const char *fx_source_path(const char *rel, char *buf, size_t len)
{
    const char *root = getenv("KWS_SOURCE_DIR");
    snprintf(buf, len, "%s/%s", root ? root : ".", rel);
    return buf;
}

/* Parses a NUL-terminated description; prints the error on failure. */
static inline kws_status fx_parse(kws_topology *t, const char *text)
{
    kws_error e;
    kws_error_clear(&e);
    kws_status st = kws_topology_parse(t, text, strlen(text), "fixture", NULL, &e);
    if (st != KWS_OK)
        fprintf(stderr, "fixture: %s\n", e.msg);
    return st;
}

static inline void fx_fill_uniform(float *x, size_t n, kws_rng *r, float lo, float hi)
{
    for (size_t i = 0; i < n; i++)
        x[i] = lo + (hi - lo) * kws_rng_uniform(r);
}

/* The small network of the file tests: 1x4x5 input, 3 classes. */
#define FX_TINY_TOPOLOGY                                                                   \
    "input 1 4 5\n"                                                                        \
    "conv2d 2 kernel=3 relu bn\n"                                                          \
    "flatten\n"                                                                            \
    "dense 3 w=binary a=int8\n"

/* A complete model around `net` (built from FX_TINY_TOPOLOGY or another
 * 1 x n_mfcc x W input): class names, an MFCC config whose n_mfcc is the
 * input height, per-coefficient normalization, metadata. The arrays live in
 * `store` (at least 2 * in_h floats). */
static inline void fx_model(kws_model *m, const kws_net *net, float *store)
{
    kws_model_from_net(m, net);
    for (int c = 0; c < m->n_classes; c++)
        snprintf(m->class_names[c], sizeof m->class_names[c], "word%d", c);
    int h = net->topo.in_h;
    m->mfcc = (kws_mfcc_config){16000, 512, 256, h < 40 ? 40 : h, h, 20.0f, 8000.0f, 1e-6f};
    m->n_norm = h;
    for (int i = 0; i < h; i++) {
        store[i] = 0.25f * (float)i - 1.0f;
        store[h + i] = 1.0f + 0.125f * (float)i;
    }
    m->norm_mean = store;
    m->norm_std = store + h;
    m->meta = "kws train --epochs 3 --seed 1\nsplit: validation_list.txt\nval accuracy 0.5\n";
    m->meta_len = strlen(m->meta);
}

/* Four separable classes for tiny training tests: a bright 3x3 blob in one
 * quadrant of a noisy 8x8 image, at a jittered position.
 * x: (n, 1, 8, 8); y: (n) in 0..3 */
enum { FX_BLOB_H = 8, FX_BLOB_W = 8, FX_BLOB_K = 4 };
static inline void fx_blob_data(float *x, int *y, int n, kws_rng *r)
{
    const int H = FX_BLOB_H, W = FX_BLOB_W;
    for (int s = 0; s < n; s++) {
        int k = kws_rng_below(r, FX_BLOB_K);
        y[s] = k;
        float *img = x + (size_t)s * H * W;
        for (int i = 0; i < H * W; i++)
            img[i] = 0.6f * kws_rng_normal(r);
        int cy = (k / 2) * 4 + 1 + kws_rng_below(r, 2), cx = (k % 2) * 4 + 1 + kws_rng_below(r, 2);
        for (int dy = -1; dy <= 1; dy++)
            for (int dx = -1; dx <= 1; dx++)
                img[(cy + dy) * W + (cx + dx)] += 1.0f;
    }
}

/* Top-1 accuracy of net (n_classes outputs, inference mode) on fx_blob_data,
 * in batches of `batch` <= the net's max_batch. */
static inline float fx_blob_accuracy(kws_net *net, const float *x, const int *y, int n, int batch)
{
    const int K = net->topo.n_classes, per = FX_BLOB_H * FX_BLOB_W;
    int correct = 0;
    for (int s = 0; s < n; s += batch) {
        int b = n - s < batch ? n - s : batch;
        kws_net_forward(net, x + (size_t)s * per, b, KWS_MODE_INFER);
        for (int i = 0; i < b; i++) {
            int best = 0;
            for (int k = 1; k < K; k++)
                if (net->logits[i * K + k] > net->logits[i * K + best])
                    best = k;
            correct += best == y[s + i];
        }
    }
    return (float)correct / (float)n;
}

#endif
