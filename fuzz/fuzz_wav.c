/* fuzz_wav.c - the audio file reader (src/audio: kws_audio_read_memory and
 * the chunked kws_audio_source), every container libsndfile decodes: WAV
 * (PCM 8/16/24/32, float, double, A-law, u-law, ADPCM; RIFF, RIFX, RF64,
 * W64), AIFF/AIFC, AU, CAF, FLAC, Ogg Vorbis/Opus, MP3 and the rest.
 *
 * The input is the file. The bytes go through the same virtual I/O as a
 * file on disk (audio_bytes.c), so the chunk walk, libsndfile, the downmix,
 * the resampler and the int16 conversion all run. Checked beyond memory
 * safety: the whole-file read and a chunked read with request sizes drawn
 * from the input agree on the outcome, the samples and the notice (the
 * promise of kws/audio.h), and every failure names the file.
 *
 * Small files can claim (or, compressed, decode to) hours of audio; the
 * reader accepts up to KWS_AUDIO_MAX_SECONDS, which is too slow to decode
 * millions of times. Files whose header announces more than MAX_OUT output
 * samples are checked on their first MAX_OUT samples, chunked, only; the
 * up-front refusal of files over the cap still runs, as it costs nothing.
 */
#include <stdlib.h>
#include <string.h>

#include "audio_internal.h"
#include "fuzz/fuzz_check.h"

#define MAX_OUT (4 * KWS_SAMPLE_RATE) /* samples decoded per input at most */

static uint32_t hash_bytes(const uint8_t *p, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 16777619u;
    return h | 1;
}

static uint32_t next(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

/* Reads up to `limit` samples from s in chunks of 0..700 samples.
 * Returns the count; *failed is set on an error. */
static size_t read_chunked(kws_audio_source *s, int16_t *out, size_t limit, uint32_t seed,
                           int *failed, kws_error *err)
{
    size_t n = 0;
    *failed = 0;
    while (n < limit) {
        size_t want = next(&seed) % 701;
        if (want > limit - n)
            want = limit - n;
        long got = kws_audio_source_read(s, out + n, want, err);
        if (got < 0) {
            *failed = 1;
            break;
        }
        FUZZ_CHECK((size_t)got <= want);
        n += (size_t)got;
        if (want > 0 && (size_t)got < want)
            break; /* fewer than asked only at the end */
    }
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int16_t chunked[MAX_OUT + 1];
    kws_error err, err_src;
    kws_audio_source *s = NULL;
    kws_status st = kws_audio_source_open_memory(data, size, "fuzz.wav", &s, &err_src);
    if (st != KWS_OK) {
        /* the whole-file read opens the same way and fails the same way */
        kws_audio a;
        FUZZ_CHECK(s == NULL);
        FUZZ_CHECK(kws_audio_read_memory(data, size, "fuzz.wav", &a, &err) == st);
        FUZZ_CHECK(a.samples == NULL && a.n == 0);
        FUZZ_CHECK(strcmp(err.msg, err_src.msg) == 0);
        FUZZ_CHECK(strncmp(err.msg, "fuzz.wav: ", 10) == 0);
        return 0;
    }
    int rate, channels;
    int64_t frames;
    kws_audio_source_format(s, &rate, &channels, &frames);
    FUZZ_CHECK(rate >= KWS_AUDIO_MIN_RATE && rate <= KWS_AUDIO_MAX_RATE && channels >= 1);
    double seconds = frames >= 0 ? (double)frames / rate : -1.0;
    int whole = seconds >= 0 && (seconds * KWS_SAMPLE_RATE <= MAX_OUT - 64 ||
                                 seconds > KWS_AUDIO_MAX_SECONDS);

    int failed;
    size_t n = read_chunked(s, chunked, MAX_OUT + 1, hash_bytes(data, size), &failed, &err_src);
    FUZZ_CHECK(!failed || strncmp(err_src.msg, "fuzz.wav: ", 10) == 0);
    char notice[256];
    snprintf(notice, sizeof notice, "%s", kws_audio_source_notice(s));
    kws_audio_source_close(s);
    if (!whole)
        return 0;

    kws_audio a;
    st = kws_audio_read_memory(data, size, "fuzz.wav", &a, &err);
    if (seconds > KWS_AUDIO_MAX_SECONDS) {
        FUZZ_CHECK(st == KWS_ERR_UNSUPPORTED && strstr(err.msg, "-hour limit") != NULL);
        return 0;
    }
    FUZZ_CHECK(n <= MAX_OUT); /* the header's length bounds what is decoded */
    if (st != KWS_OK) {
        /* only decoding can fail now: the same error, or no samples at all */
        FUZZ_CHECK(strncmp(err.msg, "fuzz.wav: ", 10) == 0);
        FUZZ_CHECK(failed ? strcmp(err.msg, err_src.msg) == 0 : n == 0);
        return 0;
    }
    FUZZ_CHECK(!failed && a.n == n && memcmp(a.samples, chunked, n * sizeof *chunked) == 0);
    FUZZ_CHECK(strcmp(a.notice, notice) == 0);
    FUZZ_CHECK(a.source_rate == rate && a.source_channels == channels);
    kws_audio_free(&a);
    return 0;
}
