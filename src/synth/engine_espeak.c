/* engine_espeak.c - eSpeak NG through libespeak-ng (linked, synchronous).
 *
 * Voices are every English language voice espeak_ListVoices reports
 * (en-us, en-gb, en-gb-scotland, en-029, ...; MBROLA voices excluded)
 * crossed with every variant (!v/: m1..m8, f1..f5, klatt*, whisper, croak,
 * ...) plus the plain voice, selected as "en-us+f3". The library keeps
 * global state, so every call holds one mutex; samples arrive through the
 * synth callback into a growing buffer. Not here: resampling (effects.c).
 *
 * Determinism: libespeak-ng carries hidden state from one utterance to the
 * next (e.g. the phase of its pitch flutter), so the same text, voice and
 * parameters give different samples depending on what was spoken before.
 * So no process synthesizes twice. At open, a helper process is forked
 * (before any worker thread exists, so the fork is safe); it never speaks
 * itself, and for each request forks a child that starts from the freshly
 * initialised library, speaks once, sends its samples back and exits
 * (about 1 ms per word):
 *
 *   kws ── request ──► helper (single-threaded) ─fork─► child: voice, speak
 *       ◄───────────── [status, count, samples] ──────────┘   _exit */
#include "synth_internal.h"

#include <espeak-ng/speak_lib.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LANGS 32
#define MAX_VARIANTS 256

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int opened, sample_rate;
static char langs[MAX_LANGS][32]; /* language, e.g. "en-gb" (manifest, file names) */
static char ids[MAX_LANGS][64];   /* voice file, e.g. "en" for gmw/en (selection) */
static int n_langs;
static char variants[MAX_VARIANTS][40];
static int n_variants;

/* the callback's output buffer (under lock) */
static short *buf;
static size_t buf_n, buf_cap;
static int buf_failed;

static int collect(short *wav, int numsamples, espeak_EVENT *events)
{
    (void)events;
    if (!wav || numsamples <= 0)
        return 0;
    if (buf_n + (size_t)numsamples > buf_cap) {
        size_t cap = buf_cap ? buf_cap : 16384;
        while (cap < buf_n + (size_t)numsamples)
            cap *= 2;
        short *b = realloc(buf, cap * sizeof *b);
        if (!b) {
            buf_failed = 1;
            return 1; /* abort synthesis */
        }
        buf = b;
        buf_cap = cap;
    }
    memcpy(buf + buf_n, wav, (size_t)numsamples * sizeof *wav);
    buf_n += (size_t)numsamples;
    return 0;
}

static int write_all(int fd, const void *p, size_t len)
{
    const char *c = p;
    while (len) {
        ssize_t w = write(fd, c, len);
        if (w <= 0)
            return 0;
        c += w;
        len -= (size_t)w;
    }
    return 1;
}

static int read_all(int fd, void *p, size_t len)
{
    char *c = p;
    while (len) {
        ssize_t r = read(fd, c, len);
        if (r <= 0)
            return 0;
        c += r;
        len -= (size_t)r;
    }
    return 1;
}

typedef struct {
    char name[96];    /* "en-us+f3" */
    char text[KWS_WORD_MAX];
    int32_t wpm, pitch, range;
    uint32_t seed;
} request;

static int req_fd = -1, resp_fd = -1;
static pid_t helper_pid = -1;

/* In a fresh child: speak one request, write [status, count, samples]. */
static void speak_child(const request *q, int out)
{
    int32_t head[2] = {0, 0};
    buf_n = 0;
    buf_failed = 0;
    srand(q->seed);
    if (espeak_SetVoiceByName(q->name) != EE_OK) {
        head[0] = 1;
    } else {
        espeak_SetParameter(espeakRATE, q->wpm, 0);
        espeak_SetParameter(espeakPITCH, q->pitch, 0);
        espeak_SetParameter(espeakRANGE, q->range, 0);
        espeak_SetParameter(espeakVOLUME, 100, 0);
        if (espeak_Synth(q->text, strlen(q->text) + 1, 0, POS_CHARACTER, 0, espeakCHARS_AUTO,
                         NULL, NULL) != EE_OK || buf_failed)
            head[0] = 2;
    }
    head[1] = head[0] ? 0 : (int32_t)buf_n;
    int ok = write_all(out, head, sizeof head) && write_all(out, buf, (size_t)head[1] * sizeof *buf);
    _exit(ok ? 0 : 3);
}

/* The helper: one child per request until the request pipe closes. */
static void helper_loop(int in, int out)
{
    request q;
    while (read_all(in, &q, sizeof q)) {
        q.name[sizeof q.name - 1] = q.text[sizeof q.text - 1] = '\0';
        pid_t pid = fork();
        if (pid == 0)
            speak_child(&q, out);
        int wst = 0;
        if (pid < 0 || waitpid(pid, &wst, 0) < 0 || !WIFEXITED(wst) || WEXITSTATUS(wst) != 0) {
            int32_t head[2] = {2, 0};
            if (!write_all(out, head, sizeof head))
                break;
        }
    }
    _exit(0);
}

kws_status kws_synth_espeak_open(kws_error *err)
{
    kws_status st = KWS_OK;
    pthread_mutex_lock(&lock);
    if (opened)
        goto done;
    /* 0x8000: espeakINITIALIZE_DONT_EXIT - report errors, never exit(). */
    sample_rate = espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0, NULL, 0x8000);
    if (sample_rate <= 0) {
        st = kws_error_set(err, KWS_ERR_UNSUPPORTED, "espeak: initialisation failed (data files missing?)");
        goto done;
    }
    espeak_SetSynthCallback(collect);
    const espeak_VOICE **v = espeak_ListVoices(NULL);
    n_langs = 0;
    for (int i = 0; v && v[i] && n_langs < MAX_LANGS; i++) {
        const char *lang = v[i]->languages ? v[i]->languages + 1 : "";
        if (strncmp(lang, "en", 2) || (lang[2] && lang[2] != '-') || !strncmp(v[i]->identifier, "mb", 2))
            continue;
        const char *slash = strrchr(v[i]->identifier, '/');
        const char *id = slash ? slash + 1 : v[i]->identifier;
        if (strlen(lang) >= sizeof langs[0] || strlen(id) >= sizeof ids[0])
            continue;
        int dup = 0;
        for (int k = 0; k < n_langs; k++)
            dup |= !strcmp(langs[k], lang);
        if (!dup) {
            strcpy(ids[n_langs], id);
            strcpy(langs[n_langs++], lang);
        }
    }
    espeak_VOICE spec;
    memset(&spec, 0, sizeof spec);
    spec.languages = "variant";
    v = espeak_ListVoices(&spec);
    n_variants = 0;
    for (int i = 0; v && v[i] && n_variants < MAX_VARIANTS; i++) {
        const char *id = v[i]->identifier;
        const char *slash = strrchr(id, '/');
        const char *name = slash ? slash + 1 : id;
        if (strlen(name) >= sizeof variants[0] || strchr(name, ' '))
            continue;
        strcpy(variants[n_variants++], name);
    }
    if (n_langs == 0) {
        espeak_Terminate();
        st = kws_error_set(err, KWS_ERR_UNSUPPORTED, "espeak: no English voice installed");
        goto done;
    }
    int rq[2], rs[2];
    if (pipe(rq) != 0 || pipe(rs) != 0) {
        espeak_Terminate();
        st = kws_error_set(err, KWS_ERR_IO, "espeak: pipe failed");
        goto done;
    }
    helper_pid = fork();
    if (helper_pid == 0) {
        close(rq[1]);
        close(rs[0]);
        helper_loop(rq[0], rs[1]);
    }
    close(rq[0]);
    close(rs[1]);
    if (helper_pid < 0) {
        close(rq[1]);
        close(rs[0]);
        espeak_Terminate();
        st = kws_error_set(err, KWS_ERR_NOMEM, "espeak: fork failed");
        goto done;
    }
    req_fd = rq[1];
    resp_fd = rs[0];
    opened = 1;
done:
    pthread_mutex_unlock(&lock);
    return st;
}

int kws_synth_espeak_voices(void)
{
    return opened ? n_langs * (n_variants + 1) : 0;
}

void kws_synth_espeak_voice(int i, const char **voice, const char **variant)
{
    int per = n_variants + 1;
    if (!opened || i < 0 || i >= n_langs * per) {
        *voice = "?";
        *variant = "";
        return;
    }
    *voice = langs[i / per];
    *variant = i % per ? variants[i % per - 1] : "";
}

kws_status kws_synth_espeak_say(int voice, const char *text, const kws_synth_prosody *p,
                                float **out, size_t *n, int *rate, kws_synth_native *used,
                                kws_error *err)
{
    *out = NULL;
    *n = 0;
    if (!opened)
        return kws_error_set(err, KWS_ERR_ARG, "espeak: not opened");
    const char *lang, *var;
    kws_synth_espeak_voice(voice, &lang, &var);
    char name[96];
    snprintf(name, sizeof name, "%s%s%s", ids[voice / (n_variants + 1)], var[0] ? "+" : "", var);
    int wpm = 80 + (int)(p->rate * 100.0f + 0.5f);   /* 80..180 words/min */
    int pitch = 15 + (int)(p->pitch * 70.0f + 0.5f); /* 15..85 */
    int range = 10 + (int)(p->range * 85.0f + 0.5f); /* 10..95 */
    used->rate = (float)wpm;
    used->pitch = (float)pitch;
    used->range = (float)range;

    request q;
    memset(&q, 0, sizeof q);
    snprintf(q.name, sizeof q.name, "%s", name);
    if (strlen(text) >= sizeof q.text)
        return kws_error_set(err, KWS_ERR_ARG, "espeak: '%s' is too long", text);
    strcpy(q.text, text);
    q.wpm = wpm;
    q.pitch = pitch;
    q.range = range;
    q.seed = p->seed;

    kws_status st = KWS_OK;
    pthread_mutex_lock(&lock);
    int32_t head[2] = {0, 0};
    short *s16 = NULL;
    int got = write_all(req_fd, &q, sizeof q) && read_all(resp_fd, head, sizeof head);
    if (got && head[0] == 0 && head[1] > 0) {
        s16 = malloc((size_t)head[1] * sizeof *s16);
        got = s16 && read_all(resp_fd, s16, (size_t)head[1] * sizeof *s16);
    }
    if (!got || head[0] != 0) {
        free(s16);
        st = kws_error_set(err, KWS_ERR_ARG, "espeak: %s of '%s' with %s failed",
                           head[0] == 1 ? "voice selection" : "synthesis", text, name);
        goto done;
    }
    if (head[1] > 0) {
        float *f = malloc((size_t)head[1] * sizeof *f);
        if (!f) {
            free(s16);
            st = kws_error_set(err, KWS_ERR_NOMEM, "espeak: out of memory");
            goto done;
        }
        for (int32_t i = 0; i < head[1]; i++)
            f[i] = (float)s16[i] * (1.0f / 32768.0f);
        *out = f;
        *n = (size_t)head[1];
    }
    free(s16);
    *rate = sample_rate;
done:
    pthread_mutex_unlock(&lock);
    return st;
}

void kws_synth_espeak_close(void)
{
    pthread_mutex_lock(&lock);
    if (opened) {
        close(req_fd); /* the helper sees end of input and exits */
        close(resp_fd);
        waitpid(helper_pid, NULL, 0);
        req_fd = resp_fd = -1;
        helper_pid = -1;
        espeak_Terminate();
    }
    opened = 0;
    free(buf);
    buf = NULL;
    buf_n = buf_cap = 0;
    pthread_mutex_unlock(&lock);
}
