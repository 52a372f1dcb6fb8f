/* channel_affine_s8.c - per-channel integer affine map, the batch norm of
 * the paper's conv -> ReLU -> [pool] -> bn order:
 *
 *   y = gamma * (x - mean) / sqrt(var + eps) + beta = a_c * x + d_c
 *   q_y = rhaz((q_x * m_c + b_c) * M_c),  M_c = s_x * s_m[c] / s_y
 *
 * with m_c = a_c / s_m[c] an int16 and b_c = round(d_c / (s_x * s_m[c])),
 * chosen by the exporter (docs/quantization.md). Works in place.
 */
#include "kws/runtime.h"

kws_status kws_channel_affine_s8(const kws_requant_out *q, int count, int c, const int8_t *in,
                                 const int16_t *m, const int32_t *b, int8_t *out)
{
    if (!in || !m || !out || count <= 0 || c <= 0) return KWS_ERR_ARG;
    kws_status st = kws_requant_out_check(q, c);
    if (st != KWS_OK) return st;
    const int lo = q->act_min, hi = q->act_max;
    for (int n = 0; n < count; n++) {
        const int8_t *x = in + (size_t)n * c;
        int8_t *y = out + (size_t)n * c;
        for (int k = 0; k < c; k++) {
            int32_t acc = (int32_t)x[k] * m[k] + (b ? b[k] : 0);
            y[k] = kws_requantize_s8(acc, q->rq[k], lo, hi);
        }
    }
    return KWS_OK;
}
