/* parity_cases.h - the MFCC parity run, one code for the Cortex-M4 firmware
 * (device/m4/apps/mfcc_parity.c) and the host checker (mfcc_parity_check.c).
 *
 * For every signal of signal_gen.h it computes
 *   B  the batch columns           kws_mfcc_compute, one record per frame
 *   S  the streamed columns        kws_mfcc_stream_push fed in irregular
 *                                  chunks (kws_sig_chunk), one record per
 *                                  new column (kws_mfcc_stream_latest)
 *   W  the final network window    kws_mfcc_stream_window, one record per
 *                                  coefficient row (window_cols values)
 *   N  the counts                  batch frames, streamed columns
 * and hands each record to an emitter: the firmware prints it as hex float
 * bits over semihosting, the host compares it with the device's line.
 *
 * Text form of a record (one line):
 *   K SIG INDEX COUNT HHHHHHHH HHHHHHHH ...    (COUNT values, IEEE bits)
 */
#ifndef KWS_TESTS_PARITY_CASES_H
#define KWS_TESTS_PARITY_CASES_H

#include <stddef.h>
#include <stdint.h>

#include "kws/mfcc.h"
#include "tests/device/signal_gen.h"

#define KWS_PARITY_WINDOW_COLS 55
#define KWS_PARITY_MAX_FRAMES 64 /* 61 in a 1 s clip */
#define KWS_PARITY_MAX_MFCC 38

typedef void (*kws_parity_emit_fn)(void *ctx, char kind, int sig, int index,
                                   const float *values, int count);

typedef struct {
    kws_mfcc *mfcc;
    kws_mfcc_stream *stream;
    int16_t *pcm;    /* (KWS_SIG_MAX_SAMPLES) */
    float *batch;    /* (KWS_PARITY_MAX_FRAMES, n_mfcc) */
    float *window;   /* (n_mfcc, KWS_PARITY_WINDOW_COLS) */
    kws_parity_emit_fn emit;
    void *ctx;
} kws_parity_run;

/* Runs one signal; returns 0, or -1 if the stream misbehaves. */
static inline int kws_parity_signal(const kws_parity_run *r, int sig)
{
    const int n_mfcc = r->mfcc->cfg.n_mfcc;
    const int n = kws_sig_length(sig);
    kws_sig_generate(sig, r->pcm);

    int frames = kws_mfcc_compute(r->mfcc, r->pcm, (size_t)n, r->batch, KWS_PARITY_MAX_FRAMES);
    for (int f = 0; f < frames; f++)
        r->emit(r->ctx, 'B', sig, f, r->batch + (size_t)f * (size_t)n_mfcc, n_mfcc);

    kws_mfcc_stream_reset(r->stream);
    uint32_t chunk_rng = 0xc0ffeeu + (uint32_t)sig;
    const int16_t *p = r->pcm;
    size_t left = (size_t)n;
    int cols = 0;
    while (left) {
        size_t chunk = kws_sig_chunk(&chunk_rng);
        if (chunk > left)
            chunk = left;
        left -= chunk;
        while (chunk) {
            int new_col = 0;
            size_t used = kws_mfcc_stream_push(r->stream, p, chunk, &new_col);
            if (used == 0 && !new_col)
                return -1; /* no progress */
            p += used;
            chunk -= used;
            if (new_col) {
                const float *latest = kws_mfcc_stream_latest(r->stream);
                if (!latest)
                    return -1;
                r->emit(r->ctx, 'S', sig, cols++, latest, n_mfcc);
            }
        }
    }
    kws_mfcc_stream_window(r->stream, r->window);
    for (int c = 0; c < n_mfcc; c++)
        r->emit(r->ctx, 'W', sig, c, r->window + (size_t)c * KWS_PARITY_WINDOW_COLS,
                KWS_PARITY_WINDOW_COLS);

    float counts[2];
    counts[0] = (float)frames;
    counts[1] = (float)cols;
    r->emit(r->ctx, 'N', sig, 0, counts, 2);
    return 0;
}

#endif
