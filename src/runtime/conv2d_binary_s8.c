/* conv2d_binary_s8.c - k x k convolution with +-1 weights packed 1 bit each
 * and an int8 input: stride 1, 'same' zero padding, channels last, int32
 * accumulation, per-output-channel requantization with the activation
 * (ReLU) fused into the clamp. The arithmetic is kws_conv2d_s8's with every
 * weight code in {-1, +1}; the per-channel alpha_o lives in M_o.
 *
 * Weight layout (Cout, k, k, ceil(Cin/8)) bytes: for each output channel
 * and each tap (i, j), the Cin signs of that tap, LSB first, padded to a
 * whole byte (1 = +1, 0 = -1; padding bits are ignored). Every tap starts on
 * a byte, so a border pixel simply skips whole taps and the inner loop runs
 * over whole bytes of one tap, with no bit offsets. With Cin a multiple of
 * 8 (the binary convs of our networks: Cin = 32, 64) this is bit for bit
 * the dense packing of the (k, k, Cin) row.
 *
 * Sign-select adds instead of multiplies, per output pixel (y, x):
 *
 *   sum_t (bit_t ? x_t : -x_t) = 2 * pos - all,
 *   pos = sum of x_t where bit_t = 1,  all = sum_t x_t,
 *
 * over the taps t inside the image (zero padding adds nothing to either).
 * `all` depends on the pixel only, so it is computed once and shared by the
 * Cout channels; `pos` (select_sum) takes 4 channels per AND. |x_t| <= 128
 * and k*k*Cin <= 2^23 keep 2 * pos - all + bias inside int32.
 *
 * The plain definition this must match bit for bit is kws_conv2d_s8 on the
 * unpacked +-1 codes (tests/runtime/test_conv2d_binary_s8.c).
 */
#include "kws/runtime.h"

size_t kws_conv2d_binary_weight_bytes(int out_c, int kernel, int in_c)
{
    if (out_c <= 0 || kernel <= 0 || in_c <= 0)
        return 0;
    return (size_t)out_c * (size_t)kernel * (size_t)kernel * (((size_t)in_c + 7) / 8);
}

/* Byte lane i of mask4[n] is 0xFF where bit i of n is set: selects the
 * inputs of 4 channels whose weight is +1 with one AND. */
static const uint32_t mask4[16] = {
    0x00000000u, 0x000000FFu, 0x0000FF00u, 0x0000FFFFu, 0x00FF0000u, 0x00FF00FFu,
    0x00FFFF00u, 0x00FFFFFFu, 0xFF000000u, 0xFF0000FFu, 0xFF00FF00u, 0xFF00FFFFu,
    0xFFFF0000u, 0xFFFF00FFu, 0xFFFFFF00u, 0xFFFFFFFFu};

/* set bits of a byte (popcount; the Cortex-M4 has no instruction for it) */
#define B2(n) n, n + 1, n + 1, n + 2
#define B4(n) B2(n), B2(n + 1), B2(n + 1), B2(n + 2)
#define B6(n) B4(n), B4(n + 1), B4(n + 1), B4(n + 2)
static const uint8_t ones8[256] = {B6(0), B6(1), B6(1), B6(2)};
#undef B2
#undef B4
#undef B6

/* 4 int8 as offset-binary bytes u = x + 128 in [0, 255], lane i = x[i]
 * (byte loads: any alignment, any endianness) */
static uint32_t load4_u(const int8_t *x)
{
    const uint8_t *b = (const uint8_t *)x;
    return ((uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
            (uint32_t)b[3] << 24) ^ 0x80808080u;
}

/* Sum of x[c] over c < C where bit c of w (LSB first) is set.
 *
 * Plain form (the tail, and the definition):
 *   pos += x[c] & -(bit c)        one AND and one add per weight.
 * Whole bytes, 4 channels per 32-bit word (SWAR): with u = x + 128 >= 0,
 *   sum_sel x = sum_sel u - 128 * (set bits),
 * and sum_sel u adds the selected bytes in two 16-bit lanes
 * ((v & 0x00FF00FF) + ((v >> 8) & 0x00FF00FF)); a lane gains at most
 * 4 * 255 per weight byte, so it is emptied every 64 bytes, before 65,535. */
static int32_t select_sum(const int8_t *x, const uint8_t *w, int C)
{
    int32_t pos = 0;
    const int full = C / 8, tail = C % 8;
    int byte = 0;
    while (byte < full) {
        const int end = full - byte > 64 ? byte + 64 : full;
        uint32_t lanes = 0; /* two 16-bit sums of selected u */
        int32_t ones = 0;
        for (; byte < end; byte++, x += 8) {
            const uint32_t bits = w[byte];
            const uint32_t v0 = load4_u(x) & mask4[bits & 15u];
            const uint32_t v1 = load4_u(x + 4) & mask4[bits >> 4];
            lanes += (v0 & 0x00FF00FFu) + ((v0 >> 8) & 0x00FF00FFu);
            lanes += (v1 & 0x00FF00FFu) + ((v1 >> 8) & 0x00FF00FFu);
            ones += ones8[bits];
        }
        pos += (int32_t)((lanes & 0xFFFFu) + (lanes >> 16)) - 128 * ones;
    }
    for (int b = 0; b < tail; b++)
        pos += (int32_t)x[b] & -(int32_t)(((uint32_t)w[full] >> b) & 1u);
    return pos;
}

kws_status kws_conv2d_binary_s8(const kws_conv2d_dims *d, const kws_requant_out *q,
                                const int8_t *in, const uint8_t *weight, const int32_t *bias,
                                int8_t *out)
{
    if (!d || !in || !weight || !out) return KWS_ERR_ARG;
    if (d->h <= 0 || d->w <= 0 || d->in_c <= 0 || d->out_c <= 0 || d->kernel <= 0 ||
        d->kernel > 15 || (d->kernel & 1) == 0 || d->in_c > (1 << 23) / (d->kernel * d->kernel))
        return KWS_ERR_ARG;
    kws_status st = kws_requant_out_check(q, d->out_c);
    if (st != KWS_OK) return st;

    if (d->valid_w && d->w < d->kernel) return KWS_ERR_ARG;

    const int H = d->h, W = d->w, C = d->in_c, K = d->kernel, P = (d->kernel - 1) / 2;
    const int PW = d->valid_w ? 0 : P, WO = d->valid_w ? W - (K - 1) : W; /* see conv2d_s8.c */
    const size_t tap_bytes = ((size_t)C + 7) / 8;
    const size_t out_bytes = (size_t)K * K * tap_bytes; /* one output channel */
    const int lo = q->act_min, hi = q->act_max;
    for (int y = 0; y < H; y++) {
        /* rows of the kernel that fall inside the image */
        const int i0 = y - P < 0 ? P - y : 0;
        const int i1 = y - P + K > H ? H - y + P : K;
        for (int x = 0; x < WO; x++) {
            const int j0 = x - PW < 0 ? PW - x : 0;
            const int j1 = x - PW + K > W ? W - x + PW : K;
            /* all = the receptive field's sum, shared by every output channel */
            int32_t all = 0;
            for (int i = i0; i < i1; i++) {
                const int8_t *a = in + ((size_t)(y + i - P) * W + (size_t)(x + j0 - PW)) * C;
                const int n = (j1 - j0) * C; /* the taps of row i are contiguous */
                for (int e = 0; e < n; e++) all += a[e];
            }
            int8_t *o_px = out + ((size_t)y * WO + x) * d->out_c;
            for (int o = 0; o < d->out_c; o++) {
                const uint8_t *w_o = weight + (size_t)o * out_bytes;
                int32_t pos = 0;
                for (int i = i0; i < i1; i++) {
                    const int8_t *in_row = in + ((size_t)(y + i - P) * W) * C;
                    for (int j = j0; j < j1; j++)
                        pos += select_sum(in_row + (size_t)(x + j - PW) * C,
                                          w_o + ((size_t)i * K + j) * tap_bytes, C);
                }
                const int32_t acc = 2 * pos - all + (bias ? bias[o] : 0);
                o_px[o] = kws_requantize_s8(acc, q->rq[o], lo, hi);
            }
        }
    }
    return KWS_OK;
}
