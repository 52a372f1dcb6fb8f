/* quality.c - measurements of a finished 16 kHz int16 clip (word span,
 * peak level) and the checks that drop bad synthetic clips: empty,
 * clipped, too short, too long. The same word-span measure serves the
 * real-versus-synthetic statistics (stats.c). */
#include "kws/synth.h"

#include <math.h>

#define FRAME (KWS_SAMPLE_RATE / 100) /* 10 ms */

#include "kws/audio.h"

float kws_synth_word_seconds(const int16_t *x, size_t n)
{
    size_t nf = n / FRAME;
    double best = 0.0;
    for (size_t f = 0; f < nf; f++) {
        double e = 0.0;
        for (size_t i = f * FRAME; i < (f + 1) * FRAME; i++)
            e += (double)x[i] * x[i];
        if (e > best)
            best = e;
    }
    if (best <= 0.0)
        return 0.0f;
    double thr = best * pow(10.0, -KWS_SYNTH_SPAN_DB / 10.0); /* energy ratio */
    size_t first = nf, last = 0;
    for (size_t f = 0; f < nf; f++) {
        double e = 0.0;
        for (size_t i = f * FRAME; i < (f + 1) * FRAME; i++)
            e += (double)x[i] * x[i];
        if (e >= thr) {
            if (first == nf)
                first = f;
            last = f;
        }
    }
    return (float)(last - first + 1) * (float)FRAME / (float)KWS_SAMPLE_RATE;
}

float kws_synth_peak_dbfs_s16(const int16_t *x, size_t n)
{
    int peak = 0;
    for (size_t i = 0; i < n; i++) {
        int a = x[i] < 0 ? -(int)x[i] : x[i];
        if (a > peak)
            peak = a;
    }
    return peak ? 20.0f * log10f((float)peak / 32768.0f) : -INFINITY;
}

const char *kws_synth_quality_name(kws_synth_quality q)
{
    static const char *const names[KWS_SYNTH_N_DROP] = {"ok", "empty", "clipped", "too short",
                                                        "too long", "engine error"};
    return (int)q >= 0 && q < KWS_SYNTH_N_DROP ? names[q] : "?";
}

kws_synth_quality kws_synth_quality_check(const int16_t *x, size_t n)
{
    if (n == 0 || kws_synth_peak_dbfs_s16(x, n) < -45.0f)
        return KWS_SYNTH_DROP_EMPTY;
    for (size_t i = 0; i < n; i++)
        if (x[i] == INT16_MAX || x[i] == INT16_MIN)
            return KWS_SYNTH_DROP_CLIPPED;
    float s = kws_synth_word_seconds(x, n);
    if (s < KWS_SYNTH_MIN_WORD_S)
        return KWS_SYNTH_DROP_TOO_SHORT;
    if (s > KWS_SYNTH_MAX_WORD_S)
        return KWS_SYNTH_DROP_TOO_LONG;
    return KWS_SYNTH_OK;
}
