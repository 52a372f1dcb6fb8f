/* test_kmath.c - kmath's deterministic functions against libm (double).
 *
 * Bounds checked (the reference is libm in double, itself within 1 ulp):
 *   kws_logf  <= 1 ulp of the float result, over every 97th float from the
 *             smallest subnormal to FLT_MAX, all powers of two and the
 *             floats around 1 (where log is tiny);
 *   kws_log   relative error <= 4e-16 (x in [2^-1074, 2^1023], subnormals too);
 *   kws_exp   relative error <= 4e-16 (|x| <= 700);
 *   kws_sin, kws_cos absolute error <= 4e-16 (|x| <= 1e5);
 *   kws_sqrt  bit-exact with the correctly rounded libm sqrt.
 * It also pins the bits of kws_logf over a sweep with a hash: the same
 * test on the Cortex-M4 must print the same hash.
 */
#include <float.h>
#include <stdint.h>
#include <string.h>
#include "kws/kmath.h"
#include "tests/test.h"

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng_u64(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static double rng_uniform(double lo, double hi)
{
    return lo + (hi - lo) * (double)(rng_u64() >> 11) * 0x1p-53;
}

static double f64_from_bits(uint64_t u)
{
    double d;
    memcpy(&d, &u, sizeof d);
    return d;
}

/* Error of float y against the exact value e, in ulps of e as a float. */
static double ulp_error(float y, double e)
{
    int ex;
    double ulp;
    frexp(e, &ex);                          /* |e| in [2^(ex-1), 2^ex) */
    if (ex - 24 < -149)
        ex = -149 + 24;
    ulp = ldexp(1.0, ex - 24);
    return fabs((double)y - e) / ulp;
}

static double logf_max_ulp = 0.0;
static uint32_t logf_worst_bits = 0;

static void logf_check_one(uint32_t bits)
{
    float x = kws_f32_from_bits(bits);
    double err = ulp_error(kws_logf(x), log((double)x));
    if (err > logf_max_ulp) {
        logf_max_ulp = err;
        logf_worst_bits = bits;
    }
}

static void test_logf(void)
{
    uint32_t b;
    int i;
    for (b = 1; b < 0x7f800000u; b += 97)   /* ~22 M floats, subnormals included */
        logf_check_one(b);
    for (i = 1; i < 255 * 256; i++)         /* around 1, both sides */
        logf_check_one(0x3f800000u + (uint32_t)i), logf_check_one(0x3f800000u - (uint32_t)i);
    for (b = 1; b < 0x7f800000u; b = b < 0x00800000u ? b << 1 : b + 0x00800000u)
        logf_check_one(b);                  /* powers of two */
    logf_check_one(0x7f7fffffu);
    printf("kws_logf: max error %.3f ulp at %.9g (0x%08x)\n", logf_max_ulp,
           (double)kws_f32_from_bits(logf_worst_bits), (unsigned)logf_worst_bits);
    CHECK(logf_max_ulp <= 1.0);

    CHECK(kws_logf(1.0f) == 0.0f);
    CHECK(kws_logf(0.0f) == -1e30f);
    CHECK(kws_logf(-0.0f) == -1e30f);
    CHECK(kws_logf(-1.0f) == -1e30f);
    CHECK(kws_logf(kws_f32_from_bits(0xff800000u)) == -1e30f);      /* -inf */
    CHECK(kws_logf(kws_f32_from_bits(0x7f800000u)) == kws_f32_from_bits(0x7f800000u));
    {
        float nan = kws_f32_from_bits(0x7fc00000u), y = kws_logf(nan);
        CHECK(y != y);
    }
}

/* FNV-1a over the bits of kws_logf on a fixed sweep. */
static void test_logf_hash(void)
{
    const uint32_t expected = 0xac8d71e7u; /* x86-64 and Cortex-M4 alike */
    uint32_t h = 2166136261u, b;
    for (b = 1; b < 0x7f800000u; b += 4099) {
        float y = kws_logf(kws_f32_from_bits(b));
        uint32_t u;
        int i;
        memcpy(&u, &y, sizeof u);
        for (i = 0; i < 4; i++) {
            h ^= (u >> (8 * i)) & 0xffu;
            h *= 16777619u;
        }
    }
    printf("kws_logf sweep hash: 0x%08x\n", (unsigned)h);
    CHECK(h == expected);
}

static void test_log_exp(void)
{
    double max_log = 0.0, max_exp = 0.0;
    int i;
    for (i = 0; i < 400000; i++) {
        /* random bit patterns over all positive finite doubles */
        uint64_t bits = rng_u64() % 0x7ff0000000000000ull;
        double x = f64_from_bits(bits ? bits : 1u), ref = log(x);
        double err = fabs(kws_log(x) - ref) / (ref != 0.0 ? fabs(ref) : 1.0);
        if (err > max_log)
            max_log = err;
    }
    for (i = 0; i < 200000; i++) {
        double x = i < 100000 ? rng_uniform(0.5, 2.0) : rng_uniform(1.0 - 1e-6, 1.0 + 1e-6);
        double ref = log(x), err = ref != 0.0 ? fabs(kws_log(x) - ref) / fabs(ref) : fabs(kws_log(x));
        if (err > max_log)
            max_log = err;
    }
    for (i = 0; i < 400000; i++) {
        double x = i % 2 ? rng_uniform(-700.0, 700.0) : rng_uniform(-1.0, 1.0);
        double ref = exp(x), err = fabs(kws_exp(x) - ref) / ref;
        if (err > max_exp)
            max_exp = err;
    }
    printf("kws_log: max rel error %.3g; kws_exp: max rel error %.3g\n", max_log, max_exp);
    CHECK(max_log <= 4e-16);
    CHECK(max_exp <= 4e-16);
    CHECK(kws_log(1.0) == 0.0);
    CHECK(kws_exp(0.0) == 1.0);
    CHECK(kws_exp(-800.0) == 0.0);
    CHECK(kws_exp(800.0) > DBL_MAX);
}

static void test_sin_cos(void)
{
    double max_err = 0.0;
    int i;
    for (i = 0; i < 400000; i++) {
        double range = i % 4 == 0 ? 1e5 : i % 4 == 1 ? 100.0 : 7.0;
        double x = rng_uniform(-range, range);
        double es = fabs(kws_sin(x) - sin(x)), ec = fabs(kws_cos(x) - cos(x));
        if (es > max_err)
            max_err = es;
        if (ec > max_err)
            max_err = ec;
    }
    for (i = -64; i <= 64; i++) {           /* multiples of pi/8: table arguments */
        double x = KWS_PI * i / 8;
        double es = fabs(kws_sin(x) - sin(x)), ec = fabs(kws_cos(x) - cos(x));
        if (es > max_err)
            max_err = es;
        if (ec > max_err)
            max_err = ec;
    }
    printf("kws_sin/kws_cos: max abs error %.3g\n", max_err);
    CHECK(max_err <= 4e-16);
    CHECK(kws_sin(0.0) == 0.0 && kws_cos(0.0) == 1.0);
    {
        double y = kws_sin(1e300);
        CHECK(y != y);                      /* outside the documented range */
    }
}

static void test_sqrt(void)
{
    int i, mismatches = 0;
    for (i = 0; i < 1000000; i++) {
        uint64_t bits = rng_u64() % 0x7ff0000000000000ull;
        double x = i % 3 == 0 ? f64_from_bits(bits)
                 : i % 3 == 1 ? (double)(i / 3) * (double)(i / 3)   /* perfect squares */
                 : f64_from_bits(bits & 0x000fffffffffffffull);      /* subnormals */
        if (kws_sqrt(x) != sqrt(x))
            mismatches++;
    }
    printf("kws_sqrt: %d mismatches with libm in 1e6\n", mismatches);
    CHECK_EQ_INT(mismatches, 0);
    CHECK(kws_sqrt(4.0) == 2.0 && kws_sqrt(2.0) == sqrt(2.0));
    CHECK(kws_sqrt(DBL_MAX) == sqrt(DBL_MAX));
    {
        double y = kws_sqrt(-1.0);
        CHECK(y != y);
    }
}

int main(void)
{
    test_logf();
    test_logf_hash();
    test_log_exp();
    test_sin_cos();
    test_sqrt();
    return test_summary("test_kmath");
}
