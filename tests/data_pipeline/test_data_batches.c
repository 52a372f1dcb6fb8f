/* test_data_batches.c - the batch iterator: evaluation batches in split
 * order with normalized windows from the store; sampled training epochs;
 * augmented epochs computed by worker threads, identical for 1 and 3
 * threads, repeatable per epoch, different between epochs; augmentation
 * switched off reproduces the store; a vanished clip is reported. */
#include "tests/data_pipeline/synth_data.h"

#include <string.h>

#include "kws/features.h"
#include "tests/test.h"

#define PER (38 * 55)

static char root[512];

typedef struct {
    float *x;
    int *labels;
    size_t *items;
    size_t n;
} epoch_dump;

/* Runs one epoch and keeps a copy of everything it produced. */
static int run_epoch(kws_batch_iter *it, int epoch, epoch_dump *d, kws_error *err)
{
    memset(d, 0, sizeof *d);
    if (kws_batch_iter_begin(it, epoch, err) != KWS_OK)
        return -1;
    kws_batch b;
    int r;
    while ((r = kws_batch_iter_next(it, &b, err)) == 1) {
        d->x = (float *)realloc(d->x, (d->n + (size_t)b.size) * PER * sizeof(float));
        d->labels = (int *)realloc(d->labels, (d->n + (size_t)b.size) * sizeof(int));
        d->items = (size_t *)realloc(d->items, (d->n + (size_t)b.size) * sizeof(size_t));
        memcpy(d->x + d->n * PER, b.x, (size_t)b.size * PER * sizeof(float));
        memcpy(d->labels + d->n, b.labels, (size_t)b.size * sizeof(int));
        memcpy(d->items + d->n, b.items, (size_t)b.size * sizeof(size_t));
        d->n += (size_t)b.size;
    }
    return r;
}

static void dump_free(epoch_dump *d)
{
    free(d->x);
    free(d->labels);
    free(d->items);
}

static int same_dump(const epoch_dump *a, const epoch_dump *b)
{
    return a->n == b->n && memcmp(a->items, b->items, a->n * sizeof(size_t)) == 0 &&
           memcmp(a->x, b->x, a->n * PER * sizeof(float)) == 0;
}

static void test_eval(const kws_dataset *ds, const kws_feature_store *fs, const kws_norm *nm)
{
    kws_batch_config c = kws_batch_config_default();
    c.split = KWS_SPLIT_VAL;
    c.sample = 0;
    c.batch_size = 4;
    kws_batch_iter *it;
    kws_error err;
    CHECK_EQ_INT(kws_batch_iter_create(&it, ds, fs, nm, &c, &err), KWS_OK);
    size_t n = ds->split_count[KWS_SPLIT_VAL];
    CHECK_EQ_INT(kws_batch_iter_count(it), (n + 3) / 4);
    /* nothing before begin */
    kws_batch b;
    CHECK_EQ_INT(kws_batch_iter_next(it, &b, &err), 0);
    epoch_dump d;
    CHECK_EQ_INT(run_epoch(it, 0, &d, &err), 0);
    CHECK_EQ_INT(d.n, n);
    static float want[PER];
    int ok = 1;
    for (size_t k = 0; k < d.n; k++) {
        size_t i = ds->split_items[KWS_SPLIT_VAL][k];
        ok &= d.items[k] == i && d.labels[k] == ds->items[i].label;
        kws_features_window(&fs->cfg, kws_feature_store_item(fs, i), nm, want);
        ok &= memcmp(d.x + k * PER, want, sizeof want) == 0;
    }
    CHECK(ok);
    dump_free(&d);
    kws_batch_iter_free(it);

    /* drop_last */
    c.drop_last = 1;
    CHECK_EQ_INT(kws_batch_iter_create(&it, ds, fs, nm, &c, &err), KWS_OK);
    CHECK_EQ_INT(kws_batch_iter_count(it), n / 4);
    CHECK_EQ_INT(run_epoch(it, 0, &d, &err), 0);
    CHECK_EQ_INT(d.n, n / 4 * 4);
    dump_free(&d);
    kws_batch_iter_free(it);

    c.batch_size = 0;
    CHECK_EQ_INT(kws_batch_iter_create(&it, ds, fs, nm, &c, &err), KWS_ERR_ARG);
}

static void test_train(const kws_dataset *ds, const kws_feature_store *fs, const kws_norm *nm)
{
    kws_batch_config c = kws_batch_config_default();
    c.batch_size = 8;
    c.sampler.epoch_size = 100;
    kws_batch_iter *it;
    kws_error err;
    CHECK_EQ_INT(kws_batch_iter_create(&it, ds, fs, nm, &c, &err), KWS_OK);
    CHECK_EQ_INT(kws_batch_iter_count(it), 13);
    epoch_dump d0, d1, d0b;
    CHECK_EQ_INT(run_epoch(it, 0, &d0, &err), 0);
    CHECK_EQ_INT(run_epoch(it, 1, &d1, &err), 0);
    CHECK_EQ_INT(run_epoch(it, 0, &d0b, &err), 0);
    CHECK_EQ_INT(d0.n, 100);
    CHECK(same_dump(&d0, &d0b));
    CHECK(!same_dump(&d0, &d1));
    size_t per_class[KWS_MAX_CLASSES] = {0};
    for (size_t k = 0; k < d0.n; k++) {
        CHECK_EQ_INT(ds->items[d0.items[k]].split, KWS_SPLIT_TRAIN);
        per_class[d0.labels[k]]++;
    }
    for (int cl = 0; cl < ds->n_classes; cl++) /* 100 draws over 5 classes */
        CHECK_EQ_INT(per_class[cl], 20);
    dump_free(&d0);
    dump_free(&d1);
    dump_free(&d0b);
    kws_batch_iter_free(it);
}

static void test_augmented(const kws_dataset *ds, const kws_feature_store *fs,
                           const kws_norm *nm)
{
    kws_batch_config c = kws_batch_config_default();
    c.batch_size = 16;
    c.sampler.epoch_size = 80;
    c.augment = 1;
    c.seed = 11;
    kws_batch_iter *one, *three;
    kws_error err;
    c.n_threads = 1;
    CHECK_EQ_INT(kws_batch_iter_create(&one, ds, fs, nm, &c, &err), KWS_OK);
    c.n_threads = 3;
    CHECK_EQ_INT(kws_batch_iter_create(&three, ds, fs, nm, &c, &err), KWS_OK);
    epoch_dump a0, b0, b1, b0again;
    CHECK_EQ_INT(run_epoch(one, 0, &a0, &err), 0);
    CHECK_EQ_INT(run_epoch(three, 0, &b0, &err), 0);
    CHECK_EQ_INT(run_epoch(three, 1, &b1, &err), 0);
    CHECK_EQ_INT(run_epoch(three, 0, &b0again, &err), 0);
    CHECK(same_dump(&a0, &b0));      /* thread count does not matter */
    CHECK(same_dump(&b0, &b0again)); /* an epoch is repeatable */
    CHECK(!same_dump(&b0, &b1));
    /* augmented windows differ from the stored (clean) ones, labels do not */
    static float clean[PER];
    size_t differ = 0;
    for (size_t k = 0; k < a0.n; k++) {
        kws_features_window(&fs->cfg, kws_feature_store_item(fs, a0.items[k]), nm, clean);
        differ += memcmp(clean, a0.x + k * PER, sizeof clean) != 0;
        CHECK_EQ_INT(a0.labels[k], ds->items[a0.items[k]].label);
    }
    CHECK(differ > a0.n * 9 / 10);
    size_t clips;
    double secs;
    kws_batch_iter_stats(three, &clips, &secs);
    CHECK_EQ_INT(clips, 3 * 80);
    CHECK(secs > 0.0);
    printf("augmented features: %.0f clips/s on 3 threads\n", (double)clips / secs);
    /* abandoning an epoch halfway and starting another is fine */
    kws_batch b;
    CHECK_EQ_INT(kws_batch_iter_begin(three, 5, &err), KWS_OK);
    CHECK_EQ_INT(kws_batch_iter_next(three, &b, &err), 1);
    dump_free(&b0again);
    CHECK_EQ_INT(run_epoch(three, 1, &b0again, &err), 0);
    CHECK(same_dump(&b1, &b0again));
    dump_free(&a0);
    dump_free(&b0);
    dump_free(&b1);
    dump_free(&b0again);
    kws_batch_iter_free(one);
    /* freeing with a batch in flight */
    CHECK_EQ_INT(kws_batch_iter_begin(three, 2, &err), KWS_OK);
    kws_batch_iter_free(three);

    /* every augmentation off: exactly the stored features (evaluation order) */
    c.aug.max_shift = 0;
    c.aug.noise_prob = 0.0f;
    c.aug.gain_lo_db = c.aug.gain_hi_db = 0.0f;
    c.split = KWS_SPLIT_TEST;
    c.sample = 0;
    c.n_threads = 2;
    kws_batch_iter *it;
    CHECK_EQ_INT(kws_batch_iter_create(&it, ds, fs, nm, &c, &err), KWS_OK);
    epoch_dump d;
    CHECK_EQ_INT(run_epoch(it, 0, &d, &err), 0);
    int ok = d.n == ds->split_count[KWS_SPLIT_TEST];
    for (size_t k = 0; k < d.n; k++) {
        kws_features_window(&fs->cfg, kws_feature_store_item(fs, d.items[k]), nm, clean);
        ok &= memcmp(clean, d.x + k * PER, sizeof clean) == 0;
    }
    CHECK(ok);
    dump_free(&d);
    kws_batch_iter_free(it);
}

static void test_missing_clip(kws_dataset *ds, const kws_feature_store *fs)
{
    /* the clip disappears after the features were stored */
    char p[1024];
    snprintf(p, sizeof p, "%s/gamma/spk05_nohash_0.wav", root);
    CHECK(unlink(p) == 0);
    kws_batch_config c = kws_batch_config_default();
    c.augment = 1;
    c.batch_size = 8;
    c.n_threads = 2;
    kws_batch_iter *it;
    kws_error err;
    CHECK_EQ_INT(kws_batch_iter_create(&it, ds, fs, NULL, &c, &err), KWS_OK);
    epoch_dump d;
    kws_error_clear(&err);
    CHECK_EQ_INT(run_epoch(it, 0, &d, &err), -1);
    CHECK(strstr(err.msg, "gamma/spk05_nohash_0.wav") != NULL);
    kws_batch b;
    CHECK_EQ_INT(kws_batch_iter_next(it, &b, &err), 0); /* the epoch is over */
    dump_free(&d);
    kws_batch_iter_free(it);
}

int main(void)
{
    if (syn_make_dataset(root, sizeof root) != 0)
        return 1;
    kws_dataset_config c = kws_dataset_config_default();
    kws_error err;
    kws_dataset_config_set_words(&c, "alpha,beta,gamma", &err);
    kws_dataset_config_add_root(&c, root, 0, &err);
    c.use_unknown = 1;
    c.use_silence = 1;
    kws_dataset ds;
    kws_feature_store fs;
    kws_feature_config fc = kws_feature_config_default();
    kws_feature_store_options opt = {NULL, 2};
    kws_norm nm;
    if (kws_dataset_load(&ds, &c, &err) != KWS_OK ||
        kws_feature_store_build(&fs, &ds, &fc, &opt, NULL, &err) != KWS_OK ||
        kws_norm_compute(&nm, &fs, ds.split_items[0], ds.split_count[0], &err) != KWS_OK) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    test_eval(&ds, &fs, &nm);
    test_train(&ds, &fs, &nm);
    test_augmented(&ds, &fs, &nm);
    test_missing_clip(&ds, &fs);
    kws_feature_store_free(&fs);
    kws_dataset_free(&ds);
    syn_remove_tree(root);
    return test_summary("test_data_batches");
}
