/* dense_s8_fast.c - kws_dense_s8 with SMLAD: same arguments, bit-identical
 * output.
 *
 * Four output rows at a time share each input word:
 *
 *   LDR x; SXTB16 xa = (x0, x2); SXTB16 ror 8 xb = (x1, x3)
 *   per row: LDR w; SXTB16 w; SXTB16 ror 8 w; SMLAD; SMLAD
 *
 * = 23 instructions for 16 MACs. Every weight is used once, so it must be
 * sign-extended once (3 instructions per 4 weights): a dense layer cannot
 * reach the conv's ratio. K % 4 leftovers and N % 4 leftover rows go one
 * at a time; the requantization is kws_requantize's (N values only).
 */
#include "kws/runtime.h"

#include "simd_m4.h"

static inline int32_t mac4(uint32_t xa, uint32_t xb, uint32_t w, int32_t acc)
{
    return kws_smlad(xb, kws_sxtb16_ror8(w), kws_smlad(xa, kws_sxtb16(w), acc));
}

kws_status kws_dense_s8_fast(const kws_dense_dims *d, const kws_requant_out *q, const int8_t *in,
                             const int8_t *weight, const int32_t *bias, int8_t *out)
{
    if (!d || !in || !weight || !out || d->in <= 0 || d->out <= 0)
        return KWS_ERR_ARG;
    kws_status st = kws_requant_out_check(q, d->out);
    if (st != KWS_OK)
        return st;
    const int K = d->in, N = d->out, K4 = K & ~3;
    const int lo = q->act_min, hi = q->act_max;
    int n = 0;
    for (; n + 4 <= N; n += 4) {
        const int8_t *w0 = weight + (size_t)n * K, *w1 = w0 + K, *w2 = w1 + K, *w3 = w2 + K;
        int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
        if (bias) {
            a0 = bias[n];
            a1 = bias[n + 1];
            a2 = bias[n + 2];
            a3 = bias[n + 3];
        }
        /* one moving pointer per operand; rows 1..3 at register offsets */
        const int8_t *xp = in, *wp = w0;
        const size_t K2 = 2 * (size_t)K, K3 = 3 * (size_t)K;
        for (const int8_t *xe = in + K4; xp != xe; xp += 4, wp += 4) {
            const uint32_t x = kws_read_u32(xp);
            const uint32_t xa = kws_sxtb16(x), xb = kws_sxtb16_ror8(x);
            a0 = mac4(xa, xb, kws_read_u32(wp), a0);
            a1 = mac4(xa, xb, kws_read_u32(wp + K), a1);
            a2 = mac4(xa, xb, kws_read_u32(wp + K2), a2);
            a3 = mac4(xa, xb, kws_read_u32(wp + K3), a3);
        }
        int k = K4;
        for (; k < K; k++) {
            const int32_t x = in[k];
            a0 += x * w0[k];
            a1 += x * w1[k];
            a2 += x * w2[k];
            a3 += x * w3[k];
        }
        out[n] = kws_requantize_s8(a0, q->rq[n], lo, hi);
        out[n + 1] = kws_requantize_s8(a1, q->rq[n + 1], lo, hi);
        out[n + 2] = kws_requantize_s8(a2, q->rq[n + 2], lo, hi);
        out[n + 3] = kws_requantize_s8(a3, q->rq[n + 3], lo, hi);
    }
    for (; n < N; n++) {
        const int8_t *w = weight + (size_t)n * K;
        int32_t a = bias ? bias[n] : 0;
        int k = 0;
        for (; k < K4; k += 4) {
            const uint32_t x = kws_read_u32(in + k);
            a = mac4(kws_sxtb16(x), kws_sxtb16_ror8(x), kws_read_u32(w + k), a);
        }
        for (; k < K; k++)
            a += (int32_t)in[k] * w[k];
        out[n] = kws_requantize_s8(a, q->rq[n], lo, hi);
    }
    return KWS_OK;
}
