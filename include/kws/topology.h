/* kws/topology.h - text descriptions of a network (.kwsnet) and the layout
 * they imply: shapes, parameter counts, offsets into one flat buffer (host).
 *
 * A description is plain text, one layer per line, '#' starts a comment:
 *
 *     input 1 38 55                      # C H W of one sample
 *     conv2d 16 kernel=3 relu bn         # 16 output channels, 3x3 'same'
 *     conv2d 16 kernel=3 relu maxpool=2 bn
 *     flatten
 *     dense 64 relu dropout=0.3
 *     dense 10 w=binary a=int8 name=logits
 *
 * Layer kinds:
 *   input C H W        first line, exactly once
 *   conv2d COUT ...    k x k convolution, stride 1, 'same' zero padding
 *   flatten            (C, H, W) -> (C*H*W), in C, H, W order
 *   dense N ...        fully connected; needs a flat input
 * Keys on conv2d and dense lines (any order; each at most once):
 *   kernel=K           conv2d only, odd, 1..15 (default 3)
 *   time=valid         conv2d only: no padding along W (time), so the output
 *                      is W - (K - 1) wide; H stays 'same' (default
 *                      time=same). A stack of such layers can run one
 *                      frame at a time (kws/stream.h)
 *   bn                 batch norm (per channel; per unit after dense)
 *   relu               ReLU
 *   maxpool=2          2x2 max pool, stride 2, floor; conv2d only
 *   maxpool=2x1        2x1 max pool over H (frequency) only, W unchanged
 *   dropout=P          inverted dropout, 0 <= P < 1, training only
 *   bn_eps=E           batch-norm epsilon (default 1e-3, as Keras)
 *   bn_momentum=M      running-stat momentum, PyTorch convention
 *                      (default 0.1, PyTorch's; Keras' 0.99 is 0.01 here)
 *   name=NAME          [A-Za-z0-9_], unique; default Keras style: conv2d,
 *                      conv2d_1, ..., dense, dense_1, ...; flatten takes it too
 *   w=float|int8|int4|binary   weight quantization for QAT (default float)
 *   a=float|int8|binary        output-activation quantization (default float)
 * bn, relu, maxpool and dropout run after the convolution or product in the
 * order they are written: "relu bn" is ReLU then batch norm.
 *
 * The network's output (B, N) is the last layer's; it must be flat. N is
 * the number of classes.
 *
 * Parameter layout (one flat float buffer; gradients and Adam moments share
 * it): layer by layer, weight (conv: Cout, Cin, k, k; dense: N, K), bias
 * (Cout or N), then batch-norm gamma, beta (C). Batch-norm running mean and
 * variance (C each) live in a second, non-trainable buffer, layer by layer,
 * each layer's followed by its activation range (1 float) when a=int8
 * (kws/quant.h).
 *
 * Parsing reads a memory buffer (not NUL-terminated) and never reads past
 * `len`; it allocates nothing. Errors name the line:
 * "paper.kwsnet:4: unknown key 'kernal' for conv2d".
 */
#ifndef KWS_TOPOLOGY_H
#define KWS_TOPOLOGY_H

#include <stddef.h>
#include <stdint.h>
#include "kws/error.h"

#define KWS_TOPO_MAX_LAYERS 64      /* conv2d, dense and flatten lines */
#define KWS_TOPO_NAME_MAX 32        /* bytes, with the NUL */
#define KWS_TOPO_MAX_POST 4         /* bn, relu, maxpool, dropout */
#define KWS_TOPO_MAX_LINE 512       /* bytes per line, without the newline */
#define KWS_TOPO_MAX_TEXT (1 << 20) /* bytes per description */
#define KWS_TOPO_MAX_CHANNELS 1024  /* input C, conv2d COUT */
#define KWS_TOPO_MAX_DIM 4096       /* input H and W */
#define KWS_TOPO_MAX_UNITS 65536    /* dense N */
#define KWS_TOPO_MAX_KERNEL 15
#define KWS_TOPO_MAX_ACT (1 << 24)    /* floats in one sample's activation */
#define KWS_TOPO_MAX_PARAMS (1 << 26) /* trainable floats in the network */

typedef enum { KWS_LAYER_CONV2D, KWS_LAYER_DENSE, KWS_LAYER_FLATTEN } kws_layer_kind;

/* Operations that follow a layer's convolution or product. */
typedef enum { KWS_POST_BN, KWS_POST_RELU, KWS_POST_MAXPOOL, KWS_POST_DROPOUT } kws_post_op;

typedef enum { KWS_QW_FLOAT, KWS_QW_INT8, KWS_QW_INT4, KWS_QW_BINARY } kws_wquant;
typedef enum { KWS_QA_FLOAT, KWS_QA_INT8, KWS_QA_BINARY } kws_aquant;

typedef struct {
    kws_layer_kind kind;
    char name[KWS_TOPO_NAME_MAX];
    int line;                 /* line in the description (1-based); 0 if built in code */

    /* as written */
    int units;                /* conv2d: output channels; dense: N; flatten: 0 */
    int kernel;               /* conv2d: k; else 0 */
    int time_valid;           /* conv2d: 1 = time=valid (no padding along W) */
    int pool_h_only;          /* maxpool: 1 = maxpool=2x1 (over H only) */
    int n_post;
    kws_post_op post[KWS_TOPO_MAX_POST]; /* in the order written */
    float dropout;            /* P when dropout is in post[] */
    float bn_eps, bn_momentum;
    kws_wquant wq;
    kws_aquant aq;

    /* inferred: per-sample shapes; flat tensors have h = w = 1 */
    int in_c, in_h, in_w;
    int out_c, out_h, out_w;  /* after every post op */
    int flat_in;              /* 1 if the input is flat (after flatten or dense) */

    /* inferred: parameters (floats) and their offsets in the flat buffers */
    size_t n_weight, n_bias;  /* conv2d/dense weight and bias; 0 for flatten */
    size_t n_bn;              /* channels with batch norm (0 without bn) */
    size_t weight_off, bias_off, gamma_off, beta_off; /* in params */
    size_t stat_off;          /* running mean at stat_off, variance at stat_off + n_bn */
    size_t act_off;           /* a=int8: activation range (1 float) at act_off in stats */
    uint64_t macs;            /* multiply-accumulates of the conv/product per sample */
} kws_layer_spec;

typedef struct {
    int in_c, in_h, in_w;     /* one sample: (C, H, W) */
    int n_layers;
    kws_layer_spec layers[KWS_TOPO_MAX_LAYERS];
    int n_classes;            /* units of the last layer */
    size_t n_params;          /* trainable floats: weights, biases, bn gamma/beta */
    size_t n_weights;         /* conv/dense weights and biases only */
    size_t n_bn_affine;       /* bn gamma and beta */
    size_t n_stats;           /* non-trainable floats: bn running mean and variance,
                                 int8 activation ranges */
    size_t max_act;           /* largest per-sample activation, floats */
    uint64_t macs;            /* conv/dense multiply-accumulates per sample */
} kws_topology;

/* Parses a description from text[0..len) (no NUL needed). `source` names it
 * in messages (a file name; NULL: "<memory>"). On error returns
 * KWS_ERR_FORMAT (syntax, unknown key, bad number), KWS_ERR_SHAPE
 * (impossible shape), KWS_ERR_UNSUPPORTED (valid but not implemented, e.g.
 * maxpool=3) or KWS_ERR_ARG (a limit), fills err with
 * "source:LINE: what", and sets *err_line (may be NULL) to the 1-based line,
 * or 0 when the problem is the description as a whole (no input line, no
 * layers). */
kws_status kws_topology_parse(kws_topology *t, const char *text, size_t len,
                              const char *source, int *err_line, kws_error *err);

/* Reads and parses a .kwsnet file. */
kws_status kws_topology_load(kws_topology *t, const char *path, int *err_line, kws_error *err);

/* Infers shapes, counts and offsets for t's layers as written (the parser
 * calls this; code that fills a kws_topology by hand calls it too). */
kws_status kws_topology_resolve(kws_topology *t, int *err_line, kws_error *err);

/* Writes the canonical text of t (every layer named, non-default keys only)
 * into buf (size bytes, NUL-terminated). Returns the length it needs without
 * the NUL, like snprintf; parsing the text gives back the same topology. */
size_t kws_topology_format(const kws_topology *t, char *buf, size_t size);

/* Writes a Keras-like table: layer, output shape, parameters, MACs, and the
 * totals. Same return convention as kws_topology_format. */
size_t kws_topology_summary(const kws_topology *t, char *buf, size_t size);

/* Names of the enum values as they appear in descriptions. */
const char *kws_layer_kind_str(kws_layer_kind k);
const char *kws_wquant_str(kws_wquant q);
const char *kws_aquant_str(kws_aquant q);

/* 1 if layer l has post op `op`. */
int kws_layer_has(const kws_layer_spec *l, kws_post_op op);

#endif
