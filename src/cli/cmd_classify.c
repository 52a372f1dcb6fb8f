/* cmd_classify.c - `kws classify`: the top classes of one-second clips.
 *
 * Each clip goes through exactly the training path: fitted to 1 s
 * (kws_clip_fit: centred in zeros or cut to its middle second), MFCC, the
 * centred network window, the model's normalization, the network (the
 * integer model the device runs, or the float/QAT net: --engine), softmax. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "kws/audio.h"
#include "kws/detect.h"
#include "kws/features.h"

static void help(void)
{
    printf("usage: kws classify [options] CLIP.wav...\n\n"
           "Classifies one-second clips: each is fitted to 1 s as in training (centred in\n"
           "zeros, or cut to its middle second) and its top classes are printed with their\n"
           "probabilities. '-' reads raw 16 kHz s16le mono from stdin.\n\n"
           "options:\n"
           "  -m, --model FILE   a .kwsm model (default %s)\n"
           "  -k, --top K        classes shown per clip (3)\n"
           "  --engine E         integer (the int8 model the device runs), float, or auto\n"
           "                     (default: integer when the model has calibration ranges)\n"
           "  -h, --help         this help\n",
           KWS_CLI_DEFAULT_MODEL);
}

int kws_cmd_classify(int argc, char **argv)
{
    static const struct option opts[] = {
        {"model", 1, NULL, 'm'}, {"top", 1, NULL, 'k'}, {"help", 0, NULL, 'h'},
        {"engine", 1, NULL, 'e'},
        {NULL, 0, NULL, 0},
    };
    const char *model_path = NULL;
    long top = 3;
    int c, engine = KWS_ENGINE_AUTO;
    optind = 1;
    while ((c = getopt_long(argc, argv, "m:k:h", opts, NULL)) != -1) {
        switch (c) {
        case 'm': model_path = optarg; break;
        case 'k':
            if (kws_cli_parse_int("classify", "--top", optarg, 1, KWS_MODEL_MAX_CLASSES, &top))
                return 1;
            break;
        case 'e':
            if (kws_cli_parse_engine("classify", optarg, &engine))
                return 1;
            break;
        case 'h': help(); return 0;
        default: return kws_cli_fail("classify", "see 'kws classify --help'");
        }
    }
    if (optind >= argc)
        return kws_cli_fail("classify", "no clip given (see --help)");

    kws_model m;
    if (kws_cli_load_model("classify", model_path, &m))
        return 1;
    kws_error err;
    kws_feature_config fc = kws_feature_config_default();
    fc.mfcc = m.mfcc;
    if (kws_feature_config_resolve(&fc, &err) != KWS_OK || m.topo.in_c != 1 ||
        m.topo.in_h != fc.mfcc.n_mfcc || m.topo.in_w != fc.window_cols ||
        (m.n_norm != m.topo.in_h && m.n_norm != m.topo.in_h * m.topo.in_w)) {
        kws_model_free(&m);
        return kws_cli_fail("classify", "model input %dx%dx%d does not take 1 s MFCC windows",
                            m.topo.in_c, m.topo.in_h, m.topo.in_w);
    }
    int rc = 0;
    kws_featurizer fz;
    kws_classifier *net = NULL;
    memset(&fz, 0, sizeof fz);
    float *feat = malloc(sizeof(float) * kws_features_size(&fc));
    float *x = malloc(sizeof(float) * (size_t)m.topo.in_h * (size_t)m.topo.in_w);
    float *probs = malloc(sizeof(float) * (size_t)m.n_classes);
    int *order = malloc(sizeof(int) * (size_t)m.n_classes);
    int16_t clip[KWS_CLIP_SAMPLES];
    if (!feat || !x || !probs || !order) {
        rc = kws_cli_fail("classify", "out of memory");
        goto done;
    }
    if (kws_featurizer_init(&fz, &fc, &err) || kws_classifier_create(&net, &m, engine, &err)) {
        rc = kws_cli_fail_error("classify", &err);
        goto done;
    }
    if (top > m.n_classes)
        top = m.n_classes;
    for (int i = optind; i < argc; i++) {
        kws_audio a;
        if (kws_audio_read(argv[i], &a, &err) != KWS_OK) {
            kws_cli_fail_error("classify", &err);
            rc = 1;
            continue;
        }
        if (a.notice[0])
            fprintf(stderr, "kws classify: notice: %s\n", a.notice);
        kws_clip_fit(a.samples, a.n, clip);
        double secs = (double)a.n / KWS_SAMPLE_RATE;
        kws_audio_free(&a);
        kws_features_compute(&fz, clip, feat);
        kws_features_window(&fc, feat, NULL, x);
        kws_model_normalize_input(&m, x);
        if (kws_classifier_run(net, x, probs) != KWS_OK) {
            rc = kws_cli_fail("classify", "%s: network failed", argv[i]);
            continue;
        }
        for (int k = 0; k < m.n_classes; k++)
            order[k] = k;
        for (int k = 0; k < top; k++) { /* partial selection sort, stable on ties */
            int b = k;
            for (int j = k + 1; j < m.n_classes; j++)
                if (probs[order[j]] > probs[order[b]])
                    b = j;
            int t = order[b];
            memmove(order + k + 1, order + k, sizeof(int) * (size_t)(b - k));
            order[k] = t;
        }
        printf("%s (%.2f s):", argv[i], secs);
        for (int k = 0; k < top; k++)
            printf("%s%s %.3f", k ? ", " : "  ", m.class_names[order[k]], probs[order[k]]);
        printf("\n");
    }
done:
    free(feat);
    free(x);
    free(probs);
    free(order);
    kws_classifier_free(net);
    kws_featurizer_free(&fz);
    kws_model_free(&m);
    return rc;
}
