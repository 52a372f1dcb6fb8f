/* classifier.c - one normalized network input to class probabilities, with
 * either network a model can run on the host (kws/detect.h):
 *
 *   integer: x ─► kws_imodel_quantize_input (int8) ─► kws_imodel_run in an
 *            arena ─► logits * out_scale ─► softmax   (what the device runs);
 *            for a model that streams also one column at a time
 *            (kws_stream_push: the same logits)
 *   float:   x ─► kws_net (the float/QAT net) ─► softmax
 *
 * All memory is allocated by kws_classifier_create; running allocates
 * nothing. */
#include "kws/detect.h"

#include <stdlib.h>
#include <string.h>

#include "kws/convert.h"
#include "kws/imodel.h"
#include "kws/net.h"
#include "kws/stream.h"

struct kws_classifier {
    int engine;          /* KWS_ENGINE_INTEGER or KWS_ENGINE_FLOAT */
    int n_classes;
    kws_net net;         /* float */
    kws_imodel im;       /* integer */
    void *arena;         /* kws_imodel_arena_alloc */
    int8_t *xq;          /* (in_h * in_w) quantized input */
    int32_t *logits_q;   /* (n_classes) */
    float *logits;       /* (n_classes) */
    kws_stream stream;   /* integer and the model streams: kws/stream.h */
    void *stream_mem;    /* NULL when it does not */
};

void kws_classifier_free(kws_classifier *c)
{
    if (!c)
        return;
    kws_net_free(&c->net);
    kws_imodel_free(&c->im);
    free(c->arena);
    free(c->xq);
    free(c->logits_q);
    free(c->logits);
    free(c->stream_mem);
    free(c);
}

kws_status kws_classifier_create(kws_classifier **out, const kws_model *m, int engine,
                                 kws_error *err)
{
    *out = NULL;
    if (engine == KWS_ENGINE_AUTO)
        engine = m->n_ranges > 0 ? KWS_ENGINE_INTEGER : KWS_ENGINE_FLOAT;
    if (engine != KWS_ENGINE_INTEGER && engine != KWS_ENGINE_FLOAT)
        return kws_error_set(err, KWS_ERR_ARG, "unknown engine %d", engine);
    kws_classifier *c = (kws_classifier *)calloc(1, sizeof *c);
    if (!c)
        return kws_error_set(err, KWS_ERR_NOMEM, "out of memory");
    c->engine = engine;
    c->n_classes = m->n_classes;
    c->logits = (float *)malloc(sizeof(float) * (size_t)m->n_classes);
    kws_status st = c->logits ? KWS_OK : KWS_ERR_NOMEM;
    if (st == KWS_OK && engine == KWS_ENGINE_INTEGER) {
        st = kws_imodel_from_model(&c->im, m, NULL, err);
        if (st == KWS_OK) {
            c->arena = kws_imodel_arena_alloc(&c->im);
            c->xq = (int8_t *)malloc((size_t)m->topo.in_h * (size_t)m->topo.in_w);
            c->logits_q = (int32_t *)malloc(sizeof(int32_t) * (size_t)m->n_classes);
            if (!c->arena || !c->xq || !c->logits_q)
                st = KWS_ERR_NOMEM;
        }
        const size_t ss = st == KWS_OK && m->n_norm == m->topo.in_h ? kws_stream_size(&c->im) : 0;
        if (ss > 0) {
            c->stream_mem = malloc(ss);
            if (!c->stream_mem)
                st = KWS_ERR_NOMEM;
            else
                st = kws_stream_init(&c->stream, &c->im, c->stream_mem, ss);
        }
    } else if (st == KWS_OK) {
        st = kws_net_create(&c->net, &m->topo, 1, err);
        if (st == KWS_OK)
            kws_net_set_params(&c->net, m->params, m->bn_stats);
    }
    if (st != KWS_OK) {
        kws_classifier_free(c);
        if (st == KWS_ERR_NOMEM)
            return kws_error_set(err, st, "out of memory");
        return st;
    }
    *out = c;
    return KWS_OK;
}

/* The integer model's logits codes (logits_q) to probabilities. */
static void integer_probs(kws_classifier *c, float *probs)
{
    for (int k = 0; k < c->n_classes; k++)
        c->logits[k] = c->im.out_scale * (float)c->logits_q[k];
    kws_probs_from_logits(probs, c->logits, c->n_classes);
}

kws_status kws_classifier_run(kws_classifier *c, const float *x, float *probs)
{
    if (c->engine == KWS_ENGINE_FLOAT) {
        kws_status st = kws_net_forward(&c->net, x, 1, KWS_MODE_INFER);
        if (st != KWS_OK)
            return st;
        kws_probs_from_logits(probs, c->net.logits, c->n_classes);
        return KWS_OK;
    }
    kws_imodel_quantize_input(&c->im, x, c->xq);
    kws_status st = kws_imodel_run(&c->im, c->arena, kws_imodel_arena_size(&c->im), c->xq,
                                   c->logits_q);
    if (st != KWS_OK)
        return st;
    integer_probs(c, probs);
    return KWS_OK;
}

int kws_classifier_engine(const kws_classifier *c)
{
    return c->engine;
}

int kws_classifier_streams(const kws_classifier *c)
{
    return c->stream_mem != NULL;
}

kws_status kws_classifier_push_column(kws_classifier *c, const float *col, float *probs,
                                      int *ready)
{
    *ready = 0;
    if (!c->stream_mem)
        return KWS_ERR_UNSUPPORTED;
    kws_imodel_quantize_column(&c->im, col, c->xq);
    kws_status st = kws_stream_push(&c->stream, c->xq, c->logits_q);
    if (st != KWS_OK)
        return st;
    *ready = c->stream.ready;
    integer_probs(c, probs);
    return KWS_OK;
}

void kws_classifier_stream_reset(kws_classifier *c)
{
    if (c->stream_mem)
        kws_stream_reset(&c->stream);
}
