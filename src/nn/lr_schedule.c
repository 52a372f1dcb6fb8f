/* lr_schedule.c - learning rate as a function of the (fractional) epoch.
 *
 *  warm-up (epoch < warmup_epochs): base_lr * min(1, (epoch + 1) / warmup_epochs),
 *      i.e. base_lr/warmup in the first epoch, base_lr from epoch warmup-1 on;
 *  after it, with e = epoch - warmup_epochs counted from the end of warm-up:
 *  CONSTANT  base_lr
 *  STEP      base_lr * step_gamma^floor(e / step_epochs)   (step_epochs <= 0: constant)
 *  COSINE    min_lr + (base_lr - min_lr) * (1 + cos(pi * e / (total - warmup))) / 2,
 *            base_lr at the end of warm-up, min_lr at epoch == total_epochs
 *            (clamped there beyond it).
 */
#include <math.h>
#include "kws/nn.h"

float kws_lr_at(const kws_lr_schedule *s, float epoch)
{
    if (epoch < 0.0f)
        epoch = 0.0f;
    if (s->warmup_epochs > 0 && epoch < (float)s->warmup_epochs) {
        const double f = ((double)epoch + 1.0) / s->warmup_epochs;
        return (float)(s->base_lr * (f < 1.0 ? f : 1.0));
    }
    const double e = (double)epoch - (s->warmup_epochs > 0 ? s->warmup_epochs : 0);
    switch (s->kind) {
    case KWS_LR_STEP:
        if (s->step_epochs <= 0)
            return s->base_lr;
        return (float)(s->base_lr * pow((double)s->step_gamma, floor(e / s->step_epochs)));
    case KWS_LR_COSINE: {
        const double span = (double)s->total_epochs - (s->warmup_epochs > 0 ? s->warmup_epochs : 0);
        double t = span > 0.0 ? e / span : 1.0;
        if (t > 1.0)
            t = 1.0;
        const double pi = 3.14159265358979323846;
        return (float)(s->min_lr + (s->base_lr - s->min_lr) * 0.5 * (1.0 + cos(pi * t)));
    }
    case KWS_LR_CONSTANT:
    default:
        return s->base_lr;
    }
}
