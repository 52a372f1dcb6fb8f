/* test_channel_affine_s8.c - batch norm after ReLU/pool as an integer
 * per-channel affine map. Builds (m_c, b_c, M_c) from float batch-norm
 * parameters with the exporter recipe of docs/quantization.md
 * (m_c = sign(a_c) * 2^14, s_m = |a_c| / 2^14, b_c = rhaz(d_c / (s_x s_m)),
 * M_c = s_x s_m / s_y) and checks:
 *  (1) bit-exact vs a naive loop with the documented requant formula;
 *  (2) within 1 LSB of quantize(a_c * (s_x q_x) + d_c) in double;
 *  (3) in-place operation gives the same result.
 */
#include <stdlib.h>
#include <string.h>
#include "tests/test.h"
#include "tests/runtime/runtime_util.h"
#include "kws/runtime.h"

static void run_case(int count, int C, int in_min, rt_rng *g)
{
    const size_t n = (size_t)count * C;
    int8_t *in = malloc(n), *out = malloc(n), *inplace = malloc(n);
    int16_t *m = malloc(sizeof(int16_t) * C);
    int32_t *b = malloc(sizeof(int32_t) * C);
    double *a = malloc(sizeof(double) * C), *dd = malloc(sizeof(double) * C);
    kws_requant *rq = malloc(sizeof(kws_requant) * C);
    const double s_x = 0.02 + 0.03 * rt_unit(g), s_y = 0.04 + 0.03 * rt_unit(g);
    const double eps = 1e-3;
    for (int c = 0; c < C; c++) {
        double gamma = (rt_unit(g) * 2 - 0.5), beta = rt_unit(g) - 0.5;
        double mean = rt_unit(g) * 2, var = 0.1 + rt_unit(g);
        if (c == 1) gamma = 0.0; /* a dead channel: output is beta */
        a[c] = gamma / sqrt(var + eps);
        dd[c] = beta - a[c] * mean;
        double s_m = a[c] != 0 ? fabs(a[c]) / 16384.0 : 1.0 / 16384.0;
        m[c] = (int16_t)(a[c] > 0 ? 16384 : a[c] < 0 ? -16384 : 0);
        b[c] = (int32_t)rt_rhaz(dd[c] / (s_x * s_m));
        CHECK_EQ_INT(kws_requant_from_scale(s_x * s_m / s_y, &rq[c]), KWS_OK);
    }
    rt_fill_s8(g, in, n, in_min, 127);
    memcpy(inplace, in, n);
    kws_requant_out q = {rq, -127, 127};
    CHECK_EQ_INT(kws_channel_affine_s8(&q, count, C, in, m, b, out), KWS_OK);
    CHECK_EQ_INT(kws_channel_affine_s8(&q, count, C, inplace, m, b, inplace), KWS_OK);
    CHECK(memcmp(out, inplace, n) == 0);
    long naive = 0, off = 0, worst = 0;
    for (size_t i = 0; i < n; i++) {
        int c = (int)(i % C);
        int want = rt_ref_out((int64_t)in[i] * m[c] + b[c], rq[c], -127, 127);
        naive += out[i] != want;
        int fq = rt_quantize(a[c] * (s_x * in[i]) + dd[c], s_y, -127, 127);
        long e = labs((long)out[i] - fq);
        off += e != 0;
        if (e > worst) worst = e;
    }
    CHECK_EQ_INT(naive, 0);
    CHECK(worst <= 1);
    printf("channel_affine %4d x %2d: naive mismatches %ld; vs real math max %ld LSB, %ld of %zu off\n",
           count, C, naive, worst, off, n);
    free(in); free(out); free(inplace); free(m); free(b); free(a); free(dd); free(rq);
}

int main(void)
{
    rt_rng g = {4242};
    run_case(19 * 27, 16, 0, &g);  /* after conv2d_1 + pool (ReLU: inputs >= 0) */
    run_case(9 * 13, 64, 0, &g);
    run_case(1, 64, -127, &g);     /* dense_1's batch norm, one position */
    run_case(5, 3, -128, &g);
    int8_t x[2] = {0}, y[2];
    int16_t m[2] = {1, 1};
    kws_requant rq[2] = {{1 << 30, 0}, {1 << 30, 0}};
    kws_requant_out q = {rq, -127, 127};
    CHECK_EQ_INT(kws_channel_affine_s8(&q, 1, 2, x, m, NULL, y), KWS_OK);
    CHECK_EQ_INT(kws_channel_affine_s8(&q, 0, 2, x, m, NULL, y), KWS_ERR_ARG);
    CHECK_EQ_INT(kws_channel_affine_s8(&q, 1, 2, x, NULL, NULL, y), KWS_ERR_ARG);
    CHECK_EQ_INT(kws_channel_affine_s8(NULL, 1, 2, x, m, NULL, y), KWS_ERR_ARG);
    return test_summary("test_runtime_channel_affine_s8");
}
