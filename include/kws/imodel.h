/* kws/imodel.h - the integer model: a flat list of integer kernel calls with
 * their weights, requantization and a static memory plan (device and host,
 * C99), the device-side runner, and the host-side converter from a trained
 * float or QAT kws_model.
 *
 * What a converted model is (docs/quantization.md is the arithmetic):
 *
 *   input (H, W, C) int8, scale in_scale
 *     -> op 0 -> op 1 -> ... -> op n-1 -> logits (n_classes): int8 codes, or
 *        int32 (out_s32) at a finer scale; real logit = out_scale * code
 *
 * Each op is one kernel of kws/runtime.h on channels-last tensors:
 *
 *   KWS_IOP_CONV2D   kws_conv2d_s8        weight (Cout, k, k, Cin) int8
 *   KWS_IOP_MAXPOOL  kws_maxpool2d_s8     (scale unchanged)
 *   KWS_IOP_AFFINE   kws_channel_affine_s8  batch norm after ReLU / pool
 *   KWS_IOP_DENSE    kws_dense_s8         weight (N, K) int8
 *   KWS_IOP_DENSE_BIN kws_dense_binary_s8 weight (N, ceil(K/8)) packed bits
 *   KWS_IOP_CONV2D_BIN kws_conv2d_binary_s8 weight (Cout, k, k, ceil(Cin/8))
 *                     packed bits (a w=binary conv2d layer)
 *
 * The converter maps a topology layer (conv2d/dense, then its post ops in
 * the order written) onto these ops:
 *   - batch norm directly after the conv/dense (before any ReLU or pool) is
 *     folded: the QAT weight codes are kept (negated where gamma < 0), the
 *     factor |a_c| goes into the channel's scale and so into the
 *     requantization multiplier, and a_c * b + d_c into the bias (binary
 *     layers too: a negated +-1 code is the flipped bit);
 *   - batch norm after ReLU or pool becomes a KWS_IOP_AFFINE (the recipe of
 *     docs/quantization.md section 3), run in place;
 *   - ReLU is the clamp act_min = 0 of the layer's last requantizing op
 *     (max pool commutes with it);
 *   - dropout vanishes; flatten is a no-op in HWC order: the next dense
 *     layer's columns are permuted from the trainer's (C, H, W) order.
 *
 * Memory plan (fixed at conversion, `arena_size` bytes from the caller):
 *
 *   arena: [ side 0 ->      working space      <- side 1 ][ scratch ]
 *            tensor i on side 0 -> at offset 0
 *            tensor i on side 1 -> ends at act_peak
 *
 * Every op that is not in place reads one side and writes the other; affine
 * ops run in place. act_peak = max over ops of in_bytes + out_bytes (rounded
 * to 4) plus the working space S, so while an op runs at least S bytes lie
 * free between its input and its output. A conv uses the free stretch as
 * its scratch (kws_iop_work_area): the fast kernels' int16 weights
 * (kws_conv2d_s8_fast_scratch_size, kws_conv2d_binary_s8_fast_scratch_size)
 * and Winograd's transforms (kws_conv2d_s8_winograd). Most convs already have
 * room there (small tensors late in the network); S covers the rest:
 *
 *   KWS_PLAN_FAST   (default) every 3x3 conv that Winograd speeds up
 *                   gets room for >= 16 output channels per weight pass;
 *   KWS_PLAN_SMALL  the least RAM: only what the direct fast kernels need.
 *
 * Paper net, hybrid: fast S = 10,368 B, arena 77,248 B, 14.5 M M4
 * instructions (18.0 M modelled cycles); small arena 68,032 B (conv2d_1
 * direct), 17.3 M. The
 * separate scratch (scratch_off, scratch_size) is 0 in the converter's
 * plans; a hand-made plan may use it instead (a conv takes the larger).
 *
 * Typical use on the device (error checks left out):
 *
 *   static uint64_t arena[KWS_ARENA_WORDS];  // 8-aligned, >= kws_imodel_arena_size(m)
 *   int8_t x[38 * 55];
 *   int32_t logits[10];
 *   kws_imodel_quantize_input(m, features, x);          // (C, H, W) floats
 *   kws_imodel_run(m, arena, sizeof arena, x, logits);  // out_scale * logits
 */
#ifndef KWS_IMODEL_H
#define KWS_IMODEL_H

#include <stddef.h>
#include <stdint.h>
#include "kws/error.h"
#include "kws/quant_params.h"
#include "kws/runtime.h"
#include "kws/status.h"
#include "kws/topology.h"

#define KWS_IMODEL_MAX_OPS 192
#define KWS_IMODEL_NAME_MAX 32

typedef enum {
    KWS_IOP_CONV2D,
    KWS_IOP_MAXPOOL,
    KWS_IOP_AFFINE,
    KWS_IOP_DENSE,
    KWS_IOP_DENSE_BIN,
    KWS_IOP_CONV2D_BIN
} kws_iop_kind;

typedef struct {
    kws_iop_kind kind;
    char name[KWS_IMODEL_NAME_MAX]; /* the topology layer's name, "/pool", "/bn" added */
    int layer;                /* index of the topology layer it comes from */
    int in_h, in_w, in_c;     /* input (H, W, C); dense: (1, 1, K) */
    int out_h, out_w, out_c;  /* output (H, W, C); dense: (1, 1, N) */
    int kernel;               /* CONV2D, CONV2D_BIN: k; else 0 */

    /* parameters (NULL where the kind has none) */
    const int8_t *weight;     /* CONV2D (Cout, k, k, Cin), DENSE (N, K) codes */
    const uint8_t *wbits;     /* DENSE_BIN (N, ceil(K/8)), CONV2D_BIN (Cout, k, k,
                                 ceil(Cin/8)); LSB first, 1 = +1 */
    const int16_t *mul;       /* AFFINE (C) m_c */
    const int32_t *bias;      /* (out_c) */
    const kws_requant *rq;    /* (out_c) */
    int32_t act_min, act_max; /* 0 / -127 and 127 */
    int weight_bits;          /* 8, 4 (int8 container, codes in [-7, 7]) or 1; 0 if none */
    int out_s32;              /* last op only: int32 output, no int8 clamp */

    /* memory plan: byte offsets into the arena */
    size_t in_off, out_off;

    /* host-side description (reports, tests); never read by kws_imodel_run */
    float in_scale, out_scale;  /* real value = scale * code */
    const float *wscale;      /* (out_c) QAT's weight scale s_w[c] (int8/int4) or
                                 alpha_c (binary), before any folded batch norm */
    const float *bn_fold;     /* (out_c) a_c of a folded batch norm, or NULL; the
                                 stored codes are QAT's codes times sign(a_c) */
} kws_iop;

typedef struct {
    int in_h, in_w, in_c;     /* network input (H, W, C) */
    float in_scale;           /* input code = clamp(rhaz(x / in_scale), -127, 127) */
    int n_classes;
    int out_s32;              /* logits are int32 (1) or int8 codes (0) */
    float out_scale;          /* real logit = out_scale * code */
    int n_ops;                /* 1..KWS_IMODEL_MAX_OPS */
    const kws_iop *ops;       /* (n_ops): the converter's storage on the host, a
                                 const table in flash in `kws export`'s code */
    size_t act_peak;          /* bytes of activation RAM: both ping-pong sides and
                                 the working space between them */
    size_t scratch_off, scratch_size; /* a separate scratch after it (0 bytes in
                                 the converter's plans) */
    size_t arena_size;        /* act_peak rounded to 8 + scratch_size */
    void *storage;            /* host: memory owned by the converted model */
} kws_imodel;

/* How much working space the memory plan gives the convs (see above). */
typedef enum {
    KWS_PLAN_FAST,
    KWS_PLAN_SMALL
} kws_plan_kind;

/* ---- size accounting (ROM; in kws_runtime, src/runtime/imodel_run.c) --- */

typedef struct {
    size_t weights;   /* weight codes as stored: int8/int4 1 byte each, binary 1 bit
                         each with rows (dense) or taps (conv) padded to bytes */
    size_t biases;    /* int32 biases: 4 bytes per output channel */
    size_t requant;   /* kws_requant: 8 bytes per output channel */
    size_t affine;    /* AFFINE m_c: 2 bytes per channel (its b_c counts as a bias) */
} kws_imodel_bytes;

/* Bytes of one op's parameters, by kind. */
kws_imodel_bytes kws_iop_bytes(const kws_iop *op);

/* Sum over the model's ops. */
kws_imodel_bytes kws_imodel_bytes_total(const kws_imodel *m);

/* weights + biases + requant + affine. */
size_t kws_imodel_bytes_sum(kws_imodel_bytes b);

/* ---- running (device) --------------------------------------------------- */

/* Bytes of arena kws_imodel_run needs (m->arena_size). */
size_t kws_imodel_arena_size(const kws_imodel *m);

/* Lays out m's tensors (ops: m->ops, writable; shapes, kinds, kernels set)
 * by the plan above: in_off/out_off of every op, act_peak, scratch_off,
 * scratch_size (0) and arena_size (src/runtime/imodel_plan.c). The
 * converter calls it; so can hand-built models. */
void kws_imodel_plan(kws_imodel *m, kws_iop *ops, kws_plan_kind plan);

/* The scratch op gets while it runs: the largest 8-aligned stretch of
 * [0, act_peak) that its input and output leave free (nothing else is live
 * then), or the separate scratch (scratch_off, scratch_size) if that is
 * larger. Returns its offset in the arena and its size in *size (0: none).
 * The plan must have passed kws_imodel_check. */
size_t kws_iop_work_area(const kws_imodel *m, const kws_iop *op, size_t *size);

/* Runs the model on one input. arena: arena_size bytes, 8-byte aligned
 * (KWS_ERR_ARG otherwise); in: (H, W, C) codes (may point anywhere, also
 * into the arena's input slot); logits (n_classes) receives the output codes
 * widened to int32. Before anything is written the model passes
 * kws_imodel_check against arena_size: KWS_ERR_ARENA if arena_size <
 * kws_imodel_arena_size(m), its other codes for a malformed model. Then a
 * kernel's status. */
kws_status kws_imodel_run(const kws_imodel *m, void *arena, size_t arena_size, const int8_t *in,
                          int32_t *logits);

/* Validates m before it runs (src/runtime/imodel_check.c): for a model
 * compiled into firmware or read from outside, not only one the converter
 * just made. Returns
 *   KWS_ERR_ARG    NULL model or table, n_ops outside 1..KWS_IMODEL_MAX_OPS,
 *                  or an op without the parameter arrays its kind needs;
 *   KWS_ERR_SHAPE  a dimension outside 1..65536, an op whose input is not
 *                  the previous op's output (a dense op takes it flattened),
 *                  kind rules (conv keeps H x W, or W - (k - 1) unpadded
 *                  along W, with an odd k <= 15; pool halves H and W, or H
 *                  only; dense is 1 x 1), int32 output not on the last dense
 *                  op, or a last output other than n_classes;
 *   KWS_ERR_FORMAT an unknown op kind, requantization or clamp bounds out of
 *                  range, or a memory plan that is not one: a tensor outside
 *                  the activation area, an input not where the previous op
 *                  wrote, input and output overlapping (in-place affine
 *                  excepted), scratch outside the arena;
 *   KWS_ERR_ARENA  arena_size < kws_imodel_arena_size(m).
 * bad_op (may be NULL) receives the index of the offending op, -1 for the
 * model itself. It does not see the parameter bytes (kws/deployed.h has a
 * CRC for those). */
kws_status kws_imodel_check(const kws_imodel *m, size_t arena_size, int *bad_op);

/* Which kernels run the ops: the Cortex-M4 kernels of kws/runtime.h
 * (..._fast: SMLAD and friends on the device, the same integers in plain C
 * elsewhere) or the plain C references. The logits are bit-identical
 * either way (tests/runtime/test_kernels_fast.c). */
typedef enum {
    KWS_KERNELS_FAST,       /* kws_imodel_run's choice */
    KWS_KERNELS_REFERENCE
} kws_kernel_set;

/* kws_imodel_run with the kernels chosen. KWS_KERNELS_FAST: a 3x3
 * conv runs by Winograd when its work area (kws_iop_work_area) holds a
 * chunk of output channels that makes it faster
 * (kws_conv2d_s8_winograd_pays), else the direct fast kernel; a conv (int8
 * or binary) whose fast kernel's scratch does not fit its work area - a
 * plan made without it - runs the reference kernel. KWS_ERR_ARG for an
 * unknown set. */
kws_status kws_imodel_run_kernels(const kws_imodel *m, kws_kernel_set kernels, void *arena,
                                  size_t arena_size, const int8_t *in, int32_t *logits);

/* Quantizes a normalized (z-scored) float input x (C, H, W) - the trainer's
 * layout - into out (H, W, C): clamp(rhaz(x / in_scale), -127, 127).
 * No libm. */
void kws_imodel_quantize_input(const kws_imodel *m, const float *x, int8_t *out);

/* The kernel dims of a CONV2D / CONV2D_BIN op (valid_w when out_w < in_w). */
kws_conv2d_dims kws_iop_conv_dims(const kws_iop *op);

/* One dense op (DENSE or DENSE_BIN, int8 or int32 output as op->out_s32)
 * on in (op->in_c codes) into out, with the fast or the reference kernel:
 * what kws_imodel_run does for it (kws/stream.h runs the dense tail so). */
kws_status kws_iop_run_dense(const kws_iop *op, const int8_t *in, void *out, int fast);

/* Index of the largest logit (the first on ties). */
int kws_imodel_argmax(const int32_t *logits, int n);

/* Short constant name of an op kind ("conv2d_s8", ...). */
const char *kws_iop_kind_str(kws_iop_kind k);

/* ---- conversion (host, src/quant/convert.c, library kws_convert) -------- */

typedef struct {
    int out_s32;   /* 1: int32 logits at scale max|logit| / 2^20 (calibrated) when
                      the last layer is a=float; 0: int8 logits. A last layer
                      with a=int8 always gives int8 at QAT's scale. */
    kws_plan_kind plan;
} kws_convert_options;

/* "fast" / "small"; NULL for an unknown value. */
const char *kws_plan_kind_str(kws_plan_kind k);

/* Parses "fast" or "small" into *out; KWS_ERR_ARG otherwise. */
kws_status kws_plan_kind_parse(const char *s, kws_plan_kind *out);

/* Defaults: out_s32 = 1, plan = KWS_PLAN_FAST. */
kws_convert_options kws_convert_options_default(void);

/* Converts a trained network (topo, params (topo->n_params), bn_stats
 * (topo->n_stats): the arrays of a kws_model or kws_net) into m, using
 * n_calib calibration inputs calib (n_calib, C, H, W), normalized like the
 * training data (n_calib >= 1).
 *
 * Weights: quantized with QAT's quantizer of the layer's w= (kws/quant.h:
 * same scales, same rounding, same codes); w=float layers take the int8
 * quantizer. Activation scales: range / 127 from the net's buffer for a
 * layer's output when a=int8; otherwise max |x| / 127 of that tensor over
 * the calibration inputs, run through the float/QAT net (kws_net, INFER);
 * the input scale is always calibrated. Biases: rhaz(b / (s_x * s_w[c])).
 * Unsupported (KWS_ERR_UNSUPPORTED, err says which layer): a=binary, a
 * bias or multiplier outside the kernels' bounds. m->storage is allocated;
 * release it with kws_imodel_free. */
kws_status kws_imodel_convert(kws_imodel *m, const kws_topology *topo, const float *params,
                              const float *bn_stats, const float *calib, int n_calib,
                              const kws_convert_options *opt, kws_error *err);

/* The calibration step of kws_imodel_convert on its own: ranges[0] = max |x|
 * over the calibration inputs, ranges[1 + i] = max |x| of kws_net op i's
 * output (net.c's op order); *n_ranges = 1 + the net's op count (at most
 * max_ranges). A trained model stores these (kws/model.h, CALIB section), so
 * it converts to the same integer model anywhere, without the data. */
kws_status kws_imodel_calibrate(const kws_topology *topo, const float *params,
                                const float *bn_stats, const float *calib, int n_calib,
                                float *ranges, int max_ranges, int *n_ranges, kws_error *err);

/* kws_imodel_convert with ranges from kws_imodel_calibrate (KWS_ERR_SHAPE
 * if n_ranges does not fit the topology). */
kws_status kws_imodel_convert_calibrated(kws_imodel *m, const kws_topology *topo,
                                         const float *params, const float *bn_stats,
                                         const float *ranges, int n_ranges,
                                         const kws_convert_options *opt, kws_error *err);

/* Frees what kws_imodel_convert allocated and zeroes m; NULL is allowed. */
void kws_imodel_free(kws_imodel *m);

/* Writes a table of m (op, shapes, bits, scales, bytes, arena offsets) to
 * buf (size bytes, NUL-terminated); returns the length needed without the
 * NUL, like snprintf. */
size_t kws_imodel_summary(const kws_imodel *m, char *buf, size_t size);

#endif
