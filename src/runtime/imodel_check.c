/* imodel_check.c - validates an integer model (kws/imodel.h) before it runs:
 * the op table, the shapes from op to op and the memory plan against the
 * caller's arena (device and host, C99; no allocation, O(ops + channels)).
 *
 * A model from the converter passes by construction; one compiled into
 * firmware (`kws export`) or read from anywhere else is checked so that a
 * stale, truncated or mismatched table gives an error code instead of a
 * kernel reading or writing outside the arena. What it cannot see: whether
 * the parameter arrays really hold as many bytes as the shapes say (the
 * firmware's CRC over them, kws/deployed.h, covers that).
 */
#include "kws/imodel.h"

#include "kws/quant_params.h"

#define DIM_MAX 65536 /* any one dimension; keeps every product below 2^48 */

static int dim_ok(int v)
{
    return v >= 1 && v <= DIM_MAX;
}

static size_t elems(int h, int w, int c)
{
    return (size_t)h * (size_t)w * (size_t)c;
}

/* [off, off + n) inside [0, limit), without overflow. */
static int range_in(size_t off, size_t n, size_t limit)
{
    return off <= limit && n <= limit - off;
}

static int disjoint(size_t a, size_t na, size_t b, size_t nb)
{
    return a + na <= b || b + nb <= a;
}

/* Kind-specific shape and parameter rules of one op. */
static kws_status check_kind(const kws_iop *op)
{
    int same_hw = op->out_h == op->in_h && op->out_w == op->in_w;
    int flat = op->in_h == 1 && op->in_w == 1 && op->out_h == 1 && op->out_w == 1;
    switch (op->kind) {
    case KWS_IOP_CONV2D:
    case KWS_IOP_CONV2D_BIN:
        if (op->kernel < 1 || op->kernel > 15 || op->kernel % 2 == 0)
            return KWS_ERR_SHAPE;
        /* 'same', or unpadded along W (time=valid: out_w = in_w - (k - 1)) */
        if (op->out_h != op->in_h ||
            (op->out_w != op->in_w && op->out_w != op->in_w - (op->kernel - 1)) ||
            op->out_w < 1)
            return KWS_ERR_SHAPE;
        if (!op->rq || (op->kind == KWS_IOP_CONV2D ? !op->weight : !op->wbits))
            return KWS_ERR_ARG;
        return KWS_OK;
    case KWS_IOP_MAXPOOL:
        /* 2x2, or 2x1 over H (out_w = in_w) */
        if (op->out_h != op->in_h / 2 || op->out_h < 1 ||
            (op->out_w != op->in_w / 2 && op->out_w != op->in_w) || op->out_w < 1 ||
            op->out_c != op->in_c)
            return KWS_ERR_SHAPE;
        return KWS_OK;
    case KWS_IOP_AFFINE:
        if (!same_hw || op->out_c != op->in_c)
            return KWS_ERR_SHAPE;
        if (!op->mul || !op->rq)
            return KWS_ERR_ARG;
        return KWS_OK;
    case KWS_IOP_DENSE:
    case KWS_IOP_DENSE_BIN:
        if (!flat)
            return KWS_ERR_SHAPE;
        if (!op->rq || (op->kind == KWS_IOP_DENSE ? !op->weight : !op->wbits))
            return KWS_ERR_ARG;
        return KWS_OK;
    }
    return KWS_ERR_FORMAT; /* an op kind this runtime does not know */
}

/* Requantization parameters and clamp bounds (AFFINE/CONV/DENSE). */
static kws_status check_requant(const kws_iop *op)
{
    if (op->kind == KWS_IOP_MAXPOOL)
        return KWS_OK;
    kws_requant_out q;
    q.rq = op->rq;
    q.act_min = op->act_min;
    q.act_max = op->act_max;
    return kws_requant_out_check(&q, op->out_c) == KWS_OK ? KWS_OK : KWS_ERR_FORMAT;
}

kws_status kws_imodel_check(const kws_imodel *m, size_t arena_size, int *bad_op)
{
    int dummy;
    if (!bad_op)
        bad_op = &dummy;
    *bad_op = -1;
    if (!m || !m->ops || m->n_ops < 1 || m->n_ops > KWS_IMODEL_MAX_OPS)
        return KWS_ERR_ARG;
    if (!dim_ok(m->in_h) || !dim_ok(m->in_w) || !dim_ok(m->in_c) || !dim_ok(m->n_classes))
        return KWS_ERR_SHAPE;
    /* the plan: [activations: act_peak][pad to 8][scratch] = arena_size */
    if (m->act_peak > m->scratch_off || (m->scratch_off & 7u) != 0 ||
        !range_in(m->scratch_off, m->scratch_size, m->arena_size))
        return KWS_ERR_FORMAT;
    if (arena_size < m->arena_size)
        return KWS_ERR_ARENA;

    int prev_h = m->in_h, prev_w = m->in_w, prev_c = m->in_c;
    size_t prev_off = m->ops[0].in_off;
    for (int i = 0; i < m->n_ops; i++) {
        const kws_iop *op = &m->ops[i];
        *bad_op = i;
        if (!dim_ok(op->in_h) || !dim_ok(op->in_w) || !dim_ok(op->in_c) ||
            !dim_ok(op->out_h) || !dim_ok(op->out_w) || !dim_ok(op->out_c))
            return KWS_ERR_SHAPE;
        kws_status st = check_kind(op);
        if (st != KWS_OK)
            return st;
        /* chaining: the previous output, flattened when a dense op takes it */
        size_t in_n = elems(op->in_h, op->in_w, op->in_c);
        if (op->kind == KWS_IOP_DENSE || op->kind == KWS_IOP_DENSE_BIN) {
            if (in_n != elems(prev_h, prev_w, prev_c))
                return KWS_ERR_SHAPE;
        } else if (op->in_h != prev_h || op->in_w != prev_w || op->in_c != prev_c) {
            return KWS_ERR_SHAPE;
        }
        int last = i == m->n_ops - 1;
        if (op->out_s32 && (!last || (op->kind != KWS_IOP_DENSE && op->kind != KWS_IOP_DENSE_BIN)))
            return KWS_ERR_SHAPE;
        if (!op->out_s32) {
            st = check_requant(op);
            if (st != KWS_OK)
                return st;
        } else if (!op->rq) {
            return KWS_ERR_ARG;
        }
        /* memory: the input is where the previous op wrote; both tensors
         * inside the activation area; a kernel that is not in place never
         * reads what it is writing */
        size_t out_n = elems(op->out_h, op->out_w, op->out_c) * (op->out_s32 ? 4u : 1u);
        if (op->in_off != prev_off || !range_in(op->in_off, in_n, m->act_peak) ||
            !range_in(op->out_off, out_n, m->act_peak))
            return KWS_ERR_FORMAT;
        if (!(op->kind == KWS_IOP_AFFINE && op->in_off == op->out_off) &&
            !disjoint(op->in_off, in_n, op->out_off, out_n))
            return KWS_ERR_FORMAT;
        if (op->out_s32 && (op->out_off & 3u) != 0)
            return KWS_ERR_FORMAT;
        prev_h = op->out_h, prev_w = op->out_w, prev_c = op->out_c;
        prev_off = op->out_off;
    }
    *bad_op = m->n_ops - 1;
    const kws_iop *lastop = &m->ops[m->n_ops - 1];
    if (elems(lastop->out_h, lastop->out_w, lastop->out_c) != (size_t)m->n_classes ||
        lastop->out_s32 != m->out_s32)
        return KWS_ERR_SHAPE;
    *bad_op = -1;
    return KWS_OK;
}
