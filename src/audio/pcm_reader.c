/* pcm_reader.c - raw 16-bit little-endian mono samples from a FILE*, in chunks.
 *
 * For `arecord -f S16_LE -r 16000 -c 1 | kws ...`: the bytes carry no header,
 * so the rate and channel count are taken on trust. Samples are assembled
 * from bytes, so the host's byte order does not matter. A byte left over when
 * a read ends mid-sample is carried to the next call; one left at the end of
 * input is dropped and flagged.
 */
#include "kws/audio.h"

#include <errno.h>
#include <limits.h>
#include <string.h>

void kws_pcm_reader_init(kws_pcm_reader *r, FILE *f, const char *name)
{
    memset(r, 0, sizeof *r);
    r->f = f;
    r->name = name ? name : "input";
}

/* fread that retries when a signal interrupts it. */
static size_t kws_pcm_reader_fill(kws_pcm_reader *r, uint8_t *buf, size_t n)
{
    size_t got = 0;
    while (got < n) {
        errno = 0;
        size_t k = fread(buf + got, 1, n - got, r->f);
        got += k;
        if (ferror(r->f) && errno == EINTR) {
            clearerr(r->f);
            continue;
        }
        if (k == 0)
            break;
    }
    return got;
}

long kws_pcm_reader_read(kws_pcm_reader *r, int16_t *out, size_t max, kws_error *err)
{
    if (!r || !r->f || (!out && max > 0))
        return kws_error_set(err, KWS_ERR_ARG, "pcm reader: NULL argument"), -1;
    if (max > (size_t)LONG_MAX)
        max = (size_t)LONG_MAX;
    if (max == 0)
        return 0;

    /* The bytes land in out itself; sample i occupies bytes 2i and 2i+1, so
     * converting in place reads each pair before writing over it. */
    uint8_t *bytes = (uint8_t *)out;
    size_t have = 0;
    if (r->has_carry) {
        bytes[have++] = r->carry;
        r->has_carry = 0;
    }
    have += kws_pcm_reader_fill(r, bytes + have, 2 * max - have);
    if (ferror(r->f))
        return kws_error_set(err, KWS_ERR_IO, "%s: read error: %s", r->name,
                             errno ? strerror(errno) : "unknown"), -1;
    if (have & 1) {
        if (feof(r->f)) {
            r->odd_byte = 1; /* half a sample at the end: dropped */
        } else {
            r->carry = bytes[have - 1];
            r->has_carry = 1;
        }
        have--;
    }
    size_t n = have / 2;
    for (size_t i = 0; i < n; i++) {
        unsigned v = (unsigned)bytes[2 * i] | (unsigned)bytes[2 * i + 1] << 8;
        out[i] = (int16_t)(v >= 0x8000u ? (int)v - 0x10000 : (int)v);
    }
    r->samples_read += n;
    return (long)n;
}
