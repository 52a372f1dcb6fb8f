/* test_mfcc_config.c - configuration checks and arena handling.
 *
 * Every out-of-range field (table below) must give KWS_ERR_ARG from
 * kws_mfcc_config_check and kws_mfcc_init, and 0 from kws_mfcc_arena_size.
 * An arena one byte short gives KWS_ERR_ARENA, a misaligned or NULL one
 * KWS_ERR_ARG; the exact size works and nothing past it is written. The
 * same for the stream's arena and window_cols. A configuration with more
 * mels than FFT bins is valid (empty filters give log(log_floor)).
 */
#include <float.h>
#include <string.h>
#include "kws/mfcc.h"
#include "tests/test.h"

typedef struct {
    const char *what;
    void (*spoil)(kws_mfcc_config *c);
} bad_config;

static void bad_rate_low(kws_mfcc_config *c) { c->sample_rate = 0; }
static void bad_rate_high(kws_mfcc_config *c) { c->sample_rate = 1000000; }
static void bad_frame_pow2(kws_mfcc_config *c) { c->frame_len = 400; }
static void bad_frame_small(kws_mfcc_config *c) { c->frame_len = 8; }
static void bad_frame_big(kws_mfcc_config *c) { c->frame_len = 8192; }
static void bad_hop_zero(kws_mfcc_config *c) { c->hop_len = 0; }
static void bad_hop_big(kws_mfcc_config *c) { c->hop_len = 513; }
static void bad_mels_zero(kws_mfcc_config *c) { c->n_mels = 0; }
static void bad_mels_big(kws_mfcc_config *c) { c->n_mels = 100000; }
static void bad_mfcc_zero(kws_mfcc_config *c) { c->n_mfcc = 0; }
static void bad_mfcc_gt_mels(kws_mfcc_config *c) { c->n_mfcc = 41; }
static void bad_fmin_neg(kws_mfcc_config *c) { c->f_min = -1.0f; }
static void bad_fmin_nan(kws_mfcc_config *c) { c->f_min = NAN; }
static void bad_fmax_le_fmin(kws_mfcc_config *c) { c->f_max = c->f_min; }
static void bad_fmax_nyquist(kws_mfcc_config *c) { c->f_max = 8001.0f; }
static void bad_fmax_inf(kws_mfcc_config *c) { c->f_max = INFINITY; }
static void bad_floor_zero(kws_mfcc_config *c) { c->log_floor = 0.0f; }
static void bad_floor_neg(kws_mfcc_config *c) { c->log_floor = -1e-6f; }
static void bad_floor_inf(kws_mfcc_config *c) { c->log_floor = INFINITY; }
static void bad_floor_nan(kws_mfcc_config *c) { c->log_floor = NAN; }

static const bad_config bad_configs[] = {
    {"sample_rate 0", bad_rate_low},          {"sample_rate 1e6", bad_rate_high},
    {"frame_len 400", bad_frame_pow2},        {"frame_len 8", bad_frame_small},
    {"frame_len 8192", bad_frame_big},        {"hop_len 0", bad_hop_zero},
    {"hop_len > frame_len", bad_hop_big},     {"n_mels 0", bad_mels_zero},
    {"n_mels 100000", bad_mels_big},          {"n_mfcc 0", bad_mfcc_zero},
    {"n_mfcc > n_mels", bad_mfcc_gt_mels},    {"f_min < 0", bad_fmin_neg},
    {"f_min NaN", bad_fmin_nan},              {"f_max == f_min", bad_fmax_le_fmin},
    {"f_max > Nyquist", bad_fmax_nyquist},    {"f_max inf", bad_fmax_inf},
    {"log_floor 0", bad_floor_zero},          {"log_floor < 0", bad_floor_neg},
    {"log_floor inf", bad_floor_inf},         {"log_floor NaN", bad_floor_nan},
};

static double arena[8192];                  /* 64 KB, 8-byte aligned */

static void test_bad_configs(void)
{
    size_t i;
    for (i = 0; i < sizeof bad_configs / sizeof bad_configs[0]; i++) {
        kws_mfcc_config c = kws_mfcc_config_default();
        kws_mfcc m;
        bad_configs[i].spoil(&c);
        if (kws_mfcc_config_check(&c) != KWS_ERR_ARG)
            fprintf(stderr, "accepted: %s\n", bad_configs[i].what);
        CHECK_EQ_INT(kws_mfcc_config_check(&c), KWS_ERR_ARG);
        CHECK(kws_mfcc_arena_size(&c) == 0);
        CHECK(kws_mfcc_stream_arena_size(&c, 55) == 0);
        CHECK_EQ_INT(kws_mfcc_init(&m, &c, arena, sizeof arena), KWS_ERR_ARG);
    }
    CHECK_EQ_INT(kws_mfcc_config_check(NULL), KWS_ERR_ARG);
    CHECK(kws_mfcc_arena_size(NULL) == 0);
}

static void test_good_configs(void)
{
    kws_mfcc_config c = kws_mfcc_config_default();
    CHECK_EQ_INT(kws_mfcc_config_check(&c), KWS_OK);
    CHECK_EQ_INT(c.sample_rate, 16000);
    CHECK_EQ_INT(c.frame_len, 512);
    CHECK_EQ_INT(c.hop_len, 256);
    CHECK_EQ_INT(c.n_mels, 40);
    CHECK_EQ_INT(c.n_mfcc, 38);
    CHECK(c.f_min == 20.0f && c.f_max == 8000.0f && c.log_floor == 1e-6f);
    CHECK_EQ_INT(kws_mfcc_num_frames(&c, 16000), 61);
    CHECK_EQ_INT(kws_mfcc_num_frames(&c, 511), 0);
    CHECK_EQ_INT(kws_mfcc_num_frames(&c, 512), 1);
    CHECK_EQ_INT(kws_mfcc_num_frames(&c, 767), 1);
    CHECK_EQ_INT(kws_mfcc_num_frames(&c, 768), 2);
    CHECK_EQ_INT(kws_mfcc_num_frames(&c, 14336), 55);
    c.f_min = 0.0f;                         /* edges are allowed */
    c.n_mfcc = c.n_mels;
    c.hop_len = c.frame_len;
    CHECK_EQ_INT(kws_mfcc_config_check(&c), KWS_OK);
}

/* More mels than FFT bins: empty filters output log(log_floor), no crash. */
static void test_empty_filters(void)
{
    kws_mfcc_config c = kws_mfcc_config_default();
    kws_mfcc m;
    int16_t pcm[16];
    float out[38];
    int i, empty = 0, finite = 1;
    c.frame_len = 16;
    c.hop_len = 8;
    for (i = 0; i < 16; i++)
        pcm[i] = (int16_t)(i * 1000 - 8000);
    CHECK_EQ_INT(kws_mfcc_init(&m, &c, arena, sizeof arena), KWS_OK);
    for (i = 0; i < c.n_mels; i++)
        empty += m.mel_count[i] == 0;
    kws_mfcc_frame(&m, pcm, out);
    for (i = 0; i < c.n_mfcc; i++)
        finite &= out[i] == out[i] && fabs(out[i]) < 1e3;
    printf("16-point frames, 40 mels: %d empty filters\n", empty);
    CHECK(empty > 0);
    CHECK(finite);
}

static void test_arena(void)
{
    kws_mfcc_config c = kws_mfcc_config_default();
    size_t need = kws_mfcc_arena_size(&c), i;
    unsigned char *bytes = (unsigned char *)arena;
    kws_mfcc m;
    float out[38];
    int16_t pcm[512] = {0};

    printf("kws_mfcc_arena_size(default) = %zu bytes, stream (55 cols) = %zu bytes\n",
           need, kws_mfcc_stream_arena_size(&c, 55));
    CHECK(need > 0 && need % 8 == 0 && need < sizeof arena);
    CHECK_EQ_INT(kws_mfcc_init(&m, &c, arena, need - 1), KWS_ERR_ARENA);
    CHECK_EQ_INT(kws_mfcc_init(&m, &c, arena, 0), KWS_ERR_ARENA);
    CHECK_EQ_INT(kws_mfcc_init(&m, &c, NULL, need), KWS_ERR_ARG);
    CHECK_EQ_INT(kws_mfcc_init(NULL, &c, arena, need), KWS_ERR_ARG);
    CHECK_EQ_INT(kws_mfcc_init(&m, &c, bytes + 4, need), KWS_ERR_ARG);
    memset(arena, 0xa5, sizeof arena);
    CHECK_EQ_INT(kws_mfcc_init(&m, &c, arena, need), KWS_OK);
    kws_mfcc_frame(&m, pcm, out);           /* silence: c0 = 40 log(1e-6) / sqrt(40) */
    CHECK_NEAR(out[0], 40.0 * log(1e-6) / sqrt(40.0), 1e-4);
    for (i = need; i < sizeof arena; i++)
        if (bytes[i] != 0xa5)
            break;
    CHECK(i == sizeof arena);               /* nothing written past the arena */
}

static void test_stream_arena(void)
{
    kws_mfcc_config c = kws_mfcc_config_default();
    static double stream_arena[1024];
    size_t need = kws_mfcc_stream_arena_size(&c, 55);
    kws_mfcc m;
    kws_mfcc_stream s;

    CHECK_EQ_INT(kws_mfcc_init(&m, &c, arena, sizeof arena), KWS_OK);
    CHECK(need == 512 * sizeof(int16_t) + 55 * 38 * sizeof(float));
    CHECK(kws_mfcc_stream_arena_size(&c, 0) == 0);
    CHECK(kws_mfcc_stream_arena_size(&c, -1) == 0);
    CHECK(kws_mfcc_stream_arena_size(&c, 1 << 30) == 0);
    CHECK_EQ_INT(kws_mfcc_stream_init(&s, &m, 0, stream_arena, sizeof stream_arena), KWS_ERR_ARG);
    CHECK_EQ_INT(kws_mfcc_stream_init(&s, &m, 55, stream_arena, need - 1), KWS_ERR_ARENA);
    CHECK_EQ_INT(kws_mfcc_stream_init(&s, &m, 55, NULL, need), KWS_ERR_ARG);
    CHECK_EQ_INT(kws_mfcc_stream_init(&s, NULL, 55, stream_arena, need), KWS_ERR_ARG);
    CHECK_EQ_INT(kws_mfcc_stream_init(&s, &m, 55, (char *)stream_arena + 2, need), KWS_ERR_ARG);
    CHECK_EQ_INT(kws_mfcc_stream_init(&s, &m, 55, stream_arena, need), KWS_OK);
    CHECK(kws_mfcc_stream_latest(&s) == NULL);
    CHECK_EQ_INT(kws_mfcc_stream_full(&s), 0);
}

int main(void)
{
    test_bad_configs();
    test_good_configs();
    test_empty_filters();
    test_arena();
    test_stream_arena();
    return test_summary("test_mfcc_config");
}
