/* cmd_streams.c - `kws streams`: the streaming evaluation.
 *
 *   make   held-out (test split) clips of a data set placed at known random
 *          times over background noise at a chosen SNR -> stream WAV + truth TSV
 *   score  detections (the output of `kws listen`) against a truth TSV:
 *          hit rate and false alarms per hour
 *   eval   runs the model over a stream once, then the detector at a range of
 *          thresholds: a CSV and SVG curves (hit rate and false alarms per hour
 *          against the threshold, and hit rate against false alarms per hour)
 *
 * Truth TSV: a "# duration_s D ..." comment, a header line, then one line per
 * placed clip: centre time (s), label, clip path. Clips of _unknown_ (when the
 * model has that class) are distractors: never a miss, and a detection near
 * one is a false alarm. A detection is a hit when an unmatched truth word of
 * the same label has its centre within --tolerance seconds (nearest first);
 * every other detection is a false alarm. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "kws/audio.h"
#include "kws/detect.h"
#include "kws/features.h"
#include "kws/plot.h"

#define LABEL_MAX KWS_MODEL_CLASS_NAME_MAX

typedef struct {
    double t;
    char label[LABEL_MAX];
    int used;
} mark;

typedef struct {
    mark *v;
    size_t n, cap;
} marks;

static int marks_add(marks *m, double t, const char *label)
{
    if (m->n == m->cap) {
        size_t cap = m->cap ? 2 * m->cap : 256;
        mark *nv = realloc(m->v, cap * sizeof *nv);
        if (!nv)
            return -1;
        m->v = nv;
        m->cap = cap;
    }
    m->v[m->n].t = t;
    size_t len = strlen(label);
    if (len >= LABEL_MAX)
        len = LABEL_MAX - 1;
    memcpy(m->v[m->n].label, label, len);
    m->v[m->n].label[len] = '\0';
    m->v[m->n].used = 0;
    m->n++;
    return 0;
}

/* ---- scoring ---------------------------------------------------------------- */

typedef struct {
    long targets, hits, false_alarms;
    double hours;
} score_result;

static int is_target(const char *label)
{
    return strcmp(label, KWS_UNKNOWN_NAME) != 0 && strcmp(label, KWS_SILENCE_NAME) != 0;
}

/* Detections in time order against the truth (its `used` flags are reset). */
static score_result score(marks *truth, const marks *det, double tolerance, double duration_s)
{
    score_result r = {0, 0, 0, duration_s / 3600.0};
    for (size_t i = 0; i < truth->n; i++) {
        truth->v[i].used = 0;
        r.targets += is_target(truth->v[i].label);
    }
    for (size_t j = 0; j < det->n; j++) {
        long best = -1;
        double best_d = tolerance;
        for (size_t i = 0; i < truth->n; i++) {
            double d = fabs(truth->v[i].t - det->v[j].t);
            if (!truth->v[i].used && is_target(truth->v[i].label) && d <= best_d &&
                !strcmp(truth->v[i].label, det->v[j].label)) {
                best = (long)i;
                best_d = d;
            }
        }
        if (best >= 0) {
            truth->v[best].used = 1;
            r.hits++;
        } else {
            r.false_alarms++;
        }
    }
    return r;
}

static double hit_rate(const score_result *r)
{
    return r->targets ? (double)r->hits / (double)r->targets : 0.0;
}

static double fa_per_hour(const score_result *r)
{
    return r->hours > 0 ? (double)r->false_alarms / r->hours : 0.0;
}

static int read_truth(const char *path, marks *truth, double *duration_s)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return kws_cli_fail("streams", "%s: cannot open the truth file", path);
    char line[2048], label[LABEL_MAX + 1];
    *duration_s = -1.0;
    double t;
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#') {
            const char *p = strstr(line, "duration_s ");
            if (p)
                *duration_s = atof(p + 11);
            continue;
        }
        if (sscanf(line, "%lf\t%32s", &t, label) == 2 && marks_add(truth, t, label)) {
            fclose(f);
            return kws_cli_fail("streams", "out of memory");
        }
    }
    fclose(f);
    if (*duration_s <= 0)
        return kws_cli_fail("streams", "%s: no '# duration_s' line: not a truth file of "
                            "'kws streams make'", path);
    return 0;
}

/* Lines "TIME s  LABEL  SCORE" (kws listen's output); other lines are skipped. */
static int read_detections(const char *path, marks *det)
{
    FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
    if (!f)
        return kws_cli_fail("streams", "%s: cannot open the detections file", path);
    char line[2048], label[LABEL_MAX + 1];
    double t, s;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "%lf s %32s %lf", &t, label, &s) == 3 && marks_add(det, t, label)) {
            if (f != stdin)
                fclose(f);
            return kws_cli_fail("streams", "out of memory");
        }
    if (f != stdin)
        fclose(f);
    return 0;
}

static void print_score(const char *what, const score_result *r)
{
    printf("%shit rate %.3f (%ld/%ld), false alarms %ld (%.2f per hour) in %.3f h\n", what,
           hit_rate(r), r->hits, r->targets, r->false_alarms, fa_per_hour(r), r->hours);
}

/* ---- make ------------------------------------------------------------------- */

static void help_make(void)
{
    printf("usage: kws streams make --data DIR --out STREAM.wav [options]\n\n"
           "Builds a long test stream: held-out clips (test split; --split val) of the\n"
           "model's words (and of _unknown_ when the model has that class), each fitted\n"
           "to 1 s, placed one after another with random gaps over background noise (the\n"
           "same split's part of the data set's _background_noise_ recordings; white\n"
           "noise without them). Writes the\n"
           "truth next to it (STREAM.tsv) unless --truth is given.\n\n"
           "options:\n"
           "  --data DIR         data set root (Speech Commands layout)\n"
           "  -m, --model FILE   model whose classes are placed (default %s)\n"
           "  -o, --out FILE     stream WAV to write\n"
           "  --truth FILE       truth TSV (default: --out with .tsv)\n"
           "  --minutes X        stream length (10)\n"
           "  --snr DB           clip power over noise power (10)\n"
           "  --gap LO:HI        seconds of noise between clips, uniform (1:3)\n"
           "  --seed N           placement and noise (1)\n"
           "  --split test|val   which held-out split the clips and noise come from (test);\n"
           "                     tune detector settings on a val stream, report on test\n"
           "  -h, --help         this help\n",
           KWS_CLI_DEFAULT_MODEL);
}

static int parse_range(const char *s, double *lo, double *hi)
{
    char *end;
    *lo = strtod(s, &end);
    if (*end != ':')
        return -1;
    *hi = strtod(end + 1, &end);
    return *end || !(*lo >= 0 && *hi >= *lo) ? -1 : 0;
}

static int cmd_make(int argc, char **argv)
{
    enum { O_DATA = 256, O_TRUTH, O_MINUTES, O_SNR, O_GAP, O_SEED, O_SPLIT };
    static const struct option opts[] = {
        {"data", 1, NULL, O_DATA},     {"model", 1, NULL, 'm'}, {"out", 1, NULL, 'o'},
        {"truth", 1, NULL, O_TRUTH},   {"minutes", 1, NULL, O_MINUTES},
        {"snr", 1, NULL, O_SNR},       {"gap", 1, NULL, O_GAP}, {"seed", 1, NULL, O_SEED},
        {"split", 1, NULL, O_SPLIT},   {"help", 0, NULL, 'h'},  {NULL, 0, NULL, 0},
    };
    const char *data = NULL, *model_path = NULL, *out = NULL, *truth_path = NULL;
    double minutes = 10, snr = 10, gap_lo = 1, gap_hi = 3;
    long seed = 1;
    kws_split split = KWS_SPLIT_TEST;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "m:o:h", opts, NULL)) != -1) {
        switch (c) {
        case O_DATA: data = optarg; break;
        case 'm': model_path = optarg; break;
        case 'o': out = optarg; break;
        case O_TRUTH: truth_path = optarg; break;
        case O_MINUTES:
            if (kws_cli_parse_float("streams make", "--minutes", optarg, 0.05, 24 * 60, &minutes))
                return 1;
            break;
        case O_SNR:
            if (kws_cli_parse_float("streams make", "--snr", optarg, -30, 100, &snr))
                return 1;
            break;
        case O_GAP:
            if (parse_range(optarg, &gap_lo, &gap_hi))
                return kws_cli_fail("streams make", "--gap: expected LO:HI seconds, got '%s'",
                                    optarg);
            break;
        case O_SEED:
            if (kws_cli_parse_int("streams make", "--seed", optarg, 0, 2147483647L, &seed))
                return 1;
            break;
        case O_SPLIT:
            if (strcmp(optarg, "test") == 0)
                split = KWS_SPLIT_TEST;
            else if (strcmp(optarg, "val") == 0)
                split = KWS_SPLIT_VAL;
            else
                return kws_cli_fail("streams make", "--split: test or val, got '%s'", optarg);
            break;
        case 'h': help_make(); return 0;
        default: return kws_cli_fail("streams make", "see 'kws streams make --help'");
        }
    }
    if (optind != argc)
        return kws_cli_fail("streams make", "unexpected argument '%s'", argv[optind]);
    if (!data || !out)
        return kws_cli_fail("streams make", "--data and --out are required (see --help)");
    char tsv[4096];
    if (!truth_path) {
        size_t n = strlen(out);
        if (n > 4 && !strcmp(out + n - 4, ".wav"))
            n -= 4;
        snprintf(tsv, sizeof tsv, "%.*s.tsv", (int)n, out);
        truth_path = tsv;
    }

    kws_model m;
    if (kws_cli_load_model("streams make", model_path, &m))
        return 1;
    kws_dataset_config dc = kws_dataset_config_default();
    char words[KWS_MAX_CLASSES * KWS_WORD_MAX] = "";
    for (int k = 0; k < m.n_classes; k++) {
        if (!strcmp(m.class_names[k], KWS_UNKNOWN_NAME))
            dc.use_unknown = 1;
        else if (strcmp(m.class_names[k], KWS_SILENCE_NAME)) {
            if (words[0])
                strcat(words, ",");
            strncat(words, m.class_names[k], KWS_WORD_MAX - 1);
        }
    }
    kws_model_free(&m);
    kws_error err;
    kws_dataset ds;
    memset(&ds, 0, sizeof ds);
    int rc = 1;
    size_t n_samples = (size_t)(minutes * 60.0 * KWS_SAMPLE_RATE);
    float *mix = calloc(n_samples, sizeof *mix);
    float *noise = calloc(n_samples, sizeof *noise);
    int16_t *pcm = malloc(n_samples * sizeof *pcm);
    size_t *pool = NULL;
    FILE *tf = NULL;
    if (!mix || !noise || !pcm) {
        kws_cli_fail("streams make", "out of memory for %.1f minutes", minutes);
        goto done;
    }
    if (kws_dataset_config_set_words(&dc, words, &err) ||
        kws_dataset_config_add_root(&dc, data, 0, &err) || kws_dataset_load(&ds, &dc, &err)) {
        kws_cli_fail_error("streams make", &err);
        goto done;
    }
    size_t n_pool = 0;
    pool = malloc(sizeof(size_t) * (ds.split_count[split] + 1));
    for (size_t i = 0; pool && i < ds.split_count[split]; i++) {
        size_t it = ds.split_items[split][i];
        if (ds.items[it].kind == KWS_ITEM_FILE && ds.items[it].label != ds.silence_label)
            pool[n_pool++] = it;
    }
    if (n_pool == 0) {
        kws_cli_fail("streams make", "%s: no %s-split clips of the model's words", data,
                     split == KWS_SPLIT_VAL ? "val" : "test");
        goto done;
    }
    if (kws_cli_make_parent_dir("streams make", out) ||
        kws_cli_make_parent_dir("streams make", truth_path))
        goto done;
    tf = fopen(truth_path, "w");
    if (!tf) {
        kws_cli_fail("streams make", "%s: cannot write the truth file", truth_path);
        goto done;
    }
    fprintf(tf, "# kws streams truth: duration_s %.3f, snr_db %.1f, gap %.2f:%.2f s, seed %ld, "
            "data %s\ntime_s\tlabel\tclip\n", (double)n_samples / KWS_SAMPLE_RATE, snr, gap_lo,
            gap_hi, seed, data);

    /* clips, one after another */
    kws_rng rng;
    kws_rng_seed(&rng, (uint64_t)seed);
    int16_t clip[KWS_CLIP_SAMPLES];
    double clip_power = 0.0;
    long placed = 0;
    double t = gap_lo + (gap_hi - gap_lo) * kws_rng_uniform(&rng);
    for (;;) {
        size_t start = (size_t)(t * KWS_SAMPLE_RATE);
        if (start + KWS_CLIP_SAMPLES > n_samples)
            break;
        size_t item = pool[kws_rng_below(&rng, (int)n_pool)];
        if (kws_clip_load(&ds, item, clip, &err)) {
            kws_cli_fail_error("streams make", &err);
            goto done;
        }
        for (int i = 0; i < KWS_CLIP_SAMPLES; i++) {
            mix[start + i] = clip[i];
            clip_power += (double)clip[i] * clip[i];
        }
        fprintf(tf, "%.3f\t%s\t%s\n", (double)start / KWS_SAMPLE_RATE + 0.5,
                ds.class_names[ds.items[item].label], ds.items[item].rel);
        placed++;
        t = (double)(start + KWS_CLIP_SAMPLES) / KWS_SAMPLE_RATE + gap_lo +
            (gap_hi - gap_lo) * kws_rng_uniform(&rng);
    }
    clip_power /= (double)placed * KWS_CLIP_SAMPLES;

    /* noise: test regions of the recordings, one after another, looped */
    double noise_power = 0.0;
    size_t filled = 0;
    int usable = 0;
    for (int k = 0; k < ds.noise.n; k++) {
        size_t s, e;
        kws_noise_region(&ds.noise, k, split, &s, &e);
        usable += e > s;
    }
    for (int k = 0; usable && filled < n_samples; k = (k + 1) % ds.noise.n) {
        size_t s, e;
        kws_noise_region(&ds.noise, k, split, &s, &e);
        for (size_t i = s; i < e && filled < n_samples; i++)
            noise[filled++] = ds.noise.samples[k][i];
    }
    for (; filled < n_samples; filled++)
        noise[filled] = 3000.0f * kws_rng_normal(&rng);
    for (size_t i = 0; i < n_samples; i++)
        noise_power += (double)noise[i] * noise[i];
    noise_power /= (double)n_samples;
    double gain = noise_power > 0 && clip_power > 0
                      ? sqrt(clip_power / (noise_power * pow(10.0, snr / 10.0)))
                      : 0.0;
    for (size_t i = 0; i < n_samples; i++)
        mix[i] = (float)((mix[i] + gain * noise[i]) / 32768.0);
    size_t clipped = kws_audio_float_to_s16(mix, n_samples, pcm);
    if (kws_audio_write_wav(out, pcm, n_samples, &err)) {
        kws_cli_fail_error("streams make", &err);
        goto done;
    }
    if (fclose(tf) != 0) {
        tf = NULL;
        kws_cli_fail("streams make", "%s: write failed", truth_path);
        goto done;
    }
    tf = NULL;
    fprintf(stderr, "kws streams make: %s: %.2f min, %ld clips from %zu %s clips, SNR %.1f dB"
            "%s; truth %s", out, minutes, placed, n_pool, split == KWS_SPLIT_VAL ? "val" : "test",
            snr,
            usable ? "" : " (white noise: no background recordings)", truth_path);
    if (clipped)
        fprintf(stderr, "; %zu samples clipped", clipped);
    fprintf(stderr, "\n");
    rc = 0;
done:
    if (tf)
        fclose(tf);
    free(pool);
    free(mix);
    free(noise);
    free(pcm);
    kws_dataset_free(&ds);
    return rc;
}

/* ---- score ------------------------------------------------------------------ */

static void help_score(void)
{
    printf("usage: kws streams score --truth FILE --detections FILE [options]\n\n"
           "Scores detections (lines 'TIME s  WORD  SCORE', the output of kws listen; '-'\n"
           "reads them from stdin) against the truth of 'kws streams make'.\n\n"
           "options:\n"
           "  --truth FILE        truth TSV\n"
           "  --detections FILE   detections ('-': stdin)\n"
           "  --tolerance S       largest distance to a word's centre for a hit (0.5)\n"
           "  -h, --help          this help\n");
}

static int cmd_score(int argc, char **argv)
{
    enum { O_TRUTH = 256, O_DET, O_TOL };
    static const struct option opts[] = {
        {"truth", 1, NULL, O_TRUTH}, {"detections", 1, NULL, O_DET},
        {"tolerance", 1, NULL, O_TOL}, {"help", 0, NULL, 'h'}, {NULL, 0, NULL, 0},
    };
    const char *truth_path = NULL, *det_path = NULL;
    double tol = 0.5, duration;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case O_TRUTH: truth_path = optarg; break;
        case O_DET: det_path = optarg; break;
        case O_TOL:
            if (kws_cli_parse_float("streams score", "--tolerance", optarg, 0, 60, &tol))
                return 1;
            break;
        case 'h': help_score(); return 0;
        default: return kws_cli_fail("streams score", "see 'kws streams score --help'");
        }
    }
    if (optind != argc)
        return kws_cli_fail("streams score", "unexpected argument '%s'", argv[optind]);
    if (!truth_path || !det_path)
        return kws_cli_fail("streams score", "--truth and --detections are required");
    marks truth = {0}, det = {0};
    int rc = read_truth(truth_path, &truth, &duration) || read_detections(det_path, &det);
    if (!rc) {
        score_result r = score(&truth, &det, tol, duration);
        print_score("", &r);
    }
    free(truth.v);
    free(det.v);
    return rc;
}

/* ---- eval ------------------------------------------------------------------- */

typedef struct {
    uint64_t *hops;
    float *probs;
    size_t n, cap;
    int n_classes;
    int failed;
} score_log;

static void on_scores(void *user, uint64_t hop, const float *p, int n_classes)
{
    score_log *s = (score_log *)user;
    if (s->failed)
        return;
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 4096;
        uint64_t *h = realloc(s->hops, cap * sizeof *h);
        if (h)
            s->hops = h;
        float *q = realloc(s->probs, cap * (size_t)n_classes * sizeof *q);
        if (q)
            s->probs = q;
        if (!h || !q) {
            s->failed = 1;
            return;
        }
        s->cap = cap;
    }
    s->n_classes = n_classes;
    s->hops[s->n] = hop;
    memcpy(s->probs + s->n * (size_t)n_classes, p, sizeof(float) * (size_t)n_classes);
    s->n++;
}

static void help_eval(void)
{
    kws_recognizer_config d = kws_recognizer_config_default();
    printf("usage: kws streams eval --stream FILE.wav --truth FILE [options]\n\n"
           "Runs the model over a stream of 'kws streams make' once, then the detector at a\n"
           "range of thresholds, and reports hit rate and false alarms per hour at each:\n"
           "PREFIX.csv, PREFIX_threshold.svg (both against the threshold) and\n"
           "PREFIX_roc.svg (hit rate against false alarms per hour).\n\n"
           "options:\n"
           "  --stream FILE          the stream WAV\n"
           "  --truth FILE           its truth TSV\n"
           "  -m, --model FILE       a .kwsm model (default %s)\n"
           "  -o, --out PREFIX       output files (default: the stream path minus .wav)\n"
           "  -t, --threshold X      the operating point reported (%.2f)\n"
           "  --thresholds LO:HI:N   the curve's thresholds (0.3:0.99:24)\n"
           "  --window-ms N          averaging window (%d)\n"
           "  --refractory-ms N      refractory period (%d)\n"
           "  --min-count N          results needed in the window (0: half the window)\n"
           "  --stride N             network every N hops (%d)\n"
           "  --tolerance S          largest distance to a word's centre for a hit (0.5)\n"
           "  --engine E             integer, float or auto (as kws listen)\n"
           "  --sweep-windows MS,..  also replay the scores with these averaging windows:\n"
           "                         PREFIX_windows.csv (every threshold) and one line each\n"
           "                         at the reported threshold\n"
           "  -h, --help             this help\n",
           KWS_CLI_DEFAULT_MODEL, (double)d.threshold, d.window_ms, d.refractory_ms, d.stride);
}

/* The score against truth of the detections (in *out) that r's detector
 * makes of the logged scores at `threshold`. */
typedef struct {
    marks *truth;
    double tol, duration;
} score_ctx;

static int replay(const score_log *log, kws_recognizer *r, float threshold, const score_ctx *sc,
                  marks *out, score_result *res)
{
    kws_detector_config dc = *kws_recognizer_detector_config(r);
    dc.threshold = threshold;
    size_t size = kws_detector_arena_size(&dc);
    void *arena = malloc(size ? size : 8);
    kws_detector det;
    if (!arena || kws_detector_init(&det, &dc, arena, size) != KWS_OK) {
        free(arena);
        return -1;
    }
    for (int c = 0; c < dc.n_classes; c++)
        kws_detector_set_ignore(&det, c, !is_target(kws_recognizer_class_name(r, c)));
    out->n = 0;
    for (size_t i = 0; i < log->n; i++) {
        kws_detector_event ev;
        int fired;
        kws_detector_push(&det, log->probs + i * (size_t)dc.n_classes, log->hops[i], &ev,
                          &fired);
        if (fired && marks_add(out, kws_recognizer_hop_time(r, ev.hop),
                               kws_recognizer_class_name(r, ev.label))) {
            free(arena);
            return -1;
        }
    }
    free(arena);
    *res = score(sc->truth, out, sc->tol, sc->duration);
    return 0;
}

/* The score columns of a CSV row (after the caller's leading ones). */
static void put_score_csv(FILE *f, const score_result *s)
{
    fprintf(f, "%.4f,%ld,%ld,%ld,%.3f\n", hit_rate(s), s->hits, s->targets, s->false_alarms,
            fa_per_hour(s));
}

/* --sweep-windows: the logged scores replayed by the detectors of other
 * averaging windows (everything else as rcfg), at every threshold into
 * PREFIX_windows.csv and at the reported threshold on stdout. */
static int sweep_windows(const kws_model *m, const kws_recognizer_config *rcfg,
                         const score_log *log, const score_ctx *sc, const float *thr, long n_thr,
                         const int *windows, int n_windows, const char *prefix)
{
    char path[4200];
    snprintf(path, sizeof path, "%s_windows.csv", prefix);
    FILE *csv = fopen(path, "w");
    if (!csv)
        return kws_cli_fail("streams eval", "%s: cannot write", path);
    fprintf(csv, "window_ms,threshold,hit_rate,hits,targets,false_alarms,false_alarms_per_hour\n");
    marks det = {0};
    int rc = 0;
    for (int k = 0; k < n_windows && rc == 0; k++) {
        kws_recognizer_config c = *rcfg;
        c.window_ms = windows[k];
        kws_recognizer *r = NULL;
        kws_error err;
        if (kws_recognizer_create(&r, m, &c, &err)) {
            rc = kws_cli_fail_error("streams eval", &err);
            break;
        }
        for (long i = 0; i <= n_thr && rc == 0; i++) {
            const float t = i < n_thr ? thr[i] : rcfg->threshold; /* last: reported */
            score_result s;
            if (replay(log, r, t, sc, &det, &s)) {
                rc = kws_cli_fail("streams eval", "out of memory");
                break;
            }
            if (i < n_thr) {
                fprintf(csv, "%d,%.4f,", windows[k], (double)t);
                put_score_csv(csv, &s);
            } else {
                char what[96];
                snprintf(what, sizeof what, "window %d ms, threshold %.2f: ", windows[k],
                         (double)t);
                print_score(what, &s);
            }
        }
        kws_recognizer_free(r);
    }
    free(det.v);
    if (fclose(csv) != 0 && rc == 0)
        rc = kws_cli_fail("streams eval", "%s: write failed", path);
    if (rc == 0)
        fprintf(stderr, "kws streams eval: %s\n", path);
    return rc;
}

static int cmd_eval(int argc, char **argv)
{
    enum {
        O_STREAM = 256, O_TRUTH, O_THRS, O_WINDOW, O_REFR, O_MINC, O_STRIDE, O_TOL, O_ENG,
        O_SWEEP
    };
    static const struct option opts[] = {
        {"stream", 1, NULL, O_STREAM},     {"truth", 1, NULL, O_TRUTH},
        {"model", 1, NULL, 'm'},           {"out", 1, NULL, 'o'},
        {"threshold", 1, NULL, 't'},       {"thresholds", 1, NULL, O_THRS},
        {"window-ms", 1, NULL, O_WINDOW},  {"refractory-ms", 1, NULL, O_REFR},
        {"min-count", 1, NULL, O_MINC},    {"stride", 1, NULL, O_STRIDE},
        {"tolerance", 1, NULL, O_TOL},     {"help", 0, NULL, 'h'},
        {"engine", 1, NULL, O_ENG},        {"sweep-windows", 1, NULL, O_SWEEP},
        {NULL, 0, NULL, 0},
    };
    const char *stream = NULL, *truth_path = NULL, *model_path = NULL, *prefix = NULL;
    kws_recognizer_config rcfg = kws_recognizer_config_default();
    double lo = 0.3, hi = 0.99, x = 0.0, tol = 0.5;
    long n_thr = 24, v;
    int c, sweep[16], n_sweep = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "m:o:t:h", opts, NULL)) != -1) {
        switch (c) {
        case O_STREAM: stream = optarg; break;
        case O_TRUTH: truth_path = optarg; break;
        case 'm': model_path = optarg; break;
        case 'o': prefix = optarg; break;
        case 't':
            if (kws_cli_parse_float("streams eval", "--threshold", optarg, 1e-6, 1, &x))
                return 1;
            rcfg.threshold = (float)x;
            break;
        case O_THRS: {
            char *e1, *e2, *e3;
            lo = strtod(optarg, &e1);
            hi = *e1 == ':' ? strtod(e1 + 1, &e2) : (e2 = e1, -1);
            n_thr = *e2 == ':' ? strtol(e2 + 1, &e3, 10) : (e3 = e2, 0);
            if (*e3 || !(lo > 0 && hi <= 1 && lo <= hi) || n_thr < 1 || n_thr > 1000)
                return kws_cli_fail("streams eval", "--thresholds: expected LO:HI:N with "
                                    "0 < LO <= HI <= 1, got '%s'", optarg);
            break;
        }
        case O_WINDOW:
            if (kws_cli_parse_int("streams eval", "--window-ms", optarg, 1, 60000, &v))
                return 1;
            rcfg.window_ms = (int)v;
            break;
        case O_REFR:
            if (kws_cli_parse_int("streams eval", "--refractory-ms", optarg, 0, 3600000, &v))
                return 1;
            rcfg.refractory_ms = (int)v;
            break;
        case O_MINC:
            if (kws_cli_parse_int("streams eval", "--min-count", optarg, 0, 4096, &v))
                return 1;
            rcfg.min_count = (int)v;
            break;
        case O_STRIDE:
            if (kws_cli_parse_int("streams eval", "--stride", optarg, 1, 1000, &v))
                return 1;
            rcfg.stride = (int)v;
            break;
        case O_TOL:
            if (kws_cli_parse_float("streams eval", "--tolerance", optarg, 0, 60, &tol))
                return 1;
            break;
        case O_SWEEP: {
            const char *p = optarg;
            n_sweep = 0;
            for (;;) {
                char *e;
                long w = strtol(p, &e, 10);
                if (e == p || w < 1 || w > 60000 || n_sweep == 16 || (*e && *e != ','))
                    return kws_cli_fail("streams eval", "--sweep-windows: expected up to 16 "
                                        "windows of 1..60000 ms separated by commas, got '%s'",
                                        optarg);
                sweep[n_sweep++] = (int)w;
                if (!*e)
                    break;
                p = e + 1;
            }
            break;
        }
        case O_ENG:
            if (kws_cli_parse_engine("streams eval", optarg, &rcfg.engine))
                return 1;
            break;
        case 'h': help_eval(); return 0;
        default: return kws_cli_fail("streams eval", "see 'kws streams eval --help'");
        }
    }
    if (optind != argc)
        return kws_cli_fail("streams eval", "unexpected argument '%s'", argv[optind]);
    if (!stream || !truth_path)
        return kws_cli_fail("streams eval", "--stream and --truth are required (see --help)");
    char prefix_buf[4096];
    if (!prefix) {
        size_t n = strlen(stream);
        if (n > 4 && !strcmp(stream + n - 4, ".wav"))
            n -= 4;
        snprintf(prefix_buf, sizeof prefix_buf, "%.*s", (int)n, stream);
        prefix = prefix_buf;
    }
    marks truth = {0}, det = {0};
    double duration;
    if (read_truth(truth_path, &truth, &duration))
        return 1;
    const score_ctx sc = {&truth, tol, duration};
    kws_model m;
    if (kws_cli_load_model("streams eval", model_path, &m)) {
        free(truth.v);
        return 1;
    }
    kws_error err;
    kws_recognizer *r = NULL;
    kws_audio_source *src = NULL;
    score_log log = {0};
    float *thr = NULL, *hr = NULL, *fa = NULL;
    int rc = 1;
    if (kws_recognizer_create(&r, &m, &rcfg, &err)) {
        kws_cli_fail_error("streams eval", &err);
        goto done;
    }
    fprintf(stderr, "kws streams eval: %s network\n", kws_cli_engine_str(kws_recognizer_engine(r)));
    kws_recognizer_set_callbacks(r, NULL, on_scores, &log);
    if (kws_audio_source_open(stream, &src, &err)) {
        kws_cli_fail_error("streams eval", &err);
        goto done;
    }
    static int16_t buf[16000];
    long n, seconds = 0;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    while ((n = kws_audio_source_read(src, buf, 16000, &err)) > 0) {
        if (kws_recognizer_push(r, buf, (size_t)n) || log.failed) {
            kws_cli_fail("streams eval", "%s: recognizer failed", stream);
            goto done;
        }
        if (++seconds % 300 == 0) { /* progress every 5 minutes of audio */
            clock_gettime(CLOCK_MONOTONIC, &t1);
            double wall = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
            double speed = wall > 0 ? (double)seconds / wall : 0;
            fprintf(stderr, "kws streams eval: %.0f of %.0f min of audio, %.1fx real time, ETA %.0f s\n",
                    (double)seconds / 60.0, duration / 60.0, speed,
                    speed > 0 && duration > (double)seconds ? (duration - (double)seconds) / speed : 0.0);
        }
    }
    if (n < 0) {
        kws_cli_fail_error("streams eval", &err);
        goto done;
    }
    thr = malloc(sizeof(float) * (size_t)(n_thr + 1));
    hr = malloc(sizeof(float) * (size_t)(n_thr + 1));
    fa = malloc(sizeof(float) * (size_t)(n_thr + 1));
    if (!thr || !hr || !fa) {
        kws_cli_fail("streams eval", "out of memory");
        goto done;
    }
    char path[4200];
    snprintf(path, sizeof path, "%s.csv", prefix);
    if (kws_cli_make_parent_dir("streams eval", path))
        goto done;
    FILE *csv = fopen(path, "w");
    if (!csv) {
        kws_cli_fail("streams eval", "%s: cannot write", path);
        goto done;
    }
    fprintf(csv, "threshold,hit_rate,hits,targets,false_alarms,false_alarms_per_hour\n");
    for (long i = 0; i < n_thr; i++) {
        thr[i] = (float)(n_thr == 1 ? lo : lo + (hi - lo) * (double)i / (double)(n_thr - 1));
        score_result s;
        if (replay(&log, r, thr[i], &sc, &det, &s)) {
            fclose(csv);
            kws_cli_fail("streams eval", "out of memory");
            goto done;
        }
        hr[i] = (float)hit_rate(&s);
        fa[i] = (float)fa_per_hour(&s);
        fprintf(csv, "%.4f,", (double)thr[i]);
        put_score_csv(csv, &s);
    }
    if (fclose(csv) != 0) {
        kws_cli_fail("streams eval", "%s: write failed", path);
        goto done;
    }
    kws_series hs[2] = {{"hit rate", thr, hr, (int)n_thr}, {"false alarms / h", thr, fa, (int)n_thr}};
    snprintf(path, sizeof path, "%s_threshold.svg", prefix);
    if (kws_svg_line_chart(path, "Streaming detection against the threshold", "threshold",
                           "hit rate", hs, 1, 0.0f, 1.0f, &err)) {
        kws_cli_fail_error("streams eval", &err);
        goto done;
    }
    snprintf(path, sizeof path, "%s_false_alarms.svg", prefix);
    if (kws_svg_line_chart(path, "False alarms against the threshold", "threshold",
                           "false alarms per hour", hs + 1, 1, 0.0f, 0.0f, &err)) {
        kws_cli_fail_error("streams eval", &err);
        goto done;
    }
    kws_series roc = {"detector", fa, hr, (int)n_thr};
    snprintf(path, sizeof path, "%s_roc.svg", prefix);
    if (kws_svg_line_chart(path, "Hit rate against false alarms", "false alarms per hour",
                           "hit rate", &roc, 1, 0.0f, 1.0f, &err)) {
        kws_cli_fail_error("streams eval", &err);
        goto done;
    }
    score_result s;
    if (replay(&log, r, rcfg.threshold, &sc, &det, &s)) {
        kws_cli_fail("streams eval", "out of memory");
        goto done;
    }
    char what[64];
    snprintf(what, sizeof what, "threshold %.2f: ", (double)rcfg.threshold);
    print_score(what, &s);
    fprintf(stderr, "kws streams eval: %s.csv, %s_threshold.svg, %s_false_alarms.svg, "
            "%s_roc.svg\n", prefix, prefix, prefix, prefix);
    if (n_sweep > 0 && sweep_windows(&m, &rcfg, &log, &sc, thr, n_thr, sweep, n_sweep, prefix))
        goto done;
    rc = 0;
done:
    kws_model_free(&m);
    free(thr);
    free(hr);
    free(fa);
    free(log.hops);
    free(log.probs);
    free(truth.v);
    free(det.v);
    kws_audio_source_close(src);
    kws_recognizer_free(r);
    return rc;
}

static void help(void)
{
    printf("usage: kws streams make|score|eval [options]\n\n"
           "Streaming evaluation on long recordings with known words:\n"
           "  make    build a stream from test-split clips over background noise + truth TSV\n"
           "  score   hit rate and false alarms per hour of detections (kws listen output)\n"
           "  eval    run a model over a stream: the curve over thresholds (CSV and SVG)\n\n"
           "`kws streams <sub> --help` lists each one's options.\n"
           "options:\n"
           "  -h, --help   this help\n");
}

int kws_cmd_streams(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        help();
        return argc < 2 ? kws_cli_fail("streams", "make, score or eval expected") : 0;
    }
    if (!strcmp(argv[1], "make"))
        return cmd_make(argc - 1, argv + 1);
    if (!strcmp(argv[1], "score"))
        return cmd_score(argc - 1, argv + 1);
    if (!strcmp(argv[1], "eval"))
        return cmd_eval(argc - 1, argv + 1);
    return kws_cli_fail("streams", "unknown subcommand '%s': make, score or eval", argv[1]);
}
