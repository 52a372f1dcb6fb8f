/* audio_source.c - 16 kHz mono int16 audio, chunk by chunk, from a file or raw stdin.
 *
 * A file is decoded by libsndfile and converted in fixed blocks of
 * KWS_SOURCE_BLOCK frames. Each stage holds one block, so an hour of audio
 * needs the same memory as a second:
 *
 *   bytes --sf_readf_float--> in (BLOCK, channels) --downmix--> mono (BLOCK)
 *         --src_process, only if the rate is not 16 kHz--> out (BLOCK)
 *         --kws_audio_float_to_s16--> caller's buffer, any size
 *
 * `ready` points at the block the caller is being served from (mono when no
 * resampling is needed, out otherwise). The blocks do not depend on the sizes
 * the caller asks for, so neither do the samples.
 *
 * Opening checks everything that can be known up front and names the file:
 * empty, not audio, truncated or malformed headers (worded by the chunk walk
 * of audio_chunks.c), unsupported rates, no samples. Raw stdin ("-") goes
 * straight through a kws_pcm_reader. This file does not cap the length; the
 * whole-file read (audio_read.c) does.
 */
#include "audio_internal.h"

#include <limits.h>
#include <samplerate.h>
#include <stdlib.h>
#include <string.h>

#define KWS_SOURCE_BLOCK 4096

struct kws_audio_source {
    char *name;               /* for messages */
    int raw;                  /* 1: raw s16le through pcm */
    kws_pcm_reader pcm;
    int odd_byte_noted;
    kws_audio_bytes bytes;    /* what libsndfile reads */
    SNDFILE *sf;
    SF_INFO info;
    int64_t frames_decoded;
    SRC_STATE *src;           /* NULL when the input is already 16 kHz */
    double ratio;             /* KWS_SAMPLE_RATE / source rate */
    float *in;                /* (BLOCK, channels) interleaved, from libsndfile */
    float *mono;              /* (BLOCK) downmixed */
    size_t mono_len, mono_pos;
    float *out;               /* (BLOCK) resampled */
    const float *ready;       /* block being handed out: mono or out */
    size_t ready_len, ready_pos;
    int input_done;           /* libsndfile has no more frames */
    int finished;             /* every sample has been produced */
    size_t clipped;
    char notice[256];
};

void kws_audio_notice_add(char *notice, size_t cap, const char *fmt, ...)
{
    size_t len = strlen(notice);
    if (len > 0 && len + 2 < cap) {
        memcpy(notice + len, "; ", 3);
        len += 2;
    }
    if (len + 1 >= cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(notice + len, cap - len, fmt, ap);
    va_end(ap);
}

static kws_audio_source *kws_audio_source_new(const char *name, kws_error *err)
{
    kws_audio_source *s = calloc(1, sizeof *s);
    size_t len = strlen(name);
    char *copy = malloc(len + 1);
    if (!s || !copy) {
        free(s);
        free(copy);
        kws_error_set(err, KWS_ERR_NOMEM, "%s: out of memory", name);
        return NULL;
    }
    memcpy(copy, name, len + 1);
    s->name = copy;
    return s;
}

/* Explains why libsndfile refused the file, as precisely as we can. */
static kws_status kws_audio_source_refused(const kws_audio_source *s,
                                           const kws_audio_chunks *c, kws_error *err)
{
    long long size = (long long)s->bytes.size;
    if (size == 0)
        return kws_error_set(err, KWS_ERR_FORMAT, "%s: empty file (0 bytes)", s->name);
    if (c->problem[0])
        return kws_error_set(err, KWS_ERR_FORMAT, "%s: %s", s->name, c->problem);
    if (c->recognised)
        return kws_error_set(err, KWS_ERR_FORMAT, "%s: unreadable audio file (libsndfile: %s)",
                             s->name, sf_strerror(NULL));
    if (size < 12)
        return kws_error_set(err, KWS_ERR_FORMAT,
                             "%s: too short to be an audio file (%lld bytes)", s->name, size);
    return kws_error_set(err, KWS_ERR_FORMAT, "%s: not a recognised audio file (libsndfile: %s)",
                         s->name, sf_strerror(NULL));
}

/* Checks what libsndfile accepted but kws cannot use. */
static kws_status kws_audio_source_check_info(const kws_audio_source *s,
                                              const kws_audio_chunks *c, kws_error *err)
{
    const SF_INFO *in = &s->info;
    if (in->channels < 1)
        return kws_error_set(err, KWS_ERR_FORMAT, "%s: %d channels", s->name, in->channels);
    if (in->samplerate < KWS_AUDIO_MIN_RATE || in->samplerate > KWS_AUDIO_MAX_RATE)
        return kws_error_set(err, KWS_ERR_UNSUPPORTED,
                             "%s: sample rate %d Hz is not supported (%d to %d Hz)", s->name,
                             in->samplerate, KWS_AUDIO_MIN_RATE, KWS_AUDIO_MAX_RATE);
    if (in->frames <= 0) {
        if (c->data_claimed > c->data_present)
            return kws_error_set(err, KWS_ERR_FORMAT,
                                 "%s: no audio samples (%s chunk truncated: header says %lld "
                                 "bytes, file has %lld)", s->name, c->data_id,
                                 (long long)c->data_claimed, (long long)c->data_present);
        if (c->problem[0])
            return kws_error_set(err, KWS_ERR_FORMAT, "%s: no audio samples (%s)", s->name,
                                 c->problem);
        return kws_error_set(err, KWS_ERR_FORMAT, "%s: no audio samples", s->name);
    }
    return KWS_OK;
}

static kws_status kws_audio_source_alloc_blocks(kws_audio_source *s, kws_error *err)
{
    size_t ch = (size_t)s->info.channels;
    s->in = malloc(KWS_SOURCE_BLOCK * ch * sizeof *s->in);
    s->mono = malloc(KWS_SOURCE_BLOCK * sizeof *s->mono);
    s->out = malloc(KWS_SOURCE_BLOCK * sizeof *s->out);
    if (!s->in || !s->mono || !s->out)
        return kws_error_set(err, KWS_ERR_NOMEM, "%s: out of memory", s->name);
    if (s->info.samplerate == KWS_SAMPLE_RATE)
        return KWS_OK;
    int e = 0;
    s->ratio = (double)KWS_SAMPLE_RATE / s->info.samplerate;
    s->src = src_new(SRC_SINC_BEST_QUALITY, 1, &e);
    if (!s->src)
        return kws_error_set(err, KWS_ERR_NOMEM, "%s: resampler: %s", s->name, src_strerror(e));
    return KWS_OK;
}

/* Opens libsndfile on s->bytes and prepares the conversion chain. */
static kws_status kws_audio_source_start(kws_audio_source *s, kws_error *err)
{
    if (s->bytes.size == 0)
        return kws_error_set(err, KWS_ERR_FORMAT, "%s: empty file (0 bytes)", s->name);
    kws_audio_chunks c;
    kws_audio_chunks_scan(&s->bytes, &c);
    memset(&s->info, 0, sizeof s->info);
    kws_audio_bytes_vio()->seek(0, SEEK_SET, &s->bytes); /* the scan moved it */
    s->sf = sf_open_virtual(kws_audio_bytes_vio(), SFM_READ, &s->info, &s->bytes);
    if (!s->sf)
        return kws_audio_source_refused(s, &c, err);
    kws_status st = kws_audio_source_check_info(s, &c, err);
    if (st != KWS_OK)
        return st;
    if (c.data_claimed > c.data_present)
        kws_audio_notice_add(s->notice, sizeof s->notice,
                             "%s: %s chunk truncated (header says %lld bytes, file has %lld)",
                             s->name, c.data_id, (long long)c.data_claimed,
                             (long long)c.data_present);
    return kws_audio_source_alloc_blocks(s, err);
}

static kws_status kws_audio_source_finish_open(kws_audio_source *s, kws_status st,
                                               kws_audio_source **out)
{
    if (st != KWS_OK) {
        kws_audio_source_close(s);
        return st;
    }
    *out = s;
    return KWS_OK;
}

kws_status kws_audio_source_open(const char *path, kws_audio_source **out, kws_error *err)
{
    if (!out || !path)
        return kws_error_set(err, KWS_ERR_ARG, "audio source: NULL argument");
    *out = NULL;
    int raw = strcmp(path, "-") == 0;
    kws_audio_source *s = kws_audio_source_new(raw ? "stdin" : path, err);
    if (!s)
        return KWS_ERR_NOMEM;
    if (raw) {
        s->raw = 1;
        s->info.samplerate = KWS_SAMPLE_RATE;
        s->info.channels = 1;
        s->info.frames = -1;
        kws_pcm_reader_init(&s->pcm, stdin, s->name);
        return kws_audio_source_finish_open(s, KWS_OK, out);
    }
    kws_status st = kws_audio_bytes_open_file(&s->bytes, path, err);
    if (st == KWS_OK)
        st = kws_audio_source_start(s, err);
    return kws_audio_source_finish_open(s, st, out);
}

kws_status kws_audio_source_open_memory(const void *data, size_t size, const char *name,
                                        kws_audio_source **out, kws_error *err)
{
    if (!out || (!data && size > 0))
        return kws_error_set(err, KWS_ERR_ARG, "audio source: NULL argument");
    *out = NULL;
    kws_audio_source *s = kws_audio_source_new(name ? name : "memory", err);
    if (!s)
        return KWS_ERR_NOMEM;
    kws_audio_bytes_init_memory(&s->bytes, data, size);
    return kws_audio_source_finish_open(s, kws_audio_source_start(s, err), out);
}

/* Remarks that can only be made once the input is used up. */
static void kws_audio_source_end_notices(kws_audio_source *s)
{
    if (s->info.frames > 0 && s->frames_decoded < s->info.frames) {
        kws_audio_notice_add(s->notice, sizeof s->notice,
                             "%s: decoding stopped after %lld of %lld frames (%s)", s->name,
                             (long long)s->frames_decoded, (long long)s->info.frames,
                             sf_error(s->sf) ? sf_strerror(s->sf) : "file ends early");
    }
    if (s->clipped > 0)
        kws_audio_notice_add(s->notice, sizeof s->notice, "%s: %zu samples clipped", s->name,
                             s->clipped);
}

/* Decodes the next block into mono; sets input_done at the end of the file. */
static void kws_audio_source_decode(kws_audio_source *s)
{
    sf_count_t got = sf_readf_float(s->sf, s->in, KWS_SOURCE_BLOCK);
    s->mono_pos = 0;
    s->mono_len = got > 0 ? (size_t)got : 0;
    if (got <= 0) {
        s->input_done = 1;
        return;
    }
    s->frames_decoded += got;
    kws_audio_downmix(s->in, (size_t)got, s->info.channels, s->mono);
}

/* Makes the next block ready (ready_len > 0), or sets finished. */
static kws_status kws_audio_source_refill(kws_audio_source *s, kws_error *err)
{
    s->ready_len = s->ready_pos = 0;
    while (s->ready_len == 0 && !s->finished) {
        if (s->mono_pos == s->mono_len && !s->input_done)
            kws_audio_source_decode(s);
        if (!s->src) {
            s->ready = s->mono + s->mono_pos;
            s->ready_len = s->mono_len - s->mono_pos;
            s->mono_pos = s->mono_len;
            s->finished = s->input_done;
            continue;
        }
        /* input_done is only set once mono is used up, so end_of_input is
         * never raised while input is still pending. */
        SRC_DATA d = {
            .data_in = s->mono + s->mono_pos,
            .data_out = s->out,
            .input_frames = (long)(s->mono_len - s->mono_pos),
            .output_frames = KWS_SOURCE_BLOCK,
            .end_of_input = s->input_done,
            .src_ratio = s->ratio,
        };
        int e = src_process(s->src, &d);
        if (e != 0)
            return kws_error_set(err, KWS_ERR_FORMAT, "%s: resampler: %s", s->name,
                                 src_strerror(e));
        s->mono_pos += (size_t)d.input_frames_used;
        s->ready = s->out;
        s->ready_len = (size_t)d.output_frames_gen;
        s->finished = s->input_done && d.output_frames_gen == 0;
    }
    if (s->finished)
        kws_audio_source_end_notices(s);
    return KWS_OK;
}

static long kws_audio_source_read_raw(kws_audio_source *s, int16_t *out, size_t max,
                                      kws_error *err)
{
    long n = kws_pcm_reader_read(&s->pcm, out, max, err);
    if (s->pcm.odd_byte && !s->odd_byte_noted) {
        s->odd_byte_noted = 1;
        kws_audio_notice_add(s->notice, sizeof s->notice,
                             "%s: odd number of bytes; the last one was dropped", s->name);
    }
    return n;
}

long kws_audio_source_read(kws_audio_source *s, int16_t *out, size_t max, kws_error *err)
{
    if (!s || (!out && max > 0))
        return kws_error_set(err, KWS_ERR_ARG, "audio source: NULL argument"), -1;
    if (max > (size_t)LONG_MAX)
        max = (size_t)LONG_MAX;
    if (s->raw)
        return kws_audio_source_read_raw(s, out, max, err);
    size_t n = 0;
    while (n < max) {
        if (s->ready_pos == s->ready_len) {
            if (s->finished)
                break;
            if (kws_audio_source_refill(s, err) != KWS_OK)
                return -1;
            continue;
        }
        size_t take = s->ready_len - s->ready_pos;
        if (take > max - n)
            take = max - n;
        s->clipped += kws_audio_float_to_s16(s->ready + s->ready_pos, take, out + n);
        s->ready_pos += take;
        n += take;
    }
    return (long)n;
}

const char *kws_audio_source_notice(const kws_audio_source *s)
{
    return s ? s->notice : "";
}

void kws_audio_source_format(const kws_audio_source *s, int *rate, int *channels,
                             int64_t *frames)
{
    if (rate)
        *rate = s->info.samplerate;
    if (channels)
        *channels = s->info.channels;
    if (frames)
        *frames = s->info.frames;
}

void kws_audio_source_close(kws_audio_source *s)
{
    if (!s)
        return;
    if (s->sf)
        sf_close(s->sf);
    if (s->src)
        src_delete(s->src);
    kws_audio_bytes_close(&s->bytes);
    free(s->in);
    free(s->mono);
    free(s->out);
    free(s->name);
    free(s);
}
