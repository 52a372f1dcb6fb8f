/* test_rng.c - kws_rng reproducibility and rough distributions; weight
 * initializers' spread. Tolerances are several standard errors of the
 * estimate (n = 1e6 draws: sd of a uniform mean 2.9e-4, of a normal mean 1e-3). */
#include <string.h>
#include "kws/nn.h"
#include "tests/test.h"

static void mean_var(const double *x, size_t n, double *mean, double *var)
{
    double s = 0.0, ss = 0.0;
    for (size_t i = 0; i < n; i++)
        s += x[i];
    *mean = s / n;
    for (size_t i = 0; i < n; i++)
        ss += (x[i] - *mean) * (x[i] - *mean);
    *var = ss / n;
}

int main(void)
{
    enum { N = 1000000 };
    kws_rng a, b;

    /* same seed, same sequence; different seed, different sequence */
    kws_rng_seed(&a, 2024);
    kws_rng_seed(&b, 2024);
    int same = 1;
    for (int i = 0; i < 1000; i++)
        same &= kws_rng_u64(&a) == kws_rng_u64(&b);
    CHECK(same);
    kws_rng_seed(&b, 2025);
    int differ = 0;
    for (int i = 0; i < 16; i++)
        differ += kws_rng_u64(&a) != kws_rng_u64(&b);
    CHECK(differ == 16);

    /* pinned first outputs: the sequence must not change across platforms
     * or refactorings (xoshiro256** seeded through splitmix64 from 0; the
     * values come from an independent Python transcription of both) */
    kws_rng_seed(&a, 0);
    const uint64_t first = kws_rng_u64(&a), second = kws_rng_u64(&a);
    printf("seed 0: %016llx %016llx\n", (unsigned long long)first, (unsigned long long)second);
    CHECK(first == 0x99ec5f36cb75f2b4ull);
    CHECK(second == 0xbf6e1f784956452aull);

    double *x = malloc(sizeof(double) * N);
    double mean, var;

    kws_rng_seed(&a, 1);
    float lo = 1.0f, hi = 0.0f;
    for (int i = 0; i < N; i++) {
        const float u = kws_rng_uniform(&a);
        lo = u < lo ? u : lo;
        hi = u > hi ? u : hi;
        x[i] = u;
    }
    mean_var(x, N, &mean, &var);
    printf("uniform: min %.3g max %.9g mean %.5f var %.5f (1/12 = %.5f)\n", lo, hi, mean, var,
           1.0 / 12);
    CHECK(lo >= 0.0f && hi < 1.0f);
    CHECK_NEAR(mean, 0.5, 1.5e-3);
    CHECK_NEAR(var, 1.0 / 12.0, 1e-3);

    for (int i = 0; i < N; i++)
        x[i] = kws_rng_normal(&a);
    mean_var(x, N, &mean, &var);
    double m4 = 0.0;
    for (int i = 0; i < N; i++)
        m4 += x[i] * x[i] * x[i] * x[i];
    m4 /= N;
    printf("normal: mean %.5f var %.5f kurtosis %.4f (3)\n", mean, var, m4 / (var * var));
    CHECK_NEAR(mean, 0.0, 5e-3);
    CHECK_NEAR(var, 1.0, 1e-2);
    CHECK_NEAR(m4 / (var * var), 3.0, 5e-2);

    /* below(n): in range, every value about equally often */
    int counts[7] = {0};
    int in_range = 1;
    for (int i = 0; i < 70000; i++) {
        const int v = kws_rng_below(&a, 7);
        in_range &= v >= 0 && v < 7;
        if (v >= 0 && v < 7)
            counts[v]++;
    }
    CHECK(in_range);
    for (int v = 0; v < 7; v++)
        CHECK(abs(counts[v] - 10000) < 500);
    CHECK_EQ_INT(kws_rng_below(&a, 1), 0);

    /* initializers */
    float *w = malloc(sizeof(float) * N);
    kws_init_he_normal(w, N, 144, &a);
    for (int i = 0; i < N; i++)
        x[i] = w[i];
    mean_var(x, N, &mean, &var);
    printf("he_normal fan_in 144: mean %.5f std %.5f (expected %.5f)\n", mean, sqrt(var),
           sqrt(2.0 / 144));
    CHECK_NEAR(mean, 0.0, 5e-3 * sqrt(2.0 / 144));
    CHECK_NEAR(sqrt(var), sqrt(2.0 / 144), 1e-2 * sqrt(2.0 / 144));

    kws_init_glorot_uniform(w, N, 7488, 64, &a);
    const double limit = sqrt(6.0 / (7488 + 64));
    int inside = 1;
    for (int i = 0; i < N; i++) {
        inside &= fabs(w[i]) <= limit;
        x[i] = w[i];
    }
    mean_var(x, N, &mean, &var);
    printf("glorot_uniform 7488x64: std %.6f (expected %.6f), limit %.6f\n", sqrt(var),
           limit / sqrt(3.0), limit);
    CHECK(inside);
    CHECK_NEAR(sqrt(var), limit / sqrt(3.0), 1e-2 * limit / sqrt(3.0));

    /* initializers are reproducible from the seed */
    float w1[8], w2[8];
    kws_rng_seed(&a, 9);
    kws_init_he_normal(w1, 8, 9, &a);
    kws_rng_seed(&a, 9);
    kws_init_he_normal(w2, 8, 9, &a);
    CHECK(memcmp(w1, w2, sizeof w1) == 0);

    free(x);
    free(w);
    return test_summary("test_rng");
}
