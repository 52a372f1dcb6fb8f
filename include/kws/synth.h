/* kws/synth.h - synthetic spoken words from open TTS engines (host only).
 *
 * `kws synth` writes one-second 16 kHz mono 16-bit clips in the Speech
 * Commands layout, so a synthetic folder is just another data root:
 *
 *   OUT/<word>/synth-<engine>-<voice>_nohash_<n>.wav   e.g. synth-espeak-en-us-f3_nohash_0.wav
 *   OUT/synth_manifest.tsv                             one line per clip
 *
 * The "speaker" part of a name (before _nohash_) is the voice, so speaker-
 * disjoint splits stay meaningful, and it starts with "synth-", which no
 * real (hexadecimal) speaker id can.
 *
 * One clip, all in float, engine output to int16 once at the end:
 *
 *   engine (espeak-ng | flite) at its own rate, random voice and prosody
 *     -> speed perturbation + resampling to 16 kHz (tempo and pitch together)
 *     -> band limiting (telephone 300-3400 Hz, or random low-/high-pass)
 *     -> small-room reverb (Schroeder)
 *     -> trim the silence around the word
 *     -> random peak level (dBFS), random placement in the second
 *     -> optional low noise floor -> int16 -> quality checks
 *
 * A clip that fails a quality check (empty, clipped, too short, too long)
 * is drawn again with new prosody and effects, up to KWS_SYNTH_MAX_ATTEMPTS
 * times; every drop is counted by reason. Every random choice comes from
 * the seed and the clip's index, so the same options give the same bytes
 * with any number of threads.
 *
 * Engines are linked libraries (libespeak-ng, flite), each optional at
 * build time; an engine that is not built in, or disabled at run time, is
 * skipped with a notice.
 */
#ifndef KWS_SYNTH_H
#define KWS_SYNTH_H

#include <stddef.h>
#include <stdint.h>
#include "kws/dataset.h"
#include "kws/error.h"
#include "kws/nn.h"

#define KWS_SYNTH_MAX_ATTEMPTS 6
#define KWS_SYNTH_MANIFEST "synth_manifest.tsv"

typedef enum { KWS_SYNTH_ESPEAK = 0, KWS_SYNTH_FLITE = 1, KWS_SYNTH_N_ENGINES = 2 } kws_synth_engine_id;

/* "espeak", "flite". */
const char *kws_synth_engine_name(int engine);
/* Engine id from its name, -1 if unknown. */
int kws_synth_engine_from_name(const char *name);
/* 1 if the engine was compiled in. */
int kws_synth_engine_built(int engine);

/* ---- engines ------------------------------------------------------------ */

/* Prosody in engine-neutral terms, each in [0, 1] except speed. */
typedef struct {
    float rate;   /* 0 slowest .. 1 fastest speaking rate */
    float pitch;  /* 0 lowest .. 1 highest base pitch */
    float range;  /* 0 monotone .. 1 widest pitch range */
    unsigned seed; /* seeds the C library rand() the engines draw their noise from */
} kws_synth_prosody;

/* What an engine actually used, in its own units (for the manifest):
 * espeak: rate in words/min, pitch and range 0..100;
 * flite: rate = duration stretch, pitch = F0 mean (Hz, or F0 shift factor
 * for clustergen voices), range = F0 stddev (Hz). */
typedef struct {
    float rate, pitch, range;
} kws_synth_native;

/* Opens an engine (process-wide, once; later calls are cheap). KWS_ERR_UNSUPPORTED
 * if the engine was not built in. */
kws_status kws_synth_engine_open(int engine, kws_error *err);

/* Number of voices of an opened engine (espeak: every English voice x every
 * variant, plus the plain voice; flite: kal, kal16, awb, rms, slt). */
int kws_synth_engine_voices(int engine);

/* Voice i: its base name ("en-us", "slt") and variant ("f3", "" if none). */
void kws_synth_engine_voice(int engine, int i, const char **voice, const char **variant);

/* Speaks `text` with voice i; *out (malloc'd, *n samples in [-1, 1]) at
 * *rate Hz. Thread-safe: all engine calls are serialized by one lock, and
 * srand(p->seed) runs first, because both engines draw excitation noise
 * from the process-wide rand(); so the output depends only on the
 * arguments, not on the order of calls. */
kws_status kws_synth_engine_say(int engine, int voice, const char *text,
                                const kws_synth_prosody *p, float **out, size_t *n, int *rate,
                                kws_synth_native *used, kws_error *err);

/* Releases every opened engine (optional; for leak checkers). */
void kws_synth_engines_close(void);

/* ---- effects (16 kHz float, in place unless said) ----------------------- */

typedef struct {
    float b0, b1, b2, a1, a2; /* normalized, a0 = 1 */
    float z1, z2;             /* transposed direct form II state */
} kws_biquad;

/* RBJ cookbook second-order sections; q = 0.7071 for Butterworth. */
void kws_biquad_lowpass(kws_biquad *f, float fc_hz, float q, int rate);
void kws_biquad_highpass(kws_biquad *f, float fc_hz, float q, int rate);
void kws_biquad_run(kws_biquad *f, float *x, size_t n);

/* Telephone band: 6th-order high-pass at 300 Hz and low-pass at 3400 Hz. */
void kws_synth_telephone(float *x, size_t n, int rate);
/* 4th-order Butterworth low-pass / high-pass at fc_hz. */
void kws_synth_lowpass(float *x, size_t n, int rate, float fc_hz);
void kws_synth_highpass(float *x, size_t n, int rate, float fc_hz);

/* Samples of reverb tail to append for a given room (rt60 in seconds). */
size_t kws_synth_reverb_tail(float rt60_s, int rate);
/* Small-room reverb: x holds n samples of signal followed by zeros up to
 * n_total (room for the tail); wet in [0, 1] is the reverberant share,
 * room in [0, 1] scales the comb delays (small .. medium room). */
void kws_synth_reverb(float *x, size_t n_total, int rate, float rt60_s, float room, float wet);

/* Speed perturbation: resamples x (at rate_in) to 16 kHz as if it had been
 * recorded `factor` times faster (factor > 1: shorter and higher). */
kws_status kws_synth_speed(const float *x, size_t n, int rate_in, float factor, float **out,
                           size_t *n_out, kws_error *err);

/* Trims silence: the span from the first to the last 5 ms block whose peak
 * is within rel_db (e.g. -40) of the loudest sample. Returns the span
 * length and its start in *start; 0 for silence. */
size_t kws_synth_trim(const float *x, size_t n, float rel_db, size_t *start);

/* Peak of x in dBFS (-inf for silence), and scaling x to a peak in dBFS. */
float kws_synth_peak_dbfs(const float *x, size_t n);
void kws_synth_set_peak(float *x, size_t n, float peak_dbfs);

/* Adds white noise with RMS level rms_dbfs. */
void kws_synth_noise_floor(float *x, size_t n, float rms_dbfs, kws_rng *rng);

/* ---- measurements and quality ------------------------------------------ */

/* Word span of a 16 kHz clip: from the first to the last 10 ms frame whose
 * RMS is within KWS_SYNTH_SPAN_DB of the loudest frame's (the measure used
 * for both real and synthetic statistics). Returns seconds. */
#define KWS_SYNTH_SPAN_DB 20.0f
float kws_synth_word_seconds(const int16_t *x, size_t n);
/* Peak of an int16 clip in dBFS (-inf for silence). */
float kws_synth_peak_dbfs_s16(const int16_t *x, size_t n);

typedef enum {
    KWS_SYNTH_OK = 0,
    KWS_SYNTH_DROP_EMPTY,      /* engine gave nothing, or peak below -45 dBFS */
    KWS_SYNTH_DROP_CLIPPED,    /* samples at full scale */
    KWS_SYNTH_DROP_TOO_SHORT,  /* word shorter than KWS_SYNTH_MIN_WORD_S */
    KWS_SYNTH_DROP_TOO_LONG,   /* word longer than KWS_SYNTH_MAX_WORD_S */
    KWS_SYNTH_DROP_ENGINE,     /* the engine reported an error */
    KWS_SYNTH_N_DROP
} kws_synth_quality;
#define KWS_SYNTH_MIN_WORD_S 0.08f
#define KWS_SYNTH_MAX_WORD_S 0.98f

/* "ok", "empty", "clipped", "too short", "too long", "engine error". */
const char *kws_synth_quality_name(kws_synth_quality q);

/* Checks a final clip (n must be KWS_CLIP_SAMPLES). */
kws_synth_quality kws_synth_quality_check(const int16_t *x, size_t n);

/* ---- statistics ---------------------------------------------------------- */

typedef struct {
    size_t n;
    float dur[3];   /* word seconds: first quartile, median, third quartile */
    float peak[3];  /* peak dBFS: the same quantiles */
} kws_synth_stats;

/* Quantiles of paired arrays (sorted copies; the inputs are not changed). */
kws_status kws_synth_stats_compute(const float *dur, const float *peak, size_t n,
                                   kws_synth_stats *out, kws_error *err);

/* Measures every .wav in ROOT/<word>/ for the given words (all word folders
 * if n_words is 0). */
kws_status kws_synth_stats_folder(const char *root, const char (*words)[KWS_WORD_MAX],
                                  int n_words, kws_synth_stats *out, kws_error *err);

/* ---- words for the _unknown_ class -------------------------------------- */

/* The built-in list (a few hundred common English words, near-misses of the
 * commands included). */
const char *const *kws_synth_builtin_words(size_t *n);

/* Reads a word list (one word per line, '#' comments, blanks ignored);
 * words must be lower-case letters and apostrophes. *out is malloc'd
 * (free with kws_synth_words_free). */
kws_status kws_synth_words_read(const char *path, char ***out, size_t *n, kws_error *err);
void kws_synth_words_free(char **w, size_t n);

/* ---- the generator -------------------------------------------------------- */

typedef struct {
    char words[KWS_MAX_WORDS][KWS_WORD_MAX];  /* the command words */
    int n_words;
    int per_word;                  /* clips per command word */
    int n_unknown;                 /* clips of other words (0: none) */
    const char *unknown_words;     /* list file; NULL: the built-in list */
    const char *out_dir;
    uint64_t seed;                 /* 1 */
    int use_engine[KWS_SYNTH_N_ENGINES]; /* 1: use if built in (default all 1) */
    int threads;                   /* 1 */
    /* effect probabilities and ranges */
    float speed_lo, speed_hi;      /* 0.86, 1.1 */
    float p_telephone;             /* 0.1 */
    float p_lowpass, p_highpass;   /* 0.25, 0.25 */
    float p_reverb;                /* 0.3 */
    float p_noise;                 /* 0.3 */
    float level_mean_db, level_sd_db; /* peak level ~ N(-6.5, 5.5) clamped to [-26, -2] */
    /* progress: called after each clip (from worker threads, serialized) */
    void (*progress)(void *ctx, size_t done, size_t total);
    void *progress_ctx;
} kws_synth_config;

kws_synth_config kws_synth_config_default(void);

typedef struct {
    int engine_used[KWS_SYNTH_N_ENGINES];         /* 1 if it produced clips */
    char engine_notice[KWS_SYNTH_N_ENGINES][128]; /* why an engine was skipped, "" */
    /* clips[e][w]: written clips per engine and word; w = n_words is
     * every unknown word together */
    size_t clips[KWS_SYNTH_N_ENGINES][KWS_MAX_WORDS + 1];
    size_t dropped[KWS_SYNTH_N_DROP];  /* attempts dropped, by reason */
    size_t failed;                     /* clips given up after every attempt */
    size_t written;
    size_t n_unknown_words;            /* distinct words in the unknown list */
    float *dur, *peak;                 /* (written) per clip, for statistics */
} kws_synth_result;

/* Generates the clips; the out folder is created. KWS_ERR_UNSUPPORTED if no
 * engine is left (res->engine_notice says why). */
kws_status kws_synth_run(const kws_synth_config *cfg, kws_synth_result *res, kws_error *err);

void kws_synth_result_free(kws_synth_result *res);

#endif
