/* recognizer.c - from 16 kHz int16 samples in any chunk sizes to detection
 * events: streaming MFCC, the model's normalization, the network (integer
 * or float: classifier.c) every `stride` hops, softmax, and the detector
 * (kws/detect.h).
 *
 *   push(pcm, n) ─► kws_mfcc_stream ──(a column per hop)──► FIFO full and
 *       hop % stride == 0? ─► window (n_mfcc, 55) ─► normalize ─►
 *       kws_classifier (probabilities) ─► on_scores ─► kws_detector ─►
 *       on_detection
 *
 * With a model that streams (kws/stream.h) and cfg.stream, the integer
 * network takes only the newest column every hop (the first full window
 * whole) and gives the same probabilities as the whole window.
 *
 * The network only runs once the FIFO holds a whole window (the first
 * 54 hops of a stream produce no results). All memory is allocated by
 * kws_recognizer_create; pushing allocates nothing. It does not read audio
 * files or print.
 */
#include "kws/detect.h"

#include <stdlib.h>
#include <string.h>

#include "kws/dataset.h"
#include "kws/mfcc.h"

struct kws_recognizer {
    kws_recognizer_config cfg;
    kws_mfcc mfcc;
    kws_mfcc_stream stream;
    kws_detector det;
    kws_classifier *classifier; /* the integer or float network */
    kws_model view;      /* topology, norm (pointing at mean/std below) */
    float *mean, *std;   /* (n_norm) */
    float *x;            /* (in_h, in_w) network input */
    float *probs;        /* (n_classes) */
    char (*names)[KWS_MODEL_CLASS_NAME_MAX];
    void *mfcc_arena, *stream_arena, *det_arena;
    uint64_t samples;
    uint64_t runs, nonfinite; /* network runs; those with a NaN or Inf in
                                 their input window or probabilities */
    int streaming;       /* the network takes one column per hop (kws/stream.h) */
    int primed;          /* streaming: the first full window went in */
    kws_detection_fn on_detection;
    kws_scores_fn on_scores;
    void *user;
};

kws_recognizer_config kws_recognizer_config_default(void)
{
    kws_recognizer_config c;
    c.threshold = 0.7f;
    c.window_ms = 600; /* chosen on a validation stream: README, "The default model" */
    c.refractory_ms = 1000;
    c.min_count = 0;
    c.stride = 1;
    c.ignore_special = 1;
    c.engine = KWS_ENGINE_AUTO;
    c.stream = 1;
    return c;
}

static int ms_to_hops(int ms, const kws_mfcc_config *mc, int at_least)
{
    double hops = (double)ms * 1e-3 * mc->sample_rate / mc->hop_len;
    long h = (long)(hops + 0.5);
    if (h < at_least)
        h = at_least;
    if (h > KWS_DETECT_MAX_WINDOW)
        h = KWS_DETECT_MAX_WINDOW;
    return (int)h;
}

void kws_recognizer_free(kws_recognizer *r)
{
    if (!r)
        return;
    kws_classifier_free(r->classifier);
    free(r->mfcc_arena);
    free(r->stream_arena);
    free(r->det_arena);
    free(r->mean);
    free(r->std);
    free(r->x);
    free(r->probs);
    free(r->names);
    free(r);
}

kws_status kws_recognizer_create(kws_recognizer **out, const kws_model *m,
                                 const kws_recognizer_config *cfg, kws_error *err)
{
    *out = NULL;
    const kws_topology *tp = &m->topo;
    if (cfg->stride < 1 || cfg->stride > 1000)
        return kws_error_set(err, KWS_ERR_ARG, "stride %d out of range 1..1000", cfg->stride);
    if (!(cfg->threshold > 0.0f && cfg->threshold <= 1.0f))
        return kws_error_set(err, KWS_ERR_ARG, "threshold %g not in (0, 1]",
                             (double)cfg->threshold);
    if (cfg->window_ms < 0 || cfg->refractory_ms < 0)
        return kws_error_set(err, KWS_ERR_ARG, "negative window or refractory period");
    if (kws_mfcc_config_check(&m->mfcc) != KWS_OK)
        return kws_error_set(err, KWS_ERR_FORMAT, "model has an invalid MFCC configuration");
    if (tp->in_c != 1 || tp->in_h != m->mfcc.n_mfcc || tp->in_w < 1)
        return kws_error_set(err, KWS_ERR_SHAPE,
                             "model input is %dx%dx%d, expected 1x%d (MFCCs) x columns",
                             tp->in_c, tp->in_h, tp->in_w, m->mfcc.n_mfcc);
    if (m->n_norm != tp->in_h && m->n_norm != tp->in_h * tp->in_w)
        return kws_error_set(err, KWS_ERR_SHAPE, "model normalization has %d values", m->n_norm);
    if (m->n_classes < 1 || m->n_classes > KWS_DETECT_MAX_CLASSES)
        return kws_error_set(err, KWS_ERR_SHAPE, "model has %d classes", m->n_classes);

    kws_recognizer *r = (kws_recognizer *)calloc(1, sizeof *r);
    if (!r)
        return kws_error_set(err, KWS_ERR_NOMEM, "out of memory");
    r->cfg = *cfg;
    const int C = m->n_classes, H = tp->in_h, W = tp->in_w;

    kws_detector_config dc;
    dc.n_classes = C;
    dc.window_hops = ms_to_hops(cfg->window_ms, &m->mfcc, 1);
    /* results the window holds with this stride */
    int per_window = (dc.window_hops + cfg->stride - 1) / cfg->stride;
    dc.min_count = cfg->min_count > 0 ? cfg->min_count : (per_window + 1) / 2;
    if (dc.min_count > per_window)
        dc.min_count = per_window;
    dc.threshold = cfg->threshold;
    dc.refractory_hops = ms_to_hops(cfg->refractory_ms, &m->mfcc, 0);

    size_t mfcc_size = kws_mfcc_arena_size(&m->mfcc);
    size_t stream_size = kws_mfcc_stream_arena_size(&m->mfcc, W);
    size_t det_size = kws_detector_arena_size(&dc);
    r->mfcc_arena = malloc(mfcc_size);
    r->stream_arena = malloc(stream_size);
    r->det_arena = malloc(det_size ? det_size : 8);
    r->mean = (float *)malloc(sizeof(float) * (size_t)m->n_norm);
    r->std = (float *)malloc(sizeof(float) * (size_t)m->n_norm);
    r->x = (float *)malloc(sizeof(float) * (size_t)H * (size_t)W);
    r->probs = (float *)malloc(sizeof(float) * (size_t)C);
    r->names = calloc((size_t)C, sizeof *r->names);
    if (!r->mfcc_arena || !r->stream_arena || !r->det_arena || !r->mean || !r->std || !r->x ||
        !r->probs || !r->names) {
        kws_recognizer_free(r);
        return kws_error_set(err, KWS_ERR_NOMEM, "out of memory");
    }
    kws_status st = kws_mfcc_init(&r->mfcc, &m->mfcc, r->mfcc_arena, mfcc_size);
    if (st == KWS_OK)
        st = kws_mfcc_stream_init(&r->stream, &r->mfcc, W, r->stream_arena, stream_size);
    if (st == KWS_OK)
        st = kws_detector_init(&r->det, &dc, r->det_arena, det_size);
    if (st != KWS_OK) {
        kws_recognizer_free(r);
        return kws_error_set(err, st, "cannot set up the front end or detector (%s)",
                             kws_status_str(st));
    }
    memcpy(r->mean, m->norm_mean, sizeof(float) * (size_t)m->n_norm);
    memcpy(r->std, m->norm_std, sizeof(float) * (size_t)m->n_norm);
    memset(&r->view, 0, sizeof r->view);
    r->view.topo = *tp;
    r->view.n_classes = C;
    r->view.mfcc = m->mfcc;
    r->view.n_norm = m->n_norm;
    r->view.norm_mean = r->mean;
    r->view.norm_std = r->std;
    for (int c = 0; c < C; c++) {
        memcpy(r->names[c], m->class_names[c], KWS_MODEL_CLASS_NAME_MAX);
        r->names[c][KWS_MODEL_CLASS_NAME_MAX - 1] = '\0';
        if (cfg->ignore_special && (!strcmp(r->names[c], KWS_UNKNOWN_NAME) ||
                                    !strcmp(r->names[c], KWS_SILENCE_NAME)))
            kws_detector_set_ignore(&r->det, c, 1);
    }
    st = kws_classifier_create(&r->classifier, m, cfg->engine, err);
    if (st != KWS_OK) {
        kws_recognizer_free(r);
        return st;
    }
    r->streaming = cfg->stream && kws_classifier_streams(r->classifier);
    *out = r;
    return KWS_OK;
}

void kws_recognizer_set_callbacks(kws_recognizer *r, kws_detection_fn on_detection,
                                  kws_scores_fn on_scores, void *user)
{
    r->on_detection = on_detection;
    r->on_scores = on_scores;
    r->user = user;
}

void kws_recognizer_reset(kws_recognizer *r)
{
    kws_mfcc_stream_reset(&r->stream);
    kws_detector_reset(&r->det);
    r->samples = 0;
    r->runs = r->nonfinite = 0;
    r->primed = 0;
    kws_classifier_stream_reset(r->classifier);
}

/* 1 when every value is finite: x * 0 is 0 for a finite x, NaN for NaN and
 * +-Inf, and a NaN survives the sum. */
static int all_finite(const float *x, size_t n)
{
    float s = 0.0f;
    for (size_t i = 0; i < n; i++)
        s += x[i] * 0.0f;
    return s == 0.0f;
}

/* Streaming: the newest column of the window into the network (the whole
 * first window when it is the first), every hop. */
static kws_status push_columns(kws_recognizer *r)
{
    const int H = r->view.topo.in_h, W = r->view.topo.in_w;
    float col[256]; /* n_mfcc <= n_mels <= 256 (kws_mfcc_config_check) */
    kws_mfcc_stream_window(&r->stream, r->x);
    kws_model_normalize_input(&r->view, r->x);
    int ready = 0;
    for (int w = r->primed ? W - 1 : 0; w < W; w++) {
        for (int h = 0; h < H; h++)
            col[h] = r->x[h * W + w];
        kws_status st = kws_classifier_push_column(r->classifier, col, r->probs, &ready);
        if (st != KWS_OK)
            return st;
    }
    r->primed = 1;
    return ready ? KWS_OK : KWS_ERR_SHAPE; /* after a whole window: never */
}

/* The network and the detector on the current window (column `hop`); when
 * streaming, the probabilities push_columns left. */
static kws_status run_hop(kws_recognizer *r, uint64_t hop)
{
    const int C = r->view.n_classes;
    kws_status st = KWS_OK;
    if (!r->streaming) {
        kws_mfcc_stream_window(&r->stream, r->x);
        kws_model_normalize_input(&r->view, r->x);
        st = kws_classifier_run(r->classifier, r->x, r->probs);
    }
    if (st != KWS_OK)
        return st;
    r->runs++;
    if (!all_finite(r->x, (size_t)r->view.topo.in_h * (size_t)r->view.topo.in_w) ||
        !all_finite(r->probs, (size_t)C))
        r->nonfinite++;
    if (r->on_scores)
        r->on_scores(r->user, hop, r->probs, C);
    kws_detector_event ev;
    int fired = 0;
    st = kws_detector_push(&r->det, r->probs, hop, &ev, &fired);
    if (st == KWS_OK && fired && r->on_detection) {
        kws_detection d;
        d.label = ev.label;
        d.name = r->names[ev.label];
        d.score = ev.score;
        d.hop = ev.hop;
        d.time_s = kws_recognizer_hop_time(r, ev.hop);
        r->on_detection(r->user, &d);
    }
    return st;
}

kws_status kws_recognizer_push(kws_recognizer *r, const int16_t *pcm, size_t n)
{
    while (n > 0) {
        int col = 0;
        size_t k = kws_mfcc_stream_push(&r->stream, pcm, n, &col);
        pcm += k;
        n -= k;
        r->samples += k;
        if (!col || !kws_mfcc_stream_full(&r->stream))
            continue;
        if (r->streaming) { /* every column goes in, whatever the stride */
            kws_status st = push_columns(r);
            if (st != KWS_OK)
                return st;
        }
        uint64_t hop = r->stream.total_cols - 1;
        if (hop % (uint64_t)r->cfg.stride != 0)
            continue;
        kws_status st = run_hop(r, hop);
        if (st != KWS_OK)
            return st;
    }
    return KWS_OK;
}

const kws_detector_config *kws_recognizer_detector_config(const kws_recognizer *r)
{
    return &r->det.cfg;
}

double kws_recognizer_seconds(const kws_recognizer *r)
{
    return (double)r->samples / r->mfcc.cfg.sample_rate;
}

double kws_recognizer_hop_seconds(const kws_recognizer *r)
{
    return (double)r->mfcc.cfg.hop_len / r->mfcc.cfg.sample_rate;
}

double kws_recognizer_hop_time(const kws_recognizer *r, uint64_t hop)
{
    const kws_mfcc_config *mc = &r->mfcc.cfg;
    double first = ((double)hop - (r->view.topo.in_w - 1)) * mc->hop_len;
    double last_end = (double)hop * mc->hop_len + mc->frame_len;
    return 0.5 * (first + last_end) / mc->sample_rate;
}

uint64_t kws_recognizer_nonfinite(const kws_recognizer *r, uint64_t *runs)
{
    if (runs)
        *runs = r->runs;
    return r->nonfinite;
}

int kws_recognizer_engine(const kws_recognizer *r)
{
    return kws_classifier_engine(r->classifier);
}

int kws_recognizer_streams(const kws_recognizer *r)
{
    return r->streaming;
}

int kws_recognizer_n_classes(const kws_recognizer *r)
{
    return r->view.n_classes;
}

const char *kws_recognizer_class_name(const kws_recognizer *r, int label)
{
    return label >= 0 && label < r->view.n_classes ? r->names[label] : "?";
}
