/* optim_adam.c - Adam / AdamW step over one flat parameter buffer.
 *
 * With g = grads (+ weight_decay * params where decay applies, L2 mode):
 *   t = ++step
 *   m = beta1 * m + (1 - beta1) * g
 *   v = beta2 * v + (1 - beta2) * g^2
 *   params -= lr * (m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + eps)
 * AdamW (adamw != 0) instead first shrinks params *= 1 - lr * weight_decay
 * where decay applies, and leaves g alone (PyTorch's AdamW order).
 * decay_mask (n) or NULL (NULL: decay applies everywhere).
 */
#include <math.h>
#include "kws/nn.h"

void kws_adam_step(kws_adam *opt, float *params, const float *grads, float *m, float *v,
                   const uint8_t *decay_mask, size_t n)
{
    const long t = ++opt->step;
    const float b1 = opt->beta1, b2 = opt->beta2, eps = opt->eps, lr = opt->lr;
    const float wd = opt->weight_decay;
    const float bc1 = (float)(1.0 - pow((double)b1, (double)t));
    const float bc2 = (float)(1.0 - pow((double)b2, (double)t));
    const float step_size = lr / bc1;
    const float inv_sqrt_bc2 = (float)(1.0 / sqrt((double)bc2));
    const float shrink = 1.0f - lr * wd;
    for (size_t i = 0; i < n; i++) {
        const int decay = wd != 0.0f && (!decay_mask || decay_mask[i]);
        float g = grads[i];
        float p = params[i];
        if (decay) {
            if (opt->adamw)
                p *= shrink;
            else
                g += wd * p;
        }
        m[i] = b1 * m[i] + (1.0f - b1) * g;
        v[i] = b2 * v[i] + (1.0f - b2) * g * g;
        params[i] = p - step_size * m[i] / (sqrtf(v[i]) * inv_sqrt_bc2 + eps);
    }
}
