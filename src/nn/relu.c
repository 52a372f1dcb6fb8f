/* relu.c - rectified linear unit, float32, forward and backward.
 * Both may run in place (out == in, grad_in == grad_out). The derivative at
 * exactly 0 is taken as 0, as in PyTorch. */
#include "kws/nn.h"

void kws_relu_forward_f32(float *out, const float *in, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = in[i] > 0.0f ? in[i] : 0.0f;
}

void kws_relu_backward_f32(float *grad_in, const float *grad_out, const float *out, size_t n)
{
    for (size_t i = 0; i < n; i++)
        grad_in[i] = out[i] > 0.0f ? grad_out[i] : 0.0f;
}
