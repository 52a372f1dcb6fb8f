/* crop_time.c - the crop that makes a 'same' convolution a time=valid one:
 * keep columns [left, left + Wo) of every (H, W) plane, float32, forward and
 * backward.
 *
 * A k x k 'same' convolution's output columns left = (k-1)/2 .. W-1-left are
 * exactly those whose kernel window lies inside the input along W, so
 * conv2d + this crop is the convolution unpadded along W (time) and padded
 * along H (frequency) - what a streaming runtime can compute one column at a
 * time (kws/stream.h). The extra columns cost 2 left / W of the product.
 */
#include <string.h>
#include "kws/nn.h"
#include "nn_internal.h"

void kws_crop_w_forward_f32(float *out, const float *in, int B, int C, int H, int W, int left,
                            int Wo)
{
    const size_t rows = (size_t)B * C * H;
    KWS_OMP_FOR(rows * W >= KWS_OMP_MIN_WORK)
    for (size_t r = 0; r < rows; r++)
        memcpy(out + r * Wo, in + r * W + left, sizeof(float) * Wo);
}

void kws_crop_w_backward_f32(float *grad_in, const float *grad_out, int B, int C, int H, int W,
                             int left, int Wo)
{
    const size_t rows = (size_t)B * C * H;
    KWS_OMP_FOR(rows * W >= KWS_OMP_MIN_WORK)
    for (size_t r = 0; r < rows; r++) {
        float *g = grad_in + r * W;
        memset(g, 0, sizeof(float) * left);
        memcpy(g + left, grad_out + r * Wo, sizeof(float) * Wo);
        memset(g + left + Wo, 0, sizeof(float) * (W - left - Wo));
    }
}
