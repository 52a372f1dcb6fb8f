/* conv2d_s8_winograd.c - kws_conv2d_s8 (and kws_conv2d_binary_s8) for
 * k = 3 by Winograd's minimal filtering F(2x2, 3x3): same arguments plus a
 * scratch budget, same 'same' padding, bit-identical output, 2.25 times
 * fewer multiplies. Binary weights are +-1 codes read from their bits; the
 * rest is the same.
 *
 * The algorithm (Lavin & Gray 2016), per 2x2 block ("tile") of outputs and
 * per output channel o:
 *
 *   Y = A^T [ sum_c (G g_oc G^T) (.) (B^T d_c B) ] A
 *
 * d_c: the tile's 4x4 input patch of channel c (rows 2ty-1 .. 2ty+2, columns
 * 2tx-1 .. 2tx+2; 0 outside the image), g_oc: the 3x3 weights, (.) the
 * elementwise product: 16 multiplies per channel pair and tile instead of 36.
 *
 *   B^T = [1  0 -1  0]     G = [ 1    0    0 ]     A^T = [1  1  1  0]
 *         [0  1  1  0]         [1/2  1/2  1/2]           [0  1 -1 -1]
 *         [0 -1  1  0]         [1/2 -1/2  1/2]
 *         [0  1  0 -1]         [ 0    0    1 ]
 *
 * In integers, exactly: with G' = 2G (entries 0, +-1, 2) every transform
 * has integer entries and the result is 4Y, an exact multiple of 4, so
 * Y = (4Y) >> 2 with no rounding at all - the same integer sum as the
 * direct convolution, then the same bias, requantization and clamp. Bounds:
 * |B^T d B| <= 4 * 128 = 512 and |G' g G'^T| <= 9 * 128 = 1152 fit int16,
 * and |4Y| <= 9 * Cin * 512 * 1152 stays below 2^31 for Cin <= 256.
 *
 * Layout (scratch, 8-byte aligned, kws_conv2d_s8_winograd_scratch_size):
 *
 *   v: the transformed input of two tiles side by side, int16 pairs:
 *      word (k * 16 + q) * 2 + t          k = channel pair, t = tile 0, 1,
 *                                         q = 4j + i: row i, column j of the
 *                                         4x4 (column by column, so the
 *                                         output transform reads columns)
 *   pad: a border tile's 4x4 x Cin input patch, zero-padded
 *   m: the products of one block of 2 tiles x 4 output channels, 128
 *      int32: m[16 * (4t + o) + q]
 *   u: the transformed weights of a chunk of output channels, by quads:
 *      word ((oq * Cin/2 + k) * 16 + q) * 4 + (o & 3)
 *   ch: per output channel of the chunk its bias and requantization (24 B)
 *
 * Channel pair k of a group of 4 channels (one input word) is the SXTB16
 * split: k = 2g holds channels (4g, 4g+2), k = 2g+1 holds (4g+1, 4g+3); the
 * weights are split the same way, so one SMLAD adds two channels. One
 * channel pair's 16 positions are consecutive words, so the transforms
 * store at constant offsets. The products of a position, per channel pair:
 * 4 LDR (two tiles, outputs 0 and 1), 4 SMLAD, 2 LDR (outputs 2, 3), 4 SMLAD
 * - 16 cycles for 16 multiplies, each worth 2.25 direct MACs (LDRs next to
 * each other pipeline, 1 cycle after the first; an LDRD takes 3). Its
 * 14 live registers are all the M4 has: GCC spills them, so on the M4 that
 * loop is inline assembly (block_products_asm), its C twin the definition
 * (position_products_c: the host, -O0, Cin % 16 != 0).
 *
 * Loop order: output channels in chunks as large as the scratch allows
 * (the weights of a chunk are transformed once per inference); for each
 * chunk all tiles, two at a time (their input is transformed once per
 * chunk); for each output quad the block's 16 x 8 dot products, then the
 * output transform, requantization and stores. With the whole layer in one
 * chunk nothing is transformed twice.
 */
#include "kws/runtime.h"

#include <string.h>

#include "simd_m4.h"

#define WG_MAX_CIN 256

/* the conv's multiplier-free bookkeeping stays out of the dot products'
 * registers (see conv2d_s8_fast.c) */
#if defined(__GNUC__)
#define KWS_NOINLINE __attribute__((noinline))
#define KWS_ALWAYS_INLINE __attribute__((always_inline))
#else
#define KWS_NOINLINE
#define KWS_ALWAYS_INLINE
#endif

static int wg_supported(const kws_conv2d_dims *d)
{
    return d && d->kernel == 3 && !d->valid_w && d->h > 0 && d->w > 0 && d->out_c > 0 &&
           d->in_c > 0 &&
           (d->in_c & 3) == 0 && d->in_c <= WG_MAX_CIN;
}

/* bytes of v + pad + m, and of u plus the output stage's constants per output
 * channel (wg_chan, 24 bytes); chunks are multiples of 4 channels */
static size_t wg_fixed_bytes(int cin)
{
    return (size_t)80 * cin + 16 * 8 * sizeof(int32_t); /* v, pad, m */
}

static size_t wg_per_out_bytes(int cin)
{
    return (size_t)32 * cin + 24;
}

size_t kws_conv2d_s8_winograd_scratch_size(const kws_conv2d_dims *d, int out_chunk)
{
    if (!wg_supported(d) || out_chunk < 4 || (out_chunk & 3))
        return 0;
    return wg_fixed_bytes(d->in_c) + (size_t)out_chunk * wg_per_out_bytes(d->in_c);
}

int kws_conv2d_s8_winograd_chunk(const kws_conv2d_dims *d, size_t scratch_size)
{
    if (!wg_supported(d) || scratch_size < wg_fixed_bytes(d->in_c))
        return 0;
    size_t n = (scratch_size - wg_fixed_bytes(d->in_c)) / wg_per_out_bytes(d->in_c);
    const size_t all = (size_t)(d->out_c + 3) & ~(size_t)3; /* Cout rounded up to 4 */
    if (n > all)
        n = all;
    return (int)(n & ~(size_t)3);
}

/* Instruction counts per 2x2 tile on the M4, from the paper network's
 * layers (bench/device/bench_m4_kernels.sh, profile_m4.sh): direct ~38 per
 * output and input channel (4 pixels x 9 taps at ~0.95 MAC per
 * instruction); Winograd ~13 for the products, ~50 per input channel and
 * pass for the input transform, ~69 per output channel for the output
 * transform and requantization. */
int kws_conv2d_s8_winograd_pays(const kws_conv2d_dims *d, int chunk)
{
    if (!wg_supported(d) || chunk < 4)
        return 0;
    const long cin = d->in_c, cout = d->out_c, passes = (cout + chunk - 1) / chunk;
    const long wino = 13 * cout * cin + 50 * passes * cin + 69 * cout;
    return 10 * wino < 9 * 38 * cout * cin;
}

/* ---- transforms on int16 pairs (two channels at once) --------------------- */

/* G' g G'^T of one channel pair: g[i * 3 + j] the 3x3 taps; result (i, j)
 * of the 4x4 at u[(4j + i) * stride] (column by column, as the input's). */
static void weight_transform(const uint32_t g[9], uint32_t *u, size_t stride)
{
    uint32_t t[12]; /* G' g: 4 rows x 3 columns */
    for (int j = 0; j < 3; j++) {
        const uint32_t g0 = g[j], g1 = g[3 + j], g2 = g[6 + j];
        const uint32_t s = kws_sadd16(g0, g2);
        t[j] = kws_sadd16(g0, g0);
        t[3 + j] = kws_sadd16(s, g1);
        t[6 + j] = kws_ssub16(s, g1);
        t[9 + j] = kws_sadd16(g2, g2);
    }
    for (int i = 0; i < 4; i++) {
        const uint32_t t0 = t[3 * i], t1 = t[3 * i + 1], t2 = t[3 * i + 2];
        const uint32_t s = kws_sadd16(t0, t2);
        u[(0 + i) * stride] = kws_sadd16(t0, t0); /* position (i, j) at 4j + i */
        u[(4 + i) * stride] = kws_sadd16(s, t1);
        u[(8 + i) * stride] = kws_ssub16(s, t1);
        u[(12 + i) * stride] = kws_sadd16(t2, t2);
    }
}

/* The weights of a conv, int8 codes (Cout, 3, 3, Cin) or packed +-1 bits
 * (Cout, 3, 3, ceil(Cin/8)) bytes, LSB first, 1 = +1 (kws/runtime.h). */
typedef struct {
    const int8_t *codes;
    const uint8_t *bits;
} wg_weights;

/* 4 signs (bits 0..3 of n) as 4 int8 bytes +1 / -1, byte i from bit i */
static uint32_t signs_to_bytes(unsigned n)
{
    uint32_t w = 0;
    for (int i = 0; i < 4; i++)
        w |= (uint32_t)((n >> i) & 1u ? 0x01u : 0xFFu) << (8 * i);
    return w;
}

/* Binary weights: channels 4 * g4 .. 4 * g4 + 3 of tap `tap` of output
 * channel o as 4 int8 codes +-1 in a word. */
static uint32_t bits_word(const uint8_t *bits, int cin, int o, int tap, int g4)
{
    const size_t tap_bytes = ((size_t)cin + 7) / 8;
    const uint8_t b = bits[((size_t)o * 9 + (size_t)tap) * tap_bytes + (size_t)(g4 >> 1)];
    return signs_to_bytes((unsigned)(b >> (4 * (g4 & 1))) & 15u);
}

/* u <- the transformed weights of output channels oc .. oc+nc-1 (quads;
 * the missing channels of the last quad get zeros). */
static void transform_weights(const wg_weights *weights, int cin, int oc, int nc, uint32_t *u)
{
    const size_t quad_words = (size_t)cin / 2 * 64; /* one output quad */
    for (int o = 0; o < ((nc + 3) & ~3); o++) {
        uint32_t *u_o = u + (size_t)(o >> 2) * quad_words + (o & 3);
        if (o >= nc) {
            for (size_t i = 0; i < quad_words; i += 4)
                u_o[i] = 0;
            continue;
        }
        const int8_t *codes = weights->codes ? weights->codes + (size_t)(oc + o) * 9 * cin : NULL;
        for (int g4 = 0; g4 < cin / 4; g4++) {
            uint32_t lo[9], hi[9];
            if (codes) {
                for (int tap = 0; tap < 9; tap++) {
                    const uint32_t x = kws_read_u32(codes + (size_t)tap * cin + 4 * g4);
                    lo[tap] = kws_sxtb16(x);
                    hi[tap] = kws_sxtb16_ror8(x);
                }
            } else {
                for (int tap = 0; tap < 9; tap++) {
                    const uint32_t x = bits_word(weights->bits, cin, oc + o, tap, g4);
                    lo[tap] = kws_sxtb16(x);
                    hi[tap] = kws_sxtb16_ror8(x);
                }
            }
            weight_transform(lo, u_o + (size_t)(2 * g4) * 64, 4);
            weight_transform(hi, u_o + (size_t)(2 * g4 + 1) * 64, 4);
        }
    }
}

/* The column pass (f B) of one row f0..f3 into positions (i, 0 .. 3):
 * v[0], v[8], v[16], v[24] (v at row i's first word). */
KWS_ALWAYS_INLINE
static inline void row_pass(uint32_t f0, uint32_t f1, uint32_t f2, uint32_t f3, uint32_t *v)
{
    v[0] = kws_ssub16(f0, f2);
    v[8] = kws_sadd16(f1, f2);
    v[16] = kws_ssub16(f2, f1);
    v[24] = kws_ssub16(f1, f3);
}

/* Row 0 (d0 - d2) or 3 (d1 - d3) of B^T d B for both halves of a 4-channel
 * group: f_j = x(a, j) - x(b, j) over the patch rows a, b, from the words
 * ra[j * cs], rb[j * cs]; then the row pass (f B) into positions (i, 0 ..
 * 3) of the tile, q = 4j + i: v[0], v[8], v[16], v[24] (v already at row i)
 * for channels (0, 2), 32 words on for channels (1, 3). */
KWS_ALWAYS_INLINE
static inline void patch_row_diff(const int8_t *ra, const int8_t *rb, size_t cs, uint32_t *v)
{
    const uint32_t a0 = kws_read_u32(ra), a1 = kws_read_u32(ra + cs),
                   a2 = kws_read_u32(ra + 2 * cs), a3 = kws_read_u32(ra + 3 * cs);
    const uint32_t b0 = kws_read_u32(rb), b1 = kws_read_u32(rb + cs),
                   b2 = kws_read_u32(rb + 2 * cs), b3 = kws_read_u32(rb + 3 * cs);
    row_pass(kws_ssub16(kws_sxtb16(a0), kws_sxtb16(b0)), kws_ssub16(kws_sxtb16(a1), kws_sxtb16(b1)),
             kws_ssub16(kws_sxtb16(a2), kws_sxtb16(b2)), kws_ssub16(kws_sxtb16(a3), kws_sxtb16(b3)),
             v);
    row_pass(kws_ssub16(kws_sxtb16_ror8(a0), kws_sxtb16_ror8(b0)),
             kws_ssub16(kws_sxtb16_ror8(a1), kws_sxtb16_ror8(b1)),
             kws_ssub16(kws_sxtb16_ror8(a2), kws_sxtb16_ror8(b2)),
             kws_ssub16(kws_sxtb16_ror8(a3), kws_sxtb16_ror8(b3)), v + 32);
}

/* Rows 1 (d1 + d2) and 2 (d2 - d1) of B^T d B together: one load and sign
 * extension of d1 and d2 serves both. v at the group's first word. */
KWS_ALWAYS_INLINE
static inline void patch_rows_mid(const int8_t *r1, const int8_t *r2, size_t cs, uint32_t *v)
{
    const uint32_t a0 = kws_read_u32(r1), a1 = kws_read_u32(r1 + cs),
                   a2 = kws_read_u32(r1 + 2 * cs), a3 = kws_read_u32(r1 + 3 * cs);
    const uint32_t b0 = kws_read_u32(r2), b1 = kws_read_u32(r2 + cs),
                   b2 = kws_read_u32(r2 + 2 * cs), b3 = kws_read_u32(r2 + 3 * cs);
    /* channels 0 and 2 */
    uint32_t x0 = kws_sxtb16(a0), x1 = kws_sxtb16(a1), x2 = kws_sxtb16(a2), x3 = kws_sxtb16(a3);
    uint32_t y0 = kws_sxtb16(b0), y1 = kws_sxtb16(b1), y2 = kws_sxtb16(b2), y3 = kws_sxtb16(b3);
    row_pass(kws_sadd16(x0, y0), kws_sadd16(x1, y1), kws_sadd16(x2, y2), kws_sadd16(x3, y3),
             v + 2);
    row_pass(kws_ssub16(y0, x0), kws_ssub16(y1, x1), kws_ssub16(y2, x2), kws_ssub16(y3, x3),
             v + 4);
    /* channels 1 and 3 */
    x0 = kws_sxtb16_ror8(a0), x1 = kws_sxtb16_ror8(a1), x2 = kws_sxtb16_ror8(a2),
    x3 = kws_sxtb16_ror8(a3);
    y0 = kws_sxtb16_ror8(b0), y1 = kws_sxtb16_ror8(b1), y2 = kws_sxtb16_ror8(b2),
    y3 = kws_sxtb16_ror8(b3);
    row_pass(kws_sadd16(x0, y0), kws_sadd16(x1, y1), kws_sadd16(x2, y2), kws_sadd16(x3, y3),
             v + 34);
    row_pass(kws_ssub16(y0, x0), kws_ssub16(y1, x1), kws_ssub16(y2, x2), kws_ssub16(y3, x3),
             v + 36);
}

/* The 4x4 patch whose rows start at r[0..3] (column step cs bytes): B^T d
 * B of each 4-channel group (group g at byte 4g) into v. */
KWS_ALWAYS_INLINE
static inline void patch_groups(const int8_t *const r[4], size_t cs, int groups, uint32_t *v)
{
    const int8_t *r0 = r[0], *r1 = r[1], *r2 = r[2], *r3 = r[3];
    for (int g = 0; g < groups; g++, v += 64, r0 += 4, r1 += 4, r2 += 4, r3 += 4) {
        patch_row_diff(r0, r2, cs, v);
        patch_rows_mid(r1, r2, cs, v);
        patch_row_diff(r1, r3, cs, v + 6);
    }
}

/* patch_groups with the column step a constant for the usual channel counts:
 * the loads take immediate offsets, which frees the registers GCC otherwise
 * spills (cs, 2 cs, 3 cs). */
static void patch_transform(const int8_t *const r[4], size_t cs, int groups, uint32_t *v)
{
    switch (cs) {
    case 16: patch_groups(r, 16, 4, v); break;
    case 32: patch_groups(r, 32, 8, v); break;
    case 64: patch_groups(r, 64, 16, v); break;
    default: patch_groups(r, cs, groups, v); break;
    }
}

/* v slot t <- the transformed 4x4 input patch of tile (ty, tx), all
 * channels; ty < 0 (a tile past the last) gives zeros. A patch inside the
 * image is read in place; one over the border is first copied into a
 * zero-padded 4x4 x Cin buffer pad (16 * Cin bytes). */
KWS_NOINLINE
static void transform_tile(const kws_conv2d_dims *d, const int8_t *in, int ty, int tx,
                           uint32_t *v, int8_t *pad)
{
    const int H = d->h, W = d->w, C = d->in_c;
    const int y0 = 2 * ty - 1, x0 = 2 * tx - 1;
    const int8_t *r[4];
    if (ty >= 0 && y0 >= 0 && y0 + 3 < H && x0 >= 0 && x0 + 3 < W) {
        for (int i = 0; i < 4; i++)
            r[i] = in + ((size_t)(y0 + i) * W + x0) * C;
    } else {
        /* columns [xa, xb) of the patch lie inside: one copy per row */
        const int xa = x0 < 0 ? -x0 : 0, xb = W - x0 < 4 ? W - x0 : 4;
        for (int i = 0; i < 4; i++) {
            const int y = y0 + i;
            int8_t *row = pad + (size_t)4 * i * C;
            r[i] = row;
            if (ty < 0 || y < 0 || y >= H || xb <= xa) {
                memset(row, 0, (size_t)4 * C);
                continue;
            }
            if (xa > 0)
                memset(row, 0, (size_t)xa * C);
            memcpy(row + (size_t)xa * C, in + ((size_t)y * W + x0 + xa) * C,
                   (size_t)(xb - xa) * C);
            if (xb < 4)
                memset(row + (size_t)xb * C, 0, (size_t)(4 - xb) * C);
        }
    }
    patch_transform(r, (size_t)C, C / 4, v);
}

/* ---- the products ---------------------------------------------------------- */

/* One position's products, two tiles x four output channels, over half
 * channel pairs: m[16 (4t + o)] = sum_k v(k, t) u(k, o), v stepping 32
 * words per channel pair (vp), u 64 (up: its 4 outputs side by side). Per
 * channel pair 6 loads and 8 SMLAD: 16 cycles for 16 multiplies. */
#if KWS_M4_DSP && defined(__OPTIMIZE__)
/* The Cortex-M4 version of block_products for half % 8 == 0 (Cin 16, 32,
 * 64, ...): per position the 8 accumulators, the two tiles' and two
 * outputs' words and both pointers are 14 registers, all the M4 has - GCC's
 * C spills them - so the whole block is written out.
 *
 * Positions go in pairs: q forward through the channel pairs, q + 1
 * backward (post-index -128 / -264), so each position starts where the
 * last one ended, one immediate step away (vp: -120 / +136 bytes, up: -240
 * / +272), and the pair shares one trip round the loop. Per position: the
 * first channel pair starts the sums (SMUAD), 7 more, then turns - 1 rounds
 * of 8; the 8 sums are stored (q at m, q + 1 at m + 4). The sums are mod
 * 2^32, so the backward order gives the same words. What the loop keeps
 * besides (turn and pair counts, m) lives in memory and passes through u0
 * where u0 is free. Bit-identical to the C (device_m4_kernels at -O2/-Os;
 * -O0 runs the C). */
static void block_products_asm(const uint32_t *v, const uint32_t *u, int half, int32_t *m)
{
    struct {
        int32_t *m;
        int turns, turns0, pairs;
    } st;
    int32_t a00, a01, a02, a03, a10, a11, a12, a13;
    uint32_t v0, v1, u0, u1;
    const uint32_t *vp = v, *up = u;
    st.m = m;
    st.turns = 0;
    st.turns0 = half >> 3;
    st.pairs = 8;
/* one channel pair: the two tiles' words and outputs 0, 1 (four LDRs in a
 * row: 5 cycles), 4 SMLAD, outputs 2, 3 (LOAD23: two LDRs, or an LDRD where
 * the step back, -264, is past LDR's 8-bit offset: 3 cycles either way),
 * 4 SMLAD; OP smuad starts the sums, smlad adds (ACC the accumulator
 * operand, empty for smuad); VSTEP the post-index step to the next channel
 * pair */
#define WG_ASM_PAIR(OP, ACC, VSTEP, LOAD23)                                              \
    "ldr %[v1], [%[vp], #4]\n\t"                                                         \
    "ldr %[v0], [%[vp]], #" VSTEP "\n\t"                                                 \
    "ldr %[u1], [%[up], #4]\n\t"                                                         \
    "ldr %[u0], [%[up]], #8\n\t"                                                         \
    OP " %[a00], %[v0], %[u0]" ACC(a00) "\n\t"                                           \
    OP " %[a01], %[v0], %[u1]" ACC(a01) "\n\t"                                           \
    OP " %[a10], %[v1], %[u0]" ACC(a10) "\n\t"                                           \
    OP " %[a11], %[v1], %[u1]" ACC(a11) "\n\t"                                           \
    LOAD23                                                                               \
    OP " %[a02], %[v0], %[u0]" ACC(a02) "\n\t"                                           \
    OP " %[a03], %[v0], %[u1]" ACC(a03) "\n\t"                                           \
    OP " %[a12], %[v1], %[u0]" ACC(a12) "\n\t"                                           \
    OP " %[a13], %[v1], %[u1]" ACC(a13) "\n\t"
#define WG_NO_ACC(a) ""
#define WG_ACC(a) ", %[" #a "]"
#define WG_FWD(OP, ACC)                                                                  \
    WG_ASM_PAIR(OP, ACC, "128", "ldr %[u1], [%[up], #4]\n\tldr %[u0], [%[up]], #248\n\t")
#define WG_BWD(OP, ACC)                                                                  \
    WG_ASM_PAIR(OP, ACC, "-128", "ldrd %[u0], %[u1], [%[up]], #-264\n\t")
/* 7 accumulating channel pairs (after the SMUAD one), and 8 */
#define WG_7(DIR) DIR("smlad", WG_ACC) DIR("smlad", WG_ACC) DIR("smlad", WG_ACC)            \
    DIR("smlad", WG_ACC) DIR("smlad", WG_ACC) DIR("smlad", WG_ACC) DIR("smlad", WG_ACC)
#define WG_FWD8 WG_7(WG_FWD) WG_FWD("smlad", WG_ACC)
#define WG_BWD8 WG_7(WG_BWD) WG_BWD("smlad", WG_ACC)
/* the 8 sums of a position to m + OFF bytes (m in u0) */
#define WG_STORE(OFF0, OFF1, OFF2, OFF3, OFF4, OFF5, OFF6, OFF7)                         \
    "ldr %[u0], %[mp]\n\t"                                                               \
    "str %[a00], [%[u0], #" OFF0 "]\n\t"                                                 \
    "str %[a01], [%[u0], #" OFF1 "]\n\t"                                                 \
    "str %[a02], [%[u0], #" OFF2 "]\n\t"                                                 \
    "str %[a03], [%[u0], #" OFF3 "]\n\t"                                                 \
    "str %[a10], [%[u0], #" OFF4 "]\n\t"                                                 \
    "str %[a11], [%[u0], #" OFF5 "]\n\t"                                                 \
    "str %[a12], [%[u0], #" OFF6 "]\n\t"                                                 \
    "str %[a13], [%[u0], #" OFF7 "]\n\t"
/* the rounds of 8 channel pairs after the first 8 (half > 8); labels 1, 2
 * forward, 4, 5 backward */
#define WG_MORE(DIR8, L1, L2)                                                            \
    "ldr %[u0], %[turns0]\n\t"                                                           \
    "subs %[u0], %[u0], #1\n\t"                                                          \
    "beq " L2 "f\n\t"                                                                    \
    L1 ":\n\t"                                                                           \
    "str %[u0], %[turns]\n\t"                                                            \
    DIR8                                                                                 \
    "ldr %[u0], %[turns]\n\t"                                                            \
    "subs %[u0], %[u0], #1\n\t"                                                          \
    "bne " L1 "b\n\t"                                                                    \
    L2 ":\n\t"
/* the loop over position pairs; MORE_FWD, MORE_BWD: WG_MORE or nothing */
#define WG_PAIRS(MORE_FWD, MORE_BWD)                                                     \
    "3:\n\t"                                                                             \
    /* position q, forward */                                                            \
    WG_FWD("smuad", WG_NO_ACC)                                                           \
    WG_7(WG_FWD)                                                                         \
    MORE_FWD                                                                             \
    WG_STORE("0", "64", "128", "192", "256", "320", "384", "448")                        \
    "sub %[vp], %[vp], #120\n\t" /* to q + 1's last channel pair */                      \
    "sub %[up], %[up], #240\n\t"                                                         \
    /* position q + 1, backward */                                                       \
    WG_BWD("smuad", WG_NO_ACC)                                                           \
    WG_7(WG_BWD)                                                                         \
    MORE_BWD                                                                             \
    WG_STORE("4", "68", "132", "196", "260", "324", "388", "452")                        \
    "add %[u0], %[u0], #8\n\t"                                                           \
    "str %[u0], %[mp]\n\t"                                                               \
    "add %[vp], %[vp], #136\n\t" /* to q + 2's first channel pair */                     \
    "add %[up], %[up], #272\n\t"                                                         \
    "ldr %[u0], %[pairs]\n\t"                                                            \
    "subs %[u0], %[u0], #1\n\t"                                                          \
    "str %[u0], %[pairs]\n\t"                                                            \
    "bne 3b\n\t"
#define WG_OPERANDS                                                                      \
    : [a00] "=&r"(a00), [a01] "=&r"(a01), [a02] "=&r"(a02), [a03] "=&r"(a03),            \
      [a10] "=&r"(a10), [a11] "=&r"(a11), [a12] "=&r"(a12), [a13] "=&r"(a13),            \
      [v0] "=&r"(v0), [v1] "=&r"(v1), [u0] "=&r"(u0), [u1] "=&r"(u1), [vp] "+r"(vp),     \
      [up] "+r"(up), [mp] "+m"(st.m), [turns] "+m"(st.turns), [pairs] "+m"(st.pairs)    \
    : [turns0] "m"(st.turns0)                                                            \
    : "cc", "memory"
    /* Cin = 16 (half 8) goes without the round loop and its test */
    if (half == 8)
        __asm__ volatile(WG_PAIRS("", "") WG_OPERANDS);
    else
        __asm__ volatile(WG_PAIRS(WG_MORE(WG_FWD8, "1", "2"), WG_MORE(WG_BWD8, "4", "5"))
                             WG_OPERANDS);
#undef WG_ASM_PAIR
#undef WG_NO_ACC
#undef WG_ACC
#undef WG_FWD
#undef WG_BWD
#undef WG_7
#undef WG_FWD8
#undef WG_BWD8
#undef WG_STORE
#undef WG_MORE
#undef WG_PAIRS
#undef WG_OPERANDS
}
#endif

static inline void position_products_c(const uint32_t *vp, const uint32_t *up, int half,
                                        int32_t *m)
{
    int32_t a00 = 0, a01 = 0, a02 = 0, a03 = 0, a10 = 0, a11 = 0, a12 = 0, a13 = 0;
    for (int k = 0; k < half; k++) {
        uint32_t v0, v1, u0, u1;
        vp = kws_ldrd_step(vp, &v0, &v1, 32);
        up = kws_ldrd_post(up, &u0, &u1);
        a00 = kws_smlad(v0, u0, a00);
        a01 = kws_smlad(v0, u1, a01);
        a10 = kws_smlad(v1, u0, a10);
        a11 = kws_smlad(v1, u1, a11);
        up = kws_ldrd_step(up, &u0, &u1, 62);
        a02 = kws_smlad(v0, u0, a02);
        a03 = kws_smlad(v0, u1, a03);
        a12 = kws_smlad(v1, u0, a12);
        a13 = kws_smlad(v1, u1, a13);
    }
    m[0] = a00;
    m[16] = a01;
    m[32] = a02;
    m[48] = a03;
    m[64] = a10;
    m[80] = a11;
    m[96] = a12;
    m[112] = a13;
}

/* m[16 (4t + o) + q] for the 16 positions q: v (two tiles, 32 words per
 * channel pair), u (one output quad, 64 words per channel pair). */
KWS_NOINLINE
static void block_products(const uint32_t *v, const uint32_t *u, int half, int32_t *m)
{
#if KWS_M4_DSP && defined(__OPTIMIZE__)
    if ((half & 7) == 0) {
        block_products_asm(v, u, half, m);
        return;
    }
#endif
    for (int q = 0; q < 16; q++, m++)
        position_products_c(v + 2 * q, u + 4 * q, half, m);
}

/* ---- the outputs ------------------------------------------------------------ */

/* What the output stage needs per output channel, set once per chunk. */
typedef struct {
    int32_t b;      /* bias (4 b in a ReLU chunk: relu4_form) */
    kws_rq32 r;     /* the SMLAL requantization (when the chunk's fast;
                       round and sh times-4 form in a ReLU chunk) */
    kws_requant rq;
} wg_chan;

typedef char wg_chan_is_24_bytes[sizeof(wg_chan) == 24 ? 1 : -1];

typedef struct {
    int32_t lo, hi;   /* clamp bounds */
    int fast;         /* every channel of the chunk takes kws_rq32 */
    size_t row, col;  /* output bytes from one row / column to the next */
} wg_outs;

static inline int8_t finish(int32_t y4, const wg_chan *c, const wg_outs *k)
{
    const int32_t acc = c->b + (y4 >> 2); /* exact: y4 = 4 * the direct sum */
    if (!k->fast)
        return kws_requantize_s8(acc, c->rq, k->lo, k->hi);
    const int32_t y = kws_rq32_apply(acc, c->r.mult, c->r.round, c->r.sh);
    return (int8_t)(y < k->lo ? k->lo : y > k->hi ? k->hi : y);
}

/* A^T M A + b4: the 2x2 outputs times 4, y[2r + s], of the 4x4 products M
 * stored column by column, m[4j + i] = M[i][j], each plus b4. A^T M first,
 * column j at a time (four consecutive words): t_j = M0j + M1j + M2j and
 * u_j = M1j - M2j - M3j. M11 is the one product all four outputs take with
 * weight +1 (row 1 and column 1 of A^T are both (1, 1)), so b4 is added to
 * it once. */
KWS_ALWAYS_INLINE
static inline void output_transform(const int32_t *m, int32_t b4, int32_t y[4])
{
    const int32_t m11 = m[5] + b4;
    const int32_t t0 = m[0] + m[1] + m[2], u0 = m[1] - m[2] - m[3];
    const int32_t t1 = m[4] + m11 + m[6], u1 = m11 - m[6] - m[7];
    const int32_t t2 = m[8] + m[9] + m[10], u2 = m[9] - m[10] - m[11];
    const int32_t t3 = m[12] + m[13] + m[14], u3 = m[13] - m[14] - m[15];
    y[0] = t0 + t1 + t2;
    y[1] = t1 - t2 - t3;
    y[2] = u0 + u1 + u2;
    y[3] = u1 - u2 - u3;
}

KWS_ALWAYS_INLINE
static inline int8_t finish_fast(int32_t y4, int32_t b, int32_t mult, int32_t round, int32_t sh,
                                 int32_t lo, int32_t hi)
{
    int32_t r = kws_rq32_apply(b + (y4 >> 2), mult, round, sh); /* y4 = 4 * the sum: exact */
    r = r < lo ? lo : r;
    return (int8_t)(r > hi ? hi : r);
}

/* The ReLU chunks keep each channel's constants in the "times 4" form
 * (relu4_form): b4 = 4 b, round4 = 4 round, sh2 = sh + 2. Then the output
 * stage takes y4 + b4 = 4 acc as it comes: with X = round * 2^32 + acc * m,
 * SMMLA(4 acc, m, 4 round) >> (sh + 2) = floor(4X / 2^(34 + sh)) =
 * floor(X / 2^(32 + sh)), kws_rq32_relu's value for acc; no >> 2, one bias
 * add per channel and tile instead of four. The constants are read into
 * locals first: the byte stores may alias them. */

/* The common case: a tile inside the image, ReLU and the 32-bit
 * requantization (relu4 form): the four outputs of channels c[0 .. n-1]
 * (n <= 4, their products 16 words apart) at o, channel c[0]'s top-left
 * output. */
KWS_NOINLINE
static void output_quad_relu(const int32_t *m, const wg_chan *c, int n, size_t row, size_t col,
                             int8_t *o)
{
    for (int j = 0; j < n; j++, m += 16, c++, o++) {
        int32_t y[4];
        const int32_t mult = c->r.mult, round4 = c->r.round, sh2 = c->r.sh;
        output_transform(m, c->b, y);
        o[0] = (int8_t)kws_rq32_relu(y[0], mult, round4, sh2);
        o[col] = (int8_t)kws_rq32_relu(y[1], mult, round4, sh2);
        o[row] = (int8_t)kws_rq32_relu(y[2], mult, round4, sh2);
        o[row + col] = (int8_t)kws_rq32_relu(y[3], mult, round4, sh2);
    }
}

/* output_quad_relu for a tile the image's last row or column cuts (rows or
 * cols < 2): the outputs that lie inside. */
KWS_NOINLINE
static void output_quad_relu_cut(const int32_t *m, const wg_chan *c, int n, size_t row,
                                 size_t col, int8_t *o, int rows, int cols)
{
    for (int j = 0; j < n; j++, m += 16, c++, o++) {
        int32_t y[4];
        const int32_t mult = c->r.mult, round4 = c->r.round, sh2 = c->r.sh;
        output_transform(m, c->b, y);
        o[0] = (int8_t)kws_rq32_relu(y[0], mult, round4, sh2);
        if (cols > 1)
            o[col] = (int8_t)kws_rq32_relu(y[1], mult, round4, sh2);
        if (rows > 1)
            o[row] = (int8_t)kws_rq32_relu(y[2], mult, round4, sh2);
    }
}

/* The tile's outputs of channel c at o (its top left): all four when
 * rows, cols >= 2, else those inside the image. */
KWS_NOINLINE
static void output_tile(const int32_t *m, const wg_chan *c, const wg_outs *k, int8_t *o,
                        int rows, int cols)
{
    int32_t y[4];
    output_transform(m, 0, y);
    if (k->fast && rows > 1 && cols > 1) {
        /* the common case, the constants in registers */
        const int32_t b = c->b, mult = c->r.mult, round = c->r.round, sh = c->r.sh;
        const int32_t lo = k->lo, hi = k->hi;
        const size_t row = k->row, col = k->col;
        o[0] = finish_fast(y[0], b, mult, round, sh, lo, hi);
        o[col] = finish_fast(y[1], b, mult, round, sh, lo, hi);
        o[row] = finish_fast(y[2], b, mult, round, sh, lo, hi);
        o[row + col] = finish_fast(y[3], b, mult, round, sh, lo, hi);
        return;
    }
    for (int i = 0; i < 4; i++)
        if ((i >> 1) < rows && (i & 1) < cols)
            o[(i >> 1) * k->row + (i & 1) * k->col] = finish(y[i], c, k);
}

/* A ReLU chunk's constants to the times-4 form of output_quad_relu, when every
 * channel allows it: 4 acc must fit int32 (|sum| < 2^26 for Cin <= 256, so
 * |b| < 2^28), round4 = 2^(sh + 1) too (sh <= 29). 0 (and ch unchanged)
 * otherwise: the chunk takes the general output stage. */
static int relu4_form(wg_chan *ch, int nc)
{
    for (int o = 0; o < nc; o++)
        if (ch[o].r.sh > 29 || ch[o].b >= (1 << 28) || ch[o].b <= -(1 << 28))
            return 0;
    for (int o = 0; o < nc; o++) {
        ch[o].b *= 4;
        ch[o].r.round *= 4;
        ch[o].r.sh += 2;
    }
    return 1;
}

/* Both kernels: the weights as codes or bits. */
static kws_status winograd(void *scratch, size_t scratch_size, const kws_conv2d_dims *d,
                           const kws_requant_out *q, const int8_t *in, const wg_weights *weights,
                           const int32_t *bias, int8_t *out)
{
    if (!scratch || !d || !in || !(weights->codes || weights->bits) || !out ||
        ((uintptr_t)scratch & 7u) != 0)
        return KWS_ERR_ARG;
    if (!wg_supported(d))
        return KWS_ERR_ARG;
    kws_status st = kws_requant_out_check(q, d->out_c);
    if (st != KWS_OK)
        return st;
    const int chunk = kws_conv2d_s8_winograd_chunk(d, scratch_size);
    if (chunk < 4)
        return KWS_ERR_ARG;

    const int H = d->h, W = d->w, C = d->in_c, Co = d->out_c;
    const int TH = (H + 1) / 2, TW = (W + 1) / 2, n_tiles = TH * TW;
    uint32_t *v = (uint32_t *)scratch;                     /* 16 * C words */
    int8_t *pad = (int8_t *)(void *)(v + (size_t)16 * C);  /* 16 * C bytes */
    int32_t *m = (int32_t *)(void *)(pad + (size_t)16 * C); /* 128 */
    uint32_t *u = (uint32_t *)(void *)(m + 128);           /* chunk * 8 * C words */
    wg_chan *ch = (wg_chan *)(void *)(u + (size_t)chunk * 8 * C); /* chunk */
    wg_outs k;
    k.lo = q->act_min;
    k.hi = q->act_max;
    k.row = (size_t)W * Co;
    k.col = (size_t)Co;

    for (int oc = 0; oc < Co; oc += chunk) {
        const int nc = Co - oc < chunk ? Co - oc : chunk;
        transform_weights(weights, C, oc, nc, u);
        k.fast = 1;
        for (int o = 0; o < nc; o++) {
            ch[o].b = bias ? bias[oc + o] : 0;
            ch[o].rq = q->rq[oc + o];
            k.fast &= kws_rq32_init(ch[o].rq.multiplier, ch[o].rq.shift, &ch[o].r);
        }
        const int relu_fast = k.fast && k.lo == 0 && k.hi == 127 && relu4_form(ch, nc);
        for (int t = 0; t < n_tiles; t += 2) {
            /* two tiles: t and t + 1 in raster order (none past the last) */
            int ty[2], tx[2];
            for (int s = 0; s < 2; s++) {
                ty[s] = t + s < n_tiles ? (t + s) / TW : -1;
                tx[s] = t + s < n_tiles ? (t + s) % TW : 0;
                transform_tile(d, in, ty[s], tx[s], v + s, pad);
            }
            for (int o = 0; o < nc; o += 4) {
                block_products(v, u + (size_t)(o >> 2) * 32 * C, C / 2, m);
                const int n = nc - o < 4 ? nc - o : 4;
                for (int s = 0; s < 2 && ty[s] >= 0; s++) {
                    const int y = 2 * ty[s], x = 2 * tx[s];
                    int8_t *o_t = out + (size_t)y * k.row + (size_t)x * k.col + oc + o;
                    if (relu_fast && H - y > 1 && W - x > 1) {
                        output_quad_relu(m + 64 * s, &ch[o], n, k.row, k.col, o_t);
                        continue;
                    }
                    if (relu_fast) {
                        output_quad_relu_cut(m + 64 * s, &ch[o], n, k.row, k.col, o_t, H - y,
                                             W - x);
                        continue;
                    }
                    for (int j = 0; j < n; j++)
                        output_tile(m + 64 * s + 16 * j, &ch[o + j], &k, o_t + j, H - y, W - x);
                }
            }
        }
    }
    return KWS_OK;
}

kws_status kws_conv2d_s8_winograd(void *scratch, size_t scratch_size, const kws_conv2d_dims *d,
                                  const kws_requant_out *q, const int8_t *in,
                                  const int8_t *weight, const int32_t *bias, int8_t *out)
{
    const wg_weights w = {weight, NULL};
    return winograd(scratch, scratch_size, d, q, in, &w, bias, out);
}

kws_status kws_conv2d_binary_s8_winograd(void *scratch, size_t scratch_size,
                                         const kws_conv2d_dims *d, const kws_requant_out *q,
                                         const int8_t *in, const uint8_t *weight,
                                         const int32_t *bias, int8_t *out)
{
    const wg_weights w = {NULL, weight};
    return winograd(scratch, scratch_size, d, q, in, &w, bias, out);
}
