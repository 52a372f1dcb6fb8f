/* audio_read.c - whole-file reads: any audio file (or raw stdin) to 16 kHz mono int16.
 *
 * A whole-file read drains a kws_audio_source into one buffer, so it yields
 * exactly the samples, notices and errors that chunked reading does. What it
 * adds is the length cap: more than KWS_AUDIO_MAX_SECONDS of audio is refused
 * before decoding when the length is known (files), or as soon as the cap is
 * passed when it is not (stdin).
 */
#include "audio_internal.h"

#include <stdlib.h>
#include <string.h>

#define KWS_AUDIO_MAX_SAMPLES ((size_t)KWS_AUDIO_MAX_SECONDS * KWS_SAMPLE_RATE)

static kws_status kws_audio_too_long(const char *name, double seconds, kws_error *err)
{
    if (seconds > 0) {
        long t = (long)seconds;
        return kws_error_set(err, KWS_ERR_UNSUPPORTED,
                             "%s: %ld:%02ld:%02ld of audio, more than the %d-hour limit of a "
                             "whole-file read (stream longer recordings)",
                             name, t / 3600, t / 60 % 60, t % 60, KWS_AUDIO_MAX_SECONDS / 3600);
    }
    return kws_error_set(err, KWS_ERR_UNSUPPORTED,
                         "%s: more than the %d-hour limit of a whole-file read "
                         "(stream longer recordings)", name, KWS_AUDIO_MAX_SECONDS / 3600);
}

/* Grows *buf to max(first, 2 * cap) samples, at most `limit`. */
static int kws_audio_grow(int16_t **buf, size_t *cap, size_t first, size_t limit)
{
    size_t next = *cap ? 2 * *cap : first;
    if (next > limit)
        next = limit;
    int16_t *p = realloc(*buf, next * sizeof *p);
    if (!p)
        return 0;
    *buf = p;
    *cap = next;
    return 1;
}

/* Reads every sample of s into out. name: for messages; err: not NULL. */
static kws_status kws_audio_drain(kws_audio_source *s, const char *name, kws_audio *out,
                                  kws_error *err)
{
    int rate, channels;
    int64_t frames;
    kws_audio_source_format(s, &rate, &channels, &frames);
    /* Known length: refuse up front and size the buffer once. Unknown length
     * (stdin): grow, and stop once the cap is passed. One second of slack
     * covers the resampler's rounding of the length. */
    size_t limit = KWS_AUDIO_MAX_SAMPLES + KWS_SAMPLE_RATE, first = 10 * KWS_SAMPLE_RATE;
    if (frames >= 0) {
        double seconds = (double)frames / rate;
        if (seconds > KWS_AUDIO_MAX_SECONDS)
            return kws_audio_too_long(name, seconds, err);
        first = (size_t)(seconds * KWS_SAMPLE_RATE) + 64;
    }
    int16_t *buf = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (n == cap && (cap == limit || !kws_audio_grow(&buf, &cap, first, limit))) {
            free(buf);
            if (cap == limit)
                return kws_audio_too_long(name, 0, err);
            return kws_error_set(err, KWS_ERR_NOMEM, "%s: out of memory", name);
        }
        long got = kws_audio_source_read(s, buf + n, cap - n, err);
        if (got < 0) {
            free(buf);
            return err->status;
        }
        if (got == 0)
            break;
        n += (size_t)got;
    }
    if (n == 0) {
        free(buf);
        return kws_error_set(err, KWS_ERR_FORMAT, "%s: no audio samples", name);
    }
    int16_t *fit = realloc(buf, n * sizeof *fit);
    out->samples = fit ? fit : buf;
    out->n = n;
    out->source_rate = rate;
    out->source_channels = channels;
    snprintf(out->notice, sizeof out->notice, "%s", kws_audio_source_notice(s));
    return KWS_OK;
}

static kws_status kws_audio_read_source(kws_audio_source *s, kws_status opened,
                                        const char *name, kws_audio *out, kws_error *err)
{
    if (opened != KWS_OK)
        return opened;
    kws_status st = kws_audio_drain(s, name, out, err);
    kws_audio_source_close(s);
    return st;
}

kws_status kws_audio_read(const char *path, kws_audio *out, kws_error *err)
{
    kws_error local;
    if (!err)
        err = &local;
    if (!out)
        return kws_error_set(err, KWS_ERR_ARG, "audio read: NULL output");
    memset(out, 0, sizeof *out);
    if (!path)
        return kws_error_set(err, KWS_ERR_ARG, "audio read: NULL path");
    kws_audio_source *s = NULL;
    kws_status st = kws_audio_source_open(path, &s, err);
    return kws_audio_read_source(s, st, strcmp(path, "-") == 0 ? "stdin" : path, out, err);
}

kws_status kws_audio_read_memory(const void *data, size_t size, const char *name,
                                 kws_audio *out, kws_error *err)
{
    kws_error local;
    if (!err)
        err = &local;
    if (!out)
        return kws_error_set(err, KWS_ERR_ARG, "audio read: NULL output");
    memset(out, 0, sizeof *out);
    if (!name)
        name = "memory";
    kws_audio_source *s = NULL;
    kws_status st = kws_audio_source_open_memory(data, size, name, &s, err);
    return kws_audio_read_source(s, st, name, out, err);
}

void kws_audio_free(kws_audio *a)
{
    if (!a)
        return;
    free(a->samples);
    memset(a, 0, sizeof *a);
}
