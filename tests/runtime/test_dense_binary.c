/* test_dense_binary.c - binary dense layers:
 *  - packed size: 7488 x 64 weights take 59,904 bytes;
 *  - kws_dense_binary_s8 (int8 input, +-1 weights, per-channel alpha in the
 *    multiplier) bit-exact vs a naive +-1 loop, and within 1 LSB of
 *    real-valued math (alpha_n * sign(w) . s_x q_x + b_n, quantized);
 *  - kws_dense_binary_b1 (XNOR/popcount) bit-exact vs a naive +-1 product;
 *  - kws_sign_pack_s8 vs a naive packer; padding bits are ignored.
 * Weights are packed here by a plain packer (what the exporter does):
 * bit k of row n = byte n*ceil(K/8) + k/8, bit k%8, 1 = (w >= 0).
 */
#include <stdlib.h>
#include <string.h>
#include "tests/test.h"
#include "tests/runtime/runtime_util.h"
#include "kws/runtime.h"

static void pack_row(const double *w, int K, uint8_t *row, int pad_ones)
{
    size_t bytes = ((size_t)K + 7) / 8;
    memset(row, pad_ones ? 0xFF : 0, bytes); /* padding must not matter */
    for (int k = 0; k < K; k++) {
        if (w[k] >= 0) row[k / 8] |= (uint8_t)(1u << (k % 8));
        else row[k / 8] &= (uint8_t)~(1u << (k % 8));
    }
}

static int bit(const uint8_t *row, int k)
{
    return (row[k / 8] >> (k % 8)) & 1;
}

static void run_case(int K, int N, int act_min, rt_rng *g)
{
    const size_t rb = kws_binary_row_bytes(K);
    CHECK_EQ_INT(rb, (K + 7) / 8);
    CHECK_EQ_INT(kws_binary_weight_bytes(K, N), rb * N);
    uint8_t *wb = malloc(rb * N), *xb = malloc(rb);
    int8_t *in = malloc(K), *out = malloc(N), *outb = malloc(N);
    double *w = malloc(sizeof(double) * K), *alpha = malloc(sizeof(double) * N);
    int32_t *bias = malloc(sizeof(int32_t) * N), *bias_b = malloc(sizeof(int32_t) * N);
    kws_requant *rq = malloc(sizeof(kws_requant) * N), *rqb = malloc(sizeof(kws_requant) * N);
    const double s_x = 0.02 + 0.03 * rt_unit(g);
    const double s_y = s_x * 0.05 * sqrt((double)K) * 73.0 / 40.0;
    const double beta_x = 0.8; /* real scale of a +-1 input */
    for (int n = 0; n < N; n++) {
        double sum = 0;
        for (int k = 0; k < K; k++) {
            w[k] = (2 * rt_unit(g) - 1) * 0.1;
            if (k == n % K) w[k] = 0.0; /* 0 -> +1 */
            sum += fabs(w[k]);
        }
        alpha[n] = sum / K;
        pack_row(w, K, wb + (size_t)n * rb, n & 1);
        bias[n] = (int32_t)rt_rhaz((2 * rt_unit(g) - 1) / (s_x * alpha[n]));
        bias_b[n] = (int32_t)rt_int(g, -K / 4 - 1, K / 4 + 1);
        CHECK_EQ_INT(kws_requant_from_scale(s_x * alpha[n] / s_y, &rq[n]), KWS_OK);
        CHECK_EQ_INT(kws_requant_from_scale(beta_x * alpha[n] * 127.0 / (sqrt((double)K) * 3.0) / 1.0, &rqb[n]), KWS_OK);
    }
    rt_fill_s8(g, in, K, -127, 127);
    for (size_t i = 0; i < rb; i++) xb[i] = (uint8_t)rt_next(g); /* padding bits random too */

    kws_dense_dims d = {K, N};
    kws_requant_out q = {rq, act_min, 127}, qb = {rqb, -127, 127};
    CHECK_EQ_INT(kws_dense_binary_s8(&d, &q, in, wb, bias, out), KWS_OK);
    CHECK_EQ_INT(kws_dense_binary_b1(&d, &qb, xb, wb, bias_b, outb), KWS_OK);
    long naive = 0, naive_b = 0, worst = 0, off = 0, clipped = 0;
    for (int n = 0; n < N; n++) {
        const uint8_t *row = wb + (size_t)n * rb;
        int64_t acc = bias[n], acc_b = bias_b[n];
        double real = s_x * alpha[n] * bias[n];
        for (int k = 0; k < K; k++) {
            int s = bit(row, k) ? 1 : -1;
            acc += s * in[k];
            acc_b += s * (bit(xb, k) ? 1 : -1);
            real += (alpha[n] * s) * (s_x * in[k]);
        }
        naive += out[n] != rt_ref_out(acc, rq[n], act_min, 127);
        naive_b += outb[n] != rt_ref_out(acc_b, rqb[n], -127, 127);
        long e = labs((long)out[n] - rt_quantize(real, s_y, act_min, 127));
        off += e != 0;
        clipped += out[n] == 127 || out[n] == act_min;
        if (e > worst) worst = e;
    }
    CHECK_EQ_INT(naive, 0);
    CHECK_EQ_INT(naive_b, 0);
    CHECK(worst <= 1);
    printf("dense_binary %4d -> %2d (%zu bytes): s8 naive mismatches %ld, vs real math max %ld LSB "
           "(%ld off, %ld clipped); b1 naive mismatches %ld\n",
           K, N, rb * N, naive, worst, off, clipped, naive_b);
    free(wb); free(xb); free(in); free(out); free(outb); free(w); free(alpha);
    free(bias); free(bias_b); free(rq); free(rqb);
}

static void test_sign_pack(rt_rng *g)
{
    enum { COUNT = 7, C = 5, N = COUNT * C };
    int8_t in[N];
    int16_t thr[C] = {0, -3, 10, -128, 128};
    uint8_t out[(N + 7) / 8], out0[(N + 7) / 8];
    rt_fill_s8(g, in, N, -128, 127);
    in[2] = 10; /* exactly at a threshold: +1 */
    in[0] = 0;  /* 0 -> +1 */
    memset(out, 0xAA, sizeof out);
    CHECK_EQ_INT(kws_sign_pack_s8(COUNT, C, in, thr, out), KWS_OK);
    CHECK_EQ_INT(kws_sign_pack_s8(COUNT, C, in, NULL, out0), KWS_OK);
    long bad = 0;
    for (int k = 0; k < N; k++) {
        bad += bit(out, k) != (in[k] >= thr[k % C]);
        bad += bit(out0, k) != (in[k] >= 0);
    }
    for (int k = N; k < (int)sizeof out * 8; k++) bad += bit(out, k) != 0;
    CHECK_EQ_INT(bad, 0);
    CHECK_EQ_INT(kws_sign_pack_s8(0, C, in, thr, out), KWS_ERR_ARG);
}

int main(void)
{
    rt_rng g = {2718};
    /* the paper's hybrid model: 7488 x 64 binary weights in 59,904 bytes */
    CHECK_EQ_INT(kws_binary_weight_bytes(7488, 64), 59904);
    CHECK_EQ_INT(kws_binary_row_bytes(7488), 936);
    CHECK_EQ_INT(kws_binary_row_bytes(1), 1);
    CHECK_EQ_INT(kws_binary_row_bytes(0), 0);
    run_case(7488, 64, 0, &g);  /* dense, ReLU */
    run_case(64, 64, 0, &g);    /* dense_1 */
    run_case(13, 3, -127, &g);  /* tail bits */
    run_case(8, 2, -128, &g);
    run_case(1, 1, -127, &g);
    run_case(37, 5, -127, &g);  /* words + tail bytes + tail bits */
    test_sign_pack(&g);
    int8_t x[8] = {0}, y[1];
    uint8_t w[1] = {0}, xb[1] = {0};
    kws_requant rq[1] = {{1 << 30, 0}};
    kws_requant_out q = {rq, -127, 127};
    kws_dense_dims d = {8, 1};
    CHECK_EQ_INT(kws_dense_binary_s8(&d, &q, x, w, NULL, y), KWS_OK);
    CHECK_EQ_INT(kws_dense_binary_b1(&d, &q, xb, w, NULL, y), KWS_OK);
    CHECK_EQ_INT(y[0], 4); /* -1 * -1 eight times: acc 8, times M = 0.5 */
    CHECK_EQ_INT(kws_dense_binary_s8(&d, &q, x, NULL, NULL, y), KWS_ERR_ARG);
    CHECK_EQ_INT(kws_dense_binary_b1(&d, NULL, xb, w, NULL, y), KWS_ERR_ARG);
    d.in = 0;
    CHECK_EQ_INT(kws_dense_binary_s8(&d, &q, x, w, NULL, y), KWS_ERR_ARG);
    return test_summary("test_runtime_dense_binary");
}
