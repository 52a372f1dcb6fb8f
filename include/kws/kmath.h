/* kws/kmath.h - deterministic elementary functions (device and host, C99).
 *
 * The C library's logf/cosf differ by an ulp between glibc and newlib, which
 * would make host and Cortex-M4 features differ. These functions use only
 * IEEE basic operations (+ - * /, frexp/ldexp, which are exact) in a fixed
 * order, so they return the same bits on every conforming platform built
 * with -ffp-contract=off. Accuracy is stated per function and tested.
 */
#ifndef KWS_KMATH_H
#define KWS_KMATH_H

/* Natural log of x > 0 (float), max error ~1 ulp over normal floats.
 * x <= 0 returns -inf-like -1e30f; used on every MFCC mel energy. */
float kws_logf(float x);

/* Double-precision helpers for table building (init time only);
 * relative error < 1e-15 over their stated ranges. */
double kws_cos(double x);   /* any finite x */
double kws_sin(double x);   /* any finite x */
double kws_log(double x);   /* x > 0 */
double kws_exp(double x);   /* |x| < 700 */
double kws_sqrt(double x);  /* x >= 0, correctly rounded (Newton on basic ops) */

#define KWS_PI 3.14159265358979323846

#endif
