/* init.c - weight initialization from a kws_rng.
 * He normal: plain (untruncated) N(0, 2/fan_in), suited to ReLU layers.
 * Glorot uniform: U(-l, l), l = sqrt(6 / (fan_in + fan_out)) (Keras default).
 * For a conv, fan_in = Cin*k*k and fan_out = Cout*k*k. */
#include <math.h>
#include "kws/nn.h"

void kws_init_he_normal(float *w, size_t n, int fan_in, kws_rng *r)
{
    const float std = (float)sqrt(2.0 / (double)fan_in);
    for (size_t i = 0; i < n; i++)
        w[i] = std * kws_rng_normal(r);
}

void kws_init_glorot_uniform(float *w, size_t n, int fan_in, int fan_out, kws_rng *r)
{
    const float limit = (float)sqrt(6.0 / (double)(fan_in + fan_out));
    for (size_t i = 0; i < n; i++)
        w[i] = limit * (2.0f * kws_rng_uniform(r) - 1.0f);
}
