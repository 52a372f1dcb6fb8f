/* audio_internal.h - pieces shared by the files of src/audio; not a public header.
 *
 * kws_audio_bytes is one seekable byte source, a regular file or a memory
 * buffer, read both by libsndfile (through SF_VIRTUAL_IO) and by the chunk
 * walk that checks what libsndfile does not report (kws_audio_chunks_scan).
 * Files and memory then share every later step, so kws_audio_read and
 * kws_audio_read_memory behave the same on the same bytes.
 */
#ifndef KWS_AUDIO_INTERNAL_H
#define KWS_AUDIO_INTERNAL_H

#include <sndfile.h>
#include <stdarg.h>

#include "kws/audio.h"

/* ---- byte source (audio_bytes.c) ---------------------------------------- */
typedef struct {
    FILE *f;                  /* file source (owned), or NULL */
    const unsigned char *mem; /* memory source (borrowed), or NULL */
    sf_count_t size;          /* bytes in the source */
    sf_count_t pos;           /* read position of a memory source */
} kws_audio_bytes;

/* Opens a regular file; names the file and the reason on failure (missing,
 * a directory, not a regular file, unreadable). */
kws_status kws_audio_bytes_open_file(kws_audio_bytes *b, const char *path, kws_error *err);

/* Views `size` bytes at `data` (not copied; must outlive b). */
void kws_audio_bytes_init_memory(kws_audio_bytes *b, const void *data, size_t size);

void kws_audio_bytes_close(kws_audio_bytes *b);

/* Copies up to n bytes from offset `off` into buf; returns how many (fewer
 * only at the end of the source or on a read error). */
size_t kws_audio_bytes_read_at(kws_audio_bytes *b, sf_count_t off, void *buf, size_t n);

/* libsndfile callbacks; their user_data is the kws_audio_bytes. */
SF_VIRTUAL_IO *kws_audio_bytes_vio(void);

/* ---- chunk walk of RIFF/RIFX WAVE and AIFF files (audio_chunks.c) -------- */
typedef struct {
    int recognised;          /* 1 if the file starts like RIFF, RIFX or FORM */
    const char *data_id;     /* "data" (WAV) or "SSND" (AIFF) */
    int64_t data_claimed;    /* size in the data/SSND chunk header, -1 if none */
    int64_t data_present;    /* bytes of that chunk the file really holds */
    char problem[160];       /* first structural problem found, "" if none */
} kws_audio_chunks;

/* Walks the chunk headers (bounds-checked, never reads a payload beyond the
 * 16 bytes of a WAV fmt chunk) and fills *c. Never fails: a source it does
 * not recognise gives recognised = 0. */
void kws_audio_chunks_scan(kws_audio_bytes *b, kws_audio_chunks *c);

/* ---- conversions (audio_resample.c) -------------------------------------- */

/* Averages `channels` interleaved channels into one.
 * in: (frames, channels)  out: (frames) */
void kws_audio_downmix(const float *in, size_t frames, int channels, float *out);

/* ---- sources (audio_source.c) -------------------------------------------- */

/* kws_audio_source_open for bytes in memory (`name` is used in messages). */
kws_status kws_audio_source_open_memory(const void *data, size_t size, const char *name,
                                        kws_audio_source **out, kws_error *err);

/* Appends a printf-style remark to a notice buffer, separated by "; ",
 * truncating if the buffer is full. */
void kws_audio_notice_add(char *notice, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
