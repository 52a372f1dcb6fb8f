/* channel_affine_s8_fast.c - kws_channel_affine_s8 without its 64-bit
 * requantization per element: same arguments, bit-identical output (also in
 * place).
 *
 * Two ways, by size:
 *
 * 1. Many positions (count >= TABLE_MIN): per channel, the output is a
 *    function of the int8 input alone, so the kernel tabulates it - 256
 *    requantizations into a 256-byte table on the stack, indexed by the
 *    input byte - and then maps the channel's count inputs through it:
 *    LDRB, LDRB from the table, STRB, pointer steps. 2090 positions (the
 *    paper's first batch norm) cost 256 requantizations instead of 2090.
 *    The table is built four entries a word (table_rq32). From 256
 *    positions on (the paper's 19 x 27 maps) it beats path 2 on the M4
 *    (bench/device/bench_m4_models.sh, m4_cycles --by-function).
 *
 * 2. Otherwise channels go in blocks of up to 16; per block, each channel's
 *    constants are laid out once on the stack as three word pairs
 *
 *      {m_c, b_c}, {multiplier, round}, {sh, 0}     (kws_rq32, simd_m4.h)
 *
 *    so an element costs LDRSB x, 3 LDRD, MLA, the 4-instruction SMLAL
 *    requantization and its share of USAT/SSAT + BFI + one STR per 4
 *    channels. C not a multiple of 4, or a multiplier outside the 32-bit
 *    path (shift >= -1, or M = 0): the reference kernel.
 */
#include "kws/runtime.h"

#include "simd_m4.h"

enum { BLOCK = 16, REC = 6 }; /* channels per block, words per channel */
enum { TABLE_MIN = 256 };     /* positions from which a channel's table pays */

/* t[(uint8_t)x] = clamp(rq32(x * mk + bk)) for all 256 x, four entries a
 * word: SSAT each, then the bounds per byte (SSUB8 + SEL), one STR. */
static void table_rq32(int8_t *t, int32_t mk, int32_t bk, const kws_rq32 *r, int32_t lo,
                       int32_t hi)
{
    const uint32_t lo4 = ((uint32_t)lo & 0xFFu) * 0x01010101u;
    const uint32_t hi4 = ((uint32_t)hi & 0xFFu) * 0x01010101u;
    const int32_t mult = r->mult, round = r->round, sh = r->sh;
    for (int x = -128; x < 128; x += 4) {
        const int32_t a = x * mk + bk;
        const int32_t y0 = kws_rq32_apply(a, mult, round, sh);
        const int32_t y1 = kws_rq32_apply(a + mk, mult, round, sh);
        const int32_t y2 = kws_rq32_apply(a + 2 * mk, mult, round, sh);
        const int32_t y3 = kws_rq32_apply(a + 3 * mk, mult, round, sh);
        const uint32_t p = kws_pack_s8x4(kws_ssat8(y0), kws_ssat8(y1), kws_ssat8(y2),
                                         kws_ssat8(y3));
        kws_write_u32(t + (uint8_t)x, kws_min_s8x4(kws_max_s8x4(p, lo4), hi4));
    }
}

/* Path 1: channel by channel through a 256-entry table of its outputs. */
static void by_table(const kws_requant_out *q, int count, int c, const int8_t *in,
                     const int16_t *m, const int32_t *b, int8_t *out)
{
    int8_t t[256]; /* t[(uint8_t)x] = the output for input x */
    const int32_t lo = q->act_min, hi = q->act_max; /* locals: the byte stores may alias q */
    for (int k = 0; k < c; k++) {
        const int32_t mk = m[k], bk = b ? b[k] : 0;
        kws_rq32 r;
        if (kws_rq32_init(q->rq[k].multiplier, q->rq[k].shift, &r)) {
            table_rq32(t, mk, bk, &r, lo, hi);
        } else {
            for (int x = -128; x < 128; x++)
                t[(uint8_t)x] = kws_requantize_s8(x * mk + bk, q->rq[k], q->act_min,
                                                  q->act_max);
        }
        const uint8_t *src = (const uint8_t *)in + k;
        int8_t *dst = out + k;
        int n = count;
        for (; n >= 4; n -= 4, src += 4 * (size_t)c, dst += 4 * (size_t)c) {
            const uint8_t x0 = src[0], x1 = src[c], x2 = src[2 * c], x3 = src[3 * c];
            dst[0] = t[x0];
            dst[c] = t[x1];
            dst[2 * c] = t[x2];
            dst[3 * c] = t[x3];
        }
        for (; n > 0; n--, src += c, dst += c)
            *dst = t[*src];
    }
}

static inline int32_t one(const int8_t *x, const uint32_t **r)
{
    uint32_t m, b, mult, round, sh, pad;
    *r = kws_ldrd_post(*r, &m, &b);
    *r = kws_ldrd_post(*r, &mult, &round);
    *r = kws_ldrd_post(*r, &sh, &pad);
    (void)pad;
    const int32_t acc = (int32_t)*x * (int32_t)m + (int32_t)b;
    return kws_rq32_apply(acc, (int32_t)mult, (int32_t)round, (int32_t)sh);
}

/* Channels [0, nb) of a block at every position, ReLU bounds [0, 127]: USAT. */
static void block_relu(const uint32_t *rec, int nb, int count, int c, const int8_t *in,
                       int8_t *out)
{
    for (int n = 0; n < count; n++) {
        const int8_t *x = in + (size_t)n * c;
        int8_t *y = out + (size_t)n * c;
        const uint32_t *p = rec;
        for (int k = 0; k < nb; k += 4) {
            const int32_t y0 = one(x + k, &p), y1 = one(x + k + 1, &p);
            const int32_t y2 = one(x + k + 2, &p), y3 = one(x + k + 3, &p);
            kws_write_u32(y + k, kws_pack_s8x4(kws_usat7(y0), kws_usat7(y1), kws_usat7(y2),
                                               kws_usat7(y3)));
        }
    }
}

/* The same for any bounds: SSAT to int8, then per-byte max/min (lo4, hi4:
 * the bounds in every byte). */
static void block_clamp(const uint32_t *rec, int nb, int count, int c, const int8_t *in,
                        int8_t *out, uint32_t lo4, uint32_t hi4)
{
    for (int n = 0; n < count; n++) {
        const int8_t *x = in + (size_t)n * c;
        int8_t *y = out + (size_t)n * c;
        const uint32_t *p = rec;
        for (int k = 0; k < nb; k += 4) {
            const int32_t y0 = one(x + k, &p), y1 = one(x + k + 1, &p);
            const int32_t y2 = one(x + k + 2, &p), y3 = one(x + k + 3, &p);
            const uint32_t v = kws_pack_s8x4(kws_ssat8(y0), kws_ssat8(y1), kws_ssat8(y2),
                                             kws_ssat8(y3));
            kws_write_u32(y + k, kws_min_s8x4(kws_max_s8x4(v, lo4), hi4));
        }
    }
}

kws_status kws_channel_affine_s8_fast(const kws_requant_out *q, int count, int c,
                                      const int8_t *in, const int16_t *m, const int32_t *b,
                                      int8_t *out)
{
    if (!in || !m || !out || count <= 0 || c <= 0)
        return KWS_ERR_ARG;
    kws_status st = kws_requant_out_check(q, c);
    if (st != KWS_OK)
        return st;
    if (count >= TABLE_MIN) {
        by_table(q, count, c, in, m, b, out);
        return KWS_OK;
    }
    if (c & 3)
        return kws_channel_affine_s8(q, count, c, in, m, b, out);
    kws_rq32 r;
    for (int k = 0; k < c; k++)
        if (!kws_rq32_init(q->rq[k].multiplier, q->rq[k].shift, &r))
            return kws_channel_affine_s8(q, count, c, in, m, b, out);

    const int lo = q->act_min, hi = q->act_max;
    const int relu = lo == 0 && hi == 127;
    const uint32_t lo4 = ((uint32_t)lo & 0xFFu) * 0x01010101u;
    const uint32_t hi4 = ((uint32_t)hi & 0xFFu) * 0x01010101u;
    uint64_t store[BLOCK * REC / 2]; /* 8-byte aligned for LDRD */
    uint32_t *rec = (uint32_t *)(void *)store;

    for (int cb = 0; cb < c; cb += BLOCK) {
        const int nb = c - cb < BLOCK ? c - cb : BLOCK;
        for (int k = 0; k < nb; k++) {
            uint32_t *p = rec + REC * k;
            kws_rq32_init(q->rq[cb + k].multiplier, q->rq[cb + k].shift, &r);
            p[0] = (uint32_t)(int32_t)m[cb + k];
            p[1] = (uint32_t)(b ? b[cb + k] : 0);
            p[2] = (uint32_t)r.mult;
            p[3] = (uint32_t)r.round;
            p[4] = (uint32_t)r.sh;
            p[5] = 0;
        }
        if (relu)
            block_relu(rec, nb, count, c, in + cb, out + cb);
        else
            block_clamp(rec, nb, count, c, in + cb, out + cb, lo4, hi4);
    }
    return KWS_OK;
}
