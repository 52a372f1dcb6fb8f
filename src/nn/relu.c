/* relu.c - rectified linear unit, float32, forward and backward.
 * Both may run in place (out == in, grad_in == grad_out). The derivative at
 * exactly 0 is taken as 0, as in PyTorch. */
#include "kws/nn.h"
#include "nn_internal.h"

void kws_relu_forward_f32(float *out, const float *in, size_t n)
{
    KWS_OMP_FOR(n >= 4 * KWS_OMP_MIN_WORK)
    for (size_t i = 0; i < n; i++)
        out[i] = in[i] > 0.0f ? in[i] : 0.0f;
}

void kws_relu_backward_f32(float *grad_in, const float *grad_out, const float *out, size_t n)
{
    KWS_OMP_FOR(n >= 4 * KWS_OMP_MIN_WORK)
    for (size_t i = 0; i < n; i++) {
        const float g = grad_out[i]; /* read unconditionally: lets the loop vectorize */
        grad_in[i] = out[i] > 0.0f ? g : 0.0f;
    }
}
