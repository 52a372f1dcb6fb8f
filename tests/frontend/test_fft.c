/* test_fft.c - kws_rfft_forward against a naive double-precision DFT.
 *
 * For n = 4, 8, ..., 4096 and four inputs (uniform random in [-1, 1), an
 * impulse at t = 0, an impulse at t = n/3, a sine between two bins plus a
 * bin-centred cosine) it measures
 *   rel_rms = ||X - X_ref||_2 / ||X_ref||_2   (over the n/2+1 bins)
 *   rel_max = max_k |X[k] - X_ref[k]| / max_k |X_ref[k]|
 * and requires both <= 5e-8 * log2(n): a float FFT's rounding error grows
 * like eps * log2(n) (eps = 6e-8); measured worst is about 3e-8 * log2(n). It also checks the layout (imaginary parts of DC and Nyquist are
 * exactly 0), that the input is left untouched, and the table/arena errors.
 */
#include <stdint.h>
#include <string.h>
#include "kws/fft.h"
#include "kws/kmath.h"
#include "tests/test.h"

#define MAX_N 4096

static uint32_t lcg_state = 1;

static float lcg_uniform(void)
{
    lcg_state = 1664525u * lcg_state + 1013904223u;
    return (float)((double)lcg_state / 2147483648.0 - 1.0);
}

/* X_ref[k] = sum_t x[t] exp(-2 pi i k t / n), in double. ref: (n/2+1) complex. */
static void dft_naive(const float *x, int n, double *ref)
{
    static double c[MAX_N], s[MAX_N];
    int k, t;
    for (t = 0; t < n; t++) {
        c[t] = cos(2.0 * KWS_PI * t / n);
        s[t] = sin(2.0 * KWS_PI * t / n);
    }
    for (k = 0; k <= n / 2; k++) {
        double re = 0.0, im = 0.0;
        for (t = 0; t < n; t++) {
            int j = (int)(((long)k * t) % n);
            re += x[t] * c[j];
            im -= x[t] * s[j];
        }
        ref[2 * k] = re;
        ref[2 * k + 1] = im;
    }
}

static void make_input(float *x, int n, int kind)
{
    int t;
    for (t = 0; t < n; t++) {
        switch (kind) {
        case 0: x[t] = lcg_uniform(); break;
        case 1: x[t] = t == 0 ? 1.0f : 0.0f; break;
        case 2: x[t] = t == n / 3 ? 1.0f : 0.0f; break;
        default:
            x[t] = (float)(0.7 * sin(2.0 * KWS_PI * 3.37 * t / n) + 0.2 * cos(2.0 * KWS_PI * (n / 4) * t / n));
        }
    }
}

static double worst_rms = 0.0, worst_max = 0.0;

static void check_one(const kws_rfft *f, int n, int kind)
{
    static float x[MAX_N], x_copy[MAX_N], out[MAX_N + 2];
    static double ref[MAX_N + 2];
    double err2 = 0.0, ref2 = 0.0, err_max = 0.0, ref_max = 0.0, rel_rms, rel_max;
    double log2n = log2((double)n);
    int k;

    make_input(x, n, kind);
    memcpy(x_copy, x, (size_t)n * sizeof(float));
    kws_rfft_forward(f, x, out);
    dft_naive(x, n, ref);
    CHECK(memcmp(x, x_copy, (size_t)n * sizeof(float)) == 0);
    CHECK(out[1] == 0.0f && out[n + 1] == 0.0f);
    for (k = 0; k <= n / 2; k++) {
        double dr = out[2 * k] - ref[2 * k], di = out[2 * k + 1] - ref[2 * k + 1];
        double e = sqrt(dr * dr + di * di), r = sqrt(ref[2 * k] * ref[2 * k] + ref[2 * k + 1] * ref[2 * k + 1]);
        err2 += e * e;
        ref2 += r * r;
        if (e > err_max)
            err_max = e;
        if (r > ref_max)
            ref_max = r;
    }
    rel_rms = sqrt(err2 / ref2);
    rel_max = err_max / ref_max;
    if (rel_rms / log2n > worst_rms)
        worst_rms = rel_rms / log2n;
    if (rel_max / log2n > worst_max)
        worst_max = rel_max / log2n;
    if (kind == 0)
        printf("n=%4d random: rel_rms %.3g rel_max %.3g (bound %.3g)\n", n, rel_rms, rel_max, 5e-8 * log2n);
    CHECK(rel_rms <= 5e-8 * log2n);
    CHECK(rel_max <= 5e-8 * log2n);
}

static void test_sizes_and_errors(void)
{
    static double arena[1024];
    kws_rfft f;
    CHECK(kws_rfft_arena_size(2) == 0);
    CHECK(kws_rfft_arena_size(6) == 0);
    CHECK(kws_rfft_arena_size(8192) == 0);
    CHECK(kws_rfft_arena_size(0) == 0);
    CHECK(kws_rfft_arena_size(-512) == 0);
    CHECK(kws_rfft_arena_size(512) > 0);
    CHECK(kws_rfft_arena_size(512) <= sizeof arena);
    CHECK_EQ_INT(kws_rfft_init(&f, 512, arena, kws_rfft_arena_size(512) - 1), KWS_ERR_ARENA);
    CHECK_EQ_INT(kws_rfft_init(&f, 500, arena, sizeof arena), KWS_ERR_ARG);
    CHECK_EQ_INT(kws_rfft_init(&f, 512, NULL, sizeof arena), KWS_ERR_ARG);
    CHECK_EQ_INT(kws_rfft_init(&f, 512, (char *)arena + 4, sizeof arena - 4), KWS_ERR_ARG);
    CHECK_EQ_INT(kws_rfft_init(&f, 512, arena, kws_rfft_arena_size(512)), KWS_OK);
    printf("kws_rfft_arena_size(512) = %zu bytes\n", kws_rfft_arena_size(512));
}

int main(void)
{
    static double arena[MAX_N];             /* 32 KB, 8-byte aligned */
    int n, kind;
    test_sizes_and_errors();
    for (n = 4; n <= MAX_N; n *= 2) {
        kws_rfft f;
        CHECK(kws_rfft_arena_size(n) <= sizeof arena);
        CHECK_EQ_INT(kws_rfft_init(&f, n, arena, sizeof arena), KWS_OK);
        for (kind = 0; kind < 4; kind++)
            check_one(&f, n, kind);
    }
    printf("worst over all n and inputs: rel_rms %.3g * log2(n), rel_max %.3g * log2(n)\n",
           worst_rms, worst_max);
    return test_summary("test_fft");
}
