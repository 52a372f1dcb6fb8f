/* dense_binary.c - fully connected layers with +-1 weights packed 1 bit
 * each (8 per byte, LSB first, rows padded to whole bytes; 1 = +1):
 *
 *   kws_dense_binary_s8  int8 input: sum_k (bit ? x_k : -x_k)
 *                        = 2 * sum_{bit set} x_k - sum_k x_k
 *   kws_dense_binary_b1  packed +-1 input: K - 2 * popcount(x XOR w)
 *   kws_sign_pack_s8     int8 -> packed signs against per-channel thresholds
 *
 * The per-channel scale alpha_n (mean |w_n|) is not applied here: it is part
 * of the requantization multiplier M_n = s_x * alpha_n / s_y.
 */
#include "kws/runtime.h"

size_t kws_binary_row_bytes(int k)
{
    return k > 0 ? ((size_t)k + 7) / 8 : 0;
}

size_t kws_binary_weight_bytes(int k, int n)
{
    return n > 0 ? kws_binary_row_bytes(k) * (size_t)n : 0;
}

kws_status kws_dense_binary_s8(const kws_dense_dims *d, const kws_requant_out *q,
                               const int8_t *in, const uint8_t *weight, const int32_t *bias,
                               int8_t *out)
{
    if (!d || !in || !weight || !out || d->in <= 0 || d->in > (1 << 23) || d->out <= 0)
        return KWS_ERR_ARG;
    kws_status st = kws_requant_out_check(q, d->out);
    if (st != KWS_OK) return st;
    const int K = d->in, full = K / 8, tail = K % 8;
    const size_t row = kws_binary_row_bytes(K);

    int32_t sum = 0; /* sum_k x_k, shared by every output */
    for (int k = 0; k < K; k++) sum += in[k];

    for (int n = 0; n < d->out; n++) {
        const uint8_t *w = weight + (size_t)n * row;
        int32_t pos = 0; /* sum of x_k where the weight is +1 */
        const int8_t *x = in;
        for (int byte = 0; byte < full; byte++, x += 8) {
            const uint32_t bits = w[byte];
            for (int b = 0; b < 8; b++)
                pos += (int32_t)x[b] & -(int32_t)((bits >> b) & 1u);
        }
        for (int b = 0; b < tail; b++)
            pos += (int32_t)x[b] & -(int32_t)(((uint32_t)w[full] >> b) & 1u);
        int32_t acc = 2 * pos - sum + (bias ? bias[n] : 0);
        out[n] = kws_requantize_s8(acc, q->rq[n], q->act_min, q->act_max);
    }
    return KWS_OK;
}

static uint32_t popcount32(uint32_t v)
{
    v = v - ((v >> 1) & 0x55555555u);
    v = (v & 0x33333333u) + ((v >> 2) & 0x33333333u);
    v = (v + (v >> 4)) & 0x0F0F0F0Fu;
    return (v * 0x01010101u) >> 24;
}

kws_status kws_dense_binary_b1(const kws_dense_dims *d, const kws_requant_out *q,
                               const uint8_t *in, const uint8_t *weight, const int32_t *bias,
                               int8_t *out)
{
    if (!d || !in || !weight || !out || d->in <= 0 || d->in > (1 << 28) || d->out <= 0)
        return KWS_ERR_ARG;
    kws_status st = kws_requant_out_check(q, d->out);
    if (st != KWS_OK) return st;
    const int K = d->in, full = K / 8, tail = K % 8;
    const size_t row = kws_binary_row_bytes(K);
    const int words = full / 4;

    for (int n = 0; n < d->out; n++) {
        const uint8_t *w = weight + (size_t)n * row;
        uint32_t diff = 0; /* positions where input and weight signs differ */
        int byte = 0;
        for (int i = 0; i < words; i++, byte += 4) {
            /* byte-wise loads: rows need not be 4-byte aligned */
            uint32_t a = (uint32_t)in[byte] | (uint32_t)in[byte + 1] << 8 |
                         (uint32_t)in[byte + 2] << 16 | (uint32_t)in[byte + 3] << 24;
            uint32_t b = (uint32_t)w[byte] | (uint32_t)w[byte + 1] << 8 |
                         (uint32_t)w[byte + 2] << 16 | (uint32_t)w[byte + 3] << 24;
            diff += popcount32(a ^ b);
        }
        for (; byte < full; byte++) diff += popcount32((uint32_t)(in[byte] ^ w[byte]));
        if (tail) diff += popcount32((uint32_t)(in[full] ^ w[full]) & ((1u << tail) - 1u));
        int32_t acc = K - 2 * (int32_t)diff + (bias ? bias[n] : 0);
        out[n] = kws_requantize_s8(acc, q->rq[n], q->act_min, q->act_max);
    }
    return KWS_OK;
}

kws_status kws_sign_pack_s8(int count, int c, const int8_t *in, const int16_t *threshold,
                            uint8_t *out)
{
    if (!in || !out || count <= 0 || c <= 0) return KWS_ERR_ARG;
    size_t k = 0;
    for (int n = 0; n < count; n++) {
        for (int ch = 0; ch < c; ch++, k++) {
            const int16_t t = threshold ? threshold[ch] : 0;
            if (k % 8 == 0) out[k / 8] = 0;
            if (in[k] >= t) out[k / 8] |= (uint8_t)(1u << (k % 8));
        }
    }
    return KWS_OK;
}
