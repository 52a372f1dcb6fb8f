/* kws/runtime.h - integer inference kernels for the Cortex-M4 (device and
 * host, C99: no malloc, no libm, no global state, no floats).
 *
 * Every tensor is int8 with a symmetric per-tensor scale and zero point 0
 * (docs/quantization.md); layouts are channels-last (NHWC, one sample):
 *
 *   feature map   (H, W, C)        index (h * W + w) * C + c
 *   conv weight   (Cout, k, k, Cin) index ((o * k + i) * k + j) * Cin + c
 *   dense weight  (N, K)           row n holds the K inputs of output n
 *   binary weight (N, ceil(K/8))   bit k of row n: byte n*ceil(K/8) + k/8,
 *                                  bit k%8 (LSB first); 1 = +1, 0 = -1
 *   binary conv   (Cout, k, k, ceil(Cin/8))  tap (o, i, j): bytes from
 *                                  ((o * k + i) * k + j) * ceil(Cin/8), bit c
 *                                  of the tap as above
 *
 * One kernel per file in src/runtime/. Each returns KWS_OK or KWS_ERR_ARG
 * (NULL pointer, bad dimension, multiplier out of range). Scratch memory
 * is caller-provided; *_scratch_size() says how much (0: pass NULL).
 *
 * A layer of the paper's network (conv -> ReLU -> [maxpool] -> bn):
 *
 *   kws_conv2d_s8      (q.act_min = 0: ReLU fused into the clamp;
 *                       kws_conv2d_binary_s8 for w=binary layers)
 *   kws_maxpool2d_s8   (same scale in and out: max commutes with requant)
 *   kws_channel_affine_s8   (the batch norm as y = requant(x * m_c + b_c))
 *
 * (a 3x3 conv may also run as kws_conv2d_s8_winograd or its binary twin:
 * the same integers with 2.25x fewer multiplies), then flatten (a no-op in
 * HWC order; the exporter permutes dense columns),
 * kws_dense_s8 or kws_dense_binary_s8, and kws_dense_s8 for the logits.
 */
#ifndef KWS_RUNTIME_H
#define KWS_RUNTIME_H

#include <stddef.h>
#include <stdint.h>
#include "kws/status.h"
#include "kws/quant_params.h"

/* ---- conv2d: k x k, stride 1, 'same' zero padding (k-1)/2 ------------- */

typedef struct {
    int h, w;      /* input height, width; the output's too unless valid_w */
    int in_c;      /* Cin */
    int out_c;     /* Cout */
    int kernel;    /* k: odd, 1..15 */
    int valid_w;   /* 1: no padding along W (time=valid): the output is
                      w - (k - 1) wide, output column x reads input columns
                      x .. x + k - 1; the reference kernels only (the fast
                      and Winograd ones refuse it: KWS_ERR_ARG) */
} kws_conv2d_dims;

/* Bytes of scratch kws_conv2d_s8 needs (0 for the reference kernel). */
size_t kws_conv2d_s8_scratch_size(const kws_conv2d_dims *d);

/* out[h][w][o] = clamp(rhaz((bias[o] + sum_{i,j,c} in[h+i-p][w+j-p][c] *
 *                weight[o][i][j][c]) * M_o), act_min, act_max),
 * out-of-image inputs are 0. Accumulates in int32: the exporter keeps
 * k*k*Cin*127*127 + |bias| below 2^31 (k*k*Cin <= 133,000). */
kws_status kws_conv2d_s8(void *scratch, const kws_conv2d_dims *d, const kws_requant_out *q,
                         const int8_t *in,      /* (H, W, Cin) */
                         const int8_t *weight,  /* (Cout, k, k, Cin) */
                         const int32_t *bias,   /* (Cout), NULL: 0 */
                         int8_t *out);          /* (H, W, Cout) */

/* ---- conv2d, one column at a time (kws/stream.h) ------------------------ */

/* The newest output column of a conv unpadded along W (valid_w): d->h = H,
 * d->kernel = k (d->w is not read); win (H + 2P, k, Cin), P = (k - 1) / 2:
 * the last k input columns as rows of k pixels, oldest first, with P zero
 * rows above and below; out (H, Cout). Equal to column x of kws_conv2d_s8
 * with valid_w on the input whose columns x .. x + k - 1 the window holds. */
kws_status kws_conv2d_s8_column(const kws_conv2d_dims *d, const kws_requant_out *q,
                                const int8_t *win, const int8_t *weight, const int32_t *bias,
                                int8_t *out);

/* The fast version works on weights prepared once (int16, channel pairs
 * interleaved, rows padded to whole words): kws_conv2d_s8_column_weights_size
 * bytes, filled by kws_conv2d_s8_column_prepare; and on scratch for the
 * window as int16, kws_conv2d_s8_column_scratch_size bytes. Both 0 for
 * impossible dims. */
size_t kws_conv2d_s8_column_weights_size(const kws_conv2d_dims *d);
size_t kws_conv2d_s8_column_scratch_size(const kws_conv2d_dims *d);
kws_status kws_conv2d_s8_column_prepare(const kws_conv2d_dims *d, const int8_t *weight,
                                        uint32_t *prepared);

/* kws_conv2d_s8_column's result from the prepared weights; scratch and
 * prepared 8-byte aligned. */
kws_status kws_conv2d_s8_column_fast(void *scratch, const kws_conv2d_dims *d,
                                     const kws_requant_out *q, const int8_t *win,
                                     const uint32_t *prepared, const int32_t *bias,
                                     int8_t *out);

/* ---- conv2d 3x3 by Winograd F(2x2, 3x3) -------------------------------- */

/* kws_conv2d_s8 for k = 3, Cin a multiple of 4 and at most 256, computed
 * with 2.25x fewer multiplies: per 2x2 output tile, transformed 4x4 input
 * times transformed weights (src/runtime/conv2d_s8_winograd.c). Exact in
 * integers: bit-identical to kws_conv2d_s8. Weights are transformed at run
 * time in chunks of output channels that fit the scratch, so the model's
 * int8 weights stay what is stored.
 *
 * Scratch for a chunk of `out_chunk` (a multiple of 4) output channels:
 * 80 * Cin + 512 + out_chunk * (32 * Cin + 24) bytes (0 for an unsupported
 * shape or another chunk). With Cout in one chunk (out_chunk = Cout rounded
 * up to a multiple of 4) nothing is transformed twice; a smaller chunk
 * transforms the input once per chunk. */
size_t kws_conv2d_s8_winograd_scratch_size(const kws_conv2d_dims *d, int out_chunk);

/* The largest chunk (a multiple of 4, at most Cout rounded up to one) that
 * scratch_size bytes hold; 0 when the shape is unsupported or not even 4
 * channels fit. */
int kws_conv2d_s8_winograd_chunk(const kws_conv2d_dims *d, size_t scratch_size);

/* 1 when Winograd with this chunk is worth it: at least 10 % fewer M4
 * instructions than the direct fast kernel by a per-tile estimate from
 * measured counts (conv2d_s8_winograd.c); 0 otherwise and for chunk < 4. */
int kws_conv2d_s8_winograd_pays(const kws_conv2d_dims *d, int chunk);

/* The same result as kws_conv2d_s8(NULL, d, q, in, weight, bias, out).
 * scratch: 8-byte aligned, scratch_size bytes with a chunk >= 4
 * (KWS_ERR_ARG otherwise, and for unsupported shapes). */
kws_status kws_conv2d_s8_winograd(void *scratch, size_t scratch_size, const kws_conv2d_dims *d,
                                  const kws_requant_out *q, const int8_t *in,
                                  const int8_t *weight, const int32_t *bias, int8_t *out);

/* kws_conv2d_binary_s8 by the same Winograd kernel: the packed +-1 weights
 * (Cout, 3, 3, ceil(Cin/8)) read as codes, otherwise as
 * kws_conv2d_s8_winograd (same shapes, scratch sizes, chunks and pays).
 * Bit-identical to kws_conv2d_binary_s8. */
kws_status kws_conv2d_binary_s8_winograd(void *scratch, size_t scratch_size,
                                         const kws_conv2d_dims *d, const kws_requant_out *q,
                                         const int8_t *in, const uint8_t *weight,
                                         const int32_t *bias, int8_t *out);

/* ---- conv2d with binary weights --------------------------------------- */

/* Bytes of packed +-1 conv weights (Cout, k, k, ceil(Cin/8)): each tap's Cin
 * signs LSB first (1 = +1, 0 = -1), padded to a byte. Cin a multiple of 8
 * gives Cout * k*k*Cin / 8, the dense packing of the (k, k, Cin) row:
 * paper conv2d_4 (64, 3, 3, 32) -> 2,304, conv2d_5 (64, 3, 3, 64) -> 4,608. */
size_t kws_conv2d_binary_weight_bytes(int out_c, int kernel, int in_c);

/* kws_conv2d_s8 with every weight code in {-1, +1} (same dims, same 'same'
 * padding, same requantization; alpha_o lives in M_o):
 * out[h][w][o] = clamp(rhaz((bias[o] + sum_{i,j,c} (bit(o,i,j,c) ? x : -x))
 *                * M_o), act_min, act_max), x = in[h+i-p][w+j-p][c], 0 outside,
 * computed as 2 * (sum of x under set bits) - (sum of all x): no multiplies.
 * Bit-identical to kws_conv2d_s8 on the unpacked +-1 codes. Padding bits
 * are ignored. k*k*Cin <= 2^23; the exporter keeps
 * k*k*Cin * 128 + |bias| below 2^31. No scratch. */
kws_status kws_conv2d_binary_s8(const kws_conv2d_dims *d, const kws_requant_out *q,
                                const int8_t *in,       /* (H, W, Cin) */
                                const uint8_t *weight,  /* (Cout, k, k, ceil(Cin/8)) packed */
                                const int32_t *bias,    /* (Cout), NULL: 0 */
                                int8_t *out);           /* (H, W, Cout) */

/* ---- maxpool2d: 2x2, stride 2, floor (odd last row/column dropped) ----- */

typedef struct {
    int h, w, c;   /* input; output is (h/2, w/2, c) */
} kws_pool_dims;

kws_status kws_maxpool2d_s8(const kws_pool_dims *d,
                            const int8_t *in,   /* (H, W, C) */
                            int8_t *out);       /* (H/2, W/2, C) */

/* 2x1 max pool over H only (frequency; topology maxpool=2x1): output
 * (h/2, w, c), out[y][x][c] = max(in[2y][x][c], in[2y+1][x][c]). Each
 * column on its own, so a streaming runtime pools one column the same. */
kws_status kws_maxpool2x1_s8(const kws_pool_dims *d,
                             const int8_t *in,  /* (H, W, C) */
                             int8_t *out);      /* (H/2, W, C) */

/* ---- channel_affine: batch norm in integers --------------------------- */

/* out[n][c] = clamp(rhaz((in[n][c] * m[c] + b[c]) * M_c), act_min, act_max)
 * over n = 0..count-1 positions of c channels (channels last; a dense
 * output is count = 1). |m[c]| <= 2^15 and |b[c]| <= 2^30 (exporter). */
kws_status kws_channel_affine_s8(const kws_requant_out *q, int count, int c,
                                 const int8_t *in,    /* (count, C) */
                                 const int16_t *m,    /* (C) */
                                 const int32_t *b,    /* (C), NULL: 0 */
                                 int8_t *out);        /* (count, C), may be in */

/* ---- dense with int8 weights ------------------------------------------ */

typedef struct {
    int in;    /* K */
    int out;   /* N */
} kws_dense_dims;

/* out[n] = clamp(rhaz((bias[n] + sum_k in[k] * weight[n][k]) * M_n), ...).
 * K * 127 * 127 + |bias| < 2^31 (K <= 133,000). */
kws_status kws_dense_s8(const kws_dense_dims *d, const kws_requant_out *q,
                        const int8_t *in,       /* (K) */
                        const int8_t *weight,   /* (N, K) */
                        const int32_t *bias,    /* (N), NULL: 0 */
                        int8_t *out);           /* (N) */

/* ---- dense with binary weights ---------------------------------------- */

/* Bytes of one packed row, ceil(K/8), and of a whole (N, K) matrix:
 * 7488 x 64 -> 936 x 64 = 59,904. */
size_t kws_binary_row_bytes(int k);
size_t kws_binary_weight_bytes(int k, int n);

/* int8 input, +-1 weights (sign-select adds; scale alpha_n lives in M_n):
 * out[n] = clamp(rhaz((bias[n] + sum_k (bit(n,k) ? in[k] : -in[k])) * M_n)).
 * Computed as 2 * sum_{bit set} in[k] - sum_k in[k]: the same integer.
 * Padding bits of a row's last byte are ignored. K <= 2^23. */
kws_status kws_dense_binary_s8(const kws_dense_dims *d, const kws_requant_out *q,
                               const int8_t *in,        /* (K) */
                               const uint8_t *weight,   /* (N, ceil(K/8)) packed */
                               const int32_t *bias,     /* (N), NULL: 0 */
                               int8_t *out);            /* (N) */

/* Binary input and weights (XNOR / popcount); in is packed like a weight
 * row (ceil(K/8) bytes, 1 = +1):
 * out[n] = clamp(rhaz((bias[n] + K - 2 * popcount(in XOR w_n)) * M_n)).
 * Padding bits are ignored. */
kws_status kws_dense_binary_b1(const kws_dense_dims *d, const kws_requant_out *q,
                               const uint8_t *in,       /* (ceil(K/8)) packed */
                               const uint8_t *weight,   /* (N, ceil(K/8)) packed */
                               const int32_t *bias,     /* (N), NULL: 0 */
                               int8_t *out);            /* (N) */

/* Packs signs for a binary input: bit k = (in[k] >= threshold[k % c]),
 * thresholds per channel (channels last; NULL: 0, i.e. sign with 0 -> +1).
 * A batch norm before sign() folds into these thresholds (a negative gamma:
 * flip the next layer's weight column instead). out must hold
 * ceil(count*c/8) bytes; padding bits are 0. */
kws_status kws_sign_pack_s8(int count, int c, const int8_t *in, const int16_t *threshold,
                            uint8_t *out);

/* ---- fast kernels for the Cortex-M4 (src/runtime/..._fast.c) ---------- */

/* The same arguments, checks and outputs, bit for bit, as the reference
 * kernel of the same name without _fast; written for the M4's DSP
 * instructions (SMLAD, SXTB16, SMLAL, SSUB8/SEL, MSR APSR_g/SEL, USADA8,
 * through src/runtime/simd_m4.h; plain C of identical meaning on other
 * targets, so they run - and are tested against the references - on the
 * host too). kws_imodel_run uses them (kws_imodel_run_kernels chooses).
 * tests/runtime/test_kernels_fast.c and the device_m4_kernels test hold
 * them to that; bench/device/bench_m4_kernels.sh counts their instructions.
 *
 * Only the convs need scratch. The int8 conv's: 8-byte aligned (KWS_ERR_ARG
 * otherwise), never NULL, kws_conv2d_s8_fast_scratch_size() bytes (0 for
 * invalid dims). For
 * Cin a multiple of 4 that is 4 output channels' weights as int16 pairs:
 * 8 * k*k*Cin bytes (paper net: at most 4,608, conv2d_5); for Cin = 1,
 * k = 3: 40 bytes per output channel + 6 per column + 16 (paper conv2d:
 * 986); otherwise one patch as int16 (2 * k*k*Cin, rounded up to 4). The
 * converter's memory plan reserves it (kws/imodel.h). */
size_t kws_conv2d_s8_fast_scratch_size(const kws_conv2d_dims *d);

kws_status kws_conv2d_s8_fast(void *scratch, const kws_conv2d_dims *d, const kws_requant_out *q,
                              const int8_t *in, const int8_t *weight, const int32_t *bias,
                              int8_t *out);

/* The binary conv's: for Cin a multiple of 4, 4 output channels' +-1
 * weights expanded from the bits into int16 pairs, the int8 conv's layout:
 * 8 * k*k*Cin bytes (76 KB variant's conv2d_4: 2,304), 8-byte aligned,
 * never NULL (KWS_ERR_ARG otherwise). Otherwise (and for invalid dims) 0:
 * the reference kernel runs, scratch may be NULL. */
size_t kws_conv2d_binary_s8_fast_scratch_size(const kws_conv2d_dims *d);

kws_status kws_conv2d_binary_s8_fast(void *scratch, const kws_conv2d_dims *d,
                                     const kws_requant_out *q, const int8_t *in,
                                     const uint8_t *weight, const int32_t *bias, int8_t *out);

kws_status kws_maxpool2d_s8_fast(const kws_pool_dims *d, const int8_t *in, int8_t *out);

kws_status kws_channel_affine_s8_fast(const kws_requant_out *q, int count, int c,
                                      const int8_t *in, const int16_t *m, const int32_t *b,
                                      int8_t *out);

kws_status kws_dense_s8_fast(const kws_dense_dims *d, const kws_requant_out *q,
                             const int8_t *in, const int8_t *weight, const int32_t *bias,
                             int8_t *out);

kws_status kws_dense_binary_s8_fast(const kws_dense_dims *d, const kws_requant_out *q,
                                    const int8_t *in, const uint8_t *weight,
                                    const int32_t *bias, int8_t *out);

#endif
