/* cli_plots.c - the pictures `kws train` and `kws eval` leave behind:
 * learning curves (SVG) and the confusion matrix (SVG with counts, PNG). */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "kws/plot.h"

int kws_cli_write_plots(const char *cmd, const char *prefix, const char *meta,
                        const kws_confusion *cm, const char (*names)[KWS_WORD_MAX],
                        const char *split_name)
{
    kws_error err;
    kws_error_clear(&err);
    kws_epoch_stats *h = calloc(KWS_TRAIN_MAX_EPOCHS, sizeof *h);
    if (!h)
        return kws_cli_fail(cmd, "out of memory");
    int n = meta ? kws_history_parse(meta, h, KWS_TRAIN_MAX_EPOCHS) : 0;
    kws_status st = kws_history_plot(h, n, prefix, &err);
    free(h);
    if (st)
        return kws_cli_fail_error(cmd, &err);
    if (cm && cm->total) {
        const char *ptr[KWS_MAX_CLASSES];
        for (int c = 0; c < cm->n_classes; c++)
            ptr[c] = names[c];
        char path[1200], title[128];
        snprintf(title, sizeof title, "Confusion matrix, %s split (accuracy %.2f %%)", split_name,
                 100.0 * kws_confusion_accuracy(cm));
        snprintf(path, sizeof path, "%sconfusion_%s.svg", prefix, split_name);
        if (kws_svg_confusion(path, title, ptr, cm->counts, cm->n_classes, &err))
            return kws_cli_fail_error(cmd, &err);
        /* the same as a PNG heat map of row-normalized rates */
        float rates[KWS_MAX_CLASSES * KWS_MAX_CLASSES];
        int k = cm->n_classes;
        for (int t = 0; t < k; t++) {
            long row = 0;
            for (int p = 0; p < k; p++)
                row += cm->counts[t * k + p];
            /* heat map draws row 0 at the bottom: flip so the first class is on top */
            for (int p = 0; p < k; p++)
                rates[(k - 1 - t) * k + p] = row ? (float)cm->counts[t * k + p] / (float)row : 0;
        }
        snprintf(path, sizeof path, "%sconfusion_%s.png", prefix, split_name);
        if (kws_heatmap_write_png(path, rates, k, k, 32, &err))
            return kws_cli_fail_error(cmd, &err);
    }
    if (n)
        fprintf(stderr, "kws %s: plots: %sloss.svg, %saccuracy.svg, %scurves.png%s%s%s\n", cmd,
                prefix, prefix, prefix,
                cm && cm->total ? ", " : "", cm && cm->total ? prefix : "",
                cm && cm->total ? "confusion_*.svg/png" : "");
    else if (cm && cm->total)
        fprintf(stderr, "kws %s: plots: %sconfusion_%s.svg/png\n", cmd, prefix, split_name);
    return 0;
}

