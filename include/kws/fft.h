/* kws/fft.h - real FFT in portable C99 (device and host, no library).
 *
 * A real FFT of even length n (a power of two, 4..4096) computed as an
 * n/2-point complex FFT (radix-4 stages, one radix-2 stage when log2(n/2)
 * is odd) plus a split step. Tables (twiddles, bit reversal) live in
 * caller memory: ask kws_rfft_arena_size(n), pass that many bytes to
 * kws_rfft_init. No allocation, no global state.
 *
 * Tables are computed with kws/kmath.h's deterministic functions, so the
 * host and the Cortex-M4 build produce bit-identical spectra.
 */
#ifndef KWS_FFT_H
#define KWS_FFT_H

#include <stddef.h>
#include "kws/status.h"

typedef struct {
    int n;                /* real input length */
    float *twiddle;       /* (3n/8) complex: cos, -sin of 2*pi*j/(n/2), j < 3n/8 */
    float *split;         /* (n/4) complex split-step twiddles: cos, -sin of 2*pi*k/n */
    unsigned short *bitrev; /* (n/2) bit-reversal permutation */
} kws_rfft;

/* Bytes of arena kws_rfft_init needs for length n; 0 if n is unsupported. */
size_t kws_rfft_arena_size(int n);

/* Builds the tables inside `arena` (aligned to 8 bytes, arena_size bytes). */
kws_status kws_rfft_init(kws_rfft *f, int n, void *arena, size_t arena_size);

/* Forward real FFT.
 * in:  (n) real samples; not modified.
 * out: (n/2+1) complex bins as interleaved re,im: out[2k], out[2k+1],
 *      k = 0..n/2 (so 2*(n/2+1) floats). out[1] and out[n+1] are 0.
 * X[k] = sum_t in[t] * exp(-2*pi*i*k*t/n), unnormalized. */
void kws_rfft_forward(const kws_rfft *f, const float *in, float *out);

#endif
