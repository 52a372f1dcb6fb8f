/* test_data_features.c - feature config, window selection (columns and
 * transposition), per-item features against a direct MFCC of the loaded
 * clip, short-clip centering, and normalization statistics against a
 * direct two-pass computation. */
#include "tests/data_pipeline/synth_data.h"

#include <math.h>
#include <string.h>

#include "kws/features.h"
#include "tests/test.h"

static char root[512];

static void test_config(void)
{
    kws_feature_config c = kws_feature_config_default();
    kws_error err;
    CHECK_EQ_INT(c.n_frames, 61);
    CHECK_EQ_INT(c.mfcc.n_mfcc, 38);
    CHECK_EQ_INT(c.window_cols, 55);
    CHECK_EQ_INT(kws_feature_config_resolve(&c, &err), KWS_OK);
    CHECK_EQ_INT(c.window_first, 3); /* centered: columns 3..57 */
    CHECK_EQ_INT(kws_features_size(&c), 61 * 38);
    kws_feature_config d = kws_feature_config_default();
    d.window_first = 6;
    CHECK_EQ_INT(kws_feature_config_resolve(&d, &err), KWS_OK);
    d.window_first = 7;
    CHECK_EQ_INT(kws_feature_config_resolve(&d, &err), KWS_ERR_SHAPE);
    d = kws_feature_config_default();
    d.n_frames = 60;
    CHECK_EQ_INT(kws_feature_config_resolve(&d, &err), KWS_ERR_SHAPE);
    d = kws_feature_config_default();
    d.window_cols = 62;
    CHECK_EQ_INT(kws_feature_config_resolve(&d, &err), KWS_ERR_SHAPE);
    /* the cache hash follows the MFCC settings, not the window */
    kws_feature_config e = kws_feature_config_default();
    uint64_t h = kws_feature_config_hash(&e);
    e.window_first = 0;
    CHECK(kws_feature_config_hash(&e) == h);
    e.mfcc.log_floor = 1e-5f;
    CHECK(kws_feature_config_hash(&e) != h);
}

static void test_window(void)
{
    kws_feature_config c = kws_feature_config_default();
    kws_error err;
    kws_feature_config_resolve(&c, &err);
    static float feat[61 * 38], out[38 * 55];
    for (int f = 0; f < 61; f++)
        for (int k = 0; k < 38; k++)
            feat[f * 38 + k] = (float)(f * 100 + k);
    kws_features_window(&c, feat, NULL, out);
    int ok = 1;
    for (int k = 0; k < 38; k++)
        for (int t = 0; t < 55; t++)
            ok &= out[k * 55 + t] == (float)((3 + t) * 100 + k);
    CHECK(ok);
    kws_norm nm;
    kws_norm_identity(&nm, 38);
    for (int k = 0; k < 38; k++) {
        nm.mean[k] = (float)k;
        nm.std[k] = 4.0f;
    }
    c.window_first = 0;
    kws_features_window(&c, feat, &nm, out);
    ok = 1;
    for (int k = 0; k < 38; k++)
        for (int t = 0; t < 55; t++)
            ok &= out[k * 55 + t] == (float)(t * 100) / 4.0f;
    CHECK(ok);
}

static void test_items(const kws_dataset *ds)
{
    kws_feature_config c = kws_feature_config_default();
    kws_featurizer fz;
    kws_error err;
    CHECK_EQ_INT(kws_featurizer_init(&fz, &c, &err), KWS_OK);
    static float a[61 * 38], b[61 * 38];
    static int16_t clip[16000];
    for (size_t i = 0; i < ds->n_items; i += 7) {
        CHECK_EQ_INT(kws_clip_load(ds, i, clip, &err), KWS_OK);
        kws_features_compute(&fz, clip, a);
        CHECK_EQ_INT(kws_features_item(&fz, ds, i, NULL, NULL, b, &err), KWS_OK);
        CHECK(memcmp(a, b, sizeof a) == 0);
    }
    /* the 0.6 s clip alpha/spk00 is centered: 3200 zeros on each side */
    size_t short_i = ds->n_items;
    for (size_t i = 0; i < ds->n_items; i++)
        if (strcmp(ds->items[i].rel, "alpha/spk00_nohash_0.wav") == 0)
            short_i = i;
    CHECK(short_i < ds->n_items);
    CHECK_EQ_INT(kws_clip_load(ds, short_i, clip, &err), KWS_OK);
    int16_t full[16000];
    syn_word_clip(&syn_words[0], 0, full, 16000);
    CHECK(memcmp(clip + 3200, full + 3200, 9600 * sizeof *clip) == 0);
    int zeros = 1;
    for (int k = 0; k < 3200; k++)
        zeros &= clip[k] == 0 && clip[12800 + k] == 0;
    CHECK(zeros);
    /* a noise slice is the bank's samples at its offset */
    for (size_t i = 0; i < ds->n_items; i++)
        if (ds->items[i].kind == KWS_ITEM_NOISE) {
            CHECK_EQ_INT(kws_clip_load(ds, i, clip, &err), KWS_OK);
            const kws_item *it = &ds->items[i];
            CHECK(memcmp(clip, ds->noise.samples[it->noise] + it->offset, sizeof clip) == 0);
            break;
        }
    /* a file that vanished: the error names it */
    kws_dataset broken = *ds;
    kws_item *items = (kws_item *)malloc(ds->n_items * sizeof *items);
    memcpy(items, ds->items, ds->n_items * sizeof *items);
    items[0].path = "/nonexistent/kws/x.wav";
    broken.items = items;
    kws_error_clear(&err);
    CHECK(kws_features_item(&fz, &broken, 0, NULL, NULL, a, &err) != KWS_OK);
    CHECK(strstr(err.msg, "/nonexistent/kws/x.wav") != NULL);
    CHECK_EQ_INT(kws_clip_load(ds, ds->n_items, clip, &err), KWS_ERR_ARG);
    free(items);
    kws_featurizer_free(&fz);
}

static void test_norm(const kws_dataset *ds)
{
    kws_feature_config c = kws_feature_config_default();
    kws_feature_store fs;
    kws_feature_store_options opt = {NULL, 2};
    kws_feature_report rep;
    kws_error err;
    CHECK_EQ_INT(kws_feature_store_build(&fs, ds, &c, &opt, &rep, &err), KWS_OK);
    CHECK_EQ_INT(rep.computed, ds->n_items);
    CHECK_EQ_INT(rep.cache, KWS_CACHE_OFF);
    CHECK_EQ_INT(fs.cfg.window_first, 3);
    kws_norm nm;
    const size_t *tr = ds->split_items[KWS_SPLIT_TRAIN];
    size_t n = ds->split_count[KWS_SPLIT_TRAIN];
    CHECK_EQ_INT(kws_norm_compute(&nm, &fs, tr, n, &err), KWS_OK);
    CHECK_EQ_INT(nm.n, 38);
    /* direct: two passes over the window columns 3..57 of the training items */
    for (int k = 0; k < 38; k++) {
        double s = 0, s2 = 0;
        for (size_t j = 0; j < n; j++)
            for (int t = 3; t < 58; t++)
                s += kws_feature_store_item(&fs, tr[j])[t * 38 + k];
        double mean = s / (double)(n * 55);
        for (size_t j = 0; j < n; j++)
            for (int t = 3; t < 58; t++) {
                double d = kws_feature_store_item(&fs, tr[j])[t * 38 + k] - mean;
                s2 += d * d;
            }
        double sd = sqrt(s2 / (double)(n * 55));
        CHECK_NEAR(nm.mean[k], mean, 1e-4 * (1.0 + fabs(mean)));
        CHECK_NEAR(nm.std[k], sd, 1e-4 * (1.0 + sd));
        CHECK(nm.std[k] > 0.0f);
    }
    /* normalized training windows have mean 0 and std 1 per coefficient */
    static float x[38 * 55];
    double m0 = 0, v0 = 0;
    for (size_t j = 0; j < n; j++) {
        kws_features_window(&fs.cfg, kws_feature_store_item(&fs, tr[j]), &nm, x);
        for (int t = 0; t < 55; t++) {
            m0 += x[t];
            v0 += (double)x[t] * x[t];
        }
    }
    CHECK_NEAR(m0 / (double)(n * 55), 0.0, 1e-3);
    CHECK_NEAR(v0 / (double)(n * 55), 1.0, 1e-3);
    /* a constant input: std floored, no division by zero */
    kws_feature_store flat = fs;
    flat.data = (float *)calloc(fs.n_items * fs.stride, sizeof(float));
    CHECK_EQ_INT(kws_norm_compute(&nm, &flat, tr, n, &err), KWS_OK);
    CHECK_NEAR(nm.std[5], KWS_NORM_STD_FLOOR, 0);
    CHECK_NEAR(nm.mean[5], 0, 0);
    free(flat.data);
    CHECK_EQ_INT(kws_norm_compute(&nm, &fs, tr, 0, &err), KWS_ERR_ARG);
    kws_feature_store_free(&fs);
}

int main(void)
{
    if (syn_make_dataset(root, sizeof root) != 0)
        return 1;
    test_config();
    test_window();
    kws_dataset_config c = kws_dataset_config_default();
    kws_error err;
    kws_dataset_config_set_words(&c, "alpha,beta,gamma", &err);
    kws_dataset_config_add_root(&c, root, 0, &err);
    c.use_unknown = 1;
    c.use_silence = 1;
    kws_dataset ds;
    if (kws_dataset_load(&ds, &c, &err) != KWS_OK) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    test_items(&ds);
    test_norm(&ds);
    kws_dataset_free(&ds);
    syn_remove_tree(root);
    return test_summary("test_data_features");
}
