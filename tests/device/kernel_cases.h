/* kernel_cases.h - the kernel parity run, one code for the Cortex-M4 firmware
 * (device/m4/apps/kernels_parity.c) and the host checker
 * (kernels_parity_check.c); the shapes and generators also serve the
 * instruction-count bench (device/m4/apps/bench_kernels.c).
 *
 * Each case is one kernel call on deterministic pseudo-random data
 * (xorshift32 from the case's seed; integers only, so host and device
 * generate the same bytes): the paper network's layer shapes, then odd
 * ones. The firmware runs the reference and the fast kernel, compares
 * them and prints
 *
 *   K NAME REF_FNV FAST_FNV SAME        FNV-1a of the output bytes; SAME 1/0
 *
 * and the host runs the reference kernel on the same data: its checksum
 * must be the device's (kernels_parity_check.c).
 */
#ifndef KWS_TESTS_KERNEL_CASES_H
#define KWS_TESTS_KERNEL_CASES_H

#include <stddef.h>
#include <stdint.h>

#include "kws/runtime.h"

typedef enum { KC_CONV, KC_POOL, KC_AFFINE, KC_DENSE, KC_DENSE_BIN, KC_CONV_BIN } kc_kind;

/* Requantization constants: conv-like (shift -12 .. -6), affine-like (M near
 * 2^-14 * s_x / s_y: shift -20 .. -14), or anything: shift -31 .. 3 with
 * some M = 0 channels (the kernels' 64-bit paths). */
typedef enum { KC_RQ_CONV, KC_RQ_AFFINE, KC_RQ_WIDE } kc_rq_style;

typedef struct {
    const char *name;
    kc_kind kind;
    int h, w, c;    /* conv, pool: input (H, W, C); affine: count = h * w, C = c;
                       dense: K = c (h = w = 1) */
    int out;        /* conv: Cout; dense: N */
    int k;          /* conv kernel */
    int act_min, act_max;
    kc_rq_style rq;
    uint32_t seed;
} kc_case;

/* The paper network's kernels (docs/reference-model.md: conv -> ReLU ->
 * [pool] -> bn), then odd shapes. The dense 7488 -> 64 with int8 weights
 * (479 KB) does not fit the device's RAM: 8 of its 64 rows here. After them
 * the binary convs (packed +-1 weights): the 76 KB variant's conv2d_4
 * (models/paper_pool_76k.kwsnet; also timed by bench_kernels.c), then odd
 * shapes (Cin % 8 = 4, Cin % 4 != 0: the reference's path, k 1 .. 7). */
static const kc_case kc_cases[] = {
    {"conv2d", KC_CONV, 38, 55, 1, 16, 3, 0, 127, KC_RQ_CONV, 1},
    {"bn", KC_AFFINE, 38, 55, 16, 0, 0, -127, 127, KC_RQ_AFFINE, 2},
    {"conv2d_1", KC_CONV, 38, 55, 16, 16, 3, 0, 127, KC_RQ_CONV, 3},
    {"pool", KC_POOL, 38, 55, 16, 0, 0, 0, 0, KC_RQ_CONV, 4},
    {"bn_1", KC_AFFINE, 19, 27, 16, 0, 0, -127, 127, KC_RQ_AFFINE, 5},
    {"conv2d_2", KC_CONV, 19, 27, 16, 32, 3, 0, 127, KC_RQ_CONV, 6},
    {"bn_2", KC_AFFINE, 19, 27, 32, 0, 0, -127, 127, KC_RQ_AFFINE, 7},
    {"conv2d_3", KC_CONV, 19, 27, 32, 32, 3, 0, 127, KC_RQ_CONV, 8},
    {"pool_1", KC_POOL, 19, 27, 32, 0, 0, 0, 0, KC_RQ_CONV, 9},
    {"bn_3", KC_AFFINE, 9, 13, 32, 0, 0, -127, 127, KC_RQ_AFFINE, 10},
    {"conv2d_4", KC_CONV, 9, 13, 32, 64, 3, 0, 127, KC_RQ_CONV, 11},
    {"bn_4", KC_AFFINE, 9, 13, 64, 0, 0, -127, 127, KC_RQ_AFFINE, 12},
    {"conv2d_5", KC_CONV, 9, 13, 64, 64, 3, 0, 127, KC_RQ_CONV, 13},
    {"dense_8rows", KC_DENSE, 1, 1, 7488, 8, 0, 0, 127, KC_RQ_CONV, 14},
    {"dense_bin", KC_DENSE_BIN, 1, 1, 7488, 64, 0, 0, 127, KC_RQ_CONV, 15},
    {"dense_1", KC_DENSE, 1, 1, 64, 64, 0, 0, 127, KC_RQ_CONV, 16},
    {"bn_6", KC_AFFINE, 1, 1, 64, 0, 0, -127, 127, KC_RQ_AFFINE, 17},
    {"dense_2", KC_DENSE, 1, 1, 64, 10, 0, -127, 127, KC_RQ_CONV, 18},
    /* odd shapes: Cin 2, 3, 5, 12, Cout odd, k 1, 5, 7, other bounds, wide M */
    {"conv_c3_k3_o5", KC_CONV, 7, 9, 3, 5, 3, -127, 127, KC_RQ_WIDE, 101},
    {"conv_c1_k5_o7", KC_CONV, 6, 11, 1, 7, 5, 0, 127, KC_RQ_CONV, 102},
    {"conv_c1_k3_o3", KC_CONV, 5, 4, 1, 3, 3, -128, 100, KC_RQ_WIDE, 103},
    {"conv_c12_k5_o6", KC_CONV, 5, 6, 12, 6, 5, -60, 127, KC_RQ_WIDE, 104},
    {"conv_c8_k1_o9", KC_CONV, 4, 7, 8, 9, 1, -128, 127, KC_RQ_CONV, 105},
    {"conv_c2_k7_o4", KC_CONV, 8, 3, 2, 4, 7, 0, 127, KC_RQ_CONV, 106},
    {"conv_c20_k3_o13", KC_CONV, 3, 5, 20, 13, 3, -127, 90, KC_RQ_WIDE, 107},
    {"conv_c5_k3_o2", KC_CONV, 1, 1, 5, 2, 3, -127, 127, KC_RQ_CONV, 108},
    {"pool_c5", KC_POOL, 7, 5, 5, 0, 0, 0, 0, KC_RQ_CONV, 109},
    {"pool_c12", KC_POOL, 5, 9, 12, 0, 0, 0, 0, KC_RQ_CONV, 110},
    {"bn_c6", KC_AFFINE, 3, 5, 6, 0, 0, -127, 127, KC_RQ_AFFINE, 111},
    {"bn_c12_wide", KC_AFFINE, 4, 4, 12, 0, 0, -50, 60, KC_RQ_WIDE, 112},
    {"bn_c36", KC_AFFINE, 3, 2, 36, 0, 0, 0, 127, KC_RQ_AFFINE, 113},
    {"dense_k37_n7", KC_DENSE, 1, 1, 37, 7, 0, -128, 127, KC_RQ_WIDE, 114},
    {"dense_k1_n3", KC_DENSE, 1, 1, 1, 3, 0, -127, 127, KC_RQ_CONV, 115},
    {"dense_bin_k37_n5", KC_DENSE_BIN, 1, 1, 37, 5, 0, -127, 127, KC_RQ_WIDE, 116},
    {"dense_bin_k300_n3", KC_DENSE_BIN, 1, 1, 300, 3, 0, 0, 127, KC_RQ_CONV, 117},
    {"dense_bin_k1029_n2", KC_DENSE_BIN, 1, 1, 1029, 2, 0, -127, 127, KC_RQ_CONV, 118},
    /* binary convs */
    {"conv2d_4_bin", KC_CONV_BIN, 9, 13, 32, 64, 3, 0, 127, KC_RQ_CONV, 201},
    {"conv_bin_c64_k3_o7", KC_CONV_BIN, 5, 4, 64, 7, 3, -127, 127, KC_RQ_WIDE, 202},
    {"conv_bin_c12_k5_o6", KC_CONV_BIN, 5, 6, 12, 6, 5, -60, 127, KC_RQ_WIDE, 203},
    {"conv_bin_c20_k3_o13", KC_CONV_BIN, 3, 5, 20, 13, 3, -128, 90, KC_RQ_CONV, 204},
    {"conv_bin_c4_k7_o5", KC_CONV_BIN, 4, 9, 4, 5, 7, 0, 127, KC_RQ_CONV, 205},
    {"conv_bin_c8_k1_o9", KC_CONV_BIN, 4, 7, 8, 9, 1, -128, 127, KC_RQ_WIDE, 206},
    {"conv_bin_c3_k3_o5", KC_CONV_BIN, 7, 9, 3, 5, 3, -127, 127, KC_RQ_CONV, 207},
    {"conv_bin_c17_k3_o4", KC_CONV_BIN, 1, 1, 17, 4, 3, -127, 127, KC_RQ_WIDE, 208},
};

#define KC_N_CASES ((int)(sizeof kc_cases / sizeof kc_cases[0]))

/* Largest buffers over the cases (checked by kc_fits). */
#define KC_MAX_IN (38 * 55 * 16)
#define KC_MAX_OUT (38 * 55 * 16)
#define KC_MAX_W (7488 * 8)
#define KC_MAX_CH 64

/* ---- sizes ---------------------------------------------------------------- */

static inline size_t kc_in_bytes(const kc_case *c)
{
    return (size_t)c->h * c->w * c->c;
}

static inline int kc_out_channels(const kc_case *c)
{
    return c->kind == KC_CONV || c->kind == KC_CONV_BIN || c->kind == KC_DENSE ||
                   c->kind == KC_DENSE_BIN
               ? c->out
               : c->c;
}

static inline size_t kc_out_bytes(const kc_case *c)
{
    switch (c->kind) {
    case KC_CONV:
    case KC_CONV_BIN: return (size_t)c->h * c->w * c->out;
    case KC_POOL: return (size_t)(c->h / 2) * (c->w / 2) * c->c;
    case KC_AFFINE: return (size_t)c->h * c->w * c->c;
    default: return (size_t)c->out;
    }
}

static inline size_t kc_w_bytes(const kc_case *c)
{
    switch (c->kind) {
    case KC_CONV: return (size_t)c->out * c->k * c->k * c->c;
    case KC_DENSE: return (size_t)c->out * c->c;
    case KC_DENSE_BIN: return kws_binary_weight_bytes(c->c, c->out);
    case KC_CONV_BIN: return kws_conv2d_binary_weight_bytes(c->out, c->k, c->c);
    default: return 0;
    }
}

/* Multiply-accumulates of the layer as the paper counts them (a conv's
 * taps over the padding included): conv H*W*Cout*k*k*Cin, dense K*N. */
static inline uint32_t kc_macs(const kc_case *c)
{
    if (c->kind == KC_CONV || c->kind == KC_CONV_BIN)
        return (uint32_t)c->h * c->w * c->out * c->k * c->k * c->c;
    if (c->kind == KC_DENSE || c->kind == KC_DENSE_BIN)
        return (uint32_t)c->c * c->out;
    return 0;
}

static inline int kc_fits(const kc_case *c)
{
    return kc_in_bytes(c) <= KC_MAX_IN && kc_out_bytes(c) <= KC_MAX_OUT &&
           kc_w_bytes(c) <= KC_MAX_W && kc_out_channels(c) <= KC_MAX_CH;
}

/* ---- data ----------------------------------------------------------------- */

/* xorshift32; the state must not be 0 */
static inline uint32_t kc_next(uint32_t *s)
{
    uint32_t x = *s;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *s = x;
    return x;
}

/* uniform in [lo, hi] (hi - lo < 2^31; the modulo bias does not matter) */
static inline int32_t kc_int(uint32_t *s, int32_t lo, int32_t hi)
{
    return lo + (int32_t)(kc_next(s) % (uint32_t)(hi - lo + 1));
}

typedef struct {
    int8_t *in;         /* (KC_MAX_IN) */
    uint8_t *weight;    /* (KC_MAX_W): int8 codes or packed bits */
    int32_t *bias;      /* (KC_MAX_CH) */
    int16_t *mul;       /* (KC_MAX_CH) affine m_c */
    kws_requant *rq;    /* (KC_MAX_CH) */
} kc_data;

/* Fills d for case c: inputs mostly in [-127, 127] with some -128, weights
 * in [-127, 127] with some +-127 runs (binary: random bytes, padding bits
 * included), biases and multipliers by style. */
static inline void kc_generate(const kc_case *c, const kc_data *d)
{
    uint32_t s = 0x9E3779B9u ^ (c->seed * 2654435761u);
    if (s == 0)
        s = 1;
    const size_t n_in = kc_in_bytes(c), n_w = kc_w_bytes(c);
    for (size_t i = 0; i < n_in; i++)
        d->in[i] = (int8_t)(kc_int(&s, 0, 63) == 0 ? -128 : kc_int(&s, -127, 127));
    for (size_t i = 0; i < n_w; i++) {
        if (c->kind == KC_DENSE_BIN || c->kind == KC_CONV_BIN)
            d->weight[i] = (uint8_t)kc_next(&s);
        else if (kc_int(&s, 0, 31) == 0)
            d->weight[i] = (uint8_t)(int8_t)(kc_int(&s, 0, 1) ? 127 : -127);
        else
            d->weight[i] = (uint8_t)(int8_t)kc_int(&s, -127, 127);
    }
    const int ch = kc_out_channels(c);
    for (int o = 0; o < ch; o++) {
        d->bias[o] = kc_int(&s, -20000, 20000);
        d->mul[o] = (int16_t)(kc_int(&s, 0, 1) ? 16384 : -16384);
        d->rq[o].multiplier = kc_int(&s, 1 << 30, 0x7FFFFFFF);
        switch (c->rq) {
        case KC_RQ_CONV:
            d->rq[o].shift = kc_int(&s, -12, -6);
            break;
        case KC_RQ_AFFINE:
            d->rq[o].shift = kc_int(&s, -20, -14);
            break;
        case KC_RQ_WIDE:
            d->rq[o].shift = kc_int(&s, -31, 3);
            if (kc_int(&s, 0, 7) == 0)
                d->rq[o].multiplier = d->rq[o].shift = 0;
            break;
        }
    }
}

/* The conv shape of case c (KC_CONV, KC_CONV_BIN). */
static inline kws_conv2d_dims kc_conv_dims(const kc_case *c)
{
    kws_conv2d_dims cd;
    cd.h = c->h;
    cd.w = c->w;
    cd.in_c = c->c;
    cd.out_c = c->out;
    cd.kernel = c->k;
    cd.valid_w = 0;
    return cd;
}

/* Runs case c on d with the reference (fast = 0) or the fast kernel;
 * scratch: kc_scratch_bytes(c) bytes, 8-byte aligned. */
static inline kws_status kc_run(const kc_case *c, const kc_data *d, int fast, void *scratch,
                                int8_t *out)
{
    kws_requant_out q;
    q.rq = d->rq;
    q.act_min = c->act_min;
    q.act_max = c->act_max;
    switch (c->kind) {
    case KC_CONV: {
        const kws_conv2d_dims cd = kc_conv_dims(c);
        const int8_t *w = (const int8_t *)d->weight;
        return fast ? kws_conv2d_s8_fast(scratch, &cd, &q, d->in, w, d->bias, out)
                    : kws_conv2d_s8(scratch, &cd, &q, d->in, w, d->bias, out);
    }
    case KC_CONV_BIN: {
        const kws_conv2d_dims cd = kc_conv_dims(c);
        return fast ? kws_conv2d_binary_s8_fast(scratch, &cd, &q, d->in, d->weight, d->bias, out)
                    : kws_conv2d_binary_s8(&cd, &q, d->in, d->weight, d->bias, out);
    }
    case KC_POOL: {
        kws_pool_dims pd;
        pd.h = c->h;
        pd.w = c->w;
        pd.c = c->c;
        return fast ? kws_maxpool2d_s8_fast(&pd, d->in, out) : kws_maxpool2d_s8(&pd, d->in, out);
    }
    case KC_AFFINE:
        return fast ? kws_channel_affine_s8_fast(&q, c->h * c->w, c->c, d->in, d->mul, d->bias,
                                                 out)
                    : kws_channel_affine_s8(&q, c->h * c->w, c->c, d->in, d->mul, d->bias, out);
    case KC_DENSE:
    case KC_DENSE_BIN: {
        kws_dense_dims dd;
        dd.in = c->c;
        dd.out = c->out;
        if (c->kind == KC_DENSE) {
            const int8_t *w = (const int8_t *)d->weight;
            return fast ? kws_dense_s8_fast(&dd, &q, d->in, w, d->bias, out)
                        : kws_dense_s8(&dd, &q, d->in, w, d->bias, out);
        }
        return fast ? kws_dense_binary_s8_fast(&dd, &q, d->in, d->weight, d->bias, out)
                    : kws_dense_binary_s8(&dd, &q, d->in, d->weight, d->bias, out);
    }
    }
    return KWS_ERR_ARG;
}

/* Scratch of the Winograd parity runs (kernels_parity and its host check):
 * enough for a chunk of at least 4 output channels of every paper conv with
 * Cin % 4 == 0. */
#define KC_WINO_SCRATCH (16 * 1024)

/* Whether the Winograd kernels take case c (a 3x3 conv, int8 or binary
 * weights, Cin % 4 == 0) with KC_WINO_SCRATCH bytes. */
static inline int kc_winograd_takes(const kc_case *c)
{
    const kws_conv2d_dims cd = kc_conv_dims(c);
    return (c->kind == KC_CONV || c->kind == KC_CONV_BIN) &&
           kws_conv2d_s8_winograd_chunk(&cd, KC_WINO_SCRATCH) >= 4;
}

/* Case c through kws_conv2d_s8_winograd or kws_conv2d_binary_s8_winograd;
 * scratch: scratch_size bytes, 8-byte aligned. */
static inline kws_status kc_run_winograd(const kc_case *c, const kc_data *d, void *scratch,
                                         size_t scratch_size, int8_t *out)
{
    const kws_conv2d_dims cd = kc_conv_dims(c);
    kws_requant_out q;
    q.rq = d->rq;
    q.act_min = c->act_min;
    q.act_max = c->act_max;
    if (c->kind == KC_CONV_BIN)
        return kws_conv2d_binary_s8_winograd(scratch, scratch_size, &cd, &q, d->in, d->weight,
                                             d->bias, out);
    return kws_conv2d_s8_winograd(scratch, scratch_size, &cd, &q, d->in,
                                  (const int8_t *)d->weight, d->bias, out);
}

/* Scratch bytes case c needs (the fast convs; 0 otherwise). */
static inline size_t kc_scratch_bytes(const kc_case *c)
{
    if (c->kind != KC_CONV && c->kind != KC_CONV_BIN)
        return 0;
    const kws_conv2d_dims cd = kc_conv_dims(c);
    return c->kind == KC_CONV ? kws_conv2d_s8_fast_scratch_size(&cd)
                              : kws_conv2d_binary_s8_fast_scratch_size(&cd);
}

/* FNV-1a, 32 bits */
static inline uint32_t kc_fnv1a(const void *p, size_t n)
{
    const uint8_t *b = (const uint8_t *)p;
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 16777619u;
    }
    return h;
}

#endif
