/* fuzz_pcm_stream.c - the raw s16le stream reader (kws_pcm_reader, src/audio/pcm_reader.c).
 *
 * Input: 4 control bytes, then the stream. The stream is served through
 * fopencookie, so the control bytes can make it behave like a pipe: reads
 * that return a few bytes at a time, reads interrupted by a signal (EINTR,
 * which the reader must retry) and, optionally, a hard read error (EIO) at a
 * chosen byte. The reader is called with request sizes drawn from the
 * control bytes, 0 included. Checked: the samples equal a plain
 * little-endian decode of the stream, a dangling odd byte is dropped and
 * flagged only at the end, and an I/O error is reported (-1 with a message)
 * with every sample before it delivered intact.
 */
#define _GNU_SOURCE /* fopencookie */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

#include "fuzz/fuzz_check.h"
#include "kws/audio.h"

typedef struct {
    const uint8_t *p;
    size_t n, pos;
    uint32_t rng;
    int eintr;          /* 1: interrupt some reads */
    size_t fail_at;     /* byte offset of a hard error, or SIZE_MAX */
    int last_was_eintr; /* never two in a row, so reading always progresses */
} stream;

static uint32_t next(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

static ssize_t stream_read(void *cookie, char *buf, size_t size)
{
    stream *s = cookie;
    uint32_t r = next(&s->rng);
    if (s->eintr && !s->last_was_eintr && r % 5 == 0) {
        s->last_was_eintr = 1;
        errno = EINTR;
        return -1;
    }
    s->last_was_eintr = 0;
    if (s->pos >= s->fail_at) {
        errno = EIO;
        return -1;
    }
    size_t k = 1 + (r >> 8) % 37; /* a pipe hands over a few bytes at a time */
    if (k > size)
        k = size;
    if (k > s->n - s->pos)
        k = s->n - s->pos;
    if (s->fail_at != SIZE_MAX && k > s->fail_at - s->pos)
        k = s->fail_at - s->pos;
    memcpy(buf, s->p + s->pos, k);
    s->pos += k;
    return (ssize_t)k;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 4)
        return 0;
    uint32_t ctl = (uint32_t)data[0] | (uint32_t)data[1] << 8 | (uint32_t)data[2] << 16 |
                   (uint32_t)data[3] << 24;
    stream s = {data + 4, size - 4, 0, ctl | 1, (ctl >> 8) & 1, SIZE_MAX, 0};
    if (ctl & 0x200)
        s.fail_at = (ctl >> 16) % (s.n + 1);
    FILE *f = fopencookie(&s, "rb", (cookie_io_functions_t){stream_read, NULL, NULL, NULL});
    FUZZ_CHECK(f != NULL);

    kws_pcm_reader r;
    kws_pcm_reader_init(&r, f, "fuzz");
    uint32_t rng = ctl ^ 0x9e3779b9u;
    int16_t out[128];
    size_t total = 0;
    kws_error err;
    long got;
    for (;;) {
        size_t max = next(&rng) % 97; /* 0 asks for nothing and gets nothing */
        got = kws_pcm_reader_read(&r, out, max, &err);
        if (got < 0)
            break;
        FUZZ_CHECK((size_t)got <= max);
        for (long i = 0; i < got; i++, total++) {
            FUZZ_CHECK(2 * total + 1 < s.n);
            uint16_t v = (uint16_t)(s.p[2 * total] | s.p[2 * total + 1] << 8);
            FUZZ_CHECK(out[i] == (int16_t)v);
        }
        if (max > 0 && (size_t)got < max)
            break; /* fewer than asked: the input ended */
    }
    FUZZ_CHECK(r.samples_read == total);
    if (s.fail_at != SIZE_MAX) { /* the error is hit before any end of input */
        FUZZ_CHECK(got < 0 && err.status == KWS_ERR_IO);
        FUZZ_CHECK(strncmp(err.msg, "fuzz: read error", 16) == 0);
        FUZZ_CHECK(2 * total <= s.fail_at);
    } else {
        FUZZ_CHECK(got >= 0 && total == s.n / 2 && r.odd_byte == (int)(s.n & 1));
        FUZZ_CHECK(kws_pcm_reader_read(&r, out, 16, &err) == 0);
    }
    fclose(f);
    return 0;
}
