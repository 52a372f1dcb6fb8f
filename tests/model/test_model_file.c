/* test_model_file.c - the .kwsm file: save/load round trips bit for bit
 * (with and without optimizer state, small and paper size), every
 * single-byte corruption and every truncation is refused, a version
 * mismatch is refused, crafted headers with a valid CRC are bounds-checked,
 * expectations are enforced with a message naming the mismatch, the save is
 * atomic (no .tmp left), random valid-CRC mutations never crash, and a
 * directory or FIFO given as the model path is refused by name. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "kws/crc32.h"
#include "kws/model.h"
#include "tests/model/model_fixtures.h"
#include "tests/test.h"

static void put_u32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static void put_u64(uint8_t *p, uint64_t v)
{
    put_u32(p, (uint32_t)v);
    put_u32(p + 4, (uint32_t)(v >> 32));
}

static uint64_t get_u64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static void fix_crc(uint8_t *b, size_t len)
{
    put_u32(b + 8, kws_crc32(b + 12, len - 12));
}

/* Offset of the table entry of section `id` (first match), or 0. */
static size_t entry_of(const uint8_t *b, uint32_t id)
{
    uint32_t n = (uint32_t)b[24] | ((uint32_t)b[25] << 8);
    for (uint32_t i = 0; i < n; i++) {
        size_t e = 32 + 24 * (size_t)i;
        if (b[e] == id)
            return e;
    }
    return 0;
}

typedef struct {
    kws_net net;
    kws_model model;
    float norm[2 * 64];
    float *m, *v;
} fixture;

static int make_fixture(fixture *f, const char *topology_text, int with_optim)
{
    kws_topology t;
    kws_error e;
    memset(f, 0, sizeof *f);
    if (fx_parse(&t, topology_text) != KWS_OK || kws_net_create(&f->net, &t, 1, &e) != KWS_OK)
        return 0;
    kws_net_init(&f->net, 11);
    kws_rng r;
    kws_rng_seed(&r, 12);
    fx_fill_uniform(f->net.bn_stats, f->net.n_stats, &r, 0.1f, 2.0f);
    fx_model(&f->model, &f->net, f->norm);
    if (with_optim) {
        f->m = malloc(sizeof(float) * f->net.n_params);
        f->v = malloc(sizeof(float) * f->net.n_params);
        fx_fill_uniform(f->m, f->net.n_params, &r, -1.0f, 1.0f);
        fx_fill_uniform(f->v, f->net.n_params, &r, 0.0f, 1.0f);
        f->model.has_optim = 1;
        f->model.optim = (kws_model_optim){123456789012LL, 7, 2, {{{0}}}, f->m, f->v};
        kws_rng_seed(&f->model.optim.rng[0], 1);
        kws_rng_seed(&f->model.optim.rng[1], 2);
    }
    return 1;
}

static void free_fixture(fixture *f)
{
    kws_net_free(&f->net);
    free(f->m);
    free(f->v);
}

static int same_floats(const float *a, const float *b, size_t n)
{
    return n == 0 || memcmp(a, b, n * sizeof(float)) == 0;
}

/* Loaded model == original, field by field. */
static void check_same(const kws_model *a, const kws_model *b)
{
    size_t np = a->topo.n_params;
    CHECK_EQ_INT(b->topo.n_params, np);
    CHECK_EQ_INT(b->topo.n_stats, a->topo.n_stats);
    CHECK_EQ_INT(b->n_classes, a->n_classes);
    for (int c = 0; c < a->n_classes; c++)
        CHECK(strcmp(a->class_names[c], b->class_names[c]) == 0);
    CHECK(memcmp(&a->mfcc, &b->mfcc, sizeof a->mfcc) == 0);
    CHECK_EQ_INT(b->n_norm, a->n_norm);
    CHECK(same_floats(a->norm_mean, b->norm_mean, (size_t)a->n_norm));
    CHECK(same_floats(a->norm_std, b->norm_std, (size_t)a->n_norm));
    CHECK(same_floats(a->params, b->params, np));
    CHECK(same_floats(a->bn_stats, b->bn_stats, a->topo.n_stats));
    CHECK_EQ_INT(b->meta_len, a->meta_len);
    CHECK(memcmp(a->meta, b->meta, a->meta_len) == 0 && b->meta[b->meta_len] == '\0');
    CHECK_EQ_INT(b->has_optim, a->has_optim);
    if (a->has_optim && b->has_optim) {
        CHECK_EQ_INT(b->optim.step, a->optim.step);
        CHECK_EQ_INT(b->optim.epoch, a->optim.epoch);
        CHECK_EQ_INT(b->optim.n_rng, a->optim.n_rng);
        CHECK(memcmp(a->optim.rng, b->optim.rng, sizeof(kws_rng) * (size_t)a->optim.n_rng) == 0);
        CHECK(same_floats(a->optim.adam_m, b->optim.adam_m, np));
        CHECK(same_floats(a->optim.adam_v, b->optim.adam_v, np));
    }
    for (int i = 0; i < a->topo.n_layers; i++) {
        CHECK(strcmp(a->topo.layers[i].name, b->topo.layers[i].name) == 0);
        CHECK(a->topo.layers[i].wq == b->topo.layers[i].wq);
        CHECK(a->topo.layers[i].aq == b->topo.layers[i].aq);
    }
}

static void test_round_trip(int with_optim)
{
    fixture f;
    if (!CHECK(make_fixture(&f, FX_TINY_TOPOLOGY, with_optim)))
        return;
    uint8_t *bytes, *again;
    size_t len, len2;
    kws_error e;
    if (!CHECK(kws_model_serialize(&f.model, &bytes, &len, &e) == KWS_OK)) {
        fprintf(stderr, "     %s\n", e.msg);
        free_fixture(&f);
        return;
    }
    CHECK(memcmp(bytes, "KWSM", 4) == 0);
    CHECK_EQ_INT(get_u64(bytes + 16), len);
    kws_model m;
    if (CHECK(kws_model_parse(&m, bytes, len, NULL, NULL, &e) == KWS_OK)) {
        check_same(&f.model, &m);
        /* re-serializing the loaded model gives the same bytes */
        if (CHECK(kws_model_serialize(&m, &again, &len2, &e) == KWS_OK)) {
            CHECK(len2 == len && memcmp(bytes, again, len) == 0);
            free(again);
        }
        /* and a net built from it computes the same logits */
        kws_net n2;
        if (CHECK(kws_net_create(&n2, &m.topo, 1, &e) == KWS_OK)) {
            kws_net_set_params(&n2, m.params, m.bn_stats);
            float x[20];
            for (int i = 0; i < 20; i++)
                x[i] = 0.1f * (float)i - 1.0f;
            kws_net_forward(&f.net, x, 1, KWS_MODE_INFER);
            kws_net_forward(&n2, x, 1, KWS_MODE_INFER);
            CHECK(memcmp(f.net.logits, n2.logits, 3 * sizeof(float)) == 0);
            kws_net_free(&n2);
        }
        kws_model_free(&m);
        CHECK(m.storage == NULL);
    } else {
        fprintf(stderr, "     %s\n", e.msg);
    }

    /* through a file, atomically */
    char dir[] = "/tmp/kws_model_test_XXXXXX";
    if (CHECK(mkdtemp(dir) != NULL)) {
        char path[256], tmp[300];
        snprintf(path, sizeof path, "%s/m.kwsm", dir);
        snprintf(tmp, sizeof tmp, "%s.tmp", path);
        CHECK(kws_model_save(&f.model, path, &e) == KWS_OK);
        CHECK(access(tmp, F_OK) != 0);
        /* saving over an existing file replaces it */
        CHECK(kws_model_save(&f.model, path, &e) == KWS_OK);
        if (CHECK(kws_model_load(&m, path, NULL, &e) == KWS_OK)) {
            check_same(&f.model, &m);
            kws_model_free(&m);
        }
        FILE *fp = fopen(path, "rb");
        if (CHECK(fp != NULL)) {
            uint8_t *disk = malloc(len + 1);
            CHECK_EQ_INT(fread(disk, 1, len + 1, fp), len);
            CHECK(memcmp(disk, bytes, len) == 0);
            free(disk);
            fclose(fp);
        }
        remove(path);
        CHECK(kws_model_load(&m, path, NULL, &e) == KWS_ERR_IO);
        CHECK(strstr(e.msg, "m.kwsm") != NULL);
        char nodir[300];
        snprintf(nodir, sizeof nodir, "%s/no/such/dir/m.kwsm", dir);
        CHECK(kws_model_save(&f.model, nodir, &e) == KWS_ERR_IO);
        CHECK(strstr(e.msg, "no/such/dir") != NULL);
        rmdir(dir);
    }
    free(bytes);
    free_fixture(&f);
}

/* ---- corruption, truncation, version ------------------------------------------ */

static void test_corruption(void)
{
    fixture f;
    if (!CHECK(make_fixture(&f, FX_TINY_TOPOLOGY, 1)))
        return;
    uint8_t *bytes;
    size_t len;
    kws_error e;
    if (!CHECK(kws_model_serialize(&f.model, &bytes, &len, &e) == KWS_OK)) {
        free_fixture(&f);
        return;
    }
    printf("small model file: %zu bytes\n", len);
    uint8_t *copy = malloc(len + 8);
    static const uint8_t flips[] = {0x01, 0x80, 0xff, 0x10};
    int accepted = 0, by_status[16] = {0};
    for (size_t i = 0; i < len; i++) {
        for (size_t k = 0; k < sizeof flips; k++) {
            memcpy(copy, bytes, len);
            copy[i] ^= flips[k];
            kws_model m;
            kws_status st = kws_model_parse(&m, copy, len, NULL, NULL, &e);
            if (st == KWS_OK) {
                accepted++;
                kws_model_free(&m);
                fprintf(stderr, "     byte %zu ^ 0x%02x accepted\n", i, flips[k]);
            } else {
                by_status[st & 15]++;
                CHECK(m.storage == NULL && m.params == NULL);
            }
        }
    }
    CHECK_EQ_INT(accepted, 0);
    printf("corruptions refused: %d checksum, %d version, %d format\n",
           by_status[KWS_ERR_CHECKSUM], by_status[KWS_ERR_VERSION], by_status[KWS_ERR_FORMAT]);

    accepted = 0;
    for (size_t n = 0; n < len; n++) {
        uint8_t *cut = malloc(n ? n : 1); /* exact size: ASan sees over-reads */
        memcpy(cut, bytes, n);
        kws_model m;
        if (kws_model_parse(&m, cut, n, NULL, NULL, &e) == KWS_OK) {
            accepted++;
            kws_model_free(&m);
        }
        free(cut);
    }
    CHECK_EQ_INT(accepted, 0);
    memcpy(copy, bytes, len);
    copy[len] = 0; /* one byte too many */
    kws_model m;
    CHECK(kws_model_parse(&m, copy, len + 1, NULL, NULL, &e) == KWS_ERR_FORMAT);
    CHECK(strstr(e.msg, "truncated") != NULL);
    CHECK(kws_model_parse(&m, NULL, 0, NULL, NULL, &e) == KWS_ERR_FORMAT);

    /* version 2, CRC valid */
    memcpy(copy, bytes, len);
    put_u32(copy + 4, 2);
    fix_crc(copy, len);
    CHECK(kws_model_parse(&m, copy, len, "v2.kwsm", NULL, &e) == KWS_ERR_VERSION);
    CHECK(strstr(e.msg, "v2.kwsm") != NULL && strstr(e.msg, "version 2") != NULL);

    /* a wrong stored CRC alone */
    memcpy(copy, bytes, len);
    copy[8] ^= 1;
    CHECK(kws_model_parse(&m, copy, len, NULL, NULL, &e) == KWS_ERR_CHECKSUM);
    free(copy);
    free(bytes);
    free_fixture(&f);
}

/* ---- crafted headers with a valid CRC ------------------------------------------- */

typedef void (*craft_fn)(uint8_t *b, size_t len);

static void c_offset_past_end(uint8_t *b, size_t len)
{
    put_u64(b + entry_of(b, KWS_SECTION_PARAMS) + 8, len);
}
static void c_size_huge(uint8_t *b, size_t len)
{
    (void)len;
    put_u64(b + entry_of(b, KWS_SECTION_PARAMS) + 16, UINT64_MAX - 3);
}
static void c_offset_huge(uint8_t *b, size_t len)
{
    (void)len;
    put_u64(b + entry_of(b, KWS_SECTION_META) + 8, UINT64_MAX - 3);
}
static void c_in_header(uint8_t *b, size_t len)
{
    (void)len;
    put_u64(b + entry_of(b, KWS_SECTION_META) + 8, 16);
}
static void c_overlap(uint8_t *b, size_t len)
{
    (void)len;
    size_t p = entry_of(b, KWS_SECTION_PARAMS), s = entry_of(b, KWS_SECTION_BN_STATS);
    put_u64(b + s + 8, get_u64(b + p + 8));
}
static void c_duplicate(uint8_t *b, size_t len)
{
    (void)len;
    b[entry_of(b, KWS_SECTION_META)] = KWS_SECTION_PARAMS;
}
static void c_missing(uint8_t *b, size_t len)
{
    (void)len;
    b[entry_of(b, KWS_SECTION_MFCC)] = 200; /* unknown id: skipped, so mfcc is missing */
}
static void c_nsections(uint8_t *b, size_t len)
{
    (void)len;
    put_u32(b + 24, 1000);
}
static void c_header_size(uint8_t *b, size_t len)
{
    (void)len;
    put_u32(b + 12, 31);
}
static void c_params_short(uint8_t *b, size_t len)
{
    (void)len;
    size_t p = entry_of(b, KWS_SECTION_PARAMS);
    put_u64(b + p + 16, get_u64(b + p + 16) - 4);
}
static void c_param_nan(uint8_t *b, size_t len)
{
    (void)len;
    put_u32(b + get_u64(b + entry_of(b, KWS_SECTION_PARAMS) + 8) + 8, 0x7fc00000u);
}
static void c_std_zero(uint8_t *b, size_t len)
{
    (void)len;
    size_t off = get_u64(b + entry_of(b, KWS_SECTION_NORM) + 8);
    uint32_t n = b[off];
    put_u32(b + off + 8 + 4 * n, 0);
}
static void c_topology_text(uint8_t *b, size_t len)
{
    (void)len;
    b[get_u64(b + entry_of(b, KWS_SECTION_TOPOLOGY) + 8)] = 'X';
}
static void c_class_newline(uint8_t *b, size_t len)
{
    (void)len;
    size_t e = entry_of(b, KWS_SECTION_CLASSES);
    b[get_u64(b + e + 8) + get_u64(b + e + 16) - 1] = 'x';
}
static void c_flags(uint8_t *b, size_t len)
{
    (void)len;
    b[28] = 1;
}

static void test_crafted(void)
{
    static const struct {
        const char *name;
        craft_fn fn;
        const char *msg;
    } cases[] = {
        {"offset past end", c_offset_past_end, "outside"},
        {"size huge", c_size_huge, "outside"},
        {"offset huge", c_offset_huge, "outside"},
        {"section in header", c_in_header, "inside the header"},
        {"overlap", c_overlap, "overlap"},
        {"duplicate", c_duplicate, "two params"},
        {"missing", c_missing, "no mfcc"},
        {"n_sections", c_nsections, "sections"},
        {"header size", c_header_size, "header size"},
        {"params short", c_params_short, "topology needs"},
        {"param NaN", c_param_nan, "not finite"},
        {"std zero", c_std_zero, "std"},
        {"topology text", c_topology_text, "topology section"},
        {"class newline", c_class_newline, "newline"},
        {"flags", c_flags, "flags"},
    };
    fixture f;
    if (!CHECK(make_fixture(&f, FX_TINY_TOPOLOGY, 0)))
        return;
    uint8_t *bytes;
    size_t len;
    kws_error e;
    if (!CHECK(kws_model_serialize(&f.model, &bytes, &len, &e) == KWS_OK)) {
        free_fixture(&f);
        return;
    }
    uint8_t *copy = malloc(len);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        memcpy(copy, bytes, len);
        cases[i].fn(copy, len);
        fix_crc(copy, len);
        kws_model m;
        kws_error_clear(&e);
        kws_status st = kws_model_parse(&m, copy, len, NULL, NULL, &e);
        if (!CHECK(st == KWS_ERR_FORMAT && strstr(e.msg, cases[i].msg) != NULL))
            fprintf(stderr, "     %s: status %d \"%s\"\n", cases[i].name, (int)st, e.msg);
        if (st == KWS_OK)
            kws_model_free(&m);
    }

    /* random mutations past the CRC field, CRC fixed: any status, no crash */
    kws_rng r;
    kws_rng_seed(&r, 99);
    int ok = 0;
    for (int it = 0; it < 4000; it++) {
        memcpy(copy, bytes, len);
        int edits = 1 + kws_rng_below(&r, 4);
        for (int k = 0; k < edits; k++) {
            /* header and table bytes most of the time, anywhere otherwise */
            size_t span = kws_rng_below(&r, 2) ? 32 + 24 * 8 : len;
            size_t at = 12 + (size_t)kws_rng_below(&r, (int)(span - 12));
            copy[at] = (uint8_t)kws_rng_u64(&r);
        }
        fix_crc(copy, len);
        kws_model m;
        if (kws_model_parse(&m, copy, len, NULL, NULL, &e) == KWS_OK) {
            ok++;
            kws_model_free(&m);
        }
    }
    printf("valid-CRC mutations: %d of 4000 still load\n", ok);
    free(copy);
    free(bytes);
    free_fixture(&f);
}

/* ---- expectations, save-side checks, per-cell norm, paper size -------------------- */

static void test_expect(void)
{
    fixture f;
    if (!CHECK(make_fixture(&f, FX_TINY_TOPOLOGY, 0)))
        return;
    uint8_t *bytes;
    size_t len;
    kws_error e;
    if (!CHECK(kws_model_serialize(&f.model, &bytes, &len, &e) == KWS_OK)) {
        free_fixture(&f);
        return;
    }
    kws_model m;
    kws_model_expect ok = {1, 4, 5, 3}, any = {0, 0, 0, 0};
    kws_model_expect bad_h = {0, 38, 0, 0}, bad_n = {1, 4, 5, 10};
    CHECK(kws_model_parse(&m, bytes, len, NULL, &ok, &e) == KWS_OK);
    kws_model_free(&m);
    CHECK(kws_model_parse(&m, bytes, len, NULL, &any, &e) == KWS_OK);
    kws_model_free(&m);
    CHECK(kws_model_parse(&m, bytes, len, "x.kwsm", &bad_h, &e) == KWS_ERR_SHAPE);
    if (!CHECK(strstr(e.msg, "x.kwsm") && strstr(e.msg, "model input is 1 x 4 x 5") &&
               strstr(e.msg, "expected any x 38 x any")))
        fprintf(stderr, "     %s\n", e.msg);
    CHECK(m.storage == NULL);
    CHECK(kws_model_parse(&m, bytes, len, NULL, &bad_n, &e) == KWS_ERR_SHAPE);
    CHECK(strstr(e.msg, "model has 3 classes, expected 10") != NULL);
    free(bytes);

    /* save-side refusals */
    kws_model bad = f.model;
    bad.class_names[1][0] = '\0';
    CHECK(kws_model_serialize(&bad, &bytes, &len, &e) == KWS_ERR_ARG);
    bad = f.model;
    snprintf(bad.class_names[1], sizeof bad.class_names[1], "a\nb");
    CHECK(kws_model_serialize(&bad, &bytes, &len, &e) == KWS_ERR_ARG);
    bad = f.model;
    bad.mfcc.n_mfcc = 5;
    CHECK(kws_model_serialize(&bad, &bytes, &len, &e) == KWS_ERR_SHAPE);
    bad = f.model;
    bad.n_norm = 7;
    CHECK(kws_model_serialize(&bad, &bytes, &len, &e) == KWS_ERR_ARG);
    bad = f.model;
    bad.n_classes = 4;
    CHECK(kws_model_serialize(&bad, &bytes, &len, &e) == KWS_ERR_ARG);
    CHECK(kws_model_save(&bad, "/tmp/never.kwsm", &e) == KWS_ERR_ARG);
    CHECK(strstr(e.msg, "/tmp/never.kwsm") != NULL);
    CHECK(access("/tmp/never.kwsm.tmp", F_OK) != 0);

    /* per-cell normalization (in_h * in_w pairs) */
    float cell[2 * 20];
    for (int i = 0; i < 20; i++) {
        cell[i] = (float)i;
        cell[20 + i] = 1.0f + (float)i;
    }
    kws_model pc = f.model;
    pc.n_norm = 20;
    pc.norm_mean = cell;
    pc.norm_std = cell + 20;
    if (CHECK(kws_model_serialize(&pc, &bytes, &len, &e) == KWS_OK)) {
        if (CHECK(kws_model_parse(&m, bytes, len, NULL, NULL, &e) == KWS_OK)) {
            CHECK_EQ_INT(m.n_norm, 20);
            CHECK(same_floats(m.norm_std, cell + 20, 20));
            kws_model_free(&m);
        }
        free(bytes);
    }
    free_fixture(&f);
}

static void test_paper_size(void)
{
    char path[1024];
    kws_topology t;
    kws_error e;
    if (!CHECK(kws_topology_load(&t, fx_source_path("models/paper.kwsnet", path, sizeof path),
                                 NULL, &e) == KWS_OK))
        return;
    fixture f;
    memset(&f, 0, sizeof f);
    if (!CHECK(kws_net_create(&f.net, &t, 1, &e) == KWS_OK))
        return;
    kws_net_init(&f.net, 5);
    fx_model(&f.model, &f.net, f.norm);
    CHECK(strcmp(f.model.class_names[9], "word9") == 0);
    uint8_t *bytes;
    size_t len;
    if (CHECK(kws_model_serialize(&f.model, &bytes, &len, &e) == KWS_OK)) {
        printf("paper model file: %zu bytes\n", len);
        CHECK(len > 4 * (556346 + 448) && len < 4 * (556346 + 448) + 4096);
        kws_model m;
        kws_model_expect want = {1, 38, 55, 10};
        if (CHECK(kws_model_parse(&m, bytes, len, NULL, &want, &e) == KWS_OK)) {
            check_same(&f.model, &m);
            kws_model_free(&m);
        }
        free(bytes);
    }
    free_fixture(&f);
}

/* ---- paths that are not model files --------------------------------------------- */

/* A directory or a FIFO is refused by name, before anything is read: a
 * directory used to report "out of memory (9223372036854775807 bytes)"
 * (ftell's size of a directory went to malloc, which aborts under ASan),
 * and opening a FIFO blocked until a writer came. */
static void test_not_a_file(void)
{
    char dir[] = "/tmp/kws_model_test_XXXXXX";
    if (!CHECK(mkdtemp(dir) != NULL))
        return;
    kws_model m;
    kws_error e;
    CHECK(kws_model_load(&m, dir, NULL, &e) == KWS_ERR_IO);
    CHECK(strstr(e.msg, dir) != NULL && strstr(e.msg, "is a directory") != NULL);
    CHECK(m.storage == NULL);

    char fifo[300];
    snprintf(fifo, sizeof fifo, "%s/pipe.kwsm", dir);
    if (CHECK(mkfifo(fifo, 0600) == 0)) {
        CHECK(kws_model_load(&m, fifo, NULL, &e) == KWS_ERR_IO); /* returns, no writer needed */
        CHECK(strstr(e.msg, "pipe.kwsm: not a regular file") != NULL);
        remove(fifo);
    }
    char empty[300];
    snprintf(empty, sizeof empty, "%s/empty.kwsm", dir);
    FILE *f = fopen(empty, "wb");
    if (CHECK(f != NULL)) {
        fclose(f);
        CHECK(kws_model_load(&m, empty, NULL, &e) == KWS_ERR_FORMAT);
        CHECK(strstr(e.msg, "no KWSM magic") != NULL);
        remove(empty);
    }
    rmdir(dir);
}

int main(void)
{
    test_round_trip(0);
    test_round_trip(1);
    test_corruption();
    test_crafted();
    test_expect();
    test_paper_size();
    test_not_a_file();
    return test_summary("test_model_file");
}
