/* bench_frontend.c - host timing of the MFCC front end (default config).
 *
 * Prints the median (and min) over repeats of:
 *   - table building (kws_mfcc_init),
 *   - one 512-point real FFT,
 *   - batch: a 1 s clip (16000 samples, 61 columns) with kws_mfcc_compute,
 *   - streaming: one hop (256 samples pushed, one column out), and the
 *     copy of the 38 x 55 window for the network.
 * Usage: bench_frontend [repeats]   (default 301)
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 199309L /* clock_gettime */
#endif
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "kws/mfcc.h"

#define CLIP 16000
#define HOPS_PER_BLOCK 61

static double mfcc_arena[4096];
static double stream_arena[2048];
static int16_t clip[CLIP];
static float cols[61 * 38];
static float window_out[38 * 55];
static volatile float sink;

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void report(const char *what, double *t, int n, double per)
{
    qsort(t, (size_t)n, sizeof *t, cmp_double);
    printf("  %-34s median %9.2f us   min %9.2f us\n", what, t[n / 2] / per / 1e3, t[0] / per / 1e3);
}

int main(int argc, char **argv)
{
    int reps = argc > 1 ? atoi(argv[1]) : 301, r, i;
    kws_mfcc_config c = kws_mfcc_config_default();
    kws_mfcc m;
    kws_mfcc_stream s;
    double *t;
    uint32_t lcg = 1;
    static float fft_in[512], fft_out[514];

    if (reps < 1)
        reps = 1;
    t = (double *)malloc((size_t)reps * sizeof *t);
    for (i = 0; i < CLIP; i++) {
        lcg = 1664525u * lcg + 1013904223u;
        clip[i] = (int16_t)((int32_t)(lcg >> 16) - 32768);
    }
    for (i = 0; i < 512; i++)
        fft_in[i] = clip[i] / 32768.0f;

    printf("bench_frontend: MFCC 16 kHz, 512/256, 40 mels, 38 coefs; %d repeats; arena %zu + %zu B\n",
           reps, kws_mfcc_arena_size(&c), kws_mfcc_stream_arena_size(&c, 55));

    for (r = 0; r < reps; r++) {
        double t0 = now_ns();
        kws_mfcc_init(&m, &c, mfcc_arena, sizeof mfcc_arena);
        t[r] = now_ns() - t0;
    }
    report("init (tables, once)", t, reps, 1.0);

    for (r = 0; r < reps; r++) {
        double t0 = now_ns();
        for (i = 0; i < 100; i++)
            kws_rfft_forward(&m.fft, fft_in, fft_out);
        t[r] = now_ns() - t0;
        sink = fft_out[3];
    }
    report("512-point real FFT", t, reps, 100.0);

    for (r = 0; r < reps; r++) {
        double t0 = now_ns();
        kws_mfcc_compute(&m, clip, CLIP, cols, 61);
        t[r] = now_ns() - t0;
        sink = cols[7];
    }
    report("batch: 1 s clip (61 columns)", t, reps, 1.0);
    printf("  %-34s = %.1f us per column\n", "", t[reps / 2] / 61 / 1e3);

    kws_mfcc_stream_init(&s, &m, 55, stream_arena, sizeof stream_arena);
    {
        int col;
        kws_mfcc_stream_push(&s, clip, 256, &col);   /* prime: first frame needs 512 */
    }
    for (r = 0; r < reps; r++) {
        double t0 = now_ns();
        for (i = 0; i < HOPS_PER_BLOCK; i++) {
            const int16_t *p = clip + 256 * (i % 60);
            size_t left = 256;
            int col;
            while (left) {
                size_t k = kws_mfcc_stream_push(&s, p, left, &col);
                p += k;
                left -= k;
            }
        }
        t[r] = now_ns() - t0;
    }
    report("stream: one hop (256 samples)", t, reps, HOPS_PER_BLOCK);

    for (r = 0; r < reps; r++) {
        double t0 = now_ns();
        for (i = 0; i < 100; i++)
            kws_mfcc_stream_window(&s, window_out);
        t[r] = now_ns() - t0;
        sink = window_out[5];
    }
    report("stream: 38 x 55 window copy", t, reps, 100.0);
    printf("  (a hop is 16 ms of audio at 16 kHz)\n");
    free(t);
    return 0;
}
