/* kws/model.h - the .kwsm model file: everything needed to run or resume a
 * trained network, checksummed and bounds-checked (host).
 *
 * File layout (version 1; all integers and floats little-endian):
 *
 *   offset  size  field
 *   0       4     magic "KWSM"
 *   4       4     u32 format version (1)
 *   8       4     u32 CRC-32 (kws/crc32.h) of bytes [12, file_size)
 *   12      4     u32 header_size = 32 + 24 * n_sections
 *   16      8     u64 file_size
 *   24      4     u32 n_sections (1..16)
 *   28      4     u32 flags (0)
 *   32      24*n  section table, per section: u32 id, u32 reserved (0),
 *                 u64 offset, u64 size (bytes)
 *   ...           section data, each at a multiple of 8, zero padding between
 *
 * Sections (1-6 required, at most one of each; ids above 9 are skipped):
 *   1 TOPOLOGY  canonical .kwsnet text (kws/topology.h)
 *   2 CLASSES   class names, each followed by '\n', one per network output
 *   3 MFCC      kws_mfcc_config: i32 sample_rate, frame_len, hop_len,
 *               n_mels, n_mfcc; f32 f_min, f_max, log_floor (32 bytes)
 *   4 NORM      u32 n, u32 0, f32 mean[n], f32 std[n]; n = n_mfcc (one
 *               pair per coefficient, input row h) or in_h * in_w (one per
 *               input cell h * in_w + w); features become (x - mean) / std
 *   5 PARAMS    f32[n_params] in the topology's layout
 *   6 BN_STATS  f32[n_stats] batch-norm running mean, variance, and the
 *               activation range of each a=int8 layer (kws/topology.h)
 *   7 META      free text: command line, data split, accuracy, ...
 *   8 OPTIM     checkpoint state: i64 step, i32 epoch, u32 n_rng,
 *               u64 rng[n_rng][4], f32 adam_m[n_params], f32 adam_v[n_params]
 *   9 CALIB     u32 n, u32 0, f32 range[n]: the activation ranges of the
 *               integer conversion (kws_imodel_calibrate: input, then each
 *               net op), so every tool converts to the same integer model
 *
 * Loading checks, in order: size and magic, version (KWS_ERR_VERSION),
 * file_size against the real length, the CRC (KWS_ERR_CHECKSUM) before any
 * section is read, then every offset and size against the file, then each
 * section's content (KWS_ERR_FORMAT), then the caller's expectations
 * (KWS_ERR_SHAPE, naming the mismatch). Parameters, statistics and
 * normalization must be finite (std > 0, variance >= 0). A build with
 * FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION defined skips the CRC comparison
 * so a fuzzer reaches the section parser.
 *
 * Saving is atomic: the bytes go to "<path>.tmp", which is flushed, synced
 * and renamed over <path>; the directory is synced after the rename.
 */
#ifndef KWS_MODEL_H
#define KWS_MODEL_H

#include <stddef.h>
#include <stdint.h>
#include "kws/error.h"
#include "kws/mfcc.h"
#include "kws/net.h"
#include "kws/nn.h"
#include "kws/topology.h"

#define KWS_MODEL_VERSION 1
#define KWS_MODEL_MAX_SECTIONS 16
#define KWS_MODEL_MAX_CLASSES 256
#define KWS_MODEL_CLASS_NAME_MAX 32 /* bytes, with the NUL */
#define KWS_MODEL_MAX_RNG 4
#define KWS_MODEL_MAX_META (1 << 20)

typedef enum {
    KWS_SECTION_TOPOLOGY = 1,
    KWS_SECTION_CLASSES = 2,
    KWS_SECTION_MFCC = 3,
    KWS_SECTION_NORM = 4,
    KWS_SECTION_PARAMS = 5,
    KWS_SECTION_BN_STATS = 6,
    KWS_SECTION_META = 7,
    KWS_SECTION_OPTIM = 8,
    KWS_SECTION_CALIB = 9
} kws_section_id;

/* Optimizer state of a checkpoint. */
typedef struct {
    int64_t step;             /* Adam steps taken (kws_adam.step) */
    int32_t epoch;            /* epochs completed */
    int n_rng;                /* 0..KWS_MODEL_MAX_RNG generator states */
    kws_rng rng[KWS_MODEL_MAX_RNG]; /* by convention [0] data order, [1] the net's dropout */
    const float *adam_m, *adam_v;   /* (n_params) each */
} kws_model_optim;

/* A model in memory. Saving reads it; loading fills it, and then the arrays
 * point into `storage`, which kws_model_free releases. A model assembled by
 * the caller (kws_model_from_net) borrows its arrays and owns nothing. */
typedef struct {
    kws_topology topo;
    int n_classes;            /* == topo.n_classes */
    char class_names[KWS_MODEL_MAX_CLASSES][KWS_MODEL_CLASS_NAME_MAX];
    kws_mfcc_config mfcc;
    int n_norm;               /* mfcc.n_mfcc or topo.in_h * topo.in_w */
    const float *norm_mean, *norm_std; /* (n_norm) */
    const float *params;      /* (topo.n_params) */
    const float *bn_stats;    /* (topo.n_stats) */
    const char *meta;         /* free text, meta_len bytes (NUL-terminated when loaded) */
    size_t meta_len;
    int has_optim;
    kws_model_optim optim;
    int n_ranges;             /* CALIB: 0 (none) or 1 + the net's op count */
    const float *ranges;      /* (n_ranges) finite, >= 0 */
    void *storage;            /* owned memory of a loaded model, else NULL */
} kws_model;

/* What the caller will feed the model and read from it; 0 = any. */
typedef struct {
    int in_c, in_h, in_w;
    int n_classes;
} kws_model_expect;

/* Zeroes m and points it at net's topology, parameters and running stats
 * (borrowed). The caller then fills class names, mfcc, norm, meta, optim. */
void kws_model_from_net(kws_model *m, const kws_net *net);

/* Refuses (KWS_ERR_SHAPE) a model whose input shape or class count differs
 * from a non-zero field of `expect`: "model input is 1x40x55, expected
 * 1x38x55". NULL expect accepts anything. */
kws_status kws_model_check(const kws_model *m, const kws_model_expect *expect, kws_error *err);

/* The .kwsm bytes of m in a malloc'd buffer (*out, *out_len; free() it). */
kws_status kws_model_serialize(const kws_model *m, uint8_t **out, size_t *out_len,
                               kws_error *err);

/* Serializes and writes atomically (see above). */
kws_status kws_model_save(const kws_model *m, const char *path, kws_error *err);

/* Parses .kwsm bytes (copied; buf may be freed afterwards). `name` labels
 * messages (NULL: "<memory>"). On failure m is left empty (kws_model_free
 * is still safe). */
kws_status kws_model_parse(kws_model *m, const void *buf, size_t len, const char *name,
                           const kws_model_expect *expect, kws_error *err);

/* Reads and parses a .kwsm file; messages name the path. */
kws_status kws_model_load(kws_model *m, const char *path, const kws_model_expect *expect,
                          kws_error *err);

/* Releases a loaded model's storage and zeroes m; NULL is allowed. */
void kws_model_free(kws_model *m);

#endif
