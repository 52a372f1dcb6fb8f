/* test_quant_net.c - quantization-aware training through kws_net:
 *  - a float topology runs the float path (no shadow weights, no extra ops),
 *    and a quantized net whose master weights already lie on the quantizer's
 *    grid gives bit-identical logits and gradients to the float net;
 *  - the forward really uses the quantized weights, the binary STE clips,
 *    the int8 activation range follows the EMA in training only;
 *  - a tiny CNN trains with int8, hybrid and int8-act quantization to high
 *    held-out accuracy on separable synthetic data;
 *  - a saved and reloaded quantized model gives the same logits. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "kws/model.h"
#include "kws/net.h"
#include "kws/nn.h"
#include "kws/quant.h"
#include "tests/model/model_fixtures.h"
#include "tests/test.h"

enum { H = 8, W = 8, K = 4, BATCH = 32, N_TRAIN = 1024, N_TEST = 512, EPOCHS = 6 };

#define NET_TEXT                                                                          \
    "input 1 8 8\n"                                                                       \
    "conv2d 8 kernel=3 relu bn maxpool=2\n"                                               \
    "conv2d 8 kernel=3 relu\n"                                                            \
    "flatten\n"                                                                           \
    "dense 16 relu dropout=0.1\n"                                                         \
    "dense 16 relu bn\n"                                                                  \
    "dense 4\n"

static int make_net(kws_net *net, const char *text, kws_quant_mode mode)
{
    kws_topology t;
    kws_error e;
    if (fx_parse(&t, text) != KWS_OK || kws_quant_apply_mode(&t, mode, &e) != KWS_OK ||
        kws_net_create(net, &t, BATCH, &e) != KWS_OK)
        return 0;
    kws_net_init(net, 2024);
    return 1;
}

/* Replaces each layer's weights by a power-of-two int8 grid (one value of
 * +-127 steps per output channel), on which int8 quantization is exact. */
static void snap_to_grid(kws_net *net)
{
    const kws_topology *t = &net->topo;
    for (int i = 0; i < t->n_layers; i++) {
        const kws_layer_spec *l = &t->layers[i];
        if (!l->n_weight)
            continue;
        size_t per = l->n_weight / (size_t)l->units;
        for (int c = 0; c < l->units; c++) {
            float *w = net->params + l->weight_off + (size_t)c * per;
            float m = kws_quant_absmax_f32(w, per);
            float step = ldexpf(1.0f, (int)floorf(log2f(m / 127.0f)));
            for (size_t j = 0; j < per; j++) {
                float q = roundf(w[j] / step);
                w[j] = step * (q > 127 ? 127 : q < -127 ? -127 : q);
            }
            w[0] = 127.0f * step;
        }
    }
}

/* One TRAIN forward + backward on the first batch; returns the loss. */
static float step(kws_net *net, const float *x, const int *y)
{
    float probs[BATCH * K], dl[BATCH * K];
    kws_net_zero_grad(net);
    kws_net_forward(net, x, BATCH, KWS_MODE_TRAIN);
    float loss = kws_softmax_xent_forward_f32(probs, net->logits, y, NULL, BATCH, K);
    kws_softmax_xent_backward_f32(dl, probs, y, NULL, BATCH, K);
    kws_net_backward(net, dl);
    return loss;
}

static void test_float_path(const float *x, const int *y)
{
    kws_net f, q;
    if (!CHECK(make_net(&f, NET_TEXT, KWS_QUANT_FLOAT)) ||
        !CHECK(make_net(&q, NET_TEXT, KWS_QUANT_INT8)))
        return;
    /* float: nothing added */
    CHECK(f.qparams == NULL);
    CHECK_EQ_INT(f.n_ops, 14);
    for (int i = 0; i < f.n_ops; i++)
        CHECK(f.ops[i].kind != KWS_OP_ACTQUANT);
    CHECK(q.qparams != NULL);
    CHECK_EQ_INT(q.n_ops, f.n_ops);

    /* on the grid, the int8 net is the float net, bit for bit */
    snap_to_grid(&f);
    kws_net_set_params(&q, f.params, f.bn_stats);
    q.rng = f.rng;
    float lf = step(&f, x, y), lq = step(&q, x, y);
    CHECK(lf == lq);
    CHECK(memcmp(f.logits, q.logits, sizeof(float) * BATCH * K) == 0);
    CHECK(memcmp(f.grads, q.grads, sizeof(float) * f.n_params) == 0);
    CHECK(memcmp(f.bn_stats, q.bn_stats, sizeof(float) * f.n_stats) == 0);
    kws_net_forward(&f, x, BATCH, KWS_MODE_INFER);
    kws_net_forward(&q, x, BATCH, KWS_MODE_INFER);
    CHECK(memcmp(f.logits, q.logits, sizeof(float) * BATCH * K) == 0);
    kws_net_free(&f);
    kws_net_free(&q);
}

/* The binary STE: master weights beyond +-1 get no gradient. */
static void test_binary_ste(const float *x, const int *y)
{
    kws_net q;
    if (!CHECK(make_net(&q, NET_TEXT, KWS_QUANT_HYBRID)))
        return;
    const kws_layer_spec *d = &q.topo.layers[3]; /* dense 16, binary */
    CHECK(d->wq == KWS_QW_BINARY);
    float *w = q.params + d->weight_off;
    for (size_t i = 0; i < d->n_weight; i += 7)
        w[i] = i % 2 ? 1.5f : -1.25f;
    step(&q, x, y);
    int clipped = 1, some = 0;
    for (size_t i = 0; i < d->n_weight; i++) {
        float g = q.grads[d->weight_off + i];
        if (fabsf(w[i]) > 1.0f)
            clipped &= g == 0.0f;
        else
            some |= g != 0.0f;
    }
    CHECK(clipped);
    CHECK(some);
    /* the shadow holds +-alpha per row */
    float a = q.qparams[d->weight_off];
    CHECK(a != 0.0f);
    int pm = 1;
    for (size_t i = 0; i < d->n_weight / (size_t)d->units; i++)
        pm &= fabsf(q.qparams[d->weight_off + i]) == fabsf(a);
    CHECK(pm);
    kws_net_free(&q);
}

/* The int8 activation range: set by the first TRAIN batch, an EMA after,
 * untouched by INFER. */
static void test_act_range(const float *x)
{
    kws_net q;
    if (!CHECK(make_net(&q, NET_TEXT, KWS_QUANT_INT8_ACT)))
        return;
    CHECK_EQ_INT(q.n_ops, 14 + 5);
    const kws_layer_spec *l0 = &q.topo.layers[0];
    float *r0 = q.bn_stats + l0->act_off;
    CHECK(*r0 == 0.0f);
    kws_net_forward(&q, x, BATCH, KWS_MODE_TRAIN);
    /* ops: conv, relu, maxpool, bn, actquant */
    const kws_net_op *aq = &q.ops[4];
    CHECK(aq->kind == KWS_OP_ACTQUANT);
    size_t n = (size_t)BATCH * aq->out_c * aq->out_h * aq->out_w;
    float m1 = kws_quant_absmax_f32(aq->in, n);
    CHECK(*r0 == m1);
    float qmax = kws_quant_absmax_f32(aq->out, n);
    CHECK_NEAR(qmax, m1, m1 / 254.0f);
    kws_net_forward(&q, x + BATCH * H * W, BATCH, KWS_MODE_TRAIN);
    float m2 = kws_quant_absmax_f32(aq->in, n);
    CHECK(*r0 == (1.0f - KWS_ACT_RANGE_MOMENTUM) * m1 + KWS_ACT_RANGE_MOMENTUM * m2);
    float keep = *r0;
    kws_net_forward(&q, x, BATCH, KWS_MODE_INFER);
    CHECK(*r0 == keep);
    kws_net_free(&q);
}

static void train_mode(kws_quant_mode mode, const float *xtr, const int *ytr, const float *xte,
                       const int *yte)
{
    kws_net net;
    if (!CHECK(make_net(&net, NET_TEXT, mode)))
        return;
    kws_adam opt = {3e-3f, 0.9f, 0.999f, 1e-8f, 1e-4f, 1, 0};
    float probs[BATCH * K], dlogits[BATCH * K];
    for (int ep = 0; ep < EPOCHS; ep++)
        for (int s = 0; s + BATCH <= N_TRAIN; s += BATCH) {
            kws_net_zero_grad(&net);
            kws_net_forward(&net, xtr + (size_t)s * H * W, BATCH, KWS_MODE_TRAIN);
            kws_softmax_xent_forward_f32(probs, net.logits, ytr + s, NULL, BATCH, K);
            kws_softmax_xent_backward_f32(dlogits, probs, ytr + s, NULL, BATCH, K);
            kws_net_backward(&net, dlogits);
            kws_adam_step(&opt, net.params, net.grads, net.adam_m, net.adam_v, net.decay_mask,
                          net.n_params);
        }
    float acc = fx_blob_accuracy(&net, xte, yte, N_TEST, BATCH);
    printf("%s: held-out accuracy %.1f %% after %ld steps\n", kws_quant_mode_str(mode),
           100.0 * acc, opt.step);
    CHECK(acc > 0.9f);

    /* weights-only modes: the forward is the float net on the quantized weights */
    if (mode != KWS_QUANT_INT8_ACT) {
        kws_net f;
        if (CHECK(make_net(&f, NET_TEXT, KWS_QUANT_FLOAT))) {
            kws_net_set_params(&f, net.params, net.bn_stats);
            for (int i = 0; i < f.topo.n_layers; i++) {
                const kws_layer_spec *l = &f.topo.layers[i];
                memcpy(f.params + l->weight_off, net.qparams + l->weight_off,
                       l->n_weight * sizeof(float));
            }
            kws_net_forward(&f, xte, BATCH, KWS_MODE_INFER);
            kws_net_forward(&net, xte, BATCH, KWS_MODE_INFER);
            CHECK(memcmp(f.logits, net.logits, sizeof(float) * BATCH * K) == 0);
            kws_net_free(&f);
        }
    }

    /* through the file: same topology text, same logits */
    float norm[2 * 8];
    kws_model m, back;
    kws_error e;
    fx_model(&m, &net, norm);
    uint8_t *bytes;
    size_t len;
    kws_net_forward(&net, xte, BATCH, KWS_MODE_INFER);
    if (CHECK(kws_model_serialize(&m, &bytes, &len, &e) == KWS_OK)) {
        if (CHECK(kws_model_parse(&back, bytes, len, NULL, NULL, &e) == KWS_OK)) {
            int same = back.topo.n_stats == net.topo.n_stats;
            for (int i = 0; i < net.topo.n_layers; i++)
                same &= back.topo.layers[i].wq == net.topo.layers[i].wq &&
                        back.topo.layers[i].aq == net.topo.layers[i].aq;
            CHECK(same);
            kws_net n2;
            if (CHECK(kws_net_create(&n2, &back.topo, BATCH, &e) == KWS_OK)) {
                kws_net_set_params(&n2, back.params, back.bn_stats);
                kws_net_forward(&n2, xte, BATCH, KWS_MODE_INFER);
                CHECK(memcmp(n2.logits, net.logits, sizeof(float) * BATCH * K) == 0);
                kws_net_free(&n2);
            }
            kws_model_free(&back);
        }
        free(bytes);
    }
    if (mode == KWS_QUANT_INT8_ACT)
        for (int i = 0; i < net.topo.n_layers; i++)
            if (net.topo.layers[i].aq == KWS_QA_INT8)
                CHECK(net.bn_stats[net.topo.layers[i].act_off] > 0.0f);
    kws_net_free(&net);
}

int main(void)
{
    kws_rng r;
    kws_rng_seed(&r, 77);
    float *xtr = malloc(sizeof(float) * N_TRAIN * H * W);
    float *xte = malloc(sizeof(float) * N_TEST * H * W);
    int *ytr = malloc(sizeof(int) * N_TRAIN), *yte = malloc(sizeof(int) * N_TEST);
    fx_blob_data(xtr, ytr, N_TRAIN, &r);
    fx_blob_data(xte, yte, N_TEST, &r);

    test_float_path(xtr, ytr);
    test_binary_ste(xtr, ytr);
    test_act_range(xtr);
    train_mode(KWS_QUANT_INT8, xtr, ytr, xte, yte);
    train_mode(KWS_QUANT_HYBRID, xtr, ytr, xte, yte);
    train_mode(KWS_QUANT_INT8_ACT, xtr, ytr, xte, yte);
    train_mode(KWS_QUANT_BINARY_CONV, xtr, ytr, xte, yte);

    free(xtr);
    free(xte);
    free(ytr);
    free(yte);
    return test_summary("test_quant_net");
}
