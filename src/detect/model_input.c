/* model_input.c - what stands between features and a model's network at
 * inference time, shared by the recognizer and `kws classify`: the model's
 * input normalization and the softmax of its logits. It does not compute
 * features. */
#include "kws/detect.h"

#include <math.h>

void kws_model_normalize_input(const kws_model *m, float *x)
{
    const int h = m->topo.in_h, w = m->topo.in_w;
    for (int r = 0; r < h; r++)
        for (int t = 0; t < w; t++) {
            int k = m->n_norm == h ? r : r * w + t;
            x[r * w + t] = (x[r * w + t] - m->norm_mean[k]) / m->norm_std[k];
        }
}

void kws_probs_from_logits(float *probs, const float *logits, int n)
{
    float mx = logits[0], sum = 0.0f;
    for (int i = 1; i < n; i++)
        if (logits[i] > mx)
            mx = logits[i];
    for (int i = 0; i < n; i++) {
        probs[i] = expf(logits[i] - mx);
        sum += probs[i];
    }
    for (int i = 0; i < n; i++)
        probs[i] /= sum;
}
