/* audio_bytes.c - one seekable byte source (regular file or memory) for libsndfile.
 *
 * libsndfile reads through SF_VIRTUAL_IO callbacks into a kws_audio_bytes, so
 * files and memory buffers take the same path. Opening a file checks what a
 * user gets wrong (missing path, a directory, a pipe) and says so by name.
 * Only regular files are accepted: libsndfile needs to seek, and raw audio
 * on a pipe goes through "-" and kws_pcm_reader instead.
 */
#define _POSIX_C_SOURCE 200809L

#include "audio_internal.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

static kws_status kws_audio_bytes_check_stat(const struct stat *st, const char *path,
                                             kws_error *err)
{
    if (S_ISDIR(st->st_mode))
        return kws_error_set(err, KWS_ERR_IO, "%s: is a directory, not an audio file", path);
    if (!S_ISREG(st->st_mode))
        return kws_error_set(err, KWS_ERR_UNSUPPORTED,
                             "%s: not a regular file (for raw 16 kHz s16le audio on a pipe "
                             "use '-' and stdin)", path);
    return KWS_OK;
}

kws_status kws_audio_bytes_open_file(kws_audio_bytes *b, const char *path, kws_error *err)
{
    memset(b, 0, sizeof *b);
    struct stat st;
    /* stat before fopen: opening a FIFO would block waiting for a writer. */
    if (stat(path, &st) != 0) {
        if (errno == ENOENT)
            return kws_error_set(err, KWS_ERR_IO, "%s: no such file", path);
        return kws_error_set(err, KWS_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    }
    kws_status s = kws_audio_bytes_check_stat(&st, path, err);
    if (s != KWS_OK)
        return s;
    FILE *f = fopen(path, "rb");
    if (!f) {
        /* gone between stat and fopen (a data set moved away mid-run): the
         * same message as above */
        if (errno == ENOENT)
            return kws_error_set(err, KWS_ERR_IO, "%s: no such file", path);
        return kws_error_set(err, KWS_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    }
    /* fstat the open file: the path may have been replaced in between. */
    if (fstat(fileno(f), &st) != 0) {
        int e = errno;
        fclose(f);
        return kws_error_set(err, KWS_ERR_IO, "%s: cannot stat: %s", path, strerror(e));
    }
    s = kws_audio_bytes_check_stat(&st, path, err);
    if (s != KWS_OK) {
        fclose(f);
        return s;
    }
    b->f = f;
    b->size = (sf_count_t)st.st_size;
    return KWS_OK;
}

void kws_audio_bytes_init_memory(kws_audio_bytes *b, const void *data, size_t size)
{
    memset(b, 0, sizeof *b);
    b->mem = data;
    b->size = data ? (sf_count_t)size : 0;
}

void kws_audio_bytes_close(kws_audio_bytes *b)
{
    if (b->f)
        fclose(b->f);
    memset(b, 0, sizeof *b);
}

/* ---- SF_VIRTUAL_IO callbacks ---------------------------------------------- */

static sf_count_t kws_audio_bytes_filelen(void *user)
{
    return ((kws_audio_bytes *)user)->size;
}

static sf_count_t kws_audio_bytes_tell(void *user)
{
    kws_audio_bytes *b = user;
    if (b->f)
        return (sf_count_t)ftello(b->f);
    return b->pos;
}

static sf_count_t kws_audio_bytes_seek(sf_count_t offset, int whence, void *user)
{
    kws_audio_bytes *b = user;
    if (b->f) {
        if (fseeko(b->f, (off_t)offset, whence) != 0)
            return -1;
        return (sf_count_t)ftello(b->f);
    }
    sf_count_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? b->pos : b->size;
    /* Positions past the end are allowed (reads there return 0), as for files. */
    if (offset < -base || (offset > 0 && base > INT64_MAX - offset))
        return -1;
    b->pos = base + offset;
    return b->pos;
}

static sf_count_t kws_audio_bytes_read(void *ptr, sf_count_t count, void *user)
{
    kws_audio_bytes *b = user;
    if (count <= 0)
        return 0;
    if (b->f)
        return (sf_count_t)fread(ptr, 1, (size_t)count, b->f);
    if (b->pos >= b->size)
        return 0;
    sf_count_t n = b->size - b->pos < count ? b->size - b->pos : count;
    memcpy(ptr, b->mem + b->pos, (size_t)n);
    b->pos += n;
    return n;
}

static sf_count_t kws_audio_bytes_write(const void *ptr, sf_count_t count, void *user)
{
    (void)ptr;
    (void)count;
    (void)user;
    return 0; /* read-only */
}

SF_VIRTUAL_IO *kws_audio_bytes_vio(void)
{
    static SF_VIRTUAL_IO vio = {
        kws_audio_bytes_filelen, kws_audio_bytes_seek, kws_audio_bytes_read,
        kws_audio_bytes_write,   kws_audio_bytes_tell,
    };
    return &vio;
}

size_t kws_audio_bytes_read_at(kws_audio_bytes *b, sf_count_t off, void *buf, size_t n)
{
    if (off < 0 || off >= b->size)
        return 0;
    if ((sf_count_t)n > b->size - off)
        n = (size_t)(b->size - off);
    if (kws_audio_bytes_seek(off, SEEK_SET, b) != off)
        return 0;
    return (size_t)kws_audio_bytes_read(buf, (sf_count_t)n, b);
}
