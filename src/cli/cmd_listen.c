/* cmd_listen.c - `kws listen`: command recognition on continuous audio.
 *
 * The file (or raw s16le stdin) is read chunk by chunk through
 * kws_audio_source and pushed through a kws_recognizer (kws/detect.h), so
 * hours of audio take constant memory. Detections go to standard output,
 * one per line ("12.48 s  yes  0.93"); the resolved configuration and the
 * summary go to standard error. Also home of the default-model lookup that
 * `kws classify` and `kws streams` share. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "kws/audio.h"
#include "kws/detect.h"

#ifndef KWS_CLI_SOURCE_DIR
#define KWS_CLI_SOURCE_DIR "."
#endif

static int is_file(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

int kws_cli_load_model(const char *cmd, const char *path, kws_model *m)
{
    char buf[4096];
    kws_error err;
    memset(m, 0, sizeof *m);
    if (!path) {
        snprintf(buf, sizeof buf, "%s/%s", KWS_CLI_SOURCE_DIR, KWS_CLI_DEFAULT_MODEL);
        if (is_file(KWS_CLI_DEFAULT_MODEL))
            path = KWS_CLI_DEFAULT_MODEL;
        else if (is_file(buf))
            path = buf;
        else
            return kws_cli_fail(cmd, "no --model given and the default model %s does not exist "
                                "(not in ./ nor in %s); pass a trained .kwsm with --model FILE",
                                KWS_CLI_DEFAULT_MODEL, KWS_CLI_SOURCE_DIR);
    }
    if (kws_model_load(m, path, NULL, &err) != KWS_OK)
        return kws_cli_fail_error(cmd, &err);
    return 0;
}

int kws_cli_parse_float(const char *cmd, const char *opt, const char *s, double lo, double hi,
                        double *out)
{
    char *end = NULL;
    double v = strtod(s, &end);
    if (!*s || *end || !(v >= lo && v <= hi))
        return kws_cli_fail(cmd, "%s: expected a number in [%g, %g], got '%s'", opt, lo, hi, s);
    *out = v;
    return 0;
}

int kws_cli_parse_engine(const char *cmd, const char *s, int *engine)
{
    if (!strcmp(s, "integer"))
        *engine = KWS_ENGINE_INTEGER;
    else if (!strcmp(s, "float"))
        *engine = KWS_ENGINE_FLOAT;
    else if (!strcmp(s, "auto"))
        *engine = KWS_ENGINE_AUTO;
    else
        return kws_cli_fail(cmd, "--engine: integer, float or auto, not '%s'", s);
    return 0;
}

const char *kws_cli_engine_str(int engine)
{
    return engine == KWS_ENGINE_INTEGER ? "integer (int8, as on the device)" : "float";
}

static void help(void)
{
    kws_recognizer_config d = kws_recognizer_config_default();
    printf("usage: kws listen [options] FILE.wav|-\n\n"
           "Spots commands in continuous audio of any length: a WAV (or any file libsndfile\n"
           "reads), or '-' for raw 16 kHz s16le mono on stdin, e.g.\n"
           "  arecord -f S16_LE -r 16000 -c 1 -t raw | kws listen -\n"
           "The network runs on the latest 55 MFCC columns (0.9 s) every hop (16 ms); its\n"
           "probabilities are averaged over a window, and a command is reported when its\n"
           "average reaches the threshold, at most once per refractory period. _unknown_\n"
           "and _silence_ are never reported. Each detection is printed as\n"
           "  TIME s  WORD  CONFIDENCE\n"
           "with TIME the estimated centre of the word.\n\n"
           "options:\n"
           "  -m, --model FILE       a .kwsm model (default %s)\n"
           "  -t, --threshold X      averaged probability needed, in (0, 1] (%.2f)\n"
           "      --window-ms N      averaging window (%d)\n"
           "      --refractory-ms N  no second detection this soon after one (%d)\n"
           "      --min-count N      network results needed in the window (0: half of\n"
           "                         what the window holds)\n"
           "      --stride N         run the network every N hops (%d)\n"
           "      --engine E         integer: the int8 model the device runs (needs the\n"
           "                         model's calibration ranges); float: the float/QAT net;\n"
           "                         auto (default): integer when the model has the ranges\n"
           "      --no-stream        whole windows even for a model that streams (one column\n"
           "                         per hop through kws/stream.h otherwise: same results)\n"
           "  -q, --quiet            no configuration and summary on standard error\n"
           "  -h, --help             this help\n",
           KWS_CLI_DEFAULT_MODEL, (double)d.threshold, d.window_ms, d.refractory_ms, d.stride);
}

typedef struct {
    long count;
    long per_class[KWS_MODEL_MAX_CLASSES];
} listen_state;

static void on_detection(void *user, const kws_detection *d)
{
    listen_state *s = (listen_state *)user;
    s->count++;
    s->per_class[d->label]++;
    printf("%.2f s  %s  %.2f\n", d->time_s < 0 ? 0.0 : d->time_s, d->name, (double)d->score);
    fflush(stdout);
}

int kws_cmd_listen(int argc, char **argv)
{
    enum { O_WINDOW = 256, O_REFRACTORY, O_MIN_COUNT, O_STRIDE, O_ENGINE, O_NO_STREAM };
    static const struct option opts[] = {
        {"model", 1, NULL, 'm'},           {"threshold", 1, NULL, 't'},
        {"window-ms", 1, NULL, O_WINDOW},  {"refractory-ms", 1, NULL, O_REFRACTORY},
        {"min-count", 1, NULL, O_MIN_COUNT}, {"stride", 1, NULL, O_STRIDE},
        {"engine", 1, NULL, O_ENGINE},     {"no-stream", 0, NULL, O_NO_STREAM},
        {"quiet", 0, NULL, 'q'},           {"help", 0, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *model_path = NULL;
    kws_recognizer_config rc_cfg = kws_recognizer_config_default();
    int c, quiet = 0;
    long v;
    double x = 0.0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "m:t:qh", opts, NULL)) != -1) {
        switch (c) {
        case 'm': model_path = optarg; break;
        case 't':
            if (kws_cli_parse_float("listen", "--threshold", optarg, 1e-6, 1.0, &x))
                return 1;
            rc_cfg.threshold = (float)x;
            break;
        case O_WINDOW:
            if (kws_cli_parse_int("listen", "--window-ms", optarg, 1, 60000, &v))
                return 1;
            rc_cfg.window_ms = (int)v;
            break;
        case O_REFRACTORY:
            if (kws_cli_parse_int("listen", "--refractory-ms", optarg, 0, 3600000, &v))
                return 1;
            rc_cfg.refractory_ms = (int)v;
            break;
        case O_MIN_COUNT:
            if (kws_cli_parse_int("listen", "--min-count", optarg, 0, 4096, &v))
                return 1;
            rc_cfg.min_count = (int)v;
            break;
        case O_STRIDE:
            if (kws_cli_parse_int("listen", "--stride", optarg, 1, 1000, &v))
                return 1;
            rc_cfg.stride = (int)v;
            break;
        case O_ENGINE:
            if (kws_cli_parse_engine("listen", optarg, &rc_cfg.engine))
                return 1;
            break;
        case O_NO_STREAM: rc_cfg.stream = 0; break;
        case 'q': quiet = 1; break;
        case 'h': help(); return 0;
        default: return kws_cli_fail("listen", "see 'kws listen --help'");
        }
    }
    if (optind >= argc)
        return kws_cli_fail("listen", "no input given: FILE.wav or - for stdin (see --help)");
    if (optind + 1 < argc)
        return kws_cli_fail("listen", "unexpected argument '%s' (see --help)", argv[optind + 1]);
    const char *in_path = argv[optind];

    kws_model m;
    if (kws_cli_load_model("listen", model_path, &m))
        return 1;
    kws_error err;
    kws_error_clear(&err);
    kws_recognizer *r = NULL;
    if (kws_recognizer_create(&r, &m, &rc_cfg, &err) != KWS_OK) {
        kws_model_free(&m);
        return kws_cli_fail("listen", "%s: %s", model_path ? model_path : KWS_CLI_DEFAULT_MODEL,
                            err.msg);
    }
    kws_model_free(&m);
    listen_state *st = calloc(1, sizeof *st);
    kws_audio_source *src = NULL;
    int rc = 1;
    if (!st) {
        kws_cli_fail("listen", "out of memory");
        goto done;
    }
    kws_recognizer_set_callbacks(r, on_detection, NULL, st);
    if (kws_audio_source_open(in_path, &src, &err) != KWS_OK) {
        kws_cli_fail_error("listen", &err);
        goto done;
    }
    const kws_detector_config *dc = kws_recognizer_detector_config(r);
    double hop_ms = 1000.0 * kws_recognizer_hop_seconds(r);
    if (!quiet)
        fprintf(stderr,
                "kws listen: %s, %d classes, %s network%s; threshold %.2f, window %d hops "
                "(%.0f ms), refractory %d hops (%.0f ms), min count %d, stride %d\n",
                in_path, kws_recognizer_n_classes(r),
                kws_cli_engine_str(kws_recognizer_engine(r)),
                kws_recognizer_streams(r) ? " streaming one column per hop" : "",
                (double)dc->threshold,
                dc->window_hops, dc->window_hops * hop_ms, dc->refractory_hops,
                dc->refractory_hops * hop_ms, dc->min_count, rc_cfg.stride);
    enum { CHUNK = 4000 };
    static int16_t buf[CHUNK];
    for (;;) {
        long n = kws_audio_source_read(src, buf, CHUNK, &err);
        if (n < 0) {
            kws_cli_fail_error("listen", &err);
            goto done;
        }
        if (n == 0)
            break;
        if (kws_recognizer_push(r, buf, (size_t)n) != KWS_OK) {
            kws_cli_fail("listen", "%s: recognizer failed", in_path);
            goto done;
        }
    }
    const char *notice = kws_audio_source_notice(src);
    if (notice[0] && !quiet)
        fprintf(stderr, "kws listen: notice: %s\n", notice);
    if (!quiet) {
        fprintf(stderr, "kws listen: %ld detection%s in %.2f s of audio", st->count,
                st->count == 1 ? "" : "s", kws_recognizer_seconds(r));
        const char *sep = ": ";
        for (int k = 0; k < kws_recognizer_n_classes(r); k++)
            if (st->per_class[k]) {
                fprintf(stderr, "%s%s %ld", sep, kws_recognizer_class_name(r, k),
                        st->per_class[k]);
                sep = ", ";
            }
        fprintf(stderr, "\n");
    }
    uint64_t runs = 0, bad = kws_recognizer_nonfinite(r, &runs);
    if (bad)
        fprintf(stderr, "kws listen: warning: NaN or Inf in the features or scores of %llu of "
                "%llu network runs\n", (unsigned long long)bad, (unsigned long long)runs);
    else if (!quiet)
        fprintf(stderr, "kws listen: %llu network runs, features and scores all finite\n",
                (unsigned long long)runs);
    rc = 0;
done:
    kws_audio_source_close(src);
    kws_recognizer_free(r);
    free(st);
    return rc;
}
