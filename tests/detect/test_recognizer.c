/* test_recognizer.c - kws_recognizer on audio. A tiny net (models/tiny.kwsnet
 * with 5 outputs) is trained for a few seconds on the tone data set of
 * tests/train/train_fixture.h: alpha, beta, gamma as commands, delta as
 * _unknown_, background noise as _silence_. Then a stream of held-out-style
 * tone words (generator variants the training never saw, their own noise) at
 * known offsets between stretches of quiet noise must give:
 *   - each command once, with the right label, within 0.3 s of its centre;
 *     the _unknown_ word (delta) nothing;
 *   - the same events (hop, label, score bit for bit) in chunks of odd sizes
 *     as in one chunk; with --stride 2 each command still once;
 *   - no detection on digital silence and on white noise;
 *   - a model that streams (time=valid convolutions, 2x1 pools; random
 *     weights, calibrated on random inputs): the integer network one column
 *     per hop (kws/stream.h) gives every hop's probabilities bit for bit as
 *     the whole windows do (--no-stream), in chunks of odd sizes and with
 *     stride 3 too. */
#include "tests/train/train_fixture.h"

#include <string.h>

#include "kws/convert.h"
#include "kws/detect.h"
#include "kws/features.h"
#include "kws/train.h"
#include "tests/test.h"

#define MAX_EV 64

typedef struct {
    kws_detection ev[MAX_EV];
    char names[MAX_EV][KWS_MODEL_CLASS_NAME_MAX]; /* ev[i].name points here */
    int n;
    long scores;
    uint64_t want_hop;   /* probabilities of this hop are kept in probs */
    float probs[8];
    uint64_t hash;       /* FNV-1a of every (hop, probabilities) */
} events;

static void on_det(void *user, const kws_detection *d)
{
    events *e = (events *)user;
    if (e->n < MAX_EV) {
        e->ev[e->n] = *d;
        snprintf(e->names[e->n], sizeof e->names[0], "%s", d->name);
        e->ev[e->n].name = e->names[e->n];
    }
    e->n++;
}

static void on_scores(void *user, uint64_t hop, const float *p, int n)
{
    if (getenv("KWS_TEST_DUMP")) { /* per-hop probabilities, for tuning */
        printf("hop %4llu", (unsigned long long)hop);
        for (int c = 0; c < n; c++)
            printf(" %.2f", (double)p[c]);
        printf("\n");
    }
    events *e = (events *)user;
    e->scores++;
    const unsigned char *b[2] = {(const unsigned char *)&hop, (const unsigned char *)p};
    const size_t len[2] = {sizeof hop, sizeof(float) * (size_t)n};
    if (e->scores == 1)
        e->hash = 1469598103934665603ull;
    for (int k = 0; k < 2; k++)
        for (size_t i = 0; i < len[k]; i++)
            e->hash = (e->hash ^ b[k][i]) * 1099511628211ull;
    if (hop == e->want_hop)
        memcpy(e->probs, p, sizeof(float) * (size_t)n);
}

static char tmp[512];

static int train_model(kws_model *m)
{
    char data[600], net[700], out[700], base[600];
    snprintf(data, sizeof data, "%s/data", tmp);
    mkdir(data, 0755);
    if (!CHECK(tf_write_dataset(data) == 0))
        return -1;
    /* tiny.kwsnet with 5 outputs */
    size_t len;
    unsigned char *text = tf_read_file(tf_tiny_net(base, sizeof base), &len);
    if (!CHECK(text != NULL))
        return -1;
    char *last = strstr((char *)text, "dense 4");
    if (!CHECK(last != NULL)) {
        free(text);
        return -1;
    }
    last[6] = '5';
    snprintf(net, sizeof net, "%s/tiny5.kwsnet", tmp);
    int ok = CHECK(tf_write_file(net, text, len) == 0);
    free(text);
    if (!ok)
        return -1;

    kws_dataset_config dc;
    if (!CHECK(tf_dataset_config(&dc, data, 3) == 0))
        return -1;
    dc.use_unknown = 1;
    dc.use_silence = 1;
    snprintf(out, sizeof out, "%s/model.kwsm", tmp);
    kws_train_config cfg = kws_train_config_default();
    cfg.topology_path = net;
    cfg.out_path = out;
    cfg.epochs = 20;
    cfg.aug.max_shift = 4800; /* +-300 ms: words anywhere in the window, partial ones too */
    cfg.batch_size = 16;
    cfg.lr.base_lr = 1e-2f;
    cfg.lr.min_lr = 1e-3f;
    cfg.seed = 3; /* seeds 1..5 all pass */
    cfg.threads = 2;
    kws_train_report rep;
    kws_error err;
    kws_error_clear(&err);
    if (!CHECK(kws_train_run(&cfg, &dc, &rep, &err) == KWS_OK)) {
        fprintf(stderr, "     %s\n", err.msg);
        return -1;
    }
    printf("trained: test accuracy %.1f %%\n", 100.0 * rep.test_acc);
    CHECK(rep.test_acc >= 0.9f);
    if (!CHECK(kws_model_load(m, out, NULL, &err) == KWS_OK)) {
        fprintf(stderr, "     %s\n", err.msg);
        return -1;
    }
    CHECK_EQ_INT(m->n_classes, 5);
    CHECK(strcmp(m->class_names[3], KWS_UNKNOWN_NAME) == 0);
    CHECK(strcmp(m->class_names[4], KWS_SILENCE_NAME) == 0);
    return 0;
}

/* The stream: quiet noise, then word w (alpha, beta, gamma, delta, alpha,
 * gamma) as a 1 s clip at start_s[i], clip centre = start + 0.5 s. */
#define N_WORDS 6
#define STREAM_S 20
static const int word_of[N_WORDS] = {0, 1, 2, 3, 0, 2};
static const double start_s[N_WORDS] = {1.0, 4.0, 6.5, 9.5, 13.0, 16.3};

static int16_t *make_stream(size_t *n)
{
    *n = (size_t)STREAM_S * 16000;
    int16_t *s = (int16_t *)calloc(*n, sizeof *s);
    int16_t clip[16000];
    uint32_t seed = 777;
    for (size_t i = 0; i < *n; i++)
        s[i] = (int16_t)lrint(500.0 * syn_noise(&seed));
    for (int k = 0; k < N_WORDS; k++) {
        syn_word_clip(&syn_words[word_of[k]], 100 + 3 * k, clip, 16000);
        size_t at = (size_t)(start_s[k] * 16000);
        for (int i = 0; i < 16000; i++)
            s[at + i] = (int16_t)(s[at + i] + clip[i]);
    }
    return s;
}

static void run(const kws_model *m, const kws_recognizer_config *cfg, const int16_t *pcm,
                size_t n, const size_t *chunks, int n_chunks, events *ev)
{
    kws_recognizer *r = NULL;
    kws_error err;
    uint64_t want = ev->want_hop;
    memset(ev, 0, sizeof *ev);
    ev->want_hop = want;
    if (!CHECK(kws_recognizer_create(&r, m, cfg, &err) == KWS_OK)) {
        fprintf(stderr, "     %s\n", err.msg);
        return;
    }
    kws_recognizer_set_callbacks(r, on_det, on_scores, ev);
    size_t pos = 0;
    for (int k = 0; pos < n; k++) {
        size_t c = n_chunks ? chunks[k % n_chunks] : n;
        if (c > n - pos)
            c = n - pos;
        CHECK_EQ_INT(kws_recognizer_push(r, pcm + pos, c), KWS_OK);
        pos += c;
    }
    CHECK_NEAR(kws_recognizer_seconds(r), (double)n / 16000.0, 1e-9);
    kws_recognizer_free(r);
}

static void check_words(const events *ev, const char *what)
{
    int want = 0;
    for (int k = 0; k < N_WORDS; k++)
        want += word_of[k] != 3;
    if (!CHECK(ev->n == want))
        fprintf(stderr, "     %s: %d events, expected %d\n", what, ev->n, want);
    for (int i = 0; i < ev->n && i < MAX_EV; i++) {
        const kws_detection *d = &ev->ev[i];
        int matched = 0;
        for (int k = 0; k < N_WORDS; k++)
            if (fabs(d->time_s - (start_s[k] + 0.5)) <= 0.3 && word_of[k] != 3 &&
                strcmp(d->name, syn_words[word_of[k]].name) == 0)
                matched = 1;
        if (!CHECK(matched))
            fprintf(stderr, "     %s: unexpected %s at %.2f s (%.2f)\n", what, d->name,
                    d->time_s, (double)d->score);
        else
            printf("%s: %s at %.2f s (%.3f)\n", what, d->name, d->time_s, (double)d->score);
    }
}

/* A 1 s clip pushed alone: the window at hop 57 is columns 3..57, the
 * training window, so the recognizer's probabilities there are those of the
 * batch path (kws_features_window + normalization + net). */
static void check_same_as_batch(const kws_model *m)
{
    int16_t clip[16000];
    syn_word_clip(&syn_words[0], 9, clip, 16000);
    uint32_t seed = 4242;
    for (int i = 0; i < 16000; i++)
        clip[i] = (int16_t)(clip[i] + lrint(500.0 * syn_noise(&seed)));
    kws_feature_config fc = kws_feature_config_default();
    kws_error err;
    kws_featurizer fz;
    kws_net net;
    memset(&net, 0, sizeof net);
    if (!CHECK(kws_feature_config_resolve(&fc, &err) == KWS_OK &&
               kws_featurizer_init(&fz, &fc, &err) == KWS_OK))
        return;
    float feat[61 * 38], x[38 * 55], probs[5];
    kws_features_compute(&fz, clip, feat);
    kws_features_window(&fc, feat, NULL, x);
    kws_model_normalize_input(m, x);
    if (CHECK(kws_net_create(&net, &m->topo, 1, &err) == KWS_OK)) {
        kws_net_set_params(&net, m->params, m->bn_stats);
        CHECK(kws_net_forward(&net, x, 1, KWS_MODE_INFER) == KWS_OK);
        kws_probs_from_logits(probs, net.logits, 5);
        kws_recognizer_config cfg = kws_recognizer_config_default();
        cfg.engine = KWS_ENGINE_FLOAT;
        events ev;
        ev.want_hop = 57;
        run(m, &cfg, clip, 16000, NULL, 0, &ev);
        CHECK_EQ_INT(ev.scores, 61 - 54);
        for (int c = 0; c < 5; c++)
            CHECK_NEAR(ev.probs[c], probs[c], 1e-6);
        printf("batch path, alpha clip:");
        for (int c = 0; c < 5; c++)
            printf(" %.3f", (double)probs[c]);
        printf("\n");
    }
    /* the integer model (the default: kws train stored calibration ranges):
     * the batch window quantized and run by kws_imodel_run gives the same
     * logits, bit for bit, as the recognizer's window at hop 57 */
    kws_imodel im;
    CHECK(m->n_ranges > 0);
    if (CHECK(kws_imodel_from_model(&im, m, NULL, &err) == KWS_OK)) {
        static uint64_t arena[64 * 1024];
        int8_t xq[38 * 55];
        int32_t lq[5];
        float lf[5], iprobs[5];
        CHECK(kws_imodel_arena_size(&im) <= sizeof arena);
        kws_imodel_quantize_input(&im, x, xq);
        CHECK(kws_imodel_run(&im, arena, sizeof arena, xq, lq) == KWS_OK);
        for (int c = 0; c < 5; c++)
            lf[c] = im.out_scale * (float)lq[c];
        kws_probs_from_logits(iprobs, lf, 5);
        kws_recognizer_config cfg = kws_recognizer_config_default();
        events ev;
        ev.want_hop = 57;
        run(m, &cfg, clip, 16000, NULL, 0, &ev);
        for (int c = 0; c < 5; c++)
            CHECK(ev.probs[c] == iprobs[c]);
        int agree = 0; /* and it agrees with the float net on this clip */
        for (int c = 0; c < 5; c++)
            agree += fabsf(iprobs[c] - probs[c]) < 0.1f;
        CHECK_EQ_INT(agree, 5);
        printf("integer path, alpha clip:");
        for (int c = 0; c < 5; c++)
            printf(" %.3f", (double)iprobs[c]);
        printf("\n");
        kws_imodel_free(&im);
    }
    kws_net_free(&net);
    kws_featurizer_free(&fz);
}

/* The streaming network against whole windows (the header's last point). */
static void check_stream(const kws_model *m, const int16_t *pcm, size_t n)
{
    static const char text[] = "input 1 38 55\n"
                               "conv2d 4 kernel=3 time=valid relu maxpool=2x1 bn\n"
                               "conv2d 8 kernel=3 time=valid relu maxpool=2x1 bn\n"
                               "conv2d 8 kernel=3 time=valid relu\n"
                               "flatten\ndense 12 relu bn\ndense 5\n";
    kws_topology topo;
    kws_error err;
    kws_net net;
    if (!CHECK(kws_topology_parse(&topo, text, strlen(text), "stream", NULL, &err) == KWS_OK) ||
        !CHECK(kws_net_create(&net, &topo, 8, &err) == KWS_OK))
        return;
    kws_net_init(&net, 5);
    kws_model sm;
    kws_model_from_net(&sm, &net);
    sm.n_classes = m->n_classes;
    memcpy(sm.class_names, m->class_names, sizeof sm.class_names);
    sm.mfcc = m->mfcc;
    float mean[38], std[38];
    for (int c = 0; c < 38; c++) {
        mean[c] = m->n_norm == 38 ? m->norm_mean[c] : 0.0f;
        std[c] = m->n_norm == 38 ? m->norm_std[c] : 10.0f;
    }
    sm.n_norm = 38;
    sm.norm_mean = mean;
    sm.norm_std = std;
    enum { N_CAL = 16 };
    static float calib[N_CAL * 38 * 55];
    kws_rng g;
    kws_rng_seed(&g, 11);
    for (size_t i = 0; i < sizeof calib / sizeof calib[0]; i++)
        calib[i] = kws_rng_normal(&g);
    float *ranges = NULL;
    int n_ranges = 0;
    if (CHECK(kws_model_calibrate(&sm, calib, N_CAL, &ranges, &n_ranges, &err) == KWS_OK)) {
        sm.ranges = ranges;
        sm.n_ranges = n_ranges;
        static const size_t odd[] = {1, 7, 333, 4097, 255, 256, 257, 12000};
        for (int stride = 1; stride <= 3; stride += 2) {
            events win = {0}, col = {0};
            kws_recognizer_config cfg = kws_recognizer_config_default();
            cfg.stride = stride;
            cfg.stream = 0;
            run(&sm, &cfg, pcm, n, NULL, 0, &win);
            cfg.stream = 1;
            run(&sm, &cfg, pcm, n, odd, 8, &col);
            printf("streaming model, stride %d: %ld results, hash %016llx (windows) %016llx "
                   "(columns)\n", stride, col.scores, (unsigned long long)win.hash,
                   (unsigned long long)col.hash);
            CHECK_EQ_INT(col.scores, win.scores);
            CHECK(col.scores > 100);
            CHECK(col.hash == win.hash);
            CHECK_EQ_INT(col.n, win.n);
        }
        kws_recognizer *r = NULL;
        kws_recognizer_config cfg = kws_recognizer_config_default();
        if (CHECK(kws_recognizer_create(&r, &sm, &cfg, &err) == KWS_OK))
            CHECK(kws_recognizer_streams(r));
        kws_recognizer_free(r);
        cfg.stream = 0;
        if (CHECK(kws_recognizer_create(&r, &sm, &cfg, &err) == KWS_OK))
            CHECK(!kws_recognizer_streams(r));
        kws_recognizer_free(r);
        /* the paper-style tiny model does not stream */
        cfg.stream = 1;
        if (CHECK(kws_recognizer_create(&r, m, &cfg, &err) == KWS_OK))
            CHECK(!kws_recognizer_streams(r));
        kws_recognizer_free(r);
    }
    free(ranges);
    kws_net_free(&net);
}

int main(void)
{
    snprintf(tmp, sizeof tmp, "%s/kws-recognizer-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR")
                                                                           : "/tmp");
    if (!CHECK(mkdtemp(tmp) != NULL))
        return test_summary("test_recognizer");
    kws_model m;
    memset(&m, 0, sizeof m);
    if (train_model(&m) != 0) {
        syn_remove_tree(tmp);
        return test_summary("test_recognizer");
    }
    check_same_as_batch(&m);
    kws_recognizer_config cfg = kws_recognizer_config_default();
    size_t n;
    int16_t *pcm = make_stream(&n);
    events one = {0}, chunked = {0}, strided = {0};

    run(&m, &cfg, pcm, n, NULL, 0, &one);
    check_words(&one, "one chunk");
    /* one network result per hop once the window is full */
    CHECK_EQ_INT(one.scores, 1 + (long)(n - 512) / 256 - 54);

    static const size_t odd[] = {1, 7, 333, 4097, 255, 256, 257, 12000};
    run(&m, &cfg, pcm, n, odd, 8, &chunked);
    CHECK_EQ_INT(chunked.n, one.n);
    for (int i = 0; i < one.n && i < chunked.n && i < MAX_EV; i++) {
        CHECK_EQ_INT(chunked.ev[i].hop, one.ev[i].hop);
        CHECK_EQ_INT(chunked.ev[i].label, one.ev[i].label);
        CHECK(chunked.ev[i].score == one.ev[i].score);
    }

    kws_recognizer_config s2 = cfg;
    s2.stride = 2;
    run(&m, &s2, pcm, n, NULL, 0, &strided);
    check_words(&strided, "stride 2");
    CHECK_EQ_INT(strided.scores, (one.scores + 1) / 2);

    /* silence and noise: nothing */
    int16_t *quiet = (int16_t *)calloc(n, sizeof *quiet);
    events ev = {0};
    run(&m, &cfg, quiet, n, NULL, 0, &ev);
    CHECK_EQ_INT(ev.n, 0);
    uint32_t seed = 99;
    for (size_t i = 0; i < n; i++)
        quiet[i] = (int16_t)lrint(3000.0 * syn_noise(&seed));
    run(&m, &cfg, quiet, n, NULL, 0, &ev);
    CHECK_EQ_INT(ev.n, 0);
    for (size_t i = 0; i < n; i++)
        quiet[i] = (int16_t)lrint(500.0 * syn_noise(&seed));
    run(&m, &cfg, quiet, n, NULL, 0, &ev);
    CHECK_EQ_INT(ev.n, 0);

    check_stream(&m, pcm, n);

    /* argument errors */
    kws_recognizer *r = NULL;
    kws_error err;
    kws_recognizer_config bad = cfg;
    bad.stride = 0;
    CHECK_EQ_INT(kws_recognizer_create(&r, &m, &bad, &err), KWS_ERR_ARG);
    bad = cfg;
    bad.threshold = 1.5f;
    CHECK_EQ_INT(kws_recognizer_create(&r, &m, &bad, &err), KWS_ERR_ARG);
    CHECK(r == NULL);

    free(quiet);
    free(pcm);
    kws_model_free(&m);
    syn_remove_tree(tmp);
    return test_summary("test_recognizer");
}
