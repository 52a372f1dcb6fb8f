/* test_conv2d_binary_s8.c - kws_conv2d_binary_s8 against its definition:
 * unpack the bits to +-1 int8 codes (Cout, k, k, Cin) and run kws_conv2d_s8
 * (itself tested against a naive convolution): the outputs must be
 * bit-identical. Also checked:
 *  - the packed size kws_conv2d_binary_weight_bytes (paper conv2d_4 and
 *    conv2d_5: 2,304 and 4,608 B);
 *  - padding bits of each tap's last byte are ignored (set at random);
 *  - shapes: the paper's binary convs (9x13, Cin 32/64), Cin not a multiple
 *    of 8 (1, 3, 9, 13), images smaller than the kernel (all border),
 *    k = 1, 5, 7, act_min 0 (fused ReLU) and -127, -128 inputs, no bias,
 *    a batch of random shapes, and Cin = 1024 filled with 127 / -128 (the
 *    packed kernel's 16-bit lane sums);
 *  - argument errors.
 */
#include <stdlib.h>
#include <string.h>
#include "tests/test.h"
#include "tests/runtime/runtime_util.h"
#include "kws/runtime.h"

typedef struct {
    int h, w, cin, cout, k, act_min, in_min, use_bias;
} bconv_case;

static const bconv_case cases[] = {
    {9, 13, 32, 64, 3, 0, -127, 1},    /* paper conv2d_4 (binary-conv mode), ReLU */
    {9, 13, 64, 64, 3, -127, -127, 1}, /* paper conv2d_5 without ReLU */
    {38, 55, 1, 16, 3, 0, -127, 1},    /* Cin = 1: one byte per tap */
    {7, 6, 3, 5, 3, -127, -128, 1},
    {5, 4, 9, 7, 1, -128, -128, 1},
    {1, 1, 13, 3, 3, -127, -128, 1},   /* one pixel: only the centre tap */
    {2, 3, 17, 4, 5, 0, -127, 0},      /* smaller than the kernel */
    {6, 6, 8, 2, 7, -127, -127, 1},
    {4, 9, 15, 6, 3, 0, -128, 1},
};

/* Packs +-1 codes (Cout, k, k, Cin) into (Cout, k, k, ceil(Cin/8)) bytes;
 * padding bits random. */
static void pack(uint8_t *wb, const int8_t *w8, int O, int K, int C, rt_rng *g)
{
    const int tb = (C + 7) / 8;
    for (int t = 0; t < O * K * K; t++)
        for (int b = 0; b < tb; b++) {
            uint8_t v = (uint8_t)rt_int(g, 0, 255); /* padding bits: garbage */
            for (int bit = 0; bit < 8 && b * 8 + bit < C; bit++) {
                v &= (uint8_t)~(1u << bit);
                if (w8[(size_t)t * C + b * 8 + bit] > 0) v |= (uint8_t)(1u << bit);
            }
            wb[(size_t)t * tb + b] = v;
        }
}

/* Returns the number of outputs that differ from the unpacked int8 conv. */
static long run_case(const bconv_case *cs, rt_rng *g, int verbose)
{
    const int H = cs->h, W = cs->w, C = cs->cin, O = cs->cout, K = cs->k;
    const size_t n_in = (size_t)H * W * C, n_w = (size_t)O * K * K * C, n_out = (size_t)H * W * O;
    const size_t n_wb = kws_conv2d_binary_weight_bytes(O, K, C);
    CHECK_EQ_INT(n_wb, (size_t)O * K * K * ((C + 7) / 8));
    int8_t *in = malloc(n_in), *w8 = malloc(n_w), *ref = malloc(n_out), *got = malloc(n_out);
    uint8_t *wb = malloc(n_wb);
    int32_t *bias = malloc(sizeof(int32_t) * O);
    double *s_w = malloc(sizeof(double) * O);
    kws_requant *rq = malloc(sizeof(kws_requant) * O);

    /* binary weights: alpha_o = s_w[o]; bias in units of s_x * alpha_o */
    const double s_x = 0.01 + 0.05 * rt_unit(g);
    for (int o = 0; o < O; o++) {
        s_w[o] = 0.02 + 0.5 * rt_unit(g);
        const int bmax = (int)(60.0 * sqrt((double)K * K * C)); /* ~ one acc std */
        bias[o] = (int32_t)rt_int(g, -bmax, bmax);
    }
    for (size_t t = 0; t < n_w; t++) w8[t] = rt_int(g, 0, 1) ? 1 : -1;
    pack(wb, w8, O, K, C, g);
    rt_fill_s8(g, in, n_in, cs->in_min, 127);
    /* output scale: acc std ~ 73 * sqrt(taps) times a typical alpha 0.27
     * maps to ~40 codes, so a few outputs clip */
    const double s_y = s_x * 0.27 * 73.0 * sqrt((double)K * K * C) / 40.0;
    CHECK(rt_make_requant(rq, O, s_x, s_w, s_y));
    if (O > 2) rq[O - 1] = (kws_requant){0, 0}; /* M = 0 channel */

    kws_conv2d_dims d = {H, W, C, O, K, 0};
    kws_requant_out q = {rq, cs->act_min, 127};
    const int32_t *b = cs->use_bias ? bias : NULL;
    CHECK_EQ_INT(kws_conv2d_s8(NULL, &d, &q, in, w8, b, ref), KWS_OK);
    memset(got, 0x55, n_out);
    CHECK_EQ_INT(kws_conv2d_binary_s8(&d, &q, in, wb, b, got), KWS_OK);
    long diff = 0, clipped = 0;
    for (size_t i = 0; i < n_out; i++) {
        diff += got[i] != ref[i];
        clipped += ref[i] == 127 || ref[i] == cs->act_min;
    }
    CHECK_EQ_INT(diff, 0);
    if (verbose)
        printf("bconv %2dx%2dx%2d -> %2d k=%d min=%4d: %zu packed B (int8 %zu), mismatches %ld "
               "of %zu, %ld clipped\n",
               H, W, C, O, K, cs->act_min, n_wb, n_w, diff, n_out, clipped);
    free(in); free(w8); free(ref); free(got); free(wb); free(bias); free(s_w); free(rq);
    return diff;
}

static void test_random_shapes(rt_rng *g)
{
    static const int ks[] = {1, 3, 5};
    long diff = 0;
    int n = 0;
    for (int r = 0; r < 60; r++) {
        bconv_case cs;
        cs.h = (int)rt_int(g, 1, 11);
        cs.w = (int)rt_int(g, 1, 11);
        cs.cin = (int)rt_int(g, 1, 40);
        cs.cout = (int)rt_int(g, 1, 9);
        cs.k = ks[rt_int(g, 0, 2)];
        cs.act_min = rt_int(g, 0, 1) ? 0 : -127;
        cs.in_min = rt_int(g, 0, 1) ? -128 : -127;
        cs.use_bias = (int)rt_int(g, 0, 3) != 0;
        diff += run_case(&cs, g, 0);
        n++;
    }
    printf("bconv: %d random shapes (Cin 1..40, k 1/3/5), mismatches %ld\n", n, diff);
    CHECK_EQ_INT(diff, 0);
}

/* Extremes for the 16-bit lane sums of the packed kernel (emptied every 64
 * weight bytes = 512 channels): Cin = 1024, every input 127 or -128, every
 * weight +1 or alternating, outputs scaled so they do not clip. */
static void test_extremes(void)
{
    enum { H = 3, W = 3, C = 1024, O = 3, K = 3 };
    static int8_t in[H * W * C], w8[O * K * K * C], ref[H * W * O], got[H * W * O];
    static uint8_t wb[O * K * K * (C / 8)];
    rt_rng g = {7};
    kws_requant rq[O];
    for (int o = 0; o < O; o++)
        CHECK(kws_requant_from_scale(120.0 / (K * K * C * 128.0), &rq[o]) == KWS_OK);
    kws_conv2d_dims d = {H, W, C, O, K, 0};
    kws_requant_out q = {rq, -127, 127};
    long diff = 0;
    for (int v = 0; v < 2; v++) {
        memset(in, v ? -128 : 127, sizeof in);
        for (size_t t = 0; t < sizeof w8; t++) { /* o = 0: all +1, 1: all -1, 2: alternating */
            size_t o = t / ((size_t)K * K * C);
            w8[t] = (int8_t)(o == 0 ? 1 : o == 1 ? -1 : (t & 1) ? 1 : -1);
        }
        pack(wb, w8, O, K, C, &g);
        CHECK_EQ_INT(kws_conv2d_s8(NULL, &d, &q, in, w8, NULL, ref), KWS_OK);
        CHECK_EQ_INT(kws_conv2d_binary_s8(&d, &q, in, wb, NULL, got), KWS_OK);
        for (int i = 0; i < H * W * O; i++) diff += got[i] != ref[i];
        CHECK(ref[4 * O] == (v ? -120 : 119)); /* centre pixel, all +1: 9216 * x * M */
    }
    printf("bconv extremes: Cin %d, inputs 127 / -128: mismatches %ld\n", C, diff);
    CHECK_EQ_INT(diff, 0);
}

static void test_sizes(void)
{
    CHECK_EQ_INT(kws_conv2d_binary_weight_bytes(64, 3, 32), 2304); /* paper conv2d_4 */
    CHECK_EQ_INT(kws_conv2d_binary_weight_bytes(64, 3, 64), 4608); /* paper conv2d_5 */
    /* Cin a multiple of 8: the dense packing of the (k, k, Cin) row */
    CHECK_EQ_INT(kws_conv2d_binary_weight_bytes(64, 3, 64), kws_binary_weight_bytes(576, 64));
    CHECK_EQ_INT(kws_conv2d_binary_weight_bytes(16, 3, 1), 16 * 9);
    CHECK_EQ_INT(kws_conv2d_binary_weight_bytes(0, 3, 1), 0);
}

static void test_errors(void)
{
    int8_t in[4] = {0}, out[4];
    uint8_t wt[9] = {0};
    kws_requant rq[1] = {{1 << 30, 0}};
    kws_requant_out q = {rq, -127, 127};
    kws_conv2d_dims d = {2, 2, 1, 1, 3, 0};
    CHECK_EQ_INT(kws_conv2d_binary_s8(&d, &q, in, wt, NULL, out), KWS_OK);
    CHECK_EQ_INT(kws_conv2d_binary_s8(NULL, &q, in, wt, NULL, out), KWS_ERR_ARG);
    CHECK_EQ_INT(kws_conv2d_binary_s8(&d, NULL, in, wt, NULL, out), KWS_ERR_ARG);
    CHECK_EQ_INT(kws_conv2d_binary_s8(&d, &q, NULL, wt, NULL, out), KWS_ERR_ARG);
    CHECK_EQ_INT(kws_conv2d_binary_s8(&d, &q, in, NULL, NULL, out), KWS_ERR_ARG);
    CHECK_EQ_INT(kws_conv2d_binary_s8(&d, &q, in, wt, NULL, NULL), KWS_ERR_ARG);
    kws_conv2d_dims bad = d;
    bad.kernel = 2;
    CHECK_EQ_INT(kws_conv2d_binary_s8(&bad, &q, in, wt, NULL, out), KWS_ERR_ARG);
    bad = d; bad.in_c = 0;
    CHECK_EQ_INT(kws_conv2d_binary_s8(&bad, &q, in, wt, NULL, out), KWS_ERR_ARG);
    bad = d; bad.in_c = (1 << 23) / 9 + 1; /* k*k*Cin > 2^23: int32 bound */
    CHECK_EQ_INT(kws_conv2d_binary_s8(&bad, &q, in, wt, NULL, out), KWS_ERR_ARG);
    rq[0].multiplier = 5;
    CHECK_EQ_INT(kws_conv2d_binary_s8(&d, &q, in, wt, NULL, out), KWS_ERR_ARG);
}

int main(void)
{
    rt_rng g = {0xB1A5EDULL};
    test_sizes();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) run_case(&cases[i], &g, 1);
    test_random_shapes(&g);
    test_extremes();
    test_errors();
    return test_summary("test_runtime_conv2d_binary_s8");
}
