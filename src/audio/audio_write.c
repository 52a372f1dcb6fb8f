/* audio_write.c - writes 16 kHz mono 16-bit PCM WAV files (libsndfile).
 *
 * The only format kws writes: what the front end and the device consume, so
 * a written file reads back bit-exact. No other rate, width or container.
 */
#include "kws/audio.h"

#include <sndfile.h>
#include <string.h>

kws_status kws_audio_write_wav(const char *path, const int16_t *samples, size_t n,
                               kws_error *err)
{
    if (!path || (!samples && n > 0))
        return kws_error_set(err, KWS_ERR_ARG, "audio write: NULL argument");
    SF_INFO info;
    memset(&info, 0, sizeof info);
    info.samplerate = KWS_SAMPLE_RATE;
    info.channels = 1;
    info.format = SF_FORMAT_WAV | SF_FORMAT_PCM_16;
    SNDFILE *sf = sf_open(path, SFM_WRITE, &info);
    if (!sf)
        return kws_error_set(err, KWS_ERR_IO, "%s: cannot create: %s", path, sf_strerror(NULL));
    sf_count_t wrote = n > 0 ? sf_write_short(sf, samples, (sf_count_t)n) : 0;
    if (wrote != (sf_count_t)n) {
        kws_error_set(err, KWS_ERR_IO, "%s: write failed after %lld of %zu samples: %s", path,
                      (long long)wrote, n, sf_strerror(sf));
        sf_close(sf);
        return KWS_ERR_IO;
    }
    /* sf_close rewrites the header with the final sizes; that can fail too. */
    int e = sf_close(sf);
    if (e != 0)
        return kws_error_set(err, KWS_ERR_IO, "%s: cannot finish the file: %s", path,
                             sf_error_number(e));
    return KWS_OK;
}
