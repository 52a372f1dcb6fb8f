/* test_convert_tiny.c - a trained network through the whole path:
 * models/tiny.kwsnet trained with kws_train_run on the four tone words of
 * train_fixture.h for --quant int8, hybrid and int8-act, converted with the
 * training split as calibration set, then run by kws_imodel_run on every
 * clip of the fixture (train, validation and test splits, 160 clips):
 *  - its predictions agree with the QAT net's on >= 95 % of the clips;
 *  - its dequantized logits are within 10 % of the largest |QAT logit|
 *    (the observed differences are printed);
 *  - its weights are exactly the QAT shadow weights (tiny folds batch norm
 *    before ReLU: codes times sign(a_c)). */
#include "tests/train/train_fixture.h"

#include <string.h>

#include "kws/imodel.h"
#include "kws/train.h"
#include "tests/convert/convert_util.h"
#include "tests/test.h"

enum { EPOCHS = 6, BATCH = 16, IN_N = 38 * 55, MAX_CLIPS = TF_N_WORDS * TF_CLIPS };

static char tmp[512], data[600];

/* All clips of one split, in order, normalized with the model's norm. */
static int load_split(const kws_dataset *ds, const kws_feature_store *fs, const kws_norm *nm,
                      kws_split split, float *x, int *y, int max)
{
    kws_batch_config bc = kws_batch_config_default();
    bc.split = split;
    bc.sample = 0;
    bc.batch_size = 16;
    kws_batch_iter *it = NULL;
    kws_error err;
    int n = 0;
    if (!CHECK(kws_batch_iter_create(&it, ds, fs, nm, &bc, &err) == KWS_OK) ||
        !CHECK(kws_batch_iter_begin(it, 0, &err) == KWS_OK)) {
        fprintf(stderr, "     %s\n", err.msg);
        kws_batch_iter_free(it);
        return 0;
    }
    kws_batch b;
    while (kws_batch_iter_next(it, &b, &err) == 1)
        for (int i = 0; i < b.size && n < max; i++, n++) {
            memcpy(x + (size_t)n * IN_N, b.x + (size_t)i * IN_N, IN_N * sizeof(float));
            y[n] = b.labels[i];
        }
    kws_batch_iter_free(it);
    return n;
}

static void run_mode(kws_quant_mode mode, const kws_dataset_config *dc)
{
    char out[700], net_path[600];
    snprintf(out, sizeof out, "%s/%s.kwsm", tmp, kws_quant_mode_str(mode));
    kws_train_config cfg = kws_train_config_default();
    cfg.topology_path = tf_tiny_net(net_path, sizeof net_path);
    cfg.out_path = out;
    cfg.epochs = EPOCHS;
    cfg.batch_size = BATCH;
    cfg.lr.base_lr = 1e-2f;
    cfg.lr.min_lr = 1e-3f;
    cfg.augment = 0;
    cfg.seed = 3;
    cfg.threads = 2;
    cfg.quant = mode;
    kws_train_report rep;
    kws_error err;
    kws_error_clear(&err);
    if (!CHECK(kws_train_run(&cfg, dc, &rep, &err) == KWS_OK)) {
        fprintf(stderr, "     %s\n", err.msg);
        return;
    }
    kws_model m;
    kws_model_expect ex = {1, 38, 55, TF_N_WORDS};
    if (!CHECK(kws_model_load(&m, out, &ex, &err) == KWS_OK)) {
        fprintf(stderr, "     %s\n", err.msg);
        return;
    }

    kws_dataset ds;
    kws_feature_store fs;
    kws_net net;
    memset(&ds, 0, sizeof ds);
    memset(&fs, 0, sizeof fs);
    memset(&net, 0, sizeof net);
    kws_imodel im;
    memset(&im, 0, sizeof im);
    float *x = (float *)malloc((size_t)MAX_CLIPS * IN_N * sizeof(float));
    int y[MAX_CLIPS];
    void *arena = NULL;
    int ok = CHECK(x != NULL) && CHECK(kws_dataset_load(&ds, dc, &err) == KWS_OK);
    kws_feature_config fc = kws_feature_config_default();
    fc.mfcc = m.mfcc;
    ok = ok && CHECK(kws_feature_config_resolve(&fc, &err) == KWS_OK);
    kws_feature_store_options fo = {NULL, 2};
    ok = ok && CHECK(kws_feature_store_build(&fs, &ds, &fc, &fo, NULL, &err) == KWS_OK);
    kws_norm nm;
    ok = ok && CHECK(m.n_norm == 38);
    if (!ok) {
        fprintf(stderr, "     %s\n", err.msg);
        goto done;
    }
    nm.n = m.n_norm;
    memcpy(nm.mean, m.norm_mean, sizeof(float) * 38);
    memcpy(nm.std, m.norm_std, sizeof(float) * 38);
    int n_train = load_split(&ds, &fs, &nm, KWS_SPLIT_TRAIN, x, y, MAX_CLIPS);
    int n = n_train;
    n += load_split(&ds, &fs, &nm, KWS_SPLIT_VAL, x + (size_t)n * IN_N, y + n, MAX_CLIPS - n);
    n += load_split(&ds, &fs, &nm, KWS_SPLIT_TEST, x + (size_t)n * IN_N, y + n, MAX_CLIPS - n);
    CHECK_EQ_INT(n, MAX_CLIPS);

    /* calibration: the training split */
    kws_convert_options opt = kws_convert_options_default();
    if (!CHECK(kws_imodel_convert(&im, &m.topo, m.params, m.bn_stats, x, n_train, &opt, &err) ==
               KWS_OK)) {
        fprintf(stderr, "     %s\n", err.msg);
        goto done;
    }
    if (!CHECK(kws_net_create(&net, &m.topo, MAX_CLIPS, &err) == KWS_OK))
        goto done;
    kws_net_set_params(&net, m.params, m.bn_stats);
    kws_net_forward(&net, x, n, KWS_MODE_INFER);

    long checked = 0, bad = cv_check_shadow(&im, &net, &checked);
    CHECK_EQ_INT(bad, 0);
    CHECK_EQ_INT(checked, 4 * 9 + 8 * 4 * 9 + 8 * 8 * 9 + 16 * (8 * 4 * 6) + 4 * 16);

    arena = malloc(kws_imodel_arena_size(&im));
    int agree = 0, right_q = 0, right_i = 0;
    float maxd = 0.0f, maxl = 0.0f, li[TF_N_WORDS];
    for (int s = 0; s < n; s++) {
        const float *lq = net.logits + s * TF_N_WORDS;
        if (!CHECK(cv_run(&im, arena, x + (size_t)s * IN_N, li) == KWS_OK))
            break;
        for (int k = 0; k < TF_N_WORDS; k++) {
            maxd = fabsf(li[k] - lq[k]) > maxd ? fabsf(li[k] - lq[k]) : maxd;
            maxl = fabsf(lq[k]) > maxl ? fabsf(lq[k]) : maxl;
        }
        int pi = cv_argmax_f(li, TF_N_WORDS), pq = cv_argmax_f(lq, TF_N_WORDS);
        agree += pi == pq;
        right_i += pi == y[s];
        right_q += pq == y[s];
    }
    printf("tiny, %-8s: test acc %.1f %% (trainer); on %d clips: agreement %d (%.1f %%), "
           "accuracy QAT %.1f %% / integer %.1f %%; max |logit diff| %.4g = %.2f %% of max "
           "|logit| %.4g; %s logits; arena %zu B, ROM %zu B\n",
           kws_quant_mode_str(mode), 100.0 * rep.test_acc, n, agree, 100.0 * agree / n,
           100.0 * right_q / n, 100.0 * right_i / n, (double)maxd,
           100.0 * (double)(maxd / maxl), (double)maxl, im.out_s32 ? "int32" : "int8",
           kws_imodel_arena_size(&im), kws_imodel_bytes_sum(kws_imodel_bytes_total(&im)));
    CHECK(agree * 100 >= 95 * n);
    CHECK(maxd <= 0.1f * maxl);
done:
    free(arena);
    free(x);
    kws_imodel_free(&im);
    kws_net_free(&net);
    kws_feature_store_free(&fs);
    kws_dataset_free(&ds);
    kws_model_free(&m);
}

int main(void)
{
    kws_nn_set_threads(1);
    if (!CHECK(syn_tempdir(tmp, sizeof tmp) == 0))
        return test_summary("test_convert_tiny");
    snprintf(data, sizeof data, "%s/data", tmp);
    kws_dataset_config dc;
    if (CHECK(mkdir(data, 0755) == 0) && CHECK(tf_write_dataset(data) == 0) &&
        CHECK(tf_dataset_config(&dc, data, TF_N_WORDS) == 0)) {
        run_mode(KWS_QUANT_INT8, &dc);
        run_mode(KWS_QUANT_HYBRID, &dc);
        run_mode(KWS_QUANT_INT8_ACT, &dc);
    }
    syn_remove_tree(tmp);
    return test_summary("test_convert_tiny");
}
