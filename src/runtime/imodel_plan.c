/* imodel_plan.c - the static memory plan of an integer model (kws/imodel.h):
 * ping-pong sides for the activations and the working space between them
 * that gives each conv its kernel's scratch (device and host, C99).
 */
#include "kws/imodel.h"

#include "kws/runtime.h"

static size_t round4(size_t n)
{
    return (n + 3) & ~(size_t)3;
}

static size_t op_out_bytes(const kws_iop *op)
{
    size_t n = (size_t)op->out_h * (size_t)op->out_w * (size_t)op->out_c;
    return op->out_s32 ? 4 * n : n;
}

/* Scratch op's kernel wants (kws_imodel_run's fast set): the direct fast
 * kernels' weight buffers; with the fast plan also Winograd's (int8 or
 * binary weights) for a chunk of up to 16 output channels where that
 * pays. */
static size_t conv_work_need(const kws_iop *op, kws_plan_kind plan)
{
    const kws_conv2d_dims d = kws_iop_conv_dims(op);
    size_t need;
    if (op->kind == KWS_IOP_CONV2D_BIN)
        need = kws_conv2d_binary_s8_fast_scratch_size(&d);
    else if (op->kind == KWS_IOP_CONV2D)
        need = kws_conv2d_s8_fast_scratch_size(&d);
    else
        return 0;
    const int chunk = op->out_c < 16 ? (op->out_c + 3) & ~3 : 16;
    if (plan == KWS_PLAN_FAST && kws_conv2d_s8_winograd_pays(&d, chunk)) {
        size_t w = kws_conv2d_s8_winograd_scratch_size(&d, chunk);
        if (w > need)
            need = w;
    }
    return need;
}

/* Ping-pong sides for a given act_peak: side 0 from offset 0, side 1 ending
 * at act_peak; every op but AFFINE (in place) switches. */
static void place_tensors(kws_imodel *m, kws_iop *ops, size_t act_peak)
{
    int side = 0;
    size_t off = 0;
    for (int i = 0; i < m->n_ops; i++) {
        kws_iop *op = &ops[i];
        op->in_off = off;
        if (op->kind != KWS_IOP_AFFINE)
            side ^= 1;
        off = side ? act_peak - round4(op_out_bytes(op)) : 0;
        op->out_off = off;
    }
    m->act_peak = act_peak;
    m->scratch_off = (act_peak + 7) & ~(size_t)7;
    m->scratch_size = 0;
    m->arena_size = m->scratch_off;
}

void kws_imodel_plan(kws_imodel *m, kws_iop *ops, kws_plan_kind plan)
{
    size_t in0 = (size_t)m->in_h * (size_t)m->in_w * (size_t)m->in_c;
    size_t peak = round4(in0), cur = in0;
    for (int i = 0; i < m->n_ops; i++) {
        const kws_iop *op = &ops[i];
        size_t out = op_out_bytes(op);
        size_t need = op->kind == KWS_IOP_AFFINE ? round4(out) : round4(cur) + round4(out);
        if (need > peak)
            peak = need;
        cur = out;
    }
    peak = (peak + 7) & ~(size_t)7;
    /* shifting side 1 by w widens every conv's gap by w: grow w until each
     * conv's gap holds what it needs (one or two rounds) */
    size_t work = 0;
    for (;;) {
        place_tensors(m, ops, peak + work);
        size_t short_by = 0;
        for (int i = 0; i < m->n_ops; i++) {
            size_t have, need = conv_work_need(&ops[i], plan);
            kws_iop_work_area(m, &ops[i], &have);
            if (need > have && need - have > short_by)
                short_by = need - have;
        }
        if (short_by == 0)
            break;
        work += (short_by + 7) & ~(size_t)7;
    }
}
