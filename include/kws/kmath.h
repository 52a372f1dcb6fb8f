/* kws/kmath.h - deterministic elementary functions (device and host, C99).
 *
 * The C library's logf/cosf differ by an ulp between glibc and newlib, which
 * would make host and Cortex-M4 features differ. These functions use only
 * IEEE basic operations (+ - * /, integer operations and bit copies through
 * memcpy; no libm) in a fixed order, so they return the same bits on every
 * conforming platform built with -ffp-contract=off. Accuracy is stated per
 * function and checked by tests/frontend/test_kmath.c.
 */
#ifndef KWS_KMATH_H
#define KWS_KMATH_H

#include <stdint.h>
#include <string.h>

/* Natural log of x > 0 (float), error < 1 ulp (measured 0.83) over all
 * positive floats, subnormals included; +inf and NaN pass through.
 * x <= 0 returns -inf-like -1e30f; used on every MFCC mel energy. */
float kws_logf(float x);

/* Double-precision helpers for table building (init time only).
 * Measured against glibc: 2.2e-16 (1 ulp) at most. */
double kws_cos(double x);   /* |x| <= 2^30, abs error < 1e-15 for |x| <= 1e5; NaN beyond */
double kws_sin(double x);   /* same as kws_cos */
double kws_log(double x);   /* x > 0 (subnormals too), relative error < 1e-15 */
double kws_exp(double x);   /* |x| <= 700, relative error < 1e-15 */
double kws_sqrt(double x);  /* x >= 0, correctly rounded (integer digit-by-digit) */

#define KWS_PI 3.14159265358979323846

/* The IEEE-754 bits of a float and back (through memcpy: no aliasing UB). */
static inline uint32_t kws_f32_bits(float x)
{
    uint32_t u;
    memcpy(&u, &x, sizeof u);
    return u;
}

static inline float kws_f32_from_bits(uint32_t u)
{
    float x;
    memcpy(&x, &u, sizeof x);
    return x;
}

#endif
