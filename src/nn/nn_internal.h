/* nn_internal.h - helpers shared by the src/nn kernels (not public).
 *
 * KWS_OMP_FOR(cond): an OpenMP `parallel for` over the next loop when the
 * build has OpenMP (-DKWS_NN_OPENMP=ON) and cond holds (enough work to pay
 * for waking threads); nothing otherwise. Used only where BLAS is not (BLAS
 * has its own threads).
 *
 * Float sums the compiler vectorizes: without -ffast-math a compiler may not
 * reorder a float reduction, so a plain `s += x[i]` loop runs one element per
 * add. These keep 8 independent partial sums (one vector register), which is
 * also more accurate than one running sum; callers add the results of rows
 * into doubles.
 */
#ifndef KWS_NN_INTERNAL_H
#define KWS_NN_INTERNAL_H

#ifdef _OPENMP
#define KWS_PRAGMA(x) _Pragma(#x)
#define KWS_OMP_FOR(cond) KWS_PRAGMA(omp parallel for if(cond) schedule(static))
#else
#define KWS_OMP_FOR(cond)
#endif

/* Work (elements touched) below which a loop stays on one thread. */
enum { KWS_OMP_MIN_WORK = 1 << 16 };

enum { KWS_LANES = 8 };

/* sum of x[0..n) */
static inline float kws_sum_f32(const float *x, int n)
{
    float acc[KWS_LANES] = {0};
    int i = 0;
    for (; i + KWS_LANES <= n; i += KWS_LANES)
        for (int j = 0; j < KWS_LANES; j++)
            acc[j] += x[i + j];
    float s = 0.0f;
    for (; i < n; i++)
        s += x[i];
    for (int j = 0; j < KWS_LANES; j++)
        s += acc[j];
    return s;
}

/* sum of (x[i] - mu)^2 */
static inline float kws_sumsq_centered_f32(const float *x, float mu, int n)
{
    float acc[KWS_LANES] = {0};
    int i = 0;
    for (; i + KWS_LANES <= n; i += KWS_LANES)
        for (int j = 0; j < KWS_LANES; j++) {
            const float d = x[i + j] - mu;
            acc[j] += d * d;
        }
    float s = 0.0f;
    for (; i < n; i++)
        s += (x[i] - mu) * (x[i] - mu);
    for (int j = 0; j < KWS_LANES; j++)
        s += acc[j];
    return s;
}

/* sum of dy[i] and of dy[i] * (x[i] - mu) */
static inline void kws_sum_dy_dyx_f32(const float *dy, const float *x, float mu, int n,
                                      float *sum_dy, float *sum_dyx)
{
    float a[KWS_LANES] = {0}, b[KWS_LANES] = {0};
    int i = 0;
    for (; i + KWS_LANES <= n; i += KWS_LANES)
        for (int j = 0; j < KWS_LANES; j++) {
            a[j] += dy[i + j];
            b[j] += dy[i + j] * (x[i + j] - mu);
        }
    float s1 = 0.0f, s2 = 0.0f;
    for (; i < n; i++) {
        s1 += dy[i];
        s2 += dy[i] * (x[i] - mu);
    }
    for (int j = 0; j < KWS_LANES; j++) {
        s1 += a[j];
        s2 += b[j];
    }
    *sum_dy = s1;
    *sum_dyx = s2;
}

#endif
