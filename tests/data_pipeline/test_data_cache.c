/* test_data_cache.c - the feature store and its cache file: round trip,
 * a changed clip recomputed alone, corrupted / truncated / foreign files
 * recomputed (never trusted, never a crash), an unwritable folder, thread
 * count independence, the default folder. */
#include "tests/data_pipeline/synth_data.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "kws/features.h"
#include "src/data/data_internal.h"
#include "tests/test.h"

static char root[512], cache[512];

static kws_status build(kws_feature_store *fs, const kws_dataset *ds, const char *dir,
                        int threads, kws_feature_report *rep)
{
    kws_feature_config c = kws_feature_config_default();
    kws_feature_store_options opt = {dir, threads};
    kws_error err;
    kws_error_clear(&err);
    kws_status st = kws_feature_store_build(fs, ds, &c, &opt, rep, &err);
    if (st != KWS_OK)
        fprintf(stderr, "build: %s\n", err.msg);
    return st;
}

static int same_store(const kws_feature_store *a, const kws_feature_store *b)
{
    return a->n_items == b->n_items &&
           memcmp(a->data, b->data, a->n_items * a->stride * sizeof(float)) == 0;
}

static size_t find(const kws_dataset *ds, const char *rel)
{
    for (size_t i = 0; i < ds->n_items; i++)
        if (strcmp(ds->items[i].rel, rel) == 0)
            return i;
    return ds->n_items;
}

static void corrupt_byte(const char *path, long at)
{
    FILE *f = fopen(path, "r+b");
    if (!f)
        return;
    fseek(f, at, SEEK_SET);
    int c = fgetc(f);
    fseek(f, at, SEEK_SET);
    fputc(c ^ 0x40, f);
    fclose(f);
}

static void load(kws_dataset *ds, const char *words)
{
    kws_dataset_config c = kws_dataset_config_default();
    kws_error err;
    kws_dataset_config_set_words(&c, words, &err);
    kws_dataset_config_add_root(&c, root, 0, &err);
    c.use_silence = 1;
    if (kws_dataset_load(ds, &c, &err) != KWS_OK)
        fprintf(stderr, "load: %s\n", err.msg);
}

int main(void)
{
    if (syn_make_dataset(root, sizeof root) != 0 || syn_tempdir(cache, sizeof cache) != 0)
        return 1;
    char dir[600];
    snprintf(dir, sizeof dir, "%s/sub/kws", cache); /* created on write */
    kws_dataset ds;
    load(&ds, "alpha,beta,gamma");
    const size_t N = ds.n_items;
    kws_feature_report rep;

    /* 1. no file yet: everything computed, file written */
    kws_feature_store a, b;
    CHECK_EQ_INT(build(&a, &ds, dir, 2, &rep), KWS_OK);
    CHECK_EQ_INT(rep.cache, KWS_CACHE_ABSENT);
    CHECK_EQ_INT(rep.computed, N);
    CHECK_EQ_INT(rep.from_cache, 0);
    CHECK_EQ_INT(rep.cache_written, 1);
    CHECK(rep.clips_per_s > 0.0);
    CHECK(strncmp(rep.cache_path, dir, strlen(dir)) == 0 && strstr(rep.cache_path, ".kwsf"));
    printf("synthetic set: %zu clips, %.0f clips/s on %d threads\n", N, rep.clips_per_s,
           rep.threads);
    char path[sizeof rep.cache_path];
    snprintf(path, sizeof path, "%s", rep.cache_path);
    struct stat sb;
    CHECK(stat(path, &sb) == 0);
    CHECK_EQ_INT(sb.st_size, 40 + 8 + N * (8 + 61 * 38 * 4));

    /* 2. round trip: all from the file, bit-identical, nothing rewritten */
    CHECK_EQ_INT(build(&b, &ds, dir, 2, &rep), KWS_OK);
    CHECK_EQ_INT(rep.cache, KWS_CACHE_LOADED);
    CHECK_EQ_INT(rep.from_cache, N);
    CHECK_EQ_INT(rep.computed, 0);
    CHECK_EQ_INT(rep.cache_written, 0);
    CHECK(same_store(&a, &b));
    kws_feature_store_free(&b);

    /* 3. one clip changes (content and mtime): that clip alone is recomputed */
    size_t k = find(&ds, "beta/spk07_nohash_0.wav");
    CHECK(k < N);
    {
        char p[1024];
        snprintf(p, sizeof p, "%s/beta/spk07_nohash_0.wav", root);
        int16_t pcm[16000];
        syn_word_clip(&syn_words[0], 3, pcm, 16000); /* now an alpha-like chirp */
        CHECK(syn_write(p, pcm, 16000) == 0);
        struct timespec ts[2] = {{1000000000, 0}, {1000000000, 0}}; /* mtime surely differs */
        CHECK(utimensat(AT_FDCWD, p, ts, 0) == 0);
    }
    kws_dataset_free(&ds);
    load(&ds, "alpha,beta,gamma");
    CHECK_EQ_INT(build(&b, &ds, dir, 2, &rep), KWS_OK);
    CHECK_EQ_INT(rep.cache, KWS_CACHE_LOADED);
    CHECK_EQ_INT(rep.computed, 1);
    CHECK_EQ_INT(rep.from_cache, N - 1);
    CHECK_EQ_INT(rep.cache_written, 1);
    {
        kws_featurizer fz;
        kws_error err;
        static float direct[61 * 38];
        kws_feature_config c = kws_feature_config_default();
        kws_featurizer_init(&fz, &c, &err);
        CHECK_EQ_INT(kws_features_item(&fz, &ds, k, NULL, NULL, direct, &err), KWS_OK);
        CHECK(memcmp(kws_feature_store_item(&b, k), direct, sizeof direct) == 0);
        CHECK(memcmp(kws_feature_store_item(&a, k), direct, sizeof direct) != 0);
        kws_featurizer_free(&fz);
        size_t other = (k + 1) % N;
        CHECK(memcmp(kws_feature_store_item(&a, other), kws_feature_store_item(&b, other),
                     b.stride * sizeof(float)) == 0);
    }
    kws_feature_store_free(&a);
    a = b; /* the current truth */

    /* 4. a flipped byte: checksum mismatch, everything recomputed, file repaired */
    corrupt_byte(path, 40 + 8 * (long)N + 1234);
    CHECK_EQ_INT(build(&b, &ds, dir, 2, &rep), KWS_OK);
    CHECK_EQ_INT(rep.cache, KWS_CACHE_INVALID);
    CHECK(strstr(rep.cache_note, "checksum") != NULL);
    CHECK_EQ_INT(rep.computed, N);
    CHECK_EQ_INT(rep.cache_written, 1);
    CHECK(same_store(&a, &b));
    kws_feature_store_free(&b);
    CHECK_EQ_INT(build(&b, &ds, dir, 1, &rep), KWS_OK);
    CHECK_EQ_INT(rep.cache, KWS_CACHE_LOADED);
    CHECK_EQ_INT(rep.from_cache, N);
    kws_feature_store_free(&b);

    /* 5. a corrupted header count, a truncated file, a foreign file, an empty one */
    corrupt_byte(path, 33);
    CHECK_EQ_INT(build(&b, &ds, dir, 2, &rep), KWS_OK);
    CHECK_EQ_INT(rep.cache, KWS_CACHE_INVALID);
    CHECK(same_store(&a, &b));
    kws_feature_store_free(&b);
    CHECK(truncate(path, (off_t)(sb.st_size / 2)) == 0);
    CHECK_EQ_INT(build(&b, &ds, dir, 2, &rep), KWS_OK);
    CHECK_EQ_INT(rep.cache, KWS_CACHE_INVALID);
    CHECK(same_store(&a, &b));
    kws_feature_store_free(&b);
    CHECK(syn_write_text(dir, strrchr(path, '/') + 1, "not a cache at all, but long enough to "
                                                      "hold a header and a checksum") == 0);
    CHECK_EQ_INT(build(&b, &ds, dir, 2, &rep), KWS_OK);
    CHECK_EQ_INT(rep.cache, KWS_CACHE_INVALID);
    CHECK(strstr(rep.cache_note, "not a kws feature cache") != NULL);
    kws_feature_store_free(&b);
    CHECK(truncate(path, 0) == 0);
    CHECK_EQ_INT(build(&b, &ds, dir, 2, &rep), KWS_OK);
    CHECK_EQ_INT(rep.cache, KWS_CACHE_INVALID);
    CHECK(same_store(&a, &b));
    kws_feature_store_free(&b);

    /* 6. a file made with another feature config is refused by the reader */
    {
        kws_cache_blob blob;
        kws_error err;
        kws_feature_config c = kws_feature_config_default();
        uint64_t h = kws_feature_config_hash(&c);
        CHECK_EQ_INT(kws_cache_read(path, h, 61, 38, &blob, &err), KWS_OK);
        CHECK_EQ_INT(blob.n, N);
        kws_cache_blob_free(&blob);
        CHECK_EQ_INT(kws_cache_read(path, h ^ 1, 61, 38, &blob, &err), KWS_ERR_FORMAT);
        CHECK_EQ_INT(kws_cache_read(path, h, 61, 20, &blob, &err), KWS_ERR_SHAPE);
        /* no tmp files left behind */
        char tmp[1200];
        snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
        CHECK(access(tmp, F_OK) != 0);
    }

    /* 7. fewer items (another word list): all reused, file rewritten to the new set */
    kws_dataset small;
    load(&small, "alpha,gamma");
    CHECK_EQ_INT(build(&b, &small, dir, 2, &rep), KWS_OK);
    CHECK_EQ_INT(rep.cache, KWS_CACHE_LOADED);
    CHECK_EQ_INT(rep.computed, 0);
    CHECK_EQ_INT(rep.from_cache, small.n_items);
    CHECK_EQ_INT(rep.cache_written, 1);
    kws_feature_store_free(&b);
    kws_dataset_free(&small);

    /* 8. threads do not change the numbers; an unwritable folder is only a note */
    CHECK_EQ_INT(build(&b, &ds, "/proc/kws-cannot-write", 3, &rep), KWS_OK);
    CHECK_EQ_INT(rep.cache_written, 0);
    CHECK(strstr(rep.cache_note, "cache not written") != NULL);
    CHECK_EQ_INT(rep.threads, 3);
    CHECK(same_store(&a, &b));
    kws_feature_store_free(&b);
    CHECK_EQ_INT(build(&b, &ds, NULL, 1, &rep), KWS_OK);
    CHECK_EQ_INT(rep.cache, KWS_CACHE_OFF);
    CHECK(same_store(&a, &b));
    kws_feature_store_free(&b);

    /* 9. checksum: streaming equals one shot, any split */
    {
        unsigned char buf[1000];
        for (int i = 0; i < 1000; i++)
            buf[i] = (unsigned char)(i * 37 + 11);
        uint64_t one = kws_checksum64(buf, sizeof buf);
        int ok = 1;
        for (size_t cut1 = 0; cut1 < 20; cut1++)
            for (size_t cut2 = cut1; cut2 < 40; cut2 += 3) {
                kws_checksum c;
                kws_checksum_init(&c);
                kws_checksum_update(&c, buf, cut1);
                kws_checksum_update(&c, buf + cut1, cut2 - cut1);
                kws_checksum_update(&c, buf + cut2, sizeof buf - cut2);
                ok &= kws_checksum_final(&c) == one;
            }
        CHECK(ok);
        CHECK(kws_checksum64(buf, 999) != one);
    }

    /* 10. the default folder */
    {
        char d[512];
        kws_error err;
        setenv("XDG_CACHE_HOME", "/x/cache", 1);
        CHECK_EQ_INT(kws_feature_cache_default_dir(d, sizeof d, &err), KWS_OK);
        CHECK(strcmp(d, "/x/cache/kws") == 0);
        unsetenv("XDG_CACHE_HOME");
        setenv("HOME", "/home/u", 1);
        CHECK_EQ_INT(kws_feature_cache_default_dir(d, sizeof d, &err), KWS_OK);
        CHECK(strcmp(d, "/home/u/.cache/kws") == 0);
        unsetenv("HOME");
        CHECK_EQ_INT(kws_feature_cache_default_dir(d, sizeof d, &err), KWS_ERR_ARG);
    }

    kws_feature_store_free(&a);
    kws_dataset_free(&ds);
    syn_remove_tree(root);
    syn_remove_tree(cache);
    return test_summary("test_data_cache");
}
