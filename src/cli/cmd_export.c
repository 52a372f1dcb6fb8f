/* cmd_export.c - `kws export`: a trained model as C source for the device.
 *
 *   model.kwsm (with calibration ranges) ─kws_imodel_from_model─► integer model
 *     ─kws_export_write─► DIR/N.h, DIR/N.c   (kws/export.h, kws/deployed.h)
 *
 * Optional clips are fitted to 1 s here, as `kws classify` fits them, and
 * embedded with the logits this host computes for them through classify's
 * own path (features, window, normalization, the converter's integer model):
 * the firmware (device/m4/apps/kws_infer.c) recomputes them from the
 * samples and must print the same integers. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "kws/audio.h"
#include "kws/convert.h"
#include "kws/detect.h"
#include "kws/export.h"
#include "kws/features.h"

static void help(void)
{
    printf("usage: kws export --model FILE --out DIR [options]\n\n"
           "Writes the model as C source for the Cortex-M4 runtime: DIR/NAME.h and\n"
           "DIR/NAME.c hold the integer network's weights as const arrays (flash), its op\n"
           "table, the MFCC configuration, normalization, class names, the arena size and\n"
           "a CRC-32 of the parameters. They build with the device-portable runtime and\n"
           "front end alone; device/m4/README.md shows the firmware build:\n"
           "  make -C device/m4 MODEL_DIR=DIR MODEL_NAME=NAME infer\n"
           "The model needs calibration ranges (kws train stores them; for older models:\n"
           "kws eval --data DIR --model FILE --calibrate).\n\n"
           "options:\n"
           "  -m, --model FILE   a .kwsm model (default %s)\n"
           "  -o, --out DIR      output folder, created if missing\n"
           "  -n, --name NAME    C name of the model: file names, symbol, macro prefix\n"
           "                     (default %s)\n"
           "  -c, --clips LIST   comma-separated audio files embedded as 1 s test clips\n"
           "                     (fitted as kws classify does), each with the logits this\n"
           "                     host computes for it; may be repeated (at most %d clips)\n"
           "  -p, --plan KIND    memory plan: fast (default: working space for Winograd\n"
           "                     convolutions, paper net 77 KB arena) or small (least\n"
           "                     RAM: 68 KB, the first convolution direct, ~24 %% slower)\n"
           "  -h, --help         this help\n",
           KWS_CLI_DEFAULT_MODEL, KWS_EXPORT_DEFAULT_NAME, KWS_EXPORT_MAX_CLIPS);
}

/* The clips to embed: paths (borrowed from argv copies), fitted samples,
 * base names and expected logits. */
typedef struct {
    int n;
    char *paths[KWS_EXPORT_MAX_CLIPS];
    const char *names[KWS_EXPORT_MAX_CLIPS];
    int16_t *pcm;      /* (n, KWS_CLIP_SAMPLES) */
    int32_t *expect;   /* (n, n_classes) */
} clip_set;

static int add_clips(clip_set *cs, const char *list)
{
    char *copy = strdup(list);
    if (!copy)
        return kws_cli_fail("export", "out of memory");
    int rc = 0;
    for (char *save = NULL, *p = strtok_r(copy, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
        if (cs->n == KWS_EXPORT_MAX_CLIPS) {
            rc = kws_cli_fail("export", "--clips: more than %d clips", KWS_EXPORT_MAX_CLIPS);
            break;
        }
        cs->paths[cs->n] = strdup(p);
        if (!cs->paths[cs->n]) {
            rc = kws_cli_fail("export", "out of memory");
            break;
        }
        /* the name shown on the device: folder and file ("yes/0a7c2a8d_nohash_0.wav") */
        const char *path = cs->paths[cs->n], *name = strrchr(path, '/');
        if (name) {
            while (name > path && name[-1] != '/')
                name--;
        } else {
            name = path;
        }
        cs->names[cs->n] = name;
        cs->n++;
    }
    free(copy);
    return rc;
}

/* Reads and fits every clip and computes its logits with the host's
 * integer model, exactly as `kws classify` does before its softmax. */
static int load_clips(clip_set *cs, const kws_model *m, const kws_imodel *im,
                      const kws_feature_config *fc)
{
    if (!cs->n)
        return 0;
    kws_error err;
    kws_featurizer fz;
    memset(&fz, 0, sizeof fz);
    size_t in_n = (size_t)im->in_h * (size_t)im->in_w;
    cs->pcm = (int16_t *)malloc((size_t)cs->n * KWS_CLIP_SAMPLES * sizeof(int16_t));
    cs->expect = (int32_t *)malloc((size_t)cs->n * (size_t)m->n_classes * sizeof(int32_t));
    float *feat = (float *)malloc(kws_features_size(fc) * sizeof(float));
    float *x = (float *)malloc(in_n * sizeof(float));
    int8_t *xq = (int8_t *)malloc(in_n);
    void *arena = kws_imodel_arena_alloc(im);
    int rc = 0;
    if (!cs->pcm || !cs->expect || !feat || !x || !xq || !arena) {
        rc = kws_cli_fail("export", "out of memory");
        goto done;
    }
    if (kws_featurizer_init(&fz, fc, &err) != KWS_OK) {
        rc = kws_cli_fail_error("export", &err);
        goto done;
    }
    for (int k = 0; k < cs->n && !rc; k++) {
        kws_audio a;
        if (kws_audio_read(cs->paths[k], &a, &err) != KWS_OK) {
            rc = kws_cli_fail_error("export", &err);
            break;
        }
        if (a.notice[0])
            fprintf(stderr, "kws export: notice: %s\n", a.notice);
        int16_t *clip = cs->pcm + (size_t)k * KWS_CLIP_SAMPLES;
        kws_clip_fit(a.samples, a.n, clip);
        kws_audio_free(&a);
        kws_features_compute(&fz, clip, feat);
        kws_features_window(fc, feat, NULL, x);
        kws_model_normalize_input(m, x);
        kws_imodel_quantize_input(im, x, xq);
        kws_status st = kws_imodel_run(im, arena, kws_imodel_arena_size(im), xq,
                                       cs->expect + (size_t)k * (size_t)m->n_classes);
        if (st != KWS_OK)
            rc = kws_cli_fail("export", "%s: the integer model failed: %s", cs->paths[k],
                              kws_status_str(st));
    }
done:
    kws_featurizer_free(&fz);
    free(feat);
    free(x);
    free(xq);
    free(arena);
    return rc;
}

static void free_clips(clip_set *cs)
{
    for (int k = 0; k < cs->n; k++)
        free(cs->paths[k]);
    free(cs->pcm);
    free(cs->expect);
}

/* Creates dir and the folders above it; 0 or 1 with a message. */
static int make_dir(const char *dir)
{
    char probe[4096 + 8];
    if (snprintf(probe, sizeof probe, "%s/x", dir) >= (int)sizeof probe)
        return kws_cli_fail("export", "%.64s...: path too long", dir);
    if (kws_cli_make_parent_dir("export", probe))
        return 1;
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return kws_cli_fail("export", "%s: not a folder", dir);
    return 0;
}

int kws_cmd_export(int argc, char **argv)
{
    static const struct option opts[] = {
        {"model", 1, NULL, 'm'}, {"out", 1, NULL, 'o'},   {"name", 1, NULL, 'n'},
        {"clips", 1, NULL, 'c'}, {"plan", 1, NULL, 'p'}, {"help", 0, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    kws_convert_options copt = kws_convert_options_default();
    const char *model_path = NULL, *out = NULL, *name = KWS_EXPORT_DEFAULT_NAME;
    clip_set cs;
    memset(&cs, 0, sizeof cs);
    int c, rc = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "m:o:n:c:p:h", opts, NULL)) != -1) {
        switch (c) {
        case 'p':
            if (kws_plan_kind_parse(optarg, &copt.plan) != KWS_OK) {
                free_clips(&cs);
                return kws_cli_fail("export", "--plan '%s': expected fast or small", optarg);
            }
            break;
        case 'm': model_path = optarg; break;
        case 'o': out = optarg; break;
        case 'n': name = optarg; break;
        case 'c':
            if (add_clips(&cs, optarg)) {
                free_clips(&cs);
                return 1;
            }
            break;
        case 'h': free_clips(&cs); help(); return 0;
        default: free_clips(&cs); return kws_cli_fail("export", "see 'kws export --help'");
        }
    }
    if (optind < argc)
        rc = kws_cli_fail("export", "unexpected argument '%s' (see --help)", argv[optind]);
    else if (!out)
        rc = kws_cli_fail("export", "no output folder: --out DIR");
    else if (!kws_export_name_ok(name))
        rc = kws_cli_fail("export",
                          "--name '%s': expected a C identifier of at most %d characters "
                          "(letters, digits, '_'; not starting with '_' or a digit)",
                          name, KWS_EXPORT_NAME_MAX);
    if (rc) {
        free_clips(&cs);
        return rc;
    }

    kws_model m;
    if (kws_cli_load_model("export", model_path, &m)) {
        free_clips(&cs);
        return 1;
    }
    const char *shown = model_path ? model_path : KWS_CLI_DEFAULT_MODEL;
    kws_imodel im;
    memset(&im, 0, sizeof im);
    kws_error err;
    kws_feature_config fc = kws_feature_config_default();
    fc.mfcc = m.mfcc;
    if (m.n_ranges < 1) {
        rc = kws_cli_fail("export",
                          "%s has no calibration ranges, so it has no integer model to export; "
                          "add them with: kws eval --data DIR --model %s --calibrate",
                          shown, shown);
    } else if (kws_feature_config_resolve(&fc, &err) != KWS_OK) {
        rc = kws_cli_fail_error("export", &err);
    } else if (m.topo.in_c != 1 || m.topo.in_h != fc.mfcc.n_mfcc ||
               m.topo.in_w != fc.window_cols) {
        rc = kws_cli_fail("export", "%s: input %dx%dx%d does not take 1 s MFCC windows (1x%dx%d)",
                          shown, m.topo.in_c, m.topo.in_h, m.topo.in_w, fc.mfcc.n_mfcc,
                          fc.window_cols);
    } else if (kws_imodel_from_model(&im, &m, &copt, &err) != KWS_OK) {
        rc = kws_cli_fail_error("export", &err);
    }
    if (!rc)
        rc = load_clips(&cs, &m, &im, &fc);
    if (!rc)
        rc = make_dir(out);
    kws_export_report rep;
    if (!rc) {
        kws_export_spec spec;
        memset(&spec, 0, sizeof spec);
        spec.name = name;
        spec.source = shown;
        spec.model = &m;
        spec.net = &im;
        spec.window_first = fc.window_first;
        spec.clip_samples = KWS_CLIP_SAMPLES;
        spec.n_clips = cs.n;
        spec.clip_names = cs.names;
        spec.clips = cs.pcm;
        spec.expect = cs.expect;
        if (kws_export_write(&spec, out, &rep, &err) != KWS_OK)
            rc = kws_cli_fail_error("export", &err);
    }
    if (!rc) {
        kws_imodel_bytes b = kws_imodel_bytes_total(&im);
        printf("wrote %s (%zu bytes) and %s (%zu bytes)\n", rep.c_path, rep.c_bytes, rep.h_path,
               rep.h_bytes);
        printf("model %s: %d classes, %d ops, input %dx%dx%d int8, %s logits\n", name,
               m.n_classes, im.n_ops, im.in_c, im.in_h, im.in_w,
               im.out_s32 ? "int32" : "int8");
        printf("parameters: %zu bytes in %d arrays (weights %zu, biases %zu, requant %zu, "
               "affine %zu), CRC-32 0x%08lx\n",
               rep.param_bytes, rep.n_arrays, b.weights, b.biases, b.requant, b.affine,
               (unsigned long)rep.param_crc);
        printf("arena: %zu bytes (%s plan: activations and the convolutions' working space %zu, "
               "separate scratch %zu)\n", im.arena_size, kws_plan_kind_str(copt.plan),
               im.act_peak, im.scratch_size);
        printf("clips: %d embedded with their expected logits\n", cs.n);
    }
    kws_imodel_free(&im);
    kws_model_free(&m);
    free_clips(&cs);
    return rc;
}
