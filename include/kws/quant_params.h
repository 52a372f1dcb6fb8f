/* kws/quant_params.h - quantization parameters of the integer runtime and the
 * fixed-point requantization every int8 kernel ends with (device and host, C99).
 *
 * The arithmetic is specified in docs/quantization.md; in short:
 *
 *   real value  x = s * q           symmetric, zero point 0 everywhere
 *   int8 codes  q in [-127, 127]    (-128 is never produced by the exporter;
 *                                    kernels still accept it as an input)
 *   accumulator int32               sum of q_x * q_w plus an int32 bias
 *   requant     out = clamp(rhaz(acc * M), lo, hi)
 *               M = multiplier * 2^(shift - 31), multiplier in [2^30, 2^31)
 *
 * where rhaz() rounds half away from zero, computed exactly in 64-bit
 * integers with ONE rounding (see kws_requantize). No floats at run time;
 * kws_requant_from_scale() (double in, integers out, no libm) is the only
 * function here that touches floating point, for exporters and QAT.
 */
#ifndef KWS_QUANT_PARAMS_H
#define KWS_QUANT_PARAMS_H

#include <stdint.h>
#include "kws/status.h"

#define KWS_Q8_MIN (-127)   /* int8 codes the exporter produces: symmetric */
#define KWS_Q8_MAX 127

/* Bounds of a representable real multiplier M: [2^-32, 2^30). Smaller
 * multipliers map every int32 accumulator to 0 and are stored as {0, 0}. */
#define KWS_REQUANT_SHIFT_MIN (-31)
#define KWS_REQUANT_SHIFT_MAX 30

/* One real multiplier M > 0 as M = multiplier * 2^(shift - 31).
 * multiplier in [2^30, 2^31 - 1] (a Q31 number in [0.5, 1)) and shift in
 * [KWS_REQUANT_SHIFT_MIN, KWS_REQUANT_SHIFT_MAX]; or {0, 0} for M = 0. */
typedef struct {
    int32_t multiplier;
    int32_t shift;
} kws_requant;

/* The output side of a kernel: one multiplier per output channel and the
 * clamp bounds. A fused ReLU is act_min = 0; no activation is -127 .. 127. */
typedef struct {
    const kws_requant *rq;  /* (C_out) per output channel */
    int32_t act_min;        /* -128 <= act_min <= act_max <= 127 */
    int32_t act_max;
} kws_requant_out;

/* M -> {multiplier, shift} (host side: exporter, QAT; uses double, no libm).
 * multiplier = round_half_away(frac * 2^31) where M = frac * 2^e,
 * frac in [0.5, 1); a carry to 2^31 becomes 2^30 with e + 1; shift = e.
 * M = 0 or M < 2^-32 gives {0, 0} (exactly right: |acc * M| < 0.5).
 * Returns KWS_ERR_ARG for M < 0, M >= 2^30, NaN or infinity. */
kws_status kws_requant_from_scale(double m, kws_requant *out);

/* The real multiplier a kws_requant stands for (host side, for tests and
 * reports). */
double kws_requant_to_double(kws_requant rq);

/* Run time: rhaz(acc * multiplier / 2^(31 - shift)) as an int64 (no clamp).
 * Computed as p = acc * multiplier (exact, |p| < 2^62), then
 * (p + 2^(t-1) - [p < 0]) >> t with t = 31 - shift in [1, 62], an arithmetic
 * (flooring) shift: exactly the product rounded half away from zero. */
static inline int64_t kws_requantize(int32_t acc, kws_requant rq)
{
    const int t = 31 - rq.shift;
    const int64_t p = (int64_t)acc * rq.multiplier;
    return (p + ((int64_t)1 << (t - 1)) - (int64_t)(p < 0)) >> t;
}

/* kws_requantize clamped to [lo, hi] (lo <= hi within int8). */
static inline int8_t kws_requantize_s8(int32_t acc, kws_requant rq, int32_t lo, int32_t hi)
{
    int64_t v = kws_requantize(acc, rq);
    if (v < lo) v = lo;
    if (v > hi) v = hi;
    return (int8_t)v;
}

/* Checks a kws_requant_out for n channels: every multiplier/shift in range,
 * bounds ordered and within int8. */
kws_status kws_requant_out_check(const kws_requant_out *q, int n);

#endif
