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

#endif
