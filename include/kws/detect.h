/* kws/detect.h - command recognition on continuous audio.
 *
 * Two layers:
 *
 *  - kws_detector (device-portable C, no allocation after init): turns the
 *    network's per-hop class probabilities into discrete detections, in the
 *    manner of TFLM micro_speech's RecognizeCommands:
 *
 *      probs(hop) ─► ring of the last results inside the averaging window
 *                 ─► mean per class ─► top class ─► threshold, refractory,
 *                    minimum count, ignored classes ─► event
 *
 *  - kws_recognizer (host): one object from int16 samples to events:
 *
 *      samples (any chunk size) ─► kws_mfcc_stream (column per hop, 55-column
 *      window) ─► model normalization ─► network (every `stride` hops) ─►
 *      softmax ─► kws_detector ─► callback(event)
 *
 *    The network is the integer model the device runs (kws/imodel.h: int8
 *    input and activations, the model's stored calibration ranges) or, on
 *    request or for a model without calibration ranges, the float/QAT net.
 *
 * Decision rule of kws_detector_push at hop h (hops strictly increasing):
 *   1. the result is stored; results with hop <= h - window_hops are dropped;
 *   2. fewer than min_count results held: no decision;
 *   3. avg[c] = mean of the held results' probabilities (summed oldest first);
 *      best = argmax avg over all classes (lowest index on ties);
 *   4. an event when best is not ignored (e.g. _unknown_, _silence_),
 *      avg[best] >= threshold, and no event happened at a hop > h - refractory_hops.
 * The event carries best, avg[best] as its confidence and h.
 *
 * Worked example (window 3, threshold 0.6, refractory 10, min_count 2,
 * class 1 probabilities 0.2, 0.9, 0.9, 0.9 at hops 0..3): hop 1 averages
 * (0.2 + 0.9) / 2 = 0.55, no event; hop 2 averages (0.2+0.9+0.9)/3 = 0.667:
 * event (class 1, 0.667, hop 2); hop 3 averages 0.9 but is within the
 * refractory period: no event.
 */
#ifndef KWS_DETECT_H
#define KWS_DETECT_H

#include <stddef.h>
#include <stdint.h>
#include "kws/status.h"

/* ---- the detector (device-portable) ----------------------------------- */

#define KWS_DETECT_MAX_CLASSES 256
#define KWS_DETECT_MAX_WINDOW 4096

typedef struct {
    int n_classes;       /* probabilities per result, 1..KWS_DETECT_MAX_CLASSES */
    int window_hops;     /* averaging window, in hops (1..KWS_DETECT_MAX_WINDOW) */
    float threshold;     /* minimum averaged probability of the top class, (0, 1] */
    int refractory_hops; /* hops after an event in which no other fires (>= 0) */
    int min_count;       /* results needed in the window before deciding (1..window_hops) */
} kws_detector_config;

typedef struct {
    int label;           /* class index */
    float score;         /* its averaged probability */
    uint64_t hop;        /* hop of the decision */
} kws_detector_event;

typedef struct {
    kws_detector_config cfg;
    float *probs;        /* (window_hops, n_classes) ring of results */
    uint64_t *hops;      /* (window_hops) their hops */
    float *avg;          /* (n_classes) work: the last average */
    uint8_t *ignore;     /* (n_classes) 1: never reported */
    int head, count;     /* oldest slot, results held */
    int has_last_hop;
    uint64_t last_hop;   /* hop of the latest result */
    int has_event;
    uint64_t last_event; /* hop of the latest event */
} kws_detector;

/* Checks a configuration: KWS_ERR_ARG when a field is out of range. */
kws_status kws_detector_config_check(const kws_detector_config *cfg);

/* Bytes of arena kws_detector_init needs (0 for an invalid config). */
size_t kws_detector_arena_size(const kws_detector_config *cfg);

/* Builds the detector inside `arena` (8-byte aligned). No class ignored. */
kws_status kws_detector_init(kws_detector *d, const kws_detector_config *cfg, void *arena,
                             size_t arena_size);

/* Marks class `label` as never reported (1) or reportable (0). */
kws_status kws_detector_set_ignore(kws_detector *d, int label, int ignore);

/* Forgets all results and the last event (ignored classes stay). */
void kws_detector_reset(kws_detector *d);

/* One result: probs (n_classes) at hop `hop`, which must be larger than
 * the previous result's (KWS_ERR_ARG otherwise, nothing stored). Sets
 * *fired to 1 and fills *ev on a detection, else *fired = 0. */
kws_status kws_detector_push(kws_detector *d, const float *probs, uint64_t hop,
                             kws_detector_event *ev, int *fired);

/* The averaged probabilities of the last decision (n_classes); valid after
 * a push that held at least min_count results. */
const float *kws_detector_average(const kws_detector *d);

/* ---- the recognizer (host) ---------------------------------------------- */

#include "kws/error.h"
#include "kws/model.h"

typedef struct {
    float threshold;     /* 0.7 */
    int window_ms;       /* averaging window; 600 */
    int refractory_ms;   /* 1000 */
    int min_count;       /* network results needed in the window; 0: half the
                            results the window can hold (at least 1) */
    int stride;          /* run the network every `stride` hops; 1 */
    int ignore_special;  /* 1: never report _unknown_ and _silence_; 1 */
    int engine;          /* KWS_ENGINE_AUTO (integer when the model carries
                            calibration ranges, else float), _INTEGER, _FLOAT */
    int stream;          /* 1: the integer network of a model that streams
                            (kws/stream.h) takes one column per hop - the same
                            results for a fraction of the work; 0: whole
                            windows; 1 */
} kws_recognizer_config;

enum { KWS_ENGINE_AUTO = 0, KWS_ENGINE_INTEGER = 1, KWS_ENGINE_FLOAT = 2 };

kws_recognizer_config kws_recognizer_config_default(void);

/* One detection. time_s estimates the word's centre: the centre of the
 * network input window at the decision hop (the average crosses the
 * threshold about when the word is centred in the window). */
typedef struct {
    int label;
    const char *name;    /* class name (owned by the recognizer) */
    float score;
    uint64_t hop;        /* MFCC column index of the decision */
    double time_s;
} kws_detection;

typedef void (*kws_detection_fn)(void *user, const kws_detection *d);
/* Called after every network run with the class probabilities (n_classes). */
typedef void (*kws_scores_fn)(void *user, uint64_t hop, const float *probs, int n_classes);

typedef struct kws_recognizer kws_recognizer;

/* Builds a recognizer for model m (its front end, normalization, network
 * and classes are copied: m may be freed afterwards). Window and refractory
 * period are rounded to whole hops (at least 1 and 0). */
kws_status kws_recognizer_create(kws_recognizer **out, const kws_model *m,
                                 const kws_recognizer_config *cfg, kws_error *err);

void kws_recognizer_free(kws_recognizer *r);

/* Callbacks (either may be NULL). */
void kws_recognizer_set_callbacks(kws_recognizer *r, kws_detection_fn on_detection,
                                  kws_scores_fn on_scores, void *user);

/* Consumes n samples (16 kHz mono); calls on_detection for every event. */
kws_status kws_recognizer_push(kws_recognizer *r, const int16_t *pcm, size_t n);

/* Forgets the audio and the detector state (a new stream). */
void kws_recognizer_reset(kws_recognizer *r);

/* The detector configuration actually used (hops resolved). */
const kws_detector_config *kws_recognizer_detector_config(const kws_recognizer *r);

/* Seconds of audio consumed. */
double kws_recognizer_seconds(const kws_recognizer *r);

/* time_s of a detection at `hop` (see kws_detection). */
double kws_recognizer_hop_time(const kws_recognizer *r, uint64_t hop);

/* Seconds per hop (hop_len / sample_rate). */
double kws_recognizer_hop_seconds(const kws_recognizer *r);

int kws_recognizer_n_classes(const kws_recognizer *r);

/* Network runs since the start (or the last reset) in *runs (may be NULL);
 * returns how many of them had a NaN or an infinity in their input window
 * (the normalized features) or in their probabilities. */
uint64_t kws_recognizer_nonfinite(const kws_recognizer *r, uint64_t *runs);

/* KWS_ENGINE_INTEGER or KWS_ENGINE_FLOAT: the network actually run. */
int kws_recognizer_engine(const kws_recognizer *r);

/* 1 when the network takes one column per hop (cfg.stream and a model that
 * streams, kws/stream.h). */
int kws_recognizer_streams(const kws_recognizer *r);
const char *kws_recognizer_class_name(const kws_recognizer *r, int label);

/* ---- helpers shared with `kws classify` ------------------------------------ */

/* Normalizes a network input x (in_h, in_w) with the model's statistics:
 * per coefficient (n_norm == in_h) or per cell (n_norm == in_h * in_w). */
void kws_model_normalize_input(const kws_model *m, float *x);

/* Softmax of n logits into probs (max-subtracted, in float). */
void kws_probs_from_logits(float *probs, const float *logits, int n);

/* One network input x (in_h, in_w), normalized, through the model's network:
 * class probabilities into probs (n_classes). The network is the integer
 * model (engine KWS_ENGINE_INTEGER; needs the model's calibration ranges) or
 * the float/QAT net; KWS_ENGINE_AUTO picks as the recognizer does. */
typedef struct kws_classifier kws_classifier;
kws_status kws_classifier_create(kws_classifier **out, const kws_model *m, int engine,
                                 kws_error *err);
kws_status kws_classifier_run(kws_classifier *c, const float *x, float *probs);
int kws_classifier_engine(const kws_classifier *c);

/* 1 when the classifier runs the integer model of a model that streams
 * (kws_stream_unsupported is NULL, per-coefficient normalization): then
 * kws_classifier_push_column takes one normalized column (in_h) per hop and
 * gives, once in_w columns went in (*ready = 1), exactly the probabilities
 * kws_classifier_run gives for the window of the last in_w columns. */
int kws_classifier_streams(const kws_classifier *c);
kws_status kws_classifier_push_column(kws_classifier *c, const float *col, float *probs,
                                      int *ready);
void kws_classifier_stream_reset(kws_classifier *c);
void kws_classifier_free(kws_classifier *c);

#endif
