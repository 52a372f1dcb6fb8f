/* cmd_train.c - `kws train`: train a network description on Speech Commands
 * style data, with checkpoints, resume, best-model keeping and plots. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "kws/train.h"

static void help(const kws_train_config *d)
{
    printf("usage: kws train --data DIR [options]\n\n"
           "Trains a network on one-second clips in the Speech Commands layout (word folders,\n"
           "validation_list.txt, testing_list.txt, _background_noise_/). Writes the model with\n"
           "the best validation accuracy to --out, a checkpoint after every epoch to\n"
           "<out>.ckpt, learning curves and the test confusion matrix as SVG/PNG.\n\n"
           "data:\n"
           "  --data DIR[:W]          real data (first) or more roots, training weight W (1;\n"
           "                          0: validation/test only, e.g. synthetic-only training)\n"
           "  --synthetic DIR[:W]     a training-only root (e.g. kws synth output)\n"
           "  --words LIST            command words, comma-separated\n"
           "                          (default yes,no,up,down,left,right,on,off,stop,go)\n"
           "  --unknown               add an _unknown_ class made of the other words\n"
           "  --unknown-fraction F    its size per split, x the average command count (1)\n"
           "  --silence               add a _silence_ class (background noise)\n"
           "  --silence-fraction F    its size per split, x the average command count (1)\n"
           "  --no-balance            sample clips as they come instead of class-balanced\n"
           "  --cache DIR|none        feature cache folder (default ~/.cache/kws)\n"
           "network and output:\n"
           "  --net FILE              network description (default %s)\n"
           "  -o, --out FILE          best model (default model.kwsm)\n"
           "  --checkpoint FILE       per-epoch state (default <out>.ckpt)\n"
           "  --resume                continue from the checkpoint\n"
           "  --plots PREFIX          plot files PREFIXloss.svg ... (default <out> minus .kwsm, '_')\n"
           "quantization-aware training (recorded in the saved topology):\n"
           "  --quant MODE            float: the network as written (default); int8: int8\n"
           "                          weights; hybrid: int8 convs, binary dense layers but the\n"
           "                          last (the paper); int8-act: int8 weights and activations;\n"
           "                          binary-conv: hybrid plus binary last two convs\n"
           "  --init FILE             start from this model's parameters, bn statistics and\n"
           "                          normalization (fine-tune a float model)\n"
           "optimization:\n"
           "  --epochs N              (%d)\n"
           "  --batch N               (%d)\n"
           "  --optimizer adam|sgd    (adam)\n"
           "  --lr X                  peak learning rate (%g)\n"
           "  --schedule cosine|step|constant  (cosine)\n"
           "  --min-lr X              cosine's final rate (%g)\n"
           "  --warmup N              linear warm-up epochs (%d)\n"
           "  --step-epochs N, --step-gamma X  step schedule (%d, %g)\n"
           "  --momentum X            SGD momentum (%g)\n"
           "  --weight-decay X        L2 weight decay on weights (0)\n"
           "  --patience N            early stop after N epochs without improvement (0: off)\n"
           "  --seed N                (%llu)\n"
           "  --threads N             feature workers (0: automatic)\n"
           "  --nn-threads N          BLAS threads for the network (1: the feature workers\n"
           "                          prepare the next batch on the other cores meanwhile)\n"
           "augmentation (training clips, redrawn every epoch):\n"
           "  --no-augment            none\n"
           "  --shift-ms X            random time shift up to +-X ms (%g)\n"
           "  --noise-prob P          probability of background noise (%g)\n"
           "  --snr LO:HI             its SNR range in dB (%g:%g)\n"
           "  --gain-db X             random gain within +-X dB (%g)\n"
           "  -h, --help              this help\n",
           d->topology_path, d->epochs, d->batch_size, (double)d->lr.base_lr,
           (double)d->lr.min_lr, d->lr.warmup_epochs, d->lr.step_epochs,
           (double)d->lr.step_gamma, (double)d->momentum, (unsigned long long)d->seed,
           d->aug.max_shift / 16.0, (double)d->aug.noise_prob, (double)d->aug.snr_lo_db,
           (double)d->aug.snr_hi_db, (double)d->aug.gain_hi_db);
}

static int parse_float(const char *opt, const char *s, double lo, double hi, float *out)
{
    char *end = NULL;
    double v = strtod(s, &end);
    if (!*s || *end || !(v >= lo && v <= hi)) {
        kws_cli_fail("train", "%s: expected a number in [%g, %g], got '%s'", opt, lo, hi, s);
        return -1;
    }
    *out = (float)v;
    return 0;
}

/* Joins argv into one line for the model's metadata. */
static void join_args(int argc, char **argv, char *buf, size_t len)
{
    size_t n = (size_t)snprintf(buf, len, "kws");
    for (int i = 0; i < argc && n < len; i++)
        n += (size_t)snprintf(buf + n, len - n, " %s", argv[i]);
}

int kws_cmd_train(int argc, char **argv)
{
    enum {
        O_DATA = 256, O_SYNTH, O_WORDS, O_UNK, O_UNKF, O_SIL, O_SILF, O_NOBAL, O_CACHE, O_NET,
        O_CKPT, O_RESUME, O_PLOTS, O_EPOCHS, O_BATCH, O_OPT, O_LR, O_SCHED, O_MINLR, O_WARM,
        O_STEPE, O_STEPG, O_MOM, O_WD, O_PAT, O_SEED, O_THREADS, O_NOAUG, O_SHIFT, O_NOISEP,
        O_SNR, O_GAIN, O_NNTHREADS, O_QUANT, O_INIT
    };
    static const struct option opts[] = {
        {"data", 1, NULL, O_DATA}, {"synthetic", 1, NULL, O_SYNTH}, {"words", 1, NULL, O_WORDS},
        {"unknown", 0, NULL, O_UNK}, {"unknown-fraction", 1, NULL, O_UNKF},
        {"silence", 0, NULL, O_SIL}, {"silence-fraction", 1, NULL, O_SILF},
        {"no-balance", 0, NULL, O_NOBAL}, {"cache", 1, NULL, O_CACHE}, {"net", 1, NULL, O_NET},
        {"out", 1, NULL, 'o'}, {"checkpoint", 1, NULL, O_CKPT}, {"resume", 0, NULL, O_RESUME},
        {"plots", 1, NULL, O_PLOTS}, {"epochs", 1, NULL, O_EPOCHS}, {"batch", 1, NULL, O_BATCH},
        {"optimizer", 1, NULL, O_OPT}, {"lr", 1, NULL, O_LR}, {"schedule", 1, NULL, O_SCHED},
        {"min-lr", 1, NULL, O_MINLR}, {"warmup", 1, NULL, O_WARM},
        {"step-epochs", 1, NULL, O_STEPE}, {"step-gamma", 1, NULL, O_STEPG},
        {"momentum", 1, NULL, O_MOM}, {"weight-decay", 1, NULL, O_WD},
        {"patience", 1, NULL, O_PAT}, {"seed", 1, NULL, O_SEED}, {"threads", 1, NULL, O_THREADS},
        {"nn-threads", 1, NULL, O_NNTHREADS}, {"quant", 1, NULL, O_QUANT},
        {"init", 1, NULL, O_INIT},
        {"no-augment", 0, NULL, O_NOAUG}, {"shift-ms", 1, NULL, O_SHIFT},
        {"noise-prob", 1, NULL, O_NOISEP}, {"snr", 1, NULL, O_SNR}, {"gain-db", 1, NULL, O_GAIN},
        {"help", 0, NULL, 'h'}, {NULL, 0, NULL, 0},
    };
    kws_train_config cfg = kws_train_config_default();
    kws_dataset_config dc = kws_dataset_config_default();
    kws_error err;
    kws_error_clear(&err);
    cfg.out_path = "model.kwsm";
    const char *plots = NULL, *cache = NULL;
    char cache_buf[KWS_ROOT_PATH_MAX];
    long v;
    float f;
    int c, no_cache = 0, nn_threads = 1;
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
        switch (c) {
        case O_DATA:
        case O_SYNTH:
            if (c == O_SYNTH && dc.n_roots == 0)
                return kws_cli_fail("train", "--synthetic needs a --data root before it");
            if (kws_dataset_config_add_root(&dc, optarg, c == O_SYNTH, &err))
                return kws_cli_fail_error("train", &err);
            break;
        case O_WORDS:
            if (kws_dataset_config_set_words(&dc, optarg, &err))
                return kws_cli_fail_error("train", &err);
            break;
        case O_UNK: dc.use_unknown = 1; break;
        case O_UNKF:
            if (parse_float("--unknown-fraction", optarg, 0, 1000, &dc.unknown_fraction))
                return 1;
            dc.use_unknown = 1;
            break;
        case O_SIL: dc.use_silence = 1; break;
        case O_SILF:
            if (parse_float("--silence-fraction", optarg, 0, 1000, &dc.silence_fraction))
                return 1;
            dc.use_silence = 1;
            break;
        case O_NOBAL: cfg.balance = 0; break;
        case O_CACHE:
            no_cache = !strcmp(optarg, "none");
            cache = no_cache ? NULL : optarg;
            break;
        case O_NET: cfg.topology_path = optarg; break;
        case 'o': cfg.out_path = optarg; break;
        case O_CKPT: cfg.checkpoint_path = optarg; break;
        case O_RESUME: cfg.resume = 1; break;
        case O_PLOTS: plots = optarg; break;
        case O_EPOCHS:
            if (kws_cli_parse_int("train", "--epochs", optarg, 1, KWS_TRAIN_MAX_EPOCHS, &v))
                return 1;
            cfg.epochs = (int)v;
            break;
        case O_BATCH:
            if (kws_cli_parse_int("train", "--batch", optarg, 1, 4096, &v))
                return 1;
            cfg.batch_size = (int)v;
            break;
        case O_OPT:
            if (!strcmp(optarg, "adam"))
                cfg.optimizer = KWS_OPT_ADAM;
            else if (!strcmp(optarg, "sgd"))
                cfg.optimizer = KWS_OPT_SGD;
            else
                return kws_cli_fail("train", "--optimizer: adam or sgd, not '%s'", optarg);
            break;
        case O_LR:
            if (parse_float("--lr", optarg, 1e-9, 10, &cfg.lr.base_lr))
                return 1;
            break;
        case O_SCHED:
            if (!strcmp(optarg, "cosine"))
                cfg.lr.kind = KWS_LR_COSINE;
            else if (!strcmp(optarg, "step"))
                cfg.lr.kind = KWS_LR_STEP;
            else if (!strcmp(optarg, "constant"))
                cfg.lr.kind = KWS_LR_CONSTANT;
            else
                return kws_cli_fail("train", "--schedule: cosine, step or constant, not '%s'",
                                    optarg);
            break;
        case O_MINLR:
            if (parse_float("--min-lr", optarg, 0, 10, &cfg.lr.min_lr))
                return 1;
            break;
        case O_WARM:
            if (kws_cli_parse_int("train", "--warmup", optarg, 0, KWS_TRAIN_MAX_EPOCHS, &v))
                return 1;
            cfg.lr.warmup_epochs = (int)v;
            break;
        case O_STEPE:
            if (kws_cli_parse_int("train", "--step-epochs", optarg, 1, KWS_TRAIN_MAX_EPOCHS, &v))
                return 1;
            cfg.lr.step_epochs = (int)v;
            break;
        case O_STEPG:
            if (parse_float("--step-gamma", optarg, 0, 1, &cfg.lr.step_gamma))
                return 1;
            break;
        case O_MOM:
            if (parse_float("--momentum", optarg, 0, 0.9999, &cfg.momentum))
                return 1;
            break;
        case O_WD:
            if (parse_float("--weight-decay", optarg, 0, 1, &cfg.weight_decay))
                return 1;
            break;
        case O_PAT:
            if (kws_cli_parse_int("train", "--patience", optarg, 0, KWS_TRAIN_MAX_EPOCHS, &v))
                return 1;
            cfg.patience = (int)v;
            break;
        case O_SEED:
            if (kws_cli_parse_int("train", "--seed", optarg, 0, 2147483647L, &v))
                return 1;
            cfg.seed = (uint64_t)v;
            dc.seed = (uint64_t)v;
            break;
        case O_THREADS:
            if (kws_cli_parse_int("train", "--threads", optarg, 0, 256, &v))
                return 1;
            cfg.threads = (int)v;
            break;
        case O_NNTHREADS:
            if (kws_cli_parse_int("train", "--nn-threads", optarg, 1, 256, &v))
                return 1;
            nn_threads = (int)v;
            break;
        case O_QUANT:
            if (kws_quant_mode_parse(optarg, &cfg.quant, &err))
                return kws_cli_fail("train", "--quant: %s", err.msg);
            break;
        case O_INIT: cfg.init_path = optarg; break;
        case O_NOAUG: cfg.augment = 0; break;
        case O_SHIFT:
            if (parse_float("--shift-ms", optarg, 0, 500, &f))
                return 1;
            cfg.aug.max_shift = (int)(f * 16.0f + 0.5f);
            break;
        case O_NOISEP:
            if (parse_float("--noise-prob", optarg, 0, 1, &cfg.aug.noise_prob))
                return 1;
            break;
        case O_SNR: {
            char *end = NULL;
            double lo = strtod(optarg, &end), hi;
            if (!end || *end != ':' || (hi = strtod(end + 1, &end), *end) || !(lo <= hi) ||
                lo < -40 || hi > 100)
                return kws_cli_fail("train", "--snr: expected LO:HI dB with LO <= HI, got '%s'",
                                    optarg);
            cfg.aug.snr_lo_db = (float)lo;
            cfg.aug.snr_hi_db = (float)hi;
            break;
        }
        case O_GAIN:
            if (parse_float("--gain-db", optarg, 0, 40, &f))
                return 1;
            cfg.aug.gain_lo_db = -f;
            cfg.aug.gain_hi_db = f;
            break;
        case 'h': help(&cfg); return 0;
        default: return kws_cli_fail("train", "see 'kws train --help'");
        }
    }
    if (optind != argc)
        return kws_cli_fail("train", "unexpected argument '%s' (see --help)", argv[optind]);
    if (dc.n_roots == 0)
        return kws_cli_fail("train", "--data DIR is required (see --help)");
    if (!no_cache && !cache) {
        if (kws_feature_cache_default_dir(cache_buf, sizeof cache_buf, NULL) == KWS_OK)
            cache = cache_buf;
    }
    cfg.cache_dir = cache;
    kws_nn_set_threads(nn_threads);
    if (kws_cli_make_parent_dir("train", cfg.out_path) ||
        (cfg.checkpoint_path && kws_cli_make_parent_dir("train", cfg.checkpoint_path)))
        return 1;

    char prefix[KWS_ROOT_PATH_MAX + 8];
    if (!plots) {
        size_t n = strlen(cfg.out_path);
        if (n > 5 && !strcmp(cfg.out_path + n - 5, ".kwsm"))
            n -= 5;
        snprintf(prefix, sizeof prefix, "%.*s_", (int)n, cfg.out_path);
        plots = prefix;
    }
    static char cmdline[8192];
    join_args(argc, argv, cmdline, sizeof cmdline);
    cfg.command_line = cmdline;
    cfg.log = stderr;

    fprintf(stderr, "kws train: net %s, quantization %s, out %s%s\n", cfg.topology_path,
            kws_quant_mode_str(cfg.quant), cfg.out_path, cfg.resume ? " (resume)" : "");
    if (cfg.init_path)
        fprintf(stderr, "  initialized from %s%s\n", cfg.init_path,
                cfg.resume ? " (ignored: resuming)" : "");
    fprintf(stderr,
            "  epochs %d, batch %d, %s lr %g (%s, warm-up %d, min %g), weight decay %g, "
            "seed %llu\n",
            cfg.epochs, cfg.batch_size, cfg.optimizer == KWS_OPT_ADAM ? "adam" : "sgd",
            (double)cfg.lr.base_lr,
            cfg.lr.kind == KWS_LR_COSINE ? "cosine" : cfg.lr.kind == KWS_LR_STEP ? "step"
                                                                                 : "constant",
            cfg.lr.warmup_epochs, (double)cfg.lr.min_lr, (double)cfg.weight_decay,
            (unsigned long long)cfg.seed);
    fprintf(stderr, "  sampling %s; augmentation %s", cfg.balance ? "class-balanced" : "plain",
            cfg.augment ? "on" : "off");
    if (cfg.augment)
        fprintf(stderr, " (shift +-%g ms, noise p %g at %g..%g dB SNR, gain +-%g dB)",
                cfg.aug.max_shift / 16.0, (double)cfg.aug.noise_prob, (double)cfg.aug.snr_lo_db,
                (double)cfg.aug.snr_hi_db, (double)cfg.aug.gain_hi_db);
    fprintf(stderr, "\n  feature cache %s\n", cache ? cache : "off");

    kws_train_report rep;
    if (kws_train_run(&cfg, &dc, &rep, &err) != KWS_OK)
        return kws_cli_fail_error("train", &err);
    fprintf(stderr, "training throughput (forward+backward+update, median epoch): %.0f samples/s\n",
            rep.train_samples_per_s);

    /* The test confusion and plots from the saved best model. */
    kws_model m;
    if (kws_model_load(&m, cfg.out_path, NULL, &err) != KWS_OK)
        return kws_cli_fail_error("train", &err);
    char names[KWS_MAX_CLASSES][KWS_WORD_MAX];
    for (int k = 0; k < m.n_classes && k < KWS_MAX_CLASSES; k++)
        snprintf(names[k], KWS_WORD_MAX, "%s", m.class_names[k]);
    if (rep.test.total) {
        printf("test split, best model (epoch %d):\n", rep.best_epoch);
        kws_confusion_print(stdout, &rep.test, (const char(*)[KWS_WORD_MAX])names);
    }
    int rc = kws_cli_write_plots("train", plots, m.meta, &rep.test,
                                 (const char(*)[KWS_WORD_MAX])names, "test");
    kws_model_free(&m);
    return rc;
}
