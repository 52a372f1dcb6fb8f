/* fft.c - real FFT of length n = 2N as an N-point complex FFT + split step.
 *
 *   in (n reals) ──pack z[t] = in[2t] + i in[2t+1], bit-reversed──► out
 *   out: N-point complex FFT in place (one radix-2 stage if log2 N is odd,
 *        then radix-4 stages on bit-reversed data)
 *   out: split step X[k] = (Z[k] + Z*[N-k])/2 - i W^k (Z[k] - Z*[N-k])/2
 *
 * Radix-4 on bit-reversed input: a group of 4M outputs combines four M-point
 * DFTs stored in the order residue 0, 2, 1, 3 (mod 4) of their subsequence,
 * because bit reversal puts even before odd at every level.
 *
 * Float only; tables are built once by kws_rfft_init with kmath's
 * deterministic cos/sin. No allocation, no global state.
 */
#include "kws/fft.h"

#include <stdint.h>
#include "kws/kmath.h"

#define ALIGN8(b) (((b) + 7u) & ~(size_t)7u)

static int ilog2_pow2(int n)
{
    int l = 0;
    while ((1 << l) < n)
        l++;
    return (1 << l) == n ? l : -1;
}

/* Table sizes in bytes for real length n (N = n/2 complex points). */
static size_t twiddle_bytes(int n) { return ALIGN8((size_t)(3 * (n / 2) / 4) * 2 * sizeof(float)); }
static size_t split_bytes(int n) { return ALIGN8((size_t)(n / 4) * 2 * sizeof(float)); }
static size_t bitrev_bytes(int n) { return ALIGN8((size_t)(n / 2) * sizeof(unsigned short)); }

size_t kws_rfft_arena_size(int n)
{
    if (n < 4 || n > 4096 || ilog2_pow2(n) < 0)
        return 0;
    return twiddle_bytes(n) + split_bytes(n) + bitrev_bytes(n);
}

kws_status kws_rfft_init(kws_rfft *f, int n, void *arena, size_t arena_size)
{
    size_t need = kws_rfft_arena_size(n);
    unsigned char *p = (unsigned char *)arena;
    int nc = n / 2, bits, j;

    if (!f || !arena || need == 0 || ((uintptr_t)arena & 7u))
        return KWS_ERR_ARG;
    if (arena_size < need)
        return KWS_ERR_ARENA;
    f->n = n;
    f->twiddle = (float *)p;
    p += twiddle_bytes(n);
    f->split = (float *)p;
    p += split_bytes(n);
    f->bitrev = (unsigned short *)p;

    /* twiddle[j] = W_N^j = exp(-2 pi i j / N), j < 3N/4 */
    for (j = 0; j < 3 * nc / 4; j++) {
        double a = 2.0 * KWS_PI * j / nc;
        f->twiddle[2 * j] = (float)kws_cos(a);
        f->twiddle[2 * j + 1] = (float)-kws_sin(a);
    }
    /* split[k] = W_n^k = exp(-2 pi i k / n), k < n/4 */
    for (j = 0; j < n / 4; j++) {
        double a = 2.0 * KWS_PI * j / n;
        f->split[2 * j] = (float)kws_cos(a);
        f->split[2 * j + 1] = (float)-kws_sin(a);
    }
    bits = ilog2_pow2(nc);
    for (j = 0; j < nc; j++) {
        int r = 0, b;
        for (b = 0; b < bits; b++)
            r |= ((j >> b) & 1) << (bits - 1 - b);
        f->bitrev[j] = (unsigned short)r;
    }
    return KWS_OK;
}

/* Radix-2 stage from 1-point to 2-point DFTs. z: (N) complex. */
static void stage_radix2_first(float *z, int nc)
{
    int i;
    for (i = 0; i < 2 * nc; i += 4) {
        float ar = z[i], ai = z[i + 1], br = z[i + 2], bi = z[i + 3];
        z[i] = ar + br;
        z[i + 1] = ai + bi;
        z[i + 2] = ar - br;
        z[i + 3] = ai - bi;
    }
}

/* One radix-4 butterfly on a (S0), b (S2), c (S1), d (S3), already
 * multiplied by their twiddles; writes the four outputs back in order. */
static void butterfly4(float *y0, float *y1, float *y2, float *y3,
                       float ar, float ai, float br, float bi,
                       float cr, float ci, float dr, float di)
{
    float t0r = ar + br, t0i = ai + bi;     /* S0 + S2 */
    float t1r = ar - br, t1i = ai - bi;     /* S0 - S2 */
    float t2r = cr + dr, t2i = ci + di;     /* S1 + S3 */
    float t3r = cr - dr, t3i = ci - di;     /* S1 - S3 */
    y0[0] = t0r + t2r;
    y0[1] = t0i + t2i;
    y2[0] = t0r - t2r;
    y2[1] = t0i - t2i;
    y1[0] = t1r + t3i;                      /* t1 - i t3 */
    y1[1] = t1i - t3r;
    y3[0] = t1r - t3i;                      /* t1 + i t3 */
    y3[1] = t1i + t3r;
}

/* Radix-4 stage from 1-point to 4-point DFTs: no twiddles. */
static void stage_radix4_first(float *z, int nc)
{
    int i;
    for (i = 0; i < 2 * nc; i += 8) {
        float *g = z + i;
        butterfly4(g, g + 2, g + 4, g + 6, g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7]);
    }
}

/* Radix-4 stage from M-point to 4M-point DFTs. z: (N) complex;
 * tw: W_N^j, used at stride N/(4M). */
static void stage_radix4(float *z, int nc, int m, const float *tw)
{
    int stride = nc / (4 * m), base, k;
    for (base = 0; base < nc; base += 4 * m) {
        float *g = z + 2 * base;
        for (k = 0; k < m; k++) {
            const float *w1 = tw + 2 * (k * stride);
            const float *w2 = tw + 4 * (k * stride);
            const float *w3 = tw + 6 * (k * stride);
            float *pa = g + 2 * k, *pb = g + 2 * (k + m);
            float *pc = g + 2 * (k + 2 * m), *pd = g + 2 * (k + 3 * m);
            /* pb holds S2 (twiddle w2), pc holds S1 (w1), pd holds S3 (w3) */
            float br = pb[0] * w2[0] - pb[1] * w2[1], bi = pb[0] * w2[1] + pb[1] * w2[0];
            float cr = pc[0] * w1[0] - pc[1] * w1[1], ci = pc[0] * w1[1] + pc[1] * w1[0];
            float dr = pd[0] * w3[0] - pd[1] * w3[1], di = pd[0] * w3[1] + pd[1] * w3[0];
            butterfly4(pa, pb, pc, pd, pa[0], pa[1], br, bi, cr, ci, dr, di);
        }
    }
}

/* N-point complex FFT in place on bit-reversed z: (N) complex. */
static void cfft_bitrev(const kws_rfft *f, float *z, int nc)
{
    int m;
    if (ilog2_pow2(nc) & 1) {
        stage_radix2_first(z, nc);
        m = 2;
    } else {
        stage_radix4_first(z, nc);
        m = 4;
    }
    for (; m < nc; m *= 4)
        stage_radix4(z, nc, m, f->twiddle);
}

/* Turns the N-point FFT Z of z[t] = x[2t] + i x[2t+1] into X[0..N].
 * out: (N+1) complex; Z in out[0..N). */
static void split_step(const kws_rfft *f, float *out, int nc)
{
    int k;
    float z0r = out[0], z0i = out[1];
    out[0] = z0r + z0i;
    out[1] = 0.0f;
    out[2 * nc] = z0r - z0i;
    out[2 * nc + 1] = 0.0f;
    for (k = 1; k < nc / 2; k++) {
        float *a = out + 2 * k, *b = out + 2 * (nc - k);
        const float *w = f->split + 2 * k;
        float fer = 0.5f * (a[0] + b[0]), fei = 0.5f * (a[1] - b[1]);  /* (Z[k] + Z*[N-k]) / 2 */
        float gr = 0.5f * (a[1] + b[1]), gi = -0.5f * (a[0] - b[0]);   /* -i (Z[k] - Z*[N-k]) / 2 */
        float hr = w[0] * gr - w[1] * gi, hi = w[0] * gi + w[1] * gr;  /* W^k * that */
        a[0] = fer + hr;
        a[1] = fei + hi;
        b[0] = fer - hr;                    /* X[N-k] = conj(Fe - W^k Fo) */
        b[1] = hi - fei;
    }
    if (nc >= 2)                            /* X[N/2] = conj(Z[N/2]) */
        out[nc + 1] = -out[nc + 1];
}

void kws_rfft_forward(const kws_rfft *f, const float *in, float *out)
{
    int nc = f->n / 2, t;
    for (t = 0; t < nc; t++) {
        int r = f->bitrev[t];
        out[2 * r] = in[2 * t];
        out[2 * r + 1] = in[2 * t + 1];
    }
    cfft_bitrev(f, out, nc);
    split_step(f, out, nc);
}
