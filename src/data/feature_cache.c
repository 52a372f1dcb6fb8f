/* feature_cache.c - the on-disk feature cache file (format in
 * data_internal.h): item keys, reading with full validation, atomic
 * writing (temporary file + rename), the default cache folder.
 *
 * A file is trusted only if its size matches its header exactly, the
 * header matches the caller's feature config and shape, the keys ascend
 * strictly and the trailing checksum matches every byte before it;
 * anything else is reported and the caller recomputes. */
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE 1 /* d_type, fstatat, realpath, strdup */
#endif
#include "data_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CACHE_MAGIC "KWSFEAT"
#define CACHE_VERSION 1u
#define CACHE_HEADER 40

uint64_t kws_item_key(const kws_item *it)
{
    uint64_t h = kws_hash_str(KWS_FNV_OFFSET, it->path);
    h = kws_hash_u64(h, (uint64_t)it->kind);
    h = kws_hash_u64(h, (uint64_t)it->offset);
    h = kws_hash_u64(h, (uint64_t)it->size);
    h = kws_hash_u64(h, (uint64_t)it->mtime_ns);
    return h;
}

kws_status kws_feature_cache_default_dir(char *buf, size_t len, kws_error *err)
{
    const char *xdg = getenv("XDG_CACHE_HOME");
    const char *home = getenv("HOME");
    int n;
    if (xdg && xdg[0] == '/')
        n = snprintf(buf, len, "%s/kws", xdg);
    else if (home && home[0])
        n = snprintf(buf, len, "%s/.cache/kws", home);
    else
        return kws_error_set(err, KWS_ERR_ARG,
                             "no cache folder: neither XDG_CACHE_HOME nor HOME is set");
    if (n < 0 || (size_t)n >= len)
        return kws_error_set(err, KWS_ERR_ARG, "cache folder path too long");
    return KWS_OK;
}

static void put_u32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static void put_u64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t get_u32(const unsigned char *p)
{
    uint32_t v = 0;
    for (int i = 3; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static uint64_t get_u64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

void kws_cache_blob_free(kws_cache_blob *b)
{
    free(b->block);
    memset(b, 0, sizeof *b);
}

kws_status kws_cache_read(const char *path, uint64_t config_hash, int n_frames, int n_mfcc,
                          kws_cache_blob *out, kws_error *err)
{
    memset(out, 0, sizeof *out);
    FILE *f = fopen(path, "rb");
    if (!f)
        return kws_error_set(err, KWS_ERR_IO, "%s: %s", path, strerror(errno));
    struct stat sb;
    if (fstat(fileno(f), &sb) != 0) {
        fclose(f);
        return kws_error_set(err, KWS_ERR_IO, "%s: %s", path, strerror(errno));
    }
    size_t size = (size_t)sb.st_size;
    unsigned char hdr[CACHE_HEADER];
    if (size < CACHE_HEADER + 8 || fread(hdr, 1, CACHE_HEADER, f) != CACHE_HEADER) {
        fclose(f);
        return kws_error_set(err, KWS_ERR_FORMAT, "%s: truncated cache file (%zu bytes)", path,
                             size);
    }
    kws_status st = KWS_OK;
    uint64_t n = get_u64(hdr + 32);
    size_t row = (size_t)n_frames * (size_t)n_mfcc * sizeof(float);
    if (memcmp(hdr, CACHE_MAGIC, 8) != 0)
        st = kws_error_set(err, KWS_ERR_FORMAT, "%s: not a kws feature cache", path);
    else if (get_u32(hdr + 8) != CACHE_VERSION)
        st = kws_error_set(err, KWS_ERR_VERSION, "%s: cache version %u, expected %u", path,
                           get_u32(hdr + 8), CACHE_VERSION);
    else if (get_u32(hdr + 12) != (uint32_t)n_frames || get_u32(hdr + 16) != (uint32_t)n_mfcc)
        st = kws_error_set(err, KWS_ERR_SHAPE, "%s: features %ux%u, expected %dx%d", path,
                           get_u32(hdr + 12), get_u32(hdr + 16), n_frames, n_mfcc);
    else if (get_u64(hdr + 24) != config_hash)
        st = kws_error_set(err, KWS_ERR_FORMAT, "%s: made with another feature config", path);
    else if (n > (size - CACHE_HEADER - 8) / (8 + row) ||
             size != CACHE_HEADER + 8 + (size_t)n * (8 + row))
        st = kws_error_set(err, KWS_ERR_FORMAT, "%s: size %zu does not fit %llu items", path,
                           size, (unsigned long long)n);
    if (st != KWS_OK) {
        fclose(f);
        return st;
    }
    size_t body = size - CACHE_HEADER; /* keys, rows, checksum */
    out->block = malloc(body ? body : 1);
    if (!out->block) {
        fclose(f);
        return kws_error_set(err, KWS_ERR_NOMEM, "%s: out of memory (%zu bytes)", path, body);
    }
    size_t got = fread(out->block, 1, body, f);
    fclose(f);
    if (got != body) {
        kws_cache_blob_free(out);
        return kws_error_set(err, KWS_ERR_FORMAT, "%s: truncated cache file", path);
    }
    kws_checksum c;
    kws_checksum_init(&c);
    kws_checksum_update(&c, hdr, CACHE_HEADER);
    kws_checksum_update(&c, out->block, body - 8);
    uint64_t want = get_u64((const unsigned char *)out->block + body - 8);
    if (kws_checksum_final(&c) != want) {
        kws_cache_blob_free(out);
        return kws_error_set(err, KWS_ERR_CHECKSUM, "%s: checksum mismatch", path);
    }
    out->n = (size_t)n;
    out->n_frames = n_frames;
    out->n_mfcc = n_mfcc;
    out->keys = (uint64_t *)out->block; /* malloc'd, so aligned for u64 and float */
    out->data = (float *)((unsigned char *)out->block + (size_t)n * 8);
    for (size_t i = 1; i < out->n; i++)
        if (out->keys[i] <= out->keys[i - 1]) {
            kws_cache_blob_free(out);
            return kws_error_set(err, KWS_ERR_FORMAT, "%s: keys out of order", path);
        }
    return KWS_OK;
}

const float *kws_cache_find(const kws_cache_blob *b, uint64_t key)
{
    size_t lo = 0, hi = b->n;
    const size_t row = (size_t)b->n_frames * (size_t)b->n_mfcc;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (b->keys[mid] == key)
            return b->data + mid * row;
        if (b->keys[mid] < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* mkdir -p */
static int make_dirs(const char *dir)
{
    char tmp[KWS_ROOT_PATH_MAX + 64];
    size_t n = strlen(dir);
    if (n == 0 || n >= sizeof tmp)
        return -1;
    memcpy(tmp, dir, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (tmp[i] == '/' || tmp[i] == '\0') {
            char c = tmp[i];
            tmp[i] = '\0';
            if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
                return -1;
            tmp[i] = c;
        }
    }
    return 0;
}

typedef struct {
    uint64_t key;
    const float *row;
} keyed_row;

static int cmp_keyed(const void *a, const void *b)
{
    uint64_t x = ((const keyed_row *)a)->key, y = ((const keyed_row *)b)->key;
    return x < y ? -1 : x > y;
}

static int write_all(FILE *f, kws_checksum *c, const void *p, size_t n)
{
    kws_checksum_update(c, p, n);
    return fwrite(p, 1, n, f) == n;
}

kws_status kws_cache_write(const char *path, uint64_t config_hash, int n_frames, int n_mfcc,
                           const uint64_t *keys, const float *const *rows, size_t n,
                           kws_error *err)
{
    char dir[KWS_ROOT_PATH_MAX + 64];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash && slash != dir) {
        *slash = '\0';
        if (make_dirs(dir) != 0)
            return kws_error_set(err, KWS_ERR_IO, "%s: cannot create folder (%s)", dir,
                                 strerror(errno));
    }
    keyed_row *kr = (keyed_row *)malloc((n ? n : 1) * sizeof *kr);
    if (!kr)
        return kws_error_set(err, KWS_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        kr[i].key = keys[i];
        kr[i].row = rows[i];
    }
    qsort(kr, n, sizeof *kr, cmp_keyed);
    size_t m = 0; /* drop repeated keys (identical items) */
    for (size_t i = 0; i < n; i++)
        if (m == 0 || kr[i].key != kr[m - 1].key)
            kr[m++] = kr[i];

    char tmp[KWS_ROOT_PATH_MAX + 128];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        free(kr);
        return kws_error_set(err, KWS_ERR_IO, "%s: cannot create (%s)", tmp, strerror(errno));
    }
    unsigned char hdr[CACHE_HEADER];
    memset(hdr, 0, sizeof hdr);
    memcpy(hdr, CACHE_MAGIC, 8);
    put_u32(hdr + 8, CACHE_VERSION);
    put_u32(hdr + 12, (uint32_t)n_frames);
    put_u32(hdr + 16, (uint32_t)n_mfcc);
    put_u64(hdr + 24, config_hash);
    put_u64(hdr + 32, (uint64_t)m);
    kws_checksum c;
    kws_checksum_init(&c);
    int ok = write_all(f, &c, hdr, sizeof hdr);
    for (size_t i = 0; ok && i < m; i++) {
        unsigned char kb[8];
        put_u64(kb, kr[i].key);
        ok = write_all(f, &c, kb, 8);
    }
    const size_t row_bytes = (size_t)n_frames * (size_t)n_mfcc * sizeof(float);
    for (size_t i = 0; ok && i < m; i++)
        ok = write_all(f, &c, kr[i].row, row_bytes);
    if (ok) {
        unsigned char cb[8];
        put_u64(cb, kws_checksum_final(&c));
        ok = fwrite(cb, 1, 8, f) == 8;
    }
    free(kr);
    if (fflush(f) != 0)
        ok = 0;
    if (ok && fsync(fileno(f)) != 0)
        ok = 0;
    int saved = errno;
    if (fclose(f) != 0)
        ok = 0;
    if (!ok) {
        unlink(tmp);
        return kws_error_set(err, KWS_ERR_IO, "%s: write failed (%s)", tmp, strerror(saved));
    }
    if (rename(tmp, path) != 0) {
        saved = errno;
        unlink(tmp);
        return kws_error_set(err, KWS_ERR_IO, "%s: cannot rename into place (%s)", path,
                             strerror(saved));
    }
    return KWS_OK;
}
