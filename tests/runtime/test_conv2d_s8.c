/* test_conv2d_s8.c - kws_conv2d_s8 against
 *  (1) a naive integer convolution written here (bounds test per tap, int64
 *      sum, the documented requant formula): bit-exact;
 *  (2) real-valued math: dequantize input, weights and bias, convolve in
 *      double, quantize with the output scale: at most 1 LSB apart.
 * Shapes: the paper's layers (38x55x1->16, 19x27x16->32, 9x13x64->64) and
 * small edge cases (1x1 image, k=1, k=5, one row/column, -128 inputs).
 */
#include <stdlib.h>
#include <string.h>
#include "tests/test.h"
#include "tests/runtime/runtime_util.h"
#include "kws/runtime.h"

typedef struct {
    int h, w, cin, cout, k, act_min, in_min, use_bias;
} conv_case;

static const conv_case cases[] = {
    {38, 55, 1, 16, 3, 0, -127, 1},   /* paper conv2d, ReLU fused */
    {19, 27, 16, 32, 3, 0, -127, 1},  /* paper conv2d_2 */
    {9, 13, 64, 64, 3, -127, -127, 1}, /* paper conv2d_5 without ReLU */
    {5, 4, 3, 7, 1, -128, -128, 1},
    {1, 1, 2, 3, 3, -127, -128, 1},
    {2, 3, 5, 4, 5, 0, -127, 0},
    {7, 1, 3, 2, 3, -127, -127, 1},
    {1, 6, 4, 3, 3, -127, -127, 1},
    {6, 6, 2, 2, 7, -127, -127, 1},
};

static void run_case(const conv_case *cs, rt_rng *g)
{
    const int H = cs->h, W = cs->w, C = cs->cin, O = cs->cout, K = cs->k, P = (K - 1) / 2;
    const size_t n_in = (size_t)H * W * C, n_w = (size_t)O * K * K * C, n_out = (size_t)H * W * O;
    int8_t *in = malloc(n_in), *wt = malloc(n_w), *out = malloc(n_out);
    int32_t *bias = malloc(sizeof(int32_t) * O);
    double *s_w = malloc(sizeof(double) * O);
    kws_requant *rq = malloc(sizeof(kws_requant) * O);

    /* real weights -> per-channel symmetric int8, as the exporter does */
    const double s_x = 0.01 + 0.05 * rt_unit(g);
    for (int o = 0; o < O; o++) {
        double wmax = 0.05 + rt_unit(g);
        s_w[o] = wmax / 127.0;
        for (int t = 0; t < K * K * C; t++) {
            double w = (2 * rt_unit(g) - 1) * wmax;
            if (t == 0) w = (o & 1) ? -wmax : wmax; /* the channel's max */
            wt[(size_t)o * K * K * C + t] = (int8_t)rt_quantize(w, s_w[o], -127, 127);
        }
        double b = (2 * rt_unit(g) - 1) * 2.0;
        bias[o] = (int32_t)rt_rhaz(b / (s_x * s_w[o]));
    }
    rt_fill_s8(g, in, n_in, cs->in_min, 127);
    /* output scale: typical |acc| maps to ~60 codes, so some outputs clip */
    double acc_std = sqrt((double)K * K * C) * 73.0 * 73.0;
    const double s_y = s_x * (0.5 / 127.0) * acc_std / 60.0;
    CHECK(rt_make_requant(rq, O, s_x, s_w, s_y));
    if (O > 2) rq[O - 1] = (kws_requant){0, 0}; /* M = 0 channel */

    kws_conv2d_dims d = {H, W, C, O, K, 0};
    kws_requant_out q = {rq, cs->act_min, 127};
    const int32_t *b = cs->use_bias ? bias : NULL;
    CHECK_EQ_INT(kws_conv2d_s8_scratch_size(&d), 0);
    CHECK_EQ_INT(kws_conv2d_s8(NULL, &d, &q, in, wt, b, out), KWS_OK);

    long naive_diff = 0, float_max = 0, float_off = 0, clipped = 0;
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            for (int o = 0; o < O; o++) {
                int64_t acc = 0;
                double real = 0;
                for (int i = 0; i < K; i++)
                    for (int j = 0; j < K; j++)
                        for (int c = 0; c < C; c++) {
                            int yy = y + i - P, xx = x + j - P;
                            if (yy < 0 || yy >= H || xx < 0 || xx >= W) continue;
                            int qx = in[((size_t)yy * W + xx) * C + c];
                            int qw = wt[(((size_t)o * K + i) * K + j) * C + c];
                            acc += qx * qw;
                            real += (s_x * qx) * (s_w[o] * qw);
                        }
                if (b) {
                    acc += b[o];
                    real += s_x * s_w[o] * b[o];
                }
                int got = out[((size_t)y * W + x) * O + o];
                int want = rt_ref_out(acc, rq[o], cs->act_min, 127);
                naive_diff += got != want;
                if (rq[o].multiplier == 0) continue; /* no real counterpart */
                int fq = rt_quantize(real / s_y, 1.0, cs->act_min, 127);
                long dd = labs((long)got - fq);
                if (dd > float_max) float_max = dd;
                float_off += dd != 0;
                clipped += fq == 127 || fq == cs->act_min;
            }
    CHECK_EQ_INT(naive_diff, 0);
    CHECK(float_max <= 1);
    printf("conv %2dx%2dx%2d -> %2d k=%d min=%4d: naive mismatches %ld; vs real math: max %ld LSB, "
           "%ld of %zu off by 1, %ld clipped\n",
           H, W, C, O, K, cs->act_min, naive_diff, float_max, float_off, n_out, clipped);
    free(in); free(wt); free(out); free(bias); free(s_w); free(rq);
}

static void test_errors(void)
{
    int8_t in[4] = {0}, wt[9] = {0}, out[4];
    kws_requant rq[1] = {{1 << 30, 0}};
    kws_requant_out q = {rq, -127, 127};
    kws_conv2d_dims d = {2, 2, 1, 1, 3, 0};
    CHECK_EQ_INT(kws_conv2d_s8(NULL, &d, &q, in, wt, NULL, out), KWS_OK);
    CHECK_EQ_INT(kws_conv2d_s8(NULL, NULL, &q, in, wt, NULL, out), KWS_ERR_ARG);
    CHECK_EQ_INT(kws_conv2d_s8(NULL, &d, NULL, in, wt, NULL, out), KWS_ERR_ARG);
    CHECK_EQ_INT(kws_conv2d_s8(NULL, &d, &q, NULL, wt, NULL, out), KWS_ERR_ARG);
    CHECK_EQ_INT(kws_conv2d_s8(NULL, &d, &q, in, NULL, NULL, out), KWS_ERR_ARG);
    CHECK_EQ_INT(kws_conv2d_s8(NULL, &d, &q, in, wt, NULL, NULL), KWS_ERR_ARG);
    kws_conv2d_dims bad = d;
    bad.kernel = 2;
    CHECK_EQ_INT(kws_conv2d_s8(NULL, &bad, &q, in, wt, NULL, out), KWS_ERR_ARG);
    bad = d; bad.h = 0;
    CHECK_EQ_INT(kws_conv2d_s8(NULL, &bad, &q, in, wt, NULL, out), KWS_ERR_ARG);
    rq[0].multiplier = 5;
    CHECK_EQ_INT(kws_conv2d_s8(NULL, &d, &q, in, wt, NULL, out), KWS_ERR_ARG);
}

int main(void)
{
    rt_rng g = {0xC0FFEEULL};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) run_case(&cases[i], &g);
    test_errors();
    return test_summary("test_runtime_conv2d_s8");
}
