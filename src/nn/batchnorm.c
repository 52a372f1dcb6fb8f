/* batchnorm.c - batch normalization per channel, float32: training forward
 * (batch statistics, running-statistics update), inference forward (running
 * statistics) and backward (training mode).
 *
 * Layout in/out (B, C, HW): element (b, c, t) at (b*C + c)*HW + t; a dense
 * layer's (B, C) output is the case HW = 1. Statistics are over the B*HW
 * values of a channel: float sums per (b, c) row in 8 lanes (nn_internal.h),
 * rows accumulated in double, mean first, then the centered squares. As in
 * PyTorch:
 *   y = gamma * (x - mean) / sqrt(var + eps) + beta, var biased (/ N);
 *   running = (1 - momentum) * running + momentum * batch, with the unbiased
 *   variance (/ (N - 1)) going into running_var.
 * (Keras' momentum 0.99 is momentum 0.01 here.)
 */
#include <math.h>
#include "kws/nn.h"
#include "nn_internal.h"

void kws_batchnorm_forward_train_f32(float *out, float *mean, float *invstd,
                                     float *running_mean, float *running_var,
                                     const float *in, const float *gamma, const float *beta,
                                     int B, int C, int HW, float momentum, float eps)
{
    const double n = (double)B * HW;
    KWS_OMP_FOR((size_t)B * C * HW >= KWS_OMP_MIN_WORK)
    for (int c = 0; c < C; c++) {
        double s = 0.0;
        for (int b = 0; b < B; b++)
            s += kws_sum_f32(in + ((size_t)b * C + c) * HW, HW);
        const double mu = s / n;
        /* centered at the float mean, corrected for its rounding:
         * sum (x - m)^2 = sum (x - mu)^2 + n (m - mu)^2 */
        const float muf = (float)mu;
        double ss = 0.0;
        for (int b = 0; b < B; b++)
            ss += kws_sumsq_centered_f32(in + ((size_t)b * C + c) * HW, muf, HW);
        ss -= n * ((double)muf - mu) * ((double)muf - mu);
        if (ss < 0.0)
            ss = 0.0;
        const double var = ss / n;
        const double is = 1.0 / sqrt(var + eps);
        mean[c] = (float)mu;
        invstd[c] = (float)is;
        if (running_mean)
            running_mean[c] = (float)((1.0 - momentum) * running_mean[c] + momentum * mu);
        if (running_var) {
            const double unbiased = n > 1.0 ? ss / (n - 1.0) : var;
            running_var[c] = (float)((1.0 - momentum) * running_var[c] + momentum * unbiased);
        }
        const float scale = (float)(gamma[c] * is);
        const float shift = (float)(beta[c] - mu * gamma[c] * is);
        for (int b = 0; b < B; b++) {
            const float *x = in + ((size_t)b * C + c) * HW;
            float *y = out + ((size_t)b * C + c) * HW;
            for (int t = 0; t < HW; t++)
                y[t] = x[t] * scale + shift;
        }
    }
}

void kws_batchnorm_forward_infer_f32(float *out, const float *in, const float *gamma,
                                     const float *beta, const float *running_mean,
                                     const float *running_var, int B, int C, int HW, float eps)
{
    KWS_OMP_FOR((size_t)B * C * HW >= KWS_OMP_MIN_WORK)
    for (int c = 0; c < C; c++) {
        const double is = 1.0 / sqrt((double)running_var[c] + eps);
        const float scale = (float)(gamma[c] * is);
        const float shift = (float)(beta[c] - running_mean[c] * (gamma[c] * is));
        for (int b = 0; b < B; b++) {
            const float *x = in + ((size_t)b * C + c) * HW;
            float *y = out + ((size_t)b * C + c) * HW;
            for (int t = 0; t < HW; t++)
                y[t] = x[t] * scale + shift;
        }
    }
}

/* With xhat = (x - mean) * invstd and N = B*HW:
 *   grad_gamma += sum(dy * xhat), grad_beta += sum(dy),
 *   dx = gamma * invstd / N * (N*dy - sum(dy) - xhat * sum(dy * xhat)). */
void kws_batchnorm_backward_f32(float *grad_in, float *grad_gamma, float *grad_beta,
                                const float *grad_out, const float *in, const float *mean,
                                const float *invstd, const float *gamma, int B, int C, int HW)
{
    const double n = (double)B * HW;
    KWS_OMP_FOR((size_t)B * C * HW >= KWS_OMP_MIN_WORK)
    for (int c = 0; c < C; c++) {
        const float mu = mean[c], is = invstd[c];
        double sdy = 0.0, sdyx = 0.0;
        for (int b = 0; b < B; b++) {
            float s1, s2;
            kws_sum_dy_dyx_f32(grad_out + ((size_t)b * C + c) * HW, in + ((size_t)b * C + c) * HW,
                               mu, HW, &s1, &s2);
            sdy += s1;
            sdyx += s2;
        }
        sdyx *= is; /* sum dy * xhat */
        if (grad_gamma)
            grad_gamma[c] += (float)sdyx;
        if (grad_beta)
            grad_beta[c] += (float)sdy;
        if (!grad_in)
            continue;
        const float k = (float)(gamma[c] * is / n);
        const float a = (float)sdy, g = (float)sdyx, nf = (float)n;
        for (int b = 0; b < B; b++) {
            const float *x = in + ((size_t)b * C + c) * HW;
            const float *dy = grad_out + ((size_t)b * C + c) * HW;
            float *dx = grad_in + ((size_t)b * C + c) * HW;
            for (int t = 0; t < HW; t++)
                dx[t] = k * (nf * dy[t] - a - (x[t] - mu) * is * g);
        }
    }
}
