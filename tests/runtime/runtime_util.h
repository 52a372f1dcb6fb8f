/* tests/runtime/runtime_util.h - shared pieces of the runtime tests: a
 * seeded generator, round-half-away in double, and the float -> int8
 * quantization recipe of docs/quantization.md written plainly (what an
 * exporter does), so kernels can be compared with real-valued math.
 */
#ifndef KWS_TESTS_RUNTIME_UTIL_H
#define KWS_TESTS_RUNTIME_UTIL_H

#include <math.h>
#include <stdint.h>
#include <stddef.h>
#include "kws/quant_params.h"

typedef struct { uint64_t s; } rt_rng;

static inline uint64_t rt_next(rt_rng *r)
{
    /* xorshift64* */
    r->s ^= r->s >> 12;
    r->s ^= r->s << 25;
    r->s ^= r->s >> 27;
    return r->s * 0x2545F4914F6CDD1DULL;
}

/* uniform integer in [lo, hi] */
static inline int64_t rt_int(rt_rng *r, int64_t lo, int64_t hi)
{
    return lo + (int64_t)(rt_next(r) % (uint64_t)(hi - lo + 1));
}

/* uniform double in [0, 1) */
static inline double rt_unit(rt_rng *r)
{
    return (double)(rt_next(r) >> 11) / 9007199254740992.0;
}

static inline double rt_rhaz(double v)
{
    return v >= 0 ? floor(v + 0.5) : -floor(-v + 0.5);
}

/* q = clamp(rhaz(v / s), lo, hi) */
static inline int rt_quantize(double v, double s, int lo, int hi)
{
    double q = rt_rhaz(v / s);
    if (q < lo) q = lo;
    if (q > hi) q = hi;
    return (int)q;
}

/* int8 codes in [lo, hi] */
static inline void rt_fill_s8(rt_rng *r, int8_t *x, size_t n, int lo, int hi)
{
    for (size_t i = 0; i < n; i++) x[i] = (int8_t)rt_int(r, lo, hi);
}

/* The documented integer requantization, written differently from
 * kws_requantize: magnitude, truncating shift, remainder test, sign
 * restored: rhaz(acc * mult / 2^(31 - shift)). mult >= 0. */
static inline int64_t rt_ref_requant(int32_t acc, int32_t mult, int32_t shift)
{
    const int t = 31 - shift;
    const int neg = acc < 0;
    uint64_t a = acc < 0 ? (uint64_t)(-(int64_t)acc) : (uint64_t)acc;
    uint64_t p = a * (uint64_t)mult;
    uint64_t q = p >> t;
    uint64_t rem = p & (((uint64_t)1 << t) - 1);
    if (rem >= ((uint64_t)1 << (t - 1))) q++;
    return neg ? -(int64_t)q : (int64_t)q;
}

/* rt_ref_requant clamped: the naive references' output step */
static inline int rt_ref_out(int64_t acc, kws_requant r, int lo, int hi)
{
    int64_t v = rt_ref_requant((int32_t)acc, r.multiplier, r.shift);
    return v < lo ? lo : v > hi ? hi : (int)v;
}

/* Per-channel requantization for M_c = s_x * s_w[c] / s_y. */
static inline int rt_make_requant(kws_requant *rq, int n, double s_x, const double *s_w, double s_y)
{
    for (int c = 0; c < n; c++)
        if (kws_requant_from_scale(s_x * s_w[c] / s_y, &rq[c]) != KWS_OK) return 0;
    return 1;
}

#endif
