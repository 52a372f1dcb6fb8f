/* audio_resample.c - sample conversions: downmix, whole-buffer resampling, float to int16.
 *
 * Resampling uses libsamplerate's SRC_SINC_BEST_QUALITY converter (band
 * limited, anti-aliased). The streaming resampler that kws_audio_source runs
 * lives in audio_source.c; both feed the same converter the same samples, so
 * they agree to the last bit.
 */
#include "audio_internal.h"

#include <limits.h>
#include <math.h>
#include <samplerate.h>
#include <stdlib.h>
#include <string.h>

size_t kws_audio_float_to_s16(const float *in, size_t n, int16_t *out)
{
    size_t clipped = 0;
    for (size_t i = 0; i < n; i++) {
        /* Double keeps x * 32768 + 0.5 exact, so the rounding is exact too. */
        double v = (double)in[i] * 32768.0;
        if (v != v) { /* NaN */
            out[i] = 0;
            clipped++;
        } else if (v >= 32767.5) {
            out[i] = INT16_MAX;
            clipped++;
        } else if (v <= -32768.5) {
            out[i] = INT16_MIN;
            clipped++;
        } else {
            out[i] = (int16_t)(v >= 0.0 ? v + 0.5 : v - 0.5); /* ties away from zero */
        }
    }
    return clipped;
}

void kws_audio_downmix(const float *in, size_t frames, int channels, float *out)
{
    if (channels == 1) {
        memmove(out, in, frames * sizeof *out);
        return;
    }
    for (size_t i = 0; i < frames; i++) {
        const float *frame = in + i * (size_t)channels;
        double sum = 0.0;
        for (int c = 0; c < channels; c++)
            sum += frame[c];
        out[i] = (float)(sum / channels);
    }
}

kws_status kws_audio_resample(const float *in, size_t n_in, int rate_in, int rate_out,
                              float **out, size_t *n_out, kws_error *err)
{
    if (!out || !n_out || (!in && n_in > 0))
        return kws_error_set(err, KWS_ERR_ARG, "resample: NULL argument");
    *out = NULL;
    *n_out = 0;
    double ratio = rate_in > 0 && rate_out > 0 ? (double)rate_out / rate_in : 0.0;
    if (!src_is_valid_ratio(ratio))
        return kws_error_set(err, KWS_ERR_ARG,
                             "resample: cannot convert %d Hz to %d Hz (ratio outside 1/256..256)",
                             rate_in, rate_out);
    if (n_in == 0)
        return KWS_OK;
    if (n_in > (size_t)LONG_MAX / 256 - 64) /* SRC_DATA counts are long; 256 = max ratio */
        return kws_error_set(err, KWS_ERR_ARG, "resample: %zu samples is too many", n_in);

    size_t cap = (size_t)ceil((double)n_in * ratio) + 64;
    float *buf = malloc(cap * sizeof *buf);
    if (!buf)
        return kws_error_set(err, KWS_ERR_NOMEM, "resample: out of memory (%zu samples)", cap);
    if (rate_in == rate_out) {
        memcpy(buf, in, n_in * sizeof *buf);
        *out = buf;
        *n_out = n_in;
        return KWS_OK;
    }

    int e = 0;
    SRC_STATE *st = src_new(SRC_SINC_BEST_QUALITY, 1, &e);
    if (!st) {
        free(buf);
        return kws_error_set(err, KWS_ERR_NOMEM, "resample: %s", src_strerror(e));
    }
    /* One call with all the input and end_of_input set; repeat until the
     * converter has flushed its tail (it returns 0 new samples then). */
    size_t used = 0, made = 0;
    for (;;) {
        if (made == cap) {
            float *bigger = realloc(buf, 2 * cap * sizeof *buf);
            if (!bigger) {
                e = -1;
                break;
            }
            buf = bigger;
            cap *= 2;
        }
        SRC_DATA d = {
            .data_in = in + used,
            .data_out = buf + made,
            .input_frames = (long)(n_in - used),
            .output_frames = (long)(cap - made),
            .end_of_input = 1,
            .src_ratio = ratio,
        };
        e = src_process(st, &d);
        if (e != 0)
            break;
        used += (size_t)d.input_frames_used;
        made += (size_t)d.output_frames_gen;
        if (d.output_frames_gen == 0 && used == n_in)
            break;
    }
    src_delete(st);
    if (e != 0) {
        free(buf);
        if (e < 0)
            return kws_error_set(err, KWS_ERR_NOMEM, "resample: out of memory");
        return kws_error_set(err, KWS_ERR_ARG, "resample: %s", src_strerror(e));
    }
    *out = buf;
    *n_out = made;
    return KWS_OK;
}
