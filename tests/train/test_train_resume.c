/* test_train_resume.c - a run interrupted half-way and resumed from its
 * checkpoint ends exactly where the uninterrupted run ends, and bad resumes
 * and mismatched networks are refused before anything is written.
 *
 *  - N epochs in one go vs N/2 epochs, then config.resume = 1 up to N (same
 *    seed, augmentation and dropout on, one BLAS thread; 1 feature worker in
 *    one run, 2 in the other): the checkpoints hold bit-identical parameters,
 *    batch-norm statistics, Adam moments and step; the best models are
 *    bit-identical; the histories agree in every value but the seconds;
 *    the reports agree. The step lr schedule does not depend on the total
 *    epoch count, so stopping after N/2 epochs is a true interruption.
 *  - resume with no checkpoint: an error naming the file, no output;
 *  - resume from a checkpoint with one flipped byte: KWS_ERR_CHECKSUM naming
 *    the file; the model and checkpoint files stay byte for byte as they were;
 *  - resume from a best model (no optimizer state): refused;
 *  - resume from a checkpoint whose epoch disagrees with its history
 *    (re-saved with a valid checksum), or with fewer epochs asked for than
 *    it already holds: refused, the model file untouched (no history
 *    written past its end, no history cut short);
 *  - a network with 4 outputs on a 3-word data set: KWS_ERR_SHAPE naming
 *    both counts, nothing written;
 *  - a word longer than a model's class names can hold: refused up front,
 *    naming it, instead of a model with a cut name that eval cannot match. */
#include "tests/train/train_fixture.h"

#include <string.h>

#include "kws/train.h"
#include "tests/test.h"

enum { N = 4, BATCH = 16 };

static char tmp[512], data[600], net_path[600];

static kws_train_config config(const char *out, int epochs, int threads)
{
    kws_train_config c = kws_train_config_default();
    c.topology_path = net_path;
    c.out_path = out;
    c.epochs = epochs;
    c.batch_size = BATCH;
    c.lr.kind = KWS_LR_STEP;
    c.lr.base_lr = 5e-3f;
    c.lr.warmup_epochs = 1;
    c.lr.step_epochs = 2;
    c.lr.step_gamma = 0.5f;
    c.augment = 1;
    c.seed = 11;
    c.threads = threads;
    return c;
}

static kws_status train(const kws_train_config *c, int n_words, kws_train_report *rep,
                        kws_error *err)
{
    kws_dataset_config dc;
    if (tf_dataset_config(&dc, data, n_words) != 0)
        return KWS_ERR_ARG;
    kws_error_clear(err);
    return kws_train_run(c, &dc, rep, err);
}

static void path_in(char *buf, size_t len, const char *dir, const char *name)
{
    snprintf(buf, len, "%s/%s/%s", tmp, dir, name);
    char d[700];
    snprintf(d, sizeof d, "%s/%s", tmp, dir);
    mkdir(d, 0755);
}

static int same_file(const char *a, const char *b)
{
    size_t na = 0, nb = 0;
    unsigned char *x = tf_read_file(a, &na), *y = tf_read_file(b, &nb);
    int same = x && y && na == nb && memcmp(x, y, na) == 0;
    free(x);
    free(y);
    return same;
}

/* Every array of two loaded models is bit-identical. */
static void check_same_state(const kws_model *a, const kws_model *b)
{
    if (!CHECK(a->topo.n_params == b->topo.n_params && a->topo.n_stats == b->topo.n_stats))
        return;
    size_t np = a->topo.n_params, ns = a->topo.n_stats;
    CHECK(memcmp(a->params, b->params, np * sizeof(float)) == 0);
    CHECK(memcmp(a->bn_stats, b->bn_stats, ns * sizeof(float)) == 0);
    CHECK(memcmp(a->norm_mean, b->norm_mean, sizeof(float) * (size_t)a->n_norm) == 0);
    CHECK(memcmp(a->norm_std, b->norm_std, sizeof(float) * (size_t)a->n_norm) == 0);
    CHECK_EQ_INT(a->has_optim, b->has_optim);
    if (a->has_optim && b->has_optim) {
        CHECK_EQ_INT(a->optim.step, b->optim.step);
        CHECK_EQ_INT(a->optim.epoch, b->optim.epoch);
        CHECK(memcmp(a->optim.adam_m, b->optim.adam_m, np * sizeof(float)) == 0);
        CHECK(memcmp(a->optim.adam_v, b->optim.adam_v, np * sizeof(float)) == 0);
        CHECK_EQ_INT(a->optim.n_rng, b->optim.n_rng);
        CHECK(memcmp(a->optim.rng, b->optim.rng, sizeof a->optim.rng) == 0);
    }
    kws_epoch_stats ha[N + 2], hb[N + 2];
    int na = kws_history_parse(a->meta, ha, N + 2), nb = kws_history_parse(b->meta, hb, N + 2);
    CHECK_EQ_INT(na, N);
    CHECK_EQ_INT(nb, N);
    for (int i = 0; i < na && i < nb; i++) {
        CHECK_EQ_INT(ha[i].epoch, i + 1);
        CHECK_EQ_INT(hb[i].epoch, i + 1);
        CHECK(ha[i].lr == hb[i].lr);
        CHECK(ha[i].train_loss == hb[i].train_loss);
        CHECK(ha[i].train_acc == hb[i].train_acc);
        CHECK(ha[i].val_loss == hb[i].val_loss);
        CHECK(ha[i].val_acc == hb[i].val_acc);
    }
}

static void test_resume_identical(void)
{
    char full[700], half[700];
    path_in(full, sizeof full, "full", "model.kwsm");
    path_in(half, sizeof half, "half", "model.kwsm");
    kws_train_report ra, rb1, rb2;
    kws_error err;

    kws_train_config c = config(full, N, 1);
    if (!CHECK(train(&c, TF_N_WORDS, &ra, &err) == KWS_OK)) {
        fprintf(stderr, "     %s\n", err.msg);
        return;
    }
    c = config(half, N / 2, 2);
    if (!CHECK(train(&c, TF_N_WORDS, &rb1, &err) == KWS_OK)) {
        fprintf(stderr, "     %s\n", err.msg);
        return;
    }
    CHECK_EQ_INT(rb1.epochs_run, N / 2);
    c = config(half, N, 2);
    c.resume = 1;
    if (!CHECK(train(&c, TF_N_WORDS, &rb2, &err) == KWS_OK)) {
        fprintf(stderr, "     %s\n", err.msg);
        return;
    }
    printf("uninterrupted: best epoch %d, val %.3f, test %.3f; resumed: best epoch %d, "
           "val %.3f, test %.3f\n",
           ra.best_epoch, (double)ra.best_val_acc, (double)ra.test_acc, rb2.best_epoch,
           (double)rb2.best_val_acc, (double)rb2.test_acc);
    CHECK_EQ_INT(ra.epochs_run, N);
    CHECK_EQ_INT(rb2.epochs_run, N);
    CHECK_EQ_INT(rb2.best_epoch, ra.best_epoch);
    CHECK(rb2.best_val_acc == ra.best_val_acc);
    CHECK(rb2.test_acc == ra.test_acc);
    CHECK(memcmp(rb2.test.counts, ra.test.counts, sizeof ra.test.counts) == 0);

    char ca[720], cb[720];
    snprintf(ca, sizeof ca, "%s.ckpt", full);
    snprintf(cb, sizeof cb, "%s.ckpt", half);
    kws_model a, b;
    if (CHECK(kws_model_load(&a, ca, NULL, &err) == KWS_OK)) {
        if (CHECK(kws_model_load(&b, cb, NULL, &err) == KWS_OK)) {
            CHECK(a.has_optim && a.optim.epoch == N);
            check_same_state(&a, &b);
            kws_model_free(&b);
        }
        kws_model_free(&a);
    }
    if (CHECK(kws_model_load(&a, full, NULL, &err) == KWS_OK)) {
        if (CHECK(kws_model_load(&b, half, NULL, &err) == KWS_OK)) {
            CHECK(!a.has_optim && !b.has_optim);
            check_same_state(&a, &b);
            kws_model_free(&b);
        }
        kws_model_free(&a);
    }
}

static void test_resume_missing(void)
{
    char out[700], ckpt[700];
    path_in(out, sizeof out, "missing", "model.kwsm");
    path_in(ckpt, sizeof ckpt, "missing", "no-such.ckpt");
    kws_train_config c = config(out, N, 2);
    c.resume = 1;
    c.checkpoint_path = ckpt;
    kws_train_report rep;
    kws_error err;
    kws_status st = train(&c, TF_N_WORDS, &rep, &err);
    CHECK(st == KWS_ERR_IO);
    CHECK(strstr(err.msg, "no-such.ckpt") != NULL);
    printf("missing checkpoint: %s\n", err.msg);
    CHECK(!tf_exists(out));
    CHECK(!tf_exists(ckpt));
}

static void test_resume_corrupt(void)
{
    char src_ckpt[720], src_model[700], out[700], ckpt[700], keep_ckpt[700], keep_out[700];
    snprintf(src_model, sizeof src_model, "%s/half/model.kwsm", tmp);
    snprintf(src_ckpt, sizeof src_ckpt, "%s.ckpt", src_model);
    path_in(out, sizeof out, "corrupt", "model.kwsm");
    path_in(ckpt, sizeof ckpt, "corrupt", "state.ckpt");
    path_in(keep_out, sizeof keep_out, "corrupt", "model.orig");
    path_in(keep_ckpt, sizeof keep_ckpt, "corrupt", "state.orig");
    size_t n = 0, nm = 0;
    unsigned char *bytes = tf_read_file(src_ckpt, &n);
    unsigned char *model = tf_read_file(src_model, &nm);
    if (!CHECK(bytes && model && n > 4096)) {
        free(bytes);
        free(model);
        return;
    }
    bytes[n / 2] ^= 0x10; /* inside the parameters or Adam moments */
    CHECK(tf_write_file(ckpt, bytes, n) == 0 && tf_write_file(keep_ckpt, bytes, n) == 0);
    CHECK(tf_write_file(out, model, nm) == 0 && tf_write_file(keep_out, model, nm) == 0);
    free(bytes);
    free(model);

    kws_train_config c = config(out, N, 2);
    c.resume = 1;
    c.checkpoint_path = ckpt;
    kws_train_report rep;
    kws_error err;
    kws_status st = train(&c, TF_N_WORDS, &rep, &err);
    CHECK(st == KWS_ERR_CHECKSUM);
    CHECK(strstr(err.msg, "state.ckpt") != NULL);
    printf("corrupted checkpoint: %s\n", err.msg);
    CHECK(same_file(out, keep_out));
    CHECK(same_file(ckpt, keep_ckpt));
    char tmpf[720];
    snprintf(tmpf, sizeof tmpf, "%s.tmp", out);
    CHECK(!tf_exists(tmpf));
    snprintf(tmpf, sizeof tmpf, "%s.tmp", ckpt);
    CHECK(!tf_exists(tmpf));

    /* a best model is no checkpoint: it has no optimizer state */
    c.checkpoint_path = keep_out;
    st = train(&c, TF_N_WORDS, &rep, &err);
    CHECK(st != KWS_OK);
    CHECK(strstr(err.msg, "model.orig") != NULL);
    printf("model as checkpoint: %s\n", err.msg);
    CHECK(same_file(out, keep_out));
}

/* Copies checkpoint `src` to `dst` with its epoch count set to `epoch`. */
static int resave_with_epoch(const char *src, const char *dst, int epoch)
{
    kws_model m;
    kws_error err;
    if (kws_model_load(&m, src, NULL, &err) != KWS_OK)
        return -1;
    m.optim.epoch = epoch;
    kws_status st = kws_model_save(&m, dst, &err);
    kws_model_free(&m);
    return st == KWS_OK ? 0 : -1;
}

static void test_resume_inconsistent(void)
{
    char full[700], full_ckpt[720], out[700], keep_out[700], ckpt[700];
    snprintf(full, sizeof full, "%s/full/model.kwsm", tmp);
    snprintf(full_ckpt, sizeof full_ckpt, "%s.ckpt", full);
    path_in(out, sizeof out, "incons", "model.kwsm");
    path_in(keep_out, sizeof keep_out, "incons", "model.orig");
    path_in(ckpt, sizeof ckpt, "incons", "state.ckpt");
    size_t nm = 0;
    unsigned char *model = tf_read_file(full, &nm);
    if (!CHECK(model != NULL))
        return;
    CHECK(tf_write_file(out, model, nm) == 0 && tf_write_file(keep_out, model, nm) == 0);
    free(model);
    kws_train_report rep;
    kws_error err;

    /* N history lines, but the optimizer state says after epoch 1 */
    if (CHECK(resave_with_epoch(full_ckpt, ckpt, 1) == 0)) {
        kws_train_config c = config(out, N, 2);
        c.resume = 1;
        c.checkpoint_path = ckpt;
        kws_status st = train(&c, TF_N_WORDS, &rep, &err);
        CHECK(st != KWS_OK);
        CHECK(strstr(err.msg, "state.ckpt") != NULL);
        printf("epoch/history mismatch: %s\n", err.msg);
        CHECK(same_file(out, keep_out));
    }

    /* a checkpoint after N epochs, resumed with --epochs N/2 */
    kws_train_config c = config(out, N / 2, 2);
    c.resume = 1;
    c.checkpoint_path = full_ckpt;
    kws_status st = train(&c, TF_N_WORDS, &rep, &err);
    CHECK(st != KWS_OK);
    CHECK(strstr(err.msg, "model.kwsm.ckpt") != NULL);
    printf("fewer epochs than done: %s\n", err.msg);
    CHECK(same_file(out, keep_out));
}

static void test_wrong_outputs(void)
{
    char out[700];
    path_in(out, sizeof out, "wrong", "model.kwsm");
    kws_train_config c = config(out, N, 2);
    kws_train_report rep;
    kws_error err;
    kws_status st = train(&c, 3, &rep, &err); /* alpha, beta, gamma */
    CHECK(st == KWS_ERR_SHAPE);
    CHECK(strstr(err.msg, "tiny.kwsnet") != NULL);
    CHECK(strstr(err.msg, "4 outputs") != NULL);
    CHECK(strstr(err.msg, "3 classes") != NULL);
    printf("wrong outputs: %s\n", err.msg);
    CHECK(!tf_exists(out));
    char ckpt[720];
    snprintf(ckpt, sizeof ckpt, "%s.ckpt", out);
    CHECK(!tf_exists(ckpt));
}

static void test_long_class_name(void)
{
    static const char word[] = "a_word_of_thirty_two_characters_"; /* 32 bytes */
    char dir[700], src[700], dst[800], out[700];
    snprintf(dir, sizeof dir, "%s/%s", data, word);
    snprintf(src, sizeof src, "%s/delta/spk10_nohash_0.wav", data);
    snprintf(dst, sizeof dst, "%s/spk00_nohash_0.wav", dir);
    size_t n = 0;
    unsigned char *clip = tf_read_file(src, &n);
    if (!CHECK(clip && mkdir(dir, 0755) == 0 && tf_write_file(dst, clip, n) == 0)) {
        free(clip);
        return;
    }
    free(clip);
    path_in(out, sizeof out, "long", "model.kwsm");
    kws_train_config c = config(out, N, 2);
    kws_dataset_config dc;
    kws_error err;
    kws_train_report rep;
    if (!CHECK(tf_dataset_config(&dc, data, 3) == 0 &&
               kws_dataset_config_set_words(&dc, "alpha,beta,gamma,a_word_of_thirty_two_characters_",
                                            &err) == KWS_OK))
        return;
    kws_error_clear(&err);
    kws_status st = kws_train_run(&c, &dc, &rep, &err);
    CHECK(st == KWS_ERR_ARG);
    CHECK(strstr(err.msg, word) != NULL);
    printf("long class name: %s\n", err.msg);
    CHECK(!tf_exists(out));
}

int main(void)
{
    kws_nn_set_threads(1);
    tf_tiny_net(net_path, sizeof net_path);
    if (!CHECK(syn_tempdir(tmp, sizeof tmp) == 0))
        return test_summary("test_train_resume");
    snprintf(data, sizeof data, "%s/data", tmp);
    if (CHECK(mkdir(data, 0755) == 0) && CHECK(tf_write_dataset(data) == 0)) {
        test_resume_identical();
        test_resume_missing();
        test_resume_corrupt();
        test_resume_inconsistent();
        test_wrong_outputs();
        test_long_class_name(); /* last: adds a word folder to the data set */
    }
    syn_remove_tree(tmp);
    return test_summary("test_train_resume");
}
