/* fake_quant.c - fake quantizers (quantize, then dequantize, in float) and
 * their straight-through-estimator gradients (host C11).
 *
 * The definitions are in kws/quant.h; the integer runtime must reproduce
 * them. Nothing here allocates or keeps state; the activation range lives in
 * the caller's buffer.
 */
#include "kws/quant.h"

#include <math.h>
#include <string.h>

int kws_wquant_bound(kws_wquant q)
{
    switch (q) {
    case KWS_QW_INT8: return 127;
    case KWS_QW_INT4: return 7;
    case KWS_QW_BINARY: return 1;
    case KWS_QW_FLOAT: break;
    }
    return 0;
}

float kws_quant_round(float x)
{
    return roundf(x);
}

/* s * clamp(round(x / s), -b, b) */
static float fq(float x, float s, float b)
{
    float q = kws_quant_round(x / s);
    if (q > b)
        q = b;
    else if (q < -b)
        q = -b;
    return s * q;
}

void kws_quant_weights_f32(float *wq, float *scale, const float *w, int n_out, size_t per_out,
                           kws_wquant q)
{
    int bound = kws_wquant_bound(q);
    for (int c = 0; c < n_out; c++) {
        const float *wc = w + (size_t)c * per_out; /* (per_out) one output channel */
        float *oc = wq + (size_t)c * per_out;
        float s = 1.0f;
        if (q == KWS_QW_FLOAT) {
            memcpy(oc, wc, per_out * sizeof(float));
        } else if (q == KWS_QW_BINARY) {
            double sum = 0.0;
            for (size_t i = 0; i < per_out; i++)
                sum += fabsf(wc[i]);
            s = per_out ? (float)(sum / (double)per_out) : 0.0f;
            for (size_t i = 0; i < per_out; i++)
                oc[i] = wc[i] >= 0.0f ? s : -s;
        } else {
            float m = kws_quant_absmax_f32(wc, per_out);
            s = m > 0.0f ? m / (float)bound : 1.0f;
            for (size_t i = 0; i < per_out; i++)
                oc[i] = fq(wc[i], s, (float)bound);
        }
        if (scale)
            scale[c] = s;
    }
}

void kws_quant_weights_ste_f32(float *grad, const float *w, size_t n, kws_wquant q)
{
    if (q != KWS_QW_BINARY)
        return;
    for (size_t i = 0; i < n; i++)
        if (!(fabsf(w[i]) <= 1.0f))
            grad[i] = 0.0f;
}

float kws_quant_absmax_f32(const float *x, size_t n)
{
    float m = 0.0f;
    for (size_t i = 0; i < n; i++) {
        float a = fabsf(x[i]);
        if (a > m)
            m = a;
    }
    return m;
}

float kws_quant_range_update(float range, float batch_max, float momentum)
{
    if (range <= 0.0f)
        return batch_max;
    return (1.0f - momentum) * range + momentum * batch_max;
}

void kws_quant_act_forward_f32(float *out, const float *in, size_t n, float range, kws_aquant q)
{
    switch (q) {
    case KWS_QA_FLOAT:
        if (out != in)
            memcpy(out, in, n * sizeof(float));
        break;
    case KWS_QA_BINARY:
        for (size_t i = 0; i < n; i++)
            out[i] = in[i] >= 0.0f ? 1.0f : -1.0f;
        break;
    case KWS_QA_INT8: {
        float s = range > 0.0f ? range / 127.0f : 1.0f;
        for (size_t i = 0; i < n; i++)
            out[i] = fq(in[i], s, 127.0f);
        break;
    }
    }
}

void kws_quant_act_backward_f32(float *grad_in, const float *grad_out, const float *in, size_t n,
                                float range, kws_aquant q)
{
    float lim = q == KWS_QA_BINARY ? 1.0f : q == KWS_QA_INT8 ? range : INFINITY;
    for (size_t i = 0; i < n; i++)
        grad_in[i] = fabsf(in[i]) <= lim ? grad_out[i] : 0.0f;
}
