/* kws/plot.h - pictures people would rather see than read (host only).
 *
 * A dependency-light PNG writer (zlib for deflate) and heat maps of
 * matrices such as MFCC windows and confusion matrices.
 */
#ifndef KWS_PLOT_H
#define KWS_PLOT_H

#include <stddef.h>
#include <stdint.h>
#include "kws/error.h"

/* Writes an 8-bit RGB PNG. rgb: (height, width, 3), row 0 at the top. */
kws_status kws_png_write_rgb(const char *path, int width, int height, const uint8_t *rgb,
                             kws_error *err);

/* Maps t in [0, 1] to a perceptual colour (viridis-like), rgb[3]. */
void kws_colormap(float t, uint8_t rgb[3]);

/* Heat map of a (rows, cols) row-major matrix: row 0 drawn at the bottom
 * (so MFCC coefficient 0 is low, time runs left to right), each cell
 * `cell` x `cell` pixels, colours scaled between the matrix min and max. */
kws_status kws_heatmap_write_png(const char *path, const float *m, int rows, int cols,
                                 int cell, kws_error *err);

/* ---- SVG charts (text, axes and legends included; no dependencies) ---- */

typedef struct {
    const char *name;   /* legend text */
    const float *x, *y; /* (n) points; non-finite y values break the line */
    int n;
} kws_series;

/* Line chart of n_series series (up to 8 colours, then they repeat), with
 * axes spanning the data (y_min/y_max used when y_min < y_max, else
 * automatic), ticks, labels and a legend. */
kws_status kws_svg_line_chart(const char *path, const char *title, const char *x_label,
                              const char *y_label, const kws_series *series, int n_series,
                              float y_min, float y_max, kws_error *err);

/* Confusion matrix: counts (n, n), row = true class, column = predicted;
 * cells coloured by the row-normalized rate, each showing its count. */
kws_status kws_svg_confusion(const char *path, const char *title, const char *const *names,
                             const long *counts, int n, kws_error *err);

#endif
