/* maxpool_s8_fast.c - kws_maxpool2d_s8 four channels at a time: same
 * arguments, bit-identical output.
 *
 * Channels last, so the 2x2 block's four pixels hold C consecutive bytes
 * each. With C a multiple of 4, one word of each pixel covers 4 channels and
 * SSUB8 + SEL (simd_m4.h, kws_max_s8x4) takes the per-byte signed max:
 *
 *   LDR a, b, e, f;  m = max(max(a, b), max(e, f));  STR m
 *
 * 4 loads, 6 DSP instructions and a store for 4 outputs, against about 4
 * loads, 3 compare/select pairs and a store per output in the reference.
 * Other C: the reference loop, byte by byte.
 */
#include "kws/runtime.h"

#include "simd_m4.h"

kws_status kws_maxpool2d_s8_fast(const kws_pool_dims *d, const int8_t *in, int8_t *out)
{
    if (!d || !in || !out || d->h < 2 || d->w < 2 || d->c <= 0)
        return KWS_ERR_ARG;
    if (d->c & 3)
        return kws_maxpool2d_s8(d, in, out);
    const int OH = d->h / 2, OW = d->w / 2, W = d->w, C = d->c;
    const size_t row = (size_t)W * C;
    for (int y = 0; y < OH; y++) {
        const int8_t *a = in + (size_t)(2 * y) * row; /* (2y, 0) */
        int8_t *o = out + (size_t)y * OW * C;
        for (int x = 0; x < OW; x++, a += 2 * C) {
            for (int c = 0; c < C; c += 4, o += 4) {
                const uint32_t top = kws_max_s8x4(kws_read_u32(a + c), kws_read_u32(a + C + c));
                const uint32_t bot = kws_max_s8x4(kws_read_u32(a + row + c),
                                                  kws_read_u32(a + row + C + c));
                kws_write_u32(o, kws_max_s8x4(top, bot));
            }
        }
    }
    return KWS_OK;
}
