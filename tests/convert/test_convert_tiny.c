/* test_convert_tiny.c - a trained network through the whole path:
 * models/tiny.kwsnet trained with kws_train_run on the four tone words of
 * train_fixture.h for --quant int8, hybrid, int8-act and binary-conv,
 * converted with the training split as calibration set, then run by
 * kws_imodel_run on every clip of the fixture (train, validation and test
 * splits, 160 clips), beside the QAT net (kws_net, INFER):
 *  - its weights are exactly the QAT shadow weights (tiny folds batch norm
 *    before ReLU: codes times sign(a_c); binary-conv: packed conv bits);
 *  - (a) on the float input (what `kws eval --integer` compares): the
 *    predictions agree on >= 98 % of the clips, the dequantized logits are
 *    within 5 % (int8-act: 8 %) of the largest |QAT logit|;
 *  - (b) on the same quantized input (QAT gets in_scale * code): the same
 *    bounds, and for int8-act, whose logits are int8 codes on QAT's own
 *    scale, every logit within 3 LSB and >= 70 % of them exact;
 *  - (c) int8-act, (b) again with QAT's float biases replaced by the
 *    integer model's (what quantized biases in QAT would do): >= 97 % of
 *    the logits exact, every one within 2 LSB; what remains is float
 *    rounding in QAT flipping a code at a rounding tie.
 * The measured numbers are printed; docs/quantization.md section 6 quotes
 * them. */
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

/* What each mode must reach (the header's bounds). */
typedef struct {
    kws_quant_mode mode;
    int agree_pct;   /* (a), (b): predictions agree on >= this % of the clips */
    float rel_logit; /* (a), (b): max |logit diff| <= this * max |QAT logit| */
} tiny_tol;

/* (c): QAT's float bias of every conv/dense layer set to what the integer
 * model computes with, bias code * s_x * s_w[c] (through a folded batch
 * norm y = a_c x + d_c: the float bias b with a_c b + d_c = code * s_x *
 * s_w[c] * |a_c|), so that QAT's arithmetic differs from the runtime's only
 * by float rounding. */
static void snap_biases(const kws_imodel *im, kws_net *net)
{
    for (int i = 0; i < im->n_ops; i++) {
        const kws_iop *op = &im->ops[i];
        if (op->kind == KWS_IOP_MAXPOOL || op->kind == KWS_IOP_AFFINE)
            continue;
        const kws_layer_spec *l = &net->topo.layers[op->layer];
        for (int o = 0; o < op->out_c; o++) {
            double acc_lsb = (double)op->in_scale * (double)op->wscale[o];
            double v = (double)op->bias[o] * acc_lsb;
            if (op->bn_fold) {
                double g = net->params[l->gamma_off + o], be = net->params[l->beta_off + o];
                double mu = net->bn_stats[l->stat_off + o];
                double var = net->bn_stats[l->stat_off + l->n_bn + o];
                double a = g / sqrt(var + (double)l->bn_eps), d = be - a * mu;
                v = (v * fabs(a) - d) / a;
            }
            net->params[l->bias_off + o] = (float)v;
        }
    }
}

/* Runs the integer model on the codes xq (n clips) and compares with the
 * QAT logits ql (n, TF_N_WORDS): agreement count, max |diff|, and for int8
 * logits the histogram of code differences (0, 1, 2, > 2 LSB) and the max. */
typedef struct {
    int agree, hist[4];
    long max_lsb;
    float maxd;
} cmp_result;

static cmp_result compare_codes(const kws_imodel *im, void *arena, const int8_t *xq,
                                const float *ql, int n)
{
    cmp_result r;
    memset(&r, 0, sizeof r);
    for (int s = 0; s < n; s++) {
        const float *lq = ql + s * TF_N_WORDS;
        int32_t lg[TF_N_WORDS];
        float li[TF_N_WORDS];
        if (!CHECK(kws_imodel_run(im, arena, kws_imodel_arena_size(im), xq + (size_t)s * IN_N,
                                  lg) == KWS_OK))
            break;
        for (int k = 0; k < TF_N_WORDS; k++) {
            li[k] = im->out_scale * (float)lg[k];
            float d = fabsf(li[k] - lq[k]);
            r.maxd = d > r.maxd ? d : r.maxd;
            long lsb = lroundf(d / im->out_scale);
            r.max_lsb = lsb > r.max_lsb ? lsb : r.max_lsb;
            r.hist[lsb < 3 ? lsb : 3]++;
        }
        r.agree += cv_argmax_f(li, TF_N_WORDS) == cv_argmax_f(lq, TF_N_WORDS);
    }
    return r;
}

static void print_cmp(const char *what, kws_quant_mode mode, const kws_imodel *im,
                      const cmp_result *r, int n, float maxl)
{
    printf("tiny, %-11s: %s: agreement %d (%.1f %%), max |logit diff| %.4g = %.2f %% of max "
           "|logit|",
           kws_quant_mode_str(mode), what, r->agree, 100.0 * r->agree / n, (double)r->maxd,
           100.0 * (double)(r->maxd / maxl));
    if (!im->out_s32)
        printf("; logit codes off by 0 / 1 / 2 / >2 LSB: %d / %d / %d / %d of %d, max %ld",
               r->hist[0], r->hist[1], r->hist[2], r->hist[3], n * TF_N_WORDS, r->max_lsb);
    printf("\n");
}

static void run_mode(const tiny_tol *tol, const kws_dataset_config *dc)
{
    kws_quant_mode mode = tol->mode;
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
    int8_t *xq = NULL;
    float *xd = NULL;
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
    xq = (int8_t *)malloc((size_t)n * IN_N);
    xd = (float *)malloc((size_t)n * IN_N * sizeof(float));
    if (!CHECK(arena && xq && xd))
        goto done;

    /* (a) the float input, as kws eval --integer compares: the integer model
     * quantizes it, QAT does not (and runs float activations unless
     * int8-act): agreement of predictions, logits within a fraction */
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
    printf("tiny, %-11s: test acc %.1f %% (trainer); on %d clips: agreement %d (%.1f %%), "
           "accuracy QAT %.1f %% / integer %.1f %%; max |logit diff| %.4g = %.2f %% of max "
           "|logit| %.4g; %s logits; arena %zu B, ROM %zu B\n",
           kws_quant_mode_str(mode), 100.0 * rep.test_acc, n, agree, 100.0 * agree / n,
           100.0 * right_q / n, 100.0 * right_i / n, (double)maxd,
           100.0 * (double)(maxd / maxl), (double)maxl, im.out_s32 ? "int32" : "int8",
           kws_imodel_arena_size(&im), kws_imodel_bytes_sum(kws_imodel_bytes_total(&im)));
    CHECK(agree * 100 >= tol->agree_pct * n);
    CHECK(maxd <= tol->rel_logit * maxl);

    /* (b) the same quantized input for both (QAT gets in_scale * code):
     * what remains is the arithmetic. int8-act: both produce int8 logit
     * codes on one scale, so the difference counts LSBs */
    for (int s = 0; s < n; s++) {
        int8_t *q = xq + (size_t)s * IN_N;
        kws_imodel_quantize_input(&im, x + (size_t)s * IN_N, q);
        for (int i = 0; i < IN_N; i++) /* C = 1: (H, W, C) is (C, H, W) order */
            xd[(size_t)s * IN_N + i] = im.in_scale * (float)q[i];
    }
    kws_net_forward(&net, xd, n, KWS_MODE_INFER);
    cmp_result rb = compare_codes(&im, arena, xq, net.logits, n);
    print_cmp("same quantized input", mode, &im, &rb, n, maxl);
    CHECK(rb.agree * 100 >= tol->agree_pct * n);
    CHECK(rb.maxd <= tol->rel_logit * maxl);
    if (mode == KWS_QUANT_INT8_ACT) {
        CHECK(!im.out_s32);
        CHECK(rb.max_lsb <= 3);
        CHECK(rb.hist[0] * 100 >= 70 * n * TF_N_WORDS);

        /* (c) and with the integer model's biases in QAT */
        snap_biases(&im, &net);
        kws_net_forward(&net, xd, n, KWS_MODE_INFER);
        cmp_result rc = compare_codes(&im, arena, xq, net.logits, n);
        print_cmp("same input, integer biases", mode, &im, &rc, n, maxl);
        CHECK(rc.agree == n);
        CHECK(rc.max_lsb <= 2);
        CHECK(rc.hist[0] * 100 >= 97 * n * TF_N_WORDS);
    }
done:
    free(arena);
    free(xq);
    free(xd);
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
        static const tiny_tol tols[] = {
            {KWS_QUANT_INT8, 98, 0.05f},
            {KWS_QUANT_HYBRID, 98, 0.05f},
            {KWS_QUANT_INT8_ACT, 98, 0.08f},
            {KWS_QUANT_BINARY_CONV, 98, 0.05f},
        };
        for (size_t i = 0; i < sizeof tols / sizeof tols[0]; i++)
            run_mode(&tols[i], &dc);
    }
    syn_remove_tree(tmp);
    return test_summary("test_convert_tiny");
}
