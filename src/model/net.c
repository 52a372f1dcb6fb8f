/* net.c - a float32 network built from a kws_topology: one flat parameter
 * buffer (params, grads, Adam m, v share its layout), activation buffers
 * for max_batch samples, forward (train or infer) and backward (host C11).
 *
 * It only sequences the kws/nn.h layers and the kws/quant.h fake
 * quantizers; it computes nothing itself except copies. It does not
 * compute the loss (the trainer does, with kws_softmax_xent_*) nor step
 * the optimizer.
 */
#include "kws/net.h"

#include "kws/quant.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* ---- layout ---------------------------------------------------------------- */

/* Bump allocator: a first pass with base == NULL only counts bytes. */
typedef struct {
    char *base;
    size_t used;
} bump;

static void *take(bump *b, size_t bytes)
{
    size_t at = (b->used + 63) & ~(size_t)63;
    b->used = at + bytes;
    return b->base ? b->base + at : NULL;
}

static size_t sample_size(int c, int h, int w)
{
    return (size_t)c * (size_t)h * (size_t)w;
}

/* Builds net->ops for topo, taking buffers from b (counting pass when
 * b->base is NULL). */
/* The next op of layer `layer`, reading a (C, H, W) sample at `in`. */
static kws_net_op *begin_op(kws_net *net, int *n, int layer, int C, int H, int W, float *in)
{
    kws_net_op *op = &net->ops[(*n)++];
    memset(op, 0, sizeof *op);
    op->layer = layer;
    op->in_c = C;
    op->in_h = H;
    op->in_w = W;
    op->in = in;
    return op;
}

static void plan(kws_net *net, bump *b)
{
    const kws_topology *t = &net->topo;
    size_t B = (size_t)net->max_batch;
    int C = t->in_c, H = t->in_h, W = t->in_w;
    net->input = take(b, B * sample_size(C, H, W) * sizeof(float));
    float *cur = net->input;
    int n = 0;
    for (int i = 0; i < t->n_layers; i++) {
        const kws_layer_spec *l = &t->layers[i];
        kws_net_op *op = begin_op(net, &n, i, C, H, W, cur);
        switch (l->kind) {
        case KWS_LAYER_FLATTEN:
            op->kind = KWS_OP_FLATTEN;
            C = C * H * W;
            H = W = 1;
            break;
        case KWS_LAYER_CONV2D:
            op->kind = KWS_OP_CONV2D;
            C = l->units;
            break;
        case KWS_LAYER_DENSE:
            op->kind = KWS_OP_DENSE;
            C = l->units;
            break;
        }
        op->out_c = C;
        op->out_h = H;
        op->out_w = W;
        if (op->kind == KWS_OP_FLATTEN)
            op->out = cur;
        else
            op->out = take(b, B * sample_size(C, H, W) * sizeof(float));
        cur = op->out;
        if (op->kind == KWS_OP_CONV2D && l->time_valid) { /* 'same' conv, then the crop */
            op = begin_op(net, &n, i, C, H, W, cur);
            op->kind = KWS_OP_CROP_W;
            W -= l->kernel - 1;
            op->out_c = C;
            op->out_h = H;
            op->out_w = W;
            op->out = take(b, B * sample_size(C, H, W) * sizeof(float));
            cur = op->out;
        }

        for (int p = 0; p < l->n_post; p++) {
            op = begin_op(net, &n, i, C, H, W, cur);
            switch (l->post[p]) {
            case KWS_POST_BN:
                op->kind = KWS_OP_BATCHNORM;
                op->bn_mean = take(b, (size_t)C * sizeof(float));
                op->bn_invstd = take(b, (size_t)C * sizeof(float));
                break;
            case KWS_POST_RELU:
                op->kind = KWS_OP_RELU;
                break;
            case KWS_POST_MAXPOOL:
                op->kind = KWS_OP_MAXPOOL;
                H /= 2;
                if (!l->pool_h_only)
                    W /= 2;
                op->argmax = take(b, B * sample_size(C, H, W) * sizeof(int32_t));
                break;
            case KWS_POST_DROPOUT:
                op->kind = KWS_OP_DROPOUT;
                op->mask = take(b, B * sample_size(C, H, W) * sizeof(float));
                break;
            }
            op->out_c = C;
            op->out_h = H;
            op->out_w = W;
            op->out = op->kind == KWS_OP_RELU ? cur
                                              : take(b, B * sample_size(C, H, W) * sizeof(float));
            cur = op->out;
        }
        if (l->aq != KWS_QA_FLOAT) { /* fake-quantized output, kept apart for the STE */
            op = &net->ops[n++];
            memset(op, 0, sizeof *op);
            op->kind = KWS_OP_ACTQUANT;
            op->layer = i;
            op->in_c = op->out_c = C;
            op->in_h = op->out_h = H;
            op->in_w = op->out_w = W;
            op->in = cur;
            op->out = take(b, B * sample_size(C, H, W) * sizeof(float));
            cur = op->out;
        }
    }
    net->n_ops = n;
    net->logits = cur;

    size_t scratch = 1;
    for (int i = 0; i < t->n_layers; i++) {
        const kws_layer_spec *l = &t->layers[i];
        if (l->kind == KWS_LAYER_CONV2D) {
            size_t s = kws_conv2d_scratch_size(net->max_batch, l->in_c, l->units, l->in_h,
                                               l->in_w, l->kernel);
            if (s > scratch)
                scratch = s;
        }
    }
    net->scratch = take(b, scratch * sizeof(float));
    net->grad_a = take(b, B * t->max_act * sizeof(float));
    net->grad_b = take(b, B * t->max_act * sizeof(float));
}

void kws_net_decay_mask(const kws_topology *topo, uint8_t *mask)
{
    memset(mask, 0, topo->n_params);
    for (int i = 0; i < topo->n_layers; i++) {
        const kws_layer_spec *l = &topo->layers[i];
        if (l->n_weight)
            memset(mask + l->weight_off, 1, l->n_weight);
    }
}

kws_status kws_net_create(kws_net *net, const kws_topology *topo, int max_batch, kws_error *err)
{
    if (!net || !topo)
        return kws_error_set(err, KWS_ERR_ARG, "kws_net_create: NULL argument");
    memset(net, 0, sizeof *net);
    net->topo = *topo;
    kws_status st = kws_topology_resolve(&net->topo, NULL, err);
    if (st != KWS_OK)
        return st;
    if (max_batch < 1 || max_batch > KWS_NET_MAX_BATCH)
        return kws_error_set(err, KWS_ERR_ARG, "batch size %d out of range 1..%d", max_batch,
                             KWS_NET_MAX_BATCH);
    /* the nn layers index a whole batch with int */
    if ((uint64_t)max_batch * (uint64_t)net->topo.max_act > (uint64_t)INT_MAX)
        return kws_error_set(err, KWS_ERR_ARG,
                             "batch size %d too large: %d x %zu floats per activation exceeds %d",
                             max_batch, max_batch, net->topo.max_act, INT_MAX);
    net->max_batch = max_batch;
    net->n_params = net->topo.n_params;
    net->n_stats = net->topo.n_stats;

    size_t np = net->n_params ? net->n_params : 1;
    size_t ns = net->n_stats ? net->n_stats : 1;
    int quant_w = 0;
    for (int i = 0; i < net->topo.n_layers; i++)
        quant_w |= net->topo.layers[i].wq != KWS_QW_FLOAT;
    bump pb = {NULL, 0};
    take(&pb, 4 * np * sizeof(float));
    take(&pb, ns * sizeof(float));
    take(&pb, np);
    if (quant_w)
        take(&pb, np * sizeof(float));
    net->mem_params = calloc(1, pb.used);
    if (!net->mem_params)
        return kws_error_set(err, KWS_ERR_NOMEM, "out of memory for %zu parameters", np);
    pb.base = net->mem_params;
    pb.used = 0;
    float *p = take(&pb, 4 * np * sizeof(float));
    net->params = p;
    net->grads = p + np;
    net->adam_m = p + 2 * np;
    net->adam_v = p + 3 * np;
    net->bn_stats = take(&pb, ns * sizeof(float));
    net->decay_mask = take(&pb, np);
    if (quant_w)
        net->qparams = take(&pb, np * sizeof(float));
    kws_net_decay_mask(&net->topo, net->decay_mask);

    bump ab = {NULL, 0};
    plan(net, &ab);
    net->mem_act = calloc(1, ab.used);
    if (!net->mem_act) {
        size_t want = ab.used;
        kws_net_free(net);
        return kws_error_set(err, KWS_ERR_NOMEM,
                             "out of memory for activations (%zu MiB at batch %d)",
                             want >> 20, max_batch);
    }
    ab.base = net->mem_act;
    ab.used = 0;
    plan(net, &ab);
    return KWS_OK;
}

void kws_net_free(kws_net *net)
{
    if (!net)
        return;
    free(net->mem_params);
    free(net->mem_act);
    memset(net, 0, sizeof *net);
}

void kws_net_init(kws_net *net, uint64_t seed)
{
    const kws_topology *t = &net->topo;
    for (int i = 0; i < t->n_layers; i++) {
        const kws_layer_spec *l = &t->layers[i];
        if (l->kind == KWS_LAYER_FLATTEN)
            continue;
        kws_rng r;
        kws_rng_seed(&r, seed + 0x9E3779B97F4A7C15ull * (uint64_t)(i + 1));
        int k2 = l->kind == KWS_LAYER_CONV2D ? l->kernel * l->kernel : 1;
        int fan_in = l->in_c * k2, fan_out = l->units * k2;
        float *w = net->params + l->weight_off;
        if (l->kind == KWS_LAYER_CONV2D || kws_layer_has(l, KWS_POST_RELU))
            kws_init_he_normal(w, l->n_weight, fan_in, &r);
        else
            kws_init_glorot_uniform(w, l->n_weight, fan_in, fan_out, &r);
        memset(net->params + l->bias_off, 0, l->n_bias * sizeof(float));
        for (size_t c = 0; c < l->n_bn; c++) {
            net->params[l->gamma_off + c] = 1.0f;
            net->params[l->beta_off + c] = 0.0f;
            net->bn_stats[l->stat_off + c] = 0.0f;
            net->bn_stats[l->stat_off + l->n_bn + c] = 1.0f;
        }
        if (l->aq == KWS_QA_INT8)
            net->bn_stats[l->act_off] = 0.0f;
    }
    memset(net->grads, 0, net->n_params * sizeof(float));
    memset(net->adam_m, 0, net->n_params * sizeof(float));
    memset(net->adam_v, 0, net->n_params * sizeof(float));
    kws_rng_seed(&net->rng, seed ^ 0xD1B54A32D192ED03ull);
}

void kws_net_set_params(kws_net *net, const float *params, const float *bn_stats)
{
    if (params)
        memcpy(net->params, params, net->n_params * sizeof(float));
    if (bn_stats)
        memcpy(net->bn_stats, bn_stats, net->n_stats * sizeof(float));
}

void kws_net_zero_grad(kws_net *net)
{
    memset(net->grads, 0, net->n_params * sizeof(float));
}

/* ---- forward / backward ----------------------------------------------------- */

kws_status kws_net_forward(kws_net *net, const float *in, int B, kws_mode mode)
{
    if (!net || !in || B < 1 || B > net->max_batch)
        return KWS_ERR_ARG;
    const kws_topology *t = &net->topo;
    memcpy(net->input, in, (size_t)B * sample_size(t->in_c, t->in_h, t->in_w) * sizeof(float));
    for (int i = 0; net->qparams && i < t->n_layers; i++) {
        const kws_layer_spec *l = &t->layers[i];
        if (l->wq != KWS_QW_FLOAT)
            kws_quant_weights_f32(net->qparams + l->weight_off, NULL, net->params + l->weight_off,
                                  l->units, l->n_weight / (size_t)l->units, l->wq);
    }
    for (int i = 0; i < net->n_ops; i++) {
        kws_net_op *op = &net->ops[i];
        const kws_layer_spec *l = &t->layers[op->layer];
        size_t n = (size_t)B * sample_size(op->out_c, op->out_h, op->out_w);
        int HW = op->in_h * op->in_w;
        const float *P = net->params;
        const float *Wt = (l->wq != KWS_QW_FLOAT ? net->qparams : P) + l->weight_off;
        switch (op->kind) {
        case KWS_OP_CONV2D:
            kws_conv2d_forward_f32(op->out, op->in, Wt, P + l->bias_off, B, op->in_c, op->out_c,
                                   op->in_h, op->in_w, l->kernel, net->scratch);
            break;
        case KWS_OP_DENSE:
            kws_dense_forward_f32(op->out, op->in, Wt, P + l->bias_off, B, op->in_c, op->out_c);
            break;
        case KWS_OP_BATCHNORM: {
            float *rm = net->bn_stats + l->stat_off, *rv = rm + l->n_bn;
            if (mode == KWS_MODE_TRAIN)
                kws_batchnorm_forward_train_f32(op->out, op->bn_mean, op->bn_invstd, rm, rv,
                                                op->in, P + l->gamma_off, P + l->beta_off, B,
                                                op->in_c, HW, l->bn_momentum, l->bn_eps);
            else
                kws_batchnorm_forward_infer_f32(op->out, op->in, P + l->gamma_off,
                                                P + l->beta_off, rm, rv, B, op->in_c, HW,
                                                l->bn_eps);
            break;
        }
        case KWS_OP_RELU:
            kws_relu_forward_f32(op->out, op->in, n);
            break;
        case KWS_OP_MAXPOOL:
            if (l->pool_h_only)
                kws_maxpool2x1_forward_f32(op->out, op->argmax, op->in, B, op->in_c, op->in_h,
                                           op->in_w);
            else
                kws_maxpool2x2_forward_f32(op->out, op->argmax, op->in, B, op->in_c, op->in_h,
                                           op->in_w);
            break;
        case KWS_OP_CROP_W:
            kws_crop_w_forward_f32(op->out, op->in, B, op->in_c, op->in_h, op->in_w,
                                   (op->in_w - op->out_w) / 2, op->out_w);
            break;
        case KWS_OP_DROPOUT:
            if (mode == KWS_MODE_TRAIN)
                kws_dropout_forward_f32(op->out, op->mask, op->in, n, l->dropout, &net->rng);
            else
                memcpy(op->out, op->in, n * sizeof(float));
            break;
        case KWS_OP_FLATTEN:
            break;
        case KWS_OP_ACTQUANT: {
            float range = 0.0f;
            if (l->aq == KWS_QA_INT8) {
                float *r = net->bn_stats + l->act_off;
                if (mode == KWS_MODE_TRAIN)
                    *r = kws_quant_range_update(*r, kws_quant_absmax_f32(op->in, n),
                                                KWS_ACT_RANGE_MOMENTUM);
                range = *r;
            }
            kws_quant_act_forward_f32(op->out, op->in, n, range, l->aq);
            break;
        }
        }
    }
    net->batch = B;
    net->mode = mode;
    return KWS_OK;
}

kws_status kws_net_backward(kws_net *net, const float *grad_logits)
{
    if (!net || !grad_logits || net->batch < 1 || net->mode != KWS_MODE_TRAIN)
        return KWS_ERR_ARG;
    const kws_topology *t = &net->topo;
    int B = net->batch;
    int first = 0; /* the first op with parameters needs no input gradient */
    while (first < net->n_ops && net->ops[first].kind == KWS_OP_FLATTEN)
        first++;
    const float *gout = grad_logits;
    for (int i = net->n_ops - 1; i >= first; i--) {
        kws_net_op *op = &net->ops[i];
        const kws_layer_spec *l = &t->layers[op->layer];
        float *gin = i == first ? NULL : (gout == net->grad_a ? net->grad_b : net->grad_a);
        size_t n = (size_t)B * sample_size(op->out_c, op->out_h, op->out_w);
        int HW = op->in_h * op->in_w;
        const float *P = net->params;
        const float *Wt = (l->wq != KWS_QW_FLOAT ? net->qparams : P) + l->weight_off;
        float *G = net->grads;
        switch (op->kind) {
        case KWS_OP_CONV2D:
            kws_conv2d_backward_f32(gin, G + l->weight_off, G + l->bias_off, gout, op->in, Wt, B,
                                    op->in_c, op->out_c, op->in_h, op->in_w, l->kernel,
                                    net->scratch);
            /* to the master weights; the 0/1 mask may be applied again on accumulation */
            kws_quant_weights_ste_f32(G + l->weight_off, P + l->weight_off, l->n_weight, l->wq);
            break;
        case KWS_OP_DENSE:
            kws_dense_backward_f32(gin, G + l->weight_off, G + l->bias_off, gout, op->in, Wt, B,
                                   op->in_c, op->out_c);
            kws_quant_weights_ste_f32(G + l->weight_off, P + l->weight_off, l->n_weight, l->wq);
            break;
        case KWS_OP_BATCHNORM:
            kws_batchnorm_backward_f32(gin, G + l->gamma_off, G + l->beta_off, gout, op->in,
                                       op->bn_mean, op->bn_invstd, P + l->gamma_off, B, op->in_c,
                                       HW);
            break;
        case KWS_OP_RELU:
            kws_relu_backward_f32(gin, gout, op->out, n);
            break;
        case KWS_OP_MAXPOOL:
            if (l->pool_h_only)
                kws_maxpool2x1_backward_f32(gin, gout, op->argmax, B, op->in_c, op->in_h,
                                            op->in_w);
            else
                kws_maxpool2x2_backward_f32(gin, gout, op->argmax, B, op->in_c, op->in_h,
                                            op->in_w);
            break;
        case KWS_OP_CROP_W:
            kws_crop_w_backward_f32(gin, gout, B, op->in_c, op->in_h, op->in_w,
                                    (op->in_w - op->out_w) / 2, op->out_w);
            break;
        case KWS_OP_DROPOUT:
            kws_dropout_backward_f32(gin, gout, op->mask, n);
            break;
        case KWS_OP_FLATTEN:
            gin = (float *)gout; /* a view: the gradient passes through */
            break;
        case KWS_OP_ACTQUANT:
            kws_quant_act_backward_f32(gin, gout, op->in, n,
                                       l->aq == KWS_QA_INT8 ? net->bn_stats[l->act_off] : 0.0f,
                                       l->aq);
            break;
        }
        gout = gin;
    }
    return KWS_OK;
}
