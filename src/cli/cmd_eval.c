/* cmd_eval.c - `kws eval`: accuracy, per-class precision/recall and the
 * confusion matrix of a model on a split of a data set, plus its plots. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "kws/imodel.h"
#include "kws/convert.h"
#include "kws/train.h"

/* Evaluates the integer model (what the device runs) over `it`: each
 * normalized window is quantized to int8 and run through kws_imodel_run. */
static int eval_integer(const kws_imodel *im, kws_batch_iter *it, kws_confusion *cm,
                        kws_error *err)
{
    size_t arena_size = kws_imodel_arena_size(im);
    void *arena = kws_imodel_arena_alloc(im);
    int8_t *q = malloc((size_t)im->in_h * im->in_w * im->in_c);
    int32_t logits[KWS_MAX_CLASSES];
    int rc = -1;
    memset(cm, 0, sizeof *cm);
    cm->n_classes = im->n_classes;
    if (!arena || !q || kws_batch_iter_begin(it, 0, err))
        goto done;
    kws_batch b;
    int got;
    size_t per = (size_t)im->in_h * im->in_w * im->in_c;
    while ((got = kws_batch_iter_next(it, &b, err)) == 1) {
        for (int i = 0; i < b.size; i++) {
            kws_imodel_quantize_input(im, b.x + per * i, q);
            kws_status st = kws_imodel_run(im, arena, arena_size, q, logits);
            if (st) {
                kws_error_set(err, st, "integer model run failed: %s", kws_status_str(st));
                goto done;
            }
            int p = kws_imodel_argmax(logits, im->n_classes);
            double zmax = (double)im->out_scale * logits[p], sum = 0.0; /* dequantized loss */
            for (int c = 0; c < im->n_classes; c++)
                sum += exp((double)im->out_scale * logits[c] - zmax);
            cm->loss_sum += log(sum) - ((double)im->out_scale * logits[b.labels[i]] - zmax);
            cm->counts[(size_t)b.labels[i] * im->n_classes + p]++;
            cm->total++;
        }
    }
    rc = got < 0 ? -1 : 0;
done:
    free(arena);
    free(q);
    return rc;
}

static void help(void)
{
    printf("usage: kws eval --data DIR --model FILE [options]\n\n"
           "Evaluates a model on a split of a data set in the Speech Commands layout. The\n"
           "classes, front end and normalization come from the model; the data set seed\n"
           "(which picks _unknown_ and _silence_ items) from its training metadata.\n\n"
           "options:\n"
           "  --data DIR            the real data root\n"
           "  -m, --model FILE      a .kwsm model\n"
           "  --split test|val|train  (test)\n"
           "  --plots PREFIX        write PREFIXconfusion_<split>.svg/.png and the learning\n"
           "                        curves PREFIXloss.svg, PREFIXaccuracy.svg (default: the\n"
           "                        model path minus .kwsm, then '_')\n"
           "  --cache DIR|none      feature cache folder (default ~/.cache/kws)\n"
           "  --seed N              data set seed (default: the one the model was trained with)\n"
           "  --integer             also run the integer model the device runs (int8 activations,\n"
           "                        weights as the model's quantization says; activation ranges\n"
           "                        stored in the model, else measured on 256 training clips)\n"
           "                        and report its accuracy beside the float one\n"
           "  --calibrate           measure the ranges on 256 training clips of --data and store\n"
           "                        them in the model file (rewritten atomically); implies\n"
           "                        --integer. kws train stores them itself; this is for older\n"
           "                        models or another calibration set\n"
           "  -h, --help            this help\n");
}

int kws_cmd_eval(int argc, char **argv)
{
    enum { O_DATA = 256, O_SPLIT, O_PLOTS, O_CACHE, O_SEED, O_INT, O_CALIB };
    static const struct option opts[] = {
        {"data", 1, NULL, O_DATA},   {"model", 1, NULL, 'm'}, {"split", 1, NULL, O_SPLIT},
        {"plots", 1, NULL, O_PLOTS}, {"cache", 1, NULL, O_CACHE}, {"seed", 1, NULL, O_SEED},
        {"integer", 0, NULL, O_INT}, {"calibrate", 0, NULL, O_CALIB},
        {"help", 0, NULL, 'h'},      {NULL, 0, NULL, 0},
    };
    const char *data = NULL, *model_path = NULL, *plots = NULL, *cache = NULL;
    kws_split split = KWS_SPLIT_TEST;
    long seed = -1;
    int c, no_cache = 0, integer = 0, calibrate = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "m:h", opts, NULL)) != -1) {
        switch (c) {
        case O_DATA: data = optarg; break;
        case 'm': model_path = optarg; break;
        case O_SPLIT:
            if (!strcmp(optarg, "test"))
                split = KWS_SPLIT_TEST;
            else if (!strcmp(optarg, "val"))
                split = KWS_SPLIT_VAL;
            else if (!strcmp(optarg, "train"))
                split = KWS_SPLIT_TRAIN;
            else
                return kws_cli_fail("eval", "--split: test, val or train, not '%s'", optarg);
            break;
        case O_PLOTS: plots = optarg; break;
        case O_CACHE:
            no_cache = !strcmp(optarg, "none");
            cache = no_cache ? NULL : optarg;
            break;
        case O_SEED:
            if (kws_cli_parse_int("eval", "--seed", optarg, 0, 2147483647L, &seed))
                return 1;
            break;
        case O_INT: integer = 1; break;
        case O_CALIB: integer = calibrate = 1; break;
        case 'h': help(); return 0;
        default: return kws_cli_fail("eval", "see 'kws eval --help'");
        }
    }
    if (optind != argc)
        return kws_cli_fail("eval", "unexpected argument '%s' (see --help)", argv[optind]);
    if (!data || !model_path)
        return kws_cli_fail("eval", "--data and --model are required (see --help)");

    kws_error err;
    kws_error_clear(&err);
    kws_model m;
    if (kws_model_load(&m, model_path, NULL, &err))
        return kws_cli_fail_error("eval", &err);

    /* The data set the model was trained on: its words, then _unknown_/_silence_. */
    kws_dataset_config dc = kws_dataset_config_default();
    char words[KWS_MAX_CLASSES * KWS_WORD_MAX] = "";
    for (int k = 0; k < m.n_classes; k++) {
        if (!strcmp(m.class_names[k], KWS_UNKNOWN_NAME))
            dc.use_unknown = 1;
        else if (!strcmp(m.class_names[k], KWS_SILENCE_NAME))
            dc.use_silence = 1;
        else {
            if (words[0])
                strcat(words, ",");
            strncat(words, m.class_names[k], KWS_WORD_MAX - 1);
        }
    }
    if (seed < 0) {
        unsigned long long s = 1;
        const char *p = m.meta ? strstr(m.meta, "\nseed ") : NULL;
        if (p && sscanf(p + 6, "%llu", &s) == 1)
            seed = (long)s;
        else
            seed = 1;
    }
    dc.seed = (uint64_t)seed;
    int rc = 1;
    kws_dataset ds;
    kws_feature_store fs;
    kws_net net;
    kws_batch_iter *it = NULL;
    memset(&ds, 0, sizeof ds);
    memset(&fs, 0, sizeof fs);
    memset(&net, 0, sizeof net);
    kws_confusion *cm = calloc(1, sizeof *cm);
    if (!cm) {
        kws_cli_fail("eval", "out of memory");
        goto done;
    }
    if (kws_dataset_config_set_words(&dc, words, &err) ||
        kws_dataset_config_add_root(&dc, data, 0, &err) || kws_dataset_load(&ds, &dc, &err)) {
        kws_cli_fail_error("eval", &err);
        goto done;
    }
    if (ds.n_classes != m.n_classes) {
        kws_cli_fail("eval", "%s: model has %d classes, the data set gives %d", model_path,
                     m.n_classes, ds.n_classes);
        goto done;
    }
    for (int k = 0; k < m.n_classes; k++)
        if (strcmp(ds.class_names[k], m.class_names[k])) {
            kws_cli_fail("eval", "%s: class %d is '%s' in the model but '%s' in the data set",
                         model_path, k, m.class_names[k], ds.class_names[k]);
            goto done;
        }

    kws_feature_config fc = kws_feature_config_default();
    fc.mfcc = m.mfcc;
    if (kws_feature_config_resolve(&fc, &err)) {
        kws_cli_fail_error("eval", &err);
        goto done;
    }
    if (m.n_norm != fc.mfcc.n_mfcc || m.topo.in_w != fc.window_cols) {
        kws_cli_fail("eval", "%s: normalization of %d values / input width %d not supported "
                     "(expected %d per coefficient, width %d)", model_path, m.n_norm,
                     m.topo.in_w, fc.mfcc.n_mfcc, fc.window_cols);
        goto done;
    }
    kws_norm norm;
    norm.n = m.n_norm;
    memcpy(norm.mean, m.norm_mean, sizeof(float) * m.n_norm);
    memcpy(norm.std, m.norm_std, sizeof(float) * m.n_norm);

    char cache_buf[KWS_ROOT_PATH_MAX];
    if (!no_cache && !cache && kws_feature_cache_default_dir(cache_buf, sizeof cache_buf, NULL) == 0)
        cache = cache_buf;
    kws_feature_store_options fo = {cache, 0};
    if (kws_feature_store_build(&fs, &ds, &fc, &fo, NULL, &err)) {
        kws_cli_fail_error("eval", &err);
        goto done;
    }
    kws_batch_config bc = kws_batch_config_default();
    bc.split = split;
    bc.sample = 0;
    bc.augment = 0;
    if (ds.split_count[split] == 0) {
        kws_cli_fail("eval", "%s: the %s split is empty", data, kws_split_name(split));
        goto done;
    }
    if (kws_batch_iter_create(&it, &ds, &fs, &norm, &bc, &err) ||
        kws_net_create(&net, &m.topo, bc.batch_size, &err)) {
        kws_cli_fail_error("eval", &err);
        goto done;
    }
    kws_net_set_params(&net, m.params, m.bn_stats);
    if (kws_evaluate(&net, it, cm, &err)) {
        kws_cli_fail_error("eval", &err);
        goto done;
    }
    printf("%s on %s (%s split, %zu clips, data set seed %ld):\n", model_path, data,
           kws_split_name(split), ds.split_count[split], seed);
    kws_confusion_print(stdout, cm, (const char(*)[KWS_WORD_MAX])ds.class_names);
    if (integer) {
        int n_calib = KWS_CALIB_WINDOWS, stored = m.n_ranges > 0 && !calibrate;
        float *calib = NULL, *ranges = NULL;
        if (!stored) {
            calib = kws_features_calibration_windows(&ds, &fs, &fc, &norm, &n_calib);
            if (calib &&
                kws_model_calibrate(&m, calib, n_calib, &ranges, &m.n_ranges, &err) == KWS_OK)
                m.ranges = ranges;
            else
                m.n_ranges = 0;
        }
        int saved = !calibrate || (m.n_ranges > 0 && kws_model_save(&m, model_path, &err) ==
                                                         KWS_OK);
        kws_imodel im;
        memset(&im, 0, sizeof im);
        kws_convert_options co = kws_convert_options_default();
        kws_confusion *icm = calloc(1, sizeof *icm);
        int ok = saved && (stored || calib) && icm &&
                 kws_imodel_from_model(&im, &m, &co, &err) == KWS_OK &&
                 eval_integer(&im, it, icm, &err) == 0;
        if (ok) {
            kws_imodel_bytes by = kws_imodel_bytes_total(&im);
            char how[96];
            if (stored)
                snprintf(how, sizeof how, "activation ranges stored in the model");
            else
                snprintf(how, sizeof how, "ranges measured on %d training clips%s", n_calib,
                         calibrate ? ", now stored in the model" : "");
            printf("\ninteger model (int8 activations; %zu B of parameters, %zu B activation "
                   "arena; %s):\n",
                   kws_imodel_bytes_sum(by), kws_imodel_arena_size(&im), how);
            kws_confusion_print(stdout, icm, (const char(*)[KWS_WORD_MAX])ds.class_names);
            printf("\nfloat/QAT %.2f %% -> integer %.2f %% (%+.2f points)\n",
                   100.0 * kws_confusion_accuracy(cm), 100.0 * kws_confusion_accuracy(icm),
                   100.0 * (kws_confusion_accuracy(icm) - kws_confusion_accuracy(cm)));
        }
        kws_imodel_free(&im);
        free(calib);
        free(ranges);
        free(icm);
        if (!ok) {
            kws_cli_fail("eval", "integer model: %s", err.msg[0] ? err.msg : "out of memory");
            goto done;
        }
    }

    char prefix[KWS_ROOT_PATH_MAX + 8];
    if (!plots) {
        size_t n = strlen(model_path);
        if (n > 5 && !strcmp(model_path + n - 5, ".kwsm"))
            n -= 5;
        snprintf(prefix, sizeof prefix, "%.*s_", (int)n, model_path);
        plots = prefix;
    }
    rc = kws_cli_write_plots("eval", plots, m.meta, cm,
                             (const char(*)[KWS_WORD_MAX])ds.class_names, kws_split_name(split));
done:
    free(cm);
    kws_batch_iter_free(it);
    kws_net_free(&net);
    kws_feature_store_free(&fs);
    kws_dataset_free(&ds);
    kws_model_free(&m);
    return rc;
}
