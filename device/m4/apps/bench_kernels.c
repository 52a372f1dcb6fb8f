/* bench_kernels.c - instruction counts of the integer kernels on the
 * Cortex-M4, reference against fast, per layer of the paper's network and
 * for the whole hybrid model.
 *
 * Each measured piece is a named region (mark.h); bench/device/
 * bench_m4_kernels.sh runs this under QEMU with the icount plugin and turns
 * the counts into the table. Data comes from tests/device/kernel_cases.h
 * (pseudo-random codes, conv-like multipliers), generated outside the
 * regions.
 *
 * 1. Per layer: for the paper's 18 kernel calls (kc_cases[0..17], in network
 *    order) the regions "ref:NAME" and "fast:NAME", each preceded by a line
 *
 *      L NAME MACS CALLS
 *
 *    The int8 dense 7488 -> 64 (479 KB of weights) does not fit the RAM:
 *    its region makes 8 calls of 8 rows on the same weights (MACS and the
 *    name "dense" count all 64 rows).
 *    Then the binary conv of the 76 KB variant (models/paper_pool_76k.kwsnet
 *    conv2d_4, 9x13x32 -> 64, k 3: the first KC_CONV_BIN case), the same
 *    two regions after a line "B NAME MACS 1" (not in the paper's totals).
 * 2. The whole hybrid model (binary dense) as a kws_imodel, random weights,
 *    through kws_imodel_run_kernels with each kernel set: regions
 *    "model:reference" and "model:fast"; the logits must be identical.
 *
 * "empty" measures the marker overhead. Ends with "END"; exit 1 if a
 * kernel fails or the two model runs disagree.
 */
#include <stdint.h>
#include <string.h>

#include "kws/imodel.h"
#include "kws/runtime.h"
#include "m4.h"
#include "mark.h"
#include "semihost.h"
#include "tests/device/kernel_cases.h"

#define POOL_BYTES (220 * 1024)
#define SCRATCH_BYTES 8192
#define PAPER_CASES 18

/* Everything lives in one pool, reused by the two parts. */
static uint64_t g_pool[POOL_BYTES / 8];
static size_t g_used;

/* Keeps results alive so no measured call is optimized away. */
volatile uint32_t g_sink;

static void *take(size_t n)
{
    void *p = (uint8_t *)g_pool + g_used;
    g_used += (n + 7) & ~(size_t)7;
    if (g_used > POOL_BYTES) {
        kws_m4_puts("ERROR bench: pool too small\n");
        kws_m4_exit(KWS_M4_EXIT_SETUP);
    }
    return p;
}

static void put_line(const char *tag, const char *name, uint32_t a, uint32_t b)
{
    kws_m4_puts(tag);
    kws_m4_puts(name);
    kws_m4_putc(' ');
    kws_m4_put_u32(a);
    kws_m4_putc(' ');
    kws_m4_put_u32(b);
    kws_m4_putc('\n');
}

/* ---- 1. per layer ------------------------------------------------------------ */

/* dst = a followed by b, cut to size - 1 characters */
static void join(char *dst, size_t size, const char *a, const char *b)
{
    size_t n = 0;
    for (; *a && n + 1 < size; a++)
        dst[n++] = *a;
    for (; *b && n + 1 < size; b++)
        dst[n++] = *b;
    dst[n] = '\0';
}

/* Regions "ref:NAME" and "fast:NAME" for calls calls of case c, after a
 * line TAG NAME MACS CALLS. */
static int bench_case(const kc_case *c, const kc_data *d, int calls, const char *name,
                      const char *tag, void *scratch, int8_t *out)
{
    char ref_name[48], fast_name[48];
    if (!kc_fits(c) || kc_scratch_bytes(c) > SCRATCH_BYTES)
        return KWS_M4_EXIT_SETUP;
    kc_generate(c, d);
    put_line(tag, name, kc_macs(c) * (uint32_t)calls, (uint32_t)calls);
    join(ref_name, sizeof ref_name, "ref:", name);
    join(fast_name, sizeof fast_name, "fast:", name);
    for (int fast = 0; fast < 2; fast++) {
        kws_status st = KWS_OK;
        int seq = kws_m4_region_begin(fast ? fast_name : ref_name);
        for (int k = 0; k < calls; k++)
            st |= kc_run(c, d, fast, scratch, out);
        kws_m4_region_end(seq);
        if (st != KWS_OK) {
            kws_m4_puts("ERROR bench: kernel failed on ");
            kws_m4_puts(name);
            kws_m4_putc('\n');
            return KWS_M4_EXIT_SETUP;
        }
        g_sink ^= kc_fnv1a(out, kc_out_bytes(c));
    }
    return KWS_M4_EXIT_OK;
}

/* Region "wino:NAME" for each paper conv Winograd takes, after a line
 * W NAME MACS CHUNK: kws_conv2d_s8_winograd with the chunk of output
 * channels WINO_SCRATCH_BYTES holds; its output must equal the direct fast
 * kernel's (run first, outside the region). */
#define WINO_SCRATCH_BYTES (40 * 1024)

static int bench_winograd(const kc_data *d, int8_t *out)
{
    void *scratch = take(WINO_SCRATCH_BYTES);
    int8_t *direct = take(KC_MAX_OUT);
    int first_bin = 1;
    for (int i = 0; i < KC_N_CASES; i++) {
        const kc_case *c = &kc_cases[i];
        const kws_conv2d_dims cd = kc_conv_dims(c);
        /* the paper's convs and the 76 KB variant's binary conv2d_4 */
        const int wanted = (i < PAPER_CASES && c->kind == KC_CONV) ||
                           (c->kind == KC_CONV_BIN && first_bin);
        const int chunk = wanted ? kws_conv2d_s8_winograd_chunk(&cd, WINO_SCRATCH_BYTES) : 0;
        if (c->kind == KC_CONV_BIN)
            first_bin = 0;
        if (chunk < 4)
            continue;
        kc_generate(c, d);
        kws_status st = kc_run(c, d, 1, scratch, direct);
        put_line("W ", c->name, kc_macs(c), (uint32_t)chunk);
        char name[48];
        join(name, sizeof name, "wino:", c->name);
        int seq = kws_m4_region_begin(name);
        st |= kc_run_winograd(c, d, scratch, WINO_SCRATCH_BYTES, out);
        kws_m4_region_end(seq);
        if (st != KWS_OK || memcmp(out, direct, kc_out_bytes(c)) != 0) {
            kws_m4_puts("ERROR bench: Winograd differs from the direct kernel on ");
            kws_m4_puts(c->name);
            kws_m4_putc('\n');
            return KWS_M4_EXIT_SETUP;
        }
    }
    return KWS_M4_EXIT_OK;
}

static int bench_layers(void)
{
    g_used = 0;
    kc_data d;
    d.in = take(KC_MAX_IN);
    d.weight = take(KC_MAX_W);
    d.bias = take(sizeof(int32_t) * KC_MAX_CH);
    d.mul = take(sizeof(int16_t) * KC_MAX_CH);
    d.rq = take(sizeof(kws_requant) * KC_MAX_CH);
    int8_t *out = take(KC_MAX_OUT);
    void *scratch = take(SCRATCH_BYTES);

    for (int i = 0; i < PAPER_CASES; i++) {
        const kc_case *c = &kc_cases[i];
        const int calls = c->kind == KC_DENSE && c->c == 7488 ? 8 : 1;
        int rc = bench_case(c, &d, calls, calls > 1 ? "dense" : c->name, "L ", scratch, out);
        if (rc != KWS_M4_EXIT_OK)
            return rc;
    }
    for (int i = PAPER_CASES; i < KC_N_CASES; i++) {
        const kc_case *c = &kc_cases[i];
        if (c->kind == KC_CONV_BIN) {
            int rc = bench_case(c, &d, 1, c->name, "B ", scratch, out);
            if (rc != KWS_M4_EXIT_OK)
                return rc;
            break;
        }
    }
    return bench_winograd(&d, out);
}

/* ---- 2. the whole hybrid model ------------------------------------------------ */

/* Op list of the paper network, hybrid (binary first dense): kind, input
 * (H, W, C), Cout, act_min. */
static const int k_model[][6] = {
    {KWS_IOP_CONV2D, 38, 55, 1, 16, 0},     {KWS_IOP_AFFINE, 38, 55, 16, 16, -127},
    {KWS_IOP_CONV2D, 38, 55, 16, 16, 0},    {KWS_IOP_MAXPOOL, 38, 55, 16, 16, 0},
    {KWS_IOP_AFFINE, 19, 27, 16, 16, -127}, {KWS_IOP_CONV2D, 19, 27, 16, 32, 0},
    {KWS_IOP_AFFINE, 19, 27, 32, 32, -127}, {KWS_IOP_CONV2D, 19, 27, 32, 32, 0},
    {KWS_IOP_MAXPOOL, 19, 27, 32, 32, 0},   {KWS_IOP_AFFINE, 9, 13, 32, 32, -127},
    {KWS_IOP_CONV2D, 9, 13, 32, 64, 0},     {KWS_IOP_AFFINE, 9, 13, 64, 64, -127},
    {KWS_IOP_CONV2D, 9, 13, 64, 64, 0},     {KWS_IOP_DENSE_BIN, 1, 1, 7488, 64, 0},
    {KWS_IOP_DENSE, 1, 1, 64, 64, 0},       {KWS_IOP_AFFINE, 1, 1, 64, 64, -127},
    {KWS_IOP_DENSE, 1, 1, 64, 10, -127},
};
#define MODEL_OPS ((int)(sizeof k_model / sizeof k_model[0]))

static kws_iop g_ops[MODEL_OPS];

static int bench_model(void)
{
    g_used = 0;
    uint32_t s = 2024;
    kws_imodel m;
    memset(&m, 0, sizeof m);
    memset(g_ops, 0, sizeof g_ops);
    m.in_h = 38, m.in_w = 55, m.in_c = 1, m.in_scale = 0.03f;
    m.n_classes = 10, m.out_s32 = 1, m.out_scale = 1e-4f;
    m.n_ops = MODEL_OPS;
    m.ops = g_ops;
    for (int i = 0; i < MODEL_OPS; i++) {
        kws_iop *op = &g_ops[i];
        op->kind = (kws_iop_kind)k_model[i][0];
        op->in_h = k_model[i][1];
        op->in_w = k_model[i][2];
        op->in_c = k_model[i][3];
        op->out_c = k_model[i][4];
        op->act_min = k_model[i][5];
        op->act_max = 127;
        op->layer = i;
        op->out_h = op->kind == KWS_IOP_MAXPOOL ? op->in_h / 2 : op->in_h;
        op->out_w = op->kind == KWS_IOP_MAXPOOL ? op->in_w / 2 : op->in_w;
        op->out_s32 = i == MODEL_OPS - 1;
        if (op->kind == KWS_IOP_MAXPOOL)
            continue;
        const int n = op->out_c;
        int32_t *bias = take(sizeof(int32_t) * (size_t)n);
        kws_requant *rq = take(sizeof(kws_requant) * (size_t)n);
        for (int o = 0; o < n; o++) {
            bias[o] = kc_int(&s, -20000, 20000);
            rq[o].multiplier = kc_int(&s, 1 << 30, 0x7FFFFFFF);
            rq[o].shift = op->kind == KWS_IOP_AFFINE ? kc_int(&s, -20, -14) : kc_int(&s, -12, -6);
        }
        op->bias = bias;
        op->rq = rq;
        if (op->kind == KWS_IOP_CONV2D) {
            op->kernel = 3;
            size_t nw = (size_t)n * 9 * op->in_c;
            int8_t *w = take(nw);
            for (size_t k = 0; k < nw; k++)
                w[k] = (int8_t)kc_int(&s, -127, 127);
            op->weight = w;
            op->weight_bits = 8;
        } else if (op->kind == KWS_IOP_DENSE) {
            size_t nw = (size_t)n * op->in_c;
            int8_t *w = take(nw);
            for (size_t k = 0; k < nw; k++)
                w[k] = (int8_t)kc_int(&s, -127, 127);
            op->weight = w;
            op->weight_bits = 8;
        } else if (op->kind == KWS_IOP_DENSE_BIN) {
            size_t nw = kws_binary_weight_bytes(op->in_c, n);
            uint8_t *w = take(nw);
            for (size_t k = 0; k < nw; k++)
                w[k] = (uint8_t)kc_next(&s);
            op->wbits = w;
            op->weight_bits = 1;
        } else { /* AFFINE */
            int16_t *mul = take(sizeof(int16_t) * (size_t)n);
            for (int o = 0; o < n; o++)
                mul[o] = (int16_t)(kc_int(&s, 0, 1) ? 16384 : -16384);
            op->mul = mul;
        }
    }
    kws_imodel_plan(&m, g_ops, KWS_PLAN_FAST);
    size_t weights_end = g_used;
    void *arena = take(m.arena_size);
    int8_t *x = take(38 * 55);
    for (int i = 0; i < 38 * 55; i++)
        x[i] = (int8_t)kc_int(&s, -127, 127);
    put_line("M ", "hybrid_arena_scratch", (uint32_t)m.arena_size, (uint32_t)m.scratch_size);
    put_line("M ", "hybrid_params_bytes", (uint32_t)weights_end, 0);

    int32_t logits[2][10];
    kws_status st[2];
    for (int fast = 0; fast < 2; fast++) {
        int seq = kws_m4_region_begin(fast ? "model:fast" : "model:reference");
        st[fast] = kws_imodel_run_kernels(&m, fast ? KWS_KERNELS_FAST : KWS_KERNELS_REFERENCE,
                                          arena, m.arena_size, x, logits[fast]);
        kws_m4_region_end(seq);
    }
    if (st[0] != KWS_OK || st[1] != KWS_OK) {
        kws_m4_puts("ERROR bench: kws_imodel_run_kernels: ");
        kws_m4_puts(kws_status_str(st[0] != KWS_OK ? st[0] : st[1]));
        kws_m4_putc('\n');
        return KWS_M4_EXIT_SETUP;
    }
    kws_m4_puts("M logits");
    for (int n = 0; n < 10; n++) {
        kws_m4_putc(' ');
        kws_m4_put_i32(logits[1][n]);
    }
    kws_m4_putc('\n');
    if (memcmp(logits[0], logits[1], sizeof logits[0]) != 0) {
        kws_m4_puts("ERROR bench: fast and reference logits differ\n");
        return KWS_M4_EXIT_CHECK;
    }
    return KWS_M4_EXIT_OK;
}

int main(void)
{
    int seq = kws_m4_region_begin("empty");
    kws_m4_region_end(seq);
    int rc = bench_layers();
    if (rc == KWS_M4_EXIT_OK)
        rc = bench_model();
    kws_m4_puts("bench: stack used ");
    kws_m4_put_u32(kws_m4_stack_used());
    kws_m4_puts(" of ");
    kws_m4_put_u32(kws_m4_stack_size());
    kws_m4_puts("\nEND\n");
    return rc;
}
