/* cmd_mfcc.c - `kws mfcc`: the MFCC matrix of an audio file as CSV and PNG.
 *
 * The matrix is printed coefficient-major, one CSV row per coefficient
 * (38 rows) and one column per frame, the layout the network sees. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "kws/audio.h"
#include "kws/features.h"
#include "kws/mfcc.h"
#include "kws/plot.h"

#define NET_COLS 55 /* frames in the network's input window */

static void help(void)
{
    printf("usage: kws mfcc [options] AUDIO\n\n"
           "Computes the MFCC matrix (38 coefficients x frames) of AUDIO with the device's\n"
           "front end: 16 kHz, frame 512, hop 256, Hann window, 40 mel bands 20-8000 Hz,\n"
           "log, orthonormal DCT-II. AUDIO is any file libsndfile reads (resampled to\n"
           "16 kHz, downmixed to mono) or '-' for raw 16 kHz s16le mono on stdin.\n\n"
           "options:\n"
           "  -o, --out FILE   write the CSV matrix to FILE (default: standard output)\n"
           "      --png FILE   also write a heat map (time left to right, c0 at the bottom)\n"
           "      --window     the network's input: the clip fitted to 1 s as in training\n"
           "                   (centred in zeros or cut to its middle), centred %d frames\n"
           "  -q, --quiet      no summary on standard error\n"
           "  -h, --help       this help\n", NET_COLS);
}

static int write_csv(FILE *f, const float *m, int rows, int cols)
{
    for (int r = 0; r < rows; r++) {
        for (int c = 0; c < cols; c++)
            fprintf(f, c ? ",%.7g" : "%.7g", m[(size_t)r * cols + c]);
        fputc('\n', f);
    }
    return ferror(f) ? -1 : 0;
}

int kws_cmd_mfcc(int argc, char **argv)
{
    static const struct option opts[] = {
        {"out", required_argument, NULL, 'o'}, {"png", required_argument, NULL, 'p'},
        {"window", no_argument, NULL, 'w'},    {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},      {NULL, 0, NULL, 0},
    };
    const char *out_path = "-", *png_path = NULL;
    int only_window = 0, quiet = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:qh", opts, NULL)) != -1) {
        switch (c) {
        case 'o': out_path = optarg; break;
        case 'p': png_path = optarg; break;
        case 'w': only_window = 1; break;
        case 'q': quiet = 1; break;
        case 'h': help(); return 0;
        default: return kws_cli_fail("mfcc", "see 'kws mfcc --help'");
        }
    }
    if (optind != argc - 1)
        return kws_cli_fail("mfcc", "expected exactly one AUDIO argument (see --help)");
    const char *in_path = argv[optind];

    kws_error err;
    kws_error_clear(&err);
    kws_audio audio;
    if (kws_audio_read(in_path, &audio, &err) != KWS_OK)
        return kws_cli_fail_error("mfcc", &err);
    if (audio.notice[0] && !quiet)
        fprintf(stderr, "kws mfcc: notice: %s\n", audio.notice);

    if (only_window) { /* exactly what training and classification see */
        int16_t *clip = malloc(KWS_CLIP_SAMPLES * sizeof *clip);
        if (!clip) {
            kws_audio_free(&audio);
            return kws_cli_fail("mfcc", "out of memory");
        }
        kws_clip_fit(audio.samples, audio.n, clip);
        free(audio.samples);
        audio.samples = clip;
        audio.n = KWS_CLIP_SAMPLES;
    }
    kws_mfcc_config cfg = kws_mfcc_config_default();
    int n_frames = kws_mfcc_num_frames(&cfg, audio.n);
    if (n_frames < 1) {
        size_t have = audio.n;
        kws_audio_free(&audio);
        return kws_cli_fail("mfcc", "%s: too short: %zu samples at 16 kHz, need at least %d",
                            in_path, have, cfg.frame_len);
    }

    size_t arena_size = kws_mfcc_arena_size(&cfg);
    void *arena = malloc(arena_size);
    float *cols = malloc((size_t)n_frames * cfg.n_mfcc * sizeof(float)); /* (frames, n_mfcc) */
    float *matrix = malloc((size_t)n_frames * cfg.n_mfcc * sizeof(float)); /* (n_mfcc, frames) */
    kws_mfcc mfcc;
    int rc = 1;
    if (!arena || !cols || !matrix) {
        kws_cli_fail("mfcc", "out of memory");
        goto done;
    }
    if (kws_mfcc_init(&mfcc, &cfg, arena, arena_size) != KWS_OK) {
        kws_cli_fail("mfcc", "front end initialisation failed");
        goto done;
    }
    kws_mfcc_compute(&mfcc, audio.samples, audio.n, cols, n_frames);

    int first = only_window ? (n_frames - NET_COLS) / 2 : 0;
    int n_out = only_window ? NET_COLS : n_frames;
    for (int k = 0; k < cfg.n_mfcc; k++)
        for (int t = 0; t < n_out; t++)
            matrix[(size_t)k * n_out + t] = cols[(size_t)(first + t) * cfg.n_mfcc + k];

    FILE *f = strcmp(out_path, "-") ? fopen(out_path, "w") : stdout;
    if (!f) {
        kws_cli_fail("mfcc", "%s: cannot create", out_path);
        goto done;
    }
    int wrc = write_csv(f, matrix, cfg.n_mfcc, n_out);
    if (f != stdout && fclose(f) != 0)
        wrc = -1;
    if (wrc) {
        kws_cli_fail("mfcc", "%s: write failed", out_path);
        goto done;
    }
    if (png_path && kws_heatmap_write_png(png_path, matrix, cfg.n_mfcc, n_out, 6, &err)) {
        kws_cli_fail_error("mfcc", &err);
        goto done;
    }
    if (!quiet)
        fprintf(stderr,
                "kws mfcc: %s: %.3f s (source %d Hz, %d ch) -> %d x %d MFCC (frames %d..%d)%s%s\n",
                in_path, audio.n / (double)KWS_SAMPLE_RATE, audio.source_rate,
                audio.source_channels, cfg.n_mfcc, n_out, first, first + n_out - 1,
                png_path ? ", heat map " : "", png_path ? png_path : "");
    rc = 0;
done:
    free(arena);
    free(cols);
    free(matrix);
    kws_audio_free(&audio);
    return rc;
}
