/* test_maxpool_s8.c - kws_maxpool2d_s8 against a naive 2x2/stride-2/floor
 * max pool written here (bit-exact), on the paper's pooled shapes, odd
 * sizes (last row/column dropped) and the full int8 range; and against
 * quantize(max(dequantized)) (max commutes with the monotonic quantizer).
 */
#include <stdlib.h>
#include "tests/test.h"
#include "tests/runtime/runtime_util.h"
#include "kws/runtime.h"

static void run_case(int H, int W, int C, rt_rng *g)
{
    const int OH = H / 2, OW = W / 2;
    int8_t *in = malloc((size_t)H * W * C), *out = malloc((size_t)OH * OW * C + 1);
    rt_fill_s8(g, in, (size_t)H * W * C, -128, 127);
    out[(size_t)OH * OW * C] = 99; /* guard */
    kws_pool_dims d = {H, W, C};
    CHECK_EQ_INT(kws_maxpool2d_s8(&d, in, out), KWS_OK);
    long diff = 0;
    const double s = 0.037;
    for (int y = 0; y < OH; y++)
        for (int x = 0; x < OW; x++)
            for (int c = 0; c < C; c++) {
                int m = -1000;
                double rm = -1e30;
                for (int i = 0; i < 2; i++)
                    for (int j = 0; j < 2; j++) {
                        int v = in[((size_t)(2 * y + i) * W + 2 * x + j) * C + c];
                        if (v > m) m = v;
                        if (s * v > rm) rm = s * v;
                    }
                int got = out[((size_t)y * OW + x) * C + c];
                diff += got != m;
                diff += got != rt_quantize(rm, s, -128, 127);
            }
    CHECK_EQ_INT(diff, 0);
    CHECK_EQ_INT(out[(size_t)OH * OW * C], 99);
    printf("maxpool %2dx%2dx%2d: %ld mismatches\n", H, W, C, diff);
    free(in);
    free(out);
}

int main(void)
{
    rt_rng g = {77};
    run_case(38, 55, 16, &g); /* paper conv2d_1 -> 19x27 */
    run_case(19, 27, 32, &g); /* paper conv2d_3 -> 9x13 */
    run_case(2, 2, 1, &g);
    run_case(3, 5, 3, &g);
    run_case(2, 7, 2, &g);
    int8_t in[4] = {0}, out[1];
    kws_pool_dims d = {1, 4, 1};
    CHECK_EQ_INT(kws_maxpool2d_s8(&d, in, out), KWS_ERR_ARG);
    d = (kws_pool_dims){2, 2, 0};
    CHECK_EQ_INT(kws_maxpool2d_s8(&d, in, out), KWS_ERR_ARG);
    d = (kws_pool_dims){2, 2, 1};
    CHECK_EQ_INT(kws_maxpool2d_s8(NULL, in, out), KWS_ERR_ARG);
    CHECK_EQ_INT(kws_maxpool2d_s8(&d, NULL, out), KWS_ERR_ARG);
    CHECK_EQ_INT(kws_maxpool2d_s8(&d, in, NULL), KWS_ERR_ARG);
    return test_summary("test_runtime_maxpool_s8");
}
