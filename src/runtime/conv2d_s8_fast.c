/* conv2d_s8_fast.c - kws_conv2d_s8 for the Cortex-M4's DSP instructions:
 * same arguments, same 'same' padding, bit-identical output.
 *
 * Three paths, chosen by shape:
 *
 * 1. Cin a multiple of 4 (every conv of the paper's net but the first).
 *    Output channels go in chunks of 4. For a chunk, the weights are
 *    sign-extended once into scratch as SXTB16 pairs, interleaved per group
 *    of 4 taps (k = 4g .. 4g+3 of the flattened (i, j, c) index):
 *
 *      wx[8g + 2c]     = (w_c[4g], w_c[4g+2])      int16 pair, channel c of 4
 *      wx[8g + 2c + 1] = (w_c[4g+1], w_c[4g+3])
 *
 *    Then, per output pixel, each kernel row that lies inside the image is
 *    one contiguous run of (j1 - j0) * Cin input bytes (channels last) that
 *    matches one contiguous run of weight groups. Per 4 input bytes:
 *
 *      LDR v; SXTB16 xa = (x0, x2); SXTB16 ror 8 xb = (x1, x3)
 *      4 x (LDRD wa, wb; SMLAD acc_c += xa * wa; SMLAD acc_c += xb * wb)
 *
 *    = 15 instructions for 16 MACs: the input is extended once for 4
 *    channels, the weights once per layer (and the 4 channels' sums stay
 *    in registers). The loop takes 4 groups a turn: 64 instructions for 64
 *    MACs with its counter. No im2col; padding is skipped (zero points are
 *    0): the pixels whose taps all lie inside a row go through one call
 *    (the weights of consecutive kernel rows are consecutive), the border
 *    pixels one by one with shorter runs. The 4 results are requantized
 *    with one SMLAL each (simd_m4.h), saturated and stored as one word.
 *    Measured (bench/device/bench_m4_kernels.sh): 0.84 (Cin 16) .. 1.05
 *    (Cin 64) MAC per instruction, requantization and borders included.
 *
 *    (Tried and dropped: 2 channels x 2 pixels, the weight pair loaded once
 *    for two pixels - about 10 % fewer cycles in the inner loop on paper,
 *    but GCC spills its 14 live registers once unrolled: more instructions.)
 *
 * 2. Cin = 1, k = 3 (the first layer: a 3x3 patch of 9 values). Per output
 *    row, the three input rows are staged in scratch as int16 pairs padded
 *    with zeros at both ends, so every patch is five words loaded without
 *    any test:
 *
 *      ab[x]      = (r0[x-1], r1[x-1])      rows y-1 and y, column x-1
 *      cr[x..x+1] = (r2[x-1], r2[x])        row y+1, as int16
 *
 *      patch of pixel x: ab[x], ab[x+1], ab[x+2], cr[x..x+1], cr[x+2..x+3]
 *
 *    and each output channel's 9 weights are prepacked the same way, (w00,
 *    w10), (w01, w11), (w02, w12), (w20, w21), (w22, 0), with its bias and
 *    requantization constants (10 words a channel, 5 LDRDs). One pixel's
 *    patch stays in registers for every channel: per output 5 LDRD, 5 SMLAD
 *    (9 MACs), the 4-instruction requantization, USAT, STRB.
 *
 * 3. Anything else (Cin = 2, 3, 5, ..., or Cin = 1 with k != 3): the pixel's
 *    patch is gathered as int16 pairs (zeros outside the image), then one
 *    SMLAD per weight pair. Correct for every shape, not tuned.
 *
 * Requantization constants that do not fit the 32-bit path (shift >= -1, or
 * M = 0) fall back to kws_requantize for the whole chunk/layer.
 */
#include "kws/runtime.h"

#include "conv2d_c4_fast.h"
#include "simd_m4.h"

/* The paths and row loops stay separate functions: inlined into one big
 * function, GCC spills the patch and accumulator registers. */
#if defined(__GNUC__)
#define KWS_NOINLINE __attribute__((noinline))
#else
#define KWS_NOINLINE
#endif

/* ---- shared pieces ---------------------------------------------------------- */

static int check_dims(const kws_conv2d_dims *d)
{
    return d && d->h > 0 && d->w > 0 && d->in_c > 0 && d->out_c > 0 && d->kernel > 0 &&
           d->kernel <= 15 && (d->kernel & 1) == 1 && !d->valid_w;
}

static int path_c4(const kws_conv2d_dims *d)
{
    return (d->in_c & 3) == 0;
}

static int path_c1k3(const kws_conv2d_dims *d)
{
    return d->in_c == 1 && d->kernel == 3;
}

size_t kws_conv2d_s8_fast_scratch_size(const kws_conv2d_dims *d)
{
    if (!check_dims(d))
        return 0;
    const size_t K = (size_t)d->kernel * d->kernel * d->in_c;
    if (path_c4(d))
        return K / 4 * 8 * sizeof(uint32_t);                  /* K/4 groups x 4 pairs */
    if (path_c1k3(d))
        return ((size_t)d->out_c * 10 + (size_t)d->w + 2) * sizeof(uint32_t) +
               ((size_t)d->w + 4) * sizeof(int16_t);           /* records, ab, cr */
    return (K + 1) / 2 * sizeof(uint32_t);                     /* one patch, pairs */
}

/* How the 4 results of a chunk are saturated: [0, 127] with USAT (ReLU), or
 * SSAT to int8 then per-byte max/min against the bounds replicated 4 times. */
typedef struct {
    int relu;
    int need_lo, need_hi;
    uint32_t lo4, hi4;
} clamp4;

static clamp4 clamp4_make(int32_t lo, int32_t hi)
{
    clamp4 c;
    c.relu = lo == 0 && hi == 127;
    c.need_lo = lo > -128;
    c.need_hi = hi < 127;
    c.lo4 = ((uint32_t)lo & 0xFFu) * 0x01010101u;
    c.hi4 = ((uint32_t)hi & 0xFFu) * 0x01010101u;
    return c;
}

static inline uint32_t clamp4_pack(const clamp4 *c, int32_t y0, int32_t y1, int32_t y2,
                                   int32_t y3)
{
    if (c->relu)
        return kws_pack_s8x4(kws_usat7(y0), kws_usat7(y1), kws_usat7(y2), kws_usat7(y3));
    uint32_t p = kws_pack_s8x4(kws_ssat8(y0), kws_ssat8(y1), kws_ssat8(y2), kws_ssat8(y3));
    if (c->need_lo)
        p = kws_max_s8x4(p, c->lo4);
    if (c->need_hi)
        p = kws_min_s8x4(p, c->hi4);
    return p;
}

/* kws_requantize, then into int8 range (clamp4_pack applies the bounds). */
static inline int32_t rq_slow(int32_t acc, kws_requant rq)
{
    int64_t v = kws_requantize(acc, rq);
    return v < -128 ? -128 : v > 127 ? 127 : (int32_t)v;
}

/* First and one-past-last kernel tap along one axis that fall inside the
 * image for output coordinate y of an axis of length H (the reference
 * kernel's bounds). */
static inline int tap_first(int y, int P)
{
    return y - P < 0 ? P - y : 0;
}

static inline int tap_end(int y, int H, int K, int P)
{
    return y - P + K > H ? H - y + P : K;
}

/* ---- path 1: Cin % 4 == 0, 4 output channels at a time ---------------------- */

/* wx (K/4 groups x 4 channels x 2 words) <- channels oc .. oc+nc-1 of
 * weight; missing channels (nc < 4) get zeros, their sums are never stored.
 * A channel's pair in a group is (SXTB16 w, SXTB16 ror 8 w) of its 4 weight
 * bytes w; the 4 pairs of a group are consecutive, so 4 LDRDs with
 * post-increment walk them (scratch is 8-byte aligned). */
static void extend_chunk(const int8_t *weight, int K, int oc, int nc, uint32_t *wx)
{
    for (int c = 0; c < 4; c++) {
        uint32_t *dst = wx + 2 * c;
        if (c >= nc) {
            for (int g = 0; g < K / 4; g++, dst += 8)
                dst[0] = dst[1] = 0;
            continue;
        }
        const int8_t *w = weight + (size_t)(oc + c) * K;
        for (int g = 0; g < K / 4; g++, dst += 8) {
            const uint32_t v = kws_read_u32(w + 4 * g);
            dst[0] = kws_sxtb16(v);
            dst[1] = kws_sxtb16_ror8(v);
        }
    }
}

/* One group: 4 input bytes v against the 4 channels' pairs at wp; returns
 * wp advanced past them. */
static inline const uint32_t *group4(uint32_t v, const uint32_t *wp, int32_t *a0, int32_t *a1,
                                     int32_t *a2, int32_t *a3)
{
    const uint32_t xa = kws_sxtb16(v), xb = kws_sxtb16_ror8(v);
    uint32_t lo, hi;
    wp = kws_ldrd_post(wp, &lo, &hi);
    *a0 = kws_smlad(xb, hi, kws_smlad(xa, lo, *a0));
    wp = kws_ldrd_post(wp, &lo, &hi);
    *a1 = kws_smlad(xb, hi, kws_smlad(xa, lo, *a1));
    wp = kws_ldrd_post(wp, &lo, &hi);
    *a2 = kws_smlad(xb, hi, kws_smlad(xa, lo, *a2));
    wp = kws_ldrd_post(wp, &lo, &hi);
    *a3 = kws_smlad(xb, hi, kws_smlad(xa, lo, *a3));
    return wp;
}

/* What a chunk of 4 output channels shares: biases, requantization, the
 * bounds, the layouts. */
typedef struct {
    int32_t b[4];
    kws_rq32 r[4];
    kws_requant rq[4];
    int fast;           /* every r[] valid: the SMLAL requantization */
    clamp4 cl;
    int nc;             /* channels of the chunk that exist (1..4) */
    int co;             /* Cout: output bytes per pixel */
    size_t row_bytes;   /* W * Cin: input bytes per image row */
    size_t row_words;   /* 2 * K * Cin: wx words per kernel row */
} chunk4;

/* n output pixels next to each other whose kernel taps are the same: rows
 * kernel rows of run groups of 4 bytes each. xp: the first pixel's first
 * tap (next pixel: xp + step), wp: the matching weight pair, o: the first
 * pixel's 4 output bytes (next pixel: o + Cout). */
KWS_NOINLINE
static void c4_pixels(const chunk4 *k, const int8_t *xp, int step, const uint32_t *wp,
                      int rows, int run, int8_t *o, int n)
{
    /* from the end of one kernel row's run to the start of the next */
    const size_t x_gap = k->row_bytes - 4 * (size_t)run;
    const size_t w_gap = k->row_words - 8 * (size_t)run; /* 0 for a full row */
    const int quads = run >> 2, rest = run & 3; /* paper shapes: rest = 0 */
    for (; n > 0; n--, xp += step, o += k->co) {
        int32_t a0 = k->b[0], a1 = k->b[1], a2 = k->b[2], a3 = k->b[3];
        const int8_t *x = xp;
        const uint32_t *w = wp;
        for (int r = rows; r > 0; r--, x += x_gap, w += w_gap) {
            for (int g = rest; g > 0; g--, x += 4)
                w = group4(kws_read_u32(x), w, &a0, &a1, &a2, &a3);
            /* 4 groups (16 input bytes, 64 MACs) per turn */
            for (const int8_t *xe = x + 16 * quads; x != xe; x += 16) {
                w = group4(kws_read_u32(x), w, &a0, &a1, &a2, &a3);
                w = group4(kws_read_u32(x + 4), w, &a0, &a1, &a2, &a3);
                w = group4(kws_read_u32(x + 8), w, &a0, &a1, &a2, &a3);
                w = group4(kws_read_u32(x + 12), w, &a0, &a1, &a2, &a3);
            }
        }
        int32_t y0, y1, y2, y3;
        if (k->fast) {
            y0 = kws_rq32_apply(a0, k->r[0].mult, k->r[0].round, k->r[0].sh);
            y1 = kws_rq32_apply(a1, k->r[1].mult, k->r[1].round, k->r[1].sh);
            y2 = kws_rq32_apply(a2, k->r[2].mult, k->r[2].round, k->r[2].sh);
            y3 = kws_rq32_apply(a3, k->r[3].mult, k->r[3].round, k->r[3].sh);
        } else {
            y0 = rq_slow(a0, k->rq[0]);
            y1 = rq_slow(a1, k->rq[1]);
            y2 = rq_slow(a2, k->rq[2]);
            y3 = rq_slow(a3, k->rq[3]);
        }
        const uint32_t packed = clamp4_pack(&k->cl, y0, y1, y2, y3);
        if (k->nc == 4) {
            kws_write_u32(o, packed);
        } else {
            for (int c = 0; c < k->nc; c++)
                o[c] = (int8_t)(packed >> (8 * c));
        }
    }
}

void kws_conv2d_c4_chunk(const kws_conv2d_dims *d, const kws_requant_out *q, const int8_t *in,
                         const int32_t *bias, int oc, const uint32_t *wx, int8_t *out)
{
    const int H = d->h, W = d->w, C = d->in_c, Co = d->out_c, K = d->kernel;
    const int P = (K - 1) / 2;
    chunk4 k;
    k.cl = clamp4_make(q->act_min, q->act_max);
    k.co = Co;
    k.row_bytes = (size_t)W * C;
    k.row_words = (size_t)K * C * 2;
    k.nc = Co - oc < 4 ? Co - oc : 4;
    k.fast = 1;
    for (int c = 0; c < 4; c++) {
        k.rq[c] = c < k.nc ? q->rq[oc + c] : q->rq[oc];
        k.b[c] = c < k.nc && bias ? bias[oc + c] : 0;
        k.fast &= kws_rq32_init(k.rq[c].multiplier, k.rq[c].shift, &k.r[c]);
    }
    /* interior columns [x_lo, x_hi): all K taps inside; empty when W < K */
    const int x_lo = P, x_hi = W - P > P ? W - P : P;
    for (int y = 0; y < H; y++) {
        const int i0 = tap_first(y, P), rows = tap_end(y, H, K, P) - i0;
        const int8_t *in_y = in + (size_t)(y + i0 - P) * k.row_bytes; /* first tap row */
        const uint32_t *w_y = wx + (size_t)i0 * k.row_words;        /* its weights */
        int8_t *o_y = out + (size_t)y * W * Co + oc;
        /* the interior in one call, then the borders */
        if (x_lo < x_hi)
            c4_pixels(&k, in_y, C, w_y, rows, K * C / 4, o_y + (size_t)x_lo * Co, x_hi - x_lo);
        for (int x = 0; x < W; x++) {
            if (x == x_lo && x_lo < x_hi)
                x = x_hi;
            if (x >= W)
                break;
            const int j0 = tap_first(x, P), run = (tap_end(x, W, K, P) - j0) * C / 4;
            c4_pixels(&k, in_y + (size_t)(x + j0 - P) * C, C, w_y + (size_t)j0 * C * 2, rows,
                      run, o_y + (size_t)x * Co, 1);
        }
    }
}

KWS_NOINLINE
static void conv_c4(const kws_conv2d_dims *d, const kws_requant_out *q, const int8_t *in,
                    const int8_t *weight, const int32_t *bias, int8_t *out, uint32_t *wx)
{
    const int KK = d->kernel * d->kernel * d->in_c;
    for (int oc = 0; oc < d->out_c; oc += 4) {
        extend_chunk(weight, KK, oc, d->out_c - oc < 4 ? d->out_c - oc : 4, wx);
        kws_conv2d_c4_chunk(d, q, in, bias, oc, wx, out);
    }
}

/* ---- path 2: Cin == 1, k == 3 ----------------------------------------------- */

/* Channel record, 10 words as 5 LDRD pairs: (w00, w10), (w01, w11),
 * (w02, w12), (w20, w21), (w22, 0) as int16 pairs, bias, then kws_rq32's
 * mult, round, sh and a pad word. */
enum { REC = 10 };

/* One output: the channel record at *r against the patch p0..p4; advances
 * *r to the next record. Returns the requantized value, not yet clamped, or
 * with relu its ReLU output (kws_rq32_relu: clamped to [0, 127]). */
static inline int32_t c1k3_out(const uint32_t **r, uint32_t p0, uint32_t p1, uint32_t p2,
                               uint32_t p3, uint32_t p4, int relu)
{
    uint32_t w0, w1, w2, w3, w4, bias, mult, round, sh, pad;
    *r = kws_ldrd_post(*r, &w0, &w1);
    *r = kws_ldrd_post(*r, &w2, &w3);
    *r = kws_ldrd_post(*r, &w4, &bias);
    *r = kws_ldrd_post(*r, &mult, &round);
    *r = kws_ldrd_post(*r, &sh, &pad);
    (void)pad;
    int32_t a = kws_smlad(p0, w0, (int32_t)bias);
    a = kws_smlad(p1, w1, a);
    a = kws_smlad(p2, w2, a);
    a = kws_smlad(p3, w3, a);
    a = kws_smlad(p4, w4, a);
    if (relu)
        return kws_rq32_relu(a, (int32_t)mult, (int32_t)round, (int32_t)sh);
    return kws_rq32_apply(a, (int32_t)mult, (int32_t)round, (int32_t)sh);
}

/* Output row y for every channel, ReLU bounds [0, 127] (USAT). ab, cr: the
 * staged rows (see the top of the file). Two pixels per channel record: its
 * five LDRDs serve both (the second pixel's patch is the first's shifted by
 * one column: ab[x + 1 .. x + 3], cr[x + 1 ..]). */
KWS_NOINLINE
static void c1k3_row_relu(const uint32_t *rec, int Co, const uint32_t *ab, const int16_t *cr,
                          int W, int8_t *o_row)
{
    int x = 0;
    for (; x + 2 <= W; x += 2) {
        const uint32_t p0 = ab[x], p1 = ab[x + 1], p2 = ab[x + 2], p5 = ab[x + 3];
        const uint32_t p3 = kws_read_u32(cr + x), p4 = kws_read_u32(cr + x + 2);
        const uint32_t q3 = kws_read_u32(cr + x + 1), q4 = kws_read_u32(cr + x + 3);
        const uint32_t *r = rec;
        for (int8_t *o = o_row + (size_t)x * Co, *oe = o + Co; o != oe; o++) {
            uint32_t w0, w1, w2, w3, w4, bias, mult, round, sh, pad;
            r = kws_ldrd_post(r, &w0, &w1);
            r = kws_ldrd_post(r, &w2, &w3);
            r = kws_ldrd_post(r, &w4, &bias);
            int32_t a = kws_smlad(p0, w0, (int32_t)bias);
            int32_t b = kws_smlad(p1, w0, (int32_t)bias);
            a = kws_smlad(p1, w1, a);
            b = kws_smlad(p2, w1, b);
            a = kws_smlad(p2, w2, a);
            b = kws_smlad(p5, w2, b);
            a = kws_smlad(p3, w3, a);
            b = kws_smlad(q3, w3, b);
            a = kws_smlad(p4, w4, a);
            b = kws_smlad(q4, w4, b);
            r = kws_ldrd_post(r, &mult, &round);
            r = kws_ldrd_post(r, &sh, &pad);
            (void)pad;
            o[0] = (int8_t)kws_rq32_relu(a, (int32_t)mult, (int32_t)round, (int32_t)sh);
            o[Co] = (int8_t)kws_rq32_relu(b, (int32_t)mult, (int32_t)round, (int32_t)sh);
        }
    }
    for (; x < W; x++) {
        const uint32_t p0 = ab[x], p1 = ab[x + 1], p2 = ab[x + 2];
        const uint32_t p3 = kws_read_u32(cr + x), p4 = kws_read_u32(cr + x + 2);
        const uint32_t *r = rec;
        for (int8_t *o = o_row + (size_t)x * Co, *oe = o + Co; o != oe; o++)
            *o = (int8_t)c1k3_out(&r, p0, p1, p2, p3, p4, 1);
    }
}

/* The same for any bounds [lo, hi]. */
KWS_NOINLINE
static void c1k3_row_clamp(const uint32_t *rec, int Co, const uint32_t *ab, const int16_t *cr,
                           int W, int8_t *o_row, int32_t lo, int32_t hi)
{
    for (int x = 0; x < W; x++) {
        const uint32_t p0 = ab[x], p1 = ab[x + 1], p2 = ab[x + 2];
        const uint32_t p3 = kws_read_u32(cr + x), p4 = kws_read_u32(cr + x + 2);
        const uint32_t *r = rec;
        for (int8_t *o = o_row + (size_t)x * Co, *oe = o + Co; o != oe; o++) {
            const int32_t v = c1k3_out(&r, p0, p1, p2, p3, p4, 0);
            *o = (int8_t)(v < lo ? lo : v > hi ? hi : v);
        }
    }
}

/* The same with kws_requantize (a multiplier outside the 32-bit path). */
KWS_NOINLINE
static void c1k3_row_slow(const uint32_t *rec, int Co, const uint32_t *ab, const int16_t *cr,
                          int W, int8_t *o_row, const kws_requant_out *q)
{
    for (int x = 0; x < W; x++) {
        const uint32_t p0 = ab[x], p1 = ab[x + 1], p2 = ab[x + 2];
        const uint32_t p3 = kws_read_u32(cr + x), p4 = kws_read_u32(cr + x + 2);
        for (int o = 0; o < Co; o++) {
            const uint32_t *r = rec + (size_t)o * REC;
            int32_t a = kws_smlad(p0, r[0], (int32_t)r[5]);
            a = kws_smlad(p1, r[1], a);
            a = kws_smlad(p2, r[2], a);
            a = kws_smlad(p3, r[3], a);
            a = kws_smlad(p4, r[4], a);
            o_row[(size_t)x * Co + o] = kws_requantize_s8(a, q->rq[o], q->act_min, q->act_max);
        }
    }
}

KWS_NOINLINE
static void conv_c1k3(const kws_conv2d_dims *d, const kws_requant_out *q, const int8_t *in,
                      const int8_t *weight, const int32_t *bias, int8_t *out, uint32_t *scratch)
{
    const int H = d->h, W = d->w, Co = d->out_c;
    uint32_t *rec = scratch;                 /* (Co, 10) */
    uint32_t *ab = rec + (size_t)Co * REC;   /* (W + 2) */
    int16_t *cr = (int16_t *)(ab + W + 2);   /* (W + 4) */

    int fast = 1;
    for (int o = 0; o < Co; o++) {
        const int8_t *w = weight + (size_t)o * 9;
        uint32_t *r = rec + (size_t)o * REC;
        kws_rq32 rr = {0, 0, 0};
        r[0] = kws_pack16_c(w[0], w[3]);
        r[1] = kws_pack16_c(w[1], w[4]);
        r[2] = kws_pack16_c(w[2], w[5]);
        r[3] = kws_pack16_c(w[6], w[7]);
        r[4] = kws_pack16_c(w[8], 0);
        r[5] = (uint32_t)(bias ? bias[o] : 0);
        fast &= kws_rq32_init(q->rq[o].multiplier, q->rq[o].shift, &rr);
        r[6] = (uint32_t)rr.mult;
        r[7] = (uint32_t)rr.round;
        r[8] = (uint32_t)rr.sh;
        r[9] = 0;
    }

    ab[0] = ab[W + 1] = 0;
    cr[0] = cr[W + 1] = cr[W + 2] = cr[W + 3] = 0;
    for (int y = 0; y < H; y++) {
        const int8_t *r0 = y > 0 ? in + (size_t)(y - 1) * W : NULL;
        const int8_t *r1 = in + (size_t)y * W;
        const int8_t *r2 = y + 1 < H ? in + (size_t)(y + 1) * W : NULL;
        for (int x = 0; x < W; x++) {
            ab[x + 1] = kws_pack16_c(r0 ? r0[x] : 0, r1[x]);
            cr[x + 1] = (int16_t)(r2 ? r2[x] : 0);
        }
        int8_t *o_row = out + (size_t)y * W * Co;
        if (!fast)
            c1k3_row_slow(rec, Co, ab, cr, W, o_row, q);
        else if (q->act_min == 0 && q->act_max == 127)
            c1k3_row_relu(rec, Co, ab, cr, W, o_row);
        else
            c1k3_row_clamp(rec, Co, ab, cr, W, o_row, q->act_min, q->act_max);
    }
}

/* ---- path 3: any shape --------------------------------------------------------- */

KWS_NOINLINE
static void conv_any(const kws_conv2d_dims *d, const kws_requant_out *q, const int8_t *in,
                     const int8_t *weight, const int32_t *bias, int8_t *out, uint32_t *patch)
{
    const int H = d->h, W = d->w, C = d->in_c, Co = d->out_c, K = d->kernel;
    const int P = (K - 1) / 2, KK = K * K * C, pairs = KK / 2;
    int16_t *col = (int16_t *)patch; /* (KK rounded up to even), (i, j, c) order */

    for (int y = 0; y < H; y++) {
        for (int x = 0; x < W; x++) {
            const int i0 = tap_first(y, P), i1 = tap_end(y, H, K, P);
            const int j0 = tap_first(x, P), j1 = tap_end(x, W, K, P);
            int t = 0;
            for (int i = 0; i < K; i++) {
                for (int j = 0; j < K; j++) {
                    if (i >= i0 && i < i1 && j >= j0 && j < j1) {
                        const int8_t *a = in + ((size_t)(y + i - P) * W + (x + j - P)) * C;
                        for (int c = 0; c < C; c++)
                            col[t++] = a[c];
                    } else {
                        for (int c = 0; c < C; c++)
                            col[t++] = 0;
                    }
                }
            }
            if (KK & 1)
                col[KK] = 0;
            int8_t *o_px = out + ((size_t)y * W + x) * Co;
            for (int o = 0; o < Co; o++) {
                const int8_t *w = weight + (size_t)o * KK;
                int32_t acc = bias ? bias[o] : 0;
                for (int p = 0; p < pairs; p++)
                    acc = kws_smlad(kws_read_u32(col + 2 * p), kws_pack16_c(w[2 * p], w[2 * p + 1]),
                                    acc);
                if (KK & 1)
                    acc += (int32_t)col[KK - 1] * w[KK - 1];
                o_px[o] = kws_requantize_s8(acc, q->rq[o], q->act_min, q->act_max);
            }
        }
    }
}

kws_status kws_conv2d_s8_fast(void *scratch, const kws_conv2d_dims *d, const kws_requant_out *q,
                              const int8_t *in, const int8_t *weight, const int32_t *bias,
                              int8_t *out)
{
    if (!check_dims(d) || !in || !weight || !out || !scratch || ((uintptr_t)scratch & 7u))
        return KWS_ERR_ARG;
    kws_status st = kws_requant_out_check(q, d->out_c);
    if (st != KWS_OK)
        return st;
    if (path_c4(d))
        conv_c4(d, q, in, weight, bias, out, (uint32_t *)scratch);
    else if (path_c1k3(d))
        conv_c1k3(d, q, in, weight, bias, out, (uint32_t *)scratch);
    else
        conv_any(d, q, in, weight, bias, out, (uint32_t *)scratch);
    return KWS_OK;
}
