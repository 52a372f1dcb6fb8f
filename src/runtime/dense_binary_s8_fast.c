/* dense_binary_s8_fast.c - kws_dense_binary_s8 without a branch, a table or
 * a multiply per weight: same arguments, bit-identical output.
 *
 * The reference computes acc = 2 * pos - sum, pos = sum of the inputs under
 * set bits. Here pos comes four inputs at a time, straight from the packed
 * bits. Bits 4i .. 4i+3 of a row's 32-bit word w belong to inputs 4i ..
 * 4i+3 (LSB first), and the GE flags are 4 bits as well:
 *
 *   ROR g, w, #(4i - 16)        the nibble into bits 19:16
 *   MSR APSR_g, g               ... into GE[3:0]
 *   SEL s, u, 0x80808080        byte j: u_j where bit 4i+j is set, else 0x80
 *   USADA8 acc, s, 0, acc       acc += the 4 bytes of s, unsigned
 *
 * with u = x ^ 0x80808080, the inputs biased to unsigned (x + 128). A
 * selected byte adds x + 128, an unselected one 128, so the 4 bytes add
 * (sum of the selected x) + 512 whatever the bits: pos = acc - 512 per
 * nibble. 4 instructions per 4 inputs of a row (ROR is free for one nibble
 * of 8), plus LDR x and EOR, here shared by two rows. When no input is
 * negative (a ReLU's output: the usual case) the bias is left out - SEL
 * picks x_j or 0 and USADA8 adds x_j as it is, pos without an offset - and
 * the EOR with it. USADA8 sums into 32
 * bits: no overflow for K <= 2^23. The last K % 32 inputs go bit by bit as
 * in the reference.
 */
#include "kws/runtime.h"

#include "simd_m4.h"

#define BIAS4 0x80808080u

/* pos (+ 512 per nibble, or + 0 with nonneg) of inputs 32 blk .. 32 blk +
 * 31 for two rows: w0, w1 their weight words, x the inputs. nonneg: every
 * input is >= 0 (a ReLU's output), so the bytes need no bias: SEL picks
 * x_j or 0 and USADA8 adds them as they are - one EOR less per word. */
#if defined(__GNUC__)
#define KWS_ALWAYS_INLINE __attribute__((always_inline))
#else
#define KWS_ALWAYS_INLINE
#endif

KWS_ALWAYS_INLINE
static inline void nibble2(const int8_t *x, uint32_t g0, uint32_t g1, uint32_t *s0,
                           uint32_t *s1, uint32_t bias)
{
    const uint32_t u = kws_read_u32(x) ^ bias;
    *s0 = kws_usada8(kws_sel_bits(g0, u, bias), 0, *s0);
    *s1 = kws_usada8(kws_sel_bits(g1, u, bias), 0, *s1);
}

/* always inlined: two copies (pos2, pos2_nonneg) must each keep the sums
 * in registers */
KWS_ALWAYS_INLINE
static inline void block2(const int8_t *x, uint32_t w0, uint32_t w1, uint32_t *s0, uint32_t *s1,
                          int nonneg)
{
    const uint32_t b = nonneg ? 0 : BIAS4;
    /* nibble 0 is bits 3:0: rotate right by 16; nibble 4 already sits in bits 19:16 */
    nibble2(x, kws_ror(w0, 16), kws_ror(w1, 16), s0, s1, b);
    nibble2(x + 4, kws_ror(w0, 20), kws_ror(w1, 20), s0, s1, b);
    nibble2(x + 8, kws_ror(w0, 24), kws_ror(w1, 24), s0, s1, b);
    nibble2(x + 12, kws_ror(w0, 28), kws_ror(w1, 28), s0, s1, b);
    nibble2(x + 16, w0, w1, s0, s1, b);
    nibble2(x + 20, kws_ror(w0, 4), kws_ror(w1, 4), s0, s1, b);
    nibble2(x + 24, kws_ror(w0, 8), kws_ror(w1, 8), s0, s1, b);
    nibble2(x + 28, kws_ror(w0, 12), kws_ror(w1, 12), s0, s1, b);
}

/* pos (+ 512 per nibble unless nonneg) over the first 32 * words inputs,
 * rows w0 and w1 (s[0], s[1]); one function so the sums stay in
 * registers, one copy per case so the bias is a constant. */
#if defined(__GNUC__)
__attribute__((noinline))
#endif
static void pos2(const int8_t *x, const uint8_t *w0, const uint8_t *w1, int words, uint32_t *s)
{
    uint32_t s0 = 0, s1 = 0;
    for (const uint8_t *end = w0 + 4 * (size_t)words; w0 != end; w0 += 4, w1 += 4, x += 32)
        block2(x, kws_read_u32(w0), kws_read_u32(w1), &s0, &s1, 0);
    s[0] = s0;
    s[1] = s1;
}

#if defined(__GNUC__)
__attribute__((noinline))
#endif
static void pos2_nonneg(const int8_t *x, const uint8_t *w0, const uint8_t *w1, int words,
                        uint32_t *s)
{
    uint32_t s0 = 0, s1 = 0;
    for (const uint8_t *end = w0 + 4 * (size_t)words; w0 != end; w0 += 4, w1 += 4, x += 32)
        block2(x, kws_read_u32(w0), kws_read_u32(w1), &s0, &s1, 1);
    s[0] = s0;
    s[1] = s1;
}

/* The inputs of the last K % 32 under set bits of row w (bit by bit). */
static int32_t tail_pos(const int8_t *in, const uint8_t *w, int from, int K)
{
    int32_t pos = 0;
    for (int j = from; j < K; j++)
        pos += (int32_t)in[j] & -(int32_t)((w[j >> 3] >> (j & 7)) & 1u);
    return pos;
}

kws_status kws_dense_binary_s8_fast(const kws_dense_dims *d, const kws_requant_out *q,
                                    const int8_t *in, const uint8_t *weight,
                                    const int32_t *bias, int8_t *out)
{
    if (!d || !in || !weight || !out || d->in <= 0 || d->in > (1 << 23) || d->out <= 0)
        return KWS_ERR_ARG;
    kws_status st = kws_requant_out_check(q, d->out);
    if (st != KWS_OK)
        return st;
    const int K = d->in, N = d->out, words = K / 32;
    const size_t row = kws_binary_row_bytes(K);
    const int32_t offset = 512 * 8 * words; /* the 128s of the unselected and selected */

    /* sum_k x_k, shared by every output: with u = x + 128 as above; and
     * whether any input is negative (a sign bit in any byte) */
    uint32_t usum = 0, signs = 0;
    int k = 0;
    for (; k + 4 <= K; k += 4) {
        const uint32_t v = kws_read_u32(in + k);
        signs |= v;
        usum = kws_usada8(v ^ BIAS4, 0, usum);
    }
    int32_t sum = (int32_t)usum - 128 * k;
    for (; k < K; k++)
        sum += in[k];
    const int nonneg = (signs & BIAS4) == 0; /* the whole-word part; the tail is bit by bit */
    const int32_t off = nonneg ? 0 : offset;

    int n = 0;
    for (; n + 2 <= N; n += 2) {
        const uint8_t *w0 = weight + (size_t)n * row, *w1 = w0 + row;
        uint32_t s[2];
        if (nonneg) /* direct calls: the stack bound (-fcallgraph-info) takes no pointers */
            pos2_nonneg(in, w0, w1, words, s);
        else
            pos2(in, w0, w1, words, s);
        const int32_t p0 = (int32_t)s[0] - off + tail_pos(in, w0, 32 * words, K);
        const int32_t p1 = (int32_t)s[1] - off + tail_pos(in, w1, 32 * words, K);
        out[n] = kws_requantize_s8(2 * p0 - sum + (bias ? bias[n] : 0), q->rq[n], q->act_min,
                                   q->act_max);
        out[n + 1] = kws_requantize_s8(2 * p1 - sum + (bias ? bias[n + 1] : 0), q->rq[n + 1],
                                       q->act_min, q->act_max);
    }
    if (n < N) { /* an odd last row: paired with itself */
        const uint8_t *w0 = weight + (size_t)n * row;
        uint32_t s[2];
        if (nonneg)
            pos2_nonneg(in, w0, w0, words, s);
        else
            pos2(in, w0, w0, words, s);
        const int32_t p0 = (int32_t)s[0] - off + tail_pos(in, w0, 32 * words, K);
        out[n] = kws_requantize_s8(2 * p0 - sum + (bias ? bias[n] : 0), q->rq[n], q->act_min,
                                   q->act_max);
    }
    return KWS_OK;
}
