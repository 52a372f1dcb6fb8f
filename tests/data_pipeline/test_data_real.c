/* test_data_real.c - the real Speech Commands subset, when it is there
 * (KWS_SOURCE_DIR/../shared/data/speech_commands): scans it, checks the
 * counts its README states, and measures feature extraction speed (plain
 * MFCC for the store, and augmented as in training). Exits 77 (skipped)
 * when the folder is absent. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "kws/features.h"
#include "tests/test.h"

#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZED 1
#endif
#endif
#ifndef SANITIZED
#define SANITIZED 0
#endif

static size_t count_files(const char *dir, const char *word)
{
    char p[1200];
    snprintf(p, sizeof p, "%s/%s", dir, word);
    DIR *d = opendir(p);
    size_t n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL)
        n += strstr(e->d_name, ".wav") != NULL;
    if (d)
        closedir(d);
    return n;
}

static size_t count_lines(const char *dir, const char *list, const char *word)
{
    char p[1200], line[512], prefix[80];
    snprintf(p, sizeof p, "%s/%s", dir, list);
    snprintf(prefix, sizeof prefix, "%s/", word);
    FILE *f = fopen(p, "r");
    size_t n = 0;
    while (f && fgets(line, sizeof line, f))
        n += strncmp(line, prefix, strlen(prefix)) == 0;
    if (f)
        fclose(f);
    return n;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(void)
{
    const char *src = getenv("KWS_SOURCE_DIR");
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/../shared/data/speech_commands", src ? src : ".");
    struct stat sb;
    if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
        printf("SKIPPED: ../shared/data/speech_commands not found (looked in %s)\n", dir);
        return 77;
    }

    kws_dataset_config c = kws_dataset_config_default(); /* yes,no,up,down,left,right,on,off,stop,go */
    kws_error err;
    CHECK_EQ_INT(kws_dataset_config_add_root(&c, dir, 0, &err), KWS_OK);
    c.use_unknown = 1;
    c.use_silence = 1;
    kws_dataset ds;
    double t0 = now_s();
    if (kws_dataset_load(&ds, &c, &err) != KWS_OK) {
        fprintf(stderr, "FAIL: %s\n", err.msg);
        return 1;
    }
    printf("scan: %zu word clips, %zu items in %.3f s\n", ds.scanned_files, ds.n_items,
           now_s() - t0);
    printf("%-10s %6s %6s %6s\n", "class", "train", "val", "test");
    for (int k = 0; k < ds.n_classes; k++)
        printf("%-10s %6zu %6zu %6zu\n", ds.class_names[k], ds.class_count[0][k],
               ds.class_count[1][k], ds.class_count[2][k]);
    printf("lists: val %zu, test %zu usable; %zu missing, %zu unselected, %zu junk, %zu in both\n",
           ds.lists.val_entries, ds.lists.test_entries, ds.lists.missing, ds.lists.unselected,
           ds.lists.junk, ds.lists.in_both);

    /* the README's numbers */
    CHECK_EQ_INT(ds.scanned_files, 9287);
    int on = kws_dataset_class_index(&ds, "on"), off = kws_dataset_class_index(&ds, "off");
    CHECK_EQ_INT(ds.class_count[0][on], 227);
    CHECK_EQ_INT(ds.class_count[1][on], 39);
    CHECK_EQ_INT(ds.class_count[2][on], 48);
    CHECK_EQ_INT(ds.class_count[0][off], 237);
    CHECK_EQ_INT(ds.class_count[1][off], 38);
    CHECK_EQ_INT(ds.class_count[2][off], 39);
    /* every word against an independent count: files in the folder, lines
     * starting with "word/" in each list */
    for (int w = 0; w < 10; w++) {
        size_t files = count_files(dir, c.words[w]);
        size_t val = count_lines(dir, "validation_list.txt", c.words[w]);
        size_t test = count_lines(dir, "testing_list.txt", c.words[w]);
        CHECK_EQ_INT(ds.class_count[1][w], val);
        CHECK_EQ_INT(ds.class_count[2][w], test);
        CHECK_EQ_INT(ds.class_count[0][w], files - val - test);
        if (w != on && w != off) /* README: ~640 train, ~105-129 val, ~134-157 test */
            CHECK(ds.class_count[0][w] >= 600 && ds.class_count[0][w] <= 680);
    }
    size_t silence_files = ds.silence_clips[0] + ds.silence_clips[1] + ds.silence_clips[2];
    CHECK(silence_files <= 305);
    CHECK_EQ_INT(ds.noise.n, 6);
    CHECK_EQ_INT(ds.lists.junk, 0);
    CHECK_EQ_INT(ds.lists.val_entries + ds.lists.test_entries + ds.lists.missing +
                     ds.lists.in_both,
                 1156 + 1473);
    /* unknown: all 24 other words, subsampled to the average command count */
    size_t unknown_total = ds.unknown_pool[0] + ds.unknown_pool[1] + ds.unknown_pool[2];
    size_t commands = 0;
    for (int w = 0; w < 10; w++)
        commands += ds.class_count[0][w] + ds.class_count[1][w] + ds.class_count[2][w];
    CHECK_EQ_INT(unknown_total + commands, 9287);
    CHECK(ds.class_count[0][ds.unknown_label] > 500 && ds.class_count[0][ds.unknown_label] < 600);

    /* feature extraction speed (a subset under the sanitizers) */
    kws_dataset sub = ds;
    if (SANITIZED && sub.n_items > 300)
        sub.n_items = 300;
    kws_feature_config fc = kws_feature_config_default();
    kws_feature_store_options opt = {NULL, 0};
    kws_feature_store fs;
    kws_feature_report rep;
    CHECK_EQ_INT(kws_feature_store_build(&fs, &sub, &fc, &opt, &rep, &err), KWS_OK);
    printf("features: %zu clips in %.2f s = %.0f clips/s on %d threads (wav read + MFCC)\n",
           rep.computed, rep.compute_seconds, rep.clips_per_s, rep.threads);
    if (!SANITIZED) {
        kws_norm nm;
        CHECK_EQ_INT(kws_norm_compute(&nm, &fs, ds.split_items[0], ds.split_count[0], &err),
                     KWS_OK);
        printf("norm: c0 mean %.3f std %.3f, c1 mean %.3f std %.3f\n", nm.mean[0], nm.std[0],
               nm.mean[1], nm.std[1]);
        kws_batch_config bc = kws_batch_config_default();
        bc.augment = 1;
        bc.sampler.epoch_size = 64 * 30;
        kws_batch_iter *it;
        CHECK_EQ_INT(kws_batch_iter_create(&it, &ds, &fs, &nm, &bc, &err), KWS_OK);
        CHECK_EQ_INT(kws_batch_iter_begin(it, 0, &err), KWS_OK);
        kws_batch b;
        int r;
        size_t seen = 0;
        while ((r = kws_batch_iter_next(it, &b, &err)) == 1)
            seen += (size_t)b.size;
        CHECK_EQ_INT(r, 0);
        CHECK_EQ_INT(seen, 64 * 30);
        size_t clips;
        double secs;
        kws_batch_iter_stats(it, &clips, &secs);
        printf("augmented: %zu clips in %.2f s = %.0f clips/s (wav read + shift/noise/gain + "
               "MFCC)\n", clips, secs, (double)clips / secs);
        kws_batch_iter_free(it);

        /* the disk cache: written once, then read back instead of computed */
        char cache[512];
        const char *t = getenv("TMPDIR");
        snprintf(cache, sizeof cache, "%s/kws-real-cache-XXXXXX", t && t[0] ? t : "/tmp");
        if (mkdtemp(cache)) {
            kws_feature_store_options co = {cache, 0};
            kws_feature_store c1, c2;
            CHECK_EQ_INT(kws_feature_store_build(&c1, &ds, &fc, &co, &rep, &err), KWS_OK);
            CHECK_EQ_INT(rep.cache_written, 1);
            double t1 = now_s();
            CHECK_EQ_INT(kws_feature_store_build(&c2, &ds, &fc, &co, &rep, &err), KWS_OK);
            printf("cache: %zu clips read back in %.2f s\n", rep.from_cache, now_s() - t1);
            CHECK_EQ_INT(rep.from_cache, ds.n_items);
            CHECK(memcmp(c1.data, fs.data, fs.n_items * fs.stride * sizeof(float)) == 0);
            CHECK(memcmp(c2.data, fs.data, fs.n_items * fs.stride * sizeof(float)) == 0);
            unlink(rep.cache_path);
            rmdir(cache);
            kws_feature_store_free(&c1);
            kws_feature_store_free(&c2);
        }
    }
    kws_feature_store_free(&fs);
    kws_dataset_free(&ds);
    return test_summary("test_data_real");
}
