/* kws/net.h - a float32 network built from a topology: parameters,
 * activations, forward in training or inference mode, backward (host).
 *
 * Memory (all owned by the net, allocated once by kws_net_create):
 *   params, grads, adam_m, adam_v  (n_params)  one layout, kws/topology.h;
 *                                              the optimizer and zero-grad
 *                                              are flat loops over it
 *   decay_mask                     (n_params)  1 on conv/dense weights,
 *                                              0 on biases and bn gamma/beta
 *   bn_stats                       (n_stats)   running mean, variance,
 *                                              int8 activation ranges
 *   qparams                        (n_params)  quantized copies of the weights
 *                                              of layers with w != float (QAT);
 *                                              NULL when there are none
 *   activations for max_batch samples, saved for backward.
 *
 * Each topology layer becomes a chain of ops (conv2d or dense, then its post
 * ops in the order written; flatten is a view):
 *
 *   input (B,C,H,W) -> [conv2d] -> [relu] -> [maxpool] -> [bn] -> ... -> logits (B,N)
 *
 * Every op writes its own output buffer, except ReLU (in place: no backward
 * needs a ReLU's input) and flatten and inference-mode dropout (aliases).
 *
 * Quantization-aware training (kws/quant.h), from the topology's w= and a=:
 * each forward first fake-quantizes the float master weights of every layer
 * with w != float into qparams; conv2d/dense then run with those, and their
 * backward computes the weight gradient against them and passes it to the
 * master weights through the STE (into grads, for the optimizer). A layer
 * with a != float gets one more op after its post ops, ACTQUANT, which
 * fake-quantizes its output (int8: updating the activation range in
 * training). A topology without w=/a= keys runs exactly the float path.
 *
 * Typical training step:
 *   kws_net_zero_grad(&net);
 *   kws_net_forward(&net, x, B, KWS_MODE_TRAIN);            x: (B, C, H, W)
 *   loss = kws_softmax_xent_forward_f32(probs, net.logits, y, NULL, B, N);
 *   kws_softmax_xent_backward_f32(dlogits, probs, y, NULL, B, N);
 *   kws_net_backward(&net, dlogits);
 *   kws_adam_step(&opt, net.params, net.grads, net.adam_m, net.adam_v,
 *                 net.decay_mask, net.n_params);
 */
#ifndef KWS_NET_H
#define KWS_NET_H

#include <stddef.h>
#include <stdint.h>
#include "kws/error.h"
#include "kws/nn.h"
#include "kws/topology.h"

#define KWS_NET_MAX_OPS (KWS_TOPO_MAX_LAYERS * (3 + KWS_TOPO_MAX_POST))
#define KWS_NET_MAX_BATCH 65536

typedef enum { KWS_MODE_INFER = 0, KWS_MODE_TRAIN = 1 } kws_mode;

typedef enum {
    KWS_OP_CONV2D,
    KWS_OP_DENSE,
    KWS_OP_BATCHNORM,
    KWS_OP_RELU,
    KWS_OP_MAXPOOL,
    KWS_OP_CROP_W,            /* after a time=valid conv: the columns it keeps */
    KWS_OP_DROPOUT,
    KWS_OP_FLATTEN,
    KWS_OP_ACTQUANT           /* a != float: fake-quantizes the layer's output */
} kws_op_kind;

typedef struct {
    kws_op_kind kind;
    int layer;                /* index into topo.layers */
    int in_c, in_h, in_w;     /* one sample's input */
    int out_c, out_h, out_w;  /* one sample's output */
    float *in;                /* (B, in_c, in_h, in_w) the previous op's output */
    float *out;               /* (B, out_c, out_h, out_w) */
    float *bn_mean, *bn_invstd; /* batchnorm: (C) saved by the training forward */
    int32_t *argmax;          /* maxpool: (B, out_c, out_h, out_w) */
    float *mask;              /* dropout: (B, out size) */
} kws_net_op;

typedef struct {
    kws_topology topo;
    int max_batch;
    int batch;                /* B of the last forward, 0 before */
    kws_mode mode;            /* mode of the last forward */

    size_t n_params;
    float *params, *grads, *adam_m, *adam_v; /* (n_params) each, one layout */
    uint8_t *decay_mask;      /* (n_params) */
    size_t n_stats;
    float *bn_stats;          /* (n_stats) */
    float *qparams;           /* (n_params) or NULL: quantized weights (QAT) */

    int n_ops;
    kws_net_op ops[KWS_NET_MAX_OPS];
    float *input;             /* (max_batch, C, H, W) copy of the forward input */
    float *logits;            /* (B, n_classes) after a forward */
    float *grad_a, *grad_b;   /* (max_batch * max_act) backward ping-pong */
    float *scratch;           /* conv im2col, the largest layer's size */
    kws_rng rng;              /* dropout masks; seeded by kws_net_init */

    void *mem_params;         /* allocations (internal) */
    void *mem_act;
} kws_net;

/* Builds the net for batches of up to max_batch samples. Parameters are
 * zero until kws_net_init or kws_net_set_params. The topology is copied. */
kws_status kws_net_create(kws_net *net, const kws_topology *topo, int max_batch, kws_error *err);

/* Frees everything kws_net_create allocated; net may be zeroed or NULL. */
void kws_net_free(kws_net *net);

/* Deterministic initialization from a seed: He normal on conv weights and
 * on dense weights followed by relu, Glorot uniform on other dense weights
 * (the output layer); biases 0; bn gamma 1, beta 0, running mean 0,
 * variance 1, activation ranges 0 (set by the first training batch); grads
 * and Adam moments 0; the dropout rng seeded. Each layer
 * draws from its own stream, so one layer's init does not depend on the
 * size of the layers before it. */
void kws_net_init(kws_net *net, uint64_t seed);

/* Copies parameters (n_params) and bn running stats (n_stats; NULL keeps
 * them) into the net. */
void kws_net_set_params(kws_net *net, const float *params, const float *bn_stats);

/* Forward pass of B <= max_batch samples. in: (B, C, H, W); the result is
 * in net->logits (B, n_classes) until the next forward. TRAIN: batch
 * statistics (and running-stat updates) in bn, dropout active, activations
 * kept for backward. INFER: running statistics, no dropout. */
kws_status kws_net_forward(kws_net *net, const float *in, int B, kws_mode mode);

/* Backward pass after a TRAIN forward: grad_logits (B, n_classes) of that
 * forward's B. ACCUMULATES into net->grads. */
kws_status kws_net_backward(kws_net *net, const float *grad_logits);

/* grads = 0. */
void kws_net_zero_grad(kws_net *net);

/* Fills decay_mask from the topology (kws_net_create does this). */
void kws_net_decay_mask(const kws_topology *topo, uint8_t *mask);

#endif
