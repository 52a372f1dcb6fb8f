/* kmath.c - deterministic log/exp/sin/cos/sqrt from IEEE basic operations.
 *
 * Every function here uses only + - * /, integer operations and bit
 * copies through memcpy, evaluated in a fixed order. Built with
 * -ffp-contract=off, x86-64 (SSE) and the Cortex-M4 (FPv4-SP for float,
 * libgcc's soft double) give the same bits. No libm.
 *
 * kws_logf is the only function on the per-frame path; the double ones
 * build tables at init time. None of them handles errno or rounding modes.
 *
 * Method, shared by kws_logf and kws_log: write x = 2^k * m with
 * m in [sqrt(2)/2, sqrt(2)), f = m - 1 (exact), s = f / (2 + f); then
 * log(1 + f) = 2 atanh(s) = f - f^2/2 + s (f^2/2 + R(s^2)),
 * R(z) = 2z/3 + 2z^2/5 + 2z^3/7 + ...  (|s| <= 0.1716, so z <= 0.0295)
 * and log(x) = k ln2_hi + (log(1 + f) + k ln2_lo), ln2_hi short enough
 * that k * ln2_hi is exact.
 */
#include "kws/kmath.h"

#include <stdint.h>
#include <string.h>

/* ---- float log ---------------------------------------------------------- */

float kws_logf(float x)
{
    /* ln 2 = LN2F_HI + LN2F_LO; LN2F_HI has 15 significant bits. */
    const float LN2F_HI = 0x1.62e4p-1f;
    const float LN2F_LO = 0x1.7f7d1cp-20f;
    /* Taylor coefficients 2/(2j+1); truncation error < z^5/11 < 3e-9 relative. */
    const float C1 = 2.0f / 3.0f, C2 = 2.0f / 5.0f, C3 = 2.0f / 7.0f, C4 = 2.0f / 9.0f;
    uint32_t u = kws_f32_bits(x);
    int k;

    if (u >= 0x7f800000u) {                 /* +inf, NaN, or sign bit set */
        if ((u & 0x7fffffffu) > 0x7f800000u || u == 0x7f800000u)
            return x;                       /* NaN or +inf */
        return -1e30f;                      /* negative or -0 */
    }
    if (u == 0)
        return -1e30f;
    if (u < 0x00800000u) {                  /* subnormal: normalize in integers */
        int sh = 0;
        while (!(u & 0x00800000u)) {
            u <<= 1;
            sh++;
        }
        k = -126 - sh;
    } else {
        k = (int)(u >> 23) - 127;
    }
    u &= 0x007fffffu;
    if (u > 0x3504f3u) {                    /* mantissa > sqrt(2): use m / 2 */
        u |= 0x3f000000u;
        k += 1;
    } else {
        u |= 0x3f800000u;
    }
    {
        float f = kws_f32_from_bits(u) - 1.0f;  /* exact: m in [0.707, 1.415) */
        float s = f / (2.0f + f);
        float z = s * s;
        float r = z * (C1 + z * (C2 + z * (C3 + z * C4)));
        float hfsq = 0.5f * f * f;
        float dk = (float)k;
        return dk * LN2F_HI - ((hfsq - (s * (hfsq + r) + dk * LN2F_LO)) - f);
    }
}

/* ---- double helpers ----------------------------------------------------- */

static uint64_t f64_bits(double x)
{
    uint64_t u;
    memcpy(&u, &x, sizeof u);
    return u;
}

static double f64_from_bits(uint64_t u)
{
    double x;
    memcpy(&x, &u, sizeof x);
    return x;
}

#define F64_EXP_MASK 0x7ff0000000000000ull
#define F64_FRAC_MASK 0x000fffffffffffffull
#define F64_HIDDEN 0x0010000000000000ull

/* 2^e for -1022 <= e <= 1023. */
static double f64_pow2(int e)
{
    return f64_from_bits((uint64_t)(e + 1023) << 52);
}

/* ln 2 = LN2_HI + LN2_LO; LN2_HI has 38 significant bits. */
static const double LN2_HI = 0x1.62e42fefa4p-1;
static const double LN2_LO = -0x1.8432a1b0e2634p-43;

double kws_log(double x)
{
    uint64_t u = f64_bits(x);
    int k;

    if (u >= F64_EXP_MASK) {                /* +inf, NaN, or sign bit set */
        if ((u & ~(1ull << 63)) > F64_EXP_MASK || u == F64_EXP_MASK)
            return x;
        return -1e300;                      /* negative or -0: outside the domain */
    }
    if (u == 0)
        return -1e300;
    if (u < F64_HIDDEN) {                   /* subnormal */
        int sh = 0;
        while (!(u & F64_HIDDEN)) {
            u <<= 1;
            sh++;
        }
        k = -1022 - sh;
    } else {
        k = (int)(u >> 52) - 1023;
    }
    u &= F64_FRAC_MASK;
    if (u > 0x6a09e667f3bcdull) {           /* mantissa > sqrt(2) */
        u |= 0x3fe0000000000000ull;
        k += 1;
    } else {
        u |= 0x3ff0000000000000ull;
    }
    {
        double f = f64_from_bits(u) - 1.0;
        double s = f / (2.0 + f);
        double z = s * s;
        /* 2/(2j+1), j = 1..10; truncation < z^11/23 < 1e-18 relative */
        double r = z * (2.0 / 3 + z * (2.0 / 5 + z * (2.0 / 7 + z * (2.0 / 9 + z * (2.0 / 11
                   + z * (2.0 / 13 + z * (2.0 / 15 + z * (2.0 / 17 + z * (2.0 / 19
                   + z * (2.0 / 21))))))))));
        double hfsq = 0.5 * f * f;
        double dk = (double)k;
        return dk * LN2_HI - ((hfsq - (s * (hfsq + r) + dk * LN2_LO)) - f);
    }
}

/* Nearest integer to t, |t| < 2^30 (ties away from zero). */
static int round_to_int(double t)
{
    return (int)(t >= 0.0 ? t + 0.5 : t - 0.5);
}

double kws_exp(double x)
{
    const double INV_LN2 = 0x1.71547652b82fep+0;
    int n;
    double r, p;

    if (x != x)
        return x;
    if (x > 709.0)
        return 1e308 * 10.0;                /* +inf */
    if (x < -708.0)
        return 0.0;                         /* below the documented range */
    n = round_to_int(x * INV_LN2);          /* |n| <= 1023 */
    r = (x - (double)n * LN2_HI) - (double)n * LN2_LO;   /* |r| <= 0.35 */
    /* Taylor to r^13: truncation < 0.35^14 / 14! < 1e-17 */
    p = 1.0 + r * (1.0 + r * (1.0 / 2 + r * (1.0 / 6 + r * (1.0 / 24 + r * (1.0 / 120
        + r * (1.0 / 720 + r * (1.0 / 5040 + r * (1.0 / 40320 + r * (1.0 / 362880
        + r * (1.0 / 3628800 + r * (1.0 / 39916800 + r * (1.0 / 479001600
        + r * (1.0 / 6227020800.0)))))))))))));
    return p * f64_pow2(n);
}

/* sin and cos of r, |r| <= pi/4 + tiny; Taylor to r^17 / r^18,
 * truncation < (pi/4)^19 / 19! < 1e-19. */
static double sin_kernel(double r)
{
    double z = r * r;
    return r + r * z * (-1.0 / 6 + z * (1.0 / 120 + z * (-1.0 / 5040 + z * (1.0 / 362880
           + z * (-1.0 / 39916800 + z * (1.0 / 6227020800.0 + z * (-1.0 / 1307674368000.0
           + z * (1.0 / 355687428096000.0))))))));
}

static double cos_kernel(double r)
{
    double z = r * r;
    return 1.0 + z * (-1.0 / 2 + z * (1.0 / 24 + z * (-1.0 / 720 + z * (1.0 / 40320
           + z * (-1.0 / 3628800 + z * (1.0 / 479001600 + z * (-1.0 / 87178291200.0
           + z * (1.0 / 20922789888000.0 + z * (-1.0 / 6402373705728000.0)))))))));
}

/* Reduces x to r in [-pi/4, pi/4] and returns the quadrant (0..3):
 * x = n pi/2 + r. pi/2 = P1 + P2 + P3, P1 and P2 with 33 significant bits,
 * so n * P1 and n * P2 are exact for |n| < 2^20. */
static unsigned reduce_pio2(double x, double *r)
{
    const double TWO_OVER_PI = 0x1.45f306dc9c883p-1;
    const double P1 = 0x1.921fb544p+0;
    const double P2 = 0x1.0b4611a6p-34;
    const double P3 = 0x1.3198a2e037073p-69;
    int n = round_to_int(x * TWO_OVER_PI);
    double dn = (double)n;
    *r = ((x - dn * P1) - dn * P2) - dn * P3;
    return (unsigned)n & 3u;
}

/* Largest |x| the trigonometric functions accept; NaN beyond. */
#define TRIG_MAX 0x1p30

double kws_sin(double x)
{
    double r;
    unsigned q;
    if (!(x >= -TRIG_MAX && x <= TRIG_MAX))
        return (x - x) / (x - x);           /* NaN for NaN, inf, huge */
    q = reduce_pio2(x, &r);
    switch (q) {
    case 0: return sin_kernel(r);
    case 1: return cos_kernel(r);
    case 2: return -sin_kernel(r);
    default: return -cos_kernel(r);
    }
}

double kws_cos(double x)
{
    double r;
    unsigned q;
    if (!(x >= -TRIG_MAX && x <= TRIG_MAX))
        return (x - x) / (x - x);
    q = reduce_pio2(x, &r);
    switch (q) {
    case 0: return cos_kernel(r);
    case 1: return -sin_kernel(r);
    case 2: return -cos_kernel(r);
    default: return sin_kernel(r);
    }
}

/* Correctly rounded square root by the integer digit-by-digit method:
 * x = mant * 2^e (e even, mant < 2^54), q = floor(sqrt(mant * 2^54)) has
 * 54 bits; its last bit rounds (an exact tie is impossible). */
double kws_sqrt(double x)
{
    uint64_t u = f64_bits(x), mant, q = 0, rem = 0;
    int e, i;

    if (x == 0.0 || x != x)
        return x;                           /* +-0, NaN */
    if (x < 0.0)
        return (x - x) / (x - x);           /* NaN */
    if (u == F64_EXP_MASK)
        return x;                           /* +inf */
    if (u < F64_HIDDEN) {                   /* subnormal */
        int sh = 0;
        while (!(u & F64_HIDDEN)) {
            u <<= 1;
            sh++;
        }
        mant = u;
        e = -1074 - sh;
    } else {
        mant = (u & F64_FRAC_MASK) | F64_HIDDEN;
        e = (int)(u >> 52) - 1075;
    }
    if (e & 1) {                            /* make the exponent even */
        mant <<= 1;
        e -= 1;
    }
    /* mant * 2^54 has 108 bits: 54 pairs, mant's 27 pairs then zeros. */
    for (i = 0; i < 54; i++) {
        uint64_t pair = i < 27 ? (mant >> (52 - 2 * i)) & 3u : 0u;
        uint64_t trial = (q << 2) | 1u;
        rem = (rem << 2) | pair;
        if (rem >= trial) {
            rem -= trial;
            q = (q << 1) | 1u;
        } else {
            q <<= 1;
        }
    }
    /* sqrt(x) = (q / 2) * 2^(e/2 - 26); round q to 53 bits. */
    q = (q >> 1) + (q & 1u);
    e = e / 2 - 26;
    if (q == (F64_HIDDEN << 1)) {           /* rounding carried to 2^53 */
        q >>= 1;
        e += 1;
    }
    return f64_from_bits(((uint64_t)(e + 52 + 1023) << 52) | (q & F64_FRAC_MASK));
}
