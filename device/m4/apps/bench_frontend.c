/* bench_frontend.c - instruction counts of the MFCC front end on the Cortex-M4.
 *
 * Each measured piece is a named region (mark.h); run under QEMU with the
 * icount plugin, bench/device/bench_m4_frontend.sh turns the counts into
 * instructions per hop and per 1 s clip. Regions, in order:
 *   empty              marker overhead, subtracted from every other region
 *   mfcc_init          kws_mfcc_init: tables in double (soft-float on the M4)
 *   stream_init        kws_mfcc_stream_init
 *   rfft_512           kws_rfft_forward alone, 3 times
 *   mfcc_frame         kws_mfcc_frame, 8 consecutive hops of the chirp
 *   stream_push_hop    kws_mfcc_stream_push of 256 samples in steady state
 *                      (one new column each), 8 times
 *   stream_window      kws_mfcc_stream_window (38 x 55 copy-out), 2 times
 *   clip_batch_1s      kws_mfcc_compute on 16000 samples (61 frames)
 *   clip_stream_1s     reset + 16000 samples pushed 256 at a time (61 columns)
 */
#include <stdint.h>

#include "kws/fft.h"
#include "kws/mfcc.h"
#include "m4.h"
#include "mark.h"
#include "semihost.h"
#include "tests/device/signal_gen.h"

#define ARENA_BYTES (40 * 1024)
#define WINDOW_COLS 55
#define MAX_FRAMES 64

static uint8_t g_arena[ARENA_BYTES] __attribute__((aligned(8)));
static int16_t g_pcm[KWS_SIG_MAX_SAMPLES];
static float g_cols[MAX_FRAMES * 38];
static float g_window[38 * WINDOW_COLS];
static float g_fft_in[512], g_fft_out[514];

/* Keeps results alive so no measured call is optimized away. */
volatile uint32_t g_sink;

static void sink_f(float v)
{
    union { float f; uint32_t u; } c;
    c.f = v;
    g_sink ^= c.u;
}

int main(void)
{
    kws_mfcc_config cfg = kws_mfcc_config_default();
    kws_mfcc mfcc;
    kws_mfcc_stream stream;
    size_t mfcc_bytes = (kws_mfcc_arena_size(&cfg) + 7u) & ~(size_t)7u;
    size_t stream_bytes = kws_mfcc_stream_arena_size(&cfg, WINDOW_COLS);
    int seq, new_col;

    if (mfcc_bytes + stream_bytes > ARENA_BYTES || cfg.n_mfcc > 38 || cfg.frame_len != 512 ||
        cfg.hop_len != 256) {
        kws_m4_puts("ERROR bench: configuration does not fit the static buffers\n");
        return KWS_M4_EXIT_SETUP;
    }
    kws_sig_generate(0, g_pcm); /* chirp */

    seq = kws_m4_region_begin("empty");
    kws_m4_region_end(seq);

    seq = kws_m4_region_begin("mfcc_init");
    kws_status st = kws_mfcc_init(&mfcc, &cfg, g_arena, mfcc_bytes);
    kws_m4_region_end(seq);
    if (st != KWS_OK)
        return KWS_M4_EXIT_SETUP;
    seq = kws_m4_region_begin("stream_init");
    st = kws_mfcc_stream_init(&stream, &mfcc, WINDOW_COLS, g_arena + mfcc_bytes, stream_bytes);
    kws_m4_region_end(seq);
    if (st != KWS_OK)
        return KWS_M4_EXIT_SETUP;

    for (int i = 0; i < 512; i++)
        g_fft_in[i] = (float)g_pcm[4096 + i] * (1.0f / 32768.0f);
    for (int r = 0; r < 3; r++) {
        seq = kws_m4_region_begin("rfft_512");
        kws_rfft_forward(&mfcc.fft, g_fft_in, g_fft_out);
        kws_m4_region_end(seq);
        sink_f(g_fft_out[r]);
    }

    for (int f = 10; f < 18; f++) {
        seq = kws_m4_region_begin("mfcc_frame");
        kws_mfcc_frame(&mfcc, g_pcm + f * 256, g_cols);
        kws_m4_region_end(seq);
        sink_f(g_cols[f % 38]);
    }

    /* Stream: fill past the first frame, then time single hops. */
    const int16_t *p = g_pcm;
    size_t left = KWS_SIG_MAX_SAMPLES;
    for (int k = 0; k < 20; k++) {
        size_t used = kws_mfcc_stream_push(&stream, p, 256, &new_col);
        p += used;
        left -= used;
    }
    for (int h = 0; h < 8; h++) {
        seq = kws_m4_region_begin("stream_push_hop");
        size_t used = kws_mfcc_stream_push(&stream, p, 256, &new_col);
        kws_m4_region_end(seq);
        p += used;
        left -= used;
        if (!new_col || used != 256) {
            kws_m4_puts("ERROR bench: a 256-sample push did not give one column\n");
            return KWS_M4_EXIT_CHECK;
        }
    }
    for (int r = 0; r < 2; r++) {
        seq = kws_m4_region_begin("stream_window");
        kws_mfcc_stream_window(&stream, g_window);
        kws_m4_region_end(seq);
        sink_f(g_window[r]);
    }
    (void)left;

    seq = kws_m4_region_begin("clip_batch_1s");
    int frames = kws_mfcc_compute(&mfcc, g_pcm, KWS_SIG_MAX_SAMPLES, g_cols, MAX_FRAMES);
    kws_m4_region_end(seq);

    int cols = 0;
    seq = kws_m4_region_begin("clip_stream_1s");
    kws_mfcc_stream_reset(&stream);
    for (size_t off = 0; off < KWS_SIG_MAX_SAMPLES; off += 256) {
        size_t n = KWS_SIG_MAX_SAMPLES - off < 256 ? KWS_SIG_MAX_SAMPLES - off : 256;
        const int16_t *q = g_pcm + off;
        while (n) {
            size_t used = kws_mfcc_stream_push(&stream, q, n, &new_col);
            q += used;
            n -= used;
            cols += new_col;
        }
    }
    kws_m4_region_end(seq);

    kws_m4_puts("bench: clip frames ");
    kws_m4_put_i32(frames);
    kws_m4_puts(" stream columns ");
    kws_m4_put_i32(cols);
    kws_m4_puts("\nbench: arena ");
    kws_m4_put_u32((uint32_t)(mfcc_bytes + stream_bytes));
    kws_m4_puts(" bytes, stack used ");
    kws_m4_put_u32(kws_m4_stack_used());
    kws_m4_puts(" of ");
    kws_m4_put_u32(kws_m4_stack_size());
    kws_m4_puts("\n");
    return (frames == 61 && cols == 61) ? KWS_M4_EXIT_OK : KWS_M4_EXIT_CHECK;
}
