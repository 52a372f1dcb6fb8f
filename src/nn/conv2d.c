/* conv2d.c - 2-D convolution, k x k kernel, stride 1, 'same' zero padding,
 * float32, forward and backward, through im2col + cblas_sgemm.
 *
 * Samples go through in groups of G (kws_conv2d_group): each sample's input
 * (Cin, H, W) is unrolled into G*HW columns of
 *
 *   col (Cin*k*k, G*HW):  row (c, i, j), column g*HW + y*W + x holds
 *                         in[b0+g][c][y+i-p][x+j-p] (zero outside), p = k/2
 *
 *        col                       tmp = weight . col         out (NCHW)
 *   +-----+-----+-----+        +-----+-----+-----+       b0: (Cout, HW) = tmp[:, 0:HW]
 *   | g=0 | g=1 | ... |  --->  | g=0 | g=1 | ... |  ---> b1: (Cout, HW) = tmp[:, HW:2HW]
 *   +-----+-----+-----+        +-----+-----+-----+       ...
 *    Cin*k*k rows               Cout rows
 *
 * so one GEMM covers G samples (few large products instead of many small
 * ones: BLAS threads fork and join once per group). Backward gathers the
 * group's grad_out into tmp (Cout, G*HW) the same way, re-unrolls the input
 * (cheaper than keeping every col), then
 *
 *   grad_weight (Cout, Cin*k*k) += tmp . col^T
 *   col         (Cin*k*k, G*HW)  = weight^T . tmp           (reuses col)
 *   grad_in                      = col2im(col)  (sum of the k*k shifted rows)
 *
 * Only stride 1 and odd k; no dilation or groups (the paper network needs none).
 */
#include <string.h>
#include <cblas.h>
#include "kws/nn.h"
#include "nn_internal.h"

/* Samples per GEMM: enough columns (G*HW >= KWS_CONV_COLS) for an efficient
 * product, and no more than B. A pure function of the sizes, so the scratch
 * size (below) and the kernels agree. */
#ifndef KWS_CONV_COLS
#define KWS_CONV_COLS 2048
#endif

int kws_conv2d_group(int B, int H, int W)
{
    const int target_cols = KWS_CONV_COLS;
    const int HW = H * W > 0 ? H * W : 1;
    int g = (target_cols + HW - 1) / HW;
    if (g > B)
        g = B;
    return g < 1 ? 1 : g;
}

size_t kws_conv2d_scratch_size(int B, int Cin, int Cout, int H, int W, int k)
{
    const size_t cols = (size_t)kws_conv2d_group(B, H, W) * (size_t)H * (size_t)W;
    return ((size_t)Cin * (size_t)k * (size_t)k + (size_t)Cout) * cols;
}

/* One kernel tap (dy, dx) = (i - p, j - p): output pixel t = y*W + x reads
 * input pixel t + off, off = dy*W + dx, when y0 <= y < y1 and x0 <= x < x1.
 * Over the flat range [lo, hi) the shift is one contiguous copy, except for
 * |dx| pixels per row that wrap around into the neighbouring row (x >= x1 or
 * x < x0): tap_zero_wrapped clears those. */
typedef struct {
    int y0, y1, x0, x1;
    long off;
    size_t lo, hi;
} tap;

/* 0 when the tap reads nothing (a plane smaller than the kernel reach). */
static int tap_init(tap *t, int dy, int dx, int H, int W)
{
    t->y0 = dy < 0 ? -dy : 0;
    t->y1 = dy > 0 ? H - dy : H;
    t->x0 = dx < 0 ? -dx : 0;
    t->x1 = dx > 0 ? W - dx : W;
    if (t->y1 <= t->y0 || t->x1 <= t->x0)
        return 0;
    t->off = (long)dy * W + dx;
    t->lo = (size_t)t->y0 * W + t->x0;
    t->hi = (size_t)(t->y1 - 1) * W + t->x1;
    return 1;
}

/* Zero row[y*W + x] for the wrapped pixels inside [lo, hi): a column or
 * two, walked down (x outer, so no tiny memset calls). */
static void tap_zero_wrapped(float *row, const tap *t, int W)
{
    for (int x = t->x1; x < W; x++)
        for (int y = t->y0; y < t->y1 - 1; y++)
            row[(size_t)y * W + x] = 0.0f;
    for (int x = 0; x < t->x0; x++)
        for (int y = t->y0 + 1; y < t->y1; y++)
            row[(size_t)y * W + x] = 0.0f;
}

/* col rows (Cin*k*k) of leading dimension ld <- in (Cin, H, W), HW columns */
static void im2col(float *col, size_t ld, const float *in, int Cin, int H, int W, int k)
{
    const int p = k / 2;
    const size_t HW = (size_t)H * W;
    for (int c = 0; c < Cin; c++) {
        const float *plane = in + (size_t)c * HW;
        for (int i = 0; i < k; i++)
            for (int j = 0; j < k; j++) {
                float *row = col + (size_t)((c * k + i) * k + j) * ld;
                tap t;
                if (!tap_init(&t, i - p, j - p, H, W)) {
                    memset(row, 0, sizeof(float) * HW);
                    continue;
                }
                memset(row, 0, sizeof(float) * t.lo);
                memcpy(row + t.lo, plane + t.lo + t.off, sizeof(float) * (t.hi - t.lo));
                memset(row + t.hi, 0, sizeof(float) * (HW - t.hi));
                tap_zero_wrapped(row, &t, W);
            }
    }
}

/* grad_in (Cin, H, W) = col2im(col rows of leading dimension ld): the sum of
 * the k*k shifted rows; overwrites grad_in, clobbers the wrapped pixels of
 * col. The centre tap covers the whole plane and is copied first. */
static void col2im(float *grad_in, float *col, size_t ld, int Cin, int H, int W, int k)
{
    const int p = k / 2;
    const size_t HW = (size_t)H * W;
    for (int c = 0; c < Cin; c++) {
        float *plane = grad_in + (size_t)c * HW;
        float *crow = col + (size_t)c * k * k * ld;
        memcpy(plane, crow + (size_t)(p * k + p) * ld, sizeof(float) * HW);
        for (int i = 0; i < k; i++)
            for (int j = 0; j < k; j++) {
                tap t;
                if ((i == p && j == p) || !tap_init(&t, i - p, j - p, H, W))
                    continue;
                float *row = crow + (size_t)(i * k + j) * ld;
                tap_zero_wrapped(row, &t, W);
                float *dst = plane + t.off;
                for (size_t q = t.lo; q < t.hi; q++)
                    dst[q] += row[q];
            }
    }
}

void kws_conv2d_forward_f32(float *out, const float *in, const float *weight, const float *bias,
                            int B, int Cin, int Cout, int H, int W, int k, float *scratch)
{
    const int HW = H * W, K = Cin * k * k, G = kws_conv2d_group(B, H, W);
    float *col = scratch;                          /* (K, G*HW) */
    float *tmp = scratch + (size_t)K * G * HW;     /* (Cout, G*HW) */
    for (int b0 = 0; b0 < B; b0 += G) {
        const int g_n = B - b0 < G ? B - b0 : G;
        const size_t ld = (size_t)g_n * HW;
        const int par = (size_t)K * ld >= KWS_OMP_MIN_WORK;
        (void)par; /* unused without OpenMP */
        KWS_OMP_FOR(par)
        for (int g = 0; g < g_n; g++)
            im2col(col + (size_t)g * HW, ld, in + (size_t)(b0 + g) * Cin * HW, Cin, H, W, k);
        /* a group of one is already NCHW: straight into out */
        float *dst = g_n == 1 ? out + (size_t)b0 * Cout * HW : tmp;
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Cout, (int)ld, K, 1.0f, weight, K,
                    col, (int)ld, 0.0f, dst, (int)ld);
        if (g_n == 1 && !bias)
            continue;
        KWS_OMP_FOR(par)
        for (int g = 0; g < g_n; g++)
            for (int o = 0; o < Cout; o++) {
                const float *src = dst + (size_t)o * ld + (size_t)g * HW;
                float *d = out + ((size_t)(b0 + g) * Cout + o) * HW;
                const float bo = bias ? bias[o] : 0.0f;
                for (int t = 0; t < HW; t++)
                    d[t] = src[t] + bo;
            }
    }
}

void kws_conv2d_backward_f32(float *grad_in, float *grad_weight, float *grad_bias,
                             const float *grad_out, const float *in, const float *weight,
                             int B, int Cin, int Cout, int H, int W, int k, float *scratch)
{
    const int HW = H * W, K = Cin * k * k, G = kws_conv2d_group(B, H, W);
    float *col = scratch;                          /* (K, G*HW) */
    float *tmp = scratch + (size_t)K * G * HW;     /* (Cout, G*HW) */
    if (grad_bias) {
        KWS_OMP_FOR((size_t)B * Cout * HW >= KWS_OMP_MIN_WORK)
        for (int o = 0; o < Cout; o++)
            for (int b = 0; b < B; b++)
                grad_bias[o] += kws_sum_f32(grad_out + ((size_t)b * Cout + o) * HW, HW);
    }
    if (!grad_weight && !grad_in)
        return;
    for (int b0 = 0; b0 < B; b0 += G) {
        const int g_n = B - b0 < G ? B - b0 : G;
        const size_t ld = (size_t)g_n * HW;
        const int par = (size_t)K * ld >= KWS_OMP_MIN_WORK;
        (void)par; /* unused without OpenMP */
        /* grad_out of the group as (Cout, g_n*HW); a group of one already is */
        const float *dy = grad_out + (size_t)b0 * Cout * HW;
        if (g_n > 1) {
            KWS_OMP_FOR(par)
            for (int g = 0; g < g_n; g++)
                for (int o = 0; o < Cout; o++)
                    memcpy(tmp + (size_t)o * ld + (size_t)g * HW,
                           grad_out + ((size_t)(b0 + g) * Cout + o) * HW, sizeof(float) * HW);
            dy = tmp;
        }
        if (grad_weight) {
            KWS_OMP_FOR(par)
            for (int g = 0; g < g_n; g++)
                im2col(col + (size_t)g * HW, ld, in + (size_t)(b0 + g) * Cin * HW, Cin, H, W, k);
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Cout, K, (int)ld, 1.0f, dy,
                        (int)ld, col, (int)ld, 1.0f, grad_weight, K);
        }
        if (grad_in) {
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, K, (int)ld, Cout, 1.0f, weight,
                        K, dy, (int)ld, 0.0f, col, (int)ld);
            KWS_OMP_FOR(par)
            for (int g = 0; g < g_n; g++)
                col2im(grad_in + (size_t)(b0 + g) * Cin * HW, col + (size_t)g * HW, ld, Cin, H,
                       W, k);
        }
    }
}
