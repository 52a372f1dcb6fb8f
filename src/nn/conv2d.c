/* conv2d.c - 2-D convolution, k x k kernel, stride 1, 'same' zero padding,
 * float32, forward and backward, through im2col + cblas_sgemm.
 *
 * Per sample b the input plane stack in[b] (Cin, H, W) is unrolled into
 *
 *   col (Cin*k*k, H*W):  row (c, i, j) holds in[b][c][y+i-p][x+j-p] for every
 *                        output pixel (y, x), zero outside the plane, p = k/2
 *
 * so that out[b] (Cout, H*W) = weight (Cout, Cin*k*k) . col + bias. Backward
 * re-unrolls the input (cheaper than keeping B col buffers), then
 *
 *   grad_weight (Cout, Cin*k*k) += grad_out[b] (Cout, HW) . col^T
 *   col         (Cin*k*k, HW)    = weight^T . grad_out[b]     (reuses col)
 *   grad_in[b]  (Cin, H, W)      = col2im(col)  (sum of the k*k shifted rows)
 *
 * Only stride 1 and odd k; no dilation or groups (the paper network needs none).
 */
#include <string.h>
#include <cblas.h>
#include "kws/nn.h"

size_t kws_conv2d_scratch_size(int Cin, int H, int W, int k)
{
    return (size_t)Cin * (size_t)k * (size_t)k * (size_t)H * (size_t)W;
}

/* Valid output x range [x0, x1) for kernel column offset dx = j - p. */
static void valid_range(int dx, int W, int *x0, int *x1)
{
    *x0 = dx < 0 ? -dx : 0;
    *x1 = dx > 0 ? W - dx : W;
    if (*x1 < *x0)
        *x1 = *x0;
}

/* col (Cin*k*k, H*W) <- in (Cin, H, W) */
static void im2col(float *col, const float *in, int Cin, int H, int W, int k)
{
    const int p = k / 2, HW = H * W;
    for (int c = 0; c < Cin; c++) {
        const float *plane = in + (size_t)c * HW;
        for (int i = 0; i < k; i++) {
            const int dy = i - p;
            for (int j = 0; j < k; j++) {
                const int dx = j - p;
                float *row = col + ((size_t)(c * k + i) * k + j) * HW;
                int x0, x1;
                valid_range(dx, W, &x0, &x1);
                for (int y = 0; y < H; y++) {
                    float *dst = row + (size_t)y * W;
                    const int iy = y + dy;
                    if (iy < 0 || iy >= H) {
                        memset(dst, 0, sizeof(float) * (size_t)W);
                        continue;
                    }
                    const float *src = plane + (size_t)iy * W + dx;
                    for (int x = 0; x < x0; x++)
                        dst[x] = 0.0f;
                    memcpy(dst + x0, src + x0, sizeof(float) * (size_t)(x1 - x0));
                    for (int x = x1; x < W; x++)
                        dst[x] = 0.0f;
                }
            }
        }
    }
}

/* grad_in (Cin, H, W) = col2im(col (Cin*k*k, H*W)); overwrites grad_in. */
static void col2im(float *grad_in, const float *col, int Cin, int H, int W, int k)
{
    const int p = k / 2, HW = H * W;
    memset(grad_in, 0, sizeof(float) * (size_t)Cin * HW);
    for (int c = 0; c < Cin; c++) {
        float *plane = grad_in + (size_t)c * HW;
        for (int i = 0; i < k; i++) {
            const int dy = i - p;
            /* output rows y whose source row y+dy lies inside the plane */
            const int y0 = dy < 0 ? -dy : 0, y1 = dy > 0 ? H - dy : H;
            for (int j = 0; j < k; j++) {
                const int dx = j - p;
                const float *row = col + ((size_t)(c * k + i) * k + j) * HW;
                int x0, x1;
                valid_range(dx, W, &x0, &x1);
                for (int y = y0; y < y1; y++) {
                    const float *src = row + (size_t)y * W;
                    float *dst = plane + (size_t)(y + dy) * W + dx;
                    for (int x = x0; x < x1; x++)
                        dst[x] += src[x];
                }
            }
        }
    }
}

void kws_conv2d_forward_f32(float *out, const float *in, const float *weight, const float *bias,
                            int B, int Cin, int Cout, int H, int W, int k, float *scratch)
{
    const int HW = H * W, K = Cin * k * k;
    for (int b = 0; b < B; b++) {
        float *ob = out + (size_t)b * Cout * HW;          /* (Cout, HW) */
        const float *ib = in + (size_t)b * Cin * HW;      /* (Cin, H, W) */
        float beta = 0.0f;
        if (bias) {
            for (int o = 0; o < Cout; o++) {
                float *r = ob + (size_t)o * HW;
                const float bo = bias[o];
                for (int t = 0; t < HW; t++)
                    r[t] = bo;
            }
            beta = 1.0f;
        }
        if (k == 1) { /* col is the input itself */
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Cout, HW, K, 1.0f, weight, K,
                        ib, HW, beta, ob, HW);
            continue;
        }
        im2col(scratch, ib, Cin, H, W, k);
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Cout, HW, K, 1.0f, weight, K,
                    scratch, HW, beta, ob, HW);
    }
}

void kws_conv2d_backward_f32(float *grad_in, float *grad_weight, float *grad_bias,
                             const float *grad_out, const float *in, const float *weight,
                             int B, int Cin, int Cout, int H, int W, int k, float *scratch)
{
    const int HW = H * W, K = Cin * k * k;
    for (int b = 0; b < B; b++) {
        const float *gob = grad_out + (size_t)b * Cout * HW; /* (Cout, HW) */
        const float *ib = in + (size_t)b * Cin * HW;         /* (Cin, H, W) */
        if (grad_bias) {
            for (int o = 0; o < Cout; o++) {
                const float *r = gob + (size_t)o * HW;
                float s = 0.0f;
                for (int t = 0; t < HW; t++)
                    s += r[t];
                grad_bias[o] += s;
            }
        }
        if (grad_weight) {
            const float *col = ib;
            if (k != 1) {
                im2col(scratch, ib, Cin, H, W, k);
                col = scratch;
            }
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Cout, K, HW, 1.0f, gob, HW, col,
                        HW, 1.0f, grad_weight, K);
        }
        if (grad_in) {
            float *gib = grad_in + (size_t)b * Cin * HW;
            if (k == 1) {
                cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, K, HW, Cout, 1.0f, weight, K,
                            gob, HW, 0.0f, gib, HW);
                continue;
            }
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, K, HW, Cout, 1.0f, weight, K, gob,
                        HW, 0.0f, scratch, HW);
            col2im(gib, scratch, Cin, H, W, k);
        }
    }
}
