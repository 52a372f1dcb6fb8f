/* engine_flite.c - CMU Flite through its C library (Debian's flite1-dev).
 *
 * Voices: kal (diphone, 8 kHz), kal16 (diphone, 16 kHz), awb, rms, slt
 * (clustergen, 16 kHz), registered once with register_cmu_us_*. Prosody
 * goes through voice features: duration_stretch (slower = longer), and the
 * F0 target: int_f0_target_mean / int_f0_target_stddev for the diphone
 * voices, f0_shift (a factor) for the clustergen ones. Voice features are
 * shared state, so every call holds one mutex. */
#include "synth_internal.h"

#include <flite/flite.h>
#include <pthread.h>
#include <stdlib.h>

cst_voice *register_cmu_us_kal(const char *voxdir);
cst_voice *register_cmu_us_kal16(const char *voxdir);
cst_voice *register_cmu_us_awb(const char *voxdir);
cst_voice *register_cmu_us_rms(const char *voxdir);
cst_voice *register_cmu_us_slt(const char *voxdir);
void unregister_cmu_us_kal(cst_voice *v);
void unregister_cmu_us_kal16(cst_voice *v);
void unregister_cmu_us_awb(cst_voice *v);
void unregister_cmu_us_rms(cst_voice *v);
void unregister_cmu_us_slt(cst_voice *v);

typedef struct {
    const char *name;
    cst_voice *(*reg)(const char *);
    void (*unreg)(cst_voice *);
    int diphone;      /* 1: F0 via int_f0_target_*, 0: clustergen f0_shift */
    float f0_mean;    /* the voice's natural F0 (Hz) */
} flite_voice_def;

static const flite_voice_def defs[] = {
    {"kal", register_cmu_us_kal, unregister_cmu_us_kal, 1, 100.0f},
    {"kal16", register_cmu_us_kal16, unregister_cmu_us_kal16, 1, 100.0f},
    {"awb", register_cmu_us_awb, unregister_cmu_us_awb, 0, 110.0f},
    {"rms", register_cmu_us_rms, unregister_cmu_us_rms, 0, 105.0f},
    {"slt", register_cmu_us_slt, unregister_cmu_us_slt, 0, 180.0f},
};
#define N_VOICES (int)(sizeof defs / sizeof defs[0])

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int opened;
static cst_voice *voices[N_VOICES];

kws_status kws_synth_flite_open(kws_error *err)
{
    kws_status st = KWS_OK;
    pthread_mutex_lock(&lock);
    if (!opened) {
        flite_init();
        for (int i = 0; i < N_VOICES; i++) {
            voices[i] = defs[i].reg(NULL);
            if (!voices[i]) {
                st = kws_error_set(err, KWS_ERR_UNSUPPORTED, "flite: cannot load voice %s",
                                   defs[i].name);
                for (int k = 0; k < i; k++)
                    defs[k].unreg(voices[k]);
                break;
            }
        }
        opened = st == KWS_OK;
    }
    pthread_mutex_unlock(&lock);
    return st;
}

int kws_synth_flite_voices(void)
{
    return opened ? N_VOICES : 0;
}

void kws_synth_flite_voice(int i, const char **voice, const char **variant)
{
    *voice = i >= 0 && i < N_VOICES ? defs[i].name : "?";
    *variant = "";
}

kws_status kws_synth_flite_say(int voice, const char *text, const kws_synth_prosody *p,
                               float **out, size_t *n, int *rate, kws_synth_native *used,
                               kws_error *err)
{
    *out = NULL;
    *n = 0;
    if (!opened || voice < 0 || voice >= N_VOICES)
        return kws_error_set(err, KWS_ERR_ARG, "flite: not opened or no voice %d", voice);
    const flite_voice_def *d = &defs[voice];
    float stretch = 1.7f - 0.7f * p->rate;            /* 1.0 .. 1.7 */
    float shift = 0.8f + 0.5f * p->pitch;             /* F0 x 0.8 .. 1.3 */
    float stddev = 5.0f + 30.0f * p->range;           /* 5 .. 35 Hz */
    used->rate = stretch;
    used->pitch = d->diphone ? d->f0_mean * shift : shift;
    used->range = stddev;

    kws_status st = KWS_OK;
    pthread_mutex_lock(&lock);
    cst_voice *v = voices[voice];
    feat_set_float(v->features, "duration_stretch", stretch);
    if (d->diphone)
        feat_set_float(v->features, "int_f0_target_mean", d->f0_mean * shift);
    else
        feat_set_float(v->features, "f0_shift", shift);
    feat_set_float(v->features, "int_f0_target_stddev", stddev);
    cst_wave *w = flite_text_to_wave(text, v);
    if (!w) {
        st = kws_error_set(err, KWS_ERR_ARG, "flite: synthesis of '%s' with %s failed", text, d->name);
        goto done;
    }
    int ns = w->num_samples, ch = w->num_channels > 0 ? w->num_channels : 1;
    if (ns > 0) {
        float *f = malloc((size_t)ns * sizeof *f);
        if (!f) {
            delete_wave(w);
            st = kws_error_set(err, KWS_ERR_NOMEM, "flite: out of memory");
            goto done;
        }
        for (int i = 0; i < ns; i++)
            f[i] = (float)w->samples[(size_t)i * ch] * (1.0f / 32768.0f);
        *out = f;
        *n = (size_t)ns;
    }
    *rate = w->sample_rate;
    delete_wave(w);
done:
    pthread_mutex_unlock(&lock);
    return st;
}

void kws_synth_flite_close(void)
{
    pthread_mutex_lock(&lock);
    if (opened)
        for (int i = 0; i < N_VOICES; i++)
            defs[i].unreg(voices[i]);
    opened = 0;
    pthread_mutex_unlock(&lock);
}
