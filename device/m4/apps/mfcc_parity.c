/* mfcc_parity.c - the MFCC front end on the Cortex-M4, printed bit for bit.
 *
 * Runs tests/device/parity_cases.h (batch, streaming and window of four
 * generated signals) and prints every record as hex float bits over
 * semihosting; tests/device/mfcc_parity_check.c computes the same on the
 * host and compares. Output ends with "END"; a kws_* error prints
 * "ERROR ..." and exits with KWS_M4_EXIT_SETUP.
 */
#include <stdint.h>

#include "kws/mfcc.h"
#include "m4.h"
#include "semihost.h"
#include "tests/device/parity_cases.h"
#include "tests/device/signal_gen.h"

#define ARENA_BYTES (40 * 1024)

static uint8_t g_arena[ARENA_BYTES] __attribute__((aligned(8)));
static int16_t g_pcm[KWS_SIG_MAX_SAMPLES];
static float g_batch[KWS_PARITY_MAX_FRAMES * KWS_PARITY_MAX_MFCC];
static float g_window[KWS_PARITY_MAX_MFCC * KWS_PARITY_WINDOW_COLS];

static void emit_line(void *ctx, char kind, int sig, int index, const float *v, int count)
{
    (void)ctx;
    kws_m4_putc(kind);
    kws_m4_putc(' ');
    kws_m4_put_i32(sig);
    kws_m4_putc(' ');
    kws_m4_put_i32(index);
    kws_m4_putc(' ');
    kws_m4_put_i32(count);
    for (int i = 0; i < count; i++) {
        kws_m4_putc(' ');
        kws_m4_put_f32_bits(v[i]);
    }
    kws_m4_putc('\n');
}

static int fail(const char *what, kws_status st, size_t need)
{
    kws_m4_puts("ERROR ");
    kws_m4_puts(what);
    kws_m4_puts(": ");
    kws_m4_puts(kws_status_str(st));
    kws_m4_puts(" (arena ");
    kws_m4_put_u32((uint32_t)ARENA_BYTES);
    kws_m4_puts(", need ");
    kws_m4_put_u32((uint32_t)need);
    kws_m4_puts(")\n");
    return KWS_M4_EXIT_SETUP;
}

int main(void)
{
    kws_mfcc_config cfg = kws_mfcc_config_default();
    kws_mfcc mfcc;
    kws_mfcc_stream stream;
    size_t mfcc_bytes = kws_mfcc_arena_size(&cfg);
    size_t stream_bytes = kws_mfcc_stream_arena_size(&cfg, KWS_PARITY_WINDOW_COLS);
    size_t need = ((mfcc_bytes + 7u) & ~(size_t)7u) + stream_bytes;

    if (need > ARENA_BYTES || cfg.n_mfcc > KWS_PARITY_MAX_MFCC)
        return fail("arena", KWS_ERR_ARENA, need);
    kws_status st = kws_mfcc_init(&mfcc, &cfg, g_arena, mfcc_bytes);
    if (st != KWS_OK)
        return fail("kws_mfcc_init", st, need);
    mfcc_bytes = (mfcc_bytes + 7u) & ~(size_t)7u;
    st = kws_mfcc_stream_init(&stream, &mfcc, KWS_PARITY_WINDOW_COLS, g_arena + mfcc_bytes,
                              stream_bytes);
    if (st != KWS_OK)
        return fail("kws_mfcc_stream_init", st, need);

    kws_m4_puts("mfcc_parity: arena ");
    kws_m4_put_u32((uint32_t)need);
    kws_m4_puts(" bytes\n");

    kws_parity_run run = {&mfcc, &stream, g_pcm, g_batch, g_window, emit_line, 0};
    for (int sig = 0; sig < KWS_SIG_COUNT; sig++) {
        if (kws_parity_signal(&run, sig) != 0) {
            kws_m4_puts("ERROR stream made no progress\n");
            return KWS_M4_EXIT_CHECK;
        }
    }
    kws_m4_puts("stack: used ");
    kws_m4_put_u32(kws_m4_stack_used());
    kws_m4_puts(" of ");
    kws_m4_put_u32(kws_m4_stack_size());
    kws_m4_putc('\n');
    kws_m4_puts("END\n");
    return KWS_M4_EXIT_OK;
}
