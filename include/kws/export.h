/* kws/export.h - the code generator behind `kws export` (host C11, library
 * kws_export): a trained model becomes a self-contained pair of C files
 * that build with the device-portable runtime (src/runtime), front end
 * (src/frontend) and CRC (src/model/crc32.c), and nothing else.
 *
 *   kws_model (.kwsm) ─kws_imodel_from_model─► kws_imodel (host memory)
 *        │                                          │
 *        └──────── kws_export_write(spec, DIR) ◄────┘
 *                        │
 *        DIR/N.h   macros for static buffers (N_ARENA_SIZE, ...), the
 *                  model's summary as a comment, `extern const
 *                  kws_deployed_model N;` (kws/deployed.h)
 *        DIR/N.c   per op: its parameter arrays (static const, so flash),
 *                  commented with layer, shape and scales; the op table
 *                  (kws_iop, one entry per op, designated initializers);
 *                  the kws_imodel; MFCC config, normalization, class names;
 *                  optional test clips with the logits the host computed.
 *
 * The generator is generic over kws_iop: every non-NULL parameter pointer
 * (weight, wbits, bias, rq, mul) is written with the length kws_iop_bytes
 * gives it, every scalar field as it is. A new op kind that uses these
 * fields exports without code here. The host-only per-channel arrays
 * (wscale, bn_fold) are left out (NULL); op names and the float scales stay,
 * so kws_imodel_summary works on the exported model too.
 *
 * The written parameter bytes equal kws_imodel_bytes_sum(
 * kws_imodel_bytes_total(net)) - `kws analyze`'s ROM figure - or the write
 * fails; their CRC-32 (kws_deployed_param_crc) is stored for the firmware
 * to verify.
 */
#ifndef KWS_EXPORT_H
#define KWS_EXPORT_H

#include <stddef.h>
#include <stdint.h>
#include "kws/deployed.h"
#include "kws/error.h"
#include "kws/imodel.h"
#include "kws/model.h"

#define KWS_EXPORT_NAME_MAX 40      /* bytes of --name, without the NUL */
#define KWS_EXPORT_DEFAULT_NAME "kws_model_data"
#define KWS_EXPORT_MAX_CLIPS 64

typedef struct {
    const char *name;         /* C identifier: file names, symbol, macro prefix */
    const char *source;       /* where the model came from (header comment); NULL ok */
    const kws_model *model;   /* class names, MFCC config, normalization */
    const kws_imodel *net;    /* the integer model of `model` */
    int window_first;         /* first MFCC frame of a clip the network sees (3) */
    int clip_samples;         /* samples per clip (16,000) */
    int n_clips;              /* 0..KWS_EXPORT_MAX_CLIPS */
    const char *const *clip_names; /* (n_clips) */
    const int16_t *clips;     /* (n_clips, clip_samples), already fitted to 1 s */
    const int32_t *expect;    /* (n_clips, n_classes) expected logits, or NULL */
} kws_export_spec;

typedef struct {
    size_t param_bytes;       /* parameter bytes written (weights, biases, requant, affine) */
    uint32_t param_crc;       /* kws_deployed_param_crc(net) */
    int n_arrays;             /* parameter arrays written */
    size_t c_bytes, h_bytes;  /* file sizes */
    char c_path[4096 + 64], h_path[4096 + 64];
} kws_export_report;

/* 1 if s is a C identifier of 1..KWS_EXPORT_NAME_MAX characters that does
 * not start with "kws_deployed" or an underscore (reserved names). */
int kws_export_name_ok(const char *s);

/* Checks spec (the net passes kws_imodel_check; its input is the model's
 * (1, n_mfcc, W) window and its output the model's classes; the window lies
 * inside a clip; normalization sized n_mfcc or n_mfcc * W) and writes
 * DIR/<name>.h and DIR/<name>.c, each through a temporary file renamed into
 * place. DIR must exist. rep may be NULL. KWS_ERR_ARG / KWS_ERR_SHAPE for a
 * bad spec, KWS_ERR_IO (naming the file) when writing fails. */
kws_status kws_export_write(const kws_export_spec *spec, const char *dir, kws_export_report *rep,
                            kws_error *err);

#endif
