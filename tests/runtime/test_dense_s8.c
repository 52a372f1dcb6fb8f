/* test_dense_s8.c - kws_dense_s8 bit-exact against a naive int64 dot
 * product + the documented requant formula, and within 1 LSB of
 * real-valued math (dequantize, double dot product, quantize), on the
 * paper's three dense shapes (7488->64, 64->64, 64->10) and small ones.
 */
#include <stdlib.h>
#include "tests/test.h"
#include "tests/runtime/runtime_util.h"
#include "kws/runtime.h"

static void run_case(int K, int N, int act_min, int use_bias, rt_rng *g)
{
    int8_t *in = malloc(K), *wt = malloc((size_t)K * N), *out = malloc(N);
    int32_t *bias = malloc(sizeof(int32_t) * N);
    double *s_w = malloc(sizeof(double) * N);
    kws_requant *rq = malloc(sizeof(kws_requant) * N);
    const double s_x = 0.01 + 0.05 * rt_unit(g);
    for (int n = 0; n < N; n++) {
        double wmax = 0.01 + 0.2 * rt_unit(g);
        s_w[n] = wmax / 127.0;
        for (int k = 0; k < K; k++) {
            double w = (2 * rt_unit(g) - 1) * wmax;
            wt[(size_t)n * K + k] = (int8_t)rt_quantize(w, s_w[n], -127, 127);
        }
        bias[n] = (int32_t)rt_rhaz((2 * rt_unit(g) - 1) / (s_x * s_w[n]));
    }
    rt_fill_s8(g, in, K, -127, 127);
    const double s_y = s_x * (0.1 / 127.0) * sqrt((double)K) * 73.0 * 73.0 / 50.0;
    CHECK(rt_make_requant(rq, N, s_x, s_w, s_y));
    kws_dense_dims d = {K, N};
    kws_requant_out q = {rq, act_min, 127};
    const int32_t *b = use_bias ? bias : NULL;
    CHECK_EQ_INT(kws_dense_s8(&d, &q, in, wt, b, out), KWS_OK);
    long naive = 0, worst = 0, off = 0, clipped = 0;
    for (int n = 0; n < N; n++) {
        int64_t acc = b ? b[n] : 0;
        double real = b ? s_x * s_w[n] * b[n] : 0;
        for (int k = 0; k < K; k++) {
            acc += (int64_t)in[k] * wt[(size_t)n * K + k];
            real += (s_x * in[k]) * (s_w[n] * wt[(size_t)n * K + k]);
        }
        naive += out[n] != rt_ref_out(acc, rq[n], act_min, 127);
        long e = labs((long)out[n] - rt_quantize(real, s_y, act_min, 127));
        off += e != 0;
        clipped += out[n] == 127 || out[n] == act_min;
        if (e > worst) worst = e;
    }
    CHECK_EQ_INT(naive, 0);
    CHECK(worst <= 1);
    printf("dense_s8 %4d -> %2d: naive mismatches %ld; vs real math max %ld LSB, %ld off, %ld clipped\n",
           K, N, naive, worst, off, clipped);
    free(in); free(wt); free(out); free(bias); free(s_w); free(rq);
}

int main(void)
{
    rt_rng g = {31337};
    run_case(7488, 64, 0, 1, &g);  /* dense (int8 variant), ReLU */
    run_case(64, 64, 0, 1, &g);    /* dense_1 */
    run_case(64, 10, -127, 1, &g); /* dense_2: logits */
    run_case(1, 1, -128, 0, &g);
    run_case(13, 3, -127, 0, &g);
    int8_t x[2] = {0}, w[2] = {0}, y[1];
    kws_requant rq[1] = {{1 << 30, 0}};
    kws_requant_out q = {rq, -127, 127};
    kws_dense_dims d = {2, 1};
    CHECK_EQ_INT(kws_dense_s8(&d, &q, x, w, NULL, y), KWS_OK);
    CHECK_EQ_INT(kws_dense_s8(NULL, &q, x, w, NULL, y), KWS_ERR_ARG);
    CHECK_EQ_INT(kws_dense_s8(&d, &q, x, NULL, NULL, y), KWS_ERR_ARG);
    d.in = 0;
    CHECK_EQ_INT(kws_dense_s8(&d, &q, x, w, NULL, y), KWS_ERR_ARG);
    return test_summary("test_runtime_dense_s8");
}
