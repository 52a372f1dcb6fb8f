/* maxpool.c - 2x2 max pooling, stride 2, float32, forward and backward;
 * and 2x1 (over H only: frequency, for networks that stream along W).
 *
 * Output (H/2, W/2), rounding down: an odd last row or column of the input is
 * dropped (Keras 'valid' / PyTorch default). Forward records, per output,
 * the index of the winning input inside its plane (y*W + x); the first of
 * equal values in scan order (row 0 left, right, then row 1) wins, as in
 * PyTorch. Backward routes each output gradient to that input.
 */
#include <string.h>
#include "kws/nn.h"
#include "nn_internal.h"

void kws_maxpool2x2_forward_f32(float *out, int32_t *argmax, const float *in,
                                int B, int C, int H, int W)
{
    const int Ho = H / 2, Wo = W / 2;
    const size_t planes = (size_t)B * C;
    KWS_OMP_FOR(planes * H * W >= KWS_OMP_MIN_WORK)
    for (size_t pl = 0; pl < planes; pl++) {
        const float *ip = in + pl * H * W;        /* (H, W) */
        float *op = out + pl * Ho * Wo;           /* (Ho, Wo) */
        int32_t *ap = argmax + pl * Ho * Wo;      /* (Ho, Wo) */
        for (int y = 0; y < Ho; y++) {
            const float *r0 = ip + (size_t)(2 * y) * W;
            const float *r1 = r0 + W;
            for (int x = 0; x < Wo; x++) {
                const int x2 = 2 * x;
                int32_t best = 2 * y * W + x2;
                float m = r0[x2];
                if (r0[x2 + 1] > m) { m = r0[x2 + 1]; best = 2 * y * W + x2 + 1; }
                if (r1[x2] > m)     { m = r1[x2];     best = (2 * y + 1) * W + x2; }
                if (r1[x2 + 1] > m) { m = r1[x2 + 1]; best = (2 * y + 1) * W + x2 + 1; }
                op[y * Wo + x] = m;
                ap[y * Wo + x] = best;
            }
        }
    }
}

void kws_maxpool2x2_backward_f32(float *grad_in, const float *grad_out, const int32_t *argmax,
                                 int B, int C, int H, int W)
{
    const int Ho = H / 2, Wo = W / 2;
    const size_t planes = (size_t)B * C;
    KWS_OMP_FOR(planes * H * W >= KWS_OMP_MIN_WORK)
    for (size_t pl = 0; pl < planes; pl++) {
        memset(grad_in + pl * H * W, 0, sizeof(float) * H * W);
        float *gp = grad_in + pl * H * W;
        const float *go = grad_out + pl * Ho * Wo;
        const int32_t *ap = argmax + pl * Ho * Wo;
        for (int t = 0; t < Ho * Wo; t++)
            gp[ap[t]] += go[t];
    }
}

/* 2x1: output (H/2, W); of the pair (2y, x), (2y+1, x) the first wins a tie */
void kws_maxpool2x1_forward_f32(float *out, int32_t *argmax, const float *in,
                                int B, int C, int H, int W)
{
    const int Ho = H / 2;
    const size_t planes = (size_t)B * C;
    KWS_OMP_FOR(planes * H * W >= KWS_OMP_MIN_WORK)
    for (size_t pl = 0; pl < planes; pl++) {
        const float *ip = in + pl * H * W;
        float *op = out + pl * Ho * W;
        int32_t *ap = argmax + pl * Ho * W;
        for (int y = 0; y < Ho; y++) {
            const float *r0 = ip + (size_t)(2 * y) * W, *r1 = r0 + W;
            for (int x = 0; x < W; x++) {
                const int up = r1[x] > r0[x];
                op[y * W + x] = up ? r1[x] : r0[x];
                ap[y * W + x] = (2 * y + up) * W + x;
            }
        }
    }
}

void kws_maxpool2x1_backward_f32(float *grad_in, const float *grad_out, const int32_t *argmax,
                                 int B, int C, int H, int W)
{
    const int Ho = H / 2;
    const size_t planes = (size_t)B * C;
    KWS_OMP_FOR(planes * H * W >= KWS_OMP_MIN_WORK)
    for (size_t pl = 0; pl < planes; pl++) {
        float *gp = grad_in + pl * H * W;
        memset(gp, 0, sizeof(float) * H * W);
        const float *go = grad_out + pl * Ho * W;
        const int32_t *ap = argmax + pl * Ho * W;
        for (int t = 0; t < Ho * W; t++)
            gp[ap[t]] += go[t];
    }
}
