/* paper_net.h - the paper's network chained from the kws_nn layers, for the
 * PyTorch parity test (test_nn_torch.c) and the benchmark (bench/bench_nn.c).
 * Not the trainer's network: no checkpoints, no inference path, no options.
 *
 *   in (B, 1, 38, 55)
 *   conv0 1->16   BN ReLU            (B, 16, 38, 55)
 *   conv1 16->16  BN ReLU maxpool    (B, 16, 19, 27)
 *   conv2 16->32  BN ReLU            (B, 32, 19, 27)
 *   conv3 32->32  BN ReLU maxpool    (B, 32,  9, 13)
 *   conv4 32->64  BN ReLU            (B, 64,  9, 13)
 *   conv5 64->64  BN ReLU            (B, 64,  9, 13) -> flatten (B, 7488)
 *   dense0 7488->64 ReLU             (B, 64)
 *   dense1 64->64 BN(bn6) ReLU       (B, 64)
 *   dense2 64->10                    (B, 10) logits, softmax-xent
 *
 * All parameters live in one flat buffer (grads in the same layout), in the
 * order of pn_param_names; pn->p[i] / pn->g[i] point at tensor i.
 */
#ifndef KWS_TESTS_PAPER_NET_H
#define KWS_TESTS_PAPER_NET_H

#include <stdlib.h>
#include <string.h>
#include "kws/nn.h"

enum { PN_NCONV = 6, PN_H = 38, PN_W = 55, PN_FLAT = 7488, PN_HID = 64, PN_CLASSES = 10 };
static const int pn_cin[PN_NCONV] = {1, 16, 16, 32, 32, 64};
static const int pn_cout[PN_NCONV] = {16, 16, 32, 32, 64, 64};
static const int pn_pool[PN_NCONV] = {0, 1, 0, 1, 0, 0};

/* parameter tensors, in buffer order */
enum {
    PN_CONV0 = 0, /* conv i: weight 4i, bias 4i+1, bn gamma 4i+2, bn beta 4i+3 */
    PN_D0W = 24, PN_D0B, PN_D1W, PN_D1B, PN_BN6G, PN_BN6B, PN_D2W, PN_D2B, PN_NPARAM
};
static const char *const pn_param_names[PN_NPARAM] = {
    "conv0.weight", "conv0.bias", "bn0.gamma", "bn0.beta",
    "conv1.weight", "conv1.bias", "bn1.gamma", "bn1.beta",
    "conv2.weight", "conv2.bias", "bn2.gamma", "bn2.beta",
    "conv3.weight", "conv3.bias", "bn3.gamma", "bn3.beta",
    "conv4.weight", "conv4.bias", "bn4.gamma", "bn4.beta",
    "conv5.weight", "conv5.bias", "bn5.gamma", "bn5.beta",
    "dense0.weight", "dense0.bias", "dense1.weight", "dense1.bias",
    "bn6.gamma", "bn6.beta", "dense2.weight", "dense2.bias"};

typedef struct {
    int B;
    float eps, momentum;
    size_t count[PN_NPARAM], nparams;
    float *params, *grads;            /* (nparams) flat */
    float *p[PN_NPARAM], *g[PN_NPARAM];
    float *run_mean[PN_NCONV + 1], *run_var[PN_NCONV + 1]; /* (C) */
    float *mean[PN_NCONV + 1], *invstd[PN_NCONV + 1];      /* (C) saved by forward */
    int h[PN_NCONV], w[PN_NCONV];      /* conv i works on (h, w) */
    float *conv[PN_NCONV];             /* (B, Cout, h, w) conv output, BN input */
    float *act[PN_NCONV];              /* (B, Cout, h, w) after BN + ReLU */
    float *pool[PN_NCONV];             /* (B, Cout, h/2, w/2) pooled, or NULL */
    int32_t *argmax[PN_NCONV];
    float *d0, *d1, *d1bn, *logits, *probs; /* (B, 64) (B, 64) (B, 64) (B, 10) (B, 10) */
    float *g_act[PN_NCONV], *g_pool[PN_NCONV], *g_input;
    float *g_d0, *g_d1, *g_logits;
    float *scratch;
    float loss;
} paper_net;

static inline size_t pn_act_size(const paper_net *pn, int i)
{
    return (size_t)pn->B * pn_cout[i] * pn->h[i] * pn->w[i];
}

/* The network input of conv i: the previous layer's (pooled) output. */
static inline const float *pn_conv_input(const paper_net *pn, int i, const float *x)
{
    if (i == 0)
        return x;
    return pn_pool[i - 1] ? pn->pool[i - 1] : pn->act[i - 1];
}

static inline float *pn_grad_input(paper_net *pn, int i)
{
    if (i == 0)
        return pn->g_input; /* NULL: not needed */
    return pn_pool[i - 1] ? pn->g_pool[i - 1] : pn->g_act[i - 1];
}

/* want_input_grad: also compute d loss / d input (the trainer would not). */
static inline int paper_net_init(paper_net *pn, int B, int want_input_grad)
{
    memset(pn, 0, sizeof *pn);
    pn->B = B;
    pn->eps = 1e-3f;
    pn->momentum = 0.1f;
    for (int i = 0; i < PN_NCONV; i++) {
        pn->count[4 * i] = (size_t)pn_cout[i] * pn_cin[i] * 9;
        pn->count[4 * i + 1] = pn->count[4 * i + 2] = pn->count[4 * i + 3] = (size_t)pn_cout[i];
    }
    pn->count[PN_D0W] = (size_t)PN_HID * PN_FLAT;
    pn->count[PN_D1W] = (size_t)PN_HID * PN_HID;
    pn->count[PN_D0B] = pn->count[PN_D1B] = pn->count[PN_BN6G] = pn->count[PN_BN6B] = PN_HID;
    pn->count[PN_D2W] = (size_t)PN_CLASSES * PN_HID;
    pn->count[PN_D2B] = PN_CLASSES;
    for (int t = 0; t < PN_NPARAM; t++)
        pn->nparams += pn->count[t];
    pn->params = calloc(pn->nparams, sizeof(float));
    pn->grads = calloc(pn->nparams, sizeof(float));
    if (!pn->params || !pn->grads)
        return -1;
    size_t off = 0;
    for (int t = 0; t < PN_NPARAM; t++) {
        pn->p[t] = pn->params + off;
        pn->g[t] = pn->grads + off;
        off += pn->count[t];
    }
    int h = PN_H, w = PN_W;
    size_t scratch = 0;
    for (int i = 0; i < PN_NCONV; i++) {
        pn->h[i] = h;
        pn->w[i] = w;
        const size_t s = kws_conv2d_scratch_size(B, pn_cin[i], pn_cout[i], h, w, 3);
        scratch = s > scratch ? s : scratch;
        const size_t n = pn_act_size(pn, i);
        pn->conv[i] = malloc(sizeof(float) * n);
        pn->act[i] = malloc(sizeof(float) * n);
        pn->g_act[i] = malloc(sizeof(float) * n);
        if (!pn->conv[i] || !pn->act[i] || !pn->g_act[i])
            return -1;
        if (pn_pool[i]) {
            h /= 2;
            w /= 2;
            const size_t np = (size_t)B * pn_cout[i] * h * w;
            pn->pool[i] = malloc(sizeof(float) * np);
            pn->g_pool[i] = malloc(sizeof(float) * np);
            pn->argmax[i] = malloc(sizeof(int32_t) * np);
            if (!pn->pool[i] || !pn->g_pool[i] || !pn->argmax[i])
                return -1;
        }
    }
    for (int i = 0; i <= PN_NCONV; i++) {
        const int C = i < PN_NCONV ? pn_cout[i] : PN_HID;
        pn->run_mean[i] = calloc((size_t)C, sizeof(float));
        pn->run_var[i] = malloc(sizeof(float) * C);
        pn->mean[i] = malloc(sizeof(float) * C);
        pn->invstd[i] = malloc(sizeof(float) * C);
        if (!pn->run_mean[i] || !pn->run_var[i] || !pn->mean[i] || !pn->invstd[i])
            return -1;
        for (int c = 0; c < C; c++)
            pn->run_var[i][c] = 1.0f;
    }
    pn->scratch = malloc(sizeof(float) * scratch);
    pn->d0 = malloc(sizeof(float) * B * PN_HID);
    pn->d1 = malloc(sizeof(float) * B * PN_HID);
    pn->d1bn = malloc(sizeof(float) * B * PN_HID);
    pn->logits = malloc(sizeof(float) * B * PN_CLASSES);
    pn->probs = malloc(sizeof(float) * B * PN_CLASSES);
    pn->g_d0 = malloc(sizeof(float) * B * PN_HID);
    pn->g_d1 = malloc(sizeof(float) * B * PN_HID);
    pn->g_logits = malloc(sizeof(float) * B * PN_CLASSES);
    if (want_input_grad)
        pn->g_input = malloc(sizeof(float) * B * PN_H * PN_W);
    if (!pn->scratch || !pn->d0 || !pn->d1 || !pn->d1bn || !pn->logits || !pn->probs ||
        !pn->g_d0 || !pn->g_d1 || !pn->g_logits || (want_input_grad && !pn->g_input))
        return -1;
    return 0;
}

static inline void paper_net_free(paper_net *pn)
{
    free(pn->params); free(pn->grads);
    for (int i = 0; i < PN_NCONV; i++) {
        free(pn->conv[i]); free(pn->act[i]); free(pn->g_act[i]);
        free(pn->pool[i]); free(pn->g_pool[i]); free(pn->argmax[i]);
    }
    for (int i = 0; i <= PN_NCONV; i++) {
        free(pn->run_mean[i]); free(pn->run_var[i]); free(pn->mean[i]); free(pn->invstd[i]);
    }
    free(pn->scratch); free(pn->d0); free(pn->d1); free(pn->d1bn); free(pn->logits);
    free(pn->probs); free(pn->g_d0); free(pn->g_d1); free(pn->g_logits); free(pn->g_input);
}

/* Training-mode forward of x (B, 1, 38, 55); returns the mean loss. */
static inline float paper_net_forward(paper_net *pn, const float *x, const int *labels)
{
    const int B = pn->B;
    for (int i = 0; i < PN_NCONV; i++) {
        const int HW = pn->h[i] * pn->w[i], C = pn_cout[i];
        kws_conv2d_forward_f32(pn->conv[i], pn_conv_input(pn, i, x), pn->p[4 * i],
                               pn->p[4 * i + 1], B, pn_cin[i], C, pn->h[i], pn->w[i], 3,
                               pn->scratch);
        kws_batchnorm_forward_train_f32(pn->act[i], pn->mean[i], pn->invstd[i], pn->run_mean[i],
                                        pn->run_var[i], pn->conv[i], pn->p[4 * i + 2],
                                        pn->p[4 * i + 3], B, C, HW, pn->momentum, pn->eps);
        kws_relu_forward_f32(pn->act[i], pn->act[i], pn_act_size(pn, i));
        if (pn_pool[i])
            kws_maxpool2x2_forward_f32(pn->pool[i], pn->argmax[i], pn->act[i], B, C, pn->h[i],
                                       pn->w[i]);
    }
    const float *flat = pn->act[PN_NCONV - 1]; /* (B, 7488) */
    kws_dense_forward_f32(pn->d0, flat, pn->p[PN_D0W], pn->p[PN_D0B], B, PN_FLAT, PN_HID);
    kws_relu_forward_f32(pn->d0, pn->d0, (size_t)B * PN_HID);
    kws_dense_forward_f32(pn->d1, pn->d0, pn->p[PN_D1W], pn->p[PN_D1B], B, PN_HID, PN_HID);
    kws_batchnorm_forward_train_f32(pn->d1bn, pn->mean[PN_NCONV], pn->invstd[PN_NCONV],
                                    pn->run_mean[PN_NCONV], pn->run_var[PN_NCONV], pn->d1,
                                    pn->p[PN_BN6G], pn->p[PN_BN6B], B, PN_HID, 1, pn->momentum,
                                    pn->eps);
    kws_relu_forward_f32(pn->d1bn, pn->d1bn, (size_t)B * PN_HID);
    kws_dense_forward_f32(pn->logits, pn->d1bn, pn->p[PN_D2W], pn->p[PN_D2B], B, PN_HID,
                          PN_CLASSES);
    pn->loss = kws_softmax_xent_forward_f32(pn->probs, pn->logits, labels, NULL, B, PN_CLASSES);
    return pn->loss;
}

/* Backward after paper_net_forward; zeroes and fills pn->grads (and g_input). */
static inline void paper_net_backward(paper_net *pn, const float *x, const int *labels)
{
    const int B = pn->B;
    memset(pn->grads, 0, sizeof(float) * pn->nparams);
    kws_softmax_xent_backward_f32(pn->g_logits, pn->probs, labels, NULL, B, PN_CLASSES);
    kws_dense_backward_f32(pn->g_d1, pn->g[PN_D2W], pn->g[PN_D2B], pn->g_logits, pn->d1bn,
                           pn->p[PN_D2W], B, PN_HID, PN_CLASSES);
    kws_relu_backward_f32(pn->g_d1, pn->g_d1, pn->d1bn, (size_t)B * PN_HID);
    kws_batchnorm_backward_f32(pn->g_d1, pn->g[PN_BN6G], pn->g[PN_BN6B], pn->g_d1, pn->d1,
                               pn->mean[PN_NCONV], pn->invstd[PN_NCONV], pn->p[PN_BN6G], B,
                               PN_HID, 1);
    kws_dense_backward_f32(pn->g_d0, pn->g[PN_D1W], pn->g[PN_D1B], pn->g_d1, pn->d0,
                           pn->p[PN_D1W], B, PN_HID, PN_HID);
    kws_relu_backward_f32(pn->g_d0, pn->g_d0, pn->d0, (size_t)B * PN_HID);
    kws_dense_backward_f32(pn->g_act[PN_NCONV - 1], pn->g[PN_D0W], pn->g[PN_D0B], pn->g_d0,
                           pn->act[PN_NCONV - 1], pn->p[PN_D0W], B, PN_FLAT, PN_HID);
    for (int i = PN_NCONV - 1; i >= 0; i--) {
        const int HW = pn->h[i] * pn->w[i], C = pn_cout[i];
        if (pn_pool[i])
            kws_maxpool2x2_backward_f32(pn->g_act[i], pn->g_pool[i], pn->argmax[i], B, C,
                                        pn->h[i], pn->w[i]);
        kws_relu_backward_f32(pn->g_act[i], pn->g_act[i], pn->act[i], pn_act_size(pn, i));
        kws_batchnorm_backward_f32(pn->g_act[i], pn->g[4 * i + 2], pn->g[4 * i + 3],
                                   pn->g_act[i], pn->conv[i], pn->mean[i], pn->invstd[i],
                                   pn->p[4 * i + 2], B, C, HW);
        kws_conv2d_backward_f32(pn_grad_input(pn, i), pn->g[4 * i], pn->g[4 * i + 1],
                                pn->g_act[i], pn_conv_input(pn, i, x), pn->p[4 * i], B,
                                pn_cin[i], C, pn->h[i], pn->w[i], 3, pn->scratch);
    }
}

#endif
