/* imodel_run.c - runs a converted integer model (kws/imodel.h) on one input
 * in a caller-provided arena, following the memory plan the converter
 * fixed (device and host, C99: no malloc, no libm, no floats except in
 * kws_imodel_quantize_input).
 *
 * It sequences the kernels of kws/runtime.h; the only arithmetic of its own
 * is the optional int32 output layer (a dense product requantized without
 * the int8 clamp) and the input quantizer.
 */
#include "kws/imodel.h"

#include <string.h>

#include "kws/runtime.h"

size_t kws_imodel_arena_size(const kws_imodel *m)
{
    return m ? m->arena_size : 0;
}

/* ---- size accounting (what the device links: see kws/imodel.h) ---------- */

kws_imodel_bytes kws_iop_bytes(const kws_iop *op)
{
    kws_imodel_bytes b = {0, 0, 0, 0};
    size_t c = (size_t)op->out_c;
    switch (op->kind) {
    case KWS_IOP_CONV2D:
        b.weights = c * (size_t)op->kernel * (size_t)op->kernel * (size_t)op->in_c;
        break;
    case KWS_IOP_DENSE:
        b.weights = c * (size_t)op->in_c;
        break;
    case KWS_IOP_DENSE_BIN:
        b.weights = kws_binary_weight_bytes(op->in_c, op->out_c);
        break;
    case KWS_IOP_CONV2D_BIN:
        b.weights = kws_conv2d_binary_weight_bytes(op->out_c, op->kernel, op->in_c);
        break;
    case KWS_IOP_AFFINE:
        b.affine = c * sizeof(int16_t);
        break;
    case KWS_IOP_MAXPOOL:
        return b;
    }
    b.biases = c * sizeof(int32_t);
    b.requant = c * sizeof(kws_requant);
    return b;
}

kws_imodel_bytes kws_imodel_bytes_total(const kws_imodel *m)
{
    kws_imodel_bytes t = {0, 0, 0, 0};
    for (int i = 0; i < m->n_ops; i++) {
        kws_imodel_bytes b = kws_iop_bytes(&m->ops[i]);
        t.weights += b.weights;
        t.biases += b.biases;
        t.requant += b.requant;
        t.affine += b.affine;
    }
    return t;
}

size_t kws_imodel_bytes_sum(kws_imodel_bytes b)
{
    return b.weights + b.biases + b.requant + b.affine;
}

const char *kws_iop_kind_str(kws_iop_kind k)
{
    switch (k) {
    case KWS_IOP_CONV2D: return "conv2d_s8";
    case KWS_IOP_MAXPOOL: return "maxpool2d_s8";
    case KWS_IOP_AFFINE: return "ch_affine_s8";
    case KWS_IOP_DENSE: return "dense_s8";
    case KWS_IOP_DENSE_BIN: return "dense_bin_s8";
    case KWS_IOP_CONV2D_BIN: return "conv2d_bin_s8";
    }
    return "?";
}

int kws_imodel_argmax(const int32_t *logits, int n)
{
    int best = 0;
    for (int i = 1; i < n; i++)
        if (logits[i] > logits[best])
            best = i;
    return best;
}

/* rhaz(x / s) clamped to [-127, 127] without libm: the same integer as
 * clamp(roundf(x / s)). NaN gives 0. */
static int8_t quantize_one(float x, float s)
{
    float v = x / s;
    if (v != v)
        return 0;
    if (v >= 127.0f)
        return KWS_Q8_MAX;
    if (v <= -127.0f)
        return KWS_Q8_MIN;
    int t = (int)v;            /* toward zero; |v| < 127 */
    float f = v - (float)t;    /* exact */
    if (f >= 0.5f)
        t++;
    else if (f <= -0.5f)
        t--;
    return (int8_t)t;
}

void kws_imodel_quantize_input(const kws_imodel *m, const float *x, int8_t *out)
{
    int C = m->in_c, H = m->in_h, W = m->in_w;
    for (int c = 0; c < C; c++)
        for (int h = 0; h < H; h++)
            for (int w = 0; w < W; w++)
                out[(h * W + w) * C + c] = quantize_one(x[(c * H + h) * W + w], m->in_scale);
}

void kws_imodel_quantize_column(const kws_imodel *m, const float *x, int8_t *out)
{
    int C = m->in_c, H = m->in_h;
    for (int c = 0; c < C; c++)
        for (int h = 0; h < H; h++)
            out[h * C + c] = quantize_one(x[c * H + h], m->in_scale);
}

/* The last dense layer with an int32 output: out[n] = rhaz(acc * M_n),
 * saturated to +-(2^31 - 1). Binary weights when wbits is set. */
static void dense_s32(const kws_iop *op, const int8_t *in, int32_t *out)
{
    int K = op->in_c;
    size_t row = kws_binary_row_bytes(K);
    for (int n = 0; n < op->out_c; n++) {
        int32_t acc = op->bias ? op->bias[n] : 0;
        if (op->wbits) {
            const uint8_t *w = op->wbits + (size_t)n * row;
            for (int k = 0; k < K; k++)
                acc += ((w[k >> 3] >> (k & 7)) & 1) ? in[k] : -in[k];
        } else {
            const int8_t *w = op->weight + (size_t)n * (size_t)K;
            for (int k = 0; k < K; k++)
                acc += (int32_t)in[k] * w[k];
        }
        int64_t v = kws_requantize(acc, op->rq[n]);
        if (v > INT32_MAX)
            v = INT32_MAX;
        if (v < -INT32_MAX)
            v = -INT32_MAX;
        out[n] = (int32_t)v;
    }
}

kws_conv2d_dims kws_iop_conv_dims(const kws_iop *op)
{
    kws_conv2d_dims d;
    d.h = op->in_h;
    d.w = op->in_w;
    d.in_c = op->in_c;
    d.out_c = op->out_c;
    d.kernel = op->kernel;
    d.valid_w = op->out_w != op->in_w; /* time=valid: the reference kernels */
    return d;
}

size_t kws_iop_work_area(const kws_imodel *m, const kws_iop *op, size_t *size)
{
    const size_t in_n = (size_t)op->in_h * op->in_w * op->in_c;
    const size_t out_n = (size_t)op->out_h * op->out_w * op->out_c * (op->out_s32 ? 4u : 1u);
    size_t a0 = op->in_off, a1 = op->in_off + in_n, b0 = op->out_off, b1 = op->out_off + out_n;
    if (b0 < a0) {
        size_t t0 = a0, t1 = a1;
        a0 = b0, a1 = b1, b0 = t0, b1 = t1;
    }
    /* free: [0, a0), [a1, b0), [b1, act_peak); or the separate scratch */
    const size_t lo[3] = {0, a1, b1}, hi[3] = {a0, b0, m->act_peak};
    size_t off = m->scratch_off;
    *size = m->scratch_size;
    for (int i = 0; i < 3; i++) {
        const size_t o = (lo[i] + 7) & ~(size_t)7;
        if (hi[i] > o && hi[i] - o > *size) {
            *size = hi[i] - o;
            off = o;
        }
    }
    return off;
}

/* fast: the ..._fast kernels (kws/runtime.h) in the op's work area
 * (kws_iop_work_area); a 3x3 conv (int8 or binary weights) by Winograd
 * when the area holds a chunk that pays. A conv whose fast kernel's
 * scratch does not fit, or unpadded along W (time=valid, which the fast
 * kernels do not take; kws/stream.h runs such models column by column),
 * runs the reference kernel. */
static kws_status run_op(const kws_imodel *m, const kws_iop *op, int8_t *base, int fast)
{
    const int8_t *in = base + op->in_off;
    int8_t *out = base + op->out_off;
    kws_requant_out q;
    q.rq = op->rq;
    q.act_min = op->act_min;
    q.act_max = op->act_max;
    switch (op->kind) {
    case KWS_IOP_CONV2D: {
        const kws_conv2d_dims d = kws_iop_conv_dims(op);
        size_t area_size = 0;
        void *area = NULL;
        if (fast && !d.valid_w) {
            area = base + kws_iop_work_area(m, op, &area_size);
            if (kws_conv2d_s8_winograd_pays(&d, kws_conv2d_s8_winograd_chunk(&d, area_size)))
                return kws_conv2d_s8_winograd(area, area_size, &d, &q, in, op->weight, op->bias,
                                              out);
            if (area_size > 0 && kws_conv2d_s8_fast_scratch_size(&d) <= area_size)
                return kws_conv2d_s8_fast(area, &d, &q, in, op->weight, op->bias, out);
        }
        return kws_conv2d_s8(NULL, &d, &q, in, op->weight, op->bias, out);
    }
    case KWS_IOP_CONV2D_BIN: {
        const kws_conv2d_dims d = kws_iop_conv_dims(op);
        const size_t need = kws_conv2d_binary_s8_fast_scratch_size(&d);
        size_t area_size = 0;
        if (fast && !d.valid_w) {
            void *area = base + kws_iop_work_area(m, op, &area_size);
            if (kws_conv2d_s8_winograd_pays(&d, kws_conv2d_s8_winograd_chunk(&d, area_size)))
                return kws_conv2d_binary_s8_winograd(area, area_size, &d, &q, in, op->wbits,
                                                     op->bias, out);
            if (need <= area_size)
                return kws_conv2d_binary_s8_fast(area, &d, &q, in, op->wbits, op->bias, out);
        }
        return kws_conv2d_binary_s8(&d, &q, in, op->wbits, op->bias, out);
    }
    case KWS_IOP_MAXPOOL: {
        kws_pool_dims d;
        d.h = op->in_h;
        d.w = op->in_w;
        d.c = op->in_c;
        if (op->out_w == op->in_w) /* maxpool=2x1 */
            return kws_maxpool2x1_s8(&d, in, out);
        return fast ? kws_maxpool2d_s8_fast(&d, in, out) : kws_maxpool2d_s8(&d, in, out);
    }
    case KWS_IOP_AFFINE:
        if (fast)
            return kws_channel_affine_s8_fast(&q, op->in_h * op->in_w, op->in_c, in, op->mul,
                                              op->bias, out);
        return kws_channel_affine_s8(&q, op->in_h * op->in_w, op->in_c, in, op->mul, op->bias,
                                     out);
    case KWS_IOP_DENSE:
    case KWS_IOP_DENSE_BIN:
        return kws_iop_run_dense(op, in, out, fast);
    }
    return KWS_ERR_ARG;
}

kws_status kws_iop_run_dense(const kws_iop *op, const int8_t *in, void *out, int fast)
{
    if (op->kind != KWS_IOP_DENSE && op->kind != KWS_IOP_DENSE_BIN)
        return KWS_ERR_ARG;
    if (op->out_s32) {
        if (!op->rq || (!op->weight && !op->wbits))
            return KWS_ERR_ARG;
        dense_s32(op, in, (int32_t *)out);
        return KWS_OK;
    }
    kws_requant_out q;
    q.rq = op->rq;
    q.act_min = op->act_min;
    q.act_max = op->act_max;
    kws_dense_dims d;
    d.in = op->in_c;
    d.out = op->out_c;
    int8_t *o = (int8_t *)out;
    if (op->kind == KWS_IOP_DENSE)
        return fast ? kws_dense_s8_fast(&d, &q, in, op->weight, op->bias, o)
                    : kws_dense_s8(&d, &q, in, op->weight, op->bias, o);
    return fast ? kws_dense_binary_s8_fast(&d, &q, in, op->wbits, op->bias, o)
                : kws_dense_binary_s8(&d, &q, in, op->wbits, op->bias, o);
}

kws_status kws_imodel_run(const kws_imodel *m, void *arena, size_t arena_size, const int8_t *in,
                          int32_t *logits)
{
    return kws_imodel_run_kernels(m, KWS_KERNELS_FAST, arena, arena_size, in, logits);
}

kws_status kws_imodel_run_kernels(const kws_imodel *m, kws_kernel_set kernels, void *arena,
                                  size_t arena_size, const int8_t *in, int32_t *logits)
{
    if (kernels != KWS_KERNELS_FAST && kernels != KWS_KERNELS_REFERENCE)
        return KWS_ERR_ARG;
    if (!m || !m->ops || !arena || !in || !logits || m->n_ops < 1 ||
        m->n_ops > KWS_IMODEL_MAX_OPS || ((uintptr_t)arena & 7u) != 0)
        return KWS_ERR_ARG;
    /* the whole table and memory plan against this arena: a malformed model
     * gives an error code, never a kernel outside the arena (O(ops +
     * channels), next to nothing beside the kernels) */
    kws_status cst = kws_imodel_check(m, arena_size, NULL);
    if (cst != KWS_OK)
        return cst;
    int8_t *base = (int8_t *)arena;
    size_t in_n = (size_t)m->in_h * (size_t)m->in_w * (size_t)m->in_c;
    memmove(base + m->ops[0].in_off, in, in_n);
    for (int i = 0; i < m->n_ops; i++) {
        kws_status st = run_op(m, &m->ops[i], base, kernels == KWS_KERNELS_FAST);
        if (st != KWS_OK)
            return st;
    }
    const kws_iop *last = &m->ops[m->n_ops - 1];
    if (m->out_s32) {
        const int32_t *o = (const int32_t *)(const void *)(base + last->out_off);
        for (int n = 0; n < m->n_classes; n++)
            logits[n] = o[n];
    } else {
        const int8_t *o = base + last->out_off;
        for (int n = 0; n < m->n_classes; n++)
            logits[n] = o[n];
    }
    return KWS_OK;
}
