/* train.c - the training loop: data, epochs, validation, checkpoints,
 * best-model keeping, early stopping, final test evaluation.
 *
 * Files it writes (all atomically, through kws_model_save):
 *   out_path          the best model so far (highest validation accuracy);
 *   checkpoint_path   the state after the last completed epoch, with the
 *                     optimizer moments, step and the dropout generator.
 * The history of every epoch and the best score travel in the metadata
 * text of both, so --resume restores them too. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kws/train.h"
#include "kws/convert.h"

#define META_MAX (256 * 1024)

kws_train_config kws_train_config_default(void)
{
    kws_train_config c;
    memset(&c, 0, sizeof c);
    c.topology_path = "models/paper.kwsnet";
    c.epochs = 30;
    c.batch_size = 64;
    c.optimizer = KWS_OPT_ADAM;
    c.lr.kind = KWS_LR_COSINE;
    c.lr.base_lr = 1e-3f;
    c.lr.min_lr = 1e-5f;
    c.lr.warmup_epochs = 1;
    c.lr.step_epochs = 10;
    c.lr.step_gamma = 0.1f;
    c.momentum = 0.9f;
    c.balance = 1;
    c.augment = 1;
    c.aug = kws_augment_config_default();
    c.seed = 1;
    return c;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void format_duration(char *buf, size_t len, double s)
{
    long t = (long)(s + 0.5);
    if (t >= 3600)
        snprintf(buf, len, "%ldh%02ldm", t / 3600, (t / 60) % 60);
    else
        snprintf(buf, len, "%ldm%02lds", t / 60, t % 60);
}

/* Everything one run holds; freed by run_free. */
typedef struct {
    kws_dataset ds;
    kws_feature_store fs;
    kws_norm norm;
    kws_batch_iter *train_it, *val_it, *test_it;
    kws_net net;
    kws_topology topo;
    float *probs, *dlogits;       /* (B, n_classes) */
    float *best_params, *best_stats;
    kws_epoch_stats *hist;        /* (cfg->epochs) */
    int n_hist;
    int best_epoch;
    float best_val_acc;
    char *meta;                   /* META_MAX */
} run_state;

static void run_free(run_state *r)
{
    kws_batch_iter_free(r->train_it);
    kws_batch_iter_free(r->val_it);
    kws_batch_iter_free(r->test_it);
    kws_net_free(&r->net);
    kws_feature_store_free(&r->fs);
    kws_dataset_free(&r->ds);
    free(r->probs);
    free(r->dlogits);
    free(r->best_params);
    free(r->best_stats);
    free(r->hist);
    free(r->meta);
}

/* Metadata text: a few "key value" lines and one "h ..." line per epoch. */
static void build_meta(run_state *r, const kws_train_config *cfg, const char *extra)
{
    size_t n = 0, cap = META_MAX;
    char *m = r->meta;
#define META(...) n += (size_t)snprintf(m + n, n < cap ? cap - n : 0, __VA_ARGS__)
    META("kws-train 1\n");
    META("command %s\n", cfg->command_line ? cfg->command_line : "(library call)");
    for (int i = 0; i < r->ds.cfg.n_roots; i++)
        META("data %s:%g%s\n", r->ds.cfg.roots[i].path, (double)r->ds.cfg.roots[i].weight,
             r->ds.cfg.roots[i].synthetic ? " synthetic" : "");
    META("split train %zu val %zu test %zu\n", r->ds.split_count[KWS_SPLIT_TRAIN],
         r->ds.split_count[KWS_SPLIT_VAL], r->ds.split_count[KWS_SPLIT_TEST]);
    META("seed %llu\n", (unsigned long long)cfg->seed);
    META("best_epoch %d\nbest_val_acc %.6f\n", r->best_epoch, (double)r->best_val_acc);
    if (extra)
        META("%s", extra);
    META("history epoch lr train_loss train_acc val_loss val_acc seconds\n");
    for (int i = 0; i < r->n_hist; i++) {
        const kws_epoch_stats *h = &r->hist[i];
        META("h %d %.9g %.9g %.9g %.9g %.9g %.9g\n", h->epoch, (double)h->lr,
             (double)h->train_loss, (double)h->train_acc, (double)h->val_loss,
             (double)h->val_acc, (double)h->seconds);
    }
#undef META
    if (n >= cap)
        m[cap - 1] = '\0';
}

/* The best_epoch and best_val_acc lines of a metadata text (the values are
 * left as they are where a line is missing). */
static void meta_best(const char *meta, int *epoch, float *acc)
{
    for (const char *p = meta; p && *p;) {
        sscanf(p, "best_epoch %d", epoch);
        float v;
        if (sscanf(p, "best_val_acc %f", &v) == 1)
            *acc = v;
        p = strchr(p, '\n');
        if (p)
            p++;
    }
}

/* Restores history and best score from a checkpoint's metadata. */
static void parse_meta(run_state *r, const char *meta, int max_epochs)
{
    r->n_hist = kws_history_parse(meta, r->hist, max_epochs);
    meta_best(meta, &r->best_epoch, &r->best_val_acc);
}

/* Fills a kws_model that borrows the run's arrays. */
static void make_model(kws_model *m, run_state *r, const kws_feature_config *fc)
{
    kws_model_from_net(m, &r->net);
    m->n_classes = r->ds.n_classes;
    for (int c = 0; c < r->ds.n_classes; c++)
        snprintf(m->class_names[c], sizeof m->class_names[c], "%.*s",
                 (int)sizeof m->class_names[c] - 1, r->ds.class_names[c]); /* checked to fit */
    m->mfcc = fc->mfcc;
    m->n_norm = r->norm.n;
    m->norm_mean = r->norm.mean;
    m->norm_std = r->norm.std;
    m->meta = r->meta;
    m->meta_len = strlen(r->meta);
}

static kws_status save_checkpoint(run_state *r, const kws_feature_config *fc, const char *path,
                                  const kws_adam *adam, int epoch, kws_error *err)
{
    kws_model m;
    make_model(&m, r, fc);
    m.has_optim = 1;
    m.optim.step = adam->step;
    m.optim.epoch = epoch;
    m.optim.n_rng = 2; /* [0] data order: stateless (derived from seed and epoch) */
    m.optim.rng[1] = r->net.rng;
    m.optim.adam_m = r->net.adam_m;
    m.optim.adam_v = r->net.adam_v;
    return kws_model_save(&m, path, err);
}

/* Saves the best parameters (kept in memory) as the model at out_path;
 * with `calibrate`, first measures the integer conversion's activation
 * ranges on KWS_CALIB_WINDOWS training windows and stores them (CALIB). */
static kws_status save_best(run_state *r, const kws_feature_config *fc, const char *path,
                            int calibrate, kws_error *err)
{
    kws_model m;
    make_model(&m, r, fc);
    m.params = r->best_params;
    m.bn_stats = r->best_stats;
    float *ranges = NULL;
    if (calibrate) {
        int n_calib = KWS_CALIB_WINDOWS;
        float *calib = kws_features_calibration_windows(&r->ds, &r->fs, fc, &r->norm, &n_calib);
        if (!calib)
            return kws_error_set(err, KWS_ERR_NOMEM, "out of memory for calibration windows");
        kws_status st = kws_model_calibrate(&m, calib, n_calib, &ranges, &m.n_ranges, err);
        free(calib);
        if (st != KWS_OK)
            return st;
        m.ranges = ranges;
    }
    kws_status st = kws_model_save(&m, path, err);
    free(ranges);
    return st;
}

static kws_status load_checkpoint(run_state *r, const char *path, kws_adam *adam, int *epoch,
                                  int max_epochs, kws_error *err)
{
    kws_model m;
    kws_model_expect ex = {r->topo.in_c, r->topo.in_h, r->topo.in_w, r->topo.n_classes};
    kws_status st = kws_model_load(&m, path, &ex, err);
    if (st)
        return st;
    if (!m.has_optim || m.topo.n_params != r->net.n_params || m.topo.n_stats != r->net.n_stats) {
        kws_model_free(&m);
        return kws_error_set(err, KWS_ERR_SHAPE,
                             "%s: not a checkpoint of this network (no optimizer state or "
                             "a different parameter count)", path);
    }
    kws_net_set_params(&r->net, m.params, m.bn_stats);
    memcpy(r->net.adam_m, m.optim.adam_m, sizeof(float) * r->net.n_params);
    memcpy(r->net.adam_v, m.optim.adam_v, sizeof(float) * r->net.n_params);
    adam->step = m.optim.step;
    if (m.optim.n_rng >= 2)
        r->net.rng = m.optim.rng[1];
    *epoch = m.optim.epoch;
    parse_meta(r, m.meta, max_epochs);
    kws_model_free(&m);
    /* one history line per completed epoch: the loop appends the rest */
    if (*epoch > max_epochs)
        return kws_error_set(err, KWS_ERR_ARG,
                             "%s: the checkpoint is after epoch %d, more than the %d epochs "
                             "asked for", path, *epoch, max_epochs);
    if (*epoch < 0 || r->n_hist != *epoch)
        return kws_error_set(err, KWS_ERR_FORMAT,
                             "%s: the checkpoint is after epoch %d but its history holds %d",
                             path, *epoch, r->n_hist);
    return KWS_OK;
}

/* --init: the starting point from a model of the same layers (its quantization
 * may differ): parameters, bn statistics (activation ranges too where both
 * are a=int8; others start at 0, set by the first batch) and normalization. */
static kws_status load_init(run_state *r, const char *path, kws_error *err)
{
    kws_model m;
    kws_model_expect ex = {r->topo.in_c, r->topo.in_h, r->topo.in_w, r->topo.n_classes};
    kws_status st = kws_model_load(&m, path, &ex, err);
    if (st)
        return st;
    const kws_topology *a = &m.topo, *b = &r->net.topo;
    int same = a->n_layers == b->n_layers && a->n_params == b->n_params;
    for (int i = 0; same && i < a->n_layers; i++) {
        const kws_layer_spec *x = &a->layers[i], *y = &b->layers[i];
        same = x->kind == y->kind && x->units == y->units && x->kernel == y->kernel &&
               x->in_c == y->in_c && x->in_h == y->in_h && x->in_w == y->in_w &&
               x->n_bn == y->n_bn && x->weight_off == y->weight_off;
    }
    if (!same || m.n_norm != r->norm.n) {
        kws_model_free(&m);
        return kws_error_set(err, KWS_ERR_SHAPE,
                             "%s: --init needs a model of the same layers and features as the "
                             "network being trained", path);
    }
    kws_net_set_params(&r->net, m.params, NULL);
    for (int i = 0; i < b->n_layers; i++) {
        const kws_layer_spec *x = &a->layers[i], *y = &b->layers[i];
        memcpy(r->net.bn_stats + y->stat_off, m.bn_stats + x->stat_off,
               2 * y->n_bn * sizeof(float));
        if (x->aq == KWS_QA_INT8 && y->aq == KWS_QA_INT8)
            r->net.bn_stats[y->act_off] = m.bn_stats[x->act_off];
    }
    memcpy(r->norm.mean, m.norm_mean, (size_t)m.n_norm * sizeof(float));
    memcpy(r->norm.std, m.norm_std, (size_t)m.n_norm * sizeof(float));
    kws_model_free(&m);
    return KWS_OK;
}

static int argmax(const float *z, int n)
{
    int best = 0;
    for (int c = 1; c < n; c++)
        if (z[c] > z[best])
            best = c;
    return best;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

kws_status kws_train_run(const kws_train_config *cfg, const kws_dataset_config *data,
                         kws_train_report *rep, kws_error *err)
{
    run_state r;
    memset(&r, 0, sizeof r);
    memset(rep, 0, sizeof *rep);
    FILE *log = cfg->log;
    kws_status st;
    char ckpt_buf[KWS_ROOT_PATH_MAX + 16];
    const char *ckpt = cfg->checkpoint_path;
    if (!ckpt) {
        snprintf(ckpt_buf, sizeof ckpt_buf, "%s.ckpt", cfg->out_path);
        ckpt = ckpt_buf;
    }
    if (cfg->epochs < 1 || cfg->epochs > KWS_TRAIN_MAX_EPOCHS || cfg->batch_size < 1 ||
        cfg->batch_size > 4096)
        return kws_error_set(err, KWS_ERR_ARG, "epochs must be in [1, %d] and batch in [1, 4096]",
                             KWS_TRAIN_MAX_EPOCHS);

    int err_line = 0;
    if ((st = kws_topology_load(&r.topo, cfg->topology_path, &err_line, err)))
        return st;
    if ((st = kws_quant_apply_mode(&r.topo, cfg->quant, err)))
        return st;
    if ((st = kws_dataset_load(&r.ds, data, err)))
        goto done;

    kws_feature_config fc = kws_feature_config_default();
    if ((st = kws_feature_config_resolve(&fc, err)))
        goto done;
    if (r.topo.in_c != 1 || r.topo.in_h != fc.mfcc.n_mfcc || r.topo.in_w != fc.window_cols) {
        st = kws_error_set(err, KWS_ERR_SHAPE, "%s: input is %dx%dx%d, the features are 1x%dx%d",
                           cfg->topology_path, r.topo.in_c, r.topo.in_h, r.topo.in_w,
                           fc.mfcc.n_mfcc, fc.window_cols);
        goto done;
    }
    if (r.topo.n_classes != r.ds.n_classes) {
        st = kws_error_set(err, KWS_ERR_SHAPE,
                           "%s: the network has %d outputs but the data set has %d classes "
                           "(edit the last dense layer)",
                           cfg->topology_path, r.topo.n_classes, r.ds.n_classes);
        goto done;
    }
    for (int c = 0; c < r.ds.n_classes; c++)
        if (strlen(r.ds.class_names[c]) >= KWS_MODEL_CLASS_NAME_MAX) {
            st = kws_error_set(err, KWS_ERR_ARG, "class name '%s' is longer than the %d bytes "
                               "a model keeps", r.ds.class_names[c], KWS_MODEL_CLASS_NAME_MAX - 1);
            goto done;
        }
    if (r.ds.split_count[KWS_SPLIT_TRAIN] == 0 || r.ds.split_count[KWS_SPLIT_VAL] == 0) {
        st = kws_error_set(err, KWS_ERR_FORMAT,
                           "%s: the data set has %zu training and %zu validation clips; "
                           "both must be non-empty",
                           data->roots[0].path, r.ds.split_count[KWS_SPLIT_TRAIN],
                           r.ds.split_count[KWS_SPLIT_VAL]);
        goto done;
    }
    if (log) {
        fprintf(log, "data: %d classes (", r.ds.n_classes);
        for (int c = 0; c < r.ds.n_classes; c++)
            fprintf(log, "%s%s", c ? "," : "", r.ds.class_names[c]);
        fprintf(log, "); train %zu, val %zu, test %zu clips\n", r.ds.split_count[KWS_SPLIT_TRAIN],
                r.ds.split_count[KWS_SPLIT_VAL], r.ds.split_count[KWS_SPLIT_TEST]);
    }

    kws_feature_store_options fo = {cfg->cache_dir, cfg->threads};
    kws_feature_report frep;
    if ((st = kws_feature_store_build(&r.fs, &r.ds, &fc, &fo, &frep, err)))
        goto done;
    if (log)
        fprintf(log, "features: %zu computed (%.0f clips/s, %d threads), %zu from cache%s%s\n",
                frep.computed, frep.clips_per_s, frep.threads, frep.from_cache,
                frep.cache_note[0] ? "; " : "", frep.cache_note);
    if ((st = kws_norm_compute(&r.norm, &r.fs, r.ds.split_items[KWS_SPLIT_TRAIN],
                               r.ds.split_count[KWS_SPLIT_TRAIN], err)))
        goto done;

    kws_batch_config bc = kws_batch_config_default();
    bc.batch_size = cfg->batch_size;
    bc.sample = 1;
    bc.sampler.balance_classes = cfg->balance;
    bc.sampler.seed = cfg->seed;
    bc.augment = cfg->augment;
    bc.aug = cfg->aug;
    bc.seed = cfg->seed;
    bc.n_threads = cfg->threads;
    bc.drop_last = 1;
    if ((st = kws_batch_iter_create(&r.train_it, &r.ds, &r.fs, &r.norm, &bc, err)))
        goto done;
    kws_batch_config ec = kws_batch_config_default();
    ec.batch_size = cfg->batch_size;
    ec.sample = 0;
    ec.augment = 0;
    ec.split = KWS_SPLIT_VAL;
    if ((st = kws_batch_iter_create(&r.val_it, &r.ds, &r.fs, &r.norm, &ec, err)))
        goto done;
    ec.split = KWS_SPLIT_TEST;
    if (r.ds.split_count[KWS_SPLIT_TEST] &&
        (st = kws_batch_iter_create(&r.test_it, &r.ds, &r.fs, &r.norm, &ec, err)))
        goto done;

    if ((st = kws_net_create(&r.net, &r.topo, cfg->batch_size, err)))
        goto done;
    kws_net_init(&r.net, cfg->seed);
    if (cfg->init_path && !cfg->resume) {
        /* before any batch is drawn: the iterators read r.norm */
        if ((st = load_init(&r, cfg->init_path, err)))
            goto done;
        if (log)
            fprintf(log, "initialized from %s\n", cfg->init_path);
    }
    int N = r.topo.n_classes, B = cfg->batch_size;
    r.probs = malloc(sizeof(float) * (size_t)B * N);
    r.dlogits = malloc(sizeof(float) * (size_t)B * N);
    r.best_params = malloc(sizeof(float) * r.net.n_params);
    r.best_stats = malloc(sizeof(float) * (r.net.n_stats ? r.net.n_stats : 1));
    r.hist = calloc((size_t)cfg->epochs, sizeof *r.hist);
    r.meta = calloc(META_MAX, 1);
    if (!r.probs || !r.dlogits || !r.best_params || !r.best_stats || !r.hist || !r.meta) {
        st = kws_error_set(err, KWS_ERR_NOMEM, "out of memory");
        goto done;
    }

    kws_adam adam = {cfg->lr.base_lr, 0.9f, 0.999f, 1e-8f, cfg->weight_decay, 0, 0};
    kws_sgd sgd = {cfg->lr.base_lr, cfg->momentum, cfg->weight_decay, 0};
    kws_lr_schedule sched = cfg->lr;
    sched.total_epochs = cfg->epochs;
    size_t steps = kws_batch_iter_count(r.train_it);
    sched.steps_per_epoch = (int)steps;
    r.best_epoch = 0;
    r.best_val_acc = -1.0f;

    int start_epoch = 0;
    if (cfg->resume) {
        if ((st = load_checkpoint(&r, ckpt, &adam, &start_epoch, cfg->epochs, err)))
            goto done;
        /* The best parameters so far live in out_path: those of the
         * checkpoint's best epoch, or of the epoch after the checkpoint when
         * the run was killed between saving that epoch's best model and its
         * checkpoint (the epoch is trained again; until then its model is the
         * best so far). Any other file there is not this run's best. */
        kws_model best;
        kws_model_expect ex = {r.topo.in_c, r.topo.in_h, r.topo.in_w, r.topo.n_classes};
        int have_best = 0;
        if (r.best_epoch > 0 && kws_model_load(&best, cfg->out_path, &ex, NULL) == KWS_OK) {
            int be = -1;
            float bv = -1.0f;
            meta_best(best.meta, &be, &bv);
            if (best.topo.n_params == r.net.n_params && best.topo.n_stats == r.net.n_stats &&
                (be == r.best_epoch || be == start_epoch + 1)) {
                memcpy(r.best_params, best.params, sizeof(float) * r.net.n_params);
                memcpy(r.best_stats, best.bn_stats, sizeof(float) * r.net.n_stats);
                r.best_epoch = be;
                r.best_val_acc = bv;
                have_best = 1;
            }
            kws_model_free(&best);
        }
        if (!have_best) {
            if (log && r.best_epoch > 0)
                fprintf(log, "note: %s is missing or not the best model of epoch %d; the best "
                        "model is chosen again from epoch %d on\n", cfg->out_path, r.best_epoch,
                        start_epoch + 1);
            r.best_epoch = 0;
            r.best_val_acc = -1.0f;
        }
        if (log)
            fprintf(log, "resumed from %s after epoch %d (best so far: epoch %d, val %.2f %%)\n",
                    ckpt, start_epoch, r.best_epoch, 100.0 * r.best_val_acc);
    }
    if (log)
        fprintf(log,
                "net: %s (quantization %s), %zu trainable parameters, %.2f M MACs per "
                "inference; %zu steps of %d per epoch\n",
                cfg->topology_path, kws_quant_mode_str(cfg->quant), r.topo.n_params,
                r.topo.macs / 1e6, steps, B);

    double *net_rates = calloc((size_t)cfg->epochs + 1, sizeof(double));
    int n_rates = 0;
    double run_start = now_seconds();
    int epoch = start_epoch;
    for (; epoch < cfg->epochs; epoch++) {
        double t0 = now_seconds(), t_net = 0.0;
        double loss_sum = 0.0;
        long right = 0, seen = 0;
        if ((st = kws_batch_iter_begin(r.train_it, epoch, err)))
            break;
        kws_batch b;
        int got;
        size_t step = 0;
        float lr = 0.0f;
        while ((got = kws_batch_iter_next(r.train_it, &b, err)) == 1) {
            double ts = now_seconds();
            lr = kws_lr_at(&sched, (float)epoch + (float)step / (float)steps);
            kws_net_zero_grad(&r.net);
            if ((st = kws_net_forward(&r.net, b.x, b.size, KWS_MODE_TRAIN)))
                break;
            float loss = kws_softmax_xent_forward_f32(r.probs, r.net.logits, b.labels, NULL,
                                                      b.size, N);
            kws_softmax_xent_backward_f32(r.dlogits, r.probs, b.labels, NULL, b.size, N);
            if ((st = kws_net_backward(&r.net, r.dlogits)))
                break;
            if (cfg->optimizer == KWS_OPT_ADAM) {
                adam.lr = lr;
                kws_adam_step(&adam, r.net.params, r.net.grads, r.net.adam_m, r.net.adam_v,
                              r.net.decay_mask, r.net.n_params);
            } else {
                sgd.lr = lr;
                kws_sgd_step(&sgd, r.net.params, r.net.grads, r.net.adam_m, r.net.decay_mask,
                             r.net.n_params);
            }
            t_net += now_seconds() - ts;
            if (!isfinite(loss)) {
                st = kws_error_set(err, KWS_ERR_FORMAT,
                                   "training diverged in epoch %d (loss is %g); try a lower "
                                   "--lr", epoch + 1, (double)loss);
                break;
            }
            loss_sum += (double)loss * b.size;
            for (int i = 0; i < b.size; i++)
                right += argmax(r.net.logits + (size_t)i * N, N) == b.labels[i];
            seen += b.size;
            step++;
        }
        if (st || got < 0) {
            if (!st)
                st = err ? err->status : KWS_ERR_IO;
            break;
        }
        net_rates[n_rates++] = t_net > 0 ? (double)seen / t_net : 0.0;

        kws_confusion val;
        if ((st = kws_evaluate(&r.net, r.val_it, &val, err)))
            break;
        kws_epoch_stats *h = &r.hist[r.n_hist++];
        h->epoch = epoch + 1;
        h->lr = lr;
        h->train_loss = seen ? (float)(loss_sum / seen) : 0.0f;
        h->train_acc = seen ? (float)right / (float)seen : 0.0f;
        h->val_loss = val.total ? (float)(val.loss_sum / val.total) : 0.0f;
        h->val_acc = (float)kws_confusion_accuracy(&val);
        h->seconds = (float)(now_seconds() - t0);

        int improved = h->val_acc > r.best_val_acc;
        if (improved) {
            r.best_val_acc = h->val_acc;
            r.best_epoch = epoch + 1;
            memcpy(r.best_params, r.net.params, sizeof(float) * r.net.n_params);
            memcpy(r.best_stats, r.net.bn_stats, sizeof(float) * r.net.n_stats);
        }
        build_meta(&r, cfg, NULL);
        if (improved && (st = save_best(&r, &fc, cfg->out_path, 0, err)))
            break;
        if ((st = save_checkpoint(&r, &fc, ckpt, &adam, epoch + 1, err)))
            break;

        if (log) {
            double elapsed = now_seconds() - run_start;
            double per = elapsed / (epoch + 1 - start_epoch);
            char eta[32];
            format_duration(eta, sizeof eta, per * (cfg->epochs - epoch - 1));
            fprintf(log,
                    "epoch %3d/%d  loss %.4f  train %5.1f%%  val %5.1f%% (loss %.4f)  lr %.2e  "
                    "%5.1f s  %6.0f samples/s  ETA %s%s\n",
                    epoch + 1, cfg->epochs, (double)h->train_loss, 100.0 * h->train_acc,
                    100.0 * h->val_acc, (double)h->val_loss, (double)lr, (double)h->seconds,
                    net_rates[n_rates - 1], eta, improved ? "  *best" : "");
            fflush(log);
        }
        if (cfg->patience > 0 && epoch + 1 - r.best_epoch >= cfg->patience) {
            if (log)
                fprintf(log, "early stop: no better validation accuracy for %d epochs\n",
                        cfg->patience);
            epoch++;
            break;
        }
    }
    if (n_rates) {
        qsort(net_rates, (size_t)n_rates, sizeof(double), cmp_double);
        rep->train_samples_per_s = net_rates[n_rates / 2];
    }
    free(net_rates);
    if (st)
        goto done;

    rep->epochs_run = epoch;
    rep->best_epoch = r.best_epoch;
    rep->best_val_acc = r.best_val_acc;
    if (r.best_epoch > 0)
        kws_net_set_params(&r.net, r.best_params, r.best_stats);
    char extra[256] = "";
    if (r.test_it) {
        if ((st = kws_evaluate(&r.net, r.test_it, &rep->test, err)))
            goto done;
        rep->test_acc = (float)kws_confusion_accuracy(&rep->test);
        snprintf(extra, sizeof extra, "test_acc %.6f\n", (double)rep->test_acc);
    }
    if (r.best_epoch > 0) {
        build_meta(&r, cfg, extra);
        if ((st = save_best(&r, &fc, cfg->out_path, 1, err)))
            goto done;
    }
    if (log)
        fprintf(log, "best: epoch %d, validation %.2f %%, test %.2f %% -> %s\n", r.best_epoch,
                100.0 * r.best_val_acc, 100.0 * rep->test_acc, cfg->out_path);
done:
    run_free(&r);
    return st;
}
