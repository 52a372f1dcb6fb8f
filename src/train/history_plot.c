/* history_plot.c - the per-epoch history kept in a model's metadata
 * ("h EPOCH LR TRAIN_LOSS TRAIN_ACC VAL_LOSS VAL_ACC SECONDS" lines) and
 * its learning curves (the paper's Figure 6): SVG drawn here, the history
 * as CSV, and a PNG of both panels rendered by gnuplot when it is installed. */
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

/* Writes <prefix>history.csv and, if gnuplot is on PATH, <prefix>curves.png. */
static kws_status write_csv_and_png(const kws_epoch_stats *h, int n, const char *prefix,
                                    kws_error *err)
{
    char csv[1200], png[1200];
    snprintf(csv, sizeof csv, "%shistory.csv", prefix);
    snprintf(png, sizeof png, "%scurves.png", prefix);
    FILE *f = fopen(csv, "w");
    if (!f)
        return kws_error_set(err, KWS_ERR_IO, "%s: cannot create", csv);
    fprintf(f, "epoch,lr,train_loss,train_acc,val_loss,val_acc,seconds\n");
    for (int i = 0; i < n; i++)
        fprintf(f, "%d,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g\n", h[i].epoch, (double)h[i].lr,
                (double)h[i].train_loss, (double)h[i].train_acc, (double)h[i].val_loss,
                (double)h[i].val_acc, (double)h[i].seconds);
    if (fclose(f) != 0)
        return kws_error_set(err, KWS_ERR_IO, "%s: write failed", csv);

    if (system("command -v gnuplot >/dev/null 2>&1") != 0)
        return KWS_OK; /* the SVG curves are there; the PNG needs gnuplot */
    FILE *g = popen("gnuplot 2>/dev/null", "w");
    if (!g)
        return KWS_OK;
    fprintf(g,
            "set terminal png size 1100,420\nset output '%s'\nset datafile separator ','\n"
            "set key autotitle columnhead\nset grid\nset xlabel 'epoch'\n"
            "set multiplot layout 1,2\n"
            "set title 'Loss per epoch'\nset ylabel 'cross-entropy'\n"
            "plot '%s' using 1:3 with linespoints title 'train', '' using 1:5 with "
            "linespoints title 'validation'\n"
            "set title 'Accuracy per epoch'\nset key bottom right\nset ylabel 'accuracy (%%)'\nset yrange [0:100]\n"
            "plot '%s' using 1:($4*100) with linespoints title 'train', '' using 1:($6*100) "
            "with linespoints title 'validation'\nunset multiplot\n",
            png, csv, csv);
    pclose(g); /* a gnuplot failure leaves the SVG curves, which are always written */
    return KWS_OK;
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
    if (!st)
        st = write_csv_and_png(h, n, prefix, err);
    return st;
}

