/* lr_schedule.c - learning rate as a function of the (fractional) epoch.
 *
 *  warm-up (epoch < warmup_epochs), with S = max(1, steps_per_epoch) and the
 *      position counted in steps, p = epoch * S:
 *      base_lr * min(1, (p + 1) / (warmup_epochs * S)), i.e. a linear ramp
 *      whose first step is base_lr / (warmup * S) and whose last is base_lr
 *      (with S = 1: base_lr/warmup in the first epoch, base_lr in epoch warmup-1);
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
        const double S = s->steps_per_epoch > 1 ? (double)s->steps_per_epoch : 1.0;
        const double f = (floor((double)epoch * S + 1e-6) + 1.0) / (s->warmup_epochs * S);
        return (float)(s->base_lr * (f < 1.0 ? f : 1.0));
    }
    const double e = (double)epoch - (s->warmup_epochs > 0 ? s->warmup_epochs : 0);
    switch (s->kind) {
    case KWS_LR_STEP:
        if (s->step_epochs <= 0)
            return s->base_lr;
        return (float)(s->base_lr * pow((double)s->step_gamma, floor(e / s->step_epochs)));
    case KWS_LR_COSINE: {
        const double span =
            (double)s->total_epochs - (s->warmup_epochs > 0 ? s->warmup_epochs : 0);
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
