/* quant_mode.c - the `kws train --quant` modes: named rewrites of the
 * per-layer quantization spec of a topology (host C11). */
#include <string.h>

#include "kws/quant.h"

static const char *const mode_names[] = {"float", "int8", "hybrid", "int8-act", "binary-conv"};
#define N_MODES (int)(sizeof mode_names / sizeof mode_names[0])

const char *kws_quant_mode_str(kws_quant_mode m)
{
    return (int)m >= 0 && (int)m < N_MODES ? mode_names[m] : "?";
}

kws_status kws_quant_mode_parse(const char *s, kws_quant_mode *m, kws_error *err)
{
    for (int i = 0; s && i < N_MODES; i++)
        if (!strcmp(s, mode_names[i])) {
            *m = (kws_quant_mode)i;
            return KWS_OK;
        }
    return kws_error_set(err, KWS_ERR_ARG,
                         "unknown quantization mode '%s' (float, int8, hybrid, int8-act, "
                         "binary-conv)",
                         s ? s : "(null)");
}

kws_status kws_quant_apply_mode(kws_topology *t, kws_quant_mode m, kws_error *err)
{
    if ((int)m < 0 || (int)m >= N_MODES)
        return kws_error_set(err, KWS_ERR_ARG, "unknown quantization mode %d", (int)m);
    if (m == KWS_QUANT_FLOAT)
        return KWS_OK;
    int last = -1, conv_last = -1, conv_prev = -1;
    for (int i = 0; i < t->n_layers; i++) {
        if (t->layers[i].kind == KWS_LAYER_FLATTEN)
            continue;
        last = i;
        if (t->layers[i].kind == KWS_LAYER_CONV2D) {
            conv_prev = conv_last;
            conv_last = i;
        }
    }
    for (int i = 0; i < t->n_layers; i++) {
        kws_layer_spec *l = &t->layers[i];
        if (l->kind == KWS_LAYER_FLATTEN)
            continue;
        l->wq = KWS_QW_INT8;
        l->aq = m == KWS_QUANT_INT8_ACT ? KWS_QA_INT8 : KWS_QA_FLOAT;
        if ((m == KWS_QUANT_HYBRID || m == KWS_QUANT_BINARY_CONV) && l->kind == KWS_LAYER_DENSE &&
            i != last)
            l->wq = KWS_QW_BINARY;
        if (m == KWS_QUANT_BINARY_CONV && (i == conv_last || i == conv_prev))
            l->wq = KWS_QW_BINARY;
    }
    return kws_topology_resolve(t, NULL, err);
}
