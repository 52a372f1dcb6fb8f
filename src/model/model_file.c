/* model_file.c - the .kwsm model file: serialize, atomic save, parse from
 * memory, load from a file (host, POSIX for fsync/rename).
 *
 * The layout is documented in kws/model.h. The parser trusts nothing: it
 * verifies the CRC before reading any section, checks every offset and size
 * against the buffer length with overflow-safe arithmetic, and copies what
 * it keeps, so the input buffer can be freed and the parser fuzzed.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include "kws/model.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kws/crc32.h"

#define HEADER_FIXED 32
#define SECTION_ENTRY 24
#define MFCC_BYTES 32
#define CRC_START 12

static const char magic[4] = {'K', 'W', 'S', 'M'};

/* ---- little-endian helpers -------------------------------------------------- */

static void wr_u32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static void wr_u64(uint8_t *p, uint64_t v)
{
    wr_u32(p, (uint32_t)v);
    wr_u32(p + 4, (uint32_t)(v >> 32));
}

static void wr_f32(uint8_t *p, float f)
{
    uint32_t v;
    memcpy(&v, &f, 4);
    wr_u32(p, v);
}

static uint32_t rd_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static uint64_t rd_u64(const uint8_t *p)
{
    return (uint64_t)rd_u32(p) | ((uint64_t)rd_u32(p + 4) << 32);
}

static float rd_f32(const uint8_t *p)
{
    uint32_t v = rd_u32(p);
    float f;
    memcpy(&f, &v, 4);
    return f;
}

static void wr_floats(uint8_t *p, const float *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        wr_f32(p + 4 * i, x[i]);
}

/* Reads n floats; returns the index of the first non-finite one, or n. */
static size_t rd_floats(float *x, const uint8_t *p, size_t n)
{
    size_t bad = n;
    for (size_t i = 0; i < n; i++) {
        x[i] = rd_f32(p + 4 * i);
        if (bad == n && !isfinite(x[i]))
            bad = i;
    }
    return bad;
}

static size_t align8(size_t n)
{
    return (n + 7) & ~(size_t)7;
}

/* ---- shared checks ------------------------------------------------------------ */

void kws_model_from_net(kws_model *m, const kws_net *net)
{
    memset(m, 0, sizeof *m);
    m->topo = net->topo;
    m->n_classes = net->topo.n_classes;
    m->params = net->params;
    m->bn_stats = net->bn_stats;
}

kws_status kws_model_check(const kws_model *m, const kws_model_expect *e, kws_error *err)
{
    if (!e)
        return KWS_OK;
    const kws_topology *t = &m->topo;
    if ((e->in_c && e->in_c != t->in_c) || (e->in_h && e->in_h != t->in_h) ||
        (e->in_w && e->in_w != t->in_w)) {
        char want[3][16];
        const int e3[3] = {e->in_c, e->in_h, e->in_w};
        for (int i = 0; i < 3; i++) { /* 0 reads as "any" */
            if (e3[i])
                snprintf(want[i], sizeof want[i], "%d", e3[i]);
            else
                snprintf(want[i], sizeof want[i], "any");
        }
        return kws_error_set(err, KWS_ERR_SHAPE,
                             "model input is %d x %d x %d (C x H x W), expected %s x %s x %s",
                             t->in_c, t->in_h, t->in_w, want[0], want[1], want[2]);
    }
    if (e->n_classes && e->n_classes != m->n_classes)
        return kws_error_set(err, KWS_ERR_SHAPE, "model has %d classes, expected %d",
                             m->n_classes, e->n_classes);
    return KWS_OK;
}

static int valid_class_name(const char *s, size_t n)
{
    if (n == 0 || n >= KWS_MODEL_CLASS_NAME_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch < 0x20 || ch == 0x7f)
            return 0;
    }
    return 1;
}

/* Plausible ranges only; the front end's own kws_mfcc_config_check is
 * stricter and is the caller's to run. */
static int plausible_mfcc(const kws_mfcc_config *c)
{
    return c->sample_rate >= 1000 && c->sample_rate <= 384000 && c->frame_len >= 16 &&
           c->frame_len <= KWS_MFCC_MAX_FRAME && c->hop_len >= 1 &&
           c->hop_len <= c->frame_len && c->n_mels >= 1 && c->n_mels <= 1024 &&
           c->n_mfcc >= 1 && c->n_mfcc <= c->n_mels && isfinite(c->f_min) &&
           isfinite(c->f_max) && c->f_min >= 0.0f && c->f_min < c->f_max &&
           c->f_max <= 0.5f * (float)c->sample_rate && isfinite(c->log_floor) &&
           c->log_floor > 0.0f;
}

/* ---- serialize ------------------------------------------------------------------ */

typedef struct {
    uint32_t id;
    size_t size;
    size_t offset;
} section;

kws_status kws_model_serialize(const kws_model *m, uint8_t **out, size_t *out_len,
                               kws_error *err)
{
    if (!m || !out || !out_len)
        return kws_error_set(err, KWS_ERR_ARG, "kws_model_serialize: NULL argument");
    *out = NULL;
    *out_len = 0;
    const kws_topology *t = &m->topo;
    size_t np = t->n_params, ns = t->n_stats;

    if (t->n_layers < 1 || m->n_classes != t->n_classes || m->n_classes < 1 ||
        m->n_classes > KWS_MODEL_MAX_CLASSES)
        return kws_error_set(err, KWS_ERR_ARG,
                             "model: %d classes, topology has %d outputs (at most %d classes)",
                             m->n_classes, t->n_classes, KWS_MODEL_MAX_CLASSES);
    size_t classes_len = 0;
    for (int i = 0; i < m->n_classes; i++) {
        size_t n = strnlen(m->class_names[i], KWS_MODEL_CLASS_NAME_MAX);
        if (!valid_class_name(m->class_names[i], n))
            return kws_error_set(err, KWS_ERR_ARG,
                                 "model: class %d needs a name of 1..%d printable bytes", i,
                                 KWS_MODEL_CLASS_NAME_MAX - 1);
        classes_len += n + 1;
    }
    if (!plausible_mfcc(&m->mfcc))
        return kws_error_set(err, KWS_ERR_ARG, "model: implausible MFCC configuration");
    if (t->in_c != 1 || t->in_h != m->mfcc.n_mfcc)
        return kws_error_set(err, KWS_ERR_SHAPE,
                             "model: input %d x %d x %d does not take %d MFCCs per column "
                             "(expected 1 x %d x W)",
                             t->in_c, t->in_h, t->in_w, m->mfcc.n_mfcc, m->mfcc.n_mfcc);
    if (m->n_norm != m->mfcc.n_mfcc && m->n_norm != t->in_h * t->in_w)
        return kws_error_set(err, KWS_ERR_ARG,
                             "model: %d normalization pairs, expected %d or %d", m->n_norm,
                             m->mfcc.n_mfcc, t->in_h * t->in_w);
    if (!m->norm_mean || !m->norm_std || (np && !m->params) || (ns && !m->bn_stats))
        return kws_error_set(err, KWS_ERR_ARG, "model: missing normalization or parameters");
    if (m->meta_len > KWS_MODEL_MAX_META || (m->meta_len && !m->meta))
        return kws_error_set(err, KWS_ERR_ARG, "model: metadata longer than %d bytes",
                             KWS_MODEL_MAX_META);
    if (m->has_optim && (m->optim.n_rng < 0 || m->optim.n_rng > KWS_MODEL_MAX_RNG ||
                         (np && (!m->optim.adam_m || !m->optim.adam_v))))
        return kws_error_set(err, KWS_ERR_ARG, "model: incomplete optimizer state");
    if (m->n_ranges < 0 || m->n_ranges > 1 + KWS_NET_MAX_OPS || (m->n_ranges && !m->ranges))
        return kws_error_set(err, KWS_ERR_ARG, "model: %d calibration ranges (0..%d)",
                             m->n_ranges, 1 + KWS_NET_MAX_OPS);

    size_t topo_len = kws_topology_format(t, NULL, 0);
    section sec[9];
    int n = 0;
    sec[n++] = (section){KWS_SECTION_TOPOLOGY, topo_len, 0};
    sec[n++] = (section){KWS_SECTION_CLASSES, classes_len, 0};
    sec[n++] = (section){KWS_SECTION_MFCC, MFCC_BYTES, 0};
    sec[n++] = (section){KWS_SECTION_NORM, 8 + 8 * (size_t)m->n_norm, 0};
    sec[n++] = (section){KWS_SECTION_PARAMS, 4 * np, 0};
    sec[n++] = (section){KWS_SECTION_BN_STATS, 4 * ns, 0};
    sec[n++] = (section){KWS_SECTION_META, m->meta_len, 0};
    if (m->has_optim)
        sec[n++] = (section){KWS_SECTION_OPTIM, 16 + 32 * (size_t)m->optim.n_rng + 8 * np, 0};
    if (m->n_ranges > 0)
        sec[n++] = (section){KWS_SECTION_CALIB, 8 + 4 * (size_t)m->n_ranges, 0};

    size_t header = HEADER_FIXED + SECTION_ENTRY * (size_t)n;
    size_t total = align8(header);
    for (int i = 0; i < n; i++) {
        sec[i].offset = total;
        total = align8(total + sec[i].size);
    }
    uint8_t *b = calloc(1, total);
    if (!b)
        return kws_error_set(err, KWS_ERR_NOMEM, "model: out of memory (%zu bytes)", total);

    memcpy(b, magic, 4);
    wr_u32(b + 4, KWS_MODEL_VERSION);
    wr_u32(b + 12, (uint32_t)header);
    wr_u64(b + 16, (uint64_t)total);
    wr_u32(b + 24, (uint32_t)n);
    wr_u32(b + 28, 0);
    for (int i = 0; i < n; i++) {
        uint8_t *e = b + HEADER_FIXED + SECTION_ENTRY * (size_t)i;
        wr_u32(e, sec[i].id);
        wr_u32(e + 4, 0);
        wr_u64(e + 8, (uint64_t)sec[i].offset);
        wr_u64(e + 16, (uint64_t)sec[i].size);
    }
    for (int i = 0; i < n; i++) {
        uint8_t *p = b + sec[i].offset;
        switch (sec[i].id) {
        case KWS_SECTION_TOPOLOGY: {
            /* format NUL-terminates: give it the padding byte after the text */
            char *tmp = malloc(topo_len + 1);
            if (!tmp) {
                free(b);
                return kws_error_set(err, KWS_ERR_NOMEM, "model: out of memory");
            }
            kws_topology_format(t, tmp, topo_len + 1);
            memcpy(p, tmp, topo_len);
            free(tmp);
            break;
        }
        case KWS_SECTION_CLASSES:
            for (int c = 0; c < m->n_classes; c++) {
                size_t len = strnlen(m->class_names[c], KWS_MODEL_CLASS_NAME_MAX);
                memcpy(p, m->class_names[c], len);
                p[len] = '\n';
                p += len + 1;
            }
            break;
        case KWS_SECTION_MFCC:
            wr_u32(p, (uint32_t)m->mfcc.sample_rate);
            wr_u32(p + 4, (uint32_t)m->mfcc.frame_len);
            wr_u32(p + 8, (uint32_t)m->mfcc.hop_len);
            wr_u32(p + 12, (uint32_t)m->mfcc.n_mels);
            wr_u32(p + 16, (uint32_t)m->mfcc.n_mfcc);
            wr_f32(p + 20, m->mfcc.f_min);
            wr_f32(p + 24, m->mfcc.f_max);
            wr_f32(p + 28, m->mfcc.log_floor);
            break;
        case KWS_SECTION_NORM:
            wr_u32(p, (uint32_t)m->n_norm);
            wr_floats(p + 8, m->norm_mean, (size_t)m->n_norm);
            wr_floats(p + 8 + 4 * (size_t)m->n_norm, m->norm_std, (size_t)m->n_norm);
            break;
        case KWS_SECTION_PARAMS:
            wr_floats(p, m->params, np);
            break;
        case KWS_SECTION_BN_STATS:
            wr_floats(p, m->bn_stats, ns);
            break;
        case KWS_SECTION_META:
            if (m->meta_len)
                memcpy(p, m->meta, m->meta_len);
            break;
        case KWS_SECTION_OPTIM:
            wr_u64(p, (uint64_t)m->optim.step);
            wr_u32(p + 8, (uint32_t)m->optim.epoch);
            wr_u32(p + 12, (uint32_t)m->optim.n_rng);
            p += 16;
            for (int r = 0; r < m->optim.n_rng; r++)
                for (int k = 0; k < 4; k++, p += 8)
                    wr_u64(p, m->optim.rng[r].s[k]);
            wr_floats(p, m->optim.adam_m, np);
            wr_floats(p + 4 * np, m->optim.adam_v, np);
            break;
        case KWS_SECTION_CALIB:
            wr_u32(p, (uint32_t)m->n_ranges);
            wr_floats(p + 8, m->ranges, (size_t)m->n_ranges);
            break;
        }
    }
    wr_u32(b + 8, kws_crc32(b + CRC_START, total - CRC_START));
    *out = b;
    *out_len = total;
    return KWS_OK;
}

/* ---- atomic save ----------------------------------------------------------------- */

static kws_status sync_dir(const char *path, kws_error *err)
{
    char dir[4096];
    const char *slash = strrchr(path, '/');
    if (!slash) {
        snprintf(dir, sizeof dir, ".");
    } else if (slash == path) {
        snprintf(dir, sizeof dir, "/");
    } else {
        size_t n = (size_t)(slash - path);
        if (n >= sizeof dir)
            return kws_error_set(err, KWS_ERR_IO, "%s: path too long", path);
        memcpy(dir, path, n);
        dir[n] = '\0';
    }
    int fd = open(dir, O_RDONLY);
    if (fd < 0)
        return kws_error_set(err, KWS_ERR_IO, "%s: cannot open directory to sync: %s", dir,
                             strerror(errno));
    int rc = fsync(fd);
    int e = errno;
    close(fd);
    if (rc != 0 && e != EINVAL && e != EBADF) /* some file systems cannot sync directories */
        return kws_error_set(err, KWS_ERR_IO, "%s: directory sync failed: %s", dir, strerror(e));
    return KWS_OK;
}

kws_status kws_model_save(const kws_model *m, const char *path, kws_error *err)
{
    if (!path)
        return kws_error_set(err, KWS_ERR_ARG, "kws_model_save: NULL path");
    uint8_t *bytes;
    size_t len;
    kws_status st = kws_model_serialize(m, &bytes, &len, err);
    if (st != KWS_OK) {
        if (err) { /* name the file in the serializer's message */
            char msg[sizeof err->msg];
            snprintf(msg, sizeof msg, "%s", err->msg);
            kws_error_set(err, st, "%s: %s", path, msg);
        }
        return st;
    }
    size_t plen = strlen(path);
    char *tmp = malloc(plen + 5);
    if (!tmp) {
        free(bytes);
        return kws_error_set(err, KWS_ERR_NOMEM, "%s: out of memory", path);
    }
    memcpy(tmp, path, plen);
    memcpy(tmp + plen, ".tmp", 5);

    st = KWS_OK;
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        st = kws_error_set(err, KWS_ERR_IO, "%s: cannot create: %s", tmp, strerror(errno));
    } else {
        int ok = fwrite(bytes, 1, len, f) == len;
        ok = ok && fflush(f) == 0;
        ok = ok && fsync(fileno(f)) == 0;
        int e = errno;
        if (fclose(f) != 0 && ok) {
            ok = 0;
            e = errno;
        }
        if (!ok)
            st = kws_error_set(err, KWS_ERR_IO, "%s: write failed: %s", tmp, strerror(e));
        else if (rename(tmp, path) != 0)
            st = kws_error_set(err, KWS_ERR_IO, "%s: cannot rename to %s: %s", tmp, path,
                               strerror(errno));
        if (st != KWS_OK)
            remove(tmp);
        else
            st = sync_dir(path, err);
    }
    free(tmp);
    free(bytes);
    return st;
}

/* ---- parse ------------------------------------------------------------------------ */

void kws_model_free(kws_model *m)
{
    if (!m)
        return;
    free(m->storage);
    memset(m, 0, sizeof *m);
}

/* Section table entry after bounds checks. */
typedef struct {
    const uint8_t *p;
    size_t size;
    int present;
} span;

static const char *section_name(uint32_t id)
{
    static const char *names[] = {"?",      "topology", "classes",  "mfcc",
                                  "norm",   "params",   "bn_stats", "meta",
                                  "optim",  "calib"};
    return id <= KWS_SECTION_CALIB ? names[id] : "unknown";
}

static kws_status parse(kws_model *m, const uint8_t *b, size_t len, const char *name,
                        kws_error *err)
{
    if (len < 4 || memcmp(b, magic, 4) != 0)
        return kws_error_set(err, KWS_ERR_FORMAT, "%s: not a kws model (no KWSM magic)", name);
    if (len < HEADER_FIXED)
        return kws_error_set(err, KWS_ERR_FORMAT, "%s: truncated header (%zu bytes of %d)", name,
                             len, HEADER_FIXED);
    uint32_t version = rd_u32(b + 4);
    if (version != KWS_MODEL_VERSION)
        return kws_error_set(err, KWS_ERR_VERSION,
                             "%s: model format version %u, this build reads version %d", name,
                             version, KWS_MODEL_VERSION);
    uint64_t file_size = rd_u64(b + 16);
    if (file_size != (uint64_t)len)
        return kws_error_set(err, KWS_ERR_FORMAT,
                             "%s: header says %llu bytes, the file has %zu (truncated?)", name,
                             (unsigned long long)file_size, len);
    uint32_t crc = kws_crc32(b + CRC_START, len - CRC_START);
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
    crc = rd_u32(b + 8); /* let a fuzzer past the checksum to the section parser */
#endif
    if (crc != rd_u32(b + 8))
        return kws_error_set(err, KWS_ERR_CHECKSUM,
                             "%s: checksum mismatch (stored %08x, computed %08x): file corrupted",
                             name, rd_u32(b + 8), crc);

    uint32_t header = rd_u32(b + 12), nsec = rd_u32(b + 24), flags = rd_u32(b + 28);
    if (nsec < 1 || nsec > KWS_MODEL_MAX_SECTIONS)
        return kws_error_set(err, KWS_ERR_FORMAT, "%s: %u sections (1..%d)", name, nsec,
                             KWS_MODEL_MAX_SECTIONS);
    if ((size_t)header != HEADER_FIXED + SECTION_ENTRY * (size_t)nsec || header > len)
        return kws_error_set(err, KWS_ERR_FORMAT, "%s: bad header size %u", name, header);
    if (flags != 0)
        return kws_error_set(err, KWS_ERR_FORMAT, "%s: unknown header flags %08x", name, flags);

    span sec[KWS_SECTION_CALIB + 1];
    memset(sec, 0, sizeof sec);
    uint64_t lo[KWS_MODEL_MAX_SECTIONS], hi[KWS_MODEL_MAX_SECTIONS];
    for (uint32_t i = 0; i < nsec; i++) {
        const uint8_t *e = b + HEADER_FIXED + SECTION_ENTRY * (size_t)i;
        uint32_t id = rd_u32(e);
        uint64_t off = rd_u64(e + 8), size = rd_u64(e + 16);
        if (rd_u32(e + 4) != 0)
            return kws_error_set(err, KWS_ERR_FORMAT, "%s: section %u: reserved field not 0",
                                 name, i);
        if (off < header || off > len || size > len - off)
            return kws_error_set(err, KWS_ERR_FORMAT,
                                 "%s: section %u (%s) at %llu+%llu lies outside the %zu-byte "
                                 "file or inside the header",
                                 name, i, section_name(id), (unsigned long long)off,
                                 (unsigned long long)size, len);
        lo[i] = off;
        hi[i] = off + size;
        for (uint32_t j = 0; j < i; j++)
            if (lo[i] < hi[j] && lo[j] < hi[i])
                return kws_error_set(err, KWS_ERR_FORMAT, "%s: sections %u and %u overlap",
                                     name, j, i);
        if (id == 0)
            return kws_error_set(err, KWS_ERR_FORMAT, "%s: section %u has id 0", name, i);
        if (id > KWS_SECTION_CALIB)
            continue; /* a later writer's optional section */
        if (sec[id].present)
            return kws_error_set(err, KWS_ERR_FORMAT, "%s: two %s sections", name,
                                 section_name(id));
        sec[id].present = 1;
        sec[id].p = b + off;
        sec[id].size = (size_t)size;
    }
    for (uint32_t id = KWS_SECTION_TOPOLOGY; id <= KWS_SECTION_BN_STATS; id++)
        if (!sec[id].present)
            return kws_error_set(err, KWS_ERR_FORMAT, "%s: no %s section", name,
                                 section_name(id));

    /* topology */
    char src[160];
    snprintf(src, sizeof src, "%s (topology section)", name);
    kws_status st = kws_topology_parse(&m->topo, (const char *)sec[KWS_SECTION_TOPOLOGY].p,
                                       sec[KWS_SECTION_TOPOLOGY].size, src, NULL, err);
    if (st != KWS_OK) { /* whatever the reason, the file is malformed */
        if (err)
            err->status = KWS_ERR_FORMAT;
        return KWS_ERR_FORMAT;
    }
    const kws_topology *t = &m->topo;
    size_t np = t->n_params, ns = t->n_stats;

    /* classes */
    {
        const span *s = &sec[KWS_SECTION_CLASSES];
        size_t at = 0;
        int n = 0;
        while (at < s->size) {
            size_t end = at;
            while (end < s->size && s->p[end] != '\n')
                end++;
            if (end == s->size)
                return kws_error_set(err, KWS_ERR_FORMAT, "%s: class %d: name not ended by a "
                                     "newline", name, n);
            if (n == KWS_MODEL_MAX_CLASSES)
                return kws_error_set(err, KWS_ERR_FORMAT, "%s: more than %d classes", name,
                                     KWS_MODEL_MAX_CLASSES);
            if (!valid_class_name((const char *)s->p + at, end - at))
                return kws_error_set(err, KWS_ERR_FORMAT,
                                     "%s: class %d: name must be 1..%d printable bytes", name, n,
                                     KWS_MODEL_CLASS_NAME_MAX - 1);
            memcpy(m->class_names[n], s->p + at, end - at);
            m->class_names[n][end - at] = '\0';
            n++;
            at = end + 1;
        }
        if (n != t->n_classes)
            return kws_error_set(err, KWS_ERR_FORMAT,
                                 "%s: %d class names for a network with %d outputs", name, n,
                                 t->n_classes);
        m->n_classes = n;
    }

    /* mfcc */
    {
        const span *s = &sec[KWS_SECTION_MFCC];
        if (s->size != MFCC_BYTES)
            return kws_error_set(err, KWS_ERR_FORMAT, "%s: mfcc section has %zu bytes, not %d",
                                 name, s->size, MFCC_BYTES);
        kws_mfcc_config *c = &m->mfcc;
        c->sample_rate = (int32_t)rd_u32(s->p);
        c->frame_len = (int32_t)rd_u32(s->p + 4);
        c->hop_len = (int32_t)rd_u32(s->p + 8);
        c->n_mels = (int32_t)rd_u32(s->p + 12);
        c->n_mfcc = (int32_t)rd_u32(s->p + 16);
        c->f_min = rd_f32(s->p + 20);
        c->f_max = rd_f32(s->p + 24);
        c->log_floor = rd_f32(s->p + 28);
        if (!plausible_mfcc(c))
            return kws_error_set(err, KWS_ERR_FORMAT, "%s: implausible MFCC configuration",
                                 name);
        if (t->in_c != 1 || t->in_h != c->n_mfcc)
            return kws_error_set(err, KWS_ERR_FORMAT,
                                 "%s: network input %d x %d x %d does not take %d MFCCs per "
                                 "column",
                                 name, t->in_c, t->in_h, t->in_w, c->n_mfcc);
    }

    /* sizes of the array sections */
    const span *norm = &sec[KWS_SECTION_NORM];
    if (norm->size < 8)
        return kws_error_set(err, KWS_ERR_FORMAT, "%s: norm section too short", name);
    uint32_t nn = rd_u32(norm->p);
    if ((nn != (uint32_t)m->mfcc.n_mfcc && nn != (uint32_t)(t->in_h * t->in_w)) ||
        rd_u32(norm->p + 4) != 0 || norm->size != 8 + 8 * (size_t)nn)
        return kws_error_set(err, KWS_ERR_FORMAT,
                             "%s: norm section: %u pairs in %zu bytes (expected %d or %d pairs)",
                             name, nn, norm->size, m->mfcc.n_mfcc, t->in_h * t->in_w);
    if (sec[KWS_SECTION_PARAMS].size != 4 * np)
        return kws_error_set(err, KWS_ERR_FORMAT,
                             "%s: params section has %zu bytes, the topology needs %zu", name,
                             sec[KWS_SECTION_PARAMS].size, 4 * np);
    if (sec[KWS_SECTION_BN_STATS].size != 4 * ns)
        return kws_error_set(err, KWS_ERR_FORMAT,
                             "%s: bn_stats section has %zu bytes, the topology needs %zu", name,
                             sec[KWS_SECTION_BN_STATS].size, 4 * ns);
    const span *meta = &sec[KWS_SECTION_META];
    if (meta->size > KWS_MODEL_MAX_META)
        return kws_error_set(err, KWS_ERR_FORMAT, "%s: metadata longer than %d bytes", name,
                             KWS_MODEL_MAX_META);
    const span *opt = &sec[KWS_SECTION_OPTIM];
    uint32_t n_rng = 0;
    if (opt->present) {
        if (opt->size < 16)
            return kws_error_set(err, KWS_ERR_FORMAT, "%s: optim section too short", name);
        n_rng = rd_u32(opt->p + 12);
        if (n_rng > KWS_MODEL_MAX_RNG || opt->size != 16 + 32 * (size_t)n_rng + 8 * np)
            return kws_error_set(err, KWS_ERR_FORMAT,
                                 "%s: optim section: %u rng states in %zu bytes", name, n_rng,
                                 opt->size);
    }

    const span *cal = &sec[KWS_SECTION_CALIB];
    uint32_t n_ranges = 0;
    if (cal->present) {
        if (cal->size < 8)
            return kws_error_set(err, KWS_ERR_FORMAT, "%s: calib section too short", name);
        n_ranges = rd_u32(cal->p);
        if (n_ranges < 1 || n_ranges > 1 + KWS_NET_MAX_OPS || rd_u32(cal->p + 4) != 0 ||
            cal->size != 8 + 4 * (size_t)n_ranges)
            return kws_error_set(err, KWS_ERR_FORMAT,
                                 "%s: calib section: %u ranges in %zu bytes", name, n_ranges,
                                 cal->size);
    }

    /* one block for every array kept */
    size_t floats = np + ns + 2 * (size_t)nn + (opt->present ? 2 * np : 0) + n_ranges;
    m->storage = malloc(floats * sizeof(float) + meta->size + 1);
    if (!m->storage)
        return kws_error_set(err, KWS_ERR_NOMEM, "%s: out of memory", name);
    float *f = m->storage;
    size_t bad;
    float *params = f, *stats = f + np, *mean = stats + ns, *std = mean + nn;
    float *am = std + nn, *av = am + np;
    float *ranges = opt->present ? av + np : am;
    char *text = (char *)(f + floats);

    if ((bad = rd_floats(params, sec[KWS_SECTION_PARAMS].p, np)) != np)
        return kws_error_set(err, KWS_ERR_FORMAT, "%s: parameter %zu is not finite", name, bad);
    if ((bad = rd_floats(stats, sec[KWS_SECTION_BN_STATS].p, ns)) != ns)
        return kws_error_set(err, KWS_ERR_FORMAT, "%s: bn statistic %zu is not finite", name,
                             bad);
    for (int i = 0; i < t->n_layers; i++) {
        const kws_layer_spec *l = &t->layers[i];
        for (size_t c = 0; c < l->n_bn; c++)
            if (stats[l->stat_off + l->n_bn + c] < 0.0f)
                return kws_error_set(err, KWS_ERR_FORMAT,
                                     "%s: %s: negative bn running variance", name, l->name);
    }
    if ((bad = rd_floats(mean, norm->p + 8, nn)) != nn ||
        (bad = rd_floats(std, norm->p + 8 + 4 * (size_t)nn, nn)) != nn)
        return kws_error_set(err, KWS_ERR_FORMAT, "%s: normalization value %zu is not finite",
                             name, bad);
    for (uint32_t i = 0; i < nn; i++)
        if (!(std[i] > 0.0f))
            return kws_error_set(err, KWS_ERR_FORMAT, "%s: normalization std %u is not > 0",
                                 name, i);
    if (n_ranges) {
        if ((bad = rd_floats(ranges, cal->p + 8, n_ranges)) != n_ranges)
            return kws_error_set(err, KWS_ERR_FORMAT, "%s: calibration range %zu is not finite",
                                 name, bad);
        for (uint32_t i = 0; i < n_ranges; i++)
            if (ranges[i] < 0.0f)
                return kws_error_set(err, KWS_ERR_FORMAT,
                                     "%s: calibration range %u is negative", name, i);
        m->n_ranges = (int)n_ranges;
        m->ranges = ranges;
    }
    if (meta->size)
        memcpy(text, meta->p, meta->size);
    text[meta->size] = '\0';

    m->n_norm = (int)nn;
    m->norm_mean = mean;
    m->norm_std = std;
    m->params = params;
    m->bn_stats = stats;
    m->meta = text;
    m->meta_len = meta->size;
    if (opt->present) {
        const uint8_t *p = opt->p;
        m->has_optim = 1;
        m->optim.step = (int64_t)rd_u64(p);
        m->optim.epoch = (int32_t)rd_u32(p + 8);
        m->optim.n_rng = (int)n_rng;
        p += 16;
        for (uint32_t r = 0; r < n_rng; r++)
            for (int k = 0; k < 4; k++, p += 8)
                m->optim.rng[r].s[k] = rd_u64(p);
        if ((bad = rd_floats(am, p, np)) != np || (bad = rd_floats(av, p + 4 * np, np)) != np)
            return kws_error_set(err, KWS_ERR_FORMAT, "%s: optimizer moment %zu is not finite",
                                 name, bad);
        m->optim.adam_m = am;
        m->optim.adam_v = av;
    }
    return KWS_OK;
}

kws_status kws_model_parse(kws_model *m, const void *buf, size_t len, const char *name,
                           const kws_model_expect *expect, kws_error *err)
{
    if (!m)
        return kws_error_set(err, KWS_ERR_ARG, "kws_model_parse: NULL model");
    memset(m, 0, sizeof *m);
    if (!name)
        name = "<memory>";
    if (!buf && len)
        return kws_error_set(err, KWS_ERR_ARG, "kws_model_parse: NULL buffer");
    kws_status st = parse(m, buf ? buf : (const void *)"", len, name, err);
    if (st == KWS_OK) {
        kws_error e2;
        st = kws_model_check(m, expect, &e2);
        if (st != KWS_OK)
            kws_error_set(err, st, "%s: %s", name, e2.msg);
    }
    if (st != KWS_OK)
        kws_model_free(m);
    return st;
}

kws_status kws_model_load(kws_model *m, const char *path, const kws_model_expect *expect,
                          kws_error *err)
{
    if (!m || !path)
        return kws_error_set(err, KWS_ERR_ARG, "kws_model_load: NULL argument");
    memset(m, 0, sizeof *m);
    /* Only regular files: stat before fopen, as opening a FIFO blocks until a
     * writer comes, and a directory opens but has no length to read (ftell
     * reported LONG_MAX for one, which went to malloc). */
    struct stat sb;
    if (stat(path, &sb) != 0)
        return kws_error_set(err, KWS_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    if (!S_ISREG(sb.st_mode))
        return kws_error_set(err, KWS_ERR_IO, "%s: %s, not a model file", path,
                             S_ISDIR(sb.st_mode) ? "is a directory" : "not a regular file");
    FILE *f = fopen(path, "rb");
    if (!f)
        return kws_error_set(err, KWS_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    kws_status st = KWS_OK;
    uint8_t *buf = NULL;
    size_t size = 0;
    /* the length of what was opened (the path may have been replaced) */
    if (fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode)) {
        st = kws_error_set(err, KWS_ERR_IO, "%s: cannot determine the size", path);
    } else {
        size = (size_t)sb.st_size;
        buf = malloc(size ? size : 1);
        if (!buf)
            st = kws_error_set(err, KWS_ERR_NOMEM, "%s: out of memory (%zu bytes)", path, size);
        else if (fread(buf, 1, size, f) != size)
            st = kws_error_set(err, KWS_ERR_IO, "%s: read error", path);
    }
    fclose(f);
    if (st == KWS_OK)
        st = kws_model_parse(m, buf, size, path, expect, err);
    free(buf);
    return st;
}
