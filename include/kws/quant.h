/* kws/quant.h - quantization-aware training: fake quantizers with their
 * straight-through-estimator (STE) gradients, activation-range tracking,
 * and the `--quant` modes that rewrite a topology's per-layer spec (host).
 *
 * QKeras semantics. kws_net (kws/net.h) calls these itself for every layer
 * whose topology spec says w=... or a=... other than float; a caller only
 * needs them to export or check quantized values.
 *
 * Weights (conv (Cout, Cin, k, k) or dense (N, K): n_out rows of `per_out`):
 *   int8 / int4, per output channel c, symmetric, b = 127 or 7:
 *     s[c]  = max_i |w[c,i]| / b           (float division; s = 1 if the max is 0)
 *     wq    = s[c] * clamp(round_half_away(w / s[c]), -b, b)
 *   binary, per output channel c (XNOR-Net / QKeras binary with a scale):
 *     a[c]  = mean_i |w[c,i]|               (summed in double, in index order)
 *     wq    = w >= 0 ? +a[c] : -a[c]
 *   STE (gradient of the float master weight from the gradient of wq):
 *     int8 / int4: identity (the scale follows the max, so nothing clips);
 *     binary: clipped, passes where |w| <= 1, else 0 (BinaryConnect, QKeras'
 *     sign STE); a[c] is treated as a constant.
 *
 * Activations (a layer's output after its post ops), per tensor:
 *   int8, s = range / 127 (range 0: s = 1):
 *     xq = s * clamp(round_half_away(x / s), -127, 127)
 *     STE: passes where |x| <= range, else 0.
 *     range: in training an exponential moving average of the batch's
 *     max |x|, updated before the batch is quantized:
 *       range = range == 0 ? max : (1 - m) * range + m * max,
 *     m = KWS_ACT_RANGE_MOMENTUM (PyTorch convention, like bn_momentum:
 *     0.01 here is Keras' 0.99); frozen in inference. It lives in the net's
 *     non-trainable buffer (bn_stats at layer.act_off), so it is saved with
 *     the batch-norm statistics.
 *   binary: xq = x >= 0 ? +1 : -1; STE passes where |x| <= 1.
 */
#ifndef KWS_QUANT_H
#define KWS_QUANT_H

#include <stddef.h>
#include "kws/error.h"
#include "kws/topology.h"

#define KWS_ACT_RANGE_MOMENTUM 0.01f

/* Integer bound of a weight quantizer: 127 (int8), 7 (int4), 1 (binary),
 * 0 (float). */
int kws_wquant_bound(kws_wquant q);

/* Round half away from zero (C's roundf). */
float kws_quant_round(float x);

/* ---- weights ---------------------------------------------------------------- */

/* wq (n_out, per_out) = fake-quantized w (n_out, per_out); scale (n_out)
 * receives s[c] (int8/int4) or a[c] (binary), or may be NULL. KWS_QW_FLOAT
 * copies w (scale 1). wq may not alias w. */
void kws_quant_weights_f32(float *wq, float *scale, const float *w, int n_out, size_t per_out,
                           kws_wquant q);

/* STE: grad (n) holds d loss / d wq on entry and d loss / d w on return
 * (in place). Only binary changes it: grad[i] = 0 where |w[i]| > 1. */
void kws_quant_weights_ste_f32(float *grad, const float *w, size_t n, kws_wquant q);

/* ---- activations ------------------------------------------------------------ */

/* Per-tensor max |x| over n values (0 for n == 0). */
float kws_quant_absmax_f32(const float *x, size_t n);

/* New range after a training batch with max |x| = batch_max. */
float kws_quant_range_update(float range, float batch_max, float momentum);

/* out (n) = fake-quantized in (n); out may equal in. range is ignored for
 * binary. KWS_QA_FLOAT copies. */
void kws_quant_act_forward_f32(float *out, const float *in, size_t n, float range, kws_aquant q);

/* grad_in (n) = grad_out masked by the STE, computed from the quantizer's
 * input `in`; grad_in may equal grad_out. */
void kws_quant_act_backward_f32(float *grad_in, const float *grad_out, const float *in, size_t n,
                                float range, kws_aquant q);

/* ---- modes (kws train --quant) ----------------------------------------------- */

typedef enum {
    KWS_QUANT_FLOAT,       /* the topology as written */
    KWS_QUANT_INT8,        /* every conv2d/dense w=int8, a=float */
    KWS_QUANT_HYBRID,      /* the paper: conv2d int8, dense binary except the last (int8) */
    KWS_QUANT_INT8_ACT,    /* every conv2d/dense w=int8 a=int8: fully integer */
    KWS_QUANT_BINARY_CONV  /* hybrid, and the last two conv2d binary (paper: conv2d_4, _5) */
} kws_quant_mode;

/* "float", "int8", "hybrid", "int8-act", "binary-conv". */
const char *kws_quant_mode_str(kws_quant_mode m);

/* Parses a mode name; KWS_ERR_ARG naming the choices if unknown. */
kws_status kws_quant_mode_parse(const char *s, kws_quant_mode *m, kws_error *err);

/* Overrides the wq/aq of every conv2d and dense layer of t for mode m
 * (KWS_QUANT_FLOAT leaves t untouched) and resolves t again (the
 * non-trainable layout depends on aq). The canonical text
 * (kws_topology_format) then records the choice. */
kws_status kws_quant_apply_mode(kws_topology *t, kws_quant_mode m, kws_error *err);

#endif
