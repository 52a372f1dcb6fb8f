/* engine.c - dispatch from an engine id to its implementation, and the
 * stand-ins for engines that were not built in (they report
 * KWS_ERR_UNSUPPORTED, so callers skip them). */
#include "synth_internal.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* One lock for every engine call: espeak-ng and flite (clustergen and
 * klatt voices) take noise from rand(), whose state is process-wide. */
static pthread_mutex_t engine_lock = PTHREAD_MUTEX_INITIALIZER;

static const char *const engine_names[KWS_SYNTH_N_ENGINES] = {"espeak", "flite"};

const char *kws_synth_engine_name(int engine)
{
    return engine >= 0 && engine < KWS_SYNTH_N_ENGINES ? engine_names[engine] : "?";
}

int kws_synth_engine_from_name(const char *name)
{
    for (int e = 0; e < KWS_SYNTH_N_ENGINES; e++)
        if (!strcmp(name, engine_names[e]))
            return e;
    return -1;
}

int kws_synth_engine_built(int engine)
{
    switch (engine) {
#ifdef KWS_HAVE_ESPEAK
    case KWS_SYNTH_ESPEAK: return 1;
#endif
#ifdef KWS_HAVE_FLITE
    case KWS_SYNTH_FLITE: return 1;
#endif
    default: return 0;
    }
}

kws_status kws_synth_engine_open(int engine, kws_error *err)
{
    if (!kws_synth_engine_built(engine))
        return kws_error_set(err, KWS_ERR_UNSUPPORTED, "%s: not built into this kws",
                             kws_synth_engine_name(engine));
    return engine == KWS_SYNTH_ESPEAK ? kws_synth_espeak_open(err) : kws_synth_flite_open(err);
}

int kws_synth_engine_voices(int engine)
{
    if (!kws_synth_engine_built(engine))
        return 0;
    return engine == KWS_SYNTH_ESPEAK ? kws_synth_espeak_voices() : kws_synth_flite_voices();
}

void kws_synth_engine_voice(int engine, int i, const char **voice, const char **variant)
{
    *voice = "?";
    *variant = "";
    if (!kws_synth_engine_built(engine))
        return;
    if (engine == KWS_SYNTH_ESPEAK)
        kws_synth_espeak_voice(i, voice, variant);
    else
        kws_synth_flite_voice(i, voice, variant);
}

kws_status kws_synth_engine_say(int engine, int voice, const char *text,
                                const kws_synth_prosody *p, float **out, size_t *n, int *rate,
                                kws_synth_native *used, kws_error *err)
{
    *out = NULL;
    *n = 0;
    if (!kws_synth_engine_built(engine))
        return kws_error_set(err, KWS_ERR_UNSUPPORTED, "%s: not built into this kws",
                             kws_synth_engine_name(engine));
    pthread_mutex_lock(&engine_lock);
    srand(p->seed);
    kws_status st = engine == KWS_SYNTH_ESPEAK
                        ? kws_synth_espeak_say(voice, text, p, out, n, rate, used, err)
                        : kws_synth_flite_say(voice, text, p, out, n, rate, used, err);
    pthread_mutex_unlock(&engine_lock);
    return st;
}

void kws_synth_engines_close(void)
{
    if (kws_synth_engine_built(KWS_SYNTH_ESPEAK))
        kws_synth_espeak_close();
    if (kws_synth_engine_built(KWS_SYNTH_FLITE))
        kws_synth_flite_close();
}

/* Engines not built in: never called (kws_synth_engine_built guards), but
 * the symbols must exist. */
#ifndef KWS_HAVE_ESPEAK
kws_status kws_synth_espeak_open(kws_error *err) { return kws_error_set(err, KWS_ERR_UNSUPPORTED, "espeak: not built in"); }
int kws_synth_espeak_voices(void) { return 0; }
void kws_synth_espeak_voice(int i, const char **voice, const char **variant) { (void)i; *voice = "?"; *variant = ""; }
kws_status kws_synth_espeak_say(int voice, const char *text, const kws_synth_prosody *p, float **out, size_t *n, int *rate, kws_synth_native *used, kws_error *err)
{ (void)voice; (void)text; (void)p; (void)out; (void)n; (void)rate; (void)used; return kws_error_set(err, KWS_ERR_UNSUPPORTED, "espeak: not built in"); }
void kws_synth_espeak_close(void) {}
#endif
#ifndef KWS_HAVE_FLITE
kws_status kws_synth_flite_open(kws_error *err) { return kws_error_set(err, KWS_ERR_UNSUPPORTED, "flite: not built in"); }
int kws_synth_flite_voices(void) { return 0; }
void kws_synth_flite_voice(int i, const char **voice, const char **variant) { (void)i; *voice = "?"; *variant = ""; }
kws_status kws_synth_flite_say(int voice, const char *text, const kws_synth_prosody *p, float **out, size_t *n, int *rate, kws_synth_native *used, kws_error *err)
{ (void)voice; (void)text; (void)p; (void)out; (void)n; (void)rate; (void)used; return kws_error_set(err, KWS_ERR_UNSUPPORTED, "flite: not built in"); }
void kws_synth_flite_close(void) {}
#endif
