/* maxpool_s8.c - 2x2 max pool, stride 2, floor, channels last, int8; and
 * the 2x1 pool over H only (maxpool=2x1).
 *
 * Input and output share one scale: requantization is monotonic, so pooling
 * the int8 codes equals quantizing the pooled real values.
 */
#include "kws/runtime.h"

kws_status kws_maxpool2d_s8(const kws_pool_dims *d, const int8_t *in, int8_t *out)
{
    if (!d || !in || !out || d->h < 2 || d->w < 2 || d->c <= 0) return KWS_ERR_ARG;
    const int OH = d->h / 2, OW = d->w / 2, W = d->w, C = d->c;
    for (int y = 0; y < OH; y++) {
        for (int x = 0; x < OW; x++) {
            const int8_t *a = in + ((size_t)(2 * y) * W + 2 * x) * C; /* (2y, 2x) */
            const int8_t *b = a + C;                                  /* (2y, 2x+1) */
            const int8_t *e = a + (size_t)W * C;                      /* (2y+1, 2x) */
            const int8_t *f = e + C;                                  /* (2y+1, 2x+1) */
            int8_t *o = out + ((size_t)y * OW + x) * C;
            for (int c = 0; c < C; c++) {
                int8_t m = a[c];
                if (b[c] > m) m = b[c];
                if (e[c] > m) m = e[c];
                if (f[c] > m) m = f[c];
                o[c] = m;
            }
        }
    }
    return KWS_OK;
}

kws_status kws_maxpool2x1_s8(const kws_pool_dims *d, const int8_t *in, int8_t *out)
{
    if (!d || !in || !out || d->h < 2 || d->w < 1 || d->c <= 0) return KWS_ERR_ARG;
    const size_t row = (size_t)d->w * d->c; /* one (W, C) row */
    for (int y = 0; y < d->h / 2; y++) {
        const int8_t *a = in + (size_t)(2 * y) * row, *b = a + row;
        int8_t *o = out + (size_t)y * row;
        for (size_t i = 0; i < row; i++)
            o[i] = b[i] > a[i] ? b[i] : a[i];
    }
    return KWS_OK;
}
