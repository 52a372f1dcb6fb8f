/* imodel_stream.c - a converted model one input column at a time
 * (kws/stream.h; device and host, C99, no allocation, no libm).
 *
 * State memory, in op order (offsets are recomputed from the model on
 * every call, op_regions / tail_regions: nothing but the base pointer is
 * stored):
 *
 *   conv op:   window (H + 2P, k, Cin): the last k input columns, oldest
 *              first, as k-pixel rows of the 'same'-padded input (P zero
 *              rows above and below, never written); an int8 conv's weights
 *              as int16 pairs (kws_conv2d_s8_column_prepare, filled by
 *              kws_stream_init); then its output column (H, Cout)
 *   pool op:   its output column (H/2, C)
 *   affine op: nothing (in place on the column)
 *   tail:      the dense layers' window (H_L, T, C_L) of the last T columns
 *              of the last column op, then two buffers for the dense ops'
 *              outputs (int32 for an out_s32 last op), then the int8 convs'
 *              scratch (kws_conv2d_s8_column_fast: the window as int16)
 *
 * Each region starts 8-aligned.
 */
#include "kws/stream.h"

#include <string.h>

#include "kws/runtime.h"

static size_t align8(size_t n)
{
    return (n + 7) & ~(size_t)7;
}

static int is_conv(const kws_iop *op)
{
    return op->kind == KWS_IOP_CONV2D || op->kind == KWS_IOP_CONV2D_BIN;
}

static int is_dense(const kws_iop *op)
{
    return op->kind == KWS_IOP_DENSE || op->kind == KWS_IOP_DENSE_BIN;
}

const char *kws_stream_unsupported(const kws_imodel *m)
{
    if (!m || !m->ops || m->n_ops < 1 || m->n_ops > KWS_IMODEL_MAX_OPS)
        return "no model";
    if (kws_imodel_check(m, m->arena_size, NULL) != KWS_OK)
        return "the model does not pass kws_imodel_check";
    if (!is_conv(&m->ops[0]))
        return "the first op is not a convolution";
    int i = 0;
    for (; i < m->n_ops && !is_dense(&m->ops[i]); i++) {
        const kws_iop *op = &m->ops[i];
        if (is_conv(op) && op->out_w != op->in_w - (op->kernel - 1))
            return "a convolution is padded along time (needs time=valid)";
        if (op->kind == KWS_IOP_CONV2D_BIN && op->in_c % 8 != 0)
            return "a binary convolution has Cin not a multiple of 8";
        if (op->kind == KWS_IOP_MAXPOOL && op->out_w != op->in_w)
            return "a max pool pools along time (needs maxpool=2x1)";
    }
    if (i == m->n_ops)
        return "no dense layer";
    for (int j = i; j < m->n_ops; j++)
        if (!is_dense(&m->ops[j]) && m->ops[j].kind != KWS_IOP_AFFINE)
            return "a layer other than dense after the first dense layer";
    return NULL;
}

/* A conv op's dims for kws_conv2d_s8_column: a window k columns wide */
static kws_conv2d_dims column_dims(const kws_iop *op)
{
    kws_conv2d_dims d = kws_iop_conv_dims(op);
    d.w = op->kernel;
    return d;
}

/* Op op's regions from offset *at on: its window (conv), prepared
 * weights (int8 conv) and output column (conv, pool); *at moves past
 * them. */
static void op_regions(const kws_iop *op, size_t *at, size_t *win, size_t *prep, size_t *col)
{
    *win = *prep = *col = *at;
    if (is_conv(op)) {
        const size_t P = (size_t)(op->kernel - 1) / 2;
        *win = *at;
        *at += align8(((size_t)op->in_h + 2 * P) * op->kernel * op->in_c);
    }
    if (op->kind == KWS_IOP_CONV2D) {
        const kws_conv2d_dims d = column_dims(op);
        *prep = *at;
        *at += align8(kws_conv2d_s8_column_weights_size(&d));
    }
    if (op->kind != KWS_IOP_AFFINE) {
        *col = *at;
        *at += align8((size_t)op->out_h * op->out_c);
    }
}

/* The tail's regions after the column ops (which end at `at`): the dense
 * window, the two dense buffers and the int8 convs' scratch (*scr, the
 * largest kws_conv2d_s8_column_scratch_size). Returns the total size. */
static size_t tail_regions(const kws_imodel *m, int first_dense, size_t at, size_t *tail,
                           size_t *d0, size_t *d1, size_t *scr)
{
    const kws_iop *last = &m->ops[first_dense - 1];
    *tail = at;
    at += align8((size_t)last->out_h * last->out_w * last->out_c);
    size_t most = 0;
    for (int i = first_dense; i < m->n_ops; i++) {
        const size_t n = (size_t)m->ops[i].out_c * (m->ops[i].out_s32 ? 4u : 1u);
        if (n > most)
            most = n;
    }
    *d0 = at;
    at += align8(most);
    *d1 = at;
    at += align8(most);
    size_t scratch = 0;
    for (int i = 0; i < first_dense; i++) {
        if (m->ops[i].kind != KWS_IOP_CONV2D)
            continue;
        const kws_conv2d_dims d = column_dims(&m->ops[i]);
        const size_t n = kws_conv2d_s8_column_scratch_size(&d);
        if (n > scratch)
            scratch = n;
    }
    *scr = at;
    return at + align8(scratch);
}

static int first_dense_op(const kws_imodel *m)
{
    int i = 0;
    while (i < m->n_ops && !is_dense(&m->ops[i]))
        i++;
    return i;
}

size_t kws_stream_size(const kws_imodel *m)
{
    if (kws_stream_unsupported(m))
        return 0;
    const int first_dense = first_dense_op(m);
    size_t at = 0, win, prep, col, tail, d0, d1, scr;
    for (int i = 0; i < first_dense; i++)
        op_regions(&m->ops[i], &at, &win, &prep, &col);
    return tail_regions(m, first_dense, at, &tail, &d0, &d1, &scr);
}

kws_status kws_stream_init(kws_stream *s, const kws_imodel *m, void *mem, size_t size)
{
    if (!s || !m || !mem || ((uintptr_t)mem & 7u) != 0)
        return KWS_ERR_ARG;
    if (kws_stream_unsupported(m))
        return KWS_ERR_UNSUPPORTED;
    if (size < kws_stream_size(m))
        return KWS_ERR_ARG;
    s->m = m;
    s->mem = (int8_t *)mem;
    s->size = size;
    s->first_dense = first_dense_op(m);
    /* the int8 convs' weights as int16 pairs, once */
    size_t at = 0, win, prep, col;
    for (int i = 0; i < s->first_dense; i++) {
        const kws_iop *op = &m->ops[i];
        op_regions(op, &at, &win, &prep, &col);
        if (op->kind == KWS_IOP_CONV2D) {
            const kws_conv2d_dims d = column_dims(op);
            kws_status st = kws_conv2d_s8_column_prepare(&d, op->weight,
                                                         (uint32_t *)(void *)(s->mem + prep));
            if (st != KWS_OK)
                return st;
        }
    }
    kws_stream_reset(s);
    return KWS_OK;
}

void kws_stream_reset(kws_stream *s)
{
    if (!s || !s->mem)
        return;
    /* the windows to zero columns (the rest is rewritten before it is read) */
    const kws_imodel *m = s->m;
    size_t at = 0, win, prep, col, tail, d0, d1, scr;
    for (int i = 0; i < s->first_dense; i++) {
        const kws_iop *op = &m->ops[i];
        op_regions(op, &at, &win, &prep, &col);
        if (is_conv(op))
            memset(s->mem + win, 0,
                   ((size_t)op->in_h + (size_t)op->kernel - 1) * op->kernel * op->in_c);
    }
    tail_regions(m, s->first_dense, at, &tail, &d0, &d1, &scr);
    const kws_iop *last = &m->ops[s->first_dense - 1];
    memset(s->mem + tail, 0, (size_t)last->out_h * last->out_w * last->out_c);
    s->pushed = 0;
    s->ready = 0;
}

/* Window rows of `rows` rows, each `cols` pixels of c bytes: every row moves
 * one pixel left and takes the new column's pixel at its end. */
static void shift_in(int8_t *win, int rows, int cols, int c, const int8_t *col)
{
    const size_t row = (size_t)cols * c, keep = row - (size_t)c;
    for (int r = 0; r < rows; r++) {
        int8_t *w = win + (size_t)r * row;
        memmove(w, w + c, keep);
        memcpy(w + keep, col + (size_t)r * c, (size_t)c);
    }
}

/* The conv's new output column: row h is the dense product of the k*k*Cin
 * window bytes from padded row h on with the (Cout, k, k, Cin) weights
 * (kws_conv2d_s8_column_fast; binary weights: kws_dense_binary_s8_fast per
 * row). */
static kws_status conv_column(const kws_iop *op, const int8_t *win, const uint32_t *prep,
                              int8_t *out, void *scratch)
{
    kws_requant_out q;
    q.rq = op->rq;
    q.act_min = op->act_min;
    q.act_max = op->act_max;
    if (op->kind == KWS_IOP_CONV2D) {
        const kws_conv2d_dims cd = column_dims(op);
        return kws_conv2d_s8_column_fast(scratch, &cd, &q, win, prep, op->bias, out);
    }
    kws_dense_dims d;
    d.in = op->kernel * op->kernel * op->in_c;
    d.out = op->out_c;
    const size_t row = (size_t)op->kernel * op->in_c;
    for (int h = 0; h < op->out_h; h++) {
        const int8_t *x = win + (size_t)h * row;
        int8_t *o = out + (size_t)h * op->out_c;
        kws_status st = kws_dense_binary_s8_fast(&d, &q, x, op->wbits, op->bias, o);
        if (st != KWS_OK)
            return st;
    }
    return KWS_OK;
}

kws_status kws_stream_push(kws_stream *s, const int8_t *column, int32_t *logits)
{
    if (!s || !s->m || !s->mem || !column || !logits)
        return KWS_ERR_ARG;
    const kws_imodel *m = s->m;
    int8_t *mem = s->mem, *cur = NULL; /* cur: the column so far, in mem */
    size_t at = 0, win, prep, col, tail, d0, d1, scr;
    /* the scratch offset first: it follows every other region */
    {
        size_t a = 0, w, p, c;
        for (int i = 0; i < s->first_dense; i++)
            op_regions(&m->ops[i], &a, &w, &p, &c);
        tail_regions(m, s->first_dense, a, &tail, &d0, &d1, &scr);
    }
    for (int i = 0; i < s->first_dense; i++) {
        const kws_iop *op = &m->ops[i];
        op_regions(op, &at, &win, &prep, &col);
        kws_status st = KWS_OK;
        if (is_conv(op)) {
            const size_t P = (size_t)(op->kernel - 1) / 2;
            shift_in(mem + win + P * op->kernel * op->in_c, op->in_h, op->kernel, op->in_c,
                     cur ? cur : column);
            st = conv_column(op, mem + win, (const uint32_t *)(const void *)(mem + prep),
                             mem + col, mem + scr);
            cur = mem + col;
        } else if (op->kind == KWS_IOP_MAXPOOL) {
            kws_pool_dims d;
            d.h = op->in_h;
            d.w = 1;
            d.c = op->in_c;
            st = kws_maxpool2x1_s8(&d, cur, mem + col);
            cur = mem + col;
        } else { /* AFFINE, in place (op 0 is a conv, so cur is set) */
            kws_requant_out q;
            q.rq = op->rq;
            q.act_min = op->act_min;
            q.act_max = op->act_max;
            st = kws_channel_affine_s8_fast(&q, op->in_h, op->in_c, cur, op->mul, op->bias, cur);
        }
        if (st != KWS_OK)
            return st;
    }
    const kws_iop *last = &m->ops[s->first_dense - 1];
    shift_in(mem + tail, last->out_h, last->out_w, last->out_c, cur);

    const int8_t *in = mem + tail;
    int8_t *out = mem + d1;
    for (int i = s->first_dense; i < m->n_ops; i++) {
        const kws_iop *op = &m->ops[i];
        kws_status st;
        if (op->kind == KWS_IOP_AFFINE) { /* a dense layer's batch norm, in place */
            kws_requant_out q;
            q.rq = op->rq;
            q.act_min = op->act_min;
            q.act_max = op->act_max;
            st = kws_channel_affine_s8_fast(&q, 1, op->in_c, out, op->mul, op->bias, out);
        } else {
            out = mem + (out == mem + d0 ? d1 : d0);
            st = kws_iop_run_dense(op, in, out, 1);
        }
        if (st != KWS_OK)
            return st;
        in = out;
    }
    if (m->out_s32) {
        const int32_t *o = (const int32_t *)(const void *)in;
        for (int n = 0; n < m->n_classes; n++)
            logits[n] = o[n];
    } else {
        for (int n = 0; n < m->n_classes; n++)
            logits[n] = in[n];
    }
    if (s->pushed < 0xFFFFFFFFu)
        s->pushed++;
    s->ready = s->pushed >= (uint32_t)m->in_w;
    return KWS_OK;
}
