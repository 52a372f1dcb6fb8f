/* requant.c - real multiplier M -> Q31 multiplier + shift (host side), and
 * the checks of a kws_requant_out. The run-time half, kws_requantize(), is
 * inline in kws/quant_params.h; the exact rounding is in
 * docs/quantization.md ("Requantization").
 *
 * Does not use libm: M is normalized to [0.5, 1) by exact power-of-two
 * scaling of a double.
 */
#include "kws/quant_params.h"

/* kws_requantize needs >> on a negative int64 to floor (arithmetic shift):
 * true of GCC, Clang and Arm compilers; refuse to build otherwise. */
typedef char kws_requant_needs_arithmetic_shift[((int64_t)-5 >> 1) == -3 ? 1 : -1];

kws_status kws_requant_from_scale(double m, kws_requant *out)
{
    if (!out) return KWS_ERR_ARG;
    out->multiplier = 0;
    out->shift = 0;
    if (!(m >= 0.0) || m >= 1073741824.0) return KWS_ERR_ARG; /* NaN, < 0, >= 2^30, inf */
    if (m < 1.0 / 4294967296.0) return KWS_OK;                 /* < 2^-32: always 0 */
    int e = 0;
    double f = m;
    while (f >= 1.0) { f *= 0.5; e++; }   /* exact: powers of two */
    while (f < 0.5) { f *= 2.0; e--; }
    /* f in [0.5, 1): f * 2^31 in [2^30, 2^31) is exact, its fraction too. */
    int64_t q = (int64_t)(f * 2147483648.0 + 0.5); /* positive: truncation = floor */
    if (q == ((int64_t)1 << 31)) {
        q >>= 1;
        e++;
    }
    if (e > KWS_REQUANT_SHIFT_MAX) return KWS_ERR_ARG; /* rounding carried past 2^30 */
    out->multiplier = (int32_t)q;
    out->shift = e;
    return KWS_OK;
}

double kws_requant_to_double(kws_requant rq)
{
    double v = (double)rq.multiplier / 2147483648.0;
    int s = rq.shift;
    for (; s > 0; s--) v *= 2.0;
    for (; s < 0; s++) v *= 0.5;
    return v;
}

kws_status kws_requant_out_check(const kws_requant_out *q, int n)
{
    if (!q || !q->rq || n <= 0) return KWS_ERR_ARG;
    if (q->act_min < -128 || q->act_max > 127 || q->act_min > q->act_max) return KWS_ERR_ARG;
    for (int i = 0; i < n; i++) {
        kws_requant r = q->rq[i];
        if (r.shift < KWS_REQUANT_SHIFT_MIN || r.shift > KWS_REQUANT_SHIFT_MAX) return KWS_ERR_ARG;
        if (r.multiplier != 0 && r.multiplier < (1 << 30)) return KWS_ERR_ARG;
    }
    return KWS_OK;
}
