/* convert_util.h - checks shared by the conversion tests: the integer
 * model's weights against the QAT shadow weights, and running the integer
 * model next to the float/QAT net. */
#ifndef KWS_TESTS_CONVERT_UTIL_H
#define KWS_TESTS_CONVERT_UTIL_H

#include <stdlib.h>
#include <string.h>
#include "kws/imodel.h"
#include "kws/net.h"
#include "kws/runtime.h"

/* Weight code of output o, training-order index t (conv (Cin, k, k), dense
 * (K) in the trainer's (C, H, W) flatten order), read back from op's device
 * layout; flat: (C, H, W) of the flattened input or NULL. */
static inline int cv_code(const kws_iop *op, int o, int t, const int *flat)
{
    int conv = op->kind == KWS_IOP_CONV2D || op->kind == KWS_IOP_CONV2D_BIN;
    int per = conv ? op->kernel * op->kernel * op->in_c : op->in_c;
    int dst = t;
    if (conv) {
        int kk = op->kernel * op->kernel;
        dst = (t % kk) * op->in_c + t / kk;
    } else if (flat) {
        int hw = flat[1] * flat[2];
        dst = (t % hw) * flat[0] + t / hw;
    }
    if (op->kind == KWS_IOP_DENSE_BIN) {
        const uint8_t *row = op->wbits + (size_t)o * kws_binary_row_bytes(per);
        return ((row[dst / 8] >> (dst % 8)) & 1) ? 1 : -1;
    }
    if (op->kind == KWS_IOP_CONV2D_BIN) { /* (Cout, k, k, ceil(Cin/8)) */
        int kk = op->kernel * op->kernel, tb = (op->in_c + 7) / 8, c = t / kk, ij = t % kk;
        const uint8_t *tap = op->wbits + ((size_t)o * kk + ij) * tb;
        return ((tap[c / 8] >> (c % 8)) & 1) ? 1 : -1;
    }
    return op->weight[(size_t)o * (size_t)per + (size_t)dst];
}

/* Compares every conv/dense op of m whose layer has w != float with the
 * net's QAT shadow weights (net->qparams, filled by a forward):
 * wscale[o] * (code * sign(bn_fold[o])) must equal them exactly. Returns
 * the number of mismatching weights; *checked counts the weights compared. */
static inline long cv_check_shadow(const kws_imodel *m, const kws_net *net, long *checked)
{
    long bad = 0;
    *checked = 0;
    for (int i = 0; i < m->n_ops; i++) {
        const kws_iop *op = &m->ops[i];
        if (op->kind == KWS_IOP_MAXPOOL || op->kind == KWS_IOP_AFFINE)
            continue;
        const kws_layer_spec *l = &net->topo.layers[op->layer];
        if (l->wq == KWS_QW_FLOAT || !net->qparams)
            continue;
        int flat[3], *fp = NULL;
        if ((op->kind == KWS_IOP_DENSE || op->kind == KWS_IOP_DENSE_BIN) && i > 0 &&
            m->ops[i - 1].out_h * m->ops[i - 1].out_w > 1) {
            flat[0] = m->ops[i - 1].out_c, flat[1] = m->ops[i - 1].out_h, flat[2] = m->ops[i - 1].out_w;
            fp = flat;
        }
        int per = (int)(l->n_weight / (size_t)l->units);
        for (int o = 0; o < op->out_c; o++) {
            int sign = op->bn_fold && op->bn_fold[o] < 0.0f ? -1 : 1;
            for (int t = 0; t < per; t++) {
                float deq = op->wscale[o] * (float)(sign * cv_code(op, o, t, fp));
                float qat = net->qparams[l->weight_off + (size_t)o * (size_t)per + (size_t)t];
                if (deq != qat) {
                    if (bad < 5)
                        fprintf(stderr, "     %s o=%d t=%d: %.9g != QAT %.9g\n", op->name, o, t,
                                (double)deq, (double)qat);
                    bad++;
                }
                (*checked)++;
            }
        }
    }
    return bad;
}

/* Runs m on one float input x (C, H, W); real logits into out (n_classes).
 * Returns the status of kws_imodel_run. */
static inline kws_status cv_run(const kws_imodel *m, void *arena, const float *x, float *out)
{
    int8_t xq[38 * 55 * 4];
    int32_t lg[256];
    if ((size_t)m->in_c * m->in_h * m->in_w > sizeof xq || m->n_classes > 256)
        return KWS_ERR_ARG;
    kws_imodel_quantize_input(m, x, xq);
    kws_status st = kws_imodel_run(m, arena, kws_imodel_arena_size(m), xq, lg);
    for (int n = 0; st == KWS_OK && n < m->n_classes; n++)
        out[n] = m->out_scale * (float)lg[n];
    return st;
}

static inline int cv_argmax_f(const float *v, int n)
{
    int b = 0;
    for (int i = 1; i < n; i++)
        if (v[i] > v[b])
            b = i;
    return b;
}

#endif
