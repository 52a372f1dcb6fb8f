/* synth_internal.h - what the files of src/synth share: the per-engine
 * entry points behind the kws_synth_engine_* dispatch (engine.c). */
#ifndef KWS_SYNTH_INTERNAL_H
#define KWS_SYNTH_INTERNAL_H

#include "kws/synth.h"

kws_status kws_synth_espeak_open(kws_error *err);
int kws_synth_espeak_voices(void);
void kws_synth_espeak_voice(int i, const char **voice, const char **variant);
kws_status kws_synth_espeak_say(int voice, const char *text, const kws_synth_prosody *p,
                                float **out, size_t *n, int *rate, kws_synth_native *used,
                                kws_error *err);
void kws_synth_espeak_close(void);

kws_status kws_synth_flite_open(kws_error *err);
int kws_synth_flite_voices(void);
void kws_synth_flite_voice(int i, const char **voice, const char **variant);
kws_status kws_synth_flite_say(int voice, const char *text, const kws_synth_prosody *p,
                               float **out, size_t *n, int *rate, kws_synth_native *used,
                               kws_error *err);
void kws_synth_flite_close(void);

#endif
