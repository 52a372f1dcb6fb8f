/* heatmap.c - matrices as PNG heat maps with a viridis-like colour map. */
#include "kws/plot.h"

#include <math.h>
#include <stdlib.h>

/* Eight anchor colours of the viridis map, linearly interpolated. */
static const uint8_t viridis_anchors[8][3] = {
    {68, 1, 84},   {70, 50, 127},  {54, 92, 141},  {39, 127, 142},
    {31, 161, 135}, {74, 194, 109}, {159, 218, 58}, {253, 231, 37},
};

void kws_colormap(float t, uint8_t rgb[3])
{
    if (!(t > 0.0f)) /* also catches NaN */
        t = 0.0f;
    if (t > 1.0f)
        t = 1.0f;
    float x = t * 7.0f;
    int i = (int)x;
    if (i > 6)
        i = 6;
    float f = x - (float)i;
    for (int c = 0; c < 3; c++) {
        float v = (1.0f - f) * viridis_anchors[i][c] + f * viridis_anchors[i + 1][c];
        rgb[c] = (uint8_t)lrintf(v);
    }
}

kws_status kws_heatmap_write_png(const char *path, const float *m, int rows, int cols,
                                 int cell, kws_error *err)
{
    if (rows <= 0 || cols <= 0 || cell <= 0 || (long)rows * cell > 16384 ||
        (long)cols * cell > 16384)
        return kws_error_set(err, KWS_ERR_ARG, "%s: bad heat map size %dx%d (cell %d)", path,
                             rows, cols, cell);
    float lo = INFINITY, hi = -INFINITY;
    for (long i = 0; i < (long)rows * cols; i++) {
        if (isfinite(m[i])) {
            lo = fminf(lo, m[i]);
            hi = fmaxf(hi, m[i]);
        }
    }
    float range = (hi > lo) ? hi - lo : 1.0f;
    int w = cols * cell, h = rows * cell;
    uint8_t *rgb = malloc((size_t)w * h * 3);
    if (!rgb)
        return kws_error_set(err, KWS_ERR_NOMEM, "%s: out of memory", path);
    for (int y = 0; y < h; y++) {
        int r = rows - 1 - y / cell; /* row 0 at the bottom */
        for (int x = 0; x < w; x++) {
            float v = m[(size_t)r * cols + x / cell];
            kws_colormap(isfinite(v) ? (v - lo) / range : 0.0f, rgb + ((size_t)y * w + x) * 3);
        }
    }
    kws_status s = kws_png_write_rgb(path, w, h, rgb, err);
    free(rgb);
    return s;
}
