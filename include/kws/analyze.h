/* kws/analyze.h - memory and compute accounting of a network, per layer, in
 * the style of X-CUBE-AI's `analyze` report (host C11).
 *
 * Input: a resolved kws_topology whose per-layer spec (wq, aq) says how each
 * conv2d / dense layer is stored and run (kws/quant.h modes rewrite it).
 * Output: one row per operation that costs memory or time on the device:
 *
 *   input                  the network input tensor
 *   conv2d / dense         the convolution or product; a ReLU right after it
 *                          is fused (no row, "+relu" in the op column);
 *                          dropout is training only (no row)
 *   max_pooling2d[_N]      2x2 (or 2x1) max pool (its own buffer)
 *   batch_normalization[_N]  a batch norm that cannot be folded, i.e. one
 *                          preceded by ReLU or max pool (the paper's order);
 *                          it runs in place (kws_channel_affine_s8 allows
 *                          out == in; the float version does too). A batch
 *                          norm directly after the conv/product (only
 *                          dropout in between) folds into its weights and
 *                          bias: no row, no bytes.
 *   flatten                no row: a no-op in memory (HWC; the exporter
 *                          permutes dense columns instead)
 *
 * ---- ROM (flash) per row, bytes -------------------------------------------
 * A network whose layers are all float (w= and a=) is a float model. Any
 * quantized layer puts the whole network on the integer runtime
 * (docs/quantization.md), stored in its formats; its w=float layers become
 * int8, as the converter (kws/imodel.h) makes them. The integer ROM total is
 * kws_imodel_bytes_total of the converted model, byte for byte (tested):
 *
 *   float conv/dense   weights 4 * n_weight, bias 4 * n_out
 *   int8 conv/dense    weights 1 * n_weight (int8)
 *   int4 conv/dense    weights 1 * n_weight (docs: int8 container; nibble
 *                      packing would halve it, no kernel reads that yet)
 *   binary dense       weights N * ceil(K / 8) (kws_binary_weight_bytes):
 *                      7488x64 -> 59,904
 *   binary conv        weights Cout * k * k * ceil(Cin / 8)
 *                      (kws_conv2d_binary_weight_bytes: each tap padded to
 *                      a byte; = Cout * k*k*Cin / 8 when 8 divides Cin):
 *                      paper conv2d_4 2,304, conv2d_5 4,608
 *   integer conv/dense bias 4 * n_out (int32), params 8 * n_out (one
 *                      kws_requant {int32 multiplier, int32 shift} per
 *                      output channel; binary alpha_c lives in it)
 *   a = binary output  params += 2 * C (int16 sign threshold per channel,
 *                      kws_sign_pack_s8)
 *   batch norm, float  params 8 * C (folded scale and offset, 2 floats per
 *                      channel: the paper report's "448 floats")
 *   batch norm, integer (layer wq != float)
 *                      bias 4 * C (b_c int32) + params 10 * C (m_c int16
 *                      + kws_requant): kws_channel_affine_s8; the same
 *                      split as kws_imodel_bytes (kws/imodel.h: b_c counts
 *                      as a bias, m_c as "affine", requant 8 B/channel)
 *   pool, input        0
 * ROM total = weights + biases + params. Code (kernels, front end, tables)
 * is not included: the device build measures it.
 *
 * ---- RAM, bytes ------------------------------------------------------------
 * A network with any quantized layer (w= or a= not float) runs on the
 * integer runtime (kws/imodel.h), which keeps every tensor in int8: its
 * activations count n bytes each (binary a= layers ceil(n / 8)), input
 * included. An all-float network counts 4n (float activations).
 *
 *   arena, ping-pong  one buffer arena; each op reads its input at one end
 *                     and writes its output at the other, in-place ops
 *                     (batch norm) write over their input; so the arena is
 *                     max over non-in-place ops of (input + output bytes):
 *                     the two largest adjacent activations
 *   arena, no reuse   the sum of every buffer (input + each non-in-place
 *                     op's output)
 *   window            the front end's MFCC window, C * H * W floats (4 B):
 *                     it persists between inferences beside the arena
 *   RAM = window + arena. Kernel scratch is 0 (reference kernels); stacks,
 *   the audio ring and the front end's work buffers are measured by the
 *   device build.
 *   device arena      integer models: what the runtime's memory plan
 *                     (kws_imodel_plan) gives the fast kernels - the arena
 *                     above plus the convs' working space (Winograd) between
 *                     the ping-pong sides - with the fast plan (the default
 *                     of kws export) and the small one; equal to the
 *                     converted model's arena_size (tested)
 *
 * ---- MACC ------------------------------------------------------------------
 * conv2d: H * W * Cout * k * k * Cin; dense: K * N (kws_layer_spec.macs,
 * bias adds not counted); batch norm: 1 per value; pool, ReLU: 0.
 * X-CUBE-AI also counts pooling and activations (20,496,832 for the paper
 * net against 19,161,632 conv/dense MACs here).
 *
 * Sizes in the report: KiB = 1024 B, MiB = 1024^2 B, as X-CUBE-AI and the
 * paper (2,225,384 B = 2.12 MiB; 152,784 B = 149.20 KiB).
 */
#ifndef KWS_ANALYZE_H
#define KWS_ANALYZE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "kws/error.h"
#include "kws/topology.h"

#define KWS_ANALYZE_MAX_ROWS (1 + KWS_TOPO_MAX_LAYERS * (1 + KWS_TOPO_MAX_POST))

typedef enum {
    KWS_AOP_INPUT,
    KWS_AOP_CONV2D,
    KWS_AOP_DENSE,
    KWS_AOP_MAXPOOL,
    KWS_AOP_BN
} kws_aop_kind;

typedef struct {
    kws_aop_kind kind;
    char name[KWS_TOPO_NAME_MAX]; /* Keras style: conv2d_1, max_pooling2d, batch_normalization_3 */
    int layer;                    /* index into topology layers; -1 for input */
    int relu;                     /* conv/dense: ReLU fused */
    int integer;                  /* stored in integer formats (layer wq != float) */
    kws_wquant wq;
    kws_aquant aq;                /* format of this row's output */
    int out_c, out_h, out_w;      /* output shape (flat: h = w = 1) */
    uint64_t macc;
    size_t weight_bytes, bias_bytes, param_bytes;
    size_t rom_bytes;             /* weight + bias + param */
    size_t act_bytes;             /* output tensor bytes */
    int in_place;                 /* writes over its input (no new buffer) */
    int pool_h_only;              /* maxpool: 2x1 (over H) rather than 2x2 */
} kws_analyze_row;

typedef struct {
    int n_rows;
    kws_analyze_row rows[KWS_ANALYZE_MAX_ROWS];
    uint64_t macc;
    size_t weight_bytes, bias_bytes, param_bytes, rom_bytes;
    size_t act_sum;               /* arena without reuse: every buffer */
    size_t arena_bytes;           /* arena with ping-pong reuse */
    int peak_row;                 /* row whose input + output sets arena_bytes */
    size_t window_bytes;          /* MFCC window (float) */
    size_t ram_bytes;             /* window + arena_bytes */
    size_t ram_no_reuse;          /* window + act_sum */
    size_t plan_fast_bytes;       /* integer models: the runtime's arena with the
                                     fast kernels' working space (kws_imodel_plan,
                                     KWS_PLAN_FAST); 0 for a float model */
    size_t plan_small_bytes;      /* the same, KWS_PLAN_SMALL */
} kws_analysis;

typedef struct {
    const char *name;
    size_t flash_bytes, ram_bytes;
} kws_target;

/* The STM32L496 (1 MiB flash, 320 KiB SRAM): the only target so far. */
kws_status kws_target_get(const char *name, kws_target *t, kws_error *err);

/* Accounts t (resolved). KWS_ERR_ARG for NULL or an unresolved/empty t. */
kws_status kws_analyze(const kws_topology *t, kws_analysis *a, kws_error *err);

/* 1 if rom <= flash and ram <= ram of the target (each also reported). */
int kws_analysis_fits(const kws_analysis *a, const kws_target *t, int *rom_ok, int *ram_ok);

/* Prints the per-layer table, totals, RAM and the fits line. */
void kws_analysis_print(FILE *f, const kws_analysis *a, const char *label, const kws_target *t);

/* CSV: header (when `header`), then one "layer" record per row and one
 * "total" record; columns:
 * record,mode,id,name,op,shape,macc,weight_b,bias_b,param_b,rom_b,rom_pct,
 * act_b,act_pct,in_place,arena_b,arena_no_reuse_b,window_b,ram_b,ram_no_reuse_b,fits */
void kws_analysis_csv(FILE *f, const kws_analysis *a, const char *mode, const kws_target *t,
                      int header);

/* Several analyses of one topology side by side: per-layer ROM per mode,
 * then the TABLE2-style summary (flash, RAM, MACC) with the paper's
 * published numbers for float, int8 and hybrid when `paper_net` is set,
 * and the notes on the paper's figures. */
void kws_analysis_print_compare(FILE *f, const kws_analysis *a, const char *const *labels, int n,
                                const kws_target *t, int paper_net);

/* 1 if t is the paper's network (the layer table of docs/reference-model.md). */
int kws_analyze_is_paper_net(const kws_topology *t);

#endif
