/* kws/stream.h - runs a converted model (kws/imodel.h) one input column at a
 * time: a fresh decision every MFCC hop (16 ms), each layer computing only
 * its one new output column (device and host, C99, no allocation: the
 * state lives in memory the caller gives).
 *
 * Which models stream: those whose every op before the first dense layer
 * works column by column along W (time):
 *   - convolutions unpadded along W (topology key time=valid: the converted
 *     op has out_w = in_w - (k - 1)); binary ones need Cin % 8 == 0;
 *   - batch norms (AFFINE), and max pools over H only (maxpool=2x1);
 *   - then dense layers (and their batch norms) only: the first reads the
 *     last T columns of the last conv stage, flattened as the
 *     whole-window model does.
 * models/stream.kwsnet is one. The paper network is not: its 'same'
 * padding and 2x2 pools make every window's columns different.
 *
 * What it computes: after at least in_w pushes, the logits of the push are
 * exactly (bit for bit) kws_imodel_run's on the window of the last in_w
 * columns - the test tests/runtime/test_stream.c checks every hop.
 *
 * How: each conv keeps its last k input columns (a window, zero rows
 * above and below for the 'same' padding along H); its new output column
 * is, row by row, a dense product of K = k*k*Cin contiguous window bytes
 * with the conv's (Cout, k, k, Cin) weights, which are that dense layer's
 * rows (kws_dense_s8_fast / kws_dense_binary_s8_fast). Batch norms and 2x1
 * pools run on the column. The dense layers read a window of the last T
 * columns, shifted by one column per push.
 *
 * Typical use on the device:
 *
 *   static uint64_t mem[KWS_STREAM_WORDS];       // >= kws_stream_size(m)
 *   kws_stream s;
 *   kws_stream_init(&s, m, mem, sizeof mem);
 *   every hop: int8_t col[38];                   // the new frame, quantized
 *              kws_imodel_quantize_column(m, mfcc_frame_normalized, col);
 *              if (kws_stream_push(&s, col, logits) == KWS_OK && s.ready) ...
 */
#ifndef KWS_STREAM_H
#define KWS_STREAM_H

#include <stddef.h>
#include <stdint.h>
#include "kws/imodel.h"
#include "kws/status.h"

typedef struct {
    const kws_imodel *m;
    int8_t *mem;              /* kws_stream_size(m) bytes, 8-byte aligned */
    size_t size;
    int first_dense;          /* index of the first dense op */
    uint32_t pushed;          /* columns pushed since init/reset (saturates) */
    int ready;                /* 1 once pushed >= m->in_w: the logits are the window's */
} kws_stream;

/* Why m cannot stream (a static string), or NULL when it can. */
const char *kws_stream_unsupported(const kws_imodel *m);

/* Bytes of state memory m needs; 0 when it cannot stream. */
size_t kws_stream_size(const kws_imodel *m);

/* Binds s to m and mem (8-byte aligned, size >= kws_stream_size(m)) and
 * clears the state. KWS_ERR_UNSUPPORTED when m cannot stream, KWS_ERR_ARG
 * for a bad argument or too little memory. */
kws_status kws_stream_init(kws_stream *s, const kws_imodel *m, void *mem, size_t size);

/* Forgets every column pushed (a new utterance stream). */
void kws_stream_reset(kws_stream *s);

/* One new input column: in_h * in_c int8 codes, (H, C) order (one column
 * of kws_imodel_quantize_input's (H, W, C) layout). Computes the new
 * logits (n_classes, as kws_imodel_run's) and sets s->ready once the window
 * is full; before that the logits are of a window padded with zero
 * columns, not the model's. */
kws_status kws_stream_push(kws_stream *s, const int8_t *column, int32_t *logits);

/* kws_imodel_quantize_input for one column: x (C, H) floats, the
 * normalized features of one frame, into out (H, C) codes. */
void kws_imodel_quantize_column(const kws_imodel *m, const float *x, int8_t *out);

#endif
