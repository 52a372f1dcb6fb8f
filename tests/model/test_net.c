/* test_net.c - the network built from a topology: forward equals the same
 * kws/nn.h layers chained by hand (bit for bit, train and infer), backward
 * agrees with finite differences on parameters of every layer, init is
 * deterministic with He / Glorot scales, decay mask and zero-grad, and the
 * paper network runs. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "kws/net.h"
#include "kws/nn.h"
#include "tests/model/model_fixtures.h"
#include "tests/test.h"

/* Every kind of op, both post-op orders, dropout in conv and dense, bn
 * after dense (HW = 1), maxpool on an odd size (6x7 -> 3x3). */
#define SMALL_NET                                                                          \
    "input 1 6 7\n"                                                                        \
    "conv2d 3 kernel=3 relu bn\n"                                                          \
    "conv2d 4 kernel=3 bn relu maxpool=2 dropout=0.25\n"                                   \
    "flatten\n"                                                                            \
    "dense 5 relu bn dropout=0.5\n"                                                        \
    "dense 3\n"

enum { SB = 4, SIN = 6 * 7 };

static float max_abs_diff(const float *a, const float *b, size_t n)
{
    float m = 0.0f;
    for (size_t i = 0; i < n; i++) {
        float d = fabsf(a[i] - b[i]);
        if (!(d <= m))
            m = d; /* NaN counts as a difference */
    }
    return m;
}

/* The SMALL_NET forward written out with the nn layers. params/stats are
 * the net's (stats updated in train mode); rng is consumed like the net's. */
static void manual_forward(float *logits, const kws_topology *t, const float *P, float *S,
                           const float *x, int B, kws_mode mode, kws_rng *rng)
{
    const kws_layer_spec *L = t->layers;
    float *a1 = malloc(sizeof(float) * B * 3 * 42), *a2 = malloc(sizeof(float) * B * 3 * 42);
    float *a3 = malloc(sizeof(float) * B * 4 * 42), *a4 = malloc(sizeof(float) * B * 4 * 42);
    float *a5 = malloc(sizeof(float) * B * 36), *a6 = malloc(sizeof(float) * B * 36);
    float *mask = malloc(sizeof(float) * B * 36);
    int32_t *am = malloc(sizeof(int32_t) * B * 36);
    float *d1 = malloc(sizeof(float) * B * 5), *d2 = malloc(sizeof(float) * B * 5);
    float *d3 = malloc(sizeof(float) * B * 5);
    float mean[8], invstd[8];
    size_t s0 = kws_conv2d_scratch_size(B, 1, 3, 6, 7, 3);
    size_t s1 = kws_conv2d_scratch_size(B, 3, 4, 6, 7, 3);
    float *scratch = malloc(sizeof(float) * (s0 > s1 ? s0 : s1));
    int train = mode == KWS_MODE_TRAIN;

    /* conv2d: conv, relu, bn */
    kws_conv2d_forward_f32(a1, x, P + L[0].weight_off, P + L[0].bias_off, B, 1, 3, 6, 7, 3,
                           scratch);
    kws_relu_forward_f32(a1, a1, (size_t)B * 3 * 42);
    if (train)
        kws_batchnorm_forward_train_f32(a2, mean, invstd, S + L[0].stat_off, S + L[0].stat_off + 3,
                                        a1, P + L[0].gamma_off, P + L[0].beta_off, B, 3, 42,
                                        0.1f, 1e-3f);
    else
        kws_batchnorm_forward_infer_f32(a2, a1, P + L[0].gamma_off, P + L[0].beta_off,
                                        S + L[0].stat_off, S + L[0].stat_off + 3, B, 3, 42, 1e-3f);
    /* conv2d_1: conv, bn, relu, maxpool, dropout */
    kws_conv2d_forward_f32(a3, a2, P + L[1].weight_off, P + L[1].bias_off, B, 3, 4, 6, 7, 3,
                           scratch);
    if (train)
        kws_batchnorm_forward_train_f32(a4, mean, invstd, S + L[1].stat_off, S + L[1].stat_off + 4,
                                        a3, P + L[1].gamma_off, P + L[1].beta_off, B, 4, 42,
                                        0.1f, 1e-3f);
    else
        kws_batchnorm_forward_infer_f32(a4, a3, P + L[1].gamma_off, P + L[1].beta_off,
                                        S + L[1].stat_off, S + L[1].stat_off + 4, B, 4, 42, 1e-3f);
    kws_relu_forward_f32(a4, a4, (size_t)B * 4 * 42);
    kws_maxpool2x2_forward_f32(a5, am, a4, B, 4, 6, 7);
    if (train)
        kws_dropout_forward_f32(a6, mask, a5, (size_t)B * 36, 0.25f, rng);
    else
        memcpy(a6, a5, sizeof(float) * B * 36);
    /* flatten (a view), dense: product, relu, bn (HW = 1), dropout */
    kws_dense_forward_f32(d1, a6, P + L[3].weight_off, P + L[3].bias_off, B, 36, 5);
    kws_relu_forward_f32(d1, d1, (size_t)B * 5);
    if (train)
        kws_batchnorm_forward_train_f32(d2, mean, invstd, S + L[3].stat_off, S + L[3].stat_off + 5,
                                        d1, P + L[3].gamma_off, P + L[3].beta_off, B, 5, 1, 0.1f,
                                        1e-3f);
    else
        kws_batchnorm_forward_infer_f32(d2, d1, P + L[3].gamma_off, P + L[3].beta_off,
                                        S + L[3].stat_off, S + L[3].stat_off + 5, B, 5, 1, 1e-3f);
    if (train)
        kws_dropout_forward_f32(d3, mask, d2, (size_t)B * 5, 0.5f, rng);
    else
        memcpy(d3, d2, sizeof(float) * B * 5);
    /* dense_1 */
    kws_dense_forward_f32(logits, d3, P + L[4].weight_off, P + L[4].bias_off, B, 5, 3);

    free(a1); free(a2); free(a3); free(a4); free(a5); free(a6); free(mask); free(am);
    free(d1); free(d2); free(d3); free(scratch);
}

static void perturb_stats(kws_net *net, kws_rng *r)
{
    /* non-trivial running stats and affine parameters for the infer path */
    for (int i = 0; i < net->topo.n_layers; i++) {
        const kws_layer_spec *l = &net->topo.layers[i];
        for (size_t c = 0; c < l->n_bn; c++) {
            net->params[l->gamma_off + c] = 0.5f + kws_rng_uniform(r);
            net->params[l->beta_off + c] = kws_rng_uniform(r) - 0.5f;
            net->bn_stats[l->stat_off + c] = kws_rng_uniform(r) - 0.5f;
            net->bn_stats[l->stat_off + l->n_bn + c] = 0.5f + kws_rng_uniform(r);
        }
    }
}

static void test_forward_matches_chain(void)
{
    kws_topology t;
    if (!CHECK(fx_parse(&t, SMALL_NET) == KWS_OK))
        return;
    kws_net net;
    kws_error e;
    if (!CHECK(kws_net_create(&net, &t, SB, &e) == KWS_OK))
        return;
    kws_net_init(&net, 42);
    kws_rng r;
    kws_rng_seed(&r, 1);
    perturb_stats(&net, &r);
    float x[SB * SIN], logits[SB * 3];
    fx_fill_uniform(x, SB * SIN, &r, -2.0f, 2.0f);

    for (int mode = KWS_MODE_INFER; mode <= KWS_MODE_TRAIN; mode++) {
        float *stats = malloc(sizeof(float) * net.n_stats);
        memcpy(stats, net.bn_stats, sizeof(float) * net.n_stats);
        kws_rng rng = net.rng;
        manual_forward(logits, &net.topo, net.params, stats, x, SB, (kws_mode)mode, &rng);
        CHECK(kws_net_forward(&net, x, SB, (kws_mode)mode) == KWS_OK);
        float d = max_abs_diff(net.logits, logits, SB * 3);
        if (!CHECK(d == 0.0f))
            fprintf(stderr, "     mode %d: logits differ by %g\n", mode, (double)d);
        CHECK(max_abs_diff(net.bn_stats, stats, net.n_stats) == 0.0f);
        CHECK(memcmp(&rng, &net.rng, sizeof rng) == 0);
        free(stats);
    }
    /* infer mode leaves the running stats and the rng alone; twice is the same */
    float first[SB * 3];
    kws_net_forward(&net, x, SB, KWS_MODE_INFER);
    memcpy(first, net.logits, sizeof first);
    kws_rng before = net.rng;
    kws_net_forward(&net, x, SB, KWS_MODE_INFER);
    CHECK(memcmp(first, net.logits, sizeof first) == 0);
    CHECK(memcmp(&before, &net.rng, sizeof before) == 0);
    /* a smaller batch works; a larger one and backward after infer are refused */
    CHECK(kws_net_forward(&net, x, 1, KWS_MODE_INFER) == KWS_OK);
    CHECK(memcmp(first, net.logits, 3 * sizeof(float)) == 0);
    CHECK(kws_net_forward(&net, x, SB + 1, KWS_MODE_INFER) == KWS_ERR_ARG);
    CHECK(kws_net_backward(&net, first) == KWS_ERR_ARG);
    kws_net_free(&net);
}

/* ---- gradient check ----------------------------------------------------------- */

/* Finite differences in float32 with a step of eps and eps/2: when the two
 * disagree a ReLU or pool switched inside the step and the parameter is
 * skipped; otherwise the eps/2 estimate must match the analytic gradient to
 * 1 % (+ 1e-3 absolute). The net's BN statistics use small batches, so the
 * loss is curved: steps much above 2e-3 fail on smooth parameters. */

/* L = sum c * logits, with the dropout rng rewound so masks repeat. */
static double loss_of(kws_net *net, const float *x, int B, const float *c, const kws_rng *rng)
{
    net->rng = *rng;
    kws_net_forward(net, x, B, KWS_MODE_TRAIN);
    double L = 0.0;
    for (int i = 0; i < B * net->topo.n_classes; i++)
        L += (double)c[i] * (double)net->logits[i];
    return L;
}

static double fd(kws_net *net, size_t j, float eps, const float *x, int B, const float *c,
                 const kws_rng *rng)
{
    float keep = net->params[j];
    net->params[j] = keep + eps;
    double lp = loss_of(net, x, B, c, rng);
    net->params[j] = keep - eps;
    double lm = loss_of(net, x, B, c, rng);
    net->params[j] = keep;
    return (lp - lm) / (2.0 * (double)eps);
}

static void gradcheck(const char *text, float eps)
{
    kws_topology t;
    if (!CHECK(fx_parse(&t, text) == KWS_OK))
        return;
    kws_net net;
    kws_error e;
    if (!CHECK(kws_net_create(&net, &t, SB, &e) == KWS_OK))
        return;
    kws_net_init(&net, 3);
    kws_rng r;
    kws_rng_seed(&r, 5);
    perturb_stats(&net, &r);
    float x[SB * SIN], c[SB * 3];
    fx_fill_uniform(x, SB * SIN, &r, -2.0f, 2.0f);
    fx_fill_uniform(c, SB * net.topo.n_classes, &r, -1.0f, 1.0f);
    kws_rng rng0 = net.rng;

    kws_net_zero_grad(&net);
    loss_of(&net, x, SB, c, &rng0);
    CHECK(kws_net_backward(&net, c) == KWS_OK);
    float *g = malloc(sizeof(float) * net.n_params);
    memcpy(g, net.grads, sizeof(float) * net.n_params);

    /* backward accumulates; zero_grad clears */
    kws_net_backward(&net, c);
    CHECK(max_abs_diff(net.grads, g, net.n_params) > 0.0f);
    int doubled = 1;
    for (size_t j = 0; j < net.n_params; j++)
        doubled &= fabsf(net.grads[j] - 2.0f * g[j]) <= 1e-6f * (1.0f + fabsf(g[j]));
    CHECK(doubled);
    kws_net_zero_grad(&net);
    int zero = 1;
    for (size_t j = 0; j < net.n_params; j++)
        zero &= net.grads[j] == 0.0f;
    CHECK(zero);

    int checked = 0, kinks = 0, failed = 0;
    for (int i = 0; i < net.topo.n_layers; i++) {
        const kws_layer_spec *l = &net.topo.layers[i];
        if (l->kind == KWS_LAYER_FLATTEN)
            continue;
        size_t idx[10];
        int n = 0;
        for (int k = 0; k < 5; k++)
            idx[n++] = l->weight_off + (size_t)kws_rng_below(&r, (int)l->n_weight);
        idx[n++] = l->bias_off + (size_t)kws_rng_below(&r, (int)l->n_bias);
        if (l->n_bn) {
            idx[n++] = l->gamma_off + (size_t)kws_rng_below(&r, (int)l->n_bn);
            idx[n++] = l->beta_off + (size_t)kws_rng_below(&r, (int)l->n_bn);
        }
        for (int k = 0; k < n; k++) {
            size_t j = idx[k];
            double n1 = fd(&net, j, eps, x, SB, c, &rng0);
            double n2 = fd(&net, j, 0.5f * eps, x, SB, c, &rng0);
            double a = g[j];
            double scale = fmax(fabs(a), fmax(fabs(n1), fabs(n2)));
            if (fabs(n1 - n2) > 1e-2 * scale + 1e-3) {
                kinks++; /* a ReLU or pool switched inside the step: no verdict */
                continue;
            }
            checked++;
            if (fabs(a - n2) > 1e-2 * scale + 1e-3) {
                failed++;
                fprintf(stderr, "     %s param %zu: analytic %.6g numeric %.6g\n", l->name, j, a,
                        n2);
            }
        }
    }
    printf("gradcheck: %d parameters checked, %d skipped at kinks, %d failed\n", checked, kinks,
           failed);
    CHECK_EQ_INT(failed, 0);
    CHECK(checked >= 3 * (checked + kinks) / 4);
    free(g);
    kws_net_free(&net);
}

/* ---- init, decay mask, the paper network --------------------------------------- */

static void moments(const float *w, size_t n, double *mean, double *sd, float *maxabs)
{
    double s = 0.0, s2 = 0.0;
    float m = 0.0f;
    for (size_t i = 0; i < n; i++) {
        s += w[i];
        s2 += (double)w[i] * w[i];
        if (fabsf(w[i]) > m)
            m = fabsf(w[i]);
    }
    *mean = s / (double)n;
    *sd = sqrt(s2 / (double)n - *mean * *mean);
    *maxabs = m;
}

static void test_paper_net(void)
{
    char path[1024];
    kws_topology t;
    kws_error e;
    if (!CHECK(kws_topology_load(&t, fx_source_path("models/paper.kwsnet", path, sizeof path),
                                 NULL, &e) == KWS_OK))
        return;
    kws_net a, b;
    if (!CHECK(kws_net_create(&a, &t, 2, &e) == KWS_OK))
        return;
    if (!CHECK(kws_net_create(&b, &t, 1, &e) == KWS_OK)) {
        kws_net_free(&a);
        return;
    }
    CHECK_EQ_INT(a.n_params, 556346);
    CHECK_EQ_INT(a.n_stats, 448);

    kws_net_init(&a, 1);
    kws_net_init(&b, 1);
    CHECK(memcmp(a.params, b.params, sizeof(float) * a.n_params) == 0);
    CHECK(memcmp(a.bn_stats, b.bn_stats, sizeof(float) * a.n_stats) == 0);
    kws_net_init(&b, 2);
    CHECK(memcmp(a.params, b.params, sizeof(float) * a.n_params) != 0);

    const kws_layer_spec *c5 = &a.topo.layers[5], *d2 = &a.topo.layers[9];
    double mean, sd;
    float mx;
    moments(a.params + c5->weight_off, c5->n_weight, &mean, &sd, &mx);
    CHECK_NEAR(sd, sqrt(2.0 / (64 * 9)), 0.03 * sqrt(2.0 / (64 * 9))); /* He normal */
    CHECK_NEAR(mean, 0.0, 0.01 * sd * 10);
    moments(a.params + d2->weight_off, d2->n_weight, &mean, &sd, &mx);
    double lim = sqrt(6.0 / (64 + 10));                                 /* Glorot uniform */
    CHECK(mx <= lim);
    CHECK_NEAR(sd, lim / sqrt(3.0), 0.1 * lim / sqrt(3.0));
    int init_ok = 1;
    for (int i = 0; i < a.topo.n_layers; i++) {
        const kws_layer_spec *l = &a.topo.layers[i];
        for (size_t k = 0; k < l->n_bias; k++)
            init_ok &= a.params[l->bias_off + k] == 0.0f;
        for (size_t k = 0; k < l->n_bn; k++)
            init_ok &= a.params[l->gamma_off + k] == 1.0f && a.params[l->beta_off + k] == 0.0f &&
                       a.bn_stats[l->stat_off + k] == 0.0f &&
                       a.bn_stats[l->stat_off + l->n_bn + k] == 1.0f;
    }
    CHECK(init_ok);

    /* decay mask: the weights only */
    size_t ones = 0;
    for (size_t j = 0; j < a.n_params; j++)
        ones += a.decay_mask[j];
    CHECK_EQ_INT(ones, 555898 - (16 + 16 + 32 + 32 + 64 + 64 + 64 + 64 + 10));
    CHECK_EQ_INT(a.decay_mask[c5->weight_off], 1);
    CHECK_EQ_INT(a.decay_mask[c5->bias_off], 0);
    CHECK_EQ_INT(a.decay_mask[a.topo.layers[0].gamma_off], 0);

    /* a forward and backward of the full network run and give finite values */
    kws_rng r;
    kws_rng_seed(&r, 9);
    float *x = malloc(sizeof(float) * 2 * 38 * 55);
    fx_fill_uniform(x, 2 * 38 * 55, &r, -1.0f, 1.0f);
    CHECK(kws_net_forward(&a, x, 2, KWS_MODE_TRAIN) == KWS_OK);
    int finite = 1;
    for (int i = 0; i < 20; i++)
        finite &= isfinite(a.logits[i]);
    CHECK(finite);
    float dl[20];
    for (int i = 0; i < 20; i++)
        dl[i] = 0.05f * (float)(i % 3);
    kws_net_zero_grad(&a);
    CHECK(kws_net_backward(&a, dl) == KWS_OK);
    double gsum = 0.0;
    for (size_t j = 0; j < a.n_params; j++)
        gsum += fabs(a.grads[j]);
    CHECK(isfinite(gsum) && gsum > 0.0);
    CHECK(kws_net_forward(&a, x, 2, KWS_MODE_INFER) == KWS_OK);
    free(x);
    kws_net_free(&a);
    kws_net_free(&b);

    /* batch limits */
    CHECK(kws_net_create(&a, &t, 0, &e) == KWS_ERR_ARG);
    CHECK(kws_net_create(&a, &t, KWS_NET_MAX_BATCH, &e) == KWS_ERR_ARG);
    CHECK(strstr(e.msg, "batch") != NULL);
    kws_net_free(&a);
    kws_net_free(NULL);
}

int main(void)
{
    test_forward_matches_chain();
    /* the whole small net, then each op alone behind a conv or dense */
    static const char *const nets[] = {
        SMALL_NET,
        "input 1 6 7\nconv2d 3 kernel=3 relu\nflatten\ndense 3\n",
        "input 1 6 7\nconv2d 3 kernel=5 bn\nflatten\ndense 3\n",
        "input 1 6 7\nconv2d 3 kernel=3 maxpool=2\nflatten\ndense 3\n",
        "input 1 6 7\nconv2d 3 kernel=3 dropout=0.5\nflatten\ndense 3\n",
        "input 1 6 7\nflatten\ndense 5 bn relu\ndense 3\n",
    };
    for (size_t i = 0; i < sizeof nets / sizeof nets[0]; i++)
        gradcheck(nets[i], 2e-3f);
    test_paper_net();
    return test_summary("test_model_net");
}
