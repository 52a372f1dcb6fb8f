/* history_plot.c - the per-epoch history kept in a model's metadata
 * ("h EPOCH LR TRAIN_LOSS TRAIN_ACC VAL_LOSS VAL_ACC SECONDS" lines) and
 * its learning curves (the paper's Figure 6) as SVG. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kws/plot.h"
#include "kws/train.h"

int kws_history_parse(const char *meta, kws_epoch_stats *out, int max)
{
    int n = 0;
    for (const char *p = meta; p && *p && n < max;) {
        kws_epoch_stats h;
        double lr, tl, ta, vl, va, s;
        if (sscanf(p, "h %d %lf %lf %lf %lf %lf %lf", &h.epoch, &lr, &tl, &ta, &vl, &va, &s) ==
            7) {
            h.lr = (float)lr, h.train_loss = (float)tl, h.train_acc = (float)ta;
            h.val_loss = (float)vl, h.val_acc = (float)va, h.seconds = (float)s;
            out[n++] = h;
        }
        p = strchr(p, '\n');
        if (p)
            p++;
    }
    return n;
}

kws_status kws_history_plot(const kws_epoch_stats *h, int n, const char *prefix, kws_error *err)
{
    if (n <= 0)
        return KWS_OK;
    float *buf = malloc(sizeof(float) * 5 * (size_t)n);
    if (!buf)
        return kws_error_set(err, KWS_ERR_NOMEM, "out of memory for learning curves");
    float *x = buf, *tl = buf + n, *vl = buf + 2 * n, *ta = buf + 3 * n, *va = buf + 4 * n;
    for (int i = 0; i < n; i++) {
        x[i] = (float)h[i].epoch;
        tl[i] = h[i].train_loss;
        vl[i] = h[i].val_loss;
        ta[i] = 100.0f * h[i].train_acc;
        va[i] = 100.0f * h[i].val_acc;
    }
    char path[1200];
    kws_series loss[2] = {{"train", x, tl, n}, {"validation", x, vl, n}};
    kws_series acc[2] = {{"train", x, ta, n}, {"validation", x, va, n}};
    snprintf(path, sizeof path, "%sloss.svg", prefix);
    kws_status st = kws_svg_line_chart(path, "Loss per epoch", "epoch", "cross-entropy", loss, 2,
                                       0.0f, 0.0f, err);
    if (!st) {
        snprintf(path, sizeof path, "%saccuracy.svg", prefix);
        st = kws_svg_line_chart(path, "Accuracy per epoch", "epoch", "accuracy (%)", acc, 2, 0.0f,
                                100.0f, err);
    }
    free(buf);
    return st;
}
