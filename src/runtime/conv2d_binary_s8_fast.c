/* conv2d_binary_s8_fast.c - kws_conv2d_binary_s8 for the Cortex-M4's DSP
 * instructions: same arguments, same 'same' padding, bit-identical output.
 *
 * The reference's sign-select (2 * pos - all, 27 instructions per 8
 * weights) is cheap per weight bit but not per MAC. Here the +-1 weights
 * are multiplied instead, by conv2d_s8_fast.c's path 1 (see there; both
 * kernels run it through kws_conv2d_c4_chunk, conv2d_c4_fast.h):
 *
 *   Cin a multiple of 4. Output channels go in chunks of 4. For a chunk,
 *   the packed bits are expanded once into scratch as SXTB16-ready int16
 *   pairs of +-1, interleaved per group of 4 taps (k = 4g .. 4g+3 of the
 *   flattened (i, j, c) index), exactly the layout conv2d_s8_fast.c makes
 *   of int8 weights:
 *
 *     wx[8g + 2c]     = (w_c[4g], w_c[4g+2])      int16 pair, channel c of 4
 *     wx[8g + 2c + 1] = (w_c[4g+1], w_c[4g+3])
 *
 *   A group's 4 weights are one nibble of one tap's packed byte (Cin % 4 =
 *   0: a group never straddles a tap or a byte), so the expansion is two
 *   loads from a 16-entry table per group, once per layer (the whole layer
 *   costs ~1 % more than the int8 fast kernel on the same shape). Then,
 *   per output pixel, each kernel row inside the image is one contiguous
 *   run of input bytes against one contiguous run of weight groups, per 4
 *   input bytes
 *
 *     LDR v; SXTB16 xa; SXTB16 ror 8 xb
 *     4 x (LDRD wa, wb; SMLAD acc_c += xa * wa; SMLAD acc_c += xb * wb)
 *
 *   = 15 instructions for 16 MACs, 4 groups a turn; padding skipped, the
 *   interior pixels of a row in one call, the border pixels one by one;
 *   the 4 results requantized with one SMLAL each and stored as one word.
 *   acc = bias + sum of +-x is the reference's 2 * pos - all + bias, the
 *   same integer (|sum| <= k*k*Cin * 128 <= 2^30, and the exporter keeps
 *   it plus |bias| below 2^31).
 *
 *   Measured (bench/device/bench_m4_kernels.sh; the 76 KB variant's
 *   conv2d_4, 9x13x32 -> 64, k 3, 2.16 M MACs counting the padding):
 *   2.22 M instructions = 0.97 MAC per instruction, requantization, borders
 *   and expansion included, against 9.91 M for the reference (4.5x; the int8
 *   fast kernel on that shape: 2.19 M). The whole 76 KB variant
 *   (bench_m4_models.sh): 29.1 M -> 21.4 M instructions per inference.
 *
 * Cin not a multiple of 4 (no binary conv of our networks): a group would
 * straddle taps and the 4-byte input loads would run past the last pixel;
 * the reference kernel runs instead (scratch size 0, scratch may be NULL).
 *
 * Requantization constants that do not fit the 32-bit path (shift >= -1, or
 * M = 0) fall back to kws_requantize for the whole chunk.
 */
#include "kws/runtime.h"

#include "conv2d_c4_fast.h"
#include "simd_m4.h"

static int check_dims(const kws_conv2d_dims *d)
{
    return d && d->h > 0 && d->w > 0 && d->in_c > 0 && d->out_c > 0 && d->kernel > 0 &&
           d->kernel <= 15 && (d->kernel & 1) == 1 && !d->valid_w &&
           d->in_c <= (1 << 23) / (d->kernel * d->kernel);
}

size_t kws_conv2d_binary_s8_fast_scratch_size(const kws_conv2d_dims *d)
{
    if (!check_dims(d) || (d->in_c & 3) != 0)
        return 0;
    /* k*k*Cin/4 groups x 4 channels x 2 words */
    return (size_t)d->kernel * d->kernel * d->in_c / 4 * 8 * sizeof(uint32_t);
}

/* ---- weights: packed bits -> +-1 int16 pairs ----------------------------------- */

/* Nibble n (bits b0..b3 of 4 consecutive channels, 1 = +1) as the two
 * SXTB16 pairs: [n][0] = (b0, b2), [n][1] = (b1, b3), each lane +-1. */
#define P1 0x0001u
#define M1 0xFFFFu
#define PAIR(lo, hi) ((uint32_t)(lo) | (uint32_t)(hi) << 16)
static const uint32_t pm1[16][2] = {
    {PAIR(M1, M1), PAIR(M1, M1)}, {PAIR(P1, M1), PAIR(M1, M1)}, /* 0, 1 */
    {PAIR(M1, M1), PAIR(P1, M1)}, {PAIR(P1, M1), PAIR(P1, M1)}, /* 2, 3 */
    {PAIR(M1, P1), PAIR(M1, M1)}, {PAIR(P1, P1), PAIR(M1, M1)}, /* 4, 5 */
    {PAIR(M1, P1), PAIR(P1, M1)}, {PAIR(P1, P1), PAIR(P1, M1)}, /* 6, 7 */
    {PAIR(M1, M1), PAIR(M1, P1)}, {PAIR(P1, M1), PAIR(M1, P1)}, /* 8, 9 */
    {PAIR(M1, M1), PAIR(P1, P1)}, {PAIR(P1, M1), PAIR(P1, P1)}, /* 10, 11 */
    {PAIR(M1, P1), PAIR(M1, P1)}, {PAIR(P1, P1), PAIR(M1, P1)}, /* 12, 13 */
    {PAIR(M1, P1), PAIR(P1, P1)}, {PAIR(P1, P1), PAIR(P1, P1)}, /* 14, 15 */
};
#undef P1
#undef M1
#undef PAIR

/* wx <- channels oc .. oc+nc-1 of the packed weights (taps = k*k, C = Cin,
 * tb = ceil(Cin/8) bytes per tap); missing channels (nc < 4) get zeros,
 * their sums are never stored. */
static void expand_chunk(const uint8_t *weight, int taps, int C, size_t tb, int oc, int nc,
                         uint32_t *wx)
{
    const int groups = taps * (C / 4);
    for (int c = 0; c < 4; c++) {
        uint32_t *dst = wx + 2 * c;
        if (c >= nc) {
            for (int g = 0; g < groups; g++, dst += 8)
                dst[0] = dst[1] = 0;
            continue;
        }
        const uint8_t *w = weight + (size_t)(oc + c) * (size_t)taps * tb;
        for (int t = 0; t < taps; t++, w += tb) {
            for (int ch = 0; ch < C; ch += 4, dst += 8) {
                const uint32_t nib = ((uint32_t)w[ch >> 3] >> (ch & 4)) & 15u;
                dst[0] = pm1[nib][0];
                dst[1] = pm1[nib][1];
            }
        }
    }
}

kws_status kws_conv2d_binary_s8_fast(void *scratch, const kws_conv2d_dims *d,
                                     const kws_requant_out *q, const int8_t *in,
                                     const uint8_t *weight, const int32_t *bias, int8_t *out)
{
    if (!check_dims(d) || !in || !weight || !out)
        return KWS_ERR_ARG;
    if ((d->in_c & 3) != 0) /* not this kernel's shape: the reference (no scratch) */
        return kws_conv2d_binary_s8(d, q, in, weight, bias, out);
    if (!scratch || ((uintptr_t)scratch & 7u))
        return KWS_ERR_ARG;
    kws_status st = kws_requant_out_check(q, d->out_c);
    if (st != KWS_OK)
        return st;

    const int C = d->in_c, Co = d->out_c, K = d->kernel;
    uint32_t *wx = (uint32_t *)scratch;
    for (int oc = 0; oc < Co; oc += 4) {
        expand_chunk(weight, K * K, C, ((size_t)C + 7) / 8, oc, Co - oc < 4 ? Co - oc : 4, wx);
        kws_conv2d_c4_chunk(d, q, in, bias, oc, wx, out);
    }
    return KWS_OK;
}
