/* audio_test_util.h - helpers for the audio tests: a temp dir, file writers, signal measures.
 *
 * Tests build their own inputs: libsndfile writes well-formed files in any
 * format, test_wav_header writes the canonical 44-byte PCM header by hand so
 * malformed variants can be made byte by byte. Everything lands in one
 * temporary directory, removed by test_tmp_cleanup().
 * Include after defining _XOPEN_SOURCE 700 (mkdtemp, nftw, fork, pipes).
 */
#ifndef KWS_AUDIO_TEST_UTIL_H
#define KWS_AUDIO_TEST_UTIL_H

#include <ftw.h>
#include <math.h>
#include <sndfile.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kws/audio.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

static char test_tmp_root[256];

/* The test's temporary directory, created on first use. */
static inline const char *test_tmp_dir(void)
{
    if (!test_tmp_root[0]) {
        const char *base = getenv("TMPDIR");
        snprintf(test_tmp_root, sizeof test_tmp_root, "%s/kws-audio-XXXXXX",
                 base && base[0] ? base : "/tmp");
        if (!mkdtemp(test_tmp_root)) {
            perror("mkdtemp");
            exit(2);
        }
    }
    return test_tmp_root;
}

/* buf = <tmp dir>/<name> */
static inline const char *test_tmp_path(const char *name, char *buf, size_t len)
{
    snprintf(buf, len, "%s/%s", test_tmp_dir(), name);
    return buf;
}

static inline int test_tmp_unlink(const char *path, const struct stat *st, int flag,
                                  struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static inline void test_tmp_cleanup(void)
{
    if (test_tmp_root[0])
        nftw(test_tmp_root, test_tmp_unlink, 16, FTW_DEPTH | FTW_PHYS);
}

static inline int test_write_bytes(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return 0;
    int ok = fwrite(data, 1, n, f) == n;
    return fclose(f) == 0 && ok;
}

/* Reads a whole file into a malloc'd buffer (for kws_audio_read_memory). */
static inline unsigned char *test_slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *buf = malloc(len > 0 ? (size_t)len : 1);
    *n = buf ? fread(buf, 1, (size_t)len, f) : 0;
    fclose(f);
    return buf;
}

/* Writes interleaved int32 frames; libsndfile keeps the top bits that fit
 * the format (PCM_16 keeps x >> 16, PCM_24 x >> 8, PCM_U8 x >> 24). */
static inline int test_write_int(const char *path, int format, int rate, int channels,
                          const int32_t *x, size_t frames)
{
    SF_INFO info = {0};
    info.samplerate = rate;
    info.channels = channels;
    info.format = format;
    SNDFILE *sf = sf_open(path, SFM_WRITE, &info);
    if (!sf) {
        fprintf(stderr, "sf_open(%s): %s\n", path, sf_strerror(NULL));
        return 0;
    }
    int ok = sf_writef_int(sf, x, (sf_count_t)frames) == (sf_count_t)frames;
    return sf_close(sf) == 0 && ok;
}

/* Writes interleaved float frames (unscaled for FLOAT/DOUBLE formats). */
static inline int test_write_float(const char *path, int format, int rate, int channels,
                            const float *x, size_t frames)
{
    SF_INFO info = {0};
    info.samplerate = rate;
    info.channels = channels;
    info.format = format;
    SNDFILE *sf = sf_open(path, SFM_WRITE, &info);
    if (!sf) {
        fprintf(stderr, "sf_open(%s): %s\n", path, sf_strerror(NULL));
        return 0;
    }
    int ok = sf_writef_float(sf, x, (sf_count_t)frames) == (sf_count_t)frames;
    return sf_close(sf) == 0 && ok;
}

/* Mono sine: amp * sin(2 pi freq t), n samples at rate. */
static inline float *test_sine(double freq, double amp, int rate, size_t n)
{
    float *x = malloc(n * sizeof *x);
    for (size_t i = 0; i < n; i++)
        x[i] = (float)(amp * sin(2.0 * M_PI * freq * (double)i / rate));
    return x;
}

static inline void test_put_u16(unsigned char *p, unsigned v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
}

static inline void test_put_u32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

/* The canonical 44-byte PCM WAV header (RIFF, fmt of 16 bytes, data). */
static inline void test_wav_header(unsigned char *h, int channels, uint32_t rate, int bits,
                            uint32_t data_bytes)
{
    unsigned block = (unsigned)(channels * bits / 8);
    memcpy(h, "RIFF", 4);
    test_put_u32(h + 4, 36 + data_bytes);
    memcpy(h + 8, "WAVEfmt ", 8);
    test_put_u32(h + 16, 16);
    test_put_u16(h + 20, 1);
    test_put_u16(h + 22, (unsigned)channels);
    test_put_u32(h + 24, rate);
    test_put_u32(h + 28, rate * block);
    test_put_u16(h + 32, block);
    test_put_u16(h + 34, (unsigned)bits);
    memcpy(h + 36, "data", 4);
    test_put_u32(h + 40, data_bytes);
}

/* Root mean square of x[from, to). */
static inline double test_rms(const int16_t *x, size_t from, size_t to)
{
    double s = 0.0;
    for (size_t i = from; i < to; i++)
        s += (double)x[i] * x[i];
    return to > from ? sqrt(s / (double)(to - from)) : 0.0;
}

/* Frequency from upward zero crossings in x[from, to), interpolated
 * linearly between samples; 0 if fewer than two crossings. */
static inline double test_zero_crossing_freq(const int16_t *x, size_t from, size_t to,
                                             int rate)
{
    double first = -1.0, last = -1.0;
    int count = 0;
    for (size_t i = from + 1; i < to; i++) {
        if (x[i - 1] < 0 && x[i] >= 0) {
            double t = (double)(i - 1) + (double)-x[i - 1] / ((double)x[i] - x[i - 1]);
            if (count == 0)
                first = t;
            last = t;
            count++;
        }
    }
    return count < 2 ? 0.0 : (count - 1) * (double)rate / (last - first);
}

/* Round half away from zero, the rule of kws_audio_float_to_s16. */
static inline long test_round(double v)
{
    return (long)(v >= 0 ? floor(v + 0.5) : -floor(-v + 0.5));
}

#endif
