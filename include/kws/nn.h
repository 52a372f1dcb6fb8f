/* kws/nn.h - float32 layers for training: forward and backward (host).
 *
 * Conventions (llm.c style):
 *  - tensors are plain float arrays, NCHW, with a shape comment on each;
 *  - *_forward(out, ..., in, params, sizes); *_backward(grad_in, grad_params,
 *    ..., grad_out, saved inputs/outputs, sizes);
 *  - backward ACCUMULATES (+=) into parameter gradients, and WRITES (=) the
 *    input gradient grad_in (NULL grad_in: not needed, e.g. first layer;
 *    a NULL parameter gradient is skipped too);
 *  - ReLU and dropout may run in place (out == in, grad_in == grad_out);
 *    batch-norm backward may too, but its forward only when no backward
 *    follows (backward reads `in`); conv, pool and dense may not;
 *  - scratch memory is passed in; *_scratch_size() says how much;
 *  - heavy products go through BLAS (cblas_sgemm from OpenBLAS).
 * Every layer is tested against finite differences (tests/nn/test_gradcheck.c)
 * and against PyTorch (tests/reference/nn_reference.py).
 */
#ifndef KWS_NN_H
#define KWS_NN_H

#include <stddef.h>
#include <stdint.h>

/* ---- conv2d, k x k kernel, stride 1, 'same' zero padding (k odd) ---------
 * in (B, Cin, H, W), weight (Cout, Cin, k, k), bias (Cout) or NULL,
 * out (B, Cout, H, W).
 * scratch: kws_conv2d_scratch_size(B, Cin, Cout, H, W, k) floats, used by
 * forward and by backward (im2col columns and a GEMM output for a group of
 * kws_conv2d_group(B, H, W) samples). It grows with B up to the group size,
 * so the size for the largest batch serves smaller ones; its contents need
 * not survive between calls, so all layers can share the largest one. */
size_t kws_conv2d_scratch_size(int B, int Cin, int Cout, int H, int W, int k);
int kws_conv2d_group(int B, int H, int W);  /* samples per GEMM, 1..B */
void kws_conv2d_forward_f32(float *out, const float *in, const float *weight, const float *bias,
                            int B, int Cin, int Cout, int H, int W, int k, float *scratch);
void kws_conv2d_backward_f32(float *grad_in, float *grad_weight, float *grad_bias,
                             const float *grad_out, const float *in, const float *weight,
                             int B, int Cin, int Cout, int H, int W, int k, float *scratch);

/* ---- max-pool 2x2, stride 2, floor (odd last row/col dropped) ------------
 * in (B, C, H, W), out (B, C, H/2, W/2), argmax (B, C, H/2, W/2): index
 * y*W + x into the input plane, saved for backward; of equal values the
 * first in scan order wins (as PyTorch). */
void kws_maxpool2x2_forward_f32(float *out, int32_t *argmax, const float *in,
                                int B, int C, int H, int W);
void kws_maxpool2x2_backward_f32(float *grad_in, const float *grad_out, const int32_t *argmax,
                                 int B, int C, int H, int W);

/* ---- max-pool 2x1 over H only (frequency), stride 2 along H, floor -----
 * in (B, C, H, W), out (B, C, H/2, W), argmax as above. */
void kws_maxpool2x1_forward_f32(float *out, int32_t *argmax, const float *in,
                                int B, int C, int H, int W);
void kws_maxpool2x1_backward_f32(float *grad_in, const float *grad_out, const int32_t *argmax,
                                 int B, int C, int H, int W);

/* ---- crop along W: columns [left, left + Wo) of each (H, W) plane --------
 * in (B, C, H, W), out (B, C, H, Wo); backward zero-fills the rest. A
 * 'same' conv2d followed by the crop left = (k-1)/2, Wo = W - (k-1) is the
 * conv unpadded along W (topology key time=valid). */
void kws_crop_w_forward_f32(float *out, const float *in, int B, int C, int H, int W, int left,
                            int Wo);
void kws_crop_w_backward_f32(float *grad_in, const float *grad_out, int B, int C, int H, int W,
                             int left, int Wo);

/* ---- batch norm over (B, H, W) per channel C ---------------------------
 * Training mode: batch statistics (biased variance), running stats updated
 * with `momentum` (running = (1-momentum)*running + momentum*batch, unbiased
 * var for running, as PyTorch; Keras momentum 0.99 is 0.01 here; NULL
 * running_mean/var: not updated). Inference mode: running statistics.
 * in/out (B, C, HW) (a dense layer's (B, C) output: HW = 1);
 * gamma, beta, running_mean, running_var (C);
 * saved: mean (C), invstd (C) from the forward pass for backward. */
void kws_batchnorm_forward_train_f32(float *out, float *mean, float *invstd,
                                     float *running_mean, float *running_var,
                                     const float *in, const float *gamma, const float *beta,
                                     int B, int C, int HW, float momentum, float eps);
void kws_batchnorm_forward_infer_f32(float *out, const float *in, const float *gamma,
                                     const float *beta, const float *running_mean,
                                     const float *running_var, int B, int C, int HW, float eps);
void kws_batchnorm_backward_f32(float *grad_in, float *grad_gamma, float *grad_beta,
                                const float *grad_out, const float *in, const float *mean,
                                const float *invstd, const float *gamma, int B, int C, int HW);

/* ---- ReLU (n elements; backward uses the forward output; slope 0 at 0) --- */
void kws_relu_forward_f32(float *out, const float *in, size_t n);
void kws_relu_backward_f32(float *grad_in, const float *grad_out, const float *out, size_t n);

/* ---- dense: out (B, N) = in (B, K) x weight^T, weight (N, K), bias (N) --- */
void kws_dense_forward_f32(float *out, const float *in, const float *weight, const float *bias,
                           int B, int K, int N);
void kws_dense_backward_f32(float *grad_in, float *grad_weight, float *grad_bias,
                            const float *grad_out, const float *in, const float *weight,
                            int B, int K, int N);

/* ---- dropout (inverted: kept values scaled by 1/(1-p)) -------------------
 * mask (n) holds 0 or 1/(1-p), drawn from rng; backward multiplies by it. */
struct kws_rng;
void kws_dropout_forward_f32(float *out, float *mask, const float *in, size_t n, float p,
                             struct kws_rng *rng);
void kws_dropout_backward_f32(float *grad_in, const float *grad_out, const float *mask, size_t n);

/* ---- softmax + cross-entropy, mean over the batch -----------------------
 * logits (B, N), labels (B) each in [0, N), optional per-sample weights (B)
 * or NULL; probs (B, N) out; returns the weighted mean loss
 * sum_b w_b * nll_b / sum_b w_b (PyTorch's weighted-mean normalization;
 * w = 1 for NULL; a zero weight sum gives loss 0 and zero gradient);
 * grad_logits (B, N) = d loss / d logits. */
float kws_softmax_xent_forward_f32(float *probs, const float *logits, const int *labels,
                                   const float *sample_weight, int B, int N);
void kws_softmax_xent_backward_f32(float *grad_logits, const float *probs, const int *labels,
                                   const float *sample_weight, int B, int N);

/* ---- random numbers: seeded, reproducible (xoshiro256**, splitmix64 seed) -
 * The same seed gives the same sequence on every platform. */
typedef struct kws_rng { uint64_t s[4]; } kws_rng;
void kws_rng_seed(kws_rng *r, uint64_t seed);
uint64_t kws_rng_u64(kws_rng *r);
float kws_rng_uniform(kws_rng *r);           /* [0, 1), 24-bit grid */
float kws_rng_normal(kws_rng *r);            /* N(0, 1), Box-Muller, two u64 per call */
int kws_rng_below(kws_rng *r, int n);        /* uniform integer in [0, n) */

/* ---- initialization ------------------------------------------------------ */
/* fan_in of a conv is Cin*k*k, fan_out Cout*k*k.
 * He normal: N(0, 2/fan_in), untruncated. Glorot uniform: U(-l, l),
 * l = sqrt(6 / (fan_in + fan_out)). */
void kws_init_he_normal(float *w, size_t n, int fan_in, kws_rng *r);
void kws_init_glorot_uniform(float *w, size_t n, int fan_in, int fan_out, kws_rng *r);

/* ---- optimizers over one flat parameter buffer --------------------------
 * params, grads, m, v (n) share one layout. decay_mask (n): 1 where weight
 * decay applies (weights), 0 where not (biases, BN); NULL: decay everywhere.
 * m, v (and SGD velocity) start at zero. Formulas: optim_adam.c, optim_sgd.c
 * (the PyTorch ones). */
typedef struct {
    float lr, beta1, beta2, eps;
    float weight_decay;   /* decoupled (AdamW) when adamw != 0, else L2 added to grad */
    int adamw;
    long step;            /* incremented by each call; used for bias correction */
} kws_adam;
void kws_adam_step(kws_adam *opt, float *params, const float *grads, float *m, float *v,
                   const uint8_t *decay_mask, size_t n);

typedef struct {
    float lr, momentum, weight_decay;
    int nesterov;
} kws_sgd;
/* velocity (n) may be NULL when momentum == 0. L2 weight decay (added to g). */
void kws_sgd_step(const kws_sgd *opt, float *params, const float *grads, float *velocity,
                  const uint8_t *decay_mask, size_t n);

/* ---- threads --------------------------------------------------------------
 * Threads for the GEMMs (OpenBLAS) and, when built with -DKWS_NN_OPENMP=ON,
 * the loops around them (OpenMP); by default every core. On a machine shared
 * with other busy processes, 1 is usually faster (see bench/bench_nn.c). */
void kws_nn_set_threads(int n);
int kws_nn_threads(void);   /* OpenBLAS's current thread count */

/* ---- learning-rate schedules --------------------------------------------- */
typedef enum { KWS_LR_CONSTANT, KWS_LR_STEP, KWS_LR_COSINE } kws_lr_kind;
typedef struct {
    kws_lr_kind kind;
    float base_lr;
    int warmup_epochs;    /* linear warm-up over the first warmup_epochs (0: none) */
    int steps_per_epoch;  /* warm-up granularity: the lr of step s (0-based) of the
                             warm-up is base_lr * (s + 1) / (warmup * steps); 0 or 1:
                             per epoch, base_lr * (epoch + 1) / warmup */
    int step_epochs;      /* STEP: multiply by step_gamma every step_epochs after warm-up */
    float step_gamma;
    float min_lr;         /* COSINE: lr at total_epochs */
    int total_epochs;     /* COSINE: the cosine runs from warmup_epochs to total_epochs */
} kws_lr_schedule;
/* Learning rate at a (fractional) epoch position in [0, total_epochs): the
 * start of step s of epoch e is e + s / steps_per_epoch. After warm-up,
 * STEP and COSINE count epochs from the end of warm-up. */
float kws_lr_at(const kws_lr_schedule *s, float epoch);

#endif
