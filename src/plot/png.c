/* png.c - minimal PNG writer: 8-bit RGB, no interlace, filter 0, zlib deflate.
 * Chunks: IHDR, IDAT, IEND, each with its CRC-32 (zlib's crc32). */
#include "kws/plot.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* Writes one chunk: length, type, data, CRC over type + data. */
static int write_chunk(FILE *f, const char type[4], const uint8_t *data, uint32_t len)
{
    uint8_t head[8];
    put_be32(head, len);
    memcpy(head + 4, type, 4);
    uLong crc = crc32(0L, (const Bytef *)type, 4);
    if (len)
        crc = crc32(crc, data, len);
    uint8_t tail[4];
    put_be32(tail, (uint32_t)crc);
    return fwrite(head, 1, 8, f) == 8 && (len == 0 || fwrite(data, 1, len, f) == len) &&
           fwrite(tail, 1, 4, f) == 4;
}

kws_status kws_png_write_rgb(const char *path, int width, int height, const uint8_t *rgb,
                             kws_error *err)
{
    if (width <= 0 || height <= 0 || width > 16384 || height > 16384)
        return kws_error_set(err, KWS_ERR_ARG, "%s: bad image size %dx%d", path, width, height);

    size_t stride = (size_t)width * 3 + 1; /* filter byte + pixels */
    size_t raw_len = stride * (size_t)height;
    uint8_t *raw = malloc(raw_len);
    uLongf z_len = compressBound((uLong)raw_len);
    uint8_t *z = malloc(z_len);
    if (!raw || !z) {
        free(raw);
        free(z);
        return kws_error_set(err, KWS_ERR_NOMEM, "%s: out of memory for %dx%d image", path,
                             width, height);
    }
    for (int y = 0; y < height; y++) {
        raw[y * stride] = 0; /* filter type None */
        memcpy(raw + y * stride + 1, rgb + (size_t)y * width * 3, (size_t)width * 3);
    }
    int zrc = compress2(z, &z_len, raw, (uLong)raw_len, 6);
    free(raw);
    if (zrc != Z_OK) {
        free(z);
        return kws_error_set(err, KWS_ERR_IO, "%s: deflate failed (%d)", path, zrc);
    }

    FILE *f = fopen(path, "wb");
    if (!f) {
        free(z);
        return kws_error_set(err, KWS_ERR_IO, "%s: cannot create: %s", path, strerror(errno));
    }
    static const uint8_t signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    uint8_t ihdr[13];
    put_be32(ihdr, (uint32_t)width);
    put_be32(ihdr + 4, (uint32_t)height);
    ihdr[8] = 8;  /* bit depth */
    ihdr[9] = 2;  /* colour type RGB */
    ihdr[10] = 0; /* deflate */
    ihdr[11] = 0; /* filter method */
    ihdr[12] = 0; /* no interlace */
    int ok = fwrite(signature, 1, 8, f) == 8 && write_chunk(f, "IHDR", ihdr, 13) &&
             write_chunk(f, "IDAT", z, (uint32_t)z_len) && write_chunk(f, "IEND", NULL, 0);
    free(z);
    if (fclose(f) != 0)
        ok = 0;
    if (!ok)
        return kws_error_set(err, KWS_ERR_IO, "%s: write failed: %s", path, strerror(errno));
    return KWS_OK;
}
