/* test_mfcc_stream.c - streaming MFCC equals batch MFCC, bit for bit.
 *
 * A 3 s signal (tones, noise, silence, full-scale clicks) is cut into
 * chunks of 1, 7, 255, 256, 257, 1000 samples and random sizes (1..3000,
 * some 0). Every column the stream produces must be memcmp-equal to the
 * batch column of the same index, the count must match, the first column
 * must come exactly at frame_len samples, and the network window
 * (n_mfcc, window_cols) must hold the latest columns oldest first with
 * zeros at the left until full. Reset must forget everything. Repeated for
 * hop = frame_len, a hop that does not divide the frame, and a 3-column FIFO.
 */
#include <stdint.h>
#include <string.h>
#include "kws/kmath.h"
#include "kws/mfcc.h"
#include "tests/test.h"

#define N_SAMPLES 48000
#define MAX_FRAMES 600
#define MAX_COEFS 64

static double mfcc_arena[8192];             /* 64 KB */
static double stream_arena[8192];           /* 64 KB */
static int16_t pcm[N_SAMPLES];
static float batch[MAX_FRAMES * MAX_COEFS]; /* (frames, n_mfcc) */
static float window_out[MAX_COEFS * 128];   /* (n_mfcc, window_cols) */

static uint32_t lcg = 42;

static uint32_t lcg_next(void)
{
    lcg = 1664525u * lcg + 1013904223u;
    return lcg;
}

static void make_signal(void)
{
    int t;
    for (t = 0; t < N_SAMPLES; t++) {
        double s = t / 16000.0, v;
        v = 8000.0 * kws_sin(2.0 * KWS_PI * 440.0 * s) + 3000.0 * kws_sin(2.0 * KWS_PI * 2500.0 * s * s);
        v += (double)(int)(lcg_next() >> 20) - 2048.0;          /* noise, +-2048 */
        if (t >= 20000 && t < 24000)
            v = 0.0;                                            /* digital silence */
        if (t % 7919 == 0)
            v = t % 2 ? 32767.0 : -32768.0;                     /* clicks */
        pcm[t] = (int16_t)(v > 32767.0 ? 32767 : v < -32768.0 ? -32768 : (int)v);
    }
}

/* Expected window for the columns produced so far (cols_done of them). */
static int window_matches(const kws_mfcc_stream *s, int cols_done)
{
    const int w = s->window_cols, n_mfcc = s->mfcc->cfg.n_mfcc;
    int t, c;
    kws_mfcc_stream_window(s, window_out);
    for (t = 0; t < w; t++) {
        int col = cols_done - w + t;                            /* batch index */
        for (c = 0; c < n_mfcc; c++) {
            float want = col < 0 ? 0.0f : batch[col * n_mfcc + c];
            if (memcmp(&want, &window_out[c * w + t], sizeof want) != 0)
                return 0;
        }
    }
    return 1;
}

/* chunk > 0: fixed size; chunk == 0: random sizes 0..3000. */
static void stream_run(kws_mfcc_stream *s, int chunk, int n_frames, const char *label)
{
    const kws_mfcc_config *c = &s->mfcc->cfg;
    size_t pos = 0, col_bytes = (size_t)c->n_mfcc * sizeof(float);
    int cols = 0, mismatches = 0, bad_windows = 0, first_col_at = -1;

    kws_mfcc_stream_reset(s);
    CHECK(kws_mfcc_stream_latest(s) == NULL);
    while (pos < N_SAMPLES) {
        size_t want = chunk > 0 ? (size_t)chunk : (size_t)(lcg_next() % 3001u);
        size_t n = want < N_SAMPLES - pos ? want : N_SAMPLES - pos;
        const int16_t *p = pcm + pos;
        if (n == 0) {                                          /* pushing nothing is fine */
            int nc = 1;
            CHECK_EQ_INT(kws_mfcc_stream_push(s, p, 0, &nc), 0);
            CHECK_EQ_INT(nc, 0);
        }
        while (n) {
            int new_col;
            size_t k = kws_mfcc_stream_push(s, p, n, &new_col);
            if (k == 0 || k > n) {
                CHECK(k > 0 && k <= n);
                return;
            }
            p += k, n -= k, pos += k;
            if (!new_col)
                continue;
            if (cols == 0)
                first_col_at = (int)pos;
            if (cols >= n_frames || memcmp(kws_mfcc_stream_latest(s), batch + cols * c->n_mfcc, col_bytes))
                mismatches++;
            cols++;
            CHECK_EQ_INT(kws_mfcc_stream_full(s), cols >= s->window_cols);
            if ((cols < 2 * s->window_cols || cols % 17 == 0) && !window_matches(s, cols))
                bad_windows++;
        }
    }
    if (chunk > 0)
        printf("%-28s chunk %4d: ", label, chunk);
    else
        printf("%-28s chunk rand: ", label);
    printf("%d columns, %d mismatches, %d bad windows\n", cols, mismatches, bad_windows);
    CHECK_EQ_INT(cols, n_frames);
    CHECK_EQ_INT((long long)s->total_cols, n_frames);
    CHECK_EQ_INT(mismatches, 0);
    CHECK_EQ_INT(bad_windows, 0);
    CHECK_EQ_INT(first_col_at, c->frame_len);
}

static void check_config(const kws_mfcc_config *c, int window_cols, const char *label)
{
    static const int chunks[] = {1, 7, 255, 256, 257, 1000, 0, 0};
    kws_mfcc m;
    kws_mfcc_stream s;
    int n_frames, i;

    CHECK_EQ_INT(kws_mfcc_init(&m, c, mfcc_arena, sizeof mfcc_arena), KWS_OK);
    CHECK_EQ_INT(kws_mfcc_stream_init(&s, &m, window_cols, stream_arena, sizeof stream_arena), KWS_OK);
    n_frames = kws_mfcc_compute(&m, pcm, N_SAMPLES, batch, MAX_FRAMES);
    CHECK_EQ_INT(n_frames, kws_mfcc_num_frames(c, N_SAMPLES));
    for (i = 0; i < (int)(sizeof chunks / sizeof chunks[0]); i++)
        stream_run(&s, chunks[i], n_frames, label);
}

/* Reset mid-stream: the next columns are those of a fresh stream. */
static void check_reset(void)
{
    kws_mfcc_config c = kws_mfcc_config_default();
    kws_mfcc m;
    kws_mfcc_stream s;
    size_t pos = 0;
    int cols = 0, new_col;

    CHECK_EQ_INT(kws_mfcc_init(&m, &c, mfcc_arena, sizeof mfcc_arena), KWS_OK);
    CHECK_EQ_INT(kws_mfcc_stream_init(&s, &m, 55, stream_arena, sizeof stream_arena), KWS_OK);
    kws_mfcc_compute(&m, pcm, N_SAMPLES, batch, MAX_FRAMES);
    CHECK_EQ_INT(kws_mfcc_stream_push(&s, pcm + 30000, 700, &new_col), 512);
    CHECK_EQ_INT(new_col, 1);
    kws_mfcc_stream_push(&s, pcm + 30512, 100, &new_col);                   /* partial */
    kws_mfcc_stream_reset(&s);
    CHECK(kws_mfcc_stream_latest(&s) == NULL);
    CHECK_EQ_INT(kws_mfcc_stream_full(&s), 0);
    CHECK_EQ_INT((long long)s.total_cols, 0);
    CHECK(window_matches(&s, 0));                                           /* all zeros */
    while (pos < 5000) {
        size_t k = kws_mfcc_stream_push(&s, pcm + pos, 5000 - pos, &new_col);
        pos += k;
        if (new_col) {
            CHECK(memcmp(kws_mfcc_stream_latest(&s), batch + cols * c.n_mfcc,
                         (size_t)c.n_mfcc * sizeof(float)) == 0);
            cols++;
        }
    }
    CHECK_EQ_INT(cols, kws_mfcc_num_frames(&c, 5000));
    CHECK(window_matches(&s, cols));
}

int main(void)
{
    kws_mfcc_config c = kws_mfcc_config_default();
    make_signal();
    check_config(&c, 55, "default (512/256, 55 cols)");
    check_config(&c, 3, "default, 3-column FIFO");
    c.hop_len = 512;
    check_config(&c, 55, "hop = frame (512/512)");
    c.hop_len = 100;
    check_config(&c, 20, "hop 100 (512/100)");
    c = kws_mfcc_config_default();
    c.frame_len = 256;
    c.hop_len = 160;
    c.n_mels = 32;
    c.n_mfcc = 13;
    check_config(&c, 98, "256/160, 32 mels, 13 mfcc");
    check_reset();
    return test_summary("test_mfcc_stream");
}
