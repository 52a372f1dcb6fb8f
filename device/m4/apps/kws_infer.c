/* kws_infer.c - keyword spotting on the Cortex-M4 with a model written by
 * `kws export`: each embedded test clip goes through the front end and the
 * integer network, and the app prints the logits and the winning class.
 *
 *   clip: 16,000 int16 samples (1 s, fitted on the host)
 *     -> kws_mfcc_frame for frames window_first .. +54 (the trainer's window)
 *     -> x[c][t] = (mfcc - mean) / std        (the model's normalization)
 *     -> kws_imodel_quantize_input -> int8 (1, 38, 55)
 *     -> kws_imodel_run -> int32 logits -> argmax -> class name
 *
 * Nothing runs before the model is checked: the generator's layout version,
 * the front end and the shapes against this app's static buffers,
 * kws_imodel_check (op table, memory plan, arena size) and the CRC-32 of
 * the parameter bytes in flash. A failed check prints "ERROR ..." and
 * exits with KWS_M4_EXIT_SETUP.
 *
 * Output, one line each; the host build of this file prints the same lines
 * and tests/device/device_m4_model.sh compares them bit for bit:
 *   model NAME: C classes, N ops, P parameter bytes, crc 0x..., arena A bytes
 *   clip K NAME: logits L0 L1 ... -> CLASS (I), expect ok|DIFF|none
 *   result: N clips, M as the host computed
 * Device-only lines: "@region SEQ NAME" (mark.h) and "stack: ...".
 *
 * Regions for the instruction counter (bench/device/bench_m4_models.sh):
 *   empty      the marker overhead, subtracted from the others
 *   frontend   one clip: 55 MFCC frames, normalization, quantization
 *   inference  one kws_imodel_run
 *   mfcc_hop   one kws_mfcc_frame: the work of one 16 ms hop when
 *              streaming (8 times, on clip 0)
 *   stream_hop one kws_stream_push (kws/stream.h), for a model that streams:
 *              the network's work per 16 ms hop (the last 8 of clip 0's
 *              pushes)
 *
 * A model that streams (its header's STREAM_SIZE > 0) also runs clip 0
 * frame by frame through kws_stream_push and prints
 *   stream clip 0: N pushes, logits L0 L1 ... -> CLASS (I), as the window: yes|NO
 * where the window's logits are kws_imodel_run's on the same clip: they
 * must be equal (the exit status says so).
 *
 * Build (device/m4/Makefile):
 *   make -C device/m4 BUILD=... BOARD=... MODEL_DIR=DIR MODEL_NAME=N infer
 * which compiles this file with -I DIR -DKWS_INFER_MODEL=N
 * -DKWS_INFER_PREFIX=<N in capitals>. On the host: the same defines plus
 * -DKWS_INFER_HOST (stdio instead of semihosting, no markers).
 * -DKWS_INFER_NO_MODEL builds the app without a model (front end on
 * silence only): the baseline that `flash(kws_infer) - flash(base)`
 * measures the model's cost against.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "kws/deployed.h"
#include "kws/mfcc.h"
#include "kws/stream.h"
#include "m4.h"

/* ---- the model ----------------------------------------------------------- */

#define INFER_CAT2(a, b) a##b
#define INFER_CAT(a, b) INFER_CAT2(a, b)
#define INFER_STR2(x) #x
#define INFER_STR(x) INFER_STR2(x)

#ifdef KWS_INFER_NO_MODEL
/* Baseline: the paper's front end and input shape, no network. */
#define IN_H 38
#define IN_W 55
#define N_CLASSES 1
#define MFCC_ARENA_SIZE 32768
#define MODEL_ARENA_SIZE 8
#define STREAM_SIZE 0
static const kws_deployed_model *const g_model = NULL;
#else
#ifndef KWS_INFER_MODEL
#define KWS_INFER_MODEL kws_model_data
#endif
#ifndef KWS_INFER_PREFIX
#define KWS_INFER_PREFIX KWS_MODEL_DATA
#endif
#include INFER_STR(KWS_INFER_MODEL.h)
/* Sizes from the generated header: NAME_IN_H, ... */
#define IN_H INFER_CAT(KWS_INFER_PREFIX, _IN_H)
#define IN_W INFER_CAT(KWS_INFER_PREFIX, _IN_W)
#define N_CLASSES INFER_CAT(KWS_INFER_PREFIX, _N_CLASSES)
#define MFCC_ARENA_SIZE INFER_CAT(KWS_INFER_PREFIX, _MFCC_ARENA_SIZE)
#define MODEL_ARENA_SIZE INFER_CAT(KWS_INFER_PREFIX, _ARENA_SIZE)
#define STREAM_SIZE INFER_CAT(KWS_INFER_PREFIX, _STREAM_SIZE)
static const kws_deployed_model *const g_model = &KWS_INFER_MODEL;
#endif

/* ---- output: semihosting on the device, stdio on the host ----------------- */

#ifdef KWS_INFER_HOST
#include <stdio.h>
static void put_s(const char *s) { fputs(s, stdout); }
static void put_i(int32_t v) { printf("%ld", (long)v); }
static void put_u(uint32_t v) { printf("%lu", (unsigned long)v); }
static void put_hex(uint32_t v) { printf("%08lx", (unsigned long)v); }
static int region_begin(const char *name) { (void)name; return 0; }
static void region_end(int seq) { (void)seq; }
static void put_stack(void) {}
#else
#include "mark.h"
#include "semihost.h"
static void put_s(const char *s) { kws_m4_puts(s); }
static void put_i(int32_t v) { kws_m4_put_i32(v); }
static void put_u(uint32_t v) { kws_m4_put_u32(v); }
static void put_hex(uint32_t v) { kws_m4_put_hex32(v); }
static int region_begin(const char *name) { return kws_m4_region_begin(name); }
static void region_end(int seq) { kws_m4_region_end(seq); }
/* The painted stack's high-water mark (startup.c) against the region the
 * linker script reserves. */
static void put_stack(void)
{
    put_s("stack: ");
    put_u(kws_m4_stack_used());
    put_s(" bytes used of ");
    put_u(kws_m4_stack_size());
    put_s(" reserved\n");
}
#endif

/* ---- static memory: everything the app needs, sized at compile time -------- */

static uint64_t g_mfcc_arena[(MFCC_ARENA_SIZE + 7) / 8];   /* MFCC tables + work */
static uint64_t g_arena[(MODEL_ARENA_SIZE + 7) / 8];       /* kws_imodel_run's plan */
static float g_col[IN_H];                                  /* one MFCC frame */
static float g_x[IN_H * IN_W];                             /* normalized (1, H, W) */
static int8_t g_xq[IN_H * IN_W];                           /* quantized (H, W, 1) */
static int32_t g_logits[N_CLASSES];
#if STREAM_SIZE > 0
static uint64_t g_stream_mem[(STREAM_SIZE + 7) / 8];       /* kws_stream_init's state */
static float g_colx[IN_H];                                 /* one normalized frame */
static int8_t g_colq[IN_H];                                /* ... quantized */
static int32_t g_stream_logits[N_CLASSES];
#endif

static int fail(const char *what, kws_status st)
{
    put_s("ERROR ");
    put_s(what);
    if (st != KWS_OK) {
        put_s(": ");
        put_s(kws_status_str(st));
    }
    put_s("\n");
    return KWS_M4_EXIT_SETUP;
}

/* Everything about the model this app relies on, before it runs. */
static int check_model(const kws_deployed_model *d)
{
    const kws_imodel *net = d->net;
    if (d->version != KWS_DEPLOYED_VERSION)
        return fail("model: written by another generator version (kws export)", KWS_ERR_VERSION);
    if (!net || net->in_c != 1 || net->in_h != IN_H || net->in_w != IN_W ||
        net->n_classes != N_CLASSES || d->n_classes != N_CLASSES)
        return fail("model: shapes differ from its header's", KWS_ERR_SHAPE);
    if (d->mfcc.n_mfcc != IN_H || d->window_cols != IN_W || d->window_first < 0 ||
        (d->n_norm != IN_H && d->n_norm != IN_H * IN_W))
        return fail("model: front end does not make its input", KWS_ERR_SHAPE);
    if (kws_mfcc_config_check(&d->mfcc) != KWS_OK ||
        (long)(d->window_first + IN_W - 1) * d->mfcc.hop_len + d->mfcc.frame_len >
            (long)d->clip_samples)
        return fail("model: MFCC configuration or window outside a clip", KWS_ERR_ARG);
    int bad_op = -1;
    kws_status st = kws_imodel_check(net, sizeof g_arena, &bad_op);
    if (st != KWS_OK) {
        put_s("ERROR model: op ");
        put_i(bad_op);
        put_s(" fails kws_imodel_check: ");
        put_s(kws_status_str(st));
        put_s("\n");
        return KWS_M4_EXIT_SETUP;
    }
    if (kws_deployed_param_crc(net) != d->param_crc)
        return fail("model: parameter CRC-32 differs (flash corrupted or tables mixed)",
                    KWS_ERR_CHECKSUM);
    return KWS_M4_EXIT_OK;
}

/* The network's input from one clip: the same arithmetic, in the same
 * order, as kws classify on the host (features, window, normalization). */
static void frontend(const kws_deployed_model *d, kws_mfcc *mfcc, const int16_t *pcm)
{
    const int H = IN_H, W = IN_W, hop = d->mfcc.hop_len;
    for (int t = 0; t < W; t++) {
        kws_mfcc_frame(mfcc, pcm + (size_t)(d->window_first + t) * (size_t)hop, g_col);
        for (int c = 0; c < H; c++) {
            int k = d->n_norm == H ? c : c * W + t;
            g_x[c * W + t] = (g_col[c] - d->norm_mean[k]) / d->norm_std[k];
        }
    }
    kws_imodel_quantize_input(d->net, g_x, g_xq);
}

/* " logits L0 L1 ... -> CLASS (I)" */
static void put_logits(const kws_deployed_model *d, const int32_t *logits)
{
    int best = kws_imodel_argmax(logits, N_CLASSES);
    put_s(" logits");
    for (int c = 0; c < N_CLASSES; c++) {
        put_s(" ");
        put_i(logits[c]);
    }
    put_s(" -> ");
    put_s(d->class_names[best]);
    put_s(" (");
    put_i(best);
    put_s(")");
}

/* Runs one clip and prints its line; 1 if it matches the host's logits. */
static int run_clip(const kws_deployed_model *d, kws_mfcc *mfcc, int k, int *ok)
{
    const kws_deployed_clip *clip = &d->clips[k];
    int seq = region_begin("frontend");
    frontend(d, mfcc, clip->pcm);
    region_end(seq);
    seq = region_begin("inference");
    kws_status st = kws_imodel_run(d->net, g_arena, sizeof g_arena, g_xq, g_logits);
    region_end(seq);
    if (st != KWS_OK)
        return fail("kws_imodel_run", st);
    put_s("clip ");
    put_i(k);
    put_s(" ");
    put_s(clip->name);
    put_s(":");
    put_logits(d, g_logits);
    put_s(", expect ");
    if (!clip->expect) {
        put_s("none\n");
        *ok = 1;
    } else {
        *ok = memcmp(clip->expect, g_logits, sizeof g_logits) == 0;
        put_s(*ok ? "ok\n" : "DIFF\n");
    }
    return KWS_M4_EXIT_OK;
}

#if STREAM_SIZE > 0
/* Clip 0 frame by frame through kws_stream_push, then the same clip as one
 * window through kws_imodel_run: the logits must be equal. */
static int run_stream(const kws_deployed_model *d, kws_mfcc *mfcc, int *ok)
{
    const kws_deployed_clip *clip = &d->clips[0];
    const int H = IN_H, W = IN_W, hop = d->mfcc.hop_len;
    *ok = 0;
    if (d->n_norm != H) /* a per-frame-position normalization does not stream */
        return fail("stream: the model normalizes per frame position", KWS_ERR_UNSUPPORTED);
    kws_stream s;
    kws_status st = kws_stream_init(&s, d->net, g_stream_mem, sizeof g_stream_mem);
    if (st != KWS_OK)
        return fail("kws_stream_init", st);
    for (int t = 0; t < W; t++) {
        kws_mfcc_frame(mfcc, clip->pcm + (size_t)(d->window_first + t) * (size_t)hop, g_col);
        for (int c = 0; c < H; c++)
            g_colx[c] = (g_col[c] - d->norm_mean[c]) / d->norm_std[c];
        kws_imodel_quantize_column(d->net, g_colx, g_colq);
        int seq = t >= W - 8 ? region_begin("stream_hop") : -1;
        st = kws_stream_push(&s, g_colq, g_stream_logits);
        if (seq >= 0)
            region_end(seq);
        if (st != KWS_OK)
            return fail("kws_stream_push", st);
    }
    frontend(d, mfcc, clip->pcm);
    st = kws_imodel_run(d->net, g_arena, sizeof g_arena, g_xq, g_logits);
    if (st != KWS_OK)
        return fail("kws_imodel_run", st);
    *ok = s.ready && memcmp(g_stream_logits, g_logits, sizeof g_logits) == 0;
    put_s("stream clip 0: ");
    put_i(W);
    put_s(" pushes,");
    put_logits(d, g_stream_logits);
    put_s(", as the window: ");
    put_s(*ok ? "yes\n" : "NO\n");
    return KWS_M4_EXIT_OK;
}
#endif

int main(void)
{
    const kws_deployed_model *d = g_model;
    kws_mfcc_config cfg = d ? d->mfcc : kws_mfcc_config_default();
    kws_mfcc mfcc;
    int rc, seq;

    if (kws_mfcc_arena_size(&cfg) > sizeof g_mfcc_arena)
        return fail("front end: MFCC arena larger than the header says", KWS_ERR_ARENA);
    kws_status st = kws_mfcc_init(&mfcc, &cfg, g_mfcc_arena, sizeof g_mfcc_arena);
    if (st != KWS_OK)
        return fail("kws_mfcc_init", st);
    seq = region_begin("empty");
    region_end(seq);

    if (!d) { /* baseline build: the front end on 1 s of silence */
        static const int16_t silence[512];
        kws_mfcc_frame(&mfcc, silence, g_col);
        put_s("no model (baseline build)\n");
        put_stack();
        return KWS_M4_EXIT_OK;
    }

    rc = check_model(d);
    if (rc != KWS_M4_EXIT_OK)
        return rc;
    put_s("model ");
    put_s(d->name);
    put_s(": ");
    put_i(d->n_classes);
    put_s(" classes, ");
    put_i(d->net->n_ops);
    put_s(" ops, ");
    put_u(d->param_bytes);
    put_s(" parameter bytes, crc 0x");
    put_hex(d->param_crc);
    put_s(", arena ");
    put_u((uint32_t)kws_imodel_arena_size(d->net));
    put_s(" bytes\n");

    int n_ok = 0, stream_ok = 1;
    for (int k = 0; k < d->n_clips; k++) {
        int ok = 0;
        rc = run_clip(d, &mfcc, k, &ok);
        if (rc != KWS_M4_EXIT_OK)
            return rc;
        n_ok += ok;
    }
    if (d->n_clips == 0) { /* no clips embedded: one inference on a zero input */
        seq = region_begin("inference");
        st = kws_imodel_run(d->net, g_arena, sizeof g_arena, g_xq, g_logits);
        region_end(seq);
        if (st != KWS_OK)
            return fail("kws_imodel_run", st);
        put_s("no clips embedded: one inference on a zero input\n");
    } else {
        for (int h = 0; h < 8; h++) { /* the per-hop cost of streaming */
            seq = region_begin("mfcc_hop");
            kws_mfcc_frame(&mfcc, d->clips[0].pcm + (size_t)(10 + h) * (size_t)cfg.hop_len,
                           g_col);
            region_end(seq);
        }
#if STREAM_SIZE > 0
        rc = run_stream(d, &mfcc, &stream_ok);
        if (rc != KWS_M4_EXIT_OK)
            return rc;
#endif
    }
    put_s("result: ");
    put_i(d->n_clips);
    put_s(" clips, ");
    put_i(n_ok);
    put_s(" as the host computed\n");
    put_stack();
    return n_ok == d->n_clips && stream_ok ? KWS_M4_EXIT_OK : KWS_M4_EXIT_CHECK;
}
