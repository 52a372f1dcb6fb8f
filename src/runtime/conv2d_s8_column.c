/* conv2d_s8_column.c - the newest output column of a convolution unpadded
 * along W (time=valid), from a window of its last k input columns: what
 * kws/stream.h computes per layer and hop. Reference and fast version,
 * bit-identical.
 *
 * Window layout: (H + 2P, k, Cin), P = (k - 1) / 2: the 'same' padding
 * along H as P zero rows above and below, each row the k pixels of its
 * k columns, oldest first. Output row h then reads the K = k * k * Cin
 * contiguous bytes from padded row h on, against weight row o (Cout, k, k,
 * Cin), the same byte order: a dense product per output row.
 *
 * The fast version (Cortex-M4): every weight serves H rows and every
 * window byte up to k rows and Cout channels, so both are sign-extended
 * once as int16 pairs (the SXTB16 split of simd_m4.h): the weights when
 * the stream starts (kws_conv2d_s8_column_prepare: constant, channel pairs
 * interleaved), the window per call into scratch. Each row of k * Cin bytes
 * is padded with zeros to whole words (the first layer, Cin = 1: 3 bytes
 * -> 1 word). The product runs 2 rows x 2 channels per step - 4 LDRD, 8
 * SMLAD for 16 MACs, 24 cycles with the loop - and the ReLU
 * requantization is one SMMLA.
 */
#include "kws/runtime.h"

#include "simd_m4.h"

#if defined(__GNUC__)
#define KWS_NOINLINE __attribute__((noinline))
#else
#define KWS_NOINLINE
#endif

static int column_ok(const kws_conv2d_dims *d)
{
    return d && d->h > 0 && d->in_c > 0 && d->out_c > 0 && d->kernel > 0 && d->kernel <= 15 &&
           (d->kernel & 1) == 1;
}

kws_status kws_conv2d_s8_column(const kws_conv2d_dims *d, const kws_requant_out *q,
                                const int8_t *win, const int8_t *weight, const int32_t *bias,
                                int8_t *out)
{
    if (!column_ok(d) || !win || !weight || !out)
        return KWS_ERR_ARG;
    kws_status st = kws_requant_out_check(q, d->out_c);
    if (st != KWS_OK)
        return st;
    const size_t row = (size_t)d->kernel * d->in_c, K = row * d->kernel;
    for (int h = 0; h < d->h; h++) {
        const int8_t *x = win + (size_t)h * row;
        for (int o = 0; o < d->out_c; o++) {
            const int8_t *w = weight + (size_t)o * K;
            int32_t acc = bias ? bias[o] : 0;
            for (size_t t = 0; t < K; t++)
                acc += (int32_t)x[t] * w[t];
            out[(size_t)h * d->out_c + o] = kws_requantize_s8(acc, q->rq[o], q->act_min,
                                                               q->act_max);
        }
    }
    return KWS_OK;
}

/* words of int8 quads per window row: k * Cin bytes, zero-padded */
static size_t row_words(const kws_conv2d_dims *d)
{
    return ((size_t)d->kernel * d->in_c + 3) / 4;
}

size_t kws_conv2d_s8_column_scratch_size(const kws_conv2d_dims *d)
{
    if (!column_ok(d))
        return 0;
    const size_t rows = (size_t)d->h + (size_t)d->kernel - 1; /* H + 2P */
    return rows * row_words(d) * 2 * sizeof(uint32_t);
}

size_t kws_conv2d_s8_column_weights_size(const kws_conv2d_dims *d)
{
    if (!column_ok(d))
        return 0;
    const size_t co = (size_t)((d->out_c + 1) & ~1), kw = row_words(d) * d->kernel;
    return co * kw * 2 * sizeof(uint32_t);
}

/* The int8 quad at src, of which `avail` (>= 1) bytes exist (zeros after) */
static uint32_t quad(const int8_t *src, size_t avail)
{
    if (avail >= 4)
        return kws_read_u32(src);
    uint32_t v = 0;
    for (size_t b = 0; b < avail; b++)
        v |= (uint32_t)(uint8_t)src[b] << (8 * b);
    return v;
}

/* n rows of `bytes` int8 each (consecutive) -> rows of rw words of int16
 * pairs, (b0, b2) then (b1, b3) per quad, the bytes past a row's end zero */
static void extend_rows(const int8_t *src, size_t n, size_t bytes, size_t rw, uint32_t *dst)
{
    for (size_t r = 0; r < n; r++, src += bytes, dst += 2 * rw)
        for (size_t j = 0; j < rw; j++) {
            const uint32_t v = quad(src + 4 * j, bytes - 4 * j);
            dst[2 * j] = kws_sxtb16(v);
            dst[2 * j + 1] = kws_sxtb16_ror8(v);
        }
}

kws_status kws_conv2d_s8_column_prepare(const kws_conv2d_dims *d, const int8_t *weight,
                                        uint32_t *prepared)
{
    if (!column_ok(d) || !weight || !prepared)
        return KWS_ERR_ARG;
    const size_t bytes = (size_t)d->kernel * d->in_c, row_w = row_words(d);
    const size_t K_w = row_w * d->kernel;
    const int Co = d->out_c;
    /* channel pairs interleaved: per word t, (o: lo, hi) then (o + 1: lo,
     * hi); an odd last channel pairs with zeros */
    for (int o = 0; o < Co; o += 2) {
        uint32_t *dst = prepared + 4 * K_w * (size_t)(o / 2);
        for (int j = 0; j < 2; j++)
            for (int i = 0; i < d->kernel; i++)
                for (size_t t = 0; t < row_w; t++) {
                    uint32_t v = 0;
                    if (o + j < Co)
                        v = quad(weight + ((size_t)(o + j) * d->kernel + i) * bytes + 4 * t,
                                 bytes - 4 * t);
                    const size_t at = 4 * (i * row_w + t) + 2 * (size_t)j;
                    dst[at] = kws_sxtb16(v);
                    dst[at + 1] = kws_sxtb16_ror8(v);
                }
    }
    return KWS_OK;
}

/* acc (rows 0, 1 x channels 0, 1: a00, a01, a10, a11) += the products of
 * the two rows' pairs x0, x1 with the interleaved channel pair w .. end (4
 * words per window word). The C loop is the definition. */
static inline void pair_products_c(const uint32_t *x0, const uint32_t *x1, const uint32_t *w,
                                   const uint32_t *end, int32_t acc[4])
{
    int32_t a00 = acc[0], a01 = acc[1], a10 = acc[2], a11 = acc[3];
    do {
        uint32_t xa, xb, ya, yb, wa, wb;
        x0 = kws_ldrd_post(x0, &xa, &xb);
        x1 = kws_ldrd_post(x1, &ya, &yb);
        w = kws_ldrd_post(w, &wa, &wb); /* channel 0 */
        a00 = kws_smlad(xb, wb, kws_smlad(xa, wa, a00));
        a10 = kws_smlad(yb, wb, kws_smlad(ya, wa, a10));
        w = kws_ldrd_post(w, &wa, &wb); /* channel 1 */
        a01 = kws_smlad(xb, wb, kws_smlad(xa, wa, a01));
        a11 = kws_smlad(yb, wb, kws_smlad(ya, wa, a11));
    } while (w != end);
    acc[0] = a00, acc[1] = a01, acc[2] = a10, acc[3] = a11;
}

#if KWS_M4_DSP && defined(__OPTIMIZE__)
/* The same on the M4 with the loads in runs of LDRs, which pipeline (1
 * cycle each after the first; an LDRD takes 3): 6 loads, 4 SMLAD, 2
 * loads, 4 SMLAD - 22 cycles per 16 MACs with the loop branch, against 24
 * for the LDRD form GCC makes of the C. All 14 registers: 4 sums, 6 words,
 * 4 pointers. */
KWS_NOINLINE
static void pair_products(const uint32_t *x0, const uint32_t *x1, const uint32_t *w,
                          const uint32_t *end, int32_t acc[4])
{
    int32_t a00 = acc[0], a01 = acc[1], a10 = acc[2], a11 = acc[3];
    uint32_t xa, xb, ya, yb, wa, wb;
    __asm__ volatile("1:\n\t"
                     "ldr %[xa], [%[x0]], #4\n\t"
                     "ldr %[xb], [%[x0]], #4\n\t"
                     "ldr %[ya], [%[x1]], #4\n\t"
                     "ldr %[yb], [%[x1]], #4\n\t"
                     "ldr %[wa], [%[w]], #4\n\t"
                     "ldr %[wb], [%[w]], #4\n\t"
                     "smlad %[a00], %[xa], %[wa], %[a00]\n\t"
                     "smlad %[a10], %[ya], %[wa], %[a10]\n\t"
                     "smlad %[a00], %[xb], %[wb], %[a00]\n\t"
                     "smlad %[a10], %[yb], %[wb], %[a10]\n\t"
                     "ldr %[wa], [%[w]], #4\n\t"
                     "ldr %[wb], [%[w]], #4\n\t"
                     "smlad %[a01], %[xa], %[wa], %[a01]\n\t"
                     "smlad %[a11], %[ya], %[wa], %[a11]\n\t"
                     "smlad %[a01], %[xb], %[wb], %[a01]\n\t"
                     "smlad %[a11], %[yb], %[wb], %[a11]\n\t"
                     "cmp %[w], %[end]\n\t"
                     "bne 1b\n\t"
                     : [a00] "+r"(a00), [a01] "+r"(a01), [a10] "+r"(a10), [a11] "+r"(a11),
                       [xa] "=&r"(xa), [xb] "=&r"(xb), [ya] "=&r"(ya), [yb] "=&r"(yb),
                       [wa] "=&r"(wa), [wb] "=&r"(wb), [x0] "+r"(x0), [x1] "+r"(x1), [w] "+r"(w)
                     : [end] "r"(end)
                     : "cc", "memory");
    acc[0] = a00, acc[1] = a01, acc[2] = a10, acc[3] = a11;
}
#else
static inline void pair_products(const uint32_t *x0, const uint32_t *x1, const uint32_t *w,
                                 const uint32_t *end, int32_t acc[4])
{
    pair_products_c(x0, x1, w, end, acc);
}
#endif

static inline int8_t finish(int32_t acc, const kws_requant_out *q, int o, int relu)
{
    kws_rq32 r;
    if (relu && kws_rq32_init(q->rq[o].multiplier, q->rq[o].shift, &r))
        return (int8_t)kws_rq32_relu(acc, r.mult, r.round, r.sh);
    return kws_requantize_s8(acc, q->rq[o], q->act_min, q->act_max);
}

kws_status kws_conv2d_s8_column_fast(void *scratch, const kws_conv2d_dims *d,
                                     const kws_requant_out *q, const int8_t *win,
                                     const uint32_t *prepared, const int32_t *bias, int8_t *out)
{
    if (!column_ok(d) || !win || !prepared || !out || !scratch ||
        ((uintptr_t)scratch & 7u) != 0 || ((uintptr_t)prepared & 7u) != 0)
        return KWS_ERR_ARG;
    kws_status st = kws_requant_out_check(q, d->out_c);
    if (st != KWS_OK)
        return st;
    const int H = d->h, Co = d->out_c, relu = q->act_min == 0 && q->act_max == 127;
    const size_t bytes = (size_t)d->kernel * d->in_c; /* one window row */
    const size_t row_w = row_words(d);                 /* its words, padded */
    const size_t K_w = row_w * d->kernel;              /* words per output */
    const size_t rows = (size_t)H + d->kernel - 1;     /* H + 2P */
    uint32_t *xe = (uint32_t *)scratch;                /* (H + 2P) rows, pairs */
    const uint32_t *we = prepared;
    extend_rows(win, rows, bytes, row_w, xe);

    for (int o = 0; o < Co; o += 2) {
        const uint32_t *wp = we + 4 * K_w * (size_t)(o / 2);
        const int32_t b0 = bias ? bias[o] : 0, b1 = bias && o + 1 < Co ? bias[o + 1] : 0;
        for (int h = 0; h < H; h += 2) {
            const int two = h + 1 < H;
            const uint32_t *x0 = xe + 2 * row_w * (size_t)h, *x1 = two ? x0 + 2 * row_w : x0;
            int32_t acc[4] = {b0, b1, b0, b1};
            pair_products(x0, x1, wp, wp + 4 * K_w, acc);
            const int32_t a00 = acc[0], a01 = acc[1], a10 = acc[2], a11 = acc[3];
            int8_t *o0 = out + (size_t)h * Co + o;
            o0[0] = finish(a00, q, o, relu);
            if (o + 1 < Co)
                o0[1] = finish(a01, q, o + 1, relu);
            if (two) {
                o0[Co] = finish(a10, q, o, relu);
                if (o + 1 < Co)
                    o0[Co + 1] = finish(a11, q, o + 1, relu);
            }
        }
    }
    return KWS_OK;
}
