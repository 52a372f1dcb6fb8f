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
 * of 8), plus LDR x and EOR, here shared by two rows. USADA8 sums into 32
 * bits: no overflow for K <= 2^23. The last K % 32 inputs go bit by bit as
 * in the reference.
 */
#include "kws/runtime.h"

#include "simd_m4.h"

#define BIAS4 0x80808080u

/* pos (+ 512 per nibble) of inputs 32 blk .. 32 blk + 31 for two rows: w0,
 * w1 their weight words, x the inputs */
static inline void block2(const int8_t *x, uint32_t w0, uint32_t w1, uint32_t *s0, uint32_t *s1)
{
    uint32_t u;
    u = kws_read_u32(x) ^ BIAS4; /* nibble 0 is bits 3:0: rotate right by 16 */
    *s0 = kws_usada8(kws_sel_bits(kws_ror(w0, 16), u, BIAS4), 0, *s0);
    *s1 = kws_usada8(kws_sel_bits(kws_ror(w1, 16), u, BIAS4), 0, *s1);
    u = kws_read_u32(x + 4) ^ BIAS4;
    *s0 = kws_usada8(kws_sel_bits(kws_ror(w0, 20), u, BIAS4), 0, *s0);
    *s1 = kws_usada8(kws_sel_bits(kws_ror(w1, 20), u, BIAS4), 0, *s1);
    u = kws_read_u32(x + 8) ^ BIAS4;
    *s0 = kws_usada8(kws_sel_bits(kws_ror(w0, 24), u, BIAS4), 0, *s0);
    *s1 = kws_usada8(kws_sel_bits(kws_ror(w1, 24), u, BIAS4), 0, *s1);
    u = kws_read_u32(x + 12) ^ BIAS4;
    *s0 = kws_usada8(kws_sel_bits(kws_ror(w0, 28), u, BIAS4), 0, *s0);
    *s1 = kws_usada8(kws_sel_bits(kws_ror(w1, 28), u, BIAS4), 0, *s1);
    u = kws_read_u32(x + 16) ^ BIAS4; /* nibble 4 already sits in bits 19:16 */
    *s0 = kws_usada8(kws_sel_bits(w0, u, BIAS4), 0, *s0);
    *s1 = kws_usada8(kws_sel_bits(w1, u, BIAS4), 0, *s1);
    u = kws_read_u32(x + 20) ^ BIAS4;
    *s0 = kws_usada8(kws_sel_bits(kws_ror(w0, 4), u, BIAS4), 0, *s0);
    *s1 = kws_usada8(kws_sel_bits(kws_ror(w1, 4), u, BIAS4), 0, *s1);
    u = kws_read_u32(x + 24) ^ BIAS4;
    *s0 = kws_usada8(kws_sel_bits(kws_ror(w0, 8), u, BIAS4), 0, *s0);
    *s1 = kws_usada8(kws_sel_bits(kws_ror(w1, 8), u, BIAS4), 0, *s1);
    u = kws_read_u32(x + 28) ^ BIAS4;
    *s0 = kws_usada8(kws_sel_bits(kws_ror(w0, 12), u, BIAS4), 0, *s0);
    *s1 = kws_usada8(kws_sel_bits(kws_ror(w1, 12), u, BIAS4), 0, *s1);
}

/* pos + 512 per nibble over the first 32 * words inputs, rows w0 and w1
 * (s[0], s[1]); one function so the sums stay in registers. */
#if defined(__GNUC__)
__attribute__((noinline))
#endif
static void pos2(const int8_t *x, const uint8_t *w0, const uint8_t *w1, int words, uint32_t *s)
{
    uint32_t s0 = 0, s1 = 0;
    for (const uint8_t *end = w0 + 4 * (size_t)words; w0 != end; w0 += 4, w1 += 4, x += 32)
        block2(x, kws_read_u32(w0), kws_read_u32(w1), &s0, &s1);
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

    /* sum_k x_k, shared by every output: with u = x + 128 as above */
    uint32_t usum = 0;
    int k = 0;
    for (; k + 4 <= K; k += 4)
        usum = kws_usada8(kws_read_u32(in + k) ^ BIAS4, 0, usum);
    int32_t sum = (int32_t)usum - 128 * k;
    for (; k < K; k++)
        sum += in[k];

    int n = 0;
    for (; n + 2 <= N; n += 2) {
        const uint8_t *w0 = weight + (size_t)n * row, *w1 = w0 + row;
        uint32_t s[2];
        pos2(in, w0, w1, words, s);
        const int32_t p0 = (int32_t)s[0] - offset + tail_pos(in, w0, 32 * words, K);
        const int32_t p1 = (int32_t)s[1] - offset + tail_pos(in, w1, 32 * words, K);
        out[n] = kws_requantize_s8(2 * p0 - sum + (bias ? bias[n] : 0), q->rq[n], q->act_min,
                                   q->act_max);
        out[n + 1] = kws_requantize_s8(2 * p1 - sum + (bias ? bias[n + 1] : 0), q->rq[n + 1],
                                       q->act_min, q->act_max);
    }
    if (n < N) { /* an odd last row: paired with itself */
        const uint8_t *w0 = weight + (size_t)n * row;
        uint32_t s[2];
        pos2(in, w0, w0, words, s);
        const int32_t p0 = (int32_t)s[0] - offset + tail_pos(in, w0, 32 * words, K);
        out[n] = kws_requantize_s8(2 * p0 - sum + (bias ? bias[n] : 0), q->rq[n], q->act_min,
                                   q->act_max);
    }
    return KWS_OK;
}
