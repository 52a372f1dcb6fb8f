/* detector.c - posterior smoothing and the detection decision (device-
 * portable C99, no allocation): the rule is spelled out in kws/detect.h.
 *
 *   probs ring (window_hops slots, circular; head = oldest)
 *   ┌────────┬────────┬────────┬─────┐
 *   │ hop 17 │ hop 18 │ hop 15 │ ... │   a push overwrites the oldest slot
 *   └────────┴────────┴────────┴─────┘   when full; results whose hop fell
 *                                          out of the window are dropped
 *
 * The average is recomputed from the ring at every decision, oldest result
 * first (window x classes additions): exact and free of running-sum drift.
 * It does not compute the network, the features or time stamps.
 */
#include "kws/detect.h"

#include <string.h>

#define ALIGN8(b) (((b) + 7u) & ~(size_t)7u)

kws_status kws_detector_config_check(const kws_detector_config *cfg)
{
    if (!cfg || cfg->n_classes < 1 || cfg->n_classes > KWS_DETECT_MAX_CLASSES ||
        cfg->window_hops < 1 || cfg->window_hops > KWS_DETECT_MAX_WINDOW ||
        !(cfg->threshold > 0.0f && cfg->threshold <= 1.0f) || cfg->refractory_hops < 0 ||
        cfg->min_count < 1 || cfg->min_count > cfg->window_hops)
        return KWS_ERR_ARG;
    return KWS_OK;
}

size_t kws_detector_arena_size(const kws_detector_config *cfg)
{
    if (kws_detector_config_check(cfg) != KWS_OK)
        return 0;
    size_t w = (size_t)cfg->window_hops, c = (size_t)cfg->n_classes;
    return ALIGN8(w * sizeof(uint64_t)) + ALIGN8(w * c * sizeof(float)) +
           ALIGN8(c * sizeof(float)) + ALIGN8(c);
}

kws_status kws_detector_init(kws_detector *d, const kws_detector_config *cfg, void *arena,
                             size_t arena_size)
{
    unsigned char *a = (unsigned char *)arena;
    if (!d || !arena || ((uintptr_t)arena & 7u))
        return KWS_ERR_ARG;
    size_t need = kws_detector_arena_size(cfg);
    if (need == 0)
        return KWS_ERR_ARG;
    if (arena_size < need)
        return KWS_ERR_ARENA;
    size_t w = (size_t)cfg->window_hops, c = (size_t)cfg->n_classes;
    d->cfg = *cfg;
    d->hops = (uint64_t *)a;
    a += ALIGN8(w * sizeof(uint64_t));
    d->probs = (float *)a;
    a += ALIGN8(w * c * sizeof(float));
    d->avg = (float *)a;
    a += ALIGN8(c * sizeof(float));
    d->ignore = a;
    memset(d->ignore, 0, c);
    memset(d->avg, 0, c * sizeof(float));
    kws_detector_reset(d);
    return KWS_OK;
}

kws_status kws_detector_set_ignore(kws_detector *d, int label, int ignore)
{
    if (!d || label < 0 || label >= d->cfg.n_classes)
        return KWS_ERR_ARG;
    d->ignore[label] = (uint8_t)(ignore != 0);
    return KWS_OK;
}

void kws_detector_reset(kws_detector *d)
{
    d->head = 0;
    d->count = 0;
    d->has_last_hop = 0;
    d->last_hop = 0;
    d->has_event = 0;
    d->last_event = 0;
}

/* Slot i (0 = oldest) of the ring. */
static int slot_of(const kws_detector *d, int i)
{
    return (d->head + i) % d->cfg.window_hops;
}

kws_status kws_detector_push(kws_detector *d, const float *probs, uint64_t hop,
                             kws_detector_event *ev, int *fired)
{
    const int C = d->cfg.n_classes, W = d->cfg.window_hops;
    if (fired)
        *fired = 0;
    if (!probs || (d->has_last_hop && hop <= d->last_hop))
        return KWS_ERR_ARG;
    d->has_last_hop = 1;
    d->last_hop = hop;

    /* store, overwriting the oldest result when the ring is full */
    int slot;
    if (d->count < W) {
        slot = slot_of(d, d->count);
        d->count++;
    } else {
        slot = d->head;
        d->head = (d->head + 1) % W;
    }
    memcpy(d->probs + (size_t)slot * (size_t)C, probs, sizeof(float) * (size_t)C);
    d->hops[slot] = hop;

    /* drop results that left the window: hop' <= hop - W */
    while (d->count > 0 && hop - d->hops[d->head] >= (uint64_t)W) {
        d->head = (d->head + 1) % W;
        d->count--;
    }
    if (d->count < d->cfg.min_count)
        return KWS_OK;

    for (int c = 0; c < C; c++)
        d->avg[c] = 0.0f;
    for (int i = 0; i < d->count; i++) {
        const float *p = d->probs + (size_t)slot_of(d, i) * (size_t)C;
        for (int c = 0; c < C; c++)
            d->avg[c] += p[c];
    }
    int best = 0;
    for (int c = 0; c < C; c++) {
        d->avg[c] /= (float)d->count;
        if (d->avg[c] > d->avg[best])
            best = c;
    }
    if (d->ignore[best] || d->avg[best] < d->cfg.threshold)
        return KWS_OK;
    if (d->has_event && hop - d->last_event < (uint64_t)d->cfg.refractory_hops)
        return KWS_OK;
    d->has_event = 1;
    d->last_event = hop;
    if (ev) {
        ev->label = best;
        ev->score = d->avg[best];
        ev->hop = hop;
    }
    if (fired)
        *fired = 1;
    return KWS_OK;
}

const float *kws_detector_average(const kws_detector *d)
{
    return d->avg;
}
