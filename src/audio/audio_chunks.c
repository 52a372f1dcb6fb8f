/* audio_chunks.c - a bounds-checked walk over the chunks of a WAV or AIFF file.
 *
 * Why: libsndfile 1.2 accepts a data chunk whose header claims more bytes
 * than the file holds and quietly reads what is there (only its text log says
 * "data : 32000 (should be 1200)"; AIFF's SSND is treated the same way). This
 * walk reads the chunk headers itself so the caller can report the
 * truncation. It also names the first structural problem of a RIFF file
 * (truncated header, missing or short fmt chunk, zero channels or rate), so a
 * file libsndfile refuses gets a message saying where it went wrong.
 *
 *   offset 0            8          12            20              20+size(+1 pad)
 *          | RIFF | size | WAVE    | id | size   | payload ...   | id | size | ...
 *
 * RIFF is little-endian; RIFX and AIFF (FORM ... AIFF/AIFC) are big-endian.
 * Only chunk headers and the first 16 bytes of a WAV fmt chunk are read; the
 * walk stops after KWS_CHUNKS_MAX chunks. It does not decide whether the file
 * is playable; libsndfile does that.
 */
#include "audio_internal.h"

#include <ctype.h>
#include <string.h>

#define KWS_CHUNKS_MAX 4096

typedef struct {
    int big_endian;
    int aiff;              /* 0: WAVE (fmt/data), 1: AIFF (COMM/SSND) */
    const char *fmt_id;    /* "fmt " or "COMM" */
    const char *data_id;   /* "data" or "SSND" */
    const char *fmt_name;  /* fmt_id for messages: "fmt" or "COMM" */
} kws_audio_chunk_kind;

static uint32_t kws_audio_chunks_u32(const unsigned char *p, int big_endian)
{
    if (big_endian)
        return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
    return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static uint16_t kws_audio_chunks_u16(const unsigned char *p, int big_endian)
{
    return big_endian ? (uint16_t)(p[0] << 8 | p[1]) : (uint16_t)(p[1] << 8 | p[0]);
}

/* Writes a four-character code printably ("WAVE", or "\x00\x1f.." as hex). */
static void kws_audio_chunks_fourcc(const unsigned char *id, char *out, size_t cap)
{
    int printable = 1;
    for (int i = 0; i < 4; i++)
        printable &= isprint(id[i]) != 0;
    if (printable)
        snprintf(out, cap, "'%c%c%c%c'", id[0], id[1], id[2], id[3]);
    else
        snprintf(out, cap, "0x%02x%02x%02x%02x", id[0], id[1], id[2], id[3]);
}

static void kws_audio_chunks_problem(kws_audio_chunks *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Records the first problem only: later ones are usually consequences. */
static void kws_audio_chunks_problem(kws_audio_chunks *c, const char *fmt, ...)
{
    if (c->problem[0])
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->problem, sizeof c->problem, fmt, ap);
    va_end(ap);
}

/* Checks the part of a WAV fmt chunk that makes a file meaningless when wrong.
 * off: offset of the chunk header; len: its size field; present: payload bytes
 * the file holds. */
static void kws_audio_chunks_fmt(kws_audio_bytes *b, kws_audio_chunks *c,
                                 const kws_audio_chunk_kind *k, sf_count_t off,
                                 uint32_t len, int64_t present)
{
    unsigned char p[16];
    if (k->aiff) {
        /* COMM: channels(2) frames(4) bits(2) rate(10, 80-bit float) */
        if (len < 18 || present < 2) {
            kws_audio_chunks_problem(c, "COMM chunk truncated (%lld bytes, need 18)",
                                     (long long)(present < len ? present : len));
            return;
        }
        kws_audio_bytes_read_at(b, off + 8, p, 2);
        if (kws_audio_chunks_u16(p, 1) == 0)
            kws_audio_chunks_problem(c, "COMM chunk says 0 channels");
        return;
    }
    if (len < 16) {
        kws_audio_chunks_problem(c, "fmt chunk too short (%u bytes, need 16)", (unsigned)len);
        return;
    }
    if (present < 16) {
        kws_audio_chunks_problem(c, "fmt chunk truncated (header says %u bytes, file has %lld)",
                                 (unsigned)len, (long long)present);
        return;
    }
    kws_audio_bytes_read_at(b, off + 8, p, 16);
    uint16_t channels = kws_audio_chunks_u16(p + 2, k->big_endian);
    uint32_t rate = kws_audio_chunks_u32(p + 4, k->big_endian);
    if (channels == 0)
        kws_audio_chunks_problem(c, "fmt chunk says 0 channels");
    else if (rate == 0)
        kws_audio_chunks_problem(c, "fmt chunk says sample rate 0");
    else if (rate > (uint32_t)KWS_AUDIO_MAX_RATE)
        kws_audio_chunks_problem(c, "fmt chunk says sample rate %lu Hz (supported: %d to %d)",
                                 (unsigned long)rate, KWS_AUDIO_MIN_RATE, KWS_AUDIO_MAX_RATE);
    if (len > present)
        kws_audio_chunks_problem(c, "fmt chunk truncated (header says %u bytes, file has %lld)",
                                 (unsigned)len, (long long)present);
}

/* Walks the chunks that follow the 12-byte container header. */
static void kws_audio_chunks_walk(kws_audio_bytes *b, kws_audio_chunks *c,
                                  const kws_audio_chunk_kind *k)
{
    sf_count_t off = 12;
    int seen_fmt = 0;
    for (int i = 0; i < KWS_CHUNKS_MAX && off < b->size; i++) {
        unsigned char h[8];
        if (b->size - off < 8 || kws_audio_bytes_read_at(b, off, h, 8) != 8) {
            kws_audio_chunks_problem(c, "truncated chunk header at byte %lld (file is %lld bytes)",
                                     (long long)off, (long long)b->size);
            break;
        }
        uint32_t len = kws_audio_chunks_u32(h + 4, k->big_endian);
        int64_t present = b->size - off - 8;
        if (memcmp(h, k->fmt_id, 4) == 0) {
            seen_fmt = 1;
            kws_audio_chunks_fmt(b, c, k, off, len, present);
        } else if (memcmp(h, k->data_id, 4) == 0) {
            if (!seen_fmt)
                kws_audio_chunks_problem(c, "%s chunk before the %s chunk", k->data_id,
                                         k->fmt_name);
            c->data_claimed = len;
            c->data_present = present < (int64_t)len ? present : (int64_t)len;
            if (present < (int64_t)len)
                return; /* the data runs to the end of the file: nothing follows */
        }
        off += 8 + (sf_count_t)len + (len & 1); /* chunks are padded to even sizes */
    }
    if (!seen_fmt)
        kws_audio_chunks_problem(c, "no %s chunk (file is %lld bytes)", k->fmt_name,
                                 (long long)b->size);
    else if (c->data_claimed < 0)
        kws_audio_chunks_problem(c, "no %s chunk (file is %lld bytes)", k->data_id,
                                 (long long)b->size);
}

void kws_audio_chunks_scan(kws_audio_bytes *b, kws_audio_chunks *c)
{
    memset(c, 0, sizeof *c);
    c->data_claimed = -1;
    unsigned char h[12];
    size_t got = kws_audio_bytes_read_at(b, 0, h, sizeof h);
    if (got < 4)
        return;
    kws_audio_chunk_kind k;
    const char *form;
    if (memcmp(h, "RIFF", 4) == 0 || memcmp(h, "RIFX", 4) == 0) {
        k = (kws_audio_chunk_kind){h[3] == 'X', 0, "fmt ", "data", "fmt"};
        form = "WAVE";
    } else if (memcmp(h, "FORM", 4) == 0) {
        k = (kws_audio_chunk_kind){1, 1, "COMM", "SSND", "COMM"};
        form = "AIFF";
    } else {
        return;
    }
    c->recognised = 1;
    c->data_id = k.data_id;
    if (got < 12) {
        kws_audio_chunks_problem(c, "truncated %.4s header (%zu of 12 bytes)", (const char *)h,
                                 got);
        return;
    }
    int form_ok = memcmp(h + 8, form, 4) == 0 || (k.aiff && memcmp(h + 8, "AIFC", 4) == 0);
    if (!form_ok) {
        char id[16];
        kws_audio_chunks_fourcc(h + 8, id, sizeof id);
        kws_audio_chunks_problem(c, "%.4s file of type %s, not %s", (const char *)h, id, form);
        return;
    }
    kws_audio_chunks_walk(b, c, &k);
}
