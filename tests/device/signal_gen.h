/* signal_gen.h - deterministic int16 test audio, shared by the Cortex-M4
 * firmware (device/m4/apps) and the host checker (tests/device).
 *
 * Integer arithmetic only, so both sides produce the same samples without
 * sharing a file of data. The sinusoids are parabolic approximations
 * (y = 4x(1-|x|) per half period): not pure tones, but full-band enough to
 * exercise every mel filter.
 *
 *   chirp  16000  100 -> 7000 Hz linear sweep, amplitude 0.5, light noise
 *   noise  16000  white LCG noise, amplitude 0.25
 *   mixed  16000  3000 zeros (log floor), two tones under a rising envelope,
 *                 600 samples clipped at +32767/-32768, a decaying tail
 *   short    700  one frame and a partial hop (stream keeps 188 samples)
 *
 * Also a chunk-size sequence for feeding the streaming API irregular
 * pieces (1 .. 1000 samples, crossing frame and hop boundaries).
 */
#ifndef KWS_TESTS_SIGNAL_GEN_H
#define KWS_TESTS_SIGNAL_GEN_H

#include <stddef.h>
#include <stdint.h>

#define KWS_SIG_COUNT 4
#define KWS_SIG_MAX_SAMPLES 16000
#define KWS_SIG_RATE 16000

static inline const char *kws_sig_name(int which)
{
    static const char *const names[KWS_SIG_COUNT] = {"chirp", "noise", "mixed", "short"};
    return (which >= 0 && which < KWS_SIG_COUNT) ? names[which] : "?";
}

static inline int kws_sig_length(int which)
{
    return which == 3 ? 700 : KWS_SIG_MAX_SAMPLES;
}

static inline uint32_t kws_sig_lcg(uint32_t *state)
{
    *state = *state * 1664525u + 1013904223u;
    return *state;
}

/* Phase increment for f Hz at KWS_SIG_RATE: f * 2^32 / rate. */
static inline uint32_t kws_sig_inc(uint32_t hz)
{
    return (uint32_t)(((uint64_t)hz << 32) / KWS_SIG_RATE);
}

/* Parabolic sine of a 32-bit phase, in [-32768, 32768]. */
static inline int32_t kws_sig_psin(uint32_t phase)
{
    int32_t x = (int32_t)phase >> 16; /* [-32768, 32767] ~ [-pi, pi) */
    int32_t ax = x < 0 ? -x : x;
    return (int32_t)(((int64_t)x * (32768 - ax)) >> 13);
}

static inline int16_t kws_sig_clamp(int32_t v)
{
    return (int16_t)(v > 32767 ? 32767 : v < -32768 ? -32768 : v);
}

/* Fills out[0 .. kws_sig_length(which)). */
static inline void kws_sig_generate(int which, int16_t *out)
{
    int n = kws_sig_length(which);
    uint32_t rng = 0x1234567u + (uint32_t)which * 0x9e3779b9u;
    uint32_t ph1 = 0, ph2 = 0;

    for (int i = 0; i < n; i++) {
        int32_t noise = (int32_t)kws_sig_lcg(&rng) >> 18; /* [-8192, 8191] */
        int32_t v = 0;
        switch (which) {
        case 0: { /* chirp */
            uint32_t inc0 = kws_sig_inc(100), inc1 = kws_sig_inc(7000);
            ph1 += inc0 + (uint32_t)(((uint64_t)(inc1 - inc0) * (uint32_t)i) / (uint32_t)n);
            v = kws_sig_psin(ph1) / 2 + noise / 16;
            break;
        }
        case 1: /* noise */
            v = noise;
            break;
        case 2: /* mixed */
            ph1 += kws_sig_inc(440);
            ph2 += kws_sig_inc(1250);
            if (i < 3000) {
                v = 0;
            } else if (i < 9000) {
                int32_t env = (i - 3000) * 32768 / 6000; /* 0 .. 1 in Q15 */
                int32_t tone = (kws_sig_psin(ph1) * 3 + kws_sig_psin(ph2)) / 5;
                v = (int32_t)(((int64_t)tone * env) >> 15) + noise / 32;
            } else if (i < 9600) {
                v = (kws_sig_psin(ph1) >= 0) ? 40000 : -40000; /* clipped */
            } else {
                int32_t env = 32768 - (i - 9600) * 32768 / 6400; /* 1 .. 0 */
                v = (int32_t)(((int64_t)(kws_sig_psin(ph2) + noise) * env) >> 16);
            }
            break;
        default: /* short */
            ph1 += kws_sig_inc(3000);
            v = kws_sig_psin(ph1) / 4 + noise / 4;
            break;
        }
        out[i] = kws_sig_clamp(v);
    }
}

/* Next chunk size for the streaming test: 1 .. 1000 samples. */
static inline size_t kws_sig_chunk(uint32_t *state)
{
    return 1u + (size_t)((kws_sig_lcg(state) >> 8) % 1000u);
}

#endif
