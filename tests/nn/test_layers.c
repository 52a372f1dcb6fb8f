/* test_layers.c - forward passes against plain loops computed in double:
 * conv2d (direct 'same' convolution, k = 1, 3, 5), dense, max-pool values;
 * conv grouping (a batch with a partial last group of samples against
 * one-sample calls); batch norm (training output statistics,
 * running-statistics update over two calls, inference mode); dropout rate;
 * ReLU in place. The float kernels must agree within 1e-5 relative to the
 * largest output (sums of up to a few hundred float products). */
#include <string.h>
#include "kws/nn.h"
#include "tests/test.h"

static kws_rng g_rng;

static float *rand_buf(size_t n, float scale)
{
    float *p = malloc(sizeof(float) * n);
    for (size_t i = 0; i < n; i++)
        p[i] = scale * (2.0f * kws_rng_uniform(&g_rng) - 1.0f);
    return p;
}

/* max |a - ref| / max |ref| */
static double rel_diff(const float *a, const double *ref, size_t n)
{
    double md = 0.0, mr = 1e-30;
    for (size_t i = 0; i < n; i++) {
        const double d = fabs(a[i] - ref[i]);
        md = d > md ? d : md;
        mr = fabs(ref[i]) > mr ? fabs(ref[i]) : mr;
    }
    return md / mr;
}

static void check_conv_forward(int B, int Cin, int Cout, int H, int W, int k, int with_bias)
{
    const size_t nout = (size_t)B * Cout * H * W;
    float *in = rand_buf((size_t)B * Cin * H * W, 1.0f);
    float *w = rand_buf((size_t)Cout * Cin * k * k, 1.0f);
    float *bias = rand_buf(Cout, 1.0f);
    float *out = malloc(sizeof(float) * nout);
    float *scratch = malloc(sizeof(float) * kws_conv2d_scratch_size(B, Cin, Cout, H, W, k));
    double *ref = malloc(sizeof(double) * nout);
    const int p = k / 2;
    for (int b = 0; b < B; b++)
        for (int o = 0; o < Cout; o++)
            for (int y = 0; y < H; y++)
                for (int x = 0; x < W; x++) {
                    double s = with_bias ? bias[o] : 0.0;
                    for (int c = 0; c < Cin; c++)
                        for (int i = 0; i < k; i++)
                            for (int j = 0; j < k; j++) {
                                const int iy = y + i - p, ix = x + j - p;
                                if (iy < 0 || iy >= H || ix < 0 || ix >= W)
                                    continue;
                                s += (double)w[((o * Cin + c) * k + i) * k + j] *
                                     in[((size_t)(b * Cin + c) * H + iy) * W + ix];
                            }
                    ref[((size_t)(b * Cout + o) * H + y) * W + x] = s;
                }
    kws_conv2d_forward_f32(out, in, w, with_bias ? bias : NULL, B, Cin, Cout, H, W, k, scratch);
    const double d = rel_diff(out, ref, nout);
    printf("conv2d forward B=%d Cin=%d Cout=%d %dx%d k=%d bias=%d: rel diff %.2e\n", B, Cin, Cout,
           H, W, k, with_bias, d);
    CHECK(d <= 1e-5);
    free(in); free(w); free(bias); free(out); free(scratch); free(ref);
}

/* Samples go through conv in groups (kws_conv2d_group): a batch whose last
 * group is partial must give what one-sample calls give. */
static void check_conv_grouping(int B, int Cin, int Cout, int H, int W, int k)
{
    const size_t HW = (size_t)H * W, nin = (size_t)B * Cin * HW, nout = (size_t)B * Cout * HW;
    const size_t nw = (size_t)Cout * Cin * k * k;
    float *in = rand_buf(nin, 1.0f), *w = rand_buf(nw, 1.0f), *bias = rand_buf(Cout, 1.0f);
    float *gout = rand_buf(nout, 1.0f);
    float *out = malloc(sizeof(float) * nout), *out1 = malloc(sizeof(float) * nout);
    float *gin = malloc(sizeof(float) * nin), *gin1 = malloc(sizeof(float) * nin);
    float *gw = calloc(nw, sizeof(float)), *gw1 = calloc(nw, sizeof(float));
    float *gb = calloc(Cout, sizeof(float)), *gb1 = calloc(Cout, sizeof(float));
    float *scratch = malloc(sizeof(float) * kws_conv2d_scratch_size(B, Cin, Cout, H, W, k));
    const int G = kws_conv2d_group(B, H, W);
    kws_conv2d_forward_f32(out, in, w, bias, B, Cin, Cout, H, W, k, scratch);
    kws_conv2d_backward_f32(gin, gw, gb, gout, in, w, B, Cin, Cout, H, W, k, scratch);
    for (int b = 0; b < B; b++) { /* B = 1: a group of one, scratch for B serves */
        kws_conv2d_forward_f32(out1 + b * Cout * HW, in + b * Cin * HW, w, bias, 1, Cin, Cout, H,
                               W, k, scratch);
        kws_conv2d_backward_f32(gin1 + b * Cin * HW, gw1, gb1, gout + b * Cout * HW,
                                in + b * Cin * HW, w, 1, Cin, Cout, H, W, k, scratch);
    }
    double dout = 0.0, din = 0.0, dw = 0.0, db = 0.0, mw = 0.0, mo = 0.0, mi = 0.0;
    for (size_t i = 0; i < nout; i++) {
        dout = fmax(dout, fabs(out[i] - out1[i]));
        mo = fmax(mo, fabs(out1[i]));
    }
    for (size_t i = 0; i < nin; i++) {
        din = fmax(din, fabs(gin[i] - gin1[i]));
        mi = fmax(mi, fabs(gin1[i]));
    }
    for (size_t i = 0; i < nw; i++) {
        dw = fmax(dw, fabs(gw[i] - gw1[i]));
        mw = fmax(mw, fabs(gw1[i]));
    }
    for (int o = 0; o < Cout; o++)
        db = fmax(db, fabs(gb[o] - gb1[o]) / fabs(gb1[o]));
    dout /= mo;
    din /= mi;
    dw /= mw;
    printf("conv2d grouping B=%d (groups of %d) vs B=1 calls, max rel diff: out %.1e "
           "grad_in %.1e grad_w %.1e grad_b %.1e\n", B, G, dout, din, dw, db);
    CHECK(G > 1 && B % G != 0); /* really a partial last group */
    /* BLAS may block a wider product differently: equal up to rounding */
    CHECK(dout <= 1e-5 && din <= 1e-5 && dw <= 1e-5 && db <= 1e-5);
    free(in); free(w); free(bias); free(gout); free(out); free(out1); free(gin); free(gin1);
    free(gw); free(gw1); free(gb); free(gb1); free(scratch);
}

static void check_dense_forward(int B, int K, int N)
{
    float *in = rand_buf((size_t)B * K, 1.0f), *w = rand_buf((size_t)N * K, 1.0f);
    float *bias = rand_buf(N, 1.0f), *out = malloc(sizeof(float) * B * N);
    double *ref = malloc(sizeof(double) * B * N);
    for (int b = 0; b < B; b++)
        for (int n = 0; n < N; n++) {
            double s = bias[n];
            for (int k = 0; k < K; k++)
                s += (double)in[b * K + k] * w[n * K + k];
            ref[b * N + n] = s;
        }
    kws_dense_forward_f32(out, in, w, bias, B, K, N);
    const double d = rel_diff(out, ref, (size_t)B * N);
    printf("dense forward B=%d K=%d N=%d: rel diff %.2e\n", B, K, N, d);
    CHECK(d <= 1e-5);
    free(in); free(w); free(bias); free(out); free(ref);
}

static void check_maxpool_forward(void)
{
    /* one 3x5 plane: the odd last row and column are dropped */
    const float in[15] = {1, 5, 2, 0, 9,
                          3, 4, 7, 8, 9,
                          9, 9, 9, 9, 9};
    float out[2];
    int32_t am[2];
    kws_maxpool2x2_forward_f32(out, am, in, 1, 1, 3, 5);
    CHECK(out[0] == 5.0f && out[1] == 8.0f);
    CHECK_EQ_INT(am[0], 1);
    CHECK_EQ_INT(am[1], 8);
    float g[15];
    const float go[2] = {0.5f, -2.0f};
    kws_maxpool2x2_backward_f32(g, go, am, 1, 1, 3, 5);
    for (int i = 0; i < 15; i++)
        CHECK(g[i] == (i == 1 ? 0.5f : i == 8 ? -2.0f : 0.0f));
}

static void check_batchnorm(void)
{
    enum { B = 8, C = 3, HW = 10 };
    const size_t n = (size_t)B * C * HW;
    const float momentum = 0.1f, eps = 1e-3f;
    float *x1 = rand_buf(n, 2.0f), *x2 = rand_buf(n, 1.0f), *out = malloc(sizeof(float) * n);
    for (size_t i = 0; i < n; i++)
        x2[i] += 3.0f;
    const float gamma[C] = {1.5f, 0.5f, -1.0f}, beta[C] = {0.1f, -0.2f, 0.3f};
    float rm[C] = {0, 0, 0}, rv[C] = {1, 1, 1}, mean[C], invstd[C];
    double erm[C] = {0, 0, 0}, erv[C] = {1, 1, 1};
    const float *xs[2] = {x1, x2};
    for (int call = 0; call < 2; call++) {
        const float *x = xs[call];
        kws_batchnorm_forward_train_f32(out, mean, invstd, rm, rv, x, gamma, beta, B, C, HW,
                                        momentum, eps);
        for (int c = 0; c < C; c++) {
            double s = 0.0, ss = 0.0;
            for (int b = 0; b < B; b++)
                for (int t = 0; t < HW; t++)
                    s += x[(b * C + c) * HW + t];
            const double mu = s / (B * HW);
            for (int b = 0; b < B; b++)
                for (int t = 0; t < HW; t++) {
                    const double d = x[(b * C + c) * HW + t] - mu;
                    ss += d * d;
                }
            const double var = ss / (B * HW), unbiased = ss / (B * HW - 1);
            erm[c] = (1 - momentum) * erm[c] + momentum * mu;
            erv[c] = (1 - momentum) * erv[c] + momentum * unbiased;
            CHECK_NEAR(mean[c], mu, 1e-6);
            CHECK_NEAR(invstd[c], 1.0 / sqrt(var + eps), 1e-5 / sqrt(var + eps));
            CHECK_NEAR(rm[c], erm[c], 1e-6);
            CHECK_NEAR(rv[c], erv[c], 1e-6);
            /* output: mean beta, biased variance gamma^2 * var / (var + eps) */
            double os = 0.0, oss = 0.0;
            for (int b = 0; b < B; b++)
                for (int t = 0; t < HW; t++)
                    os += out[(b * C + c) * HW + t];
            const double om = os / (B * HW);
            for (int b = 0; b < B; b++)
                for (int t = 0; t < HW; t++) {
                    const double d = out[(b * C + c) * HW + t] - om;
                    oss += d * d;
                }
            CHECK_NEAR(om, beta[c], 1e-5);
            CHECK_NEAR(oss / (B * HW), gamma[c] * gamma[c] * var / (var + eps), 1e-5);
        }
    }
    /* inference: the running statistics, element by element */
    kws_batchnorm_forward_infer_f32(out, x2, gamma, beta, rm, rv, B, C, HW, eps);
    double md = 0.0;
    for (int b = 0; b < B; b++)
        for (int c = 0; c < C; c++)
            for (int t = 0; t < HW; t++) {
                const size_t i = ((size_t)b * C + c) * HW + t;
                const double e =
                    gamma[c] * (x2[i] - (double)rm[c]) / sqrt((double)rv[c] + eps) + beta[c];
                md = fabs(out[i] - e) > md ? fabs(out[i] - e) : md;
            }
    printf("batchnorm inference: max abs diff %.2e\n", md);
    CHECK(md <= 1e-5);
    /* in place forward (inference) gives the same */
    float *x3 = malloc(sizeof(float) * n);
    memcpy(x3, x2, sizeof(float) * n);
    kws_batchnorm_forward_infer_f32(x3, x3, gamma, beta, rm, rv, B, C, HW, eps);
    CHECK(memcmp(x3, out, sizeof(float) * n) == 0);
    free(x1); free(x2); free(x3); free(out);
}

static void check_dropout_rate(void)
{
    enum { N = 100000 };
    float *in = malloc(sizeof(float) * N), *out = malloc(sizeof(float) * N);
    float *mask = malloc(sizeof(float) * N);
    for (int i = 0; i < N; i++)
        in[i] = 1.0f;
    kws_rng r;
    kws_rng_seed(&r, 5);
    kws_dropout_forward_f32(out, mask, in, N, 0.3f, &r);
    double kept = 0.0, sum = 0.0;
    for (int i = 0; i < N; i++) {
        kept += mask[i] != 0.0f;
        sum += out[i];
    }
    printf("dropout p=0.3: kept %.4f, mean out %.4f\n", kept / N, sum / N);
    CHECK_NEAR(kept / N, 0.7, 5e-3);
    CHECK_NEAR(sum / N, 1.0, 1e-2); /* inverted dropout keeps the expectation */
    /* in place */
    kws_rng_seed(&r, 5);
    kws_dropout_forward_f32(in, mask, in, N, 0.3f, &r);
    CHECK(memcmp(in, out, sizeof(float) * N) == 0);
    free(in); free(out); free(mask);
}

static void check_relu(void)
{
    float x[5] = {-1.0f, 0.0f, 2.0f, -0.0f, 3.5f}, g[5] = {1, 1, 1, 1, 1};
    kws_relu_forward_f32(x, x, 5);
    CHECK(x[0] == 0.0f && x[1] == 0.0f && x[2] == 2.0f && x[3] == 0.0f && x[4] == 3.5f);
    kws_relu_backward_f32(g, g, x, 5);
    CHECK(g[0] == 0.0f && g[1] == 0.0f && g[2] == 1.0f && g[3] == 0.0f && g[4] == 1.0f);
}

int main(void)
{
    kws_rng_seed(&g_rng, 7);
    check_conv_forward(2, 3, 4, 5, 6, 3, 1);
    check_conv_forward(1, 2, 3, 4, 7, 5, 1);
    check_conv_forward(2, 3, 5, 3, 4, 1, 1);
    check_conv_forward(3, 1, 16, 38, 55, 3, 0);
    check_conv_forward(2, 16, 8, 9, 13, 3, 1);
    check_conv_forward(2, 2, 3, 2, 1, 5, 1); /* plane smaller than the kernel's reach */
    check_conv_forward(1, 2, 2, 1, 4, 3, 1);
    check_conv_grouping(5, 2, 3, 32, 40, 3);
    check_conv_grouping(7, 3, 4, 15, 25, 5);
    check_dense_forward(4, 300, 17);
    check_dense_forward(1, 5, 3);
    check_maxpool_forward();
    check_batchnorm();
    check_dropout_rate();
    check_relu();
    return test_summary("test_layers");
}
