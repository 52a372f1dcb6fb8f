/* conv2d_s8.c - reference int8 convolution: k x k, stride 1, 'same' zero
 * padding (or none along W: valid_w), channels last, int32 accumulation,
 * per-output-channel requantization with the activation (ReLU) fused into
 * the clamp.
 *
 * Plain C, the definition an optimized kernel must match bit for bit.
 * Zero points are 0, so padding contributes nothing and is skipped.
 */
#include "kws/runtime.h"

size_t kws_conv2d_s8_scratch_size(const kws_conv2d_dims *d)
{
    (void)d;
    return 0;
}

kws_status kws_conv2d_s8(void *scratch, const kws_conv2d_dims *d, const kws_requant_out *q,
                         const int8_t *in, const int8_t *weight, const int32_t *bias,
                         int8_t *out)
{
    (void)scratch;
    if (!d || !in || !weight || !out) return KWS_ERR_ARG;
    if (d->h <= 0 || d->w <= 0 || d->in_c <= 0 || d->out_c <= 0 || d->kernel <= 0 ||
        d->kernel > 15 || (d->kernel & 1) == 0)
        return KWS_ERR_ARG;
    kws_status st = kws_requant_out_check(q, d->out_c);
    if (st != KWS_OK) return st;

    if (d->valid_w && d->w < d->kernel) return KWS_ERR_ARG;

    const int H = d->h, W = d->w, C = d->in_c, K = d->kernel, P = (d->kernel - 1) / 2;
    /* valid_w: output column x is the 'same' column x + P, whose taps all lie inside */
    const int PW = d->valid_w ? 0 : P, WO = d->valid_w ? W - (K - 1) : W;
    const int lo = q->act_min, hi = q->act_max;
    for (int y = 0; y < H; y++) {
        /* rows of the kernel that fall inside the image */
        const int i0 = y - P < 0 ? P - y : 0;
        const int i1 = y - P + K > H ? H - y + P : K;
        for (int x = 0; x < WO; x++) {
            const int j0 = x - PW < 0 ? PW - x : 0;
            const int j1 = x - PW + K > W ? W - x + PW : K;
            int8_t *o_px = out + ((size_t)y * WO + x) * d->out_c;
            for (int o = 0; o < d->out_c; o++) {
                const int8_t *w_o = weight + (size_t)o * K * K * C;
                int32_t acc = bias ? bias[o] : 0;
                for (int i = i0; i < i1; i++) {
                    const int8_t *in_row = in + ((size_t)(y + i - P) * W) * C;
                    for (int j = j0; j < j1; j++) {
                        const int8_t *a = in_row + (size_t)(x + j - PW) * C;
                        const int8_t *b = w_o + ((size_t)i * K + j) * C;
                        for (int c = 0; c < C; c++) acc += (int32_t)a[c] * b[c];
                    }
                }
                o_px[o] = kws_requantize_s8(acc, q->rq[o], lo, hi);
            }
        }
    }
    return KWS_OK;
}
