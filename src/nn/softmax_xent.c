/* softmax_xent.c - softmax + cross-entropy over N classes, float32.
 *
 * loss = sum_b w_b * -log(softmax(logits_b)[label_b]) / sum_b w_b, with
 * w_b = 1 when sample_weight is NULL (plain batch mean). This is PyTorch's
 * normalization for weighted cross-entropy; a batch whose weights sum to 0
 * has loss 0 and zero gradient. The softmax is computed with the row max
 * subtracted, the loss in double.
 *   grad_logits[b] = w_b / sum(w) * (probs[b] - onehot(label_b))
 */
#include <math.h>
#include "kws/nn.h"

static double weight_sum(const float *sample_weight, int B)
{
    if (!sample_weight)
        return (double)B;
    double s = 0.0;
    for (int b = 0; b < B; b++)
        s += sample_weight[b];
    return s;
}

float kws_softmax_xent_forward_f32(float *probs, const float *logits, const int *labels,
                                   const float *sample_weight, int B, int N)
{
    double loss = 0.0;
    for (int b = 0; b < B; b++) {
        const float *z = logits + (size_t)b * N;
        float *pr = probs + (size_t)b * N;
        float mx = z[0];
        for (int i = 1; i < N; i++)
            mx = z[i] > mx ? z[i] : mx;
        double s = 0.0;
        for (int i = 0; i < N; i++)
            s += exp((double)z[i] - mx);
        for (int i = 0; i < N; i++)
            pr[i] = (float)(exp((double)z[i] - mx) / s);
        /* -log p[label] = log(s) - (z[label] - max) */
        const double nll = log(s) - ((double)z[labels[b]] - mx);
        loss += (sample_weight ? sample_weight[b] : 1.0) * nll;
    }
    const double ws = weight_sum(sample_weight, B);
    return ws != 0.0 ? (float)(loss / ws) : 0.0f;
}

void kws_softmax_xent_backward_f32(float *grad_logits, const float *probs, const int *labels,
                                   const float *sample_weight, int B, int N)
{
    const double ws = weight_sum(sample_weight, B);
    for (int b = 0; b < B; b++) {
        const float scale =
            ws != 0.0 ? (float)((sample_weight ? sample_weight[b] : 1.0) / ws) : 0.0f;
        const float *pr = probs + (size_t)b * N;
        float *g = grad_logits + (size_t)b * N;
        for (int i = 0; i < N; i++)
            g[i] = scale * (pr[i] - (i == labels[b] ? 1.0f : 0.0f));
    }
}
