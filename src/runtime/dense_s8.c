/* dense_s8.c - reference fully connected layer, int8 weights (N, K),
 * int32 accumulation, per-output requantization with fused clamp.
 */
#include "kws/runtime.h"

kws_status kws_dense_s8(const kws_dense_dims *d, const kws_requant_out *q, const int8_t *in,
                        const int8_t *weight, const int32_t *bias, int8_t *out)
{
    if (!d || !in || !weight || !out || d->in <= 0 || d->out <= 0) return KWS_ERR_ARG;
    kws_status st = kws_requant_out_check(q, d->out);
    if (st != KWS_OK) return st;
    const int K = d->in;
    for (int n = 0; n < d->out; n++) {
        const int8_t *w = weight + (size_t)n * K;
        int32_t acc = bias ? bias[n] : 0;
        for (int k = 0; k < K; k++) acc += (int32_t)in[k] * w[k];
        out[n] = kws_requantize_s8(acc, q->rq[n], q->act_min, q->act_max);
    }
    return KWS_OK;
}
