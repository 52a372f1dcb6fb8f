/* test_png.c - the PNG writer produces a valid file: signature, chunk CRCs,
 * IHDR fields, and IDAT that inflates (zlib) back to the exact pixels;
 * heat maps put row 0 at the bottom and span the colour map's ends. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "kws/plot.h"
#include "tests/test.h"

static uint32_t be32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

/* Parses a PNG written by kws_png_write_rgb; returns malloc'd RGB pixels or NULL. */
static uint8_t *read_png(const char *path, int *w, int *h)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    static uint8_t buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    static const uint8_t sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    if (!CHECK(n > 8 && memcmp(buf, sig, 8) == 0))
        return NULL;
    size_t pos = 8;
    uint8_t *idat = NULL;
    size_t idat_len = 0;
    int saw_end = 0;
    while (pos + 12 <= n) {
        uint32_t len = be32(buf + pos);
        if (!CHECK(pos + 12 + len <= n))
            break;
        const uint8_t *type = buf + pos + 4;
        uint32_t crc = (uint32_t)crc32(crc32(0L, type, 4), type + 4, len);
        CHECK(crc == be32(buf + pos + 8 + len));
        if (!memcmp(type, "IHDR", 4)) {
            *w = (int)be32(type + 4);
            *h = (int)be32(type + 8);
            CHECK(type[12] == 8 && type[13] == 2 && type[16] == 0);
        } else if (!memcmp(type, "IDAT", 4)) {
            idat = realloc(idat, idat_len + len);
            memcpy(idat + idat_len, type + 4, len);
            idat_len += len;
        } else if (!memcmp(type, "IEND", 4)) {
            saw_end = 1;
        }
        pos += 12 + len;
    }
    CHECK(saw_end && pos == n);
    uLongf raw_len = (uLongf)(*w * 3 + 1) * *h;
    uint8_t *raw = malloc(raw_len);
    CHECK(uncompress(raw, &raw_len, idat, idat_len) == Z_OK);
    CHECK(raw_len == (uLongf)(*w * 3 + 1) * *h);
    free(idat);
    uint8_t *rgb = malloc((size_t)*w * *h * 3);
    for (int y = 0; y < *h; y++) {
        CHECK(raw[y * (*w * 3 + 1)] == 0);
        memcpy(rgb + (size_t)y * *w * 3, raw + y * (*w * 3 + 1) + 1, (size_t)*w * 3);
    }
    free(raw);
    return rgb;
}

int main(void)
{
    char path[] = "/tmp/kws_test_png_XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);

    /* Exact pixels round trip. */
    int W = 7, H = 5;
    uint8_t img[7 * 5 * 3];
    for (int i = 0; i < W * H * 3; i++)
        img[i] = (uint8_t)(i * 37 + 11);
    CHECK_EQ_INT(kws_png_write_rgb(path, W, H, img, NULL), KWS_OK);
    int w = 0, h = 0;
    uint8_t *back = read_png(path, &w, &h);
    CHECK(back != NULL && w == W && h == H);
    if (back)
        CHECK(memcmp(back, img, sizeof img) == 0);
    free(back);

    /* Bad sizes are refused with a message naming the file. */
    kws_error err;
    CHECK_EQ_INT(kws_png_write_rgb(path, 0, 3, img, &err), KWS_ERR_ARG);
    CHECK(strstr(err.msg, path) != NULL);
    CHECK_EQ_INT(kws_png_write_rgb("/nonexistent-dir/x.png", 1, 1, img, &err), KWS_ERR_IO);

    /* Colour map ends are viridis' ends; NaN maps to the low end. */
    uint8_t c0[3], c1[3], cn[3];
    kws_colormap(0.0f, c0);
    kws_colormap(1.0f, c1);
    kws_colormap(NAN, cn);
    CHECK(c0[0] == 68 && c0[1] == 1 && c0[2] == 84);
    CHECK(c1[0] == 253 && c1[1] == 231 && c1[2] == 37);
    CHECK(memcmp(c0, cn, 3) == 0);

    /* Heat map: 2 rows x 3 cols, cell 2: row 0 (the minimum) is drawn at the bottom. */
    float m[6] = {0, 0, 0, 1, 1, 1};
    CHECK_EQ_INT(kws_heatmap_write_png(path, m, 2, 3, 2, NULL), KWS_OK);
    back = read_png(path, &w, &h);
    CHECK(back != NULL && w == 6 && h == 4);
    if (back) {
        CHECK(memcmp(back + ((size_t)3 * 6 + 0) * 3, c0, 3) == 0); /* bottom-left: min */
        CHECK(memcmp(back, c1, 3) == 0);                           /* top-left: max */
    }
    free(back);
    remove(path);
    return test_summary("test_png");
}
