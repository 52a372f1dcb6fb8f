/* test_train_e2e.c - kws_train_run from generated audio to a saved model:
 * models/tiny.kwsnet learns four tone "words" (train_fixture.h) to >= 90 %
 * validation and test accuracy in a few epochs, with augmentation on and
 * off. Then, independently of the trainer:
 *  - the best model file loads, and kws_evaluate of a fresh net built from
 *    it on the test split gives the confusion matrix the report holds;
 *  - the report's numbers follow from the saved history (best epoch = the
 *    first epoch of highest validation accuracy, one "h" line per epoch);
 *  - the checkpoint exists and holds the optimizer state of the last epoch
 *    (epochs x batches-per-epoch Adam steps). */
#include "tests/train/train_fixture.h"

#include <string.h>
#include <time.h>

#include "kws/train.h"
#include "tests/test.h"

enum { EPOCHS = 5, BATCH = 16 };

static char tmp[512], data[600];

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Lines of meta that start with "h " (the history), counted by hand. */
static int count_history_lines(const char *meta)
{
    int n = 0;
    for (const char *p = meta; p && *p;) {
        if (p[0] == 'h' && p[1] == ' ')
            n++;
        p = strchr(p, '\n');
        if (p)
            p++;
    }
    return n;
}

/* Evaluates the saved model on the test split with its own net and
 * normalization; fills cm. */
static int evaluate_saved(const kws_model *m, const kws_dataset_config *dc, kws_confusion *cm)
{
    kws_error err;
    kws_dataset ds;
    kws_feature_store fs;
    kws_net net;
    kws_batch_iter *it = NULL;
    memset(&ds, 0, sizeof ds);
    memset(&fs, 0, sizeof fs);
    memset(&net, 0, sizeof net);
    int ok = CHECK(kws_dataset_load(&ds, dc, &err) == KWS_OK);
    kws_feature_config fc = kws_feature_config_default();
    fc.mfcc = m->mfcc;
    ok = ok && CHECK(kws_feature_config_resolve(&fc, &err) == KWS_OK);
    kws_feature_store_options fo = {NULL, 2};
    ok = ok && CHECK(kws_feature_store_build(&fs, &ds, &fc, &fo, NULL, &err) == KWS_OK);
    kws_norm nm;
    ok = ok && CHECK(m->n_norm == 38);
    if (ok) {
        nm.n = m->n_norm;
        memcpy(nm.mean, m->norm_mean, sizeof(float) * (size_t)m->n_norm);
        memcpy(nm.std, m->norm_std, sizeof(float) * (size_t)m->n_norm);
    }
    kws_batch_config bc = kws_batch_config_default();
    bc.split = KWS_SPLIT_TEST;
    bc.sample = 0;
    bc.batch_size = 5; /* not the trainer's batch size */
    ok = ok && CHECK(kws_batch_iter_create(&it, &ds, &fs, &nm, &bc, &err) == KWS_OK);
    ok = ok && CHECK(kws_net_create(&net, &m->topo, bc.batch_size, &err) == KWS_OK);
    if (ok) {
        kws_net_set_params(&net, m->params, m->bn_stats);
        ok = CHECK(kws_evaluate(&net, it, cm, &err) == KWS_OK);
    }
    if (!ok)
        fprintf(stderr, "     %s\n", err.msg);
    kws_batch_iter_free(it);
    kws_net_free(&net);
    kws_feature_store_free(&fs);
    kws_dataset_free(&ds);
    return ok;
}

static void run(int augment)
{
    char out[700], ckpt[720], net_path[600];
    snprintf(out, sizeof out, "%s/aug%d/model.kwsm", tmp, augment);
    snprintf(ckpt, sizeof ckpt, "%s.ckpt", out);
    char dir[620];
    snprintf(dir, sizeof dir, "%s/aug%d", tmp, augment);
    mkdir(dir, 0755);

    kws_dataset_config dc;
    if (!CHECK(tf_dataset_config(&dc, data, TF_N_WORDS) == 0))
        return;
    kws_train_config cfg = kws_train_config_default();
    cfg.topology_path = tf_tiny_net(net_path, sizeof net_path);
    cfg.out_path = out;
    cfg.epochs = EPOCHS;
    cfg.batch_size = BATCH;
    cfg.lr.base_lr = 1e-2f;
    cfg.lr.min_lr = 1e-3f;
    cfg.augment = augment;
    cfg.seed = 3;
    cfg.threads = 2;
    kws_train_report rep;
    kws_error err;
    kws_error_clear(&err);
    double t0 = now_s();
    kws_status st = kws_train_run(&cfg, &dc, &rep, &err);
    double secs = now_s() - t0;
    if (!CHECK(st == KWS_OK)) {
        fprintf(stderr, "     %s\n", err.msg);
        return;
    }
    printf("augment %d: %d epochs in %.2f s, best epoch %d, val %.1f %%, test %.1f %%, "
           "%.0f samples/s\n",
           augment, rep.epochs_run, secs, rep.best_epoch, 100.0 * rep.best_val_acc,
           100.0 * rep.test_acc, rep.train_samples_per_s);

    CHECK_EQ_INT(rep.epochs_run, EPOCHS);
    CHECK(rep.best_epoch >= 1 && rep.best_epoch <= EPOCHS);
    CHECK(rep.best_val_acc >= 0.9f);
    CHECK(rep.test_acc >= 0.9f);
    CHECK(rep.train_samples_per_s > 0.0);
    CHECK_EQ_INT(rep.test.n_classes, TF_N_WORDS);
    CHECK_EQ_INT(rep.test.total, TF_N_WORDS * TF_TEST);
    long row_sum = 0;
    for (int c = 0; c < TF_N_WORDS * TF_N_WORDS; c++)
        row_sum += rep.test.counts[c];
    CHECK_EQ_INT(row_sum, TF_N_WORDS * TF_TEST);
    for (int t = 0; t < TF_N_WORDS; t++) { /* every class has TF_TEST test clips */
        long row = 0;
        for (int p = 0; p < TF_N_WORDS; p++)
            row += rep.test.counts[t * TF_N_WORDS + p];
        CHECK_EQ_INT(row, TF_TEST);
    }

    /* the best model, evaluated without the trainer */
    kws_model m;
    kws_model_expect ex = {1, 38, 55, TF_N_WORDS};
    if (!CHECK(kws_model_load(&m, out, &ex, &err) == KWS_OK)) {
        fprintf(stderr, "     %s\n", err.msg);
        return;
    }
    CHECK(!m.has_optim);
    CHECK_EQ_INT(m.n_classes, TF_N_WORDS);
    CHECK(strcmp(m.class_names[0], "alpha") == 0 && strcmp(m.class_names[3], "delta") == 0);
    kws_confusion *cm = (kws_confusion *)calloc(1, sizeof *cm);
    if (cm && evaluate_saved(&m, &dc, cm)) {
        CHECK_EQ_INT(cm->total, rep.test.total);
        CHECK(memcmp(cm->counts, rep.test.counts, sizeof cm->counts) == 0);
        CHECK_NEAR(kws_confusion_accuracy(cm), rep.test_acc, 1e-6);
        CHECK_NEAR(cm->loss_sum, rep.test.loss_sum, 1e-3 * (1.0 + rep.test.loss_sum));
    }
    free(cm);

    /* the history and summary in its metadata */
    CHECK_EQ_INT(count_history_lines(m.meta), EPOCHS);
    kws_epoch_stats h[EPOCHS + 4];
    int n = kws_history_parse(m.meta, h, EPOCHS + 4);
    CHECK_EQ_INT(n, EPOCHS);
    float best = -1.0f;
    int best_epoch = 0;
    for (int i = 0; i < n; i++) {
        CHECK_EQ_INT(h[i].epoch, i + 1);
        CHECK(h[i].lr > 0.0f && h[i].lr <= cfg.lr.base_lr);
        CHECK(h[i].train_loss > 0.0f && isfinite(h[i].train_loss));
        CHECK(h[i].val_acc >= 0.0f && h[i].val_acc <= 1.0f);
        CHECK(h[i].seconds >= 0.0f);
        if (h[i].val_acc > best)
            best = h[i].val_acc, best_epoch = h[i].epoch;
    }
    CHECK(n < 2 || h[n - 1].train_loss < h[0].train_loss);
    CHECK_EQ_INT(rep.best_epoch, best_epoch);
    CHECK(rep.best_val_acc == best);
    const char *ta = strstr(m.meta, "\ntest_acc ");
    CHECK(ta != NULL);
    if (ta)
        CHECK_NEAR(atof(ta + 10), rep.test_acc, 1e-6);
    const char *be = strstr(m.meta, "\nbest_epoch ");
    CHECK(be != NULL && atoi(be + 12) == best_epoch);
    kws_model_free(&m);

    /* the checkpoint: state after the last epoch */
    CHECK(tf_exists(ckpt));
    if (CHECK(kws_model_load(&m, ckpt, &ex, &err) == KWS_OK)) {
        CHECK(m.has_optim);
        CHECK_EQ_INT(m.optim.epoch, EPOCHS);
        /* balanced epochs have the split's size; the last short batch is dropped */
        CHECK_EQ_INT(m.optim.step, (long)EPOCHS * ((TF_N_WORDS * TF_TRAIN) / BATCH));
        CHECK_EQ_INT(count_history_lines(m.meta), EPOCHS);
        kws_model_free(&m);
    } else {
        fprintf(stderr, "     %s\n", err.msg);
    }
    snprintf(ckpt, sizeof ckpt, "%s.tmp", out);
    CHECK(!tf_exists(ckpt)); /* no leftover of the atomic saves */
}

int main(void)
{
    kws_nn_set_threads(1);
    double t0 = now_s();
    if (!CHECK(syn_tempdir(tmp, sizeof tmp) == 0))
        return test_summary("test_train_e2e");
    snprintf(data, sizeof data, "%s/data", tmp);
    if (CHECK(mkdir(data, 0755) == 0) && CHECK(tf_write_dataset(data) == 0)) {
        printf("data set written in %.2f s\n", now_s() - t0);
        run(1);
        run(0);
    }
    syn_remove_tree(tmp);
    printf("total %.2f s\n", now_s() - t0);
    return test_summary("test_train_e2e");
}
