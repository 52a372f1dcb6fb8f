/* kws/deployed.h - a model as `kws export` writes it into C source: the
 * integer network of kws/imodel.h plus everything between 16 kHz samples and
 * its input, all const (flash on the device). Device and host, C99.
 *
 *   int16 clip (16,000 samples, 1 s)
 *     -> MFCC (mfcc) of frames window_first .. window_first + window_cols - 1,
 *        frame t starting at sample t * hop_len         (kws/mfcc.h)
 *     -> x[c][t] = (mfcc_t[c] - norm_mean[k]) / norm_std[k]   (C, H, W) =
 *        (1, n_mfcc, window_cols); k = c (n_norm = n_mfcc) or c * W + t
 *        (n_norm = H * W): exactly what `kws classify` does on the host
 *     -> kws_imodel_quantize_input(net) -> kws_imodel_run(net) -> int32 logits
 *        (real logit = net->out_scale * code), argmax -> class_names[]
 *
 * Generated code (kws export --name N) defines `const kws_deployed_model N`
 * in N.c and declares it in N.h, with macros for static buffers:
 * N_ARENA_SIZE (kws_imodel_run's arena), N_MFCC_ARENA_SIZE, N_IN_H, N_IN_W,
 * N_IN_C, N_N_CLASSES, N_N_MFCC, N_N_CLIPS, N_PARAM_BYTES, N_PARAM_CRC.
 *
 * Before running a model, firmware checks what it was given (the runtime
 * never trusts a table): `version` against KWS_DEPLOYED_VERSION, the shapes
 * against its front end, kws_imodel_check (kws/imodel.h) for the op table
 * and the arena, and kws_deployed_param_crc against param_crc for the
 * parameter bytes themselves.
 */
#ifndef KWS_DEPLOYED_H
#define KWS_DEPLOYED_H

#include <stddef.h>
#include <stdint.h>
#include "kws/crc32.h"
#include "kws/imodel.h"
#include "kws/mfcc.h"

/* Layout version of kws_deployed_model and of the kws_iop table it points
 * to; bumped whenever either struct changes. */
#define KWS_DEPLOYED_VERSION 1

/* One embedded test clip (kws export --clips): fitted to 1 s on the host
 * (kws_clip_fit: centred in zeros or cut to its middle second). */
typedef struct {
    const char *name;         /* the file's base name */
    const int16_t *pcm;       /* (clip_samples) */
    const int32_t *expect;    /* (n_classes) logits the host computed with the
                                 converter's own model (kws classify's path), or NULL */
} kws_deployed_clip;

typedef struct {
    uint32_t version;         /* KWS_DEPLOYED_VERSION of the generator */
    const char *name;         /* the C name (kws export --name) */
    uint32_t param_crc;       /* kws_deployed_param_crc(net) at export */
    uint32_t param_bytes;     /* kws_imodel_bytes_sum(kws_imodel_bytes_total(net)) */
    const kws_imodel *net;
    kws_mfcc_config mfcc;
    int clip_samples;         /* samples of one clip: 16,000 */
    int window_first;         /* first MFCC frame the network sees: 3 */
    int window_cols;          /* frames it sees: 55 (= net->in_w) */
    int n_norm;               /* n_mfcc (per coefficient) or in_h * in_w (per cell) */
    const float *norm_mean;   /* (n_norm) */
    const float *norm_std;    /* (n_norm), > 0 */
    int n_classes;
    const char *const *class_names; /* (n_classes) */
    int n_clips;
    const kws_deployed_clip *clips; /* (n_clips), NULL if none */
} kws_deployed_model;

/* CRC-32 (kws/crc32.h) of every parameter byte of net, op by op, in the
 * order weight, wbits, bias, rq, mul, each array as long as kws_iop_bytes
 * counts it (absent arrays add nothing): the bytes the device links, in the
 * target's byte order (little-endian on host and Cortex-M4 alike). Needs
 * kws_crc32 (src/model/crc32.c, device-portable) at link time. */
static inline uint32_t kws_deployed_param_crc(const kws_imodel *net)
{
    uint32_t crc = 0;
    for (int i = 0; i < net->n_ops; i++) {
        const kws_iop *op = &net->ops[i];
        kws_imodel_bytes b = kws_iop_bytes(op);
        if (op->weight)
            crc = kws_crc32_update(crc, op->weight, b.weights);
        if (op->wbits)
            crc = kws_crc32_update(crc, op->wbits, b.weights);
        if (op->bias)
            crc = kws_crc32_update(crc, op->bias, b.biases);
        if (op->rq)
            crc = kws_crc32_update(crc, op->rq, b.requant);
        if (op->mul)
            crc = kws_crc32_update(crc, op->mul, b.affine);
    }
    return crc;
}

#endif
