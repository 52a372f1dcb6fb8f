/* cmd_synth.c - `kws synth`: synthetic spoken words in the Speech Commands
 * layout (see kws/synth.h), with progress, a summary table, and the word
 * duration / peak level distributions side by side with a real folder's. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "kws/dataset.h"
#include "kws/synth.h"

#define DEFAULT_WORDS "yes,no,up,down,left,right,on,off,stop,go"

static void help(void)
{
    printf("usage: kws synth --out DIR [options]\n"
           "       kws synth --stats DIR [--words LIST]\n\n"
           "Writes one-second 16 kHz mono 16-bit clips of spoken words from linked TTS engines\n"
           "(eSpeak NG: every English voice x variant; Flite: kal, kal16, awb, rms, slt) with\n"
           "random prosody, speed, band limiting, reverb, placement and level, as\n"
           "DIR/<word>/synth-<engine>-<voice>_nohash_<n>.wav plus DIR/%s.\n"
           "The same options and seed give the same bytes, for any --threads.\n\n"
           "options:\n"
           "      --words LIST        command words, comma-separated (default %s)\n"
           "      --per-word N        clips per command word (default 10)\n"
           "  -o, --out DIR           output folder (created)\n"
           "      --seed S            random seed (default 1)\n"
           "      --engines LIST      engines to use: espeak,flite (default both; 'none' for none)\n"
           "      --unknown N         also N clips of other words for _unknown_ (default 0)\n"
           "      --unknown-words F   word list for --unknown, one per line (default: built-in\n"
           "                          list of common words and near-misses of the commands)\n"
           "      --threads N         worker threads (default 1)\n"
           "      --stats DIR         measure word duration and peak level of DIR's clips of\n"
           "                          --words (any Speech Commands folder); with --out, print\n"
           "                          them next to the synthetic ones\n"
           "  -q, --quiet             no progress, no configuration line\n"
           "  -h, --help              this help\n",
           KWS_SYNTH_MANIFEST, DEFAULT_WORDS);
}

typedef struct {
    struct timespec t0;
    double last;
} progress_state;

static double since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + 1e-9 * (double)(t.tv_nsec - t0->tv_nsec);
}

static void progress(void *ctx, size_t done, size_t total)
{
    progress_state *p = ctx;
    double s = since(&p->t0);
    if (done < total && s - p->last < 0.5)
        return;
    p->last = s;
    double rate = s > 0 ? (double)done / s : 0.0;
    fprintf(stderr, "\rkws synth: %zu/%zu clips  %.1f clips/s  ETA %.0f s   ", done, total, rate,
            rate > 0 ? (double)(total - done) / rate : 0.0);
    if (done == total)
        fputc('\n', stderr);
}

static void print_stats_row(const char *name, const kws_synth_stats *s)
{
    if (!s->n) {
        printf("  %-22s %8s\n", name, "0 clips");
        return;
    }
    printf("  %-22s %7zu  %5.2f %5.2f %5.2f   %6.1f %6.1f %6.1f\n", name, s->n, (double)s->dur[0],
           (double)s->dur[1], (double)s->dur[2], (double)s->peak[0], (double)s->peak[1],
           (double)s->peak[2]);
}

static void print_stats_header(void)
{
    printf("\nword duration (s, span of 10 ms frames within %.0f dB of the loudest) and peak (dBFS):\n"
           "  %-22s %7s  %5s %5s %5s   %6s %6s %6s\n",
           (double)KWS_SYNTH_SPAN_DB, "set", "clips", "q1", "med", "q3", "q1", "med", "q3");
}

int kws_cmd_synth(int argc, char **argv)
{
    static const struct option opts[] = {
        {"words", required_argument, NULL, 'w'},   {"per-word", required_argument, NULL, 'p'},
        {"out", required_argument, NULL, 'o'},     {"seed", required_argument, NULL, 's'},
        {"engines", required_argument, NULL, 'e'}, {"unknown", required_argument, NULL, 'u'},
        {"unknown-words", required_argument, NULL, 'U'},
        {"threads", required_argument, NULL, 't'}, {"stats", required_argument, NULL, 'S'},
        {"quiet", no_argument, NULL, 'q'},         {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    kws_synth_config cfg = kws_synth_config_default();
    const char *words = DEFAULT_WORDS, *stats_dir = NULL, *engines = NULL;
    int quiet = 0, c;
    long v;
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:qh", opts, NULL)) != -1) {
        switch (c) {
        case 'w': words = optarg; break;
        case 'p':
            if (kws_cli_parse_int("synth", "--per-word", optarg, 0, 1000000, &v))
                return 1;
            cfg.per_word = (int)v;
            break;
        case 'o': cfg.out_dir = optarg; break;
        case 's': {
            char *end = NULL;
            unsigned long long s = strtoull(optarg, &end, 10);
            if (!*optarg || *end || optarg[0] == '-')
                return kws_cli_fail("synth", "--seed: expected a whole number >= 0, got '%s'", optarg);
            cfg.seed = s;
            break;
        }
        case 'e': engines = optarg; break;
        case 'u':
            if (kws_cli_parse_int("synth", "--unknown", optarg, 0, 10000000, &v))
                return 1;
            cfg.n_unknown = (int)v;
            break;
        case 'U': cfg.unknown_words = optarg; break;
        case 't':
            if (kws_cli_parse_int("synth", "--threads", optarg, 1, 256, &v))
                return 1;
            cfg.threads = (int)v;
            break;
        case 'S': stats_dir = optarg; break;
        case 'q': quiet = 1; break;
        case 'h': help(); return 0;
        default: return kws_cli_fail("synth", "see 'kws synth --help'");
        }
    }
    if (optind != argc)
        return kws_cli_fail("synth", "unexpected argument '%s' (see --help)", argv[optind]);
    if (!cfg.out_dir && !stats_dir)
        return kws_cli_fail("synth", "--out DIR is required (see --help)");

    kws_error err;
    kws_error_clear(&err);
    kws_dataset_config dc = kws_dataset_config_default();
    if (kws_dataset_config_set_words(&dc, words, &err) != KWS_OK)
        return kws_cli_fail_error("synth", &err);
    cfg.n_words = dc.n_words;
    memcpy(cfg.words, dc.words, sizeof cfg.words);

    if (engines) {
        for (int e = 0; e < KWS_SYNTH_N_ENGINES; e++)
            cfg.use_engine[e] = 0;
        if (strcmp(engines, "none")) {
            char buf[256];
            snprintf(buf, sizeof buf, "%s", engines);
            for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
                int e = kws_synth_engine_from_name(tok);
                if (e < 0)
                    return kws_cli_fail("synth", "--engines: unknown engine '%s' (espeak, flite, none)", tok);
                cfg.use_engine[e] = 1;
            }
        }
    }

    int rc = 0;
    kws_synth_result res;
    memset(&res, 0, sizeof res);
    kws_synth_stats syn = {0}, real = {0};
    if (cfg.out_dir) {
        progress_state ps = {0};
        clock_gettime(CLOCK_MONOTONIC, &ps.t0);
        if (!quiet) {
            fprintf(stderr, "kws synth: %d words x %d + %d unknown -> %s (seed %llu, %d threads, engines %s)\n",
                    cfg.n_words, cfg.per_word, cfg.n_unknown, cfg.out_dir,
                    (unsigned long long)cfg.seed, cfg.threads, engines ? engines : "espeak,flite");
            cfg.progress = progress;
            cfg.progress_ctx = &ps;
        }
        kws_status st = kws_synth_run(&cfg, &res, &err);
        for (int e = 0; e < KWS_SYNTH_N_ENGINES; e++)
            if (res.engine_notice[e][0])
                fprintf(stderr, "kws synth: notice: engine %s skipped: %s\n",
                        kws_synth_engine_name(e), res.engine_notice[e]);
        if (st != KWS_OK) {
            kws_synth_engines_close();
            return kws_cli_fail_error("synth", &err);
        }
        double secs = since(&ps.t0);

        printf("%-22s", "word");
        for (int e = 0; e < KWS_SYNTH_N_ENGINES; e++)
            printf(" %8s", kws_synth_engine_name(e));
        printf(" %8s\n", "total");
        for (int w = 0; w <= cfg.n_words; w++) {
            if (w == cfg.n_words && cfg.n_unknown == 0)
                break;
            char name[KWS_WORD_MAX + 32];
            if (w < cfg.n_words)
                snprintf(name, sizeof name, "%s", cfg.words[w]);
            else
                snprintf(name, sizeof name, "_unknown_ (%zu words)", res.n_unknown_words);
            size_t tot = 0;
            printf("%-22s", name);
            for (int e = 0; e < KWS_SYNTH_N_ENGINES; e++) {
                printf(" %8zu", res.clips[e][w]);
                tot += res.clips[e][w];
            }
            printf(" %8zu\n", tot);
        }
        printf("written %zu clips in %.1f s (%.1f clips/s); gave up on %zu\n", res.written, secs,
               secs > 0 ? (double)res.written / secs : 0.0, res.failed);
        printf("dropped attempts (redrawn):");
        size_t nd = 0;
        for (int q = 1; q < KWS_SYNTH_N_DROP; q++) {
            printf(" %s %zu%s", kws_synth_quality_name((kws_synth_quality)q), res.dropped[q],
                   q + 1 < KWS_SYNTH_N_DROP ? "," : "\n");
            nd += res.dropped[q];
        }
        (void)nd;
        if (kws_synth_stats_compute(res.dur, res.peak, res.written, &syn, &err) != KWS_OK)
            rc = kws_cli_fail_error("synth", &err);
        if (res.failed)
            fprintf(stderr, "kws synth: notice: %zu clips failed all %d attempts and are missing\n",
                    res.failed, KWS_SYNTH_MAX_ATTEMPTS);
    }
    if (stats_dir && rc == 0 &&
        kws_synth_stats_folder(stats_dir, (const char (*)[KWS_WORD_MAX])cfg.words, cfg.n_words,
                               &real, &err) != KWS_OK)
        rc = kws_cli_fail_error("synth", &err);
    if (rc == 0) {
        print_stats_header();
        if (cfg.out_dir)
            print_stats_row("synthetic (all words)", &syn);
        if (stats_dir)
            print_stats_row(stats_dir, &real);
    }
    kws_synth_result_free(&res);
    kws_synth_engines_close();
    return rc;
}
