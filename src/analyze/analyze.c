/* analyze.c - per-layer ROM / RAM / MACC accounting of a topology
 * (formulas in kws/analyze.h; byte formats from docs/quantization.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kws/analyze.h"
#include "kws/imodel.h"
#include "kws/quant_params.h"
#include "kws/runtime.h"

#define F32 4u                          /* bytes of a float */
#define BIAS_INT 4u                     /* int32 bias */
#define REQUANT_BYTES sizeof(kws_requant) /* {int32 multiplier, int32 shift} */
#define AFFINE_PARAM_BYTES (2u + REQUANT_BYTES) /* m int16 + requant; b int32 is a bias */
#define THRESH_BYTES 2u                 /* int16 sign threshold */

kws_status kws_target_get(const char *name, kws_target *t, kws_error *err)
{
    if (name && t && !strcmp(name, "stm32l496")) {
        t->name = "stm32l496";
        t->flash_bytes = (size_t)1024 * 1024;
        t->ram_bytes = (size_t)320 * 1024;
        return KWS_OK;
    }
    return kws_error_set(err, KWS_ERR_ARG, "unknown target '%s' (known: stm32l496)",
                         name ? name : "(null)");
}

static size_t act_bytes(size_t n, kws_aquant aq)
{
    switch (aq) {
    case KWS_QA_INT8: return n;
    case KWS_QA_BINARY: return (n + 7) / 8;
    default: return n * F32;
    }
}

/* Bytes of layer l's weights stored as wq. Binary sizes come from the
 * runtime's own helpers, the layouts the kernels read (kws/runtime.h). */
static size_t weight_bytes(const kws_layer_spec *l, kws_wquant wq)
{
    switch (wq) {
    case KWS_QW_FLOAT: return l->n_weight * F32;
    case KWS_QW_INT8:
    case KWS_QW_INT4: return l->n_weight; /* int4 in an int8 container */
    case KWS_QW_BINARY:
        if (l->kind == KWS_LAYER_CONV2D) /* (Cout, k, k, ceil(Cin/8)) */
            return kws_conv2d_binary_weight_bytes(l->units, l->kernel, l->in_c);
        return kws_binary_weight_bytes((int)(l->n_weight / (size_t)l->units), l->units);
    }
    return 0;
}

static kws_analyze_row *add_row(kws_analysis *a, kws_aop_kind kind, const char *name, int layer)
{
    kws_analyze_row *r = &a->rows[a->n_rows++];
    memset(r, 0, sizeof *r);
    r->kind = kind;
    r->layer = layer;
    snprintf(r->name, sizeof r->name, "%s", name);
    return r;
}

static void keras_name(char *buf, size_t size, const char *base, int *counter)
{
    if (*counter == 0)
        snprintf(buf, size, "%s", base);
    else
        snprintf(buf, size, "%s_%d", base, *counter);
    ++*counter;
}

/* The integer runtime's arena for rows of an integer model: the op list
 * the converter makes of them (conv / binary conv with ReLU fused, pool,
 * batch norm in place, dense / binary dense, int32 logits when the last
 * layer is a=float), laid out by kws_imodel_plan. 0 if out of memory. */
static size_t plan_arena(const kws_topology *t, const kws_analysis *a, kws_plan_kind plan)
{
    kws_iop *ops = calloc((size_t)a->n_rows, sizeof *ops);
    if (!ops)
        return 0;
    kws_imodel m;
    memset(&m, 0, sizeof m);
    int n = 0, in_c = 0, in_h = 0, in_w = 0;
    for (int k = 0; k < a->n_rows; k++) {
        const kws_analyze_row *r = &a->rows[k];
        if (r->kind == KWS_AOP_INPUT) {
            m.in_c = in_c = r->out_c, m.in_h = in_h = r->out_h, m.in_w = in_w = r->out_w;
            continue;
        }
        kws_iop *op = &ops[n++];
        op->in_h = in_h, op->in_w = in_w, op->in_c = in_c;
        op->out_h = r->out_h, op->out_w = r->out_w, op->out_c = r->out_c;
        switch (r->kind) {
        case KWS_AOP_CONV2D:
            op->kind = r->wq == KWS_QW_BINARY ? KWS_IOP_CONV2D_BIN : KWS_IOP_CONV2D;
            op->kernel = t->layers[r->layer].kernel;
            break;
        case KWS_AOP_DENSE:
            op->kind = r->wq == KWS_QW_BINARY ? KWS_IOP_DENSE_BIN : KWS_IOP_DENSE;
            op->in_h = op->in_w = 1, op->in_c = in_c * in_h * in_w;
            op->out_s32 = k == a->n_rows - 1 && r->aq == KWS_QA_FLOAT;
            break;
        case KWS_AOP_MAXPOOL:
            op->kind = KWS_IOP_MAXPOOL;
            break;
        default:
            op->kind = KWS_IOP_AFFINE;
            break;
        }
        in_c = r->out_c, in_h = r->out_h, in_w = r->out_w;
    }
    m.n_ops = n;
    m.ops = ops;
    kws_imodel_plan(&m, ops, plan);
    free(ops);
    return m.arena_size;
}

kws_status kws_analyze(const kws_topology *t, kws_analysis *a, kws_error *err)
{
    if (!t || !a)
        return kws_error_set(err, KWS_ERR_ARG, "analyze: NULL argument");
    if (t->n_layers < 1 || t->n_layers > KWS_TOPO_MAX_LAYERS || t->in_c < 1 || t->in_h < 1 ||
        t->in_w < 1)
        return kws_error_set(err, KWS_ERR_ARG, "analyze: topology has no layers or no input");
    memset(a, 0, sizeof *a);

    int first = -1;
    for (int i = 0; i < t->n_layers && first < 0; i++)
        if (t->layers[i].kind != KWS_LAYER_FLATTEN)
            first = i;
    if (first < 0)
        return kws_error_set(err, KWS_ERR_ARG, "analyze: topology has no conv2d or dense layer");

    /* Any quantized layer puts the whole model on the integer runtime
     * (kws/imodel.h), which keeps every tensor in int8, whatever a= says. */
    int integer_model = 0;
    for (int i = 0; i < t->n_layers; i++)
        if (t->layers[i].kind != KWS_LAYER_FLATTEN &&
            (t->layers[i].wq != KWS_QW_FLOAT || t->layers[i].aq != KWS_QA_FLOAT))
            integer_model = 1;
    size_t n_in = (size_t)t->in_c * t->in_h * t->in_w;
    kws_analyze_row *in = add_row(a, KWS_AOP_INPUT, "input", -1);
    in->aq = integer_model ? KWS_QA_INT8 : KWS_QA_FLOAT;
    in->out_c = t->in_c, in->out_h = t->in_h, in->out_w = t->in_w;
    in->act_bytes = act_bytes(n_in, in->aq);
    a->window_bytes = n_in * F32;

    int n_pool = 0, n_bn = 0;
    for (int i = 0; i < t->n_layers; i++) {
        const kws_layer_spec *l = &t->layers[i];
        if (l->kind == KWS_LAYER_FLATTEN)
            continue;
        /* the integer runtime has no float kernels: the converter stores a
         * w=float layer of an integer model as int8 (kws/imodel.h) */
        int integer = integer_model;
        kws_wquant wq = integer && l->wq == KWS_QW_FLOAT ? KWS_QW_INT8 : l->wq;
        int first_row = a->n_rows;
        kws_analyze_row *r = add_row(a, l->kind == KWS_LAYER_CONV2D ? KWS_AOP_CONV2D : KWS_AOP_DENSE,
                                     l->name, i);
        r->integer = integer;
        r->wq = wq;
        r->out_c = l->units;
        r->out_h = l->kind == KWS_LAYER_CONV2D ? l->in_h : 1;
        r->out_w = l->kind != KWS_LAYER_CONV2D ? 1
                   : l->time_valid                ? l->in_w - (l->kernel - 1) /* unpadded along W */
                                                  : l->in_w;
        r->macc = l->macs;
        r->weight_bytes = weight_bytes(l, wq);
        r->bias_bytes = l->n_bias * (integer ? BIAS_INT : F32);
        r->param_bytes = integer ? (size_t)l->units * REQUANT_BYTES : 0;
        if (l->aq == KWS_QA_BINARY)
            r->param_bytes += (size_t)l->units * THRESH_BYTES;

        int c = r->out_c, h = r->out_h, w = r->out_w;
        int only_dropout = 1; /* every post op so far is dropout (or a folded bn) */
        for (int p = 0; p < l->n_post; p++) {
            char name[KWS_TOPO_NAME_MAX];
            switch (l->post[p]) {
            case KWS_POST_DROPOUT: break;
            case KWS_POST_RELU:
                if (only_dropout)
                    a->rows[first_row].relu = 1;
                only_dropout = 0;
                break;
            case KWS_POST_MAXPOOL: {
                keras_name(name, sizeof name, "max_pooling2d", &n_pool);
                kws_analyze_row *q = add_row(a, KWS_AOP_MAXPOOL, name, i);
                q->integer = integer;
                q->wq = wq;
                h /= 2;
                if (!l->pool_h_only)
                    w /= 2;
                q->pool_h_only = l->pool_h_only;
                q->out_c = c, q->out_h = h, q->out_w = w;
                only_dropout = 0;
                break;
            }
            case KWS_POST_BN: {
                keras_name(name, sizeof name, "batch_normalization", &n_bn);
                if (only_dropout)
                    break; /* folds into the weights and bias */
                kws_analyze_row *q = add_row(a, KWS_AOP_BN, name, i);
                q->integer = integer;
                q->wq = wq;
                q->out_c = c, q->out_h = h, q->out_w = w;
                q->macc = (uint64_t)c * h * w;
                q->bias_bytes = integer ? (size_t)c * BIAS_INT : 0;
                q->param_bytes = (size_t)c * (integer ? AFFINE_PARAM_BYTES : 2 * F32);
                q->in_place = 1;
                break;
            }
            }
        }
        for (int k = first_row; k < a->n_rows; k++) {
            kws_analyze_row *q = &a->rows[k];
            q->aq = l->aq == KWS_QA_BINARY && k != a->n_rows - 1 ? KWS_QA_INT8 : l->aq;
            if (integer_model && q->aq == KWS_QA_FLOAT)
                q->aq = KWS_QA_INT8;
            q->act_bytes = act_bytes((size_t)q->out_c * q->out_h * q->out_w, q->aq);
            q->rom_bytes = q->weight_bytes + q->bias_bytes + q->param_bytes;
        }
    }

    size_t cur = 0;
    a->peak_row = 0;
    for (int k = 0; k < a->n_rows; k++) {
        const kws_analyze_row *q = &a->rows[k];
        a->macc += q->macc;
        a->weight_bytes += q->weight_bytes;
        a->bias_bytes += q->bias_bytes;
        a->param_bytes += q->param_bytes;
        a->rom_bytes += q->rom_bytes;
        if (q->in_place && k > 0)
            continue; /* same size as its input: cur unchanged */
        a->act_sum += q->act_bytes;
        size_t need = cur + q->act_bytes;
        if (need > a->arena_bytes) {
            a->arena_bytes = need;
            a->peak_row = k;
        }
        cur = q->act_bytes;
    }
    a->ram_bytes = a->window_bytes + a->arena_bytes;
    a->ram_no_reuse = a->window_bytes + a->act_sum;
    a->plan_fast_bytes = a->plan_small_bytes = 0;
    if (integer_model) {
        a->plan_fast_bytes = plan_arena(t, a, KWS_PLAN_FAST);
        a->plan_small_bytes = plan_arena(t, a, KWS_PLAN_SMALL);
    }
    return KWS_OK;
}

int kws_analysis_fits(const kws_analysis *a, const kws_target *t, int *rom_ok, int *ram_ok)
{
    int r = a->rom_bytes <= t->flash_bytes, m = a->ram_bytes <= t->ram_bytes;
    if (rom_ok)
        *rom_ok = r;
    if (ram_ok)
        *ram_ok = m;
    return r && m;
}

int kws_analyze_is_paper_net(const kws_topology *t)
{
    static const int kind[] = {0, 0, 0, 0, 0, 0, 2, 1, 1, 1}; /* conv, flatten, dense */
    static const int units[] = {16, 16, 32, 32, 64, 64, 0, 64, 64, 10};
    if (!t || t->in_c != 1 || t->in_h != 38 || t->in_w != 55 || t->n_layers != 10)
        return 0;
    for (int i = 0; i < 10; i++) {
        const kws_layer_spec *l = &t->layers[i];
        int k = l->kind == KWS_LAYER_CONV2D ? 0 : l->kind == KWS_LAYER_DENSE ? 1 : 2;
        if (k != kind[i] || (k != 2 && l->units != units[i]) || (k == 0 && l->kernel != 3))
            return 0;
    }
    return t->n_weights == 555898;
}
