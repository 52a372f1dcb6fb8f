/* svg.c - line charts and confusion matrices as standalone SVG files.
 * Everything is drawn in plain SVG 1.1 (rect, polyline, text), so any
 * browser shows them and tests can parse them as XML. */
#include "kws/plot.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static const char *palette[8] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e",
                                 "#9467bd", "#8c564b", "#e377c2", "#17becf"};

/* Writes s with XML special characters escaped. */
static void put_text(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        default: fputc(*s, f);
        }
    }
}

static void text_at(FILE *f, double x, double y, const char *anchor, int size, const char *s,
                    double rotate)
{
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" font-size=\"%d\"", x, y, anchor,
            size);
    if (rotate != 0.0)
        fprintf(f, " transform=\"rotate(%.0f %.1f %.1f)\"", rotate, x, y);
    fputc('>', f);
    put_text(f, s);
    fputs("</text>\n", f);
}

/* A "nice" tick step (1, 2 or 5 times a power of ten) for about 6 ticks. */
static double tick_step(double range)
{
    double raw = range / 6.0;
    double p = pow(10.0, floor(log10(raw)));
    double m = raw / p;
    return (m < 1.5 ? 1.0 : m < 3.5 ? 2.0 : m < 7.5 ? 5.0 : 10.0) * p;
}

static kws_status open_svg(const char *path, FILE **f, int w, int h, kws_error *err)
{
    *f = fopen(path, "w");
    if (!*f)
        return kws_error_set(err, KWS_ERR_IO, "%s: cannot create: %s", path, strerror(errno));
    fprintf(*f,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
            "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\">\n"
            "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>\n",
            w, h, w, h, w, h);
    return KWS_OK;
}

static kws_status close_svg(const char *path, FILE *f, kws_error *err)
{
    fputs("</svg>\n", f);
    int bad = ferror(f);
    if (fclose(f) != 0 || bad)
        return kws_error_set(err, KWS_ERR_IO, "%s: write failed", path);
    return KWS_OK;
}

kws_status kws_svg_line_chart(const char *path, const char *title, const char *x_label,
                              const char *y_label, const kws_series *series, int n_series,
                              float y_min, float y_max, kws_error *err)
{
    double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
    for (int s = 0; s < n_series; s++)
        for (int i = 0; i < series[s].n; i++) {
            if (!isfinite(series[s].x[i]) || !isfinite(series[s].y[i]))
                continue;
            x0 = fmin(x0, series[s].x[i]);
            x1 = fmax(x1, series[s].x[i]);
            y0 = fmin(y0, series[s].y[i]);
            y1 = fmax(y1, series[s].y[i]);
        }
    if (!(x0 <= x1)) { /* no finite point: an empty frame */
        x0 = 0, x1 = 1, y0 = 0, y1 = 1;
    }
    if (y_min < y_max)
        y0 = y_min, y1 = y_max;
    if (x1 - x0 < 1e-12)
        x1 = x0 + 1;
    if (y1 - y0 < 1e-12)
        y1 = y0 + 1;

    const int W = 720, H = 440, L = 70, R = 170, T = 40, B = 55;
    const double pw = W - L - R, ph = H - T - B;
    FILE *f;
    kws_status st = open_svg(path, &f, W, H, err);
    if (st)
        return st;
    text_at(f, L + pw / 2, 24, "middle", 16, title, 0);
    fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%.0f\" height=\"%.0f\" fill=\"none\" "
               "stroke=\"#333\"/>\n", L, T, pw, ph);

    char buf[64];
    double xs = tick_step(x1 - x0), ys = tick_step(y1 - y0);
    for (double v = ceil(x0 / xs) * xs; v <= x1 + 1e-9 * xs; v += xs) {
        double px = L + (v - x0) / (x1 - x0) * pw;
        fprintf(f, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%.0f\" stroke=\"#ddd\"/>\n", px,
                T, px, T + ph);
        snprintf(buf, sizeof buf, "%g", fabs(v) < 1e-12 ? 0.0 : v);
        text_at(f, px, T + ph + 18, "middle", 12, buf, 0);
    }
    for (double v = ceil(y0 / ys) * ys; v <= y1 + 1e-9 * ys; v += ys) {
        double py = T + ph - (v - y0) / (y1 - y0) * ph;
        fprintf(f, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%.0f\" y2=\"%.1f\" stroke=\"#ddd\"/>\n", L,
                py, L + pw, py);
        snprintf(buf, sizeof buf, "%g", fabs(v) < 1e-12 ? 0.0 : v);
        text_at(f, L - 6, py + 4, "end", 12, buf, 0);
    }
    text_at(f, L + pw / 2, H - 14, "middle", 13, x_label, 0);
    text_at(f, 18, T + ph / 2, "middle", 13, y_label, -90);

    for (int s = 0; s < n_series; s++) {
        const char *col = palette[s % 8];
        int open = 0;
        for (int i = 0; i < series[s].n; i++) {
            double xv = series[s].x[i], yv = series[s].y[i];
            if (!isfinite(xv) || !isfinite(yv)) {
                if (open)
                    fputs("\"/>\n", f);
                open = 0;
                continue;
            }
            yv = fmin(fmax(yv, y0), y1);
            if (!open)
                fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"",
                        col);
            open = 1;
            fprintf(f, "%.1f,%.1f ", L + (xv - x0) / (x1 - x0) * pw,
                    T + ph - (yv - y0) / (y1 - y0) * ph);
        }
        if (open)
            fputs("\"/>\n", f);
        double ly = T + 16 + 20 * s;
        fprintf(f, "<line x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\" stroke=\"%s\" "
                   "stroke-width=\"3\"/>\n", L + pw + 12, ly - 4, L + pw + 36, ly - 4, col);
        text_at(f, L + pw + 42, ly, "start", 12, series[s].name, 0);
    }
    return close_svg(path, f, err);
}

kws_status kws_svg_confusion(const char *path, const char *title, const char *const *names,
                             const long *counts, int n, kws_error *err)
{
    if (n <= 0 || n > 256)
        return kws_error_set(err, KWS_ERR_ARG, "%s: bad class count %d", path, n);
    const int cell = 44, L = 110, T = 70;
    int W = L + n * cell + 20, H = T + n * cell + 60;
    FILE *f;
    kws_status st = open_svg(path, &f, W, H, err);
    if (st)
        return st;
    text_at(f, W / 2.0, 22, "middle", 16, title, 0);
    text_at(f, L + n * cell / 2.0, H - 12, "middle", 13, "predicted", 0);
    text_at(f, 16, T + n * cell / 2.0, "middle", 13, "true", -90);
    char buf[32];
    for (int r = 0; r < n; r++) {
        long row = 0;
        for (int c = 0; c < n; c++)
            row += counts[(size_t)r * n + c];
        text_at(f, L - 6, T + r * cell + cell / 2.0 + 4, "end", 12, names[r], 0);
        text_at(f, L + r * cell + cell / 2.0, T - 8, "start", 12, names[r], -45);
        for (int c = 0; c < n; c++) {
            long v = counts[(size_t)r * n + c];
            float rate = row ? (float)v / (float)row : 0.0f;
            uint8_t rgb[3];
            kws_colormap(rate, rgb);
            fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
                       "fill=\"rgb(%d,%d,%d)\" stroke=\"white\"/>\n",
                    L + c * cell, T + r * cell, cell, cell, rgb[0], rgb[1], rgb[2]);
            snprintf(buf, sizeof buf, "%ld", v);
            fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"12\" "
                       "fill=\"%s\">%s</text>\n",
                    L + c * cell + cell / 2.0, T + r * cell + cell / 2.0 + 4,
                    rate > 0.6f ? "black" : "white", buf);
        }
    }
    return close_svg(path, f, err);
}
