/* dense.c - fully connected layer, float32, forward and backward (cblas_sgemm).
 *
 *   out (B, N)         = in (B, K) . weight^T + bias     weight (N, K), bias (N)
 *   grad_in (B, K)     = grad_out (B, N) . weight
 *   grad_weight (N, K) += grad_out^T . in
 *   grad_bias (N)      += column sums of grad_out
 */
#include <cblas.h>
#include "kws/nn.h"

void kws_dense_forward_f32(float *out, const float *in, const float *weight, const float *bias,
                           int B, int K, int N)
{
    float beta = 0.0f;
    if (bias) {
        for (int b = 0; b < B; b++)
            for (int n = 0; n < N; n++)
                out[(size_t)b * N + n] = bias[n];
        beta = 1.0f;
    }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, B, N, K, 1.0f, in, K, weight, K, beta,
                out, N);
}

void kws_dense_backward_f32(float *grad_in, float *grad_weight, float *grad_bias,
                            const float *grad_out, const float *in, const float *weight,
                            int B, int K, int N)
{
    if (grad_bias)
        for (int b = 0; b < B; b++)
            for (int n = 0; n < N; n++)
                grad_bias[n] += grad_out[(size_t)b * N + n];
    if (grad_weight)
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, N, K, B, 1.0f, grad_out, N, in, K,
                    1.0f, grad_weight, K);
    if (grad_in)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, B, K, N, 1.0f, grad_out, N, weight,
                    K, 0.0f, grad_in, K);
}
