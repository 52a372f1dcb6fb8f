/* test_data_sampler.c - epoch sampling: exact class balance, per-item
 * coverage inside a class, plain permutations, root weights, and seeded,
 * stateless epochs. */
#include "tests/data_pipeline/synth_data.h"

#include <string.h>

#include "kws/dataset.h"
#include "tests/test.h"

static char root[512], extra[512];

static size_t *draw(kws_sampler *s, int epoch)
{
    size_t *o = (size_t *)malloc(s->epoch_size * sizeof *o);
    kws_sampler_epoch(s, epoch, o);
    return o;
}

static void test_balanced(const kws_dataset *ds)
{
    kws_sampler s;
    kws_error err;
    kws_sampler_config sc = {1, 5000, 3};
    CHECK_EQ_INT(kws_sampler_init(&s, ds, KWS_SPLIT_TRAIN, &sc, &err), KWS_OK);
    CHECK_EQ_INT(s.permutation, 0);
    CHECK_EQ_INT(s.epoch_size, 5000);
    size_t *o = draw(&s, 0);
    size_t per_class[KWS_MAX_CLASSES] = {0};
    size_t *per_item = (size_t *)calloc(ds->n_items, sizeof *per_item);
    for (size_t k = 0; k < s.epoch_size; k++) {
        CHECK_EQ_INT(ds->items[o[k]].split, KWS_SPLIT_TRAIN);
        per_class[ds->items[o[k]].label]++;
        per_item[o[k]]++;
    }
    /* 5 classes: exactly 1000 each, though gamma has 6 clips and alpha 14 */
    for (int c = 0; c < ds->n_classes; c++)
        CHECK_EQ_INT(per_class[c], 1000);
    /* inside a class every item is seen floor or ceil of draws / size times */
    for (size_t k = 0; k < ds->split_count[0]; k++) {
        size_t i = ds->split_items[0][k];
        size_t n = ds->class_count[0][ds->items[i].label];
        CHECK(per_item[i] == 1000 / n || per_item[i] == 1000 / n + 1);
    }
    /* shuffled: the first 50 draws are not all one class */
    int mixed = 0;
    for (size_t k = 1; k < 50; k++)
        mixed |= ds->items[o[k]].label != ds->items[o[0]].label;
    CHECK(mixed);

    /* stateless: epoch 2 is the same from a fresh sampler; epochs differ */
    size_t *o1 = draw(&s, 1), *o2 = draw(&s, 2);
    kws_sampler t;
    CHECK_EQ_INT(kws_sampler_init(&t, ds, KWS_SPLIT_TRAIN, &sc, &err), KWS_OK);
    size_t *p2 = draw(&t, 2);
    CHECK(memcmp(o2, p2, s.epoch_size * sizeof *o2) == 0);
    CHECK(memcmp(o1, o2, s.epoch_size * sizeof *o2) != 0);
    /* another seed, another order */
    kws_sampler u;
    sc.seed = 4;
    CHECK_EQ_INT(kws_sampler_init(&u, ds, KWS_SPLIT_TRAIN, &sc, &err), KWS_OK);
    size_t *q2 = draw(&u, 2);
    CHECK(memcmp(o2, q2, s.epoch_size * sizeof *o2) != 0);
    free(o);
    free(o1);
    free(o2);
    free(p2);
    free(q2);
    free(per_item);
    kws_sampler_free(&s);
    kws_sampler_free(&t);
    kws_sampler_free(&u);

    /* default epoch size = split size, still balanced by largest remainder */
    kws_sampler_config d = {1, 0, 1};
    CHECK_EQ_INT(kws_sampler_init(&s, ds, KWS_SPLIT_TRAIN, &d, &err), KWS_OK);
    CHECK_EQ_INT(s.epoch_size, ds->split_count[0]);
    size_t tot = 0;
    for (int c = 0; c < ds->n_classes; c++) {
        CHECK(s.class_draws[c] == s.epoch_size / 5 || s.class_draws[c] == s.epoch_size / 5 + 1);
        tot += s.class_draws[c];
    }
    CHECK_EQ_INT(tot, s.epoch_size);
    kws_sampler_free(&s);
}

static void test_permutation(const kws_dataset *ds)
{
    kws_sampler s;
    kws_error err;
    kws_sampler_config sc = {0, 0, 9};
    CHECK_EQ_INT(kws_sampler_init(&s, ds, KWS_SPLIT_TRAIN, &sc, &err), KWS_OK);
    CHECK_EQ_INT(s.permutation, 1);
    size_t *o = draw(&s, 0);
    size_t *seen = (size_t *)calloc(ds->n_items, sizeof *seen);
    int in_order = 1;
    for (size_t k = 0; k < s.epoch_size; k++) {
        seen[o[k]]++;
        in_order &= o[k] == ds->split_items[0][k];
    }
    CHECK(!in_order);
    for (size_t k = 0; k < ds->split_count[0]; k++)
        CHECK_EQ_INT(seen[ds->split_items[0][k]], 1);
    free(o);
    free(seen);
    kws_sampler_free(&s);

    /* an empty split is an error */
    kws_dataset empty = *ds;
    empty.split_count[KWS_SPLIT_TEST] = 0;
    CHECK_EQ_INT(kws_sampler_init(&s, &empty, KWS_SPLIT_TEST, &sc, &err), KWS_ERR_ARG);
}

static void test_weights(void)
{
    /* alpha: 14 real clips (weight 1) + 5 synthetic ones (weight 3) */
    kws_dataset_config c = kws_dataset_config_default();
    kws_error err;
    kws_dataset_config_set_words(&c, "alpha,beta,gamma", &err);
    kws_dataset_config_add_root(&c, root, 0, &err);
    char spec[600];
    snprintf(spec, sizeof spec, "%s:3", extra);
    kws_dataset_config_add_root(&c, spec, 1, &err);
    kws_dataset ds;
    CHECK_EQ_INT(kws_dataset_load(&ds, &c, &err), KWS_OK);
    CHECK_EQ_INT(ds.class_count[0][0], 19);

    kws_sampler s;
    kws_sampler_config sc = {1, 60000, 5};
    CHECK_EQ_INT(kws_sampler_init(&s, &ds, KWS_SPLIT_TRAIN, &sc, &err), KWS_OK);
    CHECK_EQ_INT(s.class_uniform[0], 0);
    CHECK_EQ_INT(s.class_uniform[1], 1);
    size_t *o = draw(&s, 0);
    size_t alpha = 0, alpha_syn = 0;
    for (size_t k = 0; k < s.epoch_size; k++)
        if (ds.items[o[k]].label == 0) {
            alpha++;
            alpha_syn += ds.items[o[k]].root == 1;
        }
    CHECK_EQ_INT(alpha, 20000);
    /* expected synthetic share 15 / (14 + 15) = 0.517 */
    CHECK_NEAR((double)alpha_syn / (double)alpha, 15.0 / 29.0, 0.02);
    free(o);
    kws_sampler_free(&s);

    /* without balancing, a class's share follows its weighted size:
     * alpha 14 + 15 = 29, beta 14, gamma 6 -> 29/49 */
    sc.balance_classes = 0;
    CHECK_EQ_INT(kws_sampler_init(&s, &ds, KWS_SPLIT_TRAIN, &sc, &err), KWS_OK);
    CHECK_EQ_INT(s.permutation, 0);
    CHECK_NEAR((double)s.class_draws[0] / 60000.0, 29.0 / 49.0, 1e-4);
    CHECK_NEAR((double)s.class_draws[2] / 60000.0, 6.0 / 49.0, 1e-4);
    kws_sampler_free(&s);
    kws_dataset_free(&ds);
}

int main(void)
{
    if (syn_make_dataset(root, sizeof root) != 0 || syn_tempdir(extra, sizeof extra) != 0 ||
        syn_write_words(extra, 1, 5) != 0)
        return 1;
    kws_dataset_config c = kws_dataset_config_default();
    kws_error err;
    kws_dataset_config_set_words(&c, "alpha,beta,gamma", &err);
    kws_dataset_config_add_root(&c, root, 0, &err);
    c.use_unknown = 1;
    c.unknown_fraction = 0.5f;
    c.use_silence = 1;
    kws_dataset ds;
    if (kws_dataset_load(&ds, &c, &err) != KWS_OK) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    test_balanced(&ds);
    test_permutation(&ds);
    test_weights();
    kws_dataset_free(&ds);
    syn_remove_tree(root);
    syn_remove_tree(extra);
    return test_summary("test_data_sampler");
}
