/* test_data_scan.c - data set construction on the synthetic set: splits
 * from the list files (CRLF, junk, missing and unselected entries), the
 * _unknown_ and _silence_ classes and their counts, errors for missing
 * folders and lists, seeded determinism, training-only extra roots, and
 * the config helpers (word lists, "DIR:WEIGHT"). */
#include "tests/data_pipeline/synth_data.h"

#include <string.h>

#include "kws/dataset.h"
#include "tests/test.h"

static char root[512];

static kws_dataset_config base_config(void)
{
    kws_dataset_config c = kws_dataset_config_default();
    kws_error err;
    kws_dataset_config_set_words(&c, "alpha,beta,gamma", &err);
    kws_dataset_config_add_root(&c, root, 0, &err);
    return c;
}

static size_t count_label(const kws_dataset *ds, int split, int label, int kind)
{
    size_t n = 0;
    for (size_t i = 0; i < ds->n_items; i++)
        if (ds->items[i].split == split && ds->items[i].label == label &&
            (kind < 0 || ds->items[i].kind == kind))
            n++;
    return n;
}

static const kws_item *find_rel(const kws_dataset *ds, const char *rel)
{
    for (size_t i = 0; i < ds->n_items; i++)
        if (strcmp(ds->items[i].rel, rel) == 0)
            return &ds->items[i];
    return NULL;
}

static void test_words_only(void)
{
    kws_dataset_config c = base_config();
    kws_dataset ds;
    kws_error err;
    CHECK_EQ_INT(kws_dataset_load(&ds, &c, &err), KWS_OK);
    CHECK_EQ_INT(ds.n_classes, 3);
    CHECK_EQ_INT(ds.unknown_label, -1);
    CHECK_EQ_INT(ds.silence_label, -1);
    const int want[3][3] = {{14, 3, 3}, {14, 3, 3}, {6, 1, 1}}; /* [word][split] */
    for (int w = 0; w < 3; w++)
        for (int s = 0; s < 3; s++)
            CHECK_EQ_INT(ds.class_count[s][w], want[w][s]);
    CHECK_EQ_INT(ds.split_count[KWS_SPLIT_TRAIN], 34);
    CHECK_EQ_INT(ds.split_count[KWS_SPLIT_VAL], 7);
    CHECK_EQ_INT(ds.split_count[KWS_SPLIT_TEST], 7);
    CHECK_EQ_INT(ds.n_items, 48);
    /* list accounting: 2 ghosts; zeta + delta/epsilon (3 + 3) + _silence_ unused */
    CHECK_EQ_INT(ds.lists.missing, 2);
    CHECK_EQ_INT(ds.lists.unselected, 1 + 6 + 1);
    CHECK_EQ_INT(ds.lists.junk, 4);
    CHECK_EQ_INT(ds.lists.in_both, 1);
    CHECK_EQ_INT(ds.lists.val_entries, 7);
    CHECK_EQ_INT(ds.lists.test_entries, 7);
    CHECK(ds.lists.val_list_found && ds.lists.test_list_found);

    /* individual assignments, including CRLF, "./", '\' and both-lists lines */
    const kws_item *it;
    CHECK((it = find_rel(&ds, "alpha/spk00_nohash_0.wav")) && it->split == KWS_SPLIT_VAL);
    CHECK((it = find_rel(&ds, "alpha/spk03_nohash_0.wav")) && it->split == KWS_SPLIT_TEST);
    CHECK((it = find_rel(&ds, "alpha/spk04_nohash_0.wav")) && it->split == KWS_SPLIT_TEST);
    CHECK((it = find_rel(&ds, "alpha/spk05_nohash_0.wav")) && it->split == KWS_SPLIT_TEST);
    CHECK((it = find_rel(&ds, "beta/spk01_nohash_0.wav")) && it->split == KWS_SPLIT_VAL);
    CHECK((it = find_rel(&ds, "alpha/spk06_nohash_0.wav")) && it->split == KWS_SPLIT_TRAIN);
    CHECK((it = find_rel(&ds, "gamma/spk01_nohash_0.wav")) && it->split == KWS_SPLIT_TEST &&
          it->label == 2);
    CHECK(find_rel(&ds, "delta/spk05_nohash_0.wav") == NULL);

    /* sorted by path; split index lists ascend and agree with the items */
    for (size_t i = 1; i < ds.n_items; i++)
        CHECK(strcmp(ds.items[i - 1].rel, ds.items[i].rel) < 0);
    for (int s = 0; s < 3; s++)
        for (size_t k = 0; k < ds.split_count[s]; k++) {
            CHECK_EQ_INT(ds.items[ds.split_items[s][k]].split, s);
            if (k)
                CHECK(ds.split_items[s][k] > ds.split_items[s][k - 1]);
        }
    CHECK_EQ_INT(ds.noise.n, 2);
    CHECK_EQ_INT(ds.noise.len[0], 15 * 16000);
    CHECK(strstr(ds.noise.path[0], "hum.wav") != NULL); /* sorted by name */
    kws_dataset_free(&ds);
}

static void test_unknown_silence(void)
{
    kws_dataset_config c = base_config();
    c.use_unknown = 1;
    c.unknown_fraction = 0.5f;
    c.use_silence = 1;
    c.silence_fraction = 1.0f;
    c.silence_val_percent = 0; /* every unlisted _silence_ clip trains */
    c.silence_test_percent = 0;
    kws_dataset ds;
    kws_error err;
    CHECK_EQ_INT(kws_dataset_load(&ds, &c, &err), KWS_OK);
    CHECK_EQ_INT(ds.n_classes, 5);
    CHECK_EQ_INT(ds.unknown_label, 3);
    CHECK_EQ_INT(ds.silence_label, 4);
    CHECK(strcmp(ds.class_names[3], "_unknown_") == 0);
    CHECK(strcmp(ds.class_names[4], "_silence_") == 0);
    CHECK_EQ_INT(kws_dataset_class_index(&ds, "_silence_"), 4);
    CHECK_EQ_INT(kws_dataset_class_index(&ds, "zeta"), -1);

    /* average command counts: train 34/3, val 7/3, test 7/3 */
    CHECK_EQ_INT(ds.unknown_pool[0], 12);
    CHECK_EQ_INT(ds.unknown_pool[1], 3);
    CHECK_EQ_INT(ds.unknown_pool[2], 3);
    CHECK_EQ_INT(ds.class_count[0][3], 6); /* round(0.5 * 11.33) */
    CHECK_EQ_INT(ds.class_count[1][3], 1); /* round(0.5 * 2.33) */
    CHECK_EQ_INT(ds.class_count[2][3], 1);
    /* silence: round(11.33) = 11 in train = 9 clips + 2 slices; 2 in val = s00 + 1 slice;
     * 2 in test = 2 slices */
    CHECK_EQ_INT(ds.class_count[0][4], 11);
    CHECK_EQ_INT(ds.class_count[1][4], 2);
    CHECK_EQ_INT(ds.class_count[2][4], 2);
    CHECK_EQ_INT(ds.silence_clips[0], 9);
    CHECK_EQ_INT(ds.silence_clips[1], 1);
    CHECK_EQ_INT(ds.silence_clips[2], 0);
    CHECK_EQ_INT(count_label(&ds, 0, 4, KWS_ITEM_NOISE), 2);
    CHECK_EQ_INT(count_label(&ds, 1, 4, KWS_ITEM_NOISE), 1);
    CHECK_EQ_INT(count_label(&ds, 2, 4, KWS_ITEM_NOISE), 2);
    const kws_item *it = find_rel(&ds, "_silence_/s00.wav");
    CHECK(it && it->split == KWS_SPLIT_VAL && it->label == 4);
    /* unknown items come from delta/epsilon of the right split */
    for (size_t i = 0; i < ds.n_items; i++) {
        const kws_item *x = &ds.items[i];
        if (x->label == 3)
            CHECK(strncmp(x->rel, "delta/", 6) == 0 || strncmp(x->rel, "epsilon/", 8) == 0);
        if (x->kind == KWS_ITEM_NOISE) { /* inside its split's part of the recording */
            size_t s, e;
            kws_noise_region(&ds.noise, x->noise, (kws_split)x->split, &s, &e);
            CHECK(x->offset >= (int64_t)s && x->offset + 16000 <= (int64_t)e);
            CHECK(strstr(x->rel, "_background_noise_/") == x->rel && strchr(x->rel, '@'));
        }
    }
    CHECK_EQ_INT(ds.lists.unselected, 1); /* only zeta now */
    CHECK_EQ_INT(ds.lists.val_entries, 7 + 3 + 1);
    kws_dataset_free(&ds);

    /* all unknown clips with a fraction <= 0; default silence hash split */
    c.unknown_fraction = 0.0f;
    c.silence_val_percent = 10;
    c.silence_test_percent = 10;
    CHECK_EQ_INT(kws_dataset_load(&ds, &c, &err), KWS_OK);
    CHECK_EQ_INT(ds.class_count[0][3], 12);
    CHECK_EQ_INT(ds.class_count[1][3], 3);
    CHECK_EQ_INT(ds.class_count[2][3], 3);
    CHECK_EQ_INT(ds.silence_clips[0] + ds.silence_clips[1] + ds.silence_clips[2] <= 10, 1);
    CHECK_EQ_INT(ds.class_count[0][4], 11);
    kws_dataset_free(&ds);
}

static int same_items(const kws_dataset *a, const kws_dataset *b)
{
    if (a->n_items != b->n_items)
        return 0;
    for (size_t i = 0; i < a->n_items; i++)
        if (strcmp(a->items[i].rel, b->items[i].rel) != 0 ||
            a->items[i].split != b->items[i].split || a->items[i].label != b->items[i].label ||
            a->items[i].offset != b->items[i].offset)
            return 0;
    return 1;
}

static void test_determinism(void)
{
    kws_dataset_config c = base_config();
    c.use_unknown = 1;
    c.unknown_fraction = 0.5f;
    c.use_silence = 1;
    c.seed = 7;
    kws_dataset a, b;
    kws_error err;
    CHECK_EQ_INT(kws_dataset_load(&a, &c, &err), KWS_OK);
    CHECK_EQ_INT(kws_dataset_load(&b, &c, &err), KWS_OK);
    CHECK(same_items(&a, &b));
    kws_dataset_free(&b);
    int differs = 0;
    for (uint64_t seed = 8; seed < 12 && !differs; seed++) {
        c.seed = seed;
        CHECK_EQ_INT(kws_dataset_load(&b, &c, &err), KWS_OK);
        differs = !same_items(&a, &b);
        CHECK_EQ_INT(b.class_count[0][3], a.class_count[0][3]); /* counts do not move */
        kws_dataset_free(&b);
    }
    CHECK(differs);
    kws_dataset_free(&a);
}

static void test_errors(void)
{
    kws_dataset ds;
    kws_error err;
    kws_dataset_config c = base_config();

    /* missing data folder */
    kws_dataset_config m = kws_dataset_config_default();
    kws_dataset_config_add_root(&m, "/nonexistent/kws-data", 0, &err);
    kws_error_clear(&err);
    CHECK_EQ_INT(kws_dataset_load(&ds, &m, &err), KWS_ERR_IO);
    CHECK(strstr(err.msg, "/nonexistent/kws-data") && strstr(err.msg, "does not exist"));

    /* a requested word without a folder */
    kws_dataset_config w = c;
    CHECK_EQ_INT(kws_dataset_config_set_words(&w, "alpha,omega", &err), KWS_OK);
    kws_error_clear(&err);
    CHECK_EQ_INT(kws_dataset_load(&ds, &w, &err), KWS_ERR_IO);
    CHECK(strstr(err.msg, "\"omega\"") != NULL);

    /* a missing list file: error naming it, or everything in training when allowed */
    char p[1024], q[1024];
    snprintf(p, sizeof p, "%s/testing_list.txt", root);
    snprintf(q, sizeof q, "%s/testing_list.moved", root);
    CHECK(rename(p, q) == 0);
    kws_error_clear(&err);
    CHECK_EQ_INT(kws_dataset_load(&ds, &c, &err), KWS_ERR_IO);
    CHECK(strstr(err.msg, "testing_list.txt") != NULL);
    c.allow_missing_lists = 1;
    CHECK_EQ_INT(kws_dataset_load(&ds, &c, &err), KWS_OK);
    CHECK_EQ_INT(ds.split_count[KWS_SPLIT_TEST], 0);
    CHECK_EQ_INT(ds.split_count[KWS_SPLIT_VAL], 8); /* alpha/spk03 is only in val now */
    CHECK_EQ_INT(ds.split_count[KWS_SPLIT_TRAIN], 40);
    CHECK_EQ_INT(ds.lists.test_list_found, 0);
    kws_dataset_free(&ds);
    CHECK(rename(q, p) == 0);

    /* _silence_ requested where neither _silence_/ nor _background_noise_/ exists */
    char bare[512];
    CHECK(syn_tempdir(bare, sizeof bare) == 0);
    CHECK(syn_write_words(bare, 3, 3) == 0);
    CHECK(syn_write_text(bare, "validation_list.txt", "") == 0);
    CHECK(syn_write_text(bare, "testing_list.txt", "") == 0);
    kws_dataset_config s = kws_dataset_config_default();
    kws_dataset_config_set_words(&s, "alpha,beta,gamma", &err);
    kws_dataset_config_add_root(&s, bare, 0, &err);
    CHECK_EQ_INT(kws_dataset_load(&ds, &s, &err), KWS_OK);
    CHECK_EQ_INT(ds.n_items, 9);
    CHECK_EQ_INT(ds.noise.n, 0);
    kws_dataset_free(&ds);
    s.use_silence = 1;
    kws_error_clear(&err);
    CHECK_EQ_INT(kws_dataset_load(&ds, &s, &err), KWS_ERR_IO);
    CHECK(strstr(err.msg, "_silence_") && strstr(err.msg, "_background_noise_"));
    syn_remove_tree(bare);

    /* bad configs */
    kws_dataset_config z = kws_dataset_config_default();
    CHECK_EQ_INT(kws_dataset_load(&ds, &z, &err), KWS_ERR_ARG); /* no root */
}

static void test_extra_roots(void)
{
    /* a synthetic root: alpha 5 + gamma 3 clips, with list files that must be ignored */
    char syn[512], real2[512];
    CHECK(syn_tempdir(syn, sizeof syn) == 0);
    CHECK(syn_write_words(syn, 1, 5) == 0);
    CHECK(syn_mkdir(syn, "gamma") == 0);
    {
        int16_t pcm[16000];
        for (int k = 0; k < 3; k++) {
            char p[1024];
            snprintf(p, sizeof p, "%s/gamma/tts%d_nohash_0.wav", syn, k);
            syn_word_clip(&syn_words[2], k, pcm, 16000);
            CHECK(syn_write(p, pcm, 16000) == 0);
        }
    }
    CHECK(syn_write_text(syn, "validation_list.txt", "alpha/spk01_nohash_0.wav\n") == 0);
    /* a second real corpus: its listed clip is held out, so dropped */
    CHECK(syn_tempdir(real2, sizeof real2) == 0);
    CHECK(syn_write_words(real2, 2, 4) == 0);
    CHECK(syn_write_text(real2, "testing_list.txt", "beta/spk00_nohash_0.wav\n") == 0);

    kws_dataset_config c = base_config();
    kws_error err;
    char spec[600];
    snprintf(spec, sizeof spec, "%s:2.5", syn);
    CHECK_EQ_INT(kws_dataset_config_add_root(&c, spec, 1, &err), KWS_OK);
    CHECK_EQ_INT(kws_dataset_config_add_root(&c, real2, 0, &err), KWS_OK);
    CHECK_EQ_INT(c.n_roots, 3);
    CHECK(strcmp(c.roots[1].path, syn) == 0);
    CHECK_NEAR(c.roots[1].weight, 2.5, 1e-6);
    CHECK_EQ_INT(c.roots[1].synthetic, 1);
    CHECK_EQ_INT(c.roots[2].synthetic, 0);
    kws_dataset ds;
    CHECK_EQ_INT(kws_dataset_load(&ds, &c, &err), KWS_OK);
    /* train: alpha 14 + 5 + 4, beta 14 + 3 (one held out), gamma 6 + 3; val/test unchanged */
    CHECK_EQ_INT(ds.class_count[0][0], 23);
    CHECK_EQ_INT(ds.class_count[0][1], 17);
    CHECK_EQ_INT(ds.class_count[0][2], 9);
    CHECK_EQ_INT(ds.split_count[1], 7);
    CHECK_EQ_INT(ds.split_count[2], 7);
    size_t from_syn = 0;
    for (size_t i = 0; i < ds.n_items; i++)
        if (ds.items[i].root == 1) {
            from_syn++;
            CHECK_EQ_INT(ds.items[i].split, KWS_SPLIT_TRAIN);
            CHECK(strncmp(ds.items[i].path, syn, strlen(syn)) == 0);
        }
    CHECK_EQ_INT(from_syn, 8);
    for (size_t i = 1; i < ds.n_items; i++) /* sorted by (root, path) */
        CHECK(ds.items[i - 1].root < ds.items[i].root ||
              (ds.items[i - 1].root == ds.items[i].root &&
               strcmp(ds.items[i - 1].rel, ds.items[i].rel) < 0));
    kws_dataset_free(&ds);

    /* real root at weight 0 (synthetic-only training): its validation and
     * test clips stay, none of its clips is trained on */
    kws_dataset_config c0 = c;
    c0.roots[0].weight = 0.0f;
    CHECK_EQ_INT(kws_dataset_load(&ds, &c0, &err), KWS_OK);
    CHECK_EQ_INT(ds.split_count[1], 7);
    CHECK_EQ_INT(ds.split_count[2], 7);
    /* train: only the synthetic clips (5 + 3) and the second real corpus (4 + 3) */
    CHECK_EQ_INT(ds.class_count[0][0], 5 + 4);
    CHECK_EQ_INT(ds.class_count[0][1], 3);
    CHECK_EQ_INT(ds.class_count[0][2], 3);
    for (size_t i = 0; i < ds.n_items; i++)
        if (ds.items[i].root == 0)
            CHECK(ds.items[i].split != KWS_SPLIT_TRAIN);
    kws_dataset_free(&ds);
    for (int r = 0; r < c0.n_roots; r++)
        c0.roots[r].weight = 0.0f;
    CHECK_EQ_INT(kws_dataset_load(&ds, &c0, &err), KWS_ERR_ARG); /* nothing to train on */
    syn_remove_tree(syn);
    syn_remove_tree(real2);
}

static void test_config_helpers(void)
{
    kws_dataset_config c = kws_dataset_config_default();
    kws_error err;
    CHECK_EQ_INT(c.n_words, 10);
    CHECK(strcmp(c.words[6], "on") == 0);
    CHECK_EQ_INT(kws_dataset_config_set_words(&c, " yes , no,up ", &err), KWS_OK);
    CHECK_EQ_INT(c.n_words, 3);
    CHECK(strcmp(c.words[0], "yes") == 0 && strcmp(c.words[2], "up") == 0);
    CHECK_EQ_INT(kws_dataset_config_set_words(&c, "yes,,no", &err), KWS_ERR_ARG);
    CHECK_EQ_INT(kws_dataset_config_set_words(&c, "yes,yes", &err), KWS_ERR_ARG);
    CHECK_EQ_INT(kws_dataset_config_set_words(&c, "_unknown_", &err), KWS_ERR_ARG);
    CHECK_EQ_INT(kws_dataset_config_set_words(&c, "a/b", &err), KWS_ERR_ARG);
    CHECK_EQ_INT(c.n_words, 3); /* unchanged by failures */

    CHECK_EQ_INT(kws_dataset_config_add_root(&c, "/data/sc/", 1, &err), KWS_OK);
    CHECK(strcmp(c.roots[0].path, "/data/sc") == 0);
    CHECK_EQ_INT(c.roots[0].synthetic, 0); /* the first root is always real */
    CHECK_NEAR(c.roots[0].weight, 1.0, 0);
    CHECK_EQ_INT(kws_dataset_config_add_root(&c, "/data/tts:0.5", 1, &err), KWS_OK);
    CHECK(strcmp(c.roots[1].path, "/data/tts") == 0);
    CHECK_NEAR(c.roots[1].weight, 0.5, 1e-7);
    CHECK_EQ_INT(kws_dataset_config_add_root(&c, "/data/a:b", 1, &err), KWS_OK);
    CHECK(strcmp(c.roots[2].path, "/data/a:b") == 0); /* not a number: part of the path */
    CHECK_EQ_INT(kws_dataset_config_add_root(&c, "/data/x:0", 1, &err), KWS_OK);
    CHECK_NEAR(c.roots[3].weight, 0.0, 0); /* 0: not trained on */
    CHECK_EQ_INT(kws_dataset_config_add_root(&c, "/data/x:-1", 1, &err), KWS_ERR_ARG);
    CHECK_EQ_INT(kws_dataset_config_add_root(&c, ":2", 1, &err), KWS_ERR_ARG);
    CHECK(strcmp(kws_split_name(KWS_SPLIT_VAL), "val") == 0);
}

int main(void)
{
    if (syn_make_dataset(root, sizeof root) != 0)
        return 1;
    test_config_helpers();
    test_words_only();
    test_unknown_silence();
    test_determinism();
    test_errors();
    test_extra_roots();
    syn_remove_tree(root);
    return test_summary("test_data_scan");
}
