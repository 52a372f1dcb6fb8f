/* synth.c - the generator: plans every clip from the seed (word, engine,
 * voice, file name), runs the plan on worker threads (engine calls are
 * serialized per engine, effects run in parallel), retries clips that fail
 * the quality checks, and writes the WAVs and the manifest.
 *
 *   plan (sequential, seed) ──► jobs[0..N) ──► workers: clip j uses only
 *   rng(seed, j, attempt) ──► OUT/<word>/synth-<engine>-<voice>_nohash_<n>.wav
 *                         └──► manifest lines in job order
 *
 * So the bytes depend on the options and the seed, not on the thread count. */
#include "synth_internal.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "kws/audio.h"

kws_synth_config kws_synth_config_default(void)
{
    kws_synth_config c;
    memset(&c, 0, sizeof c);
    c.per_word = 10;
    c.seed = 1;
    for (int e = 0; e < KWS_SYNTH_N_ENGINES; e++)
        c.use_engine[e] = 1;
    c.threads = 1;
    c.speed_lo = 0.86f;
    c.speed_hi = 1.1f;
    c.p_telephone = 0.1f;
    c.p_lowpass = 0.25f;
    c.p_highpass = 0.25f;
    c.p_reverb = 0.3f;
    c.p_noise = 0.3f;
    c.level_mean_db = -6.5f;
    c.level_sd_db = 5.5f;
    return c;
}

typedef struct {
    const char *word;   /* command word or unknown word */
    int slot;           /* summary column: word index, n_words for unknown */
    int engine, voice, index;
    char rel[KWS_WORD_MAX + 160]; /* "word/synth-..._nohash_n.wav" */
    /* filled by the worker */
    int ok;
    size_t drops[KWS_SYNTH_N_DROP];
    kws_synth_native used;
    float speed, offset_s, level_db, dur, peak;
    char effects[96];
} job;

typedef struct {
    const kws_synth_config *cfg;
    job *jobs;
    size_t n_jobs, next, done;
    pthread_mutex_t lock;
    kws_status st;
    kws_error err;
} run_state;

/* ---- helpers --------------------------------------------------------------- */

static uint64_t mix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

static float uni(kws_rng *r, float lo, float hi)
{
    return lo + (hi - lo) * kws_rng_uniform(r);
}

static kws_status mkdir_p(const char *path, kws_error *err)
{
    char buf[KWS_ROOT_PATH_MAX + KWS_WORD_MAX + 2];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf)
        return kws_error_set(err, KWS_ERR_ARG, "%.64s...: path too long", path);
    for (char *p = buf + 1;; p++) {
        if (*p == '/' || *p == '\0') {
            char keep = *p;
            *p = '\0';
            if (mkdir(buf, 0777) != 0 && errno != EEXIST)
                return kws_error_set(err, KWS_ERR_IO, "%s: cannot create folder: %s", buf,
                                     strerror(errno));
            *p = keep;
            if (!keep)
                break;
        }
    }
    return KWS_OK;
}

/* "en-us" + "Mr serious" -> "en-us-mr-serious": lower-case letters, digits, '-'. */
static void voice_token(int engine, int voice, char *out, size_t len)
{
    const char *v, *var;
    kws_synth_engine_voice(engine, voice, &v, &var);
    snprintf(out, len, "%s%s%s", v, var[0] ? "-" : "", var);
    for (char *p = out; *p; p++)
        *p = isalnum((unsigned char)*p) ? (char)tolower((unsigned char)*p) : '-';
}

/* ---- one clip ------------------------------------------------------------------ */

static void add_effect(char *buf, size_t len, const char *fmt, double a, double b)
{
    size_t used = strlen(buf);
    if (used && used + 1 < len)
        buf[used++] = '+', buf[used] = '\0';
    if (used < len)
        snprintf(buf + used, len - used, fmt, a, b);
}

/* One attempt; on KWS_SYNTH_OK, pcm holds the clip. */
static kws_synth_quality make_clip(const kws_synth_config *cfg, job *j, kws_rng *rng,
                                   int16_t *pcm)
{
    kws_synth_prosody pr;
    pr.rate = kws_rng_uniform(rng);
    pr.pitch = kws_rng_uniform(rng);
    pr.range = kws_rng_uniform(rng);
    pr.seed = (unsigned)(kws_rng_u64(rng) >> 33);
    float speed = uni(rng, cfg->speed_lo, cfg->speed_hi);
    int tel = kws_rng_uniform(rng) < cfg->p_telephone;
    int lp = !tel && kws_rng_uniform(rng) < cfg->p_lowpass;
    float lp_hz = uni(rng, 2500.0f, 7000.0f);
    int hp = !tel && kws_rng_uniform(rng) < cfg->p_highpass;
    float hp_hz = uni(rng, 60.0f, 400.0f);
    int rev = kws_rng_uniform(rng) < cfg->p_reverb;
    float rt60 = uni(rng, 0.15f, 0.5f), room = kws_rng_uniform(rng), wet = uni(rng, 0.1f, 0.35f);
    float level = cfg->level_mean_db + cfg->level_sd_db * kws_rng_normal(rng);
    level = fminf(-2.0f, fmaxf(-26.0f, level));
    int noise = kws_rng_uniform(rng) < cfg->p_noise;
    float noise_below = uni(rng, 50.0f, 65.0f);
    float place = kws_rng_uniform(rng);

    float *raw = NULL, *x = NULL;
    size_t n_raw = 0, n = 0;
    int rate = 0;
    kws_error err;
    kws_synth_quality q = KWS_SYNTH_OK;
    if (kws_synth_engine_say(j->engine, j->voice, j->word, &pr, &raw, &n_raw, &rate, &j->used,
                             &err) != KWS_OK)
        return KWS_SYNTH_DROP_ENGINE;
    if (n_raw == 0) {
        free(raw);
        return KWS_SYNTH_DROP_EMPTY;
    }
    /* speed perturbation and resampling to 16 kHz, with room for a reverb tail */
    float *sp = NULL;
    size_t n_sp = 0;
    kws_status st = kws_synth_speed(raw, n_raw, rate, speed, &sp, &n_sp, &err);
    free(raw);
    if (st != KWS_OK)
        return KWS_SYNTH_DROP_ENGINE;
    size_t tail = rev ? kws_synth_reverb_tail(rt60, KWS_SAMPLE_RATE) : 0;
    x = realloc(sp, (n_sp + tail + 1) * sizeof *x);
    if (!x) {
        free(sp);
        return KWS_SYNTH_DROP_ENGINE;
    }
    memset(x + n_sp, 0, (tail + 1) * sizeof *x);
    n = n_sp + tail;

    j->effects[0] = '\0';
    add_effect(j->effects, sizeof j->effects, "speed%.3f", speed, 0);
    if (tel) {
        kws_synth_telephone(x, n, KWS_SAMPLE_RATE);
        add_effect(j->effects, sizeof j->effects, "telephone", 0, 0);
    }
    if (lp) {
        kws_synth_lowpass(x, n, KWS_SAMPLE_RATE, lp_hz);
        add_effect(j->effects, sizeof j->effects, "lowpass%.0f", lp_hz, 0);
    }
    if (hp) {
        kws_synth_highpass(x, n, KWS_SAMPLE_RATE, hp_hz);
        add_effect(j->effects, sizeof j->effects, "highpass%.0f", hp_hz, 0);
    }
    if (rev) {
        kws_synth_reverb(x, n, KWS_SAMPLE_RATE, rt60, room, wet);
        add_effect(j->effects, sizeof j->effects, "reverb%.2fs/%.2f", rt60, wet);
    }
    size_t start, len = kws_synth_trim(x, n, -40.0f, &start);
    if (len == 0) {
        q = KWS_SYNTH_DROP_EMPTY;
        goto done;
    }
    if (len > (size_t)(KWS_SYNTH_MAX_WORD_S * KWS_SAMPLE_RATE)) {
        q = KWS_SYNTH_DROP_TOO_LONG;
        goto done;
    }
    kws_synth_set_peak(x + start, len, level);
    size_t offset = (size_t)(place * (float)(KWS_CLIP_SAMPLES - len + 1));
    if (offset > KWS_CLIP_SAMPLES - len)
        offset = KWS_CLIP_SAMPLES - len;
    float clip[KWS_CLIP_SAMPLES];
    memset(clip, 0, sizeof clip);
    memcpy(clip + offset, x + start, len * sizeof *clip);
    if (noise) {
        kws_synth_noise_floor(clip, KWS_CLIP_SAMPLES, level - noise_below, rng);
        add_effect(j->effects, sizeof j->effects, "noise%.0f", level - noise_below, 0);
    }
    if (kws_audio_float_to_s16(clip, KWS_CLIP_SAMPLES, pcm) > 0) {
        q = KWS_SYNTH_DROP_CLIPPED;
        goto done;
    }
    q = kws_synth_quality_check(pcm, KWS_CLIP_SAMPLES);
    j->speed = speed;
    j->offset_s = (float)offset / KWS_SAMPLE_RATE;
    j->level_db = level;
    j->dur = kws_synth_word_seconds(pcm, KWS_CLIP_SAMPLES);
    j->peak = kws_synth_peak_dbfs_s16(pcm, KWS_CLIP_SAMPLES);
done:
    free(x);
    return q;
}

static void run_job(run_state *rs, size_t idx)
{
    const kws_synth_config *cfg = rs->cfg;
    job *j = &rs->jobs[idx];
    int16_t pcm[KWS_CLIP_SAMPLES];
    for (int a = 0; a < KWS_SYNTH_MAX_ATTEMPTS; a++) {
        kws_rng rng;
        kws_rng_seed(&rng, mix64(mix64(cfg->seed) ^ (idx * 0x100000001b3ull + (uint64_t)a)));
        kws_synth_quality q = make_clip(cfg, j, &rng, pcm);
        if (q != KWS_SYNTH_OK) {
            j->drops[q]++;
            continue;
        }
        char path[KWS_ROOT_PATH_MAX + sizeof j->rel + 2];
        snprintf(path, sizeof path, "%s/%s", cfg->out_dir, j->rel);
        kws_error err;
        if (kws_audio_write_wav(path, pcm, KWS_CLIP_SAMPLES, &err) != KWS_OK) {
            pthread_mutex_lock(&rs->lock);
            if (rs->st == KWS_OK) {
                rs->st = err.status;
                rs->err = err;
            }
            pthread_mutex_unlock(&rs->lock);
            return;
        }
        j->ok = 1;
        return;
    }
}

static void *worker(void *arg)
{
    run_state *rs = arg;
    for (;;) {
        pthread_mutex_lock(&rs->lock);
        size_t idx = rs->next < rs->n_jobs && rs->st == KWS_OK ? rs->next++ : rs->n_jobs;
        pthread_mutex_unlock(&rs->lock);
        if (idx >= rs->n_jobs)
            return NULL;
        run_job(rs, idx);
        pthread_mutex_lock(&rs->lock);
        rs->done++;
        if (rs->cfg->progress)
            rs->cfg->progress(rs->cfg->progress_ctx, rs->done, rs->n_jobs);
        pthread_mutex_unlock(&rs->lock);
    }
}

/* ---- planning ------------------------------------------------------------------- */

/* Counts of (word, engine, voice) so far, for the _nohash_<n> index: an
 * open-addressing table of 64-bit keys. */
typedef struct {
    uint64_t *key;
    int *count;
    size_t cap;
} counter;

static int counter_next(counter *c, uint64_t key)
{
    size_t i = (size_t)(mix64(key) & (c->cap - 1));
    while (c->count[i] && c->key[i] != key)
        i = (i + 1) & (c->cap - 1);
    c->key[i] = key;
    return c->count[i]++;
}

static int word_ok(const char *w)
{
    if (!w[0] || w[0] == '_' || strlen(w) >= KWS_WORD_MAX)
        return 0;
    for (const char *p = w; *p; p++)
        if (!(islower((unsigned char)*p) || *p == '\''))
            return 0;
    return 1;
}

static kws_status unknown_list(const kws_synth_config *cfg, const char ***out, size_t *n,
                               char ***owned, size_t *n_owned, kws_error *err)
{
    const char *const *src;
    size_t n_src;
    *owned = NULL;
    *n_owned = 0;
    if (cfg->unknown_words) {
        kws_status st = kws_synth_words_read(cfg->unknown_words, owned, n_owned, err);
        if (st != KWS_OK)
            return st;
        src = (const char *const *)*owned;
        n_src = *n_owned;
    } else {
        src = kws_synth_builtin_words(&n_src);
    }
    const char **list = malloc((n_src + 1) * sizeof *list);
    if (!list)
        return kws_error_set(err, KWS_ERR_NOMEM, "synth: out of memory");
    size_t k = 0;
    for (size_t i = 0; i < n_src; i++) {
        int skip = !word_ok(src[i]);
        for (int w = 0; w < cfg->n_words && !skip; w++)
            skip = !strcmp(src[i], cfg->words[w]);
        for (size_t m = 0; m < k && !skip; m++)
            skip = !strcmp(src[i], list[m]);
        if (!skip)
            list[k++] = src[i];
    }
    if (k == 0) {
        free(list);
        return kws_error_set(err, KWS_ERR_ARG, "synth: no unknown words left after removing the commands");
    }
    *out = list;
    *n = k;
    return KWS_OK;
}

static kws_status write_manifest(const kws_synth_config *cfg, const job *jobs, size_t n,
                                 kws_error *err)
{
    char path[KWS_ROOT_PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/%s", cfg->out_dir, KWS_SYNTH_MANIFEST);
    FILE *f = fopen(path, "w");
    if (!f)
        return kws_error_set(err, KWS_ERR_IO, "%s: cannot create", path);
    fprintf(f, "file\tword\tengine\tvoice\tvariant\trate\tpitch\trange\teffects\toffset_s\t"
               "level_dbfs\tword_s\tpeak_dbfs\n");
    for (size_t i = 0; i < n; i++) {
        const job *j = &jobs[i];
        if (!j->ok)
            continue;
        const char *v, *var;
        kws_synth_engine_voice(j->engine, j->voice, &v, &var);
        fprintf(f, "%s\t%s\t%s\t%s\t%s\t%.3g\t%.4g\t%.3g\t%s\t%.3f\t%.1f\t%.2f\t%.1f\n", j->rel,
                j->word, kws_synth_engine_name(j->engine), v, var[0] ? var : "-",
                (double)j->used.rate, (double)j->used.pitch, (double)j->used.range, j->effects,
                (double)j->offset_s, (double)j->level_db, (double)j->dur, (double)j->peak);
    }
    if (fclose(f) != 0)
        return kws_error_set(err, KWS_ERR_IO, "%s: write failed", path);
    return KWS_OK;
}

kws_status kws_synth_run(const kws_synth_config *cfg, kws_synth_result *res, kws_error *err)
{
    memset(res, 0, sizeof *res);
    if (!cfg->out_dir || !cfg->out_dir[0])
        return kws_error_set(err, KWS_ERR_ARG, "synth: no output folder");
    if (cfg->n_words < 0 || cfg->per_word < 0 || cfg->n_unknown < 0 ||
        ((cfg->n_words == 0 || cfg->per_word == 0) && cfg->n_unknown == 0))
        return kws_error_set(err, KWS_ERR_ARG, "synth: nothing to generate");
    if (cfg->threads < 1 || cfg->threads > 256)
        return kws_error_set(err, KWS_ERR_ARG, "synth: threads must be in 1..256");

    /* engines */
    int engines[KWS_SYNTH_N_ENGINES], n_engines = 0;
    for (int e = 0; e < KWS_SYNTH_N_ENGINES; e++) {
        kws_error ee;
        kws_error_clear(&ee);
        if (!cfg->use_engine[e])
            snprintf(res->engine_notice[e], sizeof res->engine_notice[e], "disabled");
        else if (!kws_synth_engine_built(e))
            snprintf(res->engine_notice[e], sizeof res->engine_notice[e],
                     "not built in (install %s and rebuild)",
                     e == KWS_SYNTH_ESPEAK ? "libespeak-ng-dev" : "flite1-dev");
        else if (kws_synth_engine_open(e, &ee) != KWS_OK)
            snprintf(res->engine_notice[e], sizeof res->engine_notice[e], "%.120s", ee.msg);
        else if (kws_synth_engine_voices(e) == 0)
            snprintf(res->engine_notice[e], sizeof res->engine_notice[e], "no voices");
        else
            engines[n_engines++] = e;
    }
    if (n_engines == 0)
        return kws_error_set(err, KWS_ERR_UNSUPPORTED, "no TTS engine available (%s: %s; %s: %s)",
                             kws_synth_engine_name(0), res->engine_notice[0],
                             kws_synth_engine_name(1), res->engine_notice[1]);

    const char **unk = NULL;
    size_t n_unk = 0, n_owned = 0;
    char **owned = NULL;
    kws_status st = KWS_OK;
    if (cfg->n_unknown > 0 && (st = unknown_list(cfg, &unk, &n_unk, &owned, &n_owned, err)) != KWS_OK)
        return st;
    res->n_unknown_words = n_unk;

    size_t n_jobs = (size_t)cfg->n_words * (size_t)cfg->per_word + (size_t)cfg->n_unknown;
    run_state rs;
    memset(&rs, 0, sizeof rs);
    rs.cfg = cfg;
    rs.n_jobs = n_jobs;
    rs.jobs = calloc(n_jobs, sizeof *rs.jobs);
    counter cnt = {0};
    cnt.cap = 64;
    while (cnt.cap < 2 * n_jobs)
        cnt.cap *= 2;
    cnt.key = calloc(cnt.cap, sizeof *cnt.key);
    cnt.count = calloc(cnt.cap, sizeof *cnt.count);
    if (!rs.jobs || !cnt.key || !cnt.count) {
        st = kws_error_set(err, KWS_ERR_NOMEM, "synth: out of memory (%zu clips)", n_jobs);
        goto done;
    }
    if ((st = mkdir_p(cfg->out_dir, err)) != KWS_OK)
        goto done;

    /* plan: word, engine, voice and name of every clip */
    kws_rng plan;
    kws_rng_seed(&plan, mix64(cfg->seed ^ 0x5eedULL));
    for (size_t i = 0; i < n_jobs; i++) {
        job *j = &rs.jobs[i];
        size_t word_id;
        if (i < (size_t)cfg->n_words * (size_t)cfg->per_word) {
            word_id = i / (size_t)cfg->per_word;
            j->word = cfg->words[word_id];
            j->slot = (int)word_id;
        } else {
            word_id = (size_t)kws_rng_below(&plan, (int)n_unk);
            j->word = unk[word_id];
            word_id += (size_t)cfg->n_words;
            j->slot = cfg->n_words;
        }
        j->engine = engines[kws_rng_below(&plan, n_engines)];
        j->voice = kws_rng_below(&plan, kws_synth_engine_voices(j->engine));
        j->index = counter_next(&cnt, ((uint64_t)word_id << 24) ^ ((uint64_t)j->engine << 20) ^
                                          (uint64_t)j->voice);
        char tok[128];
        voice_token(j->engine, j->voice, tok, sizeof tok);
        snprintf(j->rel, sizeof j->rel, "%s/synth-%s-%s_nohash_%d.wav", j->word,
                 kws_synth_engine_name(j->engine), tok, j->index);
        if (j->index == 0) { /* first clip of this word and voice: make sure the folder exists */
            char dir[KWS_ROOT_PATH_MAX + KWS_WORD_MAX + 2];
            snprintf(dir, sizeof dir, "%s/%s", cfg->out_dir, j->word);
            if ((st = mkdir_p(dir, err)) != KWS_OK)
                goto done;
        }
    }

    /* run */
    pthread_mutex_init(&rs.lock, NULL);
    int nt = cfg->threads < (int)n_jobs ? cfg->threads : (int)n_jobs;
    pthread_t th[256];
    int started = 0;
    for (int t = 1; t < nt; t++)
        if (pthread_create(&th[started], NULL, worker, &rs) == 0)
            started++;
    worker(&rs);
    for (int t = 0; t < started; t++)
        pthread_join(th[t], NULL);
    pthread_mutex_destroy(&rs.lock);
    if (rs.st != KWS_OK) {
        st = kws_error_set(err, rs.st, "%s", rs.err.msg);
        goto done;
    }

    /* results */
    res->dur = malloc(n_jobs * sizeof *res->dur);
    res->peak = malloc(n_jobs * sizeof *res->peak);
    if (!res->dur || !res->peak) {
        st = kws_error_set(err, KWS_ERR_NOMEM, "synth: out of memory");
        goto done;
    }
    for (size_t i = 0; i < n_jobs; i++) {
        const job *j = &rs.jobs[i];
        for (int q = 0; q < KWS_SYNTH_N_DROP; q++)
            res->dropped[q] += j->drops[q];
        if (!j->ok) {
            res->failed++;
            continue;
        }
        res->engine_used[j->engine] = 1;
        res->clips[j->engine][j->slot]++;
        res->dur[res->written] = j->dur;
        res->peak[res->written] = j->peak;
        res->written++;
    }
    st = write_manifest(cfg, rs.jobs, n_jobs, err);
done:
    free(rs.jobs);
    free(cnt.key);
    free(cnt.count);
    free(unk);
    kws_synth_words_free(owned, n_owned);
    if (st != KWS_OK)
        kws_synth_result_free(res);
    return st;
}

void kws_synth_result_free(kws_synth_result *res)
{
    free(res->dur);
    free(res->peak);
    res->dur = res->peak = NULL;
}
