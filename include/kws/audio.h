/* kws/audio.h - audio input/output on the host (not device code).
 *
 * Everything the front end sees is 16 kHz mono int16, exactly what the
 * device's microphone path delivers, so training, host inference and the
 * device all start from the same samples.
 *
 * Reading (libsndfile): WAV PCM 8/16/24/32-bit, 32/64-bit float, and the
 * other containers libsndfile knows; any channel count (averaged to mono);
 * any sample rate (resampled to 16 kHz with libsamplerate's best sinc
 * converter, anti-aliased). Every failure fills err with a message naming
 * the file: KWS_ERR_IO for a missing, unreadable or directory path,
 * KWS_ERR_FORMAT for malformed, truncated or empty files and files without
 * samples, KWS_ERR_UNSUPPORTED for rates outside KWS_AUDIO_MIN_RATE..
 * KWS_AUDIO_MAX_RATE, pipes and devices (only regular files and "-"), and
 * whole-file reads longer than KWS_AUDIO_MAX_SECONDS. A WAV data chunk (or
 * AIFF SSND chunk) shorter than its header claims is read up to the real end
 * and reported in kws_audio.notice (libsndfile itself accepts such files
 * silently), as are clipped samples and decoding that stops early.
 *
 * Raw input: 16 kHz s16le mono from a FILE* (e.g. stdin fed by
 * `arecord -f S16_LE -r 16000 -c 1`), read in chunks for streaming.
 *
 * Float to int16: x * 32768 rounded to nearest (ties away from zero) and
 * clipped to [-32768, 32767], so 16-bit PCM at 16 kHz mono reads back
 * bit-exact. Whole-file reads are capped at KWS_AUDIO_MAX_SECONDS of audio;
 * longer recordings go through kws_audio_source (constant memory).
 */
#ifndef KWS_AUDIO_H
#define KWS_AUDIO_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "kws/error.h"

#define KWS_SAMPLE_RATE 16000

#define KWS_AUDIO_MAX_SECONDS (4 * 3600) /* longest whole-file read (kws_audio_read) */
#define KWS_AUDIO_MIN_RATE 1000          /* source sample rates accepted, in Hz */
#define KWS_AUDIO_MAX_RATE 768000

typedef struct {
    int16_t *samples;      /* (n) mono 16 kHz; malloc'd, free with kws_audio_free */
    size_t n;
    int source_rate;       /* sample rate of the file before resampling */
    int source_channels;   /* channels before downmix */
    char notice[256];      /* non-fatal remark (e.g. truncated data), "" if none */
} kws_audio;

/* Reads a whole audio file ("-" reads raw s16le from stdin). On error *out
 * is left empty (samples NULL, n 0), so kws_audio_free is always safe. */
kws_status kws_audio_read(const char *path, kws_audio *out, kws_error *err);

/* Reads a whole audio file held in memory (same rules as kws_audio_read;
 * `name` is used in messages). Used by tests and the fuzzer. */
kws_status kws_audio_read_memory(const void *data, size_t size, const char *name,
                                 kws_audio *out, kws_error *err);

/* Frees a->samples and empties *a. */
void kws_audio_free(kws_audio *a);

/* Converts float samples in [-1, 1] to int16: x * 32768 rounded to nearest,
 * ties away from zero, clipped to [-32768, 32767]; NaN becomes 0. Returns the
 * number of samples that clipped (NaN included). in and out may not overlap. */
size_t kws_audio_float_to_s16(const float *in, size_t n, int16_t *out);

/* Resamples mono float audio from `rate_in` to `rate_out` (libsamplerate,
 * SRC_SINC_BEST_QUALITY). *out is malloc'd with *n_out samples (about
 * n_in * rate_out / rate_in); NULL with *n_out 0 when n_in is 0. The ratio
 * rate_out / rate_in must lie in [1/256, 256]. */
kws_status kws_audio_resample(const float *in, size_t n_in, int rate_in, int rate_out,
                              float **out, size_t *n_out, kws_error *err);

/* Writes 16 kHz mono 16-bit PCM WAV (replacing any file at `path`). */
kws_status kws_audio_write_wav(const char *path, const int16_t *samples, size_t n,
                               kws_error *err);

/* ---- raw PCM streaming ------------------------------------------------- */
typedef struct {
    FILE *f;
    const char *name;
    int odd_byte;          /* 1 if a dangling odd byte was seen at the end */
    uint8_t carry;         /* that byte */
    int has_carry;
    uint64_t samples_read;
} kws_pcm_reader;

void kws_pcm_reader_init(kws_pcm_reader *r, FILE *f, const char *name);

/* Reads up to max samples of s16le; returns how many (0 at end of input, or
 * when max is 0). It blocks until max samples or the end of input arrive, so
 * fewer than max means the input ended; pipes that deliver a few bytes at a
 * time are handled. A trailing odd byte at end of input is dropped and
 * flagged in r->odd_byte. -1 on a read error (message in err). */
long kws_pcm_reader_read(kws_pcm_reader *r, int16_t *out, size_t max, kws_error *err);

/* ---- streaming audio source: WAV file or raw stdin, chunk by chunk ---- */
typedef struct kws_audio_source kws_audio_source;

/* Opens `path` for chunked reading ("-" = raw s16le stdin). WAV files are
 * decoded and resampled incrementally, so hours of audio use constant memory.
 * The same checks as kws_audio_read apply, except the length cap. */
kws_status kws_audio_source_open(const char *path, kws_audio_source **out, kws_error *err);

/* Reads up to max 16 kHz mono samples; returns count, 0 at end, -1 on error.
 * Fewer than max only at the end of input. The samples do not depend on how
 * the caller chunks its reads: any sequence of sizes gives kws_audio_read's. */
long kws_audio_source_read(kws_audio_source *s, int16_t *out, size_t max, kws_error *err);

/* Non-fatal remark gathered so far ("" if none), e.g. truncated data or
 * clipping; remarks found at the end of input appear once 0 is returned. */
const char *kws_audio_source_notice(const kws_audio_source *s);

/* The input before conversion: its sample rate and channel count (16000 and
 * 1 for raw stdin) and its length in source frames (-1 if unknown, as for
 * stdin). Any pointer may be NULL. */
void kws_audio_source_format(const kws_audio_source *s, int *rate, int *channels,
                             int64_t *frames);

void kws_audio_source_close(kws_audio_source *s);

#endif
