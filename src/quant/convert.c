/* convert.c - a trained float or QAT network -> the integer model of
 * kws/imodel.h (host C11): weight codes from QAT's own quantizer, calibrated
 * or QAT activation scales, int32 biases, per-channel requantization, batch
 * norm folded or turned into a channel affine, NCHW -> HWC permutations,
 * binary packing, and the ping-pong memory plan.
 *
 * It does not run the integer model (src/runtime/imodel_run.c does) and
 * does not write files. The arithmetic is docs/quantization.md's.
 */
#include "kws/imodel.h"
#include "kws/convert.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kws/net.h"
#include "kws/quant.h"
#include "kws/runtime.h"

#define CALIB_BATCH 16
#define OUT_S32_STEPS 1048576.0 /* 2^20: int32 logits resolve max|logit| / 2^20 */

/* ---- owned memory ------------------------------------------------------------ */

typedef struct {
    int n, cap;
    void **ptr;
    kws_iop ops[KWS_IMODEL_MAX_OPS]; /* m->ops points here; writable only through op_at */
} store;

/* Op i of a model under conversion, writable (m->ops is const for readers). */
static kws_iop *op_at(kws_imodel *m, int i)
{
    return &((store *)m->storage)->ops[i];
}

static void *store_alloc(kws_imodel *m, size_t bytes)
{
    store *s = (store *)m->storage;
    if (s->n == s->cap) {
        int cap = s->cap ? 2 * s->cap : 64;
        void **p = (void **)realloc(s->ptr, (size_t)cap * sizeof *p);
        if (!p)
            return NULL;
        s->ptr = p;
        s->cap = cap;
    }
    void *q = calloc(1, bytes ? bytes : 1);
    if (q)
        s->ptr[s->n++] = q;
    return q;
}

void kws_imodel_free(kws_imodel *m)
{
    if (!m)
        return;
    store *s = (store *)m->storage;
    if (s) {
        for (int i = 0; i < s->n; i++)
            free(s->ptr[i]);
        free(s->ptr);
        free(s);
    }
    memset(m, 0, sizeof *m);
}

kws_convert_options kws_convert_options_default(void)
{
    kws_convert_options o;
    o.out_s32 = 1;
    o.plan = KWS_PLAN_FAST;
    return o;
}

const char *kws_plan_kind_str(kws_plan_kind k)
{
    switch (k) {
    case KWS_PLAN_FAST: return "fast";
    case KWS_PLAN_SMALL: return "small";
    }
    return NULL;
}

kws_status kws_plan_kind_parse(const char *s, kws_plan_kind *out)
{
    if (s && strcmp(s, "fast") == 0)
        *out = KWS_PLAN_FAST;
    else if (s && strcmp(s, "small") == 0)
        *out = KWS_PLAN_SMALL;
    else
        return KWS_ERR_ARG;
    return KWS_OK;
}

/* ---- arithmetic helpers --------------------------------------------------------- */

static double rhaz(double v)
{
    return v < 0.0 ? -floor(-v + 0.5) : floor(v + 0.5);
}

static float scale_of(float absmax)
{
    return absmax > 0.0f ? absmax / 127.0f : 1.0f;
}

/* ---- calibration ------------------------------------------------------------- */

/* absmax[i] = max |x| of net op i's output over the calibration inputs, after
 * the whole forward (so a ReLU that runs in place on op i's buffer is
 * included); *in_absmax that of the inputs. */
static kws_status calibrate(const kws_topology *topo, const float *params, const float *bn_stats,
                            const float *calib, int n_calib, float *absmax, float *in_absmax,
                            int *n_net_ops, kws_error *err)
{
    kws_net net;
    int B = n_calib < CALIB_BATCH ? n_calib : CALIB_BATCH;
    kws_status st = kws_net_create(&net, topo, B, err);
    if (st != KWS_OK)
        return st;
    kws_net_set_params(&net, params, bn_stats);
    size_t in_n = (size_t)topo->in_c * (size_t)topo->in_h * (size_t)topo->in_w;
    *n_net_ops = net.n_ops;
    for (int i = 0; i < net.n_ops; i++)
        absmax[i] = 0.0f;
    *in_absmax = kws_quant_absmax_f32(calib, in_n * (size_t)n_calib);
    for (int s = 0; s < n_calib && st == KWS_OK; s += B) {
        int b = n_calib - s < B ? n_calib - s : B;
        st = kws_net_forward(&net, calib + (size_t)s * in_n, b, KWS_MODE_INFER);
        for (int i = 0; st == KWS_OK && i < net.n_ops; i++) {
            const kws_net_op *op = &net.ops[i];
            size_t n = (size_t)b * (size_t)op->out_c * (size_t)op->out_h * (size_t)op->out_w;
            float a = kws_quant_absmax_f32(op->out, n);
            if (a > absmax[i])
                absmax[i] = a;
        }
    }
    kws_net_free(&net);
    if (st != KWS_OK)
        return kws_error_set(err, st, "calibration forward failed");
    return KWS_OK;
}

/* ---- layer conversion ---------------------------------------------------------- */

/* What the conversion of one layer needs besides the op itself. */
typedef struct {
    int calib_op;     /* net op whose output this requantizing op's output is */
    float *wreal;     /* CONV2D/DENSE: (out_c, per) QAT codes in training order */
    int8_t *codes;    /* (out_c, per) */
    int per;          /* weights per output channel */
    const float *b;   /* float bias (out_c) */
    double *fold_d;   /* folded bn: d_c (out_c), with bn_fold holding a_c */
    double *aff_a, *aff_d; /* AFFINE: a_c, d_c */
} pending;

static kws_status add_op(kws_imodel *m, const kws_layer_spec *l, kws_iop_kind kind,
                         const char *suffix, kws_error *err)
{
    if (m->n_ops >= KWS_IMODEL_MAX_OPS)
        return kws_error_set(err, KWS_ERR_UNSUPPORTED, "more than %d integer ops",
                             KWS_IMODEL_MAX_OPS);
    kws_iop *op = op_at(m, m->n_ops++);
    memset(op, 0, sizeof *op);
    op->kind = kind;
    snprintf(op->name, sizeof op->name, "%.24s%s", l->name, suffix);
    op->act_min = KWS_Q8_MIN;
    op->act_max = KWS_Q8_MAX;
    return KWS_OK;
}

/* Quantizes layer l's weights with QAT's quantizer: codes (units, per) in
 * training order and scales (units). */
static kws_status quantize_weights(kws_imodel *m, const kws_layer_spec *l, const float *params,
                                   pending *pd, kws_iop *op)
{
    kws_wquant q = l->wq == KWS_QW_FLOAT ? KWS_QW_INT8 : l->wq;
    size_t per = l->n_weight / (size_t)l->units;
    float *wq = (float *)malloc(l->n_weight * sizeof(float));
    float *sc = (float *)store_alloc(m, (size_t)l->units * sizeof(float));
    int8_t *codes = (int8_t *)malloc(l->n_weight);
    if (!wq || !sc || !codes) {
        free(wq);
        free(codes);
        return KWS_ERR_NOMEM;
    }
    const float *w = params + l->weight_off;
    kws_quant_weights_f32(wq, sc, w, l->units, per, q);
    float bound = (float)kws_wquant_bound(q);
    for (int c = 0; c < l->units; c++)
        for (size_t i = 0; i < per; i++) {
            size_t k = (size_t)c * per + i;
            float v;
            if (q == KWS_QW_BINARY) {
                v = w[k] >= 0.0f ? 1.0f : -1.0f;
            } else { /* exactly fake_quant.c's fq: clamp(round(w / s)) */
                v = kws_quant_round(w[k] / sc[c]);
                v = v > bound ? bound : v < -bound ? -bound : v;
            }
            codes[k] = (int8_t)v;
        }
    free(wq);
    op->wscale = sc;
    op->weight_bits = q == KWS_QW_INT4 ? 4 : q == KWS_QW_BINARY ? 1 : 8;
    pd->codes = codes;
    pd->per = (int)per;
    pd->b = params + l->bias_off;
    return KWS_OK;
}

/* Batch norm of layer l as a_c, d_c (double): y = a_c x + d_c. */
static void bn_affine(const kws_layer_spec *l, const float *params, const float *bn_stats,
                      double *a, double *d)
{
    const float *gamma = params + l->gamma_off, *beta = params + l->beta_off;
    const float *mean = bn_stats + l->stat_off, *var = mean + l->n_bn;
    for (size_t c = 0; c < l->n_bn; c++) {
        a[c] = (double)gamma[c] / sqrt((double)var[c] + (double)l->bn_eps);
        d[c] = (double)beta[c] - a[c] * (double)mean[c];
    }
}

/* Fills a conv/dense op's integer parameters from its QAT codes, the input
 * scale sx and its output scale op->out_scale. flat: (C, H, W) of a
 * flattened conv output feeding this dense layer (columns permuted), or
 * NULL. Binary ops get packed bits: DENSE_BIN rows of ceil(K/8) bytes,
 * CONV2D_BIN taps of ceil(Cin/8) bytes (kws/runtime.h). */
static kws_status finish_product(kws_imodel *m, kws_iop *op, const pending *pd, double sx,
                                 const int *flat, kws_error *err)
{
    int n = op->out_c, per = pd->per;
    int32_t *bias = (int32_t *)store_alloc(m, (size_t)n * sizeof(int32_t));
    kws_requant *rq = (kws_requant *)store_alloc(m, (size_t)n * sizeof(kws_requant));
    int8_t *w8 = NULL;
    uint8_t *wb = NULL;
    int conv = op->kind == KWS_IOP_CONV2D || op->kind == KWS_IOP_CONV2D_BIN;
    size_t tap_bits = 8 * (((size_t)op->in_c + 7) / 8); /* CONV2D_BIN: one tap */
    size_t row = op->kind == KWS_IOP_CONV2D_BIN
                     ? kws_conv2d_binary_weight_bytes(1, op->kernel, op->in_c)
                     : kws_binary_row_bytes(per); /* bytes per output channel */
    if (op->kind == KWS_IOP_DENSE_BIN || op->kind == KWS_IOP_CONV2D_BIN)
        wb = (uint8_t *)store_alloc(m, (size_t)n * row);
    else
        w8 = (int8_t *)store_alloc(m, (size_t)n * (size_t)per);
    if (!bias || !rq || (!w8 && !wb))
        return KWS_ERR_NOMEM;
    double taps_max = (double)per * 127.0 * 127.0;
    for (int o = 0; o < n; o++) {
        double a = op->bn_fold ? (double)op->bn_fold[o] : 1.0;
        int sign = a < 0.0 ? -1 : 1;
        double sw = (double)op->wscale[o] * (a != 0.0 ? fabs(a) : 1.0);
        double bf = op->bn_fold ? a * (double)pd->b[o] + pd->fold_d[o] : (double)pd->b[o];
        const int8_t *src = pd->codes + (size_t)o * (size_t)per;
        for (int t = 0; t < per; t++) {
            int dst = t;           /* index of the int8 code in the device row */
            size_t bit = (size_t)t; /* bit of the packed device row */
            if (conv) { /* (Cin, k, k) -> (k, k, Cin) */
                int kk = op->kernel * op->kernel, c = t / kk, ij = t % kk;
                dst = ij * op->in_c + c;
                bit = (size_t)ij * tap_bits + (size_t)c;
            } else if (flat) { /* (C, H, W) -> (H, W, C) columns */
                int hw = flat[1] * flat[2], c = t / hw, p = t % hw;
                dst = p * flat[0] + c;
                bit = (size_t)dst;
            }
            int v = a == 0.0 ? 0 : sign * src[t];
            if (wb) {
                if (v > 0)
                    wb[(size_t)o * row + bit / 8] |= (uint8_t)(1u << (bit % 8));
            } else {
                w8[(size_t)o * (size_t)per + (size_t)dst] = (int8_t)v;
            }
        }
        if (wb && a == 0.0)
            return kws_error_set(err, KWS_ERR_UNSUPPORTED,
                                 "%s: folded batch norm with gamma 0 on binary channel %d",
                                 op->name, o);
        double qb = rhaz(bf / (sx * sw));
        if (fabs(qb) + taps_max >= 2147483647.0)
            return kws_error_set(err, KWS_ERR_UNSUPPORTED,
                                 "%s: bias of channel %d is %.3g codes, beyond the int32 "
                                 "accumulator bound",
                                 op->name, o, qb);
        bias[o] = (int32_t)qb;
        double M = sx * sw / (double)op->out_scale;
        if (kws_requant_from_scale(M, &rq[o]) != KWS_OK)
            return kws_error_set(err, KWS_ERR_UNSUPPORTED,
                                 "%s: requantization multiplier %.3g of channel %d out of range",
                                 op->name, M, o);
    }
    op->weight = w8;
    op->wbits = wb;
    op->bias = bias;
    op->rq = rq;
    return KWS_OK;
}

/* Batch norm after ReLU / pool: docs/quantization.md section 3. */
static kws_status finish_affine(kws_imodel *m, kws_iop *op, const pending *pd, double sx,
                                kws_error *err)
{
    int n = op->out_c;
    int16_t *mul = (int16_t *)store_alloc(m, (size_t)n * sizeof(int16_t));
    int32_t *bias = (int32_t *)store_alloc(m, (size_t)n * sizeof(int32_t));
    kws_requant *rq = (kws_requant *)store_alloc(m, (size_t)n * sizeof(kws_requant));
    if (!mul || !bias || !rq)
        return KWS_ERR_NOMEM;
    for (int c = 0; c < n; c++) {
        double a = pd->aff_a[c], sm = a != 0.0 ? fabs(a) / 16384.0 : 1.0 / 16384.0;
        mul[c] = (int16_t)(a > 0.0 ? 16384 : a < 0.0 ? -16384 : 0);
        double b = rhaz(pd->aff_d[c] / (sx * sm));
        if (fabs(b) > 1073741824.0)
            return kws_error_set(err, KWS_ERR_UNSUPPORTED,
                                 "%s: batch-norm offset of channel %d is %.3g codes (> 2^30)",
                                 op->name, c, b);
        bias[c] = (int32_t)b;
        double M = sx * sm / (double)op->out_scale;
        if (kws_requant_from_scale(M, &rq[c]) != KWS_OK)
            return kws_error_set(err, KWS_ERR_UNSUPPORTED,
                                 "%s: requantization multiplier %.3g of channel %d out of range",
                                 op->name, M, c);
    }
    op->mul = mul;
    op->bias = bias;
    op->rq = rq;
    return KWS_OK;
}

/* ---- the conversion ---------------------------------------------------------------- */

kws_status kws_imodel_calibrate(const kws_topology *topo, const float *params,
                                const float *bn_stats, const float *calib, int n_calib,
                                float *ranges, int max_ranges, int *n_ranges, kws_error *err)
{
    if (!topo || !params || !calib || n_calib < 1 || (topo->n_stats && !bn_stats) || !ranges ||
        !n_ranges)
        return kws_error_set(err, KWS_ERR_ARG, "kws_imodel_calibrate: bad argument");
    float *absmax = (float *)malloc(KWS_NET_MAX_OPS * sizeof(float));
    if (!absmax)
        return kws_error_set(err, KWS_ERR_NOMEM, "out of memory calibrating the model");
    float in_absmax = 0.0f;
    int n_net_ops = 0;
    kws_status st = calibrate(topo, params, bn_stats, calib, n_calib, absmax, &in_absmax,
                              &n_net_ops, err);
    if (st == KWS_OK && 1 + n_net_ops > max_ranges)
        st = kws_error_set(err, KWS_ERR_ARG, "calibration: %d ranges, room for %d",
                           1 + n_net_ops, max_ranges);
    if (st == KWS_OK) {
        ranges[0] = in_absmax;
        for (int i = 0; i < n_net_ops && i < KWS_NET_MAX_OPS; i++)
            ranges[1 + i] = absmax[i];
        *n_ranges = 1 + n_net_ops;
    }
    free(absmax);
    return st;
}

kws_status kws_imodel_convert(kws_imodel *m, const kws_topology *topo, const float *params,
                              const float *bn_stats, const float *calib, int n_calib,
                              const kws_convert_options *opt, kws_error *err)
{
    if (!m)
        return kws_error_set(err, KWS_ERR_ARG, "kws_imodel_convert: bad argument");
    memset(m, 0, sizeof *m);
    float *ranges = (float *)malloc((1 + KWS_NET_MAX_OPS) * sizeof(float));
    if (!ranges)
        return kws_error_set(err, KWS_ERR_NOMEM, "out of memory converting the model");
    int n_ranges = 0;
    kws_status st = kws_imodel_calibrate(topo, params, bn_stats, calib, n_calib, ranges,
                                         1 + KWS_NET_MAX_OPS, &n_ranges, err);
    if (st == KWS_OK)
        st = kws_imodel_convert_calibrated(m, topo, params, bn_stats, ranges, n_ranges, opt,
                                           err);
    free(ranges);
    return st;
}

kws_status kws_imodel_convert_calibrated(kws_imodel *m, const kws_topology *topo,
                                         const float *params, const float *bn_stats,
                                         const float *ranges, int n_ranges,
                                         const kws_convert_options *opt, kws_error *err)
{
    if (!m || !topo || !params || !ranges || n_ranges < 1 || (topo->n_stats && !bn_stats))
        return kws_error_set(err, KWS_ERR_ARG, "kws_imodel_convert: bad argument");
    kws_convert_options o = opt ? *opt : kws_convert_options_default();
    memset(m, 0, sizeof *m);
    int n_net_ops = 0;
    {
        kws_net probe; /* the op count only: a batch of 1 */
        kws_status pst = kws_net_create(&probe, topo, 1, err);
        if (pst != KWS_OK)
            return pst;
        n_net_ops = probe.n_ops;
        kws_net_free(&probe);
    }
    if (n_ranges != 1 + n_net_ops)
        return kws_error_set(err, KWS_ERR_SHAPE,
                             "calibration has %d activation ranges, the network needs %d "
                             "(recalibrate: kws eval --data DIR --model FILE --calibrate)",
                             n_ranges, 1 + n_net_ops);
    for (int i = 0; i < n_ranges; i++)
        if (!(ranges[i] >= 0.0f) || !(ranges[i] < 1e30f))
            return kws_error_set(err, KWS_ERR_FORMAT, "calibration range %d is not a finite "
                                 "number >= 0", i);
    m->storage = calloc(1, sizeof(store));
    if (m->storage)
        m->ops = ((store *)m->storage)->ops;
    float *absmax = (float *)malloc(KWS_NET_MAX_OPS * sizeof(float));
    pending *pd = (pending *)calloc(KWS_IMODEL_MAX_OPS, sizeof(pending));
    if (!m->storage || !absmax || !pd) {
        free(absmax);
        free(pd);
        kws_imodel_free(m);
        return kws_error_set(err, KWS_ERR_NOMEM, "out of memory converting the model");
    }
    float in_absmax = ranges[0];
    memcpy(absmax, ranges + 1, (size_t)n_net_ops * sizeof(float));
    kws_status st = KWS_OK;

    m->in_c = topo->in_c;
    m->in_h = topo->in_h;
    m->in_w = topo->in_w;
    m->in_scale = scale_of(in_absmax);
    m->n_classes = topo->n_classes;
    int H = topo->in_h, W = topo->in_w, C = topo->in_c;
    double sx = (double)m->in_scale;
    int flat[3] = {0, 0, 0}, have_flat = 0;
    int nidx = 0; /* kws_net op index, in net.c's order */

    for (int li = 0; st == KWS_OK && li < topo->n_layers; li++) {
        const kws_layer_spec *l = &topo->layers[li];
        if (l->kind == KWS_LAYER_FLATTEN) {
            flat[0] = C, flat[1] = H, flat[2] = W;
            have_flat = H * W > 1;
            C = C * H * W;
            H = W = 1;
            nidx++;
            continue;
        }
        if (l->aq == KWS_QA_BINARY) {
            st = kws_error_set(err, KWS_ERR_UNSUPPORTED, "%s: binary activations", l->name);
            break;
        }
        /* phase 1: the layer's ops, with the net op each output corresponds to */
        int first = m->n_ops;
        int bin = l->wq == KWS_QW_BINARY;
        st = add_op(m, l, l->kind == KWS_LAYER_CONV2D ? (bin ? KWS_IOP_CONV2D_BIN : KWS_IOP_CONV2D)
                          : bin                       ? KWS_IOP_DENSE_BIN
                                                      : KWS_IOP_DENSE,
                    "", err);
        if (st != KWS_OK)
            break;
        kws_iop *main_op = op_at(m, first);
        pending *mp = &pd[first];
        main_op->layer = li;
        main_op->in_h = H, main_op->in_w = W, main_op->in_c = C;
        main_op->kernel = l->kind == KWS_LAYER_CONV2D ? l->kernel : 0;
        if (l->kind == KWS_LAYER_CONV2D && l->time_valid)
            W -= l->kernel - 1; /* out_w < in_w: the conv is unpadded along W */
        main_op->out_h = H, main_op->out_w = W, main_op->out_c = l->units;
        C = l->units;
        mp->calib_op = nidx++;
        if (l->kind == KWS_LAYER_CONV2D && l->time_valid)
            mp->calib_op = nidx++; /* the net's crop after its 'same' conv */
        st = quantize_weights(m, l, params, mp, main_op);
        if (st != KWS_OK) {
            kws_error_set(err, st, "out of memory");
            break;
        }
        int last_rq = first, seen = 0;
        for (int p = 0; st == KWS_OK && p < l->n_post; p++, nidx++) {
            switch (l->post[p]) {
            case KWS_POST_BN: {
                double *a = (double *)store_alloc(m, (size_t)C * sizeof(double));
                double *d = (double *)store_alloc(m, (size_t)C * sizeof(double));
                if (!a || !d) {
                    st = kws_error_set(err, KWS_ERR_NOMEM, "out of memory");
                    break;
                }
                bn_affine(l, params, bn_stats, a, d);
                if (!seen && !main_op->bn_fold) { /* fold into the conv/dense */
                    float *af = (float *)store_alloc(m, (size_t)C * sizeof(float));
                    if (!af) {
                        st = kws_error_set(err, KWS_ERR_NOMEM, "out of memory");
                        break;
                    }
                    for (int c = 0; c < C; c++)
                        af[c] = (float)a[c];
                    main_op->bn_fold = af;
                    mp->fold_d = d;
                    mp->calib_op = nidx;
                } else {
                    st = add_op(m, l, KWS_IOP_AFFINE, "/bn", err);
                    if (st != KWS_OK)
                        break;
                    kws_iop *op = op_at(m, m->n_ops - 1);
                    main_op = op_at(m, first);
                    op->layer = li;
                    op->in_h = op->out_h = H, op->in_w = op->out_w = W;
                    op->in_c = op->out_c = C;
                    pd[m->n_ops - 1].aff_a = a;
                    pd[m->n_ops - 1].aff_d = d;
                    pd[m->n_ops - 1].calib_op = nidx;
                    last_rq = m->n_ops - 1;
                    seen = 1;
                }
                break;
            }
            case KWS_POST_RELU:
                op_at(m, last_rq)->act_min = 0;
                if (pd[last_rq].calib_op == nidx - 1)
                    pd[last_rq].calib_op = nidx; /* the in-place ReLU's buffer */
                seen = 1;
                break;
            case KWS_POST_MAXPOOL: {
                st = add_op(m, l, KWS_IOP_MAXPOOL, "/pool", err);
                if (st != KWS_OK)
                    break;
                kws_iop *op = op_at(m, m->n_ops - 1);
                main_op = op_at(m, first);
                op->layer = li;
                op->in_h = H, op->in_w = W, op->in_c = C;
                H /= 2;
                if (!l->pool_h_only)
                    W /= 2; /* else out_w == in_w: a 2x1 pool over H */
                op->out_h = H, op->out_w = W, op->out_c = C;
                seen = 1;
                break;
            }
            case KWS_POST_DROPOUT:
                break;
            }
        }
        if (st != KWS_OK)
            break;
        float qat_range = 0.0f;
        if (l->aq == KWS_QA_INT8) {
            qat_range = bn_stats[l->act_off];
            nidx++;
        }
        /* phase 2: scales and integer parameters, in order */
        int last_layer = li == topo->n_layers - 1;
        for (int i = first; st == KWS_OK && i < m->n_ops; i++) {
            kws_iop *op = op_at(m, i);
            op->in_scale = (float)sx;
            if (op->kind == KWS_IOP_MAXPOOL) {
                op->out_scale = (float)sx;
                continue;
            }
            if (i == last_rq && l->aq == KWS_QA_INT8) {
                op->out_scale = scale_of(qat_range);
            } else if (i == last_rq && last_layer && o.out_s32 && i == m->n_ops - 1 &&
                       op->kind != KWS_IOP_AFFINE) {
                float a = absmax[pd[i].calib_op];
                op->out_s32 = 1;
                op->out_scale = a > 0.0f ? (float)((double)a / OUT_S32_STEPS) : 1.0f;
            } else {
                op->out_scale = scale_of(absmax[pd[i].calib_op]);
            }
            if (op->kind == KWS_IOP_AFFINE)
                st = finish_affine(m, op, &pd[i], sx, err);
            else
                st = finish_product(m, op, &pd[i], sx,
                                    l->kind == KWS_LAYER_DENSE && have_flat ? flat : NULL, err);
            sx = (double)op->out_scale;
        }
        if (l->kind == KWS_LAYER_DENSE)
            have_flat = 0;
        for (int i = first; i < m->n_ops; i++)
            free(pd[i].codes);
    }
    free(pd);
    free(absmax);
    if (st == KWS_OK && nidx != n_net_ops)
        st = kws_error_set(err, KWS_ERR_UNSUPPORTED, "op count %d differs from the net's %d",
                           nidx, n_net_ops);
    if (st != KWS_OK) {
        kws_imodel_free(m);
        return st;
    }
    const kws_iop *last = &m->ops[m->n_ops - 1];
    m->out_s32 = last->out_s32;
    m->out_scale = last->out_scale;
    kws_imodel_plan(m, op_at(m, 0), o.plan);
    return KWS_OK;
}

/* ---- report ------------------------------------------------------------------------ */

#define APPEND(...)                                                                    \
    do {                                                                               \
        int k_ = snprintf(size > len ? buf + len : NULL, size > len ? size - len : 0,  \
                          __VA_ARGS__);                                                \
        if (k_ > 0)                                                                    \
            len += (size_t)k_;                                                         \
    } while (0)

size_t kws_imodel_summary(const kws_imodel *m, char *buf, size_t size)
{
    size_t len = 0;
    if (size)
        buf[0] = '\0';
    APPEND("%-22s %-13s %-14s %-14s %4s %10s %10s %8s %8s\n", "op", "kind", "in (HWC)",
           "out (HWC)", "bits", "s_out", "ROM bytes", "in_off", "out_off");
    for (int i = 0; i < m->n_ops; i++) {
        const kws_iop *op = &m->ops[i];
        char in[32], out[32];
        snprintf(in, sizeof in, "%dx%dx%d", op->in_h, op->in_w, op->in_c);
        snprintf(out, sizeof out, "%dx%dx%d", op->out_h, op->out_w, op->out_c);
        APPEND("%-22s %-13s %-14s %-14s %4d %10.4g %10zu %8zu %8zu\n", op->name,
               kws_iop_kind_str(op->kind), in, out, op->weight_bits, (double)op->out_scale,
               kws_imodel_bytes_sum(kws_iop_bytes(op)), op->in_off, op->out_off);
    }
    kws_imodel_bytes t = kws_imodel_bytes_total(m);
    APPEND("ROM: %zu weight + %zu bias + %zu requant + %zu affine = %zu bytes\n", t.weights,
           t.biases, t.requant, t.affine, kws_imodel_bytes_sum(t));
    APPEND("RAM: %zu activation bytes (ping-pong sides and the convs' working space) + %zu "
           "separate scratch = arena %zu bytes; "
           "input scale %.4g, logits %s at scale %.4g\n",
           m->act_peak, m->scratch_size, m->arena_size, (double)m->in_scale,
           m->out_s32 ? "int32" : "int8", (double)m->out_scale);
    return len;
}

/* ---- from a .kwsm model (kws/convert.h) --------------------------------------------- */

kws_status kws_model_calibrate(const kws_model *m, const float *calib, int n_calib,
                               float **ranges_out, int *n_out, kws_error *err)
{
    if (!m || !ranges_out || !n_out)
        return kws_error_set(err, KWS_ERR_ARG, "kws_model_calibrate: bad argument");
    *ranges_out = NULL;
    *n_out = 0;
    float *r = (float *)malloc((1 + KWS_NET_MAX_OPS) * sizeof(float));
    if (!r)
        return kws_error_set(err, KWS_ERR_NOMEM, "out of memory calibrating the model");
    kws_status st = kws_imodel_calibrate(&m->topo, m->params, m->bn_stats, calib, n_calib, r,
                                         1 + KWS_NET_MAX_OPS, n_out, err);
    if (st != KWS_OK) {
        free(r);
        *n_out = 0;
        return st;
    }
    *ranges_out = r;
    return KWS_OK;
}

void *kws_imodel_arena_alloc(const kws_imodel *im)
{
    size_t n = (kws_imodel_arena_size(im) + 7) & ~(size_t)7;
    return aligned_alloc(8, n ? n : 8);
}

kws_status kws_imodel_from_model(kws_imodel *im, const kws_model *m,
                                 const kws_convert_options *opt, kws_error *err)
{
    if (!im || !m)
        return kws_error_set(err, KWS_ERR_ARG, "kws_imodel_from_model: bad argument");
    memset(im, 0, sizeof *im);
    if (m->n_ranges < 1 || !m->ranges)
        return kws_error_set(err, KWS_ERR_ARG,
                             "the model has no calibration ranges for the integer conversion; "
                             "add them with: kws eval --data DIR --model FILE --calibrate");
    return kws_imodel_convert_calibrated(im, &m->topo, m->params, m->bn_stats, m->ranges,
                                         m->n_ranges, opt, err);
}
