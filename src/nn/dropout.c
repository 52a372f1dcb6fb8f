/* dropout.c - inverted dropout, float32: each element is zeroed with
 * probability p, kept ones are scaled by 1/(1-p), so inference is the
 * identity. The mask (0 or 1/(1-p)) is drawn from the caller's rng and kept
 * for backward. p <= 0 keeps everything (mask all 1); p >= 1 drops all.
 * Both passes may run in place. */
#include "kws/nn.h"

void kws_dropout_forward_f32(float *out, float *mask, const float *in, size_t n, float p,
                             struct kws_rng *rng)
{
    if (p <= 0.0f) {
        for (size_t i = 0; i < n; i++) {
            mask[i] = 1.0f;
            out[i] = in[i];
        }
        return;
    }
    const float keep = p >= 1.0f ? 0.0f : 1.0f / (1.0f - p);
    for (size_t i = 0; i < n; i++) {
        mask[i] = kws_rng_uniform(rng) < p ? 0.0f : keep;
        out[i] = in[i] * mask[i];
    }
}

void kws_dropout_backward_f32(float *grad_in, const float *grad_out, const float *mask, size_t n)
{
    for (size_t i = 0; i < n; i++)
        grad_in[i] = grad_out[i] * mask[i];
}
