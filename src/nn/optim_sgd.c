/* optim_sgd.c - SGD with momentum (PyTorch formulation) over one flat buffer.
 *
 *   g = grads + weight_decay * params      (where decay applies)
 *   velocity = momentum * velocity + g     (momentum != 0)
 *   d = nesterov ? g + momentum * velocity : velocity   (momentum != 0), else g
 *   params -= lr * d
 * velocity may be NULL when momentum == 0. Start with velocity all zero;
 * PyTorch's first step copies g into velocity, which is the same thing.
 */
#include "kws/nn.h"

void kws_sgd_step(const kws_sgd *opt, float *params, const float *grads, float *velocity,
                  const uint8_t *decay_mask, size_t n)
{
    const float lr = opt->lr, mu = opt->momentum, wd = opt->weight_decay;
    for (size_t i = 0; i < n; i++) {
        float g = grads[i];
        if (wd != 0.0f && (!decay_mask || decay_mask[i]))
            g += wd * params[i];
        if (mu != 0.0f) {
            velocity[i] = mu * velocity[i] + g;
            g = opt->nesterov ? g + mu * velocity[i] : velocity[i];
        }
        params[i] -= lr * g;
    }
}
