/* kws/mfcc.h - the MFCC front end, one code for host and device (C99).
 *
 *   16 kHz int16 PCM
 *     -> frames of 512 samples, hop 256     (kws_mfcc_config.frame_len / hop_len)
 *     -> periodic Hann window
 *     -> |rFFT|^2 power spectrum (257 bins)
 *     -> 40 triangular HTK mel filters, 20..8000 Hz, unnormalized
 *     -> natural log(energy + 1e-6)
 *     -> orthonormal DCT-II, keep the first 38 coefficients
 *
 * Samples are scaled to [-1, 1) as s/32768 before windowing. The chain is
 * exactly torchaudio.transforms.MFCC(sample_rate=16000, n_mfcc=38,
 * log_mels=True, norm='ortho', melkwargs=dict(n_fft=512, hop_length=256,
 * n_mels=40, f_min=20, f_max=8000, center=False, power=2.0)),
 * which tests/reference/mfcc_reference.py uses as the independent check.
 *
 * Memory: kws_mfcc_arena_size(cfg) bytes of caller memory hold every table
 * and work buffer; nothing is allocated afterwards.
 *
 * Two ways to use it:
 *  - batch: kws_mfcc_compute() turns a whole clip into columns;
 *  - streaming: kws_mfcc_stream_* accept any number of samples at a time,
 *    produce one column per hop and keep the latest `window_cols` columns
 *    (55 = 0.896 s) as a FIFO ready for the network.
 * Both give bit-identical columns for the same samples.
 */
#ifndef KWS_MFCC_H
#define KWS_MFCC_H

#include <stddef.h>
#include <stdint.h>
#include "kws/status.h"
#include "kws/fft.h"

#define KWS_MFCC_MAX_FRAME 4096

typedef struct {
    int sample_rate;  /* Hz; 16000 */
    int frame_len;    /* samples per frame = FFT length; 512 */
    int hop_len;      /* samples between frames; 256 */
    int n_mels;       /* mel filters; 40 */
    int n_mfcc;       /* coefficients kept; 38 (<= n_mels) */
    float f_min;      /* Hz; 20 */
    float f_max;      /* Hz; 8000 (<= sample_rate / 2) */
    float log_floor;  /* added before log; 1e-6 */
} kws_mfcc_config;

/* The paper's front end: 16 kHz, 512/256, 40 mels 20..8000 Hz, 38 MFCCs. */
kws_mfcc_config kws_mfcc_config_default(void);

/* Checks a configuration; KWS_ERR_ARG if any field is out of range:
 * sample_rate 1000..192000, frame_len a power of two in 16..4096,
 * hop_len 1..frame_len, n_mels 1..256, n_mfcc 1..n_mels,
 * 0 <= f_min < f_max <= sample_rate / 2, log_floor > 0 and finite.
 * Too many mels for the FFT size is allowed (as in torchaudio): a filter
 * that catches no bin just outputs log(log_floor). */
kws_status kws_mfcc_config_check(const kws_mfcc_config *cfg);

typedef struct {
    kws_mfcc_config cfg;
    kws_rfft fft;
    float *window;     /* (frame_len) periodic Hann / 32768 (int16 scale folded in) */
    int *mel_first;    /* (n_mels) first FFT bin with a nonzero weight */
    int *mel_count;    /* (n_mels) number of nonzero weights */
    float *mel_weight; /* (sum of mel_count) packed triangle weights */
    float *dct;        /* (n_mfcc, n_mels) orthonormal DCT-II rows */
    float *frame;      /* (frame_len) work: windowed frame */
    float *spectrum;   /* (frame_len + 2) work: complex bins, then power */
    float *logmel;     /* (n_mels) work */
} kws_mfcc;

/* Bytes of arena kws_mfcc_init needs for cfg (0 if cfg is invalid). */
size_t kws_mfcc_arena_size(const kws_mfcc_config *cfg);

/* Builds all tables inside `arena` (8-byte aligned). */
kws_status kws_mfcc_init(kws_mfcc *m, const kws_mfcc_config *cfg,
                         void *arena, size_t arena_size);

/* One column from one frame.
 * pcm: (frame_len) int16 samples; out: (n_mfcc) coefficients. */
void kws_mfcc_frame(kws_mfcc *m, const int16_t *pcm, float *out);

/* Number of full frames in n samples: n < frame_len ? 0 :
 * 1 + (n - frame_len) / hop_len. A 1 s clip at 16 kHz has 61. */
int kws_mfcc_num_frames(const kws_mfcc_config *cfg, size_t n_samples);

/* Batch: all full frames of a clip.
 * pcm: (n_samples); out: (max_frames, n_mfcc) time-major, frame f at
 * out[f * n_mfcc]. Returns the number of frames written (<= max_frames). */
int kws_mfcc_compute(kws_mfcc *m, const int16_t *pcm, size_t n_samples,
                     float *out, int max_frames);

/* ---- streaming -----------------------------------------------------------
 *
 *   push(samples) ──► ring[frame_len] ──(every hop_len)──► kws_mfcc_frame
 *                                                              │
 *        window FIFO (window_cols x n_mfcc), oldest first  ◄───┘
 *
 * The first column appears after frame_len samples, then one per hop_len.
 * A stream uses its kws_mfcc's work buffers: several streams may share one
 * kws_mfcc, but only one may push at a time.
 */
typedef struct {
    kws_mfcc *mfcc;     /* shared tables; not owned */
    int window_cols;    /* FIFO length in columns; 55 */
    int16_t *ring;      /* (frame_len) pending samples, oldest first */
    int ring_fill;      /* samples in ring; a column is made when it reaches
                           frame_len, then the oldest hop_len are dropped */
    float *cols;        /* (window_cols, n_mfcc) circular column store */
    int head;           /* index of the oldest column in cols */
    int n_cols;         /* columns held (<= window_cols) */
    uint64_t total_cols; /* columns produced since reset */
} kws_mfcc_stream;

/* Bytes of arena a stream needs (its ring and FIFO; not the kws_mfcc's). */
size_t kws_mfcc_stream_arena_size(const kws_mfcc_config *cfg, int window_cols);

kws_status kws_mfcc_stream_init(kws_mfcc_stream *s, kws_mfcc *m, int window_cols,
                                void *arena, size_t arena_size);

/* Forgets all samples and columns. */
void kws_mfcc_stream_reset(kws_mfcc_stream *s);

/* Consumes samples until a new column is complete or the input runs out.
 * Returns how many of the n samples were consumed; *new_column is set to 1
 * if a column was produced by this call (read it with
 * kws_mfcc_stream_latest / kws_mfcc_stream_window), else 0.
 * Typical loop:
 *   while (n) { size_t k = kws_mfcc_stream_push(s, pcm, n, &c);
 *               pcm += k; n -= k; if (c) ...use the window... } */
size_t kws_mfcc_stream_push(kws_mfcc_stream *s, const int16_t *pcm, size_t n,
                            int *new_column);

/* The newest column, (n_mfcc) floats; NULL before the first column. */
const float *kws_mfcc_stream_latest(const kws_mfcc_stream *s);

/* 1 when the FIFO holds window_cols columns. */
int kws_mfcc_stream_full(const kws_mfcc_stream *s);

/* Copies the FIFO into the network's input layout:
 * out: (n_mfcc, window_cols) coefficient-major, out[c * window_cols + t],
 * t = 0 the oldest column. Columns not yet produced are zeros (at the left). */
void kws_mfcc_stream_window(const kws_mfcc_stream *s, float *out);

#endif
