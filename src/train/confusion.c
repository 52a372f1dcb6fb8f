/* confusion.c - evaluating a net on a split: confusion matrix, loss,
 * accuracy, per-class precision and recall, and their printout. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kws/train.h"

kws_status kws_evaluate(kws_net *net, kws_batch_iter *it, kws_confusion *cm, kws_error *err)
{
    int n = net->topo.n_classes;
    memset(cm, 0, sizeof *cm);
    cm->n_classes = n;
    kws_status st = kws_batch_iter_begin(it, 0, err);
    if (st)
        return st;
    kws_batch b;
    int r;
    while ((r = kws_batch_iter_next(it, &b, err)) == 1) {
        st = kws_net_forward(net, b.x, b.size, KWS_MODE_INFER);
        if (st)
            return kws_error_set(err, st, "evaluation forward pass failed");
        for (int i = 0; i < b.size; i++) {
            const float *z = net->logits + (size_t)i * n; /* (n) */
            int best = 0;
            float zmax = z[0];
            for (int c = 1; c < n; c++)
                if (z[c] > zmax)
                    zmax = z[c], best = c;
            double sum = 0.0;
            for (int c = 0; c < n; c++)
                sum += exp((double)z[c] - zmax);
            int y = b.labels[i];
            cm->loss_sum += log(sum) - ((double)z[y] - zmax);
            cm->counts[(size_t)y * n + best]++;
            cm->total++;
        }
    }
    return r < 0 ? (err ? err->status : KWS_ERR_IO) : KWS_OK;
}

double kws_confusion_accuracy(const kws_confusion *cm)
{
    long right = 0;
    for (int c = 0; c < cm->n_classes; c++)
        right += cm->counts[(size_t)c * cm->n_classes + c];
    return cm->total ? (double)right / (double)cm->total : 0.0;
}

double kws_confusion_recall(const kws_confusion *cm, int c)
{
    long row = 0;
    for (int p = 0; p < cm->n_classes; p++)
        row += cm->counts[(size_t)c * cm->n_classes + p];
    return row ? (double)cm->counts[(size_t)c * cm->n_classes + c] / (double)row : 0.0;
}

double kws_confusion_precision(const kws_confusion *cm, int c)
{
    long col = 0;
    for (int t = 0; t < cm->n_classes; t++)
        col += cm->counts[(size_t)t * cm->n_classes + c];
    return col ? (double)cm->counts[(size_t)c * cm->n_classes + c] / (double)col : 0.0;
}

void kws_confusion_print(FILE *f, const kws_confusion *cm, const char (*names)[KWS_WORD_MAX])
{
    int n = cm->n_classes;
    fprintf(f, "accuracy %.2f %% (%ld samples), mean loss %.4f\n\n",
            100.0 * kws_confusion_accuracy(cm), cm->total,
            cm->total ? cm->loss_sum / (double)cm->total : 0.0);
    fprintf(f, "%-12s %9s %9s %8s\n", "class", "precision", "recall", "support");
    for (int c = 0; c < n; c++) {
        long row = 0;
        for (int p = 0; p < n; p++)
            row += cm->counts[(size_t)c * n + p];
        fprintf(f, "%-12s %8.1f%% %8.1f%% %8ld\n", names[c], 100.0 * kws_confusion_precision(cm, c),
                100.0 * kws_confusion_recall(cm, c), row);
    }
    /* 12-class models: the commands alone, and how often the rest is taken
     * for a command (the false accepts a streaming detector would see) */
    int special[KWS_MAX_CLASSES], n_special = 0;
    for (int c = 0; c < n; c++) {
        special[c] = names[c][0] == '_';
        n_special += special[c];
    }
    if (n_special > 0 && n_special < n) {
        long cmd_total = 0, cmd_right = 0, other_total = 0, other_as_cmd = 0;
        for (int t = 0; t < n; t++)
            for (int p = 0; p < n; p++) {
                long k = cm->counts[(size_t)t * n + p];
                if (!special[t]) {
                    cmd_total += k;
                    cmd_right += t == p ? k : 0;
                } else {
                    other_total += k;
                    other_as_cmd += special[p] ? 0 : k;
                }
            }
        fprintf(f, "\ncommands only: %.2f %% of %ld command clips right (any other class is "
                   "wrong)\nfalse accepts: %.2f %% of %ld _unknown_/_silence_ clips taken for a "
                   "command\n",
                cmd_total ? 100.0 * cmd_right / cmd_total : 0.0, cmd_total,
                other_total ? 100.0 * other_as_cmd / other_total : 0.0, other_total);
    }
    fprintf(f, "\nconfusion matrix (rows: true, columns: predicted)\n%-12s", "");
    for (int p = 0; p < n; p++)
        fprintf(f, " %6.6s", names[p]);
    fputc('\n', f);
    for (int t = 0; t < n; t++) {
        fprintf(f, "%-12s", names[t]);
        for (int p = 0; p < n; p++)
            fprintf(f, " %6ld", cm->counts[(size_t)t * n + p]);
        fputc('\n', f);
    }
}
